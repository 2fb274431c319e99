"""The claim language (issue 16): models, quantities, trajectory and set targets, optimisers,
integer depths.  Every example file in examples/ is checked, its expected verdicts asserted, and
each false twin's replay line, run through the CLI as printed, exits 1.

The default run checks every example once (quick, seed 0); the slow run (``pytest -m slow``)
checks every example file on seeds 0..4 in quick and in full mode.
"""

from __future__ import annotations

import json
import shlex
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from verify.api import ClaimError, box_strategy, check, claim
from verify.cli import main
from verify.userclaims.build import claims_from_file
from verify.vocabulary import Outcome, Scope, Status, Strength

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
C, R, I = Status.CONFIRMED, Status.REFUTED, Status.INCONCLUSIVE
EXPECTED = {
    "claims.toml": {"example.ex1-cycle": C, "example.ex1-cycle-third": R,
                    "example.slides-x2": C, "example.slides-x2-at-03": R,
                    "example.quadratic-2d": C, "example.ex2-quartic": C,
                    "example.ex2-wrong-power": R, "example.am-gm": C, "example.am-gm-strict": R,
                    "example.quadratic-rate": C, "example.quadratic-rate-too-fast": R},
    "quadratic.toml": {"quad.threshold-strict": C, "quad.threshold-nonstrict": R,
                       "quad.threshold-diagonal-only": R},
    "trajectory.toml": {"traj.sharpness-below-2-over-eta": C,
                        "traj.sharpness-below-1-over-eta": R, "traj.loss-monotone": C,
                        "traj.loss-monotone-large-step": R, "traj.balance-drift": C,
                        "traj.balance-conserved": R},
    "convergence_set.toml": {"set.line": C, "set.line-too-far": R, "set.zero-line": C,
                             "set.zero-diagonal": R, "set.distance-shrinks": C},
    "momentum.toml": {"mom.heavy-ball-threshold": C, "mom.heavy-ball-gd-bound": R,
                      "mom.nesterov-converges": C, "mom.nesterov-heavy-ball-bound": R,
                      "mom.schedule-monotone": C, "mom.schedule-monotone-large": R},
    "depth.toml": {"depth.chain-converges": C, "depth.chain-converges-2-over-L": R,
                   "depth.balanced-sharpness": C, "depth.balanced-sharpness-wrong-power": R,
                   "depth.balanced-threshold": I},
    "identity.toml": {"id.balance-under-gd": C, "id.balance-conserved-by-gd": R,
                      "id.chain-balance-every-depth": C, "id.chain-gradients-equal": R,
                      "id.determinant-gradient": C, "id.determinant-gradient-adjugate": R,
                      "id.double-chain-symmetric": C, "id.double-chain-symmetric-power": R},
    "rate.toml": {"rate.quartic-sublinear": C, "rate.quartic-sublinear-too-fast": R,
                  "rate.quartic-iterate": C, "rate.quartic-iterate-linear": R,
                  "rate.two-mode-linear": C, "rate.two-mode-linear-fast-mode": R},
    "witness.toml": {"witness.quadratic-some-linear": C, "witness.kernel-some-linear": R},
    "cycle_convergence.toml": {"cyc.two-cycle-points": C, "cyc.two-cycle-points-third": R,
                               "cyc.two-cycle": C, "cyc.four-cycle": R,
                               "cyc.quadratic-two-cycle": R},
    "families.toml": {"fam.resnet-zas-rate": C, "fam.resnet-zas-rate-continuous": R,
                      "fam.relu-converges": C, "fam.relu-converges-2-over-y": R,
                      "fam.double-negative-target": C, "fam.double-negative-target-2-over-L": R},
    "parts.toml": {"parts.two-wells": C, "parts.two-wells-x2-quarter": R},
    "exceptions.toml": {"exc.double-well": C, "exc.double-well-point": C,
                        "exc.double-well-every-start": R},
    "budget.toml": {"budget.heavy-ball": C, "budget.heavy-ball-wrong-limit": R},
    "sweep.toml": {"sweep.identity-tight": C, "sweep.identity-tight-small-r": R},
    "minimisers.toml": {"min.sharpness-cor1": C, "min.sharpness-cor1-one-percent-more": R,
                        "min.resnet-product": C, "min.resnet-sharpness-bounded": R,
                        "min.most-unstable": C, "min.most-unstable-95-percent": I,
                        "min.sharpness-thm1": C, "min.sharpness-thm1-twice": R,
                        "min.gauss-newton": C, "min.gauss-newton-one-percent-less": R},
    "limits.toml": {"lim.bound-vanishes": C, "lim.bound-balanced": R,
                    "lim.power-unbounded": C, "lim.power-unbounded-depth-one": R,
                    "lim.sqrt-at-zero": C, "var.bound-depends-on-a": C,
                    "var.product-depends-on-a": R},
    "matrices.toml": {"mat.gradient": C, "mat.gradient-untransposed": R,
                      "mat.balance-after-gd": C, "mat.balance-after-gd-plus": R,
                      "mat.trace-cyclic": C, "mat.trace-swapped": R,
                      "mat.psd-inner-product": C, "mat.symmetric-inner-product": R,
                      "mat.rayleigh": C, "mat.trace-identity": C,
                      "mat.square-of-difference": I},
    "states.toml": {"states.balance-bound": C, "states.balance-bound-without-eps": R,
                    "states.one-step-decrease": C, "states.one-step-halves": R},
    "norms.toml": {"norm.weighted-square": C, "norm.submultiplicative": I,
                   "norm.submultiplicative-half": R, "norm.frobenius-below-operator": R,
                   "norm.rayleigh": I, "norm.rayleigh-below-min": R},
    "every_step.toml": {"every.x1-only-below-half": C, "every.x1-only-below-one": C,
                        "every.x2-tight": C, "every.x2-only-below-tenth": R,
                        "every.sole-limit-at-three-tenths": C,
                        "every.sole-limit-at-one-tenth": R, "every.chain-minimisers": C,
                        "every.chain-minimisers-half": R, "every.chain-delta-max": C,
                        "every.chain-delta-max-half": R},
    "landing.toml": {"lan.limit-product": C, "lan.limit-product-cor2": R},
    "derivations.toml": {"cite.lemma-a1": C, "cite.lemma-a1-doubled": C,
                         "cite.lemma-a1-without-l2": R, "cite.bernoulli": C,
                         "cite.bernoulli-square": R, "cite.decomposition": C,
                         "cite.decomposition-printed": R, "cite.prop3-decreasing": C,
                         "cite.prop3-any-step": R, "cite.lemma3-rate": C,
                         "cite.lemma3-rate-doubled": R},
    "orders.toml": {"order.lambert-log": C, "order.lambert-squared-log": R},
    "rate_sweep.toml": {"sweep.quadratic-rate": C, "sweep.quadratic-rate-too-fast": R},
    "flow.toml": {"flow.quadratic-rate": C, "flow.quadratic-rate-too-fast": R,
                  "flow.rectangular-zas": C, "flow.rectangular-zas-too-fast": R},
    "near.toml": {"near.loss-never-rises": C, "near.loss-halves": R},
    "at_state.toml": {"state.relu-bound-strict": C, "state.relu-bound-attained": R,
                      "state.relu-two-outputs": C, "state.relu-two-outputs-three": R},
    "networks.toml": {"net.convex": C, "net.convex-any-w": R, "net.gradient": C,
                      "net.gradient-swapped": R},
    "gd_limits.toml": {"limits.double-well-bounded": C, "limits.double-well-right": R,
                       "limits.relu-theorem4-m1": C, "limits.relu-far-from-data": R},
    "minima.toml": {"minima.residual-block-one-output": C, "minima.residual-block-each-output": R,
                    "minima.fitted-theorem4": C, "minima.fitted-three-times": R},
}


