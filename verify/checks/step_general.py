"""Class proofs (every depth) for Nar & Sastry (2018): the checks wrapping
:mod:`proofs.step_general` (issue 18; the proofs for every width of Appendix A and Remark 4 are
data over matrices of free size, ``verify/papers/nar2018step_appendix.toml``).  Each covers
exactly the class its claim states, so the claim is ``proven`` when every step of the proof
is; a step SymPy cannot finish leaves the check undecided (an attempt: the claim's other checks
still decide its status).
"""

from __future__ import annotations

from collections.abc import Mapping

from proofs import step_general as S
from verify.checks.general_depth import general_proof
from verify.vocabulary import Check

# name -> (steps, class covered (None: the claim's scope, passed in), what the steps prove)
PROOFS = {
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
