"""Gradient flow (``optimizer = { method = "flow" }``, verify.userclaims.flow): hostile keys,
the float64 path against the closed form, Theorem 4.1 and its remarks as data
(wu2019zas_flow.toml: the cited derivation proves it; a faster rate is refuted with a replay at
high precision); rectangular layers (deep_linear with ``widths``: hostile keys, the numeric
loss and gradient against the symbolic ones).  The example
file's true claim and false twin: tests/test_orders.py and tests/test_claim_language.py."""

from __future__ import annotations

import numpy as np
import pytest

from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome

FLOW = ('kind = "rate"\nloss = "a*x**2/2"\nvariables = ["x"]\noptimizer = { method = "flow" }\n'
        'step = "h"\nparams = { h = "1/4", a = [0.5, 1.5], x0 = [-2, 2] }\nstart = ["x0"]\n'
        'metric = "loss"\nbound = "metric0*exp(-2*a*t)"\nsteps = 20\n')


def _claim(body: str):
    return parse_claims(f'[[claim]]\nid = "f.one"\n{body}')[0]


@pytest.mark.parametrize("body, key", [
    (FLOW, "optimizer"),  # no sweep: the flow is checked by a rate sweep only
    (FLOW + "sweep = 0\n", "sweep"),
    (FLOW + "sweep = 2.5\n", "sweep"),
    (FLOW + "sweep = 65\n", "sweep"),  # at most 64 flows per instance
    (FLOW + "sweep = 2\nfigure = 1\n", "figure"),
    (FLOW.replace('{ method = "flow" }', '{ method = "gd" }').replace('"1/4"', "[0.1, 0.2]")
     + "figure = true\n", "figure"),  # a figure of a sweep's runs
    (FLOW.replace("steps = 20", "steps = 1001") + "sweep = 2\n", "steps"),
    (FLOW.replace('"1/4"', "[0.1, 0.2]") + "sweep = 2\n", "step"),
    (FLOW + 'sweep = 2\nschedule = "h/(1 + t)"\n', "schedule"),
    (FLOW.replace('"flow" }', '"flow", beta = "1/2" }') + "sweep = 2\n", "optimizer"),
    (FLOW.replace('"flow" }', '"Flow" }') + "sweep = 2\n", "optimizer"),
    (FLOW.replace('kind = "rate"', 'kind = "trajectory"').replace(
        'metric = "loss"\nbound = "metric0*exp(-2*a*t)"', 'quantity = "loss"\n'
        'monotone = "nonincreasing"'), "optimizer"),
    (FLOW.replace('bound = "metric0*exp(-2*a*t)"', 'order = "linear"\nfactor = "1/2"'),
     "optimizer"),
])
def test_hostile_flow_names_the_key(body, key):
    out = _claim(body)
    assert isinstance(out, BadClaim) and out.key == key, out


def test_float_path_follows_the_closed_form():
    """x' = -a x: the float64 states at t = k h are x0 e^{-a k h} within the tolerances."""
    from verify.userclaims.flow import float_path

    a, x0 = np.array([[0.5], [1.5]]), np.array([[2.0], [-1.0]])
    path = float_path(lambda X: (a[:, 0] * X[:, 0] ** 2 / 2, a * X), x0, 0.25, 20)
    exact = [x0 * np.exp(-a * 0.25 * k) for k in range(21)]
    assert np.allclose(path, np.array(exact), rtol=1e-8, atol=1e-10)


def test_flows_integrated_in_groups_keep_the_closed_form_rate():
    """20 runs (three groups of at most 8 integrated as one system each): every flow of
    a x^2/2 keeps loss(t) = e^{-2 a t} loss(0) within the guard."""
    from verify.userclaims.build import claim_from_spec

    (check,) = claim_from_spec(_claim(FLOW + "sweep = 20\n")).checks
    found = check.run(CheckContext(seed=0, quick=False))
    assert found.outcome is Outcome.SUPPORTS and found.numbers["float64 runs"].startswith("20 (")


