"""One-off experiments of Nar & Sastry (2018), *Step Size Matters in Deep Learning*: what GD
trajectories show in Figures 1 and 2, each a check factory with the paper's locator.

Figure 2: a 1-20-1 ReLU network whose iterates alternate between f_hat_odd and f_hat_even
(``fig2_experiment``).  Figure 1 and its explanation: the training error plummets right after
the step size is divided by 10, which the paper says "can only be explained" by oscillation
around a local optimum; the checks ask whether the signature pins down the mechanism, measuring
it under the paper's mechanism (``orbit_drop_plummet``) and under others: oscillatory
convergence to a minimum (``oscillatory_convergence_speedup``) and SGD gradient noise
(``sgd_noise_plummet``).

Source: ``shared/papers/nar-sastry-2018-step-size-matters.md``.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics import relu
from verify.checks.common import dec, decs, instances, sampled
from verify.checks.common import set_text as listed
from verify.replay import ReplayError
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Figure, Finding, Outcome, RefLine, Series, Tier,
)

# ---- Figure 2: a 1-20-1 ReLU network, x_i = i/1000 ------------------------------------------

FIG2_TARGET = "2x on [0, 1/3); 1 - x on [1/3, 2/3); sin(4 pi x)/2 on [2/3, 1] (jump at 2/3)"


def fig2_target(x: np.ndarray) -> np.ndarray:
    """The piecewise continuous target used for the reduced Figure 2 check (the paper's f is
    not given): see :data:`FIG2_TARGET`."""
    return np.where(x < 1 / 3, 2 * x, np.where(x < 2 / 3, 1 - x, 0.5 * np.sin(4 * np.pi * x)))


def _classify(d1: float, d2: float, diverged: bool) -> str:
    if diverged:
        return "diverged"
    if d1 < 1e-9:
        return "fixed point"
    if d2 < 0.1 * d1:
        return "period-2 oscillation"
    return "still moving (no oscillation)"


def _mechanism(run, s: int, b, X, Y, delta: float) -> dict:
    """At a run's last two iterates: activation-pattern switches and lambda_max(H) delta / 2."""
    Wa, Va, Wb, Vb = run.W[s], run.V[s], run.W_prev[s], run.V_prev[s]
    pa, pb = (X @ Va.T - b) > 0, (X @ Vb.T - b) > 0
    lam = [np.linalg.eigvalsh(relu.hessian(W, V, b, X, Y, 1.0))[-1]
           for W, V in ((Wa, Va), (Wb, Vb))]
    switches = int(np.count_nonzero(pa != pb))
    half = max(lam) * delta / 2
    if switches and half < 1:  # every smooth piece is linearly stable: the kinks drive it
        kind = "kink switching (every piece linearly stable)"
    elif not switches and half > 1:
        kind = "smooth flip (lambda_max(H) > 2/delta)"
    else:
        kind = "mixed"
    return {"switches": switches, "lam_delta_half": half, "kind": kind}


