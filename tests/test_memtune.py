"""verify.memtune: glibc keeps freed blocks (fixed mmap / trim thresholds)."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from numerics import relu
from verify.memtune import keep_freed_memory


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_thresholds_are_set_and_repeated_large_arrays_reuse_the_heap():
    resource = pytest.importorskip("resource")
    assert keep_freed_memory() is True  # also run on import of verify: idempotent
    rng = np.random.default_rng(0)
    X = (np.arange(1, 1001) / 1000)[:, None]
    W, V, b = rng.standard_normal((6, 1, 20)), rng.standard_normal((6, 20, 1)), rng.standard_normal((6, 20))
    grad = relu._gradient_map(1, 1, b, X, np.sin(X), 1.0)
    grad(W, V)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(50):  # 1 MB temporaries per call: page faults would be ~250 per array
        grad(W, V)
    assert resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before < 2000
