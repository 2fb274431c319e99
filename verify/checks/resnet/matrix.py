"""Check factories for Nar & Sastry (2018), *Residual Networks*: Theorems 1 and 2: deep linear
matrix networks from the identity."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from numerics import mpmat as mm
from numerics import residual as rs
from proofs import resnet as pr
from verify.checks.common import decs
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample
from verify.replay import ReplayError, parse_matrix
from verify.vocabulary import (
    Check,
    CheckContext,
    Figure,
    Finding,
    Series,
    Tier,
)

# === Theorems 1 and 2 =========================================================================


def _thm2_runs(n, L, B, rng, orthogonal, steps, record=40):
    R, M, eigs = rs.random_targets(n, B, rng, 0.5, 2.0, orthogonal=orthogonal)
    rho, s1 = rs.spectral_data(R)
    d = np.minimum(1 / L, 1 / (L * rho ** (2 * (L - 1) / L)))
    ws = rs.identity_stack(n, L, B)
    every = max(1, steps // record)
    trace = {"k": [], "comm": [], "root": [], "loss": []}
    root = rs.root_of(R, L)
    for k in range(0, steps + 1, every):
        trace["k"].append(k)
        trace["comm"].append(rs.commutator_distance(ws, R))
        trace["root"].append(np.max([np.linalg.norm(w - root, axis=(1, 2)) for w in ws], 0))
        trace["loss"].append(dl.loss(ws, R))
        if k < steps:
            ws, _ = dl.gd(ws, R, d, every)
    return R, rho, s1, d, ws, {k: np.array(v) for k, v in trace.items()}


def thm2_structure(orthogonal: bool) -> Check:
    """Empirical: GD on 0.5 ||W_L...W_1 - R||^2 from W_i = I at Theorem 2's step size
    delta = (1/L) min{1, rho^(-2(L-1)/L)}, R = M diag(U[0.5, 2]) M^-1 with orthogonal M (the
    symmetric case) or Gaussian M (eigenvectors not orthogonal).

    Tracks the structure the proof assumes (every W_i commutes with R, i.e. is diagonal in R's
    eigenbasis), the distance to R^(1/L), the loss; at the end lambda_max of the Hessian where
    GD converged, against 2/delta, Theorem 1's L rho^(2(L-1)/L) and L sigma1^(2(L-1)/L).  The
    claim "each W_i -> R^(1/L)" is supported when every run ends within 1e-6 of R^(1/L);
    a failure is reported as undecided here (float64) and refuted by :func:`thm2_precise`.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        n, L, B = (3, 3, 4) if ctx.quick else (4, 4, 8)
        steps = 1500 if ctx.quick else 4000
        R, rho, s1, d, ws, tr = _thm2_runs(n, L, B, rng, orthogonal, steps)
        final_root = tr["root"][-1]
        conv = np.isfinite(tr["loss"][-1]) & (tr["loss"][-1] < 1e-20)
        numbers = {"runs": str(B), "converged (loss < 1e-20)": str(int(conv.sum())),
                   "diverged": str(int((~np.isfinite(tr["loss"][-1])).sum())),
                   "max commutator distance along GD": f"{np.nanmax(tr['comm']):.3g}",
                   "final max ||W_i - R^(1/L)||": str(decs(final_root, 4))}
        lm = np.full(B, np.nan)
        for b in np.flatnonzero(conv):
            lm[b] = dl.lambda_max([w[b:b + 1] for w in ws], R[b:b + 1], method="dense")[0]
        t1 = L * rho ** (2 * (L - 1) / L)
        ts = L * s1 ** (2 * (L - 1) / L)
        numbers["lambda_max at the limit"] = str(decs(lm, 6))
        numbers["balance gap max ||W_(i+1)^T W_(i+1) - W_i W_i^T|| at the end"] = \
            str(decs(rs.balance_gap(ws), 3))
        flat_ok = 2 / d > L * s1 ** (2 * (L - 1) / L)  # the flattest minimiser is stable
        numbers["converged where 2/delta > L sigma1^(2(L-1)/L)"] = \
            f"{int(np.sum(conv & flat_ok))} of {int(flat_ok.sum())}"
        numbers["converged where 2/delta < L sigma1^(2(L-1)/L)"] = \
            f"{int(np.sum(conv & ~flat_ok))} of {int((~flat_ok).sum())}"
        numbers["2/delta"] = str(decs(2 / d, 6))
        numbers["L rho^(2(L-1)/L)"] = str(decs(t1, 6))
        numbers["L sigma1^(2(L-1)/L)"] = str(decs(ts, 6))
        label = "orthogonal" if orthogonal else "non-orthogonal"
        figs = (
            Figure(id=f"thm2-structure-{label}", title=f"Distance from the proof's structure "
                   f"along GD ({label} eigenvectors)",
                   caption="max_i ||W_i R - R W_i|| / (||W_i|| ||R||) (0 when every W_i is "
                   "diagonal in R's eigenbasis) and max_i ||W_i - R^(1/L)||_F, per run, GD from "
                   "W_i = I at Theorem 2's step size.", xlabel="GD step k",
                   ylabel="distance", yscale="log",
                   series=tuple(Series(f"run {b} {what}", decs(tr["k"]),
                                       decs(np.maximum(tr[key][:, b], 1e-17)))
                                for b in range(min(B, 4))
                                for what, key in (("commutator", "comm"),
                                                  ("||W - R^(1/L)||", "root")))),
            Figure(id=f"thm2-lambda-{label}", title=f"Sharpness at the limit vs thresholds "
                   f"({label} eigenvectors)",
                   caption="Per run (x = run index): lambda_max of the Hessian at the minimiser "
                   "GD reached (missing: no convergence), 2/delta for Theorem 2's step, and the "
                   "minimum sharpness L m^(2(L-1)/L) with m the spectral radius (Theorem 1) or "
                   "the largest singular value.", xlabel="run", ylabel="curvature",
                   yscale="log",
                   series=(Series("lambda_max at limit", decs(np.arange(B)), decs(lm), "points"),
                           Series("2/delta (Theorem 2 step)", decs(np.arange(B)), decs(2 / d),
                                  "points"),
                           Series("L rho^(2(L-1)/L) (Theorem 1)", decs(np.arange(B)), decs(t1),
                                  "points"),
                           Series("L sigma1^(2(L-1)/L)", decs(np.arange(B)), decs(ts),
                                  "points"))))
        if conv.all() and np.all(final_root < 1e-6):
            return Finding(SUP, f"all {B} runs converge to R^(1/L); the commutator stays "
                           f"<= {np.nanmax(tr['comm']):.2g} (the structure is kept)", numbers,
                           None, figs,
                       coverage=_sample(B, R="orthogonal" if orthogonal else "non-orthogonal eigenvectors", delta="Theorem 2 bound"))
        return Finding(UND, f"{int(conv.sum())}/{B} runs converge, "
                       f"{int(np.sum(final_root < 1e-6))} to R^(1/L); the commutator reaches "
                       f"{np.nanmax(tr['comm']):.2g} (the proof's structure is lost); see "
                       "thm2_precise for an exact-precision counterexample", numbers, None, figs)

    return Check("thm2_structure", Tier.EMPIRICAL, run,
                 f"numpy float64, {'orthogonal' if orthogonal else 'Gaussian'} eigenvectors")


