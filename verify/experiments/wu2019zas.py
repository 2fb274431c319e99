"""One-off experiments of Wu, Wang & Ma (2019), *Global Convergence of Gradient Descent for Deep
Linear Residual Networks*: runs whose outcome is compared with a printed figure or a sentence
about one, each a check factory with the paper's locator.

| factory | locator | what runs |
|---|---|---|
| ``saddle_plateau`` | Section 3, Figure 1 | gradient flow on (3.2), near-identity against ZAS |
| ``small_init_plateau`` | Section 3 | gradient flow from small random starts against ZAS |
| ``depth_sweep`` | Section 5.1 | iterations to R <= 1e-10 from ZAS against depth, fitted exponent |
| ``near_identity_vs_zas`` | Section 5.2, Figure 3 | GD from ZAS and from near-identity (5.1) |
| ``escape_fraction`` | Section 5.2, Figure 3 ("2 of 5") | escape times of near-identity runs |
| ``mzas_vs_xavier`` | Section 6 | ReLU ResNet (6.1) on synthetic data, mZAS (6.2) against Xavier |

Source: ``shared/papers/wu-wang-ma-2019-zas-deep-linear-resnets.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

import mpmath
import numpy as np
import sympy as sp

from numerics import linear_resnet as rn
from verify.checks.common import dec, decs, set_text
from verify.replay import ReplayError, parse_matrix
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Figure, Finding, Outcome, RefLine, Scope,
    Series, Tier,
)


def saddle_plateau(L: int = 2, perturb: float = 1e-3, figure: bool = True) -> Check:
    """Empirical (Figure 1, Section 3): for (3.2) with L = 2, the flow from the near-identity
    point (1 - p, 1 + p) spends a long time near the saddle O while the flow from ZAS (1, 0)
    does not.  Measured: the time with R > 0.45 (the plateau R(O) = 1/2, t <= 20) and the
    closest approach to O; supports when the near-identity plateau is at least 10x longer and
    comes within a quarter of its starting distance from O (for L >= 3 the approach along M is
    algebraic, w ~ t^{-1/(2L-2)}, so it is slow).  The flow from ZAS is the other curve."""
    def run(ctx: CheckContext) -> Finding:
        t = np.linspace(0, 20, 2001)
        starts = {"near-identity": [1 - perturb, 1 + perturb] + [1.0] * (L - 2),
                  "ZAS": [1.0] * (L - 1) + [0.0]}
        numbers, series, res, paths = {}, [], {}, {}
        for name, w0 in starts.items():
            sol = rn.flow([np.full((1, 1, 1), v) for v in w0], -np.eye(1), t)
            R = sol["loss"][:, 0]
            plateau = float(np.sum(R > 0.45) * (t[1] - t[0]))
            res[name], paths[name] = plateau, sol["ws_t"]
            numbers[f"{name}: time with R > 0.45"] = f"{plateau:.3f}"
            numbers[f"{name}: R(20)"] = f"{R[-1]:.2e}"
            series.append(Series(name, decs(t[::10]), decs(np.maximum(R[::10], 1e-300))))
        # closest approach to O of the near-identity path, at t = 0.5, 1, ..., 20
        dmin = min(float(np.sqrt(sum(x[0, 0, 0] ** 2 for x in ws)))
                   for ws in paths["near-identity"][50::50])
        numbers["near-identity: closest approach to O"] = f"{dmin:.3f}"
        fig = Figure("fig1", "Figure 1: loss along gradient flow, L = 2, Phi = -1",
                     "near-identity (1-0.001, 1+0.001) against ZAS (1, 0)", "t", "R",
                     tuple(series), yscale="log")
        start = float(np.linalg.norm(starts["near-identity"]))
        numbers["near-identity: distance of the start from O"] = f"{start:.3f}"
        ok = res["near-identity"] >= 10 * max(res["ZAS"], 1e-3) and dmin < start / 4
        return Finding(Outcome.SUPPORTS if ok else Outcome.UNDECIDED,
                       "near-identity lingers at the saddle, ZAS does not" if ok else
                       "no clear plateau difference", numbers, figures=(fig,) if figure else (),
                       coverage=Coverage(Scope.SAMPLE, {"L": f"= {L}"}, 2))

    return Check("saddle_plateau", Tier.EMPIRICAL, run, f"LSODA gradient flow, L = {L}")


def _fit(Ls, its):
    """Least-squares slope of log(its) on log(L) with a 95% t-interval.

    ``np.polyfit``'s covariance is scaled by the residual sum of squares over n - 2, so its
    (0, 0) entry is the slope's squared standard error; the quantile is Student's t with
    n - 2 degrees of freedom (``scipy.special.stdtrit``, what ``scipy.stats.t.ppf`` calls;
    importing ``scipy.stats`` alone cost a third of a second)."""
    from scipy.special import stdtrit
    x, y = np.log(np.asarray(Ls, float)), np.log(np.asarray(its, float))
    (slope, intercept), cov = np.polyfit(x, y, 1, cov=True)
    half = stdtrit(len(x) - 2, 0.975) * np.sqrt(cov[0, 0])
    return slope, slope - half, slope + half, intercept


def _depth_sweep_at(ctx: CheckContext, gammas: Mapping[str, float], eps: float, tol: float
                    ) -> Finding:
    """The replay of :func:`depth_sweep`: iteration counts in mpmath (30 digits) at two depths
    with their tuned step sizes on the given target; refutes when the two-point exponent lies
    outside the printed gamma +- tol (the counts the sweep's refutation rests on)."""
    at = ctx.at
    if at["target"] not in gammas:
        raise ReplayError(f"--at: target must be one of {', '.join(gammas)}")
    Phi = np.array(parse_matrix(at["Phi"]).tolist(), dtype=float)
    Ls = (int(sp.Rational(at["L0"])), int(sp.Rational(at["L1"])))
    etas = (float(sp.Rational(at["eta0"])), float(sp.Rational(at["eta1"])))
    if Phi.shape[0] != Phi.shape[1] or not 1 <= Ls[0] < Ls[1] <= 256 or min(etas) <= 0:
        raise ReplayError("--at: square Phi, depths 1 <= L0 < L1 <= 256, step sizes > 0")
    with mpmath.workdps(30):
        counts = [rn.zas_iterations_mp(L, Phi, e, eps, 20000) for L, e in zip(Ls, etas)]
    numbers = {"mpmath counts": str(dict(zip(Ls, counts)))}
    if None in counts or 0 in counts:
        return Finding(Outcome.UNDECIDED, "a replayed run did not reach R <= eps", numbers)
    gamma = gammas[at["target"]]
    two_point = np.log(counts[1] / counts[0]) / np.log(Ls[1] / Ls[0])
    numbers["two-point exponent"] = f"{two_point:.3f}"
    if abs(two_point - gamma) <= tol:
        return Finding(Outcome.UNDECIDED, "the two-point exponent lies within the tolerance "
                       "of the printed one", numbers)
    return Finding(Outcome.REFUTES, f"{at['target']}: two-point exponent {two_point:.2f} vs "
                   f"printed {gamma:g}", numbers, Counterexample(
                       at=dict(at), observed=f"iterations {counts[0]} -> {counts[1]} (mpmath, "
                       f"30 digits), two-point exponent {two_point:.3f}",
                       claimed=f"gamma ~ {gamma:g}", tol=dec(tol),
                       margin=f"{abs(two_point - gamma) - tol:.3f}", dps=30, replay=dict(at),
                       note="the replayed counts at the tuned step sizes"))


# depths up to which depth_sweep also runs the full matrix GD (numerics.linear_resnet) and
# requires the same counts from the reduced GD (zas_iterations): about 0.1 s
_MATRIX_CHECK_DEPTH = 16


def depth_sweep(targets: tuple[tuple[str, float], ...] = (("negI", 0.5), ("gauss", 1.0)),
                eps: float = 1e-10, tol: float = 0.25, gauss_seeds: tuple[int, ...] = (1, 2)
                ) -> Check:
    """Empirical (Section 5.1): iterations GD from ZAS needs to reach R <= eps against depth
    L = 2..1024, with the step size tuned on a grid eta = c / L, c in [0.1, 20] (32 values,
    the best one is the first to arrive).  For each target family the exponent gamma of
    iterations ~ L^gamma is fitted (least squares on log-log, 95% t-interval) and compared with
    the printed one: supports when the estimate lies in [gamma - tol, gamma + tol]; refutes
    when the whole interval lies outside (after the counts at the smallest depth and the
    largest depth <= 128 are replayed in mpmath at the tuned step sizes); undecided in
    between.  Also reports whether the tuned step size decreases with
    L (fitted slope of log eta on log L and its interval).

    Phi = -I is run with d = 1 (ZAS keeps every layer a multiple of I, so d = 100 gives the
    same counts); Gaussian targets with d = 2 (d = 100 is out of the time budget).  The targets
    are fixed (seeded by ``gauss_seeds``, not by the run), so the verdict does not depend on
    the run's seed; --quick stops at L = 128 with a 16-point grid and one Gaussian draw.

    The runs use the exact reduction of GD from ZAS to d pairs of scalars
    (:func:`numerics.linear_resnet.zas_iterations`); at L <= 16 the full matrix GD runs too and
    must give the same counts for every step size (else undecided), and a refutation's counts
    are replayed with full matrices in mpmath.
    """
    def run(ctx: CheckContext) -> Finding:
        # quick: every power of two to 128.  With only L = 2, 8, 32, 128 (2 degrees of freedom,
        # t = 4.3) the interval was too wide to decide what the full sweep decides, so the
        # quick verdict differed from the full one; seven depths (t = 2.6) decide, at < 1 s.
        if ctx.at:
            return _depth_sweep_at(ctx, dict(targets), eps, tol)
        depths = tuple(2 ** k for k in range(1, 8 if ctx.quick else 11))
        cgrid = np.geomspace(0.1, 20, 16 if ctx.quick else 32)
        numbers, verdicts = {}, []
        it_series, eta_series = [], []
        for name, gamma in targets:
            phis = ([("negI", -np.eye(1))] if name == "negI" else
                    [(f"gauss seed {s}", np.random.default_rng(s).standard_normal((2, 2)))
                     for s in (gauss_seeds[:1] if ctx.quick else gauss_seeds)])
            allL, allit, alleta = [], [], []
            for label, Phi in phis:
                its, etas = [], []
                for L in depths:
                    k = rn.zas_iterations(L, Phi, cgrid / L, eps, 20000, first=True)
                    if L <= _MATRIX_CHECK_DEPTH:  # the reduction against the matrix engine
                        W0 = np.repeat(np.stack(rn.zas(L, Phi.shape[0]), axis=1), len(cgrid), 0)
                        km = rn.iterations_to(W0, Phi, cgrid / L, eps, 20000, first=True)
                        if not np.array_equal(k, km):
                            return Finding(Outcome.UNDECIDED, f"{label}, L={L}: the reduced "
                                           "GD and the matrix GD count differently", numbers
                                           | {"reduced": str(k.tolist()),
                                              "matrix": str(km.tolist())})
                    if not (k >= 0).any():
                        return Finding(Outcome.UNDECIDED, f"{label}, L={L}: no step size "
                                       "converged", numbers)
                    j = int(np.argmin(np.where(k >= 0, k, 10 ** 9)))
                    its.append(int(k[j]))
                    etas.append(float(cgrid[j] / L))
                numbers[f"{label}: iterations"] = str(dict(zip(depths, its)))
                numbers[f"{label}: tuned eta"] = str({L: f"{e:.3g}" for L, e in zip(depths, etas)})
                it_series.append(Series(label, decs(depths), decs(its), "points"))
                eta_series.append(Series(label, decs(depths), decs(etas), "points"))
                allL += list(depths)
                allit += its
                alleta += etas
            slope, lo, hi, icpt = _fit(allL, allit)
            eslope, elo, ehi, _ = _fit(allL, alleta)
            numbers[f"{name}: fitted gamma (95% CI)"] = f"{slope:.3f} [{lo:.3f}, {hi:.3f}]"
            numbers[f"{name}: printed gamma"] = dec(gamma)
            numbers[f"{name}: tuned eta ~ L^s, s (95% CI)"] = f"{eslope:.3f} [{elo:.3f}, {ehi:.3f}]"
            Ls = np.array(depths, float)
            it_series.append(Series(f"{name}: fit L^{slope:.2f}", decs(Ls),
                                    decs(np.exp(icpt) * Ls ** slope)))
            it_series.append(Series(f"{name}: printed L^{gamma:g} (through the fit at L=2)",
                                    decs(Ls), decs(np.exp(icpt) * 2 ** slope * (Ls / 2) ** gamma)))
            # within: the estimate lies in the band; outside: the whole interval misses it
            meets = True if abs(slope - gamma) <= tol else (
                False if (hi < gamma - tol or lo > gamma + tol) else None)
            verdicts.append((name, meets, ehi < 0, slope, gamma, phis[0], allL, allit, alleta))
        figs = (Figure("iterations", "Section 5.1: iterations to R <= 1e-10 against depth",
                       "ZAS, step size tuned on a grid; fitted and printed exponents", "L",
                       "iterations", tuple(it_series), xscale="log", yscale="log"),
                Figure("tuned_eta", "Section 5.1: tuned step size against depth",
                       "best step size on the grid c/L, c in [0.1, 20]", "L", "eta",
                       tuple(eta_series), xscale="log", yscale="log"))
        decreasing = all(v[2] for v in verdicts)
        numbers["tuned eta decreases with L (CI of slope < 0)"] = str(decreasing)
        failed = [v for v in verdicts if v[1] is False]
        if not failed and any(v[1] is None for v in verdicts):
            return Finding(Outcome.UNDECIDED, "a fitted exponent is outside the tolerance but "
                           "its interval still meets it", numbers, figures=figs)
        if not failed and decreasing:
            return Finding(Outcome.SUPPORTS, "fitted exponents within the tolerance of the "
                           "printed ones; tuned eta decreases", numbers, figures=figs)
        if not failed:
            return Finding(Outcome.UNDECIDED, "tuned eta not decreasing", numbers, figures=figs)
        name, _, _, slope, gamma, (label, Phi), allL, allit, alleta = failed[0]
        # replay two counts in mpmath at the tuned step sizes: the smallest depth and the
        # largest depth <= 128 (an O(L) mpmath gradient per step; deeper replays are too slow)
        replayed = {}
        depths_of = sorted(set(allL))
        pair = (depths_of[0], max(L for L in depths_of if L <= 128))
        with mpmath.workdps(30):
            for L in pair:
                j = allL.index(L)
                replayed[L] = rn.zas_iterations_mp(L, Phi, alleta[j], eps, allit[j] + 2)
        if any(replayed[L] != allit[allL.index(L)] for L in replayed):
            return Finding(Outcome.UNDECIDED, "float counts not reproduced in mpmath",
                           numbers | {"mpmath counts": str(replayed)}, figures=figs)
        lo_L, hi_L = pair
        two_point = np.log(replayed[hi_L] / replayed[lo_L]) / np.log(hi_L / lo_L)
        replay = {"target": name, "Phi": str(np.asarray(Phi).tolist()), "L0": str(lo_L),
                  "L1": str(hi_L), "eta0": repr(alleta[allL.index(lo_L)]),
                  "eta1": repr(alleta[allL.index(hi_L)])}
        cx = Counterexample(replay=replay if abs(two_point - gamma) > tol else None,
            at={"target": label, "L": f"{lo_L} and {hi_L}",
                "eta": f"{alleta[allL.index(lo_L)]:.6g} and {alleta[allL.index(hi_L)]:.6g}"},
            observed=f"gamma fit {slope:.3f}; iterations {replayed[lo_L]} -> {replayed[hi_L]} "
                     f"(mpmath, 30 digits), two-point exponent {two_point:.3f}",
            claimed=f"gamma ~ {gamma:g}", tol=dec(tol),
            margin=f"{abs(slope - gamma) - tol:.3f}", dps=30,
            note="with the step size tuned on a fine grid the iteration count grows more "
                 "slowly than printed")
        return Finding(Outcome.REFUTES, f"{name}: fitted gamma {slope:.2f} vs printed "
                       f"{gamma:g}", numbers, cx, figs)

    return Check("depth_sweep", Tier.EMPIRICAL, run,
                 "ZAS GD, L = 2..1024, eta = c/L on a 32-point grid, eps = 1e-10, d = 1 (-I), "
                 "d = 2 (Gaussian, 2 draws)")


def near_identity_vs_zas(d: int = 10, L: int = 6, eta: float = 0.01) -> Check:
    """Empirical (Section 5.2, Figure 3): GD with eta = 0.01, L = 6, Phi = -I_d from ZAS and
    from near-identity (5.1) (many seeds).  Measured: steps spent near the saddle levels
    (0.45 <= R <= 1.05: one or two singular directions stuck at zero), whether ZAS's loss
    decreases monotonically, and the steps to R <= 1e-2.  Supports when ZAS never lingers
    (< 50 steps in the band, monotone) and the median near-identity run lingers >= 10x longer.
    """
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        B, steps = (10, 2000) if ctx.quick else (40, 6000)
        hz, hn = rn.zas_and_near_identity_losses(L, d, B, rng, eta, steps)
        band = lambda h: np.sum((h >= 0.45) & (h <= 1.05), axis=0)  # noqa: E731
        bz, bn = int(band(hz)[0]), band(hn)
        mono = bool(np.all(np.diff(hz[:, 0]) <= 1e-12))
        esc = np.array([np.argmax(h < 1e-2) if (h < 1e-2).any() else -1 for h in hn.T])
        z_esc = int(np.argmax(hz[:, 0] < 1e-2))
        numbers = {"d": str(d), "ZAS steps in saddle band": str(bz),
                   "ZAS loss monotone": str(mono), "ZAS steps to R <= 1e-2": str(z_esc),
                   "near-identity median steps in band": f"{np.median(bn):.0f}",
                   "near-identity runs reaching 1e-2": f"{np.sum(esc >= 0)} of {B}",
                   "near-identity escape steps (sorted)": str(sorted(int(e) for e in esc))}
        t = np.arange(steps + 1)
        sel = np.unique(np.r_[np.arange(0, 200, 2), np.geomspace(200, steps, 150).astype(int)])
        series = [Series("ZAS", decs(t[sel]), decs(np.maximum(hz[sel, 0], 1e-30)))]
        series += [Series(f"near-identity run {b + 1}", decs(t[sel]),
                          decs(np.maximum(hn[sel, b], 1e-30))) for b in range(5)]
        fig = Figure("zas_vs_near_identity", f"Section 5.2: L={L}, d={d}, Phi=-I, eta={eta}",
                     "ZAS (solid) against 5 near-identity runs (5.1); the plateaus at R = 1/2, "
                     "1 are saddle regions", "iteration", "R", tuple(series), yscale="log",
                     lines=(RefLine("R = 1/2 (one direction at the saddle)", "y", "0.5"),))
        ok = bz < 50 and mono and np.median(bn) >= 10 * max(bz, 1)
        return Finding(Outcome.SUPPORTS if ok else Outcome.UNDECIDED,
                       "near-identity lingers at saddles, ZAS does not" if ok else
                       "no clear difference", numbers, figures=(fig,),
                       coverage=Coverage(Scope.SAMPLE, {"L": f"= {L}", "d": f"= {d}"}, B + 1))

    return Check("near_identity_vs_zas", Tier.EMPIRICAL, run,
                 f"GD, L={L}, d={d}, eta={eta}, 40 near-identity seeds, 6000 steps")


def escape_fraction(d: int = 10, L: int = 6, eta: float = 0.01) -> Check:
    """Reduced (Figure 3's "2 of 5"): the budget of Figure 3 is not printed, so this finds the
    distribution of near-identity escape times (steps to R <= 1e-2) over many seeds and the
    budget N at which 2 of 5 runs would escape (the 40% quantile); supports when ZAS has
    converged well before N (so a figure with that budget shows ZAS done and 3 of 5
    near-identity runs stuck)."""
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        B, steps = (12, 6000) if ctx.quick else (40, 6000)
        z, *esc = rn.escape_steps(L, d, B, rng, eta, steps).tolist()
        esc = np.array(esc)
        N = float(np.quantile(esc, 0.4))
        numbers = {"budget N with P(escape <= N) = 0.4": f"{N:.0f}",
                   "ZAS steps to R <= 1e-2": str(z),
                   "near-identity escaped within the run": f"{np.sum(esc <= steps)} of {B}"}
        ok = N <= steps and z < N / 3
        return Finding(Outcome.SUPPORTS if ok else Outcome.UNDECIDED,
                       "a budget exists at which 2 of 5 escape while ZAS has converged" if ok
                       else "no such budget within the run", numbers,
                       coverage=Coverage(Scope.SAMPLE, {"L": f"= {L}", "d": f"= {d}"}, B + 1))

    return Check("escape_fraction", Tier.EMPIRICAL, run, f"GD, L={L}, d={d}, 40 seeds")


def mzas_vs_xavier() -> Check:
    """Reduced check for Section 6 (Fashion-MNIST is not available offline): the residual
    network (6.1) with ReLU on synthetic data (n = 100, d = 8, D = m = 16, targets tanh(T x)),
    full-batch GD for 60 steps with the learning rate tuned on a grid, mZAS (6.2) against
    Xavier at depths L = 10, 50, 200.  Supports when mZAS reaches a lower loss than Xavier at
    every depth and Xavier blows up (no finite run) at the largest depth."""
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        d, D, m, n, dout = 8, 16, 16, 100, 2
        X = rng.standard_normal((d, n))
        Y = np.tanh(rng.standard_normal((dout, d)) @ X)
        depths = (10, 50) if ctx.quick else (10, 50, 200)
        lrs = (0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 1e-4)
        numbers, ok = {}, True
        best = {}
        for L in depths:
            kinds = ("mzas", "xavier")
            inits = [rn.relu_resnet_init(kind, d, D, m, L, dout,
                                         np.random.default_rng(int(rng.integers(2 ** 31))))
                     for kind in kinds]
            # every (kind, lr) run of this depth in one batch
            finals = rn.relu_resnet_finals([p for p in inits for _ in lrs], X, Y, lrs * len(kinds),
                                        60).reshape(len(kinds), len(lrs))
            for kind, row in zip(kinds, finals):
                best[(L, kind)] = min(row.tolist())
                numbers[f"L={L}, {kind}: best final loss"] = f"{best[(L, kind)]:.4g}"
            ok &= best[(L, "mzas")] < best[(L, "xavier")]
        blow = not np.isfinite(best[(depths[-1], "xavier")])
        numbers["Xavier blows up at the largest depth"] = str(blow)
        ok &= blow
        return Finding(Outcome.SUPPORTS if ok else Outcome.UNDECIDED,
                       "mZAS beats Xavier at every depth; Xavier blows up when deep" if ok
                       else "mZAS does not beat Xavier everywhere", numbers,
                       coverage=Coverage(Scope.SAMPLE, {"L": set_text(depths)}, 2 * len(depths)))

    return Check("mzas_vs_xavier", Tier.EMPIRICAL, run,
                 "synthetic data, ReLU ResNet (6.1), L = 10, 50, 200, 60 GD steps, tuned lr")


def small_init_plateau(depths: tuple[int, ...] = (2, 3, 4), sigma: float = 0.1) -> Check:
    """Empirical (Section 3): gradient flow (LSODA) on (3.2) from small random starts
    w_l ~ N(0, sigma^2) lingers near the saddle O (time with R > 0.45, t <= 50) far longer
    than the flow from ZAS; supports when the median small start (5 per depth) lingers >= 10x
    ZAS's time (for L = 2 the escape time grows only like log(1/sigma))."""
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        t = np.linspace(0, 50, 2001)
        numbers, ok = {}, True
        for L in depths:
            zs = rn.flow([np.full((1, 1, 1), v) for v in [1.0] * (L - 1) + [0.0]], -np.eye(1), t)
            z_time = float(np.sum(zs["loss"][:, 0] > 0.45) * (t[1] - t[0]))
            ws = [sigma * rng.standard_normal((5, 1, 1)) for _ in range(L)]
            out = rn.flow(ws, -np.eye(1), t)
            times = np.sum(out["loss"] > 0.45, axis=0) * (t[1] - t[0])
            numbers[f"L={L}: ZAS time with R > 0.45"] = f"{z_time:.3f}"
            numbers[f"L={L}: small starts (sigma={sigma}) time with R > 0.45"] = \
                str([f"{x:.2f}" for x in times])
            ok &= bool(np.median(times) >= 10 * max(z_time, 1e-3))
        return Finding(Outcome.SUPPORTS if ok else Outcome.UNDECIDED,
                       "small starts linger near O, ZAS does not" if ok else
                       "a small start escaped quickly", numbers,
                       coverage=Coverage(Scope.SAMPLE, {"L": set_text(depths)}, 6 * len(depths)))

    return Check("small_init_plateau", Tier.EMPIRICAL, run,
                 f"LSODA gradient flow, L in {depths}, 5 starts each, t <= 50")
