"""Scalar GD maps x -> x - delta f'(x): equilibria, periodic orbits, multipliers, preimages.

The losses of Nar & Sastry (2018), "Step Size Matters", Section 1 (Examples 1 and 2) and the
talk slides' polynomial example are all of this kind.  Losses may contain ``Abs(x)``: they are
then handled one sign branch at a time (x = s t^2 with t > 0 and s = +-1), which is exact and
removes every ``Abs``/``sign`` and the square roots of |x|.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class ScalarGD:
    """Gradient descent on a scalar loss ``loss(x)`` with step symbol ``step``."""

    loss: sp.Expr
    x: sp.Symbol
    step: sp.Symbol

    @property
    def gradient(self) -> sp.Expr:
        return sp.diff(self.loss, self.x)

    @property
    def gd_map(self) -> sp.Expr:
        """g(x) = x - delta f'(x), eq. (1) of the paper."""
        return self.x - self.step * self.gradient

    def g(self, value: sp.Expr) -> sp.Expr:
        """One GD step from an exact value, simplified."""
        return sp.simplify(self.gd_map.subs(self.x, value))

    def derivative_at(self, value: sp.Expr) -> sp.Expr:
        """g'(value), the linearisation; valid away from the kink of ``Abs`` at 0."""
        branch = self.branch(_sign_of(value))
        if branch is None:
            expr = sp.diff(self.gd_map, self.x).subs(self.x, value)
            return sp.simplify(expr.replace(sp.DiracDelta, lambda *a: 0))
        sign, g_t, t = branch
        # d g / d x = (d g/d t) / (d x/d t) with x = s t^2.
        dg = sp.diff(g_t, t) / (2 * sign * t)
        return sp.simplify(dg.subs(t, sp.sqrt(sp.Abs(value))))

    def has_kink(self) -> bool:
        return self.loss.has(sp.Abs) or self.loss.has(sp.sign)

    def branch(self, sign: int | None) -> tuple[int, sp.Expr, sp.Symbol] | None:
        """The map on the branch x = sign * t^2 (t > 0), as (sign, g in terms of t, t).

        Returns None for losses without a kink, which need no branches.
        """
        if not self.has_kink() or sign is None:
            return None
        t = sp.Symbol("t", positive=True)
        return sign, sp.simplify(self.gd_map.subs(self.x, sign * t**2)), t

    def equilibria(self) -> list[sp.Expr]:
        """Real fixed points of g, i.e. the critical points of the loss (exact)."""
        if self.has_kink():
            points: list[sp.Expr] = []
            if sp.simplify(self.gradient.subs(self.x, 0)) == 0 or self.loss.subs(self.x, 0).is_finite:
                if sp.limit(self.gd_map, self.x, 0, "+") == 0 and sp.limit(self.gd_map, self.x, 0, "-") == 0:
                    points.append(sp.Integer(0))
            for sign in (1, -1):
                _, g_t, t = self.branch(sign)
                for sol in sp.solve(sp.Eq(g_t, sign * t**2), t):
                    points.append(sp.simplify(sign * sol**2))
            return _unique(points)
        sols = sp.solve(sp.Eq(self.gradient, 0), self.x)
        return _unique([s for s in sols if s.is_real is not False])

    def periodic_orbits(self, period: int) -> list[tuple[sp.Expr, ...]]:
        """Exact orbits of least period ``period`` of a kinked map, one per sign pattern.

        Each orbit is listed once, starting from its largest point.  Only for losses with a kink
        at 0 (the orbits avoid 0, so every point has a sign).
        """
        if not self.has_kink():
            raise ValueError("periodic_orbits by sign pattern needs a loss with Abs(x)")
        orbits = []
        for signs in itertools.product((1, -1), repeat=period):
            ts = sp.symbols(f"t0:{period}", positive=True)
            maps = []
            for i, s in enumerate(signs):
                _, g_t, t = self.branch(s)
                maps.append(g_t.subs(t, ts[i]))
            eqs = [maps[i] - signs[(i + 1) % period] * ts[(i + 1) % period] ** 2
                   for i in range(period)]
            for sol in sp.solve(eqs, list(ts), dict=True):
                pts = tuple(sp.simplify(signs[i] * sol[ts[i]] ** 2) for i in range(period))
                orbits.append(pts)
        return _distinct_orbits(orbits, period)

    def preimages(self, value: sp.Expr) -> list[sp.Expr]:
        """Every real x with g(x) = value, exactly."""
        if not self.has_kink():
            return _unique([s for s in sp.solve(sp.Eq(self.gd_map, value), self.x)
                            if s.is_real is not False])
        found = []
        if sp.simplify(self.g(0) - value) == 0:
            found.append(sp.Integer(0))
        for sign in (1, -1):
            _, g_t, t = self.branch(sign)
            for sol in sp.solve(sp.Eq(g_t, value), t):
                found.append(sp.simplify(sign * sol**2))
        return _unique(found)

    def preimage_levels(self, value: sp.Expr, levels: int) -> list[list[sp.Expr]]:
        """Level k lists the points whose k-th iterate first equals ``value`` (k = 0..levels)."""
        out = [[value]]
        seen = {sp.srepr(value)}
        for _ in range(levels):
            nxt = []
            for y in out[-1]:
                for pre in self.preimages(y):
                    key = sp.srepr(pre)
                    if key not in seen:
                        seen.add(key)
                        nxt.append(pre)
            out.append(nxt)
        return out

    def iterate(self, value: sp.Expr, steps: int) -> sp.Expr:
        """g^steps(value), simplified after each step (exact)."""
        for _ in range(steps):
            value = sp.simplify(sp.radsimp(self.g(value)))
        return value


def _sign_of(value: sp.Expr) -> int | None:
    if value.is_positive:
        return 1
    if value.is_negative:
        return -1
    return None


def _unique(values: list[sp.Expr]) -> list[sp.Expr]:
    out: list[sp.Expr] = []
    for v in values:
        if not any(sp.simplify(v - w) == 0 for w in out):
            out.append(v)
    return out


def _distinct_orbits(orbits: list[tuple[sp.Expr, ...]], period: int) -> list[tuple[sp.Expr, ...]]:
    """Drop rotations and orbits of smaller least period."""
    out: list[tuple[sp.Expr, ...]] = []
    for orb in orbits:
        if any(sp.simplify(orb[0] - orb[k]) == 0 for k in range(1, period)):
            continue  # a shorter period repeated
        if any(any(sp.simplify(orb[0] - o) == 0 for o in kept) for kept in out):
            continue  # a rotation of an orbit already listed
        out.append(orb)
    return out


def stability_threshold(gd: ScalarGD, equilibrium: sp.Expr) -> sp.Expr | None:
    """The step size 2/f''(x*) above which the equilibrium's multiplier 1 - delta f'' < -1.

    Returns None when f''(x*) <= 0 (then the equilibrium is never attracting for delta > 0 when
    f'' < 0; when f'' = 0 linearisation cannot tell).
    """
    curvature = sp.simplify(sp.diff(gd.loss, gd.x, 2).subs(gd.x, equilibrium))
    if curvature.is_positive:
        return sp.nsimplify(2 / curvature)
    return None
