"""Shared by the check modules of :mod:`verify.checks.resnet`: outcome aliases, counterexample,
--at and coverage helpers."""

from __future__ import annotations

from verify.vocabulary import (
    CheckContext,
    Counterexample,
    Coverage,
    Outcome,
    Scope,
)

SUP, REF, UND = Outcome.SUPPORTS, Outcome.REFUTES, Outcome.UNDECIDED


def _cx(at, observed, claimed, margin, dps, note, replay=None, tol="0") -> Counterexample:
    return Counterexample(at={k: str(v) for k, v in at.items()}, observed=str(observed),
                          claimed=str(claimed), tol=tol, margin=str(margin), dps=dps, note=note,
                          replay=replay)


def _at(ctx: CheckContext, key: str, default: str) -> str:
    """A replay value from ``--at`` (exact decimal or fraction string), else the default."""
    return (ctx.at or {}).get(key, default)


def _set(values) -> str:
    """A finite set of instance values as covers text: ``{2, 3, 4}``."""
    return "{" + ", ".join(str(v) for v in values) + "}"


def _instances(decides: bool = True, **covers: str) -> Coverage:
    """Exact or certified evidence on the listed instances (keyword names with spaces or
    punctuation go through ``**{"name": ...}``)."""
    return Coverage(Scope.INSTANCES, dict(covers), decides=decides)


def _sample(points: int, decides: bool = True, **covers: str) -> Coverage:
    """Evidence at ``points`` sampled points of the named box."""
    return Coverage(Scope.SAMPLE, dict(covers), points=points, decides=decides)
