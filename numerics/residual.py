"""Engines for Nar & Sastry (2018), *Residual Networks: Lyapunov Stability and Convex
Decomposition*: what the paper needs beyond :mod:`numerics.deeplinear` (the deep linear residual
networks of Wu, Wang & Ma 2019 are in :mod:`numerics.linear_resnet`).

- eq. (5) with a general input covariance Sigma (reduced to the whitened engine);
- the double linear network of Section 3.2 (``W_L ... W_1 - Z_L ... Z_1`` against ``R``);
- the structure the proofs of Theorems 1 and 2 assume the iterates keep (every W_i a function
  of R: commuting with R, diagonal in R's eigenbasis), and targets with non-orthogonal
  eigenvectors;
- the ReLU residual networks (7a)-(7c) and (10a)-(10c): forward passes that also run on exact
  ``fractions.Fraction`` object arrays, the gradient formulas of Section 4, and exact kink /
  linear-piece counting of scalar networks (Figure 4).

No SymPy here (tests/test_layering.py); engines never print and take ``np.random.Generator``.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from numerics import deeplinear as dl

Weights = list[np.ndarray]


# --- eq. (5) with Sigma ---------------------------------------------------------------------


def sqrt_psd(Sigma: np.ndarray) -> np.ndarray:
    """A matrix S with S S^T = Sigma (symmetric PSD Sigma; eigh, negative rounding clipped)."""
    vals, vecs = np.linalg.eigh(np.asarray(Sigma, dtype=float))
    return vecs * np.sqrt(np.clip(vals, 0.0, None))


def gradient_sigma(ws: Sequence[np.ndarray], R: np.ndarray, Sigma: np.ndarray) -> Weights:
    """Gradient of ``(1/2N) sum_i ||W_L...W_1 x_i - R x_i||^2`` with ``(1/N) sum x x^T = Sigma``.

    This loss is ``0.5 tr(E Sigma E^T)`` = ``0.5 ||W_L ... (W_1 S) - R S||_F^2`` for S S^T =
    Sigma, so it is the whitened loss of :mod:`numerics.deeplinear` with the first layer W_1 S;
    by the chain rule only the first layer's gradient picks up a factor S^T.  Equal to eq. (5),
    ``G_i E Sigma H_i`` (tested against it and against finite differences).
    """
    S = sqrt_psd(Sigma)
    shifted = [ws[0] @ S] + list(ws[1:])
    grads = dl.gradient(shifted, np.asarray(R, dtype=float) @ S)
    grads[0] = grads[0] @ S.T
    return grads


def gradient_eq5(ws: Sequence[np.ndarray], R: np.ndarray, Sigma: np.ndarray) -> Weights:
    """eq. (5) literally: ``G_i (F - R) Sigma H_i`` with ``G_i = W_{i+1}^T ... W_L^T`` and
    ``H_i = W_1^T ... W_{i-1}^T`` (O(L^2) matmuls: a reference, not an engine)."""
    L = len(ws)
    F = dl.product(ws)
    eye = np.broadcast_to(np.eye(ws[0].shape[1]), ws[0].shape)
    out = []
    for i in range(L):
        G = eye.copy()
        for w in ws[i + 1:]:
            G = G @ w.swapaxes(1, 2)
        H = eye.copy()
        for w in ws[:i]:
            H = H @ w.swapaxes(1, 2)
        out.append(G @ (F - R) @ Sigma @ H)
    return out


# --- the double network (Section 3.2, (9a)-(9b)) --------------------------------------------


def double_loss(ws: Sequence[np.ndarray], zs: Sequence[np.ndarray], R: np.ndarray) -> np.ndarray:
    """``0.5 ||W_L...W_1 - Z_L...Z_1 - R||_F^2`` per network of the batch (whitened data)."""
    e = dl.product(ws) - dl.product(zs) - R
    return 0.5 * np.sum(e * e, axis=(1, 2))


def double_gradient(ws, zs, R) -> tuple[Weights, Weights]:
    """Gradients of :func:`double_loss`: the W part is the single network's gradient against
    the target ``R + Z``-product; the Z part that of ``Z``-product against ``W``-product - R."""
    pw, pz = dl.product(ws), dl.product(zs)
    return dl.gradient(ws, R + pz), dl.gradient(zs, pw - R)


def double_gd(ws, zs, R, delta, steps: int, bound: float = 1e50):
    """Batched GD on the double network; runs that leave ``bound`` (or go non-finite) freeze as
    NaN.  Returns ``(ws, zs, history)`` with the loss before every step and after the last.

    The W and Z networks of the live runs are stacked along the batch (W rows first, then Z),
    so one chain of prefix products ``W_j ... W_1`` / ``Z_j ... Z_1`` gives the loss, both
    targets of :func:`double_gradient` and the right factors of both gradients (eq. (5),
    accumulated from the top as in :func:`numerics.deeplinear.gradient_and_error`): the same
    float operations per run as :func:`double_loss` and :func:`double_gradient`, with 3L - 2
    batched matmuls a step instead of 10L - 8.  A frozen run is dropped from the stack (its
    weights are NaN from then on, as they would stay).
    """
    B = ws[0].shape[0]
    d = np.broadcast_to(np.asarray(delta, dtype=float), (B,))
    R = np.broadcast_to(np.asarray(R, dtype=float), ws[-1].shape[:1] + np.shape(R)[-2:])
    out = [np.array(w, dtype=float) for w in ws] + [np.array(z, dtype=float) for z in zs]
    L = len(ws)
    live = np.arange(B)  # the runs still in the stack, in batch order
    st = [np.concatenate([w, z]) for w, z in zip(out[:L], out[L:])]
    hist = np.full((steps + 1, B), np.nan)
    Rl, dl2 = R, np.concatenate([d, d])[:, None, None]  # target and step of the stack's rows
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            m = live.size
            if m == 0:
                break
            pre = [st[0]]  # pre[j] = W_(j+1) ... W_1 over Z_(j+1) ... Z_1
            for w in st[1:]:
                pre.append(w @ pre[-1])
            pw, pz = pre[-1][:m], pre[-1][m:]
            e = pw - pz - Rl
            lk = 0.5 * np.sum(e * e, axis=(1, 2))
            ok = np.isfinite(lk) & (lk < bound)
            hist[k, live] = np.where(ok, lk, np.nan)
            if not ok.all():  # freeze: NaN weights in the output, out of the stack
                for j, w in enumerate(st):
                    out[j][live[~ok]] = np.nan
                    out[L + j][live[~ok]] = np.nan
                keep = np.concatenate([ok, ok])
                st, pre, dl2 = [w[keep] for w in st], [p[keep] for p in pre], dl2[keep]
                live, m, Rl = live[ok], int(ok.sum()), Rl[ok]
                pw, pz = pre[-1][:m], pre[-1][m:]
            if k == steps or m == 0:
                break
            # E of each network against its target: W-product - (R + Z-product) for the W
            # part, Z-product - (W-product - R) for the Z part (double_gradient)
            a = pre[-1] - np.concatenate([Rl + pz, pw - Rl])
            for j in range(L - 1, -1, -1):  # top-down; st[j] is updated after its last use
                g = a @ pre[j - 1].swapaxes(1, 2) if j > 0 else a
                if j > 0:
                    a = st[j].swapaxes(1, 2) @ a
                st[j] -= dl2 * g
    for j, w in enumerate(st):
        out[j][live], out[L + j][live] = w[:live.size], w[live.size:]
    return out[:L], out[L:], hist


def identity_stack(n: int, L: int, B: int) -> Weights:
    """L layers of B identity matrices (the residual initialisation W_i[0] = I)."""
    return [np.broadcast_to(np.eye(n), (B, n, n)).copy() for _ in range(L)]


# --- targets and the structure the proofs assume ---------------------------------------------


def diagonalisable(eigs: np.ndarray, M: np.ndarray) -> np.ndarray:
    """``R = M diag(eigs) M^{-1}`` (batched: eigs (B, n), M (B, n, n) or unbatched)."""
    eigs = np.asarray(eigs, dtype=float)
    return (M * eigs[..., None, :]) @ np.linalg.inv(M)


def random_targets(n: int, B: int, rng: np.random.Generator, low: float, high: float,
                   orthogonal: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """B targets ``R = M diag(eigs) M^{-1}``, eigenvalues uniform on [low, high], eigenvectors
    N(0, I) (as in the 20x20 experiment of Section 3.2) or orthonormal (symmetric R).

    Returns ``(R, M, eigs)``.
    """
    eigs = rng.uniform(low, high, (B, n))
    M = rng.standard_normal((B, n, n))
    if orthogonal:
        M = np.linalg.qr(M)[0]
    return diagonalisable(eigs, M), M, eigs




def spectral_data(R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(spectral radius, largest singular value) of every R of a batch (or of one R)."""
    R = np.asarray(R, dtype=float)
    return (np.max(np.abs(np.linalg.eigvals(R)), axis=-1),
            np.linalg.norm(R, ord=2, axis=(-2, -1)))



