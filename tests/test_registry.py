"""Every registered claim is well formed (DESIGN.md, "One paper = one module"); the papers are
discovered (modules and data files), never listed."""

from __future__ import annotations

import re

import pytest

from verify.registry import SelectionError, all_claims, paper_files, paper_modules, select
from verify.userclaims.paperfile import load_paper
from verify.vocabulary import Check, Tier

CLAIMS = all_claims()
# The paper keys the modules and data files declare (discovered: adding a paper adds its key).
PAPER_KEYS = ({m.PAPER["key"] for m in paper_modules()}
              | {load_paper(p).key for p in paper_files()})  # <key>_<part>.toml: its <key>


def test_ids_are_unique():
    ids = [c.id for c in CLAIMS]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_claim_is_well_formed(claim):
    assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9_]+", claim.id)
    assert claim.id.split(".")[0] == claim.ref.paper
    assert claim.ref.paper in PAPER_KEYS
    assert claim.ref.where.strip()
    assert claim.statement.strip() and claim.asserts.strip()
    assert claim.checks, "every claim needs at least one check"
    names = [ch.name for ch in claim.checks]
    assert all(isinstance(ch, Check) and isinstance(ch.tier, Tier) for ch in claim.checks)
    assert all(ch.scope for ch in claim.checks), "each check states its scope"
    # Repeated names are allowed only for the same factory applied twice (reported in order).
    assert len(set(names)) >= 1
    if claim.amends:
        assert claim.amends in {c.id for c in CLAIMS} and claim.amend_reason


@pytest.mark.parametrize("module", paper_modules(), ids=lambda m: m.__name__)
def test_paper_module_documents_its_claims(module):
    assert module.PAPER["key"] in PAPER_KEYS
    for claim in module.CLAIMS:
        assert claim.id in module.__doc__, f"{claim.id} missing from the module's claim table"


def test_select_by_paper_and_id():
    assert {c.ref.paper for c in select(["nar2018step"])} == {"nar2018step"}
    assert [c.id for c in select(["nar2018step.ex1"])] == ["nar2018step.ex1"]
    with pytest.raises(SelectionError, match="nosuch"):
        select(["nosuch"])


def test_issue_claims_cover_every_tier():
    """The foundation claims carry symbolic, precise (or certified) and empirical evidence (the
    slides' Proposition is data: symbolic for every L and precise at drawn minimisers)."""
    for cid in ("nar2018step.ex1", "nar2018step.ex2", "nar2018slides.example"):
        tiers = {ch.tier for ch in select([cid])[0].checks}
        assert Tier.SYMBOLIC in tiers and Tier.EMPIRICAL in tiers
        assert tiers & {Tier.PRECISE, Tier.CERTIFIED}


def test_every_paper_key_has_claims_and_every_claim_a_discovered_paper():
    keys = {c.ref.paper for c in CLAIMS}
    assert keys == PAPER_KEYS
    assert "controls" in keys and len(keys) >= 4


def test_data_file_claims_are_registered_in_file_order():
    ids = [c.id for c in CLAIMS]
    for path in paper_files():
        file_ids = [entry.item.id for entry in load_paper(path).claims]
        positions = [ids.index(cid) for cid in file_ids]
        assert positions == sorted(positions), path.name
        assert {c.id for c in select([load_paper(path).key])} >= set(file_ids)


def test_the_controls_file_comes_last():
    from verify.userclaims.paperfile import load_paper

    last = [p for p in paper_files() if p.stem == "controls"]
    assert last and paper_files()[-1] == last[0]
    file_ids = [entry.item.id for entry in load_paper(last[0]).claims]
    assert [c.id for c in CLAIMS[-len(file_ids):]] == file_ids
