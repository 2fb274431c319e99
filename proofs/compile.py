"""Turning exact SymPy expressions into numeric callables for the numeric engines.

The numeric engines in :mod:`numerics` take plain callables, so they never need SymPy; this
module is the one bridge: numpy (float64, vectorised), mpmath (high precision) and python-flint
``arb`` balls (certified enclosures).
"""

from __future__ import annotations

import functools

from collections.abc import Callable, Sequence

import flint
import sympy as sp
from sympy.printing.c import C99CodePrinter
from sympy.printing.numpy import NumPyPrinter
from sympy.printing.precedence import PRECEDENCE


class _FastPowerPrinter(NumPyPrinter):
    """Prints x**n for integer 3 <= n <= 8 as a product: numpy's float power is far slower than a
    few multiplications (about 50 ns against 1-2 ns per element)."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer and 3 <= int(expr.exp) <= 8:
            base = self.parenthesize(expr.base, PRECEDENCE["Mul"])
            return "*".join([base] * int(expr.exp))
        return super()._print_Pow(expr, rational=rational)


def to_numpy(expr: sp.Expr, args: Sequence[sp.Symbol]) -> Callable:
    """A float64 numpy ufunc-style callable of ``args`` (broadcasts over arrays)."""
    return sp.lambdify(list(args), expr, modules="numpy", cse=True,
                       printer=_FastPowerPrinter({"fully_qualified_modules": False,
                                                  "inline": True, "allow_unknown_functions": True,
                                                  "user_functions": {}}))


class _CPrinter(C99CodePrinter):
    """C99 with small integer powers as products (as in the numpy printer: pow() is slow)."""

    def _print_Pow(self, expr, rational=False):
        if expr.exp.is_Integer and 2 <= int(expr.exp) <= 8:
            base = self.parenthesize(expr.base, PRECEDENCE["Mul"])
            return "(" + "*".join([base] * int(expr.exp)) + ")"
        return super()._print_Pow(expr)

    def _print_sign(self, expr):
        arg = self._print(expr.args[0])
        return f"(double)(({arg} > 0) - ({arg} < 0))"


def to_c(expr: sp.Expr, x: sp.Symbol, step: sp.Symbol) -> str | None:
    """A C expression of the map in variables named ``x`` and ``delta`` (None if not printable).

    For :mod:`numerics.compiled`; the names are fixed so the kernel template can use them.
    """
    renamed = expr.subs({x: sp.Symbol("x", real=True), step: sp.Symbol("delta", positive=True)},
                        simultaneous=True)
    try:
        code = _CPrinter({"strict": True}).doprint(renamed)
    except Exception:  # a function C99 cannot print: keep the numpy engine
        return None
    return None if "Not supported" in code else code


HORNER_MAX_POWER = 64  # a higher power is left as it is (the symbolic tier's limit too)


def horner_map(gd_map: sp.Expr, x: sp.Symbol, step: sp.Symbol) -> sp.Expr:
    """``x - step*grad(x)`` with the gradient in Horner form when it is a polynomial in ``x``
    with coefficients free of ``step`` (else ``gd_map`` unchanged).

    For the fused multiply-add kernels (:func:`numerics.compiled.build` with ``fma=True``):
    Horner's ``c0 + x*(c1 + x*(...))`` is one ``a*b + c`` per degree.  Exactly equal to
    ``gd_map`` as an expression; in floating point it rounds differently.
    """
    # Decided before expanding: SymPy's automatic evaluation already cancels x and step here,
    # and expanding a high power such as (x - a)**100000 would take minutes (a claim file may
    # hold one; the kernel then runs the map as it is).
    grad = (x - gd_map) / step
    if grad.has(step) or not grad.is_polynomial(x) or any(
            p.exp.is_Integer and abs(p.exp) > HORNER_MAX_POWER for p in grad.atoms(sp.Pow)):
        return gd_map
    return x - step * sp.horner(sp.expand(grad), x)


def to_torch(expr: sp.Expr, args: Sequence[sp.Symbol]) -> Callable:
    """A callable on torch tensors (for :mod:`numerics.accel`); needs torch installed."""
    import torch  # noqa: PLC0415 - optional: only called when numerics.accel found a GPU
    from sympy.printing.pytorch import TorchPrinter  # noqa: PLC0415

    return sp.lambdify(list(args), expr, modules=[{"torch": torch}, "math"],
                       printer=TorchPrinter(), cse=True)


def to_mpmath(expr: sp.Expr, args: Sequence[sp.Symbol], cse: bool = False) -> Callable:
    """An mpmath callable; evaluate it inside ``mpmath.workdps`` for the wanted precision.

    With ``cse`` the common subexpressions are computed once (a GD map evaluated thousands of
    times along an orbit: a chain's entries share the product and the error; 3-4x fewer
    operations, the same values up to rounding at the working precision).
    Compiled once per process for the same expression and arguments (:func:`compiled_once`)."""
    return compiled_once((expr, tuple(args), "mpmath-cse" if cse else "mpmath"),
                         lambda: sp.lambdify(list(args), expr, modules="mpmath", cse=cse))


_COMPILED: dict = {}
_MAX_COMPILED = 256


def compiled_once(key: tuple, build: Callable[[], object]) -> object:
    """``build()``, remembered under ``key`` (a matrix in it compared by its entries) for the
    rest of the process: the parts of a claim, and claims, that share a model (the same loss,
    Hessian, symbols) share their compiled functions instead of compiling each again (a 2 x 2
    chain of depth 4 takes seconds).  A pure function of the key; at most 256 are kept."""
    key = tuple(sp.ImmutableMatrix(k) if isinstance(k, sp.MatrixBase) else k for k in key)
    try:
        found = _COMPILED.get(key)
    except TypeError:  # an unhashable part (a list of expressions): not remembered
        return build()
    if found is None:
        if len(_COMPILED) >= _MAX_COMPILED:
            _COMPILED.clear()
        found = _COMPILED[key] = build()
    return found


def _arb_sign(a: flint.arb) -> flint.arb:
    if a > 0:
        return flint.arb(1)
    if a < 0:
        return flint.arb(-1)
    if a == 0:
        return flint.arb(0)
    return flint.arb(0, 1)  # the sign of a ball that straddles 0 is enclosed by [-1, 1]


def _arb_abs(a: flint.arb) -> flint.arb:
    return abs(a).nonnegative_part()  # |ball| without the negative sliver of a centred ball


_ARB_FUNCTIONS = {
    "sqrt": lambda a: a.sqrt(),
    "sign": _arb_sign,
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "sin": lambda a: a.sin(),
    "cos": lambda a: a.cos(),
    "tanh": lambda a: a.tanh(),
    "_PI": flint.arb.pi,
    "_E": lambda: flint.arb(1).exp(),
    "_MIN": lambda *a: functools.reduce(lambda u, v: flint.arb(u).min(v), a),
    "_MAX": lambda *a: functools.reduce(lambda u, v: flint.arb(u).max(v), a),
}


def to_arb(expr: sp.Expr, args: Sequence[sp.Symbol]) -> Callable:
    """A callable on ``flint.arb`` balls returning a ball that encloses the exact value.

    Rationals are kept exact (``flint.arb(p)/q``), so the enclosure is rigorous.
    """
    # Floats are taken at their exact binary value, then every non-integer rational exactly.
    printer_expr = sp.sympify(expr).replace(lambda e: isinstance(e, sp.Float),
                                            lambda e: sp.Rational(e))
    printer_expr = printer_expr.replace(
        lambda e: isinstance(e, sp.Rational) and not isinstance(e, sp.Integer),
        lambda e: sp.Function("_RAT")(e.p, e.q),
    )
    # Constants are enclosed when the callable runs, at the precision then in force (a ball
    # made once at import would carry 53 bits into a 256-bit proof); Min and Max go to the ball
    # versions (the builtins compare balls, which is wrong when they overlap).
    printer_expr = printer_expr.subs({sp.pi: sp.Function("_PI")(), sp.E: sp.Function("_E")()})
    printer_expr = printer_expr.replace(sp.Min, sp.Function("_MIN"))
    printer_expr = printer_expr.replace(sp.Max, sp.Function("_MAX"))
    # The math printer writes sign(x) as copysign(1, x), a float that is wrong for a ball
    # straddling 0, and Abs(x) as the builtin abs, whose ball around 0 dips below 0 (so a sqrt
    # of it is NaN); opaque names route both to the ball versions instead.
    printer_expr = printer_expr.replace(sp.sign, sp.Function("_SIGN"))
    printer_expr = printer_expr.replace(sp.Abs, sp.Function("_ABS"))
    # A function without a ball version fails loudly instead of being printed as a ``math``
    # call that silently computes in floats.
    unknown = sorted({f.func.__name__ for f in printer_expr.atoms(sp.Function)}
                     - set(_ARB_FUNCTIONS) - {"_RAT", "_SIGN", "_ABS"})
    if unknown:
        raise ValueError(f"no ball version of {', '.join(unknown)} (certified tier)")
    modules = [dict(_ARB_FUNCTIONS, _RAT=lambda p, q: flint.arb(int(p)) / int(q),
                    _SIGN=_arb_sign, _ABS=_arb_abs)]
    return sp.lambdify(list(args), printer_expr, modules=modules)


def exact_to_arb(value: sp.Expr, prec_bits: int = 256) -> flint.arb:
    """Enclose an exact constant (radicals allowed) in a ball."""
    old = flint.ctx.prec
    flint.ctx.prec = prec_bits
    try:
        return flint.arb(to_arb(value, [])())
    finally:
        flint.ctx.prec = old
