"""Exact rational points of a claim's box, and values there that are certainly nonzero.

Shared by the checks that refute at an exact point what a search's tolerance would pass (a
difference of 10^-30): :func:`verify.userclaims.identity.identity_symbolic` and
:func:`verify.userclaims.fixed_points.target_critical`.  A value is substituted exactly (SymPy)
and then evaluated at ``dps``, +20, +40 digits until two precisions agree
(:func:`verify.userclaims.search.reevaluate`): a value that is all rounding noise (a true 0
SymPy did not simplify) never agrees with itself.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from verify.userclaims.search import Settled, reevaluate

FRACTIONS = (sp.Rational(1, 2), sp.Rational(1, 3), sp.Rational(2, 3))


def rational_points(intervals: dict[str, tuple[sp.Rational, sp.Rational]]):
    """The midpoint of every interval, then the points at 1/3 and at 2/3 of each."""
    for frac in FRACTIONS:
        yield {n: a + (b - a) * frac for n, (a, b) in intervals.items()}


def nonzero_value(value: sp.Expr, dps: int) -> Settled | None:
    """``value`` (a number, exact) where two precisions agree that it is real, finite and not
    0; None otherwise (0, not real, not a number, or rounding noise)."""
    if not value.is_number:
        return None
    agreed = reevaluate(lambda d: _real_at(value, d), dps)
    if agreed is None or agreed.value is None or agreed.value == 0:
        return None
    return agreed


def _real_at(value: sp.Expr, dps: int):
    """``value`` at ``dps`` digits as an mpf, or None where it is not a finite real number."""
    number = sp.N(value, dps)
    if not (number.is_Number and number.is_real and number.is_finite):
        return None
    with mpmath.workdps(dps):
        return mpmath.mpf(str(number))
