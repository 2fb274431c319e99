"""Wu, Wang & Ma (2019): engines (numerics.linear_resnet) against independent values,
and the checks of verify.checks.zas against deliberately wrong variants of the paper's claims."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from numerics import deeplinear as dl
from numerics import linear_resnet as rn
from proofs import zas_general as pzg
from verify.checks import zas as cz
from verify.experiments import wu2019zas as ex
from verify.vocabulary import CheckContext, Outcome, Scope, Strength

CTX = CheckContext(seed=3, quick=True)


# --- numerics.linear_resnet -----------------------------------------------------------------------


def test_zas_square_and_rectangular():
    ws = rn.zas(3, 2)
    assert np.array_equal(ws[0][0], np.eye(2)) and not ws[-1].any()
    ws = rn.zas(3, (2, 3, 4, 5))
    assert [w.shape for w in ws] == [(1, 3, 2), (1, 4, 3), (1, 5, 4)]
    block = np.zeros((4, 3))
    block[0, 0] = block[1, 1] = 1.0  # [[I_{d0}, 0], [0, 0]] with d0 = 2
    assert np.array_equal(ws[1][0], block) and np.array_equal(ws[0][0], np.eye(3, 2))
    # D_l = 0 for l <= L-2, D_{L-1} = -diag(I_{d0}, 0) (Remark (1) after Theorem 4.1)
    D = rn.invariants(ws)
    assert not D[0].any() and np.array_equal(D[1][0], -np.diag([1.0, 1.0, 0.0, 0.0]))
    with pytest.raises(ValueError):
        rn.zas(2, (3, 2, 3))


def test_stacked_gradient_matches_deeplinear():
    rng = np.random.default_rng(0)
    for d in (1, 2, 3):
        ws = dl.random_weights((d,) * 7, 3, rng, near_identity=True)
        Phi = rng.standard_normal((d, d))
        G, E = rn.stacked_gradient(np.stack(ws, axis=1), Phi)
        for l, g in enumerate(dl.gradient(ws, Phi)):
            assert np.allclose(G[:, l], g, atol=1e-12)
        assert np.allclose(E, dl.product(ws) - Phi)


def test_iterations_scalar_chain_by_hand():
    # L = 1, d = 1, Phi = -1 from w = 0: w_t = -1 + (1 - eta)^t, R_t = (1 - eta)^{2t} / 2.
    eta, eps = 0.5, 1e-6
    expected = int(np.ceil(np.log(2 * eps) / (2 * np.log(1 - eta))))
    got = rn.iterations_to(np.zeros((1, 1, 1, 1)), -np.eye(1), np.array([eta]), eps, 100)
    assert got[0] == expected
    # a diverging step size reports -1
    assert rn.iterations_to(np.zeros((1, 1, 1, 1)), -np.eye(1), np.array([2.5]), eps, 100)[0] == -1


def test_flow_scalar_closed_form():
    # L = 1: W' = -(W - Phi), so R(t) = e^{-2t} R(0) exactly (the equality case of Thm 4.1).
    Phi = np.array([[1.0, -2.0], [0.5, 3.0]])
    t = np.linspace(0, 3, 7)
    out = rn.flow(rn.zas(1, 2), Phi, t)
    assert np.allclose(out["loss"][:, 0], np.exp(-2 * t) * 0.5 * np.sum(Phi ** 2), rtol=1e-7)


def test_flow_keeps_invariants_and_data_target():
    rng = np.random.default_rng(1)
    ws = dl.random_weights((2, 3, 3, 2), 2, rng, 0.5, True)
    out = rn.flow(ws, rng.standard_normal((2, 2)), np.linspace(0, 2, 5))
    assert out["drift"].max() < 1e-8
    # the data target reproduces the gradient of (2.2) (finite differences)
    X, Y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    g = dl.gradient(ws, rn.data_target(ws, X, Y))
    h = 1e-6
    p = [w.copy() for w in ws]
    p[1][:, 0, 1] += h
    m = [w.copy() for w in ws]
    m[1][:, 0, 1] -= h
    fd = (rn.data_loss(p, X, Y) - rn.data_loss(m, X, Y)) / (2 * h)
    assert np.allclose(fd, g[1][:, 0, 1], rtol=1e-6)


def test_invariant_drift_of_one_gd_step_is_second_order():
    # Lemma A.5 (re-derived): D_l^+ - D_l = eta^2 (g_{l+1}^T g_{l+1} - g_l g_l^T).
    rng = np.random.default_rng(2)
    ws = dl.random_weights((2, 2, 2, 2), 1, rng, 0.5, True)
    Phi = rng.standard_normal((2, 2))
    g = dl.gradient(ws, Phi)
    eta = 1e-2
    D0, D1 = rn.invariants(ws), rn.invariants([w - eta * gi for w, gi in zip(ws, g)])
    for l in range(2):
        pred = eta ** 2 * (g[l + 1][0].T @ g[l + 1][0] - g[l][0] @ g[l][0].T)
        assert np.allclose(D1[l][0] - D0[l][0], pred, atol=1e-14)


def test_approx_balanced_hits_the_prescribed_norms():
    rng = np.random.default_rng(4)
    ws = rn.approx_balanced(5, 3, rng, 0.8, 1e-3, 2e-3)
    D = rn.invariants([w[None] for w in ws])
    assert np.allclose([np.linalg.norm(x[0], 2) for x in D[:-1]], 1e-3, rtol=1e-9)
    assert np.isclose(np.linalg.norm(np.eye(3) + D[-1][0], 2), 2e-3, rtol=1e-9)
    assert np.isclose(np.linalg.norm(ws[-1], 2), 0.8)


def test_relu_resnet_gradient_and_mzas():
    rng = np.random.default_rng(5)
    X, Y = rng.standard_normal((3, 7)), rng.standard_normal((2, 7))
    p = rn.relu_resnet_init("xavier", 3, 4, 5, 3, 2, rng)
    def lg(p):  # one network as a batch of one
        loss, gV, gU = rn.relu_resnet_loss_grad([v[None] for v in p["V"]],
                                                [u[None] for u in p["U"]], X, Y)
        return loss[0], {"V": [g[0] for g in gV], "U": [g[0] for g in gU]}

    loss, g = lg(p)
    h = 1e-6
    for key, l, idx in (("V", 0, (1, 2)), ("V", 2, (0, 3)), ("U", 1, (2, 1)), ("U", 3, (1, 0))):
        p[key][l][idx] += h
        lp, _ = lg(p)
        p[key][l][idx] -= 2 * h
        lm, _ = lg(p)
        p[key][l][idx] += h
        assert np.isclose((lp - lm) / (2 * h), g[key][l][idx], rtol=1e-5, atol=1e-9)
    z = rn.relu_resnet_init("mzas", 3, 4, 5, 3, 2, rng)
    assert np.isclose(lg(z)[0], 0.5 * np.sum(Y ** 2) / 7)


# --- checks against wrong variants ---------------------------------------------------------




def test_paper_claims_registered():
    from verify.papers import wu2019zas as paper
    from verify.registry import select

    ids = {c.id for c in select(["wu2019zas"])}  # the module's claims and the data file's
    for cid in ("wu2019zas.thm4_1", "wu2019zas.thm4_3", "wu2019zas.lemma_a6",
                "wu2019zas.sec5_1", "wu2019zas.sec6", "wu2019zas.phi_def"):
        assert cid in ids
    for c in paper.CLAIMS:
        if c.amends:
            assert c.amends in ids and c.id.endswith("_amended")


# The printed claims held as data (verify/papers/wu2019zas.toml): each refuted at a point its
# replay line names, and the checks the data replaced are gone from the module.
@pytest.mark.parametrize("cid, check", [
    ("wu2019zas.phi_def", "inequality_search"), ("wu2019zas.thm4_3_proof", "r0.inequality_search"),
    ("wu2019zas.thm4_3_proof", "d_last.inequality_search"),
    ("wu2019zas.sec2_grad", "identity_search"), ("wu2019zas.lemma_a5_proof", "identity_search"),
    ("wu2019zas.lemma_a3_proof", "scalar_step.inequality_search"),
    ("wu2019zas.lemma_a3_proof", "matrix_step.inequality_search"),
])
def test_data_claims_refuted_at_a_point(cid, check):
    from verify.papers import wu2019zas as paper
    from verify.registry import select
    from verify.runner import run_claim
    from verify.vocabulary import Status

    assert cid not in {c.id for c in paper.CLAIMS}
    (claim,) = select([cid])
    result = run_claim(claim, seed=0, quick=True, dps=50)
    ev = next(e for e in result.evidence if e.check == check)
    assert result.status is Status.REFUTED and ev.outcome is Outcome.REFUTES
    assert " --at " in ev.reproduce and ev.counterexample.replay


# The amended claims held as data: each proven (every part on the class its data states).
DATA_PROVEN = ["wu2019zas.phi_def_amended", "wu2019zas.thm4_3_proof_amended",
               "wu2019zas.thm4_3_iterations"]


@pytest.mark.parametrize("cid", DATA_PROVEN)
def test_data_claims_proven(cid):
    from verify.papers import wu2019zas as paper
    from verify.registry import select
    from verify.runner import run_claim
    from verify.vocabulary import Status

    assert cid not in {c.id for c in paper.CLAIMS}
    (claim,) = select([cid])
    result = run_claim(claim, seed=0, quick=True, dps=50)
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN, \
        result.strength_basis


def test_depth_sweep_against_wrong_exponents():
    # -I (d = 1), quick depths 2, 4, ..., 128: the fitted exponent is about 0.28 (counts 8, 8,
    # 9, 11, 14, 18, 24), so gamma = 0.3 is supported and gamma = 2 is refuted, with the
    # counts replayed in mpmath.
    ok = ex.depth_sweep((("negI", 0.3),)).run(CTX)
    assert ok.outcome is Outcome.SUPPORTS, ok.numbers
    bad = ex.depth_sweep((("negI", 2.0),)).run(CTX)
    assert bad.outcome is Outcome.REFUTES and "mpmath" in bad.counterexample.observed
    assert len(bad.figures) == 2


def test_dynamics_checks_quick():
    for check in (ex.near_identity_vs_zas(), ex.escape_fraction(), ex.mzas_vs_xavier(),
                  ex.saddle_plateau(), cz.manifold_flow(), ex.small_init_plateau()):
        assert check.run(CTX).outcome is Outcome.SUPPORTS, check.name


# sec5_1: the Gaussian exponent (about 0.46) is refuted in quick and full mode alike (issue 15)
_REFUTED = {"sec2_grad", "phi_def", "eq4_7", "lemma4_4", "lemma_a3_proof", "lemma_a5_proof",
            "thm4_3_proof", "sec5_1"}
_NOT_CHECKABLE = {"sec5_2_runs", "sec6"}


def _paper_claims():
    """Every wu2019zas claim: the module's and the data file's."""
    from verify.registry import select

    return select(["wu2019zas"])


def test_quick_statuses(quick_results):
    """Regression: every wu2019zas claim's status in the shared quick run (seed 0)."""
    from verify.vocabulary import Status

    for claim in _paper_claims():
        short = claim.id.split(".", 1)[1]
        expected = (Status.REFUTED if short in _REFUTED else
                    Status.NOT_CHECKABLE if short in _NOT_CHECKABLE else Status.CONFIRMED)
        assert quick_results[claim.id].status is expected, claim.id


