"""The fast paths of the two-layer ReLU engine give the slow paths' results bit for bit.

``numerics.relu.minimize`` with its reused gradient buffers against SciPy's trust-exact on the
plain gradient, and ``numerics.relu.gd`` with runs at a fixed point taken out of the batch
against the same loop without that (issue 19: the checks of Theorem 4 must get faster with
identical results).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import minimize as scipy_minimize

from numerics import relu
from verify.checks.relu import _problem


def _bits(a) -> bytes:
    return np.ascontiguousarray(np.asarray(a, dtype=float)).tobytes()


def _scipy_relu_minimize(W0, V0, b, X, Y, scale=0.5, maxiter=500):
    """numerics.relu.minimize as it was: SciPy's trust-exact on the same fun/jac/hess."""
    m, r = W0.shape
    n = V0.shape[1]

    def fun(theta):
        gW, gV, e = relu.gradient(theta[: m * r].reshape(1, m, r),
                                  theta[m * r:].reshape(1, r, n), b, X, Y, scale)
        return scale * float(np.sum(e * e)), np.concatenate([gW.ravel(), gV.ravel()])

    def hess(theta):
        W, V = relu.unflatten(theta, m, r, n)
        return relu.hessian(W, V, b, X, Y, scale)

    return scipy_minimize(fun, relu.flatten(W0, V0), jac=True, hess=hess, method="trust-exact",
                          options={"maxiter": maxiter, "gtol": 1e-12})


def test_relu_minimize_with_reused_buffers_is_scipys_on_the_plain_gradient():
    rng = np.random.default_rng(11)
    for _ in range(16):
        m = int(rng.integers(1, 3))
        X, Y, b, n, r = _problem(rng, m, bool(rng.integers(0, 2)))
        W0, V0 = rng.standard_normal((m, r)), rng.standard_normal((r, n))
        ref = _scipy_relu_minimize(W0, V0, b, X, Y)
        got = relu.minimize(W0, V0, b, X, Y)
        assert _bits(relu.flatten(got.W, got.V)) == _bits(ref.x)
        assert got.loss == float(ref.fun) and got.success == bool(ref.success)


def test_theorem4_quantity_is_the_norm_formula():
    rng = np.random.default_rng(4)
    for _ in range(50):
        B, m, r, n, N = (int(rng.integers(1, k)) for k in (6, 3, 5, 3, 12))
        W, V = rng.standard_normal((B, m, r)), rng.standard_normal((B, r, n))
        b, X = rng.standard_normal(r), rng.uniform(-2, 2, (N, n))
        out = relu.forward(W, V, b, X)[2]
        ref = np.max(np.linalg.norm(X, axis=1)[None] * np.linalg.norm(out, axis=1), axis=1)
        assert _bits(relu.theorem4_quantity(W, V, b, X)) == _bits(ref)


@pytest.mark.parametrize("per_run_bias,drop", [(True, None), (False, (300, 10.0)),
                                               (False, None)])
def test_gd_freezing_fixed_runs_changes_no_bit(monkeypatch, per_run_bias, drop):
    # small steps on 1-D data: most runs reach an exact float64 fixed point, some diverge
    # (delta = 50); every field of the result must be that of the loop that never freezes
    rng = np.random.default_rng(8)
    B, m, r, N = 40, 2, 4, 6
    X = np.linspace(0.25, 1.5, N)[:, None]
    Y = rng.uniform(-1, 1, (N, m))
    b = rng.standard_normal((B, r)) if per_run_bias else rng.standard_normal(r)
    W0, V0 = rng.standard_normal((B, m, r)), rng.standard_normal((B, r, 1))
    d = np.array([(0.05, 0.2, 0.4, 50.0)[i % 4] for i in range(B)])
    fast = relu.gd(W0, V0, b, X, Y, d, 1500, drop=drop)
    monkeypatch.setattr(relu, "FREEZE_EVERY", 10 ** 9)
    slow = relu.gd(W0, V0, b, X, Y, d, 1500, drop=drop)
    for field in ("W", "V", "W_prev", "V_prev", "steps_rec", "loss", "d1", "d2", "diverged"):
        assert _bits(getattr(fast, field)) == _bits(getattr(slow, field)), field
    assert (slow.d1[:, -1] == 0).sum() >= 5  # runs did reach a fixed point: freezing was used
    assert slow.diverged.any()


def test_gd_all_runs_frozen_fills_the_remaining_records(monkeypatch):
    # one run on an exactly fittable problem converges to a fixed point early; the loop stops
    # and the later records are filled in: they must be those of the full loop
    X, Y, b = np.array([[1.0]]), np.array([[0.5]]), np.array([0.0])
    W0, V0 = np.array([[[1.0]]]), np.array([[[1.0]]])
    fast = relu.gd(W0, V0, b, X, Y, np.array([0.1]), 5000)
    monkeypatch.setattr(relu, "FREEZE_EVERY", 10 ** 9)
    slow = relu.gd(W0, V0, b, X, Y, np.array([0.1]), 5000)
    for field in ("W", "V", "W_prev", "V_prev", "loss", "d1", "d2", "diverged"):
        assert _bits(getattr(fast, field)) == _bits(getattr(slow, field)), field
    assert slow.d1[0, -1] == 0.0


def test_gradient_map_with_reused_buffers_is_the_plain_one():
    rng = np.random.default_rng(9)
    for m, n in ((1, 1), (2, 1), (1, 2), (2, 2)):
        for scale in (0.5, 1.0, 0.25):
            b, X, Y = rng.standard_normal(3), rng.standard_normal((5, n)), rng.standard_normal((5, m))
            plain = relu._gradient_map(m, n, b, X, Y, scale)
            reused = relu._gradient_map(m, n, b, X, Y, scale, reuse=True)
            for B in (4, 4, 1):  # a second call overwrites the buffers; a new batch size
                W, V = rng.standard_normal((B, m, 3)), rng.standard_normal((B, 3, n))
                assert all(_bits(u) == _bits(v) for u, v in zip(plain(W, V), reused(W, V)))
