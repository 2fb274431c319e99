"""Check factories for periodic orbits of scalar GD maps and the set that reaches an equilibrium.

Used by Example 1 of Nar & Sastry (2018) and by any user claim of the form "GD on f converges
to the oscillation p_1 -> p_2 -> ... -> p_1".
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics import gd as batch
from numerics import precise
from proofs.compile import to_mpmath
from proofs.identities import prove_zero
from verify.checks.common import (
    EVERY_STEP, ScalarProblem, dec, decs, declared, expr_in, mpmath_map, numpy_map, replay,
    scalar_gd,
)
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Figure, Finding, Outcome, RefLine, Scope, Series, Tier,
)


def orbit_identity(problem: ScalarProblem, points: tuple[str, ...], stable: bool | None,
                   witness_deltas: tuple[str, ...] = ("1/2", "1", "3/2"),
                   part: str | None = None) -> Check:
    """Symbolic: g maps each claimed point to the next (cyclically) for every step size.

    Proves the orbit for all delta > 0 when every residual g(p_i) - p_{i+1} simplifies to 0, and
    (if ``stable`` is given) that the multiplier prod g'(p_i) is inside (stable) or outside
    (unstable) the unit interval.  Refutes with the first witness step size where a residual,
    evaluated at high precision, is not zero.

    Coverage: every step size; ``part`` None when the orbit (and its local stability) is the
    whole claim, else the part of the claim it proves (``""``: a side fact).
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        covers = declared(Scope.CLASS, {gd.step.name: EVERY_STEP}, part=part)
        pts = [expr_in(problem, p) for p in points]
        residuals = [gd.g(pts[i]) - pts[(i + 1) % len(pts)] for i in range(len(pts))]
        proofs = [prove_zero(r) for r in residuals]
        if not all(proofs):
            bad = next(i for i, ok in enumerate(proofs) if not ok)
            fn = to_mpmath(residuals[bad], [gd.step])
            for w in witness_deltas:
                with mpmath.workdps(ctx.dps):
                    value = fn(mpmath.mpf(sp.Rational(w).p) / sp.Rational(w).q)
                    if abs(value) > mpmath.mpf(10) ** (-(ctx.dps - 10)):
                        claimed_next = to_mpmath(pts[(bad + 1) % len(pts)], [gd.step])(
                            mpmath.mpf(sp.Rational(w).p) / sp.Rational(w).q)
                        return Finding(
                            Outcome.REFUTES,
                            f"g({points[bad]}) is not {points[(bad + 1) % len(points)]}: the "
                            f"residual is {sp.simplify(residuals[bad])}",
                            {"residual": str(sp.simplify(residuals[bad]))},
                            Counterexample(
                                at={gd.step.name: w, gd.x.name: points[bad]},
                                observed=dec(value + claimed_next, 30),
                                claimed=dec(claimed_next, 30),
                                tol=f"1e-{ctx.dps - 10}", margin=dec(value, 30), dps=ctx.dps,
                                note="one GD step from the claimed orbit point misses the next "
                                     "claimed point"),
                        )
            return Finding(Outcome.UNDECIDED, "SymPy could not simplify the orbit residuals to 0, "
                           "and no witness step size showed a nonzero residual")
        multiplier = sp.simplify(sp.Mul(*[gd.derivative_at(p) for p in pts]))
        numbers = {"multiplier": str(multiplier), "period": str(len(pts))}
        detail = (f"g maps {' -> '.join(points)} -> {points[0]} exactly for every {gd.step} > 0; "
                  f"multiplier prod g'(p_i) = {multiplier}")
        if stable is None:
            return Finding(Outcome.SUPPORTS, detail, numbers, coverage=covers)
        inside = (sp.Abs(multiplier) - 1).is_negative
        outside = (sp.Abs(multiplier) - 1).is_positive
        if (stable and inside) or (stable is False and outside):
            return Finding(Outcome.SUPPORTS, detail + (" (attracting)" if stable else
                                                       " (repelling)"), numbers,
                           coverage=covers)
        if inside is None and outside is None:
            return Finding(Outcome.UNDECIDED, detail + "; sign of |multiplier| - 1 undecided",
                           numbers)
        return Finding(
            Outcome.REFUTES, detail + f"; the orbit is {'repelling' if outside else 'attracting'}",
            numbers,
            Counterexample(at={gd.step.name: "any"}, observed=str(multiplier),
                           claimed="|m| < 1" if stable else "|m| > 1", tol="0",
                           margin=str(sp.simplify(sp.Abs(multiplier) - 1)), dps=ctx.dps,
                           note="the exact multiplier contradicts the claimed stability"))

    return Check("orbit_identity", Tier.SYMBOLIC, run,
                 f"exact, every step size: {problem.label()}, orbit {points}")


