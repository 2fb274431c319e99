"""Class proofs (every depth, every width) for Nar & Sastry (2018): the checks
wrapping :mod:`proofs.step_general` (issue 18).  Each covers exactly the class its claim states,
so the claim is ``proven`` when every step of the proof is; a step SymPy cannot finish leaves
the check undecided (an attempt: the claim's other checks still decide its status).
"""

from __future__ import annotations

from collections.abc import Mapping

from proofs import step_general as S
from verify.checks.general_depth import general_proof
from verify.vocabulary import Check

# The classes, as the claims state them (nar2018step_linear.NET and friends).
NET = {"L": ">= 1", "widths": "any", "R": "!= 0"}

# name -> (steps, class covered (None: the claim's scope, passed in), what the steps prove)
PROOFS = {
    # Appendix A, proof of Theorem 1: cost (2) = 1/2 trace{E^T E}
    "eq2_every_width": (S.eq2_steps, NET,
                        "||R x - P x||^2 = trace(E^T E x x^T), summed over whitened data, for "
                        "every product P = W_L ... W_1 (free algebra, symbolic sizes)"),
    # Appendix A, eq. (5)
    "eq5_every_width": (S.eq5_steps, NET,
                        "the directional derivative of 1/2 ||A W_i B - R||^2 is trace(H^T A^T "
                        "E B^T) for letters A, B of any size (and A or B = I at the ends)"),
    # Appendix A, eq. (6)
    "eq6_every_width": (S.eq6_steps, NET,
                        "(W_L + X_L)...(W_1 + X_1) = product + sum_i A'_i X_i B'_i + (two or "
                        "more X's), by induction on L; with X_i from (5) the linear term is "
                        "-delta sum_i A_i E B_i"),
    # Appendix A, Lemma 1
    "lemma1_every_size": (S.lemma1_steps, {"n": ">= 1"},
                          "<C C^T, D D^T> = ||C^T D||_F^2 >= 0 for Gram factors of any size"),
    # Appendix A, Lemma 2
    "lemma2_every_size": (S.lemma2_steps, {"L": ">= 1", "m, n": ">= 1"},
                          "f is self-adjoint and PSD, and its Rayleigh quotient at u v^T is "
                          "the printed sum (each term, symbolic sizes)"),
    # Remark 4
    "remark4_every_size": (S.remark4_steps, {"L": ">= 1", "n": ">= 1"},
                           "the A_i-gradient at W = I + A is the W_i-gradient, so A_i[k] = "
                           "W_i[k] - I by induction on k"),
    # Proof of Lemma 4 (Appendix C), amended
    "lemma4_proof_every_depth": (S.lemma4_proof_amended_steps, None,
                                 "sigma = 1; a real root of w^L = lam only for odd L; the "
                                 "factor lies in [0, 1] on the orbit and is 1 only at w = 0 "
                                 "(L >= 3)"),
}


def class_proof(name: str, scope: Mapping[str, str] | None = None) -> Check:
    """The check ``name`` of :data:`PROOFS`, covering its class (or ``scope`` when the table
    leaves it to the claim)."""
    steps, covers, what = PROOFS[name]
    return general_proof(name, steps, covers if covers is not None else scope, what)
