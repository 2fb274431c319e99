"""The claim language's unbounded parameters: ``integers = { L = ">= n" }`` (every depth) and
real parameters on a half-line (``params = { lam = "< 0" }``).

A claim about every depth L is proven for every L at once where SymPy can (L = n + N, N a
nonnegative integer symbol); otherwise its instances n..n+4 decide it, at best
proven-on-instances, and a false claim is refuted there with a concrete L.  Hostile values give
a message naming the field.
"""

from __future__ import annotations

import pytest

from verify.runner import run_check, run_claim
from verify.userclaims.build import claim_from_spec
from verify.userclaims.paperfile import parse_paper
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim, ClaimFileError
from verify.vocabulary import Outcome, Status, Strength


def _claim(body: str, integers: str = '{ L = ">= 2" }'):
    (spec,) = parse_claims(f'[[claim]]\nid = "c"\nintegers = {integers}\n{body}')
    return spec


EVERY = 'kind = "inequality"\nparams = { w = [0, 1], m = [0, 5] }\n' \
        'lhs = "w**(L - 2)*(w**L + m)"\nrelation = ">="\nrhs = "0"'
GEOMETRIC = ('kind = "identity"\nvariables = ["w"]\nparams = { r = [2, 3] }\n'
             'lhs = "(w - r)*Sum(w**j*r**(L - 1 - j), (j, 0, L - 1))"\nrhs = "w**L - r**L"')
FALSE = 'kind = "inequality"\nparams = { w = ["1/2", 2] }\nlhs = "w**L"\nrelation = "<="\n' \
        'rhs = "w**3"'
AMGM = ('kind = "inequality"\nparams = { a = ["1/2", 2] }\nlhs = "(L - 1)*a**L + 1"\n'
        'relation = ">="\nrhs = "L*a**(L - 1)"')


def test_unbounded_parses_to_its_end_and_instances():
    spec = _claim(EVERY)
    assert spec.unbounded == {"L": 2} and spec.integers == {"L": (2, 3, 4, 5, 6)}
    claim = claim_from_spec(spec)
    assert claim.scope["L"] == ">= 2" and claim.hypotheses["L"].startswith(">= 2")
    assert claim.checks[0].name == "inequality_every_L" and claim.checks[0].attempt


@pytest.mark.parametrize("value", ['">= -5"', '">= 0"', '">= 1000000"', '"nonsense"',
                                   '">= 2.5"', '">="', '"<= 3"', '">= 2 or 3"'])
def test_hostile_unbounded_names_the_field(value):
    spec = _claim(EVERY, f"{{ L = {value} }}")
    assert isinstance(spec, BadClaim) and spec.key == "integers"
    assert "'L'" in spec.message and ">= n" in spec.message


def test_two_unbounded_exceed_the_instance_limit():
    spec = _claim(EVERY.replace("m = [0, 5]", "m = 1"), '{ L = ">= 2", K = ">= 1" }')
    assert isinstance(spec, BadClaim) and spec.key == "integers" and "instances" in spec.message


def _every_l(spec):
    claim = claim_from_spec(spec)
    return run_check(claim, claim.checks[0], seed=0, quick=True, dps=30)


def test_every_l_proof_covers_every_depth():
    ev = _every_l(_claim(EVERY))
    assert ev.outcome is Outcome.SUPPORTS
    assert dict(ev.coverage.covers) == {"L": ">= 2", "m": "[0, 5]", "w": "[0, 1]"}


def test_every_l_proof_sums_in_closed_form():
    """A geometric sum over j = 0..L-1 (SymPy's Piecewise closed form, both branches)."""
    ev = _every_l(_claim(GEOMETRIC, '{ L = ">= 1" }'))
    assert ev.outcome is Outcome.SUPPORTS and ev.coverage.covers["L"] == ">= 1"


PRODUCT = ('kind = "identity"\nvariables = ["w"]\nparams = {{ r = [2, 3] }}\n'
           'lhs = "Product(w*r**k, (k, 1, L))"\nrhs = "{rhs}"')


