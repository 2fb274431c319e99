"""Certified inequalities over boxes from SymPy expressions (issue 18, item 2).

``prove_nonnegative(g, {"a": (lo, hi), ...})`` proves g >= 0 (or g > 0) on the box by the
branch and bound of :mod:`numerics.certified.boxprover`, or returns a re-checked
counterexample, or ``undecided`` with the boxes left.  This module is the SymPy side: it turns
g, its gradient and its Hessian into callables on enclosures (:mod:`proofs.ballcode`), adds
``factor(g)`` as a second form whose enclosure is intersected with g's (so (x - y)**2 written
out as x**2 - 2*x*y + y**2 is still seen to be >= 0), and supplies the point oracles: the exact
sign of g at a rational point (SymPy, only when g evaluates to a rational there) and the
re-check of a counterexample (mpmath at ``RECHECK_DPS`` digits, and exactly where possible).

Symbols take the assumptions the box gives them (positive when lo > 0, ...), which lets SymPy
write sqrt(a*b) as sqrt(a)*sqrt(b) and |x| as x where that is true on the whole box.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from numerics.certified.arithmetic import ARITHMETICS
from numerics.certified.boxprover import BoxProblem, BoxProofResult, Point, prove_box
from proofs.ballcode import UnsupportedExpression, check_supported, compile_ball

RECHECK_DPS = 60
MARGIN_DIGITS = 30  # a re-checked value must be below -10**-30 (or exactly violate)

__all__ = ["BoxInputError", "BoxProofResult", "UnsupportedExpression", "prove_nonnegative"]


class BoxInputError(ValueError):
    """A box or an expression that is not valid input (the message names the key)."""


def _exact(value: Any, key: str) -> Fraction:
    """An exact rational box end: int, Fraction, SymPy Rational or a decimal/fraction string."""
    if isinstance(value, bool) or isinstance(value, float):
        raise BoxInputError(f"box[{key!r}]: {value!r} is a float; give an exact rational "
                            "(int, Fraction, sympy.Rational or a string like '1/10' or '0.1')")
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    try:
        return Fraction(value)
    except (TypeError, ValueError) as exc:
        raise BoxInputError(f"box[{key!r}]: {value!r} is not an exact rational") from exc


def parse_box(box: Mapping[str, Any]) -> dict[str, tuple[Fraction, Fraction]]:
    """{name: (lo, hi)} with exact ends and lo <= hi, else :class:`BoxInputError`."""
    if not isinstance(box, Mapping) or not box:
        raise BoxInputError("box: expected a non-empty mapping {name: (lo, hi)}")
    out = {}
    for key, ends in box.items():
        if not isinstance(key, str) or not isinstance(ends, (tuple, list)) or len(ends) != 2:
            raise BoxInputError(f"box[{key!r}]: expected a pair (lo, hi)")
        lo, hi = _exact(ends[0], key), _exact(ends[1], key)
        if lo > hi:
            raise BoxInputError(f"box[{key!r}]: lo = {lo} > hi = {hi}")
        out[key] = (lo, hi)
    return out


def _symbol(name: str, lo: Fraction, hi: Fraction) -> sp.Symbol:
    """The parameter with the assumptions its interval guarantees."""
    if lo > 0:
        return sp.Symbol(name, positive=True)
    if lo >= 0:
        return sp.Symbol(name, nonnegative=True)
    if hi < 0:
        return sp.Symbol(name, negative=True)
    if hi <= 0:
        return sp.Symbol(name, nonpositive=True)
    return sp.Symbol(name, real=True)


@dataclass(frozen=True)
class Prepared:
    """g with the box's symbols, its equal rewritings, gradient and Hessian (SymPy)."""

    symbols: tuple[sp.Symbol, ...]
    g: sp.Expr
    forms: tuple[sp.Expr, ...]
    grad: tuple[sp.Expr, ...] | None
    hess: tuple[tuple[sp.Expr, ...], ...] | None


def prepare(expr: sp.Expr, box: Mapping[str, tuple[Fraction, Fraction]]) -> Prepared:
    """Rename g's symbols to the box's (with assumptions), check support, differentiate."""
    if not isinstance(expr, sp.Expr):
        raise BoxInputError(f"expr: expected a SymPy expression, got {type(expr).__name__}")
    symbols = tuple(_symbol(n, lo, hi) for n, (lo, hi) in box.items())
    by_name = {s.name: s for s in symbols}
    unknown = sorted(s.name for s in expr.free_symbols if s.name not in by_name)
    if unknown:
        raise BoxInputError(f"expr: symbol(s) {', '.join(unknown)} have no interval in the box")
    g = expr.xreplace({s: by_name[s.name] for s in expr.free_symbols})
    g = g.xreplace({f: sp.Rational(f) for f in g.atoms(sp.Float)})
    check_supported(g, symbols)
    forms = [g]
    factored = sp.factor(g)
    if factored != g:
        try:
            check_supported(factored, symbols)
            forms.append(factored)
        except UnsupportedExpression:
            pass  # a rewriting we cannot enclose is simply not used
    grad = tuple(sp.diff(g, s) for s in symbols)
    hess = tuple(tuple(sp.diff(grad[i], symbols[j]) for j in range(len(symbols)))
                 for i in range(len(symbols)))
    return Prepared(symbols, g, tuple(forms), grad, hess)


