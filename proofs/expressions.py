"""Parsing loss expressions and parameter values safely, with errors that name the problem."""

from __future__ import annotations

import math

import sympy as sp
from sympy.core.function import AppliedUndef
from sympy.parsing.sympy_parser import parse_expr, rationalize, standard_transformations


class ExpressionError(ValueError):
    """An expression that cannot be used: unparseable, or with undeclared symbols."""


# Names a user expression may use besides its declared symbols.
ALLOWED_FUNCTIONS = {
    name: getattr(sp, name)
    for name in (
        "Abs", "sqrt", "exp", "log", "sin", "cos", "tanh", "Max", "Min", "Rational",
        "Piecewise", "sign", "pi", "E", "Heaviside", "cosh", "sinh", "atan", "Sum", "Eq",
    )
}

# What the generated code of the standard transformations needs, and nothing else: no Python
# builtins (so "__import__(...)" is not evaluated) and no other SymPy names.
_GLOBALS = {"__builtins__": {}, "Integer": sp.Integer, "Float": sp.Float,
            "Rational": sp.Rational, "Symbol": sp.Symbol, "Function": sp.Function,
            "Add": sp.Add, "Mul": sp.Mul, "Pow": sp.Pow, "Lt": sp.Lt, "Le": sp.Le,
            "Gt": sp.Gt, "Ge": sp.Ge, "Eq": sp.Eq, "Ne": sp.Ne}
# Floats become the exact rational of their decimal text ("0.1" is 1/10, every digit kept).
_TRANSFORMATIONS = standard_transformations + (rationalize,)
_MAX_DIGITS = 10_000  # an integer power with more digits than this is refused (e.g. 9**9**9)


def real_symbol(name: str, positive: bool = False) -> sp.Symbol:
    """The project's convention: every state variable is real; step sizes are positive."""
    return sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)


def _parse(text: str, namespace: dict, evaluate: bool):
    return parse_expr(text, local_dict=dict(namespace), global_dict=dict(_GLOBALS),
                      transformations=_TRANSFORMATIONS, evaluate=evaluate)


def _too_large(expr: sp.Basic) -> bool:
    """An unevaluated numeric power whose value would have more than _MAX_DIGITS digits."""
    for p in expr.atoms(sp.Pow):
        base, exp = p.args
        if base.is_Number and exp.is_number:
            if exp.atoms(sp.Pow) and _too_large(exp):
                return True
            try:
                size = abs(float(exp)) * math.log10(abs(float(base)) + 2)
            except (TypeError, OverflowError, ValueError):
                return True
            if size > _MAX_DIGITS:
                return True
    return False


def parse(text: str, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """Parse ``text`` into an exact SymPy expression over ``symbols``.

    Floats in the text are turned into the exact rational of their decimal digits (``0.3``
    means 3/10), so that the symbolic tier stays exact.

    Raises:
        ExpressionError: the text does not parse, is not an expression, uses a name that is
            neither a declared symbol nor an allowed function, or asks for an integer power
            too large to compute.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"expression must be a non-empty string, got {text!r}")
    namespace = dict(ALLOWED_FUNCTIONS)
    namespace.update(symbols)
    try:
        raw = _parse(text, namespace, evaluate=False)
        if isinstance(raw, sp.Basic) and _too_large(raw):
            raise ExpressionError(f"{text!r} asks for a number too large to compute")
        expr = _parse(text, namespace, evaluate=True)
    except ExpressionError:
        raise
    except Exception as exc:  # SymPy raises many types (SyntaxError, TokenError, TypeError...)
        raise ExpressionError(f"cannot parse {text!r}: {type(exc).__name__}: {exc}") from None
    if isinstance(expr, (int, float)) and not isinstance(expr, bool):
        expr = sp.Rational(str(expr))
    if not isinstance(expr, sp.Basic):
        raise ExpressionError(f"{text!r} is not an expression (got {type(expr).__name__})")
    unknown_functions = sorted({f.func.__name__ for f in expr.atoms(AppliedUndef)})
    if unknown_functions:
        raise ExpressionError(f"{text!r} uses unknown function(s): {', '.join(unknown_functions)}"
                              f" (allowed: {', '.join(sorted(ALLOWED_FUNCTIONS))})")
    unknown = {s.name for s in expr.free_symbols
               if not isinstance(s, sp.Indexed)} - set(symbols)
    if unknown:
        raise ExpressionError(f"{text!r} uses undeclared symbol(s): {', '.join(sorted(unknown))}")
    return expr
