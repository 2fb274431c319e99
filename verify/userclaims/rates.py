"""The rate kind with a fitted exponent: an eventual rate, not a bound for every t.

* ``order = "sublinear"``, ``exponent = p``: metric(x_t) = O(t^-p), i.e. metric_t <= C t^-p
  for all t after a transient;
* ``order = "linear"``, ``factor = c``: metric_t <= C c^t after a transient.

The optimiser's path from the claimed start is computed for ``steps`` steps in mpmath and the
decay is fitted by least squares (:func:`mpmath.qr_solve`) over the tail:

* sublinear: log metric_t = a - p_fit log t, the fitted exponent p_fit;
* linear: log metric_t = a - lambda_fit t, the fitted decay lambda_fit = -log c_fit (c_fit the
  fitted contraction factor); the claimed decay is lambda = -log c.

The tail (the fit window) is t = T0..T1.  T1 is the last step before the metric first falls to
the rounding floor 10^-15 (1 + |metric_0|) (the same floor at every precision, so that every
precision fits the same window), else ``steps``.  T0 is ``after`` when the claim gives it;
otherwise the detected transient: with m the first step from which the metric decreases
strictly up to T1, T0 = m + (T1 - m) // 2 (the second half of the monotone tail).  At most
:data:`FIT_POINTS` steps of the window enter the fit (evenly spaced in log t for a sublinear
fit, in t for a linear one).

The window is fitted as a whole and in its two halves (t = T0..Tm and Tm..T1, Tm the middle):
the late fit (second half) estimates the eventual rate, and the change from the early fit to
the late one says whether the decay has settled.  Criterion: the claim fails at a point when the
late fitted decay is significantly below the claimed one, late < claimed - rho |claimed| with
rho = :data:`SLACK` (5 % for sublinear: a power law seen over a finite window carries
lower-order terms of relative size O(log t / t); 1 % for linear: the geometric tail converges
geometrically), *and* it has settled, |late - early| <= rho |claimed| / 5.  A transient of the
form (a t + b)^-p or with a c log t / t correction moves the local exponent by at least 0.3
times its remaining deficit between the two halves, so a true claim whose path is still in its
transient is never refuted: such a point counts as "below the claim but not settled" and leaves
the check undecided (run more steps).  A violation found at 30 digits is refitted
at ``ctx.dps`` and ``ctx.dps + 20`` digits (``ctx.dps + 40`` when those disagree) and refutes
only when two consecutive precisions agree on the fitted value to 10^-6 relative.  A path that
escapes or leaves the domain before the window is filled leaves its point undecided; a metric
that reaches the rounding floor before the window holds :data:`MIN_POINTS` steps is faster than
any rate the fit can measure: no violation, but a check where most points are like that is
undecided.
"""

from __future__ import annotations

import dataclasses

import mpmath
import sympy as sp

from proofs.compile import to_mpmath
from verify.checks.common import dec
from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.every_integer import CROSS_CHECK
from verify.userclaims.model import Model
from verify.userclaims.parse import MIN_FIT_POINTS as MIN_POINTS
from verify.userclaims.search import Probe, reevaluate, search, swamped
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier

SEARCH_DPS = 30
FLOOR_DIGITS = 15  # the rounding floor 10^-15 (1 + |metric_0|): SEARCH_DPS / 2, at every dps
FIT_POINTS = 200
SLACK = {"sublinear": mpmath.mpf("0.05"), "linear": mpmath.mpf("0.01")}


def window(values: list, after: int | None) -> tuple[int, int]:
    """(T0, T1) of the fit (see the module docstring); T1 < T0 + MIN_POINTS - 1 when the
    window cannot hold enough steps."""
    floor = mpmath.mpf(10) ** (-FLOOR_DIGITS) * (1 + abs(values[0]))
    end = next((t - 1 for t, v in enumerate(values) if v <= floor), len(values) - 1)
    if after is not None:
        return after, end
    mono = end
    while mono > 0 and values[mono - 1] > values[mono]:
        mono -= 1
    return mono + (end - mono) // 2, end


