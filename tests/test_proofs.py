"""The exact symbolic engine (proofs/): parsing, scalar GD maps, chains, identities.

Every expected value here is worked out by hand from the paper's formulas, so these tests check
the engine against mathematics, not against its own output.
"""

from __future__ import annotations

import builtins
import keyword

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs import expressions
from proofs.chains import hessian_at_minimisers, scalar_chain
from proofs.expressions import ExpressionError, parse, real_symbol
from proofs.identities import prove_zero
from proofs.scalar import ScalarGD, stability_threshold
from verify.checks.common import ScalarProblem, scalar_gd

X = real_symbol("x")
DELTA = real_symbol("delta", positive=True)
SYMS = {"x": X, "delta": DELTA}

EXAMPLE1 = "2*Abs(x)**Rational(3,2)/3"
SLIDES_POLY = "(x**2 + 1)*(x - 1)**2*(x - 2)**2"


# ---------------------------------------------------------------- parse


@pytest.mark.parametrize("text, expected", [
    ("0.3", sp.Rational(3, 10)),
    ("0.25", sp.Rational(1, 4)),
    ("1.5", sp.Rational(3, 2)),
    ("-0.125", sp.Rational(-1, 8)),
    ("1e-20", sp.Rational(1, 10**20)),
    ("2.5e30", sp.Integer(25 * 10**29)),
    ("0.5000001", sp.Rational(5000001, 10**7)),
])
def test_parse_turns_float_literals_into_exact_rationals(text, expected):
    expr = parse(f"{text}*x", SYMS)
    assert not expr.has(sp.Float)
    coeff = expr.coeff(X)
    assert isinstance(coeff, sp.Rational)
    assert coeff == expected


def test_parse_float_exponent_becomes_exact_rational_power():
    expr = parse("Abs(x)**1.5", SYMS)
    assert not expr.has(sp.Float)
    assert sp.simplify(expr - sp.Abs(X) ** sp.Rational(3, 2)) == 0


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=-999_999, max_value=999_999), st.integers(min_value=0, max_value=6))
def test_parse_short_decimals_are_exact(mantissa, places):
    """Decimals with at most 6 significant digits: parse(d) == d exactly."""
    text = f"{mantissa / 10**places:.{places}f}"
    expected = sp.Rational(mantissa, 10**places)
    assert sp.Rational(text) == expected
    got = parse(f"({text})*x + 1", SYMS)
    assert not got.has(sp.Float)
    assert sp.expand(got - (expected * X + 1)) == 0


# Regression: parse once converted floats with sp.nsimplify(rational=True), which looks for a
# *simpler* nearby rational, so "0.1000000001" became 1/10, "0.66666667" 2/3, "2.0000000000001" 2.
@pytest.mark.parametrize("text", ["0.1000000001", "0.66666667", "2.0000000000001",
                                  "0.30000000000000004", "0.333333333333"])
def test_parse_keeps_every_digit_of_a_decimal(text):
    assert parse(text, SYMS) == sp.Rational(text)


_RESERVED = set(dir(sp)) | set(dir(builtins)) | set(keyword.kwlist) | set(SYMS)


@settings(max_examples=40, deadline=None)
@given(name=st.from_regex(r"[a-z][a-z0-9_]{0,7}", fullmatch=True).filter(
    lambda n: n not in _RESERVED),
    template=st.sampled_from(["x + {n}", "{n}*x**2", "Abs({n} - x)", "delta*{n}"]))
def test_parse_undeclared_symbol_is_named_in_the_error(name, template):
    text = template.format(n=name)
    with pytest.raises(ExpressionError) as info:
        parse(text, SYMS)
    assert name in str(info.value)
    assert "undeclared" in str(info.value)


def test_parse_declared_symbols_are_the_given_objects():
    expr = parse("delta*x**2", SYMS)
    assert expr.free_symbols == {X, DELTA}
    assert expr == DELTA * X**2


@pytest.mark.parametrize("text", ["x+", "x**(", "2*/x", ")x(", "x $ 2", "Abs(x,"])
def test_parse_unparseable_text_raises_expression_error(text):
    with pytest.raises(ExpressionError) as info:
        parse(text, SYMS)
    assert repr(text) in str(info.value)


