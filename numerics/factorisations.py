"""Factorisations of a target R as deep linear networks, and the Hessian at them.

Engines for Section 2 and Appendix A of Nar & Sastry (2018), "Step Size Matters in Deep
Learning": the quantities p_j, q_j of Theorem 1 and the bound (3), the bound (4) of
Corollary 1, the operator f of eq. (7) (= J J^T, J the Jacobian of the product map), the
Gauss-Newton matrix J^T J (the exact Hessian at a global minimum), the full Hessian at any point
(float64 or mpmath, same code), parametrised families of minima (random, balanced, rescaled,
rank-r "bottleneck" minima).

A network here is one list ``W = [W_1, ..., W_L]`` of 2-D arrays (``W_j`` is n_j x n_{j-1});
:func:`batched` turns it into the batched stacks of :mod:`numerics.deeplinear`.  Parameters are
ordered as :func:`numerics.deeplinear.flatten` orders them (layer 1 first, row-major).

Arrays of dtype object holding mpmath numbers run through the same code (``np.dot`` works on
them), which is how :func:`hessian` gives a high-precision Hessian; call those inside
``mpmath.workdps``.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import mpmath
import numpy as np

from numerics import deeplinear as dl

Net = list[np.ndarray]


def batched(W: Sequence[np.ndarray]) -> dl.Weights:
    """One network as a batch of one, for :mod:`numerics.deeplinear`."""
    return [np.asarray(w, dtype=float)[None] for w in W]


def chain(W: Sequence[np.ndarray], lo: int, hi: int, n: int) -> np.ndarray:
    """``W_hi ... W_lo`` (1-based, inclusive); the n x n identity when hi < lo.  On stacks
    (each ``W[j]`` of shape (B, ., .)) the B products of :func:`numerics.deeplinear.product`
    (the same products in the same order) and the identity broadcast to (B, n, n)."""
    if np.ndim(W[0]) == 3:
        if hi < lo:
            return np.broadcast_to(np.eye(n), np.shape(W[0])[:1] + (n, n))
        return dl.product(W[lo - 1:hi])
    out = None
    for j in range(lo, hi + 1):
        out = W[j - 1] if out is None else np.dot(W[j - 1], out)
    if out is None:
        eye = np.zeros((n, n), dtype=np.asarray(W[0]).dtype)
        for k in range(n):
            eye[k, k] = 1
        return eye
    return out


def end_to_end(W: Sequence[np.ndarray]) -> np.ndarray:
    """The product ``W_L ... W_1``."""
    return chain(W, 1, len(W), 0)


def _width_in(W: Sequence[np.ndarray], j: int) -> int:
    return np.shape(W[j - 1])[1]


def top_singular(P: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(u, v, rho): left and right singular vectors of the largest singular value rho."""
    U, s, Vt = np.linalg.svd(np.asarray(P, dtype=float))
    return U[:, 0], Vt[0], float(s[0])


def pq(W: Sequence[np.ndarray], u: np.ndarray, v: np.ndarray) -> tuple[list, list]:
    """Theorem 1's p_j = ||W_j ... W_1 v|| (j = 0..L) and q_j = ||u^T W_L ... W_j|| (j = 1..L+1).

    Returns lists indexed by j: ``p[0] = ||v||``, ``q[L + 1] = ||u||`` and ``q[0]`` unused.
    Works on float and on mpmath object arrays.
    """
    L = len(W)
    sqrt = mpmath.sqrt if np.asarray(W[0]).dtype == object else np.sqrt
    p, x = [sqrt(np.dot(v, v))], v
    for j in range(L):
        x = np.dot(W[j], x)
        p.append(sqrt(np.dot(x, x)))
    q = [None] * (L + 2)
    q[L + 1], y = sqrt(np.dot(u, u)), u
    for j in range(L, 0, -1):
        y = np.dot(np.asarray(W[j - 1]).T, y)
        q[j] = sqrt(np.dot(y, y))
    return p, q


def thm1_denominator(W: Sequence[np.ndarray], u=None, v=None):
    """sum_{j=1}^L p_{j-1}^2 q_{j+1}^2, so that the bound (3) is 2 / this.

    u, v default to the top singular pair of ``W_L ... W_1`` (float only).
    """
    if u is None or v is None:
        u, v, _ = top_singular(end_to_end(W))
    p, q = pq(W, u, v)
    return sum(p[j - 1] ** 2 * q[j + 1] ** 2 for j in range(1, len(W) + 1))