def test_every_l_proof_of_a_product_over_layers():
    """Product over k = 1..L in closed form: w^L r^(L(L+1)/2) for every L; a wrong power of r
    is refuted at a concrete depth by the instances, never by the every-L attempt."""
    ev = _every_l(_claim(PRODUCT.format(rhs="w**L*r**(L*(L + 1)/2)"), '{ L = ">= 1" }'))
    assert ev.outcome is Outcome.SUPPORTS and ev.coverage.covers["L"] == ">= 1"
    wrong = _claim(PRODUCT.format(rhs="w**L*r**(L**2/2)"), '{ L = ">= 1" }')
    assert _every_l(wrong).outcome is Outcome.UNDECIDED
    claim = claim_from_spec(wrong)
    refuted = [run_check(claim, c, seed=0, quick=True, dps=30) for c in claim.checks[1:]]
    cx = [e.counterexample for e in refuted if e.outcome is Outcome.REFUTES]
    assert cx and cx[0].at["L"] == "1"


@pytest.mark.parametrize("limits, says", [
    ("(k, 1, 10**9)", "larger than 10000"), ("(k, 1, 10**9*L)", "coefficient larger"),
    ("(k, 1, L**2)", "linear in names"), ("(k, 1, r)", "not an integer"),
    ("(k, 1, 1/2)", "not an integer"), ("(k, -9000, 9000)", "more than 10000 terms")])
def test_hostile_sum_limits_name_the_field(limits, says):
    """A Sum or Product whose limits could ask for billions of terms is refused before any
    computation, with a message naming the field (it used to run past every budget)."""
    for op in ("Sum", "Product"):
        body = PRODUCT.format(rhs="w").replace("Product(w*r**k, (k, 1, L))", f"{op}(k, {limits})")
        spec = _claim(body, '{ L = ">= 1" }')
        assert isinstance(spec, BadClaim) and spec.key == "lhs" and says in spec.message


THRESHOLD = ('kind = "threshold"\nloss = "(w**L - r)**2/(2*L)"\nvariables = ["w"]\n'
             'step = "delta"\nparams = {{ delta = ["1/100", 2], r = ["1/2", 2] }}\n'
             'equilibrium = ["r**(1/L)"]\nbound = "{bound}"\ntight = true')


def test_every_l_threshold_of_the_balanced_chain():
    """The equal-weight chain (each layer's gradient is d/dw of (w^L - r)^2/(2L)): its
    threshold 2/(L r^(2 - 2/L)) (Corollary 1's bound (4), scalar) proven for every L >= 2; a
    wrong power is not."""
    ev = _every_l(_claim(THRESHOLD.format(bound="2/(L*r**(2 - 2/L))")))
    assert ev.outcome is Outcome.SUPPORTS and ev.coverage.covers["L"] == ">= 2"
    wrong = _every_l(_claim(THRESHOLD.format(bound="2/(L*r**(2 - 1/L))")))
    assert wrong.outcome is Outcome.UNDECIDED


@pytest.mark.parametrize("body", [FALSE, AMGM])
def test_every_l_attempt_never_refutes(body):
    """No proof for every L: undecided (a symbolic L is no counterexample), never refuted."""
    assert _every_l(_claim(body, '{ L = ">= 1" }')).outcome is Outcome.UNDECIDED


def test_every_l_replay_is_left_to_the_instances():
    claim = claim_from_spec(_claim(EVERY))
    ev = run_check(claim, claim.checks[0], seed=0, quick=True, dps=30, at={"L": "3", "w": "0.5",
                                                                             "m": "1"})
    assert ev.outcome is Outcome.UNDECIDED


