"""Class derivations added for issue 18 (proofs/step_class.py, zas_class.lemma_4_4): each proves
the paper's statement for the whole class and fails when the statement is perturbed."""

from __future__ import annotations

import pytest
import sympy as sp

from proofs import derivation as dv
from proofs import resnet_class as rpc
from proofs import step_class as sc
from proofs import zas_class as zc
from verify.registry import select
from verify.vocabulary import CheckContext, Outcome

TRUE = {
    "wu2019zas Lemma 4.4 (amended), orders": zc.lemma_4_4_orders,
    "wu2019zas Lemma 4.4 (amended)": zc.lemma_4_4,
    "nar2018resnet (7): convexity": rpc.convex_network,
    "nar2018resnet (8): gradient jumps": rpc.gradient_jumps,
    "nar2018resnet (10)-(12) amended: gradients": rpc.eq12_gradients,
    "nar2018resnet Section 3.1 (amended): Theorem 3's conditions": rpc.strongly_convex_gradient,
}

FALSE = {
    "||W_l|| - 1 <= phi^2 log(L phi^2) / L": lambda: zc.lemma_4_4_orders(const_up=1),
    "1 - ||W_l|| <= 1/(8L)": lambda: zc.lemma_4_4_orders(const_low=sp.Rational(1, 8)),
    "Lemma 4.4 with the upper constant 1": lambda: zc.lemma_4_4(const_up=1),
    "(7) with a negative weight": lambda: rpc.convex_network(w_sign=-1),
    "(8): jump (W c)_j v_j": lambda: rpc.gradient_jumps("W"),
    "(12a) without the positive part": lambda: rpc.eq12_gradients("no_relu"),
    "inverse Lipschitz with 1/(2m)": lambda: rpc.strongly_convex_gradient(sp.Rational(1, 2)),
}


@pytest.mark.parametrize("name", TRUE)
def test_derivation_proves_the_statement(name):
    out = dv.run(TRUE[name]())
    assert out.proved, out.failed
    assert out.premises


@pytest.mark.parametrize("name", FALSE)
def test_perturbed_statement_is_not_proven(name):
    out = dv.run(FALSE[name]())
    assert not out.proved and out.failed


def test_cauchy_schwarz_identity_needs_the_cross_term():
    alg = sc.Algebra({"x": ("d", "1"), "y": ("d", "1")})
    x, y = alg["x"], alg["y"]
    z = x - sc.s * y
    assert sc.trace_residual(alg, alg.T(z) * z, alg["x^T"] * x + sc.s ** 2 * alg["y^T"] * y) != 0


@pytest.mark.parametrize("cid, check", [
    ("wu2019zas.lemma4_4_amended", "derivation"),
    ("nar2018resnet.eq7", "derivation"),
    ("nar2018resnet.eq8", "printed.derivation"),
    ("nar2018resnet.eq8", "general.derivation"),
    ("nar2018resnet.eq12_amended", "derivation"),
    ("nar2018resnet.sec31_example", "increasing.derivation"),
])
def test_claim_carries_the_class_derivation_with_its_own_scope(cid, check):
    [claim] = select([cid])
    found = [c for c in claim.checks if c.name == check]
    assert len(found) == 1
    finding = found[0].run(CheckContext(seed=0, quick=True))
    assert finding.outcome is Outcome.SUPPORTS
    assert dict(finding.coverage.covers) == dict(claim.scope)