def cor1_denominator(rho: float, L: int) -> float:
    """L rho^{2(L-1)/L}, so that the bound (4) of Corollary 1 is 2 / this."""
    return L * rho ** (2 * (L - 1) / L)


def kron(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.kron`` of two matrices (float or mpmath object arrays), the same products
    a_ij b_kl, without np.kron's general n-d set-up (most of its cost on these small
    matrices, called thousands of times in a search)."""
    a, b = np.asarray(a), np.asarray(b)
    return (a[:, None, :, None] * b[None, :, None, :]).reshape(
        a.shape[0] * b.shape[0], a.shape[1] * b.shape[1])


def product_jacobian(W: Sequence[np.ndarray]) -> np.ndarray:
    """The Jacobian J of vec(W_L ... W_1) (row-major) with respect to the parameters.

    Block j is ``kron(W_L ... W_{j+1}, (W_{j-1} ... W_1)^T)``: vec(A X B) = (A kron B^T) vec(X)
    for row-major vec.  Shape (n_L n_0, P).
    """
    L, n0, nL = len(W), _width_in(W, 1), np.shape(W[-1])[0]
    blocks = []
    for j in range(1, L + 1):
        A = chain(W, j + 1, L, np.shape(W[j - 1])[0])
        B = chain(W, 1, j - 1, n0)
        blocks.append(kron(A, B.T))
    J = np.concatenate(blocks, axis=1)
    assert J.shape[0] == nL * n0
    return J


def f_operator(W: Sequence[np.ndarray]) -> np.ndarray:
    """The map f(X) = sum_i A_i X B_i of eq. (7) as a matrix on row-major vec(X).

    A_i = (W_L ... W_{i+1})(W_L ... W_{i+1})^T and B_i = (W_{i-1} ... W_1)^T (W_{i-1} ... W_1),
    as printed in Appendix A; vec(A X B) = (A kron B^T) vec(X) and B_i is symmetric.
    """
    L, n0 = len(W), _width_in(W, 1)
    out = 0
    for i in range(1, L + 1):
        Pa = chain(W, i + 1, L, np.shape(W[i - 1])[0])
        Pb = chain(W, 1, i - 1, n0)
        out = out + kron(np.dot(Pa, Pa.T), np.dot(Pb.T, Pb).T)
    return out


def _chain_table(W: Sequence[np.ndarray]):
    """``chain(W, lo, hi, n)`` for every (lo, hi), each product formed once: ``W_hi ... W_lo``
    as W_hi (W_{hi-1} ... W_lo), the same matmuls in the same order as :func:`chain` does them,
    so the same numbers (float64 or mpmath) at a fraction of the calls."""
    L = len(W)
    table: dict = {}
    for lo in range(1, L + 1):
        out = table[lo, lo] = W[lo - 1]
        for hi in range(lo + 1, L + 1):
            out = table[lo, hi] = np.dot(W[hi - 1], out)
    eyes: dict = {}

    def get(lo: int, hi: int, n: int) -> np.ndarray:
        if hi >= lo:
            return table[lo, hi]
        if n not in eyes:
            eyes[n] = chain(W, lo, hi, n)
        return eyes[n]

    return get


@functools.lru_cache(maxsize=64)
def _hessian_plan(dims: tuple[int, ...]) -> tuple:
    """Where each entry of :func:`hessian`'s J and residual term comes from, for widths
    ``dims = (n_0, ..., n_L)``: index arrays into the flattened factors, so that the Kronecker
    blocks and the blocks S[(a,b),(c,d)] = G[a,d] M[b,c] are formed by two gathers and one
    multiplication each (the same single products as block by block)."""
    L, n0, nL = len(dims) - 1, dims[0], dims[-1]
    sizes = [dims[j] * dims[j - 1] for j in range(1, L + 1)]
    offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
    P = int(offs[-1])
    # J block j = kron(A_j, B_j^T): [a n_0 + b, c n_{j-1} + e] = A_j[a, c] B_j[e, b], with
    # A_j (n_L x n_j) and B_j (n_{j-1} x n_0) stored one after another in that order
    ia, ib, at = [], [], 0
    a_at = []
    for j in range(1, L + 1):
        a_at.append(at)
        at += nL * dims[j]
    b_at = []
    for j in range(1, L + 1):
        b_at.append(at)
        at += dims[j - 1] * n0
    for j in range(1, L + 1):
        a, b, c, e = np.meshgrid(np.arange(nL), np.arange(n0), np.arange(dims[j]),
                                 np.arange(dims[j - 1]), indexing="ij")
        ia.append((a_at[j - 1] + a * dims[j] + c).reshape(nL * n0, sizes[j - 1]))
        ib.append((b_at[j - 1] + e * n0 + b).reshape(nL * n0, sizes[j - 1]))
    ia, ib = np.concatenate(ia, axis=1), np.concatenate(ib, axis=1)
    # residual blocks, i < j, in the order (j, i) of the loops; G_ji (n_j x n_{i-1}) and
    # M_ji (n_{j-1} x n_i) stored one after another in two vectors
    pos, ig, im, g_at, m_at = [], [], [], 0, 0
    for j in range(2, L + 1):
        for i in range(1, j):
            a, b, c, d = np.meshgrid(np.arange(dims[j]), np.arange(dims[j - 1]),
                                     np.arange(dims[i]), np.arange(dims[i - 1]), indexing="ij")
            row = offs[j - 1] + a * dims[j - 1] + b
            col = offs[i - 1] + c * dims[i - 1] + d
            pos.append(np.stack([row * P + col, col * P + row]).ravel())
            gi = (g_at + a * dims[i - 1] + d).ravel()
            mi = (m_at + b * dims[i] + c).ravel()
            ig.append(np.concatenate([gi, gi]))
            im.append(np.concatenate([mi, mi]))
            g_at += dims[j] * dims[i - 1]
            m_at += dims[j - 1] * dims[i]
    cat = (lambda xs: np.concatenate(xs) if xs else np.zeros(0, dtype=int))
    plan = (ia, ib, cat(pos), cat(ig), cat(im))
    for a in plan:
        a.setflags(write=False)  # shared by every call with these widths
    return plan


def _hessian_and_product(W: Sequence[np.ndarray], R: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`hessian` and the product W_L ... W_1 it forms on the way."""
    L = len(W)
    dims = (_width_in(W, 1),) + tuple(np.shape(w)[0] for w in W)
    ia, ib, pos, ig, im = _hessian_plan(dims)
    ch = _chain_table(W)
    A = [ch(j + 1, L, dims[j]) for j in range(1, L + 1)]  # W_L ... W_{j+1}
    B = [ch(1, j - 1, dims[0]) for j in range(1, L + 1)]  # W_{j-1} ... W_1
    vals = np.concatenate([np.asarray(x).ravel() for x in A + B])
    J = vals[ia] * vals[ib]
    H = np.ascontiguousarray(np.dot(J.T, J))  # so that reshape(-1) below is a view
    P = ch(1, L, 0)
    E = P - R
    if L > 1:
        G, M = [], []
        for j in range(2, L + 1):
            AtE = np.dot(A[j - 1].T, E)
            for i in range(1, j):
                G.append(np.dot(AtE, B[i - 1].T).ravel())  # n_j x n_{i-1}
                M.append(np.asarray(ch(i + 1, j - 1, dims[i])).ravel())  # n_{j-1} x n_i
        # each entry of an off-diagonal block gets its one term G[a,d] M[b,c] added
        Hf = H.reshape(-1)
        Hf[pos] += np.concatenate(G)[ig] * np.concatenate(M)[im]
    return H, P


