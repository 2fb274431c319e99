"""Shared fixtures: one quick run of the whole registry, computed once per test session."""

from __future__ import annotations

import pytest

from verify.registry import all_claims
from verify.runner import run_claim


@pytest.fixture(scope="session")
def quick_results():
    """{claim id: ClaimResult} for a quick run with seed 0 (about 10 s)."""
    return {c.id: run_claim(c, seed=0, quick=True, dps=50) for c in all_claims()}


@pytest.fixture
def without_timings():
    """results.json contents less what may differ between equal runs: the run's own info
    (name, times, command), the commit, and every "seconds"."""
    import json

    def strip(data: dict) -> dict:
        data = json.loads(json.dumps(data))
        data.pop("run")
        data["environment"].pop("git_sha")
        for claim in data["claims"]:
            claim.pop("seconds")
            for ev in claim["evidence"]:
                ev.pop("seconds")
        return data

    return strip
