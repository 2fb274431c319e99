"""The threshold kind's search, for any model and optimiser (GD, heavy ball, Nesterov).

A claim "x* attracts only if step <= bound" (``strict``: < bound; ``tight``: and it attracts for
every step below the bound) is decided from the optimiser map's Jacobian at x*: its multipliers
come from the Hessian's eigenvalues, so x* attracts for steps below the critical step of
lambda_max (2/lambda_max for GD, see :meth:`Model.critical_step`) when the Hessian is positive
definite, and repels above it.  What linearisation cannot decide is said so:

* a singular Hessian (a non-isolated minimum) where the claim's bound differs from the critical
  step: undecided, never support;
* step = bound with a multiplier of modulus 1 (the equality case of strict vs non-strict claims):
  decided exactly (SymPy, det(I + J) = 0 at the rational point) when the map is affine (a
  quadratic loss), where a unit multiplier means x* does not attract; undecided otherwise.

Every refutation is re-evaluated at two precisions (``ctx.dps`` and ``ctx.dps + 20``) that must
agree, or exactly.
"""

from __future__ import annotations

import mpmath
import sympy as sp

from proofs.identities import prove_zero
from verify.checks.common import dec
from verify.models.quantities import hessian_eigenvalues, multipliers
from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.model import Model
from verify.userclaims.search import Probe, search
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier


def threshold_search(model: Model, require_critical, finish, examples, point_text) -> Check:
    """Precise search over the non-step parameters (see the module docstring)."""
    spec = model.spec
    names = [n for n in model.free_names if n != spec.step]
    lo_step, hi_step = model.box.free.get(spec.step, (model.box.pinned.get(spec.step),) * 2)
    n = len(model.vars)

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        eq = require_critical(model)
        hess = model.mp(model.hessian.subs(dict(zip(model.vars, eq))))
        bound_fn = model.mp(model.expr(spec.bound))
        undecided = {"singular": 0, "neutral": 0}

        def linear(point, dps):
            """Hessian at x*, its eigenvalues, the bound and the step box at ``dps`` digits."""
            with mpmath.workdps(dps):
                full = {**point, **({spec.step: float(lo_step)} if spec.step in model.box.free
                                    else {})}
                args = model.numbers(full)
                if model.mp_beta is not None:
                    beta = model.mp_beta(*[0] * n, *args)
                    if not 0 <= beta < 1:
                        raise ValueError(f"the momentum beta = {beta} is outside [0, 1)")
                H = mpmath.matrix(hess(*[0] * n, *args))
                eig = hessian_eigenvalues(H)
                return args, H, eig[-1], eig[0], bound_fn(*[0] * n, *args)

        def evaluate(point):
            dps = ctx.dps
            args, H, lmin, lmax, b = linear(point, dps)
            with mpmath.workdps(dps):
                lo, hi = mpmath.mpf(str(lo_step)), mpmath.mpf(str(hi_step))
                tol = mpmath.mpf(10) ** (-(dps - 10))
                info = {"lambda_min": lmin, "lambda_max": lmax, "bound": b}
                if lmax <= tol:  # no positive curvature: x* never attracts linearly
                    if spec.tight and lmin < -tol and lo < b:
                        return Probe(-1.0, {**info, "delta": lo})
                    undecided["singular"] += spec.tight and abs(lmin) <= tol
                    return Probe(1.0, info)
                crit = model.critical_step(lmax, args)
                info["critical step"] = crit
                gap_lo, gap_hi = max(b, lo), min(crit, hi)
                wide = tol * crit  # a gap narrower than this is rounding (bound = critical step)
                if gap_hi - gap_lo > wide:  # steps above the bound where x* may still attract
                    if lmin > tol:
                        return _gap(gap_lo, gap_hi, info, crit - b)
                    # beyond rounding only: a bound equal to the critical step leaves no gap
                    undecided["singular"] += abs(lmin) <= tol
                if spec.tight:
                    gap_lo, gap_hi = max(crit, lo), min(b, hi)
                    if gap_hi - gap_lo > wide:  # below the bound, beyond the critical step
                        return _gap(gap_lo, gap_hi, info, b - crit)
                    if lmin < -tol and lo < b:  # a saddle: repels at every step
                        return Probe(float(lmin), {**info, "delta": lo})
                    undecided["singular"] += abs(lmin) <= tol
                if spec.strict is not None and lo <= b <= hi:
                    probe = _at_bound(model, H, b, args, lmin, tol, undecided, info)
                    if probe is not None:
                        return probe
                return Probe(float(abs(b - crit)), info, -float(abs(b - crit)))

        result = search(model, evaluate, ctx.seed, examples(ctx), names=names, at=ctx.at,
                        deadline=Deadline(ctx))

        def refute(point, probe):
            d0 = probe.info["delta"]
            given = None if probe.info.get("at bound") else (ctx.at or {}).get(spec.step)
            if given is not None:  # a replay names the step: decide at exactly that step
                d0 = given
            sides = []
            for dps in (ctx.dps, ctx.dps + 20):  # two precisions must agree
                args, H, *_ = linear(point, dps)
                with mpmath.workdps(dps):
                    d = bound_fn(*[0] * n, *args) if probe.info.get("at bound") else \
                        mpmath.mpf(d0)
                    radius = multipliers(model.map_jacobian(H, d, args))[0]
                    tol = mpmath.mpf(10) ** (-(dps - 10))
                    sides.append("attracts" if radius < 1 - tol else "repels"
                                 if radius > 1 + tol else "neutral")
            how = f"at {ctx.dps} and {ctx.dps + 20} digits"
            if sides[0] != sides[1]:
                return None
            if sides[0] == "neutral":
                if not (probe.info.get("at bound") and _unit_multiplier(model, point, eq)):
                    return None
                how = "a multiplier of modulus 1 exactly (SymPy); the map is affine"
            side = sides[0]
            above = side == "attracts"
            if given is not None and (d > probe.info["bound"]) is not above:
                return None  # the replayed step lies on the side where the claim holds
            at = {**point_text(point), spec.step: dec(d, 20)}
            claimed = ("does not attract at step = bound (strict)" if probe.info.get("at bound")
                       and above else "attracts at step = bound" if probe.info.get("at bound")
                       else "repels above the bound" if above else "attracts below the bound")
            where = "at" if probe.info.get("at bound") else "above" if above else "below"
            return Finding(Outcome.REFUTES, (
                f"at {at}: the optimiser map's spectral radius is {dec(radius, 15)} "
                f"({side}) with the step {where} the bound {dec(probe.info['bound'], 15)}"), {},
                Counterexample(at=at, observed=f"spectral radius {dec(radius, 20)} ({side})",
                               claimed=claimed, tol=dec(tol, 3), margin=dec(radius - 1, 20),
                               dps=ctx.dps + 20, note=f"{how}; critical step "
                               + dec(probe.info.get("critical step", "inf"), 20),
                               replay=point_text(point) | (
                                   {spec.step: dec(d, 20)} if spec.step in model.box.free
                                   and not probe.info.get("at bound") else {})))

        finding = finish(result, model, "the step-size threshold", refute)
        if finding.outcome is Outcome.SUPPORTS and (undecided["singular"] or undecided["neutral"]):
            why = []
            if undecided["singular"]:
                why.append(f"at {undecided['singular']} points the Hessian is singular at the "
                           "equilibrium (a non-isolated minimum?), where linearisation cannot "
                           "decide attraction near the bound")
            if undecided["neutral"]:
                why.append(f"at {undecided['neutral']} points a multiplier has modulus 1 at "
                           "step = bound and the map is not affine: the equality case needs "
                           "higher-order terms")
            return Finding(Outcome.UNDECIDED, "no violation, but " + "; ".join(why),
                           finding.numbers)
        return finding

    return Check("threshold_search", Tier.PRECISE, run,
                 "Hypothesis over the box, the optimiser's multipliers in mpmath")


