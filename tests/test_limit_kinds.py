"""The ``limit`` and ``varies`` kinds (verify/userclaims/limits.py): proofs for every depth,
honest outcomes where SymPy cannot decide, and clear errors on bad or hostile tables.
The worked file with true claims and false twins is examples/limits.toml
(tests/test_claim_language.py asserts its verdicts and replays each refutation)."""

from __future__ import annotations

import pytest

from verify.api import check
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import Outcome, Status, Strength

HEAD = '[[claim]]\nid = "t.x"\n'


def _one(body: str):
    (item,) = parse_claims(HEAD + body)
    return item


def _run(tmp_path, body: str):
    path = tmp_path / "c.toml"
    path.write_text(HEAD + body)
    (result,) = check(path, quick=True)
    return result


def test_limit_proven_for_every_depth(tmp_path):
    r = _run(tmp_path, 'kind = "limit"\nintegers = { L = ">= 2" }\n'
                       'params = { a = "> 0", c = "> 0" }\n'
                       'lhs = "2/(c**(2*L - 2)*(1/a**2 + L - 2 + a**2))"\n'
                       'tends = "a"\nto = 0\nrhs = "0"\n')
    assert r.status is Status.CONFIRMED and r.strength is Strength.PROVEN
    assert r.claim.scope == {"L": ">= 2", "a": "> 0", "c": "> 0"}
    assert "-> 0 as a -> 0" in r.claim.asserts


def test_wrong_limit_is_refuted_exactly(tmp_path):
    r = _run(tmp_path, 'kind = "limit"\nparams = { a = "> 0", c = [1, 3] }\n'
                       'lhs = "c + 1/a"\ntends = "a"\nto = "oo"\nrhs = "c + 1"\n')
    assert r.status is Status.REFUTED
    cx = next(e for e in r.evidence if e.outcome is Outcome.REFUTES).counterexample
    assert cx.at == {"c": "2"} and cx.observed == "limit = 2" and cx.claimed == "limit = 3"


def test_undecidable_limit_is_inconclusive(tmp_path):
    """sin(a) has no limit as a -> oo: SymPy returns bounds, never a support or refutation."""
    r = _run(tmp_path, 'kind = "limit"\nparams = { a = "> 0" }\nlhs = "sin(a)"\n'
                       'tends = "a"\nto = "oo"\nrhs = "0"\n')
    assert r.status is Status.INCONCLUSIVE


def test_varies_wrong_variant_refuted_and_true_one_proven(tmp_path):
    true = _run(tmp_path, 'kind = "varies"\nintegers = { L = ">= 2" }\n'
                          'params = { c = "> 0" }\nlhs = "2/(L*c**(2*L - 2))"\nin = "c"\n')
    assert true.status is Status.CONFIRMED and true.strength is Strength.PROVEN
    # at L = 1 the threshold 2/(L c^0) = 2 does not depend on c (least squares)
    wrong = _run(tmp_path, 'kind = "varies"\nintegers = { L = ">= 1" }\n'
                           'params = { c = "> 0" }\nlhs = "2/(L*c**(2*L - 2))"\nin = "c"\n')
    assert wrong.status is Status.REFUTED
    ev = next(e for e in wrong.evidence if e.outcome is Outcome.REFUTES)
    assert ev.counterexample.replay["L"] == "1"


@pytest.mark.parametrize("body, key, words", [
    ('kind = "limit"\nparams = { a = [0, 1] }\nlhs = "a"\ntends = "b"\nto = 0\nrhs = "0"\n',
     "tends", "ranges over an interval"),
    ('kind = "limit"\nparams = { a = 1 }\nlhs = "a"\ntends = "a"\nto = 1\nrhs = "1"\n',
     "tends", "ranges over an interval"),
    ('kind = "limit"\nparams = { a = [0, 1] }\nlhs = "a"\ntends = "a"\nto = "oo"\nrhs = "0"\n',
     "to", "not an end"),
    (('kind = "limit"\nparams = { a = [0, 1] }\nlhs = "a"\ntends = "a"\nto = "1/2"\n'
     'rhs = "0"\n'), "to", "must be an end"),
    (('kind = "limit"\nparams = { a = [0, 1] }\nlhs = "a"\ntends = "a"\nto = "__import__"\n'
     'rhs = "0"\n'), "to", "must be an end"),
    (('kind = "limit"\nparams = { a = "> 0" }\nlhs = "a"\ntends = "a"\nto = "oo"\n'
     'rhs = "a"\n'), "rhs", "other than a"),
    (('kind = "limit"\nparams = { a = "> 0" }\nlhs = "a.__class__"\ntends = "a"\nto = "oo"\n'
     'rhs = "oo"\n'), "lhs", "attribute access"),
    ('kind = "varies"\nparams = { a = [0, 1] }\nlhs = "a"\nin = ["a"]\n', "in",
     "ranges over an interval"),
    ('kind = "varies"\nparams = { a = [0, 1] }\nlhs = "a"\nin = "a"\nto = 0\n', "to",
     "belongs to limit"),
    ('kind = "varies"\nparams = { oo = [0, 1] }\nlhs = "oo"\nin = "oo"\n', "params",
     "reserved"),
    (('kind = "varies"\nparams = { a = [0, 1], b = [0, 1] }\nassume = ["a < b"]\nlhs = "a"\n'
     'in = "a"\n'), "assume", "narrow those"),
])
def test_bad_tables_are_clear_errors(body, key, words):
    item = _one(body)
    assert isinstance(item, BadClaim) and item.key == key and words in item.message, item


