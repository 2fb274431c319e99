"""Class proofs (every depth, every width) for Nar & Sastry (2018) and its slides: the checks
wrapping :mod:`proofs.step_general` (issue 18).  Each covers exactly the class its claim states,
so the claim is ``proven`` when every step of the proof is; a step SymPy cannot finish leaves
the check undecided (an attempt: the claim's other checks still decide its status).
"""

from __future__ import annotations

from proofs import step_general as S
from verify.checks.general_depth import general_proof
from verify.vocabulary import Check

# The classes, as the claims state them (nar2018step_linear.NET and friends).
NET = {"L": ">= 1", "widths": "any", "R": "!= 0"}


def eq2_every_width() -> Check:
    """Appendix A, proof of Theorem 1: cost (2) = 1/2 trace{E^T E}, every depth and width."""
    return general_proof("eq2_every_width", S.eq2_steps, NET,
                         "||R x - P x||^2 = trace(E^T E x x^T), summed over whitened data, for "
                         "every product P = W_L ... W_1 (free algebra, symbolic sizes)")


def eq5_every_width() -> Check:
    """Appendix A, eq. (5): the printed update is the gradient, every layer, depth and width."""
    return general_proof("eq5_every_width", S.eq5_steps, NET,
                         "the directional derivative of 1/2 ||A W_i B - R||^2 is trace(H^T A^T "
                         "E B^T) for letters A, B of any size (and A or B = I at the ends)")


def eq6_every_width() -> Check:
    """Appendix A, eq. (6): first-order error dynamics, by induction on the depth."""
    return general_proof("eq6_every_width", S.eq6_steps, NET,
                         "(W_L + X_L)...(W_1 + X_1) = product + sum_i A'_i X_i B'_i + (two or "
                         "more X's), by induction on L; with X_i from (5) the linear term is "
                         "-delta sum_i A_i E B_i")


def lemma1_every_size() -> Check:
    """Appendix A, Lemma 1, every size n."""
    return general_proof("lemma1_every_size", S.lemma1_steps, {"n": ">= 1"},
                         "<C C^T, D D^T> = ||C^T D||_F^2 >= 0 for Gram factors of any size")


def lemma2_every_size() -> Check:
    """Appendix A, Lemma 2, every L, m, n."""
    return general_proof("lemma2_every_size", S.lemma2_steps, {"L": ">= 1", "m, n": ">= 1"},
                         "f is self-adjoint and PSD, and its Rayleigh quotient at u v^T is the "
                         "printed sum (each term, symbolic sizes)")


def remark4_every_size() -> Check:
    """Remark 4: identity init of W_i = zero init of W_i = I + A_i, every L and n."""
    return general_proof("remark4_every_size", S.remark4_steps, {"L": ">= 1", "n": ">= 1"},
                         "the A_i-gradient at W = I + A is the W_i-gradient, so A_i[k] = "
                         "W_i[k] - I by induction on k")


def lemma4_proof_every_depth(scope) -> Check:
    """Proof of Lemma 4 (amended), every L >= 2."""
    return general_proof("lemma4_proof_every_depth", S.lemma4_proof_amended_steps, scope,
                         "sigma = 1; a real root of w^L = lam only for odd L; the factor lies "
                         "in [0, 1] on the orbit and is 1 only at w = 0 (L >= 3)")


def ols_contrast_every_depth() -> Check:
    """Slides, "contrary to ordinary least squares", every L >= 2."""
    return general_proof("ols_contrast_every_depth", S.ols_contrast_steps, {"L": ">= 2"},
                         "L = 1: error multiplier 1 - delta for every target; L >= 2: the "
                         "balanced threshold 2/(L c^(2L-2)) depends on the target")


def no_lipschitz_every_depth(scope) -> Check:
    """Slides, after the Proposition: no global Lipschitz constant, every L >= 2."""
    return general_proof("no_lipschitz_every_depth", S.no_lipschitz_steps, scope,
                         "the gradient's difference quotient along w_1 at (., s, ..., s) is "
                         "s^(2L-2), unbounded in s")
