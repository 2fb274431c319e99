"""The claim language's newer kinds (issue 16): identity, the rate with a fitted exponent, and
convergence to a k-cycle: what their evidence says beyond the verdicts that
tests/test_claim_language.py asserts on the example files."""

from __future__ import annotations

import pytest

from verify.api import check, claim
from verify.vocabulary import Outcome, Status, Strength

C, R, I = Status.CONFIRMED, Status.REFUTED, Status.INCONCLUSIVE


def test_identity_proved_by_sympy_is_proven():
    (result,) = check(claim(id="k.id-proof", kind="identity", variables=["x"], loss="x**4/4",
                            step="eta", params={"eta": [0.1, 1]},
                            lhs="gd_x", rhs="x*(1 - eta*x**2)"))
    assert result.status is C and result.strength is Strength.PROVEN, result.strength_basis


def test_identity_sympy_cannot_decide_is_only_sampled():
    """sqrt(x^2 + 2x + 1) = |x + 1| is true, but SymPy's simplify leaves it open: the search
    confirms it, as a sample, never as a proof."""
    (result,) = check(claim(id="k.id-sampled", kind="identity", variables=["x"],
                            params={"a": [0, 1]}, lhs="sqrt(x**2 + 2*x + 1) + a",
                            rhs="Abs(x + 1) + a"))
    assert result.status is C and result.strength is Strength.SAMPLED
    symbolic = next(e for e in result.evidence if e.check == "identity_symbolic")
    assert symbolic.outcome is Outcome.UNDECIDED


def test_identity_refutation_replays_a_state_and_parameters():
    (result,) = check(claim(id="k.id-false", kind="identity", variables=["x", "y"],
                            loss="x**2*y", params={"a": [1, 2]}, lhs="grad_x",
                            rhs="2*x*y + a - 1"))
    assert result.status is R
    cx = next(e for e in result.evidence if e.outcome is Outcome.REFUTES).counterexample
    assert set(cx.replay) == {"a", "x", "y"} and "agree" in cx.note


def test_fitted_rate_in_its_transient_is_undecided_not_refuted():
    """x^4 from x0 = 1 with eta = 0.275: 1/x_t^2 ~ 2.2 t + 100, so over t <= 100 the fitted
    exponent (about 1.3) is still rising towards 2: the true claim is not refuted."""
    (result,) = check(claim(id="k.rate-short", kind="rate", loss="x**4", variables=["x"],
                            step="eta", params={"eta": "0.275"}, start=["1"], metric="loss",
                            order="sublinear", exponent="2", steps=100))
    assert result.status is I
    (ev,) = result.evidence
    assert "still moving" in ev.detail and "fitted exponent" in ev.detail


def test_fitted_rate_evidence_names_the_exponent_and_the_window():
    base = {"kind": "rate", "loss": "x**4", "variables": ["x"], "step": "eta",
            "params": {"eta": "0.1"}, "start": ["1"], "metric": "loss", "order": "sublinear",
            "steps": 1000}
    (true,) = check(claim(id="k.rate-2", exponent="2", **base))
    (ev,) = true.evidence
    assert true.status is C and "fitted exponent 1.9" in ev.detail
    assert "t = 500..1000" in ev.detail
    (false,) = check(claim(id="k.rate-3", exponent="3", **base))
    (ev,) = false.evidence
    assert false.status is R and ev.counterexample.observed.startswith("exponent 1.9")
    assert "t = 750..1000" in ev.detail


def test_cycle_target_bounded_wandering_is_a_violation():
    """GD with step 1 on f = -3 x^2/2 + 4 x^3/3 is the logistic map x -> 4 x (1 - x): chaotic
    on (0, 1), it converges to no cycle (x0 in [0.1, 0.2] avoids 1/4, whose image 3/4 is fixed)."""
    (result,) = check(claim(id="k.chaos", kind="convergence", loss="-3*x**2/2 + 4*x**3/3",
                            variables=["x"], step="eta", params={"eta": "1", "x0": [0.1, 0.2]},
                            start=["x0"], target="cycle", period=2))
    assert result.status is R
    cx = next(e for e in result.evidence if e.outcome is Outcome.REFUTES).counterexample
    assert cx.observed == "wanders"


