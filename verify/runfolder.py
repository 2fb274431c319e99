"""A run's report folder made crash-safe: unique names, a lock, the journal, stored settings.

Layout of a run folder while a run is going on and after it:

- ``.lock``: the pid of the run writing into the folder (created with ``O_CREAT|O_EXCL``; a
  lock whose pid is no longer alive is stale and taken over).
- ``run.json``: the settings the run was started with (what ``--resume`` reuses).
- ``journal.jsonl``: one line per finished claim, ``{"index": i, "claim": record}``, where
  ``record`` is exactly the claim's entry of results.json and ``i`` its place in the
  selection; appended, flushed and fsync'ed as each claim finishes (a record reused from the
  result cache is flushed, not fsync'ed: it is read again as cheaply after a crash).
- ``results.json`` / ``index.html``: written atomically (a temporary file in the folder, then
  ``os.replace``).  At the start of a run an old results.json is replaced by one marked
  ``"complete": false`` with no claims and the old index.html removed, so a run killed
  half-way never leaves the previous run's files looking current.

Library code: never prints; problems a user can fix raise :class:`RunFolderError`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

JOURNAL = "journal.jsonl"
SETTINGS = "run.json"
LOCK = ".lock"


class RunFolderError(Exception):
    """A run folder that cannot be used: locked, missing its journal, unwritable."""


def write_atomic(path: Path, text: str) -> None:
    """Replace ``path`` by ``text`` in one step: readers see the old file or the new one."""
    path = Path(path)
    for _ in range(100):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:  # mode 0o666 less the umask, as for a plain open()
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            break
        except FileExistsError:
            continue
    else:
        raise FileExistsError(f"no free temporary name beside {path}")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def new_run_dir(parent: Path, started: dt.datetime) -> Path:
    """Create and return a fresh folder ``parent/<timestamp>`` (``-2``, ``-3``, ... appended when
    another run took that second); the exclusive mkdir makes two runs never share one."""
    stamp = started.strftime("%Y-%m-%dT%H-%M-%S")
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for n in range(1, 1000):
            path = parent / (stamp if n == 1 else f"{stamp}-{n}")
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
    except OSError as exc:
        raise RunFolderError(f"cannot create a report folder in {parent}: "
                             f"{exc.strerror or exc}") from None
    raise RunFolderError(f"cannot find a free report folder name {stamp}-N in {parent}")


# ---------------------------------------------------------------- the lock


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's live process
        return True
    return True


def _holder(path: Path) -> int | None:
    """The pid written in a lock file (None when unreadable or not a pid yet)."""
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def locked(folder: Path) -> Iterator[None]:
    """Hold ``folder/.lock`` for the duration; refuse a folder another live run holds.

    A lock left by a dead process (killed, crashed) is stale and taken over.  Two runs taking
    over the same stale lock in the same instant could both succeed; that race needs a run
    killed and then two new runs started into its folder at once.
    """
    path = Path(folder) / LOCK
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _holder(path)
            if pid is None or _alive(pid):
                # A lock with no pid yet is one being written right now: held.
                holder = f"process {pid}" if pid is not None else "another process"
                raise RunFolderError(f"{folder} is in use by another verify run ({holder}); "
                                     f"wait for it or choose another --out folder") from None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)  # stale: its process is gone
            continue
        except OSError as exc:
            raise RunFolderError(f"cannot lock {folder}: {exc.strerror or exc}") from None
        with os.fdopen(fd, "w") as f:
            f.write(f"{os.getpid()}\n")
        break
    else:
        raise RunFolderError(f"cannot lock {folder}: the lock keeps changing hands")
    try:
        yield
    finally:
        if _holder(path) == os.getpid():
            with contextlib.suppress(OSError):
                os.unlink(path)


# ---------------------------------------------------------------- settings and journal


def start(folder: Path, settings: dict, marker: str) -> None:
    """Begin a fresh run in ``folder`` (held locked): store its settings, empty the journal,
    replace an old results.json by ``marker`` (an incomplete results.json) and remove an old
    index.html."""
    folder = Path(folder)
    try:
        write_atomic(folder / "results.json", marker)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(folder / "index.html")
        write_atomic(folder / JOURNAL, "")
        write_atomic(folder / SETTINGS, json.dumps(settings, indent=1) + "\n")
    except OSError as exc:
        raise RunFolderError(f"cannot write into {folder}: {exc.strerror or exc}") from None


def settings(folder: Path) -> dict:
    """The settings a run in ``folder`` was started with (for ``--resume``)."""
    folder = Path(folder)
    if not (folder / JOURNAL).is_file():
        raise RunFolderError(f"{folder} has no {JOURNAL}: nothing to resume (was it made by a "
                             f"run of this version?)")
    try:
        data = json.loads((folder / SETTINGS).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise RunFolderError(f"cannot read {folder / SETTINGS}: {exc}") from None
    if not isinstance(data, dict):
        raise RunFolderError(f"{folder / SETTINGS} is not a settings object")
    return data


def read_journal(folder: Path) -> dict[int, dict]:
    """The claims journaled in ``folder``: {place in the selection: record}.

    A last line cut short (the run was killed while writing it) is dropped, and cut off the
    file so the next append starts on a fresh line; that claim simply runs again.
    """
    path = Path(folder) / JOURNAL
    raw = path.read_bytes()
    done: dict[int, dict] = {}
    good = 0  # bytes of whole, readable lines
    for line in raw.splitlines(keepends=True):
        try:
            entry = json.loads(line)
            index, record = int(entry["index"]), entry["claim"]
            if not line.endswith(b"\n") or not isinstance(record, dict):
                raise ValueError("incomplete line")
        except (ValueError, KeyError, TypeError):
            if good + len(line) < len(raw):
                raise RunFolderError(f"{path} has an unreadable line {len(done) + 1} (not the "
                                     f"last): the journal is damaged") from None
            break
        done.setdefault(index, record)
        good += len(line)
    if good < len(raw):
        with open(path, "r+b") as f:
            f.truncate(good)
    return done


class Journal:
    """Appends finished claims to ``folder/journal.jsonl``, each line on disk before the next."""

    def __init__(self, folder: Path):
        self._file = open(Path(folder) / JOURNAL, "a", encoding="utf-8", newline="\n")

    def append(self, index: int, record: dict) -> None:
        """One finished claim, on disk before the next; a record read from the result cache is
        flushed only (it costs nothing to read again after a crash, and one fsync per cached
        claim was ~0.3 s of a re-run's 3.5 s wall time)."""
        self._file.write(json.dumps({"index": index, "claim": record}, ensure_ascii=False)
                         + "\n")
        self._file.flush()
        if not record.get("cached"):
            os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def previous_timings(folder: Path, quick: bool) -> dict[str, float]:
    """Seconds per claim id from an earlier complete run, to hand out the longest claims first:
    the results.json in ``folder`` itself, else the newest beside it, preferring runs with the
    same ``quick`` setting.  Empty when there is none (selection order is then kept)."""
    folder = Path(folder)
    try:
        siblings = sorted(folder.parent.glob("*/results.json"),
                          key=lambda p: p.stat().st_mtime, reverse=True)[:20]
    except OSError:
        siblings = []
    candidates = [folder / "results.json"] + [p for p in siblings if p.parent != folder]
    fallback: dict[str, float] = {}
    for path in candidates:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("complete") is False:
                continue
            timings = {c["id"]: float(c["seconds"]) for c in data["claims"]}
            same = bool(data.get("run", {}).get("quick")) == quick
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if same:
            return timings
        fallback = fallback or timings
    return fallback


def render(data: dict, folder: Path, progress=None, figure_cache: Path | None = None,
           conversions: Path | None = None) -> Path:
    """Render index.html (and figures/) for ``data`` into ``folder``, the page replaced in one
    step (drawn in a hidden folder beside it first); figures drawn earlier are taken from
    ``figure_cache`` and formulas typeset earlier from ``conversions`` when given."""
    from verify.report import render_report

    folder = Path(folder)
    tmp = Path(tempfile.mkdtemp(dir=folder, prefix=".render-"))
    try:
        render_report(data, tmp, progress=progress, figure_cache=figure_cache,
                      conversions=conversions)
        if (tmp / "figures").is_dir():
            (folder / "figures").mkdir(exist_ok=True)
            for fig in (tmp / "figures").iterdir():
                os.replace(fig, folder / "figures" / fig.name)
        os.replace(tmp / "index.html", folder / "index.html")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder / "index.html"