def _left_product(mats):
    """``mats[0] mats[1] ...`` (raw :mod:`numerics.mpmat` matrices), None for the identity.

    A factor I is left out: ``mm.mul`` rounds the exact products once per entry, so I X and
    X I are X itself (entries at working precision, no inf/nan in mpmath), and so is
    ``mm.mul(mm.scale(d, I), E)`` = ``mm.scale(d, E)`` (d e_kj rounded once): the same
    numbers with fewer multiplications."""
    out = None
    for M in mats:
        out = M if out is None else mm.mul(out, M)
    return out


def _network(Ws):
    """W_L (... (W_2 W_1)), multiplied in that order (I W_1 = W_1 left out)."""
    F = Ws[0]
    for W in Ws[1:]:
        F = mm.mul(W, F)
    return F


def _gd2x2_mp(Rs, L, delta, K, dps, record=100):
    """mpmath GD (eq. (5), Sigma = I) from W_i = I on a 2 x 2 target; returns the final layers,
    the product, the size of the last step and the loss every ``record`` steps."""
    with mpmath.workdps(dps):
        # numerics.mpmat: the numbers of mpmath.matrix (same operations, same order)
        Rm = mm.raw(mpmath.matrix(Rs.tolist()))
        d = mpmath.mpf(sp.Rational(delta))
        eye = mm.eye(2)
        Ws = [eye for _ in range(L)]
        losses, moved = [], mpmath.mpf(0)
        for k in range(K):
            E = mm.sub(_network(Ws), Rm)
            if k % record == 0:
                losses.append(mpmath.norm(mm.matrix(E)) ** 2 / 2)
            new = []
            for i in range(L):
                # G = W_(i+2)^T ... W_L^T, H = W_1^T ... W_i^T (0-based i), as products from
                # the identity: eq. (5)'s step d G E H
                G = _left_product([mm.T(W) for W in Ws[i + 1:]])
                H = _left_product([mm.T(W) for W in Ws[:i]])
                step = mm.scale(d, E) if G is None else mm.mul(mm.scale(d, G), E)
                new.append(mm.sub(Ws[i], step if H is None else mm.mul(step, H)))
            if k == K - 1:  # the size of the last step (only that one is returned)
                moved = max(mpmath.mnorm(mm.matrix(mm.sub(a, b)), "f")
                            for a, b in zip(new, Ws))
            Ws = new
        F = _network(Ws)
        return [mm.matrix(W) for W in Ws], mm.matrix(F), moved, losses