# --- proofs for every depth and width (proofs.zas_general) --------------------------------


def test_general_identities_hold_and_wrong_variants_do_not():
    assert pzg.is_zero(pzg.gradient_residual())
    assert pzg.is_zero(pzg.flow_derivative_of_invariant())
    assert pzg.is_zero(pzg.one_step_residual(printed=False))
    # the printed expansion is not an identity
    assert not pzg.is_zero(pzg.one_step_residual(printed=True))
    step, form = pzg.bernoulli_step()
    assert sp.expand(step - form) == 0


def test_general_gradient_agrees_with_entries_at_an_instance():
    # the free-algebra gradient specialised to L = 3, l = 2 (A = W_3, B = W_1) against the
    # entry-by-entry derivative of proofs.zas at d = 2 (independent route)
    A, W, B, Phi = pzg.one_layer()
    d = 2
    mats = {M: sp.Matrix(d, d, lambda i, j, n=M.name: sp.Symbol(f"{n}_{i}{j}"))
            for M in (A, W, B, Phi)}
    E = mats[A] * mats[W] * mats[B] - mats[Phi]
    formula = mats[A].T * E * mats[B].T
    R = sum(e ** 2 for e in E) / 2
    exact = mats[W].applyfunc(lambda w: sp.diff(R, w))
    assert (exact - formula).applyfunc(sp.expand) == sp.zeros(d, d)




