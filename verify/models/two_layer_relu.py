"""The ``two_layer_relu`` family: a two-layer ReLU network with m hidden units, trained on a
small data set (x_k, y_k) given in the model table:

    f = 1/2 sum_k ( sum_i a[i] relu(w[i] x_k + b[i]) - y_k )^2 .

Inputs and labels may be vectors (Nar & Sastry's f_hat(x) = W g(V x - b), x in R^n, f_hat in
R^p): inputs written as lists of n numbers make ``w`` an m x n matrix (``w[i, j]``), labels
written as lists of p expressions make ``a`` a p x m matrix (``a[o, i]``), and

    f = 1/2 sum_k sum_o ( sum_i a[o, i] relu(sum_j w[i, j] x_kj + b[i]) - y_ko )^2 .

Nar & Sastry, "Step size matters in deep learning" (2018), Sec. 4, Theorem 4: the same squared
error over W g(V x - b) with the bias b fixed (there b enters with a minus sign: their b is our
-b); here the biases are absent (``bias = false``, the default), trained (``bias = true``: the
coordinates ``b[i]``) or fixed (an expression in the unit index ``i`` and the parameters, e.g.
``bias = "-1"``), or a list of m expressions of the parameters: the fixed bias vector of
Theorem 4, one entry per unit (``width`` then a literal).

    model = { family = "two_layer_relu", width = 2, x = [1, -1], y = ["p", "q"],
              init = { a = "1", w = "1 - 2*i" } }

``width`` m is an integer 1..8 or an integer parameter.  ``x`` are numbers (constants) or lists
of n numbers, ``y`` expressions of the parameters or lists of p of them (n, p <= 8), at most 12
points.  The state is ``a[i]``, ``w[i]`` (and
``b[i]``), i = 0 .. m-1.  ``init`` (optional) is a table of expressions in ``i``, ``m`` (when it
is a parameter) and the parameters, one per vector (``b`` only with trained biases); for a
matrix ``a`` also in its row ``o``, for a matrix ``w`` in its column ``j``.

relu(z) is written Piecewise((z, z > 0), (0, True)): its derivative at the kink z = 0 is 0 (the
convention of PyTorch), and its second derivative is 0 away from the kinks.

Minimisers: the family knows the minimiser set only when the data can be fitted exactly with m
units, i.e. the minimum of f is 0; then sqrt(2 f) vanishes exactly there.  It decides this by
building an exact interpolant and checking f = 0 at it in SymPy: with trained biases, the
piecewise-linear interpolant through the sorted distinct x (one constant unit w = 0, b = 1 and
one unit relu(x - x_k) per kink: m >= number of distinct x); without biases the network is
x -> alpha x (x > 0), beta x (x < 0), 0 at x = 0, fitted by two units (or one when one side is
0).  Otherwise (fixed biases, vector inputs or labels, too few units, data not fittable) the residual is None: a claim
about "the minimisers" of such a model is refused rather than guessed.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np
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
        if isinstance(bias, list):
            bias = self._bias_vector(bias, width, symbols)
        elif not isinstance(bias, bool):
            unit = {**symbols, "i": sp.Symbol("i", integer=True, nonnegative=True),
                    **({width: symbols[width]} if isinstance(width, str) else {})}
            expression(bias, "model.bias", unit, what="a fixed bias in the unit index i")
            bias = bias if isinstance(bias, str) else repr(bias)
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
        x = _entries(xs, "x", {}, "input {k} (a constant)")
        y = _entries(ys, "y", symbols, "label {k}")
        spec = {"width": width, "x": x, "y": y, "bias": bias}
        n, p = _size(x), _size(y)
        units = max(integers.get(width, (width,)))
        if units * (p + n + trained) > MAX_COORDS:
            raise FamilyError("model.width", f"at most {MAX_COORDS} coordinates (m (p + n) "
                                             "weights, and m trained biases)")
        if "init" in table:
            spec["init"] = self._read_init(table["init"], spec, symbols)
        # The smallest width at which the data are fitted exactly (None: not known to be).
        spec["exact_fit_width"] = self._exact_fit_width(spec, symbols)
        return spec

    @staticmethod
    def _bias_vector(bias: list, width, symbols) -> list[str]:
        """A fixed bias vector: one expression of the parameters per unit."""
        if not isinstance(width, int) or len(bias) != width:
            raise FamilyError("model.bias", f"a bias list needs a literal width and one entry "
                                            f"per unit ({width!r} units), got {len(bias)}")
        for i, v in enumerate(bias):
            expression(v, "model.bias", symbols, what=f"bias of unit {i}")
        return [v if isinstance(v, str) else repr(v) for v in bias]

    def _read_init(self, init, spec, symbols) -> dict[str, str]:
        vectors = ("a", "w", "b") if spec["bias"] is True else ("a", "w")
        if not isinstance(init, dict) or set(init) != set(vectors):
            raise FamilyError("model.init", f"must be a table with exactly the keys "
                                            f"{', '.join(vectors)} (expressions in the unit "
                                            f"index i), got {init!r:.60}")
        unit = {**symbols, **{k: sp.Symbol(k, integer=True, nonnegative=True)
                              for k in ("i", "o", "j")},
                **({spec["width"]: symbols[spec["width"]]}
                   if isinstance(spec["width"], str) else {})}
        out = {}
        for key in vectors:
            expression(init[key], f"model.init.{key}", unit,
                       what="an expression in the unit index i (o: the row of a matrix a, "
                            "j: the column of a matrix w)")
            out[key] = init[key] if isinstance(init[key], str) else repr(init[key])
        return out

    # ------------------------------------------------------------------ the model itself

    def _units(self, spec, ints: dict[str, int]) -> int:
        return resolve(spec["width"], ints)

    @staticmethod
    def _shapes(spec, m: int) -> dict[str, tuple[int, ...]]:
        """The state's vectors and matrices: a (m,) or (p, m), w (m,) or (m, n), b (m,)."""
        p, n = _size(spec["y"]), _size(spec["x"])
        shapes = {"a": (p, m) if _vectors(spec["y"]) else (m,),
                  "w": (m, n) if _vectors(spec["x"]) else (m,)}
        return {**shapes, "b": (m,)} if spec["bias"] is True else shapes

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        m = self._units(spec, ints)
        coords, names = [], {}
        for name, shape in self._shapes(spec, m).items():
            syms, obj = coordinates(name, shape)
            coords += syms
            names[name] = obj
        return State(tuple(coords), names)

    def _split(self, spec, coords, symbols) -> tuple[list, list, list]:
        """a (p rows of m), w (m rows of n) and b (the biases: coordinates, fixed expressions or
        zeros) of a state."""
        p, n = _size(spec["y"]), _size(spec["x"])
        m = len(coords) // (p + n + (spec["bias"] is True))
        a = [list(coords[o * m:(o + 1) * m]) for o in range(p)]
        w = [list(coords[p * m + i * n:p * m + (i + 1) * n]) for i in range(m)]
        if spec["bias"] is True:
            b = list(coords[(p + n) * m:])
        elif spec["bias"] is False:
            b = [sp.Integer(0)] * m
        elif isinstance(spec["bias"], list):
            b = [parse(v, symbols) for v in spec["bias"]]
        else:
            b = [parse(spec["bias"], self._unit_symbols(spec, symbols, i, m)) for i in range(m)]
        return a, w, b

    def _unit_symbols(self, spec, symbols, i: int, m: int) -> dict[str, sp.Basic]:
        return {**symbols, "i": sp.Integer(i),
                **({spec["width"]: sp.Integer(m)} if isinstance(spec["width"], str) else {})}

    def _outputs_at(self, spec, coords, symbols) -> tuple[sp.Matrix, sp.Matrix]:
        a, w, b = self._split(spec, coords, symbols)
        F, Y = [], []
        for xk, yk in zip(_rows(spec["x"]), _rows(spec["y"])):
            x = [parse(v, {}) for v in xk]
            hidden = [relu(sum(wij * xj for wij, xj in zip(wi, x)) + bi) for wi, bi in zip(w, b)]
            F.append([sum(ai * h for ai, h in zip(ao, hidden)) for ao in a])
            Y.append([parse(yo, symbols) for yo in yk])
        return sp.Matrix(F), sp.Matrix(Y)

    def _loss_at(self, spec, coords, symbols) -> sp.Expr:
        F, Y = self._outputs_at(spec, coords, symbols)
        return sum((f - y) ** 2 for f, y in zip(F, Y)) / 2

    def outputs(self, spec, state, symbols) -> tuple[sp.Matrix, sp.Matrix]:
        """The network's outputs F at the data (row k: f_hat(x_k)) and the labels Y (N x p):
        the loss is |F - Y|^2/2 (an identity's ``outputs`` and ``gauss_newton``)."""
        return self._outputs_at(spec, state.coords, symbols)

    def loss(self, spec: dict[str, Any], state: State, symbols: dict[str, sp.Basic]) -> sp.Expr:
        return self._loss_at(spec, state.coords, symbols)

    def residual(self, spec, state, symbols):
        m = len(state.coords) // (3 if spec["bias"] is True else 2)
        if spec["exact_fit_width"] is None or m < spec["exact_fit_width"]:
            return None
        return sp.sqrt(2 * self.loss(spec, state, symbols))

    def product(self, spec, state):
        return None

    def kinks(self, spec, state, symbols) -> sp.Matrix:
        """Every unit's pre-activation at every data point: the loss is smooth where none is 0
        (``at = "limits"`` leaves limits near a kink out)."""
        _, w, b = self._split(spec, state.coords, symbols)
        return sp.Matrix([sum(wij * parse(xj, {}) for wij, xj in zip(wi, xk)) + bi
                          for xk in _rows(spec["x"]) for wi, bi in zip(w, b)])

    def batched_gd(self, spec, state, symbols, values):
        """GD on many runs at once by :func:`numerics.relu.gd` (the same loss, our bias b its
        -b), for fixed biases: ``(X0, P, eta, steps) -> (X, last move, diverged)`` with the
        runs' starts X0 and parameters P (``values(exprs)`` evaluates expressions of the
        parameters at P, (B, k)); None for trained biases."""
        if spec["bias"] is True or not isinstance(spec["width"], int):
            return None
        from numerics import relu as nrelu

        m, p, n = spec["width"], _size(spec["y"]), _size(spec["x"])
        data = np.array([[float(parse(v, {})) for v in row] for row in _rows(spec["x"])])
        labels = values([parse(v, symbols) for row in _rows(spec["y"]) for v in row])
        biases = values(self._split(spec, state.coords, symbols)[2])

        def run(X0, P, eta, steps):
            B = len(X0)
            Y, bias = labels(P), biases(P)
            X, moved, dead = np.empty_like(X0), np.empty(B), np.empty(B, bool)
            groups = np.unique(Y, axis=0, return_inverse=True)[1].ravel()
            for g in np.unique(groups):  # one batch per problem (the runs share its labels)
                rows = np.flatnonzero(groups == g)
                res = nrelu.gd(X0[rows, :p * m].reshape(-1, p, m),
                               X0[rows, p * m:].reshape(-1, m, n), -bias[rows], data,
                               Y[rows[0]].reshape(-1, p), eta[rows], steps, n_records=2)
                X[rows] = np.concatenate([res.W.reshape(len(rows), -1),
                                          res.V.reshape(len(rows), -1)], axis=1)
                moved[rows], dead[rows] = res.d1[:, -1], res.diverged
            return X, moved, dead

        return run

    def precise_limit(self, spec, state, symbols, free_names):
        """Newton's method at the working precision from a float64 limit, in closed form
        (:func:`numerics.relu.precise_state`, within the limit's activation pattern): ``(x,
        args, dps) -> (x, |grad|, Hessian eigenvalues ascending, kink margin)``; None for
        trained biases."""
        if spec["bias"] is True or not isinstance(spec["width"], int):
            return None
        from numerics import relu as nrelu

        m, p, n = spec["width"], _size(spec["y"]), _size(spec["x"])
        data = [[parse(v, {}) for v in row] for row in _rows(spec["x"])]
        args = [symbols[k] for k in free_names]
        labels = sp.lambdify(args, [parse(v, symbols) for row in _rows(spec["y"]) for v in row],
                             "mpmath")
        biases = sp.lambdify(args, self._split(spec, state.coords, symbols)[2], "mpmath")

        def refine(x, values, dps):
            X = [[mpmath.mpf(v.p) / v.q for v in row] for row in data]
            Y = np.array(labels(*values), dtype=object).reshape(-1, p).tolist()
            b = [-mpmath.mpf(v) for v in np.broadcast_to(
                np.array(biases(*values), dtype=object), (m,))]
            st = nrelu.precise_state(list(x), b, X, Y, p, m, n, dps, newton_steps=6)
            return st["theta"], st["grad_norm"], st["eigenvalues"], st["kink_margin"]

        return refine

    def start(self, spec, state, symbols, ints):
        if "init" not in spec:
            return None
        m = self._units(spec, ints)
        out = []
        for key, shape in self._shapes(spec, m).items():
            # (unit i, row o of a, column j of w) of each coordinate, in the state's order
            if key == "a" and len(shape) == 2:
                where = [(i, o, 0) for o in range(shape[0]) for i in range(m)]
            elif key == "w" and len(shape) == 2:
                where = [(i, 0, j) for i in range(m) for j in range(shape[1])]
            else:
                where = [(i, 0, 0) for i in range(m)]
            out += [parse(spec["init"][key], {**self._unit_symbols(spec, symbols, i, m),
                                              "o": sp.Integer(o), "j": sp.Integer(j)})
                    for i, o, j in where]
        return tuple(out)

    # ------------------------------------------------- exact fit: is the minimum of f zero?

    def _exact_fit_width(self, spec, symbols) -> int | None:
        """The fewest units with an exact interpolant, verified by f = 0 there (None: no
        construction applies, or SymPy cannot show that f vanishes at it)."""
        if spec["bias"] not in (True, False) or _vectors(spec["x"]) or _vectors(spec["y"]):
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


