"""The fast paths of the two-layer ReLU engine give the slow paths' results bit for bit.

``numerics.relu.minimize`` (batched: every row as if alone), and ``numerics.relu.gd`` with
runs at a fixed point taken out of the batch against the same loop without that (issue 19: the checks of Theorem 4 must get faster with
identical results).
"""

from __future__ import annotations

import numpy as np
import pytest

from numerics import relu, relu_kernel


def _problem(rng: np.random.Generator, m: int, interpolating: bool):
    """A random problem: inputs in [-2, 2]^n, fixed standard-normal b, targets from a teacher
    network with the same b (interpolation attainable) or Gaussian targets on more points."""
    n, r = int(rng.integers(1, 3)), int(rng.integers(2, 4))
    P = m * r + r * n
    N = int(rng.integers(1, 4)) if interpolating else int(rng.integers(P // m + 2, 2 * P))
    X = rng.uniform(-2, 2, (N, n))
    b = rng.standard_normal(r)
    if interpolating:
        Wt, Vt = rng.standard_normal((m, r)), rng.standard_normal((r, n))
        Y = relu.forward(Wt[None], Vt[None], b, X)[2][0].T
    else:
        Y = 2 * rng.standard_normal((N, m))
    return X, Y, b, n, r


def _bits(a) -> bytes:
    return np.ascontiguousarray(np.asarray(a, dtype=float)).tobytes()


def test_relu_minimize_runs_every_start_as_if_alone():
    # the batched Newton search: each row's result is bit for bit that of a batch of one, and
    # a start whose gradient is already below gtol comes back unchanged
    rng = np.random.default_rng(11)
    for _ in range(12):
        m = int(rng.integers(1, 3))
        X, Y, b, n, r = _problem(rng, m, bool(rng.integers(0, 2)))
        W0, V0 = rng.standard_normal((5, m, r)), rng.standard_normal((5, r, n))
        both = relu.minimize(W0, V0, b, X, Y)
        for i in range(5):
            one = relu.minimize(W0[i:i + 1], V0[i:i + 1], b, X, Y)
            for field in ("W", "V", "loss", "grad_norm", "kink_margin"):
                assert _bits(getattr(one, field)[0]) == _bits(getattr(both, field)[i]), field
        again = relu.minimize(both.W, both.V, b, X, Y, gtol=np.inf)
        assert _bits(again.W) == _bits(both.W) and _bits(again.V) == _bits(both.V)


def test_relu_minimize_only_descends_and_finds_minima():
    rng = np.random.default_rng(12)
    psd = 0
    for _ in range(20):
        m = int(rng.integers(1, 3))
        X, Y, b, n, r = _problem(rng, m, bool(rng.integers(0, 2)))
        W0, V0 = rng.standard_normal((3, m, r)), rng.standard_normal((3, r, n))
        mn = relu.minimize(W0, V0, b, X, Y)
        assert np.all(mn.loss <= relu.loss(W0, V0, b, X, Y))
        for i in np.flatnonzero((mn.kink_margin > 1e-6) & (mn.grad_norm < 1e-9 * (1 + mn.loss))):
            ev = np.linalg.eigvalsh(relu.hessian(mn.W[i], mn.V[i], b, X, Y))
            psd += bool(ev[0] >= -1e-9 * ev[-1] and ev[-1] > 0)  # as _minima keeps them
    assert psd >= 15  # of 60 starts (most of the others stop at a kink)


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
    monkeypatch.setattr(relu_kernel, "kernel", lambda: None)  # the numpy loop's freezing
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
    monkeypatch.setattr(relu_kernel, "kernel", lambda: None)  # the numpy loop's freezing
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


def test_hessian_cross_block_is_the_einsum_with_the_identity_bit_for_bit():
    rng = np.random.default_rng(14)
    for _ in range(300):
        m, r, n, N = (int(rng.integers(1, k)) for k in (4, 4, 3, 8))
        W, V = rng.standard_normal((m, r)), rng.standard_normal((r, n))
        b, X, Y = rng.standard_normal(r), rng.uniform(-2, 2, (N, n)), rng.standard_normal((N, m))
        J, _, act, G = relu._jacobian_parts(W, V, b, X)
        C = np.einsum("ik,il,ip->klp", act @ W.T - Y, G, X)
        cross = np.einsum("klp,lq->klqp", C, np.eye(r)).reshape(m * r, r * n)
        H = J.T @ J
        H[: m * r, m * r:] += cross
        H[m * r:, : m * r] += cross.T
        assert _bits(relu.hessian(W, V, b, X, Y, scale=0.5)) == _bits(H)