@pytest.mark.slow
def test_claims_end_to_end():
    """Proven for every L; false at L = 1 refuted with that L; no proof for every L:
    proven-on-instances (each instance proven exactly), honestly not proven."""
    proven = run_claim(claim_from_spec(_claim(EVERY)), seed=0, quick=True, dps=30)
    assert (proven.status, proven.strength) == (Status.CONFIRMED, Strength.PROVEN)
    false = run_claim(claim_from_spec(_claim(FALSE, '{ L = ">= 1" }')), seed=0, quick=True,
                      dps=30)
    assert false.status is Status.REFUTED
    cx = [e.counterexample for e in false.evidence if e.outcome is Outcome.REFUTES]
    assert cx and all(c.at["L"] == "1" and c.replay["L"] == "1" for c in cx)
    instances = run_claim(claim_from_spec(_claim(AMGM)), seed=0, quick=True, dps=30)
    assert (instances.status, instances.strength) == (Status.CONFIRMED,
                                                      Strength.PROVEN_ON_INSTANCES)
    assert "{2, 3, 4, 5, 6}" in instances.strength_basis


def test_instance_searches_cross_check_a_proof_for_every_depth():
    """Proven for every L: each instance's search draws 10 points (quick) and says it is a
    cross-check; with no proof for every L (AM-GM) the instances are searched in full."""
    proven = run_claim(claim_from_spec(_claim(EVERY)), seed=0, quick=True, dps=30)
    search = next(e for e in proven.evidence if e.check == "inequality_search")
    assert "a cross-check (10 draws) of the proof for every L >= 2" in search.detail
    full = run_claim(claim_from_spec(_claim(AMGM)), seed=0, quick=True, dps=30)
    search = next(e for e in full.evidence if e.check == "inequality_search")
    assert "cross-check" not in search.detail and search.coverage.points > 5 * 10


def _box_claim(body: str):
    (spec,) = parse_claims(f'[[claim]]\nid = "c"\n{body}')
    return spec


def test_a_search_cross_checks_a_proof_on_the_whole_box():
    """No integer parameters: where the claim's own SymPy check proves it on the box, the search
    draws 10 points (quick) and says it is a cross-check; a false twin is searched in full and
    refuted; a true claim SymPy does not prove (sin a <= a) is searched in full."""
    true = run_claim(claim_from_spec(_box_claim(
        'kind = "inequality"\nparams = { a = [0, 1], b = "> 0" }\nlhs = "a**2 + b"\n'
        'relation = ">="\nrhs = "0"')), seed=0, quick=True, dps=30)
    search = next(e for e in true.evidence if e.check == "inequality_search")
    assert "a cross-check (10 draws) of the SymPy proof on the whole box" in search.detail
    assert true.status is Status.CONFIRMED and true.strength is Strength.PROVEN
    false = run_claim(claim_from_spec(_box_claim(
        'kind = "inequality"\nparams = { a = [0, 1], b = "> 0" }\nlhs = "a**2 - b"\n'
        'relation = ">="\nrhs = "0"')), seed=0, quick=True, dps=30)
    search = next(e for e in false.evidence if e.check == "inequality_search")
    assert false.status is Status.REFUTED and "cross-check" not in search.detail
    unproven = run_claim(claim_from_spec(_box_claim(
        'kind = "inequality"\nparams = { a = [0, 1] }\nlhs = "sin(a)"\nrelation = "<="\n'
        'rhs = "a"')), seed=0, quick=True, dps=30)
    search = next(e for e in unproven.evidence if e.check == "inequality_search")
    assert "cross-check" not in search.detail and search.coverage.points > 5 * 10


def test_a_search_cross_checks_an_arb_proof_of_each_instance():
    """Listed integer instances, each proven by Arb branch and bound (SymPy cannot): each
    instance's search is a cross-check of that instance's proof (nar2018step.remark2's third
    part spent ~9 s in full searches of proven instances)."""
    body = ('kind = "inequality"\nintegers = { L = [2, 3] }\nparams = { a = [0, 1] }\n'
            'lhs = "sin(a) + L"\nrelation = "<="\nrhs = "RHS"')
    true = run_claim(claim_from_spec(_box_claim(body.replace("RHS", "a + L + 1/2"))), seed=0,
                     quick=True, dps=30)
    by = {e.check: e for e in true.evidence}
    assert by["inequality_certified"].outcome is Outcome.SUPPORTS
    assert "a cross-check (10 draws) of the Arb proof on the whole box" in \
        by["inequality_search"].detail
    false = run_claim(claim_from_spec(_box_claim(body.replace("RHS", "a + L - 1/2"))), seed=0,
                      quick=True, dps=30)
    search = next(e for e in false.evidence if e.check == "inequality_search")
    assert false.status is Status.REFUTED and "cross-check" not in search.detail