def _vectors(data: list) -> bool:
    """Whether the data are written as vectors (lists) rather than numbers."""
    return isinstance(data[0], list)


def _size(data: list) -> int:
    return len(data[0]) if _vectors(data) else 1


def _rows(data: list) -> list[list[str]]:
    return data if _vectors(data) else [[v] for v in data]


def _entries(values: list, key: str, symbols: dict, what: str) -> list:
    """The points of ``x`` (constants, normalised) or ``y`` (expressions, kept as written) as
    text: every entry a number/expression, or every one a list of one length 1..MAX_SIZE."""
    vectors = isinstance(values[0], list)
    size = len(values[0]) if vectors else 1
    out = []
    for k, v in enumerate(values):
        if isinstance(v, list) != vectors or (vectors and len(v) != size):
            raise FamilyError(f"model.{key}", f"entry {k}: write every entry as a number or "
                                              "expression, or every one as a list of the same "
                                              f"length, got {v!r:.60}")
        if not 1 <= size <= MAX_SIZE:
            raise FamilyError(f"model.{key}", f"entry {k}: a vector of 1..{MAX_SIZE} entries")
        text = []
        for e in v if vectors else [v]:
            expr = expression(e, f"model.{key}", symbols, what=what.format(k=k))
            text.append(str(expr) if key == "x" else e if isinstance(e, str) else repr(e))
        out.append(text if vectors else text[0])
    return out