def test_theorem_4_1_as_data():
    """wu2019zas.thm4_1: every part cites the derivation of the paper's proof (proven, the
    statement's class) and its flows stay below e^{-2t} R(0); the same flows with the rate 3
    are refuted, the violation replayed with mpmath.odefun at two precisions."""
    from verify.registry import select
    from verify.userclaims.build import claim_from_spec

    (claim,) = select(["wu2019zas.thm4_1"])
    ctx = CheckContext(seed=0, quick=True)
    assert [c.name for c in claim.checks] == [
        f"width{w}.{c}" for w in (1, 2, 3) for c in ("derivation", "rate_sweep")]
    found = claim.checks[0].run(ctx)
    assert found.outcome is Outcome.SUPPORTS and found.coverage.covers["L"] == ">= 1"
    found = claim.checks[3].run(ctx)
    assert found.outcome is Outcome.SUPPORTS  # figure = true: R(t) against the bound
    assert [f.id for f in found.figures] == ["rate_L1", "rate_L10"]
    wrong = _claim('kind = "rate"\nmodel = { family = "linear_resnet", depth = 2, width = 1, '
                   'target = "p1", init = "zas" }\noptimizer = { method = "flow" }\n'
                   'step = "h"\nparams = { h = "1/6", p1 = [-2, 2] }\nmetric = "loss"\n'
                   'bound = "metric0*exp(-3*t)"\nsteps = 60\nsweep = 1\n')
    (check,) = claim_from_spec(wrong).checks
    found = check.run(ctx)
    assert found.outcome is Outcome.REFUTES and float(found.counterexample.margin) < 0
    assert "70 digits" in found.counterexample.note


def test_remark_2_as_data():
    """wu2019zas.thm4_1_remark2: the un-whitened loss as a covariance X X^T; each part cites
    the derivation of the remark (proven for its class) and its flows keep the rate."""
    from verify.registry import select

    (claim,) = select(["wu2019zas.thm4_1_remark2"])
    ctx = CheckContext(seed=0, quick=True)
    assert [c.name for c in claim.checks] == [
        f"width{w}.{c}" for w in (2, 3) for c in ("derivation", "rate_sweep")]
    found = claim.checks[0].run(ctx)
    assert found.outcome is Outcome.SUPPORTS and "X" in found.coverage.covers
    assert claim.checks[3].run(ctx).outcome is Outcome.SUPPORTS



RECT = ('kind = "rate"\nmodel = { family = "deep_linear", depth = 3, widths = [2, 3, 4, 3], '
        'target = [["a", "1"], ["0", "-1"], ["1", "a"]], init = "zas" }\n'
        'optimizer = { method = "flow" }\nstep = "h"\nparams = { h = "1/6", a = [-1, 1] }\n'
        'metric = "loss"\nbound = "metric0*exp(-2*t)"\nsteps = 20\nsweep = 1\n')


@pytest.mark.parametrize("old, new, key", [
    ("widths = [2, 3, 4, 3]", "widths = [2, 3, 4, 3], width = 2", "model.widths"),
    ("widths = [2, 3, 4, 3]", 'widths = "2, 3"', "model.widths"),
    ("widths = [2, 3, 4, 3]", "widths = [2, 3, 0, 3]", "model.widths"),
    ("widths = [2, 3, 4, 3]", "widths = [2, 3, 4, true]", "model.widths"),
    ("widths = [2, 3, 4, 3]", "widths = [2, 8, 8, 3]", "model.widths"),  # 104 coordinates
    ("depth = 3", "depth = 2", "model.depth"),
    ("depth = 3", 'depth = "L"', "model.depth"),
    ('["1", "a"]]', '["1", "a"], ["0", "0"]]', "model.target"),
    ('init = "zas"', 'init = "1"', "model.init"),
    ("deep_linear", "linear_resnet", "model.widths"),
])
def test_hostile_widths_name_the_key(old, new, key):
    out = _claim(RECT.replace(old, new))
    assert isinstance(out, BadClaim) and out.key == key, out


def test_rectangular_chain_numeric_loss_and_gradient_match_the_symbolic_ones():
    from verify.userclaims.model import Model

    spec = _claim(RECT)
    model = Model(spec)
    assert model.start == [1, 0, 0, 1, 0, 0] + [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0] + [0] * 12
    rng = np.random.default_rng(0)
    X, P = rng.standard_normal((4, len(model.vars))), rng.uniform(-1, 1, (4, 1))
    R = np.stack([np.array([[a, 1], [0, -1], [1, a]], dtype=float) for a in P[:, 0]])
    loss, grad = model.family.np_loss_gradient(spec.model, 3)(X, R)
    assert np.allclose(loss, model.np_fn(model.loss)(X, P), rtol=1e-12)
    assert np.allclose(grad, model.np_matrix(model.gradient)(X, P).reshape(X.shape), rtol=1e-10)


def test_remark_1_as_data():
    """wu2019zas.thm4_1_remark1: one flow per rectangular width list of the remark."""
    from verify.registry import select

    (claim,) = select(["wu2019zas.thm4_1_remark1"])
    assert [c.name for c in claim.checks] == [
        f"widths_{w}.rate_sweep" for w in ("2_3_4_3", "2_5_2_4", "1_3_3_3_2", "3_3_4_1")]
    found = claim.checks[1].run(CheckContext(seed=0, quick=True))
    assert found.outcome is Outcome.SUPPORTS
