"""Shared fixtures: one quick run of the whole registry, computed once per test session."""

from __future__ import annotations

import pytest

from verify.registry import all_claims
from verify.runner import run_claim


@pytest.fixture(scope="session")
def quick_results():
    """{claim id: ClaimResult} for a quick run with seed 0 (about 10 s)."""
    return {c.id: run_claim(c, seed=0, quick=True, dps=50) for c in all_claims()}
