"""The certified tier (issue 7): ball iterations against mpmath, and the certified targets.

The map: g(x) = x - delta*sign(x)*sqrt(|x|), the GD map of f(x) = 2|x|^(3/2)/3 (Nar & Sastry
2018, "Step Size Matters", Example 1), built from the same SymPy expression for every engine
(``verify.userclaims.certified.ball_map`` on top of ``proofs.compile.to_arb``; ``to_mpmath``).
delta = 1/3 (not dyadic, so mpmath never lands exactly on the cycle +-1/36) and x0 = 7/3.

Table 1, at 200 and 1000 digits, N steps (10^4, 10^3 with ``--quick``), best of 3:
steps/s of the centred (mean-value) ball iteration, the naive ball iteration and mpmath, the
ratios, each ball's final relative radius, and the first step whose ball straddles 0 (a sign
undecided).  Table 2, the issue's targets: the Example 1 cycle proven on [0.01, 1] (boxes,
seconds, widest enclosure), the slides' thresholds and the cover of starts in [-10, 10].

Usage: ``python benchmarks/certified.py [--quick]``.  Prints; asserts nothing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flint  # noqa: E402
import mpmath  # noqa: E402

from benchmarks import common  # noqa: E402
from numerics import certified as cert  # noqa: E402
from proofs.compile import to_mpmath  # noqa: E402
from verify.userclaims.certified import (  # noqa: E402
    ball_map, basin_cover_certified, cycle_certified,
    threshold_crossing_certified,
)
from verify.checks.common import ScalarProblem, scalar_gd  # noqa: E402
from verify.vocabulary import CheckContext  # noqa: E402

PROBLEM = ScalarProblem("2*Abs(x)**Rational(3,2)/3")
SLIDES = ScalarProblem("(x**2 + 1)*(x - 1)**2*(x - 2)**2")
CYCLE = ("delta**2/4", "-delta**2/4")
DELTA, X0 = flint.fmpq(1, 3), flint.fmpq(7, 3)
DIGITS = (200, 1000)
REPEAT = 3


def best_of(fn):
    return common.best_of(REPEAT, fn)


def mpmath_orbit(steps: int, digits: int) -> mpmath.mpf:
    gd = scalar_gd(PROBLEM)
    g = to_mpmath(gd.gd_map, [gd.x, gd.step])
    with mpmath.workdps(digits):
        x, d = mpmath.mpf(7) / 3, mpmath.mpf(1) / 3
        for _ in range(steps):
            x = g(x, d)
        return +x


def first_undecided(steps: int, bits: int) -> str:
    """The first step at which the naive ball straddles 0."""
    bm, _ = ball_map(PROBLEM)
    with cert.working_prec(bits):
        x, d = flint.arb(X0), flint.arb(DELTA)
        for k in range(1, steps + 1):
            x = bm.image(x, d)
            if cert.sign(x) is None:
                return str(k)
    return f"> {steps}"


def to_ball(v: mpmath.mpf) -> flint.arb:
    """An mpf as an exact ball (call at a precision above its mantissa length)."""
    sign, man, exp, _ = v._mpf_
    return (-1) ** sign * flint.arb(int(man)) * flint.arb(2) ** int(exp)


def rel_text(r: flint.arb) -> str:
    if r.is_zero():
        return "0"
    return f"1e{float((r.log() / flint.arb(10).log()).mid()):.1f}"


def rel(x: flint.arb) -> str:
    if not x.is_finite():
        return "inf"
    if x.mid().is_zero():
        return "mid 0"
    r = x.rad() / abs(x.mid())
    if r.is_zero():
        return "0"
    if r < 1e-300:  # below float range: print the exponent only
        return f"1e{float((r.log() / flint.arb(10).log()).mid()):.0f}"
    return f"{float(r):.2e}"


def table_iteration(steps: int) -> list[common.Target]:
    bm, _ = ball_map(PROBLEM)
    print(f"\nTable 1: {steps} steps of Example 1's map, delta = 1/3, x0 = 7/3 (best of {REPEAT})")
    head = (f"{'digits':>6} | {'centred ball /s':>15} | {'naive ball /s':>13} | "
            f"{'mpmath /s':>10} | {'centred/mpmath':>14} | {'naive/mpmath':>12} | "
            f"{'centred rel.rad':>15} | {'naive rel.rad':>13} | {'naive: 1st undecided sign':>25}")
    print(head)
    print("-" * len(head))
    targets = []
    for digits in DIGITS:
        bits = cert.bits_for(digits)
        t_c, orb_c = best_of(lambda: cert.iterate(bm, X0, DELTA, steps, bits))
        t_n, orb_n = best_of(lambda: cert.iterate(bm, X0, DELTA, steps, bits, centred=False))
        t_m, x_m = best_of(lambda: mpmath_orbit(steps, digits))
        x_ref = mpmath_orbit(steps, 3 * digits)  # untimed reference at 3x the digits
        with cert.working_prec(3 * bits + 64):
            agrees = orb_c.final.contains(to_ball(x_ref))
            gap = abs(orb_c.final.mid() - to_ball(x_m)) / abs(to_ball(x_ref))
        print(f"{digits:>6} | {steps / t_c:>15,.0f} | {steps / t_n:>13,.0f} | {steps / t_m:>10,.0f}"
              f" | {t_m / t_c:>14.2f} | {t_m / t_n:>12.2f} | {rel(orb_c.final):>15} | "
              f"{rel(orb_n.final):>13} | {first_undecided(steps, bits):>25}")
        print(f"{'':>6}   centred final ball {orb_c.final.mid().str(15, radius=False)} +- "
              f"{rel(orb_c.final)} relative contains mpmath at "
              f"{3 * digits} digits: {agrees}; |mid - mpmath({digits})| / |x| = {rel_text(gap)}; "
              f"naive final ball {orb_n.final.str(3)}")
        targets.append(common.Target(
            f"certified, {digits} digits, {steps}-step orbit: centred ball / mpmath (information)",
            f"{t_m / t_c:.1f}x", "reported", None))
    print("Ratios > 1: the ball engine is faster than mpmath.  The centred form evaluates g at the "
          "midpoint and g' on the ball (two evaluations per step) and keeps the radius at the "
          "working precision; the naive ball doubles its radius each step on this map, so its "
          "signs become undecided after about as many steps as there are bits.")
    return targets


def table_targets(quick: bool) -> list[common.Target]:
    ctx = CheckContext(seed=0, quick=quick, dps=50)
    rows = []

    def timed(label, check, keys):
        t0 = time.perf_counter()
        f = check.run(ctx)
        dt = time.perf_counter() - t0
        rows.append((label, f.outcome.value, f"{dt:.2f}",
                     "; ".join(f"{k}: {f.numbers.get(k, '-')}" for k in keys)))
        return f.outcome.value, dt

    targets = []
    outcome, dt = timed("Ex.1 cycle, delta in [0.01, 1]",
                        cycle_certified(PROBLEM, CYCLE, ("1/100", "1")),
          ("boxes", "range covered", "widest enclosure (relative)", "largest |multiplier|",
           "working precision (bits)"))
    targets.append(common.Target("certified: Ex.1 cycle proven for every delta in [0.01, 1]",
                                 f"{outcome} in {dt:.2f} s", "supports in < 30 s",
                                 outcome == "supports" and dt < 30))
    for x_star, t in (("1", "1/2"), ("2", "1/5")):
        outcome, _ = timed(f"slides x* = {x_star}, threshold {t}",
                           threshold_crossing_certified(SLIDES, x_star, t),
                           ("crossing enclosure", "boxes", "working precision (bits)"))
        targets.append(common.Target(f"certified: slides threshold {t} at x* = {x_star}",
                                     outcome, "supports", outcome == "supports"))
    timed("Ex.1 starts in [-10, 10], delta = 1/2",
          basin_cover_certified(PROBLEM, CYCLE, "1/2", ("-10", "10")),
          ("boxes", "open pieces", "open length (upper bound)"))
    print("\nTable 2: the issue's targets (each a check of verify/userclaims/certified.py)")
    w = max(len(r[0]) for r in rows)
    print(f"{'statement':<{w}} | {'outcome':>9} | {'seconds':>7} | numbers")
    print("-" * (w + 40))
    for label, outcome, dt, nums in rows:
        print(f"{label:<{w}} | {outcome:>9} | {dt:>7} | {nums}")
    print()
    return targets


def run(quick: bool) -> list[common.Target]:
    """Print both tables; return the summary rows (the issue-7 targets among them)."""
    print("Certified tier: centred and naive ball iteration vs mpmath; the certified targets")
    return table_iteration(1_000 if quick else 10_000) + table_targets(quick)


def main(argv: list[str] | None = None) -> int:
    return common.script_main(__doc__, run, "10^3 / 10^4 steps instead of 10^4 / 10^5", argv)


if __name__ == "__main__":
    raise SystemExit(main())
