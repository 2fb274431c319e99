"""Certified sign proofs with python-flint ``arb`` balls, by bisection of an interval.

Comparisons of balls are three-valued: a ball that straddles 0 proves nothing, and the
bisection goes on until every piece has a certain sign or the depth budget is spent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import flint


@dataclass(frozen=True)
class SignProof:
    """Result of :func:`certify_positive`.

    ``proved``: True (positive on the whole interval, ``pieces`` balls covered it), False
    (``witness`` is a point where the function is certified <= 0), or None (undecided).
    """

    proved: bool | None
    pieces: int
    witness: str | None = None
    witness_value: str | None = None


def interval(lo: flint.arb | str, hi: flint.arb | str) -> flint.arb:
    """The ball enclosing [lo, hi]."""
    lo, hi = flint.arb(lo), flint.arb(hi)
    return flint.arb.union(lo, hi)


def certify_positive(fn: Callable[[flint.arb], flint.arb], lo: str, hi: str,
                     max_pieces: int = 4096, prec_bits: int = 128) -> SignProof:
    """Prove ``fn(t) > 0`` for every t in [lo, hi] by subdividing into balls.

    Before subdividing a piece whose enclosure straddles 0, its midpoint is evaluated: a
    certified non-positive value there is a counterexample and ends the search.
    """
    old = flint.ctx.prec
    flint.ctx.prec = prec_bits
    try:
        stack = [(flint.arb(lo), flint.arb(hi))]
        done = 0
        while stack:
            a, b = stack.pop()
            value = fn(interval(a, b))
            if value > 0:
                done += 1
                continue
            mid = (a + b) / 2
            at_mid = fn(mid)
            if at_mid <= 0:
                return SignProof(False, done, mid.mid().str(20, radius=False),
                                 at_mid.mid().str(20, radius=False))
            if done + len(stack) >= max_pieces:
                return SignProof(None, done)
            stack.extend([(mid, b), (a, mid)])
        return SignProof(True, done)
    finally:
        flint.ctx.prec = old