def hessian(W: Sequence[np.ndarray], R: np.ndarray) -> np.ndarray:
    """The full Hessian of 0.5 ||W_L ... W_1 - R||_F^2 at W: J^T J plus the residual term.

    The second-order term is <E, D^2 P[V, V']>, with E = W_L ... W_1 - R; for layers i < j its
    block is S[(j, a, b), (i, c, d)] = G_{ad} M_{bc}, G = (W_L..W_{j+1})^T E (W_{i-1}..W_1)^T,
    M = W_{j-1} ... W_{i+1}.  Float arrays give float64; object arrays of mpf give mpmath.

    Every partial product W_hi ... W_lo is formed once (:func:`_chain_table`) with the
    arithmetic of forming it where it is used, and the Kronecker and residual blocks are
    gathered by index (:func:`_hessian_plan`): the same products and sums as block by block,
    so the same Hessian to the last bit (tests/test_deeplinear_speed.py).
    """
    return _hessian_and_product(W, R)[0]


def to_mp(a) -> np.ndarray:
    """An array of mpf (object dtype) from floats, exactly (call inside workdps); an object
    array (already mpmath) is returned as it is."""
    if np.asarray(a).dtype == object:
        return np.asarray(a)
    arr = np.asarray(a, dtype=float)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = mpmath.mpf(float(arr[idx]))
    return out


