"""Command line: ``python -m verify list | run | report`` (the one place that prints)."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

DEFAULT_DPS = 50


class UsageError(Exception):
    """Bad command-line input: reported on one line with exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse would print usage and exit; we want one line
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="verify", description="Verify step-size claims of deep-learning papers.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    ls = sub.add_parser("list", help="list registered claims")
    ls.add_argument("--json", action="store_true", help="print a JSON array")
    run = sub.add_parser("run", help="run checks and write a report")
    run.add_argument("targets", nargs="*", metavar="ID-or-PAPER")
    # --quick, --seed and --dps default to None so that --resume can tell a value given
    # (checked against the interrupted run's) from one left out (taken from it).
    run.add_argument("--quick", action="store_true", default=None,
                     help="smaller budgets (CI, first look)")
    run.add_argument("--seed", type=int, default=None, help="run seed (default 0)")
    run.add_argument("--out", type=Path, default=None, help="report folder (default reports/<run>)")
    run.add_argument("--check", default=None, help="run only the check with this name")
    run.add_argument("--at", default=None, metavar="NAME=VALUE,...",
                     help="replay exactly this point (a counterexample's replay line)")
    run.add_argument("--dps", type=int, default=None,
                     help=f"mpmath digits (>= 30, default {DEFAULT_DPS})")
    run.add_argument("--no-progress", action="store_true")
    _run_options(run)
    chk = sub.add_parser("check", help="check the claims of a TOML claim file")
    chk.add_argument("file", type=Path)
    chk.add_argument("targets", nargs="*", metavar="ID", help="only these claim ids")
    chk.add_argument("--quick", action="store_true", default=None)
    chk.add_argument("--seed", type=int, default=None, help="run seed (default 0)")
    chk.add_argument("--out", type=Path, default=None)
    chk.add_argument("--check", default=None, help="run only the check with this name")
    chk.add_argument("--at", default=None, metavar="NAME=VALUE,...",
                     help="replay exactly this parameter point (search checks)")
    chk.add_argument("--dps", type=int, default=None, help=f"default {DEFAULT_DPS}")
    chk.add_argument("--no-progress", action="store_true")
    _run_options(chk)
    rep = sub.add_parser("report", help="re-render index.html from a results.json")
    rep.add_argument("results", type=Path)
    rep.add_argument("--out", type=Path, default=None,
                     help="folder for index.html (default: beside the results file)")
    rep.add_argument("--against", type=Path, default=None, metavar="OLD/results.json",
                     help="an older run: mark changed statuses and changed check/claim sources")
    return p


def _run_options(sub: argparse.ArgumentParser) -> None:
    """Options of ``run`` and ``check`` about how the claims run (not what they compute)."""
    sub.add_argument("--workers", type=int, default=None, metavar="N",
                     help="worker processes (default: one per core; 1 runs in this process)")
    sub.add_argument("--resume", type=Path, default=None, metavar="DIR",
                     help="finish the interrupted run in DIR (its settings, its journal)")


def _cmd_list(args) -> int:
    from verify.registry import all_claims

    claims = all_claims()
    if args.json:
        print(json.dumps([{"id": c.id, "paper": c.ref.paper, "where": c.ref.where,
                           "statement": c.statement, "control": c.control,
                           "tiers": sorted({ch.tier.value for ch in c.checks}),
                           "checks": [ch.name for ch in c.checks]} for c in claims], indent=1))
        return 0
    for c in claims:
        tiers = ",".join(sorted({ch.tier.value for ch in c.checks}))
        print(f"{c.id:32s} {c.ref.where[:40]:40s} [{tiers}]")
        print(f"    {c.statement[:110]}")
    return 0


def _cmd_run(args) -> int:
    from verify import registry

    try:
        claims = registry.select(args.targets)
    except registry.SelectionError as exc:
        raise UsageError(str(exc)) from None
    at = _parse_at(args.at) if args.at else None
    outcomes = _execute(args, claims, at)
    # Papers hold refuted claims by design, so a plain run exits 0; a replay asks one question
    # (does the counterexample still refute?) and answers it in the exit status.
    return 0 if at is None else _exit_status(outcomes)


def _cmd_check(args) -> int:
    from verify.userclaims.build import claims_from_file
    from verify.userclaims.spec import ClaimFileError

    try:
        claims = claims_from_file(args.file)
    except ClaimFileError as exc:
        raise UsageError(str(exc)) from None
    if args.targets:
        unknown = [t for t in args.targets if t not in {c.id for c in claims}]
        if unknown:
            raise UsageError(f"{args.file} has no claim {unknown[0]!r}")
        claims = [c for c in claims if c.id in args.targets]
    at = _parse_at(args.at) if args.at else None
    return _exit_status(_execute(args, claims, at))


