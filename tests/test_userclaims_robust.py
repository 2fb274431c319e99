"""Issue 15: hostile-but-valid claim files never give a wrong verdict, a traceback or a hang."""

from __future__ import annotations

import signal
import threading
import time

import mpmath
import numpy as np
import pytest

from verify.api import check, claim
from verify.runner import run_claim, wall_clock_net
from verify.userclaims import budget
from verify.userclaims.build import claim_from_spec, claims_from_file
from verify.userclaims.search import Probe, _guide
from verify.userclaims.spec import ClaimSpec
from verify.vocabulary import BudgetExhausted, CheckContext, Finding, Outcome, Status

ONE = dict(variables=["x"], step="delta")


def _run(**table):
    (result,) = check(claim(id="robust", **table), quick=True, seed=0)
    return result


def _outcomes(result):
    return {e.check: e.outcome for e in result.evidence}


def _refutation(result, check: str | None = None):
    """The counterexample of the one refuting check (of ``check`` where several refute)."""
    (ev,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES
             and (check is None or e.check == check)]
    return ev.counterexample


# 1. a convergence claim with a wrong limit is refuted, never confirmed

def test_convergence_to_another_point_is_refuted():
    result = _run(kind="convergence", loss="(x - 1)**2", **ONE,
                  params={"delta": [0.1, 0.5], "x0": [3, 4]}, start=["x0"],
                  condition="delta < 1", target=["0"])
    assert result.status is Status.REFUTED
    cx = _refutation(result, "convergence_search")
    assert cx.observed == "elsewhere" and cx.dps == 70
    # and exactly: grad f(0) = -2 is not 0, so 0 is no limit of GD (target_critical)
    assert _refutation(result, "target_critical").observed == "grad f(target)[0] = -2.0"
    # GD on (x-1)^2 contracts to 1 at rate |1 - 2 delta|, far from the claimed 0.
    assert abs(1 - 2 * float(cx.at["delta"])) < 1


def test_convergence_to_a_cycle_is_refuted():
    # GD on (2/3)|x|^(3/2) from delta^2/4 stays on the 2-cycle +-delta^2/4 (Nar & Sastry Ex. 1).
    result = _run(kind="convergence", loss="2*Abs(x)**Rational(3,2)/3", **ONE,
                  params={"delta": [0.1, 0.5]}, start=["delta**2/4"],
                  condition="delta < 1", target=["0"])
    assert result.status is Status.REFUTED
    assert _refutation(result).observed == "cycle"


def test_convergence_to_the_right_point_is_confirmed():
    result = _run(kind="convergence", loss="(x - 1)**2", **ONE,
                  params={"delta": [0.1, 0.5], "x0": [3, 4]}, start=["x0"],
                  condition="delta < 1", target=["1"])
    assert result.status is Status.CONFIRMED


# 2. a symbol that is not one of the declared objects is an error

def test_foreign_symbol_object_is_an_error_not_a_second_variable():
    # Before: d/dx of the loss ignored the foreign x, so 0 "was" a minimiser with f'' = 2 and
    # every tier confirmed the threshold 1 (the true loss (x-1)^2 + x^2 has its minimum at 1/2).
    spec = ClaimSpec(id="robust.sym", kind="threshold", loss="(Symbol('x') - 1)**2 + x**2",
                     variables=("x",), step="delta", params={"delta": ("1/10", "2")},
                     equilibrium=("0",), bound="1", tight=True)
    result = run_claim(claim_from_spec(spec), 0, True, 50)
    assert result.status is Status.ERROR
    assert "loss" in result.evidence[0].detail or "Symbol" in result.evidence[0].detail


# 3. the certified cycle check takes orbit points that do not depend on the step

@pytest.mark.parametrize("loss,point", [("x**2/2", "0"), ("(x - 1)**2/2", "1")])
def test_certified_cycle_with_constant_points(loss, point):
    result = _run(kind="cycle", loss=loss, **ONE, params={"delta": [0.1, 0.5]},
                  points=[[point]], stable=True)
    assert result.status is Status.CONFIRMED
    assert _outcomes(result)["cycle_certified"] is Outcome.SUPPORTS


def test_certified_cycle_refutes_a_constant_point_that_is_not_fixed():
    result = _run(kind="cycle", loss="(x - 1)**2/2", **ONE, params={"delta": [0.1, 0.5]},
                  points=[["2"]])
    assert _outcomes(result)["cycle_certified"] is Outcome.REFUTES


# 4. a diverging GD in a rate claim is a violation, a complex metric is undecided

