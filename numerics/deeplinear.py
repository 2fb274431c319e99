"""Deep linear networks W_L ... W_1 on whitened data, batched over initialisations.

With whitened inputs ((1/N) sum_i x_i x_i^T = I) the training loss of Nar & Sastry (2018),
eq. (2), reduces to the closed form ``0.5 * ||W_L ... W_1 - R||_F^2`` and its gradient is
eq. (5).  Weights are a list of L arrays; layer j (1-based, ``ws[j - 1]``) has shape
``(B, n_j, n_{j-1})`` for widths ``(n_0, ..., n_L)``, so B networks are handled at once with
``np.matmul`` on stacks.  ``R`` is ``(n_L, n_0)`` (shared) or ``(B, n_L, n_0)`` (per network).

Second-order information comes from an exact Hessian-vector product (complex step on the
gradient, which is a polynomial in the weights), a dense Hessian for small checks and a
Lanczos (ARPACK) estimate of the top eigenvalue for large ones.

Engines take an ``np.random.Generator`` where they need randomness and never print.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

Weights = list[np.ndarray]

COMPLEX_STEP = 1e-30
DENSE_LIMIT = 2000  # "auto": dense Hessian below this many parameters, Lanczos from here on
_DENSE_CHUNK_ENTRIES = 2_000_000  # complex entries per batched hvp in hessian_dense


def _t(a: np.ndarray) -> np.ndarray:
    """Transpose of the last two axes (no conjugation: the complex step needs the analytic
    continuation)."""
    return a.swapaxes(-1, -2)  # a method, so torch tensors (numerics.accel) work too


def check_stack(ws: Sequence[np.ndarray]) -> None:
    """Raise ValueError unless ``ws`` is a stack of L >= 1 batched layers that chain."""
    if len(ws) == 0:
        raise ValueError("a network needs at least one layer")
    for j, w in enumerate(ws):
        if w.ndim != 3:
            raise ValueError(f"layer {j + 1} must have shape (B, n_out, n_in), got {w.shape}")
    for j in range(1, len(ws)):
        if ws[j].shape[2] != ws[j - 1].shape[1] or ws[j].shape[0] != ws[0].shape[0]:
            raise ValueError(f"layer {j + 1} {ws[j].shape} does not follow {ws[j - 1].shape}")


def widths(ws: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The widths ``(n_0, ..., n_L)`` of a stack of networks."""
    check_stack(ws)
    return (ws[0].shape[2],) + tuple(w.shape[1] for w in ws)


def n_params(ws: Sequence[np.ndarray]) -> int:
    """Number of parameters of one network of the stack."""
    return sum(w.shape[1] * w.shape[2] for w in ws)


def random_weights(
    dims: Sequence[int], batch: int, rng: np.random.Generator, scale: float = 1.0,
    near_identity: bool = False,
) -> Weights:
    """Gaussian weights for ``batch`` networks of widths ``dims = (n_0, ..., n_L)``.

    Entries are ``scale * N(0, 1) / sqrt(n_{j-1})``; with ``near_identity`` the rectangular
    identity is added, so a product of many layers stays of order one.
    """
    ws = []
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        w = scale * rng.standard_normal((batch, n_out, n_in)) / np.sqrt(n_in)
        if near_identity:
            w += np.eye(n_out, n_in)
        ws.append(w)
    return ws


