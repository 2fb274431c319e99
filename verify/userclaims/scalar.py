"""Proofs for convergence claims on one scalar variable, for every step size and every start.

The search of the convergence kind samples its box; where the claim is about a scalar loss
(one variable, the start one free parameter x0, the step the only other free parameter) these
routes settle it exactly, for any loss a claim file gives:

* ``target = "cycle"``, period 2, points +-P: :func:`cycle_global_symbolic` runs the proof of
  :mod:`proofs.symmetric_cycle` (GD converges to {P, -P} from every start outside the countable
  set S of starts landing on the origin, the only equilibrium); the excluded starts must hold S
  (``except`` lists 0, ``except_preimages = true``) and every listed one is shown to land on 0.
  Nar & Sastry (2018), Example 1 is this form.  Certified side checks: a Krawczyk cover of the
  claimed orbit over the step's interval, and a certified cover of the start interval at one
  step (:func:`cycle_certified_checks`), and on request (``long_orbit``) one long orbit in Arb
  balls ending in a trap of the cycle (:func:`long_orbit_checks`); an empirical float64 sweep
  with the orbit diagram (:func:`cycle_basins`).
* a target point 0 with ``condition`` "lhs < rhs" and ``otherwise = "diverges"``:
  :func:`contraction_symbolic` writes g(x) = x (1 - u(x)) and proves u = c x^k (c > 0, k even)
  and rhs - lhs a positive multiple of 2 - u(x0); :func:`contraction_family` does the same with
  the claim's integer parameter a symbol (every member of the progression its values follow).
  :func:`condition_sweep` runs float64 GD from starts on both sides of the boundary.
  Nar & Sastry (2018), Example 2 (f = x^L, L even > 2) is this form.

The symbolic and certified routes are attempts: undecided (never a refutation) when the loss
is not of their form.  The float64 sweeps refute only what a replay at high precision confirms.
"""

from __future__ import annotations

import dataclasses
from itertools import pairwise

import mpmath
import numpy as np
import sympy as sp

from numerics import gd as batch
from numerics import precise
from proofs.compile import to_numpy
from proofs.identities import prove_zero
from proofs.symmetric_cycle import prove_symmetric_cycle
from verify.userclaims.certified import (
    basin_cover_certified, cycle_certified, long_orbit_certified,
)
from verify.checks.common import (
    EVERY_STEP, ScalarProblem, dec, decs, expr_in, mpmath_map, numpy_map, replay, scalar_gd,
    set_text,
)
from verify.userclaims.budget import budgeted, under_deadline
from verify.userclaims.model import Model
from verify.userclaims.spec import ClaimSpec
from verify.vocabulary import (
    BudgetExhausted, Check, CheckContext, Counterexample, Coverage, Figure, Finding, Outcome,
    RefLine, Scope, Series, Tier,
)

EVERY_START = "(-oo, oo)"  # the class "every real start x0", as coverage and scope text
LANDING_STEPS = 8  # an excluded start point must land on the origin within this many steps


def _scalar(model: Model) -> tuple[sp.Symbol, sp.Symbol, sp.Symbol] | None:
    """(x, step, x0) when the claim is one of this module's form: a loss in one variable, plain
    GD, no assumptions, the start the free parameter x0 and the step the only other one."""
    spec = model.spec
    if (spec.loss is None or spec.model or len(model.vars) != 1 or model.step is None
            or spec.assume or model.method != "gd" or len(model.start) != 1):
        return None
    x0 = model.start[0]
    if not (x0.is_Symbol and set(model.box.free) == {spec.step, x0.name}):
        return None
    return model.vars[0], model.step, x0


def _class(step: sp.Symbol, x0: sp.Symbol) -> dict[str, str]:
    return {step.name: EVERY_STEP, x0.name: EVERY_START}


def _problem(model: Model) -> ScalarProblem:
    """The claim's loss as the shared engines' :class:`ScalarProblem` (pinned values fixed)."""
    spec = model.spec
    return ScalarProblem(spec.loss, var=spec.variables[0], step=spec.step,
                         fixed={k: str(v) for k, v in model.box.pinned.items()})


def _symbolic(name: str, run, what: str) -> Check:
    return Check(name, Tier.SYMBOLIC, budgeted(under_deadline(run)), what, attempt=True)


