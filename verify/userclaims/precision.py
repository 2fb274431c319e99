"""Precision escalation for a violation found by a search: recompute it at ``dps``,
``dps + 20`` and, only when those disagree, ``dps + 40`` digits; the decision rests on two
consecutive precisions that agree (a value swamped by cancellation changes with the precision
and decides nothing)."""

from __future__ import annotations

from collections.abc import Callable

import mpmath


def escalate(measure: Callable[[int], tuple], dps: int, key: Callable[[tuple], object],
             rel: mpmath.mpf) -> tuple[tuple | None, list[tuple]]:
    """(the higher of two agreeing runs, or None; every run made).

    ``measure(digits)`` computes one run; ``key(run)`` the number that must agree: a == b or
    |a - b| <= rel (1 + |b|).  A key that is not a number (the run found nothing to compare)
    agrees with nothing."""
    runs = [measure(dps), measure(dps + 20)]
    for extra in (None, 40):
        if extra is not None:
            runs.append(measure(dps + extra))
        a, b = key(runs[-2]), key(runs[-1])
        if isinstance(a, mpmath.mpf) and isinstance(b, mpmath.mpf) and (
                a == b or abs(a - b) <= rel * (1 + abs(b))):
            return runs[-1], runs
    return None, runs
