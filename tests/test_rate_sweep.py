"""Rate claims checked by a batched float64 sweep (``sweep = N``, verify.userclaims.rate_sweep):
hostile keys, the chain families' numeric loss and gradient against the symbolic ones, Theorem
4.3 as data, starts near a point (``near``, verify.userclaims.near: hostile keys, the seeded
perturbations, Wu et al.'s near-ZAS remark as data); the example files' true claims and false
twins: tests/test_orders.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from verify.userclaims.model import Model
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome

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


# --- starts near a point (near = { sigma, until }) -----------------------------------------

NEAR_BODY = ('kind = "rate"\nmodel = { family = "linear_resnet", depth = 2, width = 1, target = "r", '
        'init = "zas" }\nstep = "eta"\nparams = { eta = "1/100", r = [-1, 1] }\n'
        'metric = "loss"\nbound = "metric0"\nsteps = 20\n')
NEAR = 'near = { sigma = "1/10", until = ["norm2(1 + D(L - 1)) <= 1/100"] }\n'


@pytest.mark.parametrize("body", [
    NEAR_BODY + NEAR,  # no sweep
    NEAR_BODY + "sweep = 10\n" + NEAR.replace('"1/10"', '"__import__(1)"'),
    NEAR_BODY + "sweep = 10\n" + NEAR.replace('"1/10"', "0.1"),
    NEAR_BODY + "sweep = 10\n" + NEAR.replace("<= 1/100", "+ 1"),
    NEAR_BODY + "sweep = 10\n" + NEAR.replace('["norm2(1 + D(L - 1)) <= 1/100"]', '"x < 1"'),
    NEAR_BODY + "sweep = 10\n" + NEAR.replace("until", "unto"),
    NEAR_BODY + "sweep = 10\n" + 'near = "zas"\n',
    NEAR_BODY.replace(', init = "zas"', "") + 'start = ["0", "-1"]\nsweep = 10\n' + NEAR,
    'kind = "rate"\nloss = "x**2"\nvariables = ["x"]\nstep = "eta"\nparams = { eta = "1/100", '
    'x0 = [0, 1] }\nstart = ["x0"]\nmetric = "loss"\nbound = "metric0"\nsteps = 20\n'
    'sweep = 10\n' + NEAR,
])
def test_hostile_near_names_the_key(body):
    out = _claim(body)
    assert isinstance(out, BadClaim) and out.key == "near", out


def test_seeded_starts_meet_the_relations_and_repeat():
    from verify.userclaims import near

    model = Model(_claim(NEAR_BODY + "sweep = 10\n" + NEAR))
    x0, R = np.array([0.0, -1.0]), np.array([[0.5]])
    x, s = near.start(model, x0, R, 0, 3)
    assert near.meets(model, x, R) and s <= 0.1 and not np.allclose(x, x0)
    assert np.array_equal(near.start(model, x0, R, 0, 3)[0], x)  # (seed, run) alone
    assert not np.array_equal(near.start(model, x0, R, 0, 4)[0], x)
    assert near.exact_start(model, {"r": 0.5, "run": 3}, 0, 50) is not None


def test_remark_near_zas_as_data():
    """wu2019zas.remark_near_zas: GD at half Theorem 4.3's step from near-ZAS starts meeting
    (4.6) keeps the rate (sampled); every run's start met the relations."""
    from verify.registry import select

    (claim,) = select(["wu2019zas.remark_near_zas"])
    assert [c.name for c in claim.checks] == ["width2.rate_sweep", "width3.rate_sweep"]
    found = claim.checks[1].run(CheckContext(seed=0, quick=True))
    assert found.outcome is Outcome.SUPPORTS
    assert all(v.startswith("10 of 10 runs") for k, v in found.numbers.items()
               if k.startswith("near starts"))
