"""``at = "state"``: an inequality at one state written in the parameters, reduced to a plain
inequality by the quantities' exact values there (verify.userclaims.at_state)."""

from __future__ import annotations

import sympy as sp

from verify.api import check
from verify.userclaims.at_state import reduced
from verify.userclaims.parse import parse_claims
from verify.vocabulary import Status, Strength

RELU = """[[claim]]
id = "s.relu"
kind = "inequality"
model = {{ family = "two_layer_relu", width = 1, x = [2], y = ["c*p"], bias = "-beta" }}
params = {{ c = [0.5, 1], p = [3, 4], beta = [-1, 1] }}
at = "state"
state = ["c", "(p + beta)/2"]
lhs = "{lhs}"
relation = "{relation}"
rhs = "{rhs}"
"""


def _reduced(**keys):
    (spec,) = parse_claims(RELU.format(**keys))
    return reduced(spec)


def test_quantities_are_exact_at_the_state():
    plain = _reduced(lhs="sharpness", relation=">=", rhs="lambda_min + loss + grad_norm")
    c, p = sp.symbols("c p")
    assert sp.simplify(sp.sympify(plain.lhs) - (p**2 + 4 * c**2)) == 0  # J = (p, 2c)
    assert sp.sympify(plain.rhs) == 0  # a minimum: H = J^T J is singular, loss and gradient 0
    assert plain.model is None and plain.at is None and plain.point == ()


def test_state_names_take_the_state():
    plain = _reduced(lhs="a[0]*(2*w[0] - beta)", relation=">", rhs="0")
    assert sp.simplify(sp.sympify(plain.lhs) - sp.sympify("c*p")) == 0


def test_the_paper_witness_is_proven(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(RELU.format(lhs="sharpness", relation=">",
                                rhs="2*2*Abs(a[0]*Max(2*w[0] - beta, 0))"))
    (result,) = check(path, quick=True)
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN


def test_eigenvalues_without_radicals_are_an_error_naming_the_side(tmp_path):
    """A 5 x 5 Hessian whose characteristic polynomial has no roots in radicals."""
    A = [["2", "1", "0", "0", "0"], ["1", "3", "1", "0", "0"], ["0", "1", "5", "1", "0"],
         ["0", "0", "1", "7", "1"], ["0", "0", "0", "1", "11"]]
    path = tmp_path / "c.toml"
    path.write_text(f"""[[claim]]
id = "s.quintic"
kind = "inequality"
model = {{ family = "quadratic", A = {A} }}
params = {{ s = [0, 1] }}
at = "state"
state = ["s", "0", "0", "0", "0"]
lhs = "sharpness"
relation = "<="
rhs = "20"
""")
    (result,) = check(path, quick=True)
    assert result.status is Status.ERROR
    assert "lhs" in result.evidence[0].detail and "radicals" in result.evidence[0].detail


def test_a_loss_expression_takes_at_state_too():
    """Nar & Sastry's Example 1 loss (2/3)|x|^{3/2} is convex away from 0: its Hessian there is
    1/(2 sqrt|x|) (nar2018step.sec1_convexity); at the state x = s the quantities are exact."""
    (spec,) = parse_claims("""[[claim]]
id = "s.ex1"
kind = "inequality"
loss = "2*Abs(x)**Rational(3, 2)/3"
variables = ["x"]
params = { s = [0.25, 4] }
at = "state"
state = ["s"]
lhs = "lambda_min"
relation = ">"
rhs = "0"
""")
    plain = reduced(spec)
    assert sp.simplify(sp.sympify(plain.lhs) - 1 / (2 * sp.sqrt(sp.Symbol("s")))) == 0