def _verdicts(name: str, seed: int, quick: bool):
    return {r.claim.id: r for r in check(EXAMPLES / name, quick=quick, seed=seed)}


def _assert_expected(name: str, results) -> None:
    assert {cid: r.status for cid, r in results.items()} == EXPECTED[name]
    for cid, result in results.items():
        if result.status is not Status.REFUTED:
            continue
        refuting = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
        assert refuting and all(e.counterexample is not None for e in refuting), cid
        for ev in refuting:  # the replay line as printed: it re-checks that point and exits 1
            args = shlex.split(ev.reproduce)
            assert args[:3] == ["python", "-m", "verify"] and "--at" in args, ev.reproduce
            with tempfile.TemporaryDirectory() as out:  # its own folder: runs beside it lock theirs
                assert main([*args[3:], "--no-progress", "--out", out]) == 1, ev.reproduce


@pytest.fixture(scope="module")
def quick0():
    return {name: _verdicts(name, 0, True) for name in EXPECTED}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_examples_quick_seed0(name, quick0, capsys):
    _assert_expected(name, quick0[name])
    capsys.readouterr()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])  # seed 0 again: `-m slow` alone covers 0..4
@pytest.mark.parametrize("name", list(EXPECTED))
def test_examples_quick_seeds_slow(name, seed, capsys):
    _assert_expected(name, _verdicts(name, seed, True))
    capsys.readouterr()


