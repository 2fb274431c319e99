"""What the layered linear families share (``deep_linear``, ``linear_resnet``,
``double_network``): a depth L that is an integer or an integer parameter of the claim, a width
d, a target R, per-layer initialisations in the layer index ``j``, an optional data covariance
Sigma, the layers' coordinates and the chain product W_L ... W_1.

Nar & Sastry, "Residual networks: Lyapunov stability and convex decomposition" (2018), eq. (4):
with inputs x_i and Sigma = (1/N) sum_i x_i x_i^T, the loss
(1/2N) sum_i |F x_i - R x_i|^2 is tr((F - R) Sigma (F - R)^T) / 2, which for Sigma = I (whitened
data, Wu et al. 2019 eq. (2.3)) is |F - R|_F^2 / 2.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import sympy as sp

from proofs.expressions import parse
from verify.models.base import (
    MAX_COORDS, FamilyError, State, coordinates, expression, integer_or_name, matrix, parsed_matrix,
    resolve,
)

MAX_DEPTH = 12
MAX_WIDTH = 3


def read_shape(table: dict[str, Any], integers: dict[str, tuple[int, ...]],
               chains: int = 1) -> dict[str, Any]:
    """``depth`` (required) and ``width`` (default 1); ``chains`` chains of L d x d layers must
    fit in :data:`MAX_COORDS` coordinates at the largest depth."""
    if "depth" not in table:
        raise FamilyError("model.depth", "missing required key (an integer, or the name of "
                                         "an integer parameter such as L)")
    depth = integer_or_name(table["depth"], "model.depth", integers, 1, MAX_DEPTH)
    width = integer_or_name(table.get("width", 1), "model.width", {}, 1, MAX_WIDTH)
    if chains * max(integers.get(depth, (depth,))) * width * width > MAX_COORDS:
        per = f"{chains} x " if chains > 1 else ""
        raise FamilyError("model.depth", f"{per}depth x width^2 must be at most {MAX_COORDS} "
                                         "coordinates (the exact model is symbolic)")
    return {"depth": depth, "width": width}


def layer_symbols(symbols: dict[str, sp.Basic], depth: int | str) -> dict[str, sp.Basic]:
    """What a layer's ``init`` may use: the parameters, the layer index ``j`` and the depth."""
    return {**symbols, "j": sp.Symbol("j", integer=True, positive=True),
            **({depth: symbols[depth]} if isinstance(depth, str) else {})}


def read_matrix_or_scalar(value: Any, key: str, width: int, symbols: dict[str, sp.Basic],
                          need_matrix: bool = False) -> str | list[list[str]]:
    """An expression (times the identity) or, for width > 1, a width x width matrix; with
    ``need_matrix`` a width > 1 value must be a matrix."""
    if width == 1 or not isinstance(value, list):
        if width > 1 and need_matrix:
            raise FamilyError(key, f"must be a {width} x {width} matrix")
        expression(value, key, symbols)
        return value if isinstance(value, str) else repr(value)
    rows = matrix(value, key, symbols)
    if len(rows) != width:
        raise FamilyError(key, f"must be {width} x {width}")
    return rows


def read_target(table: dict[str, Any], width: int, symbols: dict[str, sp.Basic]):
    if "target" not in table:
        raise FamilyError("model.target", "missing required key (R, the product's target)")
    return read_matrix_or_scalar(table["target"], "model.target", width, symbols,
                                 need_matrix=True)


def read_sigma(value: Any, width: int) -> str | list[list[str]]:
    """The optional ``sigma``: the data covariance Sigma of eq. (4), a number (times the identity)
    or a d x d matrix of constants, symmetric positive semidefinite (checked exactly: every
    principal minor >= 0), so that the loss is >= 0 with minimum 0 at F = R."""
    value = read_matrix_or_scalar(value, "model.sigma", width, {})
    S = as_matrix(value, width, {})
    if not S.is_symmetric():
        raise FamilyError("model.sigma", "must be symmetric (a covariance (1/N) sum x x^T)")
    for k in range(1, width + 1):
        for rows in combinations(range(width), k):
            minor = sp.simplify(S.extract(list(rows), list(rows)).det())
            if minor.is_nonnegative is not True:
                raise FamilyError("model.sigma", "must be positive semidefinite (a covariance): "
                                                 f"principal minor on rows {list(rows)} is "
                                                 f"{minor}")
    return value


