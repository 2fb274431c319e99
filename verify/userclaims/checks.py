"""Generic checks for user claims, one set per kind (cycle, threshold, convergence, inequality,
rate; trajectory, identity, the fitted rate and convergence to a k-cycle in their own modules).  Symbolic attempts come first; Hypothesis searches the box; every violation is
re-evaluated with mpmath before it is called a refutation.
"""

from __future__ import annotations

import dataclasses
import itertools

import mpmath
import sympy as sp

from proofs.ballcode import UnsupportedExpression
from proofs.boxprove import BoxInputError, prove_nonnegative
from proofs.compile import to_mpmath
from proofs.identities import prove_zero
from verify.userclaims.certified import cycle_certified, threshold_crossing_certified
from verify.checks.common import ScalarProblem, dec
from verify.userclaims.budget import Deadline, budgeted, under_deadline, require_small, sympy_size_problem
from verify.userclaims.every_integer import (
    crossed, every_integer_checks, instance_key, proven_class, remembered, search_draws,
)
from verify.userclaims.model import Model, assumptions_hold
from verify.userclaims.search import (
    EVALUATION_ERRORS, Probe, SearchResult, flip_points, reevaluate, search, swamped,
)
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier


def _examples(ctx: CheckContext) -> int:
    return 40 if ctx.quick else 200


def _mpf(v) -> mpmath.mpf:
    return mpmath.mpf(repr(float(v))) if isinstance(v, float) else mpmath.mpf(v)


def _point_text(point: dict[str, float]) -> dict[str, str]:
    # an integer (a perturbed start's run, verify.userclaims.near) stays one
    return {k: repr(v if isinstance(v, int) else float(v)) for k, v in point.items()}


def _args(model: Model, point: dict[str, float]) -> list:
    return [_mpf(point[n]) for n in model.free_names]


def _finish(result: SearchResult, model: Model, what: str, refute) -> Finding:
    """Turn a search result into a finding; ``refute(point, probe)`` builds the refutation (or
    returns None when the precise re-evaluation does not confirm the violation)."""
    numbers = {"examples": str(result.examples),
               "smallest margin": dec(result.worst) if result.worst is not None else "n/a"}
    if result.exhausted:
        return Finding(Outcome.UNDECIDED, f"budget exhausted ({result.exhausted}) after "
                       f"{result.examples} points", numbers)
    if result.invalid:
        point, why = result.invalid
        return Finding(Outcome.UNDECIDED, f"the claim's expressions are not real and finite at "
                       f"{_point_text(point)} ({why}): {what} cannot be decided there", numbers)
    if result.refused:
        numbers["violations refused at high precision"] = str(result.refused)
    if result.violation:
        try:
            finding = result.verdict or refute(*result.violation)
        except EVALUATION_ERRORS as exc:
            return Finding(Outcome.UNDECIDED, f"a float violation of {what} at "
                           f"{_point_text(result.violation[0])} could not be re-evaluated at high "
                           f"precision ({type(exc).__name__}: {exc})", numbers)
        if finding is not None:
            return Finding(finding.outcome, finding.detail, {**numbers, **finding.numbers},
                           finding.counterexample)
        return Finding(Outcome.UNDECIDED, f"a float violation of {what} was not confirmed at "
                       "high precision", numbers)
    if result.unsatisfiable:
        return Finding(Outcome.UNDECIDED, "no point of the box satisfies the assumptions", numbers)
    return Finding(Outcome.SUPPORTS, f"{result.examples} points of the box (edges included, "
                   f"guided towards the smallest margin): {what} held everywhere", numbers,
                   coverage=model.coverage(Scope.SAMPLE, points=result.examples))


# ---------------------------------------------------------------- cycle


def cycle_symbolic(model: Model) -> Check:
    """Symbolic attempt: g(p_i) = p_(i+1) exactly for every parameter value (pinned values
    substituted).  Proves the orbit part of the claim; leaves stability to the search."""

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        pts = [[model.pin(model.expr(e)) for e in p] for p in model.spec.points]
        require_small(model.loss, *[e for p in pts for e in p])
        sub = lambda p: dict(zip(model.vars, p))
        residuals = [model.pin(model.gd_map.subs(sub(pts[i]))[j]) - pts[(i + 1) % len(pts)][j]
                     for i in range(len(pts)) for j in range(len(model.vars))]
        proofs = [prove_zero(r) for r in residuals]
        if all(proofs):
            return Finding(Outcome.SUPPORTS, "SymPy: every claimed point is mapped exactly to "
                           "the next for every parameter value", {"residuals": "0"},
                           coverage=model.coverage(Scope.CLASS, part="orbit",
                                                   decides=model.spec.stable is None))
        return Finding(Outcome.UNDECIDED, "SymPy could not prove the orbit identity; the search "
                       "decides", {"residuals": "; ".join(str(sp.simplify(r)) for r in residuals)})

    return Check("cycle_symbolic", Tier.SYMBOLIC, run, "exact, the whole box", attempt=True)


def cycle_search(model: Model) -> Check:
    """Precise search: at each box point the orbit residuals (and, if claimed, the spectral
    radius of the product of Jacobians) at ``ctx.dps`` digits.  Refutes with the point where a
    residual exceeds 10^-(dps-10) or the stability is the opposite of the claim."""
    spec = model.spec

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        pts = [[model.mp(model.expr(e)) for e in p] for p in spec.points]
        step_fn, jac_fn = model.mp_step, model.mp(model.jacobian)

        def measure(point, dps):
            tol = mpmath.mpf(10) ** (-(dps - 10))
            with mpmath.workdps(dps):
                args = _args(model, point)
                orbit = [[f(*[0] * len(model.vars), *args) for f in p] for p in pts]
                worst = mpmath.mpf(0)
                product = mpmath.eye(len(model.vars))
                for i, p in enumerate(orbit):
                    image = step_fn(*p, *args)
                    nxt = orbit[(i + 1) % len(orbit)]
                    scale = 1 + max(abs(v) for v in nxt)
                    worst = max(worst, max(abs(image[j] - nxt[j]) for j in range(len(nxt)))
                                / scale)
                    product = mpmath.matrix(jac_fn(*p, *args)) * product
                radius = max(abs(e) for e in mpmath.eig(product)[0])
                info = {"residual": worst, "spectral radius": radius}
                if worst > tol:
                    return Probe(-float(worst), info)
                if spec.stable is True and radius > 1 + tol:
                    return Probe(float(1 - radius), info)
                if spec.stable is False and radius < 1 - tol:
                    return Probe(float(radius - 1), info)
                margin = float(1 - radius) if spec.stable else float(radius - 1) \
                    if spec.stable is False else float(tol - worst)
                return Probe(margin, info)

        def refute(point, probe):
            # What decided the violation must agree at two precisions: the residual (a true
            # orbit's residual is rounding noise and never agrees), else the radius.
            decisive = "residual" if probe.info["residual"] > mpmath.mpf(10) ** (
                -(ctx.dps - 10)) else "spectral radius"
            settled = reevaluate(lambda dps: measure(point, dps), ctx.dps,
                                 key=lambda p: p.info[decisive])
            if settled is None:
                return swamped(str(_point_text(point)))
            if settled.value.margin >= 0:
                return None
            res, rad = settled.value.info["residual"], settled.value.info["spectral radius"]
            tol = mpmath.mpf(10) ** (-(settled.dps - 10))
            if res > tol:
                observed, claimed, margin, note = (f"residual {dec(res, 20)}", "0", dec(res, 20),
                                                   "a GD step from a claimed orbit point misses "
                                                   "the next point")
            else:
                observed, claimed, margin = (f"spectral radius {dec(rad, 20)}",
                                             "< 1" if spec.stable else "> 1", dec(rad - 1, 20))
                note = "the orbit's multiplier contradicts the claimed stability"
            return Finding(Outcome.REFUTES, f"at {_point_text(point)}: {observed}", {},
                           Counterexample(at=_point_text(point), observed=observed,
                                          claimed=claimed, tol=dec(tol, 3), margin=margin,
                                          dps=settled.dps, note=f"{note}; {settled.note}",
                                          replay=_point_text(point)))

        result = search(model, lambda point: measure(point, ctx.dps), ctx.seed, _examples(ctx),
                        at=ctx.at, deadline=Deadline(ctx), confirm=refute, quick=ctx.quick)
        return _finish(result, model, "the orbit" + (" and its stability" if spec.stable
                                                      is not None else ""), refute)

    return Check("cycle_search", Tier.PRECISE, run, "Hypothesis over the box, mpmath residuals")


