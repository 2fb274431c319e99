"""Batched float64 gradient descent on scalar and vector maps, with orbit classification.

Runs every (step size, start) pair at once as one array, never crashes on overflow (a run
whose state leaves ``bound`` or stops being finite is marked diverged and frozen), and
classifies each run as converged to a fixed point, a p-cycle, diverged or undecided.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

UNDECIDED, FIXED, CYCLE, DIVERGED = 0, 1, 2, 3
KIND_NAMES = {UNDECIDED: "undecided", FIXED: "fixed point", CYCLE: "cycle", DIVERGED: "diverged"}


@dataclass(frozen=True)
class ScalarRuns:
    """The outcome of a batch: arrays of shape (n_deltas, n_starts)."""

    deltas: np.ndarray
    starts: np.ndarray
    kind: np.ndarray  # UNDECIDED / FIXED / CYCLE / DIVERGED
    period: np.ndarray  # 1 for fixed points, p for p-cycles, 0 otherwise
    tail: np.ndarray  # last iterates, shape (n_deltas, n_starts, kept) (see run_scalar)

    def count(self, kind: int) -> int:
        return int(np.count_nonzero(self.kind == kind))


CHUNK = 8192  # runs per chunk in the numpy engine (64 KiB per array: fits in L2)


def iterate_scalar(
    step: Callable[[np.ndarray, np.ndarray], np.ndarray],
    starts: np.ndarray,
    deltas: np.ndarray,
    steps: int,
    n_tail: int = 24,
    bound: float = 1e100,
) -> np.ndarray:
    """Iterate ``x <- step(x, delta)`` from every start for every delta.

    Args:
        step: the GD map, vectorised in both arguments; when it also has an ``iterate_tail``
            method (a :class:`numerics.compiled.ScalarMap` with a compiled kernel), the batch
            runs there instead, with the same contract.
        starts: initial points, shape (n,).
        deltas: step sizes, shape (m,); every one must be positive and finite.
        steps: number of iterations before the recorded tail.
        n_tail: number of final iterates kept.
        bound: |x| above this (or a non-finite x) counts as diverged; the run is frozen at NaN.

    Returns:
        The tail, shape (m, n, n_tail); diverged runs are NaN.
    """
    deltas = np.asarray(deltas, dtype=float)
    if deltas.ndim != 1 or not np.all(np.isfinite(deltas)) or np.any(deltas <= 0):
        raise ValueError("step sizes must be positive finite numbers")
    compiled = getattr(step, "iterate_tail", None)
    if compiled is not None:  # a compiled backend (numerics.compiled) runs the whole batch
        return compiled(np.asarray(starts, dtype=float).ravel(), deltas, steps, n_tail, bound)
    starts = np.asarray(starts, dtype=float).ravel()
    shape = (deltas.size, starts.size)
    x_all = np.broadcast_to(starts, shape).reshape(-1)
    d_all = np.repeat(deltas, starts.size)
    tail = np.empty((x_all.size, n_tail))
    # A cache-sized chunk of runs goes through every step before the next chunk: the
    # temporaries of the map's expression stay in cache instead of streaming the whole batch
    # through memory once per operation (4x faster on the slides' degree-6 polynomial).
    with np.errstate(all="ignore"):
        for j in range(0, x_all.size, CHUNK):
            x, d = x_all[j:j + CHUNK].copy(), d_all[j:j + CHUNK]
            for k in range(steps + n_tail):
                x = step(x, d)
                if k % 8 == 7 or k >= steps:
                    x[~(np.abs(x) <= bound)] = np.nan  # also catches inf and NaN
                if k >= steps:
                    tail[j:j + CHUNK, k - steps] = x
    return tail.reshape(shape + (n_tail,))


def classify_tail(tail: np.ndarray, rtol: float = 1e-9, atol: float = 1e-12,
                  max_period: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Classify each run from its tail: (kind, period) arrays of shape tail.shape[:-1].

    A run is a p-cycle when every recorded iterate equals the one p steps later within
    ``atol + rtol*|x|``; the least such p is reported; p = 1 is a fixed point.
    """
    kind = np.full(tail.shape[:-1], UNDECIDED, dtype=np.int8)
    period = np.zeros(tail.shape[:-1], dtype=np.int16)
    rows = tail.reshape(-1, tail.shape[-1])
    # A cache-sized block of runs at a time (as in iterate_scalar): the temporaries of each
    # test stay in cache instead of streaming the whole tail through memory once per
    # operation.  Runs are independent and every operation is exact, so the result does not
    # depend on the block size.
    flat_kind, flat_period = kind.reshape(-1), period.reshape(-1)
    for j in range(0, rows.shape[0], CHUNK):
        _classify_rows(rows[j:j + CHUNK], flat_kind[j:j + CHUNK], flat_period[j:j + CHUNK],
                       rtol, atol, max_period)
    return kind, period


