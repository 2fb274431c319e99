"""Remark 1 of Nar & Sastry (2018), Section 2 (an oscillation around an optimum violating (3)
while others satisfy (3)): the engines (proofs.oscillation, numerics.oscillation) against values
worked out by hand, and the check factories (verify.checks.oscillation) on wrong and weakened
variants.

Hand values used below, for the scalar chain L = 2, lam = 1 on the balanced ray w = (c, c)
(GD: c -> c (1 + delta - delta c^2)):
* the 2-cycle {c_a, c_b} has c_a + c_b = sqrt(1 + 3/delta), c_a c_b = 1/delta (subtract and
  add the two cycle equations), so it exists iff delta >= 1 = (4);
* its multipliers are 9 - 2 (1 + delta)^2 along the ray and 3 - 2 delta across it (the
  imbalance x^2 - y^2 is multiplied by (1 - delta^2 e^2) per step), so 0.9 at delta = 1.05;
* on the anti-balanced ray w = (c, -c) the cycle c <-> -c has multiplier (5 - 2 delta)^2:
  14.44 at delta = 0.6, 10.24 at 0.9.
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
import pytest
import sympy as sp

from numerics import factorisations as fz
from numerics import oscillation as no
from proofs import oscillation as po
from verify.checks import oscillation as co
from verify.registry import all_claims
from verify.vocabulary import CheckContext, Outcome

QUICK = CheckContext(seed=3, quick=True)
R1 = np.array([[1.0]])


# --- proofs.oscillation ----------------------------------------------------------------------


@pytest.mark.parametrize("L", [2, 3, 4])
def test_scalar_imbalance_law_is_exact_and_a_wrong_factor_is_not(L):
    assert all(r == 0 for r in po.scalar_imbalance_residual(L))

    def wrong(ws, lam, i, j):  # + instead of -: must leave a nonzero residual
        return 2 - po.imbalance_multiplier(ws, lam, i, j)
    assert any(r != 0 for r in po.scalar_imbalance_residual(L, wrong))


def test_scalar_imbalance_law_numerically():
    # independent of SymPy: one float64 GD step of factorisations.chain_step
    rng = np.random.default_rng(0)
    w = rng.normal(size=(5, 3))
    lam, delta = 0.7, 0.3
    nxt = fz.chain_step(w, lam, delta)
    e = np.prod(w, axis=1) - lam
    for i, j, k in ((0, 1, 2), (0, 2, 1), (1, 2, 0)):
        np.testing.assert_allclose(nxt[:, i] ** 2 - nxt[:, j] ** 2,
                                   (w[:, i] ** 2 - w[:, j] ** 2)
                                   * (1 - delta ** 2 * e ** 2 * w[:, k] ** 2), rtol=1e-12)


def test_matrix_imbalance_law_and_wrong_sign():
    for dims in ((2, 2, 2), (1, 2, 1), (1, 1, 1, 1)):
        assert all(M.is_zero_matrix for M in po.matrix_imbalance_residual(dims))
    assert not po.matrix_imbalance_residual((1, 1, 1), sign=-1)[0].is_zero_matrix


def test_balanced_flip_by_hand():
    # L = 2: phi(1 + y) - 1 = -y - 3y^2 - y^3 at delta = 1, so f^2 = y - 2(a2^2 + a3) y^3 =
    # y - 16 y^3; the multiplier (1 - 2 delta)^2 = 1 + 4 eps + ...: A = 4, B = -16
    f2 = po.balanced_flip(2)
    assert (f2["delta0"], f2["multiplier"], f2["a2"], f2["a3"]) == (1, -1, -3, -1)
    assert (f2["A"], f2["B"], f2["side"]) == (4, -16, 1)
    # L = 3 at delta = 2/3: (c^3 - 1) c^2 = 3y + 9y^2 + 10y^3, so a2 = -6, a3 = -20/3
    f3 = po.balanced_flip(3)
    assert (f3["a2"], f3["a3"]) == (-6, sp.Rational(-20, 3))
    assert f3["B"] == -2 * (f3["a2"] ** 2 + f3["a3"]) and f3["A"] == 6 and f3["side"] == 1


# --- numerics.oscillation ----------------------------------------------------------------------


def test_two_cycles_match_the_hand_values():
    rng = np.random.default_rng(1)
    delta = 1.05
    cycles = no.two_cycles((1, 1, 1), R1, delta, rng, 200)
    stable = [(w, r) for w, r in cycles if r < 1]
    assert stable
    w, r = stable[0]
    assert r == pytest.approx(max(abs(3 - 2 * delta), abs(9 - 2 * (1 + delta) ** 2)), abs=1e-8)
    a = w[0]
    b = no.gd_map(w[None], (1, 1, 1), R1, delta)[0][0]
    assert abs(w[0]) == pytest.approx(abs(w[1]), abs=1e-9)  # balanced
    assert a + b == pytest.approx(np.sqrt(1 + 3 / delta), abs=1e-9)
    assert a * b == pytest.approx(1 / delta, abs=1e-9)
    for d in (0.6, 0.9):
        radii = [r for _, r in no.two_cycles((1, 1, 1), R1, d, rng, 200)]
        assert radii and min(radii) == pytest.approx((5 - 2 * d) ** 2, rel=1e-6)


def test_verify_cycle_accepts_the_control_and_rejects_perturbed_data():
    delta = 1.05
    p = np.sqrt(1 + 3 / delta)
    ca = (p + np.sqrt(p * p - 4 / delta)) / 2
    v = no.verify_cycle([ca, ca], (1, 1, 1), R1, delta, dps=40)
    assert v["is_cycle"] and v["attracts"] and v["centre_violates"] and v["gd_converges"]
    with mpmath.workdps(40):  # delta is the double nearest 1.05, taken exactly
        assert abs(v["radius"] - (3 - 2 * mpmath.mpf(delta))) < mpmath.mpf(10) ** -30
        assert abs(v["bound3_centre"] - 1) < mpmath.mpf(10) ** -30
    assert not v["other_satisfies"]
    assert not v["witness"]  # above (4): no optimum satisfies (3)
    # the same point at a step size below (4) is not a cycle there
    assert not no.verify_cycle([ca, ca], (1, 1, 1), R1, 0.95, dps=40)["is_cycle"]
    # a stored point 1e-3 off the cycle is refused (Newton moves it by more than 1e-6)
    assert not no.verify_cycle([ca + 1e-3, ca], (1, 1, 1), R1, delta, dps=40)["is_cycle"]


def test_verify_cycle_on_a_matrix_network_sets_apart_the_family():
    # 2 x 2, R = diag(1, 0.4), delta = 1.05 x (4): block 1 oscillates as the scalar cycle, block
    # 2 sits on its optimum curve (eigenvalue 1) and the hidden rotation commutes with GD (1)
    R = np.diag([1.0, 0.4])
    p = np.sqrt(1 + 3 / 1.05)
    ca = (p + np.sqrt(p * p - 4 / 1.05)) / 2
    flat = [ca, 0.0, 0.0, np.sqrt(0.4), ca, 0.0, 0.0, np.sqrt(0.4)]
    v = no.verify_cycle(flat, (2, 2, 2), R, 1.05, dps=30)
    assert v["is_cycle"] and v["neutral"] == 2 and v["attracts"]
    with mpmath.workdps(30):
        assert abs(v["radius"] - (3 - 2 * mpmath.mpf(1.05))) < mpmath.mpf(10) ** -20


def test_sharpness_over_the_optimum_set():
    R = np.diag([1.0, 0.4])
    W = no.optimum_from_free(np.array([1.0, 0, 0, np.sqrt(0.4)]), R, 2)
    np.testing.assert_allclose(fz.end_to_end(W), R, atol=1e-15)
    assert no.sharpness(W) == pytest.approx(2.0)  # balanced: L rho^{2(L-1)/L}
    W3 = no.optimum_from_free(np.array([3.0, 0, 0, 1.0]), R, 2)  # W1 = diag(3, 1)
    assert no.sharpness(W3) == pytest.approx(9 + 0.16)  # ||W1||^2 + ||W2||^2, W2 = diag(1/3, 0.4)
    f, _ = no.local_min_sharpness(R, 2, np.array([3.0, 0.2, -0.1, 1.0]),
                                  np.random.default_rng(0), tries=100)
    assert f == pytest.approx(2.0, rel=1e-6)


# --- verify.checks.oscillation ----------------------------------------------------------------


def test_exclusion_check_records_the_proofs_and_fails_on_a_wrong_law():
    f = co.near_optimum_exclusion().run(QUICK)
    assert f.outcome is Outcome.UNDECIDED and f.detail.startswith("excluded")
    assert "4, -16 (supercritical)" in f.numbers["L=2: flip at (4) = 1 (lam = 1): A, B"]

    def wrong(ws, lam, i, j):
        return 1 - po.imbalance_multiplier(ws, lam, i, j)
    bad = co.near_optimum_exclusion(multiplier=wrong).run(QUICK)
    assert bad.outcome is Outcome.UNDECIDED and "not established" in bad.detail


def test_witness_check_supports_only_the_weakened_claim():
    # Remark 1 as printed: no witness (all period-2 orbits below (4) repel); the control
    # above (4) is found and verified, and rejected only for lack of an optimum satisfying (3)
    f = co.two_cycle_witness(co.DEFAULT_CASES[:1], (0.9,)).run(QUICK)
    assert f.outcome is Outcome.UNDECIDED and "confirmed" in f.numbers["control above (4)"]
    # dropping "other optima satisfy (3)": the control itself is a witness
    weak = co.two_cycle_witness(co.DEFAULT_CASES[:1], (1.05,), require_other=False).run(QUICK)
    assert weak.outcome is Outcome.SUPPORTS and "1.05 x (4)" in weak.detail


def test_landscape_check_follows_up_given_optima():
    x = np.array([1.0, 0, 0, np.sqrt(0.4)])  # the balanced optimum of diag(1, 0.4), L = 2
    rows = ((1.0, 0.0), (0.0, 0.4))
    weak = co.sharpness_landscape((), spurious=[(rows, 2, x)], require_other=False,
                                  excess=0.05).run(QUICK)
    assert weak.outcome is Outcome.SUPPORTS
    strict = co.sharpness_landscape((), spurious=[(rows, 2, x)], excess=0.05).run(QUICK)
    assert strict.outcome is Outcome.UNDECIDED
    f = co.sharpness_landscape().run(QUICK)
    assert f.outcome is Outcome.UNDECIDED and "global value" in f.detail
    # the drift figure: (3) at the iterate starts below delta = 0.95 and ends above it
    ys = [float(y) for y in f.figures[0].series[0].y]
    assert ys[0] < 0.95 < ys[-1]


def test_drift_run_converges_to_an_optimum_satisfying_3():
    R = np.diag([1.0, 0.4])
    a = np.sqrt(1.6)  # (3) = 2 / (1.6 + 1/1.6) = 0.899 < delta = 0.95
    run = no.drift_run([np.diag([a, np.sqrt(0.4)]), np.diag([1 / a, np.sqrt(0.4)])], R, 0.95,
                       400, 1e-3, np.random.default_rng(0))
    assert run["bound3"][0] == pytest.approx(2 / (1.6 + 1 / 1.6), abs=1e-2)
    assert run["bound3"][-1] > 0.95 and run["loss"][-1] < 1e-10


def test_remark1_is_registered_with_the_new_checks():
    claim = next(c for c in all_claims() if c.id == "nar2018step.remark1")
    names = {c.name for c in claim.checks}
    assert {"near_optimum_exclusion", "two_cycle_witness", "sharpness_landscape"} <= names


def test_l2_two_cycles_by_hand():
    # hand: c_a + c_b = sqrt(1 + 3/delta), c_a c_b = 1/delta on x = y, so the discriminant is
    # (delta - 1)/delta; on x = -y (c -> c (1 - delta - delta c^2)) it is -(delta + 1)/delta
    r = po.l2_two_cycles()
    assert r["uv_residuals"] == [0, 0] and r["uv_solutions"] == [{sp.Symbol("a", real=True): 0,
                                                                   sp.Symbol("b", real=True): 0}]
    d, p = po.DELTA, r["p"]
    discs = {s: sorted({sp.simplify(x["disc"]) for x in sols if x[p] != 0}, key=str)
             for s, sols in r["rays"].items()}
    assert discs == {1: [sp.simplify((d - 1) / d)], -1: [sp.simplify(-(d + 1) / d)]}
    assert co._l2_classified()


# --- the batched evaluations are the one-at-a-time ones, bit for bit ---------------------------


def _bits(a) -> np.ndarray:
    return np.asarray(a, dtype=float).view(np.int64)


@pytest.mark.parametrize("rows, L", [(((1.0, 0.0), (0.0, 0.4)), 2),
                                     (((0.3, -1.1), (0.7, 0.5)), 3),
                                     (((0.3, -1.1), (0.7, 0.5)), 4)])
def test_sharpness_many_is_sharpness_bit_for_bit(rows, L):
    R = np.array(rows)
    rng = np.random.default_rng(L)
    X = np.concatenate([rng.standard_normal((40, 4 * (L - 1))) * s for s in (1e-3, 1.0, 30.0)])
    X[3] = 0.0  # singular product: inf, through the one-at-a-time fallback
    one = [no._sharpness_or_inf(x, R, L) for x in X]
    assert one[3] == np.inf and np.isfinite(one[0])
    np.testing.assert_array_equal(_bits(no.sharpness_many(X, R, L)), _bits(one))
    np.testing.assert_array_equal(_bits(no.sharpness_many(X[4:], R, L)), _bits(one[4:]))
    x = X[5]
    assert no._sharpness_or_inf(x, R, L) == no.sharpness(no.optimum_from_free(x, R, L))


def _plain_scalar_two_cycles(L, lam, delta, rng, starts, box=3.0, iters=60):
    """The search of fz.two_cycles written plainly: every row through every pass, one call of
    F per direction (the reference its batched form must reproduce bit for bit)."""
    def F(w):
        return fz.chain_step(fz.chain_step(w, lam, delta), lam, delta) - w

    w = rng.uniform(-box, box, (starts, L))
    h = 1e-7
    with np.errstate(all="ignore"):
        for _ in range(iters):
            J = np.stack([(F(w + h * np.eye(L)[i]) - F(w - h * np.eye(L)[i])) / (2 * h)
                          for i in range(L)], axis=2)
            ok = np.all(np.isfinite(J), axis=(1, 2)) & np.all(np.isfinite(w), axis=1)
            step = np.zeros_like(w)
            step[ok] = -np.einsum("bij,bj->bi", np.linalg.pinv(J[ok]), F(w[ok]))
            w = np.where(ok[:, None] & (np.abs(w) < 1e3), w + step, np.nan)
    return w


@pytest.mark.parametrize("L, frac", [(2, 0.9), (2, 1.1), (3, 1.1)])
def test_scalar_two_cycles_freezing_settled_rows_changes_nothing(L, frac):
    delta = frac * 2 / L
    w = _plain_scalar_two_cycles(L, 1.0, delta, np.random.default_rng(7), 300)
    got = fz.two_cycles(L, 1.0, delta, np.random.default_rng(7), 300)
    with np.errstate(all="ignore"):
        F = fz.chain_step(fz.chain_step(w, 1.0, delta), 1.0, delta) - w
        moved = np.abs(fz.chain_step(w, 1.0, delta) - w).max(axis=1)
    keep = np.flatnonzero((np.abs(F).max(axis=1) < 1e-11) & (moved > 1e-6))
    assert got and all(any(np.array_equal(p, w[b]) for b in keep) for p, _ in got)
    firsts = []  # the plain de-duplication, in row order
    for b in keep:
        if not any(np.abs(w[c] - w[b]).max() < 1e-6 for c in firsts):
            firsts.append(b)
    np.testing.assert_array_equal(np.array([p for p, _ in got]), w[firsts])


def _plain_two_cycles(dims, R, delta, rng, starts, scale=1.5, iters=60):
    """no.two_cycles written plainly (every row through every pass, one complex-step call per
    direction, pairwise de-duplication): the reference for its batched form."""
    P = sum(a * b for a, b in itertools.pairwise(dims))
    x = rng.standard_normal((starts, P)) * rng.uniform(0.2, scale, (starts, 1))
    eye = np.eye(P)

    def F(w):
        return no.gd_map(no.gd_map(w, dims, R, delta), dims, R, delta) - w

    def jac(w):
        return np.stack([F(w + 1j * 1e-30 * eye[k]).imag / 1e-30 for k in range(P)], axis=2)

    with np.errstate(all="ignore"):
        for _ in range(iters):
            J = jac(x)
            ok = np.all(np.isfinite(J), axis=(1, 2)) & np.all(np.isfinite(x), axis=1)
            step = np.zeros_like(x)
            step[ok] = -np.einsum("bij,bj->bi", np.linalg.pinv(J[ok], rcond=1e-10), F(x[ok]))
            norm = np.linalg.norm(step, axis=1, keepdims=True)
            step = np.where(norm > 1, step / np.maximum(norm, 1e-300), step)
            x = np.where(ok[:, None] & (np.abs(x).max(axis=1, keepdims=True) < 50), x + step,
                         np.nan)
        res = np.abs(F(x)).max(axis=1)
        moved = np.abs(no.gd_map(x, dims, R, delta) - x).max(axis=1)
    out = []
    for b in np.flatnonzero((res < 1e-10) & (moved > 1e-4)):
        if any(np.abs(p - x[b]).max() < 1e-6 for p, _ in out):
            continue
        out.append((x[b].copy(), no.free_radius(np.linalg.eigvals(jac(x[b:b + 1])[0] + eye),
                                                1e-7)))
    return out


@pytest.mark.parametrize("dims, rows", [((1, 1, 1), ((1.0,),)),
                                        ((2, 2, 2), ((0.3, -1.1), (0.7, 0.5)))])
def test_two_cycles_is_the_plain_search_bit_for_bit(dims, rows):
    # (1, 1, 1): most Newton rows settle exactly and leave the batch early
    R = np.array(rows)
    delta = 0.9 * 2 / fz.cor1_denominator(float(np.linalg.norm(R, 2)), len(dims) - 1)
    got = no.two_cycles(dims, R, delta, np.random.default_rng(2), 60)
    ref = _plain_two_cycles(dims, R, delta, np.random.default_rng(2), 60)
    assert got and len(got) == len(ref)
    for (p, r), (q, s) in zip(got, ref):
        np.testing.assert_array_equal(_bits(p), _bits(q))
        assert r == s
