"""Period-2 orbits of GD on deep linear networks, found in float64 and verified at high precision.

Engines for Remark 1 of Nar & Sastry (2018), Section 2: "It might be the case, for example,
that the algorithm converges to an oscillation around a local optimum which violates (3) even
though there are some other local optima which satisfy (3)."  A witness is a period-2 orbit
{a, g(a)} of the GD map g(w) = w - delta grad f(w) that attracts an open set of starts, lies
around an optimum whose bound (3) is below delta, while another optimum (the balanced one,
where (3) equals the bound (4)) has (3) >= delta.

* :func:`two_cycles`: batched Newton on g(g(w)) - w from random starts, for any widths and
  target (complex-step Jacobians, exact to rounding since the gradient is a polynomial).
* :func:`verify_cycle`: one candidate re-done at ``dps`` digits: mpmath Newton on
  g(g(w)) - w, the moduli of the eigenvalues of D(g o g) = (I - delta H(g(a))) (I - delta H(a)),
  the optimum the orbit surrounds (the midpoint of the orbit projected onto the optimum set by
  Gauss-Newton), its bound (3), the bound (4) at the balanced optimum, and float64 GD from a
  neighbourhood of the orbit.

Networks are flat parameter vectors in the order of :func:`numerics.deeplinear.flatten`.  A
matrix network's period-2 orbit comes in a family: the hidden-layer symmetry W_{j+1} Q^T, Q W_j
(Q orthogonal) commutes with GD, and a block of the network that has settled on its own optimum
set can sit anywhere on it.  D(g o g) then has eigenvalues exactly 1 along the family; those
(within 10^(-dps/2) of 1, or 1e-7 in float64) are set apart as tangent to the family, and the
rest must have modulus < 1 (normal attraction: GD from nearby converges to a member of the
family, which :func:`verify_cycle` checks by running GD).
"""

from __future__ import annotations

from collections.abc import Sequence

import mpmath
import numpy as np

from numerics import deeplinear as dl
from numerics import factorisations as fz


def gd_map(flat: np.ndarray, dims: Sequence[int], R, delta) -> np.ndarray:
    """g(w) = w - delta grad f(w) on rows of ``flat`` (B, P); float, complex or mpmath objects."""
    ws = dl.unflatten(flat, dims)
    return flat - delta * dl.flatten(dl.gradient(ws, R))


def two_cycles(dims: Sequence[int], R: np.ndarray, delta: float, rng: np.random.Generator,
               starts: int, scale: float = 1.5, iters: int = 60,
               x0: np.ndarray | None = None) -> list[tuple[np.ndarray, float]]:
    """Period-2 orbits of GD by batched least-squares Newton on F(w) = g(g(w)) - w.

    Starts are Gaussian with a random scale in [0.2, scale] per start, or the rows of ``x0``
    when given (then ``starts`` is ignored).  Returns distinct
    points w (|g(w) - w| > 1e-4, |F(w)| < 1e-10) with the largest modulus among the
    eigenvalues of D(g o g) that are not 1 (see the module docstring): below 1 the orbit
    attracts (float64 evidence only).  A search: it can miss
    orbits.
    """
    R = np.asarray(R, dtype=float)
    P = sum(a * b for a, b in zip(dims[:-1], dims[1:]))
    if x0 is None:
        x = rng.standard_normal((starts, P)) * rng.uniform(0.2, scale, (starts, 1))
    else:
        x = np.array(x0, dtype=float).reshape(-1, P)
    eye = np.eye(P)

    def F(w):
        return gd_map(gd_map(w, dims, R, delta), dims, R, delta) - w

    ih = 1j * 1e-30 * eye  # row k: the complex step i h e_k

    def jac(w):  # complex step: F is a polynomial, so Im F(w + i h e_k) / h is exact to rounding
        # all P directions of every row in one batch (rows are independent: the same numbers
        # as one call per direction, with P times fewer calls)
        B = w.shape[0]
        Fz = F((w[:, None, :] + ih[None]).reshape(B * P, P)).imag / 1e-30
        return Fz.reshape(B, P, P).transpose(0, 2, 1)

    def newton(w):  # one damped least-squares Newton pass on the rows w
        # rows already non-finite stay NaN whatever J is: their Jacobian is skipped
        ok = np.all(np.isfinite(w), axis=1)
        J = np.full((w.shape[0], P, P), np.nan)
        if ok.any():
            J[ok] = jac(w[ok])
        ok &= np.all(np.isfinite(J), axis=(1, 2))
        step = np.zeros_like(w)
        if ok.any():
            step[ok] = -np.einsum("bij,bj->bi", np.linalg.pinv(J[ok], rcond=1e-10), F(w[ok]))
        norm = np.linalg.norm(step, axis=1, keepdims=True)
        step = np.where(norm > 1, step / np.maximum(norm, 1e-300), step)  # damped far away
        return np.where(ok[:, None] & (np.abs(w).max(axis=1, keepdims=True) < 50), w + step,
                        np.nan)

    with np.errstate(all="ignore"):
        live = np.arange(x.shape[0])  # rows still moving
        for _ in range(iters):
            if live.size == 0:
                break
            old = x[live]
            new = newton(old)
            x[live] = new
            # a row that came back bit for bit is a fixed point of this (row-wise,
            # deterministic) pass: every later pass would return it unchanged
            live = live[~fz.same_bits(new, old)]
        res = np.abs(F(x)).max(axis=1)
        moved = np.abs(gd_map(x, dims, R, delta) - x).max(axis=1)
    out: list[tuple[np.ndarray, float]] = []
    for b in np.flatnonzero((res < 1e-10) & (moved > 1e-4)):
        if out and np.any(np.abs(np.array([p for p, _ in out]) - x[b]).max(axis=1) < 1e-6):
            continue
        ev = np.linalg.eigvals(jac(x[b:b + 1])[0] + eye)
        out.append((x[b].copy(), free_radius(ev, 1e-7)))
    return out


