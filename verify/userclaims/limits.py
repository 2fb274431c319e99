"""The ``limit`` and ``varies`` kinds: what an expression of the parameters does in one of them.

* ``limit``: lhs -> rhs as the parameter ``tends`` goes to ``to`` (an end of its range: "oo",
  "-oo", or the number ending its interval or half-line, approached from inside), for every
  value of the other parameters ("the bound tends to 0 as a -> oo", "the quotient grows without
  bound");
* ``varies``: lhs is not constant in the parameter ``in``, for every value of the others ("the
  threshold depends on the target").

Both are decided by SymPy alone, with the other parameters carrying the signs of their box (a
proof covers the whole box, half-lines included):

* a limit is proven when SymPy's limit of lhs equals rhs (their difference simplifies to 0,
  or both are the same infinity) and that limit holds for every value of the others, not just
  generic ones (:func:`_uniform`); it is refuted when SymPy's limit at an exact rational point of
  the box (the midpoint of every other parameter, or the replayed ``--at`` point) is a number
  other than rhs there, exactly; lhs at points approaching the end, in mpmath, is recorded
  beside it;
* ``varies`` is proven when lhs at two rational points of the parameter's range differs with a
  fixed sign for every value of the others (or its derivative at one point does); it is refuted
  when lhs minus its value at one point of the range simplifies to 0 (lhs is then constant in
  it for every value of the others; a zero derivative is not enough, a Piecewise step has one),
  with lhs at two points at the box's midpoint, in mpmath.

Anything else is ``undecided``.  With a depth ``L = ">= n"`` the same argument runs with L
symbolic (:mod:`verify.userclaims.every_integer`, never refuting), else on each instance.
"""

from __future__ import annotations

import sympy as sp

from proofs.identities import prove_zero
from verify.userclaims.budget import budgeted, under_deadline, require_small
from verify.userclaims.every_integer import sign_proven
from verify.userclaims.model import Model
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

_INFINITY = {"oo": sp.oo, "-oo": -sp.oo}
APPROACH = (8, 16, 32)  # lhs is recorded at 10^k (or the end +- 10^-k) for these k


def _end(model: Model) -> tuple[sp.Expr, str]:
    """The point ``over`` tends to and SymPy's direction (from inside its range)."""
    spec = model.spec
    if spec.to in _INFINITY:
        return _INFINITY[spec.to], "-" if spec.to == "oo" else "+"
    lo = model.box.free[spec.over][0]
    ray = spec.rays.get(spec.over, "")
    end = sp.Rational(spec.to)
    return end, "+" if (ray[:1] == ">" or (not ray and end <= lo)) else "-"


def _points(model: Model) -> list[sp.Rational]:
    """Rational points of ``over``'s range, the simplest first (smaller exact numbers for
    SymPy): 1 and 2 where they lie inside, then its drawn box's ends and midpoint."""
    lo, hi = model.box.free[model.spec.over]
    out = [sp.Integer(v) for v in (1, 2) if lo <= v <= hi] + [lo, hi, (lo + hi) / 2]
    return list(dict.fromkeys(out))


def _claimed(model: Model) -> sp.Expr:
    rhs = model.spec.rhs
    return _INFINITY[rhs] if rhs in _INFINITY else model.pin(model.expr(rhs))


def _same_limit(value: sp.Expr, claimed: sp.Expr) -> bool:
    if claimed in (sp.oo, -sp.oo) or value in (sp.oo, -sp.oo):
        return value == claimed
    return sign_proven(value - claimed, "==")


def _sympy_limit(e: sp.Expr, x: sp.Symbol, end: sp.Expr, side: str) -> sp.Expr | None:
    """SymPy's limit, or None where SymPy gives up (it raises NotImplementedError, TypeError,
    ... on Max, Min, multivariate Piecewise conditions, signs it cannot decide).  SymPy's limit
    of a Piecewise ignores the direction (Piecewise((0, x < 1), (1, True)) -> 1 as x -> 1-),
    so ``x`` is first written as end +- t (or +-1/t), t > 0: the conditions that then hold for
    every t > 0 pick the branch, and a Piecewise left after that gives None.  Heaviside and
    sign are written as the Piecewise they are first (SymPy's limit of Heaviside(x - 1/2) as
    x -> 0+ ran past every budget)."""
    if e.has(sp.Heaviside, sp.sign):  # SymPy's limit hangs on Heaviside(x - 1/2) at 0
        e = e.rewrite(sp.Piecewise)
    if e.has(sp.Piecewise):
        t = sp.Dummy("t", positive=True)
        near = (end + t if side == "+" else end - t) if end.is_finite else (
            1 / t if end is sp.oo else -1 / t)
        e = sp.piecewise_fold(e.subs(x, near))
        if e.has(sp.Piecewise):
            return None
        x, end, side = t, sp.Integer(0), "+"
    try:
        return sp.limit(e, x, end, side)
    except Exception:  # noqa: BLE001 - SymPy raises many types where it cannot find a limit
        return None


def _nonzero(c: sp.Expr) -> bool:
    return sign_proven(c, ">") or sign_proven(c, "<")


