"""The parallel runner: the same results.json whatever the worker count, errors that stay with
their claim, and the order claims are handed out in."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify import parallel
from verify.cli import main
from verify.userclaims.build import claims_from_file
from conftest import AM_GM_CLAIM, SQUARE_CLAIM

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("command", [
    ["check", "examples/claims.toml"],  # Hypothesis searches: the most order-sensitive checks
    # registry claims, rebuilt by id in the workers (Example 1 draws figures)
    ["run", "controls", "nar2018step.ex1"],
])
def test_one_worker_and_two_give_the_same_results(tmp_path, command, without_timings):
    """Runs of the CLI in fresh processes (under pytest, this process also holds the test
    modules, whose literals Hypothesis would add to its examples: see parallel.load_suite)."""
    data = {}
    for workers in ("1", "2"):
        out = tmp_path / workers
        proc = subprocess.run([sys.executable, "-m", "verify", *command, "--quick",
                               "--no-progress", "--workers", workers, "--out", str(out)],
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode in (0, 1) and "Traceback" not in proc.stderr, proc.stderr
        data[workers] = json.loads((out / "results.json").read_text())
    assert [c["id"] for c in data["2"]["claims"]] == [c["id"] for c in data["1"]["claims"]]
    assert without_timings(data["1"]) == without_timings(data["2"])
    # Two workers draw each claim's figures as it ends (one worker: the report draws them);
    # the report's PNGs are the same either way, and the run's own figure folder is gone.
    pngs = {w: {p.name: p.read_bytes() for p in (tmp_path / w / "figures").glob("*.png")}
            for w in ("1", "2")}
    assert pngs["1"] == pngs["2"]
    assert pngs["1"] or command[0] == "check"
    assert not list((tmp_path / "2").glob(".figures-*"))


FIRST, SECOND = AM_GM_CLAIM, SQUARE_CLAIM


def test_a_claim_that_fails_in_its_worker_is_an_error_and_the_run_goes_on(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(FIRST + SECOND)
    claims = claims_from_file(path)
    # The workers rebuild claims from the file: with the second claim gone, its worker raises.
    path.write_text(FIRST)
    got = {}
    parallel.run_claims(claims, [0, 1], parallel.Settings(seed=0, quick=True, dps=50),
                        workers=2, finished=got.__setitem__)
    assert sorted(got) == [0, 1]
    assert got[0]["status"] == "confirmed"
    assert got[1]["status"] == "error" and got[1]["id"] == "t.square"
    assert [ev["check"] for ev in got[1]["evidence"]] == [ch.name for ch in claims[1].checks]
    for ev in got[1]["evidence"]:
        assert ev["outcome"] == "error" and "not found again" in ev["detail"]
        assert f"--check {ev['check']}" in ev["reproduce"]


def test_longest_claims_are_handed_out_first():
    class C:
        def __init__(self, id):
            self.id = id

    claims = [C("a"), C("b"), C("c"), C("d")]
    previous = {"a": 1.0, "b": 5.0, "d": 1.0}
    # "c" has no earlier timing: it may be long, so it goes first; ties keep selection order.
    assert parallel.longest_first(claims, [0, 1, 2, 3], previous) == [2, 1, 0, 3]
    assert parallel.longest_first(claims, [3, 0], {}) == [0, 3]


@pytest.mark.parametrize("argv, early", [
    (["run", "--no-cache"], True),
    (["run", "nar2018slides", "controls.eq8_skip", "--no-cache"], True),
    (["run", "nar2018slides", "--no-cache", "--workers", "2"], True),
    (["run", "controls.eq8_skip", "--no-cache"], False),  # one claim: no pool
    (["run", "--no-cache", "--workers", "1"], False),  # runs in this process
    (["run"], False),  # the cache decides: started at its first miss
    (["run", "--no-cache", "--resume", "x"], False),
])
def test_the_pool_starts_before_the_claims_are_built_where_a_run_needs_it(monkeypatch, argv,
                                                                          early):
    from verify import cli

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.delenv("VERIFY_NO_CACHE", raising=False)
    starts = []
    monkeypatch.setattr(parallel, "start_early", lambda: starts.append(1))
    cli._start_workers_early(cli._parser().parse_args(argv))
    assert starts == ([1] if early else [])


def test_workers_must_be_positive(capsys):
    assert main(["run", "controls.eq8_skip", "--workers", "0"]) == 2
    assert "--workers" in capsys.readouterr().err


_REAL_WORK = parallel._work


def _dies_on_square(job, settings):
    """A worker job that kills its process for claim t.square (a crash in compiled code)."""
    import os

    if job.claim_id == "t.square":
        os._exit(3)
    return _REAL_WORK(job, settings)


def test_a_claim_that_kills_its_worker_is_an_error_and_the_others_still_run(tmp_path,
                                                                             monkeypatch):
    path = tmp_path / "claims.toml"
    path.write_text(FIRST + SECOND + FIRST.replace("t.am-gm", "t.am-gm-2"))
    claims = claims_from_file(path)
    monkeypatch.setattr(parallel, "_work", _dies_on_square)
    got = {}
    parallel.run_claims(claims, [1, 0, 2], parallel.Settings(seed=0, quick=True, dps=50),
                        workers=2, finished=got.__setitem__)
    # t.am-gm ran beside t.square when the pool broke: it is retried alone and passes.
    assert {i: r["status"] for i, r in got.items()} == {0: "confirmed", 1: "error",
                                                         2: "confirmed"}
    assert all("died" in ev["detail"] for ev in got[1]["evidence"])


def test_a_claim_sharing_a_computation_waits_for_the_claim_running_it():
    """Check.share: the pool holds back a claim whose shared check is being computed by a
    running claim (so the worker that computed it can take it), and hands out the others."""
    from types import SimpleNamespace

    def claim(*keys):
        return SimpleNamespace(checks=[SimpleNamespace(share=k) for k in (*keys, "")])

    claims = [claim("thm"), claim("thm"), claim(), claim("other", "thm")]
    assert parallel.next_free(claims, [1, 2, 3], running=[]) == 0
    assert parallel.next_free(claims, [1, 2, 3], running=[0]) == 1  # claim 2 shares nothing
    assert parallel.next_free(claims, [1, 3], running=[0]) is None  # both wait for claim 0
    assert parallel.next_free(claims, [3], running=[2]) == 0
    assert parallel.next_free(claims, [], running=[]) is None
    # a lazy paper claim is never built to ask: its table states what it shares
    from verify.lazyclaims import LazyClaim

    lazy = LazyClaim("p.c", "p", "/nonexistent.toml", 0, "0" * 64)
    assert parallel.shared_keys(lazy) == frozenset()
    assert parallel.next_free([claims[0], lazy], [1], running=[0]) == 0
    sharing = LazyClaim("p.d", "p", "/nonexistent.toml", 1, "0" * 64, frozenset({"thm"}))
    assert parallel.next_free([claims[0], sharing], [1], running=[0]) is None


def test_lazy_paper_claims_state_the_searches_they_share():
    """The amended Theorem 4 of the paper and of the slides state the same at = "minima"
    searches: read off their tables (unbuilt) as the built claims' Check.share keys."""
    from pathlib import Path

    from verify.lazyclaims import lazy_claims

    papers = Path(__file__).resolve().parents[1] / "verify" / "papers"
    (step,) = [c for c in lazy_claims(papers / "nar2018step_relu.toml")
               if c.id == "nar2018step.thm4_amended"]
    (slides,) = [c for c in lazy_claims(papers / "nar2018slides_relu.toml")
                 if c.id == "nar2018slides.relu_theorem_amended"]
    assert len(step.shares) == 4 and step.shares == slides.shares
    assert {c.share for c in step.resolve().checks if c.share} == step.shares
    assert parallel.next_free([step, slides], [1], running=[0]) is None
