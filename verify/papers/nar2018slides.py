"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018 talk slides.

Source: ``shared/papers/nar-sastry-2018-step-size-matters-slides.md``.

| id | where | statement (short) |
|---|---|---|
| nar2018slides.proposition | slide "Lyapunov Stability ... Proposition" (also Section 2 of the paper) | 1/2 (w_L...w_1 - lam)^2: convergence to {w_i*} needs delta <= 2 / sum (lam/w_i*)^2 |
| nar2018slides.proposition_amended | the same, amended | the same condition for stability (convergence from almost every start) |

The slides' other claims are data (``nar2018slides.toml``, ``nar2018slides.example`` among them)
or in :mod:`verify.papers.nar2018slides_statements`.  These two stay here (issue 17) because the
claim language cannot state them with the evidence they have; this module computes no bound:
``chain_hessian_general`` proves the bound for every L >= 2 at every minimiser (H = g g^T on the
whole minimiser set).  In the language a threshold's equilibrium lists every coordinate, so a
chain's minimiser can be written only at one concrete depth (for an integer L it is refused:
"the number of coordinates depends on an integer parameter"): a part per depth and per
minimiser, proven-on-instances at best.
"""

from __future__ import annotations

from verify.checks.chains import (
    NONZERO, chain_hessian_general, chain_hessian_symbolic, minimiser_multiplier_precise,
    minimiser_stability,
)
from verify.checks.certified import chain_threshold_certified
from verify.checks.deeplinear import exact_landing
from verify.papers import claim_builder
from verify.vocabulary import Claim

PAPER = {
    "key": "nar2018slides",
    "citation": "K. Nar and S. S. Sastry. Step Size Matters in Deep Learning. NeurIPS 2018 talk "
                "slides, December 4, 2018.",
    "url": "",
}

_claim = claim_builder(PAPER)

CHAIN_BOUND = "2/Sum((lam/w[i])**2, (i, 1, L))"
CHAIN_SCOPE = {"L": ">= 2", "lam": NONZERO}  # the slide: lam in R, lam != 0, w_L ... w_2 w_1


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


CLAIMS = (_proposition(), _proposition_amended())
