"""The ``deep_linear`` family: a chain of L layers, f = |W_L ... W_1 - R|_F^2 / 2.

Nar & Sastry (2018), eq. (2) with whitened data (the closed form of
:mod:`numerics.deeplinear`).  Width 1 is the scalar chain w_L ... w_1 (names ``w1`` .. ``wL``);
width d > 1 has d x d layers ``W1`` .. ``WL`` (entries ``W1[i, j]``).

    model = { family = "deep_linear", depth = "L", width = 1, target = "r", init = "1" }

``depth`` is an integer or an integer parameter of the claim (``integers = { L = [2, 6] }``): each
depth is its own instance, checked exactly, never treated as a real number.  ``target`` is R (an
expression for width 1, a d x d matrix otherwise).  ``init`` (optional) is every layer's start:
an expression (times the identity) or a d x d matrix, in the parameters, the layer index ``j``
(1..L) and ``L``.  The minimisers are the chains whose product equals R: the residual
|W_L ... W_1 - R|_F vanishes exactly there; the product's singular values are the quantities
``sv_1`` (largest), ``sv_2``, ...
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from proofs.expressions import parse
from verify.models.base import (
    MAX_COORDS,
    FamilyError,
    State,
    coordinates,
    expression,
    integer_or_name,
    matrix,
    parsed_matrix,
    resolve,
)

MAX_DEPTH = 12
MAX_WIDTH = 3


class DeepLinear:
    name = "deep_linear"
    keys = ("depth", "width", "target", "init")

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        if "depth" not in table:
            raise FamilyError("model.depth", "missing required key (an integer, or the name of "
                                             "an integer parameter such as L)")
        depth = integer_or_name(table["depth"], "model.depth", integers, 1, MAX_DEPTH)
        width = integer_or_name(table.get("width", 1), "model.width", {}, 1, MAX_WIDTH)
        if max(integers.get(depth, (depth,))) * width * width > MAX_COORDS:
            raise FamilyError("model.depth", f"depth x width^2 must be at most {MAX_COORDS} "
                                             "coordinates (the exact model is symbolic)")
        if "target" not in table:
            raise FamilyError("model.target", "missing required key (R, the product's target)")
        layer = {**symbols, "j": sp.Symbol("j", integer=True, positive=True),
                 **({depth: symbols[depth]} if isinstance(depth, str) else {})}
        spec = {"depth": depth, "width": width}
        for key in ("target", "init"):
            if key not in table:
                continue
            value, where = table[key], layer if key == "init" else symbols
            if width == 1 or not isinstance(value, list):
                if width > 1 and key == "target":
                    raise FamilyError("model.target", f"must be a {width} x {width} matrix")
                expression(value, f"model.{key}", where)
                spec[key] = value if isinstance(value, str) else repr(value)
            else:
                spec[key] = matrix(value, f"model.{key}", where)
                if len(spec[key]) != width:
                    raise FamilyError(f"model.{key}", f"must be {width} x {width}")
        return spec

    def layers(self, spec: dict[str, Any], state: State, ints: dict[str, int]) -> list[sp.Matrix]:
        L, d = resolve(spec["depth"], ints), spec["width"]
        return [sp.Matrix(d, d, state.coords[k * d * d:(k + 1) * d * d]) for k in range(L)]

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        L, d = resolve(spec["depth"], ints), spec["width"]
        coords, names = [], {}
        for j in range(1, L + 1):
            syms, obj = coordinates(f"w{j}" if d == 1 else f"W{j}", () if d == 1 else (d, d))
            coords += syms
            names[f"w{j}" if d == 1 else f"W{j}"] = obj
        return State(tuple(coords), names)

    def _product(self, spec, state) -> sp.Matrix:
        d = spec["width"]
        L = len(state.coords) // (d * d)
        P = sp.eye(d)
        for k in range(L):
            P = sp.Matrix(d, d, state.coords[k * d * d:(k + 1) * d * d]) * P
        return P

    def _target(self, spec, symbols) -> sp.Matrix:
        d = spec["width"]
        if isinstance(spec["target"], list):
            return parsed_matrix(spec["target"], symbols)
        return parse(spec["target"], symbols) * sp.eye(d)

    def loss(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic]) -> sp.Expr:
        E = self._product(spec, state) - self._target(spec, symbols)
        return sum(e**2 for e in E) / 2

    def residual(self, spec, state, symbols):
        E = self._product(spec, state) - self._target(spec, symbols)
        return sp.sqrt(sum(e**2 for e in E))

    def product(self, spec, state):
        return self._product(spec, state)

    def start(self, spec, state, symbols, ints):
        if "init" not in spec:
            return None
        d = spec["width"]
        L = len(state.coords) // (d * d)
        out = []
        for j in range(1, L + 1):
            layer = {**symbols, "j": sp.Integer(j)}
            if isinstance(spec["depth"], str):
                layer[spec["depth"]] = sp.Integer(L)
            if isinstance(spec["init"], list):
                out += list(parsed_matrix(spec["init"], layer))
            else:
                out += list(parse(spec["init"], layer) * sp.eye(d))
        return tuple(out)


__all__ = ["DeepLinear", "FamilyError"]
