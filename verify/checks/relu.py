"""Check factories for two-layer ReLU networks with fixed biases (Nar & Sastry 2018, Section 4).

Theorem 4 says that GD with step delta can converge to (W, V) only if
``max_i ||x_i|| ||f_hat(x_i)|| <= 1/delta``.  Appendix D proves it from Lyapunov's indirect
method: a minimum with lambda_max(H) > 2/delta repels, and it bounds lambda_max below by
``2 max_i ||x_i|| ||f_hat(x_i)||`` after dropping the error terms of the Hessian (exact at an
interpolating minimum).  These checks measure lambda_max(H) at minima found by GD and by a
damped Newton method (interpolating and not, m = 1 and m >= 2), search adversarially for
a minimum with lambda_max(H) < 2 max ||x|| ||f_hat||, test the "converges" reading at its
measure-zero edge (a start exactly on a minimum) and look at f_hat away from the data.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import mpmath
import numpy as np
import sympy as sp

from numerics import relu
from proofs import relu as prelu
from proofs.identities import prove_zero
from verify.checks.common import dec, decs, instances, sampled
from verify.checks.common import set_text as listed
from verify.replay import ReplayError, parse_matrix
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Figure, Finding, Outcome, RefLine, Series, Tier,
)

GRAD_TOL = 1e-9  # a float64 critical point (relative to the loss scale)
KINK_TOL = 1e-6  # units closer than this to their kink: the pattern is not locally constant
MAX_PROBLEMS = 40  # hessian_bound: random problems drawn at most per family (m, interpolating)


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


def _minima(rng, m, interpolating, problems, want, inits, steps, newton_starts):
    """Minima (float64) of random problems: (X, Y, b, W, V, lam_min, lam_max, thm4, loss, how).

    "GD": a batched GD run that converged (||theta_k - theta_k-1|| < 1e-13), then polished by
    Newton; "Newton": damped Newton from a random start (:func:`numerics.relu.minimize`, every
    start of a problem in one batch; it replaced SciPy's trust-exact run start by start, which
    found fewer minima in about 15 times the time).  Kept when the gradient
    vanishes, every unit is at least 1e-6 from its kink at every point (the pattern, hence the
    Hessian, is constant nearby) and the Hessian is positive semidefinite.

    At least ``problems`` problems are drawn, then more, one at a time, until ``want`` minima
    are kept or MAX_PROBLEMS were tried (sequential sampling): most non-interpolating problems
    end every search at a kink (excluded), so a fixed two problems sometimes kept none and the
    verdict then depended on the seed.  Returns the minima, the number of candidates stopped
    at a kink (nonsmooth points, excluded) and the number of problems drawn."""
    found, at_kink, drawn = [], 0, 0
    while drawn < problems or (len(found) < want and drawn < MAX_PROBLEMS):
        drawn += 1
        X, Y, b, n, r = _problem(rng, m, interpolating)
        W0, V0 = rng.standard_normal((inits, m, r)), rng.standard_normal((inits, r, n))
        lam0 = np.array([np.linalg.eigvalsh(relu.hessian(W0[i], V0[i], b, X, Y))[-1]
                         for i in range(inits)])
        run = relu.gd(W0, V0, b, X, Y, 0.5 / np.maximum(lam0, 1.0), steps, n_records=4)
        conv = (~run.diverged) & (run.d1[:, -1] < 1e-13)
        gd_rows, k = np.flatnonzero(conv), min(newton_starts, inits)
        how = ["GD"] * gd_rows.size + ["Newton"] * k
        # every start of the problem in one batched Newton search (GD's limits polished)
        mn = relu.minimize(np.concatenate([run.W[gd_rows], W0[:k]]),
                           np.concatenate([run.V[gd_rows], V0[:k]]), b, X, Y)
        for i in range(len(how)):
            if mn.kink_margin[i] < KINK_TOL:
                at_kink += 1
                continue
            if mn.grad_norm[i] > GRAD_TOL * (1.0 + mn.loss[i]):
                continue
            W, V = mn.W[i], mn.V[i]
            ev = np.linalg.eigvalsh(relu.hessian(W, V, b, X, Y))
            q = relu.theorem4_quantity(W[None], V[None], b, X)[0]
            if ev[0] < -1e-9 * ev[-1] or q <= 0:
                continue
            found.append((X, Y, b, W, V, ev[0], ev[-1], q, mn.loss[i], how[i]))
    return found, at_kink, drawn


def _precise(case, dps: int) -> dict:
    X, Y, b, W, V = case[:5]
    m, r, n = W.shape[0], W.shape[1], V.shape[1]
    return relu.precise_state(relu.flatten(W, V), b, X, Y, m, r, n, dps)


def _counterexample(case, st, dps: int, label: str, c: float = 1.0) -> Counterexample | None:
    """A minimum linearly stable at a delta with max ||x|| ||f_hat|| > c/delta, or None."""
    with mpmath.workdps(dps):
        lam_max, lam_min, q = st["lam_max"], st["lam_min"], st["thm4"]
        tiny = mpmath.mpf(10) ** (-(dps // 2))
        if not (lam_min > -tiny and st["kink_margin"] > 0 and st["grad_norm"] < tiny):
            return None
        c = mpmath.mpf(c)
        if not 2 / lam_max > c / q:
            return None
        delta = (2 / lam_max + c / q) / 2
        spectral = abs(1 - delta * lam_max)  # the largest |1 - delta lam| for lam in [0, lam_max]
        X, Y, b, W, V = case[:5]
        return Counterexample(
            at={"delta": dec(delta, 25), "X": str(X.tolist()), "Y": str(Y.tolist()),
                "b": str(b.tolist()), "W": str(W.tolist()), "V": str(V.tolist())},
            observed=f"max ||x|| ||f_hat|| = {dec(q, 25)} > c/delta = {dec(c / delta, 25)}; "
                     f"spectral radius of I - delta H = {dec(spectral, 25)} < 1",
            claimed=f"max ||x_i|| ||f_hat(x_i)|| <= {dec(c, 6)}/delta at every limit of GD",
            tol="0", margin=dec(q - c / delta, 25), dps=dps,
            note=f"{label}: a minimum (Newton-refined at {dps} digits, PSD Hessian, pattern "
                 "constant nearby) that GD's linearisation does not repel although the bound "
                 "is violated")


def hessian_bound(ms: tuple[int, ...] = (1, 2), c: float = 1.0,
                  interp: tuple[bool, ...] = (True, False)) -> Check:
    """Precise: lambda_max(H) against 2 max_i ||x_i|| ||f_hat(x_i)|| at sampled minima.

    Minima of random problems (interpolating and not, each m in ``ms``) found by a damped
    Newton search from random starts and from where a GD run stopped; the smallest ratios
    are re-evaluated at ``ctx.dps`` digits after Newton refinement.  A ratio below 1 with a
    positive definite Hessian and a locally constant pattern refutes Theorem 4 (GD contracts
    near that minimum for a delta above 1/max ||x|| ||f_hat||).  Cannot prove the theorem: it
    samples.  Each family gets minima on every seed: problems are drawn until a set number of
    strict minima off the kinks is found (up to MAX_PROBLEMS), not a fixed two, because with two
    the non-interpolating families often had none and the check was undecided on some seeds
    only; drawing more can only add minima that the bound must hold at.  ``c`` is the claimed
    constant (bound c/delta; Theorem 4: c = 1), so that deliberately wrong variants can be
    tested.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        # per family: ``problems`` problems, then more until ``want`` minima (see _minima)
        problems, want, inits, steps = (2, 2, 8, 1500) if ctx.quick else (4, 6, 12, 4000)
        numbers, points, worst = {}, {}, []
        for m in ms:
            for flag in interp:
                label = f"m={m}, {'interpolating' if flag else 'non-interpolating'}"
                cases, kinks, drawn = _minima(rng, m, flag, problems, want, inits, steps, 3)
                numbers[f"{label}: problems drawn"] = str(drawn)
                numbers[f"{label}: candidates stopped at a kink (excluded)"] = str(kinks)
                numbers[f"{label}: minima found by GD / by Newton"] = (
                    f"{sum(c[9] == 'GD' for c in cases)} / {sum(c[9] == 'Newton' for c in cases)}")
                if not cases:
                    numbers[f"{label}: minima"] = "0"
                    continue
                ratios = np.array([c[6] / (2 * c[7]) for c in cases])
                numbers[f"{label}: minima"] = str(len(cases))
                numbers[f"{label}: min lambda_max / (2 max||x|| ||f||)"] = dec(ratios.min(), 8)
                points[label] = ([2 * c[7] for c in cases], [c[6] for c in cases])
                k = int(np.argmin(ratios))
                worst.append((ratios[k], label, cases[k]))
        worst.sort(key=lambda t: t[0])
        for ratio, label, case in worst[: 2 if ctx.quick else 4]:
            st = _precise(case, ctx.dps)
            with mpmath.workdps(ctx.dps):
                numbers[f"{label}: precise ratio ({ctx.dps} digits)"] = dec(
                    st["lam_max"] / (2 * st["thm4"]), 20)
            cx = _counterexample(case, st, ctx.dps, label, c)
            if cx is not None:
                return Finding(Outcome.REFUTES,
                               f"{label}: lambda_max(H) < (2/c) max ||x|| ||f_hat|| with c = {c}",
                               numbers, cx, (_scatter(points),))
        if not worst:
            return Finding(Outcome.UNDECIDED, "no strict minimum with a locally constant "
                           "pattern was found", numbers)
        if worst[0][0] < 1 / c:  # float64 says violated, but no high-precision replay confirmed it
            return Finding(Outcome.UNDECIDED, (
                f"{worst[0][1]}: float64 ratio lambda_max / (2 max ||x|| ||f||) = "
                f"{dec(worst[0][0], 6)} < 1/c, not confirmed at high precision"), numbers, None,
                (_scatter(points),))
        return Finding(Outcome.SUPPORTS, (
            "at every sampled minimum (PSD Hessian, pattern constant nearby) lambda_max(H) >= "
            f"{dec(2 / c, 6)} max_i ||x_i|| ||f_hat(x_i)|| "
            f"(smallest ratio lambda_max / (2 max ||x|| ||f||) = {dec(worst[0][0], 6)}, "
            f"{worst[0][1]}), so for delta above {dec(c, 6)}/max ||x|| ||f|| every one of them "
            "repels"), numbers, None, (_scatter(points),))

    kinds = {(True,): "interpolating", (False,): "non-interpolating"}.get(
        tuple(interp), "interpolating and not")
    return Check("hessian_bound", Tier.PRECISE, run,
                 (f"claimed constant c = {c}; " if c != 1 else "") + f"sampled minima, m in {ms}, "
                 f"{kinds}; worst re-evaluated at high precision")