def thm2_precise(R: tuple, L: int, delta: str, steps: int = 600) -> Check:
    """Precise (mpmath, ctx.dps digits): GD from W_i = I on an exact rational 2 x 2 R with
    positive eigenvalues at the given step (Theorem 2's bound).  Reports the loss, the distance
    of each W_i to R^(1/L) (exact: M diag(lam^(1/L)) M^-1), and the commutator with R.

    Refutes "each W_i converges to R^(1/L)" when the loss is below 10^(-dps/2) (GD has converged
    to a global minimiser: a linearly stable one, the remaining motion is below the loss scale)
    while W_i is farther than 1e-3 from R^(1/L); supports when every W_i ends within 1e-20 of it.
    """

    def run(ctx: CheckContext) -> Finding:
        if ctx.at:  # a replay: that target, depth, step and number of steps
            Rs, L_, delta_, K = (parse_matrix(ctx.at["R"]), int(ctx.at["L"]), ctx.at["delta"],
                                 int(ctx.at["K"]))
            if Rs.shape != (2, 2) or L_ < 1 or K < 1:
                raise ReplayError("--at: R must be 2 x 2, L >= 1 and K >= 1")
        else:
            Rs, L_, delta_ = sp.Matrix(R).applyfunc(sp.Rational), L, delta
            K = steps if not ctx.quick else steps // 2
        return _thm2_at(Rs, L_, delta_, K, ctx.dps)

    def _thm2_at(Rs, L, delta, K, dps):
        P, D = Rs.diagonalize()
        root = P * sp.diag(*[sp.root(D[i, i], L) for i in range(2)]) * P.inv()
        d = sp.Rational(delta)
        Ws, F, _, _ = _gd2x2_mp(Rs, L, delta, K, dps)
        with mpmath.workdps(dps):
            Rm = mpmath.matrix(Rs.tolist())
            rootm = mpmath.matrix([[sp.N(root[i, j], dps + 10) for j in range(2)]
                                   for i in range(2)])
            loss = mpmath.norm(F - Rm) ** 2 / 2
            dist = max(mpmath.mnorm(W - rootm, "f") for W in Ws)
            comm = max(mpmath.mnorm(W * Rm - Rm * W, "f") for W in Ws)
            numbers = {"loss after K steps": mpmath.nstr(loss, 8), "K": str(K),
                       "max ||W_i - R^(1/L)||_F": mpmath.nstr(dist, 12),
                       "max ||W_i R - R W_i||_F": mpmath.nstr(comm, 12),
                       "W_1": mpmath.nstr(Ws[0], 10), "R^(1/L)": mpmath.nstr(rootm, 10)}
            tol = mpmath.mpf(10) ** (-(dps // 2))
            if loss < tol and dist > mpmath.mpf("1e-3"):
                return Finding(REF, "GD converges to a global minimiser that is not R^(1/L): "
                               "the iterates leave the commutant of R (eigenvectors of R are "
                               "not orthogonal, so W^T is not diagonal in R's eigenbasis)",
                               numbers, _cx({"R": Rs.tolist(), "L": L, "delta": d, "K": K},
                                            f"loss {mpmath.nstr(loss, 5)}, ||W_i - R^(1/L)|| = "
                                            f"{mpmath.nstr(dist, 12)}", "W_i -> R^(1/L)",
                                            mpmath.nstr(dist, 12), dps,
                                            "mpmath orbit of eq. (5) from the identity; L = 2 "
                                            "is the smallest depth where it can fail (at L = 1 "
                                            "the only minimiser is W_1 = R)",
                                            replay={"R": str(Rs.tolist()), "L": str(L),
                                                    "delta": str(d), "K": str(K)}))
            if dist < mpmath.mpf("1e-20"):
                return Finding(SUP, "W_i -> R^(1/L) at high precision", numbers,
                       coverage=_sample(1, R=str(Rs.tolist()), L=str(L), delta=str(d)))
            return Finding(UND, "GD has not converged within K steps", numbers)

    return Check("thm2_precise", Tier.PRECISE, run, f"mpmath, R = {R}, L = {L}, delta = {delta}")


def symmetric_root_symbolic(L: int = 3, symmetric: bool = True) -> Check:
    """Symbolic: for symmetric R and W_i = p_i(R) symmetric polynomials in R (true at W_i = I),
    one step of eq. (5) gives polynomials in R again (each W_i commutes with R, exactly), so the
    update decouples along R's orthonormal eigenvectors into the scalar chains of Prop. 2.
    Shown with a symbolic symmetric 2 x 2 R and W_i = a_i I + b_i R.  Refutes if not, with the
    exact commutator at a rational point (``symmetric=False``, an upper-triangular R: the variant
    the proof of Theorem 2 would need); undecided when a commutator is a nonzero polynomial that
    vanishes at that point.  The step is computed in the polynomial ring over QQ
    (:func:`proofs.resnet.commutators_after_step`), where zero is decided exactly."""

    def run(ctx: CheckContext) -> Finding:
        r11, r12, r22, dl_ = sp.symbols("r11 r12 r22 delta", real=True)
        R = sp.Matrix([[r11, r12], [r12 if symmetric else 0, r22]])
        depth = 2 if ctx.quick else L
        Ws = [sp.Symbol(f"a{i}") * sp.eye(2) + sp.Symbol(f"b{i}") * R for i in range(depth)]
        # exact polynomial arithmetic (QQ[symbols]): an entry is 0 iff it is the zero polynomial
        comms = pr.commutators_after_step(Ws, R, dl_)
        bad = [i for i, C in enumerate(comms) if not C.is_zero_matrix]
        if bad:
            # a concrete rational point where the commutator is nonzero, exactly
            pt = {r11: 1, r12: 2, r22: 3, dl_: sp.Rational(1, 5),
                  **{sp.Symbol(f"a{i}"): 1 for i in range(depth)},
                  **{sp.Symbol(f"b{i}"): sp.Rational(1, 2) for i in range(depth)}}
            C = comms[bad[0]].subs(pt).applyfunc(sp.nsimplify)
            if C == sp.zeros(2):
                return Finding(UND, f"layers {bad}: commutator not proved zero, but zero at "
                               "the sample point", {})
            return Finding(REF, f"layers {bad} stop commuting with R", {},
                           _cx({"L": depth, "R": str(R.tolist()),
                                **{k.name: v for k, v in pt.items()}},
                               f"W_{bad[0] + 1}[1] R - R W_{bad[0] + 1}[1] = {C.tolist()}", "0",
                               str(C.tolist()), ctx.dps, "exact (SymPy) at a rational point"))
        return Finding(SUP, f"L={depth}: after one step every W_i still commutes with symmetric R "
                       "(exact), so iterates stay in the proof's structure",
                       coverage=_instances(False, R="symbolic symmetric 2 x 2", L=str(depth)))

    return Check("symmetric_root_symbolic", Tier.SYMBOLIC, run, f"exact, 2 x 2, L={L}")
