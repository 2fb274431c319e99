"""The exact orbit of a convergence claim (``exact_orbit = true``): GD in SymPy from the start.

A run in floating point (mpmath included) cannot see a start that GD maps *exactly* onto a
critical point: near an unstable minimiser the rounding error grows by the Jacobian's largest
multiplier every step, and the run leaves a point it should sit on forever.  Such landings are a
set of measure zero, but they are exactly what refutes "GD cannot converge above the bound"
(Nar & Sastry 2018b, Theorem 1; the paragraph after Proposition 1).

:func:`convergence_exact` runs GD exactly (plain GD, constant step) at the box's corners (every
free parameter at an end of its interval; at most :data:`MAX_CORNERS`) or at the replayed
``--at`` point, for at most :data:`MAX_STEPS` steps; a corner where an ``assume`` relation is not
proven, or whose start is in the ``except`` set, is skipped.  When an iterate is a critical point
(every gradient entry proven 0 by :func:`proofs.identities.prove_zero`) GD stays there forever
and its limit is known exactly: it converges to the target iff the iterate is the target (or,
for ``target = "minimisers"``, the model's residual is proven 0 there).  That limit is compared
with the condition (decided exactly at the rational point):

* a limit that contradicts the claim refutes, with the corner as the counterexample and its
  replay (``--at``);
* limits consistent with the claim at every corner support, as a sample of those points;
* a corner whose orbit reaches no critical point within the steps leaves the check undecided
  (the search decides); nothing else is concluded from it.

``land = "NAME"`` replaces the corners by landing points (:func:`_landings`): at the simplest
rationals of the other parameters' intervals, the values of NAME for which one exact GD step
from the start lands on the target (the rational roots of |x_1 - target|^2, or of the squared
residual for ``target = "minimisers"``, a polynomial in NAME), the start itself not critical;
at most :data:`MAX_LANDINGS`, simplest first.  Nar & Sastry (2018), Theorem 1 and Corollaries
1-2: GD on 0.5 (w2 w1 - lam)^2 lands in one step on a minimiser the bounds exclude.  A condition
naming the state variables (``at_limit``) is decided at the exact limit.
"""

from __future__ import annotations

import itertools

import sympy as sp

from proofs.identities import prove_zero
from verify.userclaims.budget import budgeted, under_deadline, require_small
from verify.userclaims.model import Model
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

MAX_STEPS = 8  # exact GD steps per corner (algebraic numbers grow with each)
MAX_CORNERS = 16  # 2^4: at most four free parameters
GRID = 8  # ``land``: the simplest rationals of each other parameter's interval
MAX_GRID = 4096  # ``land``: grid points at most (fewer values per parameter when many)
MAX_LANDINGS = 32  # ``land``: landing points whose orbit is decided, simplest first
MAX_DEGREE = 8  # ``land``: the landing equation's degree in the solved parameter


def _corners(model: Model, ctx: CheckContext):
    if ctx.at is not None:
        return [{n: sp.Rational(str(ctx.at[n])) for n in model.free_names}]
    if model.spec.land:
        return _landings(model)  # lazily: a refutation stops at the first
    ends = [model.box.free[n] for n in model.free_names]
    return [dict(zip(model.free_names, combo)) for combo in itertools.product(*ends)]


def _height(q: sp.Rational) -> int:
    """max(|numerator|, denominator): how simple a rational is."""
    return max(abs(q.p), q.q)


def _simplest(lo: sp.Rational, hi: sp.Rational, count: int = GRID) -> list[sp.Rational]:
    """The ``count`` simplest rationals p/q (q = 1, 2, 4) in [lo, hi], simplest first (near
    the point of the interval closest to 0: at most 65 numerators per denominator)."""
    near = min(max(sp.Integer(0), lo), hi)
    found = {sp.Rational(p, q) for q in (1, 2, 4)
             for p in range(int(sp.ceiling(max(lo * q, near * q - 32))),
                            int(sp.floor(min(hi * q, near * q + 32))) + 1)}
    inside = sorted((v for v in found if lo <= v <= hi), key=lambda v: (_height(v), -v))
    return inside[:count]


