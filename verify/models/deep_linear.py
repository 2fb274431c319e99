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

from verify.models import chain
from verify.models.base import FamilyError, State

MAX_DEPTH = chain.MAX_DEPTH
MAX_WIDTH = chain.MAX_WIDTH


class DeepLinear(chain.ProductLoss):
    name = "deep_linear"
    keys = ("depth", "width", "target", "init")

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        spec = chain.read_shape(table, integers)
        spec["target"] = chain.read_target(table, spec["width"], symbols)
        if "init" in table:
            spec["init"] = chain.read_matrix_or_scalar(
                table["init"], "model.init", spec["width"],
                chain.layer_symbols(symbols, spec["depth"]))
        return spec

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        coords, names = chain.layer_coords("w", chain.depth_of(spec, ints), spec["width"])
        return State(tuple(coords), names)

    def product(self, spec, state):
        return chain.product(chain.layers(state.coords, spec["width"]), spec["width"])

    def start(self, spec, state, symbols, ints):
        if "init" not in spec:
            return None
        depth = len(state.coords) // spec["width"] ** 2
        return tuple(chain.layer_starts(spec["init"], spec, depth, symbols))


__all__ = ["DeepLinear", "FamilyError"]
