"""The threshold kind's search, for any model and optimiser (GD, heavy ball, Nesterov).

A claim "x* attracts only if step <= bound" (``strict``: < bound; ``tight``: and it attracts for
every step below the bound) is decided from the optimiser map's Jacobian at x*: its multipliers
come from the Hessian's eigenvalues, so x* attracts for steps below the critical step of
lambda_max (2/lambda_max for GD, see :meth:`Model.critical_step`) when the Hessian is positive
definite, and repels above it.  What linearisation cannot decide is said so:

* a singular Hessian (a non-isolated minimum) where the claim's bound differs from the critical
  step, or a Hessian that vanishes (every multiplier 1 at every step, x^4 at 0): undecided,
  never support;
* step = bound with a multiplier of modulus 1 (the equality case of strict vs non-strict claims):
  decided exactly (SymPy, det(I + J) = 0 at the rational point) when the map is affine (a
  quadratic loss), where a unit multiplier means x* does not attract; undecided otherwise.

Every refutation is re-evaluated by :func:`verify.userclaims.search.reevaluate` (two consecutive
precisions must agree on the side: attracts, repels, neutral), or exactly.

At a model's minimiser set (``equilibrium = "minimisers"``, :mod:`verify.userclaims.
minimiser_set`) the search also draws the minimiser's free coordinates, and the directions along
the set (Hessian eigenvalue 0, multiplier 1: one per free coordinate) drop out of the
multipliers: "attracts" means across the set.  Where a proof covers the claim's whole class
(every value of an integer parameter ``">= n"``) the search is a cross-check of fewer points.
"""

from __future__ import annotations

import dataclasses
import itertools

import mpmath
import sympy as sp

from proofs.identities import prove_zero
from verify.checks.common import dec
from verify.models.quantities import hessian_eigenvalues, multipliers
from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.every_integer import crossed, search_draws
from verify.userclaims.minimiser_set import COORDS, WithCoordinates, free_coordinates
from verify.userclaims.model import Model
from verify.userclaims.search import Probe, reevaluate, search, swamped
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier


