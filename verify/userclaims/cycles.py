"""Convergence to a k-cycle (``kind = "convergence"``, ``target = "cycle"``, ``period = k``).

The claim: GD from the start converges to an orbit of least period k, the distance of x_t from
the orbit tends to 0 (and, when ``points`` are given, the orbit is the claimed one).  Converging
to a fixed point, to an orbit of a shorter period, to a k-cycle other than the claimed points or
to no cycle at all (diverging, cycling with another period, wandering boundedly) is a violation.

How a path ends (:func:`cycle_behaviour`), at tolerance tol = 10^-(dps/2) relative:

* the k subsequences x_(T-i), x_(T-i-k), ... (i = 0..k-1, ending at the last iterates) are
  classified by the convergence kind's :func:`verify.userclaims.checks._behaviour` against the
  claimed points (matched to x_T by distance, the others in orbit order); all 'converges':
  'converges' (to the claimed cycle);
* without points, or when they are not reached: the subsequence ending at x_T settles (its last
  step at rounding level, or its extrapolated remaining travel below tol, as ``_behaviour``'s
  'elsewhere') at a point P; then x_T and x_(T-d) closer than 10^-(dps/4) relative for a proper
  divisor d of k means least period d: 'fixed' (d = 1) or 'shorter'; otherwise 'converges'
  without points and 'other' (another k-cycle) with them;
* an iterate escaped: 'diverges'; not real and finite: 'undefined';
* not settled, but x_T returns within tol times its own motion after p = 2..8 steps: 'cycle'
  (another period); the subsequence's step lengths over the last quarter of the run have a
  median above 10^-3 of the state's size and at least half the previous quarter's: 'wanders'
  (bounded, not converging); else 'slow' (too few steps to tell: never a violation).
"""

from __future__ import annotations

import statistics

import mpmath

from verify.checks.common import dec
from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.checks import Lazy, with_exceptions, with_tally
from verify.userclaims.model import Model
from verify.userclaims.search import Probe, reevaluate, search, swamped
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier

# What contradicts "converges to the k-cycle", and what contradicts "diverges" (otherwise).
VIOLATIONS = ("diverges", "fixed", "shorter", "other", "cycle", "wanders")
NOT_DIVERGING = ("converges", "fixed", "shorter", "other", "cycle")
SEEN = {"converges": "converges to the claimed k-cycle", "diverges": "diverges",
        "fixed": "converges to a fixed point", "shorter": "converges to an orbit of a shorter "
        "period", "other": "converges to another k-cycle than the claimed points",
        "cycle": "ends in a cycle of another period", "wanders": "wanders without settling "
        "(bounded, not converging)", "slow": "has not settled", "undefined":
        "leaves the loss's domain"}