def _scatter(points) -> Figure:
    series = tuple(Series(label, decs(x), decs(y), "points") for label, (x, y) in points.items())
    return Figure(
        id="relu-lambda-max", title="Two-layer ReLU minima: lambda_max(H) against Theorem 4",
        caption=("Each point a strict minimum (damped Newton, some started where GD "
                 "stopped): x = 2 max_i ||x_i|| ||f_hat(x_i)|| (the printed bound's 2/delta), "
                 "y = lambda_max(H).  Theorem 4 needs every point on or above y = x."),
        xlabel="2 max ||x_i|| ||f_hat(x_i)||", ylabel="lambda_max(H)", series=series,
        xscale="log", yscale="log", lines=(RefLine("y = x", "diag"),))


def _critical_from_residual(v, m, r, n, N, with_jacobian: bool = False):
    """(W, V, b, X, Y) with (W, V) a critical point by construction: the error e is drawn from
    the null space of the stationarity equations (the adversarial search's parametrisation).

    With ``with_jacobian`` the Jacobian and the pattern it was built from are appended (what
    ``relu._jacobian_parts`` returns: the null space is that of J^T, and the Hessian needs them
    again, so they are computed once), then the outputs f_hat(x_i) (N, m) that Y was built
    from (the search's max ||x|| ||f_hat|| reads them instead of a second forward pass)."""
    i = 0
    W = v[i:i + m * r].reshape(m, r); i += m * r
    V = v[i:i + r * n].reshape(r, n); i += r * n
    b = v[i:i + r]; i += r
    X = v[i:i + N * n].reshape(N, n); i += N * n
    z = v[i:]
    parts = J, pre, act, _ = relu._jacobian_parts(W, V, b, X)  # pre = X V^T - b
    basis = _null_space(J.T)  # gradient = J^T e = 0
    if basis.shape[1] < z.size:
        return None
    e = (basis[:, : z.size] @ z).reshape(N, m)
    f_hat = act @ W.T
    out = (W, V, b, X, f_hat - e, np.abs(pre).min())
    return (*out, parts, f_hat) if with_jacobian else out


