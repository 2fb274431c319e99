"""Long orbits in ball arithmetic that keep their digits (issue 7, item 3).

Naive ball iteration X <- g(X) treats every occurrence of x in g as independent, so the radius
grows by the sum of the partial sensitivities each step (about one bit per step for the GD map
of (2/3)|x|^{3/2}, although g' vanishes on its 2-cycle).  The centred (mean-value) form

    X <- g(m) + g'(X) (X - m),   m = mid(X) exact,

is just as rigorous (mean value theorem on a kink-free ball) and scales the radius by |g'(X)|
plus the rounding of one evaluation at a point, so on an attracting orbit the radius stays at
the working precision.  A ball that straddles a kink is mapped branch by branch instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Union

import flint

from numerics.certified.maps import BallMap
from numerics.certified.prec import sign, working_prec


@dataclass(frozen=True)
class BallOrbit:
    """The end of a ball orbit and what happened on the way.

    ``final``: the last ball; ``max_rad``: the largest radius met; ``undecided_signs``: steps
    whose ball straddled 0; ``kink_steps``: steps mapped branch by branch (ball on a kink);
    ``steps``: steps done (fewer than asked when the ball stopped being finite).
    """

    final: flint.arb
    max_rad: flint.arb
    undecided_signs: int
    kink_steps: int
    steps: int
    prec: int


Exact = Union[flint.fmpq, int, str, Callable[[], flint.arb]]  # an exact value or its builder


def ball(value) -> flint.arb:
    """A ball at the current precision: from an exact value (fmpq, int, decimal string) or a
    callable building it (so that 7/3 is rounded at the working precision, not at 53 bits)."""
    return value() if callable(value) else flint.arb(value)


def iterate(m: BallMap, x0: Exact, delta: Exact, steps: int, prec: int,
            centred: bool = True) -> BallOrbit:
    """Iterate ``steps`` times at ``prec`` bits (centred form unless ``centred`` is False).

    ``x0`` and ``delta`` are exact values (or callables) rounded at ``prec`` bits.
    """
    with working_prec(prec):
        x, delta = ball(x0), ball(delta)
        max_rad = x.rad()
        undecided = kinks = 0
        done = 0
        for k in range(steps):
            if not m.smooth_on(x):
                kinks += 1
            x = m.centred_image(x, delta) if centred else m.image(x, delta)
            if not x.is_finite():
                break
            done = k + 1
            if sign(x) is None:
                undecided += 1
            max_rad = flint.arb.max(max_rad, x.rad())
        return BallOrbit(x, max_rad, undecided, kinks, done, prec)