def test_diverging_rate_claim_is_refuted_with_the_escaped_iterate():
    result = _run(kind="rate", loss="x**2/2", **ONE, params={"delta": [1, 3], "x0": [1, 2]},
                  start=["x0"], metric="loss", bound="metric0", steps=200)
    assert result.status is Status.REFUTED
    cx = _refutation(result)
    delta, x0, t = (mpmath.mpf(cx.at[k]) for k in ("delta", "x0", "t"))
    with mpmath.workdps(50):  # re-evaluate: x_t = (1 - delta)^t x0, metric x_t^2/2
        assert ((1 - delta) ** t * x0) ** 2 / 2 > x0**2 / 2
    assert float(cx.margin) < 0


def test_complex_metric_is_undecided_not_an_error():
    result = _run(kind="rate", loss="x**2/2", **ONE, params={"delta": [1, 3], "x0": [1, 2]},
                  start=["x0"], metric="sqrt(x)", bound="2", steps=20)
    assert result.status is Status.INCONCLUSIVE
    assert "not real and finite" in result.evidence[0].detail


# 5. non-finite guides are clamped or skipped

def test_guide_is_finite():
    assert _guide(Probe(float("-inf"), {})) == 1e300
    assert _guide(Probe(1.0, {}, float("-inf"))) == -1e300
    assert _guide(Probe(1.0, {}, float("nan"))) is None


def test_overflowing_margin_still_gives_a_verdict():
    result = _run(kind="inequality", params={"a": [0, 10]}, lhs="exp(exp(a))",
                  relation=">=", rhs="0")
    assert result.status is Status.CONFIRMED


# 6. budgets: deterministic work limits first, the wall clock as the safety net

def test_huge_power_does_not_reach_simplify():
    start = time.perf_counter()
    result = _run(kind="inequality", params={"a": [0, 1]}, lhs="(a+1)**100000",
                  relation=">=", rhs="1")
    assert time.perf_counter() - start < 30
    sym = next(e for e in result.evidence if e.check == "inequality_symbolic")
    assert sym.outcome is Outcome.UNDECIDED and sym.detail.startswith("budget exhausted")
    assert result.status is Status.CONFIRMED  # the numeric tiers decide


def test_million_step_rate_claim_is_undecided_at_once():
    start = time.perf_counter()
    result = _run(kind="rate", loss="a*x**2/2", **ONE,
                  params={"delta": [0.01, 0.5], "a": [0.5, 2], "x0": [-2, 2]}, start=["x0"],
                  metric="loss", bound="metric0", steps=10**6)
    assert time.perf_counter() - start < 10
    assert result.status is Status.INCONCLUSIVE
    assert result.evidence[0].detail.startswith("budget exhausted")


def _sleeps(ctx):
    time.sleep(30)
    return Finding(Outcome.SUPPORTS, "never")


def _swallows_exceptions(ctx):
    while True:
        try:
            time.sleep(30)
        except Exception:  # noqa: BLE001, S110 - what SymPy's own code does in places
            pass


@pytest.mark.parametrize("slow", [_sleeps, _swallows_exceptions])
def test_symbolic_work_is_stopped_at_the_deadline(slow):
    # the deadline's exception is not an Exception: an `except Exception` does not swallow it
    run = budget.budgeted(budget.under_deadline(slow))
    start = time.perf_counter()
    finding = run(CheckContext(seed=0, quick=True, budget_s=0.3))
    assert time.perf_counter() - start < 10
    assert finding.outcome is Outcome.UNDECIDED and "budget exhausted" in finding.detail


def test_the_enclosing_safety_net_keeps_its_remaining_time():
    def quick(ctx):
        return Finding(Outcome.SUPPORTS, "done")

    with wall_clock_net(30):
        budget.under_deadline(quick)(CheckContext(seed=0, quick=True, budget_s=1.0))
        left, _ = signal.getitimer(signal.ITIMER_REAL)
    assert 25 < left <= 30
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0  # and the net disarms as before


def test_an_enclosing_timer_that_ends_first_still_fires():
    def slow(ctx):
        time.sleep(30)

    start = time.perf_counter()
    with pytest.raises(BudgetExhausted, match="safety net"), wall_clock_net(0.3):
        budget.under_deadline(slow)(CheckContext(seed=0, quick=True, budget_s=20))
    assert time.perf_counter() - start < 10


def test_precision_and_numpy_error_state_are_restored():
    def leaky(ctx):
        mpmath.mp.dps = 400
        np.seterr(all="raise")
        return Finding(Outcome.SUPPORTS, "done")

    prec, errors = mpmath.mp.prec, np.geterr()
    budget.under_deadline(leaky)(CheckContext(seed=0, quick=True))
    assert mpmath.mp.prec == prec and np.geterr() == errors


def test_off_the_main_thread_a_child_process_is_stopped_at_the_deadline():
    found = []
    thread = threading.Thread(target=lambda: found.append(budget.budgeted(
        budget.under_deadline(_sleeps))(CheckContext(seed=0, quick=True, budget_s=0.5))))
    start = time.perf_counter()
    thread.start()
    thread.join(20)
    assert time.perf_counter() - start < 10
    assert found[0].outcome is Outcome.UNDECIDED and "budget exhausted" in found[0].detail


