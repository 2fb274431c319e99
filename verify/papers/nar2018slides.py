"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018 talk slides.

Source: ``shared/papers/nar-sastry-2018-step-size-matters-slides.md``.

| id | where | statement (short) |
|---|---|---|
| nar2018slides.example | slides 2-3, "Gradient Descent: Effect of Step Size" | f = (x^2+1)(x-1)^2(x-2)^2: x1* only if delta <= 0.5, x2* only if delta <= 0.2; converging with delta = 0.3 means x1* |
| nar2018slides.proposition | slide "Lyapunov Stability ... Proposition" (also Section 2 of the paper) | 1/2 (w_L...w_1 - lam)^2: convergence to {w_i*} needs delta <= 2 / sum (lam/w_i*)^2 |
| nar2018slides.proposition_amended | the same, amended | the same condition for stability (convergence from almost every start) |

The slides' other claims are data (``nar2018slides.toml``) or in
:mod:`verify.papers.nar2018slides_statements`.  These three stay here (issue 17) because the
claim language cannot state them with the evidence they have; this module computes no bound:

* ``example``: its two thresholds are the ``threshold`` kind on a step interval, but the slides
  speak of every delta > 0 (``threshold_exact``: class (0, oo)), and the kind takes no step
  half-line.  "If GD converges with delta = 0.3, the solution is x1*" speaks of every
  convergent run: no kind states it (``convergence`` claims that every start converges; at
  delta = 3/10 GD diverges from x0 = 3), while ``sole_attractor_exact`` decides it from every
  real critical point of f.  The basin figure (``basin_fractions``) has no counterpart for
  thresholds (``cycle_basins`` serves cycle targets only).