def orbit_solutions(problem: ScalarProblem, points: tuple[str, ...]) -> Check:
    """Symbolic: solves g^p(x) = x exactly (one sign pattern at a time) for the claimed period.

    Supports when the claimed orbit is the only orbit of least period p, so "converges to the
    oscillation" names a unique object; refutes when the claimed points are not an orbit at all
    (the first solution found is reported).  Only for losses with a kink at 0 (|x| terms).
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        claimed = [expr_in(problem, p) for p in points]
        orbits = gd.periodic_orbits(len(points))
        listed = "; ".join("(" + ", ".join(map(str, o)) + ")" for o in orbits)
        numbers = {"orbits_found": str(len(orbits)), "orbits": listed}
        matches = [o for o in orbits
                   if any(all(prove_zero(o[(i + r) % len(o)] - claimed[i])
                              for i in range(len(o))) for r in range(len(o)))]
        if matches and len(orbits) == 1:
            # a side fact of a convergence claim: the claimed orbit is the only one of its period
            return Finding(Outcome.SUPPORTS, f"the only orbit of least period {len(points)} is "
                           f"{listed}", numbers, coverage=declared(
                               Scope.CLASS, {gd.step.name: EVERY_STEP}, part=""))
        if matches:
            return Finding(Outcome.UNDECIDED, f"the claimed orbit is one of {len(orbits)}: "
                           f"{listed}", numbers)
        found = orbits[0] if orbits else ()
        with mpmath.workdps(ctx.dps):
            at = mpmath.mpf(1) / 2
            obs = [to_mpmath(p, [gd.step])(at) for p in found] if found else []
            cl = [to_mpmath(p, [gd.step])(at) for p in claimed]
            margin = (max(abs(o) for o in obs) - max(abs(c) for c in cl)) if obs else None
        return Finding(
            Outcome.REFUTES, f"the orbits of least period {len(points)} are {listed or 'none'}; "
            f"the claimed {points} is not among them", numbers,
            Counterexample(at={gd.step.name: "1/2"},
                           observed=", ".join(dec(o, 25) for o in obs) or "no orbit",
                           claimed=", ".join(dec(c, 25) for c in cl), tol="0",
                           margin=dec(margin, 25) if margin is not None else "n/a", dps=ctx.dps,
                           note="largest |point| of the true orbit minus that of the claimed one"))

    return Check("orbit_solutions", Tier.SYMBOLIC, run,
                 f"exact enumeration of all orbits of period {len(points)}")


def exceptional_set(problem: ScalarProblem, target: str, members: tuple[str, ...],
                    levels: int = 3) -> Check:
    """Symbolic: the starts that converge to the equilibrium ``target`` form a countable set.

    Proves (i) the equilibrium repels: |g'(x)| -> a limit > 1 as x -> target from both sides,
    so an orbit converges to it only by landing on it exactly; (ii) each preimage level
    g^{-k}(target) is finite (listed exactly for k <= ``levels``) and g^k maps it to the target;
    (iii) the claimed ``members`` are preimages.  Refutes if a claimed member is not a preimage
    or the equilibrium attracts.
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        eq = expr_in(problem, target)
        deriv = sp.diff(gd.gd_map, gd.x).replace(sp.DiracDelta, lambda *a: 0)
        sides = [sp.limit(sp.Abs(deriv), gd.x, eq, d) for d in ("+", "-")]
        repels = all((s - 1).is_extended_positive for s in sides)
        equilibria = gd.equilibria()
        only = len(equilibria) == 1 and prove_zero(equilibria[0] - eq)
        tree = gd.preimage_levels(eq, levels)
        landed = all(prove_zero(gd.iterate(p, k) - eq)
                     for k, level in enumerate(tree) for p in level[:2] if k <= 2)
        level_one = tree[1] if len(tree) > 1 else []
        missing = [m for m in members
                   if not any(prove_zero(expr_in(problem, m) - p) for p in level_one)]
        numbers = {"equilibria": ", ".join(map(str, equilibria)),
                   "|g'| limits at target": ", ".join(map(str, sides)),
                   **{f"level {k} size": str(len(level)) for k, level in enumerate(tree)},
                   "level 2": ", ".join(map(str, tree[2])) if len(tree) > 2 else ""}
        if missing:
            m = missing[0]
            value = gd.g(expr_in(problem, m))
            with mpmath.workdps(ctx.dps):
                obs = to_mpmath(value, [gd.step])(mpmath.mpf(1) / 2)
            return Finding(Outcome.REFUTES, f"{m} is not mapped to {target}: g({m}) = {value}",
                           numbers, Counterexample(
                               at={gd.step.name: "1/2", gd.x.name: m}, observed=dec(obs, 30),
                               claimed=target, tol="0", margin=dec(obs, 30), dps=ctx.dps,
                               note="the claimed member of S does not reach the equilibrium"))
        if not only:
            return Finding(Outcome.UNDECIDED, f"the equilibria are {equilibria}, not only "
                           f"{target}", numbers)
        if not repels:
            return Finding(Outcome.UNDECIDED, f"cannot show {target} repels: |g'| limits "
                           f"{sides}", numbers)
        if not landed:
            return Finding(Outcome.UNDECIDED, "SymPy could not verify g^k(preimage) = target",
                           numbers)
        return Finding(Outcome.SUPPORTS, (
            f"{target} is the only equilibrium and repels (|g'| -> {sides[0]} on both sides), so only orbits landing on it "
            f"converge to it; preimage levels have sizes {[len(t) for t in tree]} (finite), so "
            f"S is countable; {', '.join(members)} are level-1 preimages; g^k(level k) = "
            f"{target} verified exactly"), numbers,
            # side facts (the equilibrium repels, S is countable), every step size
            coverage=declared(Scope.CLASS, {gd.step.name: EVERY_STEP}, part=""))

    return Check("exceptional_set", Tier.SYMBOLIC, run,
                 f"exact: repulsion of {target} and {levels} preimage levels")


