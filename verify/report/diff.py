"""What changed between two runs: claim statuses, and the sources behind each piece of evidence.

``verify report NEW/results.json --against OLD/results.json`` passes both parsed files to
:func:`compare`.  Claims match by id; evidence matches by (check name, occurrence), since a claim
may run the same check twice (once per equilibrium, say).  Source changes are read from the
``source_hash`` (claim as data) and ``check_hash`` (check code) recorded when each run was made;
an older file without them says so rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .util import as_dict, as_list, present, status_of, text


@dataclass(frozen=True)
class EvidenceChange:
    """How one piece of evidence differs from the older run.

    Attributes:
        new_check: the older run had no evidence from this check on this claim.
        code_changed: the check's code hash differs (``None``: a run did not record it).
        old_outcome: the older outcome when it differs, else ``""``.
    """

    new_check: bool = False
    code_changed: bool | None = False
    old_outcome: str = ""

    @property
    def flagged(self) -> bool:
        return self.new_check or self.code_changed is not False or bool(self.old_outcome)


@dataclass(frozen=True)
class ClaimChange:
    """How one claim differs from the older run."""

    old_status: str | None  # None: the claim is new
    new_status: str
    source_changed: bool | None  # None: a run did not record the claim's source hash
    evidence: dict[tuple[str, int], EvidenceChange] = field(default_factory=dict)

    @property
    def status_changed(self) -> bool:
        return self.old_status is not None and self.old_status != self.new_status

    @property
    def flagged(self) -> bool:
        return (self.old_status is None or self.status_changed or self.source_changed is not False
                or any(e.flagged for e in self.evidence.values()))


@dataclass(frozen=True)
class Comparison:
    """The older run's identity and every change, keyed by claim id."""

    old_run: dict
    old_environment: dict
    claims: dict[str, ClaimChange]
    removed: list[tuple[str, str]]  # (id, old status) of claims absent from the newer run
    hashes_recorded: bool  # the older run recorded source hashes


def evidence_keys(evidence: list) -> list[tuple[str, int]]:
    """(check name, occurrence) for each evidence entry, in order."""
    seen: dict[str, int] = {}
    keys = []
    for n, ev in enumerate(evidence):
        name = text(as_dict(ev).get("check")) or f"#{n + 1}"
        seen[name] = seen.get(name, 0) + 1
        keys.append((name, seen[name]))
    return keys


def _hash_change(new: object, old: object, recorded: bool) -> bool | None:
    """Whether a hash changed; ``None`` when one run lacks it although the older run records
    hashes (an older run without any is reported once, not per entry)."""
    if not recorded:
        return False
    if not present(new) or not present(old):
        return None
    return text(new) != text(old)


def compare(new: dict, old: dict) -> Comparison:
    """Compare two parsed results files (the newer first)."""
    old_claims = {text(c.get("id")): c for c in as_list(old.get("claims"))
                  if isinstance(c, dict) and present(c.get("id"))}
    recorded = any(present(c.get("source_hash")) for c in old_claims.values())
    changes: dict[str, ClaimChange] = {}
    new_ids = set()
    for c in as_list(new.get("claims")):
        if not isinstance(c, dict) or not present(c.get("id")):
            continue
        cid = text(c.get("id"))
        new_ids.add(cid)
        before = old_claims.get(cid)
        if before is None:
            changes[cid] = ClaimChange(None, status_of(c.get("status")), False)
            continue
        old_ev = as_list(before.get("evidence"))
        old_by_key = dict(zip(evidence_keys(old_ev), old_ev))
        new_ev = as_list(c.get("evidence"))
        ev_changes = {}
        for key, ev in zip(evidence_keys(new_ev), new_ev):
            prior = old_by_key.get(key)
            if prior is None:
                ev_changes[key] = EvidenceChange(new_check=True)
                continue
            ev, prior = as_dict(ev), as_dict(prior)
            outcome, old_outcome = status_of(ev.get("outcome")), status_of(prior.get("outcome"))
            ev_changes[key] = EvidenceChange(
                code_changed=_hash_change(ev.get("check_hash"), prior.get("check_hash"),
                                          recorded),
                old_outcome=old_outcome if old_outcome != outcome else "")
        changes[cid] = ClaimChange(status_of(before.get("status")), status_of(c.get("status")),
                                   _hash_change(c.get("source_hash"), before.get("source_hash"),
                                                recorded),
                                   ev_changes)
    removed = [(cid, status_of(c.get("status"))) for cid, c in old_claims.items()
               if cid not in new_ids]
    return Comparison(as_dict(old.get("run")), as_dict(old.get("environment")), changes,
                      removed, recorded)
