"""Refutations as text, in the style of Hypothesis and ``pytest.approx`` (used by the CLI and
by :func:`verify.api.assert_claim`)."""

from __future__ import annotations

from verify.runner import ClaimResult
from verify.vocabulary import Outcome


def explain(result: ClaimResult, only_failures: bool = False) -> str:
    """A claim's status and, per check, its outcome; for a refutation the falsifying example,
    observed vs claimed +- tol, the high-precision margin and the replay line."""
    lines = [f"{result.claim.id}: {result.status.value}"]
    for ev in result.evidence:
        if only_failures and ev.outcome not in (Outcome.REFUTES, Outcome.ERROR):
            continue
        lines.append(f"  {ev.check} [{ev.tier.value}] {ev.outcome.value}: {ev.detail}")
        cx = ev.counterexample
        if cx is not None:
            at = ", ".join(f"{k}={v}" for k, v in cx.at.items())
            lines.append(f"    Falsifying example: {at}")
            lines.append(f"    observed {cx.observed} vs claimed {cx.claimed} +- {cx.tol}")
            lines.append(f"    margin {cx.margin} (at {cx.dps} digits); {cx.note}")
            lines.append(f"    replay: {ev.reproduce}")
    return "\n".join(lines)