def fig2_experiment(deltas: tuple[float, float] = (2e-4, 3e-4), N: int = 1000,
                    r: int = 20) -> Check:
    """Empirical: the Figure 2 setup on a documented target, several seeds, both step sizes.

    W, V, b standard normal (b fixed and shared by the two step sizes), x_i = i/N, loss
    ``sum_i |W g(V x_i - b) - f(x_i)|^2`` (no 1/2, as printed).  Each run's tail is classified
    from ||theta_k - theta_k-1|| (d1) and ||theta_k - theta_k-2|| (d2): a period-2 oscillation
    has d2 < d1/10.  Oscillating runs are examined: do activation patterns switch between
    consecutive iterates, and is lambda_max(H) above 2/delta (the paper's instability)?
    Supports when some seed shows the printed dichotomy (no oscillation at the smaller step,
    period 2 at the larger); undecided otherwise (the paper's target is not available, so a
    different outcome cannot refute).
    """

    def run(ctx: CheckContext) -> Finding:
        seed = int(ctx.at["seed"]) if ctx.at and "seed" in ctx.at else ctx.seed
        rng = np.random.default_rng(seed)  # replayable: --at seed=N draws the same W, V, b
        seeds = 1 if ctx.quick else 3
        steps = 2500 if ctx.quick else 9000
        X = (np.arange(1, N + 1) / N)[:, None]
        Y = fig2_target(X[:, 0])[:, None]
        W0 = rng.standard_normal((seeds, 1, r))
        V0 = rng.standard_normal((seeds, r, 1))
        b = rng.standard_normal((seeds, r))
        res = relu.gd(np.concatenate([W0, W0]), np.concatenate([V0, V0]),
                      np.concatenate([b, b]), X, Y,
                      np.repeat(np.asarray(deltas, dtype=float), seeds), steps, scale=1.0,
                      n_records=80)
        numbers = {"target": FIG2_TARGET, "generator seed (replay with --at seed=N)": str(seed),
                   "seeds": str(seeds), "iterations": str(steps)}
        table, dichotomy, oscillating = {}, [], []
        for j, delta in enumerate(deltas):
            for s in range(seeds):
                i = j * seeds + s
                kind = _classify(res.d1[i, -1], res.d2[i, -1], bool(res.diverged[i]))
                table[(s, delta)] = kind
                text = (f"{kind}; d1 {res.d1[i, -1]:.3g}, d2 {res.d2[i, -1]:.3g}, "
                        f"loss {res.loss[i, -1]:.6g}")
                if res.diverged[i]:
                    numbers[f"seed {s}, delta = {delta:g}"] = text
                    continue
                mech = _mechanism(res, i, b[s], X, Y, delta)
                if kind == "period-2 oscillation":
                    oscillating.append((s, mech["kind"]))
                    text += (f"; {mech['switches']} pattern switches between consecutive "
                             f"iterates, lambda_max(H) delta/2 = {mech['lam_delta_half']:.4g}: "
                             f"{mech['kind']}")
                else:
                    text += f"; lambda_max(H) delta/2 = {mech['lam_delta_half']:.4g} at the end"
                numbers[f"seed {s}, delta = {delta:g}"] = text
        for s in range(seeds):
            if (table[(s, deltas[0])] != "period-2 oscillation"
                    and table[(s, deltas[1])] == "period-2 oscillation"):
                dichotomy.append(s)
        show = dichotomy[0] if dichotomy else (oscillating[0][0] if oscillating else 0)
        figs = _fig2_figures(res, seeds, show, deltas)
        numbers["seeds with the printed dichotomy"] = str(dichotomy)
        numbers["oscillation mechanisms seen"] = "; ".join(
            f"seed {s}: {k}" for s, k in oscillating) or "none"
        if dichotomy:
            return Finding(Outcome.SUPPORTS, (
                f"seeds {dichotomy}: delta = {deltas[0]:g} does not oscillate and delta = "
                f"{deltas[1]:g} ends in a period-2 oscillation (f_hat alternates); mechanisms "
                f"of the oscillations: {numbers['oscillation mechanisms seen']}"), numbers, None,
                figs, coverage=sampled(2 * len(dichotomy), delta=listed(deltas)))
        return Finding(Outcome.UNDECIDED, (
            f"no seed shows the printed dichotomy on this target within {steps} iterations "
            f"(outcomes: {sorted(set(table.values()))}); period-2 oscillations seen: "
            f"{len(oscillating)} ({numbers['oscillation mechanisms seen']})"), numbers, None, figs)

    return Check("fig2_experiment", Tier.EMPIRICAL, run,
                 f"1-{r}-1 ReLU, x_i = i/{N}, target {FIG2_TARGET}, delta in {deltas}")


def _fig2_figures(res, seeds, s, deltas) -> tuple[Figure, ...]:
    it = res.steps_rec
    loss = tuple(Series(f"loss, delta = {d:g}", decs(it), decs(res.loss[j * seeds + s]))
                 for j, d in enumerate(deltas))
    ind = []
    for j, d in enumerate(deltas):
        i = j * seeds + s
        ind.append(Series(f"||th_k - th_k-1||, delta = {d:g}", decs(it[1:]), decs(res.d1[i, 1:])))
        ind.append(Series(f"||th_k - th_k-2||, delta = {d:g}", decs(it[1:]), decs(res.d2[i, 1:])))
    return (
        Figure(id="fig2-loss", title=f"Figure 2 setup (seed {s}): training loss",
               caption=("Sum of squared errors of the 1-20-1 ReLU network on the documented "
                        f"piecewise target ({FIG2_TARGET}) for both step sizes."),
               xlabel="iteration", ylabel="loss", series=loss, xscale="log", yscale="log"),
        Figure(id="fig2-cycle", title=f"Figure 2 setup (seed {s}): cycle indicator",
               caption=("A period-2 oscillation shows as ||th_k - th_k-2|| far below "
                        "||th_k - th_k-1||; a monotone drift as ||th_k - th_k-2|| = 2 "
                        "||th_k - th_k-1||; convergence as both falling to 0."),
               xlabel="iteration", ylabel="distance", series=tuple(ind), xscale="log",
               yscale="log"))


