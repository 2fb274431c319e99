"""All benchmarks of issues 7 and 9 in one run, side by side, ending with a table of the targets.

Sections (each also runs on its own as a script):

1. ``scalar.py``     batched scalar GD: Python loop, numpy, the suite's compiled engine, a plain
                     C loop built here, and a GPU through torch when present;
2. ``matrix_gd.py``  deep linear GD steps/s against depth and width, cost growth, lambda_max
                     by Lanczos vs dense Hessians, GPU vs CPU when a GPU is present;
3. ``certified.py``  high precision and the certified tier: centred and naive python-flint
                     ball iteration against mpmath on one orbit at 200 and 1000 digits (with
                     the digits a naive ball loses per step), and the issue-7 targets
                     (Example 1's cycle on [0.01, 1], the slides' thresholds, a 10^5-step
                     orbit at 200 digits);
4. ``boxprover.py``  the box prover (issue 18): proofs of inequalities over boxes with
                     python-flint balls against mpmath.iv in the same branch and bound
                     (time to prove, boxes per second, the ratio);
5. ``sweep_memory.py`` peak resident memory of a 10^7-start orbit sweep (10^6 with --quick);
6. ``whole_runs.py`` wall time of ``python -m verify run --quick`` and of the full run, with
                     the ten slowest claims of each;
7. ``rerun_after_edit.py`` a re-run after editing one claim against a clean run (caches on).

Usage: ``python benchmarks/run.py [--quick] [--only scalar,matrix,certified,boxprover,sweep,runs,rerun]``.
Prints; asserts nothing (the unit tests never time anything: speed is judged here).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks import (  # noqa: E402
    boxprover, certified, matrix_gd, rerun_after_edit, scalar, sweep_memory, whole_runs,
)
from benchmarks.common import Target, machine  # noqa: E402

SECTIONS = {
    "scalar": lambda quick: scalar.run(quick),
    "matrix": matrix_gd.run,
    "certified": certified.run,
    "boxprover": boxprover.run,
    "sweep": sweep_memory.run,
    "runs": whole_runs.run,
    "rerun": rerun_after_edit.run,
}


def summary(targets: list[Target]) -> None:
    """The final table: every measured target with its bar and whether it was met."""
    w = max(len(t.name) for t in targets)
    m = max(len(t.measured) for t in targets)
    b = max(len(t.bar) for t in targets)
    head = f"{'target':<{w}} | {'measured':>{m}} | {'bar':>{b}} | met"
    print("Summary: the targets of issues 7 and 9 on this machine")
    print(head)
    print("-" * len(head))
    for t in targets:
        met = {True: "yes", False: "NO", None: "-"}[t.met]
        print(f"{t.name:<{w}} | {t.measured:>{m}} | {t.bar:>{b}} | {met}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller grids; only the --quick run")
    ap.add_argument("--only", default=",".join(SECTIONS),
                    help="comma-separated sections to run (default: all)")
    args = ap.parse_args(argv)
    wanted = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        ap.error(f"unknown section(s) {', '.join(unknown)}; choose from {', '.join(SECTIONS)}")

    print("stepsize-verify benchmarks (issue 9)")
    print(*machine(), sep="\n")
    print()
    t0 = time.perf_counter()
    targets: list[Target] = []
    for name in wanted:
        print(f"== {name} " + "=" * 60)
        targets.extend(SECTIONS[name](args.quick))
    summary(targets)
    print(f"\nbenchmarks took {time.perf_counter() - t0:.0f} s; timings depend on the machine "
          "and its load")
    return 0


if __name__ == "__main__":
    sys.exit(main())
