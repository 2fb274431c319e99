"""Nar & Sastry, *Step Size Matters in Deep Learning*, NeurIPS 2018: Section 4 (two-layer ReLU
networks, Theorem 4, Appendix D, Figure 2) and the paper's explanation of Figure 1 (Section 1).
``nar2018step.thm4`` (as printed), ``thm4_amended``, ``thm4_tight``, ``sec1_convexity``,
``thm4_remark`` and ``thm4_remark_amended`` are data, in ``nar2018step_relu.toml``.

Source: ``shared/papers/nar-sastry-2018-step-size-matters.md``.  Claims use the paper key
``nar2018step``; this module only groups these claims.

| id | where | statement (short) |
|---|---|---|
| nar2018step.fig2 | Section 4 and Figure 2 | 1-20-1 ReLU net, x_i = i/1000: delta = 2e-4 converges, 3e-4 oscillates f_hat_odd / f_hat_even |
| nar2018step.fig1 | Figure 1 caption and Section 1 | the plummet after a step-size drop can only be explained by oscillation around a local optimum |
| nar2018step.fig1_amended | Figure 1 caption and Section 1 (amended) | oscillation around an optimum is one cause of the plummet, not the only one |
"""

from __future__ import annotations

from verify.experiments.nar2018step import (
    FIG2_TARGET, fig2_experiment, orbit_drop_plummet, oscillatory_convergence_speedup,
    sgd_noise_plummet,
)
from verify.papers import claim_builder
from verify.papers.nar2018step import PAPER
from verify.vocabulary import Claim

_claim = claim_builder(PAPER)


def _fig2() -> Claim:
    return _claim(
        "fig2", "Section 4 and Figure 2",
        statement=("We generated a piecewise continuous function f: [0, 1] -> R and estimated it "
                   "with a two-layer network by minimizing sum_i |W g(V x_i - b) - f(x_i)|^2 with "
                   "two different step sizes delta in {2e-4, 3e-4}, where W in R^{1 x 20}, V in "
                   "R^20, b in R^20, N = 1000 and x_i = i/N. [...] training with delta = 2e-4 "
                   "converged to a fixed solution [...]. In contrast, training with delta = 3e-4 "
                   "converged to an oscillation and not to a fixed point. That is, after "
                   "sufficient training, the estimate kept switching between f_hat_odd and "
                   "f_hat_even at each iteration of the gradient descent."),
        hypotheses={"target (reduced check)": FIG2_TARGET, "W, V, b": "standard normal, seeded",
                    "loss": "sum without 1/2, as printed", "seeds": "1 (quick), 3 (full)"},
        asserts="delta = 2e-4: fixed point; delta = 3e-4: period-2 oscillation",
        scope={"delta": "{2e-4, 3e-4}", "network": "1-20-1 ReLU, N = 1000"},
        checks=(fig2_experiment(),),
        not_checkable=("the target function f of Figure 2 (only 'a piecewise continuous "
                       "function' is said), the initial draws and the number of iterations"),
    )


FIG1_STATEMENT = (
    "Figure 1 caption: Right after the step size is decreased, the training error plummets. It "
    "cannot be the case that the parameters are slowly converging to a local optimum or a saddle "
    "point, because decreasing the step size would have further slowed down the convergence in "
    "those cases. This behavior can only be explained by the fact that the initial step size is "
    "too large for certain regions in the parameter space and the parameters keep oscillating "
    "around a local optimum until the step size is changed. Section 1: only these behaviors can "
    "provide a satisfactory explanation for a phenomenon observed in Figure 1 [...] These sharp "
    "falls can only be explained by the fact that the initial step size is too large for some "
    "regions in the parameter space, and the parameters are oscillating around a local optimum "
    "right before the step size is changed.")


def _fig1() -> Claim:
    return _claim(
        "fig1", "Figure 1 caption and Section 1",
        statement=FIG1_STATEMENT,
        hypotheses={"reduced checks": "a quadratic with delta lambda = 1.99 (exact); minibatch "
                                      "SGD on least squares, N = 256, d = 4, batch 1 (seeded); "
                                      "Example 1's 2-cycle (exact)"},
        asserts=("plummet after a step-size drop => oscillation around a local optimum with a "
                 "step too large; slowly converging runs would slow down further"),
        scope={"losses": "any", "delta": "> 0"},
        checks=(oscillatory_convergence_speedup(), sgd_noise_plummet(), orbit_drop_plummet()),
        not_checkable="the CIFAR-10 training runs of He et al. (2016) behind Figure 1",
    )


def _fig1_amended() -> Claim:
    return _claim(
        "fig1_amended", "Figure 1 caption and Section 1 (amended)",
        statement=("A sharp fall of the training error right after the step size is divided is "
                   "what GD oscillating around an optimum shows (the oscillation shrinks with the "
                   "step), so oscillation is one possible cause; the signature alone does not "
                   "identify it (gradient noise and oscillatory convergence produce it too)."),
        hypotheses={"exact": "Example 1's 2-cycle +-delta^2/4 before and after delta -> delta/10"},
        asserts="GD on a 2-cycle around an optimum: loss falls by 1000x when delta -> delta/10",
        scope={"losses": "any with a 2-cycle of GD around an optimum", "delta": "> 0"},
        checks=(orbit_drop_plummet(),),
        amends="nar2018step.fig1",
        amend_reason=("SGD noise with every minibatch map contracting, and GD converging with an "
                      "alternating slow mode, show the same plummet."),
    )


CLAIMS = (_fig2(), _fig1(), _fig1_amended())