def _null_space(A: np.ndarray) -> np.ndarray:
    """``scipy.linalg.null_space(A)`` for a float64 matrix, bit for bit: the same LAPACK routine
    that ``scipy.linalg.svd`` picks (gesdd, full matrices), with the same work size, and the
    same rank cut; without the per-call validation and dispatch (the search calls it some ten
    thousand times on 6 x 12 matrices, where that overhead was most of the cost)."""
    # a finite sum proves every entry finite; the entries are tested only when it is not
    if not math.isfinite(np.add.reduce(A, axis=None)) and not np.isfinite(A).all():
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


def adversarial_minimum(m: int = 2, r: int = 2, n: int = 1, N: int = 6, c: float = 1.0) -> Check:
    """Empirical search, precise re-evaluation: minimise lambda_max(H) / (2 max ||x|| ||f_hat||)
    over non-interpolating critical points that are strict minima (Nelder-Mead over weights,
    biases, inputs and the residual, with a penalty keeping lambda_min(H) >= lambda_max / 1000
    and every unit 0.01 away from its kink); only penalty-free points are kept.

    Refutes with a minimum (Newton-refined at high precision) whose ratio is below 1; otherwise
    reports the smallest ratio found (an upper bound on the constant, never a proof).  The
    refutation's replay line gives that minimum's problem and weights (``--at X=...,Y=...,b=...,
    W=...,V=...``): the replay re-evaluates that one point, without the search.
    """

    def replay(ctx: CheckContext) -> Finding:
        X, Y, b, W, V = (np.array(v, dtype=float) for v in _known_point(ctx, {}))
        st = relu.precise_state(relu.flatten(W, V), b, X, Y, *W.shape, V.shape[1], ctx.dps)
        cx = _counterexample((X, Y, b, W, V), st, ctx.dps, "replayed point", c)
        if cx is None:
            return Finding(Outcome.UNDECIDED, "the replayed point is not a strict minimum off "
                           f"the kinks violating the bound with c = {c} at this precision", {})
        return Finding(Outcome.REFUTES, "the replayed point is a strict non-interpolating "
                       f"minimum with lambda_max(H) < (2/c) max ||x|| ||f_hat||, c = {c}", {},
                       dataclasses.replace(cx, replay=_data_replay(X, Y, b, W, V)))

    def run(ctx: CheckContext) -> Finding:
        if ctx.at:
            return replay(ctx)
        from scipy.optimize import minimize as scipy_minimize  # see numerics/__init__

        rng = ctx.rng()
        nz = N * m - (m * r + r * n)

        def score(v):
            built = _critical_from_residual(v, m, r, n, N, with_jacobian=True)
            if built is None:
                return 10.0
            W, V, b, X, Y, margin, parts, f_hat = built
            ev = np.linalg.eigvalsh(relu.hessian(W, V, b, X, Y, parts=parts))
            q = relu.theorem4_of_outputs(f_hat.T[None], X)[0]
            if not np.isfinite(ev[-1]) or q <= 0 or ev[-1] <= 0:
                return 10.0
            penalty = (100 * max(0.0, 1e-3 * ev[-1] - ev[0]) / ev[-1]
                       + 10 * max(0.0, 1e-2 - margin))
            seen.append((penalty == 0, ev[-1] / (2 * q), v))
            return ev[-1] / (2 * q) + penalty

        seen: list = []
        restarts = 2 if ctx.quick else 6
        starts = []
        for _ in range(2000):  # feasible random starts first (the penalty walls are flat)
            if len(starts) == restarts:
                break
            v0 = rng.standard_normal(m * r + r * n + r + N * n + nz)
            before = len(seen)
            score(v0)
            if len(seen) > before and seen[-1][0]:
                starts.append(v0)
        for v0 in starts:
            scipy_minimize(score, v0, method="Nelder-Mead",
                           options={"maxfev": 1500 if ctx.quick else 4000})
        feasible = [(ratio, v) for ok, ratio, v in seen if ok]
        if not feasible:
            return Finding(Outcome.UNDECIDED, "no feasible point (positive definite Hessian, "
                           "units off their kinks) was visited", {"restarts": str(restarts)})
        best = min(feasible, key=lambda t: t[0])
        W, V, b, X, Y, _ = _critical_from_residual(best[1], m, r, n, N)
        case = (X, Y, b, W, V)
        st = relu.precise_state(relu.flatten(W, V), b, X, Y, m, r, n, ctx.dps)
        with mpmath.workdps(ctx.dps):
            ratio = st["lam_max"] / (2 * st["thm4"])
            numbers = {"restarts": str(restarts), "feasible points visited": str(len(feasible)),
                       "smallest float64 ratio": dec(best[0], 10),
                       f"ratio at the best point ({ctx.dps} digits)": dec(ratio, 20),
                       "lambda_min / lambda_max": dec(st["lam_min"] / st["lam_max"], 10),
                       "loss (non-interpolating)": dec(st["loss"], 10),
                       "kink margin": dec(st["kink_margin"], 10)}
        cx = _counterexample(case, st, ctx.dps, f"adversarial m={m}, r={r}, n={n}, N={N}", c)
        if cx is not None:
            return Finding(Outcome.REFUTES, "the search found a strict non-interpolating "
                           f"minimum with lambda_max(H) < (2/c) max ||x|| ||f_hat||, c = {c}",
                           numbers, dataclasses.replace(cx, replay=_data_replay(*case)))
        if best[0] < 1 / c or ratio < 1 / c:  # a violation the replay could not confirm
            return Finding(Outcome.UNDECIDED, (
                f"the best point has ratio {dec(ratio, 8)} (float64 {dec(best[0], 8)}) against "
                f"1/c = {dec(1 / c, 6)}, but it is not a confirmed strict minimum at high "
                "precision"), numbers)
        return Finding(Outcome.SUPPORTS, (
            f"the adversarial search (m={m}, r={r}, n={n}, N={N}) found no strict minimum with "
            f"lambda_max(H) below (2/c) max ||x|| ||f_hat||, c = {c}: smallest ratio "
            f"lambda_max / (2 max ||x|| ||f_hat||) = {dec(ratio, 8)}"),
            numbers, coverage=sampled(None, **{"m, r, n, N": f"= {m}, {r}, {n}, {N}"}))

    return Check("adversarial_minimum", Tier.EMPIRICAL, run,
                 f"Nelder-Mead over critical points, m={m}, r={r}, n={n}, N={N}")


