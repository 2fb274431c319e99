"""The ``sole_limit`` kind: every convergent GD run ends at x*.

Nar & Sastry (2018), talk slides 2-3 ("Gradient Descent: Effect of Step Size"): "If the
algorithm converges with delta = 0.3, the solution is x1*".  A claim of this kind names a loss
in one variable, its step (pinned, or an interval: every step in it) and ``equilibrium``; it
states that at every step of the box a GD run that converges (to a point) converges to x*, for
almost every start (a run landing exactly on another critical point is the exception).  Every
parameter other than the step is pinned.  Two checks:

* :func:`sole_limit_symbolic`: a polynomial loss and an exact step: every real critical point of
  f in an exact isolating interval with its multiplier 1 - delta f'' classified exactly by
  Sturm counting (:func:`proofs.critical_points.equilibrium_multipliers`).  Supports when x*
  attracts and every other critical point repels: a convergent run ends at a critical point,
  and a polynomial map reaches a repelling fixed point only by landing on it exactly (its
  countably many preimages).  Undecided otherwise (another critical point that attracts is
  refuted by the search, with a start).
* :func:`sole_limit_search`: float64 GD from uniform starts in ``region`` (the claim's key,
  default [-2, 2]) at the step (five steps spread over its interval); a run that settles on a
  fixed point other than x* is replayed at ``ctx.dps`` digits and refutes only when the replay
  confirms it.  Covers the starts drawn, never more (sampled).
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics import gd as batch
from proofs.critical_points import equilibrium_multipliers
from proofs.identities import prove_zero
from verify.checks.common import ScalarProblem, dec, numpy_map, replay, set_text
from verify.userclaims.budget import budgeted, under_deadline
from verify.userclaims.model import Model
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

STARTS = {True: 2_000, False: 8_000}  # float64 starts per step size (quick, full)
STEPS = {True: 1_500, False: 4_000}  # GD steps per run (quick, full)


def _problem(model: Model) -> ScalarProblem:
    """The claim's loss as the shared engines' problem (the pinned parameters but the step)."""
    spec = model.spec
    return ScalarProblem(spec.loss, var=spec.variables[0], step=spec.step,
                         fixed={k: str(v) for k, v in model.box.pinned.items() if k != spec.step})


def _target(model: Model) -> sp.Expr:
    """x*, the pinned parameters substituted (it may depend on a free step)."""
    return model.pin(model.expr(model.spec.equilibrium[0]))


def sole_limit_symbolic(model: Model) -> Check:
    """Symbolic: every real critical point at the exact step (see the module docstring)."""
    spec = model.spec

    def run(ctx: CheckContext) -> Finding:
        x, step = model.vars[0], model.step
        if spec.step in model.box.free:
            return Finding(Outcome.UNDECIDED, f"the step {spec.step} is an interval: the exact "
                           "route classifies the critical points at one exact step; the search "
                           "decides")
        d = model.box.pinned[spec.step]
        loss = model.pin(model.loss)
        target = _target(model)
        if not prove_zero(model.pin(model.gradient[0]).subs(x, target)):
            raise ValueError(f"claim '{spec.id}': key 'equilibrium': {spec.equilibrium[0]} is "
                             "not a critical point of the loss")
        if not (loss.is_polynomial(x) and sp.Poly(loss, x).degree() >= 2):
            return Finding(Outcome.UNDECIDED, "the loss is not a polynomial of degree >= 2 in "
                           f"{x}: its critical points are not enumerated exactly")
        kinds = equilibrium_multipliers(loss, x, sp.Rational(d))
        numbers = {f"critical point in [{lo}, {hi}]": kind for lo, hi, kind in kinds}
        try:  # the isolating intervals are disjoint: the one holding x* is x*'s own
            holding = [i for i, (lo, hi, _) in enumerate(kinds) if bool(lo <= target <= hi)]
        except TypeError:
            holding = []
        if len(holding) != 1:
            return Finding(Outcome.UNDECIDED, f"{spec.equilibrium[0]} is not located in one "
                           "isolating interval", numbers)
        others = [k for i, k in enumerate(kinds) if i != holding[0]]
        if kinds[holding[0]][2] != "attracting":
            return Finding(Outcome.UNDECIDED, f"x* = {spec.equilibrium[0]} does not attract at "
                           f"{step} = {d}", numbers)
        if any(kind != "repelling" for _, _, kind in others):
            return Finding(Outcome.UNDECIDED, f"another critical point does not repel at "
                           f"{step} = {d}; the search looks for a start that settles there",
                           numbers)
        return Finding(Outcome.SUPPORTS, (
            f"at {step} = {d} f has {len(kinds)} real critical points (exact isolating "
            f"intervals): x* = {spec.equilibrium[0]} attracts and the {len(others)} others "
            "repel, so a convergent run ends at x* unless it lands exactly on a repelling one "
            "(countably many starts: g is a nonconstant polynomial)"), numbers,
            coverage=model.coverage(Scope.CLASS))

    return Check("sole_limit_symbolic", Tier.SYMBOLIC, budgeted(under_deadline(run)),
                 "exact, every real critical point at the step", attempt=True)


def sole_limit_search(model: Model) -> Check:
    """Empirical: float64 GD from uniform starts, replayed at high precision (see the module
    docstring)."""
    spec = model.spec
    name, step = spec.variables[0], spec.step
    region = tuple(float(sp.Rational(v)) for v in spec.region)
    if step in model.box.free:
        lo, hi = (float(v) for v in model.box.free[step])
        sizes = tuple(dict.fromkeys(float(f"{d:.3g}") for d in np.geomspace(lo, hi, 5)))
    else:
        sizes = (float(model.box.pinned[step]),)
    target = _target(model)

    def run(ctx: CheckContext) -> Finding:
        quick = ctx.quick
        n, steps = STARTS[quick], STEPS[quick]
        starts, deltas = ctx.rng().uniform(*region, n), sizes
        if ctx.at is not None:  # a replay: that one start (at that one step)
            n, starts = 1, np.array([float(ctx.at[name])])
            deltas = (float(ctx.at.get(step, sizes[0])),)
        problem = _problem(model)
        runs = batch.run_scalar(numpy_map(problem), starts, np.array(deltas), steps,
                                rtol=1e-10)
        goal = np.array([float(target.subs(model.step, sp.Float(d))) for d in deltas])
        fixed = runs.kind == batch.FIXED
        home = fixed & (np.abs(runs.tail[..., -1] - goal[:, None]) <= 1e-7 * (1 + np.abs(
            goal[:, None])))
        wrong = np.argwhere(fixed & ~home)
        numbers = {"starts per step": str(n), "steps": str(steps), "step sizes": set_text(deltas),
                   "converged to a point": str(int(fixed.sum())), "of which to x*":
                   str(int(home.sum()))}
        for i, j in wrong[:5]:
            d, x0 = deltas[i], float(starts[j])
            orbit = replay(problem, repr(x0), repr(d), steps, ctx.dps)
            with mpmath.workdps(ctx.dps):
                goal_mp = mpmath.mpf(sp.N(target.subs(model.step, sp.Rational(repr(d))),
                                          ctx.dps))
                if orbit.kind != "fixed" or abs(orbit.points[0] - goal_mp) <= 1e-20:
                    continue
                at = {name: repr(x0)} | ({step: repr(d)} if step in model.box.free else {})
                return Finding(Outcome.REFUTES, f"start {x0!r} at {step} = {d} converges to "
                               f"{dec(orbit.points[0], 20)}, not x* (confirmed at {ctx.dps} "
                               "digits)", numbers, Counterexample(
                                   at={step: repr(d), name: repr(x0)},
                                   observed=f"limit {dec(orbit.points[0], 25)}",
                                   claimed=f"limit x* = {spec.equilibrium[0]}", tol="1e-20",
                                   margin=dec(orbit.points[0] - goal_mp, 25), dps=ctx.dps,
                                   note="a precise replay converges to another fixed point",
                                   replay=at))
        if wrong.size:
            return Finding(Outcome.UNDECIDED, f"{len(wrong)} float64 runs settled away from x*; "
                           "their precise replays did not confirm another limit", numbers)
        return Finding(Outcome.SUPPORTS, (
            f"{int(fixed.sum())} of {fixed.size} runs ({n} starts in {list(spec.region)} x "
            f"{len(deltas)} step size(s)) converged to a point, every one to x*"), numbers,
            coverage=Coverage(Scope.SAMPLE, {step: set_text(deltas) if step in model.box.free
                                             else f"= {model.box.pinned[step]}",
                                             name: f"[{spec.region[0]}, {spec.region[1]}]"},
                              points=fixed.size))

    return Check("sole_limit_search", Tier.EMPIRICAL, budgeted(run),
                 f"numpy float64, starts uniform in {list(spec.region)}, step sizes {sizes}")


def sole_limit_checks(model: Model) -> tuple[Check, ...]:
    return sole_limit_symbolic(model), sole_limit_search(model)
