"""The faster deep-linear engines (issue 19) give the numbers of what they replaced, bit for bit.

numerics.factorisations.hessian (partial products once, blocks by index gathers), the search's
factoriser (R's SVD once), deeplinear.gd's bound test and the raw orbit of linear_rate_precise:
each test runs the new code and a reference (the replaced code: block-by-block Hessian, the
max-based bound test, mpf orbits) and compares with exact equality.  (Matmul on a transposed
view and on its contiguous copy agree on 2 x 2 stacks but not on 20 x 20 ones: BLAS's kernels
differ, so the gradient keeps its views.)
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import deeplinear as dl
from numerics import factorisations as fz


def _reference_hessian(W, R):
    """The Hessian as it was formed before: Jacobian blocks and residual blocks one by one."""
    L, n0 = len(W), np.shape(W[0])[1]
    J = fz.product_jacobian(W)
    H = np.dot(J.T, J)  # one array J: numpy forms J^T J by BLAS syrk, as hessian does
    E = fz.end_to_end(W) - R
    sizes = [np.shape(w)[0] * np.shape(w)[1] for w in W]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    for j in range(2, L + 1):
        for i in range(1, j):
            A = fz.chain(W, j + 1, L, np.shape(W[j - 1])[0])
            B = fz.chain(W, 1, i - 1, n0)
            G = np.dot(np.dot(A.T, E), B.T)
            M = fz.chain(W, i + 1, j - 1, np.shape(W[i - 1])[0])
            S = np.einsum("ad,bc->abcd", G, M).reshape(sizes[j - 1], sizes[i - 1])
            H[offs[j - 1]:offs[j], offs[i - 1]:offs[i]] += S
            H[offs[i - 1]:offs[i], offs[j - 1]:offs[j]] += S.T
    return H


def _widths(rng, k):
    L = int(rng.integers(1, 6))
    if k % 3 == 0:  # any widths, 1 included
        return tuple(int(rng.integers(1, 5)) for _ in range(L + 1))
    n = int(rng.integers(1, 5))
    r = int(rng.integers(1, n + 1))
    return (n,) + (r,) * (L - 1) + (n,)


def test_hessian_is_the_block_by_block_hessian_bit_for_bit():
    rng = np.random.default_rng(0)
    for k in range(300):
        dims = _widths(rng, k)
        W = [rng.standard_normal((dims[j + 1], dims[j])) for j in range(len(dims) - 1)]
        R = rng.standard_normal((dims[-1], dims[0]))
        new, ref = fz.hessian(W, R), _reference_hessian(W, R)
        assert new.shape == ref.shape and new.tobytes() == ref.tobytes(), dims


def test_hessian_at_mpmath_precision_is_the_block_by_block_one():
    rng = np.random.default_rng(1)
    with mpmath.workdps(40):
        for k in range(12):
            dims = _widths(rng, k)
            W = [fz.to_mp(rng.standard_normal((dims[j + 1], dims[j])))
                 for j in range(len(dims) - 1)]
            R = fz.to_mp(rng.standard_normal((dims[-1], dims[0])))
            new, ref = fz.hessian(W, R), _reference_hessian(W, R)
            assert new.shape == ref.shape
            assert all(a == b for a, b in zip(new.ravel(), ref.ravel())), dims


def test_ratio_and_the_search_factoriser_are_the_plain_formulas():
    rng = np.random.default_rng(2)
    for n, r, L in ((2, 2, 2), (3, 1, 2), (4, 2, 3), (2, 2, 5)):
        R = rng.standard_normal((n, n))
        cores = fz.random_cores(r, L, rng)
        U, s, Vt = np.linalg.svd(R)
        M = np.eye(r)
        for c in cores:
            M = c @ M
        plain = [cores[0] @ Vt[:r]] + cores[1:] + [U[:, :r] @ np.diag(s[:r]) @ np.linalg.inv(M)]
        W = fz._factoriser(R, r)(cores)
        assert all(a.tobytes() == b.tobytes() for a, b in zip(W, plain))
        lam = np.linalg.eigvalsh(_reference_hessian(W, R))[-1]
        assert fz.ratio(W, R) == float(lam / fz.thm1_denominator(W))


def test_gd_bound_test_freezes_the_runs_the_max_test_froze():
    rng = np.random.default_rng(4)
    ws = dl.random_weights((2, 2, 2), 200, rng, scale=0.5, near_identity=True)
    R = rng.standard_normal((200, 2, 2))
    deltas = rng.uniform(0.01, 3.0, 200)
    ws[0][3, 0, 0] = np.nan  # frozen from the start
    ws[1][5, 1, 1] = 2e6  # beyond the bound from the start
    end, hist = dl.gd(ws, R, deltas, 40, bound=1e6)
    cur, alive = [w.copy() for w in ws], np.ones(200, bool)
    with np.errstate(all="ignore"):
        for _ in range(40):
            for w in cur:
                alive &= np.max(np.abs(w), axis=(1, 2)) <= 1e6
            grads = dl.gradient(cur, R)
            for w, g in zip(cur, grads):
                w[~alive] = np.nan
                w -= deltas[:, None, None] * g
        e = dl.product(cur) - R
        alive &= np.isfinite(0.5 * np.sum(e * e, axis=(1, 2)))
        for w in cur:
            alive &= np.max(np.abs(w), axis=(1, 2)) <= 1e6
    assert 0 < alive.sum() < 198
    assert np.array_equal(np.isfinite(hist[-1]), alive)
    assert all(a[alive].tobytes() == b[alive].tobytes() for a, b in zip(end, cur))
