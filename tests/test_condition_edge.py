"""A claim's non-strict condition or assumption is probed at its equality case.

"GD on a x^2/2 from x = 1 converges for every eta <= 2/a" fails exactly on eta = 2/a, where
GD is x -> -x (a 2-cycle); the band is a curve in the (eta, a) box, which random draws never
hit.  The search tries the condition's edge itself where it lies at a short decimal (a = 5/4:
eta = 8/5), decides the condition there exactly (not by a rounded slack), and refutes with a
replay line; the strict twin "eta < 2/a" stays confirmed.  Both confirmed before."""

import sympy as sp

from verify.userclaims.build import claim_from_spec
from verify.userclaims.parse import parse_claims
from verify.userclaims.search import decimal_root
from verify.vocabulary import CheckContext, Outcome

CLAIM = '''
[[claim]]
id = "edge.quadratic"
statement = "GD on a x^2/2 from x = 1 converges to 0 for every eta {rel} 2/a."
kind = "convergence"
model = {{ family = "quadratic", A = [["a"]] }}
step = "eta"
params = {{ eta = [0.01, 3], a = [0.5, 2] }}
start = ["1"]
condition = "eta {rel} 2/a"
target = "minimisers"
'''


def _check(template: str, rel: str, name: str):
    """The check ``name`` of the claim ``template`` with its relation ``rel``."""
    claim = claim_from_spec(parse_claims(template.format(rel=rel))[0])
    return next(c for c in claim.checks if c.name == name)


def _search(rel: str):
    return _check(CLAIM, rel, "convergence_search")


def test_non_strict_condition_is_refuted_on_its_equality_case():
    finding = _search("<=").run(CheckContext(seed=0, quick=True))
    assert finding.outcome is Outcome.REFUTES, finding.detail
    cx = finding.counterexample
    a, eta = sp.Rational(cx.at["a"]), sp.Rational(cx.at["eta"])
    assert eta * a == 2  # exactly on the edge: GD is x -> -x
    assert cx.observed == "cycle"
    replay = _search("<=").run(CheckContext(seed=0, quick=True, at=cx.replay))
    assert replay.outcome is Outcome.REFUTES, replay.detail


def test_strict_twin_is_not_refuted():
    for quick in (True, False):
        finding = _search("<").run(CheckContext(seed=0, quick=quick))
        assert finding.outcome is Outcome.SUPPORTS, finding.detail


def test_decimal_root_only_where_the_edge_is_a_short_decimal():
    eta, a = sp.symbols("eta a")
    relation = sp.Le(eta, 2 / a)
    assert decimal_root(relation, {"a": 1.25}, "eta", 1.5999999999999999, 1.6) == 1.6
    third = 2 / 1.5  # 4/3 has no decimal: no point on the edge
    assert decimal_root(relation, {"a": 1.5}, "eta", third, third) is None


ASSUMED = '''
[[claim]]
id = "edge.assumed"
statement = "eta lam {rel} 1/2 whenever eta <= 1/(2 lam)."
kind = "inequality"
lhs = "eta*lam"
relation = "{rel}"
rhs = "1/2"
params = {{ eta = [0.01, 1], lam = [0.3, 4] }}
assume = ["eta <= 1/(2*lam)"]
'''


def _inequality(rel: str):
    return _check(ASSUMED, rel, "inequality_search")


def test_assumption_edge_refutes_a_claim_false_only_on_it():
    """eta lam < 1/2 fails only on eta = 1/(2 lam), inside the box (no corner is on it)."""
    finding = _inequality("<").run(CheckContext(seed=0, quick=True))
    assert finding.outcome is Outcome.REFUTES, finding.detail
    at = finding.counterexample.at
    assert sp.Rational(at["eta"]) * sp.Rational(at["lam"]) == sp.Rational(1, 2)
    replay = _inequality("<").run(CheckContext(seed=0, quick=True,
                                               at=finding.counterexample.replay))
    assert replay.outcome is Outcome.REFUTES, replay.detail
    assert _inequality("<=").run(CheckContext(seed=0, quick=True)).outcome is Outcome.SUPPORTS
