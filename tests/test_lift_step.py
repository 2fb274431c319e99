"""Issue 18 for Nar & Sastry (2018), Examples 1-2, and the talk slides' example and
Proposition: the claims are proven for the class they state, and the proofs that make them so
cover exactly that class; the engines behind the new class proofs fail on wrong variants.

Hand values: Example 1 scales by x = (delta^2/4) y to h(y) = y - 2 sqrt(y) (y > 0), i.e.
q(s) = s^2 - 2s with s = sqrt(y): root s0 = 2 (y = 4 = delta^2 lands on 0), min q = -1 at
s = 1, s^2 - q = 2s >= 4 beyond s0.  Example 2 with L = 2m + 4: u = delta L x^(2m + 2).  The
slides' polynomial has critical points 1 (f'' = 4), 2 (f'' = 10) and one root of
3x^3 - 6x^2 + 4x - 3 in (3/2, 5/3) where f'' < 0.
"""

from __future__ import annotations

import pytest
import sympy as sp

from proofs.critical_points import equilibrium_multipliers
from proofs.symmetric_cycle import prove_symmetric_cycle
from verify.registry import paper_files
from verify.userclaims.build import claim_from_spec, claims_from_paper
from verify.userclaims.parse import parse_claims
from verify.vocabulary import (
    CheckContext, Outcome, Scope, Status, Strength, Tier,
)

QUICK = CheckContext(seed=0, quick=True)
# The controls data file (verify/papers/controls.toml) moved from controls.py.
CONTROLS, STEP = (next(claims_from_paper(str(p)) for p in paper_files() if p.stem == key)
                  for key in ("controls", "nar2018step"))
# the slides' example and Proposition are data (verify/papers/nar2018slides.toml); its other
# claims there are not this issue's
SLIDES = ("nar2018slides.example", "nar2018slides.proposition",
          "nar2018slides.proposition_amended")
SLIDES_DATA = tuple(c for p in paper_files() if p.stem == "nar2018slides"
                    for c in claims_from_paper(str(p)) if c.id in SLIDES)
MINE = STEP + SLIDES_DATA + CONTROLS
LIFTED = ("nar2018step.ex1", "nar2018step.ex2", "nar2018slides.example",
          "nar2018slides.proposition_amended")


# --- the claims --------------------------------------------------------------------------


def test_every_claim_states_its_class():
    for claim in MINE:
        assert claim.scope, claim.id


@pytest.mark.parametrize("cid", LIFTED)
def test_lifted_claims_are_proven(quick_results, cid):
    result = quick_results[cid]
    assert result.status is Status.CONFIRMED, [(e.check, e.outcome.value, e.detail)
                                               for e in result.evidence]
    assert result.strength is Strength.PROVEN, result.strength_basis


def test_proven_claims_rest_on_evidence_covering_exactly_their_class(quick_results):
    by_id = {c.id: c for c in MINE}
    proven = {cid for cid, r in quick_results.items()
              if cid in by_id and r.strength is Strength.PROVEN}
    assert proven == set(LIFTED)
    for cid in proven:
        claim, result = by_id[cid], quick_results[cid]
        exact = [e for e in result.evidence if e.outcome is Outcome.SUPPORTS
                 and e.tier in (Tier.SYMBOLIC, Tier.CERTIFIED) and e.coverage is not None
                 and e.coverage.scope is Scope.CLASS]
        deciding = [e for e in exact if e.coverage.decides]
        parts = {e.coverage.part for e in exact if e.coverage.part
                 and dict(e.coverage.covers) == dict(claim.scope)}
        assert (any(dict(e.coverage.covers) == dict(claim.scope) for e in deciding)
                or (claim.parts and set(claim.parts) <= parts)), cid


def test_controls_stay_refuted(quick_results):
    for claim in CONTROLS:
        assert quick_results[claim.id].status is Status.REFUTED, claim.id


# --- Example 1: the global cycle proof ---------------------------------------------------
# The convergence kind's scalar routes (verify.userclaims.scalar) on the paper's data and on
# variants of it written as claim-file tables.