def test_convergence_target_one_value_for_every_coordinate_of_any_depth():
    """``target = "EXPR"``: every coordinate tends to EXPR, for a state whose size depends on
    an integer parameter.  The scalar chain from w_j = 1 stays balanced and reaches
    w_j = r^(1/L) (Nar & Sastry 2018b, Proposition 2); the same limit claimed as r is refuted
    at L = 2 with a replay naming the instance."""
    base = {"kind": "convergence", "step": "eta", "integers": {"L": [1, 2]},
            "model": {"family": "deep_linear", "depth": "L", "target": "r", "init": "1"},
            "params": {"eta": [0.05, 0.2], "r": [2, 3]}, "condition": "eta <= 1/(4*L*r)"}
    (true,) = check(claim(id="k.every-root", target="r**(1/L)", **base), quick=True)
    assert true.status is C, [e.detail for e in true.evidence]
    assert "r**(1/L) in every coordinate" in true.claim.asserts
    (false,) = check(claim(id="k.every-r", target="r", **base), quick=True)
    assert false.status is R
    cx = next(e for e in false.evidence if e.outcome is Outcome.REFUTES).counterexample
    assert cx.replay["L"] == "2" and cx.observed == "elsewhere"


def test_convergence_otherwise_does_not_converge_is_refuted_only_by_reaching_the_target():
    """``otherwise = "does not converge"`` on a box where the condition fails states "GD
    reaches the target only if the condition holds": a cycle or a divergent run satisfies it
    (x^2/2 with eta in [2, 3], eta < 2 failing: x -> (1 - eta) x cycles or diverges), a
    convergent run refutes it (eta in [1/2, 3/2] converges to 0, though eta > 2 fails)."""
    base = {"kind": "convergence", "loss": "x**2/2", "variables": ["x"], "step": "eta",
            "start": ["1"], "target": ["0"], "otherwise": "does not converge"}
    (true,) = check(claim(id="k.never", params={"eta": [2, 3]}, condition="eta < 2", **base),
                    quick=True)
    assert true.status is C, [e.detail for e in true.evidence]
    assert "otherwise does not converge" in true.claim.asserts
    (false,) = check(claim(id="k.never-false", params={"eta": ["1/2", "3/2"]},
                           condition="eta > 2", **base), quick=True)
    assert false.status is R
    cx = next(e for e in false.evidence if e.outcome is Outcome.REFUTES).counterexample
    assert cx.observed == "converges" and cx.claimed == "does not converge"


def test_otherwise_values_are_checked():
    import pytest

    from verify.api import ClaimError

    base = {"kind": "convergence", "loss": "x**2/2", "variables": ["x"], "step": "eta",
            "params": {"eta": [1, 3]}, "start": ["1"], "condition": "eta < 2"}
    with pytest.raises(ClaimError, match="otherwise"):
        claim(id="k.bad", target=["0"], otherwise="stalls", **base)
    with pytest.raises(ClaimError, match="cycle target takes"):
        claim(id="k.bad", target="cycle", period=2, otherwise="does not converge", **base)


def test_exact_orbit_decides_a_landing_the_search_cannot_see():
    """``exact_orbit = true``: the depth-2 chain (w2 w1 - 1)^2/2 from w_i = v(delta), the root of
    v - delta v (v^2 - 1) = 1 other than 1, lands on the minimiser w_i = 1 in one exact step,
    for every delta, also above the stability bound 1 (Nar & Sastry 2018b, Theorem 1).  Claimed
    "does not converge for delta > 1", it is refuted exactly at a corner of the box, with a
    replay of that corner.  (A floating-point run sees the landing only where its first step
    happens to round to exactly 1; the minimiser is unstable, so any rounding error grows.)"""
    base = {"kind": "convergence", "step": "delta", "params": {"delta": ["4/3", 2]},
            "model": {"family": "deep_linear", "depth": 2, "target": "1",
                      "init": "(sqrt(delta**2 + 4*delta) - delta)/(2*delta)"},
            "condition": "delta <= 1", "otherwise": "does not converge", "target": "minimisers"}
    (result,) = check(claim(id="k.landing", exact_orbit=True, **base), quick=True)
    assert result.status is R
    ev = next(e for e in result.evidence if e.check == "convergence_exact")
    assert ev.outcome is Outcome.REFUTES and ev.counterexample.replay == {"delta": "4/3"}
    assert " --at delta=4/3" in ev.reproduce
    assert "x[1] = ['1', '1'] (exact)" in ev.counterexample.observed


def test_exact_orbit_skips_corners_outside_the_claim():
    """The landing claim above with assumptions that exclude both ends of the box: the exact
    check concludes nothing there (the corners are not points of the claim)."""
    from verify.userclaims.build import claim_from_spec
    from verify.vocabulary import CheckContext

    spec = claim(id="k.landing-inside", kind="convergence", step="delta", exact_orbit=True,
                 params={"delta": ["4/3", 2]}, assume=["delta > 4/3", "delta < 2"],
                 model={"family": "deep_linear", "depth": 2, "target": "1",
                        "init": "(sqrt(delta**2 + 4*delta) - delta)/(2*delta)"},
                 condition="delta <= 1", otherwise="does not converge", target="minimisers")
    exact = next(c for c in claim_from_spec(spec).checks if c.name == "convergence_exact")
    found = exact.run(CheckContext(seed=0, quick=True, dps=50))
    assert found.outcome is Outcome.UNDECIDED and "no corner" in found.detail
    assert all("skipped" in v for v in found.numbers.values())