@pytest.mark.parametrize("text", ["", "   ", None, 3])
def test_parse_rejects_empty_or_non_string(text):
    with pytest.raises(ExpressionError):
        parse(text, SYMS)


# Regression: parse once accepted undeclared function names (parse("foo(x)") gave the
# AppliedUndef foo(x)), SymPy functions outside the allow-list (gamma), evaluated Python builtins
# (__import__), and let a non-expression result escape as AttributeError ("[x]").
@pytest.mark.parametrize("text", ["foo(x)", "y(x)", "gamma(x)", "__import__('math').pi*x", "[x]"])
def test_parse_rejects_names_outside_the_allow_list(text):
    with pytest.raises(ExpressionError):
        parse(text, SYMS)


@pytest.mark.parametrize("text, name", [("foo(x)", "foo"), ("x + gamma(x)", "gamma"),
                                        ("delta*y(x)**2", "y")])
def test_parse_unknown_function_is_named_in_the_error(text, name):
    with pytest.raises(ExpressionError) as info:
        parse(text, SYMS)
    assert name in str(info.value)


@pytest.mark.parametrize("text", ["Max(x, 0, x - 1)", "Min(1/2, Max(x, 1), 1/3)",
                                  "Max(Abs(x - 1), Abs(2*x + 1), 1/(1 + x**2))",
                                  "Min(delta, Max(2*x, 3/sqrt(delta), 1))"])
def test_parse_max_min_remembered_equal_sympys_own(text):
    """Max/Min are remembered in SymPy's cache (proofs.expressions._lattice): a parse with
    the cache warm, and one after clear_cache, give the tree SymPy builds itself."""
    from sympy.core.cache import clear_cache

    direct = sp.sympify(text, locals={"x": X, "delta": DELTA})
    for _ in range(2):
        assert expressions._parse(text, SYMS) == direct
        assert expressions._parse(f"1 + {text}", SYMS) == 1 + direct
    clear_cache()
    assert expressions._lattice.cache_info().currsize == 0
    assert expressions._parse(text, SYMS) == direct


# ---------------------------------------------------------------- ScalarGD: Example 1


@pytest.fixture(scope="module")
def example1() -> ScalarGD:
    return scalar_gd(ScalarProblem(EXAMPLE1))


def test_example1_gd_map_matches_hand_derivative(example1):
    # f' = sign(x) |x|^{1/2}, so g(x) = x - delta sign(x) sqrt|x|.
    expected = X - DELTA * sp.sign(X) * sp.sqrt(sp.Abs(X))
    for value in (sp.Rational(9, 4), -sp.Rational(9, 4), sp.Integer(7), -sp.Rational(1, 16)):
        assert sp.simplify(example1.g(value) - expected.subs(X, value)) == 0


def test_example1_only_equilibrium_is_zero(example1):
    assert example1.equilibria() == [0]


def test_example1_two_cycle(example1):
    orbits = example1.periodic_orbits(2)
    assert len(orbits) == 1
    a, b = orbits[0]
    assert sp.simplify(a - DELTA**2 / 4) == 0
    assert sp.simplify(b + DELTA**2 / 4) == 0
    # It really is a 2-cycle of g: a -> b -> a, and not a fixed point.
    assert sp.simplify(example1.g(a) - b) == 0
    assert sp.simplify(example1.g(b) - a) == 0
    assert sp.simplify(a - b) != 0


def test_example1_two_cycle_multiplier_is_zero(example1):
    a, b = example1.periodic_orbits(2)[0]
    slopes = [example1.derivative_at(p) for p in (a, b)]
    # g'(x) = 1 - delta / (2 sqrt|x|) = 1 - delta/delta = 0 at |x| = delta^2/4.
    assert all(sp.simplify(s) == 0 for s in slopes)
    assert sp.simplify(slopes[0] * slopes[1]) == 0


def test_example1_derivative_away_from_cycle_is_not_zero(example1):
    # Control: the multiplier is not identically 0 (g'(delta^2) = 1 - 1/2).
    assert sp.simplify(example1.derivative_at(DELTA**2) - sp.Rational(1, 2)) == 0


