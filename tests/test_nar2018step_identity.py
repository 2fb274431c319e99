"""Section 3 and Appendices B, C of Nar & Sastry (2018): engines, derivations and checks.

Engines are checked against values worked out by hand; each check factory is run on a
deliberately wrong variant of its claim and must refute it (or, for the checks that can only
support, come out undecided); the claims' statuses are pinned as a regression.
"""

from __future__ import annotations

import pytest

from verify.vocabulary import CheckContext, Outcome, Status, Strength

CTX = CheckContext(seed=1, quick=True, dps=40)


# ---------------------------------------------------------------- the claims (regression)

# the Section 3 and Appendix B, C claims, all data (verify/papers/nar2018step_depth.toml and
# nar2018step_identity.toml)
DATA = {
    "nar2018step.thm2": Status.REFUTED,  # a proven sublinear witness along a zero eigenvalue
    "nar2018step.remark4_explanation": Status.NOT_CHECKABLE,
    "nar2018step.lemma4_proof_amended": Status.CONFIRMED,
    "nar2018step.lemma3": Status.CONFIRMED,  # cites the derivation for every L >= 1
    "nar2018step.lemma4": Status.CONFIRMED,  # on L >= 2; the edge L = 1 is a caveat ...
    "nar2018step.thm2_amended": Status.CONFIRMED,  # sampled: three bounds in t, float64 sweeps
    "nar2018step.remark4": Status.CONFIRMED,  # proven for every width (matrices of free size)
    "nar2018step.thm3_pre": Status.REFUTED,
    "nar2018step.thm3_pre_amended": Status.CONFIRMED,
    "nar2018step.lemma4_depth_one": Status.CONFIRMED,  # ... stated on its own: w -> lam
    "nar2018step.lemma4_proof": Status.REFUTED,
    "nar2018step.thm2_proof": Status.CONFIRMED,
    "nar2018step.sec3_opening_amended": Status.CONFIRMED,
    "nar2018step.remark3": Status.CONFIRMED,
    "nar2018step.thm3": Status.CONFIRMED,
    "nar2018slides.most_optima_unstable": Status.CONFIRMED,
    "nar2018slides.identity_tight_amended": Status.CONFIRMED,
    "nar2018step.sec3_opening": Status.REFUTED,  # r = 1/10, L = 2 diverges at 0.499 x (4)
}


@pytest.mark.parametrize("cid", sorted(DATA))
def test_claim_status_quick(quick_results, cid):
    result = quick_results[cid]
    assert result.status is DATA[cid], [e.detail for e in result.evidence]
    for e in result.evidence:
        if e.outcome is Outcome.REFUTES:
            assert e.counterexample is not None and e.counterexample.replay


