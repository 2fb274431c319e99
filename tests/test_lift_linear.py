"""Strengths of the deep linear, identity, ReLU and slides-statement claims (issue 18).

Every ``proven`` claim must rest on an exact check whose declared class equals the claim's
stated scope; the lifted claims are pinned to ``proven``.
"""

from __future__ import annotations

import pytest

from proofs import general_depth as G
from verify.papers import nar2018step_linear, nar2018step_relu
from verify.vocabulary import Outcome, Scope, Status, Strength, Tier

MODULES = (nar2018step_linear, nar2018step_relu)
OWN = {c.id for m in MODULES for c in m.CLAIMS}

PROVEN = (
    "nar2018step.lemma3", "nar2018step.lemma4", "nar2018step.lemma4_depth_one",
    "nar2018step.lemma4_proof_amended",
    "nar2018step.sec2_not_isolated_amended",
    "nar2018step.thm4_tight", "nar2018slides.disproportionate", "nar2018slides.subset",
)


@pytest.mark.parametrize("cid", PROVEN)
def test_lifted_claims_are_proven(quick_results, cid):
    result = quick_results[cid]
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN, (
        result.strength_basis, [e.detail for e in result.evidence])


@pytest.mark.parametrize("cid", sorted(OWN))
def test_proven_claims_rest_on_evidence_covering_their_scope(quick_results, cid):
    result = quick_results[cid]
    if result.strength is not Strength.PROVEN:
        return
    claim = next(c for m in MODULES for c in m.CLAIMS if c.id == cid)
    deciding = [e for e in result.evidence if e.outcome is Outcome.SUPPORTS
                and e.tier in (Tier.SYMBOLIC, Tier.CERTIFIED) and e.coverage is not None
                and e.coverage.scope is Scope.CLASS and e.coverage.decides]
    assert any(dict(e.coverage.covers) == dict(claim.scope) for e in deciding)


@pytest.mark.parametrize("cid", sorted(OWN))
def test_every_supporting_check_declares_coverage(quick_results, cid):
    for e in quick_results[cid].evidence:
        if e.outcome is Outcome.SUPPORTS:
            assert e.coverage is not None, e.check


# The slides' statements on the deep scalar chain, data in verify/papers/nar2018slides.toml: the
# ones about matrix layers of any width are proven on their width-1 instance only.
SLIDES_DATA = {"nar2018slides.many_minima": Strength.PROVEN_ON_INSTANCES,
               "nar2018slides.different_dynamics": Strength.PROVEN_ON_INSTANCES,
               "nar2018slides.disproportionate": Strength.PROVEN,
               "nar2018slides.subset": Strength.PROVEN,
               "nar2018slides.no_lipschitz": Strength.PROVEN,
               "nar2018slides.ols_contrast": Strength.PROVEN}


@pytest.mark.parametrize("cid", SLIDES_DATA)
def test_slides_chain_claims_as_data(quick_results, cid):
    """Each part of a proven claim rests on an exact check covering the claim's class (its
    parts' boxes, L >= 2 for every depth); the any-width ones state the wider class."""
    result = quick_results[cid]
    assert cid not in OWN  # no Python claim of the slides module any more
    assert (result.status, result.strength) == (Status.CONFIRMED, SLIDES_DATA[cid])
    scope = dict(result.claim.scope)
    if result.strength is Strength.PROVEN_ON_INSTANCES:
        assert scope["widths"] == "any" and scope["L"] == ">= 2"
        return
    assert scope["L"] == ">= 2"
    for part in result.claim.parts:
        assert any(e.coverage is not None and e.coverage.part == part
                   and e.coverage.scope is Scope.CLASS and e.tier is Tier.SYMBOLIC
                   and dict(e.coverage.covers) == scope for e in result.evidence), part


def test_every_claim_states_its_class():
    missing = [c.id for m in MODULES for c in m.CLAIMS
               if c.scope is None and not c.control and not c.not_checkable]
    assert not missing


@pytest.mark.parametrize("steps", [G.lemma3_steps, G.lemma4_steps])
def test_every_step_of_the_general_depth_proofs_is_proven(steps):
    facts = steps()
    assert facts and all(v is True for v in facts.values()), facts


def test_a_false_step_is_not_proven():
    """The step machinery can fail: mu(r) with the wrong power (2L - 1) is not the printed one."""
    import sympy as sp
    wrong = 1 - G.delta * G.L * G.r ** (2 * G.L - 1)
    assert G.prove_zero(sp.powsimp(wrong - (1 - G.delta * G.L * G.r ** (2 * G.L - 2)))) \
        is not True
