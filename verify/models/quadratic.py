"""The ``quadratic`` family: f(x) = x^T A x / 2 + b^T x with A (symmetric) and b given as
matrices of expressions in the claim's parameters.

    model = { family = "quadratic", A = [["a", "0"], ["0", "1"]], b = ["0", "0"] }

The state is the vector ``x`` (entries ``x[0]``, ...; another name with ``state = "y"``).  Its
minimisers, when A is positive semidefinite and A x = -b is solvable, are that affine set; the
residual |A x + b| (the gradient's norm) vanishes exactly there, and ``distance`` is the exact
Euclidean distance |A^+ (A x + b)| (A^+ the pseudo-inverse, evaluated numerically).
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from verify.models.base import (
    FamilyError,
    State,
    coordinates,
    matrix,
    parsed_matrix,
    shaped_name,
    vector,
)


class Quadratic:
    name = "quadratic"
    keys = ("A", "b", "state")

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        A = matrix(table.get("A"), "model.A", symbols)
        n = len(A)
        if any(A[i][j] != A[j][i] and sp.simplify(parsed_matrix(A, symbols)[i, j]
                                                  - parsed_matrix(A, symbols)[j, i]) != 0
               for i in range(n) for j in range(i)):
            raise FamilyError("model.A", "must be symmetric (the Hessian of x^T A x / 2 is "
                                         "(A + A^T)/2; write that)")
        b = vector(table.get("b", ["0"] * n), "model.b", symbols, n)
        state = table.get("state", "x")
        name, shape = shaped_name(state, "model.state")
        if shape:
            raise FamilyError("model.state", "the state's name only (its size is A's)")
        return {"A": A, "b": b, "state": name}

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        syms, obj = coordinates(spec["state"], (len(spec["A"]),))
        return State(tuple(syms), {spec["state"]: obj})

    def _parts(self, spec, state, symbols):
        A = parsed_matrix(spec["A"], symbols)
        b = sp.Matrix([parsed_matrix([spec["b"]], symbols)[0, j] for j in range(len(spec["b"]))])
        return A, b, sp.Matrix(state.coords)

    def loss(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic]) -> sp.Expr:
        A, b, x = self._parts(spec, state, symbols)
        return sp.expand((x.T * A * x)[0, 0] / 2 + (b.T * x)[0, 0])

    def residual(self, spec, state, symbols):
        A, b, x = self._parts(spec, state, symbols)
        g = A * x + b
        return sp.sqrt(sum(e**2 for e in g))

    def product(self, spec, state):
        return None

    def start(self, spec, state, symbols, ints):
        return None

    def matrices(self, spec, symbols) -> tuple[sp.Matrix, sp.Matrix]:
        """A and b (for the exact distance to the minimiser set)."""
        n = len(spec["A"])
        A = parsed_matrix(spec["A"], symbols)
        return A, sp.Matrix([parsed_matrix([spec["b"]], symbols)[0, j] for j in range(n)])