def threshold_search(model: Model, require_critical, finish, examples, point_text) -> Check:
    """Precise search over the non-step parameters (see the module docstring)."""
    spec = model.spec
    # at a minimiser set the search draws the minimiser's free coordinates too
    coords = free_coordinates(model) if spec.to_set else []
    view = WithCoordinates(model, coords) if coords else model
    names = [n for n in model.free_names if n != spec.step] + coords
    lo_step, hi_step = model.box.free.get(spec.step, (model.box.pinned.get(spec.step),) * 2)

    def state(point) -> list:
        """The state arguments of the claim's functions: the drawn coordinates, else 0."""
        return [mpmath.mpf(repr(float(point[label]))) if label in coords else 0
                for label in model.state.labels]

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        eq = require_critical(model)
        hess = model.mp(model.hessian.subs(dict(zip(model.vars, eq))))
        flip = flip_coefficient(model, eq) if spec.strict is not None else None
        flip_fn = model.mp(flip) if flip is not None else None
        bound_fn = model.mp(model.threshold_bound)
        undecided = {"singular": 0, "neutral": 0}

        def linear(point, dps):
            """Hessian at x*, its eigenvalues, the bound and the step box at ``dps`` digits."""
            with mpmath.workdps(dps):
                full = {**point, **({spec.step: float(lo_step)} if spec.step in model.box.free
                                    else {})}
                args, x = model.numbers(full), state(point)
                if model.mp_beta is not None:
                    beta = model.mp_beta(*x, *args)
                    if not 0 <= beta < 1:
                        raise ValueError(f"the momentum beta = {beta} is outside [0, 1)")
                H = mpmath.matrix(hess(*x, *args))
                eig = hessian_eigenvalues(H)
                if coords:  # a minimiser set: its tangent directions (eigenvalue 0) drop out
                    eig = sorted(sorted(eig, key=abs)[len(coords):], reverse=True)
                return args, H, eig[-1], eig[0], bound_fn(*x, *args), eig

        def evaluate(point):
            dps = ctx.dps
            args, H, lmin, lmax, b, _ = linear(point, dps)
            with mpmath.workdps(dps):
                lo, hi = mpmath.mpf(str(lo_step)), mpmath.mpf(str(hi_step))
                tol = mpmath.mpf(10) ** (-(dps - 10))
                info = {"lambda_min": lmin, "lambda_max": lmax, "bound": b}
                if lmax <= tol:  # no positive curvature: x* never attracts linearly
                    if spec.tight and lmin < -tol and lo < b:
                        return Probe(-1.0, {**info, "delta": lo})
                    # Every eigenvalue 0 (x^4 at 0): the multipliers are 1 at every step and the
                    # higher-order terms decide attraction, for "only if" claims too; a bound
                    # at or above the box's top claims nothing there.
                    undecided["singular"] += abs(lmin) <= tol and (spec.tight or b < hi)
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
                    c = flip_fn(*state(point), *args) if flip_fn is not None else None
                    probe = _at_bound(model, H, b, args, c, tol, undecided, info)
                    if probe is not None:
                        return probe
                return Probe(float(abs(b - crit)), info, -float(abs(b - crit)))

        def side(point, info, dps):
            """(side, spectral radius, step, tol) of the optimiser map at ``dps`` digits."""
            args, H, *_, normal = linear(point, dps)
            with mpmath.workdps(dps):
                d = bound_fn(*state(point), *args) if info.get("at bound") else \
                    mpmath.mpf(info["delta"])
                # at a minimiser set, GD's multipliers 1 - d lambda across the set (normal)
                radius = max(abs(1 - d * e) for e in normal) if coords else \
                    multipliers(model.map_jacobian(H, d, args))[0]
                tol = mpmath.mpf(10) ** (-(dps - 10))
                return ("attracts" if radius < 1 - tol else "repels" if radius > 1 + tol
                        else "neutral"), radius, d, tol

        def refute(point, probe):
            given = None if probe.info.get("at bound") else (ctx.at or {}).get(spec.step)
            # a replay names the step: decide at exactly that step
            info = probe.info if given is None else {**probe.info, "delta": given}
            settled = reevaluate(lambda dps: side(point, info, dps), ctx.dps,
                                 key=lambda r: r[0])
            if settled is None:  # not "holds after all" (None): the search must not go on
                return swamped(point_text(point))
            sides, radius, d, tol = settled.value
            how = settled.note
            if sides == "neutral":
                if not probe.info.get("at bound"):
                    return None
                if model.affine_map and _unit_multiplier(model, point, eq):
                    how = "a multiplier of modulus 1 exactly (SymPy); the map is affine"
                else:
                    sides = _flip_side(model, point, eq, flip)
                    if sides is None:
                        return None
                    how = (f"the multiplier is -1 exactly and the flip normal form "
                           f"c = {flip} says x* {sides} (SymPy, exact at the point)")
            above = sides == "attracts"
            if given is not None and (d > probe.info["bound"]) is not above:
                return None  # the replayed step lies on the side where the claim holds
            step = info["delta"] if isinstance(info.get("delta"), str) else dec(d, 20)
            at = {**point_text(point), spec.step: step}
            claimed = ("does not attract at step = bound (strict)" if probe.info.get("at bound")
                       and above else "attracts at step = bound" if probe.info.get("at bound")
                       else "repels above the bound" if above else "attracts below the bound")
            where = "at" if probe.info.get("at bound") else "above" if above else "below"
            across = " across the minimiser set" if coords else ""
            return Finding(Outcome.REFUTES, (
                f"at {at}: the optimiser map's spectral radius{across} is {dec(radius, 15)} "
                f"(radius - 1 = {dec(radius - 1, 3)}, {sides}) with the step {where} the bound "
                f"{dec(probe.info['bound'], 15)}"), {},
                Counterexample(at=at, observed=f"spectral radius {dec(radius, 20)} ({sides})",
                               claimed=claimed, tol=dec(tol, 3), margin=dec(radius - 1, 20),
                               dps=settled.dps, note=f"{how}; critical step "
                               + dec(probe.info.get("critical step", "inf"), 20),
                               replay=point_text(point) | (
                                   {spec.step: step} if spec.step in model.box.free
                                   and not probe.info.get("at bound") else {})))

        from verify.userclaims.checks import _boxed_symbols

        # a cross-check of fewer points where the proof for every L holds
        draws, prefix = search_draws(spec, _boxed_symbols, ctx, examples(ctx))
        result = search(view, evaluate, ctx.seed, draws, names=names, at=ctx.at,
                        deadline=Deadline(ctx), confirm=refute, quick=ctx.quick)
        finding = crossed(finish(result, model, "the step-size threshold", refute), prefix)
        if coords:  # the coordinates the minimisers were drawn at
            finding = dataclasses.replace(finding, numbers={
                **finding.numbers, "minimiser coordinates drawn": f"{', '.join(coords)} in "
                f"[{COORDS[0]}, {COORDS[1]}]"})
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
    their middle half (a simple step size for the counterexample), as text: the step every
    re-evaluation, the report and the replay line use is that decimal, however many digits a
    narrow gap needs (1/5 - 10^-30 < step < 1/5 printed as 0.2 was a point where the claim
    holds)."""
    mid, quarter = (lo + hi) / 2, (hi - lo) / 4
    step = next((text for text in (mpmath.nstr(mid, k) for k in range(1, mpmath.mp.dps + 1))
                 if abs(mpmath.mpf(text) - mid) < quarter), mpmath.nstr(mid, mpmath.mp.dps))
    return Probe(float(-(hi - lo)), {**info, "delta": step}, float(guide))


def _at_bound(model: Model, H, b, args, flip, tol, undecided, info) -> Probe | None:
    """The equality case, step = bound: a violation probe, or None (holds or undecided).
    ``flip``: the flip normal form's value there (one-variable GD, see
    :func:`flip_coefficient`), which decides a non-affine map's multiplier -1."""
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
        minus_one = abs(1 - b * H[0, 0] + 1) <= tol if H.rows == 1 else False
        if flip is not None and minus_one and abs(flip) > tol:
            if (spec.strict and flip < 0) or (spec.strict is False and spec.tight and flip > 0):
                return Probe(-float(abs(flip)) - 1e-300, {**info, "flip": flip})
            return None  # the flip normal form agrees with the claim here
        undecided["neutral"] += 1
    return None


