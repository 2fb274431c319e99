"""The ``two_layer_relu`` family: a two-layer ReLU network with m hidden units and scalar input,
trained on a small data set (x_k, y_k) given in the model table:

    f = 1/2 sum_k ( sum_i a[i] relu(w[i] x_k + b[i]) - y_k )^2 .

Nar & Sastry, "Step size matters in deep learning" (2018), Sec. 4, Theorem 4: the same squared
error over W g(V x - b) with the bias b fixed (there b enters with a minus sign: their b is our
-b); here the biases are absent (``bias = false``, the default), trained (``bias = true``: the
coordinates ``b[i]``) or fixed (an expression in the unit index ``i`` and the parameters, e.g.
``bias = "-1"``).

    model = { family = "two_layer_relu", width = 2, x = [1, -1], y = ["p", "q"],
              init = { a = "1", w = "1 - 2*i" } }

``width`` m is an integer 1..8 or an integer parameter.  ``x`` are numbers (constants), ``y``
expressions of the parameters, at most 12 points.  The state is ``a[i]``, ``w[i]`` (and
``b[i]``), i = 0 .. m-1.  ``init`` (optional) is a table of expressions in ``i``, ``m`` (when it
is a parameter) and the parameters, one per vector (``b`` only with trained biases).

relu(z) is written Piecewise((z, z > 0), (0, True)): its derivative at the kink z = 0 is 0 (the
convention of PyTorch), and its second derivative is 0 away from the kinks.

Minimisers: the family knows the minimiser set only when the data can be fitted exactly with m
units, i.e. the minimum of f is 0; then sqrt(2 f) vanishes exactly there.  It decides this by
building an exact interpolant and checking f = 0 at it in SymPy: with trained biases, the
piecewise-linear interpolant through the sorted distinct x (one constant unit w = 0, b = 1 and
one unit relu(x - x_k) per kink: m >= number of distinct x); without biases the network is
x -> alpha x (x > 0), beta x (x < 0), 0 at x = 0, fitted by two units (or one when one side is
0).  Otherwise (fixed biases, too few units, data not fittable) the residual is None: a claim
about "the minimisers" of such a model is refused rather than guessed.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from proofs.expressions import parse
from verify.models.base import (
    MAX_COORDS,
    MAX_SIZE,
    FamilyError,
    State,
    coordinates,
    expression,
    integer_or_name,
    resolve,
)

MAX_POINTS = 12


def relu(z: sp.Expr) -> sp.Expr:
    return sp.Piecewise((z, z > 0), (0, True))


class TwoLayerReLU:
    name = "two_layer_relu"
    keys = ("width", "x", "y", "bias", "init")

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        if "width" not in table:
            raise FamilyError("model.width", "missing required key (m, the number of hidden "
                                             "units: an integer or an integer parameter)")
        width = integer_or_name(table["width"], "model.width", integers, 1, MAX_SIZE)
        bias = table.get("bias", False)
        trained = bias is True
        if not isinstance(bias, bool):
            unit = {**symbols, "i": sp.Symbol("i", integer=True, nonnegative=True),
                    **({width: symbols[width]} if isinstance(width, str) else {})}
            expression(bias, "model.bias", unit, what="a fixed bias in the unit index i")
            bias = bias if isinstance(bias, str) else repr(bias)
        if (3 if trained else 2) * max(integers.get(width, (width,))) > MAX_COORDS:
            raise FamilyError("model.width", f"at most {MAX_COORDS} coordinates")
        xs, ys = table.get("x"), table.get("y")
        for key, value in (("x", xs), ("y", ys)):
            if value is None:
                raise FamilyError(f"model.{key}", "missing required key (the data: a list of "
                                                  f"at most {MAX_POINTS} points)")
            if not isinstance(value, list) or not 1 <= len(value) <= MAX_POINTS:
                raise FamilyError(f"model.{key}", f"must be a list of 1..{MAX_POINTS} entries, "
                                                  f"got {value!r:.60}")
        if len(xs) != len(ys):
            raise FamilyError("model.y", f"{len(ys)} labels for {len(xs)} inputs x")
        x = [expression(v, "model.x", {}, what=f"input {k} (a constant)")
             for k, v in enumerate(xs)]
        for k, v in enumerate(ys):
            expression(v, "model.y", symbols, what=f"label {k}")
        spec = {"width": width, "x": [str(v) for v in x],
                "y": [v if isinstance(v, str) else repr(v) for v in ys], "bias": bias}
        if "init" in table:
            spec["init"] = self._read_init(table["init"], spec, symbols)
        # The smallest width at which the data are fitted exactly (None: not known to be).
        spec["exact_fit_width"] = self._exact_fit_width(spec, symbols)
        return spec

    def _read_init(self, init, spec, symbols) -> dict[str, str]:
        vectors = ("a", "w", "b") if spec["bias"] is True else ("a", "w")
        if not isinstance(init, dict) or set(init) != set(vectors):
            raise FamilyError("model.init", f"must be a table with exactly the keys "
                                            f"{', '.join(vectors)} (expressions in the unit "
                                            f"index i), got {init!r:.60}")
        unit = {**symbols, "i": sp.Symbol("i", integer=True, nonnegative=True),
                **({spec["width"]: symbols[spec["width"]]}
                   if isinstance(spec["width"], str) else {})}
        out = {}
        for key in vectors:
            expression(init[key], f"model.init.{key}", unit)
            out[key] = init[key] if isinstance(init[key], str) else repr(init[key])
        return out

    # ------------------------------------------------------------------ the model itself

    def _units(self, spec, ints: dict[str, int]) -> int:
        return resolve(spec["width"], ints)

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        m = self._units(spec, ints)
        coords, names = [], {}
        for name in ("a", "w", "b") if spec["bias"] is True else ("a", "w"):
            syms, obj = coordinates(name, (m,))
            coords += syms
            names[name] = obj
        return State(tuple(coords), names)

    def _split(self, spec, coords, symbols) -> tuple[list, list, list]:
        """a, w, b (the biases: coordinates, fixed expressions or zeros) of a state."""
        trained = spec["bias"] is True
        m = len(coords) // (3 if trained else 2)
        a, w = list(coords[:m]), list(coords[m:2 * m])
        if trained:
            b = list(coords[2 * m:])
        elif spec["bias"] is False:
            b = [sp.Integer(0)] * m
        else:
            b = [parse(spec["bias"], self._unit_symbols(spec, symbols, i, m)) for i in range(m)]
        return a, w, b

    def _unit_symbols(self, spec, symbols, i: int, m: int) -> dict[str, sp.Basic]:
        return {**symbols, "i": sp.Integer(i),
                **({spec["width"]: sp.Integer(m)} if isinstance(spec["width"], str) else {})}

    def _loss_at(self, spec, coords, symbols) -> sp.Expr:
        a, w, b = self._split(spec, coords, symbols)
        total = sp.Integer(0)
        for xk, yk in zip(spec["x"], spec["y"]):
            x = parse(xk, {})
            out = sum(ai * relu(wi * x + bi) for ai, wi, bi in zip(a, w, b))
            total += (out - parse(yk, symbols)) ** 2
        return total / 2

    def loss(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic]) -> sp.Expr:
        return self._loss_at(spec, state.coords, symbols)

    def residual(self, spec, state, symbols):
        m = len(state.coords) // (3 if spec["bias"] is True else 2)
        if spec["exact_fit_width"] is None or m < spec["exact_fit_width"]:
            return None
        return sp.sqrt(2 * self.loss(spec, state, symbols))

    def product(self, spec, state):
        return None

    def start(self, spec, state, symbols, ints):
        if "init" not in spec:
            return None
        m = self._units(spec, ints)
        return tuple(parse(spec["init"][key], self._unit_symbols(spec, symbols, i, m))
                     for key in spec["init"] for i in range(m))

    # ------------------------------------------------- exact fit: is the minimum of f zero?

    def _exact_fit_width(self, spec, symbols) -> int | None:
        """The fewest units with an exact interpolant, verified by f = 0 there (None: no
        construction applies, or SymPy cannot show that f vanishes at it)."""
        if spec["bias"] not in (True, False):
            return None
        points: dict[sp.Expr, sp.Expr] = {}
        for xk, yk in zip(spec["x"], spec["y"]):
            x, y = parse(xk, {}), parse(yk, symbols)
            if x in points and sp.simplify(points[x] - y) != 0:
                return None  # one input, two labels: no network fits both
            points[x] = y
        xs = sorted(points, key=lambda v: float(v))
        units = (self._with_biases(xs, points) if spec["bias"]
                 else self._without_biases(xs, points))
        if units is None:
            return None
        units = [u for u in units if sp.simplify(u[0]) != 0]  # a unit with a = 0 is idle
        coords = [u[k] for k in range(3 if spec["bias"] else 2) for u in units]
        if sp.simplify(self._loss_at(spec, coords, symbols)) != 0:
            return None
        return max(len(units), 1)

    @staticmethod
    def _with_biases(xs, y) -> list[tuple]:
        """(a, w, b) per unit: y_1 relu(1) + s_1 relu(x - x_1) + sum_k (s_k - s_(k-1))
        relu(x - x_k), the piecewise-linear interpolant (s_k the slope on [x_k, x_(k+1)])."""
        units = [(y[xs[0]], sp.Integer(0), sp.Integer(1))]
        slopes = [(y[xs[k + 1]] - y[xs[k]]) / (xs[k + 1] - xs[k]) for k in range(len(xs) - 1)]
        for k, s in enumerate(slopes):
            units.append((s - (slopes[k - 1] if k else 0), sp.Integer(1), -xs[k]))
        return units

    @staticmethod
    def _without_biases(xs, y) -> list[tuple] | None:
        """(a, w) per unit for x -> alpha relu(x) - beta relu(-x) (alpha from the first positive
        input, beta from the first negative one; f = 0 is checked afterwards)."""
        pos = [x for x in xs if x > 0]
        neg = [x for x in xs if x < 0]
        units = []
        if pos:
            units.append((y[pos[0]] / pos[0], sp.Integer(1)))
        if neg:
            units.append((-y[neg[0]] / neg[0], sp.Integer(-1)))
        return units
