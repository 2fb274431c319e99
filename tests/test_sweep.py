"""The convergence kind's float64 sweep (``sweep = N``, verify/userclaims/sweep.py): hostile
tables name the key; a true claim is sampled, a false one refuted only by a run replayed at
high precision, whose replay line re-checks the same point."""

from __future__ import annotations

import time

import pytest

from verify.api import check
from verify.userclaims.build import claim_from_spec
from verify.userclaims.parse import parse_table
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome, Status, Strength

BASE = {"id": "t.sweep", "kind": "convergence",
        "model": {"family": "deep_linear", "depth": "L", "width": 1, "target": "r", "init": "1"},
        "integers": {"L": [2, 3]}, "step": "delta",
        "params": {"delta": ["1/1000", 1], "r": [1, 4]},
        "condition": "delta <= 99/100*2/(L*r**(2*(L - 1)/L))", "target": "minimisers",
        "sweep": 200}


def _with(**changes) -> dict:
    table = {**BASE, **changes}
    return {k: v for k, v in table.items() if v is not None}


HOSTILE = {
    "sweep.zero": _with(sweep=0),
    "sweep.huge": _with(sweep=10**9),
    "sweep.text": _with(sweep="many"),
    "sweep.bool": _with(sweep=True),
    "sweep.float": _with(sweep=200.5),
    "sweep.code": _with(sweep="__import__('os').system('true')"),
    "sweep.otherwise": _with(otherwise="diverges"),
    "sweep.momentum": _with(optimizer={"method": "heavy_ball", "beta": "1/2"}),
    "sweep.schedule": _with(schedule="delta/(1 + t)"),
    "sweep.exact_orbit": _with(exact_orbit=True),
}


@pytest.mark.parametrize("key", list(HOSTILE))
def test_hostile_tables_name_the_key(key):
    start = time.monotonic()
    result = parse_table(HOSTILE[key])
    assert isinstance(result, BadClaim), result
    assert result.key == "sweep", (result.key, result.message)
    assert "key 'sweep'" in result.message or "sweep" in result.message
    assert time.monotonic() - start < 5


def test_cycle_target_refuses_a_sweep():
    bad = parse_table({"id": "t.cyc", "kind": "convergence", "loss": "x**4", "variables": ["x"],
                       "step": "d", "params": {"d": [0.1, 0.2]}, "start": ["1"],
                       "target": "cycle", "period": 2, "sweep": 100})
    assert isinstance(bad, BadClaim) and bad.key == "sweep"


def test_true_claim_is_sampled_and_false_twin_refuted_with_a_replay():
    false = _with(id="t.sweep-small-r", params={"delta": ["1/1000", 10], "r": ["1/10", 4]})
    results = {r.claim.id: r for r in check([parse_table(BASE), parse_table(false)],
                                            quick=True)}
    ok = results["t.sweep"]
    assert ok.status is Status.CONFIRMED and ok.strength is Strength.SAMPLED
    assert [e.check for e in ok.evidence] == ["convergence_sweep"]
    bad = results["t.sweep-small-r"]
    assert bad.status is Status.REFUTED
    cx = bad.evidence[0].counterexample
    assert cx.observed in ("diverges", "elsewhere", "cycle") and cx.dps >= 70
    assert {"L", "delta", "r"} <= set(cx.replay)
    # the replay line's point, run alone, refutes again
    claim = claim_from_spec(parse_table(false))
    again = claim.checks[0].run(CheckContext(seed=0, quick=True, at=dict(cx.replay)))
    assert again.outcome is Outcome.REFUTES


def test_float_runs_classify_each_run_by_its_own_step():
    """GD on x^2/2 from 1 with step delta: x_k = (1 - delta)^k. The batched float64 runs
    converge exactly where |1 - delta| < 1 (rows leave the batch as they reach the target;
    the others escape, or are 1 for ever at delta = 2, and stay NaN or fail)."""
    import numpy as np

    from verify.userclaims.model import Model
    from verify.userclaims.sweep import _float_runs

    spec = parse_table({"id": "t.scalar", "kind": "convergence", "loss": "x**2/2",
                        "variables": ["x"], "step": "delta", "params": {"delta": ["1/100", 4]},
                        "start": ["1"], "target": ["0"], "condition": "delta < 4",
                        "sweep": 10})
    deltas = np.array([0.5, 1.0, 1.9, 2.0, 2.1, 3.9, 1.5, 0.05])
    ok = _float_runs(Model(spec), deltas[:, None], 400)
    assert ok.tolist() == [True, True, True, False, False, False, True, True]