def residual_identity_symbolic() -> Check:
    """Symbolic: for m = 1 the error block of the Hessian is (dL/dV_lp) / W_l, so at a critical
    point with no zero output weight H = J^T J and Appendix D's bound holds at non-interpolating
    minima too; for m = 2 the identity fails (the error block survives at critical points).

    Proves the identity per activation pattern with symbolic data (r = 2, n = 1, N = 2, all
    units active); refutes nothing about Theorem 4 (it locates where the proof is exact).
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        results = {}
        for m in (1, 2):
            X = [[sp.Symbol(f"x{i}", real=True)] for i in range(2)]
            Y = [[sp.Symbol(f"y{i}{k}", real=True) for k in range(m)] for i in range(2)]
            b = [sp.Symbol(f"b{l}", real=True) for l in range(2)]
            pl = prelu.pattern_loss(X, Y, b, [[1, 1], [1, 1]])
            H = prelu.hessian(pl)
            J = sp.Matrix([[sp.diff(o[k], p) for p in pl.params] for o in pl.outputs
                           for k in range(m)])
            res = sp.expand(H - J.T * J)
            grad = prelu.gradient(pl)
            mr = m * 2
            # error block entry (W_kl, V_l1) times W_kl, summed over k, against dL/dV_l1
            ok = all(prove_zero(sp.expand(
                sum(res[k * 2 + l, mr + l] * pl.W[k, l] for k in range(m)) - grad[mr + l]))
                for l in range(2))
            entries = [sp.expand(res[k * 2 + l, mr + l] * pl.W[k, l] - grad[mr + l])
                       for k in range(m) for l in range(2)]
            per_entry = all(prove_zero(e) is True for e in entries)
            # shown false only by a concrete rational point where some entry is nonzero
            point = {v: sp.Rational(i + 2, 3) for i, v in enumerate(
                sorted(set().union(*(e.free_symbols for e in entries)), key=str))}
            results[m] = (ok, per_entry,
                          any(prove_zero(e.subs(point)) is False for e in entries))
            numbers[f"m={m}: sum_k W_kl (error block)_kl,l = dL/dV_l"] = str(ok)
            numbers[f"m={m}: each entry W_kl (error block) = dL/dV_l"] = str(per_entry)
            numbers[f"m={m}: some entry differs at a rational point"] = str(results[m][2])
        if results[1][:2] == (True, True) and results[2] == (True, False, True):
            return Finding(Outcome.SUPPORTS, (
                "exact: for m = 1 every entry of the Hessian's error block equals "
                "(dL/dV_l)/W_l, which vanishes at a critical point (W_l != 0), so there "
                "H = J^T J and the Appendix D chain applies to non-interpolating minima; for "
                "m = 2 only the W-weighted sum vanishes, so the proof does not cover "
                "non-interpolating minima with m >= 2 (the other checks probe them)"), numbers,
                coverage=instances(False, m="{1, 2}", **{"r, n, N": "= 2, 1, 2"}))
        return Finding(Outcome.UNDECIDED, "the identities did not come out as expected", numbers)

    return Check("residual_identity_symbolic", Tier.SYMBOLIC, run,
                 "exact, per activation pattern, r = 2, n = 1, N = 2, symbolic data, m = 1, 2")


def converged_runs(deltas: tuple[float, ...] = (0.02, 0.05, 0.1, 0.2), c: float = 1.0) -> Check:
    """Empirical: batched GD from random starts on random 1-D problems (m = 1 and 2); for every
    run that converged (||theta_k - theta_k-1|| < 1e-12), max_i ||x_i|| ||f_hat(x_i)|| against
    c/delta.  (The same at any model's GD limits, written as data: ``at = "limits"``,
    :mod:`verify.userclaims.gd_limits`; Section 4's remarks after Theorem 4.)
    """

    def search(ctx: CheckContext):
        """Batched float64 GD; the runs that converged, those over the bound, the figure."""
        rng = ctx.rng()
        B = 24 if ctx.quick else 96
        steps = 3000 if ctx.quick else 12000
        pts, numbers, viol = {}, {}, []
        for m in (1, 2):
            r, n, N = 4, 1, 6
            X = np.linspace(0.25, 1.5, N)[:, None]
            Y = rng.uniform(-1, 1, (N, m))
            b = rng.standard_normal((B, r))
            W0, V0 = rng.standard_normal((B, m, r)), rng.standard_normal((B, r, n))
            d = np.array([deltas[i % len(deltas)] for i in range(B)])
            res = relu.gd(W0, V0, b, X, Y, d, steps)
            conv = (~res.diverged) & (res.d1[:, -1] < 1e-12)
            q = relu.theorem4_quantity(res.W, res.V, b, X)
            numbers[f"m={m}: converged runs"] = f"{int(conv.sum())} of {B}"
            numbers[f"m={m}: max over converged of delta * max||x|| ||f||"] = (
                dec(np.max(d[conv] * q[conv]), 8) if conv.any() else "none")
            pts[f"m={m}"] = (1 / d[conv], q[conv])
            viol += [(d[i] * q[i], m, X, Y, b[i], res.W[i], res.V[i], d[i])
                     for i in np.flatnonzero(conv & (q > c / d))]
        fig = Figure(
            id="relu-converged",
            title="Converged GD runs: max ||x_i|| ||f_hat(x_i)|| against 1/delta",
            caption=("Two-layer ReLU networks (r = 4, N = 6 points in [0.25, 1.5]) trained by GD "
                     "from standard-normal starts; each point a run that converged.  Theorem 4: "
                     "every point on or below y = x."),
            xlabel="1/delta", ylabel="max ||x_i|| ||f_hat(x_i)||",
            series=tuple(Series(k, decs(x), decs(y), "points") for k, (x, y) in pts.items()),
            xscale="log", yscale="log", lines=(RefLine("y = x (Theorem 4)", "diag"),))
        return pts, numbers, viol, (fig,)

    def run(ctx: CheckContext) -> Finding:
        if ctx.at:  # a replay: the one limit (W, V) of a run on (X, Y, b) at delta
            X, Y, bb, W, V = (np.array(v, dtype=float) for v in _known_point(ctx, {}))
            cand = (0.0, W.shape[0], X, Y, bb, W, V, float(sp.Rational(ctx.at["delta"])))
            pts, numbers, viol, figs = {}, {}, [cand], ()
        else:
            pts, numbers, viol, figs = search(ctx)

        def stable_minimum(X, Y, bb, W, V, dd):
            """The Newton-refined limit, or None unless it is a PSD critical point off the
            kinks, linearly stable at dd (delta lambda_max < 2)."""
            st = relu.precise_state(relu.flatten(W, V), bb, X, Y, W.shape[0], W.shape[1],
                                    V.shape[1], ctx.dps)
            with mpmath.workdps(ctx.dps):
                tiny = mpmath.mpf(10) ** (-ctx.dps // 2)
                ok = (st["lam_min"] > -tiny and st["grad_norm"] < tiny and st["kink_margin"] > 0
                      and dd * st["lam_max"] < 2)
            return st if ok else None

        for _, m, X, Y, bb, W, V, dd in sorted(viol, key=lambda t: -t[0])[:3]:
            st = stable_minimum(X, Y, bb, W, V, dd)
            with mpmath.workdps(ctx.dps):
                if st is None or not st["thm4"] > c / mpmath.mpf(dd):
                    continue
                return Finding(Outcome.REFUTES, (
                    f"a converged run (m={m}, delta={dd}) ends at a minimum with max ||x_i|| "
                    f"||f_hat(x_i)|| = {dec(st['thm4'], 12)} > {c}/delta"), numbers,
                    Counterexample(
                        at={"delta": repr(float(dd)), "m": str(m), "X": str(X.tolist()),
                            "Y": str(Y.tolist()), "b": str(bb.tolist()), "W": str(W.tolist()),
                            "V": str(V.tolist())},
                        observed=f"max ||x_i|| ||f_hat(x_i)|| = {dec(st['thm4'], 25)}",
                        claimed=f"<= {c}/delta = {dec(c / mpmath.mpf(dd), 25)}", tol="0",
                        margin=dec(st["thm4"] - c / mpmath.mpf(dd), 25), dps=ctx.dps,
                        note=("the limit is a minimum (PSD Hessian) refined at high precision, "
                              "linearly stable at this delta (delta lambda_max < 2)"),
                        replay=_data_replay(X, Y, bb, W, V, delta=repr(float(dd)))), figs)
        if viol:
            return Finding(Outcome.UNDECIDED, (
                f"{len(viol)} converged float64 runs exceed the bound, but no high-precision "
                "replay confirmed a stable minimum there"), numbers, None, figs)
        if ctx.at:
            return Finding(Outcome.UNDECIDED, "the replayed limit is not a linearly stable "
                           "minimum over the bound at high precision", numbers)
        if not any(len(x) for x, _ in pts.values()):
            return Finding(Outcome.UNDECIDED, "no run converged", numbers, None, figs)
        return Finding(Outcome.SUPPORTS, (
            f"every converged run satisfies max_i ||x_i|| ||f_hat(x_i)|| <= {c}/delta"), numbers,
            None, figs, coverage=sampled(sum(len(x) for x, _ in pts.values()),
                                           delta=listed(deltas)))

    return Check("converged_runs", Tier.EMPIRICAL, run,
                 f"float64 GD, r = 4, N = 6, m = 1, 2, delta in {deltas}")


# A strict non-interpolating minimum (m = 2, r = 2, n = 1, N = 6) found by adversarial_minimum
# (seed-derived run of nar2018slides.relu_theorem, full mode) and kept as data, so the
# refutation does not depend on a search; the float64 values below are refined by Newton's
# method at high precision inside the check.
M2_COUNTEREXAMPLE = {
    "X": [[-0.2248786348655113], [3.580937824066716], [-1.1977992210264476], [-0.917914184785642],
          [-0.22733525432423946], [-0.45322102609896464]],
    "Y": [[-0.2715579135047652, 2.7900035702995587], [4.584352814639045, 1.2076218564916463],
          [-0.8875383618759983, 0.5012615303828971], [1.030827768808511, -0.09965108082261026],
          [0.8604434143179942, -2.8591148652136704], [-0.3487965224575793, 1.1666311766299688]],
    "b": [-0.45128987184046376, -0.398849208288097],
    "W": [[1.1272145393323263, -0.06066992501745952], [0.21004312521092328, 0.7317121722671758]],
    "V": [[1.0178147872834593], [0.006493988565679227]],
}


def _data_replay(X, Y, b, W, V, **extra: str) -> dict[str, str]:
    """The ``--at`` point of a two-layer problem and its weights (float decimals, read back
    exactly by :func:`_known_point`)."""
    return {**extra, "X": str(X.tolist()), "Y": str(Y.tolist()),
            "b": ";".join(repr(float(v)) for v in b), "W": str(W.tolist()), "V": str(V.tolist())}


def _known_point(ctx: CheckContext, data: dict) -> tuple:
    """(X, Y, b, W, V) as nested lists: the given data, or the ``--at`` point (matrices, b as
    ``b1;b2``), whose float decimals are read exactly."""
    if not ctx.at:
        return tuple(data[k] for k in ("X", "Y", "b", "W", "V"))
    mats = {k: parse_matrix(ctx.at[k]).tolist() for k in ("X", "Y", "W", "V")}
    b = [sp.Rational(v) for v in ctx.at["b"].split(";")]
    X, Y, W, V = mats["X"], mats["Y"], mats["W"], mats["V"]
    if not (len(X) == len(Y) and len(Y[0]) == len(W) and len(W[0]) == len(b) == len(V)
            and len(V[0]) == len(X[0])):
        raise ReplayError("--at: shapes must be X N x n, Y N x m, W m x r, b r, V r x n")
    return X, Y, b, W, V


def known_minimum(data: dict = M2_COUNTEREXAMPLE, c: float = 1.0, gd_steps: int = 4000) -> Check:
    """Precise: a given minimum, refined by Newton's method at ``ctx.dps`` digits, against the
    claimed bound ``max_i ||x_i|| ||f_hat(x_i)|| <= c/delta``.

    Refutes when the Hessian there is positive definite (a strict minimum), no unit is at its
    kink (the loss is a polynomial nearby) and lambda_max(H) < 2 max ||x|| ||f_hat|| / c: for
    every delta in (c / max ||x|| ||f_hat||, 2/lambda_max) all eigenvalues of I - delta H lie in
    (-1, 1), so GD converges to this minimum from a whole neighbourhood (positive measure) while
    the bound fails.  A float64 GD run from 8 starts 1e-4 away is recorded as corroboration.
    """

    def run(ctx: CheckContext) -> Finding:
        X, Y, b, W, V = (np.array(v, dtype=float) for v in _known_point(ctx, data))
        m, r, n = W.shape[0], W.shape[1], V.shape[1]
        st = relu.precise_state(relu.flatten(W, V), b, X, Y, m, r, n, ctx.dps, newton_steps=12)
        with mpmath.workdps(ctx.dps):
            q, lam_max, lam_min = st["thm4"], st["lam_max"], st["lam_min"]
            numbers = {"eigenvalues of H": ", ".join(dec(e, 12) for e in st["eigenvalues"]),
                       "gradient norm after Newton": dec(st["grad_norm"], 5),
                       "kink margin": dec(st["kink_margin"], 10), "loss": dec(st["loss"], 15),
                       "max ||x_i|| ||f_hat(x_i)||": dec(q, 25),
                       "2/lambda_max": dec(2 / lam_max, 25), f"{c}/max||x|| ||f||": dec(c / q, 25),
                       "lambda_max / (2 max ||x|| ||f||)": dec(lam_max / (2 * q), 20)}
            strict = lam_min > 0 and st["kink_margin"] > 0
            delta = (2 / lam_max + c / q) / 2
        th = np.array([float(v) for v in st["theta"]])
        if strict and 2 / lam_max > c / q:
            rng = ctx.rng()
            Ws, Vs = relu.unflatten(th, m, r, n)
            starts_W = Ws[None] + 1e-4 * rng.standard_normal((8, m, r))
            starts_V = Vs[None] + 1e-4 * rng.standard_normal((8, r, n))
            d0 = np.linalg.norm(np.hstack([(starts_W - Ws).reshape(8, -1),
                                           (starts_V - Vs).reshape(8, -1)]), axis=1)
            res = relu.gd(starts_W, starts_V, b, X, Y, np.full(8, float(delta)), gd_steps,
                          n_records=3)
            d1 = np.array([np.linalg.norm(relu.flatten(res.W[i], res.V[i]) - th) for i in range(8)])
            numbers[f"float64 GD at delta, distance to the minimum: start / after {gd_steps}"] = (
                f"{d0.max():.3g} / {d1.max():.3g}")
            cx = _counterexample((X, Y, b, W, V), st, ctx.dps, "given m = 2 minimum", c)
            if cx is not None:
                cx = dataclasses.replace(cx, replay=_data_replay(X, Y, b, W, V))
                return Finding(Outcome.REFUTES, (
                    f"a strict minimum with lambda_max(H) = {dec(lam_max, 12)} < (2/c) max ||x|| "
                    f"||f_hat|| = {dec(2 * q / c, 12)}: GD converges to it from a neighbourhood "
                    f"for delta = {dec(delta, 12)}, where max ||x|| ||f_hat|| > {c}/delta"),
                    numbers, cx)
            return Finding(Outcome.UNDECIDED, (
                "the bound fails at the given point, but Newton did not refine it to a critical "
                "point at this precision"), numbers)
        if not strict:
            return Finding(Outcome.UNDECIDED, "the given point is not a strict minimum with a "
                           "locally constant pattern at this precision", numbers)
        return Finding(Outcome.SUPPORTS, (
            f"at the given strict minimum lambda_max(H) >= (2/c) max ||x|| ||f_hat|| with c = {c}"
            f" (ratio lambda_max / (2 max ||x|| ||f||) = "
            f"{numbers['lambda_max / (2 max ||x|| ||f||)']})"), numbers,
            coverage=sampled(1, m="= 2"))

    return Check("known_minimum", Tier.PRECISE, run,
                 f"one strict m = 2 minimum refined at high precision, claimed constant c = {c}")