def _exit_status(outcomes) -> int:
    """1 when a claim is refuted or in error, else 0."""
    from verify.vocabulary import Status

    return 1 if any(o.status in (Status.REFUTED, Status.ERROR) for o in outcomes) else 0


def _parse_at(text: str) -> dict[str, str]:
    point = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError(f"--at wants NAME=VALUE pairs separated by commas, got {text!r}")
        point[name.strip()] = value.strip()
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
    try:
        if out is None:
            out = runfolder.new_run_dir(Path("reports"), started)
            stored["info"]["name"] = out.name  # the timestamp, made unique
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"cannot create report folder {out}: {exc.strerror}") from None
        with runfolder.locked(out), _sigterm_interrupts():
            return _run_locked(args, claims, out, stored, workers)
    except runfolder.RunFolderError as exc:
        raise UsageError(str(exc)) from None


def _new_settings(args, at, started) -> dict:
    """What a fresh run stores in run.json: everything that decides its results."""
    from verify import results

    return {"command": args.command, "file": _claim_file(args),
            "selection": list(args.targets),
            "seed": 0 if args.seed is None else args.seed, "quick": bool(args.quick),
            "dps": DEFAULT_DPS if args.dps is None else args.dps,
            "check": args.check, "at": at, "git_sha": results.git_sha(),
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
             "dps": args.dps, "check": args.check, "at": at, "git_sha": results.git_sha()}
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


def _run_locked(args, claims, out: Path, stored: dict, workers: int):
    """The run proper, with ``out`` locked (see :func:`_execute`)."""
    from verify import parallel, results, runfolder

    settings = parallel.Settings(stored["seed"], stored["quick"], stored["dps"],
                                 stored["check"], stored["at"])
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
    if workers > 1:
        todo = parallel.longest_first(claims, todo, previous)
    total = sum(1 for i in todo for ch in claims[i].checks
                if not settings.only or ch.name == settings.only)
    bar = _progress(total, disable=args.no_progress)
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
        bar.update(checks)

    try:
        parallel.run_claims(claims, todo, settings, workers, finished, progress)
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
    data = snapshot("complete")
    results.write(data, out)
    index = runfolder.render(data, out)
    outcomes = [results.result_from_record(records[i], c) for i, c in enumerate(claims)]
    _summary(outcomes, index)
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


def _progress(total: int, disable: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="check", disable=disable, file=sys.stderr,
                bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} checks [{elapsed}<{remaining}]{postfix}")


def _summary(outcomes, index: Path) -> None:
    from verify.vocabulary import Status

    papers = [o for o in outcomes if not o.claim.control]
    controls = [o for o in outcomes if o.claim.control]
    print()
    print(f"{'claim':34s} {'status':14s} {'strongest tier':15s} seconds")
    for o in outcomes:
        tier = o.strongest.value if o.strongest else "-"
        print(f"{o.claim.id:34s} {o.status.value:14s} {tier:15s} {o.seconds:7.1f}")
    failing = [o for o in papers if o.status in (Status.REFUTED, Status.ERROR)]
    if failing:
        from verify.explain import explain

        print()
        for o in failing:
            print(explain(o, only_failures=True))
    counts = {s: sum(o.status is s for o in papers) for s in Status}
    print()
    print("claims: " + ", ".join(f"{counts[s]} {s.value}" for s in Status))
    if controls:
        ok = sum(o.status is Status.REFUTED for o in controls)
        print(f"negative controls: {ok}/{len(controls)} refuted as expected")
    print(f"report: {index}")


def _cmd_report(args) -> int:
    from verify.report import render_report
    from verify.results import ResultsError, load

    try:
        data = load(args.results)
        older = load(args.against) if args.against else None
    except ResultsError as exc:
        raise UsageError(str(exc)) from None
    out = args.out or args.results.parent
    try:
        index = render_report(data, out, against=older)
    except OSError as exc:
        raise UsageError(f"cannot write the report into {out}: {exc.strerror or exc}") from None
    print(f"report: {index}")
    return 0


def main(argv: list[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        commands = {"list": _cmd_list, "run": _cmd_run, "check": _cmd_check,
                    "report": _cmd_report}
        return commands[args.command](args)
    except UsageError as exc:
        print(f"verify: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("verify: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