# ---- Figure 1: what a plummet after a step-size drop can come from -------------------------


def oscillatory_convergence_speedup(delta: str = "199/100") -> Check:
    """Symbolic (Figure 1, the alternative of Section 1): GD on f(x, y) = (x^2 + y^2/100)/2 at
    delta = 199/100 converges to the minimum (a fixed point; every multiplier inside (-1, 1)),
    slowly, because x's multiplier is -99/100; dividing delta by 10 makes x's multiplier
    801/1000 and the loss plummets.  Refutes "decreasing the step size would have further
    slowed down the convergence" for a run that is converging to a local optimum (exact
    rational arithmetic); the loss values are exact.
    """

    def run(ctx: CheckContext) -> Finding:
        # f = (x^2 + c y^2)/2 from (x0, y0); the step drops to delta/10 after K steps and the
        # loss is compared ``after`` steps later
        point = {"delta": str(sp.Rational(delta)), "c": "1/100", "x0": "1", "y0": "1",
                 "K": "300", "after": "30"}
        if ctx.at:
            point = {k: ctx.at[k] for k in point}
        d0, c, *x0 = (sp.Rational(point[k]) for k in ("delta", "c", "x0", "y0"))
        K, after = int(point["K"]), int(point["after"])
        if not (d0 > 0 and c > 0 and 0 <= K <= 10 ** 4 and 1 <= after <= 10 ** 4):
            raise ReplayError("--at: delta, c > 0; K in 0..10000, after in 1..10000")
        lam = (sp.Integer(1), c)

        def loss_at(k0, k1):  # k0 steps at d0, then k1 steps at d0/10
            return sum(l * (x * (1 - d0 * l) ** k0 * (1 - d0 / 10 * l) ** k1) ** 2 / 2
                       for l, x in zip(lam, x0))

        before = loss_at(K, 0)
        kept = loss_at(K + after, 0)  # no drop
        dropped = loss_at(K, after)
        mult = [1 - d0 * l for l in lam]
        numbers = {"multipliers at delta": str(mult),
                   "multipliers at delta/10": str([1 - d0 / 10 * l for l in lam]),
                   f"loss at k = {K}": dec(sp.N(before, 30), 20),
                   f"loss at k = {K + after}, step kept": dec(sp.N(kept, 30), 20),
                   f"loss at k = {K + after}, step divided by 10 at k = {K}":
                       dec(sp.N(dropped, 30), 20)}
        converging = all(abs(m) < 1 for m in mult)
        if converging and dropped < kept / 2:
            return Finding(Outcome.REFUTES, (
                f"GD converges to the minimum at delta = {d0} (multipliers {mult}); dividing the "
                f"step by 10 at k = {K} makes the loss {dec(sp.N(kept / dropped, 6), 6)} times "
                f"smaller {after} steps later than keeping it: decreasing the step size sped "
                "convergence up (the slow mode converges with alternating sign)"), numbers,
                Counterexample(at={"f": f"(x^2 + {c} y^2)/2", "x0": f"({x0[0]}, {x0[1]})",
                                   "delta": str(d0), "drop at": str(K),
                                   "compare at": str(K + after)}, replay=point,
                               observed=f"loss {dec(sp.N(dropped, 30), 20)} after the drop",
                               claimed=f"slower: loss >= {dec(sp.N(kept, 30), 20)} (step kept)",
                               tol="0", margin=dec(sp.N(dropped - kept, 30), 20), dps=ctx.dps,
                               note="exact rationals: the run converges to the optimum, and "
                                    "the step-size drop makes the loss plummet"))
        return Finding(Outcome.SUPPORTS, "the drop slowed convergence here", numbers,
                       coverage=sampled(1))

    return Check("oscillatory_convergence_speedup", Tier.SYMBOLIC, run,
                 f"exact, one quadratic, delta = {delta} then a tenth of it")


def _lsq(rng, N, d, noise):
    X = rng.standard_normal((N, d))
    w_true = rng.standard_normal(d)
    y = X @ w_true + noise * rng.standard_normal(N)
    return X, y


