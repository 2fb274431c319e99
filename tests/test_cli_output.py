"""What the command line prints: the one-screen summary, --version, a closed pipe, and no
Hypothesis folder left in the caller's working directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from verify.cli import SCREEN, main, summary_lines
from verify.explain import failing
from verify.results import claim_record

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "claims.toml"
WIDTH, HEIGHT = SCREEN


@pytest.fixture(scope="module")
def records(quick_results):
    return [claim_record(r) for r in quick_results.values()]


def _fits(lines: list[str]) -> None:
    assert len(lines) <= HEIGHT, f"{len(lines)} lines"
    too_wide = [line for line in lines if len(line) > WIDTH]
    assert not too_wide, too_wide


def test_summary_of_the_registry_fits_one_screen_and_names_every_failure(records):
    lines = summary_lines(records, "reports/x/index.html")
    _fits(lines)
    bad = failing(records)
    assert bad, "the registry holds refuted claims by design"
    shown = {line.split()[0] for line in lines}
    listed = {r["id"] for r in bad} & shown
    more = [line for line in lines if line.startswith("... and ")]
    # Every failure has its own line, or the last line counts the rest (naming what fits).
    assert len(listed) + (int(more[0].split()[2]) if more else 0) == len(bad)
    assert len(listed) >= len(bad) - 5, "the screen should hold nearly every failure"
    assert not any(r["id"] in shown for r in records if r["control"])
    n_controls = sum(r["control"] for r in records)
    refuted = sum(r["control"] and r["status"] == "refuted" for r in records)
    assert f"negative controls: {refuted}/{n_controls} refuted as expected" in lines
    assert lines[-1] == "report: reports/x/index.html"
    # The counts table: one row per paper and an 'all' row whose total is the non-controls.
    papers = {r["paper"] for r in records if not r["control"]}
    rows = {line.split()[0]: line.split()[1:] for line in lines[: len(papers) + 2]}
    assert papers | {"paper", "all"} == set(rows)
    assert int(rows["all"][-1]) == len(records) - n_controls
    column = dict(zip(rows["paper"], rows["all"]))
    assert int(column["refuted"]) == sum(r["status"] == "refuted" for r in records
                                         if not r["control"])
    # Confirmed claims are counted by strength, nothing typed in: the three add up.
    confirmed = sum(r["status"] == "confirmed" for r in records if not r["control"])
    assert sum(int(column[s]) for s in ("proven", "proven-on-instances", "sampled")) == confirmed


def _synthetic(n_papers: int, n_failing: int) -> list[dict]:
    """Claim records with long ids and multi-line, over-long details."""
    out = []
    for i in range(n_failing):
        out.append({"id": f"paper{i % n_papers}.a_rather_long_claim_identifier_{i:03d}",
                    "paper": f"paper{i % n_papers}", "status": "error" if i % 7 == 0 else "refuted",
                    "control": False,
                    "evidence": [{"check": "c", "outcome": "error" if i % 7 == 0 else "refutes",
                                  "detail": "line one\nline two " + "x" * 300}]})
    out.append({"id": "controls.a", "paper": "controls", "status": "refuted", "control": True,
                "evidence": []})
    return out


def test_summary_with_more_failures_than_fit_counts_the_rest():
    records = _synthetic(6, 60)
    lines = summary_lines(records, "r/index.html")
    _fits(lines)
    assert len(lines) == HEIGHT
    more = [line for line in lines if line.startswith("... and ")]
    assert len(more) == 1
    hidden = int(more[0].split()[2])
    shown = [r for r in records[:-1] if any(line.startswith(r["id"] + " ") for line in lines)]
    assert len(shown) + hidden == 60
    assert all("\n" not in line for line in lines)


def test_summary_line_holds_status_and_reason():
    records = _synthetic(1, 7)
    lines = summary_lines(records, "r/index.html")
    _fits(lines)
    first = next(line for line in lines if line.startswith(records[0]["id"]))
    assert first.split()[1] == "error" and "line one line two xxx" in first
    assert first.endswith("...") and len(first) == WIDTH
    assert not any(line.startswith("all ") for line in lines)  # one paper: no 'all' row


def test_verbose_prints_every_claim_and_the_counterexamples(quick_results, capsys):
    from verify.cli import _summary
    from verify.results import claim_record

    results = [claim_record(quick_results[i])
               for i in ("nar2018slides.proposition", "nar2018step.ex1")]
    _summary(results, Path("r/index.html"), verbose=False)
    short = capsys.readouterr().out
    _summary(results, Path("r/index.html"), verbose=True)
    full = capsys.readouterr().out
    assert "Falsifying example" not in short and "nar2018step.ex1" not in short
    assert "Falsifying example" in full and "replay: python -m verify run" in full
    assert "nar2018step.ex1" in full and full.endswith(short)


def test_version(capsys):
    from verify import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"verify {__version__}"


def _env(tmp_path: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_STORAGE_DIRECTORY"}
    env["PYTHONPATH"] = str(ROOT)  # this checkout, whatever the working folder
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    return env


def test_closed_pipe_is_not_a_traceback(tmp_path):
    """`verify list | head -1`: the reader is gone before the first write."""
    proc = subprocess.Popen([sys.executable, "-m", "verify", "list"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env(tmp_path), cwd=tmp_path)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert proc.returncode == 141


def test_no_hypothesis_folder_in_the_working_directory(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    proc = subprocess.run([sys.executable, "-m", "verify", "check", str(EXAMPLE), "example.am-gm",
                           "--quick", "--no-progress", "--out", str(tmp_path / "out")],
                          cwd=work, env=_env(tmp_path), capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not (work / ".hypothesis").exists()
    assert sorted(p.name for p in work.iterdir()) == []
    # Whatever Hypothesis keeps goes to the user cache (HYPOTHESIS_STORAGE_DIRECTORY); with no
    # example database and its local-constants pool off during searches it may write nothing.
