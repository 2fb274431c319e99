"""Global convergence to a symmetric 2-cycle {P, -P} for every step size and every start.

Nar & Sastry (2018), Example 1: GD on f(x) = (2/3)|x|^{3/2} reaches the origin only from a
countable set S and converges to the oscillation +-delta^2/4 from every other start.

The proof reduces the whole family to one map and checks every fact it rests on exactly:

1. g is odd, P(delta) > 0, and h(y) = g(P y, delta) / P is free of delta (so one map, for
   every step size), and on y = s^2 > 0 it is a polynomial q(s) in s = sqrt(y).
2. h(1) = -1: {P, -P} is a 2-cycle of g (h is odd).
3. q has exactly one positive root s0 > 1, q < 0 on (0, s0), q > 0 on (s0, oo); q >= -1 on
   [0, s0]; s^2 - q(s) >= m > 0 on [s0, oo).  So a start y > s0^2 moves down by at least m
   per step while staying positive, and every y in (0, s0^2) is mapped into [-1, 0): in
   finitely many steps the orbit is 0 or in the inner region 0 < |y| <= 1 (by oddness the
   same holds for y < 0).
4. On (0, 1): t^2 < -q(t) <= 1.  In the inner region |y| = t^2 is mapped to -q(t), so t
   increases strictly, stays <= 1 (< s0: still inner, the sign alternates), and converges;
   its limit solves -q(t) = t^2, whose only root in (0, 1] is t = 1.  So |y| -> 1 with
   alternating signs: the orbit converges to {1, -1}, i.e. x to {P, -P}.
5. Hence an orbit converges to 0 only by landing on 0 exactly; the points landing on 0 are
   0 and the iterated preimages of +-s0^2, finitely many per level (q is a nonconstant
   polynomial), so S is countable; 0 is the only equilibrium (q(s) < s^2 for every s > 0).

Steps 3 and 4 are decided by exact real-root counting (Sturm) and SymPy's exact extrema of
polynomials; a fact that does not hold (or cannot be decided) leaves the proof undecided.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy as sp
from sympy.calculus.util import minimum

from proofs.identities import prove_zero


@dataclass(frozen=True)
class CycleProof:
    """The outcome: ``holds`` True (every fact proven), False (a fact is false), None."""

    holds: bool | None
    reason: str
    facts: dict[str, str] = field(default_factory=dict)


def _sign_on(poly: sp.Poly, lo, hi) -> int | None:
    """The constant sign of ``poly`` on the open interval (lo, hi) (hi may be oo), or None
    when it has a root there."""
    if poly.is_zero:
        return 0
    if poly.count_roots(lo, hi) - sum(1 for end in (lo, hi) if end != sp.oo
                                      and poly.eval(end) == 0) > 0:
        return None
    probe = (lo + 1) if hi == sp.oo else (sp.Rational(lo) + sp.Rational(hi)) / 2
    return int(sp.sign(poly.eval(probe)))


def prove_symmetric_cycle(gd_map: sp.Expr, x: sp.Symbol, step: sp.Symbol,
                          point: sp.Expr) -> CycleProof:
    """Prove that GD ``x -> gd_map`` converges to the 2-cycle {point, -point} from every start
    outside a countable set S (whose orbits land on 0), for every step > 0 (module docstring).
    """
    try:
        return _prove(gd_map, x, step, point)
    except (sp.PolynomialError, NotImplementedError, TypeError) as exc:
        # e.g. irrational coefficients that exact root counting does not handle: no guess
        return CycleProof(None, f"SymPy could not decide a step: {exc}")


def _prove(gd_map: sp.Expr, x: sp.Symbol, step: sp.Symbol, point: sp.Expr) -> CycleProof:
    facts: dict[str, str] = {}
    y = sp.Symbol("y", positive=True)
    s = sp.Symbol("s", positive=True)
    if not prove_zero(gd_map.subs(x, -x) + gd_map):
        return CycleProof(None, "the GD map is not shown to be odd", facts)
    if not point.is_positive:
        return CycleProof(None, f"the claimed point {point} is not shown positive", facts)
    h = sp.simplify(gd_map.subs(x, point * y) / point)
    facts["h(y) = g(P y)/P, y > 0"] = str(h)
    if h.has(step):
        return CycleProof(None, f"g(P y)/P = {h} still depends on {step}: no single map", facts)
    q = sp.expand(sp.simplify(h.subs(y, s ** 2)))
    if not q.is_polynomial(s):
        return CycleProof(None, f"h(s^2) = {q} is not a polynomial in s", facts)
    Q = sp.Poly(q, s)
    facts["q(s) = h(s^2)"] = str(q)
    image = Q.eval(1)
    facts["h(1)"] = str(image)
    if image != -1:
        return CycleProof(False, f"h(1) = {image}, not -1: {{P, -P}} is not a 2-cycle", facts)
    roots = [r for r in sp.Poly(Q, s).real_roots() if r > 0]
    distinct = sorted(set(roots), key=lambda r: float(r))
    if len(distinct) != 1 or not distinct[0] > 1:
        return CycleProof(None, f"q has positive roots {distinct}, not exactly one above 1",
                          facts)
    s0 = distinct[0]
    facts["s0 (q(s0) = 0: lands on 0)"] = str(s0)
    if _sign_on(Q, 0, s0) != -1 or _sign_on(Q, s0, sp.oo) != 1:
        return CycleProof(None, "q does not have sign - on (0, s0) and + beyond", facts)
    low = minimum(q, s, sp.Interval(0, s0))
    descent = minimum(sp.expand(s ** 2 - q), s, sp.Interval(s0, sp.oo))
    facts["min q on [0, s0]"] = str(low)
    facts["min (s^2 - q) on [s0, oo)"] = str(descent)
    if not (sp.simplify(low + 1).is_nonnegative and descent.is_positive):
        return CycleProof(None, "the inner image is not in [-1, 0) or the outer descent is not "
                          "bounded below by a positive constant", facts)
    gap = sp.Poly(sp.expand(-q - s ** 2), s)
    if _sign_on(gap, 0, 1) != 1:
        return CycleProof(None, "-q(t) > t^2 fails somewhere on (0, 1): t need not increase",
                          facts)
    facts["inner map"] = "t -> sqrt(-q(t)): increasing orbit, only fixed point t = 1 in (0, 1]"
    return CycleProof(True, (
        f"for every {step} > 0, x = P y conjugates GD to y -> h(y) with h(s^2) = {q}: starts "
        f"beyond s0^2 = {s0 ** 2} descend by >= {descent} per step, (0, s0^2) maps into "
        "[-1, 0), and on 0 < |y| <= 1 sqrt|y| increases to 1 with alternating signs; only the "
        "countably many preimages of 0 (q a polynomial) reach the origin, the only "
        "equilibrium"), facts)
