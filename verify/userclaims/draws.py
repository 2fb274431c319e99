"""Seeded random draws in a claim file: a model's data drawn from a stated distribution, and
the runs of ``at = "limits"`` (:mod:`verify.userclaims.gd_limits`).

A distribution is text of one of two shapes, numbers only (nothing executes):
``"uniform(lo, hi)"`` (lo < hi) and ``"normal(mu, sigma)"`` (sigma > 0).  The draws depend on
the seed written in the file alone (never on the run's seed or the claim id), so a rerun, a
replay and another claim stating the same data draw the same numbers.

Model data: any entry of a ``model`` table (``y``, ``bias``, ``target``, ...) may be written
``{ draw = "uniform(-1, 1)", shape = [6, 2], seed = 3 }``: a nested list of that shape (one
number for ``shape = []``) of decimal strings (each the shortest text of its float64), which the
family then reads as if the file had listed them; the claim's evidence records them (Nar &
Sastry 2018, Section 4: "a function f ... estimated ... at the points {x_i}" for random targets).
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

MAX_ENTRIES = 144  # numbers one model datum may draw
MAX_SEED = 2**32 - 1
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_DIST = re.compile(rf"^\s*(uniform|normal)\(\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\)\s*$")


class DrawError(ValueError):
    """A draw that cannot be used; ``key`` names the key at fault."""

    def __init__(self, key: str, problem: str):
        super().__init__(problem)
        self.key, self.problem = key, problem


def distribution(text: Any, key: str) -> tuple[str, float, float]:
    """("uniform", lo, hi) or ("normal", mu, sigma) from the file's text."""
    found = _DIST.match(text) if isinstance(text, str) and len(text) <= 100 else None
    if found is None:
        raise DrawError(key, "must be \"uniform(lo, hi)\" or \"normal(mu, sigma)\" with "
                             f"numbers, got {str(text)[:60]!r}")
    name, a, b = found.group(1), float(found.group(2)), float(found.group(3))
    if not (np.isfinite(a) and np.isfinite(b)) or (name == "uniform" and not a < b) or (
            name == "normal" and not b > 0):
        raise DrawError(key, f"{name} needs {'lo < hi' if name == 'uniform' else 'sigma > 0'}"
                             f", finite, got {text!r}")
    return name, a, b


def sample(dist: tuple[str, float, float], rng: np.random.Generator, size) -> np.ndarray:
    name, a, b = dist
    return rng.uniform(a, b, size) if name == "uniform" else rng.normal(a, b, size)


def seed(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise DrawError(key, f"must be an integer 0..{MAX_SEED}, got {str(value)[:60]!r}")
    return value


def is_draw(value: Any) -> bool:
    return isinstance(value, dict) and "draw" in value


def model_datum(value: dict, key: str) -> Any:
    """``{ draw, shape, seed }`` -> the drawn numbers as decimal strings, nested as ``shape``."""
    unknown = set(value) - {"draw", "shape", "seed"}
    if unknown or "shape" not in value or "seed" not in value:
        raise DrawError(key, "write { draw = \"uniform(lo, hi)\", shape = [rows, cols], "
                             f"seed = N }} (keys draw, shape, seed), got {sorted(value)}")
    dist = distribution(value["draw"], f"{key}.draw")
    shape = value["shape"]
    if not isinstance(shape, list) or len(shape) > 2 or not all(
            isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_ENTRIES
            for s in shape) or int(np.prod(shape)) > MAX_ENTRIES:
        raise DrawError(f"{key}.shape", f"must be [], [n] or [rows, cols] with at most "
                                        f"{MAX_ENTRIES} entries, got {str(shape)[:60]!r}")
    drawn = sample(dist, np.random.default_rng(seed(value["seed"], f"{key}.seed")),
                   tuple(shape))
    return np.vectorize(lambda v: repr(float(v)), otypes=[object])(drawn).tolist()


def expand_model(table: dict) -> dict:
    """The model table with every drawn datum replaced by its numbers, and every varied one
    (``{ vary, shape }``, :mod:`verify.userclaims.minima`) by zeros of its shape: the family
    reads a model of the right size; the search chooses the data."""
    from verify.userclaims.minima import is_vary, placeholder

    return {k: model_datum(v, f"model.{k}") if is_draw(v) else
            placeholder(v, f"model.{k}") if is_vary(v) else v for k, v in table.items()}
