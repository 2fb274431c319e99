"""The linear residual network, the two-layer ReLU network and the double network as exact
models: their losses against the papers' formulas, their starts, and when they know the
minimiser set.  (Their claims are checked in tests/test_claim_language.py.)"""

from __future__ import annotations

import sympy as sp

from proofs.expressions import real_symbol
from verify.api import check, claim
from verify.models import FAMILIES
from verify.vocabulary import Status


def _model(table: dict, params=("r",), ints=None):
    family = FAMILIES[table["family"]]
    symbols = {p: real_symbol(p) for p in params}
    integers = {k: (v,) for k, v in (ints or {}).items()}
    symbols.update({k: sp.Symbol(k, integer=True, positive=True) for k in integers})
    spec = family.read({k: v for k, v in table.items() if k != "family"}, symbols, integers)
    state = family.state(spec, dict(ints or {}))
    return family, spec, state, symbols


def test_resnet_zas_start_is_the_zero_map_and_the_loss_is_the_frobenius_error():
    family, spec, state, symbols = _model(
        {"family": "linear_resnet", "depth": "L", "width": 2,
         "target": [["r", "1/2"], ["0", "-1/2"]], "init": "zas"}, ints={"L": 3})
    start = family.start(spec, state, symbols, {"L": 3})
    at = dict(zip(state.coords, start))
    assert family.product(spec, state).subs(at) == sp.zeros(2)  # Wu et al. (3.1)
    r = symbols["r"]
    assert sp.simplify(family.loss(spec, state, symbols).subs(at) - (r**2 + sp.Rational(1, 2))
                       / 2) == 0
    assert [c.name for c in state.coords[:4]] == ["U1_0_0", "U1_0_1", "U1_1_0", "U1_1_1"]


def test_sigma_is_the_data_covariance_of_eq_4():
    """tr(E Sigma E^T)/2 with Sigma = (1/N) sum x x^T equals (1/2N) sum |E x_i|^2."""
    xs = [sp.Matrix([1, 2]), sp.Matrix([-1, 1]), sp.Matrix([3, 0])]
    sigma = sum((x * x.T for x in xs), sp.zeros(2)) / len(xs)
    family, spec, state, symbols = _model(
        {"family": "linear_resnet", "depth": 2, "width": 2, "target": [["r", "0"], ["0", "1"]],
         "sigma": [[str(v) for v in sigma.row(i)] for i in range(2)]})
    E = family.product(spec, state) - sp.Matrix([[symbols["r"], 0], [0, 1]])
    direct = sum(((E * x).T * (E * x))[0, 0] for x in xs) / (2 * len(xs))
    assert sp.expand(family.loss(spec, state, symbols) - direct) == 0
    residual = family.residual(spec, state, symbols)
    assert sp.simplify(residual**2 - 2 * family.loss(spec, state, symbols)) == 0


def test_double_network_is_the_difference_of_two_chains():
    family, spec, state, symbols = _model(
        {"family": "double_network", "depth": 2, "target": "r", "init": {"w": "2", "z": "1"}})
    w1, w2, z1, z2 = state.coords
    assert family.product(spec, state) == sp.Matrix([[w2 * w1 - z2 * z1]])
    start = family.start(spec, state, symbols, {})
    assert start == (2, 2, 1, 1)
    assert sp.expand(family.loss(spec, state, symbols).subs(dict(zip(state.coords, start)))
                     - (3 - symbols["r"])**2 / 2) == 0


def test_relu_derivative_at_the_kink_is_zero():
    family, spec, state, symbols = _model(
        {"family": "two_layer_relu", "width": 1, "x": [1], "y": ["r"]})
    a, w = state.coords
    f = family.loss(spec, state, symbols)
    assert sp.diff(f, w).subs({a: 1, w: 0}) == 0
    assert sp.diff(f, w).subs({a: 1, w: sp.Rational(1, 2)}) == sp.Rational(1, 2) - symbols["r"]