def test_child_exceptions_are_re_raised():
    def bad(ctx):
        raise ValueError("key 'equilibrium': not critical")

    with pytest.raises(ValueError, match="not critical"):
        budget.under_deadline(bad)(CheckContext(seed=0, quick=True))


def test_search_deadline_gives_undecided():
    spec = claim(id="robust.deadline", kind="convergence", loss="x**4", **ONE,
                 params={"delta": [0.01, 1.0], "x0": [-3, 3]}, start=["x0"],
                 condition="x0**2 < 2/(4*delta)", target=["0"])
    chk = next(c for c in claim_from_spec(spec).checks if c.name == "convergence_search")
    finding = chk.run(CheckContext(seed=0, quick=True, budget_s=0.0))
    assert finding.outcome is Outcome.UNDECIDED and finding.detail.startswith("budget exhausted")


# 7. adversarial but valid claims: a verdict or a clear error, never a traceback or a wrong one

ADVERSARIAL = {
    "pinned interval lo == hi": (dict(kind="inequality", params={"a": [1, 1]}, lhs="a",
                                      relation="<", rhs="1"), Status.REFUTED),
    "rate with one step": (dict(kind="rate", loss="x**2/2", **ONE,
                                params={"delta": [0.1, 0.5], "x0": [-1, 1]}, start=["x0"],
                                metric="loss", bound="metric0", steps=1), Status.CONFIRMED),
    "constant loss, cycle": (dict(kind="cycle", loss="3", **ONE, params={"delta": [0.1, 0.5]},
                                  points=[["1"]]), Status.CONFIRMED),
    "constant loss, convergence": (dict(kind="convergence", loss="3", **ONE,
                                        params={"delta": [0.1, 0.5], "x0": [-1, 1]},
                                        start=["x0"], condition="delta < 1", target=["0"]),
                                   Status.REFUTED),
    "kink at the equilibrium": (dict(kind="convergence", loss="Abs(x)", **ONE,
                                     params={"delta": [0.1, 0.5], "x0": [-1, 1]}, start=["x0"],
                                     condition="delta < 1", target=["0"]), Status.REFUTED),
    "kink cycle": (dict(kind="cycle", loss="Abs(x)", **ONE, params={"delta": [0.1, 0.5]},
                        points=[["delta/2"], ["-delta/2"]]), Status.CONFIRMED),
    "start near the float64 limit": (dict(kind="rate", loss="x**2/2", **ONE,
                                          params={"delta": [0.1, 0.5], "x0": ["1e300", "1e308"]},
                                          start=["x0"], metric="loss", bound="metric0",
                                          steps=30), Status.CONFIRMED),
    "tiny interval": (dict(kind="inequality", params={"a": ["1e-300", "2e-300"]}, lhs="a",
                           relation=">", rhs="0"), Status.CONFIRMED),
    # False away from the pole too (1/a = -128 at a = -1/128): the box prover finds that point
    # exactly, while the search stops at the undefined a = 0.
    "division by zero in the box": (dict(kind="inequality", params={"a": [-1, 1]}, lhs="1/a",
                                         relation=">=", rhs="-100"), Status.REFUTED),
    "division by zero, true elsewhere": (dict(kind="inequality", params={"a": [-1, 1]},
                                              lhs="1/a**2", relation=">=", rhs="-100"),
                                         Status.INCONCLUSIVE),
    "gradient undefined at the start": (dict(kind="convergence", loss="1/x", **ONE,
                                             params={"delta": [0.1, 0.5], "x0": [-1, 1]},
                                             start=["x0"], condition="delta < 1",
                                             target=["0"]), Status.INCONCLUSIVE),
    "log of 0 in a metric": (dict(kind="rate", loss="x**2/2", **ONE,
                                  params={"delta": [0.1, 0.5], "x0": [0, 1]}, start=["x0"],
                                  metric="log(x)", bound="1", steps=5), Status.INCONCLUSIVE),
    "a 1e-99995 residual only Arb sees": (dict(kind="cycle", loss="x**2/2 + (x-delta)**100000",
                                               **ONE, params={"delta": [0.1, 0.5]},
                                               points=[["0"]]), Status.REFUTED),
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_adversarial_claims(name):
    table, expected = ADVERSARIAL[name]
    result = _run(**table)
    errors = [e.detail for e in result.evidence if e.outcome is Outcome.ERROR]
    assert not errors
    assert result.status is expected


def test_claim_file_route(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('''
[[claim]]
id = "wrong-limit"
kind = "convergence"
loss = "(x - 1)**2"
variables = ["x"]
step = "delta"
params = { delta = [0.1, 0.5], x0 = [3, 4] }
start = ["x0"]
condition = "delta < 1"
target = ["0"]
''')
    (c,) = claims_from_file(path)
    assert run_claim(c, 0, True, 50).status is Status.REFUTED
