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

import mpmath

from verify.checks.common import dec
from verify.userclaims.budget import Deadline, budgeted
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
    """The eventual-rate check (see the module docstring)."""
    spec = model.spec
    order = spec.order
    claimed_text = spec.exponent if order == "sublinear" else spec.factor
    what = "exponent" if order == "sublinear" else "decay -log(factor)"

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        start = model.mp_point(model.start)
        metric = model.mp(model.expr(spec.metric))
        claimed_fn = model.mp(model.expr(claimed_text))
        zeros = [0] * len(model.vars)
        examples = min(20 if ctx.quick else 80, work[ctx.quick] // (spec.steps + 1))
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
                value = claimed_fn(*zeros, *args)
                claimed = value if order == "sublinear" else -mpmath.log(value)
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
