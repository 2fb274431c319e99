"""Running checks: seeds, timing, error capture, verdicts.  Library code: never prints."""

from __future__ import annotations

import contextlib
import hashlib
import shlex
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from verify.replay import ReplayError
from verify.vocabulary import (
    BudgetExhausted, Check, CheckContext, Claim, Evidence, Finding, Outcome, Status, Strength,
    strength, verdict,
)


# Every check's wall-clock safety net is this many times its budget (CheckContext.budget): the
# claim-file checks keep their own tighter deadlines inside it; a paper check that hangs stops.
NET_FACTOR = 10


@contextlib.contextmanager
def wall_clock_net(seconds: float):
    """Raise :class:`BudgetExhausted` in this thread after ``seconds`` (SIGALRM; where there is
    no such timer, or off the main thread, no net: the work-unit limits still apply)."""
    if (not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return

    def expired(signum, frame):
        raise BudgetExhausted(f"past the check's {seconds:g} s safety net")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def derive_seed(run_seed: int, claim_id: str, check_name: str) -> int:
    """A stable 63-bit seed from (run seed, claim id, check name); not Python's salted hash."""
    digest = hashlib.sha256(f"{run_seed}/{claim_id}/{check_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass(frozen=True)
class ClaimResult:
    claim: Claim
    status: Status
    evidence: tuple[Evidence, ...]
    seconds: float
    strength: Strength | None = None
    strength_basis: str = ""


def reproduce_line(claim: Claim, check: Check, seed: int, quick: bool,
                   finding: Finding | None = None) -> str:
    """The one-line command that re-runs this check (with ``--at`` for a search's counterexample).

    Claims from a claim file carry their file in ``claim.source`` and replay with ``check``.
    """
    verb = f"check {shlex.quote(claim.source)}" if claim.source else "run"
    line = (f"python -m verify {verb} {shlex.quote(claim.id)} --check {shlex.quote(check.name)}"
            f" --seed {int(seed)}")
    cx = finding.counterexample if finding else None
    if cx is not None and cx.replay:
        line += " --at " + shlex.quote(",".join(f"{k}={v}" for k, v in cx.replay.items()))
    return line + (" --quick" if quick else "")


_SHARED: dict[tuple, Finding] = {}  # the findings of shared checks (Check.share) in this process


def run_check(claim: Claim, check: Check, seed: int, quick: bool, dps: int,
              at: dict[str, str] | None = None, budget_s: float | None = None) -> Evidence:
    """Run one check; any exception becomes an ``error`` outcome naming it (never a pass), and a
    check past its safety net (:func:`wall_clock_net`) is ``undecided``.  A shared check
    (``check.share``) is seeded by its key, not the claim id, and run once per process for a
    run's seed, mode and precision (a replay ``at`` always runs)."""
    ctx = CheckContext(seed=derive_seed(seed, check.share or claim.id, check.name), quick=quick,
                       dps=dps, at=at, budget_s=budget_s)
    shared = (check.share, check.name, check.scope, ctx.seed, quick, dps, budget_s)
    start = time.perf_counter()
    try:
        with wall_clock_net(NET_FACTOR * ctx.budget):
            finding = _SHARED.get(shared) if check.share and not at else None
            if finding is None:
                finding = check.run(ctx)
        if not isinstance(finding, Finding):
            raise TypeError(f"check returned {type(finding).__name__}, not Finding")
        if finding.outcome is Outcome.REFUTES and finding.counterexample is None:
            finding = Finding(Outcome.ERROR, "check refuted without a counterexample: "
                              + finding.detail, finding.numbers)
    except ReplayError:
        raise  # a bad --at point is the caller's usage error, not the claim's
    except BudgetExhausted as exc:
        finding = Finding(Outcome.UNDECIDED, f"budget exhausted ({exc})")
    except Exception as exc:  # one failing check never stops the run
        finding = Finding(Outcome.ERROR, f"{type(exc).__name__}: {exc}")
    seconds = time.perf_counter() - start
    if check.share and not at and finding.outcome is not Outcome.ERROR:
        _SHARED[shared] = finding
    figures = tuple(replace(f, id=f"{claim.id}--{check.name}--{f.id}") for f in finding.figures)
    return Evidence(check=check.name, tier=check.tier, outcome=finding.outcome,
                    detail=finding.detail, numbers=dict(finding.numbers),
                    counterexample=finding.counterexample,
                    reproduce=reproduce_line(claim, check, seed, quick, finding),
                    seconds=f"{seconds:.3f}", figures=figures, attempt=check.attempt,
                    coverage=finding.coverage)


def run_claim(claim: Claim, seed: int, quick: bool, dps: int,
              only: str | None = None, progress: Callable[[str], None] | None = None,
              at: dict[str, str] | None = None, budget_s: float | None = None) -> ClaimResult:
    """Run a claim's checks (or only the one named ``only``) and derive its status."""
    start = time.perf_counter()
    evidence = []
    for check in claim.checks:
        if only and check.name != only:
            continue
        evidence.append(run_check(claim, check, seed, quick, dps, at, budget_s))
        if progress:
            progress(f"{claim.id}:{check.name}")
    status = verdict(claim, evidence)
    how, basis = strength(claim, evidence, status)
    return ClaimResult(claim, status, tuple(evidence),
                       time.perf_counter() - start, how, basis)


def failed_claim(claim: Claim, seed: int, quick: bool, only: str | None,
                 reason: str) -> ClaimResult:
    """A claim whose checks could not run at all (its worker process died or raised): each
    selected check is recorded as ``error`` with the reason, so the run goes on."""
    evidence = tuple(
        Evidence(check=check.name, tier=check.tier, outcome=Outcome.ERROR, detail=reason,
                 numbers={}, counterexample=None,
                 reproduce=reproduce_line(claim, check, seed, quick), seconds="0.000",
                 attempt=check.attempt)
        for check in claim.checks if not only or check.name == only)
    status = verdict(claim, evidence)
    return ClaimResult(claim, status, evidence, 0.0)
