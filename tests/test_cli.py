"""The command line: list, run, report, and one-line errors with exit status 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import main


def test_list_json(capsys):
    assert main(["list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"id", "paper", "where", "statement"} <= set(data[0])
    assert "nar2018step.ex1" in {d["id"] for d in data}


@pytest.mark.parametrize("argv,needle", [
    (["run", "nosuch.claim"], "nosuch.claim"),
    (["run", "--seed", "abc"], "--seed"),
    (["run", "--bogus"], "--bogus"),
    (["run", "nar2018step.ex1", "--check", "nope"], "nope"),
    (["report", "/nonexistent/results.json"], "/nonexistent/results.json"),
    (["frobnicate"], "frobnicate"),
])
def test_bad_input_is_one_line_exit_2(capsys, argv, needle):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err


def test_report_rejects_non_results_file(tmp_path, capsys):
    bad = tmp_path / "x.json"
    bad.write_text("{not json")
    assert main(["report", str(bad)]) == 2
    assert "not valid JSON" in capsys.readouterr().err


def _run(out: Path, seed: int) -> dict:
    argv = ["run", "nar2018step.ex1", "controls.ex1_cycle_third", "--quick", "--seed", str(seed),
            "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    return json.loads((out / "results.json").read_text())




def test_run_writes_report_and_is_deterministic(tmp_path, capsys, without_timings):
    a = _run(tmp_path / "a", 7)
    b = _run(tmp_path / "b", 7)
    out = capsys.readouterr().out
    assert "negative controls: 1/1 refuted as expected" in out
    assert (tmp_path / "a" / "index.html").stat().st_size > 0
    assert any((tmp_path / "a" / "figures").iterdir())
    assert a["schema_version"] == 1 and a["environment"]["seed"] == "7"
    statuses = {c["id"]: c["status"] for c in a["claims"]}
    assert statuses == {"nar2018step.ex1": "confirmed", "controls.ex1_cycle_third": "refuted"}
    assert without_timings(a) == without_timings(b)
    # Re-rendering from the results file alone.
    assert main(["report", str(tmp_path / "a" / "results.json"), "--out",
                 str(tmp_path / "c")]) == 0
    assert (tmp_path / "c" / "index.html").read_text() == (tmp_path / "a" / "index.html").read_text()


def test_python_m_verify_entry_point():
    proc = subprocess.run([sys.executable, "-m", "verify", "run", "--bogus"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_run_replay_exits_1_while_the_counterexample_still_refutes(tmp_path, capsys):
    """The replay line printed for a refutation re-checks exactly that point."""
    argv = ["run", "nar2018slides.proposition", "--check", "landing.convergence_exact",
            "--quick", "--no-progress"]
    assert main(argv + ["--at", "delta=1/2", "--out", str(tmp_path / "a")]) == 1
    data = json.loads((tmp_path / "a" / "results.json").read_text())
    (claim,) = data["claims"]
    assert claim["status"] == "refuted"
    (ev,) = claim["evidence"]
    assert ev["counterexample"]["at"] == {"delta": "1/2"}  # L = 2, lam = -1, start (1, 2)
    # A plain run (no --at) exits 0 although papers hold refuted claims.
    assert main(argv + ["--out", str(tmp_path / "b")]) == 0
