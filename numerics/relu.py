"""Two-layer ReLU networks with fixed first-layer biases, batched (Nar & Sastry 2018, Section 4).

The network of Theorem 4 is ``f_hat(x) = W g(V x - b)`` with ``g`` the ReLU, ``W`` of shape
(m, r), ``V`` of shape (r, n) and a fixed bias ``b`` of shape (r,); the loss is
``scale * sum_i ||f_hat(x_i) - y_i||^2`` (``scale = 1/2`` in Theorem 4, ``scale = 1`` in the
Figure 2 experiment, which prints the sum without the 1/2).

Within one activation pattern (the diagonal 0/1 matrices G_i of Appendix D) the loss is a
polynomial in (W, V), so its gradient and Hessian are exact there:
``H = 2 scale (J^T J + sum_i e_i . d^2 f_hat(x_i))``, where the second-derivative term is the
W-V cross block ``delta_{l l'} sum_i e_ik G_il x_ip``.  Points where a unit sits exactly at its
kink (``V x_i - b`` has a zero entry) are reported by :func:`kink_margin`; there the Hessian is
that of the pattern with ``g'(0) = 0``.

Batched arrays: ``W`` (B, m, r), ``V`` (B, r, n); ``b`` (r,) shared or (B, r); ``X`` (N, n) and
``Y`` (N, m) shared.  Parameters of one network flatten as ``concat(W.ravel(), V.ravel())``.
Engines never print and take an ``np.random.Generator`` where they need randomness.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from fractions import Fraction

import mpmath
import numpy as np

from numerics import relu_kernel


def _bias(b: np.ndarray) -> np.ndarray:
    b = np.asarray(b, dtype=float)
    return b[None, :, None] if b.ndim == 1 else b[:, :, None]


def _mm(a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """a @ c, as a broadcast product when the inner dimension is 1 (much faster in numpy)."""
    return a * c if a.shape[-1] == 1 else a @ c


def forward(W: np.ndarray, V: np.ndarray, b: np.ndarray, X: np.ndarray):
    """Pre-activations (B, r, N), activations (B, r, N) and outputs (B, m, N)."""
    pre = _mm(V, X.T) - _bias(b)
    act = np.maximum(pre, 0.0)
    return pre, act, W @ act


def loss(W, V, b, X, Y, scale: float = 0.5) -> np.ndarray:
    """``scale * sum_i ||W g(V x_i - b) - y_i||^2`` for every network, shape (B,)."""
    e = forward(W, V, b, X)[2] - Y.T[None]
    return scale * np.sum(e * e, axis=(1, 2))


def gradient(W, V, b, X, Y, scale: float = 0.5):
    """Exact gradient (dW, dV) of :func:`loss` (with ``g'(0) = 0`` at kinks), and the error."""
    return _gradient_map(W.shape[1], V.shape[2], b, X, Y, scale)(W, V)


def _gradient_map(m: int, n: int, b, X, Y, scale: float, reuse: bool = False):
    """:func:`gradient` as a function of (W, V) alone, for a fixed problem.

    The problem's constants (bias, X^T, Y^T, 2 scale) are prepared once, so that GD's inner
    loop pays only for the arithmetic; every product and sum is the same numpy operation on the
    same operands as in :func:`forward`, so the values agree bit for bit.

    ``reuse``: every intermediate and the returned arrays live in buffers allocated once per
    batch size and overwritten by the next call (the same operations, written with ``out=``;
    for callers that use the result before calling again: GD); gW and gV
    are then views of one (B, m r + r n) array, ``grad.buffers["g"]``."""
    bias, XT, YT, two = _bias(b), X.T, Y.T[None], 2 * scale
    N = X.shape[0]
    bufs: dict = {}

    def grad(W, V):
        pre = V * XT if n == 1 else V @ XT  # :func:`_mm`
        pre -= bias
        act = np.maximum(pre, 0.0)
        e = W @ act
        e -= YT
        WT = W.swapaxes(1, 2)
        back = WT * e if m == 1 else WT @ e  # :func:`_mm`
        back *= pre > 0
        if two == 1.0:  # multiplying by 1 is exact (inf and nan included): skipped
            return e @ act.swapaxes(1, 2), back @ X, e
        return two * e @ act.swapaxes(1, 2), two * back @ X, e

    def grad_reuse(W, V):
        B = W.shape[0]
        if bufs.get("B") != B:
            r = W.shape[2]
            g = np.empty((B, m * r + r * n))  # (gW, gV) flattened per run, as in flatten
            bufs.update(B=B, pre=np.empty((B, r, N)), act=np.empty((B, r, N)),
                        e=np.empty((B, m, N)), back=np.empty((B, r, N)),
                        mask=np.empty((B, r, N), dtype=bool), g=g,
                        gW=g[:, : m * r].reshape(B, m, r), gV=g[:, m * r:].reshape(B, r, n))
        pre, act, e, back, mask = (bufs[k] for k in ("pre", "act", "e", "back", "mask"))
        (np.multiply if n == 1 else np.matmul)(V, XT, out=pre)  # :func:`_mm`
        pre -= bias
        np.maximum(pre, 0.0, out=act)
        np.matmul(W, act, out=e)
        e -= YT
        (np.multiply if m == 1 else np.matmul)(W.swapaxes(1, 2), e, out=back)  # :func:`_mm`
        back *= np.greater(pre, 0, out=mask)
        if two != 1.0:  # (two * e) @ act^T and (two * back) @ X, as in ``grad``
            return (np.matmul(two * e, act.swapaxes(1, 2), out=bufs["gW"]),
                    np.matmul(two * back, X, out=bufs["gV"]), e)
        return (np.matmul(e, act.swapaxes(1, 2), out=bufs["gW"]),
                np.matmul(back, X, out=bufs["gV"]), e)

    grad_reuse.buffers = bufs  # GD steps all parameters at once through bufs["g"]
    return grad_reuse if reuse else grad


def kink_margin(V, b, X) -> np.ndarray:
    """min over units and points of |V x_i - b|: 0 means some unit is exactly at its kink."""
    return np.min(np.abs(V @ X.T - _bias(b)), axis=(1, 2))


def theorem4_quantity(W, V, b, X) -> np.ndarray:
    """``max_i ||x_i|| ||f_hat(x_i)||`` (Theorem 4's left-hand side), shape (B,)."""
    return theorem4_of_outputs(forward(W, V, b, X)[2], X)


def theorem4_of_outputs(out: np.ndarray, X) -> np.ndarray:
    """:func:`theorem4_quantity` from the outputs ``out`` (B, m, N) at the rows of ``X``."""
    # np.linalg.norm(., axis=1) of a real array is sqrt(add.reduce(x * x, axis=(1,))): written
    # out, without the wrapper (the adversarial search evaluates this some 90 000 times a run)
    xn = np.sqrt(np.add.reduce(X * X, axis=(1,)))
    return (xn[None] * np.sqrt(np.add.reduce(out * out, axis=(1,)))).max(axis=1)


def flatten(W: np.ndarray, V: np.ndarray) -> np.ndarray:
    """One network's parameters as a vector ``concat(W.ravel(), V.ravel())``."""
    return np.concatenate([np.ravel(W), np.ravel(V)])


def unflatten(theta: np.ndarray, m: int, r: int, n: int):
    """Inverse of :func:`flatten` for one network: (W (m, r), V (r, n))."""
    return theta[: m * r].reshape(m, r), theta[m * r:].reshape(r, n)


@functools.cache
def _eye(k: int) -> np.ndarray:
    """The k x k identity, made once (the searches build Jacobians ten thousands of times)."""
    eye = np.eye(k)
    eye.flags.writeable = False
    return eye


def jacobian(W, V, b, X) -> np.ndarray:
    """Jacobian of the stacked outputs (row ``i*m + k`` is f_hat_k(x_i)) for one network.

    Args:
        W: (m, r); V: (r, n); b: (r,); X: (N, n).

    Returns:
        (N m, m r + r n): d f_hat_k(x_i)/dW_k'l = [k = k'] a_il, d/dV_lp = W_kl G_il x_ip.
    """
    return _jacobian_parts(W, V, b, X)[0]


def _jacobian_parts(W, V, b, X):
    """:func:`jacobian` with the pre-activations (N, r), activations and 0/1 pattern it used."""
    m, r = W.shape
    N, n = X.shape
    pre = X @ V.T - b  # (N, r)
    act, G = np.maximum(pre, 0.0), (pre > 0).astype(float)
    JW = np.einsum("kq,il->ikql", _eye(m), act).reshape(N * m, m * r)
    JV = np.einsum("kl,il,ip->iklp", W, G, X).reshape(N * m, r * n)
    return np.concatenate((JW, JV), axis=1), pre, act, G  # np.hstack of two matrices


def hessian(W, V, b, X, Y, scale: float = 0.5, parts: tuple | None = None) -> np.ndarray:
    """Exact Hessian of :func:`loss` within the activation pattern at (W, V), one network.

    ``parts``: what :func:`_jacobian_parts` returns at the same point, when the caller has it
    already (not recomputed).
    """
    m, r = W.shape
    n = V.shape[1]
    J, _, act, G = _jacobian_parts(W, V, b, X) if parts is None else parts
    e = act @ W.T - Y  # (N, m)
    C = np.einsum("ik,il,ip->klp", e, G, X)  # the W-V cross block of sum_i e_i d^2 f_hat(x_i)
    cross = np.zeros((m, r, r, n))  # C_klp on the diagonal l = q (an einsum with I_r, bit
    np.einsum("kllp->klp", cross)[...] = C  # for bit, in a third of the time)
    cross = cross.reshape(m * r, r * n)
    H = J.T @ J
    H[: m * r, m * r:] += cross
    H[m * r:, : m * r] += cross.T
    two = 2 * scale
    return H if two == 1.0 else two * H  # multiplying by 1 is exact: skipped


def gauss_newton(W, V, b, X, scale: float = 0.5) -> np.ndarray:
    """The Gauss-Newton part ``2 scale J^T J`` (the Hessian at an interpolating solution)."""
    J = jacobian(W, V, b, X)
    return 2 * scale * J.T @ J


@dataclass(frozen=True)
class Minima:
    """Where :func:`minimize` stopped, one row per start: ``W`` (B, m, r), ``V`` (B, r, n),
    ``loss``, ``grad_norm`` and ``kink_margin`` (B,)."""

    W: np.ndarray
    V: np.ndarray
    loss: np.ndarray
    grad_norm: np.ndarray
    kink_margin: np.ndarray


def minimize(W0, V0, b, X, Y, scale: float = 0.5, maxiter: int = 200,
             gtol: float = 1e-12) -> Minima:
    """Damped Newton with the exact per-pattern Hessian, every start of one problem at once.

    Each iteration takes the Levenberg-Marquardt step ``-(H + s I)^(-1) g`` of every run,
    written with the eigenvalues ``lam`` of :func:`hessian`: ``s = max(0, -lam_min) + mu
    max |lam|`` (so ``H + s I`` is positive definite and the step descends), and accepts it only
    where the loss decreases (the loss itself, across pattern boundaries); ``mu`` is divided by
    4 after an accepted step (pure Newton near a strict minimum: quadratic convergence) and
    multiplied by 8 after a rejected one.  A run stops when its gradient norm is below
    ``gtol`` (a start already there is returned unchanged), when ``mu`` exceeds 1e6 (no
    decrease left: a kink, or the rounding floor of the loss) or after ``maxiter`` iterations.
    Runs are independent: each row's iterates are those it would have alone.
    """
    B, m, r = W0.shape
    n = V0.shape[2]
    grad = _gradient_map(m, n, b, X, Y, scale)

    def split(t):
        return t[:, : m * r].reshape(-1, m, r), t[:, m * r:].reshape(-1, r, n)

    def evaluate(t):
        gW, gV, e = grad(*split(t))
        return (scale * np.sum(e * e, axis=(1, 2)),
                np.concatenate([gW.reshape(len(t), -1), gV.reshape(len(t), -1)], axis=1))

    theta = np.concatenate([W0.reshape(B, -1), V0.reshape(B, -1)], axis=1)
    f, g = evaluate(theta)
    gnorm = np.linalg.norm(g, axis=1)
    mu = np.full(B, 1e-3)
    active = np.flatnonzero(gnorm >= gtol)
    with np.errstate(all="ignore"):  # a diverging trial point is rejected, not reported
        for _ in range(maxiter):
            if active.size == 0:
                break
            t = theta[active]
            Wa, Va = split(t)
            lam, Q = np.linalg.eigh(np.stack([hessian(Wa[i], Va[i], b, X, Y, scale)
                                              for i in range(active.size)]))
            shift = (np.maximum(-lam[:, 0], 0.0)
                     + mu[active] * np.abs(lam).max(axis=1))[:, None]
            step = -np.einsum("bij,bj->bi", Q, np.einsum("bji,bj->bi", Q, g[active])
                              / (lam + shift))
            trial = t + step
            f_new, g_new = evaluate(trial)
            ok = f_new < f[active]  # False for nan
            up = active[ok]
            theta[up], f[up], g[up] = trial[ok], f_new[ok], g_new[ok]
            gnorm[up] = np.linalg.norm(g_new[ok], axis=1)
            mu[up] /= 4
            mu[active[~ok]] *= 8
            active = active[(gnorm[active] >= gtol) & (mu[active] <= 1e6)]
    W, V = split(theta)
    return Minima(W, V, f, gnorm, kink_margin(V, b, X))


@dataclass(frozen=True)
class GDRun:
    """A batch of GD runs: final parameters and a record of the last iterations.

    ``steps_rec`` are the recorded iteration numbers; ``loss``, ``d1`` (||theta_k - theta_k-1||)
    and ``d2`` (||theta_k - theta_k-2||) have shape (B, len(steps_rec)).
    """

    W: np.ndarray
    V: np.ndarray
    W_prev: np.ndarray
    V_prev: np.ndarray
    steps_rec: np.ndarray
    loss: np.ndarray
    d1: np.ndarray
    d2: np.ndarray
    diverged: np.ndarray


FREEZE_EVERY = 64  # gd: how often runs that stopped moving are taken out of the batch


def gd(W, V, b, X, Y, deltas, steps: int, scale: float = 0.5, n_records: int = 60,
       drop: tuple[int, float] | None = None, bound: float = 1e8) -> GDRun:
    """Full-batch GD on every network at once, each with its own step size.

    Args:
        deltas: (B,) step sizes.
        drop: ``(k, factor)`` divides every step size by ``factor`` from iteration ``k`` on.
        bound: a run whose parameters exceed this (or stop being finite) is frozen as diverged.

    A run whose float64 iterate did not change in a step, bit for bit, with the same step size
    and the same diverged flag as all later steps will have, is at a fixed point of its own
    (deterministic, per-run) update: every later iterate is the same bits.  Every
    ``FREEZE_EVERY`` steps such runs are taken out of the batch (its cost grows with the number
    of runs: numpy multiplies the stacked small matrices one by one) and kept as they are; the
    records of a frozen run (loss at the same point, distances 0 to the same bits) and the
    result are those the full loop gives, bit for bit.

    Given a C compiler the runs go through :mod:`numerics.relu_kernel` (every step in C, the
    same operations: the results agree with this numpy loop to rounding, not bit for bit);
    ``STEPSIZE_VERIFY_BACKEND=numpy`` keeps the numpy loop.
    """
    B, m, r = W.shape
    n = V.shape[2]
    # The state of every run is one row (W.ravel(), V.ravel()) of ``theta``: GD's update and
    # its divergence test are then one operation each on all parameters, elementwise the same
    # as on W and V apart (the per-run max of |theta| is the max of those of |W| and |V|).
    theta = np.concatenate([W.reshape(B, -1), V.reshape(B, -1)], axis=1)

    def split(t):
        """(W, V) of a state, as C-contiguous arrays (the records' arithmetic is unchanged)."""
        return (np.ascontiguousarray(t[:, : m * r].reshape(-1, m, r)),
                np.ascontiguousarray(t[:, m * r:].reshape(-1, r, n)))

    rec = np.unique(np.concatenate([np.geomspace(1, steps, n_records).astype(int), [steps]]))
    if relu_kernel.kernel() is not None:  # all steps in C (agrees with the loop below to rounding)
        bias = np.broadcast_to(np.asarray(b, dtype=float), (B, r))
        theta, prev, *records, dead = relu_kernel.gd(theta, bias, X, Y, deltas, steps, scale,
                                                     drop, bound, rec)
        return GDRun(*split(theta), *split(prev), rec, *records, dead)
    d = np.asarray(deltas, dtype=float)[:, None]
    out_l, out_1, out_2 = (np.full((B, rec.size), np.nan) for _ in range(3))
    prev1 = prev2 = None
    dead = np.zeros(B, dtype=bool)
    per_run_bias = np.asarray(b).ndim == 2
    grad = _gradient_map(m, n, b, X, Y, scale, reuse=True)
    rec_at, any_dead, j = rec.tolist(), False, 0  # Python ints and flags: cheap per step
    active = None  # indices of the runs still in the batch (None: all of them)
    # the full batch: frozen runs' final state (rows of active runs are filled in when read)
    full, full_dead = theta, dead

    def whole(part, full):
        """The full batch of ``part`` (the active runs), frozen runs from ``full``."""
        if active is None:
            return part
        out = full.copy()
        out[active] = part
        return out

    def dist(t, t2):
        return _dist(*split(t), *split(t2))

    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            if drop is not None and k == drop[0]:
                d = d / drop[1]
            check = k % FREEZE_EVERY == 0 and (drop is None or k >= drop[0])
            if check:
                dead_before = dead.copy()
            grad(theta[:, : m * r].reshape(-1, m, r), theta[:, m * r:].reshape(-1, r, n))
            g = grad.buffers["g"]  # (gW, gV) of every run
            g *= np.where(dead[:, None], 0.0, d) if any_dead else d  # step * gradient
            # theta is rebound to a new array below, never written in place: no copies
            prev2, prev1 = prev1, theta
            theta = theta - g
            # one whole-batch test first: the max is nan or inf exactly when some entry is
            if not np.abs(theta).max() < bound:
                bad = ~(np.isfinite(theta).all(axis=1) & (np.abs(theta).max(axis=1) < bound))
                theta[bad] = prev1[bad]
                dead |= bad
                any_dead = bool(dead.any())
            if k == rec_at[j]:
                now = whole(theta, full)
                out_l[:, j] = loss(*split(now), b, X, Y, scale)
                out_1[:, j] = dist(now, whole(prev1, full))
                if prev2 is not None:
                    out_2[:, j] = dist(now, whole(prev2, full))
                j += 1
            if check:
                still = _same_bits(theta, prev1) & (dead == dead_before)
                if still.any():
                    full, full_dead = whole(theta, full), whole(dead, full_dead)
                    keep = ~still
                    active = (np.arange(B) if active is None else active)[keep]
                    if active.size == 0:
                        break
                    theta, d, dead = theta[keep], d[keep], dead[keep]
                    prev1, prev2 = prev1[keep], prev2[keep]
                    any_dead = bool(dead.any())
                    grad = _gradient_map(m, n, np.asarray(b)[active] if per_run_bias else b,
                                         X, Y, scale, reuse=True)
    if active is not None and active.size == 0:
        # every run froze at step k: the later records are the same point's, distances 0
        for jj in range(j, rec.size):
            out_l[:, jj] = loss(*split(full), b, X, Y, scale)
            out_1[:, jj] = out_2[:, jj] = dist(full, full)
        theta, dead, prev1 = full, full_dead, full
    else:
        theta, dead, prev1 = whole(theta, full), whole(dead, full_dead), whole(prev1, full)
    out_l[dead] = np.inf
    return GDRun(*split(theta), *split(prev1), rec, out_l, out_1, out_2, dead)


def _same_bits(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Per run (row): every entry of A has the same float64 bits as in B (-0.0 != 0.0)."""
    a = np.ascontiguousarray(A).view(np.int64)
    return (a == np.ascontiguousarray(B).view(np.int64)).all(axis=1)


def _dist(W, V, W2, V2) -> np.ndarray:
    return np.sqrt(np.sum((W - W2) ** 2, axis=(1, 2)) + np.sum((V - V2) ** 2, axis=(1, 2)))


# ---- high precision (mpmath, inside workdps) -------------------------------------------------

def _mp_parts(theta, b, X, Y, m, r, n):
    W = [[theta[k * r + l] for l in range(r)] for k in range(m)]
    V = [[theta[m * r + l * n + p] for p in range(n)] for l in range(r)]
    N = len(X)
    pre = [[sum(V[l][p] * X[i][p] for p in range(n)) - b[l] for l in range(r)] for i in range(N)]
    act = [[max(z, 0) for z in row] for row in pre]
    G = [[1 if z > 0 else 0 for z in row] for row in pre]
    out = [[sum(W[k][l] * act[i][l] for l in range(r)) for k in range(m)] for i in range(N)]
    e = [[out[i][k] - Y[i][k] for k in range(m)] for i in range(N)]
    return W, pre, act, G, out, e


def precise_outputs(theta, b, X, m: int, r: int, n: int, dps: int) -> list:
    """f_hat(x) (a list of m mpf values) at every row x of ``X``, at ``dps`` digits."""
    with mpmath.workdps(dps):
        b_ = [mpmath.mpf(v) for v in b]
        X_ = [[mpmath.mpf(v) for v in row] for row in X]
        return _mp_parts(list(theta), b_, X_, [[0] * m for _ in X_], m, r, n)[4]


def precise_state(theta, b, X, Y, m: int, r: int, n: int, dps: int, scale="1/2",
                  newton_steps: int = 8) -> dict:
    """Refine a minimum by Newton's method at ``dps`` digits and evaluate it exactly there.

    All inputs are converted from their float64 values (exact binary fractions) or decimal
    strings.  Newton stays within the activation pattern of the start (the loss is a polynomial
    there); the returned ``kink_margin`` says how far the pattern's boundary is.

    Returns:
        dict of mpf values: ``theta``, ``grad_norm``, ``loss``, ``eigenvalues`` (ascending),
        ``lam_max``, ``lam_min``, ``thm4`` (max_i ||x_i|| ||f_hat(x_i)||), ``kink_margin``.
    """
    with mpmath.workdps(dps):
        frac = Fraction(str(scale))
        c = mpmath.mpf(frac.numerator) / frac.denominator
        th = [mpmath.mpf(v) for v in theta]
        b_ = [mpmath.mpf(v) for v in b]
        X_ = [[mpmath.mpf(v) for v in row] for row in X]
        Y_ = [[mpmath.mpf(v) for v in row] for row in Y]
        P = len(th)
        for it in range(newton_steps + 1):
            g, H, parts = _mp_grad_hess(th, b_, X_, Y_, m, r, n, c)
            gnorm = mpmath.sqrt(sum(v * v for v in g))
            if it == newton_steps:
                break
            if gnorm == 0:
                break
            # Levenberg damping: minima of interpolating problems form manifolds (H singular)
            mu = mpmath.mpf(10) ** (-(dps // 3)) * (1 + mpmath.mnorm(H, 1))
            step = mpmath.lu_solve(H + mu * mpmath.eye(P), mpmath.matrix(g))
            th = [th[i] - step[i] for i in range(P)]
        W, pre, act, G, out, e = parts
        eig = sorted(mpmath.eigsy(H, eigvals_only=True))
        thm4 = max(mpmath.sqrt(sum(v * v for v in X_[i])) * mpmath.sqrt(sum(v * v for v in out[i]))
                   for i in range(len(X_)))
        return {"theta": th, "grad_norm": gnorm,
                "loss": c * sum(v * v for row in e for v in row),
                "eigenvalues": eig, "lam_max": eig[-1], "lam_min": eig[0], "thm4": thm4,
                "kink_margin": min(abs(z) for row in pre for z in row)}


def _mp_grad_hess(th, b, X, Y, m, r, n, c):
    W, pre, act, G, out, e = parts = _mp_parts(th, b, X, Y, m, r, n)
    N, P = len(X), m * r + r * n
    J = mpmath.matrix(N * m, P)
    for i in range(N):
        for k in range(m):
            for l in range(r):
                J[i * m + k, k * r + l] = act[i][l]
                for p in range(n):
                    J[i * m + k, m * r + l * n + p] = W[k][l] * G[i][l] * X[i][p]
    ev = mpmath.matrix([e[i][k] for i in range(N) for k in range(m)])
    g = (J.T * ev) * (2 * c)
    H = J.T * J
    for k in range(m):
        for l in range(r):
            for p in range(n):
                v = sum(e[i][k] * G[i][l] * X[i][p] for i in range(N))
                H[k * r + l, m * r + l * n + p] += v
                H[m * r + l * n + p, k * r + l] += v
    return [g[i] for i in range(P)], H * (2 * c), parts


def critical_from_residual(W, V, b, X, z, fitted: bool = False):
    """Labels that make (W, V) a critical point of the problem (X, Y, b), by construction.

    The gradient is J^T e with e = f_hat - Y (stacked as in :func:`jacobian`), so every e in the
    null space of J^T gives one: e = (orthonormal null-space basis)[:, :len(z)] @ z and
    Y = f_hat - e.  ``fitted``: e = 0 (Y = f_hat, an interpolating minimum; ``z`` unused).
    Returns (Y, kink margin, Jacobian parts, f_hat) or None when the null space is smaller than
    ``z``.  Every critical point of every problem with these inputs, biases and weights is
    reached so (the adversarial search over minima, :mod:`verify.userclaims.minima`).
    """
    parts = J, pre, act, _ = _jacobian_parts(W, V, b, X)
    f_hat = act @ W.T
    margin = np.abs(pre).min()
    if fitted:
        return f_hat, margin, parts, f_hat
    basis = null_space(J.T)  # gradient = J^T e = 0
    if basis.shape[1] < z.size:
        return None
    e = (basis[:, : z.size] @ z).reshape(f_hat.shape)
    return f_hat - e, margin, parts, f_hat


def null_space(A: np.ndarray) -> np.ndarray:
    """``scipy.linalg.null_space(A)`` for a float64 matrix, bit for bit: the same LAPACK routine
    that ``scipy.linalg.svd`` picks (gesdd, full matrices), with the same work size, and the
    same rank cut; without the per-call validation and dispatch (the search calls it some ten
    thousand times on 6 x 12 matrices, where that overhead was most of the cost)."""
    # a finite sum proves every entry finite; the entries are tested only when it is not
    if not np.isfinite(np.add.reduce(A, axis=None)) and not np.isfinite(A).all():
        raise ValueError("array must not contain infs or NaNs")  # null_space's own error
    gesdd, lwork = _gesdd(A.shape)
    _, s, vh, info = gesdd(A, compute_uv=True, lwork=lwork, full_matrices=True,
                           overwrite_a=False)
    if info != 0:
        raise np.linalg.LinAlgError(f"gesdd failed (info = {info})")
    tol = s.max(initial=0.0) * _EPS * max(A.shape)  # np.amax, np.finfo(float64).eps
    return vh[int(np.count_nonzero(s > tol)):, :].T.conj()  # np.sum(s > tol)


_EPS = float(np.finfo(np.float64).eps)


@functools.cache
def _gesdd(shape: tuple[int, int]):
    """The routine and work size ``scipy.linalg.svd`` uses for a float64 matrix of ``shape``."""
    probe = np.zeros(shape)
    from scipy.linalg import get_lapack_funcs  # see numerics/__init__
    from scipy.linalg.lapack import _compute_lwork  # what scipy.linalg.svd sizes work with

    gesdd, gesdd_lwork = get_lapack_funcs(("gesdd", "gesdd_lwork"), (probe,), ilp64="preferred")
    return gesdd, _compute_lwork(gesdd_lwork, shape[0], shape[1], compute_uv=True,
                                 full_matrices=True)
