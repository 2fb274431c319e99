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
    """A 5 x 5 Hessian depending on a parameter, whose characteristic polynomial has no roots
    in radicals (a Hessian of numbers has exact CRootOf eigenvalues instead: below)."""
    A = [["2 + s", "1", "0", "0", "0"], ["1", "3", "1", "0", "0"], ["0", "1", "5", "1", "0"],
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


# An exact strict non-interpolating minimum with two outputs (Nar & Sastry 2018, Theorem 4 and
# Appendix D): the float64 point verify.checks.relu.M2_COUNTEREXAMPLE rounded to three decimals
# (X, b, W, V) with the residual e projected exactly onto the null space of J^T, so that the
# gradient J^T e vanishes exactly, and Y = f_hat - e.  Its Hessian (6 x 6, rational) has no
# eigenvalues in radicals: they are CRootOf, compared exactly by SymPy.
M2_X = ("-9/40", "3581/1000", "-599/500", "-459/500", "-227/1000", "-453/1000")
M2_C = ("451/1000", "399/1000")  # our bias: relu(w x + c), c = -b
M2_STATE = ("1127/1000", "-61/1000", "21/100", "183/250", "509/500", "3/500")  # a[o, i], w[i]
M2_Y = (
    ("-3607566245332961/13285077069000000",
     "1111930251036903601/398552312070000000"),
    ("13701830440993373773/2989142340525000000",
     "108215451604260813079/89674270215750000000"),
    ("-455226569469698246381/512866455914250000000",
     "192966764217544998679/384649841935687500000"),
    ("257749247/250000000",
     "-6185241/62500000"),
    ("21489679/25000000",
     "-714686761/250000000"),
    ("-174586601/500000000",
     "145884803/125000000"),
)


def _m2_claim(cid: str, constant: str) -> str:
    out = lambda o, x: " + ".join(  # f_hat_o(x) in the state's names
        f"a[{o}, {i}]*Max(w[{i}]*({x}) + {M2_C[i]}, 0)" for i in range(2))
    q = ", ".join(f"Abs({x})*sqrt(({out(0, x)})**2 + ({out(1, x)})**2)" for x in M2_X)
    pre = ", ".join(f"Abs(w[{i}]*({x}) + {M2_C[i]})" for x in M2_X for i in range(2))
    y = ", ".join(f'["{a}", "{b}"]' for a, b in M2_Y)
    parts = (("critical", "grad_norm", "<=", "0"), ("strict", "lambda_min", ">", "0"),
             ("off_kinks", f"Min({pre})", ">", "0"),
             ("bound", "sharpness", ">=", f"{constant}*Max({q})"))
    return (f'[[claim]]\nid = "{cid}"\nmodel = {{ family = "two_layer_relu", width = 2, '
            f'x = {list(M2_X)}, y = [{y}], bias = {list(M2_C)} }}\n'.replace("'", '"')
            + "".join(f'\n[[claim.part]]\nname = "{n}"\nkind = "inequality"\nat = "state"\n'
                      f'state = {list(M2_STATE)}\nlhs = "{lhs}"\nrelation = "{rel}"\n'
                      f'rhs = "{rhs}"\n'.replace("'", '"') for n, lhs, rel, rhs in parts))


def test_an_exact_two_output_minimum_breaks_appendix_d(tmp_path):
    """lambda_max(H) < 2 max_i |x_i| ||f_hat(x_i)|| at a strict minimum off the kinks (ratio
    0.99968): Theorem 4 as printed fails for m = 2 (nar2018step.thm4, known_minimum), while
    lambda_max >= max |x| ||f_hat|| (the amended 2/delta) holds there, both decided exactly."""
    path = tmp_path / "m2.toml"
    path.write_text(_m2_claim("m2.appendix-d", "2") + "\n" + _m2_claim("m2.amended", "1"))
    printed, amended = check(path, quick=True)
    assert printed.status is Status.REFUTED
    (refuting,) = [e for e in printed.evidence if e.outcome.value == "refutes"]
    assert refuting.check.startswith("bound.") and refuting.counterexample.margin.startswith(
        "-0.01073608")
    assert amended.status is Status.CONFIRMED and amended.strength is Strength.PROVEN


def _state_specs():
    from pathlib import Path

    from verify.registry import paper_files
    from verify.userclaims.paperfile import load_paper

    root = Path(__file__).resolve().parents[1]
    items = [e.item for p in paper_files() for e in load_paper(str(p)).claims]
    items += list(parse_claims((root / "examples" / "at_state.toml").read_text()))
    for spec in items:
        for sub in [spec, *(part for _, part in spec.parts)]:
            if sub.at == "state":
                yield sub


def test_building_defers_the_reduction_and_names_the_same_checks():
    # a claim at a state is built without its closed forms (seconds of SymPy for a ReLU
    # Hessian); its checks, made when one first runs, are those the outline named
    from verify.userclaims import at_state

    specs = list(_state_specs())
    assert len(specs) >= 10
    for spec in specs:
        at_state._REDUCED.pop(spec, None)  # an earlier test in this process may have run it
        outline, scope = at_state.state_checks(spec)
        assert spec not in at_state._REDUCED
        real = at_state._reduced_checks(spec)
        assert [(c.name, c.tier, c.scope, c.attempt) for c in outline] == [
            (c.name, c.tier, c.scope, c.attempt) for c in real.values()]
        assert scope == at_state._Exact(*at_state._reduction(spec)).scope