# ---------------------------------------------------------------- convergence to +-P


def _lands(g, x: sp.Symbol, start: sp.Expr) -> int | None:
    """The number of GD steps after which ``start`` is exactly 0 (None: not within
    :data:`LANDING_STEPS`)."""
    value = start
    for k in range(LANDING_STEPS + 1):
        if prove_zero(value):
            return k
        value = sp.simplify(g.subs(x, value))
        if sp.count_ops(value) > 40:  # nested radicals growing: not landing exactly
            return None
    return None


def cycle_global_symbolic(model: Model) -> tuple[Check, ...]:
    """Symbolic: GD converges to the claimed 2-cycle {P, -P} from every start outside the
    excluded set, for every step size > 0 and every real start (:mod:`proofs.symmetric_cycle`),
    when the excluded set holds S: 0 is listed with ``except_preimages`` (so every start
    landing on 0 is excluded), and every listed start lands on 0 (so S is all that is
    excluded, and S is countable: the proof's preimages of 0).  Supports with coverage every
    step and every start; undecided otherwise."""
    spec, form = model.spec, _scalar(model)
    if form is None or spec.period != 2 or len(spec.points) != 2 or spec.otherwise:
        return ()  # (the proof shows GD never diverges: no "otherwise diverges" to prove)
    x, step, x0 = form

    def run(ctx: CheckContext) -> Finding:
        first, second = (model.pin(model.expr(p[0])) for p in spec.points)
        if not prove_zero(first + second):
            return Finding(Outcome.UNDECIDED, f"the claimed points {spec.points} are not +-P")
        g = model.pin(model.gd_map[0])
        proof = prove_symmetric_cycle(g, x, step, first)
        numbers = dict(proof.facts)
        slope = sp.diff(g, x).replace(sp.DiracDelta, lambda *a: 0)
        numbers["multiplier g'(P) g'(-P)"] = str(sp.simplify(
            slope.subs(x, first) * slope.subs(x, second)))
        if not proof.holds:
            return Finding(Outcome.UNDECIDED, f"global proof not completed: {proof.reason}",
                           numbers)
        points = [model.pin(model.expr(e[0])) for e in spec.exceptions if isinstance(e, tuple)]
        steps = {str(p): _lands(g, x, p) for p in points}
        numbers.update({f"g^k({p}) = 0": f"k = {k}" for p, k in steps.items()})
        if not (spec.except_preimages and any(k == 0 for k in steps.values())):
            return Finding(Outcome.UNDECIDED, "the starts landing on 0 stay there: the claim "
                           "must exclude them (except = [[\"0\"], ...], except_preimages = "
                           "true)", numbers)
        missed = [p for p, k in steps.items() if k is None]
        if missed:
            return Finding(Outcome.UNDECIDED, f"the excluded starts {missed} are not shown to "
                           f"land on 0 within {LANDING_STEPS} steps", numbers)
        return Finding(Outcome.SUPPORTS, proof.reason + "; the excluded starts "
                       f"{', '.join(steps)} land on 0 (with their preimages: the set S)",
                       numbers, coverage=Coverage(Scope.CLASS, _class(step, x0)))

    return (_symbolic("cycle_global_symbolic", run, "exact, every step size and every start"),)


def _short_rational(lo: sp.Rational, hi: sp.Rational) -> sp.Rational:
    """The rational with the smallest denominator in the middle third of [lo, hi]."""
    a, b = lo + (hi - lo) / 3, hi - (hi - lo) / 3
    q = 1
    while sp.ceiling(a * q) > sp.floor(b * q):
        q += 1
    return sp.Rational(sp.ceiling(a * q), q)