def cycle_behaviour(orbit, period: int, points, dps: int, behaviour, dist, tail,
                    escape) -> str:
    """How the path ``orbit`` ends against a k-cycle (see the module docstring); ``points``
    the claimed cycle's points (or None); ``behaviour``, ``dist``, ``tail``, ``escape`` the
    convergence kind's helpers."""
    last = orbit[-1]
    if None in last:
        return "undefined"
    if any(abs(v) > escape(orbit[0]) for v in last):
        return "diverges"
    T = len(orbit) - 1
    subs = [orbit[(T - i) % period::period] for i in range(period)]
    with mpmath.workdps(dps):
        if points:
            j = min(range(period), key=lambda m: dist(last, points[m]))
            if all(behaviour(subs[i], points[(j - i) % period], dps) == "converges"
                   for i in range(period)):
                return "converges"
        tol = mpmath.mpf(10) ** (-(dps // 2))
        scale = 1 + max(abs(v) for v in last)
        sub = subs[0]
        steps = Lazy(len(sub) - 1, lambda k: dist(sub[k + 1], sub[k]))
        if len(steps) <= 20:
            return "slow"
        rounding = mpmath.mpf(10) ** (5 - dps) * max(abs(v) for v in last)
        if steps[-1] <= rounding or tail(steps) <= tol * scale:  # settled at a point P
            separate = mpmath.mpf(10) ** (-(dps // 4)) * scale
            for d in range(1, period):
                if period % d == 0 and dist(last, orbit[T - d]) <= separate:
                    return "fixed" if d == 1 else "shorter"
            return "other" if points else "converges"
        motion = [dist(orbit[k + 1], orbit[k]) for k in range(T - 8, T)]
        for p in range(2, 9):
            if p % period and dist(last, orbit[T - p]) <= tol * max(motion[-p:]):
                return "cycle"
        quarter = max(len(steps) // 4, 1)
        late = statistics.median(steps[-quarter:])
        if late >= mpmath.mpf("1e-3") * scale and late >= statistics.median(
                steps[-2 * quarter:-quarter]) / 2:
            return "wanders"
        return "slow"


def cycle_convergence_search(model: Model, orbit_fn, behaviour, helpers, finish, point_text,
                             work: dict) -> Check:
    """Hypothesis over the box: GD from the claimed start, its ending classified by
    :func:`cycle_behaviour`; refutes where the condition (if any) holds and the path does not
    converge to the k-cycle (or, with ``otherwise = "diverges"``, the condition fails and the
    path does not diverge), after the path recomputed at rising precisions ends the same way
    at two of them in a row (:func:`~verify.userclaims.search.reevaluate`)."""
    spec = model.spec
    k = spec.period

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        start = model.mp_point(model.start)
        claimed = [model.mp_point([model.expr(e) for e in p]) for p in spec.points]
        cond = model.pin(model.expr(spec.condition)) if spec.condition else None
        # except_preimages: a path landing on an excluded start point is excluded too
        landings = [model.mp_point([model.expr(e) for e in p]) for p in spec.exceptions
                    if spec.except_preimages and isinstance(p, tuple)]
        slack_fn = model.mp(cond.lhs - cond.rhs) if cond is not None else None
        steps = 300 if ctx.quick else 1500
        examples = min(40 if ctx.quick else 200, work[ctx.quick] // steps)
        tally = dict.fromkeys(SEEN, 0)
        deadline = Deadline(ctx)

        def classify(point, dps):
            with mpmath.workdps(dps):
                args = model.numbers(point)
                slack = slack_fn(*[0] * len(model.vars), *args) if slack_fn else mpmath.mpf(1)
                holds = bool(cond.func(slack, 0)) if cond is not None else True
                orbit = orbit_fn(model, start(args), args, steps, dps, deadline)
                pts = [c(args) for c in claimed] or None
                seen = cycle_behaviour(orbit, k, pts, dps, behaviour, *helpers)
                landed = landings and (wrong(holds, seen) or seen == "undefined") and lands(
                    orbit, [f(args) for f in landings], dps)
                return holds, seen, slack, orbit[-1], bool(landed)

        def lands(orbit, marks, dps):
            near = mpmath.mpf(10) ** (10 - dps)
            return any(helpers[0](x, m) <= near * (1 + max(map(abs, m)))
                       for x in orbit if all(v is not None for v in x) for m in marks)

        def wrong(holds, seen):
            return seen in VIOLATIONS if holds else (spec.otherwise == "diverges"
                                                     and seen in NOT_DIVERGING)

        def evaluate(point):
            holds, seen, slack, _, landed = classify(point, ctx.dps)
            tally[seen] += 1
            bad = (wrong(holds, seen) or seen == "undefined") and not landed
            guide = -abs(float(slack)) if cond is not None else 0.0
            return Probe(-1.0 if bad else 1.0, {"condition": holds, "observed": seen}, guide)

        exclude = model.excluded if model.spec.exceptions else None

        def refute(point, probe):
            if exclude is not None and exclude(point):
                return None  # a start in the exception set never refutes
            # the same re-evaluation as every kind: two precisions must agree on the behaviour
            settled = reevaluate(lambda dps: classify(point, dps), ctx.dps,
                                 key=lambda r: r[:2])
            if settled is None:
                return swamped(point_text(point))
            holds, seen, slack, last, landed = settled.value
            if landed or not wrong(holds, seen):
                if seen == "undefined":
                    return Finding(Outcome.UNDECIDED, (
                        f"at {point_text(point)} an iterate of GD is not real and finite: "
                        "cannot decide"), {})
                return None
            expected = f"converges to a {k}-cycle" if holds else "diverges"
            condition = f"the condition is {holds} but " if cond is not None else ""
            return Finding(Outcome.REFUTES, (
                f"at {point_text(point)} {condition}GD {SEEN[seen]} "
                f"(at {settled.dps} digits, {steps} steps)"), {},
                Counterexample(at=point_text(point), observed=seen, claimed=expected,
                               tol=f"1e-{settled.dps // 2} (relative)",
                               margin=(f"condition slack {dec(slack, 20)}" if cond is not None
                                       else "no condition"), dps=settled.dps,
                               note=f"GD {SEEN[seen]}; last iterate "
                                    f"{[dec(v, 15) if v is not None else None for v in last]}",
                               replay=point_text(point)))

        result = search(model, evaluate, ctx.seed, examples, at=ctx.at, deadline=deadline,
                        confirm=refute, exclude=exclude, quick=ctx.quick)
        return with_exceptions(with_tally(finish(result, model, f"convergence to a {k}-cycle",
                                                 refute), tally, steps), model, result)

    return Check("cycle_convergence_search", Tier.PRECISE, run,
                 "Hypothesis over the box, GD in mpmath from the claimed start")