def _uniform(e: sp.Expr, x: sp.Symbol, end: sp.Expr) -> bool:
    """Whether SymPy's limit of ``e`` (computed for generic values of the other parameters)
    holds for every value of them: SymPy divides by coefficients it takes to be nonzero (the
    limit of a x/(a x + 1) at oo is 1, but 0 at a = 0), so the factor of ``e`` that depends on
    ``x`` must have no other symbol, or be a power x**p with p of a proven sign, or a
    rational function of x (of x - end at a finite end) whose leading (trailing) coefficients
    are proven nonzero on the box: its order, hence its limit, is then the same everywhere."""
    h = e.as_independent(x, as_Add=False)[1]
    if h.free_symbols <= {x}:
        return True
    if h.is_Pow and h.base == x and x not in h.exp.free_symbols:
        return _nonzero(h.exp)
    y = sp.Dummy("y")
    shifted = h if end in (sp.oo, -sp.oo) else h.subs(x, end + y)
    var = x if end in (sp.oo, -sp.oo) else y
    try:
        polys = [sp.Poly(part, var) for part in sp.fraction(sp.together(shifted))]
    except Exception:  # noqa: BLE001 - not a polynomial in it (PolynomialError, ...)
        return False
    return all(_nonzero(p.LC() if var is x else p.terms()[-1][1]) for p in polys)


def decide(model: Model, boxed, refute: bool = True) -> tuple[bool | None, str, dict]:
    """(True: proven for every parameter of the box, None: not decided, False: disproven for
    every value of the others (``varies`` only, with ``refute``)), the detail, numbers."""
    spec = model.spec
    signs = boxed(model)
    lhs = model.pin(model.expr(spec.lhs))
    require_small(lhs)
    e, x = lhs.subs(signs), signs[model.params[spec.over]]
    if spec.kind == "limit":
        end, side = _end(model)
        value = _sympy_limit(e, x, end, side)
        numbers = {"SymPy's limit": sp.sstr(value)[:300]}
        if value is None or value.has(sp.Limit, sp.AccumBounds, sp.nan, sp.zoo):
            return None, f"SymPy could not find the limit as {spec.over} -> {spec.to}", numbers
        if not _uniform(e, x, end):
            return None, (f"SymPy's limit {sp.sstr(value)[:200]} is for generic values of the "
                          "other parameters; not shown to hold for every value of the box"
                          ), numbers
        claimed = _claimed(model).subs(signs)
        if _same_limit(value, claimed):
            return True, (f"SymPy: lhs -> {sp.sstr(value)} = rhs as {spec.over} -> {spec.to}, "
                          "every parameter of the box"), numbers
        return None, f"SymPy's limit {sp.sstr(value)[:200]} was not shown to equal rhs", numbers
    points = _points(model)
    for i, p in enumerate(points):
        for q in points[i + 1:]:
            if any(sign_proven(e.subs(x, p) - e.subs(x, q), r) for r in ("<", ">")):
                d = sp.simplify(e.subs(x, p) - e.subs(x, q))
                return True, (f"SymPy: lhs({spec.over} = {p}) - lhs({spec.over} = {q}) has a "
                              "fixed sign (nonzero) for every other parameter of the box: not "
                              f"constant in {spec.over}"), {"difference": sp.sstr(d)[:300]}
    slope = sp.diff(e, x)
    for p in points:
        if any(sign_proven(slope.subs(x, p), r) for r in ("<", ">")):
            return True, (f"SymPy: d lhs/d{spec.over} at {spec.over} = {p} has a fixed sign "
                          f"(nonzero) for every other parameter: not constant in {spec.over}"), {
                              "derivative": sp.sstr(slope.subs(x, p))[:300]}
    if refute and prove_zero(e - e.subs(x, points[0])) is True:  # a zero derivative is not
        # enough: a Piecewise step or a jump of atan(1/x) has derivative 0 wherever it exists
        return False, (f"SymPy: lhs - lhs({spec.over} = {points[0]}) simplifies to 0: lhs is "
                       "constant in it"), {}
    return None, f"SymPy could not show that lhs depends on {spec.over}", {}


def _probe(model: Model, ctx: CheckContext) -> dict[str, sp.Rational]:
    """The exact point of the other free parameters a refutation is stated at: the replayed
    ``--at`` values, else each box's midpoint."""
    at = dict(ctx.at or {})
    return {n: sp.Rational(str(at[n])) if n in at else (lo + hi) / 2
            for n, (lo, hi) in model.box.free.items() if n != model.spec.over}


def _at(model: Model, e: sp.Expr, point: dict[str, sp.Rational]) -> sp.Expr:
    return e.subs({model.params[n]: v for n, v in point.items()})