@pytest.mark.slow
@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_examples_full_slow(name, seed, capsys):
    _assert_expected(name, _verdicts(name, seed, False))
    capsys.readouterr()


def test_every_example_file_is_listed():
    files = {p.name for p in EXAMPLES.glob("*.toml")}
    assert files == set(EXPECTED)
    for name, expected in EXPECTED.items():
        assert [c.id for c in claims_from_file(EXAMPLES / name)] == list(expected)


def test_depth_instances_cover_exactly_the_listed_depths(quick0):
    result = quick0["depth.toml"]["depth.chain-converges"]
    assert result.claim.scope["L"] == "{2, 3, 4, 5}"
    (ev,) = result.evidence
    assert ev.coverage.scope is Scope.SAMPLE and ev.coverage.covers["L"] == "{2, 3, 4, 5}"
    cx = next(e for e in quick0["depth.toml"]["depth.chain-converges-2-over-L"].evidence
              if e.outcome is Outcome.REFUTES).counterexample
    assert cx.replay["L"] in {"2", "3", "4", "5"}  # the instance is part of the replay


def test_replay_at_a_non_integer_depth_is_a_usage_error(tmp_path, capsys):
    code = main(["check", str(EXAMPLES / "depth.toml"), "depth.chain-converges-2-over-L",
                 "--at", "L=2.5,eta=0.5,r=1", "--quick", "--no-progress", "--out",
                 str(tmp_path)])
    assert code == 2 and "L" in capsys.readouterr().err


def test_equality_case_is_decided_exactly(quick0):
    """At eta = 2/lambda_max the affine map has the multiplier -1 exactly (SymPy): the
    non-strict claim is refuted there and the strict one holds."""
    ev = next(e for e in quick0["quadratic.toml"]["quad.threshold-nonstrict"].evidence
              if e.outcome is Outcome.REFUTES)
    assert "exactly" in ev.counterexample.note and "neutral" in ev.counterexample.observed


def test_singular_hessian_is_never_support(quick0):
    result = quick0["depth.toml"]["depth.balanced-threshold"]
    (search,) = [e for e in result.evidence if e.check == "threshold_search"]
    assert search.outcome is Outcome.UNDECIDED and "singular" in search.detail