# ---------------------------------------------------------------- threshold


def _require_critical(model: Model) -> list[sp.Expr]:
    if model.spec.to_set:  # every minimiser: the family's closed form, free coordinates
        from verify.userclaims.minimiser_set import minimiser_point

        eq = list(minimiser_point(model))
    else:
        eq = [model.pin(model.expr(e)) for e in model.spec.equilibrium]
    grad = model.pin(model.gradient.subs(dict(zip(model.vars, eq))))
    for j, g in enumerate(grad):
        small = sympy_size_problem(g) is None  # a huge one goes to the numeric test alone
        proof = prove_zero(g) if small else None
        if proof is False or (proof is None and model.box.free and _nonzero_mid(model, g)):
            raise ValueError(f"claim '{model.spec.id}': key 'equilibrium': "
                             f"{list(model.spec.equilibrium)} is not a critical point of the loss "
                             f"(d loss/d {model.vars[j]} = {sp.simplify(g) if small else g} "
                             "there)")
    return eq


def _nonzero_mid(model: Model, e: sp.Expr) -> bool:
    mid = {model.params[n]: (lo + hi) / 2 for n, (lo, hi) in model.box.free.items()}
    return abs(sp.N(e.subs(mid), 30)) > 1e-20


def threshold_symbolic(model: Model) -> Check:
    """Symbolic attempt, any number of variables: the multipliers at x* against the bound,
    exactly on the whole box (see :func:`verify.userclaims.threshold.symbolic_threshold`)."""
    from verify.userclaims.threshold import symbolic_threshold

    @budgeted
    @under_deadline
    def prove(ctx: CheckContext) -> Finding:
        require_small(model.loss, model.threshold_bound)
        return symbolic_threshold(model, _require_critical(model), _boxed_symbols(model))

    def run(ctx: CheckContext) -> Finding:
        spec = model.spec
        if spec.to_set and spec.unbounded and ctx.at is None:
            # a minimiser set's SymPy determinant grows fast with L (14 s at L = 6): where the
            # proof for every L holds, no depth is proven again
            every = every_integer_checks(spec, _boxed_symbols)
            if every and proven_class(spec, every[0], ctx) is not None:
                return Finding(Outcome.UNDECIDED, "not repeated at this depth: the proof for "
                               f"every {', '.join(spec.unbounded)} (check {every[0].name}) "
                               "covers it")
        return prove(ctx)

    return Check("threshold_symbolic", Tier.SYMBOLIC, run, "exact, the whole box", attempt=True)


def threshold_search(model: Model) -> Check:
    """See :mod:`verify.userclaims.threshold` (any model and optimiser, strict or not)."""
    from verify.userclaims import threshold

    return threshold.threshold_search(model, _require_critical, _finish, _examples, _point_text)


# ---------------------------------------------------------------- convergence and rate


# Work units: GD steps (mpmath) one search may spend in all; a claim that needs more is
# undecided, the same on every machine (the wall-clock deadline is only the safety net).
GD_WORK = {True: 300_000, False: 1_500_000}
_ESCAPE = mpmath.mpf(10) ** 40  # relative to the start: an iterate this far out has escaped
_CHUNK = 1000  # GD steps between two looks at the deadline
_REPEAT = 8  # the longest exact period of an orbit that _orbit recognises


_MPF, isfinite = mpmath.mpf, mpmath.isfinite


def _real(v):
    """``v`` as a real mpf, or None when it is complex (nonzero imaginary part), inf or NaN."""
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            return None
        v = v.real
    v = mpmath.mpf(v)
    return v if mpmath.isfinite(v) else None


def _escape(start) -> mpmath.mpf:
    """Past this size an iterate has escaped: 1e40 times the start's size (at least 1)."""
    return _ESCAPE * (1 + max((abs(v) for v in start if v is not None), default=0))


def _orbit(model: Model, start, args, steps: int, dps: int, deadline: Deadline | None = None):
    """The orbit at ``dps`` digits; it stops early at an iterate that escaped (see
    :func:`_escape`) or is not real and finite (kept, its non-real coordinates None)."""
    with mpmath.workdps(dps):
        x = [_real(v) for v in start]
        out = [x]
        escape = _escape(x)
        step = model.stepper(args)
        # plain GD with a constant step maps x alone: once an iterate equals one of the last
        # _REPEAT exactly, every later one repeats that period (copied, not recomputed: the
        # same values the steps would give)
        autonomous = model.method == "gd" and model.mp_schedule is None
        for k in range(steps):
            if any(v is None or abs(v) > escape for v in x):
                break
            if deadline is not None and k % _CHUNK == _CHUNK - 1:
                deadline.check(f"GD step {k + 1} of {steps}")
            try:  # an mpf computed at this precision is its own _real (finite: kept)
                x = [v if type(v) is _MPF and isfinite(v) else _real(v) for v in step(x, k)]
            except EVALUATION_ERRORS:
                x = [None] * len(x)
            out.append(x)
            # (`v is None`, not `None in x`: mpf == None costs ~10 us, each coordinate)
            period = autonomous and all(v is not None for v in x) and next(
                (p for p in range(1, min(_REPEAT, len(out) - 1) + 1) if out[-1 - p] == x), 0)
            if period:
                for _ in range(steps - k - 1):
                    out.append(list(out[-period]))
                break
        return out


def _dist(p, q):
    return mpmath.sqrt(sum((a - b) ** 2 for a, b in zip(p, q)))