def as_matrix(value: str | list[list[str]], width: int,
              symbols: dict[str, sp.Basic]) -> sp.Matrix:
    """A read value as a d x d matrix (an expression stands for that multiple of I)."""
    if isinstance(value, list):
        return parsed_matrix(value, symbols)
    return parse(value, symbols) * sp.eye(width)


def layers(coords: tuple[sp.Symbol, ...], width: int) -> list[sp.Matrix]:
    """The consecutive d x d blocks of ``coords`` (layer 1 first)."""
    n = width * width
    return [sp.Matrix(width, width, coords[k * n:(k + 1) * n]) for k in range(len(coords) // n)]


def product(mats: list[sp.Matrix], width: int) -> sp.Matrix:
    """M_L ... M_1 for ``mats`` = [M_1, ..., M_L]."""
    P = sp.eye(width)
    for M in mats:
        P = M * P
    return P


def layer_coords(name: str, depth: int, width: int) -> tuple[list[sp.Symbol], dict[str, Any]]:
    """Coordinates and names of layers ``name1`` .. ``nameL`` (scalars for width 1, entries
    ``name1[i, j]`` otherwise); ``name`` is lower-cased for width 1 (``w1``, ``W1``)."""
    coords, names = [], {}
    for j in range(1, depth + 1):
        label = f"{name.lower()}{j}" if width == 1 else f"{name.upper()}{j}"
        syms, obj = coordinates(label, () if width == 1 else (width, width))
        coords += syms
        names[label] = obj
    return coords, names


def layer_starts(value: str | list[list[str]], spec: dict[str, Any], depth: int,
                 symbols: dict[str, sp.Basic]) -> list[sp.Expr]:
    """Every layer's start (layers 1..L, flattened): ``value`` in ``j`` and the depth."""
    out = []
    for j in range(1, depth + 1):
        layer = {**symbols, "j": sp.Integer(j)}
        if isinstance(spec["depth"], str):
            layer[spec["depth"]] = sp.Integer(depth)
        out += list(as_matrix(value, spec["width"], layer))
    return out


def depth_of(spec: dict[str, Any], ints: dict[str, int]) -> int:
    return resolve(spec["depth"], ints)


def squared_error(E: sp.Matrix, sigma, width: int) -> sp.Expr:
    """tr(E Sigma E^T) (Sigma = I when ``sigma`` is None): twice the loss of eq. (4)."""
    if sigma is None:
        return sum(e**2 for e in E)
    return (E * as_matrix(sigma, width, {}) * E.T).trace()


class Chain:
    """A layered linear family: the model table's ``depth``, ``width``, ``target``, ``init``
    (and ``sigma`` where the family's keys allow it), layers named ``layer_name`` + j, and the
    loss f = tr(E Sigma E^T) / 2 with E = product - R.  Its residual sqrt(2 f) vanishes exactly
    on the minimisers because every R is reached by each of the chains here (the minimum is 0)
    and Sigma is PSD.  A family supplies ``product`` and overrides what differs."""

    layer_name = "w"
    chains = 1

    def read(self, table: dict[str, Any], symbols: dict[str, sp.Basic],
             integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
        spec = read_shape(table, integers, self.chains)
        spec["target"] = read_target(table, spec["width"], symbols)
        if "sigma" in table:
            spec["sigma"] = read_sigma(table["sigma"], spec["width"])
        if "init" in table:
            spec["init"] = self.read_init(table["init"], spec, layer_symbols(symbols,
                                                                             spec["depth"]))
        return spec

    def read_init(self, value: Any, spec: dict[str, Any], symbols: dict[str, sp.Basic]):
        return read_matrix_or_scalar(value, "model.init", spec["width"], symbols)

    def state(self, spec: dict[str, Any], ints: dict[str, int]) -> State:
        coords, names = layer_coords(self.layer_name, depth_of(spec, ints), spec["width"])
        return State(tuple(coords), names)

    def target_matrix(self, spec: dict[str, Any], symbols: dict[str, sp.Basic]) -> sp.Matrix:
        """The target R as a matrix (an expression stands for that multiple of I)."""
        return as_matrix(spec["target"], spec["width"], symbols)

    def _twice(self, spec: dict[str, Any], state, symbols: dict[str, sp.Basic]) -> sp.Expr:
        E = self.product(spec, state) - self.target_matrix(spec, symbols)
        return squared_error(E, spec.get("sigma"), spec["width"])

    def loss(self, spec: dict[str, Any], state, symbols: dict[str, sp.Basic]) -> sp.Expr:
        return self._twice(spec, state, symbols) / 2

    def residual(self, spec: dict[str, Any], state, symbols: dict[str, sp.Basic]) -> sp.Expr:
        return sp.sqrt(self._twice(spec, state, symbols))

    def depth(self, spec: dict[str, Any], state) -> int:
        return len(state.coords) // (self.chains * spec["width"] ** 2)

    def start(self, spec, state, symbols, ints):
        if "init" not in spec:
            return None
        return tuple(layer_starts(spec["init"], spec, self.depth(spec, state), symbols))

    # the layers W_j the product multiplies are the state's blocks plus this (linear_resnet: I)
    layer_offset = 0

    def np_loss_gradient(self, spec: dict[str, Any], depth: int):
        """The loss and its gradient for a batch of states, numerically: (X (m, n),
        R (m, d, d)) -> (loss (m,), gradient (m, n)), loss ||E||_F^2 / 2 and grad_j = W_(L:j+1)^T E W_(j-1:1)^T with E = W_L ... W_1 - R (the layers
        W_j = block j + ``layer_offset`` I; Wu, Wang & Ma (2019), Section 2, with W_(j-1:1)).
        With a covariance ``sigma`` the loss is tr(E Sigma E^T) / 2 and E becomes E Sigma in
        the gradient (their (2.2) with Sigma = X X^T).  None for several chains: the symbolic
        gradient serves there."""
        if self.chains != 1:
            return None
        d, offset = spec["width"], self.layer_offset
        sigma = spec.get("sigma")
        S = None if sigma is None else np.array(as_matrix(sigma, d, {}), dtype=float)

        def grad(X: np.ndarray, R: np.ndarray) -> np.ndarray:
            m = X.shape[0]
            W = X.reshape(m, depth, d, d) + offset * np.eye(d)
            below = [None, W[:, 0]]  # below[j] = W_j ... W_1 (below[0] = I is not formed)
            for j in range(1, depth):
                below.append(W[:, j] @ below[-1])
            E = below[depth] - R
            ES = E if S is None else E @ S
            a, g = ES, [None] * depth  # a = W_L^T ... W_(j+2)^T E Sigma, from the top
            for j in range(depth - 1, -1, -1):  # 3L - 2 products in all
                g[j] = a @ np.swapaxes(below[j], 1, 2) if j else a
                if j:
                    a = np.swapaxes(W[:, j], 1, 2) @ a
            return np.sum(ES * E, axis=(1, 2)) / 2, np.stack(g, axis=1).reshape(m, -1)

        return grad

    def batched_gd(self, spec: dict[str, Any], state, symbols: dict[str, sp.Basic], values):
        """GD on many runs at once by :func:`numerics.deeplinear.gd_final` (0.5 |W_L ... W_1 -
        R|_F^2, the layers the state's blocks): ``(X0, P, eta, steps) -> (X, last move,
        diverged)`` for starts X0 and parameters P; ``values(exprs)`` evaluates expressions of
        the parameters at P, (B, k).  None where the loss is another (a covariance, several
        chains, layers offset from the blocks) or the layers are not square (``widths``)."""
        if (spec.get("sigma") is not None or self.chains != 1 or self.layer_offset
                or spec.get("width") is None):
            return None
        from numerics import deeplinear as dl

        d, depth = spec["width"], self.depth(spec, state)
        target = values(list(self.target_matrix(spec, symbols)))

        def run(X0, P, eta, steps):
            B = len(X0)
            R = target(P).reshape(B, d, d)
            ws = dl.gd_final(list(np.swapaxes(X0.reshape(B, depth, d, d), 0, 1)), R, eta,
                             max(steps - 1, 0))
            with np.errstate(all="ignore"):
                last = [w - e[:, None, None] * g for w, g, e in zip(
                    ws, dl.gradient(ws, R), [eta] * depth)]
            X = np.stack(last, axis=1).reshape(B, -1)
            moved = np.linalg.norm(X - np.stack(ws, axis=1).reshape(B, -1), axis=1)
            dead = ~np.isfinite(X).all(axis=1) | (np.abs(X).max(axis=1) > 1e8)
            return X, moved, dead

        return run

    @property
    def chain_names(self) -> tuple[str, ...]:
        """What a claim calls each chain's common value at a symmetric state (width 1)."""
        return (self.layer_name,)

    def symmetric_updates(self, spec: dict[str, Any], values: dict[str, sp.Expr],
                          depth: sp.Expr, step: sp.Expr,
                          symbols: dict[str, sp.Basic]) -> dict[str, sp.Expr]:
        """GD's update of every layer of each chain (width 1) at the state whose layers of
        chain c all equal ``values[c]``, for a depth that may be a symbol (L = n + N).

        Layer i of chain c enters the loss only through the chain's product, which is
        (x_i + offset) (v_c + offset)^(L-1) for every i (scalar layers commute): the loss of
        the two-layer chains [x_i, (v + offset)^(L-1) - offset] is the loss of the L-layer one,
        and its derivative in x_i at x_i = v_c is the partial derivative of the L-layer loss
        there.  So every layer of a chain has one update, GD keeps the state symmetric, and
        this is that update (Nar & Sastry 2018, eqs. (9a), (9b), Propositions 2, 3)."""
        a = sp.Dummy("a", real=True)
        out = {}
        for varied in self.chain_names:
            coords = []
            for c in self.chain_names:
                v = values[c]
                coords += [a if c == varied else v,
                           (v + self.layer_offset) ** (depth - 1) - self.layer_offset]
            loss = self.loss(spec, State(tuple(coords)), symbols)
            out[varied] = values[varied] - step * sp.diff(loss, a).subs(a, values[varied])
        return out

    def hessian_target(self, spec: dict[str, Any], state,
                       symbols: dict[str, sp.Basic]) -> tuple[sp.Matrix, int] | None:
        """(R, offset) when the loss is 0.5 |W_L ... W_1 - R|_F^2 in the layers W_j = block_j +
        offset * I: then the model's Hessian is evaluated in closed form
        (:func:`numerics.factorisations.hessian`, float64 or mpmath) instead of through the
        symbolic one (Nar & Sastry 2018, Appendix A: J^T J plus the residual term); None with a
        covariance ``sigma`` (double_network overrides it too)."""
        if spec.get("sigma") is not None:
            return None
        return as_matrix(spec["target"], spec["width"], symbols), self.layer_offset

    def minimiser_factors(self, spec: dict[str, Any], state,
                          symbols: dict[str, sp.Basic]) -> tuple[sp.Matrix, int] | None:
        """The family's parametrisation of (part of) its minimiser set: (R, offset).

        Every factorisation W_L ... W_1 = R into d x d layers is a minimiser (the loss is 0
        there), and the state is W_j - offset * I; with R invertible these are all of them
        (Nar & Sastry 2018, Section 2: {G_j W_j G_{j-1}^{-1}} with G_0 = G_L = I).  One
        family (``double_network``: W - Z = R) overrides this with None."""
        return as_matrix(spec["target"], spec["width"], symbols), self.layer_offset
