"""Running a selection of claims: in this process, or over worker processes.

Each finished claim is handed back as its results.json record (:func:`verify.results.
claim_record`), whichever way it ran, so the output does not depend on the number of workers.
Workers are forked from a ``forkserver`` that has imported the suite (``spawn`` where there is
none) and rebuild each claim from where it came from (the registry, or its claim file) by id:
check closures are never pickled.  At most one claim per worker is handed out at a time,
longest first, so the claims running when a worker dies are known: they are retried alone, and
a claim that kills a worker alone is recorded as ``error``.  A claim sharing a computation with a
running claim (``Check.share``) is held back until that claim ends (:func:`next_free`).  Worker processes keep the
environment variables of the forkserver's start (the first pool of this process).  Where a run
surely needs a pool, the forkserver is started before the claims are built
(:func:`start_early`), so that its imports overlap this process's own.

Library code: never prints; progress and finished claims go to callbacks.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass

# Imports of the suite stay inside functions: a worker starts by unpickling this module's
# functions, and should pay for numpy, SymPy and the registry once, when it builds claims.


@dataclass(frozen=True)
class Settings:
    """What every claim of one run is checked with."""

    seed: int
    quick: bool
    dps: int
    only: str | None = None  # run only the check with this name
    at: dict[str, str] | None = None  # replay exactly this point
    budget: float | None = None  # wall-clock budget of one check (None: the defaults)
    # A folder to draw each finished claim's figures into, where the claim ran (the report's
    # figure store): drawing then overlaps the claims still running instead of following the
    # run.  Not part of a result's cache key; the PNGs are those the report would draw.
    figures: str | None = None


@dataclass(frozen=True)
class _Job:
    cwd: str  # the parent's working folder (a claim file's path may be relative to it)
    source: str | None  # the claim file, or None for the registry
    claim_id: str
    occurrence: int  # the k-th claim with this id in its source (a claim file may repeat one)


Progress = Callable[[int, int], None]  # (place of the claim in the selection, checks just done)
Finished = Callable[[int, dict], None]  # (place of the claim in the selection, its record)


def record_for(claim, settings: Settings, progress: Callable[[str], None] | None = None) -> dict:
    """Run one claim and return its results.json record; an exception becomes ``error``."""
    from verify.lazyclaims import resolved
    from verify.replay import ReplayError, ReplayPoint
    from verify.results import claim_record
    from verify.runner import run_claim

    at = ReplayPoint(settings.at) if settings.at is not None else None
    try:
        record = claim_record(run_claim(resolved(claim), settings.seed, settings.quick, settings.dps,
                                        settings.only, progress=progress, at=at,
                                        budget_s=settings.budget))
    except ReplayError:
        raise  # a replay point the check cannot use: the caller's usage error
    except Exception as exc:  # one failing claim never stops the run
        return failed_record(claim, settings, f"{type(exc).__name__}: {exc}")
    if settings.figures:
        from verify.report.figures import predraw_here

        predraw_here([spec for ev in record["evidence"] for spec in ev.get("figures") or ()],
                     settings.figures)
    return record


def failed_record(claim, settings: Settings, reason: str) -> dict:
    """The record of a claim whose checks could not run (each selected check in ``error``)."""
    from verify.lazyclaims import resolved
    from verify.results import claim_record
    from verify.runner import failed_claim

    return claim_record(failed_claim(resolved(claim), settings.seed, settings.quick, settings.only,
                                     reason))


def longest_first(claims: Sequence, todo: Sequence[int],
                  previous: dict[str, float]) -> list[int]:
    """``todo`` (places in ``claims``) in the order to hand out: claims with no earlier timing
    first (they may be long), then by decreasing earlier time; ties keep selection order."""
    def key(i: int):
        seconds = previous.get(claims[i].id)
        return (seconds is not None, -(seconds or 0.0), i)

    return sorted(todo, key=key)


def run_claims(claims: Sequence, order: Sequence[int], settings: Settings, workers: int,
               finished: Finished, progress: Progress | None = None, cache=None,
               client=None) -> None:
    """Run ``claims[i]`` for each ``i`` of ``order``; call ``finished(i, record)`` as each ends.

    With a ``cache`` (:class:`verify.cache.ResultCache`), claims whose record is stored under
    their key are handed on from it first (marked ``"cached": true``), before any worker
    starts; the others run and their records are stored.  ``workers <= 1`` (or a single claim
    left to run) runs in this process, one claim after another (``progress`` per check);
    otherwise a pool of ``workers`` processes (``progress`` per claim).  With a Dask ``client``
    (:mod:`verify.cluster`) the claims left run on its cluster instead, whatever ``workers``
    says (``progress`` per claim).  An exception raised by ``finished`` or a KeyboardInterrupt
    stops the run: claims not started are dropped and the workers are stopped before it
    propagates.
    """
    def tick(i: int, checks: int) -> None:
        if progress:
            progress(i, checks)

    pool = client is None and workers > 1 and len(order) > 1
    if cache is not None:
        order, finished = _from_cache(claims, order, settings, cache, finished, tick,
                                      on_miss=start_early if pool else None)
    if not order:
        return
    if client is not None:
        from verify import cluster

        cluster.run(client, claims, order, settings, finished, tick)
        return
    workers = min(workers, len(order))  # no pool to start for one claim
    if workers <= 1:
        load_suite()
        for i in order:
            tick(i, 0)
            finished(i, record_for(claims[i], settings, progress=lambda _, i=i: tick(i, 1)))
        return
    _Pool(claims, settings, workers, finished, tick).run(order)


def _from_cache(claims: Sequence, order: Sequence[int], settings: Settings, cache,
                finished: Finished, tick: Progress,
                on_miss: Callable[[], None] | None = None) -> tuple[list[int], Finished]:
    """Hand on the cached records of ``order``; return the claims left to run and a
    ``finished`` that also stores their records.  ``on_miss`` is called at the second claim
    that has to run (the pool's processes can start while the other keys are looked up; one
    claim alone runs in this process, so a re-run after editing one claim starts no pool)."""
    keys: dict[int, str] = {}
    rest = []
    for i in order:
        try:
            key = cache.key(claims[i], settings)
        except Exception:  # noqa: BLE001 - a claim whose hash fails just runs, uncached
            key, record = None, None
        else:
            record = cache.get(key, claims[i].id)
        if record is None:
            if on_miss is not None and len(rest) == 1:
                on_miss()
            if key is not None:
                keys[i] = key
            rest.append(i)
        else:
            tick(i, len(record["evidence"]))
            finished(i, record)

    cache.save_check_hashes()

    def store(i: int, record: dict) -> None:
        if i in keys:
            cache.put(keys[i], record)
        finished(i, record)

    return rest, store


SUITE_PACKAGES = ("verify", "proofs", "numerics")


def suite_modules() -> list[str]:
    """The names of every module of the suite (``__main__`` modules left out)."""
    import importlib
    import pkgutil

    names = []
    for package in SUITE_PACKAGES:
        path = importlib.import_module(package).__path__
        names += [m.name for m in pkgutil.walk_packages(path, package + ".")
                  if not m.name.endswith(".__main__")]
    return names


def load_suite() -> None:
    """Import every module of the suite into this process (once; about 2 s of CPU).

    Why: Hypothesis adds the literals of every module of *local* code loaded when a search runs
    to the values it tries (``hypothesis.internal.conjecture.providers._get_local_constants``),
    so a search's examples depend on which of the suite's modules happen to be imported, and
    checks import theirs lazily.  With all of them loaded before the first claim, that is the
    same in every worker and in this process, whatever ran there before: results do not depend
    on the worker count or on the order claims are handed out in.  (Local modules that are not
    the suite's, such as test files under pytest, still count: compare runs of the CLI.)
    """
    import importlib

    for name in suite_modules():
        try:
            importlib.import_module(name)
        except ImportError:  # an optional backend (torch) that is not installed
            pass


def shared_keys(claim) -> frozenset[str]:
    """The keys of the computations ``claim``'s checks share with other claims (``Check.
    share``); for a lazy paper claim those its table states (``LazyClaim.shares``: asking its
    checks would build it here)."""
    from verify.lazyclaims import LazyClaim

    if isinstance(claim, LazyClaim):
        return claim.shares
    return frozenset(c.share for c in claim.checks if c.share)


def next_free(claims: Sequence, queue: Sequence[int], running) -> int | None:
    """The place in ``queue`` of the first claim that shares no computation with a running
    claim (None: every one left does).  A shared check is computed once per process
    (:func:`verify.runner.run_check`): a claim held back until the claim it shares with ends
    is taken by the worker that just computed it, when the other workers are busy.  Which
    worker takes it changes its time only, never its result (the check is seeded by its key)."""
    busy = frozenset().union(*(shared_keys(claims[j]) for j in running))
    if not busy:
        return 0 if queue else None
    return next((k for k, i in enumerate(queue) if not shared_keys(claims[i]) & busy), None)


def _job(claims: Sequence, i: int) -> _Job:
    """How a worker finds ``claims[i]`` again.  A selection takes every claim with a given id
    or none, so counting within it counts within the claim's source."""
    claim = claims[i]
    return _Job(os.getcwd(), claim.source, claim.id,
                sum(1 for c in claims[:i] if c.id == claim.id))


