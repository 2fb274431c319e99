"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018 talk slides: the statements
the claim language does not state.  The slides' example and Proposition
(``nar2018slides.example``, ``proposition``, ``proposition_amended``), the printed
identity-initialisation claim ``nar2018slides.identity_tight`` and the statements on the deep
scalar chain (``nar2018slides.many_minima``, ``different_dynamics``, ``disproportionate``,
``subset``, ``no_lipschitz``, ``ols_contrast``), ``nar2018slides.most_optima_unstable`` and
``nar2018slides.identity_tight_amended`` are data, in ``nar2018slides.toml``; the printed
``nar2018slides.relu_theorem`` in ``nar2018slides_relu.toml``.

Source: ``shared/papers/nar-sastry-2018-step-size-matters-slides.md``.

| id | where | statement (short) |
|---|---|---|
| nar2018slides.theorem_rho | slide Deep Linear Networks, Theorem | random init, converged: rho(R_hat) <= (2/(L delta))^(L/(2L-2)) almost surely; step size bounds the Lipschitz constant |
| nar2018slides.relu_theorem_amended | same slide (amended) | 1/delta at interpolating minima or m = 1; only 2/delta in general |
"""

from __future__ import annotations

from pathlib import Path

from verify.checks.dynamics import converged_rho, start_on_unstable_minimum
from verify.papers import claim_builder
from verify.papers.nar2018step_relu import AMEND_REASON, AMENDED_THM4, amended_checks
from verify.userclaims.paperfile import load_paper_table

PAPER = load_paper_table(Path(__file__).with_name("nar2018slides.toml"))  # the data file's

_claim = claim_builder(PAPER)

CLAIMS = (
    _claim(
        "theorem_rho", "slide Deep Linear Networks, Theorem",
        statement=("{x_i} satisfies (1/N) sum x_i x_i^T = I; R is estimated as multiplication of "
                   "{W_j} by min 1/(2N) sum ||R x_i - W_L ... W_1 x_i||^2. Assume the gradient "
                   "descent algorithm with random initialization has converged to R_hat. Then "
                   "rho(R_hat) <= (2/(L delta))^{L/(2L-2)} almost surely. Step size bounds the "
                   "Lipschitz constant of the estimated function."),
        hypotheses={"networks": "n = 2, L = 2, 3, 4, whitened data (closed-form loss)",
                    "starts": "W_i = I + 0.3 N(0,1)/sqrt(n)",
                    "targets": "random R with ||R|| in [0.5, 1.5] x the bound",
                    "null set": "a start exactly on a repelling minimiser (exact)"},
        asserts=("converged => rho(R_hat) <= (2/(L delta))^(L/(2L-2)), except on a null set of "
                 "starts"), scope={"L": ">= 2", "widths": "any"},
        checks=(converged_rho(), start_on_unstable_minimum()),
    ),
    _claim(
        "relu_theorem_amended", "slide Nonlinear Networks, Theorem (amended)",
        statement=AMENDED_THM4,
        hypotheses={"network": "f_hat(x) = W (V x - b)_+, b fixed", "m": "1 and 2",
                    "minima": "interpolating and not; units at a kink excluded and counted"},
        asserts=("interpolating or m = 1: max ||x|| ||f_hat|| <= 1/delta; in general "
                 "max ||x|| ||f_hat|| <= 2/delta"),
        scope={"n, m, r": ">= 1", "b": "any fixed bias", "{x_i}": "any"},
        checks=amended_checks(),
        amends="nar2018slides.relu_theorem",
        amend_reason=AMEND_REASON,
    ),
)