def _landings(model: Model):
    """``land = "NAME"``: points of the box where one GD step from the start lands exactly on
    the target (a rational root NAME of the landing equation, inside its interval, at a
    grid point of the others), the start itself not critical; simplest grid points first,
    generated lazily (a refutation stops at the first)."""
    spec, name = model.spec, model.spec.land
    lam = model.params[name]
    start = [model.pin(e) for e in model.start]
    grad = [model.pin(g).subs(dict(zip(model.vars, start))) for g in model.gradient]
    x1 = dict(zip(model.vars, [a - model.pin(model.step) * g for a, g in zip(start, grad)]))
    if spec.to_set:
        gap = model.pin(model.target_residual) ** 2
    else:
        target = [model.pin(model.expr(e)) for e in (
            spec.target * len(model.vars) if spec.target_every else spec.target)]
        gap = sum((v - t) ** 2 for v, t in zip(model.vars, target))
    num, den = sp.fraction(sp.together(sp.expand(gap.subs(x1))))
    require_small(num, den)
    try:  # the landing equation, once: a polynomial in NAME over the other parameters
        coeffs = sp.Poly(num, lam).all_coeffs()
    except sp.PolynomialError:
        return
    if len(coeffs) > MAX_DEGREE + 1:
        return
    others = [n for n in model.free_names if n != name]
    per = max(1, min(GRID, int(MAX_GRID ** (1 / max(1, len(others))))))
    grids = [_simplest(*model.box.free[n], per) for n in others]
    lo, hi = model.box.free[name]
    found = 0
    for combo in sorted(itertools.product(*grids), key=lambda c: sum(_height(v) for v in c)):
        values = {model.params[n]: v for n, v in zip(others, combo)}
        poly = sp.Poly([c.subs(values) for c in coeffs], lam)
        if poly.is_zero or poly.domain not in (sp.QQ, sp.ZZ):
            continue
        for root in sorted(poly.ground_roots(), key=_height):
            at = {**values, lam: root}
            if (lo <= root <= hi and den.subs(at) != 0  # a pole is no landing
                    and not all(prove_zero(g.subs(at)) is True for g in grad)):
                yield {**dict(zip(others, combo)), name: root}
                found += 1
                if found >= MAX_LANDINGS:
                    return


def _outside(model: Model, values: dict) -> str | None:
    """Why a corner is not a point of the claim (an ``assume`` relation not proven there, or a
    start in the ``except`` set, each decided exactly), or None."""
    for a in model.assume:
        if model.pin(a).subs(values) is not sp.true:
            return "an assumption does not hold"
    start = [model.pin(e).subs(values) for e in model.start]
    for kind, value in model.exception_sets:
        if kind == "relation" and value.subs(values) is not sp.false:
            return "in the exception set"
        if kind == "point" and all(prove_zero(s - p.subs(values)) is True
                                   for s, p in zip(start, value)):
            return "in the exception set"
    return None


def _limit(model: Model, x: list[sp.Expr], grad: sp.Matrix, values: dict) -> tuple[int, list]:
    """(the step at which GD reaches a critical point, that point), or (-1, last iterate)."""
    step = model.pin(model.step).subs(values)
    for k in range(MAX_STEPS + 1):
        g = [sp.expand(e.subs(dict(zip(model.vars, x)))) for e in grad]
        require_small(*g)
        if all(prove_zero(e) is True for e in g):
            return k, x
        x = [sp.radsimp(sp.expand(a - step * b)) for a, b in zip(x, g)]
    return -1, x