# --- ReLU residual networks (7a)-(7c), (10a)-(10c) -------------------------------------------


def relu(z):
    """``[z]_+`` elementwise; works on float and on Fraction object arrays."""
    return np.where(z > 0, z, 0 * z)


def forward10(X, Ws, bs):
    """Network (10a)-(10b) (V_i = I): the hidden states ``[h_0, ..., h_L]``, each (n, N)."""
    hs = [X]
    for W, b in zip(Ws, bs):
        hs.append(hs[-1] + W @ relu(hs[-1] - np.asarray(b)[:, None]))
    return hs


def grads10(X, y, Ws, bs, c, d=0.0):
    """Gradients of ``0.5 sum_i (c^T h_L(x_i) + d - y_i)^2`` by the formulas of Section 4.

    With ``c_l^i`` = the gradient of f with respect to h_l at x_i (``c^T (I + W~_L^i) ...
    (I + W~_{l+1}^i)``, ``W~_k^i = W_k diag(1{h_{k-1}(x_i) - b_k > 0})``), and e_i the error:
    dW_l = sum_i e_i c_l^i (h_{l-1}(x_i) - b_l)_+^T        (12a)
    dc   = sum_i e_i h_L(x_i)                              (12b, with f = c^T h_L)
    db_l = -sum_i diag(1{h_{l-1} - b_l > 0}) W_l^T c_l^i e_i   (Section 4)
    dd   = sum_i e_i.

    Returns:
        ``(f, e, dWs, dbs, dc, dd, cs)`` with ``cs[l]`` the (n, N) array of c_l^i.
    """
    hs = forward10(X, Ws, bs)
    f = np.asarray(c) @ hs[-1] + d
    e = f - y
    L = len(Ws)
    cs = [None] * (L + 1)
    cs[L] = np.repeat(np.asarray(c)[:, None], X.shape[1], axis=1)
    dWs, dbs = [None] * L, [None] * L
    for l in range(L, 0, -1):
        pre = hs[l - 1] - np.asarray(bs[l - 1])[:, None]
        act = np.where(pre > 0, 1, 0)  # ints keep Fraction object arrays exact
        u = Ws[l - 1].T @ cs[l]  # W_l^T c_l^i, columns over points
        dWs[l - 1] = (cs[l] * e) @ relu(pre).T
        dbs[l - 1] = -np.sum(act * u * e, axis=1)
        cs[l - 1] = cs[l] + act * u  # (I + W~_l^i)^T c_l^i
    return f, e, dWs, dbs, hs[-1] @ e, np.sum(e), cs


