"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018 talk slides: the statements
the claim language does not state.  The slides' example and Proposition
(``nar2018slides.example``, ``proposition``, ``proposition_amended``), the printed
identity-initialisation claim ``nar2018slides.identity_tight`` and the statements on the deep
scalar chain (``nar2018slides.many_minima``, ``different_dynamics``, ``disproportionate``,
``subset``, ``no_lipschitz``, ``ols_contrast``), ``nar2018slides.most_optima_unstable`` and
``nar2018slides.identity_tight_amended`` and ``nar2018slides.theorem_rho`` are data, in
``nar2018slides.toml``; the printed ``nar2018slides.relu_theorem`` in
``nar2018slides_relu.toml``.

Source: ``shared/papers/nar-sastry-2018-step-size-matters-slides.md``.

| id | where | statement (short) |
|---|---|---|
| nar2018slides.relu_theorem_amended | same slide (amended) | 1/delta at interpolating minima or m = 1; only 2/delta in general |

``relu_theorem_amended`` states ``nar2018step.thm4_amended``: its checks are that claim's, shared
(``Check.share``: one computation, seeded by that claim's id).
"""

from __future__ import annotations

from pathlib import Path

from verify.papers import claim_builder
from verify.papers.nar2018step_relu import AMEND_REASON, AMENDED_THM4, amended_checks
from verify.userclaims.paperfile import load_paper_table

PAPER = load_paper_table(Path(__file__).with_name("nar2018slides.toml"))  # the data file's

_claim = claim_builder(PAPER)

CLAIMS = (
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
