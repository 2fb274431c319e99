"""Check factories for step-size thresholds of equilibria of scalar GD maps, and their basins.

A claim "GD converges to x* only if delta <= b" holds exactly when b >= 2/f''(x*): above
2/f''(x*) the multiplier 1 - delta f''(x*) is below -1, x* repels, and an orbit can reach it
only by landing on it exactly (a countable set of starts for a nonconstant polynomial map).
With ``tight=True`` the claim also says that x* attracts for every delta < b.  Used by the
slides' example of Nar & Sastry (2018) and by user threshold claims.
"""

from __future__ import annotations

import flint
import mpmath
import numpy as np
import sympy as sp

from numerics import gd as batch
from numerics.balls import certify_positive
from proofs.compile import exact_to_arb
from proofs.critical_points import equilibrium_multipliers
from proofs.scalar import stability_threshold
from verify.checks.common import (
    EVERY_STEP, ScalarProblem, dec, decs, declared, expr_in, numpy_map, replay, scalar_gd,
)
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Figure, Finding, Outcome, RefLine, Scope, Series, Tier,
)


def _curvature(problem: ScalarProblem, equilibrium: str) -> sp.Expr:
    gd = scalar_gd(problem)
    point = expr_in(problem, equilibrium)
    if sp.simplify(gd.gradient.subs(gd.x, point)) != 0:
        raise ValueError(f"{equilibrium} is not a critical point of {problem.loss}")
    return sp.simplify(sp.diff(gd.loss, gd.x, 2).subs(gd.x, point))


def _multiplier_counterexample(curv: sp.Expr, delta: sp.Expr, equilibrium: str, claimed: str,
                               note: str, dps: int) -> Counterexample:
    with mpmath.workdps(dps):
        m = 1 - mpmath.mpf(sp.N(delta, dps)) * mpmath.mpf(sp.N(curv, dps))
        return Counterexample(
            at={"delta": dec(sp.N(delta, 30), 30), "x*": equilibrium}, observed=f"multiplier {dec(m, 30)}",
            claimed=claimed, tol="0", margin=dec(abs(m) - 1, 30), dps=dps, note=note)