def _flip_side(model: Model, point: dict[str, float], eq, flip) -> str | None:
    """Exactly (SymPy, at the rational point): 'attracts' or 'repels' at step = bound when the
    one-variable GD map's multiplier there is exactly -1 and the flip normal form c is nonzero
    (c < 0 attracts); None otherwise."""
    if flip is None:
        return None
    subs = {model.params[k]: sp.Rational(repr(float(v))) for k, v in point.items()}
    H = model.pin(model.hessian.subs(dict(zip(model.vars, eq)))).subs(subs)
    b = model.threshold_bound.subs(subs)
    if not prove_zero(2 - b * H[0, 0]):
        return None
    c = sp.simplify(flip.subs(subs))
    return "attracts" if c.is_negative else "repels" if c.is_positive else None


def _unit_multiplier(model: Model, point: dict[str, float], eq) -> bool:
    """Exactly (SymPy, at the rational point): the map's Jacobian at step = bound has the
    eigenvalue -1 or 1, i.e. det(I + J) = 0 or det(I - J) = 0."""
    subs = {model.params[k]: sp.Rational(repr(float(v))) for k, v in point.items()}
    H = model.pin(model.hessian.subs(dict(zip(model.vars, eq)))).subs(subs)
    b = model.threshold_bound.subs(subs)
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



# ---------------------------------------------------------------- the symbolic route, n variables


def flip_coefficient(model: Model, eq) -> sp.Expr | None:
    """The equality case step = bound of one-variable GD, where the multiplier is exactly -1:
    the cubic coefficient c of the second iterate g(g(x* + u)) = x* + u + c u^3 + O(u^4).

    With g(x) = x - b f'(x) and 1 - b f''(x*) = -1: g(x* + u) = x* - u + a u^2 + d u^3 + ...,
    a = -b f'''(x*)/2, d = -b f''''(x*)/6, and c = -2(d + a^2) = b f''''/3 - b^2 f'''^2/2
    (the flip bifurcation's normal form; Kuznetsov, Elements of Applied Bifurcation Theory,
    3rd ed., Sec. 4.4, eq. (4.14)-(4.17)): c < 0 attracts, c > 0 repels, c = 0 needs higher
    terms.  None when it does not apply (several variables, momentum, a schedule, a loss that is
    not smooth at x*)."""
    if len(model.vars) != 1 or model.method != "gd" or model.loss is None:
        return None
    x = model.vars[0]
    b = model.threshold_bound
    f3, f4 = (model.pin(sp.diff(model.loss, x, k).subs(x, eq[0])) for k in (3, 4))
    c = b * f4 / 3 - b**2 * f3**2 / 2
    if c.has(sp.DiracDelta, sp.Heaviside, sp.sign, sp.Abs, sp.Piecewise, sp.Derivative,
             sp.Subs, sp.nan, sp.zoo):
        return None
    return c


def _zero(e: sp.Expr) -> bool:
    """e == 0 identically (SymPy; Max/Min/Abs rewritten as Piecewise, every branch zero)."""
    if prove_zero(e):
        return True
    folded = sp.piecewise_fold(e.rewrite(sp.Piecewise))
    if isinstance(folded, sp.Piecewise):
        return all(prove_zero(branch) for branch, _ in folded.args)
    return bool(prove_zero(folded))


