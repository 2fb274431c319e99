"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018: Remark 1 (Section 2),
the one claim of Section 2 and Appendix A that is still Python.  Registered under
``nar2018step`` (``PAPER`` is that paper's).

The others are data: ``nar2018step.sec2_not_isolated``, its amendment and
``nar2018step.sec2_not_strongly_convex`` (``verify/papers/nar2018step_depth.toml``); Theorem 1
and Corollaries 1 and 2 as printed (``nar2018step_landing.toml``: refuted by exact one-step
landings); Corollaries 1 and 2 amended and Remark 2 (``nar2018step_minima.toml``: inequalities
at every minimiser); ``nar2018step.thm1_small``, its amendment and
``nar2018step.sec2_not_strongly_convex_amended`` (``nar2018step_section2.toml``); Theorem 1
amended, Lemmas 1 and 2 and eqs. (2), (5)-(9) (``nar2018step_appendix.toml``, over matrices of
free size);
the controls ``controls.thm1_half_bound``, ``controls.cor2_half``, ``controls.eq8_skip``,
``controls.eq5_no_transpose`` and ``controls.lemma2_nonsymmetric``
(``verify/papers/controls.toml``).

Source: ``shared/papers/nar-sastry-2018-step-size-matters.md``.

| id | where | statement (short) |
|---|---|---|
| nar2018step.remark1 | Remark 1 | GD might converge to an oscillation around an optimum violating (3) while others satisfy (3) |
"""

from __future__ import annotations

from verify.checks.deeplinear import oscillation_search, two_cycle_stability
from verify.checks.oscillation import (
    near_optimum_exclusion, sharpness_landscape, two_cycle_witness,
)
from verify.papers import claim_builder
from verify.papers.nar2018step import PAPER
from verify.vocabulary import Claim

_claim = claim_builder(PAPER)
LOSS = ("1/(2N) sum_i ||R x_i - W_L ... W_1 x_i||^2, (1/N) sum x_i x_i^T = I, so "
        "0.5 ||W_L ... W_1 - R||_F^2")
NET2 = {"L": ">= 2", "widths": "any", "R": "!= 0"}  # every depth >= 2, every width


def _remark1() -> Claim:
    return _claim(
        "remark1", "Remark 1",
        statement=("Theorem 1 provides a necessary condition for convergence to a specific "
                   "solution. [...] It might be the case, for example, that the algorithm "
                   "converges to an oscillation around a local optimum which violates (3) even "
                   "though there are some other local optima which satisfy (3)."),
        hypotheses={"loss": LOSS,
                    "witness sought": ("a period-2 orbit of GD attracting an open set of "
                                       "starts, around an optimum violating (3), at a delta "
                                       "<= (4) (so the balanced optimum satisfies (3))"),
                    "searched": ("GD runs (2 x 2, L = 2, 3); Newton for 2-cycles: scalar "
                                 "L = 2, 3, widths (2,2,2), (2,3,2), (2,1,2), (1,2,1), "
                                 "(2,2,2,2), diagonal and non-symmetric targets, delta = "
                                 "0.5 to 0.99 x (4), control 1.05-1.1 x (4)"),
                    "excluded exactly": ("scalar chains L = 2, 3, 4: periodic orbits near the "
                                         "optimum set (SymPy imbalance law, flip normal "
                                         "form); L = 2: every 2-cycle at any amplitude"),
                    "landscape": ("local minima of lambda_max(H) over the optimum set, 2 x 2 "
                                  "layers, L = 2, 3: a spurious one would seed a witness")},
        asserts=("exists delta and an open set of starts whose GD orbits converge to an "
                 "oscillation around an optimum violating (3) while another optimum satisfies (3)"),
        scope=NET2,
        checks=(oscillation_search((2, 3), (0.8, 0.95)),
                two_cycle_stability((2, 3), (0.5, 0.9, 0.99, 1.1)),
                near_optimum_exclusion((2, 3, 4), ((2, 2, 2), (1, 2, 1), (2, 1, 2))),
                two_cycle_witness(), sharpness_landscape()))


CLAIMS = (_remark1(),)