LANDING = {"kind": "convergence", "step": "delta",
           "params": {"delta": "1/2", "a": [-2, 3], "b": [-2, 3], "lam": [-4, 4]},
           "model": {"family": "deep_linear", "depth": 2, "width": 1, "target": "lam"},
           "start": ["a", "b"], "condition": "delta <= 2/(w1**2 + w2**2)",
           "otherwise": "does not converge", "target": "minimisers", "exact_orbit": True,
           "land": "lam"}


@pytest.mark.parametrize("change, key, words", [
    ({"exact_orbit": False}, "land", "exact_orbit"),
    ({"land": "delta"}, "land", "interval"),
    ({"land": "mu"}, "land", "interval"),
    ({"land": 3}, "land", "interval"),
    ({"land": "__import__('os')"}, "land", "interval"),
    ({"otherwise": "diverges"}, "condition", "does not converge"),
    ({"otherwise": None}, "condition", "does not converge"),
    ({"condition": "delta <= 2/(w1**2 + w3**2)"}, "condition", "state variables"),
    ({"condition": "w1 + w2"}, "condition", "not a relation"),
])
def test_land_and_a_condition_at_the_limit_refuse_bad_input(change, key, words):
    """``land`` names an interval parameter and needs the exact orbit; a condition naming the
    state (the limit) needs otherwise = "does not converge"; each problem names its key."""
    from verify.userclaims.parse import parse_table
    from verify.userclaims.spec import BadClaim

    table = {"id": "k.bad", **LANDING, **change}
    table = {k: v for k, v in table.items() if v is not None}
    result = parse_table(table)
    assert isinstance(result, BadClaim) and result.key == key, result
    assert words in result.message and "Traceback" not in result.message


def test_land_finds_the_simplest_exact_landing_and_replays_it():
    """Nar & Sastry's Theorem 1 on 0.5 (w2 w1 - lam)^2 at delta = 1/2: from (1, 2) the target
    lam = -1 makes one exact step land on the minimiser (-2, 1/2), where (3) = 8/17 < 1/2; the
    replay of that point refutes again, and a point with no landing stays undecided."""
    from fractions import Fraction

    from verify.userclaims.build import claim_from_spec
    from verify.vocabulary import CheckContext

    spec = claim(id="k.thm1", **LANDING)
    exact = next(c for c in claim_from_spec(spec).checks if c.name == "convergence_exact")
    found = exact.run(CheckContext(seed=0, quick=True, dps=50))
    assert found.outcome is Outcome.REFUTES
    assert found.counterexample.replay == {"a": "1", "b": "2", "lam": "-1"}
    a, b, lam, d = Fraction(1), Fraction(2), Fraction(-1), Fraction(1, 2)
    w1, w2 = a - d * b * (a * b - lam), b - d * a * (a * b - lam)
    assert w1 * w2 == lam and d > 2 / (w1 ** 2 + w2 ** 2)  # lands on an excluded minimiser
    again = exact.run(CheckContext(seed=0, quick=True, dps=50, at=found.counterexample.replay))
    assert again.outcome is Outcome.REFUTES
    stays = exact.run(CheckContext(seed=0, quick=True, dps=50,
                                   at={"a": "1", "b": "1", "lam": "1"}))  # starts on a minimiser
    assert stays.outcome is Outcome.SUPPORTS  # (3) = 1 there: delta = 1/2 satisfies it


def test_land_on_a_wide_box_is_bounded():
    """A hostile box (a and b over +-10^9) still tries at most MAX_GRID points: the check
    ends and, the simplest starts lying near 0, finds the same landing."""
    import time

    from verify.userclaims.build import claim_from_spec
    from verify.vocabulary import CheckContext

    wide = {**LANDING, "params": {**LANDING["params"], "a": [-10**9, 10**9],
                                  "b": [-10**9, 10**9]}}
    spec = claim(id="k.wide", **wide)
    exact = next(c for c in claim_from_spec(spec).checks if c.name == "convergence_exact")
    began = time.monotonic()
    found = exact.run(CheckContext(seed=0, quick=True, dps=50))
    assert time.monotonic() - began < 60
    assert found.outcome is Outcome.REFUTES
