"""Crash safety of ``verify run`` / ``verify check``: the journal, ``--resume``, the folder lock,
atomic writes and the incomplete marker.

Interrupts are simulated with the CLI's test hook VERIFY_TEST_INTERRUPT_AFTER=N (the run acts as
if Ctrl-C came right after its N-th claim was journaled); one test sends a real SIGINT.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from verify import results, runfolder
from verify.cli import main

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "examples" / "claims.toml"
HOOK = "VERIFY_TEST_INTERRUPT_AFTER"


def _check(out: Path, *extra: str) -> int:
    """``verify check examples/claims.toml --quick`` in this process, one worker."""
    return main(["check", str(CLAIMS), *extra, "--quick", "--no-progress", "--workers", "1",
                 "--out", str(out)])


def _load(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text())


def _journal_lines(folder: Path) -> int:
    return len((folder / "journal.jsonl").read_text().splitlines())


def test_interrupt_then_resume_equals_an_uninterrupted_run(tmp_path, monkeypatch, capsys,
                                                           without_timings):
    assert _check(tmp_path / "full") == 1  # the file holds false claims on purpose
    full = _load(tmp_path / "full")
    capsys.readouterr()

    monkeypatch.setenv(HOOK, "4")
    cut = tmp_path / "cut"
    assert _check(cut) == 130
    out, err = capsys.readouterr()
    assert err.strip() == "verify: interrupted"  # one line, no traceback
    assert f"interrupted: 4 of 11 claims saved in {cut}" in out and "--resume" in out
    partial = _load(cut)
    assert partial["complete"] is False and partial["run"]["status"] == "incomplete"
    assert [c["id"] for c in partial["claims"]] == [c["id"] for c in full["claims"][:4]]
    assert _journal_lines(cut) == 4 and not (cut / "index.html").exists()
    assert not (cut / ".lock").exists()

    monkeypatch.delenv(HOOK)
    # --quick and the rest come from the folder's run.json.
    assert main(["check", str(CLAIMS), "--resume", str(cut), "--no-progress",
                 "--workers", "1"]) == 1
    resumed = _load(cut)
    assert resumed["complete"] is True and resumed["run"]["status"] == "complete"
    assert resumed["run"]["resumed_claims"] == "4" and _journal_lines(cut) == 11
    assert without_timings(resumed) == without_timings(full)
    assert (cut / "index.html").stat().st_size > 0


@pytest.fixture
def interrupted(tmp_path, monkeypatch, capsys) -> Path:
    """A check of two claims interrupted after the first."""
    monkeypatch.setenv(HOOK, "1")
    folder = tmp_path / "cut"
    assert _check(folder, "example.am-gm", "example.slides-x2") == 130
    monkeypatch.delenv(HOOK)
    capsys.readouterr()
    return folder


@pytest.mark.parametrize("argv,needle", [
    (["--seed", "3"], "seed 0, this command has 3"),
    (["--dps", "60"], "dps"),
    (["example.am-gm"], "selection"),
    (["--check", "inequality_search"], "check"),
])
def test_resume_refuses_other_settings(interrupted, capsys, argv, needle):
    assert main(["check", str(CLAIMS), *argv, "--resume", str(interrupted)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and str(interrupted) in err
    assert _journal_lines(interrupted) == 1  # untouched


def test_resume_refuses_another_command_or_a_folder_without_journal(interrupted, tmp_path,
                                                                   capsys):
    assert main(["run", "controls", "--resume", str(interrupted)]) == 2
    assert "command 'check'" in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["run", "--resume", str(empty)]) == 2
    err = capsys.readouterr().err
    assert "journal.jsonl" in err and str(empty) in err


def test_resume_refuses_a_changed_claim_file(interrupted, tmp_path, capsys):
    edited = tmp_path / "claims.toml"
    edited.write_text(CLAIMS.read_text() + "\n# edited\n")
    assert main(["check", str(edited), "--resume", str(interrupted)]) == 2
    assert "file" in capsys.readouterr().err


def test_a_locked_folder_is_refused_and_left_alone(tmp_path, capsys):
    out = tmp_path / "busy"
    out.mkdir()
    (out / ".lock").write_text(f"{os.getpid()}\n")  # a live process holds it
    (out / "results.json").write_text("old")
    assert _check(out) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and str(out) in err and "in use" in err
    assert (out / "results.json").read_text() == "old"
    assert (out / ".lock").read_text().strip() == str(os.getpid())


def test_a_second_run_into_a_running_folder_exits_2(tmp_path, capsys):
    out = tmp_path / "shared"
    first = subprocess.Popen([sys.executable, "-m", "verify", "check", str(CLAIMS), "--quick",
                              "--no-progress", "--workers", "1", "--out", str(out)],
                             cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not (out / "run.json").exists():  # written once the lock is held
            assert first.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        assert _check(out) == 2
        assert "in use by another verify run" in capsys.readouterr().err
    finally:
        assert first.wait(timeout=300) == 1
    assert _load(out)["complete"] is True


def test_a_stale_lock_is_taken_over(tmp_path, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    out = tmp_path / "stale"
    out.mkdir()
    (out / ".lock").write_text(dead.stdout)
    assert _check(out, "example.am-gm") == 0
    assert _load(out)["complete"] is True and not (out / ".lock").exists()


def test_results_json_is_replaced_atomically(tmp_path, monkeypatch):
    old = {"schema_version": 1, "claims": [], "note": "old"}
    results.write(old, tmp_path)

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError):
        results.write({"schema_version": 1, "claims": [], "note": "new"}, tmp_path)
    assert json.loads((tmp_path / "results.json").read_text()) == old
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # no temporary left


def test_a_run_first_marks_old_results_incomplete(tmp_path, monkeypatch, capsys):
    """What a run killed with SIGKILL leaves: the old results are replaced by a marker."""
    from verify import parallel

    out = tmp_path / "reused"
    assert _check(out, "example.am-gm") == 0
    seen = {}

    def killed(*args, **kwargs):  # stands in for the claims; records the folder's state
        seen["results"] = _load(out)
        seen["index"] = (out / "index.html").exists()
        seen["journal"] = _journal_lines(out)
        raise KeyboardInterrupt

    monkeypatch.setattr(parallel, "run_claims", killed)
    assert _check(out, "example.am-gm") == 130
    assert seen["results"]["complete"] is False and seen["results"]["claims"] == []
    assert seen["results"]["run"]["status"] == "running"
    assert seen["index"] is False and seen["journal"] == 0


def test_a_journal_line_cut_short_is_dropped(tmp_path):
    journal = runfolder.Journal(tmp_path)
    journal.append(0, {"id": "a"})
    journal.append(2, {"id": "c"})
    journal.close()
    whole = (tmp_path / "journal.jsonl").read_bytes()
    (tmp_path / "journal.jsonl").write_bytes(whole + b'{"index": 1, "claim": {"id"')
    assert runfolder.read_journal(tmp_path) == {0: {"id": "a"}, 2: {"id": "c"}}
    assert (tmp_path / "journal.jsonl").read_bytes() == whole  # ready for the next append
    (tmp_path / "journal.jsonl").write_bytes(b"garbage\n" + whole)
    with pytest.raises(runfolder.RunFolderError, match="damaged"):
        runfolder.read_journal(tmp_path)


def test_run_folder_names_never_collide(tmp_path):
    import datetime as dt

    now = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    first, second = runfolder.new_run_dir(tmp_path, now), runfolder.new_run_dir(tmp_path, now)
    assert first != second and first.is_dir() and second.is_dir()
    assert first.name == "2024-05-01T12-00-00" and second.name == "2024-05-01T12-00-00-2"


def _default_sigint() -> None:
    """A terminal's Ctrl-C as the child sees it.  A test suite started in the background by a
    non-interactive shell (``cmd &``) inherits SIGINT *ignored*, and Python then never raises
    KeyboardInterrupt: the run would finish as if no Ctrl-C had come."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_stops_workers_without_traceback(tmp_path):
    """A real SIGINT to the whole process group, as a terminal's Ctrl-C sends it."""
    out = tmp_path / "sigint"
    proc = subprocess.Popen([sys.executable, "-m", "verify", "run", "--quick", "--workers", "2",
                             "--no-progress", "--out", str(out)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=_default_sigint)
    try:
        deadline = time.monotonic() + 240
        while not (out / "journal.jsonl").exists() or _journal_lines(out) < 1:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, stderr
    assert stderr.strip() == "verify: interrupted"
    assert "--resume" in stdout
    data = _load(out)
    assert data["complete"] is False and len(data["claims"]) == _journal_lines(out) >= 1
    assert not (out / ".lock").exists()
