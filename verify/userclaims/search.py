"""Counterexample search over a claim's parameter box with Hypothesis.

Hypothesis draws points of the box (it tries the edges of every interval early), is steered by
``target()`` towards the claim's smallest margin, and shrinks a violation to the simplest point
it can find; the caller then re-evaluates that point at high precision.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import mpmath
import itertools

from hypothesis import HealthCheck, Phase, assume, example, given, seed, settings, target
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from verify.replay import ReplayError
from verify.userclaims.model import Model


@dataclass(frozen=True)
class Probe:
    """One evaluation: ``margin`` < 0 is a violation; ``guide`` steers the search (larger is
    more interesting; default -margin); ``info`` is kept for the report."""

    margin: float
    info: dict
    guide: float | None = None


class _Violation(Exception):
    def __init__(self, point: dict[str, float], probe: Probe):
        super().__init__("violation")
        self.point, self.probe = point, probe


@dataclass(frozen=True)
class SearchResult:
    violation: tuple[dict[str, float], Probe] | None
    examples: int
    worst: float | None  # the smallest margin seen
    unsatisfiable: bool = False


def parse_at(names: list[str], at: dict[str, str]) -> dict[str, float]:
    """A replay point: every searched parameter must be given (decimal strings)."""
    missing = [n for n in names if n not in at]
    if missing:
        raise ReplayError(f"--at must give {', '.join(missing)} (free parameters of the box)")
    try:
        return {n: float(mpmath.mpf(at[n])) for n in names}
    except ValueError:
        raise ReplayError(f"--at values must be numbers, got {dict(at)}") from None


def edge_points(model: Model, names: list[str], limit: int = 81) -> list[dict[str, float]]:
    """The box's edges, tried before any random point: every combination of each interval's
    ends and its zero (or midpoint, when 0 is outside); only the corners and the centre when
    that grid would pass ``limit`` points.  Hypothesis alone may miss a measure-zero edge."""
    levels = {}
    for n in names:
        lo, hi = (float(v) for v in model.box.free[n])
        inner = 0.0 if lo < 0 < hi else (lo + hi) / 2
        levels[n] = [lo, hi, inner]
    if 3 ** len(names) > limit:
        grid = [dict(zip(names, c)) for c in itertools.product(*[v[:2] for v in levels.values()])]
        grid = grid[: limit - 1] + [{n: v[2] for n, v in levels.items()}]
    else:
        grid = [dict(zip(names, c)) for c in itertools.product(*levels.values())]
    return grid


def search(model: Model, evaluate: Callable[[dict[str, float]], Probe], run_seed: int,
           examples: int, names: list[str] | None = None,
           at: dict[str, str] | None = None) -> SearchResult:
    """Search ``names`` (default: every free parameter) of the box for a negative margin."""
    names = model.free_names if names is None else names
    if at is not None:
        point = parse_at(names, at)
        probe = evaluate(point)
        return SearchResult((point, probe) if probe.margin < 0 else None, 1, probe.margin)
    box = model.box.free
    strategy = st.fixed_dictionaries({
        n: st.floats(float(box[n][0]), float(box[n][1]), allow_nan=False, allow_infinity=False)
        for n in names})
    seen = {"n": 0, "worst": None}

    @seed(run_seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), print_blob=False,
              phases=[Phase.explicit, Phase.generate, Phase.target, Phase.shrink])
    @given(strategy)
    def probe(point):
        assume(model.assumptions_hold(point))
        result = evaluate(point)
        seen["n"] += 1
        if seen["worst"] is None or result.margin < seen["worst"]:
            seen["worst"] = result.margin
        target(result.guide if result.guide is not None else -result.margin, label="violation")
        if result.margin < 0:
            raise _Violation(point, result)

    for point in edge_points(model, names):
        probe = example(point)(probe)
    try:
        probe()
    except _Violation as found:
        return SearchResult((found.point, found.probe), seen["n"], seen["worst"])
    except Unsatisfiable:
        return SearchResult(None, seen["n"], seen["worst"], unsatisfiable=True)
    return SearchResult(None, seen["n"], seen["worst"])
