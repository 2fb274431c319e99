"""proofs.derivation.decide: the truth-only route (margin=False) agrees with the full one."""

import sympy as sp

from proofs import derivation as dv

x = sp.Symbol("x", positive=True)
k = sp.Symbol("k", nonnegative=True)
t = sp.Symbol("t", real=True)

CASES = [
    ((x + 1) ** 2, ">=", 2 * x, True),          # AM-GM shape: (x-1)^2 >= 0 after expanding
    (x / (x + 1), "<", 1, True),                 # a rational function, positive denominator
    ((2 + k) ** 2, ">=", 4 + 4 * k, True),       # every L = 2 + k
    (x, ">", x + 1, False),                      # false for every x
    (sp.Integer(1), "<=", sp.Rational(1, 2), False),
    (t, ">=", 0, None),                          # depends on t: neither route decides
    (sp.sin(t) ** 2 + sp.cos(t) ** 2, "==", 1, True),
]


def test_truth_only_route_agrees_with_the_full_route():
    for lhs, rel, rhs, want in CASES:
        full, margin = dv.decide(sp.sympify(lhs), rel, sp.sympify(rhs))
        fast, _ = dv.decide(sp.sympify(lhs), rel, sp.sympify(rhs), margin=False)
        assert full is want and fast is want, (lhs, rel, rhs, full, fast)
        assert margin is not None


def test_check_uses_the_truth_only_route():
    assert dv.check(dv.inequality("x/(x+1) < 1", x / (x + 1), "<", 1)) is True
    assert dv.check(dv.inequality("x > x + 1", x, ">", x + 1)) is False
    assert dv.run([dv.inequality("t >= 0", t, ">=", 0)]).proved is False
