"""Command line: ``python -m verify list | run | report`` (the one place that prints)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime as dt
import json
import os
import shlex
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

DEFAULT_DPS = 50
EXPORTS = {"html": "index.html", "markdown": "review.md", "junit": "junit.xml"}


class UsageError(Exception):
    """Bad command-line input: reported on one line with exit status 2."""


class _Exit(Exception):
    """argparse finished the command itself (``--help``, ``--version``): exit with ``status``."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit; we want one line
        raise UsageError(message)

    def exit(self, status: int = 0, message: str | None = None):  # return from main, no exit
        if message:
            print(message, file=sys.stderr, end="")
        raise _Exit(status)


def version() -> str:
    """The installed distribution's version, else the package's own (a source checkout)."""
    from importlib import metadata

    try:
        return metadata.version("stepsize-verify")
    except metadata.PackageNotFoundError:
        from verify import __version__

        return __version__


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verify", description="Verify step-size claims of deep-learning papers.")
    p.add_argument("--version", action="version", version=f"verify {version()}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="list registered claims")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    run = sub.add_parser("run", help="run checks and write a report")
    run.add_argument("targets", nargs="*", metavar="ID-or-PAPER")
    _run_options(run, "replay exactly this point (a counterexample's replay line)")
    chk = sub.add_parser("check", help="check the claims of a TOML claim file")
    chk.add_argument("file", type=Path)
    chk.add_argument("targets", nargs="*", metavar="ID", help="only these claim ids")
    _run_options(chk, "replay exactly this parameter point (search checks)")
    rep = sub.add_parser("report", help="re-render index.html from a results.json")
    rep.add_argument("results", type=Path)
    rep.add_argument("--out", type=Path, default=None,
                     help="folder for the output (default: beside the results file)")
    rep.add_argument("--format", choices=sorted(EXPORTS), default="html",
                     help="html: the report page (index.html); markdown: a summary to paste "
                          "into a review (review.md); junit: JUnit XML for CI (junit.xml)")
    rep.add_argument("--against", type=Path, default=None, metavar="OLD/results.json",
                     help="an older run: mark changed statuses and changed check/claim sources")
    return p


def _seconds(text: str) -> float:
    """A positive, finite number of seconds (``--budget``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value


def _run_options(sub: argparse.ArgumentParser, at_help: str) -> None:
    """Options shared by ``run`` and ``check``: what they compute (--quick, --seed, --dps,
    --check, --at), where the report goes, and how the claims run."""
    # --quick, --seed and --dps default to None so that --resume can tell a value given
    # (checked against the interrupted run's) from one left out (taken from it).
    sub.add_argument("--quick", action="store_true", default=None,
                     help="smaller budgets (CI, first look)")
    sub.add_argument("--seed", type=int, default=None, help="run seed (default 0)")
    sub.add_argument("--out", type=Path, default=None, help="report folder (default reports/<run>)")
    sub.add_argument("--check", default=None, help="run only the check with this name")
    sub.add_argument("--at", default=None, metavar="NAME=VALUE,...", help=at_help)
    sub.add_argument("--dps", type=int, default=None,
                     help=f"mpmath digits (>= 30, default {DEFAULT_DPS})")
    sub.add_argument("--no-progress", action="store_true")
    sub.add_argument("--verbose", "-v", action="store_true",
                     help="also print every claim and every counterexample")
    sub.add_argument("--workers", type=int, default=None, metavar="N",
                     help="worker processes (default: one per core; 1 runs in this process)")
    sub.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the claims on the Dask cluster whose scheduler is at ADDRESS "
                          "(tcp://host:8786), or 'local' for a LocalCluster of --workers "
                          "processes here; needs stepsize-verify[cluster]")
    sub.add_argument("--resume", type=Path, default=None, metavar="DIR",
                     help="finish the interrupted run in DIR (its settings, its journal)")
    sub.add_argument("--budget", type=_seconds, default=None, metavar="SECONDS",
                     help="wall-clock budget of one check (default: 120 s quick / 300 s full for "
                          "claim-file proof attempts, 10x that as every check's safety net); "
                          "a check past it is undecided ('budget exhausted')")
    sub.add_argument("--no-cache", action="store_true",
                     help="run every claim afresh (default: reuse a claim's record from the "
                          "user cache while its data, its checks' code and the settings are "
                          "unchanged)")


def _cmd_list(args) -> int:
    from verify.registry import all_claims

    claims = all_claims()
    if args.json:
        print(json.dumps([{"id": c.id, "paper": c.ref.paper, "where": c.ref.where,
                           "statement": c.statement, "control": c.control,
                           "tiers": sorted({ch.tier.value for ch in c.checks}),
                           "asserts": c.asserts, "derivations": _cited(c),
                           "checks": [ch.name for ch in c.checks]} for c in claims], indent=1))
        return 0
    from verify.explain import clip, one_line

    width = max((len(c.id) for c in claims), default=0)
    for c in claims:  # three lines a claim, each within the summary's 100 columns
        tiers = ",".join(sorted({ch.tier.value for ch in c.checks}))
        head = f"{c.id:{width}s} [{tiers}] "
        print(head + clip(one_line(c.ref.where), SCREEN[0] - len(head)))
        print("    " + clip(one_line(c.statement), SCREEN[0] - 4))
        # The relation the checks test (Claim.asserts), which the prose may only paraphrase.
        print("    checks: " + clip(one_line(c.asserts), SCREEN[0] - 12))
        for line in _cited(c):  # a cited derivation (claim files: derivation = NAME)
            print("    proof: " + clip(one_line(line), SCREEN[0] - 11))
    return 0


def _cited(claim) -> list[str]:
    """The cited derivations of a claim (its ``derivation NAME`` hypotheses, a part's
    ``PART: derivation NAME`` included), each as ``NAME: where: route``."""
    hyp = claim.hypotheses if isinstance(claim.hypotheses, dict) else {}
    return [f"{k.split('derivation ', 1)[1]}: {v}" for k, v in hyp.items()
            if k.startswith("derivation ") or ": derivation " in k]


def _start_workers_early(args) -> None:
    """Start the worker pool's processes before the claims are built, where a run surely
    needs them (every claim runs: no cache; a pool: not one claim, not a replay, not a
    cluster): they import the suite on the other core meanwhile.  With the cache, they start
    at the second claim that is not cached (:func:`verify.parallel.run_claims`)."""
    from verify import parallel
    from verify.cache import disabled_by_environment as cache_off

    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    one_claim = args.command == "run" and len(args.targets) == 1 and "." in args.targets[0]
    if (workers > 1 and not args.at and args.scheduler is None and args.resume is None
            and (args.no_cache or cache_off()) and not one_claim):
        parallel.start_early()


def _cmd_run(args) -> int:
    from verify import registry

    _start_workers_early(args)
    try:
        # A data claim is built only where it has to run (verify.lazyclaims): a cached run
        # keys it without building it, and a pool's worker builds the claims it runs, so this
        # process need not build them all first (~1.5 s of CPU while the workers start).
        claims = registry.select(args.targets, lazy=True)
    except registry.SelectionError as exc:
        raise UsageError(str(exc)) from None
    at = _parse_at(args.at, claims) if args.at else None
    outcomes = _execute(args, claims, at)
    # Papers hold refuted claims by design, so a plain run exits 0; a replay asks one question
    # (does the counterexample still refute?) and answers it in the exit status.
    return 0 if at is None else _exit_status(outcomes)


def _cmd_check(args) -> int:
    from verify.userclaims.build import claims_from_file
    from verify.userclaims.spec import ClaimFileError

    _start_workers_early(args)
    try:
        claims = claims_from_file(args.file)
    except ClaimFileError as exc:
        raise UsageError(str(exc)) from None
    if args.targets:
        unknown = [t for t in args.targets if t not in {c.id for c in claims}]
        if unknown:
            raise UsageError(f"{args.file} has no claim {unknown[0]!r}")
        claims = [c for c in claims if c.id in args.targets]
    at = _parse_at(args.at, claims) if args.at else None
    return _exit_status(_execute(args, claims, at))


def _exit_status(outcomes) -> int:
    """1 when a claim is refuted or in error, else 0."""
    from verify.vocabulary import Status

    return 1 if any(o.status in (Status.REFUTED, Status.ERROR) for o in outcomes) else 0


def _parse_at(text: str, claims) -> dict[str, str]:
    """The validated replay point (finite values, inside each selected claim's box)."""
    from verify.replay import ReplayError, check_in_box, parse_at

    try:
        point = parse_at(text)
        for claim in claims:
            if claim.replay_box is not None:
                check_in_box(point, claim.replay_box)
    except ReplayError as exc:
        raise UsageError(str(exc)) from None
    return point


def _execute(args, claims, at):
    """Run the selected claims into a locked run folder, journaling each as it finishes; write
    results.json and index.html atomically, print the summary.  Ctrl-C leaves an incomplete
    results.json (from the journal) that ``--resume`` finishes."""
    from verify import runfolder

    started = dt.datetime.now(dt.timezone.utc)
    if args.resume is not None:
        out, stored, claims = _resumed(args, claims, at)
    else:
        stored = _new_settings(args, at, started)
        out = args.out
    if stored["dps"] < 30:
        raise UsageError(f"--dps must be at least 30, got {stored['dps']}")
    if stored["check"] and not any(ch.name == stored["check"] for c in claims for ch in c.checks):
        raise UsageError(f"no selected claim has a check named {stored['check']!r}")
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    if workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    scheduler = args.scheduler
    if scheduler is not None and scheduler != "local" and args.workers is not None:
        raise UsageError("--workers sizes the local pool (or --scheduler local); a remote "
                         "cluster runs on the workers it has")
    if stored["at"]:
        workers = 1  # a replay is one point: no pool, and a bad point surfaces as usage error
        scheduler = None
    try:
        # The cluster first: an unreachable scheduler leaves no run folder behind.
        with _cluster_client(scheduler, workers) as client:
            if out is None:
                out = runfolder.new_run_dir(Path("reports"), started)
                stored["info"]["name"] = out.name  # the timestamp, made unique
            try:
                out.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise UsageError(f"cannot create report folder {out}: {exc.strerror}") from None
            with runfolder.locked(out), _sigterm_interrupts():
                return _run_locked(args, claims, out, stored, workers, client)
    except runfolder.RunFolderError as exc:
        raise UsageError(str(exc)) from None


@contextlib.contextmanager
def _cluster_client(scheduler: str | None, workers: int):
    """A Dask client for ``--scheduler`` (None without it); dask is imported only here."""
    if scheduler is None:
        yield None
        return
    from verify import cluster

    try:
        with cluster.connect(scheduler, workers) as client:  # ClusterError: only on connect
            yield client
    except cluster.ClusterError as exc:
        raise UsageError(str(exc)) from None


def _new_settings(args, at, started) -> dict:
    """What a fresh run stores in run.json: everything that decides its results."""
    from verify import results

    return {"command": args.command, "file": _claim_file(args),
            "selection": list(args.targets),
            "seed": 0 if args.seed is None else args.seed, "quick": bool(args.quick),
            "dps": DEFAULT_DPS if args.dps is None else args.dps,
            "check": args.check, "at": at, "budget": args.budget, "git_sha": results.git_sha(),
            "info": {"name": started.strftime("%Y-%m-%dT%H-%M-%S"),
                     "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
                     "command": "python -m verify " + " ".join(shlex.quote(a)
                                                               for a in sys.argv[1:])}}


def _claim_file(args) -> dict | None:
    """For ``check``: the claim file's path and the sha256 of its bytes (a resume refuses a
    file that changed)."""
    import hashlib

    if args.command != "check":
        return None
    return {"path": str(args.file.resolve()),
            "sha256": hashlib.sha256(args.file.read_bytes()).hexdigest()}


def _resumed(args, claims, at):
    """(folder, stored settings, claims) for ``--resume DIR``; UsageError on any conflict."""
    from verify import registry, results, runfolder

    folder = args.resume
    if args.out is not None and args.out.resolve() != folder.resolve():
        raise UsageError(f"--resume {folder} writes into {folder}; leave out --out {args.out}")
    try:
        stored = runfolder.settings(folder)
    except runfolder.RunFolderError as exc:
        raise UsageError(str(exc)) from None
    given = {"command": args.command, "file": _claim_file(args),
             "selection": list(args.targets) or None, "seed": args.seed, "quick": args.quick,
             "dps": args.dps, "check": args.check, "at": at, "budget": args.budget,
             "git_sha": results.git_sha()}
    for key, value in given.items():
        if value is not None and value != stored.get(key):
            raise UsageError(f"cannot resume {folder}: it was started with {key} "
                             f"{stored.get(key)!r}, this command has {value!r}")
    selection = stored["selection"]
    if args.command == "run":
        try:
            claims = registry.select(selection)
        except registry.SelectionError as exc:
            raise UsageError(f"cannot resume {folder}: {exc}") from None
    elif selection:  # `check FILE --resume DIR` without ids: the ids of the interrupted run
        claims = [c for c in claims if c.id in selection]
    return folder, stored, claims


def _run_locked(args, claims, out: Path, stored: dict, workers: int, client=None):
    """The run proper, with ``out`` locked (see :func:`_execute`)."""
    from verify import parallel, results, runfolder
    from verify.cache import ResultCache, cache_root
    from verify.cache import disabled_by_environment as cache_off
    from verify.replay import ReplayError

    settings = parallel.Settings(stored["seed"], stored["quick"], stored["dps"],
                                 stored["check"], stored["at"], stored.get("budget"))
    info = {"name": stored["info"]["name"], "started": stored["info"]["started"],
            "seconds": "0.0", "quick": settings.quick, "selection": stored["selection"],
            # With --check or --at, statuses rest on that check or that point alone.
            "only_check": settings.only, "at": settings.at,
            "command": stored["info"]["command"]}

    def snapshot(status: str) -> dict:
        done = [records[i] for i in sorted(records)]
        return results.assemble(done, {**info, "status": status}, settings.seed, settings.dps,
                                complete=status == "complete")

    previous: dict[str, float] = {}
    if args.resume is not None:
        records = runfolder.read_journal(out)
        if any(i >= len(claims) or claims[i].id != r.get("id") for i, r in records.items()):
            raise UsageError(f"cannot resume {out}: its journal does not match the claims "
                             f"selected by its run.json")
    else:
        previous = runfolder.previous_timings(out, settings.quick)
        records = {}
        runfolder.start(out, stored, json.dumps(snapshot("running"), indent=1) + "\n")
    todo = [i for i in range(len(claims)) if i not in records]
    if workers > 1 or client is not None:
        todo = parallel.longest_first(claims, todo, previous)
    cache = None if args.no_cache or cache_off() else ResultCache()

    def check_names(claim) -> list[str]:  # a cached lazy claim's without building it
        return cache.check_names(claim) if cache else [ch.name for ch in claim.checks]

    # A pool reports each claim as it ends; without a cache to name a lazy claim's checks the
    # bar then counts claims, so that this process builds none of them just to count.
    by_claim = cache is None and (client is not None or (workers > 1 and len(todo) > 1))
    total = len(todo) if by_claim else sum(
        1 for i in todo for name in check_names(claims[i])
        if not settings.only or name == settings.only)
    bar = _progress(total, disable=args.no_progress, unit="claim" if by_claim else "check")
    journal = runfolder.Journal(out)
    stop_after = _interrupt_after()
    t0 = time.perf_counter()

    def finished(i: int, record: dict) -> None:
        journal.append(i, record)
        records[i] = record
        if stop_after is not None and len(records) - (len(claims) - len(todo)) >= stop_after:
            raise KeyboardInterrupt  # the test hook: see _interrupt_after

    def progress(i: int, checks: int) -> None:
        bar.set_postfix_str(claims[i].id, refresh=False)
        bar.update(1 if by_claim else checks)

    # The report's figures are drawn where each claim ran, as it ends (by pool workers only,
    # not a cluster's: their folders are not this machine's), into the figure cache or, without
    # one, a folder of this run's own that the report reads and that is removed after it.
    figures = None if cache is None else cache_root() / "figures"
    with contextlib.ExitStack() as stack:
        if client is None and workers > 1:
            if figures is None:
                figures = Path(stack.enter_context(
                    tempfile.TemporaryDirectory(dir=out, prefix=".figures-")))
            settings = dataclasses.replace(settings, figures=str(figures))
        try:
            parallel.run_claims(claims, todo, settings, workers, finished, progress, cache,
                                client)
        except ReplayError as exc:  # raised only for a replay point the check cannot use
            raise UsageError(str(exc)) from None
        except KeyboardInterrupt:
            bar.close()
            journal.close()
            # The journal, not `records`: Ctrl-C may land between its append and the dict's.
            records = runfolder.read_journal(out)
            info["seconds"] = f"{time.perf_counter() - t0:.1f}"
            results.write(snapshot("incomplete"), out)
            verb = "run" if args.command == "run" else f"check {shlex.quote(str(args.file))}"
            print(f"interrupted: {len(records)} of {len(claims)} claims saved in {out}; finish "
                  f"with: python -m verify {verb} --resume {shlex.quote(str(out))}")
            raise
        finally:
            bar.close()
            journal.close()
        info["seconds"] = f"{time.perf_counter() - t0:.1f}"
        if len(todo) < len(claims):
            info["resumed_claims"] = str(len(claims) - len(todo))
        info["cached_claims"] = str(sum(1 for r in records.values() if r.get("cached")))
        data = snapshot("complete")
        results.write(data, out)
        index = _render_with_progress(data, out, args.no_progress, figures,
                                      None if cache is None else cache_root() / "mathml.json")
    outcomes = [results.result_from_record(records[i], c) for i, c in enumerate(claims)]
    # The records as they are: rebuilding them from the outcomes would hash each claim again.
    _summary([records[i] for i in range(len(claims))], index, getattr(args, "verbose", False))
    if settings.only or settings.at:
        print("note: a partial replay (--check/--at); the statuses above rest on it alone")
    return outcomes


def _interrupt_after() -> int | None:
    """Test hook: with VERIFY_TEST_INTERRUPT_AFTER=N, a run behaves as if Ctrl-C came right
    after its N-th claim was journaled (tests/test_runner_safety.py uses it)."""
    value = os.environ.get("VERIFY_TEST_INTERRUPT_AFTER")
    return int(value) if value else None


@contextlib.contextmanager
def _sigterm_interrupts():
    """While a run holds its folder, ``kill`` (SIGTERM) ends it as Ctrl-C does: the journal is
    kept and an incomplete results.json written (SIGKILL leaves the marker written at start)."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, before)


def _render_with_progress(data: dict, out: Path, disable: bool,
                          figure_cache: Path | None = None,
                          conversions: Path | None = None) -> Path:
    """Render the report, with a progress bar (drawing figures takes a while on a full run)."""
    from tqdm import tqdm

    from verify import runfolder

    bar = tqdm(total=None, desc="report", unit="claim", disable=disable, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    try:
        return runfolder.render(data, out, progress=progress, figure_cache=figure_cache,
                                conversions=conversions)
    finally:
        bar.close()


def _progress(total: int, disable: bool, unit: str = "check"):
    from tqdm import tqdm

    return tqdm(total=total, unit=unit, disable=disable, file=sys.stderr,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} " + unit
                           + "s [{elapsed}<{remaining}]{postfix}")


SCREEN = (100, 40)  # columns, lines: the summary of a full run fits one terminal of this size


def _summary(records: list[dict], index: Path, verbose: bool = False) -> None:
    """Print what a reviewer needs first, in at most 40 lines of at most 100 columns: counts by
    paper and status, each refuted or error claim with its reason, the negative controls in one
    line, and the report's path.  ``--verbose`` prints every claim and every counterexample
    first.  ``records``: the run's results.json records."""
    if verbose:
        print("\n".join(_claim_table(records)))
        print("\n".join(_failure_details(records)))
    print("\n".join(summary_lines(records, index)))


def summary_lines(records: list[dict], index: Path | str, screen: tuple[int, int] = SCREEN
                  ) -> list[str]:
    """The summary as lines (see :func:`_summary`); failing claims beyond the screen are
    counted in one line that points to the report."""
    from verify.explain import clip, controls, failing, reason

    width, height = screen
    lines = _counts_table(records)
    done, total = controls(records)
    if total:
        lines.append(f"negative controls: {done}/{total} refuted as expected")
    bad = failing(records)
    room = height - len(lines) - 1  # the report line comes last
    shown = bad if len(bad) <= room else bad[: max(room - 1, 0)]
    idw = max((len(str(r.get("id"))) for r in shown), default=0)
    for r in shown:
        head = f"{str(r.get('id')):{idw}s} {str(r.get('status')):7s} "
        lines.append(head + clip(reason(r, with_check=False), width - len(head)))
    if len(shown) < len(bad):  # the rest by id, as many as the line holds
        rest = ", ".join(str(r.get("id")) for r in bad[len(shown):])
        lines.append(clip(f"... and {len(bad) - len(shown)} more refuted/error claims (report, "
                          f"--verbose): {rest}", width))
    lines.append(f"report: {index}")
    return lines


def _counts_table(records: list[dict]) -> list[str]:
    """Claims by paper (rows) and status (columns; confirmed claims by strength: proven,
    proven-on-instances, sampled), with a total column; an 'all' row when the run spans several
    papers."""
    from verify.explain import VERDICTS, counts_by_paper

    table = counts_by_paper(records)
    if len(table) > 1:
        table["all"] = {s: sum(row.get(s, 0) for row in table.values()) for s in VERDICTS}
    head = ["paper", *VERDICTS, "total"]
    rows = [[paper, *(str(row.get(s, 0)) for s in VERDICTS), str(sum(row.values()))]
            for paper, row in table.items()]
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    return [" ".join(f"{c:{w}s}" if i == 0 else f"{c:>{w}s}"
                     for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in [head, *rows]]


def _claim_table(records: list[dict]) -> list[str]:
    """Every claim on one line: id, status, strength, seconds (``--verbose``)."""
    lines = [f"{'claim':44s} {'status':13s} {'strength':19s} seconds"]
    for r in records:
        lines.append(f"{str(r.get('id')):44s} {str(r.get('status')):13s} "
                     f"{str(r.get('strength') or '-'):19s} {str(r.get('seconds')):>7s}")
    return lines


def _failure_details(records: list[dict]) -> list[str]:
    """Each refuted/error claim with its failing checks and counterexamples (``--verbose``)."""
    from verify.explain import explain_record, failing

    out = []
    for r in failing(records):
        out += ["", explain_record(r, only_failures=True)]
    return out + [""]


def _cmd_report(args) -> int:
    from verify.results import ResultsError, load

    try:
        data = load(args.results)
        older = load(args.against) if args.against else None
    except ResultsError as exc:
        raise UsageError(str(exc)) from None
    if older is not None and args.format != "html":
        raise UsageError("--against marks changes in the html report only (use --format html)")
    out = args.out or args.results.parent
    try:
        path = _export(args.format, data, out, older)
    except OSError as exc:
        raise UsageError(f"cannot write the report into {out}: {exc.strerror or exc}") from None
    print(f"{'report' if args.format == 'html' else args.format}: {path}")
    return 0


def _export(fmt: str, data: dict, out: Path, older: dict | None) -> Path:
    """Write ``data`` in format ``fmt`` into the folder ``out``; the file's path."""
    if fmt == "html":
        from verify.report import render_report

        return render_report(data, out, against=older)
    from verify import exports

    text = exports.markdown(data) if fmt == "markdown" else exports.junit(data)
    out.mkdir(parents=True, exist_ok=True)
    path = out / EXPORTS[fmt]
    path.write_text(text, encoding="utf-8")
    return path


def _hypothesis_home() -> None:
    """Keep Hypothesis's files (its cache of source constants; the suite's searches use no
    example database) out of the caller's working folder: in the user cache, unless the caller
    chose a place.  Set in the environment so worker processes inherit it."""
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY",
                          os.path.join(root, "stepsize-verify", "hypothesis"))


def main(argv: list[str] | None = None) -> int:
    _hypothesis_home()
    try:
        args = _parser().parse_args(argv)
        commands = {"list": _cmd_list, "run": _cmd_run, "check": _cmd_check,
                    "report": _cmd_report}
        status = commands[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler below
        return status
    except _Exit as done:
        return done.status
    except UsageError as exc:
        print(f"verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (``verify list | head -1``): stop quietly, as cat does.  Python's
        # recipe: point stdout at devnull so the flush at interpreter exit cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + 13  # killed by SIGPIPE, in the shell's convention


if __name__ == "__main__":
    sys.exit(main())
