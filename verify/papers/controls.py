"""Negative controls: deliberately false variants of printed claims; each must be refuted.

They run with every full verification so that a reviewer sees the checks can fail.

| id | false variant of | what is wrong |
|---|---|---|
| controls.ex1_cycle_third | nar2018step.ex1 | the cycle at +-delta^2/3 instead of +-delta^2/4 |
| controls.slides_x2_at_03 | nar2018slides.example | x2*'s threshold placed at 0.3 (tight) instead of 0.2 |
| controls.ex2_wrong_power | nar2018step.ex2 | x0^(L-1) in place of x0^(L-2) |
| controls.chain_half_bound | nar2018slides.proposition | 1/sum(...) in place of 2/sum(...) |
"""

from __future__ import annotations

from verify.checks.certified import (
    chain_threshold_certified, cycle_certified, long_orbit_certified, threshold_crossing_certified,
)
from verify.checks.chains import chain_hessian_symbolic, minimiser_stability
from verify.checks.conditions import start_condition
from verify.checks.orbits import orbit_basins, orbit_identity, orbit_solutions
from verify.checks.thresholds import basin_fractions, threshold_certified, threshold_exact
from verify.checks.common import EVERY_STEP
from verify.papers.nar2018slides import CHAIN_SCOPE, MINIMA, SLIDES_POLY
from verify.papers.nar2018step import ABS_THREE_HALVES, EVEN_POWERS, EX2_SCOPE, boundary_cycle
from verify.vocabulary import Claim, Reference, Tier

PAPER = {"key": "controls", "citation": "Negative controls of the suite (deliberately false).",
         "url": ""}

THIRD = ("delta**2/3", "-delta**2/3")

CLAIMS = (
    Claim(
        id="controls.ex1_cycle_third",
        ref=Reference("controls", "variant of Example 1 (nar2018step)"),
        statement="GD on (2/3)|x|^{3/2} converges to the oscillation between delta^2/3 and "
                  "-delta^2/3.",
        hypotheses={"loss": ABS_THREE_HALVES.loss}, asserts="2-cycle +-delta^2/3",
        scope={"delta": EVERY_STEP},
        checks=(orbit_identity(ABS_THREE_HALVES, THIRD, stable=True),
                orbit_solutions(ABS_THREE_HALVES, THIRD),
                orbit_basins(ABS_THREE_HALVES, THIRD, (0.5, 1.0), (-10.0, 10.0)),
                cycle_certified(ABS_THREE_HALVES, THIRD, ("1/100", "1")),
                long_orbit_certified(ABS_THREE_HALVES, "7/3", "1/3", 100_000, 200, THIRD)),
        control=True),
    Claim(
        id="controls.slides_x2_at_03",
        ref=Reference("controls", "variant of the slides' example (nar2018slides)"),
        statement="GD on (x^2+1)(x-1)^2(x-2)^2 converges to x2* = 2 exactly when delta < 0.3 "
                  "(threshold 0.3, tight).",
        hypotheses={"loss": SLIDES_POLY.loss}, asserts="x2* attracts iff delta < 0.3",
        scope={"delta": EVERY_STEP},
        checks=(threshold_exact(SLIDES_POLY, "2", "3/10", tight=True),
                threshold_certified(SLIDES_POLY, "2", "3/10", "2", tight=True),
                basin_fractions(SLIDES_POLY, MINIMA, {"x2*": "0.3"}, (0.01, 0.6), (0.0, 3.0),
                                tight=True),
                threshold_crossing_certified(SLIDES_POLY, "2", "3/10")),
        control=True),
    Claim(
        id="controls.ex2_wrong_power",
        ref=Reference("controls", "variant of Example 2 (nar2018step)"),
        statement="GD on x^L converges if x0^{L-1} < 2/(L delta) and diverges otherwise.",
        hypotheses={"L": "4, 6"}, asserts="x0^(L-1) < 2/(L delta) <=> convergence",
        scope=EX2_SCOPE,
        checks=(start_condition(EVEN_POWERS[:2], "x0**(L-1)", "2/(L*delta)", (0.1,),
                                Tier.PRECISE),
                start_condition(EVEN_POWERS[:2], "x0**(L-1)", "2/(L*delta)", (0.1,),
                                Tier.EMPIRICAL),
                *(cycle_certified(p, boundary_cycle(L, power=1), ("1/100", "1"), stable=False)
                  for p, L in zip(EVEN_POWERS[:2], (4, 6)))),
        control=True),
    Claim(
        id="controls.chain_half_bound",
        ref=Reference("controls", "variant of the slides' Proposition (nar2018slides)"),
        statement="Convergence to {w_i*} requires delta <= 1 / sum (lam/w_i*)^2.",
        hypotheses={"L": "2, 3"}, asserts="threshold 1/sum(lam/w_i)^2", scope=CHAIN_SCOPE,
        checks=(chain_hessian_symbolic((2, 3), "1/Sum((lam/w[i])**2, (i, 1, L))"),
                minimiser_stability((2, 3), (3.0,), "1/Sum((lam/w[i])**2, (i, 1, L))"),
                chain_threshold_certified((2, 3), ("3",), "1/Sum((lam/w[i])**2, (i, 1, L))")),
        control=True),
)