def cycle_certified_checks(model: Model) -> tuple[Check, ...]:
    """Certified side facts of a claimed cycle of a scalar loss: a Krawczyk cover of the orbit
    for every step in the box (:func:`~verify.userclaims.certified.cycle_certified`), and every
    start in the box's start interval entering a contracting trap of the cycle at one step
    (:func:`~verify.userclaims.certified.basin_cover_certified`, undecided where S meets it)."""
    spec, form = model.spec, _scalar(model)
    if form is None or not spec.points:
        return ()
    _, step, x0 = form
    lo, hi = model.box.free[step.name]
    if lo <= 0:
        return ()  # the Krawczyk cover needs a step range away from 0
    problem = _problem(model)
    points = tuple(str(model.pin(model.expr(p[0]))) for p in spec.points)
    at = _short_rational(lo, hi)
    # stability is not claimed (a neutral cycle may attract too): the orbit alone is certified
    orbit = cycle_certified(problem, points, (str(lo), str(hi)), stable=None)
    side = Coverage(Scope.CLASS, {step.name: f"[{lo}, {hi}]"}, decides=False)

    def declared(run):
        def declaring(ctx: CheckContext) -> Finding:
            finding = run(ctx)
            return (dataclasses.replace(finding, coverage=side)
                    if finding.outcome is Outcome.SUPPORTS else finding)
        return declaring

    cover = basin_cover_certified(problem, points, str(at),
                                  tuple(map(str, model.box.free[x0.name])))
    return (dataclasses.replace(orbit, attempt=True, run=budgeted(under_deadline(declared(orbit.run)))),
            dataclasses.replace(cover, run=budgeted(under_deadline(cover.run))))


def long_orbit_checks(model: Model) -> tuple[Check, ...]:
    """Certified, when the claim asks for it (``long_orbit = { at = {...}, steps = N, digits
    = D }``): the orbit from that one start at that one step, N GD steps in Arb balls at D
    digits, every sign decided and the last ball inside a proven contracting trap of the
    claimed cycle (:func:`~verify.userclaims.certified.long_orbit_certified`; ``--quick`` runs at
    most 10^4 steps).  One orbit: a side fact of the claim (coverage that one instance).
    Undecided where the claim is not of this module's scalar form."""
    spec = model.spec
    if not spec.long_orbit:
        return ()
    form = _scalar(model)
    if form is None or not spec.points:
        def unfit(ctx: CheckContext) -> Finding:
            return Finding(Outcome.UNDECIDED, "a certified long orbit needs a one-variable "
                           "loss, plain GD, and the step and the start as the only free "
                           "parameters")

        return (Check("long_orbit_certified", Tier.CERTIFIED, unfit, "Arb balls"),)
    _, step, x0 = form
    at, steps, digits = dict(spec.long_orbit[0]), *spec.long_orbit[1:]
    points = tuple(str(model.pin(model.expr(p[0]))) for p in spec.points)
    check = long_orbit_certified(_problem(model), at[x0.name], at[step.name], steps, digits,
                                 points)
    return (dataclasses.replace(check, run=budgeted(under_deadline(check.run))),)


