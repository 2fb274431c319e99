"""Counterexample search over a claim's parameter box with Hypothesis.

Hypothesis draws points of the box (it tries the edges of every interval early), is steered by
``target()`` towards the claim's smallest margin, and shrinks a violation to the simplest point
it can find; the caller then re-evaluates that point at high precision.
"""

from __future__ import annotations

import builtins
import itertools
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import mpmath
import sympy as sp

from verify.replay import ReplayError
from verify.userclaims.budget import BudgetExhausted, Deadline
from verify.userclaims.model import Model
from verify.vocabulary import Finding, Outcome

# What evaluating a claim's expressions at one point may raise (1/0, a complex value compared,
# an mpmath domain error): the point is recorded as not evaluable, never passed silently.
EVALUATION_ERRORS = (ArithmeticError, TypeError, ValueError)
_GROUP = getattr(builtins, "BaseExceptionGroup", ())  # Python >= 3.11; () matches nothing


@dataclass(frozen=True)
class Probe:
    """One evaluation: ``margin`` < 0 is a violation; ``guide`` steers the search (larger is
    more interesting; default -margin); ``info`` is kept for the report."""

    margin: float
    info: dict
    guide: float | None = None


class _Violation(Exception):
    def __init__(self, point: dict[str, float], probe: Probe, verdict: Finding | None = None):
        super().__init__("violation")
        self.point, self.probe, self.verdict = point, probe, verdict


class _Invalid(Exception):
    """The claim's expressions are not real and finite at a point (NaN margin, 1/0, ...)."""

    def __init__(self, point: dict[str, float], why: str):
        super().__init__(why)
        self.point, self.why = point, why


@dataclass(frozen=True)
class SearchResult:
    """What a search found.  At most one of ``violation``, ``invalid`` and ``exhausted`` is set:
    a point with a negative margin; a point where the margin could not be evaluated (with the
    reason); the budget message when the wall-clock safety net stopped the search."""

    violation: tuple[dict[str, float], Probe] | None
    examples: int
    worst: float | None  # the smallest margin seen
    unsatisfiable: bool = False
    invalid: tuple[dict[str, float], str] | None = None
    exhausted: str | None = None
    verdict: Finding | None = None  # the violation's re-evaluation (``confirm``), when asked
    refused: int = 0  # violations the re-evaluation found to hold (the search went on)
    excluded: int = 0  # points dropped as outside the claim (``exclude``)


# Extra digits of the re-evaluations of a violation: dps, dps + 20, dps + 40 (see reevaluate).
REEVALUATION_STEPS = (0, 20, 40)


@dataclass(frozen=True)
class Settled:
    """A re-evaluation two consecutive precisions agree on: the result at the higher one."""

    value: Any
    dps: int
    lower: int

    @property
    def note(self) -> str:
        return f"recomputed at {self.lower} and {self.dps} digits, which agree"