def _prefixes(ws: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``[W_1, W_2 W_1, ..., W_L ... W_1]`` with L - 1 matmuls."""
    out = [ws[0]]
    for w in ws[1:]:
        out.append(w @ out[-1])  # "@", not np.matmul: also runs on torch tensors
    return out


def product(ws: Sequence[np.ndarray]) -> np.ndarray:
    """The end-to-end maps ``W_L ... W_1``.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}).

    Returns:
        Array of shape (B, n_L, n_0).
    """
    check_stack(ws)
    p = ws[0]
    for w in ws[1:]:
        p = w @ p
    return p


def loss(ws: Sequence[np.ndarray], R: np.ndarray) -> np.ndarray:
    """The whitened-data loss ``0.5 * ||W_L ... W_1 - R||_F^2`` of every network.

    This is Nar & Sastry (2018), eq. (2), with (1/N) sum_i x_i x_i^T = I.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}).
        R: target, shape (n_L, n_0) or (B, n_L, n_0).

    Returns:
        Array of shape (B,).
    """
    e = product(ws) - R
    return 0.5 * np.sum(np.abs(e) ** 2 if np.iscomplexobj(e) else e * e, axis=(1, 2))


def gradient_and_error(ws: Sequence[np.ndarray], R: np.ndarray) -> tuple[Weights, np.ndarray]:
    """The gradient (see :func:`gradient`) and the error ``E = W_L ... W_1 - R``.

    Written with ``@`` and ``swapaxes`` only, so torch tensors run through it unchanged.
    """
    check_stack(ws)
    L = len(ws)
    pre = _prefixes(ws)  # pre[j] = W_{j+1} ... W_1
    e = pre[-1] - R
    grads: Weights = [np.empty(0)] * L
    a = e  # a = (W_L ... W_{j+1})^T E, starting at j = L
    for j in range(L - 1, -1, -1):  # 0-based layer index: G for ws[j]
        grads[j] = a @ _t(pre[j - 1]) if j > 0 else a
        if j > 0:
            a = _t(ws[j]) @ a
    if grads[0].shape != ws[0].shape:  # R broadcast larger than the batch: not allowed
        raise ValueError(f"R of shape {tuple(R.shape)} does not match the batch {ws[0].shape}")
    return grads, e


def gradient(ws: Sequence[np.ndarray], R: np.ndarray) -> Weights:
    """Gradient of :func:`loss` with respect to every layer, batched.

    Nar & Sastry (2018), eq. (5): with ``E = W_L ... W_1 - R``,
    ``G_j = (W_L ... W_{j+1})^T E (W_{j-1} ... W_1)^T``.  Prefix products
    ``W_{j-1} ... W_1`` are formed once and the left factors ``(W_L ... W_{j+1})^T E`` are
    accumulated from the top, so the cost is 3L - 2 batched matmuls (not O(L^2)).
    Works for complex stacks too (plain transposes, no conjugation), which :func:`hvp` uses.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}).
        R: target, shape (n_L, n_0) or (B, n_L, n_0).

    Returns:
        A list of L arrays, shaped like ``ws``.
    """
    return gradient_and_error(ws, R)[0]


def gd_step_sizes(ws: Sequence[np.ndarray], delta: float | np.ndarray, steps: int) -> np.ndarray:
    """Validate a GD request (stack, step sizes, step count); the step size of each run, (B,).

    Raises:
        ValueError: a malformed stack, a step size that is not a positive finite number, or a
            negative number of steps.
    """
    check_stack(ws)
    d = np.broadcast_to(np.asarray(delta, dtype=float), (ws[0].shape[0],))
    if not np.all(np.isfinite(d)) or np.any(d <= 0):
        raise ValueError("step sizes must be positive finite numbers")
    if steps < 0:
        raise ValueError("steps must be >= 0")
    return d


def gd(
    ws: Sequence[np.ndarray],
    R: np.ndarray,
    delta: float | np.ndarray,
    steps: int,
    bound: float = 1e100,
) -> tuple[Weights, np.ndarray]:
    """Batched gradient descent ``W_j <- W_j - delta * G_j`` (gradient of Nar & Sastry
    (2018), eq. (5)).

    The input arrays are never modified.  A run whose weights leave ``[-bound, bound]`` or
    stop being finite (or whose loss does) is frozen: its weights become NaN and its loss
    history is NaN from that step on.  Floating-point warnings are suppressed inside.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}).
        R: target, shape (n_L, n_0) or (B, n_L, n_0).
        delta: step size, a scalar or one per run (shape (B,)); positive and finite.
        steps: number of GD steps.
        bound: largest allowed |entry| of a weight.

    Returns:
        ``(new_ws, history)``: the final weights (new arrays) and the loss before every step
        and after the last, shape (steps + 1, B).
    """
    d = gd_step_sizes(ws, delta, steps)
    B = d.size
    d3 = d[:, None, None]
    cur = [np.array(w, dtype=float, copy=True) for w in ws]
    R = np.asarray(R, dtype=float)
    history = np.empty((steps + 1, B))
    alive = np.ones(B, dtype=bool)

    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            if k < steps:
                grads, e = gradient_and_error(cur, R)
            else:
                e = product(cur) - R
            lk = 0.5 * np.sum(e * e, axis=(1, 2))
            ok = np.isfinite(lk)
            for w in cur:
                # max |entry| <= bound, exactly (NaN fails either way), without the max
                ok &= (np.abs(w) <= bound).all(axis=(1, 2))
            dead = alive & ~ok
            if dead.any():
                alive &= ok
                for w in cur:
                    w[dead] = np.nan
            history[k] = np.where(alive, lk, np.nan)
            if k < steps:
                for w, g in zip(cur, grads):
                    w -= d3 * g  # NaN stays NaN: frozen
    return cur, history


def gd_final(
    ws: Sequence[np.ndarray],
    R: np.ndarray,
    delta: float | np.ndarray,
    steps: int,
    bound: float = 1e100,
) -> Weights:
    """The final weights of :func:`gd` (the same runs, bit for bit; NaN for a frozen run)
    without the loss history, dropping every run from the batch once it is frozen.

    Runs are independent rows, and a frozen run stays NaN, so stepping the rest alone changes
    nothing; GD goes in chunks of 8, 16, 32, ... steps (``gd`` over a + b steps is ``gd`` over
    a then b: each chunk starts with the bound check the previous one ended with).  Where most
    runs diverge within a few steps (large step sizes), the remaining steps cost only the
    runs still alive.
    """
    return gd_dropping(ws, R, delta, steps, bound)[0]


def gd_dropping(ws: Sequence[np.ndarray], R: np.ndarray, delta: float | np.ndarray, steps: int,
                bound: float = 1e100) -> tuple[Weights, np.ndarray]:
    """:func:`gd`'s final weights and loss history, bit for bit, dropping every run from the
    batch once it is frozen (as :func:`gd_final`; a dropped run's history is NaN from its
    freezing on, as in :func:`gd`).  Each chunk's history starts with the loss the previous
    chunk ended with (the same weights): the chunks' histories join end to end."""
    d = gd_step_sizes(ws, delta, steps)
    R = np.asarray(R, dtype=float)
    per_run = R.ndim == 3
    out = [np.full(np.shape(w), np.nan) for w in ws]
    history = np.full((steps + 1, d.size), np.nan)
    idx = np.arange(d.size)
    cur = [np.asarray(w, dtype=float) for w in ws]
    done, chunk = 0, 8
    while True:
        n = min(chunk, steps - done)
        cur, hist = gd(cur, R[idx] if per_run else R, d[idx], n, bound)
        history[done:done + n + 1, idx] = hist
        done += n
        alive = np.isfinite(hist[-1])
        idx, cur = idx[alive], [w[alive] for w in cur]
        if done >= steps or idx.size == 0:
            break
        chunk *= 2
    for o, w in zip(out, cur):
        o[idx] = w
    return out, history


