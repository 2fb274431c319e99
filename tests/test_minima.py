"""``at = "minima"`` (an inequality at the minima of every two_layer_relu problem whose data vary,
verify.userclaims.minima) and the Hessian's parts as identity names (``hessian``,
``gauss_newton``, ``outputs``): hostile input named by its key, the m = 2 minimum of Theorem 4's
counterexample replayed without the search, an unconfirmed violation left undecided, one search
shared by the claims that state it.  The examples' verdicts and replay lines:
tests/test_claim_language.py (examples/minima.toml)."""

from __future__ import annotations

import pytest
from test_gd_limits import _bad, _one  # the same parse helpers

from numerics import relu
from verify.userclaims.build import claim_from_spec
from verify.userclaims.model import Model
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome

N6 = ("Max(x_norm_0*out_norm_0, x_norm_1*out_norm_1, x_norm_2*out_norm_2, x_norm_3*out_norm_3, "
      "x_norm_4*out_norm_4, x_norm_5*out_norm_5)")
MINIMA = """[[claim]]
id = "t.min"
kind = "inequality"
at = "minima"
model = {{ family = "two_layer_relu", width = 2, x = {x}, y = {y}, bias = {bias} }}
minima = {minima}
lhs = "{lhs}"
relation = ">="
rhs = "{rhs}"
"""
X6 = "{ vary = [-4, 4], shape = [6, 1] }"
Y6 = '{ vary = "any", shape = [6, 2] }'
B2 = "{ vary = [-4, 4], shape = [2] }"
M = "{ seed = 0, starts = 2, evaluations = 300 }"


def _text(**kw) -> str:
    base = {"x": X6, "y": Y6, "bias": B2, "minima": M, "lhs": "sharpness", "rhs": N6}
    return MINIMA.format(**{**base, **kw})




@pytest.mark.parametrize("kw, key", [
    ({"x": "{ vary = [4, -4], shape = [6, 1] }"}, "model.x.vary"),
    ({"x": "{ vary = [-4, nan], shape = [6, 1] }"}, "model.x.vary"),
    ({"x": "{ vary = [-4, 1e9], shape = [6, 1] }"}, "model.x.vary"),
    ({"x": "{ vary = \"any\", shape = [6, 1] }"}, "model.x.vary"),
    ({"x": "{ vary = [-4, 4], shape = [6, 1, 1] }"}, "model.x.shape"),
    ({"x": "{ vary = [-4, 4], shape = [6, 1], seed = 1 }"}, "model.x"),
    ({"x": "{ vary = \"__import__('os').system('x')\", shape = [6, 1] }"}, "model.x.vary"),
    ({"y": '{ vary = "some", shape = [6, 2] }'}, "model.y.vary"),
    ({"y": "{ vary = [0, 1], shape = [6, 2] }"}, "model.y.vary"),
    ({"y": '{ vary = "any", shape = [6] }'}, None),  # one output: 6 labels > 4 weights
    ({"y": '{ vary = "any", shape = [2, 2] }', "x": "{ vary = [-4, 4], shape = [2, 1] }"},
     "model.y.vary"),  # 4 labels, 6 weights: every critical point fits
    ({"y": '{ vary = "any", shape = [5, 2] }'}, "model.y"),
    ({"bias": "[0, 0]"}, "model.bias"),
    ({"bias": "{ vary = [-4, 4], shape = [3] }"}, "model.bias"),
    ({"minima": "{ starts = 0, evaluations = 10 }"}, "minima.starts"),
    ({"minima": "{ starts = 2, evaluations = 1000000000 }"}, "minima.evaluations"),
    ({"minima": "{ starts = true, evaluations = 10 }"}, "minima.starts"),
    ({"minima": "{ starts = 2, evaluations = 10, seed = -1 }"}, "minima.seed"),
    ({"minima": "{ starts = 2 }"}, "minima"),
    ({"minima": "{ starts = 2, evaluations = 10, code = 1 }"}, "minima"),
    ({"lhs": "sharpness + x_norm_6"}, "lhs"),
    ({"lhs": "hessian"}, "lhs"),
    ({"rhs": "__import__('os')"}, "rhs"),
])
def test_hostile_minima_name_their_key(kw, key):
    spec = _one(_text(**kw))
    if key is None:
        assert not isinstance(spec, BadClaim), spec
        return
    assert isinstance(spec, BadClaim) and spec.key == key, spec


def test_minima_refuses_what_it_cannot_state():
    text = _text()
    assert _bad(text.replace("minima = {", "params = { d = [0, 1] }\nminima = {")).key == "params"
    assert _bad(text.replace('at = "minima"\n', "")).key.startswith("model.")  # vary needs it
    assert _bad(text.replace('at = "minima"', 'at = "limits"')).key.startswith("model.")
    plain = text.replace(X6, "[1, 2, 3, 4, 5, 6]").replace(Y6, "[1, 2, 3, 4, 5, 6]").replace(
        B2, "[0, 0]")
    assert _bad(plain).key == "model.x"  # nothing varies: not a search over problems
    expr = ('[[claim]]\nid = "t.e"\nkind = "inequality"\nat = "minima"\nloss = "x**2"\n'
            'variables = ["x"]\nminima = { starts = 1, evaluations = 10 }\nlhs = "sharpness"\n'
            'relation = ">="\nrhs = "0"\n')
    assert _bad(expr).key == "at"


