"""Every replay line the suite prints works as printed (issues 15, 17, 20).

A refutation's ``reproduce`` line is pasted into a shell by a reviewer: it must parse, name only
things that exist, and (with ``--at``) re-check exactly that point, exiting 1 while the
counterexample still refutes.  The default run replays the claim file's refutations and a few
paper ones; the slow run replays every refutation of a quick registry run.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from verify.api import check
from verify.cli import main
from verify.vocabulary import Outcome

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "claims.toml"


def _refuting(results):
    return [(r.claim.id, e) for r in results for e in r.evidence
            if e.outcome is Outcome.REFUTES and not r.claim.control]


def _replay(line: str, out: Path) -> int:
    argv = shlex.split(line)
    assert argv[:3] == ["python", "-m", "verify"], line
    return main([*argv[3:], "--no-progress", "--out", str(out)])


def _assert_replays(pairs, tmp_path, capsys):
    assert pairs, "nothing refuted: the test would assert nothing"
    for k, (claim_id, ev) in enumerate(pairs):
        code = _replay(ev.reproduce, tmp_path / f"r{k}")
        err = capsys.readouterr().err
        assert "Traceback" not in err and code != 2, (claim_id, ev.reproduce, err)
        if " --at " in ev.reproduce:  # a point replay answers in its exit status
            assert code == 1, (claim_id, ev.reproduce)


def test_claim_file_replay_lines_work_as_printed(tmp_path, capsys):
    _assert_replays(_refuting(check(EXAMPLE, quick=True, seed=0)), tmp_path, capsys)


def test_some_paper_replay_lines_work_as_printed(quick_results, tmp_path, capsys):
    pairs = [p for p in _refuting(quick_results.values()) if " --at " in p[1].reproduce][:4]
    _assert_replays(pairs, tmp_path, capsys)


@pytest.mark.slow
def test_every_paper_replay_line_works_as_printed(quick_results, tmp_path, capsys):
    _assert_replays(_refuting(quick_results.values()), tmp_path, capsys)
