"""Discovery of paper modules and selection of claims by id or paper key."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

from verify import papers
from verify.vocabulary import Claim


class SelectionError(ValueError):
    """A requested id or paper key that is not registered."""


def paper_modules() -> list:
    """Every module in :mod:`verify.papers`, sorted by name (controls last)."""
    names = sorted(m.name for m in pkgutil.iter_modules(papers.__path__))
    names.sort(key=lambda n: n == "controls")
    return [importlib.import_module(f"verify.papers.{n}") for n in names]


def all_claims() -> list[Claim]:
    """Every registered claim, papers in module order."""
    return [claim for module in paper_modules() for claim in module.CLAIMS]


def select(tokens: Iterable[str]) -> list[Claim]:
    """Claims matching each token (an exact claim id or a paper key); all claims if none.

    Raises:
        SelectionError: naming the first token that matches nothing.
    """
    claims = all_claims()
    tokens = list(tokens)
    if not tokens:
        return claims
    chosen: list[Claim] = []
    for token in tokens:
        found = [c for c in claims if c.id == token or c.ref.paper == token]
        if not found:
            known = sorted({c.ref.paper for c in claims})
            raise SelectionError(f"unknown claim id or paper {token!r} (papers: "
                                 f"{', '.join(known)}; 'python -m verify list' shows the ids)")
        chosen.extend(c for c in found if c not in chosen)
    return chosen
