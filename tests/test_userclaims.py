"""Claim files end to end: the shipped example, exit codes, --at replays, the Python API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings

from verify.api import ClaimError, assert_claim, box_strategy, check, claim
from verify.cli import main
from verify.userclaims.build import claims_from_file
from verify.vocabulary import CheckContext, Outcome, Status

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "claims.toml"


@pytest.fixture(scope="module")
def example_results():
    return {r.claim.id: r for r in check(EXAMPLE, quick=True, seed=0)}


def _cx(result, check=None):
    (ev,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES
             and (check is None or e.check == check)]
    return ev.counterexample


def test_example_covers_every_kind():
    kinds = {c.hypotheses["kind"] for c in claims_from_file(EXAMPLE)}
    assert kinds == {"cycle", "threshold", "convergence", "inequality", "rate"}


@pytest.mark.parametrize("cid", ["example.ex1-cycle", "example.slides-x2",
                                 "example.quadratic-2d", "example.ex2-quartic",
                                 "example.am-gm", "example.quadratic-rate"])
def test_true_claims_confirmed(example_results, cid):
    assert example_results[cid].status is Status.CONFIRMED


def test_false_cycle_counterexample(example_results):
    cx = _cx(example_results["example.ex1-cycle-third"], "cycle_search")
    delta = float(cx.at["delta"])
    # One GD step from delta^2/3 lands at delta^2/3 - delta*sqrt(delta^2/3), not -delta^2/3.
    image = delta**2 / 3 - delta * (delta**2 / 3) ** 0.5
    scale = 1 + delta**2 / 3
    assert float(cx.margin) == pytest.approx(abs(image + delta**2 / 3) / scale, rel=1e-9)


def test_false_threshold_counterexample(example_results):
    for check in ("threshold_search", "threshold_crossing"):
        cx = _cx(example_results["example.slides-x2-at-03"], check)
        delta = float(cx.at["delta"])
        assert 0.2 < delta < 0.3 and abs(1 - 10 * delta) > 1


def test_certified_tier_applies_to_scalar_cycle_and_tight_threshold_claims(example_results):
    """One variable, the step the only free parameter: Arb proofs over the whole interval."""
    def certified(cid):
        return {e.check: e.outcome for e in example_results[cid].evidence
                if e.tier.value == "certified"}

    assert certified("example.ex1-cycle") == {"cycle_certified": Outcome.SUPPORTS}
    assert certified("example.ex1-cycle-third") == {"cycle_certified": Outcome.REFUTES}
    assert certified("example.slides-x2") == {"threshold_crossing": Outcome.SUPPORTS}
    assert certified("example.slides-x2-at-03") == {"threshold_crossing": Outcome.REFUTES}
    assert certified("example.quadratic-2d") == {}  # two variables: no certified attempt
    cx = _cx(example_results["example.ex1-cycle-third"], "cycle_certified")
    assert cx.at["delta"] == "1/100" and float(cx.margin) != 0


@pytest.mark.parametrize("check_name", ["convergence_search", "condition_sweep_precise",
                                        "condition_sweep"])
def test_false_condition_counterexample(example_results, check_name):
    cx = _cx(example_results["example.ex2-wrong-power"], check_name)
    x0, delta = float(cx.at["x0"]), float(cx.at["delta"])
    assert (x0**3 < 2 / (4 * delta)) != (x0**2 < 2 / (4 * delta))


def test_false_inequality_counterexample(example_results):
    cx = _cx(example_results["example.am-gm-strict"], "inequality_search")
    assert float(cx.at["a"]) == 1.0 and float(cx.margin) == 0.0
    # The box prover finds an exact equality point of the strict inequality too.
    cx = _cx(example_results["example.am-gm-strict"], "inequality_certified")
    assert float(cx.margin) == 0.0


def test_false_nonstrict_inequality_refuted_by_search(tmp_path):
    # A clear violation of a non-strict inequality, evaluated exactly at the rational point,
    # must refute (a SymPy `false` was once taken for "holds", so the search supported it).
    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nid = "t.false-ge"\nkind = "inequality"\n'
                    'params = { a = [0, 2], b = [-2, 2] }\nlhs = "a*b"\nrelation = ">="\n'
                    'rhs = "0"\n')
    (c,) = claims_from_file(path)
    (search,) = [k for k in c.checks if k.name == "inequality_search"]
    found = search.run(CheckContext(seed=0, quick=True))
    assert found.outcome is Outcome.REFUTES
    at = {k: float(v) for k, v in found.counterexample.at.items()}
    assert at["a"] * at["b"] < 0 and float(found.counterexample.margin) < 0


def test_false_rate_counterexample(example_results):
    cx = _cx(example_results["example.quadratic-rate-too-fast"])
    assert float(cx.margin) < 0


def test_check_exit_codes_and_replay(tmp_path, capsys):
    assert main(["check", str(EXAMPLE), "example.am-gm", "--quick", "--no-progress",
                 "--out", str(tmp_path / "ok")]) == 0
    assert main(["check", str(EXAMPLE), "example.am-gm-strict", "--quick", "--no-progress",
                 "--out", str(tmp_path / "bad")]) == 1
    data = json.loads((tmp_path / "bad" / "results.json").read_text())
    (ev,) = [e for e in data["claims"][0]["evidence"] if e["outcome"] == "refutes"
             and e["check"] == "inequality_search"]
    assert "--at a=1.0" in ev["reproduce"]
    # The replay re-checks exactly that point.
    assert main(["check", str(EXAMPLE), "example.am-gm-strict", "--check", "inequality_search",
                 "--at", "a=1.0", "--quick", "--no-progress", "--out", str(tmp_path / "r")]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("text,needle", [
    ("[[claim]\nid = 1", "line"),
    ("title = 'no claims'", "claim"),
])
def test_unusable_file_exit_2(tmp_path, capsys, text, needle):
    path = tmp_path / "c.toml"
    path.write_text(text)
    assert main(["check", str(path), "--quick", "--no-progress", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and len(err.strip().splitlines()) == 1


def test_bad_claim_is_an_error_and_the_others_run(tmp_path, capsys):
    path = tmp_path / "c.toml"
    path.write_text(EXAMPLE.read_text().split("[[claim]]")[0] + """