def _derivatives(p: Prepared, functions: Mapping) -> tuple[tuple | None, tuple | None]:
    """Compiled gradient and Hessian; None for one whose formula the compiler cannot take
    (the prover then works without it: slower, never less rigorous)."""
    def build(exprs):
        return tuple(compile_ball(e, p.symbols, functions, derivative=True) for e in exprs)

    try:
        grad = build(p.grad)
    except UnsupportedExpression:
        return None, None
    try:
        hess = tuple(build(row) for row in p.hess)
    except UnsupportedExpression:
        hess = None
    return grad, hess


def exact_value(g: sp.Expr, symbols: tuple[sp.Symbol, ...], point: Point) -> sp.Rational | None:
    """g at a rational point, exactly, when SymPy reduces it to a rational (else None)."""
    v = g.xreplace({s: sp.Rational(q.numerator, q.denominator) for s, q in zip(symbols, point)})
    if not v.is_Rational:
        v = sp.simplify(v)
    return v if v.is_Rational else None


def _oracles(p: Prepared):
    """(exact_sign, confirm) for :class:`BoxProblem`."""
    g_mp = sp.lambdify(list(p.symbols), p.g, modules="mpmath")
    margin = mpmath.mpf(10) ** -MARGIN_DIGITS

    def exact_sign(point: Point) -> int | None:
        v = exact_value(p.g, p.symbols, point)
        return None if v is None else int(sp.sign(v))

    def confirm(point: Point, strict: bool) -> tuple[bool, str]:
        exact = exact_value(p.g, p.symbols, point)
        if exact is not None:
            return bool(exact < 0 or (strict and exact == 0)), str(exact)
        with mpmath.workdps(RECHECK_DPS):
            try:
                v = g_mp(*(mpmath.mpf(q.numerator) / q.denominator for q in point))
            except (ValueError, ZeroDivisionError, ArithmeticError):
                return False, "undefined"
            if not isinstance(v, mpmath.mpf) or not mpmath.isfinite(v):
                return False, str(v)
            return bool(v < -margin), mpmath.nstr(v, 20)

    return exact_sign, confirm


def box_problem(p: Prepared, arithmetic: str = "flint") -> BoxProblem:
    """The engine's problem for one arithmetic ("flint" or "mpmath.iv")."""
    functions = ARITHMETICS[arithmetic].functions
    forms = tuple(compile_ball(f, p.symbols, functions) for f in p.forms)
    grad, hess = _derivatives(p, functions)
    exact_sign, confirm = _oracles(p)
    return BoxProblem(tuple(s.name for s in p.symbols), forms, grad, hess, exact_sign, confirm)


def prove_nonnegative(expr: sp.Expr, box: Mapping[str, Any], strict: bool = False,
                      budget: int = 20_000, max_depth: int = 40, prec: int = 128,
                      arithmetic: str = "flint") -> BoxProofResult:
    """Prove ``expr >= 0`` (``> 0`` when ``strict``) for every point of ``box``.

    Args:
        expr: a SymPy expression (never a string: parse claim text with a safe parser first).
        box: {parameter name: (lo, hi)} with exact rational ends; every symbol of ``expr``
            needs one (extra parameters are allowed).
        strict: prove ``expr > 0``.
        budget: the most boxes examined.
        max_depth: the most bisections of one box.
        prec: working precision in bits.
        arithmetic: "flint" (python-flint balls) or "mpmath.iv" (for comparison).

    Returns:
        :class:`BoxProofResult` with outcome ``proven``, ``counterexample`` (re-checked at
        high precision or exactly) or ``undecided`` (with the boxes left).

    Raises:
        BoxInputError: the box or the expression is malformed (the message names the key).
        UnsupportedExpression: ``expr`` uses something the ball compiler cannot enclose.
    """
    if arithmetic not in ARITHMETICS:
        raise BoxInputError(f"arithmetic: {arithmetic!r} is not one of {sorted(ARITHMETICS)}")
    if budget < 1 or max_depth < 0 or prec < 16:
        raise BoxInputError("budget >= 1, max_depth >= 0 and prec >= 16 are required")
    ends = parse_box(box)
    prepared = prepare(expr, ends)
    problem = box_problem(prepared, arithmetic)
    return prove_box(problem, list(ends.values()), strict=strict, max_boxes=budget,
                     max_depth=max_depth, prec=prec, arithmetic=ARITHMETICS[arithmetic])
