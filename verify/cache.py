"""The result cache: a claim's results.json record, reused while nothing it depends on changed.

A record is stored under the user cache (``$XDG_CACHE_HOME`` or ``~/.cache``, then
``stepsize-verify/results/<key>.json``), written atomically.  Its key hashes everything that
decides the record:

- the claim as data (:func:`verify.results.claim_hash`: its printed fields and the values its
  checks captured) and where it came from (a claim file's path appears in replay lines);
- the code of each of its checks (:func:`verify.results.check_hash`: the check's factory and,
  transitively, the project functions and classes it names);
- the run settings: seed, quick, mpmath digits, ``--check``, ``--at``;
- the Python version, the machine, and the versions of the numerical libraries.

So editing one claim (its data, or the code of one of its checks) re-checks that claim alone.
The check hashes themselves are remembered per claim while no source file of the project
changes (:class:`ResultCache`), since hashing every check's code is most of a re-run's work;
so is the identity of each claim of a paper data file, by the file's bytes, so that a cached
run builds no data claim it does not run (:mod:`verify.lazyclaims`).
What the hashes cannot see: module-level constants read by a check, and library code outside
the suite not covered by a version number.  ``--no-cache`` (or ``VERIFY_NO_CACHE=1`` in the
environment) runs every claim afresh.

Records with an ``error`` check, or a check stopped by its wall-clock budget, are never
stored: both may be transient (a worker killed
for memory, a full disk), and must be retried.  A record read back is marked
``"cached": true`` so the report and results.json say which claims were not re-run.

Library code: never prints; an unreadable or damaged cache entry is a miss, never an error.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
from importlib import metadata
from pathlib import Path

CACHE_FORMAT = 1  # bump when the record layout or the key's meaning changes
DISABLE_ENV = "VERIFY_NO_CACHE"


def cache_root() -> Path:
    """``$XDG_CACHE_HOME/stepsize-verify`` (``~/.cache/stepsize-verify`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "stepsize-verify"


def disabled_by_environment() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip() not in ("", "0")


def _versions() -> str:
    from verify.results import LIBRARIES

    parts = [platform.python_version(), platform.machine()]
    for name in LIBRARIES:
        try:
            parts.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name}=none")
    return ";".join(parts)


def sources_digest() -> str:
    """A hash of every source file of the project's packages (names and bytes): equal digests
    mean no code a check hash can see has changed."""
    import importlib

    from verify.results import PROJECT_PACKAGES

    h = hashlib.sha256()
    for package in PROJECT_PACKAGES:
        root = Path(importlib.import_module(package).__file__).parent
        for path in sorted(root.rglob("*.py")):
            h.update(f"{package}/{path.relative_to(root).as_posix()}".encode())
            h.update(b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()[:32]


def _strings(value) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


class ResultCache:
    """Records by key in one folder (default: the user cache's ``results/``).

    The check hashes of a key are remembered beside it (``check-hashes/<sources digest>-
    <versions>.json``, table ``checks``: claim hash -> its checks' hashes) while no source file
    of the project changes: hashing the code of 455 checks was ~0.4 s of every cached re-run,
    after an edit of a claim file as well.  Same sources and the same claim (its data, the
    values its checks captured) build the same checks, so their hashes are those remembered; a
    check whose code lies outside the project (a user's own Python check) is always hashed
    afresh.  The same file's table ``claims`` keeps the whole identity (source, claim hash,
    checks) of each lazy claim of a paper data file (:class:`verify.lazyclaims.LazyClaim`) by
    the file's path, bytes and the claim's place: same sources, library versions and bytes
    build the same claim, so a cached run keys it without parsing the file.
    """

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else cache_root() / "results"
        self._versions = _versions()
        self._memo: dict[str, dict] | None = None  # read on first use
        self._new: dict[str, dict] = {"checks": {}, "claims": {}}
        # id(claim) -> (claim, its identity); the claim is kept so that its id is not reused
        self._identities: dict[int, tuple] = {}

    def _memo_path(self) -> Path:
        versions = hashlib.sha256(self._versions.encode()).hexdigest()[:12]
        return self.folder.parent / "check-hashes" / f"{self._digest}-{versions}.json"

    def _known(self, table: str) -> dict:
        """One table of the memo kept while no source changes: ``checks`` (claim key -> its
        checks' hashes) or ``claims`` (a lazy claim's file place -> its identity)."""
        if self._memo is None:
            self._digest = sources_digest()
            try:
                stored = json.loads(self._memo_path().read_text(encoding="utf-8"))
                self._memo = {name: {k: v for k, v in stored[name].items()
                                     if _strings(v)} for name in ("checks", "claims")}
            except (OSError, ValueError, AttributeError, KeyError, TypeError):
                self._memo = {"checks": {}, "claims": {}}
        return self._memo[table]

    def _check_hashes(self, claim, claim_key: str) -> list[str]:
        from verify.results import check_hash

        known = self._known("checks").get(claim_key)
        if known is None or len(known) != len(claim.checks):
            known = self._new["checks"][claim_key] = [check_hash(ch) for ch in claim.checks]
        return known

    def save_check_hashes(self) -> None:
        """Keep the hashes computed since the last save (a failure to write is ignored)."""
        from verify.runfolder import write_atomic

        if not any(self._new.values()):
            return
        merged = {name: {**self._known(name), **self._new[name]} for name in self._new}
        try:
            self._memo_path().parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._memo_path(), json.dumps(merged, sort_keys=True) + "\n")
        except OSError:
            return
        self._memo, self._new = merged, {"checks": {}, "claims": {}}

    def _identity(self, claim) -> tuple[str, str, list[tuple[str, str]]]:
        """(source, claim hash, [(check name, check hash)]) of ``claim``; for a lazy claim of a
        paper file, remembered by the file's bytes and place while no source changes (the
        claim is then not built at all)."""
        if id(claim) in self._identities:  # asked twice a run: check_names, then key
            return self._identities[id(claim)][1]
        identity = self._identities[id(claim)] = (claim, self._identity_of(claim))
        return identity[1]

    def _identity_of(self, claim) -> tuple[str, str, list[tuple[str, str]]]:
        from verify.lazyclaims import LazyClaim
        from verify.results import check_hash, claim_hash, project_rooted

        memo_key = claim.memo_key if isinstance(claim, LazyClaim) else None
        known = self._known("claims").get(memo_key) if memo_key else None
        if known is not None and len(known) % 2 == 0:  # source, hash, then name/hash pairs
            return known[0], known[1], list(zip(known[2::2], known[3::2]))
        source, digest = str(claim.source), claim_hash(claim)
        if not all(project_rooted(ch) for ch in claim.checks):  # a user's own Python check
            return source, digest, [(ch.name, check_hash(ch)) for ch in claim.checks]
        names = [ch.name for ch in claim.checks]
        checks = list(zip(names, self._check_hashes(claim, f"{source}|{digest}")))
        if memo_key:
            self._new["claims"][memo_key] = [source, digest, *(x for pair in checks for x in pair)]
        return source, digest, checks

    def check_names(self, claim) -> list[str]:
        """The names of ``claim``'s checks (a lazy claim's from the memo when known)."""
        return [name for name, _ in self._identity(claim)[2]]

    def key(self, claim, settings) -> str:
        """The key of ``claim`` run with ``settings`` (:class:`verify.parallel.Settings`)."""
        source, digest, checks = self._identity(claim)
        parts = [f"format={CACHE_FORMAT}", self._versions, f"source={source}",
                 f"claim={digest}", *(f"check={name}:{h}" for name, h in checks),
                 f"seed={settings.seed}", f"quick={bool(settings.quick)}",
                 f"dps={settings.dps}", f"only={settings.only}",
                 f"at={json.dumps(settings.at, sort_keys=True)}",
                 f"budget={getattr(settings, 'budget', None)}"]
        return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.json"

    def get(self, key: str, claim_id: str) -> dict | None:
        """The stored record (marked ``"cached": true``), or None: missing, unreadable, or not
        a record of ``claim_id``."""
        try:
            record = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("id") != claim_id \
                or not isinstance(record.get("evidence"), list):
            return None
        return {**record, "cached": True}

    def put(self, key: str, record: dict) -> bool:
        """Store a freshly computed record; False when it is not cacheable or cannot be written
        (a read-only cache folder only costs the next run its time)."""
        from verify.runfolder import write_atomic

        if record.get("cached") or record.get("status") == "error" \
                or any(e.get("outcome") == "error" for e in record.get("evidence", [])) \
                or any("budget exhausted" in str(e.get("detail", ""))
                       for e in record.get("evidence", [])):  # the clock, not the claim
            return False
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(self._path(key), json.dumps(record, ensure_ascii=False) + "\n")
        except OSError:
            return False
        return True
