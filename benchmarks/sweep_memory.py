"""Peak memory of a large orbit sweep (issue 19: a 10^7-start sweep under 1 GB resident).

The sweep the former ``orbit_basins`` check ran: Example 1's map 2|x|^{3/2}/3 from uniform starts
in [-10, 10] at step size 0.5, iterated, its tail classified (fixed point / p-cycle /
diverged) and the last 2 iterates kept, through :func:`numerics.gd.run_scalar` with the
suite's engine.  It runs in a fresh process so that its peak resident set (``VmHWM`` of
/proc/self/status, else ``ru_maxrss``) is the sweep's alone, imports included.

Usage: ``python benchmarks/sweep_memory.py [N]``; :func:`measure` is what the benchmark table
and the slow test call.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import Target  # noqa: E402

LIMIT_MB = 1024

_SWEEP = r"""
import json, resource, sys, time
import numpy as np
from numerics import gd
from verify.checks.common import ScalarProblem, numpy_map


def peak_kib():
    # VmHWM: the peak resident set of this process image.  ru_maxrss would do, but Linux
    # carries it over from the parent across fork + exec (a large parent inflates it).
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

n = int(sys.argv[1])
step = numpy_map(ScalarProblem("2*Abs(x)**Rational(3,2)/3"))
starts = np.random.default_rng(0).uniform(-10.0, 10.0, n)
steps = int(2 * np.sqrt(10.0) / 0.5) + 300
t0 = time.perf_counter()
runs = gd.run_scalar(step, starts, np.array([0.5]), steps, keep=2)
seconds = time.perf_counter() - t0
print(json.dumps({"n": n, "seconds": seconds, "engine": step.engine(n) if hasattr(step, "engine") else "numpy",
                  "peak_mb": peak_kib() / 1024,
                  "cycles": runs.count(gd.CYCLE), "undecided": runs.count(gd.UNDECIDED)}))
"""


def measure(n: int) -> dict:
    """Run the sweep over ``n`` starts in a fresh process; its JSON report."""
    proc = subprocess.run([sys.executable, "-c", _SWEEP, str(n)], cwd=ROOT, capture_output=True,
                          text=True, timeout=1800, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(quick: bool) -> list[Target]:
    n = 10**6 if quick else 10**7
    got = measure(n)
    print(f"orbit sweep of {n} starts (Example 1, step 0.5, {got['engine']} engine): "
          f"{got['seconds']:.1f} s, peak RSS {got['peak_mb']:.0f} MB, "
          f"{got['cycles']} runs on a cycle, {got['undecided']} undecided")
    print()
    return [Target(f"orbit sweep, {n:.0e} starts: peak resident memory",
                   f"{got['peak_mb']:.0f} MB", f"<= {LIMIT_MB} MB", got["peak_mb"] <= LIMIT_MB)]


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10**7)))