def test_example1_preimages_of_zero(example1):
    pre = example1.preimages(sp.Integer(0))
    # 0 is a fixed point, so it is its own preimage; the other two are +-delta^2.
    assert len(pre) == 3
    expected = [sp.Integer(0), DELTA**2, -DELTA**2]
    for e in expected:
        assert any(sp.simplify(p - e) == 0 for p in pre), (e, pre)
    nonzero = [p for p in pre if sp.simplify(p) != 0]
    assert {sp.simplify(p) for p in nonzero} == {DELTA**2, -DELTA**2}
    for p in pre:
        assert example1.g(p) == 0


def test_periodic_orbits_needs_a_kink():
    with pytest.raises(ValueError):
        scalar_gd(ScalarProblem("x**4")).periodic_orbits(2)


# ---------------------------------------------------------------- ScalarGD: slides polynomial


@pytest.fixture(scope="module")
def slides_poly() -> ScalarGD:
    return scalar_gd(ScalarProblem(SLIDES_POLY))


def test_polynomial_equilibria(slides_poly):
    eqs = slides_poly.equilibria()
    assert any(e == 1 for e in eqs) and any(e == 2 for e in eqs)
    # f' = (x-1)(x-2)(6x^3 - 12x^2 + 8x - 6): one more real critical point (a maximum).
    others = [e for e in eqs if e not in (1, 2)]
    assert len(others) == 1
    assert abs(float(others[0]) - 1.5) < 0.5
    assert sp.simplify((6 * X**3 - 12 * X**2 + 8 * X - 6).subs(X, others[0])) == 0


@pytest.mark.parametrize("point, threshold", [(1, sp.Rational(1, 2)), (2, sp.Rational(1, 5))])
def test_polynomial_stability_thresholds(slides_poly, point, threshold):
    got = stability_threshold(slides_poly, sp.Integer(point))
    assert got == threshold
    # At the threshold the multiplier 1 - delta f''(x*) is exactly -1.
    slope = slides_poly.derivative_at(sp.Integer(point))
    assert sp.simplify(slope.subs(DELTA, threshold)) == -1


def test_threshold_is_none_at_a_maximum(slides_poly):
    maximum = [e for e in slides_poly.equilibria() if e not in (1, 2)][0]
    assert stability_threshold(slides_poly, maximum) is None


# ---------------------------------------------------------------- chains


@pytest.mark.parametrize("L", [2, 3])
def test_chain_hessian_on_minimisers_is_g_g_transpose(L):
    H, g, ws, lam = hessian_at_minimisers(L)
    assert H.shape == (L, L) and g.shape == (L, 1)
    diff = H - g * g.T
    assert all(prove_zero(entry) is True for entry in diff)
    # g is the gradient of the product: entry i is prod_{j != i} w_j.
    for i, w in enumerate(ws):
        assert sp.expand(g[i] * w - sp.Mul(*ws)) == 0
    # Rank one at a generic point.
    assert H.subs({w: k + 2 for k, w in enumerate(ws)}).rank() == 1


@pytest.mark.parametrize("L", [2, 3])
def test_chain_hessian_off_minimisers_is_not_g_g_transpose(L):
    # Control: away from prod w = lam the residual term makes H != g g^T.
    loss, ws, lam = scalar_chain(L)
    H_full = sp.hessian(loss, ws)
    g = sp.Matrix([sp.diff(sp.Mul(*ws), w) for w in ws])
    point = {w: 2 for w in ws}
    point[lam] = 1
    assert (H_full - g * g.T).subs(point) != sp.zeros(L, L)


# ---------------------------------------------------------------- identities


@pytest.mark.parametrize("expr", [
    sp.sin(X) ** 2 + sp.cos(X) ** 2 - 1,
    (X + 1) ** 2 - X**2 - 2 * X - 1,
    sp.sqrt(8) - 2 * sp.sqrt(2),
    (DELTA**2 / 4) - DELTA * sp.sqrt(DELTA**2 / 4) + DELTA**2 / 4,
])
def test_prove_zero_true_identities(expr):
    assert prove_zero(expr) is True


@pytest.mark.parametrize("expr", [
    sp.Integer(3), sp.Rational(-1, 7), sp.sqrt(2) - sp.Rational(7, 5), sp.pi - sp.Rational(22, 7),
])
def test_prove_zero_nonzero_constants(expr):
    assert prove_zero(expr) is False


def test_prove_zero_never_proves_a_nonzero_expression():
    assert prove_zero(X) is not True
    assert prove_zero(X**2 + 1) is not True
