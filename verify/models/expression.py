"""The ``expression`` family: any loss written as an expression in named scalar, vector and
matrix variables (``variables = ["x", "w[3]", "A[2, 2]"]``; entries ``w[0]``, ``A[0, 1]``).

This is the family of a claim without a ``model`` table (the original claim-file format): its
``loss`` and ``variables`` keys sit at the top of the claim.  No minimiser set is known in
general.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from proofs.expressions import parse
from verify.models.base import State, coordinates, shaped_name


class ExpressionFamily:
    name = "expression"
    keys = ("loss", "variables")

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        return dict(table)  # validated key by key by the claim parser (original messages)

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        coords, names = [], {}
        for text in spec["variables"]:
            name, shape = shaped_name(text, "variables")
            syms, obj = coordinates(name, shape)
            coords += syms
            names[name] = obj
        return State(tuple(coords), names)

    def loss(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic]) -> sp.Expr:
        return parse(spec["loss"], {**symbols, **state.names})

    def residual(self, spec, state, symbols):
        return None

    def product(self, spec, state):
        return None

    def start(self, spec, state, symbols, ints):
        return None
