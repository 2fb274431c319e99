"""Throughput of the batched numpy GD engine against a plain Python loop, side by side.

Both sides iterate the same GD map, built from the same SymPy expression
(``scalar_gd(problem).gd_map``):

* numpy: ``numerics.gd.iterate_scalar`` on ``verify.checks.common.numpy_map(problem)``, every
  (step size, start) pair at once, float64 arrays;
* Python: ``sympy.lambdify(..., modules="math")`` on scalar floats, in a nested ``for`` loop over
  step sizes x starts x steps (on an evenly spaced subset of the starts).

Throughput is (start, step size, iteration) triples per second, best of ``--repeat`` timings
with ``time.perf_counter``.  The final iterates of the shared subset are compared (finite ones
only: the engine turns |x| > 1e100 into NaN).  Nothing here asserts anything about timings.

Usage: ``python benchmarks/run.py [--quick] [--repeat N] [--python-starts N]``
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import sys
import time
from dataclasses import dataclass

import numpy as np
import sympy as sp

from numerics.gd import iterate_scalar
from verify.checks.common import ScalarProblem, numpy_map, scalar_gd

BOUND = 1e100  # the engine's default divergence bound, mirrored by the Python loop


@dataclass(frozen=True)
class Case:
    name: str
    problem: ScalarProblem
    starts: tuple[float, float]  # start interval
    deltas: tuple[float, float]  # step-size interval; chosen so that no run diverges


CASES = (
    Case("Ex.1 2|x|^(3/2)/3", ScalarProblem("2*Abs(x)**Rational(3,2)/3"), (-1.5, 3.0), (0.01, 0.1)),
    Case("Ex.2 x^L, L=4", ScalarProblem("x**L", fixed={"L": "4"}), (-1.5, 2.0), (0.01, 0.1)),
    Case("slides (x^2+1)(x-1)^2(x-2)^2", ScalarProblem("(x**2 + 1)*(x - 1)**2*(x - 2)**2"),
         (-0.5, 2.5), (0.01, 0.05)),
)


def best_of(repeat: int, fn):
    """(best wall time in seconds, result of the last call)."""
    best, result = math.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def python_map(problem: ScalarProblem):
    """g(x, delta) on Python floats, from the same SymPy expression as the numpy map."""
    gd = scalar_gd(problem)
    # cse=True as in proofs.compile.to_numpy, so both sides evaluate the same code shape.
    return sp.lambdify([gd.x, gd.step], gd.gd_map, modules="math", cse=True)


def python_loop(g, starts: list[float], deltas: list[float], iterations: int) -> list[list[float]]:
    """Plain nested loops; a run that overflows or leaves BOUND ends as NaN (as in the engine)."""
    out = []
    for d in deltas:
        row = []
        for x0 in starts:
            x = x0
            try:
                for _ in range(iterations):
                    x = g(x, d)
            except (OverflowError, ValueError, ZeroDivisionError):
                x = math.nan
            if not abs(x) <= BOUND:
                x = math.nan
            row.append(x)
        out.append(row)
    return out


def machine() -> list[str]:
    proc = platform.processor() or ""
    if not proc:
        try:
            with open("/proc/cpuinfo", encoding="utf-8") as fh:
                proc = next((ln.split(":", 1)[1].strip() for ln in fh
                             if ln.startswith("model name")), "")
        except OSError:
            pass
    return [
        f"platform : {platform.platform()}",
        f"processor: {proc or 'unknown'}",
        f"cpu_count: {os.cpu_count()}",
        f"python   : {sys.version.split()[0]} ({platform.python_implementation()})",
        f"numpy    : {np.__version__}    sympy: {sp.__version__}",
    ]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="small grid (seconds)")
    ap.add_argument("--repeat", type=int, default=3, help="timings per measurement (best kept)")
    ap.add_argument("--python-starts", type=int, default=None,
                    help="starts in the Python loop's subset (default 2000, quick 1000)")
    args = ap.parse_args(argv)

    if args.quick:
        n_starts, n_deltas, iterations = 10_000, 1, 50
    else:
        n_starts, n_deltas, iterations = 100_000, 5, 200
    n_py = min(args.python_starts or (1000 if args.quick else 2000), n_starts)

    print("GD engine benchmark: batched numpy (numerics.gd.iterate_scalar) vs plain Python loop")
    print(*machine(), sep="\n")
    print(f"grid     : numpy {n_starts} starts x {n_deltas} step sizes x {iterations} iterations;"
          f" Python {n_py} of those starts x {n_deltas} x {iterations}; best of {args.repeat}")
    print()

    rows, notes = [], []
    for case in CASES:
        starts = np.linspace(*case.starts, n_starts)
        deltas = np.linspace(*case.deltas, n_deltas) if n_deltas > 1 else np.array([case.deltas[1]])
        idx = np.linspace(0, n_starts - 1, n_py).round().astype(int)

        g_np = numpy_map(case.problem)
        g_py = python_map(case.problem)
        g_np(starts[:8], deltas[0])  # warm up (first call of a lambdified function)

        # iterate_scalar applies the map steps + n_tail times; n_tail=1 keeps only the last.
        t_np, tail = best_of(args.repeat, lambda: iterate_scalar(
            g_np, starts, deltas, iterations - 1, n_tail=1))
        final_np = tail[..., -1]

        py_starts, py_deltas = starts[idx].tolist(), deltas.tolist()
        t_py, final_py = best_of(args.repeat, lambda: python_loop(
            g_py, py_starts, py_deltas, iterations))
        final_py = np.array(final_py)

        rate_np = n_deltas * n_starts * iterations / t_np
        rate_py = n_deltas * n_py * iterations / t_py
        shared = final_np[:, idx]
        both = np.isfinite(shared) & np.isfinite(final_py)
        diff = float(np.max(np.abs(shared[both] - final_py[both]))) if both.any() else math.nan
        rows.append((case.name, rate_np, rate_py, rate_np / rate_py, diff))

        div_np = int(np.count_nonzero(~np.isfinite(final_np)))
        div_py = int(np.count_nonzero(~np.isfinite(final_py)))
        disagree = int(np.count_nonzero(np.isfinite(shared) != np.isfinite(final_py)))
        notes.append(f"{case.name}: starts [{case.starts[0]}, {case.starts[1]}], step sizes "
                     f"[{deltas[0]:g} .. {deltas[-1]:g}]; diverged numpy {div_np}/{final_np.size},"
                     f" python {div_py}/{final_py.size}; finiteness disagreements {disagree};"
                     f" times {t_np:.3f} s / {t_py:.3f} s")

    w = max(len(r[0]) for r in rows)
    head = f"{'map':<{w}} | {'numpy iters/s':>13} | {'python iters/s':>14} | {'ratio':>7} | " \
           f"{'max |diff|':>10}"
    print(head)
    print("-" * len(head))
    for name, rn, rp, ratio, diff in rows:
        print(f"{name:<{w}} | {rn:13.3e} | {rp:14.3e} | {ratio:7.1f} | {diff:10.2e}")
    print()
    print(*notes, sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