# --- exact kinks and linear pieces of scalar networks (Figure 4) -----------------------------


def _to_frac(v) -> Fraction:
    return v if isinstance(v, Fraction) else Fraction(v)


def scalar_pieces(ws, bs, lo=0, hi=1):
    """Exact piecewise-linear form of the scalar network ``h_i = h_{i-1} + w_i [h_{i-1} - b_i]_+``
    (10a)-(10b), n = 1, on [lo, hi]: breakpoints ``x_0 = lo < ... < x_K = hi`` and the values
    ``h_L(x_k)``, as Fractions (weights of any sign; floats are converted exactly).

    Each layer splits a piece where ``h_{i-1}`` crosses ``b_i``; nothing is rounded.
    """
    xs = [_to_frac(lo), _to_frac(hi)]
    hv = list(xs)
    for w, b in zip(ws, bs):
        w, b = _to_frac(w), _to_frac(b)
        nx, nh = [xs[0]], [hv[0]]
        for k in range(len(xs) - 1):
            h0, h1 = hv[k], hv[k + 1]
            if (h0 - b) * (h1 - b) < 0:  # strict crossing inside the piece: a new breakpoint
                t = (b - h0) / (h1 - h0)
                nx.append(xs[k] + t * (xs[k + 1] - xs[k]))
                nh.append(b)
            nx.append(xs[k + 1])
            nh.append(h1)
        xs = nx
        hv = [h + w * max(h - b, Fraction(0)) for h in nh]
    return xs, hv