def _sign_on_box(e: sp.Expr, model: Model, boxed: dict, strict: bool) -> bool:
    """Proves e >= 0 (``strict``: > 0) on the whole box: SymPy with the box's signs, then each
    branch of e's Piecewise form on its part of the box (one-variable conditions), then Arb
    branch and bound (:func:`proofs.boxprove.prove_nonnegative`).  False means not proven."""
    from proofs.ballcode import UnsupportedExpression
    from proofs.boxprove import BoxInputError, prove_nonnegative

    signed = sp.simplify(e.subs(boxed))
    if (signed.is_positive if strict else signed.is_nonnegative):
        return True
    if any(model.params[n] in e.free_symbols for n in model.spec.rays):
        return False  # the bisection below covers the interval drawn in a half-line only
    names = {model.params[n]: sp.Symbol(n, real=True) for n in model.free_names}
    box = {n: model.box.free[n] for n in model.free_names}
    folded = sp.piecewise_fold(e.rewrite(sp.Piecewise)).subs(names)
    pieces = [(folded, box)]
    if isinstance(folded, sp.Piecewise):  # each branch where it applies: first match wins
        pieces, taken, name = [], sp.S.EmptySet, None
        for branch, cond in folded.args:
            syms = cond.free_symbols
            if len(syms) > 1 or (syms and name not in (None, next(iter(syms)).name)):
                return False  # conditions in one parameter only
            if syms:
                name = next(iter(syms)).name
            region = cond.as_set() if syms else sp.S.Reals if cond == sp.true else sp.S.EmptySet
            if name is None:  # an unconditional first branch: the whole box
                pieces.append((branch, box))
                break
            part = (region - taken).intersect(sp.Interval(*box[name]))
            taken = taken.union(region)
            for iv in part.args if isinstance(part, sp.Union) else [part]:
                if isinstance(iv, sp.Interval) and iv.measure > 0:
                    pieces.append((branch, {**box, name: (iv.start, iv.end)}))
                elif iv is not sp.S.EmptySet:  # an isolated point: evaluate it there
                    pieces.extend((branch.subs(sp.Symbol(name, real=True), v), box)
                                  for v in iv)
    for piece, sub in pieces:
        if piece.is_number:
            if not (piece > 0 if strict else piece >= 0):
                return False
            continue
        try:
            proof = prove_nonnegative(piece, sub, strict=strict, budget=2_000)
        except (UnsupportedExpression, BoxInputError, TypeError):
            return False
        if proof.outcome != "proven":
            return False
    return True


def _det_zero(M: sp.Matrix) -> bool:
    """det(M) == 0 identically, M's entries rational functions: each row times its entries'
    common denominator (nonzero), then the determinant exactly in the polynomial ring of the
    symbols (a minimiser set's generic point: 1.3 s at L = 6, where Matrix.det and a
    simplification of the result ran past 300 s)."""
    from sympy.polys.matrices import DomainMatrix

    try:
        rows = []
        for i in range(M.rows):
            row = [sp.together(e) for e in M.row(i)]
            den = sp.lcm([sp.fraction(e)[1] for e in row])
            rows.append([sp.cancel(e * den) for e in row])
        matrix = DomainMatrix.from_Matrix(sp.Matrix(rows))
        if matrix.domain.is_PolynomialRing or matrix.domain.is_Field:
            return matrix.det() == matrix.domain.zero
    except (sp.PolynomialError, NotImplementedError, TypeError, ValueError):
        pass
    return _zero(M.det())


def _above_critical(model: Model, H: sp.Matrix, b: sp.Expr, boxed: dict) -> int | None:
    """An index i with bound > 0 and bound*H[i, i] >= 2 proven on the whole box (then
    lambda_max(H) >= H[i, i] >= 2/bound, H symmetric: the bound is at or above the critical
    step 2/lambda_max), else None."""
    if not _sign_on_box(b, model, boxed, strict=True):
        return None
    return next((i for i in range(H.rows)
                 if _sign_on_box(b * H[i, i] - 2, model, boxed, strict=False)), None)


