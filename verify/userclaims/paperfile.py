"""Paper data files: ``verify/papers/<key>.toml`` read with the claim-file parser.

A paper file is a claim file (``[[claim]]`` tables, see :mod:`verify.userclaims.parse`) plus

* a ``[paper]`` table: ``key`` (the file's stem), ``citation``, optional ``url``;
* per claim, the paper-only keys ``where`` (the paper's own locator, required), ``control``
  (a deliberately false variant), ``amends`` and ``amend_reason`` (the printed claim this one
  corrects, and why), ``scope`` (the class the claim states, parameter -> set text; on a
  multi-part claim only to state a class wider than its parts' boxes), ``caveat``
  (a degenerate edge the paper's evident scope excludes, stated beside the headline verdict),
  ``not_checkable`` (what data the claim as printed needs that is not available offline: the
  claim is ``not-checkable`` whatever its checks, which are the reduced check done).

Claim ids must start with ``<key>.``.  The paper-only keys are split off before the claim-file
parser sees a table, so a reviewer's claim file still refuses them as unknown keys.  A bad table
becomes a :class:`BadClaim` exactly as in a claim file (the registry test asserts there is none).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verify.userclaims.parse import _CLAIM_ID, _describe, _parse_one, claim_tables, read_document
from verify.userclaims.spec import BadClaim, ClaimFileError, ClaimSpec

PAPER_TABLE_KEYS = ("key", "citation", "url")
PAPER_CLAIM_KEYS = ("where", "control", "amends", "amend_reason", "scope", "caveat",
                    "not_checkable")


@dataclass(frozen=True)
class PaperClaim:
    """One ``[[claim]]`` table of a paper file: the parsed claim and its paper-only keys."""

    item: ClaimSpec | BadClaim
    where: str = ""
    control: bool = False
    amends: str | None = None
    amend_reason: str = ""
    scope: dict[str, str] | None = None  # None: the box the claim-file builder derives
    caveat: str = ""
    not_checkable: str = ""


@dataclass(frozen=True)
class PaperFile:
    """A parsed paper file: the ``[paper]`` table and its claims in file order."""

    key: str
    citation: str
    url: str
    claims: tuple[PaperClaim, ...]


def load_paper(path: str | Path) -> PaperFile:
    """Read and parse the paper file at ``path`` (its key is the file's stem).

    Raises:
        ClaimFileError: the file cannot be read or used at all (see :func:`parse_paper`).
    """
    path = Path(path)
    return parse_paper(_read_text(path), path.name.split(".")[0], source=str(path))


def load_paper_table(path: str | Path) -> dict[str, str]:
    """The ``[paper]`` table of the paper file at ``path`` (``key``, ``citation``, ``url``),
    validated as :func:`load_paper` does, without parsing its claims (a report needs only the
    citation; parsing every claim's expressions again cost ~0.6 s a run).

    Raises:
        ClaimFileError: as :func:`load_paper`, for the file and its ``[paper]`` table.
    """
    path = Path(path)
    document = read_document(_read_text(path), str(path))
    table = _paper_table(document.get("paper"), path.name.split(".")[0], str(path))
    return {"key": table["key"], "citation": table["citation"], "url": table.get("url", "")}


def paper_file_key(table: Any, path: Path) -> str | None:
    """The paper key of a file's ``[paper]`` table, or None when :func:`load_paper` would
    reject the table (a cheap test: the claims are not parsed)."""
    try:
        return _paper_table(table, path.name.split(".")[0], str(path))["key"]
    except ClaimFileError:
        return None


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ClaimFileError(f"{path}: cannot read the paper file: {exc}") from None


def parse_paper(text: str, key: str, source: str = "<string>") -> PaperFile:
    """Parse the text of the paper file of ``key``.

    Raises:
        ClaimFileError: TOML syntax, a missing or malformed ``[paper]`` table (its key must be
            ``key``), no ``[[claim]]`` tables, other top-level keys.
    """
    document = read_document(text, source)
    tables = claim_tables(document, source, top=("paper", "claim"))
    paper = _paper_table(document.get("paper"), key, source)
    key = paper["key"]  # the stem, or the paper a second file ``<key>_<part>.toml`` adds to
    first_use: dict[str, int] = {}
    claims = tuple(_paper_claim(table, number, first_use, key)
                   for number, table in enumerate(tables, start=1))
    return PaperFile(key=key, citation=paper["citation"], url=paper.get("url", ""),
                     claims=claims)


def load_paper_claim(path: str | Path, index: int, digest: str) -> tuple[str, str, PaperClaim]:
    """(key, url, claim) of the ``index``-th ``[[claim]]`` table of the paper file at
    ``path`` whose bytes hash (SHA-256) to ``digest``, parsed alone: ``load_paper(path).
    claims[index]`` for a file whose claim ids are valid and distinct
    (:func:`verify.lazyclaims.lazy_claims` checks that before it indexes a file; a duplicate
    id is what makes a table depend on those before it).  The file is read once per process
    and digest.

    Raises:
        ClaimFileError: as :func:`load_paper`, for the file and its ``[paper]`` table, or the
            file's bytes are not those of ``digest`` any more.
        IndexError: the file has no table ``index``.
    """
    key, url, tables = _claim_tables(str(path), digest)
    return key, url, _paper_claim(tables[index], index + 1, {}, key)


@functools.cache
def _claim_tables(path: str, digest: str) -> tuple[str, str, list]:
    """(key, url, the ``[[claim]]`` tables) of the paper file at ``path`` (see
    :func:`load_paper_claim`)."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ClaimFileError(f"{path}: cannot read the paper file: {exc}") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise ClaimFileError(f"{path}: the paper file changed while the run used it")
    try:
        document = read_document(data.decode("utf-8"), path)
    except UnicodeDecodeError as exc:
        raise ClaimFileError(f"{path}: cannot read the paper file: {exc}") from None
    tables = claim_tables(document, path, top=("paper", "claim"))
    paper = _paper_table(document.get("paper"), source.name.split(".")[0], path)
    return paper["key"], paper.get("url", ""), tables


def _paper_table(table: Any, key: str, source: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ClaimFileError(f"{source}: needs a [paper] table (key, citation, url), "
                             f"got {_describe(table)}")
    unknown = sorted(set(table) - set(PAPER_TABLE_KEYS))
    if unknown:
        raise ClaimFileError(f"{source}: [paper]: unknown key(s) {', '.join(map(repr, unknown))}"
                             f"; allowed: {', '.join(PAPER_TABLE_KEYS)}")
    given = table.get("key")
    # a paper's claims may span files: <key>.toml and <key>_<part>.toml (nar2018step_depth)
    if given != key and not (isinstance(given, str) and given
                             and key.startswith(given + "_")):
        raise ClaimFileError(f"{source}: [paper]: key must be the file's stem {key!r} (or, "
                             f"for a further file <key>_<part>.toml of a paper, that <key>), "
                             f"got {_describe(given)}")
    for name in ("citation", "url"):
        value = table.get(name, "")
        if not isinstance(value, str) or (name == "citation" and not value.strip()):
            raise ClaimFileError(f"{source}: [paper]: {name} must be a "
                                 f"{'non-empty ' if name == 'citation' else ''}string, "
                                 f"got {_describe(value)}")
    return table


def _paper_claim(table: dict[str, Any], number: int, first_use: dict[str, int],
                 key: str) -> PaperClaim:
    core = {k: v for k, v in table.items() if k not in PAPER_CLAIM_KEYS}
    item = _parse_one(core, number, first_use)
    if isinstance(item, BadClaim):
        return PaperClaim(item)
    problem = _paper_keys_problem(table, key)
    if problem:
        name, message = problem
        return PaperClaim(BadClaim(id=item.id, key=name,
                                   message=f"claim {item.id!r}: key {name!r}: {message}"))
    return PaperClaim(item, where=table["where"], control=table.get("control", False),
                      amends=table.get("amends"), amend_reason=table.get("amend_reason", ""),
                      scope=table.get("scope"), caveat=table.get("caveat", ""),
                      not_checkable=table.get("not_checkable", ""))


def _paper_keys_problem(table: dict[str, Any], key: str) -> tuple[str, str] | None:
    """The first problem with the id prefix or a paper-only key, as (key, message), or None."""
    if not table["id"].startswith(f"{key}."):
        return "id", f"a claim of paper {key!r} needs an id starting with '{key}.'"
    where = table.get("where")
    if not isinstance(where, str) or not where.strip():
        return "where", f"required: the paper's own locator (a string), got {_describe(where)}"
    if not isinstance(table.get("control", False), bool):
        return "control", f"must be true or false, got {_describe(table['control'])}"
    amends = table.get("amends")
    if amends is not None and not (isinstance(amends, str) and _CLAIM_ID.match(amends)):
        return "amends", f"must be the id of the claim amended, got {_describe(amends)}"
    reason = table.get("amend_reason", "")
    if not isinstance(reason, str) or (amends is not None and not reason.strip()):
        return "amend_reason", "an amendment needs its reason (a non-empty string)"
    if reason and amends is None:
        return "amend_reason", "given without 'amends'"
    for name in ("caveat", "not_checkable"):
        if not isinstance(table.get(name, ""), str):
            return name, f"must be a string, got {_describe(table[name])}"
    # a multi-part claim's class is its parts' boxes; a scope states a wider class the paper
    # speaks of (matrix layers where the parts take scalars): the parts' proofs, covering
    # their boxes only, then make it proven-on-instances, never proven
    scope = table.get("scope")
    if scope is not None and not (isinstance(scope, dict) and scope and all(
            isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in scope.items())):
        return "scope", ("must be a table parameter -> the set claimed, as text "
                         f"(scope = {{ delta = \"[1/100, 1]\" }}), got {_describe(scope)}")
    return None