def merge_pieces(xs, ys):
    """Drop breakpoints where the slope does not change; returns ``(xs, ys)`` of the maximal
    linear pieces (exact)."""
    keep_x, keep_y = [xs[0]], [ys[0]]
    for k in range(1, len(xs) - 1):
        s0 = (ys[k] - keep_y[-1]) / (xs[k] - keep_x[-1])
        s1 = (ys[k + 1] - ys[k]) / (xs[k + 1] - xs[k])
        if s0 != s1:
            keep_x.append(xs[k])
            keep_y.append(ys[k])
    return keep_x + [xs[-1]], keep_y + [ys[-1]]


def pair_pieces(net1, net2, c1, c2, d, lo=0, hi=1):
    """Exact pieces of ``f = c1 h^(1)_L - c2 h^(2)_L + d`` (the decomposed estimator of Figure 4)
    for ``net = (ws, bs)``: returns the merged ``(xs, ys)`` of f on [lo, hi]."""
    x1, h1 = scalar_pieces(*net1, lo, hi)
    x2, h2 = scalar_pieces(*net2, lo, hi)
    c1, c2, d = _to_frac(c1), _to_frac(c2), _to_frac(d)
    xs = sorted(set(x1) | set(x2))
    return merge_pieces(xs, [c1 * _interp(x1, h1, x) - c2 * _interp(x2, h2, x) + d for x in xs])


def _interp(xs, ys, x):
    for k in range(len(xs) - 1):
        if xs[k] <= x <= xs[k + 1]:
            return ys[k] + (ys[k + 1] - ys[k]) * (x - xs[k]) / (xs[k + 1] - xs[k])
    raise ValueError("x outside the breakpoints")


def scalar_forward(x: np.ndarray, ws, bs) -> np.ndarray:
    """Float forward pass of the scalar network (10a)-(10b) at points x."""
    h = np.asarray(x, dtype=float)
    for w, b in zip(ws, bs):
        h = h + w * np.maximum(h - b, 0.0)
    return h


