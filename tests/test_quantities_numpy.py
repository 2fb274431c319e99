"""Issue 16, item 2: every quantity has a precise (mpmath) and a batched (numpy) evaluation, and
the two agree (1e-10 relative) at random states and parameter points of each family."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from verify.api import claim
from verify.userclaims.model import Model

_COMMON = {"kind": "trajectory", "step": "eta", "relation": "<=", "bound": "1", "steps": 1}

MODELS = {
    "quadratic": (claim(id="q.np", model={"family": "quadratic",
                                          "A": [["a", "c"], ["c", "2"]], "b": ["1", "-c"]},
                        params={"eta": [0.1, 1], "a": [0.5, 3], "c": [-1, 1]},
                        start=["1", "1"], quantity="loss", **_COMMON), None),
    "quadratic-singular": (claim(id="qs.np", model={"family": "quadratic",
                                                    "A": [["1", "1"], ["1", "1"]],
                                                    "b": ["-1", "-1"]},
                                 params={"eta": [0.1, 1]}, start=["1", "1"], quantity="loss",
                                 **_COMMON), None),
    "deep-linear": (claim(id="d.np", model={"family": "deep_linear", "depth": "L", "width": 2,
                                            "target": [["r", "0"], ["0", "1"]], "init": "1"},
                          integers={"L": 3}, params={"eta": [0.01, 0.1], "r": [0.5, 1.5]},
                          quantity="loss", **_COMMON), {"L": 3}),
    "expression-heavy-ball": (claim(id="e.np", loss="a*x**4/4 + x**2*y**2 + y**2 - x*y",
                                    variables=["x", "y"], params={"eta": [0.1, 0.5],
                                                                  "a": [0.5, 2]},
                                    optimizer={"method": "heavy_ball", "beta": "1/2"},
                                    start=["1", "1"], quantity="loss", **_COMMON), None),
    "expression-nesterov": (claim(id="n.np", loss="x**2 + sin(x*y) + y**4",
                                  variables=["x", "y"], params={"eta": [0.1, 0.5]},
                                  optimizer={"method": "nesterov", "beta": "3/10"},
                                  start=["1", "1"], quantity="loss", **_COMMON), None),
}

QUANTITIES = {
    "quadratic": ["loss", "grad_norm", "sharpness", "lambda_min", "hessian_eig_2", "radius",
                  "multiplier_2", "residual", "distance", "loss/(1 + grad_norm**2)"],
    "quadratic-singular": ["distance", "residual", "lambda_min", "radius"],
    "deep-linear": ["loss", "grad_norm", "sharpness", "hessian_eig_3", "residual", "sv_1",
                    "sv_2", "radius"],
    "expression-heavy-ball": ["loss", "grad_norm", "sharpness", "lambda_min", "radius",
                              "multiplier_4"],
    "expression-nesterov": ["radius", "multiplier_1", "sharpness"],
}


def _random_points(model: Model, m: int, rng):
    n, p = len(model.vars), len(model.free_names)
    X = rng.uniform(-1.5, 1.5, size=(m, n))
    P = np.stack([rng.uniform(float(lo), float(hi), size=m)
                  for lo, hi in (model.box.free[k] for k in model.free_names)], axis=-1) \
        if p else np.zeros((m, 0))
    return X, P


@pytest.mark.parametrize("family, quantity", [(f, q) for f, qs in QUANTITIES.items() for q in qs])
def test_numpy_and_mpmath_agree(family, quantity):
    spec, ints = MODELS[family]
    model = Model(spec, ints)
    X, P = _random_points(model, 25, np.random.default_rng(0))
    if family == "quadratic-singular":  # on the set's line x + y = 1 half the time: distance 0
        X[::2, 1] = 1 - X[::2, 0]
    batched = model.quantity_numpy(quantity)(X, P, 0)
    precise = model.quantity(quantity)
    assert batched.shape == (len(X),)
    for i in range(len(X)):
        with mpmath.workdps(30):
            exact = precise([mpmath.mpf(v) for v in X[i]], [mpmath.mpf(v) for v in P[i]], 0)
            want = float(exact)
        # 1e-10 relative to the quantity's own scale (a value that is 0 exactly is rounding
        # noise in float64, so 1e-10 of the state's scale bounds it there)
        assert abs(batched[i] - want) <= 1e-10 * max(abs(want), 1.0), (quantity, i, batched[i],
                                                                         want)