PAPER = '''[paper]
key = "{key}"
citation = "A paper."

[[claim]]
id = "p.one"
where = "Lemma 1"
kind = "inequality"
params = {{ a = [0, 1] }}
lhs = "a"
relation = ">="
rhs = "0"
'''


def test_a_second_paper_file_adds_to_its_paper():
    paper = parse_paper(PAPER.format(key="p"), "p_depth")
    assert paper.key == "p" and paper.claims[0].item.id == "p.one"
    with pytest.raises(ClaimFileError, match="key must be the file's stem"):
        parse_paper(PAPER.format(key="q"), "p_depth")
    with pytest.raises(ClaimFileError, match="key must be the file's stem"):
        parse_paper(PAPER.format(key="p_dep"), "p_depth")


@pytest.mark.slow
def test_lemma4_proof_as_data_is_refuted_at_a_concrete_depth():
    """nar2018step.lemma4_proof (nar2018step_depth.toml): sigma = 1 proven for every L; the
    real equilibrium fails at L = 2 and the strict factor bound at L = 3, each with its L."""
    from verify.registry import select

    (claim,) = select(["nar2018step.lemma4_proof"])
    result = run_claim(claim, seed=0, quick=True, dps=50)
    assert result.status is Status.REFUTED
    by = {e.check: e for e in result.evidence}
    assert by["sigma.identity_every_L"].outcome is Outcome.SUPPORTS
    assert by["real_equilibrium.identity_search"].counterexample.replay["L"] == "2"
    assert by["factor_below_one.inequality_search"].counterexample.replay["L"] == "3"


# ------------------------------------------------------------ real parameters on a half-line

RAY = ('[[claim]]\nid = "r"\nkind = "inequality"\nparams = {{ lam = {lam}, s = ">= 0" }}\n'
       'lhs = "1 - 1/((1 + s)*(1 - lam))"\nrelation = ">"\nrhs = "0"\n')


def test_half_line_parses_to_its_class_and_a_box_inside_it():
    (spec,) = parse_claims(RAY.format(lam='"< 0"'))
    assert spec.rays == {"lam": "< 0", "s": ">= 0"}
    assert spec.params == {"lam": ("-10001/1000", "-1/1000"), "s": ("0", "10")}
    claim = claim_from_spec(spec)
    assert claim.scope == {"lam": "< 0", "s": ">= 0"}
    assert claim.hypotheses["lam"] == "< 0 (searched in [-10001/1000, -1/1000])"


@pytest.mark.parametrize("lam", ['"< zero"', '"<"', '"< 1e999"', '"< 10000000"', '"=< 0"'])
def test_hostile_half_line_names_the_field(lam):
    (spec,) = parse_claims(RAY.format(lam=lam))
    assert isinstance(spec, BadClaim) and spec.key == "params" and "'lam'" in spec.message


def test_half_line_only_where_a_proof_can_cover_it():
    # a cycle's orbit is checked over the step's box: no half-line (a threshold takes one,
    # issue 17: its symbolic check does not depend on the step)
    (spec,) = parse_claims('[[claim]]\nid = "t"\nkind = "cycle"\nloss = "x**2"\n'
                           'variables = ["x"]\nstep = "eta"\nparams = { eta = "> 0" }\n'
                           'points = [["0"]]\n')
    assert isinstance(spec, BadClaim) and spec.key == "params" and "half-line" in spec.message


