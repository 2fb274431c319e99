"""Inequalities at a model's minimisers (``at = "minimisers"``, verify/userclaims/minimisers.py):
hostile tables give a message naming the key; the check refutes only with a re-evaluated
counterexample whose replay rebuilds the same minimiser; the evidence is a sample."""

from __future__ import annotations

import time

import pytest

from verify.api import check
from verify.userclaims.build import claim_from_spec
from verify.userclaims.parse import parse_claims, parse_table
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome, Scope, Status, Strength

BASE = {"id": "t.min", "kind": "inequality", "at": "minimisers",
        "model": {"family": "deep_linear", "depth": "L", "width": 2,
                  "target": [["a", "0"], ["0", "b"]]},
        "integers": {"L": [2, 3]}, "params": {"a": [0.5, 2], "b": [0.5, 2]},
        "lhs": "sharpness", "relation": ">=", "rhs": "L*sv_1**(2*(L - 1)/L)"}


def _with(**changes) -> dict:
    table = {**BASE, **changes}
    return {k: v for k, v in table.items() if v is not None}


HOSTILE = {
    "at": _with(at="maxima"),
    "model.depth": _with(model={**BASE["model"], "depth": 10**9}, integers=None,
                         lhs="sharpness", rhs="sv_1"),
    "model.width": _with(model={**BASE["model"], "width": 1000}),
    "params": _with(params={"a": [float("nan"), 2], "b": [0.5, 2]}),
    "params.zero_step": _with(step="eta", params={"a": [0.5, 2], "b": [0.5, 2], "eta": [0, 1]}),
    "lhs": _with(lhs="curvature"),
    "rhs": _with(rhs="__import__('os').system('true')"),
    "relation": _with(relation="=="),
    "integers": _with(integers={"L": ">= 2"}),
    "fraction": _with(fraction="1"),
    "fraction.negative": _with(fraction=-0.5),
    "fraction.text": _with(fraction="most"),
    "fraction.bool": _with(fraction=True),
    "fraction.code": _with(fraction="__import__('os')"),
    "fraction.balanced": _with(at="balanced", fraction="1/2"),
    "fraction.plain": _with(at=None, model=None, integers=None, lhs="a", rhs="b",
                            fraction="1/2"),
}


@pytest.mark.parametrize("key", list(HOSTILE))
def test_hostile_tables_name_the_key(key):
    start = time.monotonic()
    result = parse_table(HOSTILE[key])
    assert isinstance(result, BadClaim), result
    assert result.key.split(".")[0] == key.split(".")[0], (result.key, result.message)
    assert f"key '{result.key}'" in result.message or result.key in result.message
    assert time.monotonic() - start < 5


def test_negative_step_is_refused():
    bad = parse_table(_with(step="eta", params={"a": [0.5, 2], "b": [0.5, 2],
                                                 "eta": [-1, -0.5]}))
    assert isinstance(bad, BadClaim) and bad.key == "params"


def test_families_without_a_minimiser_parametrisation_are_refused():
    for model in ({"family": "quadratic", "A": [["1", "0"], ["0", "2"]]},
                  {"family": "double_network", "depth": 2, "target": "1"}):
        bad = parse_table(_with(model=model, integers=None, lhs="sharpness", rhs="0"))
        assert isinstance(bad, BadClaim) and bad.key == "at", bad


def test_radius_needs_a_step():
    bad = parse_table(_with(lhs="radius", rhs="1"))
    assert isinstance(bad, BadClaim) and bad.key == "lhs"


def test_true_claim_is_sampled_and_false_twin_refuted_at_high_precision():
    # (the printed replay lines of examples/minimisers.toml are run by test_claim_language)
    results = {r.claim.id: r for r in check([parse_table(BASE), parse_table(
        _with(id="t.min-false", rhs="2*L*sv_1**(2*(L - 1)/L)"))], quick=True)}
    ok = results["t.min"]
    assert ok.status is Status.CONFIRMED and ok.strength is Strength.SAMPLED
    assert ok.evidence[0].coverage.scope is Scope.SAMPLE
    bad = results["t.min-false"]
    assert bad.status is Status.REFUTED
    cx = bad.evidence[0].counterexample
    assert cx is not None and cx.dps >= 50 and {"minimiser", "L", "a", "b"} <= set(cx.replay)
    assert float(cx.margin) < 0


