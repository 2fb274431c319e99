"""The protocol every model family follows, and the helpers the families share."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import sympy as sp

from proofs.expressions import ExpressionError, parse, real_symbol

MAX_SIZE = 8  # rows/columns of a declared vector or matrix (work units: SymPy stays small)
MAX_COORDS = 40  # coordinates of a whole state


class FamilyError(ValueError):
    """A ``model`` table that cannot be used: ``key`` names the key at fault."""

    def __init__(self, key: str, problem: str):
        super().__init__(problem)
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class State:
    """One instance's state: ``coords`` the flat real symbols GD updates (in order), ``names``
    what a claim's expressions may call them (a scalar, or an ImmutableMatrix of coordinates
    addressable as ``x[i]`` / ``W[i, j]``), ``labels`` the coordinates' printed names."""

    coords: tuple[sp.Symbol, ...]
    names: dict[str, sp.Basic] = field(default_factory=dict)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.coords)


class Family(Protocol):
    """A model family.  ``spec`` is the validated model table (plain strings and lists)."""

    name: str
    keys: tuple[str, ...]  # keys of the model table besides ``family``

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        """Validate the model table (expressions over the parameters ``symbols``); raise
        :class:`FamilyError` naming the key."""

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        """The state of the instance with integer parameters ``ints``."""

    def loss(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic]) -> sp.Expr:
        """The exact loss over the state and the parameters."""

    def residual(self, spec: dict[str, Any], state: State,
                 symbols: dict[str, sp.Basic]) -> sp.Expr | None:
        """A non-negative expression vanishing exactly on the minimiser set (None: unknown)."""

    def product(self, spec: dict[str, Any], state: State) -> sp.Matrix | None:
        """The end-to-end product whose singular values a claim may name (None: none)."""

    def start(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic],
              ints: dict[str, int]) -> tuple[sp.Expr, ...] | None:
        """The family's own initialisation (None: the claim gives ``start``)."""


# ------------------------------------------------------------------------- shared helpers

_SHAPED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\])?\Z")


def shaped_name(text: Any, key: str) -> tuple[str, tuple[int, ...]]:
    """``"x"`` -> ("x", ()), ``"w[3]"`` -> ("w", (3,)), ``"A[2, 2]"`` -> ("A", (2, 2))."""
    match = _SHAPED.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise FamilyError(key, f"{text!r} is not a variable: write a name, name[n] (a vector) "
                               "or name[m, n] (a matrix)")
    name, *dims = match.groups()
    shape = tuple(int(d) for d in dims if d is not None)
    if any(not 1 <= d <= MAX_SIZE for d in shape):
        raise FamilyError(key, f"{text!r}: each dimension must be 1..{MAX_SIZE}")
    return name, shape


def coordinates(name: str, shape: tuple[int, ...]) -> tuple[list[sp.Symbol], sp.Basic]:
    """The real coordinate symbols of a scalar/vector/matrix variable and the object its name
    stands for in expressions (a vector is an n x 1 matrix, so ``w[i]`` and ``w[i, 0]`` work)."""
    if not shape:
        s = real_symbol(name)
        return [s], s
    rows, cols = (shape[0], 1) if len(shape) == 1 else shape
    if len(shape) == 1:
        syms = [real_symbol(f"{name}_{i}") for i in range(rows)]
    else:
        syms = [real_symbol(f"{name}_{i}_{j}") for i in range(rows) for j in range(cols)]
    return syms, sp.ImmutableMatrix(rows, cols, syms)


def expression(value: Any, key: str, symbols: dict[str, sp.Basic], what: str = "") -> sp.Expr:
    """One expression of a model table over ``symbols`` (numbers are accepted as they are)."""
    prefix = f"{what}: " if what else ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FamilyError(key, f"{prefix}expected an expression string, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise FamilyError(key, f"{prefix}must be finite, got {value!r}")
    text = value if isinstance(value, str) else repr(value)
    try:
        expr = parse(text, symbols)
    except ExpressionError as exc:
        raise FamilyError(key, f"{prefix}{exc} (allowed symbols: "
                               f"{', '.join(symbols) or 'none'})") from None
    if not isinstance(expr, sp.Expr) or expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I):
        raise FamilyError(key, f"{prefix}{text!r} is not a real, finite expression")
    return expr


def matrix(value: Any, key: str, symbols: dict[str, sp.Basic],
           square: bool = True) -> list[list[str]]:
    """A matrix of expressions written as a list of rows; kept as text."""
    if (not isinstance(value, list) or not value
            or not all(isinstance(r, list) and r for r in value)):
        raise FamilyError(key, f"must be a matrix: a list of rows, each a list of expressions, "
                               f"got {value!r:.60}")
    rows, cols = len(value), len(value[0])
    if any(len(r) != cols for r in value):
        raise FamilyError(key, "rows of different lengths")
    if square and rows != cols:
        raise FamilyError(key, f"must be square, got {rows} x {cols}")
    if max(rows, cols) > MAX_SIZE:
        raise FamilyError(key, f"at most {MAX_SIZE} x {MAX_SIZE}, got {rows} x {cols}")
    out = []
    for i, row in enumerate(value):
        for j, v in enumerate(row):
            expression(v, key, symbols, what=f"entry [{i}, {j}]")
        out.append([v if isinstance(v, str) else repr(v) for v in row])
    return out


def vector(value: Any, key: str, symbols: dict[str, sp.Basic], n: int) -> list[str]:
    if not isinstance(value, list) or len(value) != n:
        raise FamilyError(key, f"must be a list of {n} expressions, got {value!r:.60}")
    for i, v in enumerate(value):
        expression(v, key, symbols, what=f"entry {i}")
    return [v if isinstance(v, str) else repr(v) for v in value]


def integer_or_name(value: Any, key: str, integers: dict[str, tuple[int, ...]],
                    lo: int, hi: int) -> int | str:
    """A literal integer in [lo, hi], or the name of an integer parameter whose values are."""
    if isinstance(value, bool):
        raise FamilyError(key, f"expected an integer or an integer parameter, got {value!r}")
    if isinstance(value, int):
        if not lo <= value <= hi:
            raise FamilyError(key, f"must be in {lo}..{hi}, got {value}")
        return value
    if isinstance(value, str) and value in integers:
        bad = [v for v in integers[value] if not lo <= v <= hi]
        if bad:
            raise FamilyError(key, f"integer parameter {value!r} takes {bad[0]}, outside "
                                   f"{lo}..{hi}")
        return value
    raise FamilyError(key, f"expected an integer {lo}..{hi} or the name of a parameter declared "
                           f"in 'integers' (declared: {', '.join(integers) or 'none'}), "
                           f"got {value!r}")


def resolve(value: int | str, ints: dict[str, int]) -> int:
    return value if isinstance(value, int) else ints[value]


def parsed_matrix(rows: list[list[str]], symbols: dict[str, sp.Basic]) -> sp.Matrix:
    return sp.Matrix([[parse(v, symbols) for v in row] for row in rows])
