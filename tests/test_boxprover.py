"""The box prover (issue 18, item 2): proofs, re-checked counterexamples, honest undecided.

Each test pins the outcome the prover computes and checks the evidence behind it (the
counterexample's exact value, the remaining boxes' position), and the Hypothesis test checks
every ``proven`` against dense sampling and every counterexample against exact arithmetic.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerics.certified.arithmetic import ARITHMETICS
from proofs.ballcode import UnsupportedExpression
from proofs.boxprove import BoxInputError, prove_nonnegative

a, b, x, y, z, L, d = sp.symbols("a b x y z L delta")
ARITHS = sorted(ARITHMETICS)
AMGM = (a + b) / 2 - sp.sqrt(a * b)
AMGM_BOX = {"a": ("1/10", 10), "b": ("1/10", 10)}
POWER = (2 / (L * d)) ** (L / (2 * L - 2))  # (2/(L delta))^(L/(2L-2)), Nar & Sastry style


@pytest.mark.parametrize("arith", ARITHS)
@pytest.mark.parametrize(("name", "g", "box", "strict"), [
    ("square written out", x**2 - 2 * x * y + y**2, {"x": (-1, 2), "y": (-3, 1)}, False),
    ("1 - cos x near 0", 1 - sp.cos(x), {"x": ("-1/2", "1/2")}, False),
    ("3-parameter polynomial", x**2 + y**2 + z**2 - x * y - y * z - z * x + x * y * z / 10 + 1,
     {"x": (0, 1), "y": (0, 1), "z": (0, 1)}, True),
    ("power >= 1, equality at the corner L=8, delta=1/4", POWER - 1,
     {"L": (2, 8), "delta": ("1/100", "1/4")}, False),
    ("power > 1 + its log (e^t > 1 + t, t != 0)",
     POWER - 1 - L / (2 * L - 2) * sp.log(2 / (L * d)), {"L": (2, 8), "delta": ("1/100", "1/5")},
     True),
    ("square factor with a zero line", (x - sp.Rational(1, 3)) ** 2 * (y + 1),
     {"x": (0, 1), "y": (0, 1)}, False),
    ("x >= tanh x", x - sp.tanh(x), {"x": (0, 3)}, False),
    ("pi > 3 + x", sp.pi - 3 - x, {"x": (0, "1/10")}, True),
])
def test_true_inequalities_are_proven(arith, name, g, box, strict):
    r = prove_nonnegative(g, box, strict=strict, budget=2000, arithmetic=arith)
    assert r.outcome == "proven", (name, r)
    assert r.boxes >= 1 and r.remaining_count == 0 and r.counterexample is None


def test_amgm_with_its_equality_diagonal_is_undecided_not_proven():
    """(a+b)/2 >= sqrt(ab) is true, but it is 0 on the whole diagonal: interval enclosures of a
    box across the diagonal dip below 0 and no derivative has one sign there, so the prover
    honestly reports undecided, and every box left meets the diagonal."""
    r = prove_nonnegative(AMGM, AMGM_BOX, budget=5000, max_depth=8)
    assert r.outcome == "undecided" and "depth 8" in r.reason and "budget" not in r.reason
    assert r.remaining_count > 0 and 0 < len(r.remaining) <= 20
    for box in r.remaining:
        (alo, ahi), (blo, bhi) = box["a"], box["b"]
        assert alo <= bhi and blo <= ahi  # the box meets a = b


@pytest.mark.parametrize("arith", ARITHS)
def test_false_inequality_gives_a_rechecked_counterexample(arith):
    r = prove_nonnegative(x * y - sp.Rational(9, 10), {"x": (0, 1), "y": (0, 1)}, arithmetic=arith)
    assert r.outcome == "counterexample"
    p = r.counterexample
    assert p["x"] * p["y"] < Fraction(9, 10)  # exact check of the reported point
    assert Fraction(r.value) == p["x"] * p["y"] - Fraction(9, 10)


def test_strict_amgm_is_refuted_on_the_diagonal_exactly():
    r = prove_nonnegative(AMGM, AMGM_BOX, strict=True)
    assert r.outcome == "counterexample"
    assert r.counterexample["a"] == r.counterexample["b"] and r.value == "0"


def test_strict_inequality_with_a_zero_corner_is_refuted_at_the_corner():
    r = prove_nonnegative(x + y, {"x": (0, 1), "y": (0, 1)}, strict=True)
    assert r.outcome == "counterexample" and r.counterexample == {"x": 0, "y": 0}
    assert prove_nonnegative(x + y, {"x": (0, 1), "y": (0, 1)}).outcome == "proven"


def test_float_constants_are_taken_at_their_exact_value():
    r = prove_nonnegative(x * y - 0.9, {"x": (0, 1), "y": (0, 1)})
    assert r.outcome == "counterexample" and Fraction(r.value) < 0


def test_zero_off_the_dyadic_grid_is_undecided_within_budget_never_wrong():
    """(x - 1/3)^2 (y + 1) > 0 fails only on the line x = 1/3, which no bisection midpoint
    hits: the prover can neither prove nor refute it, and says so with the box around 1/3."""
    g = (x - sp.Rational(1, 3)) ** 2 * (y + 1)
    r = prove_nonnegative(g, {"x": (0, 1), "y": (0, 1)}, strict=True, budget=500, max_depth=30)
    assert r.outcome == "undecided"
    assert any(box["x"][0] <= Fraction(1, 3) <= box["x"][1] for box in r.remaining)


def test_a_near_tight_inequality_is_proven_or_undecided_never_refuted():
    g = (x - y) ** 2 + sp.Rational(1, 10**12) - x * y / 10**13
    r = prove_nonnegative(sp.expand(g), {"x": (0, 1), "y": (0, 1)}, strict=True, budget=300)
    assert r.outcome in ("proven", "undecided") and r.boxes <= 300


def test_kinks_min_max_abs_are_enclosed():
    assert prove_nonnegative(sp.Max(x, y) - sp.Min(x, y), {"x": (-1, 1), "y": (2, 3)},
                             strict=True).outcome == "proven"
    r = prove_nonnegative(sp.Abs(x) - sp.Rational(1, 2), {"x": (-1, 1)})
    assert r.outcome == "counterexample" and abs(r.counterexample["x"]) < Fraction(1, 2)


def test_outcome_is_deterministic():
    runs = [prove_nonnegative(AMGM, AMGM_BOX, budget=200) for _ in range(2)]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(("g", "box", "error", "needle"), [
    (sp.gamma(x), {"x": (1, 2)}, UnsupportedExpression, "gamma"),
    (x + y, {"x": (0, 1)}, BoxInputError, "y"),
    (x, {"x": (0.1, 1)}, BoxInputError, "float"),
    (x, {"x": (2, 1)}, BoxInputError, "lo"),
    (x, {"x": ("one", 1)}, BoxInputError, "x"),
    ("x", {"x": (0, 1)}, BoxInputError, "expr"),
])
def test_bad_input_raises_a_clear_error(g, box, error, needle):
    with pytest.raises(error, match=needle):
        prove_nonnegative(g, box)


# ---------------------------------------------------------------- property test

_COEF = st.integers(-3, 3)
_END = st.integers(-4, 4).map(lambda k: Fraction(k, 2))


@st.composite
def polynomial_problems(draw):
    c = [draw(_COEF) for _ in range(6)]
    g = c[0] + c[1] * x + c[2] * y + c[3] * x**2 + c[4] * x * y + c[5] * y**2
    ends = {}
    for name in ("x", "y"):
        lo, hi = sorted((draw(_END), draw(_END)))
        ends[name] = (lo, hi)
    return g, ends, draw(st.booleans())


def _sample_grid(box, n=17):
    (xl, xh), (yl, yh) = box["x"], box["y"]
    for i in range(n + 1):
        for j in range(n + 1):
            yield xl + (xh - xl) * Fraction(i, n), yl + (yh - yl) * Fraction(j, n)


@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(polynomial_problems())
def test_proofs_survive_sampling_and_counterexamples_truly_violate(problem):
    g, box, strict = problem
    r = prove_nonnegative(g, box, strict=strict, budget=150, max_depth=12)
    f = sp.lambdify([x, y], g, modules="math")  # integer coefficients: exact on Fractions
    if r.outcome == "proven":
        for px, py in _sample_grid(box):
            v = f(px, py)
            assert v > 0 if strict else v >= 0
        with mpmath.workdps(50):  # and off the rational grid, at 50 digits
            fm = sp.lambdify([x, y], g, modules="mpmath")
            (xl, xh), (yl, yh) = box["x"], box["y"]
            for k in range(1, 50):
                t, u = mpmath.sqrt(2) * k % 1, mpmath.sqrt(3) * k % 1
                v = fm(xl + (xh - xl) * t, yl + (yh - yl) * u)
                assert v > -mpmath.mpf(10) ** -40
    elif r.outcome == "counterexample":
        v = g.subs({x: sp.Rational(r.counterexample["x"]), y: sp.Rational(r.counterexample["y"])})
        assert v < 0 or (strict and v == 0)
