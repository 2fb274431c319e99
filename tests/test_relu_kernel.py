"""The compiled two-layer ReLU GD (numerics.relu_kernel) agrees with the numpy engine of
numerics.relu.gd to rounding, keeps its contract (divergence, records, fixed points), and its
absence leaves the numpy engine."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import compiled, relu, relu_kernel

needs_cc = pytest.mark.skipif(relu_kernel.kernel() is None,
                              reason="no C compiler on this machine: the numpy engine is used")
FIELDS = ("W", "V", "W_prev", "V_prev", "loss", "d1", "d2")


def _numpy_gd(monkeypatch, *args, **kwargs):
    with monkeypatch.context() as mp:
        mp.setattr(relu_kernel, "kernel", lambda: None)
        return relu.gd(*args, **kwargs)


def _problem(rng, B, m, r, n, N, per_run_bias):
    X, Y = rng.uniform(-2, 2, (N, n)), rng.standard_normal((N, m))
    b = rng.standard_normal((B, r)) if per_run_bias else rng.standard_normal(r)
    return rng.standard_normal((B, m, r)), rng.standard_normal((B, r, n)), b, X, Y


@needs_cc
@pytest.mark.parametrize("seed", range(6))
def test_kernel_agrees_with_numpy(monkeypatch, seed):
    # one step: to the last bits (the products are summed in another order); 60 steps with a
    # step-size drop, both scales, shared and per-run biases: to rounding
    rng = np.random.default_rng(seed)
    m, r, n, N = (int(rng.integers(1, k)) for k in (3, 6, 3, 9))
    W, V, b, X, Y = _problem(rng, 5, m, r, n, N, bool(seed % 2))
    scale = (0.5, 1.0)[seed % 2]
    d = np.full(5, 0.01)
    for steps, drop, tol in ((1, None, 4e-15), (60, (25, 3.0), 1e-10)):
        fast = relu.gd(W, V, b, X, Y, d, steps, scale=scale, drop=drop, n_records=12)
        slow = _numpy_gd(monkeypatch, W, V, b, X, Y, d, steps, scale=scale, drop=drop,
                         n_records=12)
        assert np.array_equal(fast.steps_rec, slow.steps_rec)
        assert np.array_equal(fast.diverged, slow.diverged)
        for field in FIELDS:
            a, c = getattr(fast, field), getattr(slow, field)
            assert np.array_equal(np.isnan(a), np.isnan(c)), field
            ok = ~np.isnan(c)
            assert np.allclose(a[ok], c[ok], rtol=tol, atol=tol), field


@needs_cc
def test_kernel_divergence_and_fixed_points_as_numpy(monkeypatch):
    # delta = 50 diverges (frozen at the last finite iterate, loss records inf); small steps on
    # 1-D data reach an exact fixed point (later distances 0), as in the numpy engine
    rng = np.random.default_rng(8)
    B, m, r, N = 40, 2, 4, 6
    X = np.linspace(0.25, 1.5, N)[:, None]
    Y = rng.uniform(-1, 1, (N, m))
    b = rng.standard_normal((B, r))
    W0, V0 = rng.standard_normal((B, m, r)), rng.standard_normal((B, r, 1))
    d = np.array([(0.05, 0.2, 0.4, 50.0)[i % 4] for i in range(B)])
    fast = relu.gd(W0, V0, b, X, Y, d, 1500)
    slow = _numpy_gd(monkeypatch, W0, V0, b, X, Y, d, 1500)
    assert fast.diverged.tolist() == slow.diverged.tolist() and slow.diverged.any()
    assert np.all(np.isinf(fast.loss[fast.diverged]))
    assert np.all(np.isfinite(fast.W[fast.diverged]))
    fixed = (slow.d1[:, -1] == 0) & ~slow.diverged
    assert fixed.sum() >= 5 and np.all(fast.d1[fixed, -1] == 0) and np.all(fast.d2[fixed, -1] == 0)
    # the runs that settled settle on the same minima (the others, on flat directions, may
    # part over 1500 steps from differences in the last bits)
    assert np.allclose(fast.W[fixed], slow.W[fixed], atol=1e-9)
    assert np.allclose(fast.V[fixed], slow.V[fixed], atol=1e-9)


def test_without_the_kernel_gd_is_the_numpy_loop(monkeypatch):
    monkeypatch.setattr(compiled, "compiler", lambda: None)
    relu_kernel.kernel.cache_clear()
    try:
        assert relu_kernel.kernel() is None
        rng = np.random.default_rng(3)
        W, V, b, X, Y = _problem(rng, 3, 1, 2, 1, 4, False)
        run = relu.gd(W, V, b, X, Y, np.full(3, 0.01), 1)
        gW, gV, _ = relu.gradient(W, V, b, X, Y)
        assert np.array_equal(run.W, W - gW * 0.01) and np.array_equal(run.V, V - gV * 0.01)
    finally:
        relu_kernel.kernel.cache_clear()