def _classify_rows(rows: np.ndarray, kind: np.ndarray, period: np.ndarray, rtol: float,
                   atol: float, max_period: int) -> None:
    """:func:`classify_tail` of the runs ``rows`` (n, n_tail), into ``kind`` and ``period``."""
    finite = np.isfinite(rows).all(axis=-1)
    kind[~finite] = DIVERGED
    # Only finite runs can be p-cycles, and a run leaves the test at its least period: each p
    # looks at the runs still undecided only (most are fixed points, settled at p = 1).  On a
    # finite tail nan_to_num is the identity and nanmax is max: the same scale.
    left = np.flatnonzero(finite)  # indices of the undecided runs
    scale = atol + rtol * np.max(np.abs(_undecided(rows, left)), axis=-1)
    for p in range(1, min(max_period, rows.shape[-1] - 1) + 1):
        if left.size == 0:
            break
        sub = _undecided(rows, left)
        hit = np.max(np.abs(sub[:, p:] - sub[:, :-p]), axis=-1) <= scale
        kind[left[hit]] = FIXED if p == 1 else CYCLE
        period[left[hit]] = p
        left, scale = left[~hit], scale[~hit]


def _undecided(rows: np.ndarray, left: np.ndarray) -> np.ndarray:
    """``rows[left]`` (``left`` increasing), without a copy while every row is left."""
    return rows if left.size == rows.shape[0] else rows[left]


SWEEP_CHUNK = 1 << 17
"""Starts per chunk of :func:`run_scalar`: a chunk's tail of 24 iterates is 25 MB per step size,
and classifying it takes a few times that."""


def run_scalar(step, starts, deltas, steps, n_tail=24, rtol=1e-9, atol=1e-12,
               max_period=8, keep: int | None = None, chunk: int = SWEEP_CHUNK) -> ScalarRuns:
    """Iterate and classify, a chunk of ``chunk`` starts at a time.

    Each chunk's tail is classified as soon as it is computed and only its last ``keep``
    iterates are kept (all ``n_tail`` when None), so memory grows by ``3 + 8*keep`` bytes per
    run instead of several times ``8*n_tail``: a sweep of 10^7 starts that keeps 2 iterates
    stays under 1 GB.  Runs are independent, so the result does not depend on ``chunk``.
    """
    starts = np.asarray(starts, dtype=float).ravel()
    deltas = np.asarray(deltas, dtype=float)
    keep = n_tail if keep is None else keep
    if not 1 <= keep <= n_tail or chunk < 1:
        raise ValueError("keep must be in 1..n_tail and chunk positive")
    shape = (deltas.size, starts.size)
    kind = np.empty(shape, dtype=np.int8)
    period = np.empty(shape, dtype=np.int16)
    tail = np.empty(shape + (keep,))
    for j in range(0, max(starts.size, 1), chunk):
        part = iterate_scalar(step, starts[j:j + chunk], deltas, steps, n_tail)
        kind[:, j:j + chunk], period[:, j:j + chunk] = classify_tail(part, rtol, atol,
                                                                     max_period)
        tail[:, j:j + chunk] = part[..., n_tail - keep:]
    return ScalarRuns(deltas, starts, kind, period, tail)


def iterate_vector(
    gradient: Callable[..., list],
    starts: np.ndarray,
    delta: float | np.ndarray,
    steps: int,
    bound: float = 1e100,
) -> np.ndarray:
    """Batched GD on a vector state: ``starts`` has shape (n_runs, dim).

    ``gradient`` takes the ``dim`` coordinates as separate arrays (as SymPy's lambdify
    produces) and returns the ``dim`` partial derivatives.  ``delta`` is a scalar or one step
    size per run.  Diverged runs are NaN.
    """
    w = np.array(starts, dtype=float, copy=True)
    d = np.broadcast_to(np.asarray(delta, dtype=float), (w.shape[0],))[:, None]
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise ValueError("step sizes must be positive finite numbers")
    with np.errstate(all="ignore"):
        for k in range(steps):
            grad = np.stack(np.broadcast_arrays(*gradient(*w.T)), axis=1)
            w -= d * grad
            if k % 16 == 15:
                w[~np.all(np.abs(w) <= bound, axis=1)] = np.nan
    w[~np.all(np.abs(w) <= bound, axis=1)] = np.nan
    return w
