"""Issue 16, item 6: the known blind spots of the generic checks, each shown by a concrete claim
that today's checks misjudged, and gone.

a. a threshold at a minimum whose Hessian is singular is never support (every route);
b. a tight multi-variable threshold is decided symbolically (not only in one variable);
c. the equality case step = bound is decided exactly, also for a non-affine map where SymPy can;
d. a high-precision re-evaluation swamped by cancellation escalates, else stays undecided;
e. ``box_strategy`` draws only points that satisfy the claim's ``assume``;
f. an integer parameter (a depth L) is never a real number.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from verify.api import box_strategy, check, claim
from verify.cli import main
from verify.vocabulary import Outcome, Status

C, R, I = Status.CONFIRMED, Status.REFUTED, Status.INCONCLUSIVE


def _by_check(result):
    return {e.check: e for e in result.evidence}


# ---------------------------------------------------------------- e. box_strategy and assume

_ASSUMED = claim(id="bs.assume", kind="inequality", params={"a": [0, 1], "b": [0, 1]},
                 integers={"L": [2, 4]}, assume=["a < b", "b*L <= 3"], lhs="a", relation="<=",
                 rhs="b")


@settings(max_examples=60, deadline=None)
@given(box_strategy(_ASSUMED))
def test_box_strategy_respects_assume(point):
    """Before: the strategy drew the whole box, a >= b and b L > 3 included."""
    assert point["a"] < point["b"] and point["b"] * point["L"] <= 3


# ---------------------------------------------------------------- f. an integer L stays integer


@settings(max_examples=30, deadline=None)
@given(box_strategy(claim(id="bs.int", kind="inequality", params={"a": [0, 1]},
                          integers={"L": [2, 4]}, lhs="a", relation="<=", rhs="L")))
def test_box_strategy_draws_python_ints_for_integer_parameters(point):
    assert type(point["L"]) is int and point["L"] in (2, 3, 4)


@pytest.mark.parametrize("value", ["2.0", "2.5", "1e0"])
def test_replay_at_a_real_valued_depth_is_a_usage_error(value, tmp_path, capsys):
    from pathlib import Path

    examples = Path(__file__).resolve().parents[1] / "examples"
    code = main(["check", str(examples / "depth.toml"), "depth.chain-converges-2-over-L",
                 "--at", f"L={value},eta=0.5,r=1", "--quick", "--no-progress", "--out",
                 str(tmp_path)])
    assert code == 2 and "L" in capsys.readouterr().err


# ---------------------------------------------------------------- a. singular Hessian

_X4 = {"kind": "threshold", "loss": "x**4", "variables": ["x"], "step": "d",
       "params": {"d": [0.01, 1]}, "equilibrium": ["0"], "bound": "1/2"}


@pytest.mark.parametrize("tight", [False, True])
def test_vanishing_hessian_is_undecided_on_every_route(tight):
    """x^4 at 0: every multiplier is 1 at every step, and 0 attracts for every step (the cubic
    term): linearisation cannot decide a threshold there.  Before: the non-tight claim was
    confirmed by the search, the tight one refuted by the certified crossing ("the multiplier
    is 1, not below -1", which says nothing about attraction)."""
    (result,) = check(claim(id=f"x4.{tight}", tight=tight, **_X4))
    assert result.status is I
    routes = _by_check(result)
    assert {"threshold_symbolic", "threshold_search"} <= set(routes)
    assert tight is False or "threshold_crossing" in routes
    for ev in routes.values():
        assert ev.outcome is Outcome.UNDECIDED, (ev.check, ev.detail)
    assert "singular" in routes["threshold_search"].detail


# ---------------------------------------------------------------- d. cancellation


def test_reevaluation_refuses_a_violation_that_is_rounding_noise():
    """The claimed points carry cosh(40)^2 - sinh(40)^2 - 1, exactly 0 but about 1e-16 at 50
    digits: the search sees a residual far above its tolerance.  Before: refuted ("a GD step
    misses the next point").  The shared re-evaluation finds the residual changing with the
    precision and refuses it (swamped, or settled at a residual within rounding)."""
    noise = "(cosh(40)**2 - sinh(40)**2 - 1)"
    spec = claim(id="cancel.cycle", kind="cycle", loss="2*Abs(x)**Rational(3,2)/3",
                 variables=["x"], step="delta", params={"delta": [0.5, 1.0]},
                 points=[[f"delta**2/4 + {noise}"], [f"-delta**2/4 - {noise}"]])
    (result,) = check(spec)
    search = _by_check(result)["cycle_search"]
    assert search.outcome is Outcome.UNDECIDED, search.detail
    assert "cancellation" in search.detail or "not confirmed" in search.detail
    assert result.status is not R


def test_shared_reevaluation_agrees_on_a_well_determined_value_only():
    import mpmath

    from verify.userclaims.search import reevaluate

    def noisy(dps):  # exactly 0; at d digits, rounding noise of about 10^(60 - d)
        with mpmath.workdps(dps):
            big = mpmath.mpf(10) ** 60
            return (big + mpmath.pi) - big - mpmath.pi

    def real(dps):
        with mpmath.workdps(dps):
            return mpmath.sqrt(2) - 1

    assert reevaluate(noisy, 50) is None
    settled = reevaluate(real, 50)
    assert settled is not None and (settled.lower, settled.dps) == (50, 70)
    with mpmath.workdps(70):
        assert abs(settled.value - (mpmath.sqrt(2) - 1)) < mpmath.mpf(10) ** -65


# ---------------------------------------------------------------- b. several variables


def test_tight_multi_variable_threshold_is_proven_symbolically():
    """a x^2/2 + y^2 + x^4 at 0 (non-affine, two variables, the bound switching branch at
    a = 2): before, the symbolic route said "one variable only" and the claim was at best
    sampled; now det(2I - bH) = 0 and the minors are proven on the whole box."""
    from verify.vocabulary import Scope, Strength

    (result,) = check(claim(id="multi.tight", kind="threshold", loss="a*x**2/2 + y**2 + x**4",
                            variables=["x", "y"], step="d", params={"d": [0.01, 1.5],
                                                                      "a": [0.5, 4]},
                            equilibrium=["0", "0"], bound="2/Max(a, 2)", tight=True))
    symbolic = _by_check(result)["threshold_symbolic"]
    assert symbolic.outcome is Outcome.SUPPORTS and symbolic.coverage.scope is Scope.CLASS
    assert result.status is C and result.strength is Strength.PROVEN


def test_multi_variable_symbolic_route_never_proves_a_wrong_bound():
    (result,) = check(claim(id="multi.wrong", kind="threshold", loss="a*x**2/2 + y**2",
                            variables=["x", "y"], step="d", params={"d": [0.01, 1.5],
                                                                     "a": [0.5, 4]},
                            equilibrium=["0", "0"], bound="2/a", tight=True))
    assert _by_check(result)["threshold_symbolic"].outcome is Outcome.UNDECIDED
    assert result.status is R


# ---------------------------------------------------------------- c. the equality case


def _flip_claim(sign: str, strict: bool):
    return claim(id=f"flip.{'plus' if sign == '+' else 'minus'}.{strict}", kind="threshold",
                 loss=f"a*x**2/2 {sign} x**4", variables=["x"], step="d",
                 params={"d": [0.01, 2], "a": [1, 3]}, equilibrium=["0"], bound="2/a",
                 tight=True, strict=strict)


@pytest.mark.parametrize("sign, strict, expected", [("+", True, C), ("-", True, R),
                                                    ("-", False, C), ("+", False, R)])
def test_equality_case_of_a_non_affine_map_is_decided_exactly(sign, strict, expected):
    """At d = 2/a the multiplier of GD on a x^2/2 +- x^4 is exactly -1; the flip normal form
    c = +-16/a decides: + repels there (a strict claim holds), - attracts (a non-strict one
    holds).  Before: all four inconclusive (a multiplier of modulus 1 on a non-affine map);
    now the true ones are proven on the whole box and the false twins refuted at a replayable
    point, exactly."""
    (result,) = check(_flip_claim(sign, strict))
    assert result.status is expected, [(e.check, e.outcome, e.detail) for e in result.evidence]
    if expected is R:
        (ev,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
        assert ev.check == "threshold_search" and "flip normal form" in ev.counterexample.note
        assert "--at" in ev.reproduce and "a=" in ev.reproduce
    else:
        symbolic = _by_check(result)["threshold_symbolic"]
        assert symbolic.outcome is Outcome.SUPPORTS and "flip" in symbolic.detail


def test_search_is_independent_of_loaded_modules(tmp_path, monkeypatch):
    """Hypothesis mixes the literals of loaded "local" modules into its draws; within a search
    that pool is pinned empty, so a sampled verdict cannot depend on which modules (test files,
    lazily imported checks) a process happened to load or on where the suite is installed."""
    import importlib
    import sys

    from hypothesis.internal.conjecture import providers

    from verify.userclaims.search import without_local_constants

    assert hasattr(providers, "_get_local_constants"), (
        "Hypothesis no longer has the local-constants hook: re-check without_local_constants")
    (tmp_path / "odd_literals_module.py").write_text("VALUE = 0.123456789123\nN = 987654321\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)  # so that Hypothesis deems the module local
    importlib.import_module("odd_literals_module")
    try:
        with without_local_constants():
            inside = providers._get_local_constants()
            assert not inside.floats and not inside.integers
        outside = providers._get_local_constants()  # restored afterwards
        assert outside is not inside
    finally:
        sys.modules.pop("odd_literals_module", None)
