"""Shared fixtures: one quick run of the whole registry, computed once per test session."""

from __future__ import annotations

import os

import pytest

# Runs under test never read or fill the user's result cache (verify/cache.py): each test sees
# its claims computed afresh, and tests comparing two runs compare two computations.  The
# cache's own tests turn it back on with a cache folder of their own.  Set in the environment so
# that the CLI run in subprocesses inherits it.
os.environ["VERIFY_NO_CACHE"] = "1"

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


# Two small claim-file claims that several run-level tests (parallel, cache) check quickly.
AM_GM_CLAIM = """
[[claim]]
id = "t.am-gm"
kind = "inequality"
lhs = "(a + 1)/2"
relation = ">="
rhs = "sqrt(a)"
params = { a = [0.0, 4.0] }
"""
SQUARE_CLAIM = """
[[claim]]
id = "t.square"
kind = "inequality"
lhs = "a**2"
relation = ">="
rhs = "0"
params = { a = [-1.0, 1.0] }
"""
