"""Wu, Wang & Ma, *Global Convergence of Gradient Descent for Deep Linear Residual Networks*,
NeurIPS 2019.

The claims marked (data) below are in ``wu2019zas.toml`` (the claim language; the identities
for every depth and width over matrices of free size among them, and Lemmas A.1-A.5, 4.4 and
4.5, which cite their derivations in :mod:`proofs.zas_class`), (data, orders) in
``wu2019zas_orders.toml`` (orders in L read off a table of depths), (data, rates) in
``wu2019zas_rates.toml`` (a rate bound along GD, batched float64 runs, near-ZAS starts among
them), (data, flow) in ``wu2019zas_flow.toml`` (a rate bound along the gradient flow; Theorem
4.1 and Remark (2) cite their derivations); the others (Section 3's stable manifold and the
experiments) are built here from check factories; this module computes no bound.

Source: ``shared/papers/wu-wang-ma-2019-zas-deep-linear-resnets.md``.

| id | where | statement (short) |
|---|---|---|
| wu2019zas.sec2_grad | Section 2 | grad_l R = W_{L:l+1}^T (W_{L:l} - Phi) W_{l-1:l}^T (as printed) (data) |
| wu2019zas.sec2_grad_amended | Section 2 | the same with W_{L:1} and W_{l-1:1} (data) |
| wu2019zas.sec3_residual | Section 3 | ZAS = zero residual blocks and output layer; same dynamics (data) |
| wu2019zas.sec3_manifold | Section 3 | O is a saddle of (3.2); M = {w_1 = .. = w_L >= 0} is a stable manifold of O |
| wu2019zas.fig1 | Figure 1 | L = 2, Phi = -1: near-identity lingers near the saddle, ZAS does not |
| wu2019zas.lemma4_2 | Lemma 4.2 | D_l(t) = D_l(0) along gradient flow (data) |
| wu2019zas.thm4_1 | Theorem 4.1 | gradient flow from ZAS: R(t) <= e^{-2t} R(0), any Phi, L >= 1 (data, flow) |
| wu2019zas.thm4_1_remark1 | Remark (1) after Theorem 4.1 | same for rectangular widths d_l >= d_0 (data, flow) |
| wu2019zas.thm4_1_remark2 | Remark (2) after Theorem 4.1 | un-whitened data: R~(t) <= e^{-2 lam_X t} R~(0) (data, flow) |
| wu2019zas.thm4_3 | Theorem 4.3 | GD from ZAS, eta <= min{..}: R(t) <= (1 - eta/2)^t R(0) (data, rates) |
| wu2019zas.thm4_3_iterations | Theorem 4.3 | eta = O(L^-3): O(L^3 log(1/eps)) iterations (data) |
| wu2019zas.phi_def | Theorem 4.3 / Appendix A.3 | phi = max{2||Phi||_F, 3 L^-1/2, 1} is the phi "recalled" in A.3 (e/sqrt(L)) (data) |
| wu2019zas.phi_def_amended | Theorem 4.3 / Appendix A.3 | main-text phi >= appendix phi; both give log(L phi^2) >= 2 (data) |
| wu2019zas.eq4_7 | eq. (4.7) | ||W_l|| = 1 + O(log L / L), ||W_{L-1}|| = O(L^-1/2) (data, orders) |
| wu2019zas.eq4_7_amended | eq. (4.7) | ||W_l|| = 1 + O(log L / L), ||W_L|| = O(sqrt(log L / L)) (data, orders) |
| wu2019zas.lemma4_4 | Lemma 4.4 | (4.6) implies (4.7) and (4.8) (data, orders) |
| wu2019zas.lemma4_4_amended | Lemma 4.4 | (4.6) (constants of A.2, A.3) implies amended (4.7) and (4.8) (data, cites a derivation) |
| wu2019zas.lemma4_5 | Lemma 4.5 | one-step change of D_l is O(eta^2) R, O(eta^2 L) R (data, cites a derivation) |
| wu2019zas.lemma4_6 | Lemma 4.6 | R(t+1) <= (1 - eta/2) R(t) (data) |
| wu2019zas.lemma_a1 | Lemma A.1 | ||W_{L-1:1} W^T - (W_{L-1} W_{L-1}^T)^{L-1}|| <= L^2 alpha^{2(L-2)} delta / 2 (data, cites a derivation) |
| wu2019zas.lemma_a2 | Lemma A.2 | ||grad_L R||_F^2 >= R (data, cites a derivation) |
| wu2019zas.lemma_a3 | Lemma A.3 | alpha^{2(L-1)} < L phi^2, alpha^{2(L-1)} beta^2 < 2 phi^2 (data, cites a derivation) |
| wu2019zas.lemma_a3_proof | Lemma A.3, proof | A >= B => W_L A^{L-1} W_L^T >= W_L B^{L-1} W_L^T; (alpha^2 - x)^{L-1} >= alpha^{2(L-1)} - (L-1) x (data) |
| wu2019zas.lemma_a3_proof_amended | Lemma A.3, proof | the step with the factor alpha^{2(L-2)}; the conclusion still follows (data) |
| wu2019zas.lemma_a4 | Lemma A.4 | ||grad_l R||^2 <= 4 phi^2 R, ||grad_L R||^2 <= 2 L phi^2 R (data, cites a derivation) |
| wu2019zas.lemma_a5 | Lemma A.5 | ||D_l^+ - D_l|| <= 8 eta^2 phi^2 R, ||D_{L-1}^+ - D_{L-1}|| <= 2 eta^2 (L+2) phi^2 R (data, cites a derivation) |
| wu2019zas.lemma_a5_proof | Lemma A.5, proof | D_l^+ = D_l + eta^2 [g_{l+1}^T g_{l+1} + g_l g_l^T] (data) |
| wu2019zas.lemma_a5_proof_amended | Lemma A.5, proof | D_l^+ = D_l + eta^2 [g_{l+1}^T g_{l+1} - g_l g_l^T] (data) |
| wu2019zas.lemma_a6 | Lemma A.6 | R^+ <= (1 - eta/2) R for eta <= min{..} (data) |
| wu2019zas.lemma_a6_proof | Lemma A.6, proof | (x+y)^L bounds for 0 <= y <= x/L^2; each displayed bound on B_k, A_k, I_1, I_2, I_3 (data) |
| wu2019zas.thm4_3_proof | Appendix A.3 | the numeric inequalities of the proof of Theorem 4.3 (data) |
| wu2019zas.thm4_3_proof_amended | Appendix A.3 | R(0) <= phi^2/8 and ||I + D_{L-1}|| <= eta (L+2) phi^4 / 2 < (4L^2)^-1 (data) |
| wu2019zas.remark_near_zas | Remark after Lemma 4.6 | Theorem 4.3 under near-ZAS starts meeting (4.6) (data, rates) |
| wu2019zas.sec5_1 | Section 5.1 | iterations ~ L^gamma, gamma ~ 1/2 (-I), ~ 1 (Gaussian); tuned eta decreases with L |
| wu2019zas.sec5_2 | Section 5.2 | near-identity is attracted to a saddle region; ZAS never is |
| wu2019zas.sec5_2_runs | Figure 3 | near-identity escapes only 2 of 5 times in the given iterations |
| wu2019zas.sec6 | Section 6 | mZAS outperforms Xavier on Fashion-MNIST; Xavier blows up for L = 2000, 10000 |
"""

