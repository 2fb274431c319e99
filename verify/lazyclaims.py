"""The claims of a paper data file, built only when something besides their id is asked.

Building a data claim parses and validates every expression of its table with SymPy and builds
one exact model per check: about 10 ms a claim, and most of a cached re-run's work once the
papers are data.  A cached run needs of a claim only its id and paper key (to select it) and its
cache key, which the result cache remembers per file contents (:class:`verify.cache.
ResultCache`).  So a cached run's registry hands out a :class:`LazyClaim` per table of a
well-formed paper file, and a claim is built (alone, once: :func:`verify.userclaims.build.
claim_from_paper`) on the first use of anything else; a pool's worker so builds only the
claims it runs, not every claim of their files.

A file that is not plainly well formed (TOML that does not parse, a key other than ``[paper]``
and ``[[claim]]``, a claim without a valid id, an id used twice) is built at once, so its errors
are reported exactly as the parser reports them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from verify.vocabulary import Claim


class LazyClaimError(RuntimeError):
    """A built claim that is not the one its file's index named (a bug, never a verdict)."""


@dataclass(eq=False)
class LazyClaim:
    """Claim ``index`` of the paper file at ``path`` (whose bytes hash to ``digest``), known by
    its id and paper key; any other attribute is the built claim's."""

    id: str
    paper: str
    path: str
    index: int
    digest: str
    # The computations its checks share with other claims (Check.share), read off its table
    # without building it: the at = "minima" searches it states (a pool holds back a claim
    # sharing one with a running claim, verify.parallel.next_free).
    shares: frozenset = frozenset()
    # A paper file's claims come from the registry, not from a claim file (a pool's job names
    # its source without building the claim).
    source = None

    def resolve(self) -> Claim:
        """The built claim (built alone on the first call, then cached: the file's other
        claims are not built, :func:`verify.userclaims.build.claim_from_paper`)."""
        from verify.userclaims.build import claim_from_paper

        try:
            claim = claim_from_paper(self.path, self.index, self.digest)
        except IndexError:
            claim = None
        if claim is None or claim.id != self.id or claim.ref.paper != self.paper:
            raise LazyClaimError(f"{self.path}: claim #{self.index + 1} was indexed as "
                                 f"{self.id!r} ({self.paper}) but built as "
                                 f"{getattr(claim, 'id', None)!r}")
        return claim

    @property
    def memo_key(self) -> str:
        """What decides the built claim besides the code: the file's path and bytes, and the
        claim's place in it."""
        return f"{self.path}|{self.digest}|{self.index}"

    def __getattr__(self, name: str):
        if name.startswith("__"):  # pickling and copying ask for these before fields exist
            raise AttributeError(name)
        return getattr(self.resolve(), name)


def resolved(claim) -> Claim:
    """``claim`` itself, or the built claim of a :class:`LazyClaim`."""
    return claim.resolve() if isinstance(claim, LazyClaim) else claim


def paper_key(claim) -> str:
    """The paper a claim belongs to, without building a lazy one."""
    return claim.paper if isinstance(claim, LazyClaim) else claim.ref.paper


def lazy_claims(path: Path) -> tuple[LazyClaim, ...] | None:
    """A :class:`LazyClaim` per ``[[claim]]`` table of the paper file at ``path``, or None when
    the file is not plainly well formed (build it now: the parser names what is wrong)."""
    from verify.userclaims.paperfile import paper_file_key
    from verify.userclaims.parse import read_document, valid_claim_id
    from verify.userclaims.spec import ClaimFileError

    try:
        data = path.read_bytes()
        document = read_document(data.decode("utf-8"), str(path))
    except (OSError, UnicodeDecodeError, ClaimFileError):
        return None
    tables = document.get("claim")
    if set(document) != {"paper", "claim"} or not isinstance(tables, list) or not tables \
            or not all(isinstance(t, dict) for t in tables):
        return None
    ids = [t.get("id") for t in tables]
    if not all(valid_claim_id(i) for i in ids) or len(set(ids)) != len(ids):
        return None
    key = paper_file_key(document.get("paper"), path)
    if key is None:
        return None
    digest = hashlib.sha256(data).hexdigest()
    from verify.userclaims.minima import table_keys

    return tuple(LazyClaim(i, key, str(path), k, digest, table_keys(t))
                 for k, (i, t) in enumerate(zip(ids, tables)))