def test_vector_and_matrix_variables_in_an_expression_loss():
    """Entries of declared vectors and matrices are addressable; a false twin is refuted."""
    base = {"kind": "threshold", "variables": ["w[2]", "A[1, 1]"], "step": "eta",
            "loss": "(w[0]**2 + 2*w[1]**2)/2 + A[0, 0]**2", "params": {"eta": [0.05, 1.5]},
            "equilibrium": [["0", "0"], [["0"]]], "tight": True}
    (true,) = check(claim(id="vec.true", bound="1", **base))
    assert true.status is C
    (false,) = check(claim(id="vec.false", bound="1/2", **base))
    assert false.status is R


def test_python_api_takes_models_and_integer_parameters():
    spec = claim(id="api.chain", kind="convergence", step="eta", target="minimisers",
                 model={"family": "deep_linear", "depth": "L", "target": "1", "init": "1"},
                 integers={"L": [2, 3]}, params={"eta": [0.02, 0.1]}, condition="eta < 1/L")
    (result,) = check(spec)
    assert result.status is C
    with pytest.raises(ClaimError, match="model.depth"):
        claim(id="api.bad", kind="convergence", step="eta", target="minimisers",
              model={"family": "deep_linear", "depth": "K", "target": "1", "init": "1"},
              params={"eta": [0.02, 0.1]}, condition="eta < 1")


@settings(max_examples=20, deadline=None)
@given(box_strategy(claim(id="api.box", kind="inequality", params={"a": [0, 1]},
                          integers={"L": [2, 4]}, lhs="a", relation="<=", rhs="L")))
def test_box_strategy_draws_integer_parameters(point):
    assert point["L"] in (2, 3, 4) and 0 <= point["a"] <= 1


def test_identity_strength_follows_the_integer_instances(quick0):
    """SymPy proves the GD-map identity on the whole box (proven) and the depth-L one on each
    listed depth (proven on those instances only: L is never a real number)."""
    results = quick0["identity.toml"]
    assert results["id.balance-under-gd"].strength is Strength.PROVEN
    chain = results["id.chain-balance-every-depth"]
    assert chain.strength is Strength.PROVEN_ON_INSTANCES and "{2, 3, 4, 5}" in \
        chain.strength_basis


def test_fitted_rate_and_cycle_evidence_say_what_was_fitted_and_seen(quick0):
    rate = quick0["rate.toml"]["rate.quartic-sublinear"]
    (ev,) = rate.evidence
    assert "fitted exponent" in ev.detail and "whole window t = " in ev.detail
    false = quick0["rate.toml"]["rate.two-mode-linear-fast-mode"]
    cx = next(e for e in false.evidence if e.outcome is Outcome.REFUTES).counterexample
    assert cx.observed.startswith("factor ") and "late half" in cx.note
    cycle = quick0["cycle_convergence.toml"]
    for cid, seen in (("cyc.two-cycle-points-third", "other"), ("cyc.four-cycle", "shorter"),
                      ("cyc.quadratic-two-cycle", "fixed")):
        cx = next(e for e in cycle[cid].evidence if e.outcome is Outcome.REFUTES).counterexample
        assert cx.observed == seen, cid


def test_every_example_refutation_replays_a_point_with_every_free_parameter(quick0, capsys):
    """Issue 16, item 5: each refutation of an example file carries one replay line whose --at
    gives every free parameter of the claim (intervals and integer parameters alike)."""
    from verify.replay import parse_at

    refutations = 0
    for results in quick0.values():
        for cid, result in results.items():
            free = {k for k, v in result.claim.scope.items() if v.startswith(("[", "{"))}
            for ev in result.evidence:
                if ev.outcome is not Outcome.REFUTES:
                    continue
                args = shlex.split(ev.reproduce)
                assert "--at" in args, (cid, ev.check, ev.reproduce)
                given = set(parse_at(args[args.index("--at") + 1]))
                # every free parameter; beyond them only names the claim lets a replay set
                # (an identity's state coordinates)
                allowed = set(result.claim.replay_box or ()) | free
                needed = free
                if "step = bound" in ev.counterexample.claimed:  # the step is the bound there:
                    needed = free - {result.claim.hypotheses.get("step", "")}  # recomputed
                assert needed <= given <= allowed, (cid, ev.check, given, free)
                refutations += 1
    assert refutations >= sum(s is R for e in EXPECTED.values() for s in e.values())
    capsys.readouterr()


