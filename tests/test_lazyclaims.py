"""Lazy claims of the paper data files (verify/lazyclaims.py): the same claims as building the
file, selected without building, keyed by the cache without building while the file and the
sources are unchanged, and never for a file that is not plainly well formed."""

from __future__ import annotations

import dataclasses
import hashlib
import json

import pytest

from verify import cache, parallel, registry
from verify.cli import main
from verify.lazyclaims import LazyClaim, LazyClaimError, lazy_claims, paper_key, resolved
from verify.results import check_hash, claim_hash
from verify.userclaims import build
from verify.userclaims.build import claim_from_spec as build_claim_from_spec
from verify.userclaims.build import claims_from_paper
from verify.userclaims.spec import ClaimFileError

SETTINGS = parallel.Settings(seed=0, quick=True, dps=50)
CHEAP = ["controls.lemma1_strict", "controls.cor2_half"]  # data claims of ~0.1 s each

PAPER = """
[paper]
key = "tmppaper"
citation = "A paper of this test."

[[claim]]
id = "tmppaper.square"
where = "Lemma 1"
statement = "x^2 >= 0."
kind = "inequality"
params = { x = [-1, 1] }
lhs = "x**2"
relation = ">="
rhs = "0"
"""


@pytest.mark.parametrize("path", registry.paper_files(), ids=lambda p: p.stem)
def test_every_paper_files_lazy_claims_are_its_built_claims(path):
    """Each lazy claim, built alone (build.claim_from_paper), is the claim the whole file's
    build gives: every field, and the same checks (names, texts, code hashes)."""
    lazy = lazy_claims(path)
    built = claims_from_paper(str(path))
    assert lazy is not None and len(lazy) == len(built)
    for stand_in, claim in zip(lazy, built):
        assert (stand_in.id, stand_in.paper) == (claim.id, claim.ref.paper)
        alone = stand_in.resolve()
        assert alone is not claim and resolved(stand_in) is alone and stand_in.resolve() is alone
        assert _fields(alone) == _fields(claim) and claim_hash(alone) == claim_hash(claim)
        assert [check_hash(c) for c in alone.checks] == [check_hash(c) for c in claim.checks]
        assert stand_in.statement == claim.statement and paper_key(stand_in) == claim.ref.paper


def _fields(claim) -> dict:
    """A claim's fields, its checks' without their functions."""
    out = {f.name: getattr(claim, f.name) for f in dataclasses.fields(claim)}
    out["checks"] = [{f.name: getattr(c, f.name) for f in dataclasses.fields(c) if f.name != "run"}
                     for c in claim.checks]
    return out


def test_a_lazy_claim_builds_its_own_table_only(tmp_path, monkeypatch):
    """A pool's worker builds the claims it runs, not the others of their file."""
    path = tmp_path / "tmppaper.toml"
    second = PAPER.split("[[claim]]")[1].replace("tmppaper.square", "tmppaper.square2")
    path.write_text(PAPER + "[[claim]]" + second)
    specs = []
    monkeypatch.setattr(build, "claim_from_spec", lambda spec, *a: specs.append(spec.id) or
                        build_claim_from_spec(spec, *a))
    assert lazy_claims(path)[1].resolve().id == "tmppaper.square2" and specs == ["tmppaper.square2"]


def test_a_paper_file_edited_after_it_was_indexed_is_an_error(tmp_path):
    path = tmp_path / "tmppaper.toml"
    path.write_text(PAPER)
    stand_in = lazy_claims(path)[0]
    path.write_text(PAPER.replace("x = [-1, 1]", "x = [-2, 1]"))
    with pytest.raises(ClaimFileError, match="changed while the run used it"):
        stand_in.resolve()


def test_a_lazy_registry_selects_the_same_claims_without_building(monkeypatch):
    eager = [c.id for c in registry.select(["controls"])]
    _forbid_builds(monkeypatch)
    lazy = registry.select(["controls"], lazy=True)
    assert [c.id for c in lazy] == eager
    assert any(isinstance(c, LazyClaim) for c in lazy)


def _no_build(path, *index_and_digest):
    raise AssertionError(f"built {path}")


def _forbid_builds(monkeypatch) -> None:
    """Make building any paper claim (a whole file or one claim of it) fail the test."""
    monkeypatch.setattr(build, "claims_from_paper", _no_build)
    monkeypatch.setattr(build, "claim_from_paper", _no_build)


