"""Wall time of whole ``python -m verify run`` invocations, against the bars.

Runs, each in a fresh subprocess (``sys.executable -m verify run ... --no-progress --out TMP``):

* ``--quick`` (bar: < 120 s on 2 cores), always;
* the full run without ``--quick`` (bar: < 600 s on 2 cores), unless ``--quick`` is given here.

Then reads each run's ``results.json`` and prints its ten slowest claims (id, seconds, status)
and five slowest checks (claim:check, seconds).  Prints; asserts nothing.

Usage: ``python benchmarks/whole_runs.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import Target, machine  # noqa: E402
BARS = {"quick": 120.0, "full": 600.0}  # seconds, on 2 cores
TIMEOUT = 3600  # a run that hangs is reported, not waited on forever


def time_run(kind: str, out: Path) -> tuple[float, int | str, str]:
    """(wall seconds, exit status or 'timeout', last lines of its output)."""
    cmd = [sys.executable, "-m", "verify", "run", "--no-progress", "--out", str(out)]
    if kind == "quick":
        cmd.insert(4, "--quick")
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT)
        code: int | str = proc.returncode
        output = proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        code = "timeout"
        output = (exc.stdout or b"").decode(errors="replace") if isinstance(exc.stdout, bytes) \
            else (exc.stdout or "")
    seconds = time.perf_counter() - start
    tail = "\n".join(output.strip().splitlines()[-6:])
    return seconds, code, tail


def slowest(results: Path) -> None:
    if not results.exists():
        print(f"  (no results.json at {results})")
        return
    data = json.loads(results.read_text(encoding="utf-8"))
    claims = data.get("claims", [])
    run_seconds = data.get("run", {}).get("seconds", "?")
    print(f"  results.json: {len(claims)} claims, run seconds (in-process, without interpreter "
          f"start-up and imports) {run_seconds}, summary {data.get('summary')}")
    by_claim = sorted(claims, key=lambda c: float(c["seconds"]), reverse=True)[:10]
    print(f"  slowest claims (up to ten of {len(claims)}):")
    print(f"    {'id':<40} | {'seconds':>8} | status")
    for c in by_claim:
        print(f"    {c['id']:<40} | {float(c['seconds']):>8.2f} | {c['status']}")
    checks = [(f"{c['id']}:{e['check']}", float(e["seconds"]))
              for c in claims for e in c.get("evidence", [])]
    checks.sort(key=lambda t: t[1], reverse=True)
    print("  five slowest checks:")
    print(f"    {'claim:check':<60} | {'seconds':>8}")
    for name, seconds in checks[:5]:
        print(f"    {name:<60} | {seconds:>8.2f}")


def run(quick: bool) -> list[Target]:
    """Time the runs, print their slowest claims; return one target row per run."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print("Whole verification runs (fresh subprocesses)")
    kinds = ["quick"] if quick else ["quick", "full"]
    with tempfile.TemporaryDirectory(prefix="whole_runs_") as tmp:
        rows = []
        for kind in kinds:
            out = Path(tmp) / kind
            seconds, code, tail = time_run(kind, out)
            rows.append((kind, seconds, code, tail, out))
        print(f"\n{'run':<6} | {'wall s':>8} | {'bar (2 cores)':>13} | {'within bar':>10} | "
              f"{'exit':>7} | cores here")
        print("-" * 68)
        for kind, seconds, code, _, _ in rows:
            within = "yes" if seconds < BARS[kind] else "NO"
            print(f"{kind:<6} | {seconds:>8.1f} | {'< ' + format(BARS[kind], '.0f') + ' s':>13} | "
                  f"{within:>10} | {code!s:>7} | {cores}")
        if cores != 2:
            print(f"(the bars are stated for 2 cores; this machine has {cores})")
        for kind, seconds, code, tail, out in rows:
            print(f"\n== {kind} run ({seconds:.1f} s, exit {code}); its last output lines:")
            print("\n".join("  " + line for line in tail.splitlines()))
            slowest(out / "results.json")
        print()
        return [Target(f"whole run --{kind}" if kind == "quick" else "whole run (full)",
                       f"{seconds:.1f} s on {cores} cores (exit {code})",
                       f"< {BARS[kind]:.0f} s on 2 cores", seconds < BARS[kind] and code == 0)
                for kind, seconds, code, _, _ in rows]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the --quick run")
    print(*machine(), sep="\n")
    run(parser.parse_args().quick)
