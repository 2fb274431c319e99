"""Running claims on a Dask distributed cluster (``verify run --scheduler ADDRESS``).

The claims of a run are submitted to the cluster's scheduler as one task each, longest first
(as priorities), and collected as they finish; the caller journals and caches them exactly as
with the local pool (:func:`verify.parallel.run_claims`).  A task carries the claim's id, not
the claim: the worker rebuilds it from the registry or from the claim file's text (shipped
with the task, so workers need no shared disk), after importing the whole suite once
(:func:`verify.parallel.load_suite`: Hypothesis's literal pool must be the same in every
process).  Every worker must run the same suite and the same numerical libraries: on connect,
:func:`fingerprint` is compared with each worker's and a difference is refused.

A worker process runs one claim at a time whatever its thread count (mpmath's precision and
the checks' budgets are per process), so start workers with ``--nthreads 1`` and as many
``--nworkers`` as cores.  On a worker's thread the check's SIGALRM safety net cannot be armed:
the checks' own work limits still bound them.  ``--scheduler local`` starts a LocalCluster of
``--workers`` single-threaded processes on this machine.

dask is imported only here and only when ``--scheduler`` is given (``pip install
'stepsize-verify[cluster]'``).  Library code: never prints.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

LOCAL = "local"  # --scheduler local: a LocalCluster on this machine
TIMEOUT_ENV = "VERIFY_SCHEDULER_TIMEOUT"  # seconds to wait for a scheduler (default 10)


class ClusterError(Exception):
    """The cluster cannot be used (dask missing, scheduler unreachable, workers differ)."""


@contextlib.contextmanager
def connect(address: str, workers: int | None = None) -> Iterator[object]:
    """A ``distributed.Client`` for ``address`` (``"local"``: a LocalCluster of ``workers``
    processes), closed on exit.  Raises :class:`ClusterError` with a one-line reason."""
    try:
        import distributed
    except ImportError:
        raise ClusterError("--scheduler needs dask.distributed, which is not installed "
                           "(pip install 'stepsize-verify[cluster]')") from None
    import logging

    timeout = float(os.environ.get(TIMEOUT_ENV, "10"))
    with contextlib.ExitStack() as stack:
        try:
            if address == LOCAL:
                import dask

                # Checks start child processes (SymPy under a time limit): not from a daemon.
                stack.enter_context(dask.config.set({"distributed.worker.daemon": False}))
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                    processes=True, dashboard_address=None, silence_logs=logging.ERROR))
                client = stack.enter_context(distributed.Client(cluster, timeout=timeout))
            else:
                client = stack.enter_context(distributed.Client(address, timeout=timeout))
        except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, ValueError, ...
            reason = " ".join(str(exc).split()) or type(exc).__name__
            raise ClusterError(f"cannot reach the Dask scheduler at {address}: {reason}") \
                from None
        _same_suite(client, address)
        yield client


def _same_suite(client, address: str) -> None:
    """Refuse workers whose suite or libraries differ from this process's (their results
    would differ), daemonic workers (checks start processes), and a cluster without workers."""
    mine = fingerprint()
    theirs = client.run(_worker_facts)
    if not theirs:
        raise ClusterError(f"the Dask scheduler at {address} has no workers")
    differ = sorted(w for w, (f, _) in theirs.items() if f != mine)
    if differ:
        raise ClusterError(f"{len(differ)} worker(s) of {address} (first {differ[0]}) run "
                           "another version of the suite or its libraries: install the same "
                           "on every machine")
    daemons = sorted(w for w, (_, daemon) in theirs.items() if daemon)
    if daemons:
        raise ClusterError(f"{len(daemons)} worker(s) of {address} (first {daemons[0]}) are "
                           "daemonic processes, which cannot start the checks' subprocesses: "
                           "start them with DASK_DISTRIBUTED__WORKER__DAEMON=False")


def _worker_facts() -> tuple[str, bool]:
    """(the worker's :func:`fingerprint`, whether its process is a daemon)."""
    import multiprocessing

    return fingerprint(), multiprocessing.current_process().daemon


def fingerprint() -> str:
    """sha256 of the suite's files (code and paper data) and of the versions of Python and
    the numerical libraries (:func:`verify.cache._versions`)."""
    import importlib

    from verify.cache import _versions
    from verify.parallel import SUITE_PACKAGES

    digest = hashlib.sha256(_versions().encode())
    for package in SUITE_PACKAGES:
        root = Path(importlib.import_module(package).__path__[0])
        for path in sorted(root.rglob("*")):
            if path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class ClusterJob:
    """A claim as a cluster task: where it came from, and a claim file's text."""

    source: str | None
    claim_id: str
    occurrence: int
    text: bytes | None  # the claim file's bytes (None for the registry)


def run(client, claims: Sequence, order: Sequence[int], settings, finished, tick) -> None:
    """Run ``claims[i]`` for ``i`` in ``order`` on the cluster; ``finished(i, record)`` and
    ``tick(i, checks)`` in this process as each ends (see :func:`verify.parallel.run_claims`).
    A claim whose task fails (its workers died, ``KilledWorker``) is recorded as ``error``.
    On an exception (Ctrl-C, or raised by ``finished``) the claims not done are cancelled."""
    from distributed import as_completed

    from verify.parallel import _job, failed_record

    texts: dict[str, bytes] = {}
    run_id = uuid.uuid4().hex[:8]
    futures = {}
    for rank, i in enumerate(order):
        job = _job(claims, i)
        if job.source is not None and job.source not in texts:
            texts[job.source] = Path(job.cwd, job.source).read_bytes()
        task = ClusterJob(job.source, job.claim_id, job.occurrence,
                          texts.get(job.source))
        future = client.submit(work, task, settings, pure=False, priority=len(order) - rank,
                               key=f"verify-{run_id}-{i}-{claims[i].id}")
        futures[future] = i
    try:
        for future in as_completed(futures):
            i = futures[future]
            try:
                record = future.result()
            except Exception as exc:  # noqa: BLE001 - KilledWorker, or raised outside checks
                record = failed_record(claims[i], settings, f"{type(exc).__name__}: {exc}")
            tick(i, len(record["evidence"]))
            finished(i, record)
    finally:
        client.cancel([f for f in futures if not f.done()])


# ---------------------------------------------------------------- on a worker

_ONE_AT_A_TIME = threading.Lock()  # one claim per worker process, whatever its thread count
_CLAIMS: dict[tuple, list] = {}  # claims by (source, text), built once per worker


def work(job: ClusterJob, settings) -> dict:
    """The record of one claim, computed on a worker."""
    from verify import parallel

    with _ONE_AT_A_TIME:
        parallel.one_thread_per_worker()
        parallel.load_suite()  # imports once; later calls find every module loaded
        key = (job.source, job.text)
        if key not in _CLAIMS:
            _CLAIMS[key] = _rebuild(job)
        return parallel.record_for(parallel.nth_claim(_CLAIMS[key], job), settings)


def _rebuild(job: ClusterJob) -> list:
    """The claims of the job's source; a claim file parsed from its shipped text under its path
    as on the client (the path is part of the record: replay lines name it), as
    :func:`verify.userclaims.build.claims_from_file` does."""
    if job.source is None:
        from verify.registry import all_claims

        return list(all_claims())
    from verify.userclaims.build import claim_from_spec
    from verify.userclaims.parse import parse_claims

    return [claim_from_spec(item, job.source)
            for item in parse_claims(job.text.decode("utf-8"), source=job.source)]