class Lazy:
    """The values fn(0), ..., fn(n - 1), each computed when first read (a classification of
    an orbit of thousands of steps reads a few dozen of its distances): the same values as the
    list, read inside the same working precision."""

    def __init__(self, n: int, fn):
        self._n, self._fn, self._memo = n, fn, {}

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(self._n))]
        k = k + self._n if k < 0 else k
        if not 0 <= k < self._n:
            raise IndexError(k)
        if k not in self._memo:
            self._memo[k] = self._fn(k)
        return self._memo[k]


def _tail(steps: list) -> mpmath.mpf:
    """How far the orbit may still travel, extrapolated from its last step lengths: the larger
    of a geometric tail s_T r/(1 - r) and a power-law tail s_T T/(alpha - 1) (slow, sublinear
    convergence at a degenerate minimum); inf when neither model decays."""
    T, s = len(steps), steps[-1]
    if s == 0:
        return s  # it stands still: an exact fixed point
    ratios = [steps[k + 1] / steps[k] for k in range(T - 11, T - 1) if steps[k] > 0]
    r = max(ratios, default=mpmath.inf)
    geometric = s * r / (1 - r) if r < 1 else mpmath.inf
    half = steps[T // 2]
    alpha = mpmath.log(half / s) / mpmath.log(mpmath.mpf(T) / (T // 2)) if s > 0 < half else 0
    power = s * T / (alpha - 1) if alpha > 1 else mpmath.inf
    return max(geometric, power)


def _behaviour(orbit, target, dps: int, residual=None) -> str:
    """How a GD orbit ends, compared with the claimed limit (tolerance 10^-(dps/2), relative):

    'converges': it reached the target, or is still approaching it (distance at least halved,
    non-increasing over the last 20 steps, and the extrapolated remaining travel reaches it);
    'elsewhere': it settled at another point (its last step is at rounding level relative to
    the iterate, or its extrapolated remaining travel is below the tolerance: a small last step
    alone is not enough, GD near a degenerate minimum crawls);
    'cycle': it repeats with a period 2..8 away from the target (|x_T - x_(T-p)| below the
    tolerance times its step lengths: it moves, yet comes back);
    'diverges': an iterate escaped (1e40 times the start's size);
    'undefined': an iterate is not real and finite (the loss is not defined there);
    'stalls': it slows down too fast to reach the target (extrapolated travel < 0.9 distance;
    for a set, the residual's extrapolated remaining drop < 0.9 of the residual);
    'slow': none of these (too few steps to tell).
    """
    last = orbit[-1]
    if None in last:
        return "undefined"
    if any(abs(v) > _escape(orbit[0]) for v in last):
        return "diverges"
    with mpmath.workdps(dps):
        tol = mpmath.mpf(10) ** (-(dps // 2))
        scale = 1 + max(abs(v) for v in list(last) + list(target))
        # A set of minimisers: the residual (zero exactly on the set) stands for the distance.
        dist = Lazy(len(orbit), lambda k: residual(orbit[k]) if residual
                    else _dist(orbit[k], target))
        if dist[-1] <= tol * scale:
            return "converges"
        steps = Lazy(len(orbit) - 1, lambda k: _dist(orbit[k + 1], orbit[k]))
        if len(steps) <= 20:
            return "slow"  # too few steps to extrapolate anything
        tail = _tail(steps)
        # Settled: the last step is at rounding level relative to the iterate (it stopped
        # changing at dps digits), or the extrapolated remaining travel is below the tolerance.
        rounding = mpmath.mpf(10) ** (5 - dps) * max(abs(v) for v in last)
        if steps[-1] <= rounding or tail <= tol * scale:
            return "elsewhere"
        for period in range(2, 9):  # returns to within tol of its own motion over a period
            if _dist(orbit[-1], orbit[-1 - period]) <= tol * max(steps[-period:]):
                return "cycle"
        if residual is not None:  # no point to reach: the residual itself must keep decaying
            ratios = [dist[k + 1] / dist[k] for k in range(len(dist) - 11, len(dist) - 1)]
            if dist[-1] <= dist[0] / 2 and max(ratios) < 1:
                # ... all the way to 0: its extrapolated remaining drop must reach it.  A residual
                # falling towards a positive limit (an orbit drawn to a saddle) is not support.
                drops = Lazy(len(dist) - 1, lambda k: dist[k] - dist[k + 1])
                return "converges" if _tail(drops) >= dist[-1] * mpmath.mpf("0.9") else "stalls"
            if dist[-1] >= 2 * dist[0] and min(ratios) > 1:
                return "diverges"  # the residual grows geometrically: it moves away from the set
            return "slow"
        reaches = tail >= dist[-1] * mpmath.mpf("0.9")
        if reaches and dist[-1] <= dist[0] / 2 and all(
                dist[k + 1] <= dist[k] for k in range(len(dist) - 21, len(dist) - 1)):
            return "converges"
        return "slow" if reaches else "stalls"


def below_precision(model: Model, orbit, args: list, dps: int) -> bool:
    """Whether the last iterate stopped changing only because ``dps`` digits cannot show its
    motion: the exact gradient step there is nonzero yet 10^20 times below the iterate's
    rounding (GD from x0 = 2e-24 on x^6 moves by 6e-118 per step), so it is no fixed point and
    'settled elsewhere' would be an artefact of the precision (a point settled near a true
    fixed point P moves by about f''(P) times its rounding error, far above that)."""
    last = orbit[-1]
    if None in last or model.method != "gd":
        return False
    with mpmath.workdps(dps):
        move = abs(model.eta(len(orbit) - 1, args)) * max(
            abs(g) for g in model.mp_grad(*last, *args))
        return 0 < move < mpmath.mpf(10) ** (-dps - 20) * max(abs(v) for v in last)


# Behaviours that contradict "converges to the target" and "diverges", and those that leave
# the claim open at that point (a refutation needs one of the first).
_NOT_CONVERGING = ("diverges", "elsewhere", "cycle")
_NOT_DIVERGING = ("converges", "elsewhere", "cycle")


def _wrong(holds: bool, seen: str, otherwise: str | None) -> bool:
    if holds:
        return seen in _NOT_CONVERGING
    if otherwise == "does not converge":  # only reaching the target contradicts it
        return seen == "converges"
    return otherwise == "diverges" and seen in _NOT_DIVERGING


def convergence_search(model: Model, proven=None) -> Check:
    """Precise search over the box (step included): GD from the claimed start at ``ctx.dps``
    digits, its behaviour compared with the condition.  Guided towards the condition's
    boundary.  Refutes with a point where the condition holds but GD diverges, settles at
    another point or cycles (or, with ``otherwise``, fails and GD does not diverge, or with
    ``otherwise = "does not converge"`` fails and GD converges to the target), after the
    orbit is recomputed at ``ctx.dps + 20`` digits and behaves the same.  A run that stalls
    away from the target makes the check undecided, never supporting.

    ``proven(ctx)``, where given, is an exact argument for the claim's whole class (its
    conclusion, or None where it does not prove it): when it proves it, the search is a
    cross-check of :data:`CROSS_CHECK` points without extended runs, and says so."""
    spec = model.spec

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        argument = proven(ctx) if proven is not None else None
        start = model.mp_point(model.start)
        limits = spec.target * len(model.vars) if spec.target_every else spec.target
        target = model.mp_point([model.expr(e) for e in limits])
        residual = model.mp(model.target_residual) if spec.to_set else None
        cond = model.expr(spec.condition)  # not pinned: with every parameter pinned the
        slack_fn = model.mp(cond.lhs - cond.rhs)  # relation would be True or False already
        # The condition itself is decided exactly at the point's rational values (as assume
        # is): on its boundary (a non-strict condition's equality, the point condition_edges
        # adds) rounding must not decide which side GD's run counts for.
        # (With at_limit the condition names the state: it is decided at the limit.)
        at_zero = [] if spec.at_limit else [model.pin(cond).subs({v: 0 for v in model.vars})]
        steps = 300 if ctx.quick else 1500
        examples = min(_examples(ctx), GD_WORK[ctx.quick] // steps)
        if argument:  # the class is proven: a cross-check of fewer points
            examples = min(examples, CROSS_CHECK[ctx.quick])
        seen_kinds = dict.fromkeys(("converges", "diverges", "elsewhere", "cycle", "stalls",
                                    "slow", "undefined"), 0)
        deadline = Deadline(ctx)
        # Runs still converging at the budget are rerun with twice the steps, up to EXTEND
        # times the budget, while the extension work (GD steps) lasts: deterministic.
        extension = {"left": 0 if argument else GD_WORK[ctx.quick], "runs": 0,
                     "longest": steps}

        def classify(point, dps):
            with mpmath.workdps(dps):
                args = _args(model, point)
                zeros = [0] * len(model.vars)
                x0, tg = start(args), target(args)
                slack = slack_fn(*zeros, *args) if not spec.at_limit else mpmath.mpf(0)
                dist = (lambda p: residual(*p, *args)) if residual else None
                n = steps
                orbit = _orbit(model, x0, args, n, dps, deadline)
                seen = _behaviour(orbit, tg, dps, dist)
                while (seen in ("slow", "stalls") and n < EXTEND * steps and 2 * n <= extension["left"]
                       and still_converging(orbit)):
                    n *= 2  # rerun from the start: momentum and schedules keep their state
                    extension["left"] -= n
                    orbit = _orbit(model, x0, args, n, dps, deadline)
                    seen = _behaviour(orbit, tg, dps, dist)
                if spec.at_limit and seen != "converges":
                    holds = False  # no limit: "does not converge" is all the claim says
                elif spec.at_limit:  # at the limit, its last iterate: rounding never refutes
                    slack = slack_fn(*orbit[-1], *args)
                    holds = bool(cond.func(slack, 0)) or abs(slack) <= mpmath.mpf(10) ** (
                        -(dps // 2))
                else:
                    holds = assumptions_hold(at_zero, point)
                if n > steps:
                    extension["runs"] += 1
                    extension["longest"] = max(extension["longest"], n)
                if seen == "elsewhere" and below_precision(model, orbit, args, dps):
                    seen = "slow"
                return holds, seen, slack, (x0, tg, orbit[-1]), n

        def evaluate(point):
            holds, seen, slack, *_ = classify(point, ctx.dps)
            seen_kinds[seen] += 1
            info = {"condition": holds, "observed": seen, "slack": slack}
            bad = _wrong(holds, seen, spec.otherwise) or seen == "undefined" or (
                holds and seen == "stalls")
            return Probe(-1.0 if bad else 1.0, info, -abs(float(slack)))

        def refute(point, probe):
            if exclude is not None and exclude(point):
                return None  # a start in the exception set never refutes
            settled = reevaluate(lambda dps: classify(point, dps), ctx.dps,
                                 key=lambda r: r[:2])
            if settled is None:  # the behaviour changes with the precision
                return swamped(str(_point_text(point)))
            holds, seen, slack, (x0, tg, last), n = settled.value
            if not _wrong(holds, seen, spec.otherwise):
                if seen == "undefined":
                    return Finding(Outcome.UNDECIDED, (
                        f"at {_point_text(point)} an iterate of GD is not real and finite (the "
                        "loss or its gradient is not defined there): cannot decide"), {})
                if seen == "stalls":
                    return Finding(Outcome.UNDECIDED, (
                        f"at {_point_text(point)} the condition holds but after {n} steps "
                        "GD slows down too fast to reach the target (not settled either): "
                        "cannot decide"), {})
                return None
            expected = "converges" if holds else spec.otherwise
            return Finding(Outcome.REFUTES, (
                f"at {_point_text(point)} the condition is {holds} but GD "
                f"{_SEEN[seen]} ({settled.note}, {n} steps)"), {},
                Counterexample(at=_point_text(point), observed=seen,
                               claimed=expected, tol=f"1e-{settled.dps // 2} (relative)",
                               margin=f"condition slack {dec(slack, 20)}", dps=settled.dps,
                               note=f"GD from the claimed start {[dec(v, 15) for v in x0]} "
                                    f"{_SEEN[seen]} (target "
                                    f"{[dec(v, 15) for v in tg] or set_words(spec)})"
                                    + _zero_values(model, last, point, settled.dps),
                               replay=_point_text(point)))

        exclude = model.excluded if spec.exceptions else None
        result = search(model, evaluate, ctx.seed, examples, at=ctx.at, deadline=deadline,
                        confirm=refute, extra=condition_edges(model, slack_fn, *at_zero),
                        exclude=exclude, quick=ctx.quick)
        finding = with_exceptions(with_tally(_finish(result, model, "the convergence condition",
                                                     refute), seen_kinds, steps), model, result)
        if argument:
            finding = dataclasses.replace(finding, detail=(
                f"a cross-check of {result.examples} points, runs not extended (the class is "
                f"proven exactly: {argument}): {finding.detail}"))
        return dataclasses.replace(finding, numbers={
            **finding.numbers, "step budget": f"{steps} (a cross-check: not extended)" if argument
            else f"{steps}, doubled up to {EXTEND * steps} for a run still converging "
                 f"(extension work {GD_WORK[ctx.quick]} GD steps)",
            "runs extended": f"{extension['runs']} (longest {extension['longest']} steps)"})

    return Check("convergence_search", Tier.PRECISE, run,
                 "Hypothesis over the box, GD in mpmath from the claimed start")


def _zero_values(model: Model, last, point, dps: int) -> str:
    """For a target set written by equations, their values at GD's last iterate (what keeps
    it off the set)."""
    if not model.spec.target_zero or None in last:
        return ""
    with mpmath.workdps(dps):
        args = _args(model, point)
        return "; at its last iterate " + ", ".join(
            f"{e} = {dec(model.mp(model.pin(model.expr(e)))(*last, *args), 15)}"
            for e in model.spec.target_zero)


def set_words(spec) -> str:
    """A convergence claim's target set in words."""
    if spec.target_zero:
        return "the set where " + ", ".join(spec.target_zero) + " = 0"
    return "the set of minimisers"


EXTEND = 16  # a convergence run still converging at its budget may run up to 16x as long
CROSS_CHECK = {True: 10, False: 40}  # the search's points where an exact argument proves the class


def still_converging(orbit) -> bool:
    """Whether a run that has not settled is clearly still converging (to its target or to
    another point: the longer run tells which): over the last half of the run, the largest step
    length |x_(k+1) - x_k| in each of four consecutive blocks falls from block to block, and the
    last block's is at most 0.99 of the first's (a geometric or power-law decay, oscillating or
    not).  Only a reason to run longer: the verdict still needs the longer run to meet the
    convergence criterion (or to settle elsewhere)."""
    if None in orbit[-1] or len(orbit) < 40:
        return False
    half = orbit[len(orbit) // 2:]
    size = (len(half) - 1) // 4
    dist = [_dist(half[k + 1], half[k]) for k in range(4 * size)]
    peaks = [max(dist[i * size:(i + 1) * size]) for i in range(4)]
    return all(b < a for a, b in itertools.pairwise(peaks)) and peaks[-1] <= peaks[0] * 0.99


def condition_edges(model: Model, slack_fn, relation=None) -> tuple[dict[str, float], ...]:
    """Points on and just either side of where the convergence condition flips along the step
    (:func:`~verify.userclaims.search.flip_points`): the claim's own edge ("GD converges when
    eta < c"), which a sampled search can miss when the band between c and the true threshold
    is narrow (seen: a quick seed that never drew eta in [1, 6/5)).  The point on the flip
    (where ``relation``, the condition at the zero state, is an equality at a short decimal:
    eta = 2/a at a = 5/4 is 1.6) probes a non-strict condition ("eta <= 2/a") at its equality
    case, where GD on a quadratic cycles."""
    step = model.spec.step
    if step not in model.box.free or model.spec.at_limit or relation is None:
        return ()  # at_limit: the condition names the limit, no edge in the box
    zeros = [0] * len(model.vars)

    def slack(point):
        with mpmath.workdps(30):
            return slack_fn(*zeros, *_args(model, point))

    return tuple(flip_points(model, step, model.free_names, slack, relation))


def with_exceptions(finding: Finding, model: Model, result: SearchResult) -> Finding:
    """A convergence search's finding with its exception set stated: the starts excluded from
    the claim, and how many drawn (or edge) points fell in it and were not run."""
    exceptions = model.spec.exceptions
    if not exceptions:
        return finding
    texts = [e if isinstance(e, str) else "start = [" + ", ".join(e) + "]" for e in exceptions]
    numbers = {**finding.numbers, "exception set (starts excluded)": "; ".join(texts),
               "points in the exception set (not run)": str(result.excluded)}
    detail = finding.detail
    if ctx_replayed_excluded(result):
        return Finding(Outcome.UNDECIDED, "the replayed point's start is in the claim's "
                       f"exception set ({'; '.join(texts)}): the claim says nothing there",
                       numbers)
    return dataclasses.replace(finding, detail=f"{detail} (starts with {' or '.join(texts)} "
                               "excluded)", numbers=numbers)


def ctx_replayed_excluded(result: SearchResult) -> bool:
    """A replay (one point) that fell in the exception set: nothing was run."""
    return result.examples == 0 and result.excluded == 1 and result.worst is None


def with_tally(finding: Finding, tally: dict[str, int], steps: int) -> Finding:
    """A convergence search's finding with its runs' endings counted; support where most runs
    had not settled ('slow') is only undecided."""
    numbers = {**finding.numbers, **{f"runs that {k}": str(v) for k, v in tally.items()}}
    if finding.outcome is Outcome.SUPPORTS and tally["slow"] * 2 > sum(tally.values()):
        return Finding(Outcome.UNDECIDED, f"no violation, but most runs had not settled "
                       f"after {steps} steps", numbers)
    return Finding(finding.outcome, finding.detail, numbers, finding.counterexample,
                   coverage=finding.coverage)


_SEEN = {"converges": "converges to the target (or the set)", "diverges": "diverges",
         "elsewhere": "settles at another point than the target",
         "cycle": "ends in a cycle away from the target", "stalls": "stalls",
         "slow": "has not settled", "undefined": "leaves the loss's domain"}


def _rate_functions(model: Model):
    """(start, metric, bound) of a rate claim in mpmath, compiled once per model."""
    if "_rate_functions" not in model.__dict__:
        spec = model.spec
        t, m0 = sp.Symbol("t"), sp.Symbol("metric0")
        bound = model.pin(model.expr(spec.bound, {"t": t, "metric0": m0}))
        model.__dict__["_rate_functions"] = (
            model.mp_point(model.start), model.mp(model.expr(spec.metric)),
            to_mpmath(bound, [t, m0, *[model.params[n] for n in model.free_names]]))
    return model.__dict__["_rate_functions"]


def rate_slack(model: Model, point: dict, dps: int, deadline: Deadline | None = None,
               x_start: list | None = None):
    """(slack, t, metric, bound) at the worst t of a rate claim's path from ``point`` at
    ``dps`` digits; slack None: GD escaped, or the metric or the bound is not real and finite,
    before any violation.  Gradient flow (:mod:`verify.userclaims.flow`): the path at
    t = 0, h, ..., steps * h (h the step), t the time, integrated up to the first violation
    only (each instant costs a Taylor integration at ``dps`` digits).  ``x_start``: the
    path's start instead of the claimed one (a perturbed start, :mod:`verify.userclaims.near`)."""
    spec = model.spec
    start, metric, bound = _rate_functions(model)
    with mpmath.workdps(dps):
        args = _args(model, point)
        h, flow = 1, model.method == "flow"
        x0 = start(args) if x_start is None else [mpmath.mpf(v) for v in x_start]
        if flow:
            from verify.userclaims.flow import mp_path

            h = model.eta(0, args)
            orbit = mp_path(model, x0, args, spec.steps, h, deadline)
        else:
            orbit = iter(_orbit(model, x0, args, spec.steps, dps, deadline))
        x0 = next(orbit)
        base = (_real(metric(*x0, *args)) if all(v is not None for v in x0)
                else None)
        worst, k = (mpmath.inf, 0, 0, 0), -1
        for k, x in enumerate(itertools.chain([x0], orbit)):
            value = (_real(metric(*x, *args)) if base is not None
                     and all(v is not None for v in x) else None)
            b = _real(bound(k * h, base, *args)) if base is not None else None
            if value is None or b is None:  # a violation before it still counts
                return worst if worst[0] < 0 else (None, k * h, value, b)
            slack = (b - value) / (1 + abs(b))
            if slack < worst[0]:
                worst = (slack, k * h, value, b)
            if slack < 0 and flow:  # a flow: its first violation
                return worst
        if k < spec.steps and worst[0] >= 0:
            return None, k * h, worst[2], worst[3]  # escaped within the bound
        return worst


def rate_refutation(model: Model, point: dict, ctx: CheckContext,
                    deadline: Deadline | None = None) -> Finding | None:
    """A rate claim's violation at ``point`` re-evaluated at ``ctx.dps`` digits and 20 more
    (the slack must agree): a refutation, an undecided finding (escape, not real) or None (no
    violation there)."""
    x_start = None
    if model.spec.near:  # the run's perturbed start, meeting the relations at ctx.dps
        from verify.userclaims.near import exact_start

        x_start = exact_start(model, point, ctx.seed, ctx.dps)
        if x_start is None:
            return Finding(Outcome.UNDECIDED, f"at {_point_text(point)}: the perturbed start "
                           f"does not meet the relations at {ctx.dps} digits: no "
                           "counterexample", {})
    # the slack must agree, not its t: a plateau's worst t is a tie within rounding
    settled = reevaluate(lambda dps: rate_slack(model, point, dps, deadline, x_start),
                         ctx.dps, key=lambda r: r[0])
    if settled is None:
        return swamped(str(_point_text(point)))
    slack, k, value, b = settled.value
    if slack is None:
        return Finding(Outcome.UNDECIDED, (
            f"at {_point_text(point)}, t = {k}: GD escapes or the metric/bound is not "
            f"real and finite (metric {value}, bound {b}) before any violation: cannot "
            "decide"), {})
    if not slack < 0:  # agreed at two precisions: a value, not rounding noise
        return None
    return Finding(Outcome.REFUTES, f"at {_point_text(point)}, t = {k}: metric "
                   f"{dec(value, 15)} exceeds the bound {dec(b, 15)} (relative slack "
                   f"{dec(slack, 3)})", {},
                   Counterexample(at={**_point_text(point), "t": str(k)},
                                  observed=dec(value, 25), claimed=f"<= {dec(b, 25)}",
                                  tol="0", margin=dec(slack, 20),
                                  dps=settled.dps, note="relative slack (bound - "
                                  f"metric)/(1 + |bound|); {settled.note}",
                                  replay=_point_text(point)))


def rate_search(model: Model) -> Check:
    """Search over the box: GD from the start for ``steps`` steps, metric(x_t) against
    bound(t) for every t (:func:`rate_slack`).  Runs at 30 digits during the search and
    re-evaluates a violation at ``ctx.dps`` digits before refuting.  A diverging orbit is
    compared at the iterate where it escaped (1e40 times the start's size): there the metric
    exceeds any moderate bound; a metric or bound that is not real and finite there leaves the
    point undecided.  At most :data:`GD_WORK` GD steps in all (fewer than 3 points fit:
    undecided, "budget exhausted")."""
    spec = model.spec

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        examples = min(20 if ctx.quick else 80, GD_WORK[ctx.quick] // (spec.steps + 1))
        if examples < 3:
            return Finding(Outcome.UNDECIDED, (
                f"budget exhausted ({spec.steps} GD steps per point: fewer than 3 points fit "
                f"the {GD_WORK[ctx.quick]} steps one search may take)"),
                {"steps": str(spec.steps), "work budget (GD steps)": str(GD_WORK[ctx.quick])})
        deadline = Deadline(ctx)
        tol = 1e-20

        def evaluate(point):
            slack, k, value, b = rate_slack(model, point, 30, deadline)
            if slack is None:
                return Probe(-1.0, {"t": k, "metric": value, "bound": b, "open": True})
            return Probe(max(float(slack), -1e300) + tol, {"t": k, "metric": value, "bound": b})

        # a cross-check of fewer points where a cited derivation proves the claim
        draws, prefix = search_draws(spec, None, ctx, examples)
        result = search(model, evaluate, ctx.seed, draws, at=ctx.at, deadline=deadline,
                        confirm=lambda point, probe: rate_refutation(model, point, ctx,
                                                                     deadline),
                        quick=ctx.quick)
        return crossed(_finish(result, model, f"the rate bound for t <= {spec.steps}",
                               lambda point, probe: rate_refutation(model, point, ctx,
                                                                    deadline)), prefix)

    return Check("rate_search", Tier.PRECISE, run, "Hypothesis over the box, GD in mpmath")


# ---------------------------------------------------------------- inequality


_HOLDS = {"<=": lambda d: d <= 0, "<": lambda d: d < 0, ">=": lambda d: d >= 0,
          ">": lambda d: d > 0, "==": lambda d: d == 0}


def _signed(relation: str, d):
    """A margin that is >= 0 where ``lhs relation rhs`` holds (d = lhs - rhs)."""
    return {"<=": -d, "<": -d, ">=": d, ">": d, "==": -abs(d)}[relation]


def _boxed_symbols(model: Model) -> dict[sp.Symbol, sp.Symbol]:
    out = {}
    for n, (lo, hi) in model.box.free.items():
        flags = {"real": True}
        if lo > 0:
            flags["positive"] = True
        elif lo >= 0:
            flags["nonnegative"] = True
        elif hi < 0:
            flags["negative"] = True
        elif hi <= 0:
            flags["nonpositive"] = True
        out[model.params[n]] = sp.Symbol(n + "_box", **flags)
    return out


def inequality_symbolic(model: Model) -> Check:
    """Symbolic attempt: lhs - rhs simplified with the signs the box implies."""
    spec = model.spec

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        d = model.pin(model.expr(spec.lhs) - model.expr(spec.rhs))
        require_small(d)
        d = sp.factor(sp.simplify(d.subs(_boxed_symbols(model))))
        decided = {"<=": d.is_nonpositive, "<": d.is_negative, ">=": d.is_nonnegative,
                   ">": d.is_positive, "==": (d == 0) or None}[spec.relation]
        if decided:
            return Finding(Outcome.SUPPORTS, f"SymPy: lhs - rhs = {d} {spec.relation} 0 "
                           "on the whole box", {"lhs - rhs": str(d)},
                           coverage=model.coverage(Scope.CLASS))
        return Finding(Outcome.UNDECIDED, f"SymPy could not decide lhs - rhs = {d}",
                       {"lhs - rhs": str(d)})

    return Check("inequality_symbolic", Tier.SYMBOLIC,
                 remembered(spec, "inequality_symbolic", run, instance_key(model)),
                 "exact, the whole box", attempt=True)


def inequality_certified(model: Model) -> Check:
    """Certified attempt: branch and bound on Arb balls (:func:`proofs.boxprove.
    prove_nonnegative`) proves the margin's sign on the whole box, every free parameter at once,
    or finds a violation re-checked exactly or at high precision.  The box budget is counted in
    boxes, so the outcome is the same on every machine."""
    spec = model.spec

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        if spec.relation == "==":
            return Finding(Outcome.UNDECIDED, "an equality is decided symbolically, not by "
                           "bisection")
        d = model.pin(model.expr(spec.lhs) - model.expr(spec.rhs))
        require_small(d)
        margin = _signed(spec.relation, d).subs(
            {model.params[n]: sp.Symbol(n, real=True) for n in model.free_names})
        box = {n: model.box.free[n] for n in model.free_names}
        strict = spec.relation in ("<", ">")
        if ctx.at is not None:  # a replay: the one point, exactly
            box = {n: (sp.Rational(ctx.at[n]),) * 2 for n in model.free_names}
        budget = 2_000 if ctx.quick else 10_000
        try:
            proof = prove_nonnegative(margin, box, strict=strict, budget=budget)
        except (UnsupportedExpression, BoxInputError) as exc:
            return Finding(Outcome.UNDECIDED, f"the box prover does not apply: {exc}")
        numbers = {"boxes": str(proof.boxes), "bisection depth": str(proof.max_depth),
                   "precision (bits)": str(proof.prec)}
        if proof.outcome == "proven" and ctx.at is not None:
            return Finding(Outcome.SUPPORTS, f"lhs {spec.relation} rhs holds at the replayed "
                           "point", numbers, coverage=model.coverage(Scope.SAMPLE, points=1))
        if proof.outcome == "proven":
            return Finding(Outcome.SUPPORTS, f"Arb branch and bound proves lhs {spec.relation} "
                           f"rhs on the whole box ({proof.boxes} boxes)", numbers,
                           coverage=model.coverage(Scope.CLASS, boxed=True))
        if proof.outcome == "counterexample":
            at = {n: str(sp.Rational(v.numerator, v.denominator))
                  for n, v in proof.counterexample.items()}
            if not model.assumptions_hold(at):  # the bisection knows the box, not `assume`
                return Finding(Outcome.UNDECIDED, f"branch and bound found a violation at {at}, "
                               "where the claim's assumptions fail; the search decides", numbers)
            signed = "rhs - lhs" if spec.relation in ("<=", "<") else "lhs - rhs"  # _signed
            return Finding(Outcome.REFUTES, f"at {at}: {signed} = {proof.value}, so lhs "
                           f"{spec.relation} rhs fails (re-checked)", numbers,
                           Counterexample(at=at, observed=f"margin {proof.value}",
                                          claimed=f"lhs {spec.relation} rhs", tol="0",
                                          margin=str(proof.value), dps=ctx.dps,
                                          note="found by branch and bound, re-checked exactly "
                                               "or at high precision", replay=at))
        return Finding(Outcome.UNDECIDED, f"branch and bound left {proof.remaining_count} "
                       f"boxes open ({proof.reason})", numbers)

    return Check("inequality_certified", Tier.CERTIFIED,
                 remembered(spec, "inequality_certified", run, instance_key(model)),
                 "Arb branch and bound over the whole box", attempt=True)


def inequality_search(model: Model) -> Check:
    """Precise search: the margin at ``ctx.dps`` digits; a violating point is re-checked
    exactly (SymPy at the rational point) when the margin is within rounding of 0; a
    cross-check of fewer points where a proof covers the whole class
    (:func:`verify.userclaims.every_integer.search_draws`)."""
    spec = model.spec
    proofs = (inequality_symbolic(model), inequality_certified(model))

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        d_expr = model.pin(model.expr(spec.lhs) - model.expr(spec.rhs))
        d_fn = model.mp(d_expr)
        tol = mpmath.mpf(10) ** (-(ctx.dps - 10))

        def settle(point):
            """(holds, lhs - rhs, how): exact at the rational point when SymPy can afford it,
            else mpmath at twice the digits (holds None: within rounding of 0 there)."""
            if sympy_size_problem(d_expr) is None:
                exact = sp.simplify(d_expr.subs({model.params[n]: sp.Rational(repr(float(v)))
                                                 for n, v in point.items()}))
                value = sp.N(exact, ctx.dps)
                # bool(): a SymPy comparison gives sympy.false, which `holds is not False`
                # below took for "holds", so every exact violation was refused
                holds = bool(_HOLDS[spec.relation](value if exact != 0 else 0))
                return holds, value, "evaluated exactly at the rational point"
            def at(dps):  # too large to evaluate exactly (a huge power)
                with mpmath.workdps(dps):
                    return _real(d_fn(*[0] * len(model.vars), *_args(model, point)))

            settled = reevaluate(at, 2 * ctx.dps)
            if settled is None:
                return None, None, "swamped by cancellation"
            value = settled.value
            if value is None:
                raise ValueError("lhs - rhs is not real and finite")
            holds = None if abs(value) <= tol else _HOLDS[spec.relation](value)
            return holds, value, f"evaluated with mpmath, {settled.note}"

        def evaluate(point):
            with mpmath.workdps(ctx.dps):
                d = _real(d_fn(*[0] * len(model.vars), *_args(model, point)))
                if d is None:
                    raise ValueError("lhs - rhs is not real and finite")
                margin = _signed(spec.relation, d)
                strict = spec.relation in ("<", ">")
                if strict and abs(margin) <= tol and settle(point)[0]:
                    return Probe(0.0, {"d": d})  # within rounding of 0 yet exactly true
                if margin < -tol or (strict and abs(margin) <= tol):
                    return Probe(-max(float(abs(margin)), 1e-300), {"d": d})
                return Probe(float(margin), {"d": d})

        def refute(point, probe):
            holds, value, how = settle(point)
            if holds is None and value is None:  # swamped: undecided, not "holds after all"
                return swamped(_point_text(point))
            if holds is not False:
                return None
            return Finding(Outcome.REFUTES, f"at {_point_text(point)}: lhs - rhs = "
                           f"{dec(value, 20)}, so lhs {spec.relation} rhs fails", {},
                           Counterexample(at=_point_text(point), observed=f"lhs - rhs = "
                                          f"{dec(value, 25)}", claimed=f"{spec.relation} 0",
                                          tol=dec(tol, 3), margin=dec(value, 25), dps=ctx.dps,
                                          note=how,
                                          replay=_point_text(point)))

        draws, cross = search_draws(spec, _boxed_symbols, ctx, 200 if ctx.quick else 1000,
                                    proofs, instance_key(model))
        result = search(model, evaluate, ctx.seed, draws, at=ctx.at, deadline=Deadline(ctx),
                        confirm=refute, quick=ctx.quick)
        return crossed(_finish(result, model, f"lhs {spec.relation} rhs", refute), cross)

    return Check("inequality_search", Tier.PRECISE, run, "Hypothesis over the box, mpmath")


def _scalar_problem(model: Model) -> ScalarProblem | None:
    """The claim as a :class:`ScalarProblem` when the certified tier applies to it: one
    variable, the step size the only free parameter (the others pinned), no assumptions."""
    spec = model.spec
    if (len(model.vars) != 1 or spec.loss is None or model.step is None or spec.assume
            or set(model.box.free) != {spec.step} or spec.model or spec.integers
            or "[" in spec.variables[0] or spec.strict is not None
            or model.method != "gd"):
        return None
    return ScalarProblem(spec.loss, var=spec.variables[0], step=spec.step,
                         fixed={k: str(v) for k, v in model.box.pinned.items()})


def _exact_text(model: Model, text: str) -> str:
    """An expression of the claim with its pinned parameters substituted, as SymPy text."""
    return str(model.pin(model.expr(text)))


def certified_checks(model: Model) -> tuple[Check, ...]:
    """Certified attempts (Arb balls over the whole step-size interval) where they apply.

    ``cycle``: a Krawczyk cover of the claimed orbit for every step size in the box
    (:func:`verify.userclaims.certified.cycle_certified`); ``threshold`` with ``tight``: the
    equilibrium's multiplier crosses -1 exactly at the bound
    (:func:`verify.userclaims.certified.threshold_crossing_certified`).  Attempts: undecided does
    not block a verdict; a certified refutation (re-evaluated with mpmath) does.
    """
    problem = _scalar_problem(model)
    spec = model.spec
    if problem is None:
        return ()
    if spec.kind == "cycle":
        lo, hi = model.box.free[spec.step]
        points = tuple(_exact_text(model, p[0]) for p in spec.points)
        check = cycle_certified(problem, points, (str(lo), str(hi)), stable=spec.stable)
    elif spec.kind == "threshold" and spec.tight:
        bound = model.threshold_bound
        if not (bound.is_Rational and bound > 0):
            return ()  # the crossing check needs one exact threshold
        curv = sp.simplify(model.pin(model.hessian[0, 0].subs(
            model.vars[0], model.pin(model.expr(spec.equilibrium[0])))))
        if not (curv.is_positive or curv.is_negative):
            return (_singular_crossing(curv),)
        check = threshold_crossing_certified(problem, _exact_text(model, spec.equilibrium[0]),
                                             str(bound))
    else:
        return ()
    # The cycle cover proves an orbit near the claimed points and its stability, not that the
    # claimed formula is the orbit exactly (the symbolic check proves that part); the crossing
    # proves the tight threshold itself.
    coverage = (model.coverage(Scope.CLASS, decides=False, part="stability" if spec.stable
                               is not None else "") if spec.kind == "cycle"
                else model.coverage(Scope.CLASS))
    # In a child killed at the deadline: the engine's SymPy steps (kinks, simplify) and its
    # bisection cannot be interrupted otherwise.
    run = budgeted(under_deadline(_declaring(check.run, coverage, model)))
    return (dataclasses.replace(check, attempt=True, run=run),)


def _singular_crossing(curv: sp.Expr) -> Check:
    """The crossing route at x* with f''(x*) = 0 (or not provably nonzero): the multiplier is 1
    at every step, so it never crosses -1 and says nothing about attraction (x^4 attracts at 0
    for every step, -x^4 never does): undecided, never a refutation or support."""

    def run(ctx: CheckContext) -> Finding:
        return Finding(Outcome.UNDECIDED, f"f''(x*) = {curv} is not provably nonzero: the "
                       "multiplier is 1 at every step (a singular Hessian) and the higher-order "
                       "terms decide attraction, which the crossing check does not see",
                       {"f''(x*)": str(curv)})

    return Check("threshold_crossing", Tier.CERTIFIED, run,
                 "certified multiplier crossing (not applicable: singular Hessian)", attempt=True)


def _declaring(run, coverage, model: Model):
    """A shared engine check whose support, for this claim, covers ``coverage``; its refutation
    carries the certified point as its replay (every free parameter, as the search's do)."""

    def declared(ctx: CheckContext) -> Finding:
        finding = run(ctx)
        if finding.outcome is Outcome.SUPPORTS:
            return dataclasses.replace(finding, coverage=coverage)
        cx = finding.counterexample
        if finding.outcome is Outcome.REFUTES and cx is not None and not cx.replay:
            point = {n: cx.at[n] for n in model.free_names if n in cx.at}
            if len(point) == len(model.free_names):
                point = {n: dec(mpmath.mpf(v), 25) for n, v in point.items()}
                return dataclasses.replace(finding, counterexample=dataclasses.replace(
                    cx, replay=point))
        return finding

    return declared


def checks_for(model: Model) -> tuple[Check, ...]:
    """The checks that apply to a claim's kind, symbolic attempts first."""
    kind = model.spec.kind
    if kind == "cycle":
        return (cycle_symbolic(model), *certified_checks(model), cycle_search(model))
    if kind == "threshold":
        return (threshold_symbolic(model), *certified_checks(model), threshold_search(model))
    if kind == "convergence":
        from verify.userclaims import scalar
        from verify.userclaims.cycles import cycle_convergence_search

        if model.spec.period:
            return (*scalar.cycle_global_symbolic(model),
                    cycle_convergence_search(model, _orbit, _behaviour, (_dist, _tail, _escape),
                                             _finish, _point_text, GD_WORK),
                    *scalar.cycle_certified_checks(model), *scalar.long_orbit_checks(model),
                    *scalar.cycle_basins(model))
        from verify.userclaims.fixed_points import target_critical

        if model.spec.exact_orbit:
            from verify.userclaims.landing import convergence_exact

            return (convergence_exact(model, _wrong), *target_critical(model),
                    convergence_search(model))
        if model.spec.sweep:
            from verify.userclaims.sweep import convergence_sweep

            return (convergence_sweep(model, _orbit, _behaviour, _point_text),)
        # a scalar "converges if C, diverges if not": the guided search is a cross-check
        # where the contraction argument proves the class, and sweeps around C's boundary
        return (*scalar.contraction_symbolic(model), *target_critical(model),
                convergence_search(model, scalar.contraction_proven(model)),
                *scalar.condition_sweep(model))
    if kind == "inequality" and model.spec.at == "minima":
        from verify.userclaims.minima import minima_search

        return (minima_search(model),)
    if kind == "inequality" and model.spec.at == "limits":
        from verify.userclaims.gd_limits import limits_search

        return (limits_search(model),)
    if kind == "inequality" and model.spec.at:
        from verify.userclaims.minimisers import minimiser_search

        return (minimiser_search(model),)
    if kind == "inequality":
        return (inequality_symbolic(model), inequality_certified(model), inequality_search(model))
    if kind == "rate" and model.spec.order:
        from verify.userclaims.rates import fitted_rate_search, witness_check

        witness = (witness_check(model, _orbit, _point_text),) if model.spec.witness else ()
        return (*witness, fitted_rate_search(model, _orbit, _finish, _point_text, GD_WORK))
    if kind == "rate" and model.spec.sweep:
        from verify.userclaims.rate_sweep import rate_sweep

        return (rate_sweep(model, rate_refutation, _point_text),)
    if kind == "rate":
        return (rate_search(model),)
    if kind == "identity" and model.spec.at:
        from verify.userclaims.symmetric import symmetric_identity

        return (symmetric_identity(model),)
    if kind == "identity":
        from verify.userclaims.identity import identity_search, identity_symbolic

        return (identity_symbolic(model, _boxed_symbols),
                identity_search(model, _finish, _point_text, _boxed_symbols))
    if kind in ("limit", "varies"):
        from verify.userclaims.limits import limit_checks

        return limit_checks(model, _boxed_symbols)
    if kind == "trajectory":
        from verify.userclaims.trajectory import trajectory_search

        return (trajectory_search(model, _orbit, _finish, _point_text, GD_WORK),)
    if kind == "sole_limit":
        from verify.userclaims.sole_limit import sole_limit_checks

        return sole_limit_checks(model)
    raise ValueError(f"unknown kind {kind!r}")
