"""Working precision and three-valued comparisons on ``flint.arb`` balls (issue 7, item 6).

Every decision the certified engine takes goes through :func:`sign` or :func:`less`: a ball
that straddles the boundary gives ``None`` (undecided), never a guess.  :func:`escalate` retries
an undecided attempt at doubled precision up to a budget, and :func:`working_prec` always puts
``flint.ctx.prec`` back, even when the attempt raises.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from typing import TypeVar

import flint

T = TypeVar("T")


@contextlib.contextmanager
def working_prec(bits: int) -> Iterator[int]:
    """Set ``flint.ctx.prec`` to ``bits`` for a block; the old value is restored on exit."""
    old = flint.ctx.prec
    flint.ctx.prec = int(bits)
    try:
        yield int(bits)
    finally:
        flint.ctx.prec = old


def bits_for(digits: int) -> int:
    """Arb working precision for ``digits`` decimal digits (plus 10 guard bits)."""
    return math.ceil(digits * math.log2(10) + 10)


def sign(x: flint.arb) -> int | None:
    """The sign of every point of the ball: 1, -1, 0 (the exact ball 0) or None (undecided)."""
    if x > 0:
        return 1
    if x < 0:
        return -1
    if x.is_exact() and x.is_zero():
        return 0
    return None


def less(a: flint.arb, b: flint.arb) -> bool | None:
    """True when every point of ``a`` is below every point of ``b``; False when every point of
    ``a`` is >= every point of ``b``; None when the balls overlap in a way that decides nothing."""
    if a < b:
        return True
    if a >= b:
        return False
    return None


def abs_less_than_one(m: flint.arb) -> bool | None:
    """Three-valued |m| < 1 (the stability test of a multiplier)."""
    inside = abs(m) < 1
    if inside:
        return True
    if abs(m) > 1:
        return False
    return None


def escalate(attempt: Callable[[int], T | None], bits: int = 128,
             max_bits: int = 2048) -> tuple[T | None, int]:
    """Run ``attempt(bits)`` at working precision ``bits``, doubling while it returns None.

    Returns (the first decided result or None, the precision of the last attempt).
    """
    while True:
        with working_prec(bits):
            result = attempt(bits)
        if result is not None or bits * 2 > max_bits:
            return result, bits
        bits *= 2


def hull(lo: flint.arb, hi: flint.arb) -> flint.arb:
    """The ball enclosing every point from the lower end of ``lo`` to the upper end of ``hi``."""
    return flint.arb.union(flint.arb(lo).lower(), flint.arb(hi).upper())


def inflate(x: flint.arb, factor: float = 2.0, rel: float = 2.0 ** -20) -> flint.arb:
    """A ball with the same midpoint and radius ``factor*rad + rel*|mid|`` (epsilon-inflation:
    a Krawczyk box needs room around its guess)."""
    return flint.arb(x.mid(), x.rad() * flint.arb(factor) + abs(x.mid()) * flint.arb(rel))


def decimal(x: flint.arb, digits: int = 12) -> str:
    """A ball's midpoint as a decimal string (for reports)."""
    if not x.is_finite():
        return "inf"
    return x.mid().str(digits, radius=False)


def upper_decimal(x: flint.arb, digits: int = 6) -> str:
    """An upper bound of a nonnegative quantity (e.g. a radius) as a short decimal string."""
    if not x.is_finite():
        return "inf"
    up = x.upper()
    if up.is_zero():
        return "0"
    # Round up: add one unit in the last printed digit so the string is never below the value.
    text = up.str(digits, radius=False)
    bound = flint.arb(text)
    return text if bound >= up else (up * (1 + flint.arb(10) ** (1 - digits))).str(
        digits, radius=False)
