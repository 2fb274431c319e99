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
                    "sv_2", "radius", "sv_grad_1", "sv_grad_2", "gn_sharpness"],
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


def test_sv_grad_is_the_sum_of_bound_3_and_gn_sharpness_the_hessians_at_a_minimum():
    """Nar & Sastry (2018), Theorem 1 and eq. (7): sv_grad_1**2 = sum_j p_{j-1}^2 q_{j+1}^2 at
    any layers (the engine's own formula), and gn_sharpness = sharpness at a global minimiser
    (H = J^T J there) but not away from it."""
    from numerics import factorisations as fz

    spec, ints = MODELS["deep-linear"]
    model = Model(spec, ints)
    rng = np.random.default_rng(3)
    W = [rng.standard_normal((2, 2)) for _ in range(3)]
    x = [mpmath.mpf(v) for w in W for v in w.ravel()]
    args = [mpmath.mpf(1)] * len(model.free_names)
    got = model.quantity("sv_grad_1**2")(x, args)
    assert float(got) == pytest.approx(float(fz.thm1_denominator(W)), rel=1e-12)
    R = np.diag([1.0, 1.0])  # r = 1 at the parameter point: W_L ... W_1 = R at the balanced one
    xb = [mpmath.mpf(v) for w in fz.balanced(R, 3) for v in w.ravel()]
    gap = model.quantity("gn_sharpness - sharpness")
    assert abs(gap(xb, args)) < 1e-12 and abs(gap(x, args)) > 1e-3


@pytest.mark.parametrize("rhs, words", [
    ("sv_grad_3**2", "undeclared symbol(s): sv_grad_3"),  # a 2 x 2 product has two
    ("sv_grad_0", "undeclared symbol(s): sv_grad_0"),
    ("gn_sharpness(1)", "not a function"),
    ("sv_grad_1.__class__", "attribute access"),
])
def test_product_quantities_refuse_bad_names_naming_the_key(rhs, words):
    from verify.userclaims.parse import parse_table
    from verify.userclaims.spec import BadClaim

    table = {"id": "k.q", "kind": "inequality", "at": "minimisers", "params": {"a": [1, 2]},
             "model": {"family": "deep_linear", "depth": 2, "width": 2,
                       "target": [["a", "0"], ["0", "1"]]},
             "lhs": "sharpness", "relation": ">=", "rhs": rhs}
    result = parse_table(table)
    assert isinstance(result, BadClaim) and result.key == "rhs" and words in result.message


def test_gn_sharpness_needs_a_product():
    from verify.userclaims.parse import parse_table
    from verify.userclaims.spec import BadClaim

    result = parse_table({"id": "k.q2", "kind": "trajectory", "step": "eta",
                          "model": {"family": "quadratic", "A": [["1", "0"], ["0", "2"]],
                                    "b": ["0", "0"]}, "params": {"eta": [0.1, 1]},
                          "start": ["1", "1"], "quantity": "gn_sharpness", "relation": "<=",
                          "bound": "1", "steps": 3})
    assert isinstance(result, BadClaim) and result.key == "quantity"


def _chain_model(family: str, L: int, d: int, sigma=None):
    rows = [["r", "1/3", "0"], ["-1/2", "1", "1/5"], ["0", "2", "-1"]]
    target = "r" if d == 1 else [row[:d] for row in rows[:d]]
    table = {"family": family, "depth": "L", "width": d, "target": target, "init": "1/2"}
    if sigma is not None:
        table["sigma"] = sigma
    spec = claim(id="h.np", model=table, integers={"L": L},
                 params={"eta": [0.01, 0.1], "r": [0.5, 1.5]}, quantity="loss",
                 **{**_COMMON, "relation": "<="})
    return Model(spec, {"L": L})


@pytest.mark.parametrize("family, L, d", [("deep_linear", L, d) for L in (1, 2, 3, 4)
                                          for d in (1, 2)]
                         + [("deep_linear", 2, 3), ("linear_resnet", 3, 2),
                            ("linear_resnet", 2, 1)])