EX1 = """
[[claim]]
id = "v.ex1"
kind = "convergence"
loss = "2*Abs(x)**Rational(3, 2)/3"
variables = ["x"]
step = "delta"
params = {{ delta = ["1/100", 2], x0 = [-10, 10] }}
start = ["x0"]
target = "cycle"
period = 2
points = [["{p}"], ["-({p})"]]
except = {exc}
except_preimages = {pre}
"""
S = '[["0"], ["delta**2"], ["-delta**2"]]'


def _finding(text: str, name: str):
    claim = claim_from_spec(parse_claims(text)[0])
    return next(c for c in claim.checks if c.name == name).run(QUICK)


def _ex1(point="delta**2/4", exc=S, pre="true", name="cycle_global_symbolic"):
    return _finding(EX1.format(p=point, exc=exc, pre=pre), name)


def test_example1_global_proof_facts():
    x, d = sp.Symbol("x", real=True), sp.Symbol("delta", positive=True)
    g = x - d * sp.diff(2 * sp.Abs(x) ** sp.Rational(3, 2) / 3, x)
    proof = prove_symmetric_cycle(g, x, d, d ** 2 / 4)
    assert proof.holds is True
    assert proof.facts["q(s) = h(s^2)"] == "s**2 - 2*s"
    assert proof.facts["s0 (q(s0) = 0: lands on 0)"] == "2"
    assert proof.facts["min q on [0, s0]"] == "-1"
    assert proof.facts["min (s^2 - q) on [s0, oo)"] == "4"


def test_example1_data_proof_covers_every_step_and_start():
    finding = _ex1()
    assert finding.outcome is Outcome.SUPPORTS, finding.detail
    assert finding.coverage.covers == {"delta": "(0, oo)", "x0": "(-oo, oo)"}
    assert finding.numbers["g^k(delta**2) = 0"] == "k = 1"
    assert finding.numbers["multiplier g'(P) g'(-P)"] == "0"


@pytest.mark.parametrize("point", ["delta**2/3", "delta**2/2", "delta**2", "delta/4"])
def test_example1_wrong_cycles_are_not_proven(point):
    x, d = sp.Symbol("x", real=True), sp.Symbol("delta", positive=True)
    g = x - d * sp.diff(2 * sp.Abs(x) ** sp.Rational(3, 2) / 3, x)
    assert prove_symmetric_cycle(g, x, d, sp.sympify(point, locals={"delta": d})).holds \
        is not True
    finding = _ex1(point)
    assert finding.outcome is Outcome.UNDECIDED and finding.coverage is None


@pytest.mark.parametrize("exc,pre", [('[["0"], ["delta**2/2"]]', "true"),  # not in S
                                     ('[["delta**2"]]', "true"),  # 0 itself not excluded
                                     (S, "false")])  # S's deeper preimages not excluded
def test_example1_exception_set_must_be_s(exc, pre):
    assert _ex1(exc=exc, pre=pre).outcome is Outcome.UNDECIDED


def test_example1_sweep_refutes_a_wrong_cycle_and_replays_its_point():
    finding = _ex1("delta**2/3", name="cycle_basins")
    assert finding.outcome is Outcome.REFUTES and finding.figures
    cx = finding.counterexample
    again = next(c for c in claim_from_spec(parse_claims(EX1.format(
        p="delta**2/3", exc=S, pre="true"))[0]).checks if c.name == "cycle_basins")
    replayed = again.run(CheckContext(seed=0, quick=True, at=cx.replay))
    assert replayed.outcome is Outcome.REFUTES and replayed.counterexample.at == cx.at


def test_except_preimages_needs_a_cycle_target_and_points():
    bad = parse_claims(EX1.format(p="delta**2/4", exc='["x0 == 0"]', pre="true"))[0]
    assert bad.key == "except_preimages"


# long_orbit: one orbit certified in Arb balls (optional; Example 1 asks for 100000 steps)
LONG = 'long_orbit = {{ at = {{ delta = "1/3", x0 = "7/3" }}, steps = {n}, digits = 60 }}\n'


def _long(point="delta**2/4", n=2000, extra=""):
    return _finding(EX1.format(p=point, exc=S, pre="true") + LONG.format(n=n) + extra,
                    "long_orbit_certified")