def fit(values: list, t0: int, t1: int, order: str):
    """The fitted decay over t0..t1: p_fit (sublinear, t0 >= 1) or lambda_fit (linear)."""
    span = range(max(t0, 1) if order == "sublinear" else t0, t1 + 1)
    if len(span) > FIT_POINTS:  # evenly spaced samples of the window
        if order == "sublinear":
            grid = [mpmath.exp(mpmath.log(span[0]) + k * (mpmath.log(span[-1]) - mpmath.log(
                span[0])) / (FIT_POINTS - 1)) for k in range(FIT_POINTS)]
        else:
            grid = [span[0] + k * (span[-1] - span[0]) / mpmath.mpf(FIT_POINTS - 1)
                    for k in range(FIT_POINTS)]
        span = sorted({int(mpmath.nint(g)) for g in grid})
    xs = [mpmath.log(t) if order == "sublinear" else mpmath.mpf(t) for t in span]
    A = mpmath.matrix([[1, x] for x in xs])
    b = mpmath.matrix([mpmath.log(values[t]) for t in span])
    coeffs, _residual = mpmath.qr_solve(A, b)
    return -coeffs[1]


def fits(values: list, t0: int, t1: int, order: str):
    """(whole window, early half, late half) fitted decays."""
    tm = (max(t0, 1 if order == "sublinear" else 0) + t1) // 2
    return fit(values, t0, t1, order), fit(values, t0, tm, order), fit(values, tm, t1, order)


