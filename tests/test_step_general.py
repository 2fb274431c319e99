"""Issue 18, Nar & Sastry (2018) and its slides: the class proof of proofs/step_general.py
(every depth) proves the printed statement and fails on a wrong variant, the free-algebra
decisions of proofs/matrix_words.py, and the claim it serves is ``proven`` on exactly its
stated class.

Hand values: Tr(X Y) = Tr(Y X) and Tr(X^T) = Tr(X) are what proofs/matrix_words.py uses;
Tr(X^T A Y) = Tr(Y^T A X) holds for symmetric A only; (W + eps X)(P + eps S) has linear term
X P + W S.
"""

from __future__ import annotations

import pytest

from proofs import step_general as S
from proofs.matrix_words import Algebra, equal, trace_equal
from verify.registry import all_claims
from verify.runner import run_claim
from verify.vocabulary import Scope, Status, Strength

# (steps, a wrong variant that must not be proven)
PROOFS = {
    "lemma4_proof_amended": (S.lemma4_proof_amended_steps, "even root"),
}
# The matrix statements of Appendix A and Remark 4 are data (nar2018step_appendix.toml); their
# claims: tests/test_matrix_claims.py.
LIFTED = ("nar2018step.lemma4_proof_amended",)


@pytest.mark.parametrize("name", PROOFS)
def test_the_proof_proves_the_printed_statement(name):
    facts = PROOFS[name][0]()
    assert facts and all(v is True for v in facts.values()), facts


@pytest.mark.parametrize("name", PROOFS)
def test_the_proof_fails_on_a_wrong_variant(name):
    steps, variant = PROOFS[name]
    facts = steps(variant)
    assert any(v is False for v in facts.values()), facts


# --- the free-algebra decision procedure ---------------------------------------------------

ALG = Algebra({"X": ("m", "n"), "Y": ("m", "n"), "A": ("m", "m"), "B": ("n", "n"),
               "S": ("m", "m")}, frozenset({"S"}))


def test_trace_rotation_and_transpose_are_proven():
    X, Y, A = ALG["X"], ALG["Y"], ALG["A"]
    assert trace_equal(ALG, X * ALG.T(Y) * A, A * X * ALG.T(Y)) is True
    assert trace_equal(ALG, X * ALG.T(Y), Y * ALG.T(X)) is True  # Tr(M^T) = Tr(M)


def test_symmetry_is_needed_and_a_counterexample_is_found():
    X, Y, A, Sy = ALG["X"], ALG["Y"], ALG["A"], ALG["S"]
    assert trace_equal(ALG, ALG.T(X) * Sy * Y, ALG.T(Y) * Sy * X) is True
    assert trace_equal(ALG, ALG.T(X) * A * Y, ALG.T(Y) * A * X) is False


def test_free_algebra_identities_respect_order():
    X, A = ALG["X"], ALG["A"]
    assert equal(ALG, A * (X + X), 2 * A * X) is True
    B = ALG["B"]
    assert equal(ALG, A * X * B, A * X * B + A * X * B - A * X * B) is True
    assert equal(ALG, (A + 1) * (A - 1), A * A - 1) is True
    assert equal(ALG, A * A * X, A * X * 2) is False


def test_ill_formed_traces_are_undecided_not_proven():
    X, Y = ALG["X"], ALG["Y"]
    assert trace_equal(ALG, X * Y, Y * X) is None  # m x n times m x n


# --- the claims ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("cid", LIFTED)
def test_lifted_claims_are_proven_on_exactly_their_class(cid):
    claim = next(c for c in all_claims() if c.id == cid)
    result = run_claim(claim, seed=0, quick=True, dps=50)
    assert result.status is Status.CONFIRMED
    assert result.strength is Strength.PROVEN, result.strength_basis
    proofs = [e for e in result.evidence if e.coverage is not None
              and e.coverage.scope is Scope.CLASS and e.coverage.decides]
    assert any(dict(e.coverage.covers) == dict(claim.scope) for e in proofs)