# The strict m = 2, r = 2, n = 1, N = 6 minimum where Appendix D's bound fails (ratio
# lambda_max / (2 max ||x|| ||f_hat||) = 0.99968; nar2018step.thm4's counterexample, found by the
# former adversarial search), float64 values: our bias is the paper's -b.
POINT = {
    "x": "[[-0.2248786348655113], [3.580937824066716], [-1.1977992210264476], "
         "[-0.917914184785642], [-0.22733525432423946], [-0.45322102609896464]]",
    "y": "[[-0.2715579135047652, 2.7900035702995587], [4.584352814639045, 1.2076218564916463], "
         "[-0.8875383618759983, 0.5012615303828971], [1.030827768808511, -0.09965108082261026], "
         "[0.8604434143179942, -2.8591148652136704], [-0.3487965224575793, 1.1666311766299688]]",
    "bias": "[[0.45128987184046376, 0.398849208288097]]",
    "a": "[[1.1272145393323263, -0.06066992501745952], [0.21004312521092328, 0.7317121722671758]]",
    "w": "[[1.0178147872834593], [0.006493988565679227]]",
}


def _search(text: str):
    claim = claim_from_spec(_one(text))
    (check,) = [c for c in claim.checks if c.name == "minima_search"]
    return check


def test_the_m2_minimum_replays_without_the_search():
    printed = _search(_text(rhs="2*" + N6)).run(CheckContext(seed=0, quick=True, at=POINT))
    assert printed.outcome is Outcome.REFUTES and printed.counterexample.replay.keys() == POINT.keys()
    assert float(printed.numbers["lhs / rhs there"]) == pytest.approx(0.99968 * 2 / 2, abs=1e-4)
    amended = _search(_text()).run(CheckContext(seed=0, quick=True, at=POINT))
    assert amended.outcome is Outcome.UNDECIDED  # it holds there: 2/delta is not violated


def test_an_unconfirmed_violation_is_undecided_not_supported(monkeypatch):
    false = _text(rhs="3*Max(x_norm_0*out_norm_0, x_norm_1*out_norm_1, x_norm_2*out_norm_2)",
                  x="{ vary = [-2, 2], shape = [3, 1] }",
                  y='{ vary = "fitted", shape = [3, 2] }')
    assert _search(false).run(CheckContext(seed=0, quick=True)).outcome is Outcome.REFUTES
    real = relu.precise_state

    def not_critical(*args, **kw):
        return {**real(*args, **kw), "grad_norm": 1}

    monkeypatch.setattr(relu, "precise_state", not_critical)
    assert _search(false).run(CheckContext(seed=0, quick=True)).outcome is Outcome.UNDECIDED


def test_claims_stating_the_same_search_share_it():
    one, two = _search(_text()), _search(_text().replace('"t.min"', '"t.other"'))
    assert one.share and one.share == two.share
    assert _search(_text(minima=M.replace("seed = 0", "seed = 1"))).share != one.share


def test_hessian_names_only_where_an_identity_names_them():
    base = ('[[claim]]\nid = "t.h"\nkind = "identity"\nloss = "x**2*y"\nvariables = ["x", "y"]\n'
            'lhs = "{lhs}"\nrhs = "{rhs}"\n')
    (ok,) = parse_claims(base.format(lhs="hessian[0, 1]", rhs="2*x"))
    assert not isinstance(ok, BadClaim)
    assert "hessian" in Model(ok).identity_names and "gauss_newton" not in Model(ok).identity_names
    assert _bad(base.format(lhs="gauss_newton[0, 0]", rhs="0")).key == "lhs"  # not least squares
    (plain,) = parse_claims(base.format(lhs="grad_x", rhs="2*x*y"))
    assert "hessian" not in Model(plain).identity_names  # never built unless named


def test_gauss_newton_is_the_jacobian_product_of_the_outputs():
    text = ('[[claim]]\nid = "t.gn"\nkind = "identity"\nmodel = { family = "two_layer_relu", '
            'width = 1, x = [2], y = ["p"], bias = "0" }\nparams = { p = [-1, 1] }\n'
            'lhs = "gauss_newton"\nrhs = "0"\n')
    (spec,) = parse_claims(text)
    assert not isinstance(spec, BadClaim), spec
    names = Model(spec).identity_names
    F = names["outputs"]
    assert F.shape == (1, 1)
    at = {s: v for s, v in zip(Model(spec).vars, (3, 2))}  # a = 3, w = 2: active
    # J = (relu(2 w), 2 a) at a = 3, w = 2: J^T J = [[16, 24], [24, 36]]
    assert names["gauss_newton"].subs(at).tolist() == [[16, 24], [24, 36]]
    assert names["outputs"].subs(at).tolist() == [[12]]