def _gap(lo, hi, info: dict, guide) -> Probe:
    """A violation: the steps (lo, hi) contradict the claim; probe the shortest decimal in
    their middle half (a simple step size for the counterexample), else the midpoint."""
    mid, quarter = (lo + hi) / 2, (hi - lo) / 4
    step = next((c for c in (mpmath.mpf(mpmath.nstr(mid, k)) for k in range(1, 16))
                 if abs(c - mid) < quarter), mid)
    return Probe(float(-(hi - lo)), {**info, "delta": step}, float(guide))


def _at_bound(model: Model, H, b, args, lmin, tol, undecided, info) -> Probe | None:
    """The equality case, step = bound: a violation probe, or None (holds or undecided)."""
    spec = model.spec
    radius = multipliers(model.map_jacobian(H, b, args))[0]
    info = {**info, "delta": b, "at bound": True}
    if spec.strict and radius < 1 - tol:  # attracts at the bound: "only if step < bound" fails
        return Probe(-float(1 - radius) - 1e-300, info)
    if spec.strict is False and spec.tight:
        if radius > 1 + tol:  # repels at the bound: "attracts for step <= bound" fails
            return Probe(-float(radius - 1) - 1e-300, info)
        if abs(radius - 1) <= tol and model.affine_map:
            return Probe(-1e-300, info)  # neutral, affine: does not attract (checked exactly)
    if abs(radius - 1) <= tol and not model.affine_map:
        undecided["neutral"] += 1
    return None


def _unit_multiplier(model: Model, point: dict[str, float], eq) -> bool:
    """Exactly (SymPy, at the rational point): the map's Jacobian at step = bound has the
    eigenvalue -1 or 1, i.e. det(I + J) = 0 or det(I - J) = 0."""
    subs = {model.params[k]: sp.Rational(repr(float(v))) for k, v in point.items()}
    H = model.pin(model.hessian.subs(dict(zip(model.vars, eq)))).subs(subs)
    b = model.pin(model.expr(model.spec.bound)).subs(subs)
    n = H.rows
    A = sp.eye(n) - b * H
    if model.method == "gd":
        J = A
    else:
        beta = model.pin(model.expr(model.spec.optimizer["beta"])).subs(subs)
        top = ((1 + beta) * sp.eye(n) - b * H, -beta * sp.eye(n)) if model.method == "heavy_ball" \
            else ((1 + beta) * A, -beta * A)
        J = sp.Matrix(sp.BlockMatrix([[top[0], top[1]], [sp.eye(n), sp.zeros(n)]]))
    eye = sp.eye(J.rows)
    return bool(prove_zero((eye + J).det()) or prove_zero((eye - J).det()))