_PROVEN = {"sec2_grad_amended", "sec3_residual", "lemma4_2", "lemma_a5_proof_amended",
           "thm4_3_iterations", "phi_def_amended", "thm4_3_proof_amended",
           # derivations for the whole class (proofs/zas_class.py)
           "sec3_manifold", "thm4_1", "thm4_1_remark2", "lemma4_5", "lemma_a1", "lemma_a2",
           "lemma_a3", "lemma_a3_proof_amended", "lemma_a4", "lemma_a5", "lemma4_4_amended"}
_ON_INSTANCES: set[str] = set()


def test_quick_strengths(quick_results):
    """Regression: the lifted claims' strength; every other confirmed claim is sampled."""
    for claim in _paper_claims():
        res = quick_results[claim.id]
        short = claim.id.split(".", 1)[1]
        if res.status.value != "confirmed":
            assert short not in _PROVEN | _ON_INSTANCES, claim.id
            continue
        expected = (Strength.PROVEN if short in _PROVEN else Strength.PROVEN_ON_INSTANCES
                    if short in _ON_INSTANCES else Strength.SAMPLED)
        assert res.strength is expected, (claim.id, res.strength, res.strength_basis)


def test_proven_claims_are_covered_exactly(quick_results):
    """Every proven wu2019zas claim rests on a deciding symbolic/certified SUPPORTS whose covers
    equal the claim's stated scope; every claim states a scope."""
    from verify.vocabulary import Tier

    for claim in _paper_claims():
        assert claim.scope, claim.id
        res = quick_results[claim.id]
        if res.strength is not Strength.PROVEN:
            continue
        exact = [e for e in res.evidence if e.outcome is Outcome.SUPPORTS and e.coverage
                 and e.coverage.scope is Scope.CLASS and e.tier in (Tier.SYMBOLIC, Tier.CERTIFIED)]
        deciding = [e for e in exact if e.coverage.decides]
        # or, for a claim made of parts, a class proof of each part (lemma_a3_proof_amended)
        parts = {e.coverage.part for e in exact if dict(e.coverage.covers) == dict(claim.scope)}
        assert (deciding and all(dict(e.coverage.covers) == dict(claim.scope)
                                 for e in deciding)) or (
            claim.parts and set(claim.parts) <= parts), claim.id