def nesterov_pairs(P: dict, x: np.ndarray, y: np.ndarray, steps: int, lr: float = 0.05,
                   mom: float = 0.9) -> tuple[dict, np.ndarray]:
    """Nesterov's accelerated GD on B decomposed estimators ``f = c1 h1(x) - c2 h2(x) + d`` of
    scalar networks (10a)-(10b) (n = 1) at once, with ``w >= 0`` and ``c >= 1e-3`` kept by
    projection (Nar & Sastry 2018, Section 4, Figure 4).

    ``P`` holds ``w1, b1, w2, b2`` of shape (B, L) and ``c1, c2, d`` of shape (B, 1); returns
    the trained parameters (new arrays) and the loss history (steps, B) (the loss at the
    look-ahead point before each step).  The gradients are those of :func:`grads10` for n = 1,
    computed with the same floating-point operations in the same order, one network per row,
    so each row reproduces a one-network run bit for bit; the batch only removes the
    per-network Python overhead.
    """
    P = {k: np.array(v, dtype=float) for k, v in P.items()}
    V = {k: np.zeros_like(v) for k, v in P.items()}
    N = x.size
    B, L = P["w1"].shape
    hist = np.empty((steps, B))
    sgn = np.repeat([1.0, -1.0], B)[:, None]

    def grads(w, b, c, target):
        """grads10 for n = 1 on the rows of (w, b, c): (dW, db, dc)."""
        # forward10: h_i = h_{i-1} + w_i [h_{i-1} - b_i]_+, keeping 1{h_{i-1} - b_i > 0} and
        # [.]_+ for the backward pass; relu(z) is z * 1{z > 0} bitwise (z * 1.0 = z, and
        # z * 0.0 = 0 * z, signed zeros and NaN alike), and grads10's int 0/1 activation
        # times u is the boolean one times u
        h = np.broadcast_to(x, (w.shape[0], N))
        ons, acts = [], []
        for i in range(L):
            pre = h - b[:, i:i + 1]
            ons.append(pre > 0)
            acts.append(pre * ons[-1])
            h = h + w[:, i:i + 1] * acts[-1]
        e = c * h - target
        cl = np.repeat(c, N, axis=1)
        dW, db = np.empty(w.shape), np.empty(w.shape)
        for i in range(L - 1, -1, -1):
            u = w[:, i:i + 1] * cl
            dW[:, i] = ((cl * e)[:, None, :] @ acts[i][:, :, None])[:, 0, 0]
            au = ons[i] * u
            db[:, i] = -np.sum(au * e, axis=1)
            cl = cl + au
        return dW, db, (h[:, None, :] @ e[:, :, None])[:, 0, :]

    for k in range(steps):
        Q = {key: P[key] + mom * V[key] for key in P}
        Q["w1"], Q["w2"] = np.maximum(Q["w1"], 0), np.maximum(Q["w2"], 0)
        # both networks of every pair as one stack of 2B rows: h1 rows first, then h2
        w, b = np.concatenate([Q["w1"], Q["w2"]]), np.concatenate([Q["b1"], Q["b2"]])
        c = np.concatenate([Q["c1"], Q["c2"]])
        fo = c * scalar_forward_rows(x, w, b)
        e = (fo[:B] - fo[B:] + Q["d"] - y) / N
        hist[k] = np.sum(e * e, axis=1) * N / 2
        ee = np.concatenate([e, e])
        dW, db, dc = grads(w, b, c, fo - ee)
        dW, db, dc = sgn * dW, sgn * db, sgn * dc
        g = {"w1": dW[:B], "w2": dW[B:], "b1": db[:B], "b2": db[B:], "c1": dc[:B],
             "c2": dc[B:], "d": np.sum(e, axis=1, keepdims=True)}
        for key in P:
            V[key] = mom * V[key] - lr * g[key]
            P[key] = P[key] + V[key]
        P["w1"], P["w2"] = np.maximum(P["w1"], 0), np.maximum(P["w2"], 0)
        P["c1"], P["c2"] = np.maximum(P["c1"], 1e-3), np.maximum(P["c2"], 1e-3)
    return P, hist


def scalar_forward_rows(x: np.ndarray, ws: np.ndarray, bs: np.ndarray) -> np.ndarray:
    """:func:`scalar_forward` for B networks at once: ``ws``, ``bs`` of shape (B, L); returns
    (B, len(x))."""
    h = np.broadcast_to(np.asarray(x, dtype=float), (ws.shape[0], np.size(x)))
    for i in range(ws.shape[1]):
        h = h + ws[:, i:i + 1] * np.maximum(h - bs[:, i:i + 1], 0.0)
    return h
