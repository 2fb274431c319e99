"""Paper data files (issue 17): ``verify/papers/<key>.toml`` are discovered, parse without a bad
table, name their claims ``<key>.*``, the template parses once copied to a paper file, and the
negative controls moved to ``controls.toml`` are refuted with replay lines that work as printed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
from pathlib import Path

import pytest

from verify import papers
from verify.cli import main
from verify.registry import all_claims, paper_files, paper_info, select
from verify.runner import run_claim
from verify.userclaims.build import claims_from_paper
from verify.userclaims.paperfile import load_paper, load_paper_table, parse_paper
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim, ClaimFileError
from verify.vocabulary import Outcome, Status

FOLDER = Path(papers.__path__[0])
FILES = paper_files()
TEMPLATE = FOLDER / "TEMPLATE.toml.example"

HEAD = '[paper]\nkey = "p"\ncitation = "C."\n'
CLAIM = ('[[claim]]\nid = "p.a"\nwhere = "Lemma 1"\nkind = "inequality"\n'
         'params = { a = [-2, 2] }\nlhs = "a**2 + 1"\nrelation = ">="\nrhs = "2*a"\n')


def test_every_toml_in_the_papers_folder_is_discovered_and_nothing_else():
    assert FILES == sorted(FOLDER.glob("*.toml"), key=lambda p: (p.stem == "controls", p.stem))
    assert any(p.stem == "controls" for p in FILES)
    assert TEMPLATE.exists() and TEMPLATE not in FILES


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_paper_file_loads_without_a_bad_table(path):
    paper = load_paper(path)
    # <key>.toml, or a further file <key>_<part>.toml of the same paper (citing it alike)
    assert paper.key == path.stem or path.stem.startswith(paper.key + "_")
    assert paper.citation.strip() and paper.claims
    for entry in paper.claims:
        assert not isinstance(entry.item, BadClaim), entry.item.message
        assert entry.item.id.startswith(f"{paper.key}.")
        assert entry.where.strip()
    assert paper_info(paper.key) == {"citation": paper.citation, "url": paper.url}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_paper_file_claims_are_registered_as_the_papers(path):
    registered = {c.id: c for c in all_claims()}
    for claim in claims_from_paper(str(path)):
        assert registered[claim.id] is claim
        assert claim.ref.paper == load_paper(path).key and claim.source is None  # `run` replays
        assert claim.replay_box is not None and claim.scope
        assert claim.asserts.strip() and claim.asserts != claim.statement
        assert all(ch.name != "claim_file" for ch in claim.checks)  # no error check


def test_the_template_parses_when_copied_to_a_paper_file(tmp_path):
    target = tmp_path / "mypaper.toml"
    shutil.copy(TEMPLATE, target)
    paper = load_paper(target)
    kinds = {entry.item.kind for entry in paper.claims if not isinstance(entry.item, BadClaim)}
    assert [e for e in paper.claims if isinstance(e.item, BadClaim)] == []
    assert kinds == {"cycle", "threshold", "convergence", "inequality", "rate", "trajectory",
                     "identity", "sole_limit"}
    assert any(entry.item.matrices for entry in paper.claims)  # matrices of free size
    claims = claims_from_paper(str(target))
    assert {c.ref.paper for c in claims} == {"mypaper"}
    assert claims[0].scope == {"delta": "(0, oo)"}  # stated
    assert claims[1].scope == {"delta": "[1/100, 1]"} or claims[1].scope  # derived from the box


def test_paper_only_keys_are_read():
    text = HEAD + CLAIM + ('control = true\namends = "p.b"\namend_reason = "why"\n'
                           'scope = { a = "R" }\ncaveat = "fails at L = 1"\n')
    entry = parse_paper(text, "p").claims[0]
    assert (entry.control, entry.amends, entry.amend_reason, entry.scope, entry.caveat) == (
        True, "p.b", "why", {"a": "R"}, "fails at L = 1")


def test_a_not_checkable_claim_keeps_its_reduced_check(tmp_path):
    """not_checkable: the claim is not-checkable whatever its checks find (they are the
    reduced check), and a reviewer's claim file refuses the key."""
    path = tmp_path / "p.toml"
    path.write_text(HEAD + CLAIM + 'not_checkable = "training runs on image data"\n')
    (claim,) = claims_from_paper(str(path))
    assert claim.not_checkable == "training runs on image data"
    result = run_claim(claim, seed=0, quick=True, dps=50)
    assert result.status is Status.NOT_CHECKABLE
    assert result.evidence and all(e.outcome is not Outcome.ERROR for e in result.evidence)
    (item,) = parse_claims(CLAIM.replace('where = "Lemma 1"\n', "") + 'not_checkable = "x"\n')
    assert isinstance(item, BadClaim) and item.key == "not_checkable"


