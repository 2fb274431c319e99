"""The issue's claims get computed statuses; negative controls are refuted with the right
counterexamples; the verdict rule itself."""

from __future__ import annotations

import mpmath
import pytest

from verify.vocabulary import (
    Claim, Counterexample, Evidence, Outcome, Reference, Status, Tier, verdict,
)


def _ev(outcome):
    cx = Counterexample({}, "1", "0", "0", "1", 50) if outcome is Outcome.REFUTES else None
    return Evidence("c", Tier.EMPIRICAL, outcome, "", {}, cx, "", "0")


CLAIM = Claim("x.y", Reference("x", "here"), "s", {}, "a", ())


@pytest.mark.parametrize("outcomes,status", [
    ([Outcome.SUPPORTS, Outcome.SUPPORTS], Status.CONFIRMED),
    ([Outcome.SUPPORTS, Outcome.UNDECIDED], Status.INCONCLUSIVE),
    ([Outcome.SUPPORTS, Outcome.REFUTES], Status.REFUTED),
    ([Outcome.ERROR, Outcome.REFUTES], Status.REFUTED),
    ([Outcome.ERROR, Outcome.SUPPORTS], Status.ERROR),
    ([], Status.INCONCLUSIVE),
])
def test_verdict_rule(outcomes, status):
    assert verdict(CLAIM, [_ev(o) for o in outcomes]) is status


def test_not_checkable_is_kept_unless_refuted():
    claim = Claim("x.y", Reference("x", "here"), "s", {}, "a", (), not_checkable="no data")
    assert verdict(claim, [_ev(Outcome.SUPPORTS)]) is Status.NOT_CHECKABLE
    assert verdict(claim, [_ev(Outcome.REFUTES)]) is Status.REFUTED


@pytest.mark.parametrize("cid, tiers", [
    ("nar2018step.ex1", {Tier.SYMBOLIC, Tier.EMPIRICAL}),
    ("nar2018step.ex2", {Tier.SYMBOLIC, Tier.EMPIRICAL}),
    ("nar2018slides.example", {Tier.SYMBOLIC, Tier.EMPIRICAL}),
    # data: the proof for every L and mpmath multipliers at drawn minimisers
    ("nar2018slides.proposition_amended", {Tier.SYMBOLIC, Tier.PRECISE})])
def test_paper_claims_regression(quick_results, cid, tiers):
    """Regression pins on computed statuses (the checks compute them; this guards changes)."""
    result = quick_results[cid]
    assert result.status is Status.CONFIRMED, [(e.check, e.outcome, e.detail)
                                               for e in result.evidence]
    assert {e.tier for e in result.evidence} >= tiers


def test_slides_proposition_as_printed_falls_to_an_exact_landing(quick_results):
    """No condition on the start: one exact GD step lands on an excluded minimiser."""
    res = quick_results["nar2018slides.proposition"]
    assert res.status is Status.REFUTED
    cx = _refutation(res, "landing.convergence_exact")  # from (1, 2) onto (-2, 1/2)
    assert cx.at == {"delta": "1/2"} and cx.observed.startswith("converges: x[1] = ")


def _refutation(result, check):
    ev = next(e for e in result.evidence if e.check == check)
    assert ev.outcome is Outcome.REFUTES, ev.detail
    assert ev.counterexample is not None
    return ev.counterexample


def test_control_cycle_at_a_third(quick_results):
    res = quick_results["controls.ex1_cycle_third"]
    assert res.status is Status.REFUTED
    cx = _refutation(res, "cycle_certified")
    # g(x) = x - delta sign(x) sqrt|x|: from delta^2/3 one step lands at delta^2/3 - delta^2/sqrt 3.
    with mpmath.workdps(50):
        num, _, den = cx.at["delta"].partition("/")
        delta = mpmath.mpf(num) / mpmath.mpf(den or 1)
        expected = delta**2 / 3 - delta**2 / mpmath.sqrt(3)
        assert abs(mpmath.mpf(cx.observed) - expected) < mpmath.mpf(10) ** -25
        assert abs(mpmath.mpf(cx.claimed) + delta**2 / 3) < mpmath.mpf(10) ** -25
    cx = _refutation(res, "cycle_search")
    assert float(cx.margin) > 0 and 0.01 <= float(cx.at["delta"]) <= 1


def test_control_x2_threshold_at_03(quick_results):
    res = quick_results["controls.slides_x2_at_03"]
    assert res.status is Status.REFUTED
    for check in ("threshold_crossing", "threshold_search"):
        cx = _refutation(res, check)
        delta = float(cx.at["delta"])
        assert 0.2 < delta < 0.3  # the counterexample sits between the true and the claimed value
        assert abs(1 - 10 * delta) > 1  # there x2* repels: the claimed tightness fails


def test_control_wrong_power(quick_results):
    res = quick_results["controls.ex2_wrong_power"]
    assert res.status is Status.REFUTED
    cx = _refutation(res, "convergence_search")
    L, x0, delta = 2 * int(cx.at["m"]), float(cx.at["x0"]), float(cx.at["delta"])
    wrong = x0 ** (L - 1) < 2 / (L * delta)
    right = x0 ** (L - 2) < 2 / (L * delta)
    assert wrong != right  # the wrong power puts this start on the wrong side
    assert cx.observed == ("converges" if right else "diverges")


def test_control_chain_half_bound(quick_results):
    res = quick_results["controls.chain_half_bound"]
    assert res.status is Status.REFUTED
    cx = _refutation(res, "trajectory_search")
    L, a, lam = int(cx.at["L"]), float(cx.at["a"]), float(cx.at["lam"])
    w = [a ** (j - (L + 1) / 2) * lam ** (1 / L) for j in range(1, L + 1)]
    sharpness = sum((lam / wj) ** 2 for wj in w)  # the Hessian is g g^T with g_i = lam / w_i
    assert float(cx.observed) == pytest.approx(sharpness, rel=1e-12)
    assert float(cx.claimed.lstrip(">= ")) == pytest.approx(2 * sharpness, rel=1e-12)