def _sgd(X, y, delta0, steps, drop_at, batch, rng, keep, factor=10.0):
    """Minibatch SGD on (1/2N)||X w - y||^2 (batches drawn with replacement, per step); returns
    the loss after every step and the iterates after the steps listed in ``keep``."""
    N, d = X.shape
    w = np.zeros(d)
    trace, ws = [], {}
    for k in range(steps):
        delta = delta0 / factor if k >= drop_at else delta0
        idx = rng.integers(0, N, batch)
        Xb = X[idx]
        w = w - delta * Xb.T @ (Xb @ w - y[idx]) / batch
        trace.append(0.5 * np.mean((X @ w - y) ** 2))
        if k + 1 in keep:
            ws[k + 1] = w.copy()
    return np.array(trace), ws


def _mp_loss(X, y, w, dps):
    with mpmath.workdps(dps):
        N = len(y)
        return sum((mpmath.fsum(mpmath.mpf(float(X[i, j])) * mpmath.mpf(float(w[j]))
                                for j in range(len(w))) - mpmath.mpf(float(y[i]))) ** 2
                   for i in range(N)) / (2 * N)


def sgd_noise_plummet(N: int = 256, d: int = 4, batch: int = 1, noise: float = 1.0) -> Check:
    """Empirical (Figure 1, the alternative of Section 1; seeded; the loss values re-evaluated in
    mpmath): minibatch SGD on a noisy least-squares problem with a step size at which every
    minibatch's GD map is a contraction with positive multipliers (delta lambda_max(X_B^T X_B /
    b) < 1 for every possible batch of distinct or repeated points, bounded by delta * max_i
    ||x_i||^2 < 1), so no deterministic oscillation exists anywhere; the training error still
    plummets when the step is divided by 10 (the gradient-noise floor scales with the step).
    Full-batch GD on the same problem with the same schedule shows no plummet.  Refutes "can
    only be explained by" oscillation around a local optimum, with a replayable seed.
    """

    def run(ctx: CheckContext) -> Finding:
        seed = int(ctx.at["seed"]) if ctx.at and "seed" in ctx.at else ctx.seed
        rng = np.random.default_rng(seed)
        X, y = _lsq(rng, N, d, noise)
        sq = np.sum(X * X, axis=1)
        # delta ||x_i||^2 <= 1/2 for every point: every minibatch map contracts, multipliers > 0
        delta0 = float(0.5 / sq.max())
        steps, drop = (3000, 2000) if ctx.quick else (8000, 6000)
        win = 300
        before_k, after_k = drop, drop + 2 * win
        trace, ws = _sgd(X, y, delta0, steps, drop, batch, rng, (before_k, after_k))
        w_opt = np.linalg.lstsq(X, y, rcond=None)[0]
        opt = 0.5 * np.mean((X @ w_opt - y) ** 2)
        # full batch GD, same schedule: its loss before and after the drop
        w = np.zeros(d)
        gd_trace = []
        for k in range(steps):
            delta = delta0 / 10 if k >= drop else delta0
            w = w - delta * X.T @ (X @ w - y) / N
            gd_trace.append(0.5 * np.mean((X @ w - y) ** 2))
        gd_trace = np.array(gd_trace)
        with mpmath.workdps(ctx.dps):
            Lb = _mp_loss(X, y, ws[before_k], ctx.dps)
            La = _mp_loss(X, y, ws[after_k], ctx.dps)
            mp_opt = _mp_loss(X, y, w_opt, ctx.dps)
            bound = mpmath.mpf(delta0) * max(mpmath.fsum(mpmath.mpf(float(v)) ** 2 for v in row)
                                            for row in X)
        excess_before = float(np.mean(trace[drop - win:drop])) - opt
        excess_after = float(np.mean(trace[drop + win:drop + 3 * win])) - opt
        gd_before = float(np.mean(gd_trace[drop - win:drop])) - opt
        gd_after = float(np.mean(gd_trace[drop + win:drop + 3 * win])) - opt
        numbers = {"seed": str(seed), "delta0": repr(delta0),
                   "delta0 max_i ||x_i||^2 (50 digits; < 1: every minibatch map contracts)":
                       dec(bound, 20),
                   "optimal loss": dec(mp_opt, 20),
                   f"SGD loss at k = {before_k} (mpmath)": dec(Lb, 20),
                   f"SGD loss at k = {after_k} (mpmath)": dec(La, 20),
                   "SGD mean excess loss, 300 steps before / steps 300-900 after the drop":
                       f"{excess_before:.6g} / {excess_after:.6g}",
                   "full-batch GD mean excess loss before / after":
                       f"{gd_before:.3g} / {gd_after:.3g}"}
        fig = Figure(
            id="fig1-sgd", title="Step-size drop: SGD noise vs full-batch GD (least squares)",
            caption=(f"Training loss minus the optimum, {N} points in R^{d}, batch {batch}, step "
                     f"{delta0:.4g} divided by 10 at k = {drop} (dashed).  Every minibatch map "
                     "is a contraction (no oscillation anywhere); SGD's error still plummets at "
                     "the drop, full-batch GD's does not."),
            xlabel="iteration", ylabel="loss - optimal loss",
            series=(Series("SGD", decs(np.arange(1, steps + 1)[::20]),
                           decs(np.maximum(trace[::20] - opt, 1e-300))),
                    Series("full-batch GD", decs(np.arange(1, steps + 1)[::20]),
                           decs(np.maximum(gd_trace[::20] - opt, 1e-300)))),
            yscale="log", lines=(RefLine("step divided by 10", "x", str(drop)),))
        plummet = excess_after < excess_before / 3 and (La - mp_opt) < (Lb - mp_opt)
        if bound < 1 and plummet:
            return Finding(Outcome.REFUTES, (
                f"SGD's excess training loss falls from {excess_before:.3g} to "
                f"{excess_after:.3g} right after the step is divided by 10, although every "
                "minibatch map contracts with positive multipliers (no oscillation around an "
                "optimum in the paper's sense): gradient noise produces the same signature"),
                numbers, Counterexample(
                    at={"seed": str(seed), "N": str(N), "d": str(d), "batch": str(batch),
                        "delta0": repr(delta0), "drop at": str(drop)},
                    observed=(f"loss {dec(Lb, 20)} at k = {before_k}, {dec(La, 20)} at "
                              f"k = {after_k} (optimum {dec(mp_opt, 20)})"),
                    claimed="a plummet only from oscillation around a local optimum",
                    tol="0", margin=dec(La - Lb, 20), dps=ctx.dps,
                    note=("float64 SGD with a recorded seed, losses re-evaluated at 50 digits; "
                          "delta0 max ||x_i||^2 < 1 bounds every minibatch Hessian"),
                    replay={"seed": str(seed)}), (fig,))
        return Finding(Outcome.UNDECIDED, "no plummet at the drop in this run", numbers, None,
                       (fig,))

    return Check("sgd_noise_plummet", Tier.EMPIRICAL, run,
                 f"float64 SGD, least squares N={N}, d={d}, batch {batch}, seeded, replayable")