def test_relu_knows_the_minimisers_only_when_the_data_are_fitted_exactly():
    def fits(**table):
        family, spec, state, symbols = _model({"family": "two_layer_relu", **table})
        return spec["exact_fit_width"], family.residual(spec, state, symbols) is not None

    # Biases: the piecewise-linear interpolant needs one unit per distinct input.
    assert fits(width=3, x=[0, 1, 2], y=["r", "1", "0"], bias=True) == (3, True)
    assert fits(width=2, x=[0, 1, 2], y=["r", "1", "0"], bias=True) == (3, False)
    # Without biases the network is alpha x (x > 0), beta x (x < 0).
    assert fits(width=2, x=[1, -1, 2], y=["r", "1", "2*r"]) == (2, True)
    assert fits(width=1, x=[1, 2], y=["r", "2*r"]) == (1, True)
    assert fits(width=2, x=[1, 2], y=["1", "3"]) == (None, False)  # not on a line
    assert fits(width=2, x=[0], y=["1"]) == (None, False)  # relu(w 0) = 0
    # Fixed biases: no construction, no residual.
    assert fits(width=2, x=[1], y=["1"], bias="-1")[1] is False
    # One input, two labels.
    assert fits(width=3, x=[1, 1], y=["1", "2"], bias=True) == (None, False)


def test_convergence_to_a_saddle_is_not_support():
    """Nar & Sastry, "Residual networks...", Proposition 3: from the identity (U = 0) with a
    target r < 0 and eta <= 1/(1 - r), every layer goes to 0, a saddle with loss r^2/2 > 0; GD
    never reaches the minimisers, so this claim is false and must not come out confirmed."""
    spec = claim(id="saddle", kind="convergence", step="eta", target="minimisers",
                 model={"family": "linear_resnet", "depth": 2, "target": "r", "init": "0"},
                 params={"eta": [0.01, 0.03], "r": [-0.9, -0.5]}, condition="eta <= 1/(1 - r)")
    (result,) = check(spec)
    assert result.status is not Status.CONFIRMED


def test_relu_vector_inputs_labels_and_a_fixed_bias_vector():
    """Nar & Sastry (2018), Theorem 4's network f_hat(x) = W g(V x - b): x in R^2, f_hat in
    R^2, two units with the fixed bias vector b (ours is -b)."""
    family, spec, state, symbols = _model(
        {"family": "two_layer_relu", "width": 2, "x": [[1, 2], [-1, 0]],
         "y": [["r", "0"], ["1", "r"]], "bias": ["-r", "1"],
         "init": {"a": "o + i", "w": "i - j"}})
    assert state.labels == ("a_0_0", "a_0_1", "a_1_0", "a_1_1",
                            "w_0_0", "w_0_1", "w_1_0", "w_1_1")
    assert state.names["a"].shape == (2, 2) and state.names["w"].shape == (2, 2)
    start = family.start(spec, state, symbols, {})
    assert start == (0, 1, 1, 2, 0, -1, 1, 0)  # a[o, i] = o + i, w[i, j] = i - j
    r = symbols["r"]
    at = dict(zip(state.coords, start))
    # hidden units at x_0 = (1, 2): relu(-2 - r), relu(1 + 1); at x_1 = (-1, 0): relu(-r), relu(0)
    h0 = [sp.Piecewise((-2 - r, -2 - r > 0), (0, True)), 2]
    h1 = [sp.Piecewise((-r, -r > 0), (0, True)), 0]
    out = lambda h: [h[1], h[0] + 2 * h[1]]  # a = [[0, 1], [1, 2]]
    expected = sum((o - y) ** 2 for h, ys in ((h0, [r, 0]), (h1, [1, r]))
                   for o, y in zip(out(h), ys)) / 2
    f = family.loss(spec, state, symbols).subs(at)
    for value in (-3, sp.Rational(1, 2), 2):
        assert sp.simplify((f - expected).subs(r, value)) == 0
    assert family.residual(spec, state, symbols) is None  # vectors: no exact-fit construction
