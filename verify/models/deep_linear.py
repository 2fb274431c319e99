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
``sv_1`` (largest), ``sv_2``, ...  The table's keys are read by :class:`chain.Chain`.

Rectangular layers: ``widths = [d_0, d_1, ..., d_L]`` instead of ``width`` (``depth`` then a
literal L = len(widths) - 1): layer j is d_j x d_(j-1) (``W1[i, j]``, ..), ``target`` a
d_L x d_0 matrix, ``init`` ``"zas"`` or none (the claim's ``start``).  ``"zas"`` is Wu, Wang &
Ma's zero-asymmetric start with redundant nodes (Remark (1) after Theorem 4.1): W_l the d_l x
d_(l-1) identity [[I, 0], [0, 0]] (l < L) and W_L = 0.  Minimisers and the closed-form Hessian
are for square layers: a rectangular chain has neither (the symbolic Hessian serves).
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from verify.models import chain
from verify.models.base import (
    MAX_COORDS,
    MAX_SIZE,
    FamilyError,
    State,
    coordinates,
    matrix,
    parsed_matrix,
)

MAX_DEPTH = chain.MAX_DEPTH
MAX_WIDTH = chain.MAX_WIDTH


def _read_widths(table, symbols) -> dict:
    """The rectangular chain's ``widths``, ``depth``, ``target`` and ``init`` (module docstring)."""
    widths = table["widths"]
    if "width" in table:
        raise FamilyError("model.widths", "give width (square layers) or widths, not both")
    if not (isinstance(widths, list) and 2 <= len(widths) <= MAX_DEPTH + 1 and all(
            isinstance(w, int) and not isinstance(w, bool) and 1 <= w <= MAX_SIZE
            for w in widths)):
        raise FamilyError("model.widths", f"must be a list [d_0, d_1, ..., d_L] of 2.."
                                          f"{MAX_DEPTH + 1} integers in 1..{MAX_SIZE}")
    if table.get("depth") != len(widths) - 1 or isinstance(table.get("depth"), bool):
        raise FamilyError("model.depth", f"with widths the depth is the number of layers, "
                                         f"len(widths) - 1 = {len(widths) - 1}")
    if sum(a * b for a, b in pairwise(widths)) > MAX_COORDS:
        raise FamilyError("model.widths", f"the layers must have at most {MAX_COORDS} "
                                          "coordinates in all (the exact model is symbolic)")
    if "target" not in table:
        raise FamilyError("model.target", "missing required key (R, the product's target)")
    target = matrix(table["target"], "model.target", symbols, square=False)
    if (len(target), len(target[0])) != (widths[-1], widths[0]):
        raise FamilyError("model.target", f"must be d_L x d_0 = {widths[-1]} x {widths[0]}")
    spec = {"depth": len(widths) - 1, "width": None, "widths": tuple(widths), "target": target}
    if "init" in table:
        if not (isinstance(table["init"], str) and table["init"].strip().lower() == "zas"):
            raise FamilyError("model.init", "with widths: \"zas\" (identities [[I, 0], [0, 0]], "
                                            "W_L = 0) or none (give the claim a start)")
        spec["init"] = "zas"
    return spec


def _shapes(spec) -> list[tuple[int, int]]:
    return [(b, a) for a, b in pairwise(spec["widths"])]


class DeepLinear(chain.Chain):
    name = "deep_linear"
    keys = ("depth", "width", "widths", "target", "init")

    def read(self, table, symbols, integers):
        if "widths" in table:
            return _read_widths(table, symbols)
        return super().read(table, symbols, integers)

    def state(self, spec, ints):
        if spec["width"] is not None:
            return super().state(spec, ints)
        coords, names = [], {}
        for j, shape in enumerate(_shapes(spec), start=1):
            syms, obj = coordinates(f"W{j}", shape)
            coords += syms
            names[f"W{j}"] = obj
        return State(tuple(coords), names)

    def _layers(self, spec, coords) -> list[sp.Matrix]:
        out, at = [], 0
        for rows, cols in _shapes(spec):
            out.append(sp.Matrix(rows, cols, coords[at:at + rows * cols]))
            at += rows * cols
        return out

    def target_matrix(self, spec, symbols) -> sp.Matrix:
        if spec["width"] is not None:
            return super().target_matrix(spec, symbols)
        return parsed_matrix(spec["target"], symbols)

    def depth(self, spec, state) -> int:
        return super().depth(spec, state) if spec["width"] is not None else spec["depth"]

    def start(self, spec, state, symbols, ints):
        if spec["width"] is not None or "init" not in spec:
            return super().start(spec, state, symbols, ints)
        shapes = _shapes(spec)
        return tuple(v for j, (r, c) in enumerate(shapes, start=1)
                     for v in (sp.eye(r, c) if j < len(shapes) else sp.zeros(r, c)))

    def np_loss_gradient(self, spec, depth: int):
        if spec["width"] is not None:
            return super().np_loss_gradient(spec, depth)
        dims = spec["widths"]

        def grad(X: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            g, E = dl.gradient_and_error(dl.unflatten(X, dims), R)
            return np.sum(E * E, axis=(1, 2)) / 2, dl.flatten(g)

        return grad

    def hessian_target(self, spec, state, symbols):
        return super().hessian_target(spec, state, symbols) if spec["width"] is not None else None

    def minimiser_factors(self, spec, state, symbols):
        return (super().minimiser_factors(spec, state, symbols) if spec["width"] is not None
                else None)

    def product(self, spec, state):
        if spec["width"] is None:
            return chain.product(self._layers(spec, state.coords), spec["widths"][0])
        return chain.product(chain.layers(state.coords, spec["width"]), spec["width"])

    def minimiser_point(self, spec, state, symbols):
        """Every minimiser of the scalar chain (width 1, no ``sigma``) with R != 0: the first
        weight solved from the product, (R/(w_2 ... w_L), w_2, ..., w_L) for nonzero
        w_2..w_L (Nar & Sastry 2018, talk slides, Proposition); None for matrix layers."""
        if spec["width"] != 1 or spec.get("sigma") is not None:
            return None
        target = chain.as_matrix(spec["target"], 1, symbols)[0, 0]
        rest = state.coords[1:]
        return (target / sp.Mul(*rest), *rest)


__all__ = ["DeepLinear", "FamilyError"]