def symbolic_threshold(model: Model, eq, boxed: dict) -> Finding:
    """Plain GD, any number of variables, over the whole box (every parameter at once).

    With H = Hessian at x* and b = the bound (pinned values substituted): det(2I - bH) = 0
    identically means some multiplier 1 - b lambda is exactly -1 everywhere, so for every step
    above b that multiplier is below -1 and x* repels (an "only if" claim holds); a bound above
    the critical step proves it too (b > 0 and b H[i, i] >= 2 for some i, see
    :func:`_above_critical`; not ``tight``, not ``strict``).  ``tight``
    also needs attraction below b: H positive definite (leading principal minors > 0) and
    2I - bH positive semidefinite (every principal minor >= 0), so that every multiplier is in
    (-1, 1) for steps in (0, b).  ``strict`` (the equality case step = b): decided exactly for an
    affine map (a multiplier -1 never attracts) and, in one variable, by the flip normal form
    (:func:`flip_coefficient`, its sign proven on the box); otherwise left to the search.
    """
    spec = model.spec
    if model.method != "gd" or model.loss is None:
        return Finding(Outcome.UNDECIDED, "the symbolic threshold is for plain GD")
    n = len(model.vars)
    H = model.pin(model.hessian.subs(dict(zip(model.vars, eq))))
    b = model.threshold_bound
    numbers = {"Hessian at x*": str(H.tolist() if n > 1 else H[0, 0]), "bound": str(b)}
    M = 2 * sp.eye(n) - b * H
    if not (_det_zero(M) if model.spec.to_set else _zero(M.det())):
        if not spec.tight and not spec.strict and not spec.to_set:
            above = _above_critical(model, H, b, boxed)
            if above is not None:
                numbers["H[i, i] with bound*H[i, i] >= 2"] = str(H[above, above])
                return Finding(Outcome.SUPPORTS, (
                    f"SymPy: bound*H(x*)[{above}, {above}] >= 2 and bound > 0 on the whole box, "
                    "so lambda_max(H(x*)) >= 2/bound and for every step above the bound a "
                    "multiplier is below -1: x* repels"), numbers,
                    coverage=model.coverage(Scope.CLASS))
        return Finding(Outcome.UNDECIDED, "SymPy could not prove det(2I - bound*H(x*)) = 0 "
                       "identically (a multiplier exactly -1 at step = bound on the whole box)",
                       numbers)
    what = "at step = bound a multiplier is exactly -1 on the whole box, so x* repels above it"
    if spec.tight:
        minors = [H[:k, :k].det() for k in range(1, n + 1)]
        if not all(_sign_on_box(m, model, boxed, strict=True) for m in minors):
            return Finding(Outcome.UNDECIDED, "could not prove the Hessian at x* positive "
                           "definite on the whole box (a singular or indefinite Hessian leaves "
                           "attraction below the bound to higher-order terms)", numbers)
        principal = [M.extract(list(rows), list(rows)).det()
                     for k in range(1, n + 1) for rows in itertools.combinations(range(n), k)]
        if not all(_sign_on_box(m, model, boxed, strict=False) for m in principal):
            return Finding(Outcome.UNDECIDED, "could not prove every multiplier >= -1 at step "
                           "= bound (2I - bound*H(x*) positive semidefinite) on the whole box",
                           numbers)
        what += "; H(x*) is positive definite and every multiplier lies in (-1, 1) below it"
    if spec.strict is not None and not (spec.strict is False and not spec.tight):
        # the equality case matters: strict says x* does not attract at step = bound;
        # non-strict tight says it does.
        if model.affine_map:
            if not spec.strict:
                return Finding(Outcome.UNDECIDED, "at step = bound the affine map has the "
                               "multiplier -1 exactly, so x* does not attract there: the "
                               "non-strict claim fails; the search finds the replayable point",
                               numbers)
            what += "; at step = bound the affine map has the multiplier -1: x* does not attract"
        else:
            c = flip_coefficient(model, eq)
            side = None
            if c is not None:
                numbers["flip coefficient c (step = bound)"] = str(sp.simplify(c))
                side = ("repels" if _sign_on_box(c, model, boxed, strict=True) else
                        "attracts" if _sign_on_box(-c, model, boxed, strict=True) else None)
            wanted = "repels" if spec.strict else "attracts"
            if side != wanted:
                return Finding(Outcome.UNDECIDED, "the equality case step = bound: "
                               + ("the flip normal form's sign is not proven on the box"
                                  if side is None else f"x* {side} there (flip normal form), "
                                  "against the claim; the search finds the replayable point"),
                               numbers)
            what += f"; at step = bound the flip normal form c = {sp.simplify(c)} has the sign " \
                    f"that makes x* {side} (exactly, on the whole box)"
    return Finding(Outcome.SUPPORTS, f"SymPy: {what}", numbers,
                   coverage=model.coverage(Scope.CLASS))
