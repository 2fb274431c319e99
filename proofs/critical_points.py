"""Exact signs of polynomials at the real roots of another polynomial (Sturm counting on
rational isolating intervals): which equilibria of a polynomial GD map attract at a step size.

Used for the talk slides of Nar & Sastry (2018): at delta = 0.3 every critical point of
(x^2+1)(x-1)^2(x-2)^2 except x1* = 1 repels, so a convergent run ends at x1* almost surely.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class RootSign:
    """A real root of P in the exact interval [lo, hi] and the sign of Q there (-1, 0, 1)."""

    lo: sp.Rational
    hi: sp.Rational
    sign: int


def signs_at_roots(P: sp.Poly, Q: sp.Poly, max_refinements: int = 60) -> list[RootSign]:
    """For each distinct real root of ``P`` (rational coefficients), the exact sign of ``Q``.

    An isolating interval of the root is refined until ``Q`` has no root in it (then Q has
    one sign there, read at an end point); a root shared with Q (a root of gcd(P, Q) in the
    interval) has sign 0.  Raises ValueError when refinement does not separate them.
    """
    square_free = sp.Poly(sp.quo(P, sp.gcd(P, P.diff())), *P.gens)
    common = sp.gcd(square_free, Q)
    out = []
    for (lo, hi), _ in square_free.intervals():
        lo, hi = sp.Rational(lo), sp.Rational(hi)
        if common.degree() > 0 and common.count_roots(lo, hi) > 0:
            out.append(RootSign(lo, hi, 0))
            continue
        for _ in range(max_refinements):
            if lo == hi or Q.count_roots(lo, hi) == 0:
                break
            lo, hi = (sp.Rational(v) for v in square_free.refine_root(lo, hi, eps=(hi - lo) / 4))
        else:
            raise ValueError(f"could not separate a root of {P.as_expr()} from those of "
                             f"{Q.as_expr()}")
        out.append(RootSign(lo, hi, int(sp.sign(Q.eval(lo)))))
    return out


def equilibrium_multipliers(loss: sp.Expr, x: sp.Symbol,
                            step_value: sp.Rational) -> list[tuple[sp.Rational, sp.Rational, str]]:
    """Every real critical point of a polynomial ``loss`` (in the exact interval [lo, hi])
    with its GD multiplier 1 - delta f'' classified exactly at ``delta = step_value``:
    "attracting" (|m| < 1), "repelling" (|m| > 1) or "neutral" (|m| = 1)."""
    grad = sp.Poly(sp.diff(loss, x), x)
    curv = sp.Poly(sp.diff(loss, x, 2), x)
    beyond = sp.Poly(curv.as_expr() - 2 / step_value, x)  # f'' - 2/delta: m < -1 when > 0
    out = []
    for below, above in zip(signs_at_roots(grad, curv), signs_at_roots(grad, beyond)):
        if below.sign < 0 or above.sign > 0:
            kind = "repelling"
        elif below.sign > 0 and above.sign < 0:
            kind = "attracting"
        else:
            kind = "neutral"
        out.append((max(below.lo, above.lo), min(below.hi, above.hi), kind))
    return out