def test_replay_rebuilds_the_named_minimiser():
    claim = claim_from_spec(parse_table(_with(rhs="2*L*sv_1**(2*(L - 1)/L)")))
    ctx = CheckContext(seed=3, quick=True, at={"L": "3", "a": "1.5", "b": "0.5",
                                                "minimiser": "7"})
    first, again = (claim.checks[0].run(ctx) for _ in range(2))
    assert first.outcome is Outcome.SUPPORTS or first.outcome is Outcome.REFUTES
    assert first.detail == again.detail


def test_strict_relation_at_an_equality_is_undecided():
    claim = claim_from_spec(parse_table(_with(relation=">", integers={"L": [2, 2]})))
    finding = claim.checks[0].run(CheckContext(seed=0, quick=True))
    assert finding.outcome is Outcome.UNDECIDED and "equality" in finding.detail


def test_balanced_minimiser_attains_corollary_1_and_a_lower_bound_is_refuted():
    equal = _with(id="t.bal", at="balanced", relation="<=")
    below = _with(id="t.bal-false", at="balanced", relation="<=",
                  rhs="99/100*L*sv_1**(2*(L - 1)/L)")
    results = {r.claim.id: r for r in check([parse_table(equal), parse_table(below)])}
    assert results["t.bal"].status is Status.CONFIRMED
    numbers = results["t.bal"].evidence[0].numbers
    assert {v for k, v in numbers.items() if k.startswith("minimisers per point")} == {"1"}
    refuted = results["t.bal-false"]
    assert refuted.status is Status.REFUTED
    assert refuted.evidence[0].counterexample.replay["minimiser"] == "0"


def test_non_integer_minimiser_replay_is_a_usage_error():
    from verify.replay import ReplayError

    claim = claim_from_spec(parse_table(BASE))
    ctx = CheckContext(seed=0, quick=True, at={"L": "2", "a": "1", "b": "1", "minimiser": "1.5"})
    with pytest.raises(ReplayError):
        claim.checks[0].run(ctx)


def test_share_of_minimisers_supports_or_is_undecided_never_refuted():
    """``fraction``: more than f of each point's sampled minimisers; a share of a sample
    depends on the sampling, so a share at or below f is undecided, not a refutation."""
    unstable = _with(id="t.share", integers={"L": [2, 2]}, relation=">",
                     rhs="L*sv_1**(2*(L - 1)/L)/(99/100)", fraction="1/2")
    every = _with(id="t.share-95", integers={"L": [2, 2]}, relation=">",
                  rhs="L*sv_1**(2*(L - 1)/L)/(99/100)", fraction="95/100")
    results = {r.claim.id: r for r in check([parse_table(unstable), parse_table(every)],
                                            quick=True)}
    ok = results["t.share"]
    assert ok.status is Status.CONFIRMED and ok.strength is Strength.SAMPLED
    assert "more than 1/2 of the sampled minimisers" in ok.evidence[0].detail
    short = results["t.share-95"]
    assert short.status is Status.INCONCLUSIVE
    assert short.evidence[0].outcome is Outcome.UNDECIDED
    assert short.evidence[0].counterexample is None and "does not refute" in short.evidence[0].detail


def test_a_chain_of_rectangular_layers_has_no_minimisers_to_sample():
    """Its family parametrises the minimisers of square chains only: the error says this
    model has none (not that the family has none)."""
    (spec,) = parse_claims('''[[claim]]
id = "t.rect"
kind = "inequality"
at = "minimisers"
model = { family = "deep_linear", depth = 2, widths = [2, 3, 1], target = [["p1", "p2"]] }
params = { p1 = [-1, 1], p2 = [-1, 1] }
lhs = "sharpness"
relation = ">="
rhs = "0"
''')
    assert isinstance(spec, BadClaim) and spec.key == "at"
    assert "this model has no parametrisation of its minimisers" in spec.message
