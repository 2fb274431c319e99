"""The box prover (issue 18, item 2): python-flint balls against mpmath.iv, same bisection code.

Both columns run :func:`numerics.certified.boxprover.prove_box` on the same problem compiled
by :mod:`proofs.boxprove` for each arithmetic (``numerics.certified.arithmetic.FLINT`` and
``MPMATH_IV``): only the interval arithmetic differs, so the ratio compares arithmetic.  The
SymPy work (differentiating, compiling) is done once, untimed; the times are best of 3.

Rows:

- a two-parameter proof: (2/(L delta))^(L/(2L-2)) > 1 + (L/(2L-2)) log(2/(L delta)) for
  L in [2, 8], delta in [1/100, 1/5] (e^t > 1 + t with t != 0 on the box): time to prove;
- a fixed budget on AM-GM over [1/10, 10]^2 (zero on the diagonal, so every box of the
  budget is examined by both): boxes per second;
- a three-parameter polynomial proven > 0 on [0, 1]^3.

Usage: ``python benchmarks/boxprover.py [--quick]``.  Prints; asserts nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sympy as sp  # noqa: E402

from benchmarks import common  # noqa: E402
from numerics.certified.arithmetic import FLINT, MPMATH_IV  # noqa: E402
from numerics.certified.boxprover import prove_box  # noqa: E402
from proofs.boxprove import box_problem, parse_box, prepare  # noqa: E402

L, d, a, b, x, y, z = sp.symbols("L delta a b x y z")
_T = L / (2 * L - 2) * sp.log(2 / (L * d))
CASES = (
    ("2-param proof: (2/(L d))^(L/(2L-2)) > 1 + t", (2 / (L * d)) ** (L / (2 * L - 2)) - 1 - _T,
     {"L": (2, 8), "delta": ("1/100", "1/5")}, True, 20_000),
    ("AM-GM on [1/10,10]^2, fixed budget", (a + b) / 2 - sp.sqrt(a * b),
     {"a": ("1/10", 10), "b": ("1/10", 10)}, False, 1_000),
    ("3-param polynomial > 0 on [0,1]^3",
     x**2 + y**2 + z**2 - x * y - y * z - z * x + x * y * z / 10 + 1,
     {"x": (0, 1), "y": (0, 1), "z": (0, 1)}, True, 20_000),
)
REPEAT = 3
PREC = 128


def run(quick: bool) -> list[common.Target]:
    """Print the table; return one information row per case (flint / mpmath.iv speed)."""
    print(f"Box prover: python-flint balls vs mpmath.iv, same branch and bound, {PREC} bits, "
          f"best of {REPEAT}")
    head = (f"{'case':<44} | {'arith':>9} | {'outcome':>10} | {'boxes':>6} | {'depth':>5} | "
            f"{'seconds':>8} | {'boxes/s':>8}")
    print(head)
    print("-" * len(head))
    targets = []
    for name, g, box, strict, budget in CASES:
        budget = min(budget, 300) if quick and "budget" in name else budget
        ends = parse_box(box)
        prepared = prepare(g, ends)
        times = {}
        for arith in (FLINT, MPMATH_IV):
            problem = box_problem(prepared, arith.name)
            t, r = common.best_of(REPEAT, lambda p=problem, ar=arith: prove_box(
                p, list(ends.values()), strict=strict, max_boxes=budget, prec=PREC,
                arithmetic=ar))
            times[arith.name] = (t, r.boxes)
            print(f"{name:<44} | {arith.name:>9} | {r.outcome:>10} | {r.boxes:>6} | "
                  f"{r.max_depth:>5} | {t:>8.3f} | {r.boxes / t:>8,.0f}")
        (tf, bf), (tm, bm) = times["flint"], times["mpmath.iv"]
        ratio = (bf / tf) / (bm / tm)
        print(f"{'':<44}   flint / mpmath.iv, boxes per second: {ratio:.2f}x")
        targets.append(common.Target(f"box prover, {name}: flint / mpmath.iv boxes/s "
                                     "(information)", f"{ratio:.1f}x", "reported", None))
    print("Ratios > 1: the flint column is faster.  Box counts can differ slightly: the two "
          "arithmetics enclose differently (Arb's mid-rad balls vs mpmath's end points).\n")
    return targets


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, run, "a smaller fixed budget", argv)


if __name__ == "__main__":
    raise SystemExit(main())