def threshold_exact(problem: ScalarProblem, equilibrium: str, bound: str,
                    tight: bool = False, part: str | None = None) -> Check:
    """Symbolic: the exact stability threshold 2/f''(x*) against the claimed bound.

    Proves the necessity claim (every delta > b makes x* repelling) when b >= 2/f''(x*) and the
    map is a nonconstant polynomial; with ``tight``, also that x* attracts for every delta < b
    (requires b = 2/f''(x*)).  Refutes with an exact step size between the two values.
    Coverage: every step size ("delta > b => no convergence" holds vacuously below b);
    ``part`` as in :func:`verify.checks.common.declared`.
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        curv = _curvature(problem, equilibrium)
        thr = stability_threshold(gd, expr_in(problem, equilibrium))
        b = expr_in(problem, bound)
        numbers = {"f''(x*)": str(curv), "2/f''(x*)": str(thr), "claimed": str(b),
                   "critical points (f'' there)": "; ".join(
                       f"{c} ({sp.simplify(sp.diff(gd.loss, gd.x, 2).subs(gd.x, c))})"
                       for c in gd.equilibria())}
        if thr is None:
            return Finding(Outcome.UNDECIDED, f"f''({equilibrium}) = {curv} is not positive: "
                           "the linearisation gives no finite threshold", numbers)
        polynomial = gd.gd_map.is_polynomial(gd.x) and sp.degree(gd.gd_map, gd.x) >= 1
        if (b - thr).is_negative:
            mid = (b + thr) / 2
            return Finding(Outcome.REFUTES, (
                f"x* = {equilibrium} attracts for every delta < 2/f'' = {thr}, which exceeds the "
                f"claimed bound {b}: at delta = {mid} GD converges to it from a neighbourhood"),
                numbers, _multiplier_counterexample(
                    curv, mid, equilibrium, f"no convergence for delta > {b}",
                    "|multiplier| < 1: x* attracts a whole interval of starts", ctx.dps))
        if tight and (b - thr).is_positive:
            mid = (b + thr) / 2
            return Finding(Outcome.REFUTES, (
                f"the claimed threshold {b} is not tight: for {thr} < delta < {b}, x* repels"),
                numbers, _multiplier_counterexample(
                    curv, mid, equilibrium, f"x* attracts for delta < {b}",
                    "|multiplier| > 1: x* repels although delta is below the claimed threshold",
                    ctx.dps))
        if not polynomial:
            return Finding(Outcome.UNDECIDED, "x* repels above the bound, but the map is not a "
                           "polynomial, so finiteness of the preimages is not shown", numbers)
        kind = "equals" if sp.simplify(b - thr) == 0 else "exceeds"
        return Finding(Outcome.SUPPORTS, (
            f"f''({equilibrium}) = {curv}; the claimed bound {b} {kind} 2/f'' = {thr}: for "
            f"delta > {thr} the multiplier 1 - delta*{curv} < -1, so x* repels and only the "
            f"countably many exact preimages of x* (g is a polynomial of degree "
            f"{sp.degree(gd.gd_map, gd.x)}) converge to it" + (
                "; below it x* attracts" if tight else "")), numbers,
            coverage=declared(Scope.CLASS, {gd.step.name: EVERY_STEP}, part=part))

    return Check("threshold_exact", Tier.SYMBOLIC, run,
                 f"exact, every step size: {equilibrium} against bound {bound}")


def threshold_certified(problem: ScalarProblem, equilibrium: str, bound: str,
                        delta_max: str, tight: bool = False, part: str | None = None) -> Check:
    """Certified: ball arithmetic proves |1 - delta f''(x*)| > 1 for every delta in (b, delta_max].

    The interval starts at b(1 + 2^-40) (the multiplier is exactly -1 at the threshold, where
    no enclosure can decide).  With ``tight``, also proves |1 - delta f''(x*)| < 1 on
    [b/1000, b(1 - 2^-40)].  Refutes with a certified step size where the sign is wrong.
    Coverage: that step range only (a sub-box of "every delta > b").
    """

    def run(ctx: CheckContext) -> Finding:
        curv = exact_to_arb(_curvature(problem, equilibrium))
        b = exact_to_arb(expr_in(problem, bound))
        eps = flint.arb(2) ** -40
        repels = certify_positive(lambda d: abs(1 - d * curv) - 1, b * (1 + eps),
                                  flint.arb(sp.Rational(delta_max).p) / sp.Rational(delta_max).q)
        numbers = {"f''(x*) enclosure": curv.str(20), "pieces (repelling side)": str(repels.pieces)}
        results = [("repelling", repels)]
        if tight:
            attracts = certify_positive(lambda d: 1 - abs(1 - d * curv), b / 1000, b * (1 - eps))
            numbers["pieces (attracting side)"] = str(attracts.pieces)
            results.append(("attracting", attracts))
        for side, proof in results:
            if proof.proved is False:
                return Finding(Outcome.REFUTES, (
                    f"certified: at delta = {proof.witness} the equilibrium {equilibrium} is not "
                    f"{side} (margin {proof.witness_value})"), numbers, Counterexample(
                        at={"delta": proof.witness, "x*": equilibrium},
                        observed=f"|multiplier| - 1 margin {proof.witness_value}",
                        claimed=f"{side} for delta {'above' if side == 'repelling' else 'below'} "
                                f"{bound}", tol="0 (ball arithmetic)",
                        margin=str(proof.witness_value), dps=38,
                        note="an Arb enclosure decides the sign at this step size"))
        if all(p.proved for _, p in results):
            return Finding(Outcome.SUPPORTS, (
                f"Arb proves |1 - delta f''(x*)| > 1 on every delta in (b(1+2^-40), {delta_max}]"
                + (" and < 1 on [b/1000, b(1-2^-40)]" if tight else "")), numbers,
                coverage=declared(Scope.CLASS, {problem.step: f"[{bound} (1 + 2^-40), "
                                                              f"{delta_max}]"}, part=part))
        return Finding(Outcome.UNDECIDED, "the bisection budget ran out before every piece was "
                       "decided", numbers)

    return Check("threshold_certified", Tier.CERTIFIED, run,
                 f"Arb balls, all step sizes in ({bound}, {delta_max}]")


def basin_fractions(problem: ScalarProblem, equilibria: dict[str, str], bounds: dict[str, str],
                    window: tuple[float, float], span: tuple[float, float],
                    sole_limit: tuple[float, str] | None = None, tight: bool = False) -> Check:
    """Empirical: fractions of random starts converging to each equilibrium, over a grid of delta.

    Refutes when, for delta above an equilibrium's claimed bound, a run converges to it and the
    high-precision replay confirms it; when ``sole_limit = (delta, name)`` and a run at that delta
    converges to another point (replayed); or, with ``tight``, when no run reaches x* below the
    bound and the precise multiplier there shows x* repels.  Cannot prove anything on its own.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        n = 2_000 if ctx.quick else 8_000
        steps = 1_500 if ctx.quick else 4_000
        grid = np.linspace(*window, 24 if ctx.quick else 60)
        extra = [sole_limit[0]] if sole_limit else []
        claimed = {k: float(sp.N(expr_in(problem, v))) for k, v in bounds.items()}
        near = [b * f for b in claimed.values() for f in (0.97, 1.03)]
        deltas = np.unique(np.concatenate([grid, extra, near]))
        starts = rng.uniform(*span, n)
        runs = batch.run_scalar(numpy_map(problem), starts, deltas, steps, rtol=1e-10)
        points = {k: float(sp.N(expr_in(problem, v))) for k, v in equilibria.items()}
        final = runs.tail[..., -1]
        fixed = runs.kind == batch.FIXED
        at = {k: fixed & (np.abs(final - v) <= 1e-7) for k, v in points.items()}
        other_fixed = fixed & ~np.logical_or.reduce(list(at.values()))
        frac = {k: a.mean(axis=1) for k, a in at.items()}
        numbers = {"starts_per_step": str(n), "step_sizes": str(deltas.size), "steps": str(steps)}
        for k in points:
            reached = deltas[frac[k] > 0]
            numbers[f"largest delta reaching {k}"] = dec(reached.max()) if reached.size else "none"
            if k in claimed:
                numbers[f"claimed bound for {k}"] = bounds[k]
        figure = _fractions_figure(problem, deltas, frac, other_fixed, runs, bounds, span, n)
        figures = (figure, orbit_diagram(problem, window, span, rng,
                                         vlines=tuple((f"claimed bound {k}: {v}", v)
                                                      for k, v in bounds.items())))

        def refute_with(i: int, j: int, what: str, claim: str) -> Finding | None:
            d, x0 = deltas[i], starts[j]
            rep = replay(problem, repr(float(x0)), repr(float(d)), steps, ctx.dps)
            if rep.kind != "fixed":
                return None
            with mpmath.workdps(ctx.dps):
                value = rep.points[0]
                target = mpmath.mpf(points[what]) if what in points else None
                if target is not None and abs(value - target) > 1e-20:
                    return None
            return Finding(Outcome.REFUTES, f"start {float(x0)!r} with delta = {float(d)!r} converges to "
                           f"{dec(value, 20)}, confirmed at {ctx.dps} digits", numbers,
                           Counterexample(at={"delta": repr(float(d)), "x0": repr(float(x0))},
                                          observed=f"limit {dec(value, 25)}", claimed=claim,
                                          tol="1e-20", margin=dec(value - (target or 0), 25),
                                          dps=ctx.dps, note="a precise replay converges there"),
                           figures)

        for k, b in claimed.items():
            above = np.argwhere(at[k] & (deltas[:, None] > b))
            for i, j in above[:3]:
                found = refute_with(i, j, k, f"no convergence to {k} for delta > {bounds[k]}")
                if found:
                    return found
        if sole_limit:
            d0, name = sole_limit
            i = int(np.argmin(np.abs(deltas - d0)))
            wrong = np.argwhere(fixed[i] & ~at[name][i])
            numbers[f"fixed-point limits at delta={d0}"] = str(int(fixed[i].sum()))
            numbers[f"of which {name}"] = str(int(at[name][i].sum()))
            for (j,) in wrong[:3]:
                rep = replay(problem, repr(float(starts[j])), repr(float(d0)), steps, ctx.dps)
                with mpmath.workdps(ctx.dps):
                    if rep.kind == "fixed" and abs(rep.points[0] - points[name]) > 1e-20:
                        return Finding(Outcome.REFUTES, f"at delta = {d0} start {float(starts[j])!r} "
                                       f"converges to {dec(rep.points[0], 20)}, not {name}",
                                       numbers, Counterexample(
                                           at={"delta": repr(d0), "x0": repr(float(starts[j]))},
                                           observed=dec(rep.points[0], 25),
                                           claimed=f"{name} = {equilibria[name]}", tol="1e-20",
                                           margin=dec(rep.points[0] - points[name], 25),
                                           dps=ctx.dps, note="converges to another point"),
                                       figures)
        if tight:
            for k, b in claimed.items():
                below = (deltas < 0.95 * b) & (frac[k] == 0)
                if below.any():
                    d = float(deltas[below][-1])
                    curv = _curvature(problem, equilibria[k])
                    cx = _multiplier_counterexample(curv, sp.Rational(repr(d)), equilibria[k],
                                                    f"{k} attracts for delta < {bounds[k]}",
                                                    "no start reached x*, and its multiplier "
                                                    "shows it repels", ctx.dps)
                    if mpmath.mpf(cx.margin) > 0:
                        return Finding(Outcome.REFUTES, f"at delta = {d}, below the claimed "
                                       f"threshold {bounds[k]}, no start reaches {k} and it "
                                       "repels", numbers, cx, figures)
        undecided = runs.count(batch.UNDECIDED)
        return Finding(Outcome.SUPPORTS, (
            f"over {deltas.size} step sizes x {n} starts in {span}: no run above a claimed bound "
            f"converged to that equilibrium ({undecided} runs still undecided after {steps} "
            "steps)" + (f"; at delta = {sole_limit[0]} every fixed-point limit is "
                        f"{sole_limit[1]}" if sole_limit else "")), numbers, None, figures,
            coverage=declared(Scope.SAMPLE, {problem.step: f"[{window[0]}, {window[1]}]"},
                              points=n * int(deltas.size)))

    return Check("basin_fractions", Tier.EMPIRICAL, run,
                 f"numpy float64, starts uniform in {span}, step sizes in {window}")