def free_radius(eigenvalues, tol) -> float:
    """Largest modulus among the eigenvalues farther than ``tol`` from 1 (0 if none)."""
    return float(max([abs(e) for e in eigenvalues if abs(e - 1) >= tol], default=0.0))


def _mp_solve_ls(J: mpmath.matrix, F: mpmath.matrix, mu) -> mpmath.matrix:
    """Least-squares step with a tiny Levenberg term (J may be singular along symmetries)."""
    JT = J.T
    A = JT * J
    for k in range(A.rows):
        A[k, k] += mu
    return mpmath.lu_solve(A, -(JT * F))


def _hess_mp(flat, dims, R):
    ws = [w[0] for w in dl.unflatten(np.array([flat], dtype=object), dims)]
    return mpmath.matrix(fz.hessian(ws, R).tolist())


def cycle_jacobian(flat, dims, R, delta) -> mpmath.matrix:
    """D(g o g) at ``flat`` (mpmath, call inside workdps): (I - dH(g(w))) (I - dH(w))."""
    P = len(flat)
    one = mpmath.eye(P)
    g1 = gd_map(np.array([flat], dtype=object), dims, R, delta)[0]
    return (one - delta * _hess_mp(g1, dims, R)) * (one - delta * _hess_mp(flat, dims, R))


def project_to_optima(flat, dims, R, iters: int = 60):
    """Gauss-Newton projection onto {W_L ... W_1 = T}: m <- m - J^T (J J^T + mu)^{-1} (P(m) - T).

    T is R, or its best rank-r approximation when a bottleneck width r < rank R makes R
    unreachable (the global minimisers then have product T, Eckart-Young; distinct singular
    values assumed).  From a point near the optimum set this converges to an optimum close to
    it.  mpmath; call inside workdps.
    """
    T = best_reachable(R, min(dims))
    m = np.array(flat, dtype=object)
    mu = mpmath.mpf(10) ** (-mpmath.mp.dps)
    for _ in range(iters):
        ws = [w[0] for w in dl.unflatten(np.array([m], dtype=object), dims)]
        e = mpmath.matrix(list(np.asarray(fz.end_to_end(ws) - T).reshape(-1)))
        J = mpmath.matrix(fz.product_jacobian(ws).tolist())
        A = J * J.T
        for k in range(A.rows):
            A[k, k] += mu
        step = J.T * mpmath.lu_solve(A, e)
        m = m - np.array([step[k] for k in range(step.rows)], dtype=object)
        if mpmath.norm(step) < mpmath.mpf(10) ** (-mpmath.mp.dps + 5):
            break
    return m


def best_reachable(R, r: int) -> np.ndarray:
    """R itself when rank R <= r, else its truncated SVD of rank r (mpmath object array)."""
    Rm = mpmath.matrix(np.asarray(R).tolist())
    if r >= min(Rm.rows, Rm.cols):
        return np.asarray(R, dtype=object)
    U, S, V = mpmath.svd_r(Rm)
    order = sorted(range(len(S)), key=lambda k: -S[k])[:r]
    T = mpmath.zeros(Rm.rows, Rm.cols)
    for k in order:
        T += S[k] * U[:, k] * V[k, :]
    return np.array(T.tolist(), dtype=object)