class _Pool:
    """The scheduler over a process pool (see the module docstring)."""

    def __init__(self, claims, settings: Settings, workers: int, finished: Finished,
                 tick: Progress):
        self.claims, self.settings, self.workers = claims, settings, workers
        self.finished, self.tick = finished, tick
        self.running: dict[Future, int] = {}
        self.suspects: set[int] = set()  # claims running when a worker died: retried alone
        self.executor: ProcessPoolExecutor | None = None

    def run(self, order: Sequence[int]) -> None:
        queue = deque(order)
        try:
            while queue or self.running:
                self._submit(queue)
                done, _ = wait(self.running, return_when=FIRST_COMPLETED)
                broken = False
                for future in done:
                    broken |= self._collect(future, queue)
                if broken:  # every future of a broken pool fails: collect them, start afresh
                    for future in list(self.running):
                        self._collect(future, queue)
                    self._replace()
        finally:
            self._stop()

    def _submit(self, queue: deque) -> None:
        """Hand out claims while a worker is free; a suspect only to an otherwise idle pool;
        a claim sharing a computation with a running one only after it (:func:`next_free`)."""
        while queue and len(self.running) < self.workers:
            alone = queue[0] in self.suspects
            if alone and self.running:
                return
            place = 0 if alone else next_free(self.claims, queue, self.running.values())
            if place is None:
                return  # every claim left waits for one running
            if self.executor is None:
                self.executor = ProcessPoolExecutor(self.workers, mp_context=_context(),
                                                    initializer=_init_worker)
            i = queue[place]
            del queue[place]
            try:
                future = self.executor.submit(_work, _job(self.claims, i), self.settings)
            except BrokenProcessPool:  # a worker died; its claim's future is not in yet
                queue.insert(place, i)
                if self.running:
                    return  # collecting that future marks the suspects and starts a new pool
                self._replace()  # died with nothing to run: nobody to blame
                continue
            self.running[future] = i
            if alone:
                return

    def _collect(self, future: Future, queue: deque) -> bool:
        """Hand a finished future's record on; True when its worker process died."""
        i = self.running.pop(future)
        claim = self.claims[i]
        try:
            record = future.result()
        except BrokenProcessPool as exc:
            if i not in self.suspects:
                self.suspects.add(i)
                queue.appendleft(i)
                return True
            record = failed_record(claim, self.settings, "the worker process running this "
                                   f"claim (alone) died: {exc}")
        except Exception as exc:  # raised in the worker outside the checks: an error record
            record = failed_record(claim, self.settings, f"{type(exc).__name__}: {exc}")
        self.tick(i, len(record["evidence"]))
        self.finished(i, record)
        return False

    def _replace(self) -> None:
        """Drop a broken pool; the next submission starts a fresh one."""
        self.executor.shutdown(wait=True)
        self.executor = None

    def _stop(self) -> None:
        """Shut the pool down; when interrupted, cancel what waits and end the workers."""
        if self.executor is None:
            return
        self.executor.shutdown(wait=False, cancel_futures=True)
        if self.running:  # claims still running: their results are not wanted any more
            for process in list((getattr(self.executor, "_processes", None) or {}).values()):
                process.terminate()
        self.executor.shutdown(wait=True)
        self.executor = None


BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def start_early() -> None:
    """Start the pool's ``forkserver`` now (see :func:`_context`), before its first claim is
    handed out: it imports the suite on one core (a few seconds) while this process does
    something else on another (builds the claims, looks up the cache).  A no-op where there
    is no forkserver, or when it runs already; results do not depend on it."""
    ctx = _context()
    if ctx.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        forkserver.ensure_running()


def _context():
    """``forkserver`` where there is one, with the suite imported in the server once (workers
    forked from it start at once, and it serves every run of this process); else ``spawn``."""
    # The workers fill the cores: BLAS threads of their own would only contend for them (and
    # OpenBLAS's idle threads spin, costing CPU time under load).  Read by numpy's BLAS when the
    # forkserver (or a spawned worker) imports it; results do not depend on it.
    for var in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(var, "1")
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # matplotlib too: the report's module imports it only when a figure is drawn, and every
    # worker draws its claims' figures.
    # SciPy too: the engines import it where they use it (numerics.SCIPY_MODULES).
    from numerics import SCIPY_MODULES

    ctx.set_forkserver_preload(suite_modules() + ["matplotlib.figure", "matplotlib.style",
                                                  *SCIPY_MODULES])
    return ctx


# ---------------------------------------------------------------- in the worker

_CLAIMS: dict[str | None, list] = {}