from __future__ import annotations

from proofs import zas_class as zc
from verify.checks import zas as cz
from verify.checks.derivation import derivation
from verify.experiments import wu2019zas as experiments
from verify.papers import claim_builder
from verify.vocabulary import Check, Claim, Coverage, Scope

PAPER = {
    "key": "wu2019zas",
    "citation": "L. Wu, Q. Wang and C. Ma. Global Convergence of Gradient Descent for Deep "
                "Linear Residual Networks. NeurIPS 2019.",
    "url": "https://arxiv.org/abs/1911.00645",
}

KEY = PAPER["key"]


_make = claim_builder(PAPER)


def _claim(id_: str, where: str, statement: str, hypotheses: dict, asserts: str, checks,
           **kw) -> Claim:
    """A claim whose class is its row of :data:`SCOPES`."""
    return _make(id_, where, statement, hypotheses, asserts, checks, scope=SCOPES[id_], **kw)


# --- the classes the claims state ---------------------------------------------------------

_PHI = "max{2||Phi||_F, 3/sqrt(L), 1}"

# The class each claim states, in the paper's notation (short id -> parameter -> set).
SCOPES: dict[str, dict[str, str]] = {
    "sec3_manifold": {"L": ">= 2", "w(0)": "M = {w_1 = ... = w_L >= 0}"},
    "fig1": {"L": "= 2", "Phi": "= -1"},
    "sec5_1": {"L": "{2, 4, ..., 1024}", "Phi": "-I or Gaussian", "eps": "= 1e-10"},
    "sec5_2": {"L": "= 6", "Phi": "= -I"}, "sec5_2_runs": {"L": "= 6", "Phi": "= -I"},
    "sec6": {"L": "{100, 200, 2000, 10000}", "data": "Fashion-MNIST (1000 samples)"},
}


def _class(short: str, decides: bool = True, part: str = "") -> Coverage:
    """Exact items that carry every member of claim ``short``'s stated class (symbols with
    assumptions ranging over it): a CLASS coverage equal to that claim's scope."""
    return Coverage(Scope.CLASS, SCOPES[short], decides=decides, part=part)


