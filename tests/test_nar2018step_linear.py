"""Section 2 and Appendix A of Nar & Sastry (2018): engines (numerics.factorisations,
proofs.deeplinear) against independent values, and the check factories still in Python (Remark
1: verify.checks.deeplinear) against deliberately wrong variants.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import deeplinear as dl
from numerics import factorisations as fz
from verify.checks import deeplinear as cd
from verify.vocabulary import CheckContext, Outcome

QUICK = CheckContext(seed=11, quick=True)


def rand_net(dims, rng):
    return [rng.standard_normal((dims[j + 1], dims[j])) for j in range(len(dims) - 1)]


# --- engines -------------------------------------------------------------------------------


@pytest.mark.parametrize("dims", [(2, 2), (3, 2, 3), (2, 3, 4, 2), (1, 2, 2, 1)])
def test_hessian_matches_complex_step_hessian(dims):
    rng = np.random.default_rng(1)
    W = rand_net(dims, rng)
    R = rng.standard_normal((dims[-1], dims[0]))
    np.testing.assert_allclose(fz.hessian(W, R), dl.hessian_dense(fz.batched(W), R),
                               atol=1e-12 * np.abs(fz.hessian(W, R)).max())


def test_jacobian_matches_finite_differences():
    rng = np.random.default_rng(2)
    W = rand_net((2, 3, 2), rng)
    J = fz.product_jacobian(W)
    flat = dl.flatten(fz.batched(W))[0]
    h = 1e-7
    for k in range(flat.size):
        e = np.zeros_like(flat)
        e[k] = h
        plus = [w[0] for w in dl.unflatten(flat + e, (2, 3, 2))]
        minus = [w[0] for w in dl.unflatten(flat - e, (2, 3, 2))]
        fd = (fz.end_to_end(plus) - fz.end_to_end(minus)).ravel() / (2 * h)
        np.testing.assert_allclose(J[:, k], fd, atol=1e-7)


def test_f_is_jjt_and_hessian_is_jtj_at_a_global_minimum():
    rng = np.random.default_rng(3)
    R = rng.standard_normal((3, 3))
    W = fz.factorise(R, 3, fz.random_cores(3, 3, rng))
    J = fz.product_jacobian(W)
    np.testing.assert_allclose(fz.end_to_end(W), R, atol=1e-12)
    np.testing.assert_allclose(J @ J.T, fz.f_operator(W), atol=1e-10)
    np.testing.assert_allclose(fz.hessian(W, R), J.T @ J, atol=1e-9)


def test_bound_3_by_hand_for_a_scalar_chain():
    # w = (2, 3): p_0 = 1, p_1 = 2, q_2 = 3, q_3 = 1 -> sum = 1*9 + 4*1 = 13 = w1^2 + w2^2,
    # and H = g g^T with g = (w2, w1) has lambda_max = 13 (ratio 1).
    W = [np.array([[2.0]]), np.array([[3.0]])]
    assert fz.thm1_denominator(W) == pytest.approx(13.0)
    assert np.linalg.eigvalsh(fz.hessian(W, np.array([[6.0]])))[-1] == pytest.approx(13.0)


@pytest.mark.parametrize("L", [2, 3, 5])
def test_balanced_factorisation_attains_bound_4(L):
    R = np.diag([2.0, 0.5])
    W = fz.balanced(R, L)
    np.testing.assert_allclose(fz.end_to_end(W), R, atol=1e-12)
    lam = np.linalg.eigvalsh(fz.hessian(W, R))[-1]
    assert lam == pytest.approx(L * 2.0 ** (2 * (L - 1) / L), rel=1e-12)  # L rho^{2(L-1)/L}


def test_bottleneck_minimiser_is_a_critical_point_of_the_best_rank_r_approximation():
    rng = np.random.default_rng(4)
    R = rng.standard_normal((4, 4))
    W = fz.factorise(R, 2, fz.random_cores(2, 3, rng))
    U, s, Vt = np.linalg.svd(R)
    np.testing.assert_allclose(fz.end_to_end(W), U[:, :2] * s[:2] @ Vt[:2], atol=1e-12)
    for g in dl.gradient(fz.batched(W), R):
        assert np.abs(g).max() < 1e-12
    assert np.linalg.eigvalsh(fz.hessian(W, R))[0] > -1e-10  # a minimum, not a saddle


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10 ** 6), st.integers(2, 4), st.floats(0.1, 1.5))
def test_theorem1_inequality_at_random_factorisations(seed, L, spread):
    """lambda_max(H) >= sum p_{j-1}^2 q_{j+1}^2 (Lemma 2 at a global minimum), any cores."""
    rng = np.random.default_rng(seed)
    R = rng.standard_normal((2, 2))
    W = fz.factorise(R, 2, fz.random_cores(2, L, rng, spread))
    assert fz.ratio(W, R) >= 1 - 1e-8


# --- checks: printed claims and deliberately wrong variants --------------------------------


def test_oscillation_search_never_refutes():
    assert cd.oscillation_search((2,), (0.9,)).run(QUICK).outcome in (Outcome.SUPPORTS,
                                                                       Outcome.UNDECIDED)




def test_two_cycles_of_the_scalar_chain_by_hand():
    # L = 2, lam = 1: on the diagonal GD is s -> s - delta s (s^2 - 1), whose multiplier at
    # s = 1 is 1 - 2 delta = -1 at delta = 1 (period doubling): a stable 2-cycle just above 1.
    # Each point returned must be a genuine 2-cycle (checked by two steps of chain_step).
    rng = np.random.default_rng(0)
    for w, radius in fz.two_cycles(2, 1.0, 1.1, rng, 300):
        once = fz.chain_step(w[None], 1.0, 1.1)
        np.testing.assert_allclose(fz.chain_step(once, 1.0, 1.1)[0], w, atol=1e-10)
        assert np.abs(once[0] - w).max() > 1e-6
    assert any(r < 1 for _, r in fz.two_cycles(2, 1.0, 1.1, rng, 300))
    assert all(r > 1 for _, r in fz.two_cycles(2, 1.0, 0.9, rng, 300))
    f = cd.two_cycle_stability((2,), (0.9, 1.1)).run(QUICK)
    assert f.outcome is Outcome.UNDECIDED and "positive control above (4) finds" in f.detail


def test_remark1_searches_hand_candidates_to_the_full_verifier():
    """A stable 2-cycle found above (4) passes every Remark 1 condition but one: no optimum
    satisfies (3) there, so the search checks must not count it as a witness."""
    import numpy as np

    from numerics import factorisations as fz
    from numerics import oscillation as osc

    cycles = fz.two_cycles(2, 1.0, 1.1, np.random.default_rng(0), 400)
    w, r = next((w, r) for w, r in cycles if r < 1)
    ver = osc.verify_cycle(list(w), (1, 1, 1), np.array([[1.0]]), 1.1, 50)
    assert ver["is_cycle"] and ver["attracts"] and ver["centre_violates"]
    assert not ver["other_satisfies"] and not ver["witness"]
