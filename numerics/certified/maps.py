"""A scalar map on balls with its derivative and its kinks (issue 7, item 5).

The engine never sees SymPy: the caller passes ``g(x, delta)`` and ``dg(x, delta)`` (the
derivative in x) as callables on ``flint.arb`` balls and the x values where g is not
differentiable (the kinks of |x|^{3/2}, ReLU, ...).  A derivative is only ever used on a ball
that is free of kinks; a ball that straddles a kink is cut there and handled one branch at a
time, with plain (dependency-blind but rigorous) evaluation on each piece.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import flint

_NARROW = flint.arb(2) ** -32  # below this relative radius the plain image never helps
BallFn = Callable[[flint.arb, flint.arb], flint.arb]


@dataclass(frozen=True)
class BallMap:
    """g(x, delta) on balls, its x-derivative, and the kinks (exact or tiny balls)."""

    g: BallFn
    dg: BallFn
    kinks: tuple[flint.arb, ...] = ()

    def smooth_on(self, x: flint.arb) -> bool:
        """True when no kink can lie in the ball, so ``dg`` encloses g' on all of it."""
        return x.is_finite() and not any(x.overlaps(k) for k in self.kinks)

    def derivative(self, x: flint.arb, delta: flint.arb) -> flint.arb | None:
        """An enclosure of g' over the ball, or None (ball touches a kink or dg is not finite)."""
        if not self.smooth_on(x):
            return None
        d = self.dg(x, delta)
        return d if d.is_finite() else None

    def branches(self, x: flint.arb) -> list[flint.arb]:
        """The ball cut at every kink it contains: the pieces of the branch-by-branch image."""
        pieces = [x]
        for k in self.kinks:
            nxt = []
            for p in pieces:
                if p.overlaps(k) and not (p.lower() >= k.upper() or p.upper() <= k.lower()):
                    # Cut at the kink's ends; each side is a closed piece on one branch.
                    if p.lower() < k.lower():
                        nxt.append(flint.arb.union(p.lower(), k.lower()))
                    nxt.append(k)
                    if p.upper() > k.upper():
                        nxt.append(flint.arb.union(k.upper(), p.upper()))
                else:
                    nxt.append(p)
            pieces = nxt
        return pieces

    def image(self, x: flint.arb, delta: flint.arb) -> flint.arb:
        """An enclosure of g over the ball: directly, or branch by branch across kinks."""
        if self.smooth_on(x):
            return self.g(x, delta)
        out = None
        for piece in self.branches(x):
            y = self.g(piece, delta)
            out = y if out is None else flint.arb.union(out, y)
        return out

    def centred_image(self, x: flint.arb, delta: flint.arb) -> flint.arb:
        """Mean-value form g(m) + g'(X)(X - m) with m the (exact) midpoint of X.

        Keeps the dependency between the occurrences of x in g, so the radius is scaled by
        |g'| instead of growing with every occurrence.  On a wide ball (relative radius above
        2^-32) it is intersected with the plain image (both enclose g(X); the plain one can be
        tighter far from a fixed point).  Falls back to the branch-by-branch image across a kink.
        """
        d = self.derivative(x, delta)
        if d is None:
            return self.image(x, delta)
        m = x.mid()
        centred = self.g(m, delta) + d * (x - m)
        if x.rad() < abs(m) * _NARROW:
            return centred
        try:
            return centred.intersection(self.g(x, delta))
        except ValueError:  # disjoint enclosures of one set cannot happen; keep the first
            return centred


def cycle_residuals(m: BallMap, points: Sequence[flint.arb], delta: flint.arb) -> list[flint.arb]:
    """g(p_i) - p_{i+1} (cyclically): all contain 0 exactly when the points are an orbit."""
    p = len(points)
    return [m.image(points[i], delta) - points[(i + 1) % p] for i in range(p)]