def cycle_basins(model: Model) -> tuple[Check, ...]:
    """Empirical: 10^5 float64 starts (2 x 10^4 with ``--quick``) uniform in the start
    interval at five step sizes spread geometrically over the step's interval, each run
    classified by its tail (:func:`numerics.gd.run_scalar`); supports when every run ends on
    the claimed cycle (1e-9 relative).  A run that ends elsewhere is replayed at ``ctx.dps``
    digits and refutes only when the replay confirms it (a start the claim excludes, or whose
    path lands on an excluded start, never refutes).  Draws the orbit diagram over the step's
    interval with the claimed points."""
    spec, form = model.spec, _scalar(model)
    if form is None or not spec.points:
        return ()
    _, step, x0 = form
    problem = _problem(model)
    points = [model.pin(model.expr(p[0])) for p in spec.points]
    period = len(points)
    lo, hi = (float(v) for v in model.box.free[step.name])
    span = tuple(float(v) for v in model.box.free[x0.name])
    if lo <= 0:
        return ()
    deltas = tuple(float(f"{d:.3g}") for d in np.geomspace(lo, hi, 5))
    landing = [model.pin(model.expr(p[0])) for p in spec.exceptions if isinstance(p, tuple)]

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        n = 20_000 if ctx.quick else 100_000
        starts, sizes = rng.uniform(*span, n), deltas
        if ctx.at is not None:  # a replay: that one start at that one step size
            n, starts = 1, np.array([float(ctx.at[x0.name])])
            sizes = (float(ctx.at[step.name]),)
        steps = 1000 if ctx.quick else 3000
        runs = batch.run_scalar(numpy_map(problem), starts, np.array(sizes), steps=steps,
                                keep=period)
        claimed = np.array([[float(p.subs(step, sp.Float(d))) for p in points] for d in sizes])
        last = runs.tail[..., -period:]
        match = np.all(np.abs(np.sort(last, axis=-1) - np.sort(claimed, axis=-1)[:, None, :])
                       <= 1e-9 * (1 + np.abs(claimed).max(axis=-1))[:, None, None], axis=-1)
        good = (runs.kind == batch.CYCLE) & (runs.period == period) & match
        numbers = {"starts per step size": str(n), "step sizes": set_text(sizes),
                   "steps": str(steps), "on the claimed cycle": str(int(good.sum())),
                   **{f"classified {batch.KIND_NAMES[k]}": str(runs.count(k))
                      for k in batch.KIND_NAMES}}
        figures = (orbit_diagram(problem, (lo, hi), span, rng,
                                 curves=tuple(map(str, points))),)
        bad = np.argwhere(~good)
        for i, j in bad[:5]:
            d, start = sizes[i], float(starts[j])
            if model.excluded({step.name: d, x0.name: start}):
                continue
            orbit = replay(problem, repr(start), repr(d), steps, ctx.dps, period + 1)
            with mpmath.workdps(ctx.dps):
                target = sorted(mpmath.mpf(c) for c in claimed[i])
                got = sorted(orbit.points)
                lands = orbit.kind == "fixed" and spec.except_preimages and any(
                    abs(got[0] - float(e.subs(step, sp.Float(d)))) < 1e-30 for e in landing)
                if orbit.kind == "undecided" or lands or (orbit.period == period and all(
                        abs(a - b) <= 1e-12 for a, b in zip(got, target))):
                    continue
            at = {step.name: repr(d), x0.name: repr(start)}
            return Finding(Outcome.REFUTES, f"start {start!r} (step {d}) ends on a {orbit.kind} "
                           f"of period {orbit.period}, confirmed at {ctx.dps} digits", numbers,
                           Counterexample(at=at, observed=", ".join(dec(p, 20) for p in got)
                                          or orbit.kind, claimed=", ".join(dec(p, 20)
                                                                           for p in target),
                                          tol="1e-12", margin=dec(got[0] - target[0], 20)
                                          if got else "inf", dps=ctx.dps,
                                          note="the long-run orbit is not the claimed one",
                                          replay=at), figures)
        if bad.size:
            return Finding(Outcome.UNDECIDED, f"{len(bad)} float64 runs did not end on the "
                           "cycle; their precise replays did not confirm another limit",
                           numbers, None, figures)
        return Finding(Outcome.SUPPORTS, f"all {good.size} runs ({n} starts in {list(span)} x "
                       f"{len(sizes)} step sizes) end on the claimed {period}-cycle", numbers,
                       None, figures, coverage=Coverage(
                           Scope.SAMPLE, {step.name: set_text(sizes), x0.name:
                                          f"[{model.box.free[x0.name][0]}, "
                                          f"{model.box.free[x0.name][1]}]"}, points=good.size))

    return (Check("cycle_basins", Tier.EMPIRICAL, budgeted(run),
                  f"numpy float64, uniform starts, step sizes {deltas}"),)


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


# ---------------------------------------------------------------- the contraction condition


def _contraction(g: sp.Expr, x: sp.Symbol, lhs: sp.Expr, rhs: sp.Expr,
                 x0: sp.Symbol) -> tuple[str | None, sp.Expr, sp.Expr]:
    """(why the argument fails or None, u, the ratio (rhs - lhs) / (2 - u(x0))) for
    g(x) = x (1 - u(x)); the exponent of u may be symbolic (an integer family)."""
    u = sp.factor_terms(sp.powsimp(sp.expand(1 - sp.cancel(sp.powsimp(g / x)))))
    c, k = u.as_coeff_exponent(x)
    if c.has(x) or not prove_zero(u - c * x ** k):
        return f"g(x)/x = 1 - ({u}) is not 1 - c x^k", u, sp.nan
    if not (c.is_positive and k.is_even and k.is_positive):
        return f"u = {u}: c = {c} > 0 and k = {k} even and positive not shown", u, sp.nan
    factor = sp.simplify((rhs - lhs) / (2 - u.subs(x, x0)))
    if factor.has(x0) or not factor.is_positive:
        return (f"({rhs}) - ({lhs}) is not a positive multiple of 2 - u(x0) (ratio {factor})",
                u, factor)
    return None, u, factor