def hvp(ws: Sequence[np.ndarray], R: np.ndarray, vs: Sequence[np.ndarray]) -> Weights:
    """Hessian-vector product of :func:`loss` at ``ws`` along ``vs``, exact to rounding.

    Complex step on the gradient (Nar & Sastry (2018), eq. (5)):
    ``H v = Im(grad(ws + i h vs)) / h`` with h = 1e-30.  The gradient is a polynomial in the
    weights and is evaluated without conjugation, so the O(h^2) remainder is far below
    rounding and there is no subtractive cancellation.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}) (real).
        R: target, shape (n_L, n_0) or (B, n_L, n_0) (real).
        vs: direction, shaped like ``ws`` (real).

    Returns:
        A list of L real arrays shaped like ``ws``.
    """
    check_stack(ws)
    if len(vs) != len(ws) or any(np.shape(v) != w.shape for v, w in zip(vs, ws)):
        raise ValueError("the direction must have the structure of the weights")
    h = COMPLEX_STEP
    wc = [np.asarray(w, dtype=float) + 1j * (h * np.asarray(v, dtype=float))
          for w, v in zip(ws, vs)]
    grads = gradient(wc, np.asarray(R, dtype=float))
    return [g.imag / h for g in grads]


def flatten(ws: Sequence[np.ndarray]) -> np.ndarray:
    """Parameters of every network as rows: shape (B, P), layer 1 first, row-major."""
    return np.concatenate([w.reshape(w.shape[0], -1) for w in ws], axis=1)


def unflatten(flat: np.ndarray, dims: Sequence[int]) -> Weights:
    """Inverse of :func:`flatten` for widths ``dims = (n_0, ..., n_L)``; ``flat`` is (B, P)."""
    flat = np.atleast_2d(flat)
    out, at = [], 0
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        out.append(flat[:, at:at + n_in * n_out].reshape(flat.shape[0], n_out, n_in))
        at += n_in * n_out
    if at != flat.shape[1]:
        raise ValueError(f"{flat.shape[1]} parameters do not fit widths {tuple(dims)}")
    return out


