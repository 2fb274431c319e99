"""Results as text for people: refutations in the style of Hypothesis and ``pytest.approx``
(used by the CLI, :func:`verify.api.assert_claim`, the pytest plugin and the exports), counts by
paper and status, and the one-line reason of a failing claim.

Everything but :func:`explain` works on claim records as written to ``results.json``
(:func:`verify.results.claim_record`), so a saved run is described exactly as a live one.  Records
may come from a file: every field is read tolerantly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from verify.runner import ClaimResult
from verify.vocabulary import Status, Strength

STATUSES = tuple(s.value for s in Status)
FAILING = ("refuted", "error")  # the statuses a reviewer must look at
MARK = {"refutes": "refuted", "error": "error"}  # the evidence outcome behind each failing status
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # left after collapsing whitespace: ESC, NUL...


def one_line(text: object) -> str:
    """Text on one line: whitespace runs collapsed, control characters (a terminal escape in a
    claim file's detail, say) replaced by U+FFFD."""
    return _CONTROL.sub("\ufffd", " ".join(str(text).split()))


def explain(result: ClaimResult, only_failures: bool = False) -> str:
    """A claim's status and, per check, its outcome; for a refutation the falsifying example,
    observed vs claimed +- tol, the high-precision margin and the replay line."""
    from verify.results import claim_record

    return explain_record(claim_record(result), only_failures)


def text_of(mapping: object, key: str) -> str:
    """``mapping[key]`` as text ("" when missing or not a mapping)."""
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return "" if value is None else str(value)


def _evidence(record: dict) -> list[dict]:
    evidence = record.get("evidence")
    return [e for e in evidence if isinstance(e, dict)] if isinstance(evidence, list) else []


def counterexample_lines(ev: dict, indent: str = "    ") -> list[str]:
    """The falsifying example of one evidence record, its numbers and its replay line."""
    cx = ev.get("counterexample")
    if not isinstance(cx, dict):
        return []
    at = cx.get("at") if isinstance(cx.get("at"), dict) else {}
    point = ", ".join(f"{k}={v}" for k, v in at.items())
    return [f"{indent}Falsifying example: {point}",
            f"{indent}observed {text_of(cx, 'observed')} vs claimed {text_of(cx, 'claimed')} "
            f"+- {text_of(cx, 'tol')}",
            f"{indent}margin {text_of(cx, 'margin')} (at {text_of(cx, 'dps')} digits); "
            f"{text_of(cx, 'note')}",
            f"{indent}replay: {text_of(ev, 'reproduce')}"]


def explain_record(record: dict, only_failures: bool = False) -> str:
    """:func:`explain` for a claim record of ``results.json``."""
    lines = [f"{text_of(record, 'id')}: {text_of(record, 'status')}"]
    for ev in _evidence(record):
        if only_failures and text_of(ev, "outcome") not in MARK:
            continue
        lines.append(f"  {text_of(ev, 'check')} [{text_of(ev, 'tier')}] {text_of(ev, 'outcome')}: "
                     f"{text_of(ev, 'detail')}")
        lines += counterexample_lines(ev)
    return "\n".join(lines)


def is_control(record: dict) -> bool:
    return record.get("control") is True


def failing(records: Iterable[dict]) -> list[dict]:
    """The error and refuted claims (errors first: no verdict at all is the worse news),
    negative controls left out (they are meant to fail)."""
    bad = [r for r in records if not is_control(r) and text_of(r, "status") in FAILING]
    return sorted(bad, key=lambda r: text_of(r, "status") != "error")


def controls(records: Iterable[dict]) -> tuple[int, int]:
    """(negative controls refuted as expected, negative controls)."""
    ctl = [r for r in records if is_control(r)]
    return sum(text_of(r, "status") == "refuted" for r in ctl), len(ctl)


# The columns of a count table: a confirmed claim is counted under its strength.
VERDICTS = tuple(s.value for s in Strength) + tuple(
    s.value for s in Status if s is not Status.CONFIRMED)


def verdict_of(record: dict) -> str:
    """A claim's status, with a confirmed claim's strength in its place (``proven``, ...)."""
    status = text_of(record, "status")
    if status == Status.CONFIRMED.value:
        return text_of(record, "strength") or Strength.SAMPLED.value
    return status


def counts_by_paper(records: Iterable[dict]) -> dict[str, dict[str, int]]:
    """{paper key: {verdict: number of claims}} (:data:`VERDICTS`: confirmed claims by strength),
    negative controls left out, in run order."""
    table: dict[str, dict[str, int]] = {}
    for r in records:
        if is_control(r):
            continue
        row = table.setdefault(text_of(r, "paper") or "?", dict.fromkeys(VERDICTS, 0))
        verdict = verdict_of(r)
        row[verdict] = row.get(verdict, 0) + 1
    return table


def culprit(record: dict) -> dict:
    """The evidence behind a failing status: the first refuting (or erroring) check."""
    wanted = "refutes" if text_of(record, "status") == "refuted" else "error"
    return next((e for e in _evidence(record) if text_of(e, "outcome") == wanted), {})


def reason(record: dict, with_check: bool = True) -> str:
    """Why a claim failed, on one line: the culprit check's name (unless ``with_check`` is
    false) and its detail, whitespace collapsed (the counterexample's note when the detail is
    empty)."""
    ev = culprit(record)
    cx = ev.get("counterexample")
    text = text_of(ev, "detail") or text_of(cx, "note") or "(no detail recorded)"
    check = text_of(ev, "check") if with_check else ""
    return one_line(f"{check}: {text}" if check else text)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, ending in '...' when cut."""
    return text if len(text) <= width else text[: max(width - 3, 0)] + "..."