def orbit_drop_plummet() -> Check:
    """Symbolic: the paper's mechanism does produce the signature.  GD on (2/3)|x|^{3/2} ends on
    the 2-cycle +-delta^2/4 (Example 1), where the loss is delta^3/12; dividing delta by 10 moves
    it to the 2-cycle +-delta^2/400, a loss 1000 times smaller.  Supports the amended reading
    (oscillation around an optimum is one cause of the plummet); exact.
    """

    def run(ctx: CheckContext) -> Finding:
        delta = sp.Symbol("delta", positive=True)
        x = sp.Symbol("x", real=True)
        f = sp.Rational(2, 3) * sp.Abs(x) ** sp.Rational(3, 2)
        c = delta ** 2 / 4
        g = lambda v, d: v - d * sp.sign(v) * sp.sqrt(sp.Abs(v))  # noqa: E731 (the GD map)
        cycle_ok = (sp.simplify(g(c, delta) + c) == 0
                    and sp.simplify(g(c / 100, delta / 10) + c / 100) == 0)
        ratio = sp.simplify(f.subs(x, c) / f.subs(x, c / 100))
        numbers = {"loss on the cycle": str(sp.simplify(f.subs(x, c))),
                   "loss ratio before / after the drop": str(ratio),
                   "cycle identity": str(cycle_ok)}
        if cycle_ok and ratio == 1000:
            return Finding(Outcome.SUPPORTS, (
                "exact: the 2-cycle +-delta^2/4 has loss delta^3/12; after delta -> delta/10 the "
                "cycle is +-delta^2/400 and the loss is 1000 times smaller: oscillation around the "
                "optimum produces the plummet"), numbers,
                coverage=instances(loss="(2/3)|x|^(3/2) (Example 1)", delta="> 0"))
        return Finding(Outcome.UNDECIDED, "identities not shown", numbers)

    return Check("orbit_drop_plummet", Tier.SYMBOLIC, run, "exact, every delta > 0")
