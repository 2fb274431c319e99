"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018: Section 3 (identity
initialisation) and Appendices B and C (Lemmas 3 and 4, proofs of Theorems 2 and 3).

Source: ``shared/papers/nar-sastry-2018-step-size-matters.md``.  Claims use the paper key
``nar2018step``; this module only groups the Section 3 claims.  Lemmas 3 and 4
(``nar2018step.lemma3``, ``nar2018step.lemma4``, citing the derivations of
:mod:`proofs.general_depth`) and Theorem 2 amended (``nar2018step.thm2_amended``) are data:
``verify/papers/nar2018step_identity.toml``.  The proof of Lemma 4
as printed (``nar2018step.lemma4_proof``) and Lemma 4 at its edge L = 1
(``nar2018step.lemma4_depth_one``) are data: ``verify/papers/nar2018step_depth.toml``; the
sentence before Theorem 3 and its amendment (``nar2018step.thm3_pre``,
``nar2018step.thm3_pre_amended``) and Remark 4 (``nar2018step.remark4``, proven for every
width), the Section 3 opening paragraph as printed (``nar2018step.sec3_opening``) and its
amendment, Remark 3 (``nar2018step.remark3``), Theorem 3 (``nar2018step.thm3``) and the proof of
Theorem 2 (``nar2018step.thm2_proof``) are data: ``verify/papers/nar2018step_identity.toml``.

| id | where | statement (short) |
|---|---|---|
| nar2018step.remark4_explanation | Remark 4, second sentence | Theorem 2 explains the performance of residual networks (not checkable; reduced check) |
"""

from __future__ import annotations

from verify.checks.identity_init import init_comparison
from verify.papers import claim_builder
from verify.papers.nar2018step import PAPER
from verify.vocabulary import Claim

_claim = claim_builder(PAPER)
DEPTHS = (2, 3, 4, 5)
DEFINITE = ((1.0, 1.0), (0.3, 2.0), (0.05, 0.5, 0.9), (1.5, 4.0, 9.0))
SINGULAR = ((0.0, 1.0), (0.0, 0.0, 2.5))


def _remark4_explanation() -> Claim:
    return _claim(
        "remark4_explanation", "Remark 4, second sentence",
        statement=("The fact that the identity initialization allows convergence to a global "
                   "optimum even for large step sizes is remarkable. [...] Theorem 2 provides an "
                   "explanation for the exceptional performance of residual networks as well "
                   "(He et al., 2016)."),
        hypotheses={"reduced check": "deep linear networks, SPD target spectrum {0.5, 1, 1.5, 2} "
                                     "rotated, n = 4, L = 3, 5: identity vs Gaussian "
                                     "initialisations at delta = 0.25, 0.5, 0.9 x (4)"},
        asserts="identity init reaches the optimum at step sizes where other inits fail",
        checks=(init_comparison((3, 5), (0.5, 1.0, 1.5, 2.0), (0.25, 0.5, 0.9)),),
        not_checkable=("the performance of nonlinear residual networks (He et al., 2016) needs "
                       "ResNet training runs on image data, not available offline"),
    )


CLAIMS = (_remark4_explanation(),)
