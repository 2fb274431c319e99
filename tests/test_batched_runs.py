"""Batched GD runs shared between checks (issue 19) are the runs they replaced, bit for bit.

Each test runs the batched engine and a one-at-a-time reference (the replaced loop, kept here)
on the same seed and compares with exact equality.
"""

from __future__ import annotations

import numpy as np

from numerics import deeplinear as dl
from verify.checks import deeplinear
from verify.vocabulary import CheckContext

QUICK = CheckContext(seed=0, quick=True)


def test_reached_runs_equal_one_gd_per_step_size():
    depths, deltas = (2,), (0.1, 0.2)
    rng, B = QUICK.rng(), 64
    batched = deeplinear._reached(0, True, depths, deltas)
    for (L, delta, R, end, ok, _), d in zip(batched, deltas):
        R0 = np.stack([np.diag(rng.uniform(0.2, 6.0, 2)) for _ in range(B)])
        ws = dl.random_weights((2,) * (L + 1), B, rng, scale=0.5, near_identity=True)
        end0, _ = dl.gd(ws, R0, d, 1500, bound=1e6)
        assert delta == d and np.array_equal(R, R0)
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(end, end0))
    assert 0 < batched[-1][4].sum() < B  # some runs converged, some not
