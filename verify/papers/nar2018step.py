"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018.

Source: ``shared/papers/nar-sastry-2018-step-size-matters.md``.

| id | where | statement (short) |
|---|---|---|
| nar2018step.ex1 | Example 1 | GD on (2/3)|x|^{3/2}: origin the only equilibrium, reached only from a countable S, else the 2-cycle +-delta^2/4 |
| nar2018step.ex2 | Example 2 | GD on x^L, L even > 2: converges if x0^{L-2} < 2/(L delta), diverges if > |
"""

from __future__ import annotations

from verify.checks.certified import basin_cover_certified, cycle_certified, long_orbit_certified
from verify.checks.common import EVERY_STEP, ScalarProblem
from verify.checks.conditions import (
    condition_contraction, condition_contraction_even, start_condition,
)
from verify.checks.global_cycle import global_cycle_symbolic
from verify.checks.orbits import (
    exceptional_set, orbit_basins, orbit_identity, orbit_limit_precise, orbit_solutions,
)
from verify.papers import claim_builder
from verify.vocabulary import Claim, Tier

PAPER = {
    "key": "nar2018step",
    "citation": "K. Nar and S. S. Sastry. Step Size Matters in Deep Learning. NeurIPS 2018.",
    "url": "https://arxiv.org/abs/1805.08890",
}

_claim = claim_builder(PAPER)

ABS_THREE_HALVES = ScalarProblem("2*Abs(x)**Rational(3,2)/3")
EX1_CYCLE = ("delta**2/4", "-delta**2/4")
EX2_SCOPE = {"L": "even, > 2", "delta": EVERY_STEP}  # "L in N an even number larger than 2"
EVEN_POWERS = tuple(ScalarProblem("x**L", fixed={"L": str(L)}) for L in (4, 6, 8, 10))


def boundary_cycle(L: int, power: int = 2) -> tuple[str, str]:
    """The 2-cycle +-r on x0^(L-power) = 2/(L delta) (Example 2's basin boundary when power = 2)."""
    r = f"(2/({L}*delta))**Rational(1, {L - power})"
    return (r, "-" + r)


def _ex1() -> Claim:
    return _claim(
        "ex1", "Example 1",
        statement=("Consider f(x) = (2/3)|x|^{3/2}. [...] the origin is the only equilibrium of "
                   "this system. [...] x[k] converges to the origin only when x[0] belongs to a "
                   "countable set S = {0, delta^2, -delta^2, ...}. For all other initializations, "
                   "x[k] converges to an oscillation between delta^2/4 and -delta^2/4."),
        hypotheses={"loss": ABS_THREE_HALVES.loss, "delta": "delta > 0",
                    "starts (precise)": "uniform in [-10, 10]",
                    "starts (empirical)": "uniform in [-10, 10], 10^5 per step size"},
        asserts="x[k] -> {delta^2/4, -delta^2/4} 2-cycle for x[0] not in S; S countable",
        scope={"delta": EVERY_STEP},
        checks=(
            global_cycle_symbolic(ABS_THREE_HALVES, EX1_CYCLE, ("delta**2", "-delta**2")),
            # the orbit and its local stability: a side fact of the global statement
            orbit_identity(ABS_THREE_HALVES, EX1_CYCLE, stable=True, part=""),
            orbit_solutions(ABS_THREE_HALVES, EX1_CYCLE),
            exceptional_set(ABS_THREE_HALVES, "0", ("delta**2", "-delta**2"), levels=3),
            orbit_limit_precise(ABS_THREE_HALVES, EX1_CYCLE, ("1/10", "1/2", "1", "3/2"),
                                (-10.0, 10.0)),
            orbit_basins(ABS_THREE_HALVES, EX1_CYCLE, (0.01, 0.1, 0.5, 1.0, 1.7),
                         (-10.0, 10.0), diagram=(0.02, 2.0)),
            cycle_certified(ABS_THREE_HALVES, EX1_CYCLE, ("1/100", "2"), stable=True),
            long_orbit_certified(ABS_THREE_HALVES, "7/3", "1/3", 100_000, 200, EX1_CYCLE),
            basin_cover_certified(ABS_THREE_HALVES, EX1_CYCLE, "1/2", ("-10", "10")),
        ),
    )


def _ex2() -> Claim:
    return _claim(
        "ex2", "Example 2",
        statement=("Consider f(x) = x^L where L is an even number larger than 2. [...] x[k] "
                   "converges to the origin if the initial state satisfies x[0]^{L-2} < "
                   "(2/L delta) and x[k] diverges if x[0]^{L-2} > (2/L delta)."),
        hypotheses={"loss": "x**L", "L": "4, 6, 8, 10 (even, > 2)",
                    "delta": "0.01, 0.1, 0.5 (precise and empirical); every delta > 0 (symbolic)",
                    "L (symbolic)": "every even L > 2 (L = 2m + 2, m an integer symbol); "
                                    "4, 6, 8, 10 pinned",
                    "delta (certified)": "[0.01, 1]: the boundary x0^(L-2) = 2/(L delta) is a "
                                         "repelling 2-cycle"},
        asserts="x0^(L-2) < 2/(L delta) => x[k] -> 0; x0^(L-2) > 2/(L delta) => |x[k]| -> inf",
        scope=EX2_SCOPE,
        checks=(
            condition_contraction_even("x**L", "L", 2, "x0**(L-2)", "2/(L*delta)"),
            condition_contraction(EVEN_POWERS, "x0**(L-2)", "2/(L*delta)"),
            start_condition(EVEN_POWERS, "x0**(L-2)", "2/(L*delta)", (0.01, 0.1, 0.5),
                            Tier.PRECISE),
            start_condition(EVEN_POWERS, "x0**(L-2)", "2/(L*delta)", (0.01, 0.1, 0.5),
                            Tier.EMPIRICAL),
            *(cycle_certified(p, boundary_cycle(L), ("1/100", "1"), stable=False)
              for p, L in zip(EVEN_POWERS, (4, 6, 8, 10))),
        ),
    )


CLAIMS = (_ex1(), _ex2())
