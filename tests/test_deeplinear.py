"""numerics.deeplinear: deep linear networks on whitened data (Nar & Sastry 2018, eq. (2), (5)).

Closed-form loss against the data loss, the gradient against finite differences and SymPy,
the exact Hessian-vector product against finite differences of the gradient, Lanczos against
dense eigenvalues, the Proposition's lambda_max at global minima of the scalar chain, the
batched GD's divergence handling, and invariance under orthogonal changes of basis.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import deeplinear as dl


def rand_ws(dims, batch, seed, scale=1.0):
    return dl.random_weights(dims, batch, np.random.default_rng(seed), scale=scale)


def rel(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300)


def fd_gradient(ws, R, h=1e-6):
    """Central differences of the loss, every network of the batch at once."""
    out = []
    for j, w in enumerate(ws):
        g = np.empty_like(w)
        for idx in np.ndindex(w.shape[1:]):
            plus = [x.copy() for x in ws]
            minus = [x.copy() for x in ws]
            plus[j][(slice(None),) + idx] += h
            minus[j][(slice(None),) + idx] -= h
            g[(slice(None),) + idx] = (dl.loss(plus, R) - dl.loss(minus, R)) / (2 * h)
        out.append(g)
    return out


def orthogonal(n, rng):
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


# --- loss ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(3, 3), (3, 5, 2), (4, 2, 6, 3)])
def test_loss_on_whitened_data_equals_closed_form(dims):
    rng = np.random.default_rng(7)
    ws = dl.random_weights(dims, 3, rng)
    R = rng.standard_normal((dims[-1], dims[0]))
    N = 40
    X = dl.whitened_data(dims[0], N, rng)
    np.testing.assert_allclose(X @ X.T / N, np.eye(dims[0]), atol=1e-13)
    W = dl.product(ws)
    assert W.shape == (3, dims[-1], dims[0])
    data_loss = np.array([np.sum((R @ X - W[b] @ X) ** 2) / (2 * N) for b in range(3)])
    np.testing.assert_allclose(dl.loss(ws, R), data_loss, rtol=1e-12)
    assert dl.loss(ws, R).shape == (3,)


def test_whitened_data_needs_enough_points():
    with pytest.raises(ValueError):
        dl.whitened_data(5, 4, np.random.default_rng(0))


def test_per_network_target():
    ws = rand_ws((2, 3, 2), 4, 0)
    R = np.random.default_rng(1).standard_normal((4, 2, 2))
    for b in range(4):
        one = [w[b:b + 1] for w in ws]
        assert dl.loss(ws, R)[b] == pytest.approx(dl.loss(one, R[b])[0], rel=1e-14)
        for g, g1 in zip(dl.gradient(ws, R), dl.gradient(one, R[b])):
            np.testing.assert_allclose(g[b], g1[0], rtol=1e-14)


# --- gradient (eq. (5)) --------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(3, 2), (2, 4, 3), (3, 1, 4, 2), (2, 3, 2, 4, 3)])
def test_gradient_matches_finite_differences(dims):
    ws = rand_ws(dims, 2, 3)
    R = np.random.default_rng(4).standard_normal((dims[-1], dims[0]))
    for g, f in zip(dl.gradient(ws, R), fd_gradient(ws, R)):
        assert g.shape == f.shape
        assert rel(f, g) < 1e-6


@settings(max_examples=25, deadline=None)
@given(
    dims=st.lists(st.integers(1, 4), min_size=2, max_size=5),
    batch=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
)
def test_gradient_fuzz(dims, batch, seed):
    rng = np.random.default_rng(seed)
    ws = dl.random_weights(dims, batch, rng, near_identity=True)
    R = rng.standard_normal((dims[-1], dims[0]))
    grads = dl.gradient(ws, R)
    total = np.sqrt(sum(np.sum(g * g) for g in grads))
    for g, f in zip(grads, fd_gradient(ws, R)):
        assert np.linalg.norm(f - g) <= 1e-6 * total + 1e-9


def test_gradient_matches_sympy_L2():
    rng = np.random.default_rng(11)
    W1, W2 = sp.Matrix(sp.MatrixSymbol("A", 2, 2)), sp.Matrix(sp.MatrixSymbol("C", 2, 2))
    Rq = sp.Matrix(2, 2, [sp.Rational(int(k), 7) for k in rng.integers(-9, 10, 4)])
    E = W2 * W1 - Rq
    f = sum(e**2 for e in E) / 2
    values = rng.integers(-5, 6, 8) / 3
    subs = dict(zip(list(W1) + list(W2), [sp.Rational(int(round(v * 3)), 3) for v in values]))
    exact1 = np.array([[float(sp.diff(f, W1[i, k]).subs(subs)) for k in range(2)]
                       for i in range(2)])
    exact2 = np.array([[float(sp.diff(f, W2[i, k]).subs(subs)) for k in range(2)]
                       for i in range(2)])
    ws = [values[:4].reshape(1, 2, 2), values[4:].reshape(1, 2, 2)]
    R = np.array(Rq.tolist(), dtype=float)
    g1, g2 = dl.gradient(ws, R)
    np.testing.assert_allclose(g1[0], exact1, rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(g2[0], exact2, rtol=1e-13, atol=1e-13)
    assert dl.loss(ws, R)[0] == pytest.approx(float(f.subs(subs)), rel=1e-14)


# --- Hessian -------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(2, 3), (3, 2, 4), (2, 3, 3, 2), (4, 2, 3, 2, 3)])
def test_hvp_matches_finite_differences_of_gradient(dims):
    ws = rand_ws(dims, 3, 5)
    vs = rand_ws(dims, 3, 6)
    R = np.random.default_rng(8).standard_normal((dims[-1], dims[0]))
    eps = 1e-5
    plus = dl.gradient([w + eps * v for w, v in zip(ws, vs)], R)
    minus = dl.gradient([w - eps * v for w, v in zip(ws, vs)], R)
    for hv, p, m in zip(dl.hvp(ws, R, vs), plus, minus):
        assert hv.dtype == np.float64 and hv.shape == p.shape
        assert rel((p - m) / (2 * eps), hv) < 1e-6


def test_hessian_dense_symmetric_and_consistent_with_hvp():
    dims = (3, 4, 2, 3)
    ws = rand_ws(dims, 2, 9)
    R = np.random.default_rng(10).standard_normal((3, 3))
    H = dl.hessian_dense(ws, R, index=1)
    P = dl.n_params(ws)
    assert H.shape == (P, P)
    assert np.max(np.abs(H - H.T)) <= 1e-13 * np.max(np.abs(H))
    v = np.random.default_rng(12).standard_normal((2, P))
    hv = dl.flatten(dl.hvp(ws, R, dl.unflatten(v, dims)))
    np.testing.assert_allclose(H @ v[1], hv[1], rtol=1e-12, atol=1e-12 * np.abs(H).max())


@pytest.mark.parametrize("dims", [(5, 5, 5, 5, 5), (8, 6, 7, 9), (10, 12, 10, 10, 8)])
def test_lanczos_matches_dense(dims):
    ws = rand_ws(dims, 2, 13, scale=0.8)
    R = np.random.default_rng(14).standard_normal((dims[-1], dims[0]))
    assert 90 <= dl.n_params(ws) <= 500
    dense = dl.lambda_max(ws, R, "dense")
    lanczos = dl.lambda_max(ws, R, "lanczos", rng=np.random.default_rng(15))
    np.testing.assert_allclose(lanczos, dense, rtol=1e-8)
    np.testing.assert_allclose(dl.lambda_max(ws, R), dense, rtol=0)  # auto = dense here


@pytest.mark.parametrize("L", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("lam", [0.5, 2.0, 7.0])
def test_lambda_max_at_scalar_minimum(L, lam):
    """Nar & Sastry's Proposition: at a global minimum of the scalar chain, the Hessian is
    g g^T with g_i = lam / w_i, so lambda_max = sum_i (lam / w_i)^2 = L lam^(2 - 2/L) when
    balanced."""
    w = lam ** (1 / L)
    ws = [np.full((1, 1, 1), w) for _ in range(L)]
    R = np.array([[lam]])
    expected = L * lam ** (2 - 2 / L)
    assert dl.loss(ws, R)[0] < 1e-28
    assert dl.lambda_max(ws, R, "dense")[0] == pytest.approx(expected, rel=1e-10)
    if L >= 3:
        assert dl.lambda_max(ws, R, "lanczos")[0] == pytest.approx(expected, rel=1e-10)


def test_lambda_max_at_unbalanced_scalar_minimum():
    w = np.array([0.5, 3.0, 1.25, 0.8])
    lam = float(np.prod(w))
    ws = [np.full((1, 1, 1), x) for x in w]
    expected = float(np.sum((lam / w) ** 2))
    assert dl.lambda_max(ws, np.array([[lam]]), "dense")[0] == pytest.approx(expected, rel=1e-10)


# --- gd --------------------------------------------------------------------------------------


def test_gd_small_step_decreases_loss_and_leaves_input_alone():
    rng = np.random.default_rng(16)
    dims = (4, 4, 4, 4)
    ws = dl.random_weights(dims, 5, rng, scale=0.05, near_identity=True)
    before = [w.copy() for w in ws]
    R = np.eye(4) + 0.3 * rng.standard_normal((4, 4))
    new, hist = dl.gd(ws, R, 0.05, 200)
    assert hist.shape == (201, 5)
    assert np.all(np.diff(hist, axis=0) <= 1e-15)
    assert np.all(hist[-1] < 0.1 * hist[0])
    np.testing.assert_allclose(hist[-1], dl.loss(new, R), rtol=1e-14)
    for w, b in zip(ws, before):
        np.testing.assert_array_equal(w, b)


def test_gd_matches_manual_steps():
    ws = rand_ws((2, 3, 2), 2, 17, scale=0.5)
    R = np.eye(2)
    delta = np.array([0.01, 0.03])
    manual = [w.copy() for w in ws]
    for _ in range(3):
        g = dl.gradient(manual, R)
        manual = [w - delta[:, None, None] * gj for w, gj in zip(manual, g)]
    new, _ = dl.gd(ws, R, delta, 3)
    for a, b in zip(new, manual):
        np.testing.assert_allclose(a, b, rtol=1e-14)


def test_gd_absurd_step_diverges_quietly():
    ws = rand_ws((3, 3, 3, 3), 3, 18, scale=0.3)
    R = np.random.default_rng(19).standard_normal((3, 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new, hist = dl.gd(ws, R, np.array([1e-3, 1e8, 1e3]), 60)
    assert np.all(np.isfinite(hist[:, 0]))
    for b in (1, 2):
        assert np.isnan(hist[-1, b])
        assert all(np.all(np.isnan(w[b])) for w in new)
        first = np.argmax(np.isnan(hist[:, b]))
        assert np.all(np.isnan(hist[first:, b]))  # frozen once diverged
    assert all(np.all(np.isfinite(w[0])) for w in new)


@pytest.mark.parametrize("per_run_target", [False, True])
def test_gd_final_is_gd_bit_for_bit(per_run_target):
    # runs that diverge (at different steps) are dropped, the others step exactly as in gd
    rng = np.random.default_rng(7)
    ws = rand_ws((2, 2, 2), 40, 8, scale=1.5)
    R = (np.stack([np.diag(rng.uniform(0.2, 3.0, 2)) for _ in range(40)]) if per_run_target
         else np.diag([1.0, 0.5]))
    deltas = rng.uniform(0.05, 0.9, 40)
    for steps in (0, 5, 300):
        new, hist = dl.gd(ws, R, deltas, steps, bound=1e6)
        final = dl.gd_final(ws, R, deltas, steps, bound=1e6)
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(new, final))
        dropped, hist_dropped = dl.gd_dropping(ws, R, deltas, steps, bound=1e6)
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(new, dropped))
        np.testing.assert_array_equal(hist_dropped, hist)  # NaN where gd's is NaN
    assert 0 < np.isnan(hist[-1]).sum() < 40  # both kinds of run were exercised


def test_gd_rejects_bad_steps():
    ws = rand_ws((2, 2), 2, 0)
    for bad in (0.0, -1.0, np.nan, np.array([0.1, np.inf])):
        with pytest.raises(ValueError):
            dl.gd(ws, np.eye(2), bad, 3)


# --- metamorphic -----------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(3, 3), (3, 4, 2), (4, 3, 5, 2)])
def test_orthogonal_change_of_basis_invariance(dims):
    rng = np.random.default_rng(20)
    ws = dl.random_weights(dims, 2, rng)
    R = rng.standard_normal((dims[-1], dims[0]))
    U, V = orthogonal(dims[-1], rng), orthogonal(dims[0], rng)
    moved = [w.copy() for w in ws]
    moved[-1] = U @ moved[-1]
    moved[0] = moved[0] @ V.T
    R2 = U @ R @ V.T
    np.testing.assert_allclose(dl.loss(moved, R2), dl.loss(ws, R), rtol=1e-12)
    np.testing.assert_allclose(dl.lambda_max(moved, R2), dl.lambda_max(ws, R), rtol=1e-10)
    g, g2 = dl.gradient(ws, R), dl.gradient(moved, R2)
    expected = [x.copy() for x in g]
    expected[-1] = U @ expected[-1]
    expected[0] = expected[0] @ V.T
    for a, b in zip(g2, expected):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