def fitted_rate_search(model: Model, orbit_fn, finish, point_text, work: dict) -> Check:
    """The eventual-rate check (see the module docstring).  Where the claim's witness refutes
    the order (:func:`witness_check`), it fits a cross-check of a few points."""
    spec = model.spec
    instance = tuple(sorted(model.ints.items()))

    def witness_refutes(ctx: CheckContext) -> bool:
        key = (spec, instance, ctx.quick)
        if key not in _REFUTED:
            witness_check(model, orbit_fn, point_text).run(ctx)
        return _REFUTED[key]

    order = spec.order
    claimed_text = spec.exponent if order == "sublinear" else spec.factor
    some = claimed_text is None  # order = "linear" alone: some factor c < 1
    what = "exponent" if order == "sublinear" else "decay -log(factor)"

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        if spec.witness is None or ctx.at is not None or not witness_refutes(ctx):
            return fitted(ctx, crossed=False)
        found = fitted(ctx, crossed=True)  # the proven witness decides; the fit cross-checks
        return dataclasses.replace(found, detail=f"a cross-check beside the witness, which "
                                                 f"refutes the order: {found.detail}")

    def fitted(ctx: CheckContext, crossed: bool) -> Finding:
        start = model.mp_point(model.start)
        metric = model.mp(model.expr(spec.metric))
        claimed_fn = None if some else model.mp(model.expr(claimed_text))
        zeros = [0] * len(model.vars)
        examples = min(20 if ctx.quick else 80, work[ctx.quick] // (spec.steps + 1))
        if crossed:
            examples = min(examples, CROSS_CHECK[0] if ctx.quick else CROSS_CHECK[1])
        if examples < 3:
            return Finding(Outcome.UNDECIDED, f"budget exhausted ({spec.steps} steps per point: "
                           f"fewer than 3 points fit the {work[ctx.quick]} steps of one search)")
        deadline = Deadline(ctx)
        counts = {"too fast to fit": 0, "below the claim but not settled": 0}
        seen = {"worst": None}

        def measure(point, dps, span=None):
            """(margin, fitted, claimed, (T0, T1), (whole, early, late), settled); fitted 'open'
            (escaped) or 'fast' (no window) instead of a number when there is nothing to fit."""
            with mpmath.workdps(dps):
                args = model.numbers(point)
                value = None if some else claimed_fn(*zeros, *args)
                claimed = (None if some else value if order == "sublinear"
                           else -mpmath.log(value))
                orbit = orbit_fn(model, start(args), args, spec.steps, dps, deadline)
                values = []
                for x in orbit:
                    if any(v is None for v in x):  # not `None in x`: mpf == None is slow
                        break
                    v = metric(*x, *args)
                    if not (mpmath.isfinite(v) and mpmath.im(v) == 0):
                        break
                    values.append(mpmath.re(v))
                if not values:
                    return None, "open", claimed, (0, 0), None, False
                t0, t1 = span or window(values, spec.eventually)
                if t1 >= len(values) or (len(values) < spec.steps + 1 and t1 == len(values) - 1):
                    return None, "open", claimed, (t0, t1), None, False  # escaped early
                if t1 - max(t0, 1) + 1 < MIN_POINTS:
                    return None, "fast", claimed, (t0, t1), None, False
                whole, early, late = fits(values, t0, t1, order)
                if some:  # a decay > 0 not slowing down is a factor < 1 (a power law's local
                    # decay falls by ~30 % from the early half to the late one); a fit never
                    # refutes "some c < 1"
                    settled = late > 0 and late >= (1 - SLACK[order]) * early
                    return (late / (1 + late) if settled else mpmath.mpf(-1), late, late,
                            (t0, t1), (whole, early, late), settled)
                margin = (late - (claimed - SLACK[order] * abs(claimed))) / (1 + abs(claimed))
                settled = abs(late - early) <= SLACK[order] * abs(claimed) / 5
                return margin, late, claimed, (t0, t1), (whole, early, late), settled

        def evaluate(point):
            margin, fitted, claimed, span, three, settled = measure(point, SEARCH_DPS)
            info = {"fitted": fitted, "claimed": claimed, "window": span}
            if fitted == "open":
                return Probe(-1.0, {**info, "open": True})
            if fitted == "fast":
                counts["too fast to fit"] += 1
                return Probe(1.0, info, -1.0)
            if seen["worst"] is None or margin < seen["worst"][0]:
                seen["worst"] = (margin, three, span, point_text(point))
            if margin < 0 and not settled:
                counts["below the claim but not settled"] += 1
                return Probe(0.0, info, -float(margin))
            return Probe(max(float(margin), -1e300), info)

        def refute(point, probe):
            span = probe.info["window"]
            agreed = reevaluate(lambda dps: measure(point, dps, span), ctx.dps,
                                key=lambda run: run[1])
            if probe.info.get("open") or (agreed is not None
                                          and not isinstance(agreed.value[1], mpmath.mpf)):
                return Finding(Outcome.UNDECIDED, (
                    f"at {point_text(point)} the path escapes, leaves the metric's domain or "
                    f"stops short within t <= {spec.steps}: no tail to fit, cannot decide"), {})
            if agreed is None:
                return swamped(f"{point_text(point)} (the fitted {what})")
            margin, fitted, claimed, _span, three, settled = agreed.value
            if not (margin < 0 and settled):
                return None
            shown = _shown(fitted, claimed)
            return Finding(Outcome.REFUTES, (
                f"at {point_text(point)}: fitted {shown['fitted']} over the late tail t = "
                f"{(span[0] + span[1]) // 2}..{span[1]} is below the claimed {shown['claimed']} "
                f"by more than {dec(SLACK[order] * 100, 3)}%, and settled (whole window t = "
                f"{span[0]}..{span[1]}: {dec(three[0], 8)}, early half {dec(three[1], 8)})"),
                {"fit window": f"t = {span[0]}..{span[1]}"},
                Counterexample(at=point_text(point), observed=shown["fitted"],
                               claimed=f">= {shown['claimed']} (within "
                                       f"{dec(SLACK[order] * 100, 3)}%)",
                               tol=dec(SLACK[order], 3), margin=dec(margin, 20),
                               dps=agreed.dps,
                               note=f"least-squares fit of log metric on "
                                    f"{'log t' if order == 'sublinear' else 't'} over the late "
                                    f"half of t = {span[0]}..{span[1]}; {agreed.note}",
                               replay=point_text(point)))

        def _shown(fitted, claimed) -> dict[str, str]:
            if some:
                return {"fitted": f"factor {dec(mpmath.exp(-fitted), 10)}",
                        "claimed": "some factor < 1"}
            if order == "sublinear":
                return {"fitted": f"exponent {dec(fitted, 8)}", "claimed": f"exponent "
                        f"{dec(claimed, 8)}"}
            return {"fitted": f"factor {dec(mpmath.exp(-fitted), 10)} (decay {dec(fitted, 8)})",
                    "claimed": f"factor {dec(mpmath.exp(-claimed), 10)} (decay "
                               f"{dec(claimed, 8)})"}

        result = search(model, evaluate, ctx.seed, examples, at=ctx.at, deadline=deadline,
                        confirm=refute, quick=ctx.quick)
        finding = finish(result, model, f"the {order} rate (fitted over the tail)", refute)
        numbers = {**finding.numbers, "points too fast to fit": str(counts["too fast to fit"])}
        numbers.update({"points below the claim but not settled":
                        str(counts["below the claim but not settled"])})
        lowest = ""
        if seen["worst"] is not None:
            _margin, (whole, early, late), span, at = seen["worst"]
            lowest = (f"smallest late fitted {what} {dec(late, 8)} (t = {(span[0] + span[1]) // 2}"
                      f"..{span[1]}; whole window t = {span[0]}..{span[1]}: {dec(whole, 8)}, "
                      f"early half {dec(early, 8)}) at {at}")
            numbers["smallest fitted " + what] = lowest
        if finding.outcome is Outcome.SUPPORTS:
            if counts["too fast to fit"] * 2 > result.examples:
                return Finding(Outcome.UNDECIDED, f"no violation, but at most points the metric "
                               f"reached rounding level before {MIN_POINTS} tail steps: too fast "
                               "to fit", numbers)
            if counts["below the claim but not settled"] and some:
                return Finding(Outcome.UNDECIDED, (
                    f"at {counts['below the claim but not settled']} points the fitted decay is "
                    "not steady and positive over the window's halves (no factor c < 1 seen; "
                    f"a finite fit never refutes 'some c < 1'); {lowest}"), numbers)
            if counts["below the claim but not settled"]:
                return Finding(Outcome.UNDECIDED, (
                    f"no settled violation, but at {counts['below the claim but not settled']} "
                    f"points the fitted {what} is below the claim and still moving between the "
                    f"window's halves (a transient): run more steps; {lowest}"), numbers)
            detail = finding.detail + (f"; {lowest}" if lowest else "")
            return Finding(Outcome.SUPPORTS, detail, numbers, coverage=finding.coverage)
        return Finding(finding.outcome, finding.detail, numbers, finding.counterexample,
                       coverage=finding.coverage)

    return Check("rate_fit_search", Tier.PRECISE, run,
                 "Hypothesis over the box, GD in mpmath, least-squares rate over the tail")


# ------------------------------------------------------------------ a proven sublinear witness

# whether a claim's witness refuted its order, per (spec, instance, quick), in this process: the
# fit then runs as a cross-check (fitted_rate_search)
_REFUTED: dict = {}


def _witness_point(model: Model, at: dict[str, str] | None) -> dict[str, sp.Rational] | None:
    """The exact parameter point of a witness where the assumptions hold: the replay's, else
    the first of the box's centre, lower and upper corner (None: no such point)."""
    free = model.box.free
    if at:
        if not all(n in at for n in free):
            return None
        picks = [{n: sp.Rational(str(at[n])) for n in free}]
    else:
        picks = [{n: pick(lo, hi) for n, (lo, hi) in free.items()} for pick in (
            lambda lo, hi: (lo + hi) / 2, lambda lo, hi: lo, lambda lo, hi: hi)]
    return next((point for point in picks if model.assumptions_hold(point)), None)


def _order_bound(model: Model, exact: dict, t: sp.Symbol) -> sp.Expr | None:
    """The claimed order's bound at the exact point: c^t (a factor), t^-p (an exponent), None
    (some factor c < 1)."""
    spec = model.spec
    if spec.order == "linear" and spec.factor is None:
        return None
    if spec.order == "linear":
        return model.pin(model.expr(spec.factor)).subs(exact) ** t
    return t ** -model.pin(model.expr(spec.exponent)).subs(exact)


def _too_slow(lower: sp.Expr, bound: sp.Expr | None, t: sp.Symbol) -> bool:
    """Whether ``lower`` (a function of t alone) is, exactly, positive for large t and
    eventually above every bound the order allows: lower(t+1)/lower(t) -> 1 (some factor
    c < 1: every C c^t falls below it), else lower/bound -> oo."""
    if lower.is_positive is not True:  # a bound at or below 0 bounds nothing
        return False
    if bound is None:
        return sp.limit(sp.simplify(lower.subs(t, t + 1) / lower), t, sp.oo) == 1
    return sp.limit(lower / bound, t, sp.oo) is sp.oo


def witness_check(model: Model, orbit_fn, point_text) -> Check:
    """Refutes the claimed order from a proven lower bound (``witness``): metric(x_t) >=
    lower(t) for every t, proven by the cited derivation (its statement is the rate claim
    "-metric <= -lower", compared key by key, :mod:`verify.userclaims.cite`), and lower too
    slow for the order, decided exactly at an exact point of the box (its centre, or a corner,
    where the assumptions hold; a replay's point): lower(t+1)/lower(t) -> 1 for some factor
    c < 1, lower/c^t -> oo for a factor c, lower t^p -> oo for an exponent p (SymPy's limit
    in t, lower > 0 there).  The path from that point is then run at the run's digits for
    ``steps`` steps and must stay above lower (a consistency check of the proof: a path
    below it leaves the check undecided).  Without a proof, or where SymPy cannot take the
    limit, undecided; it never supports (a fitted rate does that)."""
    spec = model.spec
    lower_text, stated = spec.witness
    t = sp.Symbol("t", positive=True)

    def run(ctx: CheckContext) -> Finding:
        finding = decide(ctx)
        if ctx.at is None:  # read by the fit (a cross-check where the witness refutes)
            _REFUTED[(spec, tuple(sorted(model.ints.items())), ctx.quick)] = (
                finding.outcome is Outcome.REFUTES)
        return finding

    def decide(ctx: CheckContext) -> Finding:
        from verify.userclaims.cite import derivation_check

        proof = derivation_check(stated).run(ctx)
        numbers = {"lower bound": lower_text,
                   **{f"proof: {k}": v for k, v in proof.numbers.items()}}
        if proof.outcome is not Outcome.SUPPORTS:
            return Finding(Outcome.UNDECIDED, f"the witness is not proven: {proof.detail}",
                           numbers)
        point = _witness_point(model, ctx.at)
        if point is None:
            return Finding(Outcome.UNDECIDED, "no witness point: the replay's point, or the "
                           "box's centre and corners, fail the assumptions", numbers)
        exact = {model.params[n]: v for n, v in point.items()}
        lower = model.pin(model.expr(lower_text, {"t": t})).subs(exact)
        bound = _order_bound(model, exact, t)
        if lower.free_symbols - {t} or not _too_slow(lower, bound, t):
            return Finding(Outcome.UNDECIDED, f"SymPy does not show that {lower_text} decays "
                           f"more slowly than the claimed order at {point}", numbers)
        with mpmath.workdps(ctx.dps):
            args = [mpmath.mpf(point[n].p) / point[n].q for n in model.free_names]
            path = orbit_fn(model, model.mp_point(model.start)(args), args, spec.steps, ctx.dps)
            metric, low = model.mp(model.expr(spec.metric)), to_mpmath(lower, [t])
            values = [metric(*x, *args) for x in path if all(v is not None for v in x)]
            end = len(values) - 1
            if end < spec.steps:
                return Finding(Outcome.UNDECIDED, f"at {point}: the path stops at t = {end} "
                               "(escaped or not real)", numbers)
            gaps = [v - low(k) for k, v in enumerate(values)]
            worst = min(range(end + 1), key=gaps.__getitem__)
            ratio = values[end] / values[end - 1]
            numbers.update({"point": ", ".join(f"{n} = {v}" for n, v in point.items()),
                            f"metric, lower at t = {end}": f"{dec(values[end], 12)}, "
                                                           f"{dec(low(end), 12)}",
                            "last one-step ratio": dec(ratio, 12)})
            if gaps[worst] < -mpmath.mpf(10) ** (-(ctx.dps // 2)) * (1 + abs(low(worst))):
                return Finding(Outcome.UNDECIDED, (
                    f"at {point} the path falls below the proven lower bound at t = {worst} "
                    f"({dec(values[worst], 12)} < {dec(low(worst), 12)}): the derivation does "
                    "not describe this path"), numbers)
        claimed = "C c^t for some c < 1" if bound is None else f"O({bound})"
        why = "lower(t+1)/lower(t) -> 1" if bound is None else f"lower(t)/({bound}) -> oo"
        replay = {n: str(v) for n, v in point.items()}
        return Finding(Outcome.REFUTES, (
            f"at {replay}: {spec.metric} >= {lower_text} for every t (proven: "
            f"{stated.derivation}) and {why} (SymPy, exact): {spec.metric} = {claimed} fails"),
            numbers, Counterexample(
                at=replay, observed=f"{spec.metric} >= {lower_text} for every t; at t = {end}: "
                                    f"{dec(values[end], 12)}, one-step ratio {dec(ratio, 12)}",
                claimed=f"{spec.metric} <= {claimed}", tol="0", margin=dec(gaps[end], 12),
                dps=ctx.dps, note=f"the lower bound is proven by {stated.derivation} for every "
                                  f"t and, exactly, {why}; the path run at {ctx.dps} digits "
                                  f"for t <= {end} stays above it", replay=replay))

    return Check("witness", Tier.SYMBOLIC, run,
                 f"the cited derivation {stated.derivation} ({spec.metric} >= {lower_text} for "
                 "every t), SymPy's limit in t at a point of the box, the path at the run's digits")
