"""The strength of a confirmed verdict is derived from declared coverage, never from the tier."""

from __future__ import annotations

import pytest

from verify.vocabulary import (
    Claim, Coverage, Evidence, Outcome, Reference, Scope, Status, Strength, Tier, strength,
)

BOX = {"delta": "[1/100, 1]"}


def _claim(scope=BOX) -> Claim:
    return Claim(id="t.c", ref=Reference("t", "here"), statement="", hypotheses={}, asserts="",
                 checks=(), scope=scope)


def _ev(tier: Tier, coverage: Coverage | None, outcome=Outcome.SUPPORTS) -> Evidence:
    return Evidence(check=f"{tier.value}_check", tier=tier, outcome=outcome, detail="",
                    numbers={}, counterexample=None, reproduce="", seconds="0",
                    coverage=coverage)


def test_exact_class_proof_of_the_stated_box_is_proven():
    ev = [_ev(Tier.SYMBOLIC, Coverage(Scope.CLASS, BOX)),
          _ev(Tier.EMPIRICAL, Coverage(Scope.SAMPLE, BOX, points=100))]
    how, basis = strength(_claim(), ev, Status.CONFIRMED)
    assert how is Strength.PROVEN and "delta in [1/100, 1]" in basis


def test_proof_on_a_smaller_box_is_only_on_instances():
    ev = [_ev(Tier.CERTIFIED, Coverage(Scope.CLASS, {"delta": "[1/10, 1]"}))]
    how, basis = strength(_claim(), ev, Status.CONFIRMED)
    assert how is Strength.PROVEN_ON_INSTANCES and "[1/10, 1]" in basis


def test_listed_instances():
    ev = [_ev(Tier.SYMBOLIC, Coverage(Scope.INSTANCES, {"L": "{2, 3, 4}", "d": "= 2"}))]
    how, basis = strength(_claim({"L": ">= 2"}), ev, Status.CONFIRMED)
    assert how is Strength.PROVEN_ON_INSTANCES and "L in {2, 3, 4}" in basis and "d = 2" in basis


@pytest.mark.parametrize("tier", [Tier.EMPIRICAL, Tier.PRECISE])
def test_sampling_tiers_never_prove_whatever_they_declare(tier):
    ev = [_ev(tier, Coverage(Scope.CLASS, BOX))]
    assert strength(_claim(), ev, Status.CONFIRMED)[0] is Strength.SAMPLED


def test_a_side_fact_does_not_count():
    ev = [_ev(Tier.SYMBOLIC, Coverage(Scope.CLASS, BOX, decides=False)),
          _ev(Tier.PRECISE, Coverage(Scope.SAMPLE, BOX, points=40))]
    how, basis = strength(_claim(), ev, Status.CONFIRMED)
    assert how is Strength.SAMPLED and "40 points" in basis


def test_no_stated_class_means_no_proof():
    ev = [_ev(Tier.SYMBOLIC, Coverage(Scope.CLASS, BOX))]
    assert strength(_claim(scope=None), ev, Status.CONFIRMED)[0] is Strength.PROVEN_ON_INSTANCES


def test_undeclared_coverage_is_sampled_and_says_so():
    how, basis = strength(_claim(), [_ev(Tier.SYMBOLIC, None)], Status.CONFIRMED)
    assert how is Strength.SAMPLED and "declared" in basis


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.CONFIRMED])
def test_only_confirmed_claims_have_a_strength(status):
    ev = [_ev(Tier.SYMBOLIC, Coverage(Scope.CLASS, BOX))]
    assert strength(_claim(), ev, status) == (None, "")


def test_every_proven_claim_rests_on_a_proof_of_exactly_its_stated_class(quick_results):
    """Issue 18's guard: no claim is ``proven`` unless exact or certified evidence that decides
    it (or proves each of its parts) covers exactly the class the claim states."""
    proven = [r for r in quick_results.values() if r.strength is Strength.PROVEN]
    for r in proven:
        assert r.claim.scope is not None, r.claim.id
        exact = [e for e in r.evidence if e.outcome is Outcome.SUPPORTS and e.coverage
                 and e.tier in (Tier.SYMBOLIC, Tier.CERTIFIED)
                 and e.coverage.scope is Scope.CLASS
                 and dict(e.coverage.covers) == dict(r.claim.scope)]
        parts = {e.coverage.part for e in exact}
        assert any(e.coverage.decides for e in exact) or (
            r.claim.parts and set(r.claim.parts) <= parts), r.claim.id


def test_strength_is_recorded_for_every_confirmed_claim(quick_results):
    for r in quick_results.values():
        assert (r.strength is not None) == (r.status is Status.CONFIRMED), r.claim.id