def den3(flat, dims) -> mpmath.mpf:
    """sum_j p_{j-1}^2 q_{j+1}^2 of Theorem 1 at ``flat`` (mpmath, top singular pair of the
    end-to-end matrix at working precision): the bound (3) is 2 / this."""
    ws = [w[0] for w in dl.unflatten(np.array([flat], dtype=object), dims)]
    Pm = fz.end_to_end(ws)
    U, S, V = mpmath.svd_r(mpmath.matrix(np.asarray(Pm).tolist()))
    k = max(range(len(S)), key=lambda t: S[t])
    u = np.array([U[r, k] for r in range(U.rows)], dtype=object)
    v = np.array([V[k, c] for c in range(V.cols)], dtype=object)
    p, q = fz.pq(ws, u, v)
    return mpmath.fsum(p[j - 1] ** 2 * q[j + 1] ** 2 for j in range(1, len(ws) + 1))


def verify_cycle(flat: Sequence, dims: Sequence[int], R, delta, dps: int = 50,
                 gd_starts: int = 16, gd_steps: int = 4000, seed: int = 0) -> dict:
    """Re-do one candidate period-2 orbit at ``dps`` digits and test Remark 1's conditions.

    ``flat``, ``R`` and ``delta`` are taken exactly (decimal strings or floats).  Returns a dict
    of mpmath numbers and booleans: ``closure`` (max |g(g(w)) - w| after Newton), ``shift``
    (distance from the given point to the refined one), ``amplitude`` (max |g(w) - w|),
    ``radius`` (largest eigenvalue modulus of D(g o g) apart from the eigenvalues 1 tangent
    to a family of orbits), ``neutral`` (how many were set apart), ``den3_centre`` and
    ``bound3_centre`` at the optimum the orbit surrounds, ``dist_centre`` (its distance to the
    midpoint of the orbit), ``bound4`` (= (3) at the balanced optimum), ``gd_distance``
    (largest final distance to the orbit of float64 GD from ``gd_starts`` starts within 1e-4
    of it, inf if one did not settle on a period-2 orbit), and the verdict flags
    ``is_cycle``, ``attracts``, ``centre_violates``, ``other_satisfies``, ``gd_converges``,
    ``witness`` (all five).
    """
    L = len(dims) - 1
    with mpmath.workdps(dps + 20):
        d = mpmath.mpf(delta)
        Rm = np.array([[mpmath.mpf(x) for x in row] for row in np.asarray(R, dtype=object)],
                      dtype=object)
        x0 = np.array([mpmath.mpf(v) for v in flat], dtype=object)
        x = x0.copy()
        mu = mpmath.mpf(10) ** (-(dps + 20))
        for _ in range(80):
            g2 = gd_map(gd_map(np.array([x], dtype=object), dims, Rm, d), dims, Rm, d)[0]
            Fv = mpmath.matrix(list(g2 - x))
            if mpmath.norm(Fv, mpmath.inf) < mpmath.mpf(10) ** (-(dps + 15)):
                break
            J = cycle_jacobian(x, dims, Rm, d) - mpmath.eye(len(x))
            step = _mp_solve_ls(J, Fv, mu)
            x = x + np.array([step[k] for k in range(step.rows)], dtype=object)
            if any(abs(v) > 1e6 for v in x):
                break
        g1 = gd_map(np.array([x], dtype=object), dims, Rm, d)[0]
        g2 = gd_map(np.array([g1], dtype=object), dims, Rm, d)[0]
        closure = max(abs(v) for v in g2 - x)
        amplitude = max(abs(v) for v in g1 - x)
        shift = max(abs(v) for v in x - x0)
        ev = mpmath.eig(cycle_jacobian(x, dims, Rm, d), left=False, right=False)
        moduli = [abs(e) for e in ev]
        one = mpmath.mpf(10) ** (-(dps // 2))
        neutral = sum(1 for e in ev if abs(e - 1) < one)  # tangent to a family of 2-cycles
        radius = max([m for e, m in zip(ev, moduli) if abs(e - 1) >= one], default=0)
        centre = project_to_optima((x + g1) / 2, dims, Rm)
        dist_centre = max(abs(v) for v in centre - (x + g1) / 2)
        dc = den3(centre, dims)
        U, S, V = mpmath.svd_r(mpmath.matrix(np.asarray(Rm).tolist()))
        rho = max(S)
        bound4 = 2 / (L * rho ** (mpmath.mpf(2 * (L - 1)) / L))
        tiny = mpmath.mpf(10) ** (-dps)
        flags = {
            "is_cycle": bool(closure < mpmath.mpf(10) ** (-(dps - 5)) and amplitude > 1e-6
                             and shift < 1e-6),
            "attracts": bool(radius < 1 - mpmath.mpf("1e-6")),
            "centre_violates": bool(d > 2 / dc + tiny),
            "other_satisfies": bool(d <= bound4),
        }
    a = np.array([float(v) for v in x])
    b = np.array([float(v) for v in g1])
    gd_distance = _gd_from_neighbourhood(a, b, dims, np.asarray(R, dtype=float), float(delta),
                                         gd_starts, gd_steps, seed)
    flags["gd_converges"] = bool(gd_distance < 1e-2)
    flags["witness"] = all(flags.values())
    return {"point": x, "closure": closure, "shift": shift, "amplitude": amplitude,
            "radius": radius, "neutral": neutral, "den3_centre": dc, "bound3_centre": 2 / dc,
            "dist_centre": dist_centre, "bound4": bound4, "gd_distance": gd_distance, **flags}


def _gd_from_neighbourhood(a, b, dims, R, delta, starts, steps, seed) -> float:
    """Float64 GD from ``starts`` points within 1e-4 of a: the largest distance of the final
    points to {a, b}, or inf when a run has not settled on a period-2 orbit (|g(g(w)) - w|
    > 1e-10 or |g(w) - w| < half the amplitude of {a, b}).  A family of period-2 orbits (see
    the module docstring) lets the limit be a neighbour of {a, b}, hence distance, not 0."""
    rng = np.random.default_rng(seed)
    x = a[None] + 1e-4 * rng.standard_normal((starts, a.size))
    end = dl.flatten(dl.gd_final(dl.unflatten(x, dims), R, delta, steps, bound=1e6))
    with np.errstate(all="ignore"):
        g1 = gd_map(end, dims, R, delta)
        g2 = gd_map(g1, dims, R, delta)
        settled = ((np.abs(g2 - end).max(axis=1) < 1e-10)
                   & (np.abs(g1 - end).max(axis=1) > 0.5 * np.abs(b - a).max()))
        d = np.minimum(np.abs(end - a).max(axis=1), np.abs(end - b).max(axis=1))
    return float(np.max(np.where(settled & np.isfinite(d), d, np.inf)))


# --- the top Hessian eigenvalue over the optimum set ----------------------------------------


def optimum_from_free(x: np.ndarray, R: np.ndarray, L: int) -> list[np.ndarray]:
    """The optimum with W_1, ..., W_{L-1} from ``x`` (n x n each) and W_L = R (W_{L-1} ... W_1)^-1.

    Every optimum of a network with square n x n layers and invertible n x n target is of this
    form (all its layers are invertible), so x ranges over the whole optimum set.
    """
    n = R.shape[0]
    Ws = [x[k * n * n:(k + 1) * n * n].reshape(n, n) for k in range(L - 1)]
    P = np.eye(n)
    for W in Ws:
        P = W @ P
    return Ws + [R @ np.linalg.inv(P)]


def sharpness(W: Sequence[np.ndarray]) -> float:
    """lambda_max of the Hessian at an optimum: the largest eigenvalue of J J^T (eq. (7))."""
    F = fz.f_operator(W)
    return float(np.linalg.eigvalsh((F + F.T) / 2)[-1])


def sharpness_many(X: np.ndarray, R: np.ndarray, L: int) -> np.ndarray:
    """``sharpness(optimum_from_free(x, R, L))`` for every row x of ``X`` at once, inf where
    that is not finite or raises LinAlgError (what :func:`local_min_sharpness` minimises).

    The same operations in the same order as the one-network functions, batched: LAPACK and
    BLAS factor each matrix of a stack on its own, so every value is the one-network value
    bit for bit (tests/test_remark1.py compares them).
    """
    B, n = X.shape[0], R.shape[0]
    try:
        with np.errstate(all="ignore"):
            Ws = [X[:, k * n * n:(k + 1) * n * n].reshape(B, n, n) for k in range(L - 1)]
            P = np.broadcast_to(np.eye(n), (B, n, n))
            for W in Ws:
                P = W @ P
            Ws = Ws + [R @ np.linalg.inv(P)]
            F = 0
            for i in range(1, L + 1):  # fz.f_operator: sum_i kron(Pa Pa^T, (Pb^T Pb)^T)
                Pa = fz.chain(Ws, i + 1, L, n)
                Pb = fz.chain(Ws, 1, i - 1, n)
                a = Pa @ Pa.swapaxes(1, 2)
                b = (Pb.swapaxes(1, 2) @ Pb).swapaxes(1, 2)
                F = F + (a[:, :, None, :, None] * b[:, None, :, None, :]).reshape(
                    B, n * n, n * n)
            v = np.linalg.eigvalsh((F + F.swapaxes(1, 2)) / 2)[:, -1]
    except np.linalg.LinAlgError:  # one singular or failed matrix: each on its own
        return np.array([_sharpness_or_inf(x, R, L) for x in X])
    return np.where(np.isfinite(v), v, np.inf)


def _sharpness_or_inf(x: np.ndarray, R: np.ndarray, L: int) -> float:
    """The top Hessian eigenvalue at the optimum parametrised by ``x``, inf where it fails."""
    with np.errstate(all="ignore"):
        try:
            v = sharpness(optimum_from_free(x, R, L))
        except np.linalg.LinAlgError:
            return np.inf
    return v if np.isfinite(v) else np.inf


def local_min_sharpness(R: np.ndarray, L: int, x0: np.ndarray, rng: np.random.Generator,
                        tries: int = 400, scales=(1e-1, 1e-2, 1e-3, 1e-4, 1e-5)) -> tuple:
    """A local minimum of the top Hessian eigenvalue over the optimum set, from ``x0``.

    lambda_max is not smooth where its eigenvalue is multiple, so a derivative-free descent is
    used: Nelder-Mead, then random steps at decreasing scales, kept when they lower it (a
    stall of Nelder-Mead at a kink is left this way).  Returns (value, x).
    """
    from scipy.optimize import minimize

    res = minimize(_sharpness_or_inf, x0, args=(R, L), method="Nelder-Mead",
                   options={"maxiter": 4000, "xatol": 1e-10, "fatol": 1e-13})
    x, f = res.x, res.fun
    for eps in scales:
        # the tries draws of x.size normals in one block (the same stream), evaluated a chunk
        # at a time from the current x: the first that is lower is kept and the rest of the
        # chunk redone from it, so each y is the one the one-at-a-time loop would try
        Z = rng.standard_normal((tries, x.size))
        k, chunk = 0, 8
        while k < tries:
            Y = x + eps * Z[k:k + chunk]
            lower = np.flatnonzero(sharpness_many(Y, R, L) < f)
            if lower.size:
                j = lower[0]
                x, f = Y[j], _sharpness_or_inf(Y[j], R, L)
                k, chunk = k + j + 1, 8
            else:
                k, chunk = k + chunk, min(2 * chunk, 256)
    return f, x


def seeds_near(W: Sequence[np.ndarray], R: np.ndarray, amplitudes=(0.01, 0.03, 0.1)) -> np.ndarray:
    """Starts W +- a v (v the top Hessian eigenvector at the optimum W): where a flip born at W
    would put its 2-cycle."""
    flat = dl.flatten(fz.batched(W))[0]
    H = fz.hessian(W, R)
    v = np.linalg.eigh((H + H.T) / 2)[1][:, -1]
    return np.array([flat + sgn * a * v for a in amplitudes for sgn in (1, -1)])


def drift_run(W0: Sequence[np.ndarray], R: np.ndarray, delta: float, steps: int,
              noise: float, rng: np.random.Generator, every: int = 10) -> dict[str, np.ndarray]:
    """Float64 GD from the optimum W0 plus Gaussian noise: every ``every`` steps the loss and
    the bound (3), 2 / sum_j p_{j-1}^2 q_{j+1}^2, evaluated at the iterate (top singular pair of
    its end-to-end matrix).  Started at an optimum violating (3), it shows the oscillation
    across the optimum set and the drift along it until (3) holds (or not)."""
    ws = [np.asarray(w, dtype=float)[None] + noise * rng.standard_normal((1,) + np.shape(w))
          for w in W0]
    its, loss, bound = [], [], []
    for k in range(0, steps + 1, every):
        W = [w[0] for w in ws]
        if not all(np.all(np.isfinite(w)) for w in W):
            break
        its.append(k)
        loss.append(float(dl.loss(ws, R)[0]))
        bound.append(2 / float(fz.thm1_denominator(W)))
        ws, _ = dl.gd(ws, R, delta, every, bound=1e6)
    return {"iteration": np.array(its), "loss": np.array(loss), "bound3": np.array(bound)}