* ``proposition``, ``proposition_amended``: ``chain_hessian_general`` proves the bound for every
  L >= 2 at every minimiser (H = g g^T on the whole minimiser set).  In the language a
  threshold's equilibrium lists every coordinate, so a chain's minimiser can be written only at
  one concrete depth (for an integer L it is refused: "the number of coordinates depends on an
  integer parameter"): a part per depth and per minimiser, proven-on-instances at best.
"""

from __future__ import annotations

from verify.checks.chains import (
    NONZERO, chain_hessian_general, chain_hessian_symbolic, minimiser_multiplier_precise,
    minimiser_stability,
)
from verify.checks.certified import chain_threshold_certified, threshold_crossing_certified
from verify.checks.common import EVERY_STEP, ScalarProblem
from verify.checks.deeplinear import exact_landing
from verify.checks.thresholds import (
    basin_fractions, sole_attractor_exact, threshold_certified, threshold_exact,
)
from verify.papers import claim_builder
from verify.vocabulary import Claim

PAPER = {
    "key": "nar2018slides",
    "citation": "K. Nar and S. S. Sastry. Step Size Matters in Deep Learning. NeurIPS 2018 talk "
                "slides, December 4, 2018.",
    "url": "",
}

_claim = claim_builder(PAPER)

SLIDES_POLY = ScalarProblem("(x**2 + 1)*(x - 1)**2*(x - 2)**2")
MINIMA = {"x1*": "1", "x2*": "2"}
CHAIN_BOUND = "2/Sum((lam/w[i])**2, (i, 1, L))"
CHAIN_SCOPE = {"L": ">= 2", "lam": NONZERO}  # the slide: lam in R, lam != 0, w_L ... w_2 w_1
# The example's three statements; each is an implication over every step size.
X1_PART, X2_PART, SOLE_PART = ("x1* only if delta <= 0.5", "x2* only if delta <= 0.2",
                               "delta = 0.3 gives x1*")


def _example() -> Claim:
    return _claim(
        "example", "slides 2-3, Gradient Descent: Effect of Step Size",
        statement=("min (x^2 + 1)(x - 1)^2(x - 2)^2. From random initialization: converges to "
                   "x1* only if delta <= 0.5; converges to x2* only if delta <= 0.2. If the "
                   "algorithm converges with delta = 0.3, the solution is x1*."),
        hypotheses={"loss": SLIDES_POLY.loss, "x1*": "1", "x2*": "2",
                    "random initialization": "uniform in [0, 3] (the slides give none)",
                    "delta": "(0, 0.6] empirical; (bound, 2] certified; all delta symbolic"},
        asserts="delta > 0.5 => not -> x1*; delta > 0.2 => not -> x2*; delta = 0.3 => limit x1*",
        scope={"delta": EVERY_STEP}, parts=(X1_PART, X2_PART, SOLE_PART),
        checks=(
            threshold_exact(SLIDES_POLY, "1", "1/2", part=X1_PART),
            threshold_exact(SLIDES_POLY, "2", "1/5", part=X2_PART),
            sole_attractor_exact(SLIDES_POLY, "3/10", "1", part=SOLE_PART),
            threshold_certified(SLIDES_POLY, "1", "1/2", "2", part=X1_PART),
            threshold_certified(SLIDES_POLY, "2", "1/5", "2", part=X2_PART),
            basin_fractions(SLIDES_POLY, MINIMA, {"x1*": "0.5", "x2*": "0.2"}, (0.01, 0.6),
                            (0.0, 3.0), sole_limit=(0.3, "x1*")),
            threshold_crossing_certified(SLIDES_POLY, "1", "1/2", part=X1_PART),
            threshold_crossing_certified(SLIDES_POLY, "2", "1/5", part=X2_PART),
        ),
    )


def _proposition_checks() -> tuple:
    return (
        chain_hessian_general(CHAIN_BOUND),
        chain_hessian_symbolic((2, 3, 4, 5), CHAIN_BOUND),
        minimiser_multiplier_precise((3, 5), 3.0, CHAIN_BOUND),
        minimiser_stability((2, 3, 4, 5), (-2.0, 0.5, 3.0), CHAIN_BOUND),
        chain_threshold_certified((2, 3, 4, 5), ("-2", "1/2", "3"), CHAIN_BOUND),
    )


PROPOSITION_HYPOTHESES = {
    "L": "every L >= 2 (symbolic, L an integer symbol), 2..5 (symbolic, explicit), 2..5 "
         "(empirical), 3 and 5 (precise)",
    "lam": "-2, 0.5, 3 (empirical), 3 (precise), every lam != 0 (symbolic)",
    "minimisers": "balanced |w_i| = |lam|^(1/L); unbalanced w_1 a, w_L / a, a in {2, 5}",
}


def _proposition() -> Claim:
    return _claim(
        "proposition", "slide Lyapunov Stability of Gradient Descent, Proposition",
        statement=("lam in R, lam != 0, estimated as multiplication of scalar parameters {w_i}: "
                   "min 1/2 (w_L ... w_2 w_1 - lam)^2. For convergence to {w_i*} with "
                   "w_L* ... w_1* = lam, step size must satisfy "
                   "delta <= 2 / sum_{i=1}^L (lam/w_i*)^2."),
        hypotheses={**PROPOSITION_HYPOTHESES,
                    "starts": "any (the slide puts no condition on the start); exact rational "
                              "starts that land on a minimiser in one step"},
        asserts="GD -> {w_i*} => delta <= 2 / sum_i (lam/w_i*)^2", scope=CHAIN_SCOPE,
        # The exact-landing check is the one of Theorem 1 (nar2018step_linear): for scalar
        # chains the bound (3) is exactly 2 / sum (lam/w_i*)^2.
        checks=(exact_landing("thm1"), *_proposition_checks()),
    )


def _proposition_amended() -> Claim:
    return _claim(
        "proposition_amended",
        "slide Lyapunov Stability of Gradient Descent, Proposition (amended)",
        statement=("For GD to converge to {w_i*} from a set of starts of positive measure (or "
                   "for {w_i*} to be stable in the sense of Lyapunov), the step size must "
                   "satisfy delta <= 2 / sum_{i=1}^L (lam/w_i*)^2."),
        hypotheses=PROPOSITION_HYPOTHESES,
        asserts="{w_i*} Lyapunov stable (or attracting a positive-measure set) => "
                "delta <= 2 / sum_i (lam/w_i*)^2",
        scope=CHAIN_SCOPE, checks=_proposition_checks(),
        amends="nar2018slides.proposition",
        amend_reason=("GD can land exactly on an excluded minimiser in one step from a "
                      "measure-zero set of starts, so the condition is necessary only for "
                      "stability, i.e. for convergence from almost every start."),
    )


CLAIMS = (_example(), _proposition(), _proposition_amended())
