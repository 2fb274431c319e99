"""A saved run (``results.json``) as Markdown for a review form, or as JUnit XML for CI
(``verify report RESULTS --format markdown|junit``).

Both read only the parsed results file and treat every value in it as untrusted text: Markdown
escapes it (so a claim cannot inject markup or HTML into the review), and the XML is built with
:mod:`xml.etree.ElementTree` (which escapes) after removing the characters XML 1.0 cannot hold.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from verify.explain import (
    STATUSES, controls, counts_by_paper, culprit, explain_record, failing, is_control, reason,
)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _claims(data: dict) -> list[dict]:
    claims = data.get("claims")
    return [c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else []


def _get(mapping: object, key: str) -> str:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return "" if value is None else str(value)


# ---------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    """Plain text for Markdown: one line, every markup character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def _code(text: str) -> str:
    """An inline code span that holds ``text`` whatever backticks it contains."""
    text = " ".join(str(text).split())
    fence = "`" * (max((len(m) for m in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(data: dict) -> str:
    """A summary to paste into a review: the run, counts by paper and status, the negative
    controls, then each refuted or error claim with its reason, counterexample and replay line."""
    records = _claims(data)
    run, env = data.get("run"), data.get("environment")
    lines = ["## stepsize-verify: " + _md(_get(run, "name") or "run"), ""]
    facts = [f"command {_code(_get(run, 'command'))}" if _get(run, "command") else "",
             f"seed {_md(_get(env, 'seed'))}" if _get(env, "seed") else "",
             "quick budgets" if run and run.get("quick") is True else "",
             f"commit {_code(_get(env, 'git_sha')[:12])}" if _get(env, "git_sha") else ""]
    if any(facts):
        lines += ["Run: " + "; ".join(f for f in facts if f) + ".", ""]
    table = counts_by_paper(records)
    lines += ["| paper | " + " | ".join(STATUSES) + " | total |",
              "|---|" + "---:|" * (len(STATUSES) + 1)]
    for paper, row in table.items():
        lines.append(f"| {_md(paper)} | " + " | ".join(str(row.get(s, 0)) for s in STATUSES)
                     + f" | {sum(row.values())} |")
    done, total = controls(records)
    if total:
        lines += ["", f"Negative controls: {done}/{total} refuted as expected."]
    bad = failing(records)
    lines += ["", f"### Refuted or in error ({len(bad)})" if bad else "No claim is refuted or "
              "in error."]
    for r in bad:
        lines += ["", f"**{_md(_get(r, 'id'))}**: {_md(_get(r, 'status'))}"
                  + (f" ({_md(_get(r, 'where'))})" if _get(r, "where") else ""), ""]
        lines.append(f"- Reason: {_md(reason(r))}")
        ev = culprit(r)
        cx = ev.get("counterexample")
        if isinstance(cx, dict):
            at = cx.get("at") if isinstance(cx.get("at"), dict) else {}
            point = ", ".join(f"{k}={v}" for k, v in at.items())
            lines.append(f"- Counterexample: {_code(point)}: observed {_code(_get(cx, 'observed'))}"
                         f" vs claimed {_code(_get(cx, 'claimed'))} +- {_code(_get(cx, 'tol'))};"
                         f" margin {_code(_get(cx, 'margin'))} at {_md(_get(cx, 'dps'))} digits")
        if _get(ev, "reproduce"):
            lines.append(f"- Replay: {_code(_get(ev, 'reproduce'))}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- JUnit XML


def _x(text: object) -> str:
    """Text XML 1.0 can hold (ElementTree escapes markup, not control characters)."""
    return _NOT_XML.sub("\ufffd", "" if text is None else str(text))


def _seconds(value: object) -> str:
    try:
        return f"{max(float(str(value)), 0.0):.3f}"
    except ValueError:
        return "0.000"


def _undecided(record: dict) -> str:
    """Why an inconclusive or not-checkable claim has no verdict."""
    if _get(record, "not_checkable"):
        return _get(record, "not_checkable")
    ev = next((e for e in record.get("evidence") or [] if isinstance(e, dict)
               and _get(e, "outcome") in ("undecided", "error")), {})
    return f"{_get(ev, 'check')}: {_get(ev, 'detail')}" if ev else "no check decided"


def _testcase(suite: ET.Element, record: dict) -> str:
    """Add the claim's testcase; its result: passed, failure, error or skipped."""
    case = ET.SubElement(suite, "testcase", classname=_x(_get(record, "paper") or "?"),
                         name=_x(_get(record, "id")), time=_seconds(record.get("seconds")))
    status = _get(record, "status")
    if is_control(record):  # a negative control passes when it is refuted
        if status == "refuted":
            return "passed"
        ET.SubElement(case, "failure", type="control-not-refuted", message=_x(
            f"negative control came out {status}: the checks missed a planted error")).text = \
            _x(explain_record(record))
        return "failure"
    if status in ("refuted", "error"):
        kind = "failure" if status == "refuted" else "error"
        ET.SubElement(case, kind, type=status, message=_x(reason(record))).text = \
            _x(explain_record(record, only_failures=True))
        return kind
    if status != "confirmed":
        ET.SubElement(case, "skipped", message=_x(f"{status}: {_undecided(record)}"))
        return "skipped"
    return "passed"


def junit(data: dict) -> str:
    """JUnit XML: one testsuite per paper key, one testcase per claim.  A refuted claim is a
    failure and an error claim an error (the message is the reason, the body the evidence with
    its counterexample and replay line); inconclusive and not-checkable claims are skipped; a
    negative control fails unless it is refuted."""
    root = ET.Element("testsuites", name="stepsize-verify")
    suites: dict[str, ET.Element] = {}
    tally: dict[str, dict[str, int]] = {}
    for record in _claims(data):
        paper = _get(record, "paper") or "?"
        if paper not in suites:
            suites[paper] = ET.SubElement(root, "testsuite", name=_x(paper))
            tally[paper] = {"tests": 0, "failure": 0, "error": 0, "skipped": 0, "time": 0.0}
        result = _testcase(suites[paper], record)
        t = tally[paper]
        t["tests"] += 1
        t["time"] += float(_seconds(record.get("seconds")))
        if result != "passed":
            t[result] += 1
    for paper, suite in suites.items():
        t = tally[paper]
        suite.set("tests", str(t["tests"]))
        suite.set("failures", str(t["failure"]))
        suite.set("errors", str(t["error"]))
        suite.set("skipped", str(t["skipped"]))
        suite.set("time", f"{t['time']:.3f}")
    for key, name in (("tests", "tests"), ("failure", "failures"), ("error", "errors")):
        root.set(name, str(sum(t[key] for t in tally.values())))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
