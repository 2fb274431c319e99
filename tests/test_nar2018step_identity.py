"""Section 3 and Appendices B, C of Nar & Sastry (2018): engines, derivations and checks.

Engines are checked against values worked out by hand; each check factory is run on a
deliberately wrong variant of its claim and must refute it (or, for the checks that can only
support, come out undecided); the claims' statuses are pinned as a regression.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics import scalar_chain as sc
from proofs import identity_init as P
from verify.checks import identity_init as C
from verify.papers import nar2018step_identity as M
from verify.vocabulary import CheckContext, Outcome, Status, Strength

CTX = CheckContext(seed=1, quick=True, dps=40)


# ---------------------------------------------------------------- numerics.scalar_chain

def test_chain_step_by_hand():
    # L = 2, lam = 4, delta = 1/10 from w = 1: 1 - 0.1 * 1 * (1 - 4) = 1.3
    assert sc.chain_step(1.0, 4.0, 0.1, 2) == pytest.approx(1.3, abs=1e-15)
    # L = 3, lam = -1, delta = 1/2: 1 - 0.5 * 1 * (1 + 1) = 0 (Lemma 4's equality case)
    assert sc.chain_step(1.0, -1.0, 0.5, 3) == 0.0


def test_delta_c_and_beta_by_hand():
    assert sc.delta_c(4.0, 2) == pytest.approx(1 / 8)  # 1/(L lam^(2(L-1)/L)) = 1/(2*4)
    assert sc.delta_c(0.25, 2) == pytest.approx(2 / 3)  # (1 - 1/2)/(1 - 1/4)
    assert sc.delta_c(1.0, 5) == pytest.approx(0.2)
    # lam = 4, L = 2: beta = 1 - delta (4 - 1)/(2 - 1) = 1 - 3 delta
    assert sc.beta(0.1, 4.0, 2) == pytest.approx(0.7)
    # lam = 1/4, L = 2: beta = 1 - delta * 2 * (1/4) = 1 - delta/2
    assert sc.beta(0.1, 0.25, 2) == pytest.approx(0.95)
    assert sc.bound4(4.0, 2) == pytest.approx(0.25)
    assert sc.thm2_bound(4.0, 2) == pytest.approx(0.125)
    assert sc.thm2_bound(0.25, 2) == pytest.approx(0.5)
    assert sc.thm3_bound(-3.0, 3.0, 2) == pytest.approx(min(1 / 4, 1 / 2, 1 / 6))


def test_precise_and_float_orbits_agree():
    with mpmath.workdps(40):
        exact = sc.orbit_precise("3", "0.05", 3, 50, 40)
        fl = sc.orbits(np.array([3.0]), np.array([0.05]), 3, 50)[:, 0]
        assert max(abs(float(a) - b) for a, b in zip(exact, fl)) < 1e-12
        # the mpmath delta_c keeps its precision
        assert abs(sc.delta_c(mpmath.mpf(4), 2) - mpmath.mpf(1) / 8) < mpmath.mpf(10) ** -35


def test_fits_recover_known_rates():
    k = np.arange(200)
    assert sc.fit_rate(3.0 * 0.9 ** k, 10) == pytest.approx(0.9, rel=1e-12)
    assert sc.fit_power(5.0 / np.maximum(k, 1) ** 0.5, 10) == pytest.approx(-0.5, rel=1e-9)
    assert math.isnan(sc.fit_rate(np.zeros(10), 0))


def test_escape_becomes_nan():
    o = sc.orbits(np.array([0.1]), np.array([5.0]), 2, 30)
    assert np.isnan(o[-1, 0])


# ---------------------------------------------------------------- proofs.identity_init

@pytest.mark.parametrize("L", [2, 3, 4])
def test_lemma3_displays_derive(L):
    f = C.exact_displays("lemma3_displays", M._lemma3_items, (L,), "test").run(CTX)
    assert f.outcome is Outcome.SUPPORTS
    assert set(f.numbers.values()) <= {"identical", "proven"}
    assert P.one_step_landing(L)


def test_lemma4_facts():
    assert [len(P.real_roots_of(L, -1)) for L in (2, 3, 4, 5)] == [0, 1, 0, 1]
    assert P.lemma4_boundary(2) == (0, sp.Rational(1, 2))
    assert P.lemma4_boundary(3) == (0, 1)
    lhs, rhs = P.lemma4_lower_gap(4)
    assert sp.expand(lhs - rhs) == 0


def test_identity_run_symmetric_stays_commuting():
    rng = np.random.default_rng(2)
    Rs, Us, eigs = C._targets(((0.5, 2.0),), 4, rng)
    h = C.identity_run(Rs, 3, np.array([0.05]), 50, None, Rs)
    assert np.nanmax(h["asym"]) < 1e-12 and np.nanmax(h["comm"]) < 1e-12
    R = np.triu(np.ones((3, 3)))
    hn = C.identity_run(R[None], 3, np.array([0.05]), 50, None, R[None])
    assert np.nanmax(hn["asym"]) > 1e-3


# ---------------------------------------------------------------- wrong variants are caught

def test_exact_displays_refutes_a_wrong_delta_c():
    def wrong(L):
        return [("delta_c doubled", 2 * P.printed_delta_c(L)["lam < 1"],
                 P.endpoint_bounds(L)["delta: mu(1)=0"])]
    f = C.exact_displays("x", wrong, (2,), "test").run(CTX)
    assert f.outcome is Outcome.REFUTES and f.counterexample.at["L"] == "2"


def test_exact_displays_counts_only_true_as_proven():
    # a falsy fact that is not the bool False (numpy, SymPy) still refutes; None is undecided
    for fact in (np.False_, sp.false, 0):
        f = C.exact_displays("x", lambda L, v=fact: [("fact", v)], (2,), "test").run(CTX)
        assert f.outcome is Outcome.REFUTES and f.numbers["L=2: fact"] == "false"
    f = C.exact_displays("x", lambda L: [("fact", None)], (2,), "test").run(CTX)
    assert f.outcome is Outcome.UNDECIDED
    # an undecided step is neither proven nor disproven in a conjunction
    assert P._all_proven([True, None]) is None and P._all_proven([None, False]) is False
    assert P._all_proven([True, True]) is True


def test_chain_rate_refutes_a_doubled_delta_c():
    wrong = lambda lam, L: 2 * sc.delta_c(lam, L)
    f = C.chain_rate_precise((2,), ("4",), ("1",), delta_c=wrong).run(CTX)
    assert f.outcome is Outcome.REFUTES
    f = C.chain_rate_precise((2, 5), ("0.3", "4"), ("1", "0.5")).run(CTX)
    assert f.outcome is Outcome.SUPPORTS


def test_identity_gd_refutes_a_too_fast_rate():
    half = lambda d, lam, L: 0.5 * sc.beta(d, lam, L)
    f = C.identity_gd_psd((2,), ((0.3, 2.0),), (1.0,), rate=half).run(CTX)
    assert f.outcome is Outcome.REFUTES
    assert f.counterexample.replay["L"] == "2"


def test_linear_rate_refutes_on_a_kernel_only():
    f = C.linear_rate_precise((2,), ((0.0, 1.0),), zero_is_linear=True).run(CTX)
    assert f.outcome is Outcome.REFUTES and f.counterexample.at["lam"] == "0"
    f = C.linear_rate_precise((2,), ((0.3, 1.0),), zero_is_linear=True).run(CTX)
    assert f.outcome is Outcome.SUPPORTS
    # a kernel direction that does not decay as k^(-1/(2L-2)) (here it diverges: delta = 2.5)
    # is no evidence of sublinear convergence: not refuted
    f = C.linear_rate_precise((2,), ((0.0, 1.0),), zero_is_linear=True, rel=5.0).run(CTX)
    assert f.outcome is Outcome.UNDECIDED and "does not follow" in f.detail


def test_zero_limit_refutes_beyond_the_bound():
    f = C.zero_limit_precise((3,), ("-1",), ("1.5",), above=()).run(CTX)
    assert f.outcome is Outcome.REFUTES


def test_init_comparison_refutes_when_the_identity_fails():
    # rho = 0.1, L = 2: from the identity GD diverges at 0.9 x (4) (see sec3_opening)
    f = C.init_comparison((2,), (0.1,), (0.9,), n=2, samples=8).run(CTX)
    assert f.outcome is Outcome.REFUTES
    f = C.init_comparison((5,), (0.5, 1.0, 1.5, 2.0), (0.9,), samples=16).run(CTX)
    assert f.outcome is Outcome.SUPPORTS


# ---------------------------------------------------------------- the claims (regression)

EXPECTED = {
    "nar2018step.lemma3": Status.CONFIRMED,
    "nar2018step.thm2": Status.REFUTED,
    "nar2018step.thm2_amended": Status.CONFIRMED,
    "nar2018step.remark4_explanation": Status.NOT_CHECKABLE,
    "nar2018step.lemma4": Status.CONFIRMED,  # on L >= 2; the edge L = 1 is a caveat ...
    "nar2018step.lemma4_proof_amended": Status.CONFIRMED,
}


# this module's claims held as data (verify/papers/nar2018step_depth.toml and
# nar2018step_identity.toml)
DATA = {
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


def test_every_claim_is_pinned():
    assert {c.id for c in M.CLAIMS} == set(EXPECTED)


@pytest.mark.parametrize("cid", sorted({**EXPECTED, **DATA}))
def test_claim_status_quick(quick_results, cid):
    result = quick_results[cid]
    assert result.status is {**EXPECTED, **DATA}[cid], [e.detail for e in result.evidence]
    for e in result.evidence:
        if e.outcome is Outcome.REFUTES:
            assert e.counterexample is not None and e.counterexample.replay


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
