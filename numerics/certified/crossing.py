"""Where an equilibrium's multiplier crosses -1, enclosed around a claimed threshold (issue 7,
item 2).

The margin is s(delta) = 1 + g'(x*, delta): positive while the multiplier is above -1 and
negative once it falls below.  Around a claimed threshold t the engine certifies the sign of s
on [lo, t - eps] and on [t + eps, hi] (by bisection, :func:`numerics.balls.certify_positive`)
and that s' (its delta-derivative) has one sign on [t - eps, t + eps]: by the intermediate value
theorem s then vanishes exactly once there, so the true threshold is in (t - eps, t + eps).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flint

from numerics.balls import SignProof, certify_positive
from numerics.certified.prec import sign, working_prec

Fn = Callable[[flint.arb], flint.arb]


@dataclass(frozen=True)
class Crossing:
    """The result of :func:`enclose_crossing`.

    ``below`` / ``above``: sign proofs of +s on [lo, t-eps] and of -s on [t+eps, hi] (for a
    margin that decreases through 0; the roles swap when it increases); ``slope``: the certified
    sign of s' on [t-eps, t+eps] (None: undecided); ``enclosed``: True when the unique crossing
    is proven to lie in (t-eps, t+eps), False when a side has a certified wrong sign, None else.
    """

    below: SignProof
    above: SignProof
    slope: int | None
    enclosed: bool | None
    orientation: int  # -1: s decreases through 0 (the usual "multiplier drops below -1")


def window_ends(t: flint.arb, eps: flint.arb) -> tuple[str, str]:
    """Decimal ends just outside t - eps and t + eps (40 digits, nudged outward by 2^-100
    relative so that [lo, left] and [right, hi] leave no gap outside the window)."""
    left = flint.arb((t - eps).lower().str(40, radius=False)) * (1 - flint.arb(2) ** -100)
    right = flint.arb((t + eps).upper().str(40, radius=False)) * (1 + flint.arb(2) ** -100)
    return left.lower().str(40, radius=False), right.upper().str(40, radius=False)


def enclose_crossing(margin: Fn, dmargin: Fn, lo: str, t: flint.arb, hi: str, eps: flint.arb,
                     orientation: int = -1, prec: int = 128,
                     max_pieces: int = 4096) -> Crossing:
    """Certify that ``margin`` changes sign exactly once, inside (t - eps, t + eps).

    ``orientation`` -1: margin > 0 below and < 0 above (the default); +1: the reverse.
    """
    with working_prec(prec):
        left_end, right_end = window_ends(t, eps)
        sgn = 1 if orientation < 0 else -1
        below = certify_positive(lambda d: sgn * margin(d), lo, left_end, max_pieces, prec)
        above = certify_positive(lambda d: -sgn * margin(d), right_end, hi, max_pieces, prec)
        window = flint.arb.union((t - eps).lower(), (t + eps).upper())
        slope = sign(dmargin(window))
    if below.proved is False or above.proved is False:
        return Crossing(below, above, slope, False, orientation)
    ok = below.proved and above.proved and slope == orientation
    return Crossing(below, above, slope, True if ok else None, orientation)