@pytest.mark.parametrize("lhs, params, to, rhs", [
    # SymPy's limit takes a to be generic: 1 at oo, but the limit is 0 at a = 0
    ("a*x/(a*x + 1)", 'x = "> 0", a = [0, 1]', '"oo"', '"1"'),
    # 0 as x -> 0 for a != 1, oo at a = 1 (an interior value of the box)
    ("x/(x**2 + (a - 1)**2)", "x = [0, 1], a = [0, 2]", "0", '"0"'),
    # -sign(a) for a > 0, but sign(x) -> 1, not -sign(0) = 0, at a = 0
    ("sign(x - a)", "x = [0, 1], a = [0, 1]", "0", '"-sign(a)"'),
    ("Heaviside(x - a)", "x = [0, 1], a = [0, 1]", "0", '"Heaviside(-a)"'),
])
def test_limit_for_generic_parameters_is_refuted_where_it_fails(tmp_path, lhs, params, to,
                                                               rhs):
    """False claims whose SymPy limit holds only for generic values of the other parameters:
    never proven, and refuted at the box's midpoint or an end of a parameter's interval (they
    were inconclusive when the midpoint was the only probe)."""
    r = _run(tmp_path, f'kind = "limit"\nparams = {{ {params} }}\nlhs = "{lhs}"\n'
                       f'tends = "x"\nto = {to}\nrhs = {rhs}\n')
    assert r.status is Status.REFUTED, r
    assert r.evidence[0].counterexample.at["a"] in ("0", "1")


@pytest.mark.parametrize("lhs", ["Max(a, x)", "Piecewise((1, x < a), (0, True))"])
def test_limit_sympy_cannot_compute_is_no_error(tmp_path, lhs):
    """SymPy raises (TypeError, NotImplementedError) on these: an honest outcome, no error."""
    r = _run(tmp_path, f'kind = "limit"\nparams = {{ x = [0, 1], a = [1, 2] }}\nlhs = "{lhs}"\n'
                       'tends = "x"\nto = 0\nrhs = "0"\n')
    assert r.status in (Status.INCONCLUSIVE, Status.REFUTED)


def test_varies_with_zero_derivative_but_a_step_is_not_refuted(tmp_path):
    """0 on [3, 7/2], 1 elsewhere: its derivative is 0 wherever it exists, and it takes the
    same value at every point the check tries, yet it varies (true claim)."""
    r = _run(tmp_path, 'kind = "varies"\nparams = { x = [0, 4] }\n'
                       'lhs = "Piecewise((1, x < 3), (0, x < Rational(7, 2)), (1, True))"\n'
                       'in = "x"\n')
    assert r.status is Status.INCONCLUSIVE


@pytest.mark.parametrize("lhs, limit", [("Piecewise((0, x < 1), (1, True))", "0"),
                                        ("Piecewise((5, x >= 1), (x, True))", "1")])
def test_piecewise_limit_from_inside(tmp_path, lhs, limit):
    """x -> 1 from inside [0, 1]: SymPy's limit of a Piecewise took the branch at x = 1 (the
    true claim was refuted, its false twin proven)."""
    body = (f'kind = "limit"\nparams = {{ x = [0, 1] }}\nlhs = "{lhs}"\ntends = "x"\nto = 1\n')
    true = _run(tmp_path, body + f'rhs = "{limit}"\n')
    assert true.status is Status.CONFIRMED and true.strength is Strength.PROVEN
    assert _run(tmp_path, body + 'rhs = "5"\n' if limit == "1" else body + 'rhs = "1"\n'
                ).status is Status.REFUTED