def _fractions_figure(problem, deltas, frac, other_fixed, runs, bounds, span, n) -> Figure:
    series = [Series(f"to {k}", decs(deltas), decs(v), "line") for k, v in frac.items()]
    series.append(Series("to another fixed point", decs(deltas), decs(other_fixed.mean(axis=1))))
    for p in range(2, 9):
        share = ((runs.kind == batch.CYCLE) & (runs.period == p)).mean(axis=1)
        if share.any():
            series.append(Series(f"{p}-cycle", decs(deltas), decs(share)))
    series.append(Series("diverged", decs(deltas), decs((runs.kind == batch.DIVERGED).mean(1))))
    series.append(Series("undecided", decs(deltas), decs((runs.kind == batch.UNDECIDED).mean(1))))
    return Figure(
        id="basin-fractions", title=f"Where GD ends, by step size: {problem.label()}",
        caption=(f"Fraction of {n} uniform starts in {span} converging to each equilibrium, to "
                 "cycles of each period, diverging or still undecided; dashed lines: the claimed "
                 "bounds."),
        xlabel="step size delta", ylabel="fraction of starts", series=tuple(series),
        lines=tuple(RefLine(f"claimed bound for {k}: {v}", "x", v) for k, v in bounds.items()))


def sole_attractor_exact(problem: ScalarProblem, delta: str, equilibrium: str,
                         part: str | None = None) -> Check:
    """Symbolic: at the step size ``delta`` every critical point other than ``equilibrium``
    repels and ``equilibrium`` attracts, so a run from a random start that converges (to a
    point) converges to ``equilibrium`` almost surely.

    The critical points are all real roots of f' (exact isolating intervals); the multiplier
    1 - delta f'' at each is classified by Sturm counting (:mod:`proofs.critical_points`).  A
    polynomial GD map reaches a repelling fixed point only from its countably many exact
    preimages.  Undecided (never refutes) when another critical point does not repel.
    Coverage: every step size ("delta = d => limit x*" holds vacuously elsewhere).
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        d = expr_in(problem, delta)
        target = expr_in(problem, equilibrium)
        if not (d.is_Rational and d > 0 and target.is_Rational):
            raise ValueError(f"sole_attractor_exact needs an exact rational step and point, "
                             f"got {delta}, {equilibrium}")
        if not (gd.loss.is_polynomial(gd.x) and sp.degree(gd.gd_map, gd.x) >= 2):
            return Finding(Outcome.UNDECIDED, "the loss is not a polynomial of degree >= 3")
        kinds = equilibrium_multipliers(gd.loss, gd.x, d)
        numbers = {f"critical point in [{lo}, {hi}]": kind for lo, hi, kind in kinds}
        if gd.gradient.subs(gd.x, target) != 0:
            raise ValueError(f"{equilibrium} is not a critical point of {problem.loss}")
        # the isolating intervals are disjoint, so the one holding the root x* is x*'s own
        holding = [i for i, (lo, hi, _) in enumerate(kinds) if lo <= target <= hi]
        if len(holding) != 1:
            return Finding(Outcome.UNDECIDED, f"{equilibrium} is not isolated", numbers)
        mine = [kinds[holding[0]][2]]
        others = [k for i, k in enumerate(kinds) if i != holding[0]]
        if mine != ["attracting"]:
            return Finding(Outcome.UNDECIDED, f"{equilibrium} is not an attracting critical "
                           f"point at {gd.step} = {delta}", numbers)
        if any(kind != "repelling" for _, _, kind in others):
            return Finding(Outcome.UNDECIDED, f"another critical point does not repel at "
                           f"{gd.step} = {delta}", numbers)
        return Finding(Outcome.SUPPORTS, (
            f"at {gd.step} = {delta} the critical points of f are {len(kinds)} (exact isolating "
            f"intervals): {equilibrium} attracts and the {len(others)} others repel, so a "
            "convergent run ends at it unless it lands exactly on a repelling one (countably "
            "many starts, g a polynomial)"), numbers,
            coverage=declared(Scope.CLASS, {gd.step.name: EVERY_STEP}, part=part))

    return Check("sole_attractor_exact", Tier.SYMBOLIC, run,
                 f"exact, {problem.step} = {delta}: all critical points of {problem.label()}")


def orbit_diagram(problem: ScalarProblem, window: tuple[float, float],
                  span: tuple[float, float], rng: np.random.Generator,
                  curves: tuple[str, ...] = (), vlines: tuple[tuple[str, str], ...] = ()) -> Figure:
    """Orbit (bifurcation) diagram: the last iterates from random starts against the step size.

    ``curves`` are claimed orbit points (expressions in the step) drawn as lines; ``vlines``
    are (label, value) pairs drawn as vertical reference lines (claimed thresholds).
    """
    gd = scalar_gd(problem)
    deltas = np.linspace(*window, 160)
    n_starts, n_tail, steps = 12, 8, 500
    runs = batch.run_scalar(numpy_map(problem), rng.uniform(*span, n_starts), deltas,
                            steps=steps, n_tail=n_tail)
    xs = np.repeat(deltas, n_starts * n_tail)
    ys = runs.tail.reshape(-1)
    keep = np.isfinite(ys)
    lines = tuple(
        Series(f"claimed {p}", decs(deltas), decs([float(sp.N(expr_in(problem, p).subs(
            gd.step, sp.Float(d)))) for d in deltas]), "line") for p in curves)
    return Figure(
        id="orbit-diagram",
        title=f"Orbit diagram of GD on {problem.label()}",
        caption=(f"Iterates {steps}..{steps + n_tail - 1} of {n_starts} random starts in {span} "
                 f"for 160 step sizes in {window} (diverged runs omitted)"
                 + ("; lines: the claimed orbit points" if curves else "")
                 + ("; dashed: claimed thresholds" if vlines else "") + "."),
        xlabel="step size delta", ylabel=f"x[k], k = {steps}..{steps + n_tail - 1}",
        series=(Series("iterates", decs(xs[keep]), decs(ys[keep]), "points"),) + lines,
        lines=tuple(RefLine(label, "x", value) for label, value in vlines))
