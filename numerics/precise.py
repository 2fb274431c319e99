"""High-precision iteration and evaluation with mpmath, always inside ``mp.workdps``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import mpmath


def iterate(step: Callable, x0, params: Sequence, steps: int, dps: int,
            escape: float = 1e40) -> list:
    """The orbit x0, g(x0), ..., g^steps(x0) at ``dps`` digits (stops early on escape).

    ``step(x, *params)`` is an mpmath callable; ``x0`` and ``params`` may be strings, ints,
    fractions or mpf values and are converted at the working precision.
    """
    with mpmath.workdps(dps):
        x = mpmath.mpf(x0) if not isinstance(x0, mpmath.mpf) else +x0
        ps = [mpmath.mpf(p) if not isinstance(p, mpmath.mpf) else +p for p in params]
        if isinstance(escape, float):  # converted once, exactly (a float compared converts anew)
            escape = mpmath.mpf(escape)
        orbit = [x]
        for _ in range(steps):
            x = step(x, *ps)
            orbit.append(x)
            if not mpmath.isfinite(x) or abs(x) > escape:
                break
        return orbit


def iterate_vector(step: Callable, w0: Sequence, params: Sequence, steps: int, dps: int,
                   escape: float = 1e40) -> list:
    """Like :func:`iterate` for a vector state; ``step(*w, *params)`` returns the new vector."""
    with mpmath.workdps(dps):
        w = [mpmath.mpf(v) for v in w0]
        ps = [mpmath.mpf(p) for p in params]
        if isinstance(escape, float):  # converted once, exactly (a float compared converts anew)
            escape = mpmath.mpf(escape)
        orbit = [w]
        for _ in range(steps):
            w = [mpmath.mpf(v) for v in step(*w, *ps)]
            orbit.append(w)
            if any(not mpmath.isfinite(v) or abs(v) > escape for v in w):
                break
        return orbit


def evaluate(fn: Callable, args: Sequence, dps: int):
    """``fn(*args)`` at ``dps`` digits (arguments converted at that precision)."""
    with mpmath.workdps(dps):
        return fn(*[mpmath.mpf(a) if isinstance(a, (str, int, float)) else a for a in args])


def nstr(value, digits: int = 20) -> str:
    """A decimal string of an mpf (or anything mpmath can print)."""
    return mpmath.nstr(value, digits)