def _init_worker() -> None:
    # Ctrl-C reaches every process of the terminal's group; the parent alone handles it
    # (it stops the workers), so workers print no tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    one_thread_per_worker()
    load_suite()  # already done when forked from a preloaded forkserver


def one_thread_per_worker() -> None:
    """In a worker process: batched kernels run on one thread (the workers fill the cores),
    unless ``STEPSIZE_VERIFY_THREADS`` says otherwise.  Results do not depend on it."""
    os.environ.setdefault("STEPSIZE_VERIFY_THREADS", "1")


def _work(job: _Job, settings: Settings) -> dict:
    if os.getcwd() != job.cwd:  # a forkserver keeps the folder it was started in
        os.chdir(job.cwd)
    if job.source not in _CLAIMS:
        if job.source is None:
            from verify.registry import all_claims

            _CLAIMS[None] = all_claims(lazy=True)  # build only the files of its claims
        else:
            from verify.userclaims.build import claims_from_file

            _CLAIMS[job.source] = claims_from_file(job.source)
    return record_for(nth_claim(_CLAIMS[job.source], job), settings)


def nth_claim(claims: Sequence, job):
    """The claim ``job`` (a :class:`_Job` or a cluster job) names among its source's claims."""
    same_id = [c for c in claims if c.id == job.claim_id]
    if job.occurrence >= len(same_id):
        raise LookupError(f"claim {job.claim_id!r} not found again in "
                          f"{job.source or 'the registry'} by the worker")
    return same_id[job.occurrence]