def test_half_line_proof_covers_it_and_bisection_only_its_box():
    """A symbolic proof (signs of the half-line) covers lam < 0; Arb bisection over the drawn
    box covers that box only, so it alone could never make the claim proven."""
    (spec,) = parse_claims(RAY.format(lam='"< 0"'))
    claim = claim_from_spec(spec)
    by = {c.name: c for c in claim.checks}
    symbolic = run_check(claim, by["inequality_symbolic"], seed=0, quick=True, dps=30)
    assert symbolic.outcome is Outcome.SUPPORTS
    assert dict(symbolic.coverage.covers) == {"lam": "< 0", "s": ">= 0"}
    certified = run_check(claim, by["inequality_certified"], seed=0, quick=True, dps=30)
    assert certified.outcome is Outcome.SUPPORTS
    assert dict(certified.coverage.covers) == {"lam": "[-10001/1000, -1/1000]", "s": "[0, 10]"}


@pytest.mark.parametrize("lam, relation", [('"> -1/1000"', ">"), ('"> -100"', ">"),
                                           ('"< 100"', "<"), ('"<= 50"', "<")])
def test_half_line_signs_stay_those_of_the_half_line(lam, relation):
    """A half-line that contains values of both signs draws from an interval that does too
    (the symbolic tier takes the interval's signs), so a one-signed claim is not 'proven'."""
    (spec,) = parse_claims(RAY.format(lam=lam).replace(
        'lhs = "1 - 1/((1 + s)*(1 - lam))"', 'lhs = "lam"').replace(
        'relation = ">"', f'relation = "{relation}"'))
    lo, hi = (sp_rational(v) for v in spec.params["lam"])
    assert lo < 0 < hi
    claim = claim_from_spec(spec)
    symbolic = run_check(claim, claim.checks[0], seed=0, quick=True, dps=30)
    assert symbolic.outcome is not Outcome.SUPPORTS


def sp_rational(text: str):
    import sympy as sp

    return sp.Rational(text)


# --- a threshold at the chain's minimiser set with one bound for the whole set (delta_max) ---

CHAIN_SET = ('kind = "threshold"\nmodel = {{ family = "deep_linear", depth = "L", width = 1, '
             'target = "lam" }}\nstep = "delta"\nparams = {{ delta = "> 0", lam = "{lam}" }}\n'
             'equilibrium = "minimisers"\nbound = "{bound}"')
DELTA_MAX = "2/(L*Abs(lam)**(2*(L - 1)/L))"


@pytest.mark.parametrize("lam, bound, ratio", [
    ("> 0", DELTA_MAX, "1"), ("< 0", DELTA_MAX, "1"),
    ("> 0", "2/(L*lam**(2*(L - 1)/L))", "1"), ("< 0", f"3*{DELTA_MAX}", "3")])
def test_a_bound_for_the_whole_minimiser_set_is_proven_against_delta_max(lam, bound, ratio):
    """Nar & Sastry (2018), the paragraph after Proposition 1: above delta_max every minimiser
    repels (AM-GM); a bound at or above it is proven for every L >= 1."""
    found = _every_l(_claim(CHAIN_SET.format(lam=lam, bound=bound), '{ L = ">= 1" }'))
    assert found.outcome is Outcome.SUPPORTS and found.coverage.covers["L"] == ">= 1"
    assert found.numbers["bound / (2 / (L |R|^(2(L-1)/L)))"] == ratio
    assert found.numbers["prod_i (lam/w_i)^2 = lam^(2(L-1)) on the minimisers"] == "True"


@pytest.mark.parametrize("bound", [
    f"{DELTA_MAX}/2", "0", "-1", "2/(L**2*Abs(lam)**(2*(L - 1)/L))", "2/(L*lam**2)",
    "1/delta"])
def test_a_bound_below_delta_max_or_not_a_constant_multiple_is_never_proven(bound):
    """Half of delta_max, 0, a negative bound, one that falls below it as L grows, one whose
    ratio depends on lam, one naming the step: the every-L attempt stays undecided (the
    instances decide; it never refutes) or the claim is refused with a message naming the
    key, never a proof."""
    spec = _claim(CHAIN_SET.format(lam="> 0", bound=bound), '{ L = ">= 1" }')
    if isinstance(spec, BadClaim):
        assert spec.key == "bound"
        return
    assert _every_l(spec).outcome is Outcome.UNDECIDED