def test_long_orbit_ends_in_the_cycles_trap():
    finding = _long()
    assert finding.outcome is Outcome.SUPPORTS, finding.detail
    assert finding.numbers["steps"] == "2000" and finding.numbers["undecided signs"] == "0"
    assert finding.coverage.scope is Scope.INSTANCES and not finding.coverage.decides
    assert finding.coverage.covers == {"delta": "= 1/3", "x[0]": "= 7/3"}


def test_long_orbit_of_a_wrong_cycle_is_refuted():
    finding = _long("delta**2/3", n=50)
    assert finding.outcome is Outcome.REFUTES, finding.detail


def test_long_orbit_is_optional_and_on_the_paper_claim():
    plain = claim_from_spec(parse_claims(EX1.format(p="delta**2/4", exc=S, pre="true"))[0])
    assert "long_orbit_certified" not in {c.name for c in plain.checks}
    ex1 = next(c for c in STEP if c.id == "nar2018step.ex1")
    assert "long_orbit_certified" in {c.name for c in ex1.checks}
    assert ex1.hypotheses["long orbit"] == "100000 steps at 200 digits from delta = 1/3, " \
                                           "x0 = 7/3 (certified)"


@pytest.mark.parametrize("table,why", [
    ('{ at = { delta = "1/3" }, steps = 10 }', "exactly the parameters"),
    ('{ at = { delta = "1/3", x0 = "7/3", L = 2 }, steps = 10 }', "exactly the parameters"),
    ('{ at = { delta = "3", x0 = "7/3" }, steps = 10 }', "outside its interval"),
    ('{ at = { delta = "1/3", x0 = "abc" }, steps = 10 }', "not a rational number"),
    ('{ at = { delta = "1/3", x0 = "7/3" }, steps = 0 }', "steps must be an integer"),
    ('{ at = { delta = "1/3", x0 = "7/3" }, steps = 10, digits = 5000 }', "digits must be"),
    ('{ at = { delta = "1/3", x0 = "7/3" } }', "write { at ="),
    ('"7/3"', "write { at ="),
])
def test_long_orbit_bad_tables_name_the_field(table, why):
    bad = parse_claims(EX1.format(p="delta**2/4", exc=S, pre="true")
                       + f"long_orbit = {table}\n")[0]
    assert bad.key == "long_orbit" and why in bad.message, bad.message


def test_long_orbit_needs_a_cycle_with_points():
    text = EX2.format(lhs="x0**(L - 2)", rhs="2/(L*delta)", ints="[4, 6, 2]") + \
        'long_orbit = { at = { delta = "1/3", x0 = "1" }, steps = 10 }\n'
    bad = parse_claims(text)[0]
    assert bad.key == "long_orbit" and "target = \"cycle\"" in bad.message


def test_long_orbit_on_a_claim_not_of_the_scalar_form_is_undecided():
    two = EX1.format(p="delta**2/4", exc=S, pre="true").replace(
        'x0 = [-10, 10] }', 'x0 = [-10, 10], c = [1, 2] }').replace(
        '"2*Abs(x)', '"c*2*Abs(x)') + LONG.format(n=10).replace('x0 = "7/3"', 'x0 = "7/3", c = 1')
    finding = _finding(two, "long_orbit_certified")
    assert finding.outcome is Outcome.UNDECIDED and "one-variable" in finding.detail


def test_not_odd_map_is_not_proven():
    x, d = sp.Symbol("x", real=True), sp.Symbol("delta", positive=True)
    skewed = x - d * sp.sign(x) * sp.sqrt(sp.Abs(x)) + d * x ** 2
    assert prove_symmetric_cycle(skewed, x, d, d ** 2 / 4).holds is None


# --- Example 2: every even L > 2 ---------------------------------------------------------

EX2 = """
[[claim]]
id = "v.ex2"
kind = "convergence"
loss = "x**L"
variables = ["x"]
integers = {{ L = {ints} }}
step = "delta"
params = {{ delta = ["1/100", 1], x0 = [-3, 3] }}
start = ["x0"]
condition = "{lhs} < {rhs}"
target = ["0"]
otherwise = "diverges"
except = ["{lhs} == {rhs}"]
"""


def _ex2(lhs="x0**(L - 2)", rhs="2/(L*delta)", ints="[4, 10, 2]",
         name="contraction_family_symbolic"):
    return _finding(EX2.format(lhs=lhs, rhs=rhs, ints=ints), name)


