"""Parsing loss expressions and parameter values safely, with errors that name the problem."""

from __future__ import annotations

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr, standard_transformations


class ExpressionError(ValueError):
    """An expression that cannot be used: unparseable, or with undeclared symbols."""


# Names a user expression may use besides its declared symbols.
_ALLOWED_FUNCTIONS = {
    name: getattr(sp, name)
    for name in (
        "Abs", "sqrt", "exp", "log", "sin", "cos", "tanh", "Max", "Min", "Rational",
        "Piecewise", "sign", "pi", "E", "Heaviside", "cosh", "sinh", "atan",
    )
}


def real_symbol(name: str, positive: bool = False) -> sp.Symbol:
    """The project's convention: every state variable is real; step sizes are positive."""
    return sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)


def parse(text: str, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """Parse ``text`` into an exact SymPy expression over ``symbols``.

    Floats in the text are turned into exact rationals (``0.3`` means 3/10), so that the
    symbolic tier stays exact.

    Raises:
        ExpressionError: the text does not parse, or uses a name that is neither a declared
            symbol nor an allowed function.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"expression must be a non-empty string, got {text!r}")
    namespace = dict(_ALLOWED_FUNCTIONS)
    namespace.update(symbols)
    try:
        expr = parse_expr(text, local_dict=namespace, transformations=standard_transformations,
                          evaluate=True)
    except Exception as exc:  # SymPy raises many types (SyntaxError, TokenError, TypeError...)
        raise ExpressionError(f"cannot parse {text!r}: {type(exc).__name__}: {exc}") from None
    if not isinstance(expr, sp.Basic):
        expr = sp.sympify(expr)
    unknown = {s.name for s in expr.free_symbols
               if not isinstance(s, sp.Indexed)} - set(symbols)
    if unknown:
        raise ExpressionError(f"{text!r} uses undeclared symbol(s): {', '.join(sorted(unknown))}")
    return sp.nsimplify(expr, rational=True) if expr.has(sp.Float) else expr
