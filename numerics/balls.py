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

    The covered interval runs from the lower end of ``lo``'s ball to the upper end of ``hi``'s
    (a superset of [lo, hi] when the end points are not exact), and every cut is at an exact
    binary midpoint, so pieces never overlap by more than a point.  Before subdividing a piece
    whose enclosure straddles 0, its midpoint is rounded to a 30-digit decimal and f is
    enclosed there: a certified non-positive value at that decimal is the counterexample.
    """
    old = flint.ctx.prec
    flint.ctx.prec = prec_bits
    try:
        stack = [(flint.arb(lo).lower(), flint.arb(hi).upper())]
        done = 0
        while stack:
            a, b = stack.pop()
            value = fn(interval(a, b))
            if value > 0:
                done += 1
                continue
            mid = ((a + b) / 2).mid()
            witness = mid.str(30, radius=False)
            at_witness = fn(flint.arb(witness))
            if at_witness <= 0:
                return SignProof(False, done, witness, at_witness.mid().str(20, radius=False))
            if done + len(stack) >= max_pieces:
                return SignProof(None, done)
            # Wider piece first: a clear counterexample is found before a hopeless sliver.
            halves = sorted([(a, mid), (mid, b)], key=lambda p: float(p[1] - p[0]))
            stack.extend(halves)
        return SignProof(True, done)
    finally:
        flint.ctx.prec = old