def test_thm2_is_refuted_by_a_proven_witness_not_a_fit(quick_results):
    """Theorem 2 as data: the definite part holds (the beta_max sweep); along a zero
    eigenvalue the cited derivation's power-law envelope refutes "some linear rate" exactly,
    with a replay line naming the depth and the step."""
    result = quick_results["nar2018step.thm2"]
    (ev,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    assert ev.check == "kernel.witness" and ev.tier.value == "symbolic"
    assert ev.counterexample.replay == {"L": "2", "delta": "501/2000"}
    assert "--at L=2,delta=501/2000" in ev.reproduce
    definite = next(e for e in result.evidence if e.check == "definite.rate_sweep")
    assert definite.outcome is Outcome.SUPPORTS


def test_remark4_explanation_is_not_checkable_with_its_reduced_check(quick_results):
    result = quick_results["nar2018step.remark4_explanation"]
    assert "ResNet" in result.claim.not_checkable
    (ev,) = result.evidence
    assert ev.check == "convergence_sweep" and ev.outcome is Outcome.SUPPORTS


def test_lemma4_proof_amended_is_proven_part_by_part(quick_results):
    result = quick_results["nar2018step.lemma4_proof_amended"]
    assert result.strength is Strength.PROVEN and len(result.claim.parts) == 8
    cited = next(e for e in result.evidence if e.check == "factor_in_0_1.derivation")
    assert cited.outcome is Outcome.SUPPORTS


def test_lemma4_edge_is_a_caveat_with_its_own_claim(quick_results):
    """Issue 17's edge rule: Lemma 4 is checked on its intended scope (deep chains, L >= 2);
    the edge L = 1, where it fails, is a caveat of the headline and a claim of its own."""
    from verify.results import claim_record

    headline = quick_results["nar2018step.lemma4"]
    edge = quick_results["nar2018step.lemma4_depth_one"]
    assert headline.claim.scope["L"] == ">= 2" and "L = 1" in headline.claim.caveat
    # the edge is data (nar2018step_depth.toml): L = 1's loss, lam < 0 and the step range as
    # delta = 1/((1 + s)(1 - lam)), s >= 0
    assert edge.claim.amends == "nar2018step.lemma4" and edge.claim.scope["lam"] == "< 0"
    assert edge.claim.scope["s"] == ">= 0" and edge.strength is Strength.PROVEN
    assert claim_record(headline)["caveat"] == headline.claim.caveat
    assert claim_record(edge)["caveat"] is None


def test_thm3_pre_data_refutes_at_an_odd_depth_above_the_step_condition(quick_results):
    """The sentence before Theorem 3 as data (nar2018step_identity.toml): its sign part is
    refuted at an odd L with delta > 1/(1 - lam) (w crosses 0, w^L reaches lam < 0); the
    amendment (even L, or delta <= 1/(1 - lam)) holds, and both keep the tightness part."""
    printed = quick_results["nar2018step.thm3_pre"]
    (bad,) = [e for e in printed.evidence if e.outcome is Outcome.REFUTES]
    at = bad.counterexample.at
    assert bad.check == "sign.trajectory_search" and int(at["L"]) % 2 == 1
    assert float(at["delta"]) * (1 - float(at["lam"])) > 1
    amended = quick_results["nar2018step.thm3_pre_amended"]
    assert amended.claim.amends == "nar2018step.thm3_pre"
    assert amended.strength is Strength.SAMPLED
    for result in (printed, amended):
        (tight,) = [e for e in result.evidence if e.check == "tight.trajectory_search"]
        assert tight.outcome is Outcome.SUPPORTS


def test_lemmas_3_and_4_are_proven_by_their_cited_derivations(quick_results):
    """Lemmas 3 and 4 as data (nar2018step_identity.toml) cite the derivations of
    proofs/general_depth.py: each claim states exactly the statement, so it is proven for the
    whole class, and its searches say they are a cross-check of the derivation."""
    for cid, derivations in (("nar2018step.lemma3", 2), ("nar2018step.lemma4", 1)):
        result = quick_results[cid]
        assert result.strength is Strength.PROVEN
        cited = [e for e in result.evidence if e.check.endswith("derivation")]
        assert len(cited) == derivations and all(e.outcome is Outcome.SUPPORTS for e in cited)
        searches = [e for e in result.evidence if e.check.endswith("_search")]
        assert searches and all("a cross-check" in e.detail for e in searches)


_LEMMA = """
[[claim]]
id = "t.lemma"
model = {{ family = "deep_linear", depth = "L", width = 1, target = "lam", init = "1" }}
integers = {{ L = {depths} }}
step = "delta"
kind = "{kind}"
derivation = "{name}"
params = {{ delta = ["1/1000", 1], lam = {lam} }}
assume = ["{assume}"]
{keys}
"""
_LEMMA3 = {"kind": "rate", "name": "nar2018step.lemma3.lam_above_1", "lam": '["11/10", 4]',
           "keys": 'metric = "Abs(w1 - lam**(1/L))"\nsteps = 10\n'
                   'bound = "(1 - delta*(lam - 1)/(lam**(1/L) - 1))**t*metric0"'}
_LEMMA4 = {"kind": "trajectory", "name": "nar2018step.lemma4", "lam": '[-4, "-1/10"]',
           "keys": 'quantity = "Abs(w1)"\nmonotone = "nonincreasing"\nsteps = 20'}


@pytest.mark.parametrize("lemma, assume, depths, printed", [
    (_LEMMA3, "delta <= lam**(-2*(L - 1)/L)/L", "[1, 10, 3]", True),  # L = 1, 4, 7, 10
    (_LEMMA3, "delta <= 2*lam**(-2*(L - 1)/L)/L", "[2, 3]", False),  # a doubled delta_c
    (_LEMMA4, "delta <= 1/(1 - lam)", "[2, 7, 5]", True),
    (_LEMMA4, "delta <= 2/(1 - lam)", "3", False),  # beyond the bound, odd L: w -> -|lam|^(1/L)
])
def test_lemma_data_true_and_false_twins(tmp_path, lemma, assume, depths, printed):
    """The claims as a reviewer would copy them: the printed threshold is proven by the
    derivation (a progression of depths, as the claim's own, included); a doubled one differs
    from the statement (the derivation lends nothing) and its search refutes it with a
    counterexample whose replay line re-checks the point."""
    import shlex

    from verify.api import check
    from verify.cli import main

    path = tmp_path / "lemma.toml"
    path.write_text(_LEMMA.format(depths=depths, assume=assume, **lemma))
    (result,) = check(str(path), quick=True)
    cited = next(e for e in result.evidence if e.check == "derivation")
    if printed:
        assert result.strength is Strength.PROVEN and cited.outcome is Outcome.SUPPORTS
        return
    assert cited.outcome is Outcome.UNDECIDED and "assume" in cited.detail
    assert result.status is Status.REFUTED
    (bad,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    assert {"L", "delta", "lam"} <= set(bad.counterexample.replay)
    out = str(tmp_path / "replay")  # the replay line as printed re-checks that one point
    assert main([*shlex.split(bad.reproduce)[3:], "--no-progress", "--out", out]) == 1


_KERNEL = """
[[claim]]
id = "t.kernel"
kind = "{kind}"
model = {{ family = "deep_linear", depth = "L", width = 1, target = "0", init = "1" }}
integers = {{ L = [2, 3] }}
step = "delta"
params = {{ delta = ["1/100", "1/2"] }}
{keys}
steps = 40
"""
# along ker R (Theorem 2 amended): w' = w (1 - delta w^(2L-2)) stays above the lower envelope;
# a geometric bound (a linear rate) fails, and so does the envelope without its (1 - delta)
# factor, which is no lower bound
_ENVELOPE = "(1 + (2*L - 2)*delta*(1 - delta)**(1 - 2*L)*t)**(-1/(2*L - 2))"


@pytest.mark.parametrize("kind, keys, holds", [
    ("trajectory", f'quantity = "w1"\nrelation = ">="\nbound = "{_ENVELOPE}"', True),
    ("trajectory", ('quantity = "w1"\nrelation = ">="\n'
                    'bound = "(1 + (2*L - 2)*delta*t/2)**(-1/(2*L - 2))"'), False),
    ("rate", f'metric = "-w1"\nbound = "-{_ENVELOPE}"\nsweep = 40', True),
    ("rate", 'metric = "Abs(w1)"\nbound = "(1 - delta/2)**t"\nsweep = 40', False),
])
def test_kernel_power_law_bounds_in_t(tmp_path, kind, keys, holds):
    """A bound in t (trajectory, and rate with a sweep): the power-law envelopes of
    nar2018step.thm2_amended hold; a geometric bound and a too-low envelope are refuted with a
    counterexample whose replay line re-checks the point."""
    import shlex

    from verify.api import check
    from verify.cli import main

    path = tmp_path / "kernel.toml"
    path.write_text(_KERNEL.format(kind=kind, keys=keys))
    (result,) = check(str(path), quick=True)
    if holds:
        assert result.status is Status.CONFIRMED, [e.detail for e in result.evidence]
        return
    assert result.status is Status.REFUTED
    (bad,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    assert "delta" in bad.counterexample.replay
    out = str(tmp_path / "replay")
    assert main([*shlex.split(bad.reproduce)[3:], "--no-progress", "--out", out]) == 1