def test_example2_family_proof_covers_every_even_power():
    finding = _ex2()
    assert finding.outcome is Outcome.SUPPORTS, finding.detail
    assert finding.coverage.covers == {"L": "even, >= 4", "delta": "(0, oo)",
                                       "x0": "(-oo, oo)"}
    assert finding.numbers["u(x) = 1 - g(x)/x"] == "2*delta*x**(2*m + 2)*(m + 2)"


def test_example2_instances_and_the_boundary_cycle():
    finding = _ex2(name="contraction_symbolic")
    assert finding.outcome is Outcome.SUPPORTS, finding.detail
    assert finding.coverage.covers["L"] == "{4, 6, 8, 10}"
    assert finding.numbers["at equality [L = 4]"] == "2-cycle +-r, multiplier 25"


@pytest.mark.parametrize("lhs,rhs", [("x0**(L-1)", "2/(L*delta)"), ("x0**(L-2)", "1/(L*delta)"),
                                     ("x0**(L-2)", "4/(L*delta)")])
def test_example2_wrong_conditions_are_not_proven(lhs, rhs):
    assert _ex2(lhs, rhs).outcome is Outcome.UNDECIDED


def test_example2_sweep_refutes_a_wrong_boundary():
    finding = _ex2("x0**(L-2)", "4/(L*delta)", ints="[4, 6, 2]", name="condition_sweep")
    assert finding.outcome is Outcome.REFUTES
    assert finding.counterexample.observed == "diverges"


def test_example2_precise_sweep_refutes_a_wrong_boundary_and_replays_it():
    text = EX2.format(lhs="x0**(L-2)", rhs="4/(L*delta)", ints="[4, 6, 2]")
    finding = _ex2("x0**(L-2)", "4/(L*delta)", ints="[4, 6, 2]", name="condition_sweep_precise")
    assert finding.outcome is Outcome.REFUTES and finding.counterexample.dps == QUICK.dps + 20
    cx = finding.counterexample
    again = next(c for c in claim_from_spec(parse_claims(text)[0]).checks
                 if c.name == "condition_sweep_precise")
    replayed = again.run(CheckContext(seed=0, quick=True, at=cx.replay))
    assert replayed.outcome is Outcome.REFUTES and replayed.counterexample.at == cx.at


def test_example2_sweeps_sample_as_before_the_move():
    ex2 = next(c for c in STEP if c.id == "nar2018step.ex2")
    names = {c.name for c in ex2.checks}
    assert {"condition_sweep", "condition_sweep_precise"} <= names
    assert "convergence_search" in names
    # 4 powers x 3 step sizes x (40 starts near +-r, 80 random): all inside the box
    finding = next(c for c in ex2.checks if c.name == "condition_sweep").run(QUICK)
    assert finding.outcome is Outcome.SUPPORTS and finding.coverage.points == 1440
    assert finding.coverage.covers["delta"] == "{0.01, 0.1, 1.0}"


def test_example2_search_is_a_cross_check_only_where_the_argument_proves_the_class():
    proven = _ex2(ints="[4, 6, 2]", name="convergence_search")
    assert proven.outcome is Outcome.SUPPORTS and proven.detail.count("a cross-check of") == 1
    assert proven.numbers["step budget [L = 4]"] == "300 (a cross-check: not extended)"
    # 10 drawn points (quick) besides the box's edges, per instance
    assert proven.coverage.scope is Scope.SAMPLE and int(proven.numbers["examples [L = 4]"]) < 25
    # no exact argument (the boundary is not excluded): the full search
    text = EX2.format(lhs="x0**(L - 2)", rhs="2/(L*delta)", ints="[4, 6, 2]").replace(
        'except = ["x0**(L - 2) == 2/(L*delta)"]\n', "")
    full = _finding(text, "convergence_search")
    assert "cross-check" not in full.detail and int(full.numbers["examples [L = 4]"]) > 40


def test_example2_family_must_exclude_l_equal_two():
    # L = 2, 4, ... includes L = 2, where u = 2 delta is constant: no proof
    assert _ex2(ints="[2, 8, 2]").outcome is Outcome.UNDECIDED


# --- the slides' example: the sole attractor at 0.3 --------------------------------------


