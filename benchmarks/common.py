"""What every benchmark section shares: the machine's description, timing, and the targets.

Nothing here asserts anything about timings: sections measure and print, and
:class:`Target` rows say, for the summary table of ``benchmarks/run.py``, whether a bar of
issue 9 was met on this machine.
"""

from __future__ import annotations

import importlib
import math
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """One measured ratio or time against its bar (``met`` is None when it was not measured)."""

    name: str
    measured: str
    bar: str
    met: bool | None


def best_of(repeat: int, fn: Callable[[], object],
            clock: Callable[[], float] = time.perf_counter) -> tuple[float, object]:
    """(best time in seconds by ``clock``, result of the last call).

    The default clock is wall time.  Work that runs on the calling thread alone is better
    timed with ``time.thread_time`` on a loaded machine: the thread's CPU time does not count
    the time other processes hold the core (wall time did, by up to 1.4x on 2 shared cores).
    """
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = clock()
        result = fn()
        best = min(best, clock() - t0)
    return best, result


def _processor() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            return next((ln.split(":", 1)[1].strip() for ln in fh
                         if ln.startswith("model name")), "")
    except OSError:
        return platform.processor() or ""


def _version(module: str) -> str:
    try:
        return getattr(importlib.import_module(module), "__version__", "?")
    except ImportError:
        return "absent"


def _compiler() -> str:
    from numerics.compiled import compiler

    cc = compiler()
    if cc is None:
        return "none (the compiled columns are skipped)"
    try:
        first = subprocess.run([cc, "--version"], capture_output=True, text=True,
                               timeout=10).stdout.splitlines()[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        first = "version unknown"
    return f"{cc} ({first})"


def _gpu() -> str:
    from numerics import accel

    torch = accel.torch_module()
    if torch is None:
        return "torch absent: no GPU columns"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__}, no CUDA GPU: no GPU columns"
    return f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}"


def machine() -> list[str]:
    """Lines describing the machine and the software the timings depend on."""
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    return [
        f"platform : {platform.platform()}",
        f"processor: {_processor() or 'unknown'}",
        f"cores    : {os.cpu_count()} (usable by this process: {affinity})",
        f"python   : {sys.version.split()[0]} ({platform.python_implementation()})",
        "libraries: " + ", ".join(f"{m} {_version(m)}" for m in
                                  ("numpy", "scipy", "sympy", "mpmath", "flint")),
        f"compiler : {_compiler() if shutil.which('cc') or shutil.which('gcc') else 'none'}",
        f"gpu      : {_gpu()}",
        "bytecode : whole runs write and reuse .pyc files (Python's default"
        + ("; this shell's PYTHONDONTWRITEBYTECODE is dropped for them)"
           if os.environ.get("PYTHONDONTWRITEBYTECODE") else ")"),
    ]


def script_main(doc: str, run, quick_help: str, argv: list[str] | None = None) -> int:
    """The command line of one benchmark section run on its own: ``--quick``, the machine's
    description, then the section."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0].splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=quick_help)
    quick = ap.parse_args(argv).quick
    print(*machine(), sep="\n")
    run(quick)
    return 0