@pytest.mark.parametrize("extra,key", [
    ('control = "yes"\n', "control"),
    ('amends = "p.b"\n', "amend_reason"),
    ('amend_reason = "why"\n', "amend_reason"),
    ('scope = { a = 1 }\n', "scope"),
    ('caveat = 1\n', "caveat"),
    ('not_checkable = ["data"]\n', "not_checkable"),
    ('bogus = 1\n', "bogus"),
])
def test_a_bad_paper_key_is_a_bad_claim_naming_it(extra, key):
    item = parse_paper(HEAD + CLAIM + extra, "p").claims[0].item
    assert isinstance(item, BadClaim) and item.key == key and repr(key) in item.message


@pytest.mark.parametrize("text,key", [
    (HEAD + CLAIM.replace('where = "Lemma 1"\n', ""), "where"),
    (HEAD + CLAIM.replace('id = "p.a"', 'id = "q.a"'), "id"),
])
def test_a_missing_locator_or_a_foreign_id_is_a_bad_claim(text, key):
    item = parse_paper(text, "p").claims[0].item
    assert isinstance(item, BadClaim) and item.key == key


@pytest.mark.parametrize("text,needle", [
    (CLAIM, "[paper]"),
    (HEAD.replace('"p"', '"other"') + CLAIM, "stem"),
    (HEAD + 'extra = 1\n' + CLAIM, "extra"),
    (HEAD + "other = 1\n" + CLAIM.replace("[[claim]]", "[[claim]]", 1), "other"),
])
def test_a_bad_paper_table_makes_the_file_unusable(text, needle):
    with pytest.raises(ClaimFileError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        parse_paper(text, "p")


@pytest.mark.parametrize("path", paper_files(), ids=lambda p: p.name)
def test_the_paper_table_alone_reads_as_the_whole_file_does(path):
    paper = load_paper(path)
    assert load_paper_table(path) == {"key": paper.key, "citation": paper.citation,
                                      "url": paper.url}


@pytest.mark.parametrize("text,needle", [
    (CLAIM, "[paper]"), (HEAD.replace('"p"', '"other"') + CLAIM, "stem"),
    (HEAD + 'extra = 1\n' + CLAIM, "extra"), ("[paper\n", "TOML"), (b"\xff", "cannot read"),
])
def test_a_bad_paper_table_alone_is_refused_naming_it(tmp_path, text, needle):
    path = tmp_path / "p.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ClaimFileError, match=re.escape(needle)):
        load_paper_table(path)


def test_a_reviewers_claim_file_still_refuses_paper_keys():
    items = parse_claims(CLAIM.replace('id = "p.a"', 'id = "mine.a"'))
    assert isinstance(items[0], BadClaim) and items[0].key == "where"
    with pytest.raises(ClaimFileError, match="paper"):
        parse_claims(HEAD + CLAIM)


def test_a_bad_table_in_a_paper_file_is_an_error_claim_not_dropped(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text(HEAD + CLAIM + CLAIM.replace('"p.a"', '"p.b"').replace('">="', '"=>"'))
    claims = claims_from_paper(str(path))
    assert [c.id for c in claims] == ["p.a", "p.b"]
    assert claims[1].checks[0].name == "claim_file"


CONTROLS = next(claims_from_paper(str(p)) for p in FILES if p.stem == "controls")


def test_the_controls_file_holds_only_controls():
    assert CONTROLS and all(c.control for c in CONTROLS)
    assert {c.id for c in CONTROLS} <= {c.id for c in select(["controls"])}


@pytest.mark.parametrize("claim", CONTROLS, ids=lambda c: c.id)
def test_control_is_refuted_and_its_replays_work_as_printed(quick_results, claim, tmp_path,
                                                            capsys):
    """A point replay (--at) exits 1; a replay without a point (a threshold in the step alone
    has no other parameter to pin) re-runs the check, which refutes again."""
    result = quick_results[claim.id]
    assert result.status is Status.REFUTED
    refuting = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    assert refuting
    for k, ev in enumerate(refuting):
        argv = shlex.split(ev.reproduce)
        assert argv[:4] == ["python", "-m", "verify", "run"] and argv[4] == claim.id
        out = tmp_path / f"r{k}"
        code = main([*argv[3:], "--no-progress", "--out", str(out)])
        err = capsys.readouterr().err
        assert "Traceback" not in err, (ev.reproduce, err)
        if " --at " in ev.reproduce:
            assert code == 1, (ev.reproduce, err)
        else:
            assert code == 0, (ev.reproduce, err)
            rerun = json.loads((out / "results.json").read_text())["claims"][0]["evidence"]
            assert [e["outcome"] for e in rerun if e["check"] == ev.check] == ["refutes"]


def test_paper_modules_read_only_the_paper_table_of_a_data_file():
    """A paper module that takes its citation from a data file reads the [paper] table alone:
    load_paper parses every claim's expressions (nar2018slides.toml again, ~0.15 s in every
    process)."""
    for path in Path(papers.__path__[0]).glob("*.py"):
        assert "load_paper(" not in path.read_text(encoding="utf-8"), path.name
