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
    VERDICTS, controls, counts_by_paper, culprit, explain_record, failing, is_control, one_line,
    reason, text_of,
)

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _claims(data: dict) -> list[dict]:
    claims = data.get("claims")
    return [c for c in claims if isinstance(c, dict)] if isinstance(claims, list) else []


# ---------------------------------------------------------------- Markdown


def _md(text: object) -> str:
    """Plain text for Markdown: one line, every markup character escaped."""
    return _MD_SPECIAL.sub(r"\\\1", one_line(text))


def _code(text: object) -> str:
    """An inline code span that holds ``text`` whatever backticks it contains."""
    text = one_line(text)
    fence = "`" * (max((len(m) for m in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def markdown(data: dict) -> str:
    """A summary to paste into a review: the run, counts by paper and status, the negative
    controls, then each refuted or error claim with its reason, counterexample and replay line."""
    records = _claims(data)
    run, env = data.get("run"), data.get("environment")
    lines = ["## stepsize-verify: " + _md(text_of(run, "name") or "run"), ""]
    facts = [f"command {_code(text_of(run, 'command'))}" if text_of(run, "command") else "",
             f"seed {_md(text_of(env, 'seed'))}" if text_of(env, "seed") else "",
             "quick budgets" if run and run.get("quick") is True else "",
             f"commit {_code(text_of(env, 'git_sha')[:12])}" if text_of(env, "git_sha") else ""]
    if any(facts):
        lines += ["Run: " + "; ".join(f for f in facts if f) + ".", ""]
    table = counts_by_paper(records)
    lines += ["| paper | " + " | ".join(VERDICTS) + " | total |",
              "|---|" + "---:|" * (len(VERDICTS) + 1)]
    for paper, row in table.items():
        lines.append(f"| {_md(paper)} | " + " | ".join(str(row.get(s, 0)) for s in VERDICTS)
                     + f" | {sum(row.values())} |")
    done, total = controls(records)
    if total:
        lines += ["", f"Negative controls: {done}/{total} refuted as expected."]
    bad = failing(records)
    lines += ["", f"### Refuted or in error ({len(bad)})" if bad else "No claim is refuted or "
              "in error."]
    for r in bad:
        lines += ["", f"**{_md(text_of(r, 'id'))}**: {_md(text_of(r, 'status'))}"
                  + (f" ({_md(text_of(r, 'where'))})" if text_of(r, "where") else ""), ""]
        lines.append(f"- Reason: {_md(reason(r))}")
        ev = culprit(r)
        cx = ev.get("counterexample")
        if isinstance(cx, dict):
            at = cx.get("at") if isinstance(cx.get("at"), dict) else {}
            point = ", ".join(f"{k}={v}" for k, v in at.items())
            lines.append(f"- Counterexample: {_code(point)}: observed {_code(text_of(cx, 'observed'))}"
                         f" vs claimed {_code(text_of(cx, 'claimed'))} +- {_code(text_of(cx, 'tol'))};"
                         f" margin {_code(text_of(cx, 'margin'))} at {_md(text_of(cx, 'dps'))} digits")
        if text_of(ev, "reproduce"):
            lines.append(f"- Replay: {_code(text_of(ev, 'reproduce'))}")
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
    if text_of(record, "not_checkable"):
        return text_of(record, "not_checkable")
    ev = next((e for e in record.get("evidence") or [] if isinstance(e, dict)
               and text_of(e, "outcome") in ("undecided", "error")), {})
    return f"{text_of(ev, 'check')}: {text_of(ev, 'detail')}" if ev else "no check decided"


def _testcase(suite: ET.Element, record: dict) -> str:
    """Add the claim's testcase; its result: passed, failure, error or skipped."""
    case = ET.SubElement(suite, "testcase", classname=_x(text_of(record, "paper") or "?"),
                         name=_x(text_of(record, "id")), time=_seconds(record.get("seconds")))
    status = text_of(record, "status")
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
        paper = text_of(record, "paper") or "?"
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
