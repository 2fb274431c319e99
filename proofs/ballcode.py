"""SymPy expressions as callables on interval enclosures, through a whitelist (issue 18, item 2).

Unlike :func:`proofs.compile.to_arb` (lambdify with ``math`` as the fallback module, so an
unknown function or a constant like E silently becomes a float), this printer accepts only the
node types listed below and raises :class:`UnsupportedExpression` on anything else.  Every
operation is printed as a call into a namespace (``_SQRT``, ``_POWI``, ``_RAT``, ...) that an
:class:`numerics.certified.arithmetic.Arithmetic` supplies, so one expression compiles for
python-flint balls and for mpmath.iv alike.  The generated source contains only names chosen
here and integer literals, never text from the expression, so compiling it executes nothing
from the input.

Supported: symbols (the listed arguments), integers, rationals, floats (taken at their exact
binary value), pi, E, +, *, powers (integer, rational and symbolic exponents), sqrt, exp,
log, sin, cos, tanh, Abs, Min, Max.  In derivatives also sign and Heaviside, which the
namespace evaluates only where the sign is constant (across a kink they are non-finite).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import sympy as sp


class UnsupportedExpression(ValueError):
    """The expression has a node the ball compiler does not handle (the message names it)."""


_FUNCTIONS: dict[type, str] = {
    sp.exp: "_EXP", sp.log: "_LOG", sp.sin: "_SIN", sp.cos: "_COS", sp.tanh: "_TANH",
    sp.Abs: "_ABS", sp.Min: "_MIN", sp.Max: "_MAX",
}
_DERIVATIVE_ONLY: dict[type, str] = {sp.sign: "_SIGN", sp.Heaviside: "_HEAVISIDE"}


def _rational(q: sp.Rational) -> str:
    if q.q == 1:
        return f"({int(q.p)})"
    return f"_RAT({int(q.p)}, {int(q.q)})"


class _Printer:
    def __init__(self, names: Mapping[sp.Symbol, str], derivative: bool) -> None:
        self.names = names
        self.functions = {**_FUNCTIONS, **(_DERIVATIVE_ONLY if derivative else {})}

    def __call__(self, e: sp.Basic) -> str:  # noqa: PLR0911 - one branch per node type
        if e in self.names:
            return self.names[e]
        if isinstance(e, sp.Symbol):
            raise UnsupportedExpression(f"unknown symbol {e.name!r} (not a box parameter)")
        if isinstance(e, sp.Rational):
            return _rational(e)
        if isinstance(e, sp.Float):
            return _rational(sp.Rational(e))
        if e is sp.pi:
            return "_PI()"
        if e is sp.E:
            return "_E()"
        if isinstance(e, sp.Add):
            return "_ADD(" + ", ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Mul):
            return "_MUL(" + ", ".join(self(a) for a in e.args) + ")"
        if isinstance(e, sp.Pow):
            return self.power(e.base, e.exp)
        if e.func in self.functions and (e.func is not sp.log or len(e.args) == 1):
            return f"{self.functions[e.func]}(" + ", ".join(self.ball(a) for a in e.args) + ")"
        raise UnsupportedExpression(
            f"unsupported {type(e).__name__} in {sp.sstr(e)[:80]!r}; supported: + - * /, "
            "powers, sqrt, exp, log, sin, cos, tanh, Abs, Min, Max, rationals, pi, E")

    def ball(self, e: sp.Basic) -> str:
        """``e`` as an enclosure even when it is an integer (functions take no Python ints)."""
        return f"_RAT({int(e)}, 1)" if isinstance(e, sp.Integer) else self(e)

    def power(self, base: sp.Basic, expo: sp.Basic) -> str:
        b = self.ball(base)
        if isinstance(expo, sp.Float):
            expo = sp.Rational(expo)
        if isinstance(expo, sp.Integer):
            return f"_POWI({b}, {int(expo)})"
        if isinstance(expo, sp.Rational):
            if expo == sp.Rational(1, 2):
                return f"_SQRT({b})"
            return f"_RPOW({b}, {int(expo.p)}, {int(expo.q)})"
        return f"_GPOW({b}, {self.ball(expo)})"


def ball_source(expr: sp.Basic, args: Sequence[sp.Symbol], derivative: bool = False) -> str:
    """Python source of ``def _f(a0, a1, ...)`` computing ``expr`` in the namespace's calls.

    Common subexpressions are computed once (``sympy.cse``).
    """
    names = {s: f"a{k}" for k, s in enumerate(args)}
    replacements, (reduced,) = sp.cse([expr], symbols=sp.numbered_symbols("_cse_"))
    lines = [f"def _f({', '.join(names.values())}):"]
    for k, (sym, sub) in enumerate(replacements):
        lines.append(f"    c{k} = {_Printer(names, derivative)(sub)}")
        names = {**names, sym: f"c{k}"}
    if isinstance(reduced, sp.Integer):  # a constant (a derivative): still an enclosure
        lines.append(f"    return _RAT({int(reduced)}, 1)")
    else:
        lines.append(f"    return {_Printer(names, derivative)(reduced)}")
    return "\n".join(lines)


def check_supported(expr: sp.Basic, args: Sequence[sp.Symbol]) -> None:
    """Raise :class:`UnsupportedExpression` when ``expr`` has a node outside the whitelist."""
    _Printer({s: "a" for s in args}, derivative=False)(expr)


def compile_ball(expr: sp.Basic, args: Sequence[sp.Symbol], functions: Mapping[str, Callable],
                 derivative: bool = False) -> Callable:
    """A callable of ``len(args)`` enclosures returning an enclosure of ``expr``.

    ``functions`` is an arithmetic's namespace (``Arithmetic.functions``).
    """
    namespace = dict(functions)
    exec(ball_source(expr, args, derivative), namespace)  # noqa: S102 - source built above
    return namespace["_f"]
