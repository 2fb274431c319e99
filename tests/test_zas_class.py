"""Derivations of Wu, Wang & Ma (2019) for the whole class (proofs/zas_class.py): each proves
the paper's statement, and fails when its constant or exponent is perturbed to a false one."""

from __future__ import annotations

import pytest
import sympy as sp

from proofs import derivation as dv
from proofs import zas_class as zc
from verify.checks.derivation import derivation
from verify.vocabulary import CheckContext, Coverage, Outcome, Scope

TRUE = {
    "theorem 4.1": zc.theorem_4_1,
    "remark (2)": lambda: zc.theorem_4_1(data=True),
    "stable manifold": zc.stable_manifold,
    "lemma A.1": zc.lemma_a1,
    "lemma A.2": zc.lemma_a2,
    "lemma A.4": zc.lemma_a4,
    "lemma A.5": zc.lemma_a5,
    "lemma 4.5": zc.lemma_4_5,
    "lemma A.3": zc.lemma_a3,
    "lemma A.3, matrix step": zc.a3_matrix_step,
}

FALSE = {
    "rate 3 instead of 2 (false at L = 1: R(t) = e^{-2t} R(0))": lambda: zc.theorem_4_1(rate=3),
    "telescoping to the power k + 2": lambda: zc.telescoping(1),
    "(A.2) with l(l-1)/4 (first-order sharp for scalars)":
        lambda: zc.lemma_a1(coef=sp.Rational(1, 4)),
    "(A.1) with L^2/8": lambda: zc.lemma_a1(const=sp.Rational(1, 8)),
    "Lemma A.2 with ||grad_L||^2 >= 2R": lambda: zc.lemma_a2(factor=2),
    "Lemma A.4 with 3 phi^2 R": lambda: zc.lemma_a4(c_hidden=3),
    "Lemma A.4 with L phi^2 R": lambda: zc.lemma_a4(c_out=1),
    "Lemma A.5 with L phi^2 for D_{L-1}": lambda: zc.lemma_a5(c_last=lambda L: L),
    "Lemma A.5 with 3 phi^2": lambda: zc.lemma_a5(c_hidden=3),
    "Lemma A.3 with ||W_{L:1}||^2 > alpha^{2(L-1)} beta^2": lambda: zc.lemma_a3(1),
}


@pytest.mark.parametrize("name", TRUE)
def test_derivation_proves_the_papers_statement(name):
    out = dv.run(TRUE[name]())
    assert out.proved, out.failed
    assert out.premises  # the textbook facts it rests on are listed


@pytest.mark.parametrize("name", FALSE)
def test_perturbed_statement_is_not_proven(name):
    out = dv.run(FALSE[name]())
    assert not out.proved and out.failed


def test_a_wrong_identity_fails_and_an_undecidable_inequality_is_not_a_proof():
    W, Xn = sp.symbols("W Xn", commutative=False)
    assert dv.check(dv.identity("W X = X W", W * Xn - Xn * W)) is False
    x = sp.Symbol("x", real=True)
    assert dv.check(dv.inequality("x >= 0 for real x", x, ">=", 0)) is None
    with pytest.raises(ValueError, match="rel"):
        dv.inequality("bad", 0, "=>", 1)


def test_check_supports_with_the_class_only_when_every_step_holds():
    cov = Coverage(Scope.CLASS, {"L": ">= 1"})
    ok = derivation("t", zc.push_through, cov, "").run(CheckContext(seed=0, quick=True))
    assert ok.outcome is Outcome.SUPPORTS and ok.coverage == cov
    bad = derivation("t", lambda: zc.telescoping(1), cov, "").run(CheckContext(seed=0, quick=True))
    assert bad.outcome is Outcome.UNDECIDED and bad.coverage is None
    assert derivation("t", zc.push_through, cov, "").attempt