def convergence_exact(model: Model, wrong) -> Check:
    """The exact orbit at the box's corners (see the module docstring); ``wrong(holds, seen,
    otherwise)`` says whether a behaviour contradicts the claim (the search's own rule)."""
    spec = model.spec

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        corners = _corners(model, ctx)
        if isinstance(corners, list) and len(corners) > MAX_CORNERS:
            return Finding(Outcome.UNDECIDED, f"{len(model.free_names)} free parameters: "
                           f"{len(corners)} corners, more than {MAX_CORNERS}; the search decides")
        cond = model.pin(model.expr(spec.condition))
        grad = model.pin(model.gradient)
        start = [model.pin(e) for e in model.start]
        target = None if spec.to_set else [
            model.pin(model.expr(e)) for e in (spec.target * len(model.vars)
                                               if spec.target_every else spec.target)]
        residual = model.pin(model.target_residual) if spec.to_set else None
        numbers, open_, skipped, count = {}, [], 0, 0
        for corner in corners:
            count += 1
            values = {model.params[n]: v for n, v in corner.items()}
            label = ", ".join(f"{n} = {v}" for n, v in corner.items()) or "the pinned point"
            why = _outside(model, values)
            if why:  # not a point the claim speaks of: skipped, never evidence
                numbers[label] = f"skipped: {why}"
                skipped += 1
                continue
            k, x = _limit(model, [e.subs(values) for e in start], grad.subs(values), values)
            if k < 0:
                open_.append(label)
                numbers[label] = f"no critical point within {MAX_STEPS} exact steps"
                continue
            gaps = ([residual.subs(values).subs(dict(zip(model.vars, x)))] if target is None
                    else [a - b.subs(values) for a, b in zip(x, target)])
            there = [prove_zero(g) for g in gaps]
            if None in there:
                open_.append(label)
                numbers[label] = f"critical point after {k} step(s); target not decided"
                continue
            seen = "converges" if all(there) else "elsewhere"
            try:  # at_limit: the condition at the limit x
                decided = cond.subs(values).subs(dict(zip(model.vars, x)))
            except TypeError:  # a comparison with zoo: the condition is not defined there
                decided = None
            if decided not in (sp.true, sp.false):
                open_.append(label)
                numbers[label] = f"critical point after {k} step(s); condition not decided"
                continue
            holds = bool(decided)
            numbers[label] = (f"GD sits on the critical point {[str(v) for v in x]} from step "
                              f"{k} on ({seen}); condition {holds}")
            if wrong(holds, seen, spec.otherwise):
                expected = "converges" if holds else spec.otherwise
                at = {n: str(v) for n, v in corner.items()}
                return Finding(Outcome.REFUTES, (
                    f"at {label} GD reaches the critical point {[str(v) for v in x]} exactly "
                    f"after {k} step(s) and stays there ({seen}), but the condition is {holds}"),
                    numbers, Counterexample(
                        at=at, observed=f"{seen}: x[{k}] = {[str(v) for v in x]} (exact)",
                        claimed=expected, tol="0", margin="exact", dps=ctx.dps,
                        note="exact GD orbit (SymPy): every gradient entry is 0 at the iterate",
                        replay=at or None))
        if count == 0:
            return Finding(Outcome.UNDECIDED, f"no start of the box lands exactly on the target "
                           f"in one step ({spec.land} solved at the grid points): the search "
                           "decides")
        if skipped == count:
            return Finding(Outcome.UNDECIDED, "no corner is a point of the claim (assumptions, "
                           "exception set): the search decides", numbers)
        if open_:
            return Finding(Outcome.UNDECIDED, f"no exact limit at {'; '.join(open_)}: the search "
                           "decides", numbers)
        checked = count - skipped
        what = "landing point" if spec.land and ctx.at is None else "corner"
        return Finding(Outcome.SUPPORTS, f"the exact orbit agrees with the claim at every {what} "
                       f"of the claim ({checked})", numbers,
                       coverage=model.coverage(Scope.SAMPLE, points=checked))

    return Check("convergence_exact", Tier.SYMBOLIC, run,
                 "exact GD orbit (SymPy) at the box's corners", attempt=True)