def _probes(model: Model, ctx: CheckContext) -> list[dict[str, sp.Rational]]:
    """The exact points a limit's refutation is sought at: the replayed ``--at`` point alone,
    else the midpoint, then each other parameter at either end of its box (the rest at their
    midpoints), then every parameter at its lower and at its upper end: a limit that fails
    only at an end of the box (a x/(a x + 1) -> 1 as x -> oo, false at a = 0) is refuted
    there, where the claim's assumptions hold."""
    middle = _probe(model, ctx)
    if ctx.at:
        points = [middle]
    else:
        ends = {n: lo_hi for n, lo_hi in model.box.free.items() if n != model.spec.over}
        points = [middle, *({**middle, n: end} for n, (lo, hi) in ends.items()
                            for end in (lo, hi)),
                  {n: lo for n, (lo, _) in ends.items()}, {n: hi for n, (_, hi) in ends.items()}]
    unique = list({tuple(sorted(p.items())): p for p in points}.values())
    return [p for p in unique if _assumed(model, p)]


def _assumed(model: Model, point: dict[str, sp.Rational]) -> bool:
    """Whether the claim's assumptions hold at ``point`` (exactly); one that still speaks of
    the limit's variable cannot be decided there: no refutation at that point."""
    try:
        return model.assumptions_hold(point)
    except TypeError:
        return False


def _limit_refutation(model: Model, ctx: CheckContext) -> Finding | None:
    """SymPy's limit at an exact probe point (:func:`_probes`), the first where it is a number
    other than rhs there."""
    for point in _probes(model, ctx):
        refuted = _limit_refutation_at(model, point, ctx)
        if refuted is not None:
            return refuted
    return None


def _limit_refutation_at(model: Model, point: dict[str, sp.Rational],
                         ctx: CheckContext) -> Finding | None:
    spec = model.spec
    x = model.params[spec.over]
    lhs = _at(model, model.pin(model.expr(spec.lhs)), point)
    end, side = _end(model)
    value = _sympy_limit(lhs, x, end, side)
    if value is None:
        return None
    claimed = _at(model, _claimed(model), point)
    finite = [v for v in (value, claimed) if v not in (sp.oo, -sp.oo)]
    if not (value.is_extended_real and claimed.is_extended_real and all(v.is_number
                                                                        for v in finite)):
        return None
    if value == claimed or (len(finite) == 2 and sp.simplify(value - claimed).is_zero is not False):
        return None
    near = {}
    for k in APPROACH:  # exact rational points approaching the end, evaluated at ctx.dps
        t = (sp.Integer(10) ** k if end is sp.oo else -sp.Integer(10) ** k if end == -sp.oo
             else end + (1 if side == "+" else -1) * sp.Rational(1, 10 ** k))
        near[f"lhs at {spec.over} = {sp.N(t, 6)}"] = str(sp.N(lhs.subs(x, t), 20))
    at = {n: str(v) for n, v in point.items()}
    return Finding(Outcome.REFUTES, (
        f"at {at}: lhs -> {value} as {spec.over} -> {spec.to} (SymPy, exact), not {claimed}"),
        near, Counterexample(at=at, observed=f"limit = {value}", claimed=f"limit = {claimed}",
                             tol="0", margin="exact (SymPy's limit at the rational point)",
                             dps=ctx.dps, note="lhs approaching the end: " + "; ".join(
                                 f"{k}: {v}" for k, v in near.items()), replay=at))


def _varies_refutation(model: Model, ctx: CheckContext) -> Finding:
    """lhs is constant in ``over``: its value at two points of the range, at the probe."""
    spec = model.spec
    point = _probe(model, ctx)
    lhs = _at(model, model.pin(model.expr(spec.lhs)), point)
    p, q = _points(model)[:2]
    values = [sp.N(lhs.subs(model.params[spec.over], v), ctx.dps) for v in (p, q)]
    at = {n: str(v) for n, v in point.items()}
    return Finding(Outcome.REFUTES, (
        f"lhs - lhs({spec.over} = {p}) is 0 identically: lhs is constant in {spec.over} (at {at}: "
        f"{sp.N(values[0], 15)} at {spec.over} = {p} and at {q})"), {},
        Counterexample(at=at, observed=f"lhs = {sp.N(values[0], 25)} at {spec.over} = {p} and "
                       f"{sp.N(values[1], 25)} at {spec.over} = {q}",
                       claimed=f"not constant in {spec.over}", tol="0",
                       margin=f"exact (lhs - lhs({spec.over} = {p}) simplifies to 0)", dps=ctx.dps,
                       note=f"the same value for every {spec.over} of the range", replay=at))


def limit_checks(model: Model, boxed) -> tuple[Check, ...]:
    """The one check of a ``limit`` or ``varies`` claim (on one instance)."""
    kind = model.spec.kind

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        verdict, detail, numbers = decide(model, boxed)
        if verdict is True:
            return Finding(Outcome.SUPPORTS, detail, numbers,
                           coverage=model.coverage(Scope.CLASS))
        if verdict is False:
            return _varies_refutation(model, ctx)
        refuted = _limit_refutation(model, ctx) if kind == "limit" else None
        return refuted or Finding(Outcome.UNDECIDED, detail, numbers)

    return (Check(f"{kind}_symbolic", Tier.SYMBOLIC, run,
                  "exact (SymPy), every parameter of the box"),)
