"""Rate claims checked by a batched float64 sweep (``sweep = N``, verify.userclaims.rate_sweep):
hostile keys, the chain families' numeric loss and gradient against the symbolic ones, Theorem
4.3 as data (the example file's true claim and false twin: tests/test_orders.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from verify.userclaims.model import Model
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim

RATE = ('kind = "rate"\nloss = "a*x**2/2"\nvariables = ["x"]\nstep = "delta"\n'
        'params = { delta = [0.01, 0.5], a = [0.5, 1.5], x0 = [-2, 2] }\nstart = ["x0"]\n'
        'metric = "loss"\n')
BOUND = 'bound = "metric0*(1 - a*delta)**(2*t)"\nsteps = 50\n'


def _claim(body: str):
    return parse_claims(f'[[claim]]\nid = "s.one"\n{body}')[0]


@pytest.mark.parametrize("body", [
    RATE + BOUND + "sweep = true\n", RATE + BOUND + "sweep = 5\n",
    RATE + BOUND + "sweep = 10000000\n", RATE + BOUND + 'sweep = "40"\n',
    RATE + 'order = "linear"\nfactor = "1 - a*delta"\nsweep = 40\n',
    RATE + BOUND + 'sweep = 40\noptimizer = { method = "heavy_ball", beta = "1/2" }\n',
])
def test_hostile_sweep_names_the_key(body):
    out = _claim(body)
    assert isinstance(out, BadClaim) and out.key == "sweep", out


@pytest.mark.parametrize("family, offset, sigma", [
    ("linear_resnet", 1.0, ""), ("deep_linear", 0.0, ""),
    # a covariance: tr(E Sigma E^T) / 2 (Wu et al.'s (2.2) with Sigma = X X^T)
    ("linear_resnet", 1.0, ', sigma = [["2", "1"], ["1", "1"]]'),
])
def test_numeric_chain_loss_and_gradient_match_the_symbolic_ones(family, offset, sigma):
    spec = _claim(f'kind = "rate"\nmodel = {{ family = "{family}", depth = 3, width = 2, '
                  f'target = [["a", "1"], ["0", "-1"]], init = "1/2"{sigma} }}\nstep = "eta"\n'
                  'params = { eta = 0.01, a = [-1, 1] }\nmetric = "loss"\nbound = "metric0"\n'
                  'steps = 3\n')
    model = Model(spec)
    rng = np.random.default_rng(0)
    X, P = rng.standard_normal((5, len(model.vars))), rng.uniform(-1, 1, (5, 1))
    R = np.stack([np.array([[a, 1.0], [0.0, -1.0]]) for a in P[:, 0]])
    loss, grad = model.family.np_loss_gradient(spec.model, 3)(X, R)
    assert np.allclose(loss, model.np_fn(model.loss)(X, P), rtol=1e-12)
    assert np.allclose(grad, model.np_matrix(model.gradient)(X, P).reshape(X.shape), rtol=1e-10)
    assert model.family.layer_offset == offset


def test_theorem_4_3_as_data():
    """wu2019zas.thm4_3: GD from ZAS at the printed step size keeps the rate (sampled); the
    same runs with twice the rate in the bound are refuted (a deliberately wrong variant)."""
    from verify.registry import select
    from verify.vocabulary import CheckContext, Outcome

    (claim,) = select(["wu2019zas.thm4_3"])
    ctx = CheckContext(seed=0, quick=True)
    assert [c.name for c in claim.checks] == ["width1.rate_sweep", "width2.rate_sweep",
                                              "width3.rate_sweep"]
    assert claim.checks[0].run(ctx).outcome is Outcome.SUPPORTS
    text = (Path(__file__).resolve().parents[1] / "verify" / "papers"
            / "wu2019zas_rates.toml").read_text()
    part = text[text.index('name = "width1"'):text.index('name = "width2"')]
    wrong = {line.split(" = ", 1)[0]: line.split(" = ", 1)[1] for line in part.splitlines()
             if " = " in line and not line.startswith("name")}
    body = "".join(f"{k} = {v.split('   #')[0]}\n" for k, v in wrong.items() if k != "bound")
    body += 'step = "eta"\nbound = "metric0*(1 - 2*(' + wrong["schedule"].strip('"') + '))**t"\n'
    spec = _claim(body.replace("integers = { L = [1, 10, 3] }", "integers = { L = [2, 3] }"))
    assert not isinstance(spec, BadClaim), spec
    from verify.userclaims.build import claim_from_spec

    (check,) = claim_from_spec(spec).checks
    found = check.run(ctx)
    assert found.outcome is Outcome.REFUTES and float(found.counterexample.margin) < 0