def orbit_limit_precise(problem: ScalarProblem, points: tuple[str, ...], deltas: tuple[str, ...],
                        span: tuple[float, float], members_levels: int = 2) -> Check:
    """Precise: iterates at ``ctx.dps`` digits from random starts and reports the limit orbit.

    Supports when every start ends on the claimed orbit to within 10^(-dps/2) and every exact
    member of the exceptional set (preimage levels of 0) reaches 0 to working precision in the
    predicted number of steps.  Refutes with the first start whose precise orbit ends elsewhere.
    Scope: the finite set of starts and step sizes visited.
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        rng = ctx.rng()
        n_starts = 12 if ctx.quick else 40
        claimed = [to_mpmath(expr_in(problem, p), [gd.step]) for p in points]
        worst = mpmath.mpf(0)
        visited = 0
        for dtext in deltas:
            starts = list(rng.uniform(*span, n_starts)) + [float(v) for v in
                                                          rng.uniform(-1e-3, 1e-3, 4)]
            for x0 in starts:
                orbit = replay(problem, repr(float(x0)), dtext, 400, ctx.dps, len(points) + 1)
                if orbit.kind == "undecided":
                    return Finding(Outcome.UNDECIDED, f"start {float(x0)!r} with step {dtext} "
                                   "has not settled after 400 precise steps")
                with mpmath.workdps(ctx.dps):
                    target = sorted(c(mpmath.mpf(dtext)) for c in claimed)
                    got = sorted(orbit.points)
                    ok = orbit.period == len(points) and all(
                        abs(a - b) <= mpmath.mpf(10) ** (-(ctx.dps // 2)) for a, b in
                        zip(got, target))
                    if not ok:
                        return Finding(Outcome.REFUTES, f"start {float(x0)!r} with step {dtext} ends on "
                                       f"a {orbit.kind} of period {orbit.period}, not on the "
                                       f"claimed orbit", {}, Counterexample(
                                           at={gd.step.name: dtext, "x0": repr(float(x0))},
                                           observed=", ".join(dec(p, 25) for p in got) or
                                           orbit.kind, claimed=", ".join(dec(p, 25) for p in
                                                                         target),
                                           tol=f"1e-{ctx.dps // 2}", margin=dec(
                                               (got[0] - target[0]) if got else mpmath.inf, 25),
                                           dps=ctx.dps, note="precise orbit limit differs"))
                    worst = max(worst, max(abs(a - b) for a, b in zip(got, target)))
                visited += 1
        # The exceptional set: exact preimages of 0 reach 0 (to working precision).
        tree = gd.preimage_levels(sp.Integer(0), members_levels)
        hits = 0
        for dtext in deltas:
            for k, level in enumerate(tree[1:], start=1):
                for p in level:
                    with mpmath.workdps(ctx.dps):
                        x0 = to_mpmath(p, [gd.step])(mpmath.mpf(dtext))
                    orbit = precise.iterate(mpmath_map(problem), x0, [dtext], k, ctx.dps)
                    with mpmath.workdps(ctx.dps):
                        if abs(orbit[k]) > mpmath.mpf(10) ** (-(ctx.dps - 8)):
                            return Finding(Outcome.UNDECIDED, f"exact preimage {p} did not reach "
                                           f"0 numerically after {k} steps")
                    hits += 1
        return Finding(Outcome.SUPPORTS, (
            f"{visited} starts x {len(deltas)} step sizes at {ctx.dps} digits all end on the "
            f"claimed orbit (largest deviation {dec(worst, 3)}); {hits} exact members of S "
            f"reach 0 in the predicted number of steps"),
            {"starts": str(visited), "max_deviation": dec(worst, 5), "dps": str(ctx.dps),
             "members_checked": str(hits)},
            coverage=declared(Scope.SAMPLE, {gd.step.name: "{" + ", ".join(deltas) + "}"},
                              points=visited))

    return Check("orbit_limit_precise", Tier.PRECISE, run,
                 f"mpmath, starts in {span}, step sizes {deltas}")


def orbit_basins(problem: ScalarProblem, points: tuple[str, ...], deltas: tuple[float, ...],
                 span: tuple[float, float], diagram: tuple[float, float] | None = None) -> Check:
    """Empirical: 10^5 float64 starts per step size, each classified by its long-run behaviour.

    Supports when every start ends on a cycle of the claimed period with the claimed points
    (within 1e-9 relative); a start that ends elsewhere is replayed at high precision and refutes
    only if the replay confirms it.  Also draws the orbit (bifurcation) diagram over ``diagram``.
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        rng = ctx.rng()
        n = 20_000 if ctx.quick else 100_000
        starts = rng.uniform(*span, n)
        step = numpy_map(problem)
        # |x| shrinks by about delta sqrt|x| per step far out, so the budget scales with 1/delta.
        steps = int(2 * np.sqrt(max(abs(v) for v in span)) / min(deltas)) + 300
        # Only the last `period` iterates are needed: kept per chunk, so memory stays bounded.
        runs = batch.run_scalar(step, starts, np.array(deltas), steps=steps, keep=len(points))
        claimed = np.array([[float(sp.N(expr_in(problem, p).subs(gd.step, sp.Rational(d))))
                             for p in points] for d in deltas])
        period = len(points)
        on_cycle = (runs.kind == batch.CYCLE) & (runs.period == period)
        last = runs.tail[..., -period:]
        match = np.all(np.abs(np.sort(last, axis=-1) - np.sort(claimed, axis=-1)[:, None, :])
                       <= 1e-9 * (1 + np.abs(claimed).max(axis=-1))[:, None, None], axis=-1)
        good = on_cycle & match
        numbers = {"starts_per_step": str(n), "step_sizes": str(len(deltas)),
                   **{f"classified {batch.KIND_NAMES[k]}": str(runs.count(k))
                      for k in batch.KIND_NAMES},
                   "on_claimed_orbit": str(int(good.sum()))}
        figures = ((orbit_diagram(problem, diagram, (-2.0, 2.0), rng, curves=points),)
                   if diagram else ())
        bad = np.argwhere(~good)
        for i, j in bad[:5]:
            d, x0 = deltas[i], starts[j]
            replayed = replay(problem, repr(float(x0)), repr(float(d)), steps, ctx.dps,
                              period + 1)
            if replayed.kind == "undecided":
                continue  # the precise replay cannot decide either: never a refutation
            with mpmath.workdps(ctx.dps):
                target = sorted(mpmath.mpf(c) for c in claimed[i])
                got = sorted(replayed.points)
                if replayed.period != period or any(abs(a - b) > 1e-12 for a, b in zip(got, target)):
                    return Finding(Outcome.REFUTES, f"start {float(x0)!r} (step {d}) ends on a "
                                   f"{replayed.kind} of period {replayed.period}, confirmed at "
                                   f"{ctx.dps} digits", numbers, Counterexample(
                                       at={gd.step.name: repr(float(d)), "x0": repr(float(x0))},
                                       observed=", ".join(dec(p, 20) for p in got) or
                                       replayed.kind,
                                       claimed=", ".join(dec(p, 20) for p in target), tol="1e-12",
                                       margin=dec(got[0] - target[0], 20) if got else "inf",
                                       dps=ctx.dps, note="the long-run orbit is not the claimed "
                                                         "one"), figures)
        if bad.size:
            return Finding(Outcome.UNDECIDED, f"{len(bad)} float64 runs did not end on the orbit; "
                           "their precise replays did not confirm a different limit", numbers,
                           None, figures)
        return Finding(Outcome.SUPPORTS, f"all {good.size} runs ({n} starts in {span} x "
                       f"{len(deltas)} step sizes) end on the claimed {period}-cycle", numbers,
                       None, figures, coverage=declared(
                           Scope.SAMPLE, {gd.step.name: "{" + ", ".join(map(str, deltas)) + "}"},
                           points=int(good.size)))

    return Check("orbit_basins", Tier.EMPIRICAL, run,
                 f"numpy float64, uniform starts in {span}, step sizes {deltas}")


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