def _one(ws: Sequence[np.ndarray], R: np.ndarray, b: int) -> tuple[Weights, np.ndarray]:
    R = np.asarray(R, dtype=float)
    Rb = R[b] if R.ndim == 3 else R
    return [np.asarray(w[b:b + 1], dtype=float) for w in ws], Rb


def hessian_dense(ws: Sequence[np.ndarray], R: np.ndarray, index: int = 0) -> np.ndarray:
    """The full P x P Hessian of network ``index`` of the stack (for checking; small P).

    Built column by column from :func:`hvp` along the unit vectors, many columns per batched
    call; the ordering of parameters is that of :func:`flatten`.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}).
        R: target, shape (n_L, n_0) or (B, n_L, n_0).
        index: which network of the batch.

    Returns:
        Array of shape (P, P), symmetric to rounding.
    """
    check_stack(ws)
    one, Rb = _one(ws, R, index)
    dims = widths(one)
    P = n_params(one)
    H = np.empty((P, P))
    chunk = max(1, min(P, _DENSE_CHUNK_ENTRIES // max(P, 1)))
    for start in range(0, P, chunk):
        cols = min(chunk, P - start)
        basis = np.zeros((cols, P))
        basis[np.arange(cols), start + np.arange(cols)] = 1.0
        stack = [np.broadcast_to(w, (cols,) + w.shape[1:]) for w in one]
        H[:, start:start + cols] = flatten(hvp(stack, Rb, unflatten(basis, dims))).T
    return H


def lambda_max(
    ws: Sequence[np.ndarray],
    R: np.ndarray,
    method: Literal["auto", "dense", "lanczos"] = "auto",
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """Largest (algebraic) eigenvalue of the loss Hessian of every network of the stack.

    Args:
        ws: L layers, ``ws[j - 1]`` of shape (B, n_j, n_{j-1}).
        R: target, shape (n_L, n_0) or (B, n_L, n_0).
        method: "dense" (``eigvalsh`` of :func:`hessian_dense`), "lanczos" (ARPACK ``eigsh``,
            k=1, which='LA', tol=1e-10, on a ``LinearOperator`` whose matvec is :func:`hvp`),
            or "auto" (dense below 2000 parameters, Lanczos from there).
        rng: source of the Lanczos start vectors; a fixed ``default_rng(0)`` when None, so
            results are reproducible.

    Returns:
        Array of shape (B,).
    """
    check_stack(ws)
    B = ws[0].shape[0]
    P = n_params(ws)
    if method == "auto":
        method = "dense" if P < DENSE_LIMIT else "lanczos"
    if method not in ("dense", "lanczos"):
        raise ValueError(f"unknown method {method!r}")
    if method == "lanczos" and P < 3:  # ARPACK needs k < P - 1 room; tiny problems: exact
        method = "dense"
    if rng is None:
        rng = np.random.default_rng(0)
    out = np.empty(B)
    for b in range(B):
        if method == "dense":
            out[b] = np.linalg.eigvalsh(hessian_dense(ws, R, b))[-1]
            continue
        one, Rb = _one(ws, R, b)
        dims = widths(one)

        def matvec(v: np.ndarray, one: Weights = one, Rb: np.ndarray = Rb,
                   dims: tuple[int, ...] = dims) -> np.ndarray:
            v = np.asarray(v, dtype=float).reshape(1, -1)
            return flatten(hvp(one, Rb, unflatten(v, dims)))[0]

        from scipy.sparse.linalg import LinearOperator, eigsh  # see numerics/__init__

        op = LinearOperator((P, P), matvec=matvec, dtype=float)
        vals = eigsh(op, k=1, which="LA", tol=1e-10, v0=rng.standard_normal(P),
                     return_eigenvectors=False)
        out[b] = vals[-1]
    return out


def whitened_data(n: int, N: int, rng: np.random.Generator) -> np.ndarray:
    """Inputs X of shape (n, N) with (1/N) X X^T = I to rounding (whitened data).

    The rows are an orthonormal set of R^N (QR of an N x n Gaussian matrix) times sqrt(N).

    Raises:
        ValueError: when N < n (N points cannot be whitened in more than N dimensions).
    """
    if n < 1 or N < n:
        raise ValueError(f"whitening needs 1 <= n <= N, got n={n}, N={N}")
    q, _ = np.linalg.qr(rng.standard_normal((N, n)))
    return np.sqrt(N) * q.T