@pytest.mark.parametrize("text", [
    PAPER.replace('id = "tmppaper.square"', 'id = "bad id!"'),  # not an id
    PAPER + PAPER.split("[[claim]]")[1].join(["[[claim]]", ""]),  # the id twice
    PAPER.replace('key = "tmppaper"', 'key = "other"'),  # not the file's paper
    PAPER + "\n[extra]\nx = 1\n",  # a top-level key of neither kind
    PAPER.replace("[paper]", "[paper"),  # not TOML
    PAPER.split("[[claim]]")[0],  # no claims
])
def test_a_file_not_plainly_well_formed_is_built_at_once(tmp_path, text):
    path = tmp_path / "tmppaper.toml"
    path.write_text(text)
    assert lazy_claims(path) is None


def test_a_lazy_claim_whose_build_disagrees_with_its_index_is_an_error(tmp_path):
    path = tmp_path / "tmppaper.toml"
    path.write_text(PAPER)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    stand_in = LazyClaim("tmppaper.other", "tmppaper", str(path), 0, digest)
    with pytest.raises(LazyClaimError, match="indexed as 'tmppaper.other'"):
        stand_in.resolve()


def test_the_cache_keys_a_lazy_claim_by_its_file_without_building(tmp_path, monkeypatch):
    path = tmp_path / "tmppaper.toml"
    path.write_text(PAPER)
    built = claims_from_paper(str(path))[0]
    first = cache.ResultCache(tmp_path / "results")
    key = first.key(lazy_claims(path)[0], SETTINGS)
    assert key == cache.ResultCache(tmp_path / "results").key(built, SETTINGS)  # as built
    first.save_check_hashes()

    _forbid_builds(monkeypatch)
    again = cache.ResultCache(tmp_path / "results")
    assert again.key(lazy_claims(path)[0], SETTINGS) == key
    assert again.check_names(lazy_claims(path)[0]) == [ch.name for ch in built.checks]

    path.write_text(PAPER.replace("x = [-1, 1]", "x = [-2, 1]"))  # an edit: built afresh
    with pytest.raises(AssertionError, match="built"):
        cache.ResultCache(tmp_path / "results").key(lazy_claims(path)[0], SETTINGS)
    monkeypatch.setattr(cache, "sources_digest", lambda: "another")  # so is a source edit
    path.write_text(PAPER)
    with pytest.raises(AssertionError, match="built"):
        cache.ResultCache(tmp_path / "results").key(lazy_claims(path)[0], SETTINGS)


def test_a_cached_rerun_of_paper_data_claims_builds_none_of_them(tmp_path, monkeypatch):
    monkeypatch.delenv(cache.DISABLE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    args = ["run", *CHEAP, "--quick", "--no-progress", "--workers", "1"]
    assert main([*args, "--out", str(tmp_path / "1")]) == 0
    _forbid_builds(monkeypatch)
    assert main([*args, "--out", str(tmp_path / "2")]) == 0
    first, second = (json.loads((tmp_path / n / "results.json").read_text())["claims"]
                     for n in ("1", "2"))
    assert [c["id"] for c in second] == CHEAP and all(c["cached"] for c in second)
    assert [{**c, "cached": True} for c in first] == second


def test_an_uncached_pool_run_builds_no_data_claim_in_this_process(tmp_path, monkeypatch):
    # The pool's workers build the claims they run; this process only hands out ids (the bar
    # counts claims), so a build here would only double the work.
    args = ["run", *CHEAP, "--quick", "--no-progress", "--no-cache"]
    assert main([*args, "--workers", "1", "--out", str(tmp_path / "1")]) == 0
    _forbid_builds(monkeypatch)
    assert main([*args, "--workers", "2", "--out", str(tmp_path / "2")]) == 0
    first, second = ([{k: v for k, v in c.items() if k != "seconds"}
                      for c in json.loads((tmp_path / n / "results.json").read_text())["claims"]]
                     for n in ("1", "2"))
    for claims in (first, second):
        for c in claims:
            c["evidence"] = [{k: v for k, v in e.items() if k != "seconds"} for e in c["evidence"]]
    assert [c["id"] for c in second] == CHEAP and first == second