def _condition_form(spec: ClaimSpec) -> bool:
    """A claim "x0 in C => GD -> 0, x0 outside C (boundary excluded) => GD diverges"."""
    return (spec.kind == "convergence" and not spec.period and spec.otherwise == "diverges"
            and spec.target == ("0",) and spec.condition is not None)


def _sides(model: Model, parse) -> tuple[sp.Expr, sp.Expr] | None:
    """(lhs, rhs) of the condition as "lhs < rhs", or None for another relation."""
    cond = parse(model.spec.condition)
    if isinstance(cond, sp.StrictLessThan):
        return cond.lhs, cond.rhs
    if isinstance(cond, sp.StrictGreaterThan):
        return cond.rhs, cond.lhs
    return None


def _boundary_excluded(model: Model, parse, lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """Whether an ``except`` relation is the condition's boundary lhs == rhs."""
    for text in model.spec.exceptions:
        if isinstance(text, str):
            rel = parse(text)
            if isinstance(rel, sp.Eq) and (prove_zero(rel.lhs - rel.rhs - (lhs - rhs))
                                           or prove_zero(rel.lhs - rel.rhs + (lhs - rhs))):
                return True
    return False


_ARGUMENT = ("below the boundary |x| and u decrease and x -> 0 (a positive limit of |x| would "
             "be contracted further), above it |x| grows by a factor >= u(x0) - 1 > 1 per step")


def _contraction_run(model: Model):
    """The contraction argument's check function for one instance (None: not this form)."""
    spec, form = model.spec, _scalar(model)
    if form is None or not _condition_form(spec):
        return None
    x, step, x0 = form

    def run(ctx: CheckContext) -> Finding:
        def parse(text: str) -> sp.Expr:
            return model.pin(model.expr(text))

        sides = _sides(model, parse)
        if sides is None:
            return Finding(Outcome.UNDECIDED, "the condition is not a strict inequality")
        lhs, rhs = sides
        g = model.pin(model.gd_map[0])
        why, u, factor = _contraction(g, x, lhs, rhs, x0)
        if why:
            return Finding(Outcome.UNDECIDED, why)
        c, k = u.as_coeff_exponent(x)
        r = sp.root(2 / c, k)
        image = sp.simplify(g.subs(x, r))
        slope = sp.diff(g, x)
        mult = sp.simplify(slope.subs(x, r) * slope.subs(x, -r))
        equality = "2-cycle +-r" if prove_zero(image + r) else f"g(r) = {image}"
        numbers = {"u(x)": str(u), "boundary r": str(r),
                   "at equality": f"{equality}, multiplier {mult}"}
        if not _boundary_excluded(model, parse, lhs, rhs):
            return Finding(Outcome.UNDECIDED, f"on the boundary |x0| = {r} GD is a {equality}, "
                           "neither converging nor diverging: exclude it (except = "
                           f"[\"{spec.condition.replace('<', '==')}\"])", numbers)
        return Finding(Outcome.SUPPORTS, (
            f"u = {u}, condition = u(x0) < 2 times {factor}: {_ARGUMENT}; at |x0| = r the "
            f"orbit is a {equality} with multiplier {mult}"), numbers,
            coverage=Coverage(Scope.CLASS, _class(step, x0)))

    return run


def contraction_symbolic(model: Model) -> tuple[Check, ...]:
    """Symbolic, one instance: the contraction argument (module docstring) for every step > 0
    and every start; also the exact orbit on the boundary |x0| = r (a 2-cycle +-r and its
    multiplier).  The boundary must be excluded (``except``: the relation lhs == rhs)."""
    run = _contraction_run(model)
    return () if run is None else (
        _symbolic("contraction_symbolic", run, "exact, every step size and every start"),)


def contraction_proven(model: Model):
    """For the guided search (:func:`verify.userclaims.checks.convergence_search`): a function
    of the check context giving the contraction argument's conclusion where it proves this
    instance for every step and start (the same argument as :func:`contraction_symbolic`, in
    a child process), else None; None itself where the claim is not of this form."""
    run = _contraction_run(model)
    if run is None:
        return None

    def proven(ctx: CheckContext) -> str | None:
        try:
            finding = under_deadline(run)(ctx)
        except BudgetExhausted:
            return None
        return finding.detail if finding.outcome is Outcome.SUPPORTS else None

    return proven


def _boundary(lhs_fn, rhs_fn, delta: float) -> float:
    """The positive x0 where lhs = rhs (bisection on a log scale); nan if none in range."""
    def f(x):
        return float(lhs_fn(x, delta) - rhs_fn(x, delta))

    lo, hi = 1e-8, 1e8
    if f(lo) * f(hi) > 0:
        return float("nan")
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if f(lo) * f(mid) > 0 else (lo, mid)
    return float(np.sqrt(lo * hi))


def _starts(r: float, rng: np.random.Generator, n_random: int) -> np.ndarray:
    """Starts at relative offsets 10^-1..10^-10 on both sides of +-r, plus random magnitudes."""
    offs = np.concatenate([-(10.0 ** -np.arange(1, 11)), 10.0 ** -np.arange(1, 11)])
    spread = r * np.exp(rng.uniform(np.log(0.05), np.log(20), n_random))
    return np.concatenate([r * (1 + offs), -r * (1 + offs), spread, -spread])


def _observed(mags: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """+1 converging (|x| halved and still shrinking), -1 diverged, 0 undecided."""
    end = mags[-1]
    with np.errstate(invalid="ignore"):  # inf - inf in runs that already diverged
        shrinking = np.all(np.diff(mags[-50:], axis=0) <= 0, axis=0)
    out = np.zeros(x0.shape, dtype=int)
    out[(end <= 0.5 * np.abs(x0)) & shrinking] = 1
    out[~np.isfinite(end) | (end > 1e40)] = -1
    return out


def _float_runs(step_fn, x0: np.ndarray, delta: float, steps: int) -> np.ndarray:
    """|x_k| of float64 GD from every start (k = 0..steps); escaped runs are inf."""
    x = x0.astype(float).copy()
    mags = np.empty((steps + 1,) + x.shape)
    mags[0] = np.abs(x)
    with np.errstate(all="ignore"):
        for k in range(steps):
            x = step_fn(x, delta)
            x[~(np.abs(x) <= 1e100)] = np.inf
            mags[k + 1] = np.abs(x)
    return mags


def _precise_run(problem: ScalarProblem, x0: float, delta: float, dps: int) -> int:
    """The same judgement on one start, GD at ``dps`` digits (300 steps)."""
    orbit = precise.iterate(mpmath_map(problem), repr(x0), [repr(delta)], 300, dps)
    if len(orbit) < 301:
        return -1
    with mpmath.workdps(dps):
        big = mpmath.mpf(1e300)  # exact, converted once
        mags = np.array([float(m) if m < big else np.inf for m in map(abs, orbit)])
    return int(_observed(mags[:, None], np.array([x0]))[0])


# The sweeps' samples per step size (Nar & Sastry's Example 2 as checked before the claim became
# data): the 40 starts at relative offsets 10^-1..10^-10 around +-r and 2 x this many random ones.
_RANDOM_STARTS = {Tier.EMPIRICAL: 40, Tier.PRECISE: 6}


def condition_sweep(model: Model) -> tuple[Check, ...]:
    """Precise and empirical: GD from starts at relative offsets 10^-1..10^-10 on both sides
    of the condition's boundary +-r and from random magnitudes r [0.05, 20] (those in the
    start interval; 40 near and 80 random per step size, 40 and 12 in the precise tier), at
    three step sizes spread over the step's interval; "converging" is |x| at least halved and
    still shrinking, "diverged" |x| > 1e40, anything else undecided (counted, not judged).
    The empirical tier runs all starts at once in float64 (2000 steps), the precise tier each
    start at ``ctx.dps`` digits (300 steps).  A run on the wrong side of the prediction is
    replayed at high precision (``ctx.dps`` digits after a float64 run, ``ctx.dps + 20``
    after a precise one) and refutes only when the replay agrees.  The empirical tier draws
    |x_k| from just below and just above the boundary.

    These starts are where the condition changes its verdict, at a known cost: they stand in
    for the convergence kind's guided search (:func:`verify.userclaims.checks.
    convergence_search`), whose runs to 0 on x^L crawl (x_k ~ k^(-1/(L-2))) and would spend
    its budget extending them."""
    spec, form = model.spec, _scalar(model)
    if form is None or not _condition_form(spec):
        return ()
    _, step, x0 = form
    lo, hi = (float(v) for v in model.box.free[step.name])
    if lo <= 0:
        return ()
    deltas = tuple(float(f"{d:.3g}") for d in np.geomspace(lo, hi, 3))
    problem = _problem(model)

    def sweep(tier: Tier) -> Check:
        def observe(starts: np.ndarray, delta: float, ctx: CheckContext) -> np.ndarray:
            if tier is Tier.EMPIRICAL:
                return _observed(_float_runs(numpy_map(problem), starts, delta, 2000), starts)
            return np.array([_precise_run(problem, float(s), delta, ctx.dps) for s in starts],
                            dtype=int)

        def run(ctx: CheckContext) -> Finding:
            sides = _sides(model, lambda text: model.pin(model.expr(text)))
            if sides is None:
                return Finding(Outcome.UNDECIDED, "the condition is not a strict inequality")
            lhs_fn, rhs_fn = (to_numpy(e, [x0, step]) for e in sides)
            rng, checked, numbers = ctx.rng(), 0, {}
            box = [float(v) for v in model.box.free[x0.name]]
            replay_at = (None if ctx.at is None else  # a replay: that one start at that one step
                         (float(ctx.at[step.name]), np.array([float(ctx.at[x0.name])])))
            confirm_dps = ctx.dps if tier is Tier.EMPIRICAL else ctx.dps + 20
            for delta in deltas if replay_at is None else replay_at[:1]:
                r = _boundary(lhs_fn, rhs_fn, delta)
                starts = (_starts(r if np.isfinite(r) else 1.0, rng, _RANDOM_STARTS[tier])
                          if replay_at is None else replay_at[1])
                starts = starts[(starts >= box[0]) & (starts <= box[1])]  # the claim's starts
                with np.errstate(all="ignore"):
                    predicted = np.where(lhs_fn(starts, delta) < rhs_fn(starts, delta), 1, -1)
                observed = observe(starts, delta, ctx)
                checked += starts.size
                for i in np.flatnonzero((observed != 0) & (observed != predicted)):
                    if _precise_run(problem, float(starts[i]), delta, confirm_dps) != observed[i]:
                        continue
                    word = {1: "converges", -1: "diverges"}
                    at = {x0.name: repr(float(starts[i])), step.name: repr(delta)}
                    return Finding(Outcome.REFUTES, (
                        f"from x0 = {float(starts[i])!r} with {step} = {delta} GD "
                        f"{word[observed[i]]} (confirmed at {confirm_dps} digits) although the "
                        f"condition predicts it {word[predicted[i]]}"), numbers, Counterexample(
                            at=at, observed=word[observed[i]], claimed=word[predicted[i]],
                            tol="none", margin="-", dps=confirm_dps,
                            note=f"condition {spec.condition} gives the wrong side", replay=at))
                numbers[f"{step} = {delta}"] = (f"boundary {r:.12g}; {starts.size} starts; "
                                                f"{int(np.count_nonzero(observed == 0))} "
                                                "undecided")
            figures = ((_curves_figure(problem, numpy_map(problem), r, deltas[-1]),)
                       if tier is Tier.EMPIRICAL else ())
            return Finding(Outcome.SUPPORTS, f"{checked} starts on both sides of the boundary "
                           f"behave as the condition predicts ({tier.value} tier)", numbers,
                           None, figures, coverage=Coverage(
                               Scope.SAMPLE, {step.name: set_text(deltas)}, points=checked))

        name = "condition_sweep" + ("_precise" if tier is Tier.PRECISE else "")
        how = ("float64, 2000 steps" if tier is Tier.EMPIRICAL
               else "mpmath at the run's digits, 300 steps")
        return Check(name, tier, budgeted(run),
                     f"{how}, starts near the boundary, step sizes {deltas}")

    return (sweep(Tier.PRECISE), sweep(Tier.EMPIRICAL))


def _curves_figure(problem: ScalarProblem, step_fn, r: float, delta: float) -> Figure:
    series = []
    for off in (-1e-3, 1e-3):
        mags = _float_runs(step_fn, np.array([r * (1 + off)]), delta, 60)[:, 0]
        mags = mags[: int(np.argmax(~(mags < 1e30))) or None] if not np.all(mags < 1e30) \
            else mags
        side = "below" if off < 0 else "above"
        series.append(Series(f"x0 = r(1{off:+g}) ({side} the boundary)",
                             decs(range(len(mags))), decs(mags), "line"))
    return Figure(
        id=f"convergence-curves-{'-'.join(f'{k}{v}' for k, v in sorted(problem.fixed.items()))}",
        title=f"|x[k]| on each side of the boundary: {problem.label()}, delta = {delta}",
        caption=("GD from 0.1% below and 0.1% above the boundary r of the claimed condition: "
                 "below, the orbit leaves the repelling 2-cycle +-r towards 0; above, it "
                 "diverges."), xlabel="iteration k", ylabel="|x[k]|",
        series=tuple(series), yscale="log", lines=(RefLine("boundary r", "y", repr(r)),))


def _progression(values: tuple[int, ...]) -> tuple[int, int] | None:
    """(first, stride) when ``values`` (two or more) are first, first + stride, ..."""
    if len(values) < 2:
        return None
    stride = values[1] - values[0]
    return (values[0], stride) if all(b - a == stride for a, b in pairwise(values)) else None


def family_text(first: int, stride: int) -> str:
    """The integer family first + stride m (m >= 0) as coverage and scope text."""
    if stride == 2:
        return f"{'even' if first % 2 == 0 else 'odd'}, >= {first}"
    return f">= {first}" if stride == 1 else f"{first} + {stride}m, m >= 0"


def contraction_family(spec: ClaimSpec) -> tuple[Check, ...]:
    """Symbolic, the whole integer family: :func:`contraction_symbolic` with the claim's one
    integer parameter n = first + stride m, m >= 0 an integer symbol, for the progression its
    listed values follow (``integers = { L = [4, 10, 2] }``: every even L >= 4) and every
    step > 0 and start."""
    if len(spec.integers) != 1 or not _condition_form(spec):
        return ()
    (name, values), = spec.integers.items()
    progression = _progression(values)
    model = Model(spec, {name: values[0]})
    form = _scalar(model)
    if progression is None or form is None:
        return ()
    x, step, x0 = form
    first, stride = progression

    def run(ctx: CheckContext) -> Finding:
        m = sp.Symbol("m", integer=True, nonnegative=True)
        member = first + stride * m
        n = model.params[name]  # left a symbol: the model pins it only in pin()
        pins = {model.params[k]: v for k, v in model.box.pinned.items() if k != name}

        def parse(text: str) -> sp.Expr:
            return model.expr(text).subs(pins).subs(n, member)

        sides = _sides(model, parse)
        if sides is None:
            return Finding(Outcome.UNDECIDED, "the condition is not a strict inequality")
        lhs, rhs = sides
        g = model.gd_map[0].subs(pins).subs(n, member)
        why, u, factor = _contraction(g, x, lhs, rhs, x0)
        numbers = {"family": f"{name} = {member}, m >= 0 an integer", "g(x)": str(g),
                   "u(x) = 1 - g(x)/x": str(u), "(rhs - lhs) / (2 - u(x0))": str(factor)}
        if why:
            return Finding(Outcome.UNDECIDED, why, numbers)
        if not _boundary_excluded(model, parse, lhs, rhs):
            return Finding(Outcome.UNDECIDED, "the boundary lhs == rhs is not excluded", numbers)
        return Finding(Outcome.SUPPORTS, (
            f"for every {name} = {member} (m >= 0) and every {step} > 0: g(x) = x (1 - u), "
            f"u = {u} with an even positive exponent, and {spec.condition} reads "
            f"u(x0) < 2 with factor {factor}: {_ARGUMENT}"), numbers,
            coverage=Coverage(Scope.CLASS, {**_class(step, x0),
                                            name: family_text(first, stride)}))

    return (_symbolic("contraction_family_symbolic", run,
                      f"exact, every {name} in {family_text(first, stride)}"),)