def factorise(R: np.ndarray, r: int, cores: Sequence[np.ndarray]) -> Net:
    """A global minimiser of a network of inner widths r for target R (rank-r truncation).

    With R = U S V^T truncated to rank r and L - 1 invertible r x r ``cores`` G_1..G_{L-1}:
    W_1 = G_1 V_r^T, W_j = G_j (1 < j < L), W_L = U_r S_r (G_{L-1} ... G_1)^{-1}, so
    W_L ... W_1 = U_r S_r V_r^T, the best rank-r approximation of R (the global minimum of the
    width-r network; for r = rank R, R itself).  Every such minimiser with full-rank layers is
    of this form.  L = len(cores) + 1 >= 2.
    """
    return _factoriser(R, r)(cores)


def _factoriser(R: np.ndarray, r: int):
    """:func:`factorise` for one (R, r) and any cores, R's SVD taken once (a search calls it
    thousands of times with the same R): the same numbers as :func:`factorise`."""
    U, s, Vt = np.linalg.svd(np.asarray(R, dtype=float))
    Ur, Sr, Vr = U[:, :r], np.diag(s[:r]), Vt[:r].T

    def make(cores: Sequence[np.ndarray]) -> Net:
        cores = [np.asarray(c, dtype=float) for c in cores]
        M = np.eye(r)
        for c in cores:
            M = c @ M
        return [cores[0] @ Vr.T] + cores[1:] + [Ur @ Sr @ np.linalg.inv(M)]

    return make


def balanced(R: np.ndarray, L: int, r: int | None = None) -> Net:
    """The balanced factorisation: W_1 = S^{1/L} V^T, W_j = S^{1/L}, W_L = U S^{1/L} (rank r)."""
    U, s, Vt = np.linalg.svd(np.asarray(R, dtype=float))
    r = len(s) if r is None else r
    root = np.diag(s[:r] ** (1.0 / L))
    if L == 1:
        return [U[:, :r] @ np.diag(s[:r]) @ Vt[:r]]
    return [root @ Vt[:r]] + [root.copy() for _ in range(L - 2)] + [U[:, :r] @ root]


def balanced_mp(R: np.ndarray, L: int) -> Net:
    """:func:`balanced` (full rank) at the working precision: R an object array of mpf, the
    SVD by ``mpmath.svd_r`` (call inside ``mpmath.workdps``)."""
    U, S, V = mpmath.svd_r(mpmath.matrix(np.asarray(R).tolist()))  # R = U diag(S) V
    n = len(S)
    mat = lambda M: np.array([[M[i, k] for k in range(M.cols)] for i in range(M.rows)],
                             dtype=object)
    root = np.array([[S[i] ** (mpmath.mpf(1) / L) if i == k else mpmath.mpf(0)
                      for k in range(n)] for i in range(n)], dtype=object)
    if L == 1:
        return [np.asarray(R, dtype=object)]
    return [np.dot(root, mat(V))] + [root.copy() for _ in range(L - 2)] + [np.dot(mat(U), root)]


def conjugated(W: Sequence[np.ndarray], cores: Sequence[np.ndarray], inv) -> Net:
    """{G_j W_j G_{j-1}^{-1}} with G_0 = G_L = I and invertible ``cores`` G_1..G_{L-1}: the
    same product W_L ... W_1, so a minimiser again (Section 2: with square layers and an
    invertible product every minimiser is the balanced one conjugated so).  ``inv`` inverts a
    core (``np.linalg.inv``, or an mpmath inverse for object arrays)."""
    out = list(W)
    for j, G in enumerate(cores):
        out[j] = np.dot(G, out[j])
        out[j + 1] = np.dot(out[j + 1], inv(G))
    return out


def rescale(W: Sequence[np.ndarray], alphas: Sequence[float]) -> Net:
    """{alpha_i W_i}: a minimiser again when prod alpha_i = 1 (Section 2)."""
    return [a * np.asarray(w, dtype=float) for a, w in zip(alphas, W)]


def random_cores(r: int, L: int, rng: np.random.Generator, spread: float = 1.0) -> list:
    """L - 1 random r x r cores: orthogonal times exp(spread * N(0,1)) singular values."""
    out = []
    for _ in range(L - 1):
        q1, _ = np.linalg.qr(rng.standard_normal((r, r)))
        q2, _ = np.linalg.qr(rng.standard_normal((r, r)))
        out.append(q1 @ np.diag(np.exp(spread * rng.standard_normal(r))) @ q2)
    return out