# --- an identity at a layered model's symmetric states (at = "symmetric") ---------------------

SYMMETRIC = ('kind = "identity"\nmodel = {{ {model} }}\nat = {at}\n{step}\n'
             'params = {{ delta = "> 0", {params} }}\nlhs = "{lhs}"\nrhs = "{rhs}"')
CHAIN = 'family = "deep_linear", depth = "L", target = "r"'
PROP2_MAP = "w - delta*w**(L - 1)*(w**L - r)"


@pytest.mark.parametrize("model, lhs, rhs", [
    (CHAIN, "gd_w", PROP2_MAP),
    ('family = "linear_resnet", depth = "L", target = "r"', "gd_u",
     "u - delta*(1 + u)**(L - 1)*((1 + u)**L - r)")])
def test_symmetric_identity_is_proven_for_every_depth(model, lhs, rhs):
    spec = _claim(SYMMETRIC.format(model=model, at='"symmetric"', step='step = "delta"',
                                   params="r = [1, 2]", lhs=lhs, rhs=rhs), '{ L = ">= 1" }')
    found = _every_l(spec)
    assert found.outcome is Outcome.SUPPORTS and found.coverage.covers["L"] == ">= 1"
    result = run_claim(claim_from_spec(spec), seed=0, quick=True, dps=30)
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN


def test_symmetric_identity_wrong_power_is_refuted_at_a_depth_with_a_replay():
    spec = _claim(SYMMETRIC.format(model=CHAIN, at='"symmetric"', step='step = "delta"',
                                   params="r = [1, 2]", lhs="gd_w",
                                   rhs="w - delta*w**L*(w**L - r)"), '{ L = ">= 1" }')
    assert _every_l(spec).outcome is Outcome.UNDECIDED
    claim = claim_from_spec(spec)
    found = run_check(claim, claim.checks[1], seed=0, quick=True, dps=30)
    cx = found.counterexample
    assert found.outcome is Outcome.REFUTES and cx.at["L"] == "1" and cx.margin != "0"
    again = run_check(claim, claim.checks[1], seed=0, quick=True, dps=30, at=cx.replay)
    assert again.outcome is Outcome.REFUTES


@pytest.mark.parametrize("model, at, step, params, lhs, key", [
    (CHAIN, '"bogus"', 'step = "delta"', "r = 1", "gd_w", "at"),
    (CHAIN, "[1]", 'step = "delta"', "r = 1", "gd_w", "at"),
    ('family = "deep_linear", depth = "L", width = 2, target = [["r", "0"], ["0", "r"]]',
     '"symmetric"', 'step = "delta"', "r = 1", "gd_w", "at"),
    ('family = "quadratic", A = [["r"]]', '"symmetric"', 'step = "delta"', "r = 1", "gd_w",
     "at"),
    (CHAIN, '"symmetric"', "", "r = 1", "gd_w", "step"),
    (CHAIN, '"symmetric"', 'step = "delta"', "r = 1, w = [1, 2]", "gd_w", "params"),
    (CHAIN, '"symmetric"', 'step = "delta"', "r = 1", "gd_w1", "lhs"),
    (CHAIN, '"symmetric"', 'step = "delta"', "r = 1", "gd_z", "lhs"),
    (CHAIN, '"symmetric"', 'step = "delta"', "r = 1", '__import__(\\"os\\")', "lhs")])
def test_hostile_symmetric_identity_names_the_key(model, at, step, params, lhs, key):
    spec = _claim(SYMMETRIC.format(model=model, at=at, step=step, params=params, lhs=lhs,
                                   rhs="w"), '{ L = ">= 1" }')
    assert isinstance(spec, BadClaim) and spec.key == key, spec


def test_symmetric_at_is_refused_without_a_model():
    spec = _claim('kind = "identity"\nloss = "x**2"\nvariables = ["x"]\nat = "symmetric"\n'
                  'step = "delta"\nparams = { delta = "> 0" }\nlhs = "gd_x"\nrhs = "x"')
    assert isinstance(spec, BadClaim) and spec.key == "at"
