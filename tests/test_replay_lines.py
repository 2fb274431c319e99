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
from verify.vocabulary import Outcome, Status

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "claims.toml"


def _refuting(results):
    """(claim id, evidence) for every refuting evidence of a refuted claim, controls included."""
    return [(r.claim.id, e) for r in results for e in r.evidence
            if e.outcome is Outcome.REFUTES and r.status is Status.REFUTED]


def _without_point(pairs) -> list[str]:
    """The refutations whose reproduce line re-runs a whole check instead of one point."""
    return [f"{cid}: {ev.check}" for cid, ev in pairs
            if " --at " not in ev.reproduce or ev.counterexample is None
            or not ev.counterexample.replay]


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
    pairs = _refuting(check(EXAMPLE, quick=True, seed=0))
    assert not _without_point(pairs)
    _assert_replays(pairs, tmp_path, capsys)


def test_every_registry_refutation_replays_one_point(quick_results):
    """Issue 17: every refutation of every refuted registry claim (papers and controls) carries
    a counterexample with a replay point, and its reproduce line re-checks that point."""
    pairs = _refuting(quick_results.values())
    assert pairs, "nothing refuted: the test would assert nothing"
    assert not _without_point(pairs)


def test_some_paper_replay_lines_work_as_printed(quick_results, tmp_path, capsys):
    pairs = [p for p in _refuting(quick_results.values()) if " --at " in p[1].reproduce][:4]
    _assert_replays(pairs, tmp_path, capsys)


# Refutations that re-ran a whole check before issue 17 and are cheap to replay (exact or
# mpmath at one point); the slow test below replays every refutation.
POINT_REPLAYS = [
    ("nar2018resnet.eq9_direction", "e_closer.trajectory_search"),
    ("nar2018resnet.prop3", "convergence_search"),
    ("nar2018resnet.sec32_negative", "convergence_search"),
    ("nar2018resnet.eq9_origin", "never.convergence_search"),
    ("nar2018resnet.prop1_deltamax", "landing.convergence_exact"),
    ("nar2018resnet.sec31_decomposition", "inequality_search"),
    ("nar2018resnet.eq12", "identity_search"),
    ("nar2018step.thm4", "landing.convergence_exact"),
    ("nar2018step.thm4", "bound.inequality_search"),
    ("nar2018slides.relu_theorem", "bound.inequality_certified"),
    ("nar2018step.fig1", "oscillatory_convergence_speedup"),
    ("wu2019zas.phi_def", "inequality_search"),
    ("wu2019zas.lemma_a3_proof", "matrix_step.inequality_search"),
    ("wu2019zas.lemma_a5_proof", "identity_search"),
    ("controls.lemma2_nonsymmetric", "inequality_integer_matrices"),
    ("controls.slides_x2_at_03", "threshold_crossing"),
    ("controls.slides_x2_at_03", "threshold_search"),
    ("controls.ex2_wrong_power", "condition_sweep"),
]


@pytest.mark.parametrize("claim_id, check_name", POINT_REPLAYS)
def test_point_replay_lines_exit_1_as_printed(quick_results, claim_id, check_name, tmp_path,
                                              capsys):
    ev = next(e for e in quick_results[claim_id].evidence if e.check == check_name)
    assert ev.outcome is Outcome.REFUTES and " --at " in ev.reproduce, ev.reproduce
    _assert_replays([(claim_id, ev)], tmp_path, capsys)


@pytest.mark.slow
def test_every_paper_replay_line_works_as_printed(quick_results, tmp_path, capsys):
    _assert_replays(_refuting(quick_results.values()), tmp_path, capsys)