def ratio(W: Sequence[np.ndarray], R: np.ndarray) -> float:
    """lambda_max(H) / sum p_{j-1}^2 q_{j+1}^2 at W (float64, dense Hessian)."""
    H, P = _hessian_and_product(W, R)
    lam = np.linalg.eigvalsh(H)[-1]
    u, v, _ = top_singular(P)  # of W_L ... W_1, as thm1_denominator(W) takes it
    return float(lam / thm1_denominator(W, u, v))


def chain_step(w: np.ndarray, lam: float, delta: float) -> np.ndarray:
    """One GD step on 0.5 (w_1 ... w_L - lam)^2 for rows w of shape (B, L)."""
    L = w.shape[1]
    # prod_{j != i} w_j without dividing (w_i may be 0)
    # (the columns np.delete(w, i, axis=1) would keep, by indexing: the same products)
    others = np.stack([np.prod(w[:, [j for j in range(L) if j != i]], axis=1)
                       for i in range(L)], axis=1)
    e = np.prod(w, axis=1, keepdims=True) - lam
    return w - delta * others * e


def same_bits(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rows of ``a`` and ``b`` (float64, same shape) that are identical bit for bit (NaN and the
    sign of zero included, unlike ``==``)."""
    return np.all(a.view(np.int64) == b.view(np.int64), axis=1)


def _newton_pass(F, w: np.ndarray, h: float) -> np.ndarray:
    """One least-squares Newton pass of :func:`two_cycles` on the rows ``w`` (B, L), central
    differences for the Jacobian: every row and direction in one call of ``F`` (F acts row by
    row, so these are the numbers of one call per direction)."""
    B, L = w.shape
    e = h * np.eye(L)
    Fpm = F(np.concatenate([(w[:, None, :] + e[None]).reshape(B * L, L),
                            (w[:, None, :] - e[None]).reshape(B * L, L)]))
    J = ((Fpm[:B * L] - Fpm[B * L:]) / (2 * h)).reshape(B, L, L).transpose(0, 2, 1)
    ok = np.all(np.isfinite(J), axis=(1, 2)) & np.all(np.isfinite(w), axis=1)
    step = np.zeros_like(w)
    if ok.any():  # least-squares Newton step, batched through the pseudo-inverse
        step[ok] = -np.einsum("bij,bj->bi", np.linalg.pinv(J[ok]), F(w[ok]))
    return np.where(ok[:, None] & (np.abs(w) < 1e3), w + step, np.nan)


def two_cycles(L: int, lam: float, delta: float, rng: np.random.Generator, starts: int,
               box: float = 3.0, iters: int = 60) -> list[tuple[np.ndarray, float]]:
    """Period-2 orbits of GD on the scalar chain, by batched Newton on G(G(w)) - w from random
    starts in [-box, box]^L (central-difference Jacobians, least squares).

    Returns distinct points w (|G(w) - w| > 1e-6, residual < 1e-11) with the spectral radius
    of D(G o G) there (> 1: the orbit repels).  A search: it can miss orbits.
    """
    def F(w):
        return chain_step(chain_step(w, lam, delta), lam, delta) - w

    w = rng.uniform(-box, box, (starts, L))
    h = 1e-7
    with np.errstate(all="ignore"):
        live = np.arange(starts)  # rows still moving
        for _ in range(iters):
            if live.size == 0:
                break
            old = w[live]
            new = _newton_pass(F, old, h)
            w[live] = new
            # a row that came back bit for bit is a fixed point of this (row-wise,
            # deterministic) iteration: every later pass would return it unchanged
            live = live[~same_bits(new, old)]
        res = np.abs(F(w)).max(axis=1)
        moved = np.abs(chain_step(w, lam, delta) - w).max(axis=1)
    out: list[tuple[np.ndarray, float]] = []
    for b in np.flatnonzero((res < 1e-11) & (moved > 1e-6)):
        if out and np.any(np.abs(np.array([p for p, _ in out]) - w[b]).max(axis=1) < 1e-6):
            continue
        J = np.stack([(F(w[b:b + 1] + h * np.eye(L)[i]) - F(w[b:b + 1] - h * np.eye(L)[i]))[0]
                      / (2 * h) for i in range(L)], axis=1) + np.eye(L)
        out.append((w[b].copy(), float(np.max(np.abs(np.linalg.eigvals(J))))))
    return out
