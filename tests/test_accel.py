"""The optional torch backend agrees with the CPU engines (run on torch's CPU device here;
on a GPU machine the benchmark compares the devices).  Skipped where torch is not installed:
the suite never needs it."""

from __future__ import annotations

import numpy as np
import pytest

from numerics import accel, deeplinear
from numerics.gd import classify_tail, iterate_scalar
from proofs.compile import to_numpy
from verify.checks.common import ScalarProblem, scalar_gd

torch = pytest.importorskip("torch", reason="torch is optional; its backend is tested where "
                                           "it is installed")

LOSSES = ["2*Abs(x)**Rational(3,2)/3", "x**4", "(x**2 + 1)*(x - 1)**2*(x - 2)**2"]


@pytest.mark.parametrize("loss", LOSSES)
def test_torch_scalar_map_matches_numpy_engine(loss):
    from proofs.compile import to_torch

    gd = scalar_gd(ScalarProblem(loss))
    on_torch = accel.TorchScalarMap(to_torch(gd.gd_map, [gd.x, gd.step]), "cpu")
    vectorised = to_numpy(gd.gd_map, [gd.x, gd.step])
    rng = np.random.default_rng(3)
    starts, deltas = rng.uniform(-3, 3, 2000), np.array([0.01, 0.1, 0.4])
    for steps in (0, 3, 200):
        a = on_torch.iterate_tail(starts, deltas, steps, 4, 1e100)
        b = iterate_scalar(vectorised, starts, deltas, steps, 4)
        assert a.shape == b.shape == (3, 2000, 4)
        assert np.sum(np.isnan(a) != np.isnan(b)) <= 2 + 0.03 * a.size
        if steps <= 3:
            both = np.isfinite(a) & np.isfinite(b)
            np.testing.assert_allclose(a[both], b[both], rtol=1e-9, atol=1e-12)
        assert np.sum(classify_tail(a)[0] != classify_tail(b)[0]) <= 2 + 0.03 * starts.size * 3


def test_torch_deeplinear_gd_matches_numpy():
    rng = np.random.default_rng(0)
    ws = deeplinear.random_weights((3, 4, 4, 2), 5, rng, scale=0.3, near_identity=True)
    R = rng.standard_normal((2, 3))
    delta = np.array([0.01, 0.05, 0.1, 0.2, 5.0])  # the last run diverges
    w_np, h_np = deeplinear.gd(ws, R, delta, 60)
    w_t, h_t = accel.deeplinear_gd(ws, R, delta, 60, device="cpu")
    assert np.array_equal(np.isnan(h_np), np.isnan(h_t))
    assert np.isnan(h_t[-1, -1]) and np.all(np.isfinite(h_t[-1, :-1]))
    np.testing.assert_allclose(h_t[np.isfinite(h_t)], h_np[np.isfinite(h_np)], rtol=1e-10)
    for a, b in zip(w_t, w_np):
        np.testing.assert_allclose(a[:-1], b[:-1], rtol=1e-10, atol=1e-13)


def test_torch_deeplinear_gd_rejects_bad_step_sizes():
    ws = deeplinear.random_weights((2, 2), 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="positive finite"):
        accel.deeplinear_gd(ws, np.eye(2), 0.0, 3, device="cpu")


def test_no_gpu_when_the_backend_is_forced_to_the_cpu(monkeypatch):
    monkeypatch.setenv("STEPSIZE_VERIFY_BACKEND", "numpy")
    assert accel.gpu_device() is None
