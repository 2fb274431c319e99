"""Deep linear residual networks W_l = I + U_l (Wu, Wang & Ma 2019), batched over initialisations.

The loss is eq. (2.3), ``R = 0.5 ||W_L ... W_1 - Phi||_F^2`` (whitened data), or eq. (2.2),
``0.5 ||W_L ... W_1 X - Y||_F^2``, for the Remark after Theorem 4.1.  Weights are stacks as in
:mod:`numerics.deeplinear` (layer l is ``ws[l - 1]`` of shape (B, d_l, d_{l-1})), whose
products and gradients (Section 2, ``grad_l R = W_{L:l+1}^T (W_{L:1} - Phi) W_{l-1:1}^T``) are
reused here.  What this module adds:

* the initialisations of the paper: ZAS (3.1) (also rectangular, Remark (1) after Theorem 4.1),
  near-identity (5.1) (near-ZAS starts are the claim language's ``near``,
  :mod:`verify.userclaims.near`);
* the invariant matrices D_l (4.3) and their drift along gradient flow (4.1), integrated by
  ``scipy.integrate.solve_ivp`` (LSODA/Radau, tight tolerance);
* a fast GD for many depths and step sizes at once (Section 5.1): prefix and suffix products
  by a parallel (Hillis-Steele) scan over the depth axis, 2 log2 L batched matmuls per step
  instead of the 3L of :func:`numerics.deeplinear.gradient`; GD from ZAS reduced exactly to
  d pairs of scalars (:func:`zas_iterations`), its mpmath replay, and the near-identity runs
  of Section 5.2;
* the ReLU residual network (6.1) of Section 6, batched.
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import numpy as np

from numerics import deeplinear as dl
from numerics import mpmat as mm

Weights = list[np.ndarray]


# --- initialisations -----------------------------------------------------------------------


def zas(L: int, dims: int | Sequence[int], batch: int = 1) -> Weights:
    """The zero-asymmetric initialisation (3.1): W_l = I (l < L), W_L = 0.

    Args:
        L: depth (>= 1).
        dims: a width d (square layers) or the widths (d_0, ..., d_L) with d_l >= d_0 for
            0 < l < L; then W_l = [[I_{d_0}, 0], [0, 0]] as in Remark (1) after Theorem 4.1.
        batch: number of copies.
    """
    widths = (dims,) * (L + 1) if isinstance(dims, (int, np.integer)) else tuple(dims)
    if len(widths) != L + 1:
        raise ValueError(f"{len(widths)} widths for depth {L}")
    d0 = widths[0]
    if any(w < d0 for w in widths[1:-1]):
        raise ValueError("ZAS needs d_l >= d_0 for the hidden layers")
    ws = []
    for l, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:]), start=1):
        w = np.zeros((batch, n_out, n_in))
        if l < L:
            w[:, np.arange(d0), np.arange(d0)] = 1.0
        ws.append(w)
    return ws


def near_identity(L: int, d: int, batch: int, rng: np.random.Generator,
                  var: float | None = None) -> Weights:
    """Near-identity (5.1): W_l = I + U_l, (U_l)_ij ~ N(0, 1/(dL)) (or ``var``), l = 1..L."""
    v = 1.0 / (d * L) if var is None else var
    return [np.eye(d) + np.sqrt(v) * rng.standard_normal((batch, d, d)) for _ in range(L)]


# --- invariants ----------------------------------------------------------------------------


def invariants(ws: Sequence[np.ndarray]) -> Weights:
    """D_l = W_{l+1}^T W_{l+1} - W_l W_l^T, l = 1..L-1 (eq. (4.3)), each (B, d_l, d_l)."""
    return [ws[l + 1].swapaxes(1, 2) @ ws[l + 1] - ws[l] @ ws[l].swapaxes(1, 2)
            for l in range(len(ws) - 1)]


def spectral(a: np.ndarray) -> np.ndarray:
    """Spectral norms ||A||_2 of a stack (B, m, n)."""
    return np.linalg.norm(a, ord=2, axis=(1, 2))


# --- losses and gradients (reusing numerics.deeplinear) -------------------------------------


def data_target(ws: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """A target R_eff with W_{L:1} - R_eff = (W_{L:1} X - Y) X^T.

    The gradient of eq. (2.2) is that of eq. (2.3) with the error E replaced by
    (W X - Y) X^T, so :func:`numerics.deeplinear.gradient` with this target gives it.
    """
    P = dl.product(ws)
    return P - (P @ X - Y) @ X.T


def data_loss(ws: Sequence[np.ndarray], X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """0.5 ||W_L ... W_1 X - Y||_F^2 (eq. (2.2)), shape (B,)."""
    e = dl.product(ws) @ X - Y
    return 0.5 * np.sum(e * e, axis=(1, 2))


def flow(ws: Sequence[np.ndarray], Phi: np.ndarray | None, t_eval: np.ndarray,
         data: tuple[np.ndarray, np.ndarray] | None = None, method: str = "LSODA",
         rtol: float = 1e-10, atol: float = 1e-12) -> dict[str, np.ndarray]:
    """Gradient flow (4.1) from ``ws`` with ``solve_ivp`` at tight tolerance.

    Args:
        ws: initial weights (a batch: the networks are integrated as one system).
        Phi: target of eq. (2.3) (ignored when ``data`` is given).
        t_eval: output times (increasing, from 0).
        data: ``(X, Y)`` for the un-whitened loss (2.2).
        method: a stiff-capable method of ``solve_ivp`` (LSODA, Radau, BDF).

    Returns:
        ``{"t", "loss" (T, B), "drift" (T, B, L-1) = ||D_l(t) - D_l(0)||_2, "ws_t" (the weights
        at every output time), "ws_end", "ok"}``.
    """
    dims = dl.widths(ws)
    B = ws[0].shape[0]
    D0 = invariants(ws)

    def unpack(y: np.ndarray) -> Weights:
        return dl.unflatten(y.reshape(B, -1), dims)

    def rhs(_t: float, y: np.ndarray) -> np.ndarray:
        cur = unpack(y)
        target = data_target(cur, *data) if data is not None else Phi
        return -dl.flatten(dl.gradient(cur, target)).ravel()

    from scipy.integrate import solve_ivp  # see numerics/__init__

    sol = solve_ivp(rhs, (float(t_eval[0]), float(t_eval[-1])), dl.flatten(ws).ravel(),
                    method=method, t_eval=t_eval, rtol=rtol, atol=atol)
    # Every output time at once: the T states as one stack of T * B networks (each network's
    # numbers are computed by the same per-matrix operations as one time at a time).
    T = sol.y.shape[1]
    allw = dl.unflatten(sol.y.T.reshape(T * B, -1), dims)
    ws_t = [[w[k * B:(k + 1) * B] for w in allw] for k in range(T)]
    losses = (data_loss(allw, *data) if data is not None else dl.loss(allw, Phi)).reshape(T, B)
    D = invariants(allw)
    drifts = (np.stack([spectral(a - np.tile(b, (T, 1, 1))) for a, b in zip(D, D0)],
                       axis=-1).reshape(T, B, len(D)) if D else np.zeros((T, B, 0)))
    return {"t": sol.t, "loss": losses, "drift": drifts, "ws_t": ws_t,
            "ws_end": unpack(sol.y[:, -1]), "ok": sol.success}


# --- fast GD over depths and step sizes (Section 5.1) --------------------------------------


def _mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched a @ b; written out for d = 1, 2, where np.matmul's per-matrix overhead
    dominates (Section 5.1 runs d = 1 and d = 2 with 10^4 to 10^5 tiny matrices per call)."""
    d = a.shape[-1]
    if d == 1 and b.shape[-1] == 1 and a.shape[-2] == 1:
        return a * b
    if d == 2 and a.shape[-2] == 2 and b.shape[-1] == 2:
        out = np.empty(np.broadcast_shapes(a.shape, b.shape))
        out[..., 0, 0] = a[..., 0, 0] * b[..., 0, 0] + a[..., 0, 1] * b[..., 1, 0]
        out[..., 0, 1] = a[..., 0, 0] * b[..., 0, 1] + a[..., 0, 1] * b[..., 1, 1]
        out[..., 1, 0] = a[..., 1, 0] * b[..., 0, 0] + a[..., 1, 1] * b[..., 1, 0]
        out[..., 1, 1] = a[..., 1, 0] * b[..., 0, 1] + a[..., 1, 1] * b[..., 1, 1]
        return out
    return a @ b


