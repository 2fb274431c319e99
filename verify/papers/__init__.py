"""One module per paper; each defines ``PAPER`` (key, citation) and ``CLAIMS``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from verify.vocabulary import Check, Claim, Reference


def claim_builder(paper: Mapping[str, str]) -> Callable[..., Claim]:
    """The claim constructor of one paper (its ``PAPER`` table: key, url).

    ``make(locator, where, statement, hypotheses, asserts, checks, **fields)`` is the claim
    ``<key>.<locator>`` printed at ``where`` (the paper's own words, "Theorem 2"), with
    :class:`Claim`'s other fields (scope, amends, caveat, ...) passed through.
    """
    key, url = paper["key"], paper.get("url", "")

    def make(locator: str, where: str, statement: str, hypotheses: Mapping[str, str],
             asserts: str, checks: Iterable[Check], **fields) -> Claim:
        return Claim(id=f"{key}.{locator}", ref=Reference(key, where, url), statement=statement,
                     hypotheses=hypotheses, asserts=asserts, checks=tuple(checks), **fields)

    return make