def test_every_supporting_finding_declares_coverage(quick_results):
    from verify.papers import wu2019zas as paper

    for claim in paper.CLAIMS:
        for e in quick_results[claim.id].evidence:
            if e.outcome is Outcome.SUPPORTS and e.check != "depth_sweep":
                assert e.coverage is not None, (claim.id, e.check)


# --- the fast engines of numerics.linear_resnet against the engines they replace ----------------------


def test_reduced_zas_gd_counts_equal_the_matrix_gd():
    # every step size of a grid (converging, slow, diverging runs), square targets of widths
    # 1-3 (a repeated singular value included), against numerics.linear_resnet.iterations_to
    rng = np.random.default_rng(7)
    targets = [-np.eye(1), rng.standard_normal((2, 2)), np.diag([2.0, 2.0, 0.5]),
               rng.standard_normal((3, 3))]
    etas_c = np.geomspace(0.1, 20, 12)
    for Phi in targets:
        for L in (2, 3, 6):
            W0 = np.repeat(np.stack(rn.zas(L, Phi.shape[0]), axis=1), etas_c.size, axis=0)
            for first in (False, True):
                want = rn.iterations_to(W0, Phi, etas_c / L, 1e-8, 400, first=first)
                got = rn.zas_iterations(L, Phi, etas_c / L, 1e-8, 400, first=first)
                assert np.array_equal(got, want), (Phi, L, first)
    with pytest.raises(ValueError):
        rn.zas_iterations(1, -np.eye(1), np.array([0.1]), 1e-8, 10)


def test_relu_resnet_finals_blow_up_and_batch():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((3, 20))
    Y = np.tanh(rng.standard_normal((2, 3)) @ X)
    lrs = [3.0, 0.1, 0.01]  # the first blows up
    inits = [rn.relu_resnet_init(kind, 3, 4, 5, 4, 2, np.random.default_rng(s))
             for kind, s in (("mzas", 0), ("xavier", 1), ("xavier", 2))]
    got = rn.relu_resnet_finals([p for p in inits for _ in lrs], X, Y, lrs * 3, 15)
    # a network's run does not depend on the batch it is in (a run that leaves it included)
    alone = [rn.relu_resnet_finals([p], X, Y, [lr], 15)[0] for p in inits for lr in lrs]
    assert np.array_equal(got, np.array(alone)) and np.isinf(got[0])
    assert np.isfinite(got[1]) and np.isfinite(got[2])  # mZAS at the smaller rates


def test_free_algebra_decides_like_matrix_expressions():
    d = sp.Symbol("n", integer=True, positive=True)
    A, B = sp.MatrixSymbol("A", d, d), sp.MatrixSymbol("B", d, d)
    assert pzg.free_algebra((A * B).T) == sp.Symbol("B.T", commutative=False) * \
        sp.Symbol("A.T", commutative=False)
    # (A B)^T - B^T A^T = 0 but A B - B A is not: the non-commutative expansion tells them apart
    assert pzg.expanded((A * B).T - B.T * A.T) == sp.ZeroMatrix(d, d)
    assert pzg.expanded(A * B - B * A) != sp.ZeroMatrix(d, d)


def test_chunked_escape_steps_equal_the_whole_history():
    # chunks of 37 steps, runs leaving the batch once below the level, against one history
    for level in (0.3, 1e-2):
        hz, hn = rn.zas_and_near_identity_losses(4, 3, 6, np.random.default_rng(5), 0.05, 300)
        h = np.concatenate([hz, hn], axis=1)
        want = [int(np.argmax(c < level)) if (c < level).any() else 301 for c in h.T]
        got = rn.escape_steps(4, 3, 6, np.random.default_rng(5), 0.05, 300, level, chunk=37)
        assert got.tolist() == want
        assert level == 1e-2 or 301 > min(want) > 0  # the coarse level: escapes mid-chunk