def test_critical_points_of_the_slides_polynomial():
    x = sp.Symbol("x", real=True)
    f = (x ** 2 + 1) * (x - 1) ** 2 * (x - 2) ** 2
    kinds = equilibrium_multipliers(f, x, sp.Rational(3, 10))
    assert [k for _, _, k in kinds] == ["attracting", "repelling", "repelling"]
    assert kinds[1][0] >= sp.Rational(3, 2) and kinds[1][1] <= sp.Rational(5, 3)
    # at the thresholds the multiplier is exactly -1
    assert equilibrium_multipliers(f, x, sp.Rational(1, 2))[0][2] == "neutral"
    assert equilibrium_multipliers(f, x, sp.Rational(1, 5))[2][2] == "neutral"


SOLE = """
[[claim]]
id = "sole"
kind = "sole_limit"
loss = "(x**2 + 1)*(x - 1)**2*(x - 2)**2"
variables = ["x"]
step = "delta"
params = {{ delta = "{delta}" }}
equilibrium = ["{point}"]
region = [0, 3]
"""


def test_sole_limit_proven_at_three_tenths():
    finding = _finding(SOLE.format(delta="3/10", point="1"), "sole_limit_symbolic")
    assert finding.outcome is Outcome.SUPPORTS, finding.detail
    assert finding.coverage.scope is Scope.CLASS and finding.coverage.covers == {
        "delta": "= 3/10"}


@pytest.mark.parametrize("delta,point", [("1/10", "1"), ("3/10", "2"), ("1/2", "1")])
def test_sole_limit_fails_where_it_should(delta, point):
    finding = _finding(SOLE.format(delta=delta, point=point), "sole_limit_symbolic")
    assert finding.outcome is Outcome.UNDECIDED


def test_sole_limit_rejects_a_non_critical_point():
    with pytest.raises(ValueError, match="key 'equilibrium'.*not a critical point"):
        _finding(SOLE.format(delta="3/10", point="3/2"), "sole_limit_symbolic")


# --- the slides' Proposition: every depth ------------------------------------------------


CHAIN = """
[[claim]]
id = "chain"
kind = "threshold"
model = {{ family = "deep_linear", depth = "L", width = 1, target = "lam" }}
integers = {{ L = ">= 2" }}
step = "delta"
params = {{ delta = "> 0", lam = "{lam}" }}
equilibrium = "minimisers"
bound = "{bound}/Sum((lam/w[i])**2, (i, 1, L))"
"""


def _chain(bound="2", lam="> 0", name="threshold_every_L"):
    return _finding(CHAIN.format(bound=bound, lam=lam), name)


@pytest.mark.parametrize("lam", ["> 0", "< 0"])
def test_chain_threshold_for_every_depth(lam):
    finding = _chain(lam=lam)
    assert finding.outcome is Outcome.SUPPORTS, finding.detail
    assert finding.coverage.scope is Scope.CLASS
    assert finding.coverage.covers == {"L": ">= 2", "delta": "> 0", "lam": lam}
    assert finding.numbers["bound / (2 / sum_i (R/w_i)^2)"] == "1"


def test_chain_threshold_half_the_bound_is_not_proven_and_the_search_refutes_it():
    assert _chain(bound="1").outcome is Outcome.UNDECIDED  # never refutes: L is a symbol
    claim = claim_from_spec(parse_claims(CHAIN.format(bound="1", lam="> 0"))[0])
    search = next(c for c in claim.checks if c.name == "threshold_search")
    finding = search.run(QUICK)
    assert finding.outcome is Outcome.REFUTES, finding.detail
    assert {"L", "lam", "delta", "w2"} <= set(finding.counterexample.replay)


def test_chain_threshold_accepts_a_loose_bound():
    finding = _chain(bound="3")
    assert finding.outcome is Outcome.SUPPORTS and "3/2 times" in finding.detail


def test_chain_threshold_at_the_printed_proposition_lands_exactly(quick_results):
    result = quick_results["nar2018slides.proposition"]
    assert result.status is Status.REFUTED
    refuting = {e.check for e in result.evidence if e.outcome is Outcome.REFUTES}
    assert refuting <= {"landing.convergence_exact", "landing.convergence_search"}, refuting