def _scan(Ws: np.ndarray, reverse: bool) -> np.ndarray:
    """Inclusive products along axis 1 of Ws (B, L, d, d) by a Hillis-Steele scan.

    Forward: out[:, i] = W_i ... W_0 (later factors on the left).  Reverse:
    out[:, i] = W_{L-1} ... W_i.
    """
    out = Ws.copy()
    L = Ws.shape[1]
    shift = 1
    while shift < L:
        if reverse:
            out[:, :L - shift] = _mm(out[:, shift:], out[:, :L - shift])
        else:
            out[:, shift:] = _mm(out[:, shift:], out[:, :L - shift])
        shift *= 2
    return out


def stacked_gradient(Ws: np.ndarray, Phi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient of eq. (2.3) for square stacks Ws (B, L, d, d); returns (G, E)."""
    B, L, d, _ = Ws.shape
    eye = np.broadcast_to(np.eye(d), (B, 1, d, d))
    pre = _scan(Ws, reverse=False)  # pre[:, l] = W_{l+1} ... W_1 (0-based l)
    suf = _scan(Ws, reverse=True)  # suf[:, l] = W_L ... W_{l+1}
    E = pre[:, -1] - Phi
    left = np.concatenate([suf[:, 1:], eye], axis=1)  # W_{L:l+1}
    right = np.concatenate([eye, pre[:, :-1]], axis=1)  # W_{l-1:1}
    G = _mm(_mm(left.swapaxes(-1, -2), E[:, None]), right.swapaxes(-1, -2))
    return G, E


def iterations_to(Ws0: np.ndarray, Phi: np.ndarray, etas: np.ndarray, eps: float,
                  max_steps: int, blowup: float = 1e8, first: bool = False) -> np.ndarray:
    """Steps GD (2.4) needs from Ws0 (B, L, d, d) until R <= eps, one run per step size.

    Args:
        first: stop as soon as one run reaches ``eps`` (enough to tune the step size on a
            grid: the best step size is the first to arrive); the others report ``-1``.

    Returns:
        Array (B,) of step counts; ``-1`` for runs that diverged (R >= blowup or not finite)
        or did not reach ``eps`` within ``max_steps`` (or were stopped by ``first``).
    """
    W = np.array(Ws0, dtype=float)
    eta = np.asarray(etas, dtype=float).reshape(-1, 1, 1, 1)
    out = np.full(W.shape[0], -1)
    live = np.ones(W.shape[0], dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(max_steps + 1):
            G, E = stacked_gradient(W, Phi)
            R = 0.5 * np.sum(E * E, axis=(1, 2))
            hit = live & (R <= eps)
            out[hit] = k
            live &= ~hit & np.isfinite(R) & (R < blowup)
            if not live.any() or k == max_steps or (first and hit.any()):
                break
            W = W - eta * G
    return out


# --- inputs near the hypotheses of Lemmas A.1-A.6 ------------------------------------------


def zas_iterations(L: int, Phi: np.ndarray, etas: np.ndarray, eps: float, max_steps: int,
                   blowup: float = 1e8, first: bool = False) -> np.ndarray:
    """:func:`iterations_to` from ZAS (3.1), for a square target, by
    the exact reduction of GD (2.4) from ZAS to d pairs of scalars: O(1) work per step and run
    instead of O(L log L) matrix products.

    With Phi = U diag(s) V^T (SVD), every GD iterate from ZAS is W_l = V diag(a) V^T (l < L),
    W_L = U diag(w) V^T, where each pair (a_i, w_i) runs GD on the d = 1 loss
    (w a^{L-1} - s_i)^2 / 2 with all hidden layers equal:
    a <- a - eta w a^{L-2} e, w <- w - eta a^{L-1} e, e = w a^{L-1} - s_i (from a_i = 1,
    w_i = 0).  Induction on the gradient of Section 2 (corrected): with the iterate of that
    form, W_{L:1} - Phi = U diag(e) V^T, the gradient of a hidden layer l is
    (W_{L:l+1})^T U diag(e) V^T (W_{l-1:1})^T = V diag(w a^{L-1-l} e a^{l-1}) V^T and that of
    W_L is U diag(e a^{L-1}) V^T, so the next iterate has the same form; and
    R = ||diag(e)||_F^2 / 2.  Same contract as ``iterations_to`` (one run per step size, the
    same stopping, divergence and ``first`` rules); the counts agree with the matrix engine
    (:func:`verify.experiments.wu2019zas.depth_sweep` compares them at small depths; the
    refutation replays full matrices in mpmath).
    """
    if L < 2:
        raise ValueError("the reduction needs a hidden layer: L >= 2")
    s = np.linalg.svd(np.asarray(Phi, dtype=float), compute_uv=False)
    eta = np.asarray(etas, dtype=float).reshape(-1, 1)
    a, w = np.ones((eta.size, s.size)), np.zeros((eta.size, s.size))
    out = np.full(eta.size, -1)
    live = np.ones(eta.size, dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(max_steps + 1):
            p = a ** (L - 2)  # a^{L-2}; a^{L-1} = p a
            e = w * p * a - s
            R = 0.5 * np.sum(e * e, axis=1)
            hit = live & (R <= eps)
            out[hit] = k
            live &= ~hit & np.isfinite(R) & (R < blowup)
            if not live.any() or k == max_steps or (first and hit.any()):
                break
            a, w = a - eta * (w * p * e), w - eta * (p * a * e)
    return out


def zas_iterations_mp(L: int, Phi: np.ndarray, eta: float, eps: float, cap: int) -> int | None:
    """Steps GD from ZAS needs to reach R <= eps, in mpmath (call inside workdps), with
    prefix products and the left factors (W_{L:l+1})^T E accumulated from the top, so a step
    costs 3L - 1 matrix products (:mod:`numerics.mpmat`: the numbers of ``mpmath.matrix``
    without its objects)."""
    d = Phi.shape[0]
    eye = mm.eye(d)
    ws = [mm.raw(np.asarray(w[0], dtype=float).tolist()) for w in zas(L, d)]
    P, e = mm.raw(np.asarray(Phi, dtype=float).tolist()), mpmath.mpf(eta)
    for k in range(cap + 1):
        pre = [eye]
        for w in ws:
            pre.append(mm.mul(w, pre[-1]))
        E = mm.sub(pre[-1], P)
        if mpmath.fsum(x ** 2 for x in mm.matrix(E)) / 2 <= eps:
            return k
        new, left = [None] * len(ws), E  # left = (W_{L:l+1})^T E, from l = L down (1-based)
        for l in range(len(ws) - 1, -1, -1):  # 0-based layer l: grad = left W_{l:1}^T
            new[l] = mm.sub(ws[l], mm.scale(e, mm.mul(left, mm.T(pre[l]))))
            if l:
                left = mm.mul(mm.T(ws[l]), left)
        ws = new
    return None


def zas_and_near_identity(L: int, d: int, B: int, rng: np.random.Generator) -> list:
    """ZAS and B near-identity starts (5.1) as one batch of B + 1 networks, ZAS first (the
    networks of a batch do not interact, and each one's products are the same BLAS calls as
    alone)."""
    return [np.concatenate([z, n]) for z, n in zip(zas(L, d), near_identity(L, d, B, rng))]


def zas_and_near_identity_losses(L: int, d: int, B: int, rng: np.random.Generator, eta: float,
                           steps: int) -> tuple[np.ndarray, np.ndarray]:
    """Loss histories of GD on Phi = -I_d from ZAS, (steps + 1, 1), and from B near-identity
    starts, (steps + 1, B), run as one batch."""
    _, h = dl.gd(zas_and_near_identity(L, d, B, rng), -np.eye(d), eta, steps)
    return h[:, :1], h[:, 1:]


def escape_steps(L: int, d: int, B: int, rng: np.random.Generator, eta: float, steps: int,
                  level: float = 1e-2, chunk: int = 250) -> np.ndarray:
    """The first step with R < ``level`` of GD on Phi = -I_d from ZAS (entry 0) and from B
    near-identity starts (entries 1..B); ``steps + 1`` for a run that does not get there.
    GD runs ``chunk`` steps at a time and a run leaves the batch once it has escaped (GD
    continues from the weights it returns, and the other networks' iterates do not depend on
    the batch), so every count is that of the whole history."""
    ws = zas_and_near_identity(L, d, B, rng)
    esc, idx, done = np.full(B + 1, steps + 1), np.arange(B + 1), 0
    while done < steps and idx.size:
        n = min(chunk, steps - done)
        ws, h = dl.gd(ws, -np.eye(d), eta, n)  # rows: steps done .. done + n
        below = h < level
        hit = below.any(axis=0)
        esc[idx[hit]] = done + np.argmax(below[:, hit], axis=0)
        ws, idx, done = [w[~hit] for w in ws], idx[~hit], done + n
    return esc


def _psd_sqrt(M: np.ndarray) -> np.ndarray:
    lam, V = np.linalg.eigh((M + M.T) / 2)
    return (V * np.sqrt(np.clip(lam, 0.0, None))) @ V.T


def _orthogonal(d: int, rng: np.random.Generator) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def _unit_symmetric(d: int, rng: np.random.Generator, rank_one: bool) -> np.ndarray:
    """A symmetric matrix of spectral norm 1 (rank one, or a random spectrum)."""
    if rank_one:
        v = rng.standard_normal(d)
        S = np.outer(v, v) * rng.choice([-1.0, 1.0])
    else:
        S = rng.standard_normal((d, d))
        S = S + S.T
    return S / np.linalg.norm(S, 2)


def approx_balanced(L: int, d: int, rng: np.random.Generator, beta: float, delta: float,
                    eps: float, rank_one: bool = False) -> list[np.ndarray]:
    """Weights W_1..W_L (each (d, d)) with ||D_l||_2 = delta (l <= L-2) and
    ||I + D_{L-1}||_2 = eps, built from the top: the inputs of Lemmas A.1-A.3 and A.6 at the
    edge of their hypotheses (Appendix A.1).

    W_L is Gaussian scaled to ||W_L||_2 = beta; then W_{L-1} W_{L-1}^T = I + W_L^T W_L + F
    with ||F||_2 = eps, and W_l W_l^T = W_{l+1}^T W_{l+1} - D_l with ||D_l||_2 = delta, each
    factor W_l = M^{1/2} Q with a random orthogonal Q.  When a prescribed D_l would make
    W_l W_l^T indefinite its negative part is clipped, so callers measure the actual
    ||D_l||_2 with :func:`invariants`.
    """
    WL = rng.standard_normal((d, d))
    WL *= beta / max(np.linalg.norm(WL, 2), 1e-300)
    ws = [WL]
    M = np.eye(d) + WL.T @ WL + eps * _unit_symmetric(d, rng, rank_one)
    ws.insert(0, _psd_sqrt(M) @ _orthogonal(d, rng))
    for _ in range(L - 2):
        above = ws[0]
        M = above.T @ above - delta * _unit_symmetric(d, rng, rank_one)
        ws.insert(0, _psd_sqrt(M) @ _orthogonal(d, rng))
    return ws[-L:]


# --- the nonlinear residual network of Section 6, eq. (6.1) --------------------------------


def relu_resnet_init(kind: str, d: int, D: int, m: int, L: int, d_out: int,
                     rng: np.random.Generator) -> dict[str, list[np.ndarray]]:
    """Parameters of (6.1): V_0 (D x d), U_l (D x m), V_l (m x D), U_{L+1} (d' x D).

    ``kind="mzas"``: (6.2), U_l = 0 (l = 1..L+1), (V_l)_ij ~ N(0, 1/D) (V_0 too).
    ``kind="xavier"``: every matrix N(0, 2 / (fan_in + fan_out)) (Glorot normal).
    """
    def glorot(n_out, n_in):
        return rng.standard_normal((n_out, n_in)) * np.sqrt(2.0 / (n_in + n_out))

    if kind == "mzas":
        V = [rng.standard_normal((D, d)) / np.sqrt(D)]
        V += [rng.standard_normal((m, D)) / np.sqrt(D) for _ in range(L)]
        U = [np.zeros((D, m)) for _ in range(L)] + [np.zeros((d_out, D))]
    elif kind == "xavier":
        V = [glorot(D, d)] + [glorot(m, D) for _ in range(L)]
        U = [glorot(D, m) for _ in range(L)] + [glorot(d_out, D)]
    else:
        raise ValueError(kind)
    return {"V": V, "U": U}


def relu_resnet_loss_grad(V, U, X, Y):
    """The loss (1/2n) ||f(X) - Y||_F^2 of (6.1) (columns of X are samples) and its gradient
    for a batch of networks (each parameter a stack (B, rows, cols)): the losses (B,) and the
    gradients gV, gU (lists of stacks); each matrix product is one BLAS call per network."""
    L, n = len(V) - 1, X.shape[1]
    zs, pre = [V[0] @ X], []
    for l in range(1, L + 1):
        pre.append(V[l] @ zs[-1])
        zs.append(zs[-1] + U[l - 1] @ np.maximum(pre[-1], 0))
    err = (U[L] @ zs[-1] - Y) / n
    loss = 0.5 * n * np.sum(err * err, axis=(1, 2))
    gU, gV = [None] * (L + 1), [None] * (L + 1)
    gU[L] = err @ dl._t(zs[-1])
    gz = dl._t(U[L]) @ err
    for l in range(L, 0, -1):
        gU[l - 1] = gz @ dl._t(np.maximum(pre[l - 1], 0))
        ga = (dl._t(U[l - 1]) @ gz) * (pre[l - 1] > 0)
        gV[l] = ga @ dl._t(zs[l - 1])
        gz = gz + dl._t(V[l]) @ ga
    gV[0] = gz @ X.T
    return loss, gV, gU


def relu_resnet_finals(inits: list[dict], X: np.ndarray, Y: np.ndarray, lrs, steps: int
                       ) -> np.ndarray:
    """Full-batch GD on (6.1) from ``inits[b]`` with learning rate ``lrs[b]`` for ``steps``
    steps, every b as one batch: the final loss, inf for a run whose loss stopped being finite
    or exceeded 1e12 (such a run leaves the batch)."""
    V = [np.stack(ws) for ws in zip(*(p["V"] for p in inits))]
    U = [np.stack(ws) for ws in zip(*(p["U"] for p in inits))]
    lr = np.asarray(lrs, dtype=float)[:, None, None]
    idx, final = np.arange(len(inits)), np.full(len(inits), np.inf)
    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            loss, gV, gU = relu_resnet_loss_grad(V, U, X, Y)
            ok = np.isfinite(loss) & (loss <= 1e12)
            if k == steps:
                final[idx[ok]] = loss[ok]
                break
            if not ok.all():
                idx, lr = idx[ok], lr[ok]
                V, U, gV, gU = ([w[ok] for w in ws] for ws in (V, U, gV, gU))
            if idx.size == 0:
                break
            for w, g in zip(V + U, gV + gU):
                w -= lr * g
    return final
