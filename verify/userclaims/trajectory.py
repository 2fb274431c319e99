"""The trajectory kind: a quantity along the optimiser's path, for any model and optimiser.

Three forms (exactly one per claim):

* ``bound``: q(x_t) ``relation`` bound(t) for t = after..steps (edge of stability: "sharpness
  <= 2/eta after 500 steps");
* ``monotone``: q(x_t) non-increasing (or non-decreasing) for t = after..steps;
* ``drift``: |q(x_t) - q(x_0)| <= drift for t = after..steps (a conserved quantity of gradient
  flow, and how far GD moves it).

Hypothesis searches the box with the path in mpmath at 30 digits; a violation is re-evaluated by
the shared :func:`verify.userclaims.search.reevaluate` (``ctx.dps``, ``+ 20``, ``+ 40`` digits) and
refutes only when two consecutive precisions agree on its margin.  An orbit that escapes or leaves the loss's
domain before any violation leaves its point undecided.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from proofs.compile import to_mpmath
from verify.checks.common import dec
from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.every_integer import crossed, search_draws
from verify.userclaims.model import Model
from verify.userclaims.search import Probe, reevaluate, search, swamped
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier

SEARCH_DPS = 30
_TOL = mpmath.mpf("1e-20")  # relative margin below which a comparison is rounding


def trajectory_search(model: Model, orbit_fn, finish, point_text, work: dict) -> Check:
    """The trajectory kind's check (see the module docstring); ``orbit_fn`` is the checks'
    ``_orbit`` (the optimiser's path at a precision, stopping where it escapes)."""
    spec = model.spec
    t = sp.Symbol("t", real=True)

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        start = model.mp_point(model.start)
        quantity = model.quantity(spec.quantity)
        free = [model.params[n] for n in model.free_names]
        bound = (to_mpmath(model.pin(model.expr(spec.bound, {"t": t})), [t] + free)
                 if spec.bound else None)
        drift = model.mp(model.expr(spec.drift)) if spec.drift else None
        examples = min(20 if ctx.quick else 60, work[ctx.quick] // (spec.steps + 1))
        if examples < 3:
            return Finding(Outcome.UNDECIDED, f"budget exhausted ({spec.steps} steps per point: "
                           f"fewer than 3 points fit the {work[ctx.quick]} steps of one search)")
        deadline = Deadline(ctx)
        ties = {"n": 0}

        def worst(point, dps):
            """(margin, t, value, limit, complete) at the worst t of the path."""
            with mpmath.workdps(dps):
                args = model.numbers(point)
                orbit = orbit_fn(model, start(args), args, spec.steps, dps, deadline)
                values = []
                for k, x in enumerate(orbit):
                    if any(v is None for v in x):  # not `None in x`: mpf == None is slow
                        break
                    values.append(quantity(x, args, k))
                out = (mpmath.inf, None, None, None)
                for k in range(spec.after, len(values)):
                    value = values[k]
                    if spec.monotone:
                        if k + 1 >= len(values):
                            break
                        step = values[k + 1] - value
                        limit = value
                        value = values[k + 1]
                        margin = (-step if spec.monotone == "nonincreasing" else step) / (
                            1 + abs(limit))
                    elif drift is not None:
                        limit = drift(*[0] * len(model.vars), *args)
                        margin = (limit - abs(value - values[0])) / (1 + abs(limit))
                        value = abs(value - values[0])
                    else:
                        limit = bound(k, *args)
                        diff = (limit - value) / (1 + abs(limit))
                        margin = diff if spec.relation in ("<=", "<") else -diff
                    if margin < out[0]:
                        out = (margin, k, value, limit)
                complete = len(values) == spec.steps + 1
                return (*out, complete)

        def evaluate(point):
            margin, k, value, limit, complete = worst(point, SEARCH_DPS)
            info = {"t": k, "value": value, "limit": limit}
            if margin < -_TOL:
                return Probe(max(float(margin), -1e300), info)
            if not complete:
                return Probe(-1.0, {**info, "open": True})
            if spec.relation in ("<", ">") and abs(margin) <= _TOL:
                ties["n"] += 1  # equality within rounding: a strict relation is not decided
            # within rounding of 0 is not a violation; Hypothesis is still steered by the margin
            return Probe(max(float(margin), 0.0), info, -float(margin))

        def refute(point, probe):
            settled = reevaluate(lambda dps: worst(point, dps), ctx.dps, key=lambda r: r[0])
            if settled is None:
                return swamped(str(point_text(point)))
            margin, k, value, limit, _complete = settled.value
            if not margin < 0:  # agreed at two precisions: a value, not rounding noise
                if probe.info.get("open"):
                    return Finding(Outcome.UNDECIDED, (
                        f"at {point_text(point)} the path escapes or leaves the loss's domain "
                        f"after {k} steps, before any violation: cannot decide"), {})
                return None
            what = {"<=": "<=", "<": "<", ">=": ">=", ">": ">"}.get(spec.relation, "")
            if spec.monotone:
                claimed = f"{spec.monotone}: q(x_{k + 1}) vs q(x_{k}) = {dec(limit, 20)}"
            elif drift is not None:
                claimed = f"drift <= {dec(limit, 20)}"
            else:
                claimed = f"{what} {dec(limit, 20)}"
            return Finding(Outcome.REFUTES, (
                f"at {point_text(point)}, t = {k + (1 if spec.monotone else 0)}: "
                f"{spec.quantity} = {dec(value, 15)} breaks {claimed} (relative margin "
                f"{dec(margin, 3)})"), {},
                Counterexample(at={**point_text(point), "t": str(k)}, observed=dec(value, 25),
                               claimed=claimed, tol="0", margin=dec(margin, 20),
                               dps=settled.dps, note=f"relative margin; the path {settled.note}",
                               replay=point_text(point)))

        # a cross-check of fewer points where a cited derivation proves the claim
        draws, prefix = search_draws(spec, None, ctx, examples)
        result = search(model, evaluate, ctx.seed, draws, at=ctx.at, deadline=deadline,
                        confirm=refute, quick=ctx.quick)
        finding = crossed(finish(result, model, f"the trajectory claim for t = {spec.after}.."
                                                f"{spec.steps}", refute), prefix)
        if finding.outcome is Outcome.SUPPORTS and ties["n"]:
            return Finding(Outcome.UNDECIDED, f"no violation, but at {ties['n']} points the "
                           f"quantity equals the bound within rounding: the strict relation "
                           f"{spec.relation} is not decided there", finding.numbers)
        return finding

    return Check("trajectory_search", Tier.PRECISE, run,
                 "Hypothesis over the box, the optimiser's path in mpmath")
