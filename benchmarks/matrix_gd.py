"""Throughput of the batched deep-linear-network engine (``numerics.deeplinear``).

Table 1: steps per second of ``deeplinear.gd`` (one step = one GD update of all B networks at
once) on square networks of depth L and width n, B = 64 initialisations (16 with ``--quick``),
L in {2, 4, 8, 16, 32} and n in {4, 16, 64} ({2, 8} x {4, 16} with ``--quick``).  Starts are
near the identity and the step is 0.5/L, so no run diverges (the table says if one did).
Each entry is the best of 3 timings of a run sized to take about ``TARGET`` seconds.  Growth
exponents of the cost per step are least-squares slopes on log-log axes: per column (vs L at
fixed n), per row (vs n at fixed L), and a joint fit log t = c + a log L + b log n.

Table 2: lambda_max of the Hessian of one network (L = 4, square widths, Gaussian weights,
Gaussian target) by the dense Hessian (``hessian_dense`` + ``eigvalsh``) and by Lanczos
(ARPACK ``eigsh`` on exact complex-step Hessian-vector products), with their relative
difference, at about 100, 500 and 2000 parameters; Lanczos alone at about 20,000 and 100,000
(the latter skipped with ``--quick``).

Usage: ``python benchmarks/matrix_gd.py [--quick]``.  Prints; asserts nothing about timings.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import common  # noqa: E402
from benchmarks.common import Target  # noqa: E402
from numerics import accel  # noqa: E402
from numerics import deeplinear as dl  # noqa: E402

TARGET = 1.0  # seconds per timed gd run (0.2 with --quick)
REPEAT = 3


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def slope(x: list[float], y: list[float]) -> float:
    """Least-squares slope of log y against log x."""
    return float(np.polyfit(np.log(x), np.log(y), 1)[0])


def gd_rate(L: int, n: int, batch: int, target: float, rng: np.random.Generator
            ) -> tuple[float, int]:
    """(steps per second, diverged runs) of ``dl.gd`` on B square networks of depth L."""
    ws = dl.random_weights((n,) * (L + 1), batch, rng, scale=0.1, near_identity=True)
    R = np.eye(n) + 0.1 * rng.standard_normal((n, n)) / np.sqrt(n)
    delta = 0.5 / L
    t1, _ = timed(lambda: dl.gd(ws, R, delta, 2))
    steps = int(np.clip(target / max(t1 / 2, 1e-7), 3, 20000))
    best, diverged = np.inf, 0
    for _ in range(REPEAT):
        t, (_, hist) = timed(lambda: dl.gd(ws, R, delta, steps))
        best = min(best, t)
        diverged = int(np.count_nonzero(np.isnan(hist[-1])))
    return steps / best, diverged


def table_gd(quick: bool, rng: np.random.Generator) -> tuple[float, float]:
    batch = 16 if quick else 64
    depths = [2, 8] if quick else [2, 4, 8, 16, 32]
    ns = [4, 16] if quick else [4, 16, 64]
    target = 0.2 if quick else TARGET
    rate = {}
    diverged = 0
    for L in depths:
        for n in ns:
            rate[L, n], d = gd_rate(L, n, batch, target, rng)
            diverged += d
    cost = {k: 1.0 / v for k, v in rate.items()}

    print(f"Table 1: deeplinear.gd steps/s, B = {batch} networks per step "
          f"(per-network steps/s = B x entry)")
    head = f"{'L':>8} | " + " | ".join(f"{'n=' + str(n):>10}" for n in ns) + " | exp vs n"
    print(head)
    print("-" * len(head))
    for L in depths:
        row = " | ".join(f"{rate[L, n]:10.1f}" for n in ns)
        print(f"{L:>8} | {row} | {slope(ns, [cost[L, n] for n in ns]):8.2f}")
    print("-" * len(head))
    exps = " | ".join(f"{slope(depths, [cost[L, n] for L in depths]):10.2f}" for n in ns)
    print(f"{'exp vs L':>8} | {exps} |")
    keys = list(cost)
    A = np.column_stack([np.ones(len(keys)), np.log([k[0] for k in keys]),
                         np.log([k[1] for k in keys])])
    coef = np.linalg.lstsq(A, np.log([cost[k] for k in keys]), rcond=None)[0]
    print(f"joint fit: cost/step ~ L^{coef[1]:.2f} * n^{coef[2]:.2f}   "
          f"(diverged runs: {diverged})")
    print()
    return float(coef[1]), float(coef[2])


def table_lambda(quick: bool, rng: np.random.Generator) -> float:
    L = 4
    widths = [5, 11, 22, 71] + ([] if quick else [158])  # 4 n^2 = 100, 484, 1936, 20164, 99856
    print(f"Table 2: lambda_max of the Hessian, one network, L = {L}, square widths n")
    head = (f"{'n':>4} | {'params':>7} | {'dense s':>8} | {'lanczos s':>9} | "
            f"{'lambda_max':>14} | {'rel diff':>9}")
    print(head)
    print("-" * len(head))
    worst = 0.0
    for n in widths:
        ws = dl.random_weights((n,) * (L + 1), 1, rng)
        R = rng.standard_normal((n, n))
        P = dl.n_params(ws)
        t_l, lan = timed(lambda: dl.lambda_max(ws, R, "lanczos", rng=rng)[0])
        if P <= dl.DENSE_LIMIT:
            t_d, den = timed(lambda: dl.lambda_max(ws, R, "dense")[0])
            worst = max(worst, abs(lan - den) / abs(den))
            dense_s, diff = f"{t_d:8.3f}", f"{abs(lan - den) / abs(den):9.1e}"
        else:
            dense_s, diff = f"{'-':>8}", f"{'-':>9}"
        print(f"{n:>4} | {P:>7} | {dense_s} | {t_l:9.3f} | {lan:14.8e} | {diff}")
    print()
    return worst


def table_gpu(quick: bool, rng: np.random.Generator) -> list[Target]:
    """Batched deep linear GD on the GPU (numerics.accel) against the numpy engine."""
    device = accel.gpu_device()
    if device is None:
        print("Table 3: GPU vs CPU deep linear GD: skipped (no CUDA GPU, or torch absent)\n")
        return []
    sizes = [(8, 16, 256), (32, 64, 256)] if quick else [(8, 16, 1024), (32, 64, 512),
                                                         (64, 128, 256)]
    print("Table 3: deeplinear.gd (numpy, CPU) vs accel.deeplinear_gd (torch, GPU), float64")
    head = f"{'L':>4} | {'n':>4} | {'B':>5} | {'cpu steps/s':>11} | {'gpu steps/s':>11} | " \
           f"{'gpu/cpu':>8} | {'max rel diff':>12}"
    print(head)
    print("-" * len(head))
    out = []
    for L, n, B in sizes:
        ws = dl.random_weights((n,) * (L + 1), B, rng, scale=0.1, near_identity=True)
        R = np.eye(n) + 0.1 * rng.standard_normal((n, n)) / np.sqrt(n)
        steps = 20
        accel.deeplinear_gd(ws, R, 0.5 / L, 2, device=device)  # warm up
        t_cpu, (_, h_cpu) = timed(lambda: dl.gd(ws, R, 0.5 / L, steps))
        t_gpu, (_, h_gpu) = timed(lambda: accel.deeplinear_gd(ws, R, 0.5 / L, steps,
                                                              device=device))
        rel = float(np.nanmax(np.abs(h_gpu - h_cpu) / np.maximum(np.abs(h_cpu), 1e-300)))
        print(f"{L:>4} | {n:>4} | {B:>5} | {steps / t_cpu:11.1f} | {steps / t_gpu:11.1f} | "
              f"{t_cpu / t_gpu:8.1f} | {rel:12.1e}")
        out.append(Target(f"matrix GD L={L} n={n} B={B}: GPU / CPU (information)",
                          f"{t_cpu / t_gpu:.1f}x", "reported", None))
    print()
    return out


def run(quick: bool) -> list[Target]:
    """Print the tables (see the module docstring); return the summary rows."""
    rng = np.random.default_rng(0)
    print("Deep linear networks: batched GD and Hessian lambda_max (numerics.deeplinear)")
    t0 = time.perf_counter()
    a, b = table_gd(quick, rng)
    worst = table_lambda(quick, rng)
    gpu = table_gpu(quick, rng)
    print(f"total {time.perf_counter() - t0:.1f} s; timings depend on the machine and its load\n")
    return [Target("matrix GD: cost per step grows as", f"L^{a:.2f} n^{b:.2f}", "reported", None),
            Target("lambda_max: Lanczos vs dense, worst relative difference", f"{worst:.1e}",
                   "<= 1e-8", worst <= 1e-8)] + gpu


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, run, "small grids (about 10 s)", argv)


if __name__ == "__main__":
    raise SystemExit(main())
