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
"""

from __future__ import annotations

import sympy as sp

from verify.models import chain
from verify.models.base import FamilyError

MAX_DEPTH = chain.MAX_DEPTH
MAX_WIDTH = chain.MAX_WIDTH


class DeepLinear(chain.Chain):
    name = "deep_linear"
    keys = ("depth", "width", "target", "init")

    def product(self, spec, state):
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
