"""Command line: ``python -m verify list | run | report`` (the one place that prints)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shlex
import sys
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
    run.add_argument("--quick", action="store_true", help="smaller budgets (CI, first look)")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--out", type=Path, default=None, help="report folder (default reports/<run>)")
    run.add_argument("--check", default=None, help="run only the check with this name")
    run.add_argument("--at", default=None, metavar="NAME=VALUE,...",
                     help="replay exactly this point (a counterexample's replay line)")
    run.add_argument("--dps", type=int, default=DEFAULT_DPS, help="mpmath digits (>= 30)")
    run.add_argument("--no-progress", action="store_true")
    chk = sub.add_parser("check", help="check the claims of a TOML claim file")
    chk.add_argument("file", type=Path)
    chk.add_argument("targets", nargs="*", metavar="ID", help="only these claim ids")
    chk.add_argument("--quick", action="store_true")
    chk.add_argument("--seed", type=int, default=0)
    chk.add_argument("--out", type=Path, default=None)
    chk.add_argument("--check", default=None, help="run only the check with this name")
    chk.add_argument("--at", default=None, metavar="NAME=VALUE,...",
                     help="replay exactly this parameter point (search checks)")
    chk.add_argument("--dps", type=int, default=DEFAULT_DPS)
    chk.add_argument("--no-progress", action="store_true")
    rep = sub.add_parser("report", help="re-render index.html from a results.json")
    rep.add_argument("results", type=Path)
    rep.add_argument("--out", type=Path, default=None,
                     help="folder for index.html (default: beside the results file)")
    rep.add_argument("--against", type=Path, default=None, metavar="OLD/results.json",
                     help="an older run: mark changed statuses and changed check/claim sources")
    return p


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
    at = _parse_at(args.at, claims) if args.at else None
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
    """Run the selected claims, write results.json and index.html, print the summary."""
    from verify import results
    from verify.report import render_report
    from verify.runner import run_claim

    if args.dps < 30:
        raise UsageError(f"--dps must be at least 30, got {args.dps}")
    if args.check and not any(ch.name == args.check for c in claims for ch in c.checks):
        raise UsageError(f"no selected claim has a check named {args.check!r}")
    started = dt.datetime.now(dt.timezone.utc)
    name = started.strftime("%Y-%m-%dT%H-%M-%S")
    out = args.out or Path("reports") / name
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create report folder {out}: {exc.strerror}") from None
    total = sum(1 for c in claims for ch in c.checks if not args.check or ch.name == args.check)
    bar = _progress(total, disable=args.no_progress)
    t0 = time.perf_counter()
    outcomes = []
    from verify.replay import ReplayError

    for claim in claims:
        bar.set_postfix_str(claim.id)
        try:
            outcomes.append(run_claim(claim, args.seed, args.quick, args.dps, args.check,
                                      progress=lambda _: bar.update(1), at=at))
        except ReplayError as exc:  # raised only for a replay point the check cannot use
            bar.close()
            raise UsageError(str(exc)) from None
    bar.close()
    info = {"name": name, "started": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seconds": f"{time.perf_counter() - t0:.1f}", "quick": args.quick,
            "selection": list(args.targets),
            # With --check or --at, statuses rest on that check or that point alone.
            "only_check": args.check, "at": at,
            "command": "python -m verify " + " ".join(shlex.quote(a) for a in sys.argv[1:])}
    data = results.build(outcomes, info, args.seed, args.dps)
    results.write(data, out)
    index = render_report(data, out)
    _summary(outcomes, index)
    if args.check or at:
        print("note: a partial replay (--check/--at); the statuses above rest on it alone")
    return outcomes


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
