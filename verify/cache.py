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
changes (:class:`ResultCache`), since hashing every check's code is most of a re-run's work.
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


class ResultCache:
    """Records by key in one folder (default: the user cache's ``results/``).

    The check hashes of a key are remembered beside it (``check-hashes/<sources digest>.json``:
    claim hash -> its checks' hashes) while no source file of the project changes: hashing the
    code of 455 checks was ~0.4 s of every cached re-run, after an edit of a claim file as
    well.  Same sources and the same claim (its data, the values its checks captured) build the
    same checks, so their hashes are those remembered; a check whose code lies outside the
    project (a user's own Python check) is always hashed afresh.
    """

    def __init__(self, folder: Path | None = None):
        self.folder = Path(folder) if folder is not None else cache_root() / "results"
        self._versions = _versions()
        self._hashes: dict[str, list[str]] | None = None  # read on first use
        self._new: dict[str, list[str]] = {}

    def _hashes_path(self) -> Path:
        return self.folder.parent / "check-hashes" / f"{self._digest}.json"

    def _known_hashes(self) -> dict[str, list[str]]:
        if self._hashes is None:
            self._digest = sources_digest()
            try:
                stored = json.loads(self._hashes_path().read_text(encoding="utf-8"))
                self._hashes = {k: v for k, v in stored.items() if isinstance(v, list)
                                and all(isinstance(h, str) for h in v)}
            except (OSError, ValueError, AttributeError):
                self._hashes = {}
        return self._hashes

    def _check_hashes(self, claim, claim_key: str) -> list[str]:
        from verify.results import check_hash, project_rooted

        if not all(project_rooted(ch) for ch in claim.checks):
            return [check_hash(ch) for ch in claim.checks]
        known = self._known_hashes().get(claim_key)
        if known is None or len(known) != len(claim.checks):
            known = self._new[claim_key] = [check_hash(ch) for ch in claim.checks]
        return known

    def save_check_hashes(self) -> None:
        """Keep the check hashes computed since the last save (a failure to write is ignored)."""
        from verify.runfolder import write_atomic

        if not self._new:
            return
        merged = {**self._known_hashes(), **self._new}
        try:
            self._hashes_path().parent.mkdir(parents=True, exist_ok=True)
            write_atomic(self._hashes_path(), json.dumps(merged, sort_keys=True) + "\n")
        except OSError:
            return
        self._hashes, self._new = merged, {}

    def key(self, claim, settings) -> str:
        """The key of ``claim`` run with ``settings`` (:class:`verify.parallel.Settings`)."""
        from verify.results import claim_hash

        claim_key = f"{claim.source}|{claim_hash(claim)}"
        checks = self._check_hashes(claim, claim_key)
        parts = [f"format={CACHE_FORMAT}", self._versions, f"source={claim.source}",
                 f"claim={claim_key.split('|', 1)[1]}",
                 *(f"check={ch.name}:{h}" for ch, h in zip(claim.checks, checks)),
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
