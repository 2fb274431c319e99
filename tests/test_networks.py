"""Relations over drawn residual ReLU networks (``at = "networks"``,
:mod:`verify.userclaims.networks`): hostile tables name their key quickly and never with a
traceback; the dual-number derivatives agree with exact difference quotients; a claim citing a
derivation whose class it leaves borrows no proof and is refuted by its own search; a replay
outside the claim's ranges is refused.  The worked file is examples/networks.toml (its verdicts
and replay lines: tests/test_claim_language.py)."""

from __future__ import annotations

import time
from fractions import Fraction

import numpy as np
import pytest

from verify.registry import select
from verify.replay import ReplayError
from verify.runner import run_claim
from verify.userclaims import networks as nw
from verify.userclaims.build import claim_from_spec
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome, Status, Strength

NET = ('networks = { family = "relu_resnet", inputs = [1, 2], depths = [1, 2], widths = [1, 2], '
       'samples = [20, 10], W = "[0, 1]", V = "[0, 1]", b = "[0, 1]", c = "[1/10, 1]", '
       'd = "[-1, 1]", x = "[-2, 2]" }\n')
BODY = 'kind = "inequality"\nat = "networks"\n'
SIDES = 'lhs = "f(x)"\nrelation = "<="\nrhs = "f(x) + 1"'

HOSTILE = {
    'networks = 3\n' + SIDES: "networks",
    NET.replace('"relu_resnet"', '"quadratic"') + SIDES: "networks.family",
    NET.replace("depths = [1, 2]", "depths = [0, 2]") + SIDES: "networks.depths",
    NET.replace("depths = [1, 2]", "depths = [1, 200]") + SIDES: "networks.depths",
    NET.replace("[20, 10]", "[1000000000, 10]") + SIDES: "networks.samples",
    NET.replace('W = "[0, 1]"', 'W = "[1, 0]"') + SIDES: "networks.W",
    NET.replace('W = "[0, 1]"', 'W = "[0, nan]"') + SIDES: "networks.W",
    NET.replace('W = "[0, 1]"', 'W = "[0, 1e999]"') + SIDES: "networks.W",
    NET.replace('W = "[0, 1]"', 'W = "I"') + SIDES: "networks.W",
    NET.replace('W = "[0, 1]", ', '') + SIDES: "networks",
    NET.replace('x = "[-2, 2]"', 'x = "[-2, 2]", data = [2]') + SIDES: "networks.data",
    NET + 'lhs = "f(x).__class__"\nrelation = "<="\nrhs = "1"': "lhs",
    NET + 'lhs = "open(1)"\nrelation = "<="\nrhs = "1"': "lhs",
    NET + 'lhs = "f(x, y)"\nrelation = "<="\nrhs = "1"': "lhs",
    NET + 'lhs = "z"\nrelation = "<="\nrhs = "1"': "lhs",
    NET + 'lhs = "f(x)"\nrelation = "=="\nrhs = "1"': "relation",
    NET + 'relations = ["f(x) == 1"]': "relations",
    NET + 'relations = []': "relations",
    NET + 'condition = ["x"]\n' + SIDES: "condition",
    NET + 'step = "eta"\n' + SIDES: "step",
    NET + SIDES + '\nderivation = "os.system"': "derivation",
}


@pytest.mark.parametrize("body", list(HOSTILE))
def test_hostile_network_claims_name_the_key(body):
    start = time.perf_counter()
    [out] = parse_claims(f'[[claim]]\nid = "h.one"\n{BODY}{body}\n')
    named = isinstance(out, BadClaim) and out.key == HOSTILE[body]
    assert named and "Traceback" not in out.message and time.perf_counter() - start < 2, out


def test_at_networks_goes_with_an_identity_or_inequality():
    out = parse_claims(f'[[claim]]\nid = "h.one"\nkind = "cycle"\nat = "networks"\n{NET}')[0]
    assert isinstance(out, BadClaim) and out.key == "at"


def _claim(text: str):
    [spec] = parse_claims(f'[[claim]]\nid = "t.one"\n{text}\n')
    assert not isinstance(spec, BadClaim), spec
    return spec


def test_dual_derivatives_agree_with_exact_difference_quotients():
    spec = _claim(BODY + NET.replace('"[0, 1]"', '"[-1, 1]"') + SIDES)
    comp = nw.Compiled(spec.networks)
    rng = np.random.default_rng(3)
    eps = Fraction(1, 10 ** 12)
    checked = 0
    for _ in range(20):
        net = comp.draw(rng)
        try:
            g = net.derivative(net.x)
        except nw.Kink:
            continue
        for j in range(net.n):
            step = np.zeros((net.n, 1), dtype=object)
            step[j, 0] = eps
            quotient = (net.f(net.x + step) - net.f(net.x)) / eps
            assert abs(quotient - g[j, 0]) < Fraction(1, 10 ** 6)  # one linear piece
            checked += 1
    assert checked > 10


def test_a_shape_mismatch_is_an_error_not_a_verdict():
    spec = _claim('kind = "identity"\nat = "networks"\n' + NET.replace("widths = [1, 2]",
                  "widths = [2]").replace("inputs = [1, 2]", "inputs = [3]")
                  + 'lhs = "grad(x)"\nrhs = "W(1)*c"')
    result = run_claim(claim_from_spec(spec), seed=0, quick=True, dps=50)
    assert result.status is Status.ERROR
    assert "product" in result.evidence[0].detail


def test_a_claim_leaving_the_derivations_class_borrows_no_proof():
    """eq7's statement cites W >= 0; the same relation with W of either sign is refuted by its
    own search, and its derivation check says what differs."""
    text = (BODY + NET.replace('W = "[0, 1]"', 'W = "[-1, 1]"').replace("[20, 10]", "[200, 60]")
            + 'derivation = "nar2018resnet.eq7"\nlhs = "f(t*x + (1 - t)*y)"\nrelation = "<="\n'
            'rhs = "t*f(x) + (1 - t)*f(y)"')
    result = run_claim(claim_from_spec(_claim(text)), seed=0, quick=True, dps=50)
    assert result.status is Status.REFUTED
    cited = next(e for e in result.evidence if e.check == "derivation")
    assert cited.outcome is Outcome.UNDECIDED and "networks.W" in str(cited.numbers)


def test_the_paper_claims_are_proven_by_their_derivations():
    for cid in ("nar2018resnet.eq7", "nar2018resnet.eq12_amended"):
        result = run_claim(select([cid])[0], seed=0, quick=True, dps=50)
        assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN
        search = next(e for e in result.evidence if e.check == "networks_search")
        assert search.outcome is Outcome.SUPPORTS and "cross-check" in search.detail


def test_a_replay_outside_the_ranges_is_refused():
    spec = _claim(BODY + NET + SIDES)
    [check] = nw.networks_checks(spec)[0]
    at = {"W1": "[[-1]]", "V1": "[[1]]", "b1": "[[0]]", "c": "[[1]]", "d": "0", "x": "[[1]]",
          "y": "[[0]]", "t": "1/2"}
    with pytest.raises(ReplayError, match="W leaves"):
        check.run(CheckContext(seed=0, quick=True, at=at))
    at["W1"] = "[[1/2]]"
    assert check.run(CheckContext(seed=0, quick=True, at=at)).outcome is Outcome.SUPPORTS
