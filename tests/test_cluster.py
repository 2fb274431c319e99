"""``--scheduler``: claims on a Dask cluster give the records of the local pool; a cluster that
cannot be used is a one-line usage error (exit 2)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from verify import parallel
from verify.cli import main
from verify.userclaims.build import claims_from_file

# A Hypothesis search (order- and literal-sensitive), a certified cycle proof, and a refuted
# claim with its counterexample.
FILE_IDS = ("example.quadratic-2d", "example.ex1-cycle", "example.am-gm-strict")
SETTINGS = parallel.Settings(seed=0, quick=True, dps=50)
ROOT = Path(__file__).resolve().parents[1]


def _records(claims, **how) -> dict:
    got: dict[int, dict] = {}
    parallel.run_claims(claims, list(range(len(claims))), SETTINGS, finished=got.__setitem__,
                        **how)
    return {claims[i].id: got[i] for i in got}


def _comparable(record: dict) -> dict:
    """What a run decides: status, strength, and every check's outcome and numbers."""
    return {"status": record["status"], "strength": record["strength"],
            "strength_basis": record["strength_basis"],
            "evidence": [{k: v for k, v in ev.items() if k != "seconds"}
                         for ev in record["evidence"]]}


def test_a_local_cluster_gives_the_records_of_the_local_pool(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    from verify import cluster
    from verify.cache import ResultCache

    monkeypatch.chdir(ROOT)  # the claim file's path, as in replay lines, is relative
    claims = [c for c in claims_from_file("examples/claims.toml") if c.id in FILE_IDS]
    assert len(claims) == len(FILE_IDS)
    # Both sides run in fresh processes that imported the suite alone (not this test module:
    # its literals would join Hypothesis's examples, see parallel.load_suite).
    local = _records(claims, workers=2)
    cache = ResultCache(tmp_path / "cache")
    with cluster.connect("local", workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        remote = _records(claims, workers=2, client=client, cache=cache)
        again = _records(claims, workers=2, client=client, cache=cache)
    assert sorted(remote) == sorted(local)
    for claim_id in local:
        assert _comparable(remote[claim_id]) == _comparable(local[claim_id]), claim_id
        assert "cached" not in remote[claim_id] and again[claim_id]["cached"] is True
        assert _comparable(again[claim_id]) == _comparable(local[claim_id])
    statuses = {i: r["status"] for i, r in remote.items()}
    assert statuses["example.am-gm-strict"] == "refuted"  # the selection is not all one way
    assert statuses["example.ex1-cycle"] == "confirmed"


@pytest.mark.slow
def test_interrupted_and_resumed_on_a_cluster_equals_a_local_run(tmp_path, without_timings):
    """The CLI end to end: registry claims rebuilt by id on the workers, the journal and
    ``--resume`` with ``--scheduler local``, against one process."""
    pytest.importorskip("distributed")
    import json
    import os

    def cli(out, *extra, env=None):
        return subprocess.run([sys.executable, "-m", "verify", "run", "controls", "--quick",
                               "--no-progress", "--out", str(out), *extra], cwd=ROOT,
                              capture_output=True, text=True, timeout=900,
                              env={**os.environ, **(env or {})})

    proc = cli(tmp_path / "one", "--workers", "1")
    assert proc.returncode == 0, proc.stderr
    proc = cli(tmp_path / "cut", "--scheduler", "local", "--workers", "2",
               env={"VERIFY_TEST_INTERRUPT_AFTER": "2"})
    assert proc.returncode == 130, proc.stderr
    proc = cli(tmp_path / "cut", "--scheduler", "local", "--workers", "2",
               "--resume", str(tmp_path / "cut"))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    one, cut = (json.loads((tmp_path / name / "results.json").read_text())
                for name in ("one", "cut"))
    assert cut["run"]["resumed_claims"] == "2"
    assert without_timings(cut) == without_timings(one)


def test_an_unreachable_scheduler_is_a_one_line_usage_error(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    monkeypatch.setenv("VERIFY_SCHEDULER_TIMEOUT", "0.5")
    out = tmp_path / "run"
    assert main(["run", "controls.eq8_skip", "--quick", "--no-progress",
                 "--scheduler", "tcp://127.0.0.1:1", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("verify: error: cannot reach the Dask scheduler at tcp://127.0.0.1:1")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert not out.exists()  # no run folder is left behind


def test_without_dask_scheduler_is_a_one_line_usage_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert main(["run", "controls.eq8_skip", "--scheduler", "local"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "not installed" in err and "stepsize-verify[cluster]" in err


def test_workers_with_a_remote_scheduler_is_refused(capsys):
    assert main(["run", "controls.eq8_skip", "--scheduler", "tcp://127.0.0.1:1",
                 "--workers", "2"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_the_suite_imports_dask_only_with_scheduler():
    """Every module of the suite loaded (as every worker does), and no dask among them."""
    code = ("import sys; from verify import parallel; parallel.load_suite(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"