[[claim]]
id = "good"
kind = "inequality"
params = { a = [0, 1] }
lhs = "a"
relation = "<="
rhs = "1"

[[claim]]
id = "bad"
kind = "threshold"
loss = "x**2"
variables = ["x"]
step = "delta"
params = { delta = [0.1, 1] }
equilibrium = ["1"]
bound = "1"
""")
    assert main(["check", str(path), "--quick", "--no-progress", "--out", str(tmp_path / "o")]) == 1
    data = json.loads((tmp_path / "o" / "results.json").read_text())
    status = {c["id"]: c["status"] for c in data["claims"]}
    assert status == {"good": "confirmed", "bad": "error"}
    (bad,) = [c for c in data["claims"] if c["id"] == "bad"]
    detail = bad["evidence"][-1]["detail"]
    assert "'bad'" in detail and "equilibrium" in detail and "critical point" in detail
    capsys.readouterr()


def test_python_api_and_pytest_helper():
    spec = claim(id="api.cycle", kind="cycle", loss="2*Abs(x)**Rational(3,2)/3",
                 variables=["x"], step="delta", params={"delta": [0.01, 1.0]},
                 points=[["delta**2/4"], ["-delta**2/4"]], stable=True)
    assert assert_claim(spec).status is Status.CONFIRMED
    with pytest.raises(AssertionError, match="Falsifying example"):
        assert_claim(id="api.bad", kind="inequality", params={"a": [0, 2]},
                     lhs="a**2 + 1", relation=">", rhs="2*a")
    with pytest.raises(ClaimError, match="api.typo"):
        claim(id="api.typo", kind="cycle", loss="x**", variables=["x"], step="delta",
              params={"delta": [0.1, 1]}, points=[["0"]])


SPEC = claim(id="api.box", kind="inequality", params={"a": [0.5, 2], "b": 3},
             lhs="a", relation="<=", rhs="b")


@settings(max_examples=30, deadline=None)
@given(box_strategy(SPEC))
def test_box_strategy_stays_in_the_box(point):
    assert 0.5 <= point["a"] <= 2 and point["b"] == 3


CHAIN = dict(kind="threshold", loss="(w1*w2 - lam)**2/2", variables=["w1", "w2"], step="delta",
             params={"delta": [0.01, 2], "lam": [0.5, 3], "c": [0.5, 2]},
             equilibrium=["c", "lam/c"], bound="2/(lam**2/c**2 + c**2)")


def test_threshold_on_a_non_isolated_minimum():
    """Necessity holds (confirmed); "attracts below" cannot be shown by linearisation at a
    singular Hessian, so tight is inconclusive, never refuted by a rounding-level eigenvalue."""
    (loose,) = check(claim(id="chain.loose", **CHAIN))
    assert loose.status is Status.CONFIRMED
    (tight,) = check(claim(id="chain.tight", tight=True, **CHAIN))
    assert tight.status is Status.INCONCLUSIVE


def test_convergence_search_finds_the_start_on_the_target_edge():
    """'otherwise diverges' is false where the start is the target: Hypothesis finds the edge."""
    (result,) = check(claim(
        id="quad.edge", kind="convergence", loss="(x**2 + a*y**2)/2", variables=["x", "y"],
        step="delta", params={"delta": [0.01, 1.5], "a": [0.5, 3], "x0": [-2, 2],
                              "y0": [-2, 2]},
        start=["x0", "y0"], condition="delta < 2/Max(1, a)", target=["0", "0"],
        otherwise="diverges"))
    assert result.status is Status.REFUTED
    cx = _cx(result)
    assert cx.observed == "converges" and cx.claimed == "diverges"


def test_a_certified_violation_outside_the_assumptions_does_not_refute(tmp_path):
    """Branch and bound searches the box; a violation where `assume` fails is no counterexample
    (the lemma holds for PSD A, B: the box's corner a = b = c = 0 is excluded by a + c > 0)."""
    from verify.runner import run_claim

    path = tmp_path / "assume.toml"
    path.write_text('[[claim]]\nid = "psd.strict-trace"\nkind = "inequality"\n'
                    'params = { a = [0, 2], c = [0, 2] }\nassume = ["a + c > 0"]\n'
                    'lhs = "a + c"\nrelation = ">"\nrhs = "0"\n')
    result = run_claim(claims_from_file(path)[0], seed=0, quick=True, dps=50)
    certified = next(e for e in result.evidence if e.check == "inequality_certified")
    assert certified.outcome is Outcome.UNDECIDED, certified.detail
    assert "assumptions fail" in certified.detail
    assert result.status is not Status.REFUTED


def test_quick_searches_try_the_corners_and_the_centre_of_a_large_box():
    """verify.userclaims.search.EDGES: a full search tries the 81-point grid of the box's ends
    and zeros (4 parameters); --quick tries its 16 corners and the centre, every end of every
    interval among them; 2 parameters keep their whole 9-point grid either way, and 6 the same
    80 corners and centre (quick drops no corner a full run tries)."""
    from verify.userclaims.model import Model
    from verify.userclaims.search import EDGES, edge_points

    four = claim(id="edges.four", kind="inequality", params={n: [-1, 2] for n in "abcd"},
                 lhs="a + b + c + d", relation="<=", rhs="8")
    model = Model(four)
    full, quick = (edge_points(model, model.free_names, n) for n in EDGES)
    assert len(full) == 81 and len(quick) == 17
    corners = {tuple(p.values()) for p in quick[:-1]}
    assert corners == {(a, b, c, d) for a in (-1.0, 2.0) for b in (-1.0, 2.0)
                       for c in (-1.0, 2.0) for d in (-1.0, 2.0)}
    assert quick[-1] == {n: 0.0 for n in "abcd"}
    two = Model(claim(id="edges.two", kind="inequality", params={"a": [-1, 2], "b": [1, 3]},
                      lhs="a", relation="<=", rhs="b + 3"))
    assert [len(edge_points(two, two.free_names, n)) for n in EDGES] == [9, 9]
    six = Model(claim(id="edges.six", kind="inequality", params={n: [-1, 2] for n in "abcdef"},
                      lhs="a", relation="<=", rhs="2"))
    full, quick = (edge_points(six, six.free_names, n) for n in EDGES)
    assert len(full) == 65 and quick == full  # 64 corners and the centre


def test_edges_run_before_the_draws_in_hypothesis_order_and_leave_the_draws_alone():
    """verify.userclaims.search.search runs the edges itself, the last given first (the order
    Hypothesis ran them as explicit examples); the first violating one is reported, and the
    random draws that follow are the ones Hypothesis makes without edges (its engine never saw
    explicit examples)."""
    from hypothesis import HealthCheck, Phase, given, seed, settings
    from hypothesis import strategies as st

    from verify.userclaims.model import Model
    from verify.userclaims.search import Probe, edge_points, search

    model = Model(claim(id="edges.order", kind="inequality", params={"a": [-1, 2], "b": [1, 3]},
                        lhs="a", relation="<=", rhs="b + 3"))
    seen = []

    def evaluate(point):
        seen.append(dict(point))
        return Probe(-1.0 if point["a"] == 2.0 else 1.0, {})

    extra = ({"a": 2.0, "b": 2.0},)
    found = search(model, evaluate, 0, 5, extra=extra, quick=True)
    assert found.violation[0] == extra[0] and seen == [extra[0]]
    seen.clear()
    result = search(model, lambda p: evaluate({**p, "a": 0.0}), 3, 7, quick=True)
    edges = edge_points(model, model.free_names)
    assert result.violation is None and seen[:len(edges)] == [{**p, "a": 0.0}
                                                                for p in reversed(edges)]
    draws = []

    @seed(3)
    @settings(max_examples=7, deadline=None, database=None, print_blob=False,
              suppress_health_check=list(HealthCheck),
              phases=[Phase.generate, Phase.target, Phase.shrink])
    @given(st.fixed_dictionaries({n: st.floats(float(lo), float(hi), allow_nan=False,
                                               allow_infinity=False)
                                  for n, (lo, hi) in model.box.free.items()}))
    def plain(point):
        draws.append({**point, "a": 0.0})

    plain()
    assert seen[len(edges):] == draws