def test_multi_part_claim_is_as_strong_as_its_weakest_part(quick0):
    true = quick0["parts.toml"]["parts.two-wells"]
    assert true.claim.parts == ("x1", "x2")
    assert {e.check.split(".")[0] for e in true.evidence} == {"x1", "x2"}
    # each part's threshold is proven on the whole step interval, so the claim is proven
    assert true.strength is Strength.PROVEN
    assert "x1: proven" in true.strength_basis and "x2: proven" in true.strength_basis
    false = quick0["parts.toml"]["parts.two-wells-x2-quarter"]
    refuting = {e.check for e in false.evidence if e.outcome is Outcome.REFUTES}
    assert refuting and all(name.startswith("x2.") for name in refuting)
    assert all(e.outcome is not Outcome.REFUTES for e in false.evidence
               if e.check.startswith("x1."))


def test_weakest_part_decides_the_strength():
    spec = claim(id="mine.mixed", loss="x**2/2", variables=["x"], step="eta",
                 params={"eta": [0.1, 1.5], "x0": [0.5, 1]},
                 part=[{"name": "thr", "kind": "threshold", "equilibrium": ["0"],
                        "bound": "2", "tight": True},
                       {"name": "conv", "kind": "convergence", "start": ["x0"],
                        "condition": "eta < 2", "target": ["0"]}])
    (result,) = check(spec, quick=True)
    assert result.status is Status.CONFIRMED
    # the threshold part is proven, the convergence part only sampled: the claim is sampled
    assert result.strength is Strength.SAMPLED
    assert "thr: proven" in result.strength_basis and "conv: sampled" in result.strength_basis


def _search(result):
    """The convergence search's evidence (beside the exact target_critical attempt)."""
    return next(e for e in result.evidence if e.check == "convergence_search")


def test_exception_set_is_excluded_and_stated(quick0):
    for cid in ("exc.double-well", "exc.double-well-point"):
        ev = _search(quick0["exceptions.toml"][cid])
        assert ev.outcome is Outcome.SUPPORTS
        assert "exception set (starts excluded)" in ev.numbers
        assert int(ev.numbers["points in the exception set (not run)"]) > 0  # x0 = 0 is an edge
    ev = _search(quick0["exceptions.toml"]["exc.double-well-every-start"])
    assert ev.counterexample.at["x0"] == "0.0" and ev.counterexample.observed == "elsewhere"


def test_a_replay_inside_the_exception_set_never_refutes():
    with tempfile.TemporaryDirectory() as out:
        code = main(["check", str(EXAMPLES / "exceptions.toml"), "exc.double-well",
                     "--check", "convergence_search", "--at", "eta=0.2,x0=0", "--quick",
                     "--no-progress", "--out", out])
        (record,) = json.loads((Path(out) / "results.json").read_text())["claims"]
    (ev,) = record["evidence"]
    assert code == 0 and ev["outcome"] == "undecided" and "exception set" in ev["detail"]


def test_budget_is_extended_only_for_runs_still_converging(quick0):
    ev = _search(quick0["budget.toml"]["budget.heavy-ball"])
    assert ev.outcome is Outcome.SUPPORTS and int(ev.numbers["runs that slow"]) == 0
    assert int(ev.numbers["runs extended"].split()[0]) > 0
    assert "up to 4800" in ev.numbers["step budget"]
    ev = _search(quick0["budget.toml"]["budget.heavy-ball-wrong-limit"])
    # the extended run settled at 1/10: refuted by a run longer than the 300-step budget
    assert ev.outcome is Outcome.REFUTES and ev.counterexample.observed == "elsewhere"
    assert "300 steps" not in ev.detail and " steps)" in ev.detail
