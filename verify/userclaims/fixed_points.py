"""A convergence claim's point target must be a critical point of the loss.

With a constant step (GD, heavy ball, Nesterov), an orbit that converges to x* under a map
continuous at x* ends at a fixed point of the map, and the fixed points of these optimisers are
the critical points of the loss (grad f(x*) = 0, velocity 0).  So a point target where the
gradient is not 0, at a parameter point where the claim's condition holds, refutes the claim
for every start there, however small the gradient: the loss (x - 10^-30)^2 with target 0 passed
every search (its orbits end 10^-30 from the target, inside the search's tolerance).

:func:`target_critical` can only refute: where the gradient is 0, or cannot be shown nonzero, it
is undecided, an attempt that blocks no verdict.  It applies to a constant step only (a
schedule summing to a finite length can stop GD anywhere) and to losses whose gradient has no
kink (Abs, sign, Heaviside, Piecewise, Min, Max: the map may be discontinuous at x*).
"""

from __future__ import annotations

import sympy as sp

from verify.checks.common import dec
from verify.userclaims.budget import budgeted, under_deadline, require_small
from verify.userclaims.exact_points import nonzero_value, rational_points
from verify.userclaims.model import Model
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier

KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.Piecewise, sp.Min, sp.Max, sp.floor, sp.ceiling)


def applies(model: Model) -> bool:
    spec = model.spec
    return (spec.kind == "convergence" and not spec.period and not spec.to_set
            and spec.schedule is None and model.loss is not None)


def target_critical(model: Model) -> tuple[Check, ...]:
    """Symbolic attempt: grad f at the claimed target, at exact rational points of the box
    (:func:`verify.userclaims.exact_points.rational_points`, or the replayed point) where the
    condition and the assumptions hold and the start is not excepted; a coordinate two
    precisions agree is nonzero refutes."""
    if not applies(model):
        return ()
    spec = model.spec

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        gradient = model.pin(model.gradient)
        if gradient.has(*KINKS):
            return Finding(Outcome.UNDECIDED, "the gradient has a kink: GD's map may be "
                           "discontinuous at the target, where a limit need not be fixed")
        require_small(*gradient)
        limits = spec.target * len(model.vars) if spec.target_every else spec.target
        target = [model.pin(model.expr(e)) for e in limits]
        at_target = gradient.xreplace(dict(zip(model.vars, target)))
        condition = model.pin(model.expr(spec.condition)) if spec.condition else sp.true
        points = ([{n: sp.Rational(str(v)) for n, v in ctx.at.items()}] if ctx.at
                  else rational_points(model.box.free))
        for point in points:
            values = {model.params[n]: v for n, v in point.items() if n in model.params}
            if (condition.xreplace(values) is not sp.true
                    or not model.assumptions_hold({n: point[n] for n in model.free_names})
                    or model.excluded(point) is not None):
                continue
            for k, entry in enumerate(at_target):
                agreed = nonzero_value(entry.xreplace(values), ctx.dps)
                if agreed is None:
                    continue
                at = {n: str(v) for n, v in point.items()}
                return Finding(Outcome.REFUTES, (
                    f"at {at} the condition holds, but the target is not a critical point: "
                    f"coordinate {k} of grad f there is {dec(agreed.value, 15)}, so no GD orbit "
                    "(constant step) converges to it"), {},
                    Counterexample(at=at, observed=f"grad f(target)[{k}] = "
                                   f"{dec(agreed.value, 25)}", claimed="GD converges to the "
                                   "target", tol="0", margin=dec(agreed.value, 20),
                                   dps=agreed.dps, note="a limit of GD with a constant step, "
                                   "where the map is continuous, is a fixed point: grad f = 0; "
                                   + agreed.note, replay=at))
        return Finding(Outcome.UNDECIDED, "grad f at the target is 0 (or not shown nonzero) "
                       "at the exact points tried: a necessary condition only")

    return (Check("target_critical", Tier.SYMBOLIC, run,
                  "exact: grad f at the target, at rational points of the box", attempt=True),)
