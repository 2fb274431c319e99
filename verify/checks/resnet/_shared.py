"""Shared by the check modules of :mod:`verify.checks.resnet`: outcome aliases, counterexample,
--at and coverage helpers."""

from __future__ import annotations

from verify.checks.common import instances as _instances  # noqa: F401 - re-exported
from verify.checks.common import sampled as _sample  # noqa: F401 - re-exported
from verify.checks.common import set_text as _set  # noqa: F401 - re-exported
from verify.vocabulary import CheckContext, Counterexample, Outcome

SUP, REF, UND = Outcome.SUPPORTS, Outcome.REFUTES, Outcome.UNDECIDED


def _cx(at, observed, claimed, margin, dps, note, replay=None, tol="0") -> Counterexample:
    return Counterexample(at={k: str(v) for k, v in at.items()}, observed=str(observed),
                          claimed=str(claimed), tol=tol, margin=str(margin), dps=dps, note=note,
                          replay=replay)


def _at(ctx: CheckContext, key: str, default: str) -> str:
    """A replay value from ``--at`` (exact decimal or fraction string), else the default."""
    return (ctx.at or {}).get(key, default)


