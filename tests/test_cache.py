"""The result cache (verify/cache.py) and the figure cache (verify/report/figures.py): a second
run reuses every record, editing one claim re-checks that claim alone, a change in a check's
code changes its key, and nothing cached goes unmarked."""

from __future__ import annotations

import importlib
import json
import sys
import textwrap

import pytest

from verify import cache, parallel
from verify.cli import main
from verify.report import figures
from verify.userclaims.build import claims_from_file
from conftest import AM_GM_CLAIM, SQUARE_CLAIM

AM_GM, SQUARE = AM_GM_CLAIM, SQUARE_CLAIM
SETTINGS = parallel.Settings(seed=0, quick=True, dps=50)


@pytest.fixture
def user_cache(tmp_path, monkeypatch):
    """The cache turned on (conftest turns it off), in a folder of this test's own."""
    monkeypatch.delenv(cache.DISABLE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return tmp_path / "xdg" / "stepsize-verify"


def _check(path, out, *extra) -> dict:
    assert main(["check", str(path), "--quick", "--no-progress", "--workers", "1",
                 "--out", str(out), *extra]) == 0
    return json.loads((out / "results.json").read_text())


def _cached(data: dict) -> dict[str, bool]:
    return {c["id"]: c.get("cached", False) for c in data["claims"]}


def test_a_rerun_takes_every_record_from_the_cache_and_an_edit_reruns_that_claim_alone(
        tmp_path, user_cache):
    path = tmp_path / "claims.toml"
    path.write_text(AM_GM + SQUARE)
    first = _check(path, tmp_path / "1")
    assert _cached(first) == {"t.am-gm": False, "t.square": False}
    assert first["run"]["cached_claims"] == "0"
    assert len(list((user_cache / "results").glob("*.json"))) == 2

    second = _check(path, tmp_path / "2")
    assert _cached(second) == {"t.am-gm": True, "t.square": True}
    assert second["run"]["cached_claims"] == "2"
    for a, b in zip(first["claims"], second["claims"]):  # the same record, marked
        assert {**a, "cached": True} == b
    # the report says so on each reused claim, and only there
    assert (tmp_path / "2" / "index.html").read_text().count("reused from the result cache") == 2
    assert "reused from the result cache" not in (tmp_path / "1" / "index.html").read_text()

    path.write_text(AM_GM + SQUARE.replace("[-1.0, 1.0]", "[-2.0, 3.0]"))
    third = _check(path, tmp_path / "3")
    assert _cached(third) == {"t.am-gm": True, "t.square": False}
    assert third["run"]["cached_claims"] == "1"
    assert third["claims"][1]["source_hash"] != first["claims"][1]["source_hash"]

    fresh = _check(path, tmp_path / "4", "--no-cache")
    assert _cached(fresh) == {"t.am-gm": False, "t.square": False}
    assert fresh["run"]["cached_claims"] == "0"


def test_the_settings_are_part_of_the_key(tmp_path, user_cache):
    path = tmp_path / "claims.toml"
    path.write_text(AM_GM)
    claim = claims_from_file(path)[0]
    store = cache.ResultCache()
    base = store.key(claim, SETTINGS)
    assert base == cache.ResultCache().key(claim, SETTINGS)
    for other in (parallel.Settings(1, True, 50), parallel.Settings(0, False, 50),
                  parallel.Settings(0, True, 60), parallel.Settings(0, True, 50, "x"),
                  parallel.Settings(0, True, 50, None, {"a": "1"})):
        assert store.key(claim, other) != base


FACTORY = '''
from verify.vocabulary import Check, Finding, Outcome, Tier

def make(bound):
    def run(ctx):
        return Finding(Outcome.SUPPORTS, str(bound {op} 1))
    return Check("c", Tier.EMPIRICAL, run)
'''


def test_a_change_in_a_checks_code_changes_its_key_and_not_the_claims(tmp_path, monkeypatch,
                                                                      user_cache):
    from verify.results import check_hash, claim_hash
    from verify.vocabulary import Claim, Reference

    monkeypatch.syspath_prepend(str(tmp_path))
    hashes = []
    for op in ("+", "-"):
        (tmp_path / "tmp_check_kind.py").write_text(textwrap.dedent(FACTORY.format(op=op)))
        sys.modules.pop("tmp_check_kind", None)
        module = importlib.import_module("tmp_check_kind")
        claim = Claim("t.c", Reference("t", "here"), "s", {}, "a", (module.make(2.0),))
        hashes.append((claim_hash(claim), check_hash(claim.checks[0]),
                       cache.ResultCache().key(claim, SETTINGS)))
    sys.modules.pop("tmp_check_kind", None)
    (claim_a, check_a, key_a), (claim_b, check_b, key_b) = hashes
    assert claim_a == claim_b  # the same data...
    assert check_a != check_b and key_a != key_b  # ...run by other code: run afresh


def test_error_records_are_not_stored_and_damaged_entries_are_misses(tmp_path):
    store = cache.ResultCache(tmp_path)
    ok = {"id": "t.x", "status": "confirmed", "evidence": [{"outcome": "supports"}]}
    assert store.put("k1", ok) and store.get("k1", "t.x") == {**ok, "cached": True}
    assert store.get("k1", "t.other") is None  # a key that names another claim's record
    assert not store.put("k2", {**ok, "status": "error"})
    assert not store.put("k3", {**ok, "evidence": [{"outcome": "error"}]})
    assert store.get("k2", "t.x") is None and store.get("k3", "t.x") is None
    (tmp_path / "k4.json").write_text('{"id": "t.x", "evid')
    assert store.get("k4", "t.x") is None


def test_run_claims_hands_on_cached_records_and_runs_the_rest(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text(AM_GM + SQUARE)
    claims = claims_from_file(path)
    store = cache.ResultCache(tmp_path / "c")
    done = {}
    parallel.run_claims(claims, [0], SETTINGS, 1, done.__setitem__, cache=store)
    assert not done[0].get("cached")
    done.clear()
    parallel.run_claims(claims, [0, 1], SETTINGS, 2, done.__setitem__, cache=store)
    assert done[0]["cached"] is True and not done[1].get("cached")


def test_the_pool_starts_at_the_second_claim_not_in_the_cache(tmp_path, monkeypatch):
    """run_claims starts the pool's processes early (parallel.start_early) once, when the
    second claim that has to run is found, and not at all when every record is cached or one
    claim alone must run (it runs in this process: a re-run after editing one claim)."""
    path = tmp_path / "claims.toml"
    path.write_text(AM_GM + SQUARE)
    claims = claims_from_file(path)
    store = cache.ResultCache(tmp_path / "c")
    parallel.run_claims(claims, [0, 1], SETTINGS, 1, {}.__setitem__, cache=store)
    starts = []
    monkeypatch.setattr(parallel, "start_early", lambda: starts.append(1))
    monkeypatch.setattr(parallel, "_Pool", lambda *a: type("P", (), {"run": lambda s, o: None})())
    parallel.run_claims(claims, [0, 1], SETTINGS, 2, {}.__setitem__, cache=store)
    assert starts == []  # all cached: no pool
    one = cache.ResultCache(tmp_path / "one")
    parallel.run_claims(claims, [0], SETTINGS, 1, {}.__setitem__, cache=one)
    parallel.run_claims(claims, [0, 1], SETTINGS, 2, {}.__setitem__, cache=one)
    assert starts == []  # one claim to run: in this process
    store = cache.ResultCache(tmp_path / "empty")
    parallel.run_claims(claims, [0, 1], SETTINGS, 2, {}.__setitem__, cache=store)
    assert starts == [1]


SPEC = {"id": "f1", "title": "orbit", "xlabel": "t", "ylabel": "x",
        "series": [{"label": "x_t", "x": ["0", "1", "2"], "y": ["1", "0.5", "0.25"]}],
        "lines": []}


def test_figures_are_drawn_once_per_figure_data(tmp_path, monkeypatch):
    store = tmp_path / "figcache"
    first = figures.draw_figure_cached(SPEC, tmp_path / "a" / "f1.png", store)
    assert first.path is not None and len(list(store.glob("*.png"))) == 1

    def no_drawing(spec, path):
        raise AssertionError("drawn again although cached")

    monkeypatch.setattr(figures, "draw_figure", no_drawing)
    again = figures.draw_figure_cached({**SPEC, "id": "other"}, tmp_path / "b" / "g.png", store)
    assert again.path.read_bytes() == first.path.read_bytes()
    assert (again.notes, again.size) == (first.notes, first.size)

    monkeypatch.undo()
    changed = {**SPEC, "series": [{**SPEC["series"][0], "y": ["1", "0.5", "0.3"]}]}
    assert figures.figure_key(changed) != figures.figure_key(SPEC)
    figures.draw_figure_cached(changed, tmp_path / "c" / "f1.png", store)
    assert len(list(store.glob("*.png"))) == 2


INNER = '''
from verify.vocabulary import Check, Finding, Outcome, Tier
from verify.userclaims.instances import over_instances

def helper(ctx):
    return Finding(Outcome.SUPPORTS, str(2 {op} 1))

PROOFS = {{"kind": helper}}

def make():
    def run(ctx):
        return PROOFS["kind"](ctx)
    inner = Check("c", Tier.SYMBOLIC, run)
    return over_instances("c", [({{"L": 2}}, inner), ({{"L": 3}}, inner)], {{"L": (2, 3)}})
'''


def test_code_reached_through_a_table_or_the_instances_changes_the_key(tmp_path, monkeypatch):
    """A check of a claim with integers runs its instances' checks (held in a list of
    (instance, check) pairs) and proofs picked from a dict: a change there changed no key, so a
    stale record was reused (a limit claim with L kept the verdict of older code)."""
    from verify import results

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(results, "PROJECT_PACKAGES", (*results.PROJECT_PACKAGES, "tmp_inner"))
    hashes = []
    for op in ("+", "-"):
        (tmp_path / "tmp_inner.py").write_text(textwrap.dedent(INNER.format(op=op)))
        sys.modules.pop("tmp_inner", None)
        results.clear_source_caches()
        hashes.append(results.check_hash(importlib.import_module("tmp_inner").make()))
    sys.modules.pop("tmp_inner", None)
    results.clear_source_caches()
    assert hashes[0] != hashes[1]


ENGINE = '''
def step(x):
    return x {op} 1
'''

CALLER = '''
import tmp_engine
from verify.vocabulary import Check, Finding, Outcome, Tier

def make():
    def run(ctx):
        return Finding(Outcome.SUPPORTS, str(tmp_engine.step(1)))
    return Check("c", Tier.EMPIRICAL, run)
'''


def test_code_reached_through_a_module_attribute_changes_the_key(tmp_path, monkeypatch):
    """A check calling ``engine.step`` (a project module held as a global): an edit of step
    changed no key (the ReLU checks call ``relu.gd``), so a stale record was reused."""
    from verify import results

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(results, "PROJECT_PACKAGES",
                        (*results.PROJECT_PACKAGES, "tmp_engine", "tmp_caller"))
    (tmp_path / "tmp_caller.py").write_text(textwrap.dedent(CALLER))
    hashes = []
    for op in ("+", "-"):
        (tmp_path / "tmp_engine.py").write_text(textwrap.dedent(ENGINE.format(op=op)))
        for name in ("tmp_engine", "tmp_caller"):
            sys.modules.pop(name, None)
        results.clear_source_caches()
        hashes.append(results.check_hash(importlib.import_module("tmp_caller").make()))
    for name in ("tmp_engine", "tmp_caller"):
        sys.modules.pop(name, None)
    results.clear_source_caches()
    assert hashes[0] != hashes[1]


def test_check_hashes_are_remembered_while_the_sources_are_unchanged(tmp_path, monkeypatch):
    """The check hashes of a key come from the last run's table while no project source has
    changed: the same key as hashing afresh; a changed source digest hashes afresh; a check
    whose code lies outside the project is never taken from the table."""
    from verify import results
    from verify.vocabulary import Check, Claim, Finding, Outcome, Reference, Tier

    path = tmp_path / "claims.toml"
    path.write_text(AM_GM)
    claim = claims_from_file(path)[0]
    first = cache.ResultCache(tmp_path / "results")
    key = first.key(claim, SETTINGS)
    first.save_check_hashes()
    table = json.loads(next((tmp_path / "check-hashes").glob("*.json")).read_text())
    assert list(table["checks"].values()) == [[results.check_hash(c) for c in claim.checks]]

    calls = []
    monkeypatch.setattr(results, "check_hash", lambda c: calls.append(c) or "x")
    assert cache.ResultCache(tmp_path / "results").key(claim, SETTINGS) == key and not calls
    monkeypatch.setattr(cache, "sources_digest", lambda: "another")  # a source was edited
    assert cache.ResultCache(tmp_path / "results").key(claim, SETTINGS) != key and calls

    def run(ctx):  # defined here, in a test module: not the project's code
        return Finding(Outcome.SUPPORTS, "")

    own = Claim("t.own", Reference("t", "here"), "s", {}, "a", (Check("c", Tier.EMPIRICAL, run),))
    assert not results.project_rooted(own.checks[0])
    assert all(results.project_rooted(c) for c in claim.checks)