def agree(a, b, digits: int) -> bool:
    """Whether two re-evaluations agree: numbers to ``digits`` significant digits (equal, or
    |a - b| <= 10^-digits max(|a|, |b|): relative, so a value that is all rounding noise, a true
    0 computed as 1e-16 then 1e-36, never agrees with itself), everything else exactly;
    tuples, lists and dicts item by item."""
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(agree(x, y, digits) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(agree(a[k], b[k], digits) for k in a)
    numeric = (mpmath.mpf, mpmath.mpc, float)
    if isinstance(a, numeric) or isinstance(b, numeric):
        if a == b:
            return True
        if not (isinstance(a, numeric + (int,)) and isinstance(b, numeric + (int,))
                and mpmath.isfinite(a) and mpmath.isfinite(b)):
            return False
        return abs(a - b) <= mpmath.mpf(10) ** (-digits) * max(abs(a), abs(b))
    return a == b


def reevaluate(evaluate: Callable[[int], Any], dps: int, key: Callable[[Any], Any] = lambda r: r,
               steps: tuple[int, ...] = REEVALUATION_STEPS) -> Settled | None:
    """The one re-evaluation of a search's violation, for every kind: ``evaluate(d)`` at
    d = dps + each of ``steps`` until two consecutive precisions agree on ``key(result)`` (see
    :func:`agree`, to half the lower precision's digits); the later result, or None when no two
    agree (the value is swamped by cancellation: the caller says inconclusive, never refuted).
    ``evaluate`` sets its own working precision from d."""
    previous = None
    for extra in steps:
        d = dps + extra
        result = evaluate(d)
        if previous is not None and agree(key(previous[1]), key(result), previous[0] // 2):
            return Settled(result, d, previous[0])
        previous = (d, result)
    return None


def swamped(where: str, steps: tuple[int, ...] = REEVALUATION_STEPS):
    """The undecided finding of a violation whose re-evaluations never agree."""
    return Finding(Outcome.UNDECIDED, f"at {where} the re-evaluated margin changes with the "
                   f"precision (+{', +'.join(map(str, steps[1:]))} digits): swamped by "
                   "cancellation, cannot decide", {})


def _checked(evaluate: Callable[[dict[str, float]], Probe], point: dict[str, float]) -> Probe:
    """``evaluate(point)`` with its failures turned into :class:`_Invalid` (NaN margin too)."""
    try:
        probe = evaluate(point)
    except EVALUATION_ERRORS as exc:
        raise _Invalid(point, f"{type(exc).__name__}: {exc}") from None
    if math.isnan(probe.margin):
        raise _Invalid(point, "the margin evaluates to NaN")
    return probe


def _guide(probe: Probe) -> float | None:
    """The value given to Hypothesis' ``target`` (finite: it refuses inf and NaN), or None."""
    value = probe.guide if probe.guide is not None else -probe.margin
    if math.isnan(value):
        return None
    return max(-1e300, min(1e300, value))


def parse_at(names: list[str], at: dict[str, str]) -> dict[str, float]:
    """A replay point: every searched parameter must be given (decimal strings)."""
    missing = [n for n in names if n not in at]
    if missing:
        raise ReplayError(f"--at must give {', '.join(missing)} (free parameters of the box)")
    try:
        return {n: float(mpmath.mpf(at[n])) for n in names}
    except ValueError:
        raise ReplayError(f"--at values must be numbers, got {dict(at)}") from None


# Edge points a search tries before its draws: the full grid of each interval's ends and zero
# (or midpoint) while it has at most EDGES[quick] points (full run, --quick), else the box's
# corners (at most CORNERS - 1 of them, in product order) and its centre.  So --quick keeps
# every corner a full run tries and drops the mixed zero/midpoint levels of 3 and 4 parameters.
EDGES = (81, 17)
CORNERS = 81


def edge_points(model: Model, names: list[str], grid: int = EDGES[0]) -> list[dict[str, float]]:
    """The box's edges, tried before any random point: every combination of each interval's
    ends and its zero (or midpoint, when 0 is outside); only the corners and the centre when
    that grid would pass ``grid`` points.  Hypothesis alone may miss a measure-zero edge."""
    grid_levels = {n: [lo, hi, inner] for n, (inner, lo, hi) in box_levels(model, names).items()}
    if 3 ** len(names) > grid:
        out = [dict(zip(names, c))
               for c in itertools.product(*[v[:2] for v in grid_levels.values()])]
        return out[: CORNERS - 1] + [{n: v[2] for n, v in grid_levels.items()}]
    return [dict(zip(names, c)) for c in itertools.product(*grid_levels.values())]


def box_levels(model, names) -> dict[str, tuple[float, float, float]]:
    """Each named parameter's centre (0 where its interval holds it), lower end and upper end."""
    out = {}
    for n in names:
        lo, hi = (float(v) for v in model.box.free[n])
        out[n] = (0.0 if lo < 0 < hi else (lo + hi) / 2, lo, hi)
    return out


def flip_points(model: Model, along: str, names: list[str], slack, relation) -> list[dict]:
    """Points on and just either side of where ``slack(point)`` (an mpf) changes sign along
    parameter ``along``, the other ``names`` at the box's centre, its lower and its upper
    corner (three bases: each point costs the kind one evaluation).  The flip is bracketed
    by bisection to float resolution; the points either side are 10^-3 of the interval away;
    the point on the flip is :func:`decimal_root` of ``relation`` (lhs == rhs exactly there),
    where it lies at a short decimal (an edge at 4/3 has no float point on it)."""
    lo, hi = (float(v) for v in model.box.free[along])
    grid = box_levels(model, [n for n in names if n != along])
    out: list[dict[str, float]] = []
    for k in range(3):
        base = {n: v[k] for n, v in grid.items()}
        try:
            a, b = slack({**base, along: lo}), slack({**base, along: hi})
            if not (mpmath.isfinite(a) and mpmath.isfinite(b)) or (a < 0) == (b < 0):
                continue
            x, y = lo, hi
            for _ in range(60):  # bisection to float resolution
                mid = (x + y) / 2
                if (slack({**base, along: mid}) < 0) == (a < 0):
                    x = mid
                else:
                    y = mid
        except EVALUATION_ERRORS:
            continue
        eps = 1e-3 * (hi - lo)
        points = [{**base, along: v} for v in (x - eps, y + eps) if lo <= v <= hi]
        on_edge = decimal_root(relation, base, along, x, y,
                               near=lambda v, base=base: abs(slack({**base, along: v})) < 1e-20)
        if on_edge is not None:
            points.append({**base, along: on_edge})
        out += [q for q in points if q not in out]
    return out


def decimal_root(relation, base: dict[str, float], along: str, x: float, y: float,
                 near=None) -> float | None:
    """The shortest decimal near [x, y] (a bisection's bracket of the relation's flip along
    ``along``) at which lhs == rhs exactly, the values taken as the rationals their decimals
    denote (as :func:`verify.userclaims.model.assumptions_hold` takes them), or None.
    ``near(v)``, where given, screens a candidate numerically before SymPy decides it."""
    names = {s.name: s for s in relation.free_symbols}
    if along not in names:
        return None
    known = {names[k]: sp.Rational(repr(float(v))) for k, v in base.items() if k in names}
    gap = relation.lhs - relation.rhs
    tried = set()
    for digits in range(1, 18):
        v = float(f"{(x + y) / 2:.{digits}g}")
        if v in tried or not x - 2 * abs(y - x) <= v <= y + 2 * abs(y - x):
            continue
        tried.add(v)
        try:
            if near is not None and not near(v):
                continue
            if gap.subs({**known, names[along]: sp.Rational(repr(v))}) == 0:
                return v
        except EVALUATION_ERRORS:
            return None
    return None


def assumption_edges(model, names: list[str]) -> list[dict[str, float]]:
    """The edges of the claim's ``assume`` relations inside the box: for each relation and
    each searched parameter in it, :func:`flip_points` along that parameter.  A claim can fail
    exactly where a non-strict assumption is an equality ("eta lam < 1/2 whenever
    eta <= 1/(2 lam)"), a curve in the box that random draws never hit.  ``model`` is the
    search's view of the claim: the claim's :class:`Model` or a view that adds coordinates to
    the box and keeps the claim's model as ``.model`` (the assumptions are that model's)."""
    claim = getattr(model, "model", model)
    centre = {n: v[0] for n, v in box_levels(claim, claim.free_names).items()}
    zeros = [0] * len(claim.vars)
    out: list[dict[str, float]] = []
    for relation in claim.pinned_assumptions:
        if not isinstance(relation, sp.core.relational.Relational):
            continue
        symbols = {s.name for s in relation.free_symbols}
        if not symbols or not symbols <= set(names):
            continue
        slack_fn = claim.mp(relation.lhs - relation.rhs)

        def slack(point, slack_fn=slack_fn):
            with mpmath.workdps(30):
                return slack_fn(*zeros, *claim.numbers({**centre, **{
                    n: v for n, v in point.items() if n in centre}}))

        for along in sorted(symbols):
            out += [q for q in flip_points(model, along, names, slack, relation) if q not in out]
    return out


def _confirmed(confirm, point: dict[str, float], probe: Probe) -> Finding | None:
    """``confirm(point, probe)``: the violation's high-precision re-evaluation (a refutation,
    an undecided finding, or None when the point holds after all)."""
    try:
        return confirm(point, probe)
    except EVALUATION_ERRORS as exc:
        return Finding(Outcome.UNDECIDED, f"a float violation at {point} could not be "
                       f"re-evaluated at high precision ({type(exc).__name__}: {exc})", {})


@contextmanager
def without_local_constants() -> Iterator[None]:
    """Run a Hypothesis search without the literals of "local" modules in its draws.

    Why: Hypothesis mixes into its draws the number literals of every module it deems local
    code (``hypothesis.internal.conjecture.providers._get_local_constants``): which ones depends
    on what is imported (test files under pytest, the suite's lazily imported checks), on where
    the project is installed (an editable checkout is local, a wheel in site-packages is not)
    and on every literal anyone adds to the code.  A search's points, and so a sampled verdict,
    then changed with the process that ran it (seen: a false twin refuted alone, confirmed in a
    larger pytest run).  Within a search the local pool is empty, the same everywhere; the
    global constants (0, 1, powers of two, ...) stay.  The hook is private to Hypothesis: if it
    is gone in a later release, nothing is patched (and ``test_search_is_independent_of_loaded_
    modules`` says so)."""
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a Hypothesis without the module
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    cache = getattr(providers, "CONSTANTS_CACHE", None)
    if original is None or not hasattr(providers, "Constants") or cache is None:
        yield
        return
    empty = providers.Constants()
    providers._get_local_constants = lambda: empty
    cache.cache.clear()  # permitted constants computed with the local pool
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.cache.clear()


def search(model: Model, evaluate: Callable[[dict[str, float]], Probe], run_seed: int,
           examples: int, names: list[str] | None = None,
           at: dict[str, str] | None = None, deadline: Deadline | None = None,
           confirm: Callable[[dict[str, float], Probe], Finding | None] | None = None,
           extra: tuple[dict[str, float], ...] = (),
           exclude: Callable[[dict[str, float]], Any] | None = None,
           quick: bool = False) -> SearchResult:
    """Search ``names`` (default: every free parameter) of the box for a negative margin.

    ``evaluate`` may raise :class:`BudgetExhausted` (its own work limit or the deadline); the
    search then stops with ``exhausted`` set, whatever it had seen (never a verdict by timing).

    ``confirm`` (the kind's re-evaluation, see :func:`reevaluate`) is asked at every violation,
    inside the search: a violation it refuses (None: the point holds at high precision) is not
    one, and the search goes on; one it confirms (or leaves undecided) is what Hypothesis
    shrinks, so the minimal point reported is itself confirmed (``verdict``).  Without it a
    false alarm at the search's precision would end the search before a real violation.

    ``exclude(point)`` (truthy: the point is outside the claim, e.g. a start in a convergence
    claim's exception set) drops a point as ``assume`` does, edges included; the count is
    ``excluded``.  A replay at an excluded point evaluates nothing (``excluded`` = 1).
    """
    names = model.free_names if names is None else names
    if at is not None:
        point = parse_at(names, at)
        if exclude is not None and exclude(point):
            return SearchResult(None, 0, None, excluded=1)
        try:
            probe = _checked(evaluate, point)
        except _Invalid as bad:
            return SearchResult(None, 1, None, invalid=(bad.point, bad.why))
        except BudgetExhausted as exc:
            return SearchResult(None, 0, None, exhausted=str(exc))
        if probe.margin < 0 and confirm is not None:
            verdict = _confirmed(confirm, point, probe)
            if verdict is None:
                return SearchResult(None, 1, probe.margin, refused=1)
            return SearchResult((point, probe), 1, probe.margin, verdict=verdict)
        return SearchResult((point, probe) if probe.margin < 0 else None, 1, probe.margin)
    # Hypothesis is imported here, not with the module: every process builds the claims, and
    # a cached re-run (or a replay) searches nothing; importing it costs ~0.1 s.
    from hypothesis import HealthCheck, Phase, assume, given, seed, settings, target
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable

    box = model.box.free
    strategy = st.fixed_dictionaries({
        n: st.floats(float(box[n][0]), float(box[n][1]), allow_nan=False, allow_infinity=False)
        for n in names})
    seen = {"n": 0, "worst": None, "refused": 0, "excluded": 0}

    stop: dict[str, str | None] = {"why": None}

    def trial(point, steer) -> bool:
        """One point: False where the assumptions or ``exclude`` drop it; a violation raises
        :class:`_Violation` (``steer``: Hypothesis' ``target``, None for an edge)."""
        if stop["why"] is None and deadline is not None:
            try:
                deadline.check("search")
            except BudgetExhausted as exc:
                stop["why"] = str(exc)
        if stop["why"] is not None:
            raise BudgetExhausted(stop["why"])  # every later call too: nothing else is reported
        if not model.assumptions_hold(point):
            return False
        if exclude is not None and exclude(point):
            seen["excluded"] += 1
            return False
        try:
            result = _checked(evaluate, point)
        except BudgetExhausted as exc:
            stop["why"] = str(exc)
            raise
        seen["n"] += 1
        if seen["worst"] is None or result.margin < seen["worst"]:
            seen["worst"] = result.margin
        guide = _guide(result)
        # the closest to failing: the smallest margin, then (margins clipped at 0 for rounding
        # tie) the largest guide, which some kinds keep unclipped
        rank = (result.margin, -guide if guide is not None else 0.0)
        if seen.get("closest") is None or rank < seen["closest"][0]:
            seen["closest"] = (rank, dict(point), result)
        if guide is not None and steer is not None:
            steer(guide, label="violation")
        if result.margin < 0:
            try:
                verdict = _confirmed(confirm, point, result) if confirm is not None else None
            except BudgetExhausted as exc:  # the re-evaluation ran out: stop, never support
                stop["why"] = str(exc)
                raise
            if confirm is not None and verdict is None:
                seen["refused"] += 1  # held at high precision: not a violation
                return True
            raise _Violation(point, result, verdict)
        return True

    # report_multiple_bugs=False: one failure (never an ExceptionGroup of several).
    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False,
              report_multiple_bugs=False,
              phases=[Phase.generate, Phase.target, Phase.shrink])
    @given(strategy)
    def probe(point):
        assume(trial(point, target))

    # The edges first, in the order Hypothesis ran them as explicit examples (the last one
    # given first) and as it did (a violation or a failure stops the search); run here, they
    # skip Hypothesis' per-example set-up and printing (~0.4 ms each).  The draws that follow
    # do not depend on them (explicit examples never reach Hypothesis' engine).
    edges = []
    for point in [*edge_points(model, names, EDGES[quick]), *assumption_edges(model, names),
                  *extra]:  # extra: a kind's edges
        if exclude is not None and exclude(point):
            seen["excluded"] += 1  # an edge in the exception set is not probed
            continue
        edges.append(point)
    try:
        for point in reversed(edges):
            trial(point, None)
        with without_local_constants():
            probe()
    except _Violation as found:
        if stop["why"] is None:
            return SearchResult((found.point, found.probe), seen["n"], seen["worst"],
                                verdict=found.verdict, refused=seen["refused"],
                                excluded=seen["excluded"])
    except _Invalid as bad:
        if stop["why"] is None:
            return SearchResult(None, seen["n"], seen["worst"], invalid=(bad.point, bad.why),
                                excluded=seen["excluded"])
    except Unsatisfiable:
        if stop["why"] is None:
            return SearchResult(None, seen["n"], seen["worst"], unsatisfiable=True,
                                excluded=seen["excluded"])
    except BudgetExhausted:
        pass
    except _GROUP:  # a stop raced another failure
        if stop["why"] is None:
            raise
    if stop["why"] is not None:
        return SearchResult(None, seen["n"], seen["worst"], exhausted=stop["why"],
                            excluded=seen["excluded"])
    hidden = _below_tolerance(confirm, seen)
    if hidden is not None:
        return SearchResult(hidden[0], seen["n"], seen["worst"], verdict=hidden[1],
                            refused=seen["refused"], excluded=seen["excluded"])
    return SearchResult(None, seen["n"], seen["worst"], refused=seen["refused"],
                        excluded=seen["excluded"])


# A search's margins carry its own tolerance (relative 10^-20 at 30 digits, for most kinds), so
# a claim off by less (a rate bound times 1 - 10^-30) held at every point.  The point closest to
# failing, when its margin is this near 0, is handed to the kind's high-precision re-evaluation
# once more at the end (``confirm``, the standard of every violation): a refutation there is a
# violation the tolerance hid.  True claims that are tight somewhere (an equality case, a bound
# that is exact) re-evaluate as holding, or as rounding noise that never agrees with itself.
NEAR_MARGIN = 1e-12


def _below_tolerance(confirm, seen: dict):
    """((point, probe), refutation) at the closest point, or None (see :data:`NEAR_MARGIN`)."""
    if confirm is None or seen.get("closest") is None or not 0 <= seen["worst"] < NEAR_MARGIN:
        return None
    _, point, probe = seen["closest"]
    try:  # a kind's re-evaluation may expect a violation's probe (its step, its side): then
        verdict = confirm(point, probe)  # it has nothing to say here
    except (KeyError, BudgetExhausted, *EVALUATION_ERRORS):
        return None
    if verdict is None or verdict.outcome is not Outcome.REFUTES:
        return None
    return (point, probe), verdict
