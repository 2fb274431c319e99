"""Every check has a wall-clock safety net: past it the check is undecided, never a verdict."""

from __future__ import annotations

import time

from verify.cli import main
from verify.runner import run_check
from verify.vocabulary import Check, Claim, Finding, Outcome, Reference, Tier


def _claim() -> Claim:
    return Claim(id="t.hang", ref=Reference("t", "here"), statement="", hypotheses={},
                 asserts="", checks=())


def test_a_hanging_check_is_undecided_with_budget_exhausted():
    def hang(ctx):
        while True:  # a pure-Python loop the net can interrupt
            time.sleep(0.01)

    check = Check("hang", Tier.PRECISE, hang)
    t0 = time.perf_counter()
    ev = run_check(_claim(), check, 0, True, 50, budget_s=0.05)  # net: 10 x 0.05 s
    assert time.perf_counter() - t0 < 5
    assert ev.outcome is Outcome.UNDECIDED and "budget exhausted" in ev.detail


def test_a_quick_check_is_untouched_and_the_timer_is_cleared():
    check = Check("fast", Tier.PRECISE, lambda ctx: Finding(Outcome.SUPPORTS, "ok"))
    ev = run_check(_claim(), check, 0, True, 50, budget_s=0.05)
    assert ev.outcome is Outcome.SUPPORTS
    time.sleep(0.6)  # an alarm left armed would fire here and fail the test


def test_budget_option_must_be_a_positive_number(capsys):
    assert main(["run", "controls", "--budget", "-1", "--no-progress"]) == 2
    assert main(["run", "controls", "--budget", "nan", "--no-progress"]) == 2
    assert "--budget" in capsys.readouterr().err
