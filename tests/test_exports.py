"""``verify report RESULTS --format markdown|junit``: a review summary and JUnit XML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest

from verify import exports, results
from verify.cli import main
from verify.explain import failing, reason


@pytest.fixture(scope="module")
def data(quick_results):
    return results.build(list(quick_results.values()), {"name": "t", "command": "python -m x"},
                         0, 50)


def _unescaped(markdown: str) -> str:
    return markdown.replace("\\", "")


def test_markdown_names_every_failure_with_reason_counterexample_and_replay(data):
    text = exports.markdown(data)
    plain = _unescaped(text)
    bad = failing(data["claims"])
    assert bad
    for r in bad:
        assert f"**{r['id']}**: {r['status']}" in plain
        assert reason(r).split(":")[0] in plain
    refuting = [e for r in bad for e in r["evidence"] if e["outcome"] == "refutes"]
    assert sum("- Counterexample: " in line for line in text.splitlines()) == len(
        [r for r in bad if r["status"] == "refuted"])
    assert all(e["reproduce"] in text for e in refuting[:3])  # replay lines unescaped, in code
    # The counts table: a row per paper whose cells add up to its total.
    rows = [line.strip("|").split("|") for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| paper")]
    assert {r[0].strip() for r in rows} == {c["paper"] for c in data["claims"]
                                           if not c["control"]}
    assert all(sum(int(c) for c in r[1:-1]) == int(r[-1]) for r in rows)
    n = sum(c["control"] for c in data["claims"])
    assert f"Negative controls: {n}/{n} refuted as expected." in text


def test_junit_has_one_testcase_per_claim_and_failures_for_refutations(data):
    root = ET.fromstring(exports.junit(data))
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(data["claims"]) == int(root.get("tests"))
    by_id = {c.get("name"): c for c in cases}
    records = {c["id"]: c for c in data["claims"]}
    for cid, case in by_id.items():
        rec = records[cid]
        failure, error, skipped = (case.find(t) for t in ("failure", "error", "skipped"))
        if rec["control"]:
            assert (failure is None) == (rec["status"] == "refuted")
        elif rec["status"] == "refuted":
            assert failure is not None and failure.get("message") == reason(rec)
            assert "Falsifying example" in failure.text and "replay:" in failure.text
        elif rec["status"] == "error":
            assert error is not None
        elif rec["status"] in ("inconclusive", "not-checkable"):
            assert skipped is not None and skipped.get("message").startswith(rec["status"])
        else:
            assert failure is None and error is None and skipped is None
    n_fail = sum(s.find("failure") is not None for s in cases)
    assert int(root.get("failures")) == n_fail == sum(
        int(s.get("failures")) for s in root.findall("testsuite"))


HOSTILE = "<script>alert(1)</script> ]]> & \x00\x1b *bold* [x](javascript:1) | `tick`"


def _hostile_data() -> dict:
    cx = {"at": {"a": HOSTILE}, "observed": HOSTILE, "claimed": "1", "tol": "0",
          "margin": "-1", "dps": "50", "note": HOSTILE}
    claim = {"id": "user.x" + HOSTILE, "paper": "user|x", "status": "refuted", "control": False,
             "seconds": "nan?", "evidence": [{"check": "c", "tier": "precise",
                                              "outcome": "refutes", "detail": HOSTILE,
                                              "counterexample": cx, "reproduce": HOSTILE}]}
    odd = {"id": 3, "status": None, "evidence": "not a list"}
    return {"schema_version": 1, "run": {"name": HOSTILE}, "claims": [claim, odd, "junk"]}


def test_hostile_text_stays_text():
    data = _hostile_data()
    root = ET.fromstring(exports.junit(data))  # well-formed despite NUL, ESC and ']]>'
    case = root.find("./testsuite/testcase")
    assert "<script>" in case.find("failure").get("message")  # escaped by ElementTree
    md = exports.markdown(data)
    outside_code = re.sub(r"(`+).+?\1", "", md)
    assert "\\<script\\>" in outside_code
    assert "<script>" not in outside_code and "[x](" not in outside_code
    assert "*bold*" not in outside_code and "\x00" not in md and "\x1b" not in md


def test_cli_writes_the_exports(tmp_path, data, capsys):
    res = results.write(data, tmp_path)
    assert main(["report", str(res), "--format", "junit"]) == 0
    assert main(["report", str(res), "--format", "markdown", "--out", str(tmp_path / "md")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [f"junit: {tmp_path / 'junit.xml'}", f"markdown: {tmp_path / 'md' / 'review.md'}"]
    ET.parse(tmp_path / "junit.xml")
    assert (tmp_path / "md" / "review.md").read_text().startswith("## stepsize-verify: t")
    assert main(["report", str(res), "--format", "junit", "--against", str(res)]) == 2
    assert json.loads(res.read_text())["claims"]
