"""Discovery of paper modules and paper data files, and selection of claims by id or paper key.

A paper is a module ``verify/papers/<key>.py`` (``PAPER`` and ``CLAIMS``), a data file
``verify/papers/<key>.toml`` (:mod:`verify.userclaims.paperfile`), or both; nothing lists the
keys, adding a file adds the paper.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from pathlib import Path

from verify import papers
from verify.lazyclaims import lazy_claims, paper_key
from verify.vocabulary import Claim


class SelectionError(ValueError):
    """A requested id or paper key that is not registered."""


def _order(name: str) -> tuple[bool, str]:
    return name == "controls", name  # controls last


def paper_modules() -> list:
    """Every module in :mod:`verify.papers`, sorted by name (controls last)."""
    names = sorted((m.name for m in pkgutil.iter_modules(papers.__path__)), key=_order)
    return [importlib.import_module(f"verify.papers.{n}") for n in names]


def paper_files() -> list[Path]:
    """Every paper data file ``verify/papers/<key>.toml``, sorted by key (controls last)."""
    files = [p for folder in papers.__path__ for p in Path(folder).glob("*.toml")]
    return sorted(files, key=lambda p: _order(p.stem))


def all_claims(lazy: bool = False) -> list[Claim]:
    """Every registered claim: papers by name (controls last), a paper's module claims before
    its data file's, each in its own order.

    With ``lazy``, the claims of a well-formed data file are :class:`verify.lazyclaims.
    LazyClaim` objects, built when first used beyond their id and paper (a cached run)."""
    from verify.userclaims.build import claims_from_paper

    sources: dict[str, list] = {}
    for module in paper_modules():
        sources.setdefault(module.__name__.rsplit(".", 1)[1], []).extend(module.CLAIMS)
    for path in paper_files():
        claims = lazy_claims(path) if lazy else None
        sources.setdefault(path.stem, []).extend(claims or claims_from_paper(str(path)))
    return [claim for name in sorted(sources, key=_order) for claim in sources[name]]


def paper_info(key: str) -> dict[str, str]:
    """Citation and url of a paper key: its data file's ``[paper]`` table, else its module's
    ``PAPER``; empty for a key with neither (a claim file's own)."""
    from verify.userclaims.paperfile import load_paper_table

    for path in paper_files():
        if path.stem == key:
            paper = load_paper_table(path)
            return {"citation": paper["citation"], "url": paper["url"]}
    try:
        info = getattr(importlib.import_module(f"verify.papers.{key}"), "PAPER", {})
    except ImportError:
        info = {}
    return {"citation": str(info.get("citation", "")), "url": str(info.get("url", ""))}


def select(tokens: Iterable[str], lazy: bool = False) -> list[Claim]:
    """Claims matching each token (an exact claim id or a paper key); all claims if none
    (``lazy``: as :func:`all_claims`).

    Raises:
        SelectionError: naming the first token that matches nothing.
    """
    claims = all_claims(lazy)
    tokens = list(tokens)
    if not tokens:
        return claims
    chosen: list[Claim] = []
    for token in tokens:
        found = [c for c in claims if c.id == token or paper_key(c) == token]
        if not found:
            known = sorted({paper_key(c) for c in claims})
            raise SelectionError(f"unknown claim id or paper {token!r} (papers: "
                                 f"{', '.join(known)}; 'python -m verify list' shows the ids)")
        chosen.extend(c for c in found if c not in chosen)
    return chosen
