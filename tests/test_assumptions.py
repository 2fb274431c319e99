"""``assume`` relations at a point (verify/userclaims/model.assumptions_hold): the ball route
(python-flint) decides exactly what the exact SymPy route decides, and leaves the point to it
where it cannot (equality cases, poles, nodes the ball compiler does not take)."""

from __future__ import annotations

import mpmath
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from verify.userclaims.model import _ball_decides, assumptions_hold, decide_at

x, y = sp.symbols("x y", real=True)
L = sp.Symbol("L", integer=True, positive=True)
RELATIONS = [x <= sp.Rational(1, 2), x < y**2, sp.sqrt(x**2 + 1) >= y, x * (1 - y) > 0,
             sp.log(1 + x**2) <= y, sp.Max(x, y) > sp.Rational(1, 3),
             sp.Abs(x - y) >= sp.Rational(1, 10), x <= 1 / (1 - y), x * L <= 2, x**L >= y,
             sp.Eq(x, y)]
EDGES = [0, 1, 2, -1, 0.5, 0.1, 1 / 3, 1.0]


def _exact(relation, values) -> bool:
    """The reference: lhs - rhs at the exact point, its sign at 100 digits (exactly 0 only
    where SymPy reduces it to 0).  Not SymPy's own evaluation of the substituted relation,
    which compares at about two digits (it says log(1 + 10^-12) <= 0)."""
    by_name = {s.name: s for s in relation.free_symbols}
    subs = {by_name[k]: sp.Integer(v) if isinstance(v, int) else sp.Rational(str(v))
            for k, v in values.items() if k in by_name}
    if not isinstance(relation, sp.core.relational.Relational) or isinstance(relation, sp.Eq):
        return bool(relation.subs(subs))
    d = (relation.lhs - relation.rhs).subs(subs)
    value = 0 if d == 0 else sp.N(d, 100)
    return bool({sp.LessThan: value <= 0, sp.StrictLessThan: value < 0,
                 sp.GreaterThan: value >= 0, sp.StrictGreaterThan: value > 0}[type(relation)])


@settings(max_examples=300, deadline=None, database=None)
@given(st.sampled_from(RELATIONS),
       st.one_of(st.floats(-3, 3), st.sampled_from(EDGES)),
       st.one_of(st.floats(-3, 3), st.sampled_from(EDGES)), st.integers(1, 4))
def test_the_ball_route_decides_as_the_exact_route(relation, a, b, depth):
    values = {"x": a, "y": b, "L": depth}
    fast = _ball_decides(relation, values)
    if fast is not None:
        assert fast == _exact(relation, values)


def test_equality_cases_and_poles_go_to_the_exact_route():
    # an exact ball of 0 decides a non-strict relation (and refuses a strict one) by itself
    assert _ball_decides(x <= sp.Rational(1, 2), {"x": 0.5}) is True
    assert _ball_decides(x < sp.Rational(1, 2), {"x": 0.5}) is False
    # 1/10 has no exact ball: the equality case goes to the exact route
    assert _ball_decides(x <= sp.Rational(1, 10), {"x": 0.1}) is None
    assert _ball_decides(x <= 1 / (1 - y), {"x": 0.1, "y": 1}) is None  # a pole: no ball
    assert _ball_decides(sp.Eq(x, y), {"x": 1, "y": 1}) is None  # not an order relation
    # a float is the rational its text denotes: 0.1 is 1/10 here, not the binary double
    assert assumptions_hold([x >= sp.Rational(1, 10)], {"x": 0.1})
    assert not assumptions_hold([x > sp.Rational(1, 10)], {"x": 0.1})
    third = mpmath.mpf(1) / 3  # an mpf is its decimal text too, as before
    assert assumptions_hold([x < sp.Rational(1, 3)], {"x": third}) == _exact(
        x < sp.Rational(1, 3), {"x": third})


def test_the_exact_route_does_not_trust_sympys_two_digit_comparison():
    """SymPy 1.14 evaluates log(1 + x^2) <= 0 at x = 1.47e-6 to True (the sides compared at
    about two digits); the exact route decides the difference's sign (found by the property
    test above, whose reference used SymPy's comparison)."""
    relation = sp.log(1 + x**2) <= y
    assert decide_at(relation, {x: sp.Rational("1.47e-6"), y: 0}) is False
    assert assumptions_hold([relation], {"x": 1.47e-6, "y": 0.0}) is False
    assert _exact(relation, {"x": 1.47e-6, "y": 0.0}) is False
    assert decide_at(x <= sp.Rational(1, 10), {x: sp.Rational(1, 10)}) is True
    assert decide_at(x < sp.Rational(1, 10), {x: sp.Rational(1, 10)}) is False