def test_closed_form_hessian_is_the_symbolic_one(family, L, d):
    """A chain family's Hessian in closed form (Model.np_hessian / mp_hessian through
    numerics.factorisations.hessian) equals the symbolic Hessian's value at random states and
    parameter points, in float64 and at 40 digits."""
    model = _chain_model(family, L, d)
    assert model._layers is not None
    X, P = _random_points(model, 6, np.random.default_rng(L * 10 + d))
    symbolic_np = model.np_matrix(model.hessian)(X, P)
    np.testing.assert_allclose(model.np_hessian(X, P), symbolic_np, rtol=1e-12, atol=1e-12)
    symbolic_mp = model.mp(model.hessian)
    with mpmath.workdps(40):
        for x, p in zip(X, P):
            a = [mpmath.mpf(v) for v in (*x, *p)]
            got, want = mpmath.matrix(model.mp_hessian(*a)), mpmath.matrix(symbolic_mp(*a))
            assert mpmath.mnorm(got - want, 1) < mpmath.mpf(10) ** -35 * (1 + mpmath.mnorm(
                want, 1))


def test_families_without_the_closed_form_keep_the_symbolic_hessian():
    """A covariance sigma, or two chains (double_network), are not 0.5 |W_L..W_1 - R|^2: the
    model falls back to the symbolic Hessian there."""
    assert _chain_model("linear_resnet", 2, 2, sigma=[["2", "0"], ["0", "1"]])._layers is None
    assert _chain_model("double_network", 2, 1)._layers is None


def test_np_matrix_fills_real_entries_and_marks_non_real_ones_nan():
    """Model.np_matrix: real entries (arrays and constants) come back as they are; a complex
    entry is NaN where its imaginary part is not 0 (and its real part elsewhere)."""
    import sympy as sp

    spec, ints = MODELS["expression-heavy-ball"]
    model = Model(spec, ints)
    x, y = model.vars
    X = np.array([[4.0, 1.0], [2.0, -1.0]])
    P = np.zeros((2, len(model.free_names)))
    got = model.np_matrix(sp.Matrix([[x * y, 3], [x + y, 1]]))(X, P)
    np.testing.assert_array_equal(got, [[[4.0, 3.0], [5.0, 1.0]], [[-2.0, 3.0], [1.0, 1.0]]])
    mixed = model.np_matrix(sp.Matrix([[sp.I * (x - 4) + y, x]]))(X, P)
    assert mixed[0, 0, 0] == 1.0 and np.isnan(mixed[1, 0, 0])
    np.testing.assert_array_equal(mixed[:, 0, 1], [4.0, 2.0])


@pytest.mark.parametrize("n", [3, 5, 9, 16])
@pytest.mark.parametrize("dps", [30, 50, 90])
def test_flint_eigenvalues_agree_with_eigsy_to_the_working_precision(n, dps):
    """hessian_eigenvalues (n >= 3) runs Arb's QR at dps + guard bits: the same values as
    mpmath's eigsy to the working precision, repeated eigenvalues included."""
    from verify.models.quantities import _flint_eigenvalues, hessian_eigenvalues

    rng = np.random.default_rng(n * dps)
    with mpmath.workdps(dps):
        G = rng.uniform(-3, 3, (n, n))
        H = mpmath.matrix((G + G.T).tolist()) / 7
        Q, _ = np.linalg.qr(rng.normal(size=(n, n)))  # an exact double eigenvalue, rotated
        D = mpmath.matrix(Q.tolist()) * mpmath.diag([1, 1] + [k for k in range(n - 2)])
        for M in (H, D * mpmath.matrix(Q.T.tolist())):
            M = (M + M.T) / 2
            assert _flint_eigenvalues(M) is not None
            ours = hessian_eigenvalues(M)
            ref = sorted(mpmath.eigsy(M, eigvals_only=True), reverse=True)
            scale = 1 + mpmath.mnorm(M, 1)
            assert all(abs(a - b) <= mpmath.ldexp(scale * n, 8 - mpmath.mp.prec)
                       for a, b in zip(ours, ref))


def test_flint_eigenvalues_decline_what_they_cannot_take():
    """Not finite or not real: None, and hessian_eigenvalues keeps eigsy's answer."""
    from verify.models.quantities import _flint_eigenvalues

    for bad in (mpmath.nan, mpmath.inf, mpmath.mpc(1, 1)):
        H = mpmath.diag([1, 2, 3])
        H[0, 1] = H[1, 0] = bad
        assert _flint_eigenvalues(H) is None