def _proof(name: str, build, short: str) -> Check:
    """A derivation (:mod:`proofs.zas_class`) for claim ``short``'s whole stated class."""
    return derivation(name, build, _class(short), "SymPy-checked derivation: every L, every "
                      "width, the whole parameter class; textbook premises named")


# --- claims --------------------------------------------------------------------------------

def _claims() -> tuple[Claim, ...]:
    return (
        _claim("sec3_manifold", "Section 3",
               "The origin O(0, ..., 0) is a saddle point of R [(3.2)], so gradient descent with "
               "small initialization, e.g., Xavier initialization, will spend long time "
               "escaping the neighborhood of O. In addition, M = {w_1 = w_2 = ... = w_L >= 0} "
               "is a stable manifold of O, i.e., gradient flow starting from any point in M "
               "will converge to O. The near-identity initialization [...] will still be "
               "attracted to the neighborhood of O [...] the ZAS initialization breaks the "
               "symmetry by initialize the output layer to be 0.",
               {"loss": "(w_L ... w_1 + 1)^2 / 2", "L": ">= 2 (for L = 1, O is not critical)",
                "small init": "w_l ~ N(0, 0.01), L = 2, 3, 4 (gradient flow)",
                "near-identity": "(1 - 0.001, 1 + 0.001, 1, 1), L = 4"},
               "O critical, not an extremum; flow on M stays on M and tends to O",
               [_proof("manifold_proof", zc.stable_manifold, "sec3_manifold"),
                cz.manifold_flow(), experiments.saddle_plateau(L=4, figure=False),
                experiments.small_init_plateau()]),
        _claim("fig1", "Figure 1",
               "The near-identity initialization (blue curve) spends long time escaping the "
               "saddle region, while the ZAS initialization (red curve) converges to the "
               "global minima without attraction by the saddle point.",
               {"L": "2", "Phi": "-1", "starts": "(1 - 0.001, 1 + 0.001) and (1, 0)",
                "dynamics": "gradient flow (the figure's step size is not printed)"},
               "near-identity plateau at R = 1/2 >= 10x ZAS's, passing near O",
               [experiments.saddle_plateau()]),
        _claim("sec5_1", "Section 5.1 and Figure 2",
               "We manually tune the optimal learning rate for each L. [...] we numerically find "
               "that the optimal learning rate decrease with L. [...] the number of iterations "
               "required roughly scale as O(L^gamma), where gamma ~ 1/2 for the negative "
               "identity matrix and gamma ~ 1 for the Gaussian random matrices.",
               {"eps": "1e-10", "L": "2, 4, ..., 1024", "eta": "grid c/L, c in [0.1, 20]",
                "tolerance for ~": "+-0.25 on gamma (estimate in the band: supports; whole "
                                   "95% CI outside: refutes)",
                "reading": "gamma as the growth exponent (two-sided); as an upper bound "
                           "O(L^gamma) a smaller measured exponent is consistent",
                "targets": "-I with d = 1 (identical to d = 100 under ZAS); Gaussian d = 2"},
               "fitted gamma ~ printed gamma; tuned eta decreasing in L",
               [experiments.depth_sweep()]),
        _claim("sec5_2", "Section 5.2 and Figure 3",
               "Gradient descent with the near-identity initialization is attracted to a "
               "saddle region, spends a long time escaping that region, and then converges "
               "fast to a global minimum. As a comparison, gradient descent with ZAS "
               "initialization does not encounter any saddle region during the whole "
               "optimization process.",
               {"L": "6", "Phi": "-I", "eta": "0.01", "d": "10 (not printed; [18] used 25)"},
               "near-identity lingers at R = 1/2-type plateaus; ZAS monotone, no plateau",
               [experiments.near_identity_vs_zas()]),
        _claim("sec5_2_runs", "Figure 3",
               "GD with the near-identity successfully escape the saddle region only 2 of 5 "
               "times in the given number of iterations, while the ZAS does not suffer from the "
               "attraction of saddle point at all.",
               {"L": "6", "Phi": "-I", "eta": "0.01", "d": "10"},
               "2 of 5 escape within the budget; ZAS converged",
               [experiments.escape_fraction()],
               not_checkable="the iteration budget of Figure 3 (the figure is not in the "
                             "source text) and its 5 random seeds"),
        _claim("sec6", "Section 6 and Figure 4",
               "It is shown that mZAS initialization always outperforms the Xavier "
               "initialization. [...] The latter blows up for depth L = 2000, 10000.",
               {"data": "Fashion-MNIST, 1000 samples (not available offline)",
                "reduced": "synthetic regression, ReLU ResNet (6.1), L = 10, 50, 200"},
               "mZAS best loss < Xavier best loss at every depth",
               [experiments.mzas_vs_xavier()],
               not_checkable="Fashion-MNIST (no network access) and the paper's widths and "
                             "training budget"),
    )


CLAIMS = _claims()
