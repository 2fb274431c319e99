"""Nar & Sastry (2018), *Residual Networks: Lyapunov Stability and Convex Decomposition*.

Engines (numerics/residual.py, proofs/resnet.py) against values worked out by hand, SymPy or
finite differences; each check factory of verify/checks/resnet/ against a deliberately wrong
variant of its claim (it must refute, or, for a check that can only support, it must not);
and regression pins of the claims' statuses.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from numerics import deeplinear as dl
from numerics import residual as rs
from proofs import resnet as pr
from proofs import resnet_general as prg
from verify.experiments import nar2018resnet as ex
from verify.registry import select
from verify.runner import run_claim
from verify.vocabulary import CheckContext, Outcome, Scope, Status, Strength, Tier

F = Fraction


def ctx(seed: int = 3, quick: bool = True, at=None) -> CheckContext:
    return CheckContext(seed=seed, quick=quick, dps=50, at=at)


def outcome(check, **kw):
    return check.run(ctx(**kw)).outcome


# --- numerics/residual.py --------------------------------------------------------------------


def test_gradient_with_sigma_matches_eq5_and_finite_differences():
    rng = np.random.default_rng(0)
    n, L, N = 3, 4, 6
    ws = dl.random_weights((n,) * (L + 1), 1, rng, scale=0.5, near_identity=True)
    X, R = rng.standard_normal((n, N)), rng.standard_normal((n, n))
    Sigma = X @ X.T / N

    def data_loss(vs):
        return np.sum(((dl.product(vs)[0] - R) @ X) ** 2) / (2 * N)

    g1, g2 = rs.gradient_sigma(ws, R, Sigma), rs.gradient_eq5(ws, R, Sigma)
    for j in range(L):
        np.testing.assert_allclose(g1[j], g2[j], atol=1e-12)
        for idx in [(0, 0), (2, 1)]:
            p = [w.copy() for w in ws]
            m = [w.copy() for w in ws]
            p[j][(0,) + idx] += 1e-6
            m[j][(0,) + idx] -= 1e-6
            fd = (data_loss(p) - data_loss(m)) / 2e-6
            assert g1[j][(0,) + idx] == pytest.approx(fd, rel=1e-6, abs=1e-8)


def test_double_gradient_matches_finite_differences():
    rng = np.random.default_rng(1)
    ws = dl.random_weights((2, 2, 2, 2), 1, rng, near_identity=True)
    zs = dl.random_weights((2, 2, 2, 2), 1, rng, near_identity=True)
    R = rng.standard_normal((2, 2))
    gw, gz = rs.double_gradient(ws, zs, R)
    for stack, grads in ((ws, gw), (zs, gz)):
        for j in range(3):
            p = [w.copy() for w in stack]
            m = [w.copy() for w in stack]
            p[j][0, 1, 0] += 1e-6
            m[j][0, 1, 0] -= 1e-6
            args_p = (p, zs) if stack is ws else (ws, p)
            args_m = (m, zs) if stack is ws else (ws, m)
            fd = (rs.double_loss(*args_p, R) - rs.double_loss(*args_m, R))[0] / 2e-6
            assert grads[j][0, 1, 0] == pytest.approx(fd, rel=1e-6)


def test_double_gd_scalar_is_9a_9b():
    """n = 1: the batched engine follows (9a), (9b) computed by hand (sigma = 1)."""
    L, lam, d = 3, -0.8, 0.1
    ws, zs, _ = rs.double_gd(rs.identity_stack(1, L, 1), rs.identity_stack(1, L, 1),
                             np.array([[lam]]), d, 5)
    w = z = 1.0
    for _ in range(5):
        e = w ** L - z ** L - lam
        w, z = w - d * w ** (L - 1) * e, z + d * z ** (L - 1) * e
    assert ws[0][0, 0, 0] == pytest.approx(w, rel=1e-14)
    assert zs[-1][0, 0, 0] == pytest.approx(z, rel=1e-14)


def test_structure_measures():
    R = np.array([[1.0, 2.0], [0.0, 2.0]])
    rho, s1 = rs.spectral_data(R)
    assert rho == pytest.approx(2.0)
    assert s1 == pytest.approx(np.sqrt((9 + np.sqrt(65)) / 2))  # eigenvalues of R^T R by hand
    assert np.array_equal(rs.identity_stack(2, 3, 1)[2], np.eye(2)[None])


def test_scalar_pieces_by_hand():
    xs, hs = rs.scalar_pieces([1], [F(1, 2)])
    assert xs == [0, F(1, 2), 1] and hs == [0, F(1, 2), F(3, 2)]
    # a negative weight folds h back: h(1) = 1 - 2 (1/2) = 0, then b = 1/4 is crossed twice
    xs, hs = rs.scalar_pieces([-2, 1], [F(1, 2), F(1, 4)])
    assert xs == [0, F(1, 4), F(1, 2), F(3, 4), 1]  # 1 - x = 1/4 at x = 3/4
    assert hs == [0, F(1, 4), F(3, 4), F(1, 4), 0]
    mx, my = rs.merge_pieces([0, F(1, 3), 1], [0, F(1, 3), 1])  # collinear: one piece
    assert mx == [0, 1] and my == [0, 1]


def test_pair_pieces_agree_with_float_forward():
    rng = np.random.default_rng(2)
    n1 = ([F(int(v), 8) for v in rng.integers(0, 9, 4)], [F(int(v), 16) for v in
                                                           rng.integers(0, 17, 4)])
    n2 = ([F(int(v), 8) for v in rng.integers(0, 9, 4)], [F(int(v), 16) for v in
                                                           rng.integers(0, 17, 4)])
    xs, ys = rs.pair_pieces(n1, n2, F(3, 2), F(1, 2), F(1, 5))
    grid = np.linspace(0, 1, 37)
    want = (1.5 * rs.scalar_forward(grid, [float(w) for w in n1[0]], [float(b) for b in n1[1]])
            - 0.5 * rs.scalar_forward(grid, [float(w) for w in n2[0]], [float(b) for b in
                                                                         n2[1]]) + 0.2)
    np.testing.assert_allclose(np.interp(grid, [float(x) for x in xs], [float(y) for y in ys]),
                               want, atol=1e-12)


def test_grads10_against_finite_differences_and_cs():
    rng = np.random.default_rng(4)
    n, N, L = 3, 8, 3
    X, y = rng.uniform(0, 1, (n, N)), rng.standard_normal(N)
    Ws = [rng.uniform(0, 0.5, (n, n)) for _ in range(L)]
    bs = [rng.uniform(0, 0.5, n) for _ in range(L)]
    c = rng.uniform(0.5, 1, n)
    f, e, dW, db, dc, dd, cs = rs.grads10(X, y, Ws, bs, c, 0.3)

    def loss(Ws, bs, c, d=0.3):
        return 0.5 * np.sum((c @ rs.forward10(X, Ws, bs)[-1] + d - y) ** 2)

    h = 1e-6
    for l in range(L):
        for idx in [(0, 0), (1, 2)]:
            p = [w.copy() for w in Ws]
            m = [w.copy() for w in Ws]
            p[l][idx] += h
            m[l][idx] -= h
            assert dW[l][idx] == pytest.approx((loss(p, bs, c) - loss(m, bs, c)) / (2 * h),
                                               rel=1e-6)
        p = [b.copy() for b in bs]
        m = [b.copy() for b in bs]
        p[l][1] += h
        m[l][1] -= h
        assert db[l][1] == pytest.approx((loss(Ws, p, c) - loss(Ws, m, c)) / (2 * h), rel=1e-6)
    cp = c.copy()
    cp[0] += h
    assert dc[0] == pytest.approx((loss(Ws, bs, cp) - loss(Ws, bs, c)) / h, rel=1e-5)
    assert dd == pytest.approx((loss(Ws, bs, c, 0.3 + h) - loss(Ws, bs, c, 0.3 - h)) / (2 * h))
    # c_0^i is the gradient of f with respect to the input x_i
    xp = X.copy()
    xp[2, 5] += h
    fd = ((c @ rs.forward10(xp, Ws, bs)[-1])[5] - (c @ rs.forward10(X, Ws, bs)[-1])[5]) / h
    assert cs[0][2, 5] == pytest.approx(fd, rel=1e-5)


# --- proofs/resnet.py ------------------------------------------------------------------------


def test_proof_engines_by_hand():
    eigs, wk, limit, k, c = pr.ols_singular_example()
    assert sorted(eigs) == [sp.Rational(1, 2), 1] and list(limit) == [1, c]


# --- check factories: printed variants and deliberately wrong ones ----------------------------


def test_fig4_exact_wrong_piece_count_refutes():
    assert outcome(ex.fig4_exact(claimed_pieces=30)) is Outcome.REFUTES


def test_mnist_reduced_gap_threshold_decides():
    assert outcome(ex.mnist_reduced(max_gap=-1.0)) is Outcome.UNDECIDED


# --- regression pins of the statuses (quick run) ---------------------------------------------

FAST = {"nar2018resnet.ols": Status.REFUTED, "nar2018resnet.ols_amended": Status.CONFIRMED,
        "nar2018resnet.prop1_deltamax": Status.REFUTED, "nar2018resnet.prop2": Status.CONFIRMED,
        "nar2018resnet.eq9_origin": Status.REFUTED,
        "nar2018resnet.thm2": Status.REFUTED, "nar2018resnet.eq9_direction": Status.REFUTED,
        "nar2018resnet.prop3": Status.REFUTED, "nar2018resnet.sec31_theorem3": Status.REFUTED,
        "nar2018resnet.sec31_decomposition": Status.REFUTED, "nar2018resnet.eq7":
            Status.CONFIRMED, "nar2018resnet.eq12": Status.REFUTED,
        "nar2018resnet.sec32_negative": Status.REFUTED,
        "nar2018resnet.sec32_negative_amended": Status.CONFIRMED}


@pytest.mark.parametrize("cid", sorted(FAST))
def test_status_pins(cid):
    assert run_claim(select([cid])[0], seed=0, quick=True, dps=50).status is FAST[cid]


@pytest.mark.slow
def test_every_claim_status_quick():
    got = {c.id: run_claim(c, seed=0, quick=True, dps=50).status for c in select(["nar2018resnet"])}
    assert Status.ERROR not in got.values()
    assert got["nar2018resnet.mnist"] is Status.NOT_CHECKABLE
    assert got["nar2018resnet.thm1"] is Status.REFUTED
    assert got["nar2018resnet.thm1_amended"] is Status.CONFIRMED
    assert got["nar2018resnet.thm2_amended"] is Status.CONFIRMED


# --- proofs for every depth (proofs/resnet_general.py) and the claims they lift ---------------


def test_general_proofs_prove_every_step():
    assert prg.symmetric_gradients()
    assert prg.odd_sign_reduction()
    assert prg.decomposition_general() and prg.example_1d_slopes()
    for steps in (prg.prop2_chain(), prg.prop3_chain(), prg.double_first_step()):
        assert all(v is True for v in steps.values()), steps


def test_general_proofs_do_not_prove_wrong_thresholds():
    """Twice the printed delta_c (Prop. 2) or bound (Prop. 3) must leave a step unproved."""
    assert prg.prop2_chain(sp.Integer(2))["delta_c, lam >= 1"] is not True
    assert prg.prop2_chain(sp.Integer(2))["delta_c, lam < 1"] is not True
    assert prg.prop3_chain(sp.Integer(2))["phi(1)"] is not True
    from proofs import derivation as dv
    from proofs import resnet_class as rcl

    assert not dv.run(rcl.prop2("ones", dc_scale=2)).proved


# claim -> its SymPy-checked derivation over the whole class (proofs/resnet_class.py)
DERIVED = {"nar2018resnet.eq7": "derivation", "nar2018resnet.eq12_amended": "derivation",
           "nar2018resnet.prop3_amended": "derivation", "nar2018resnet.thm2_amended": "derivation",
           "nar2018resnet.sec31_theorem3_amended": "derivation"}
# data claims whose every part cites a derivation -> the first part's proof
CITED_PARTS = {"nar2018resnet.eq9_direction_amended": "w_decreases: proven (w_decreases.derivation",
               "nar2018resnet.eq8": "printed: proven (printed.derivation",
               "nar2018resnet.sec31_example": "slopes: proven (slopes.derivation",
               "nar2018resnet.ols_amended": "converges: proven (converges.derivation",
               "nar2018resnet.sec31_decomposition_amended":
                   "gradients: proven (gradients.derivation",
               "nar2018resnet.prop2": "lam_below_1: proven (lam_below_1.derivation",
               "nar2018resnet.prop2_negative":
                   "lam_above_minus_1: proven (lam_above_minus_1.derivation"}
# data claims (nar2018resnet.toml) -> the claim language's proof (every depth, every size)
# their first part rests on
DATA_PROVEN = {"nar2018resnet.prop1": "positive: proven (positive.threshold_every_L",
               "nar2018resnet.prop1_deltamax_amended":
                   "positive: proven (positive.threshold_every_L",
               "nar2018resnet.eq5": "data: proven (data.identity_every_size",
               "nar2018resnet.eq9": "lam_nonnegative: proven (lam_nonnegative.identity_every_L"}


@pytest.mark.slow
def test_every_proven_claim_rests_on_evidence_covering_its_scope():
    """Registry-wide rule, for this paper: a proven claim has an exact check whose declared
    class equals the claim's scope; and the proven claims are exactly the
    derived ones, each resting on its proof."""
    proven = set()
    for claim in select(["nar2018resnet"]):
        result = run_claim(claim, seed=0, quick=True, dps=50)
        if result.strength is not Strength.PROVEN:
            continue
        proven.add(claim.id)
        assert result.strength_basis.startswith(
            {**DERIVED, **DATA_PROVEN, **CITED_PARTS}.get(claim.id, "?"))
        if claim.id in CITED_PARTS:
            assert all(e.coverage.scope is Scope.CLASS for e in result.evidence
                       if e.check.endswith(".derivation"))
            continue
        if claim.id in DATA_PROVEN:  # every part proven on its whole class by the language
            assert all(e.coverage.scope is Scope.CLASS for e in result.evidence
                       if e.check.endswith(("_every_L", "_every_size")))
            continue
        assert any(e.tier in (Tier.SYMBOLIC, Tier.CERTIFIED) and e.coverage is not None
                   and e.coverage.scope is Scope.CLASS and e.coverage.decides
                   and dict(e.coverage.covers) == dict(claim.scope) for e in result.evidence)
    assert proven == set(DERIVED) | set(DATA_PROVEN) | set(CITED_PARTS)


def test_train_decomposed_is_the_per_network_loop_bitwise():
    """mnist_reduced's batched training makes the float operations of the per-network loop
    over forward10 / grads10 (Section 5 model), so its weights are bitwise the same."""
    import copy

    from verify.experiments.nar2018resnet import _train_decomposed

    rng = np.random.default_rng(3)
    n, K, L, N, lr, steps = 4, 3, 3, 50, 0.2, 20
    X, Y = rng.uniform(0, 1, (N, n)), np.eye(K)[rng.integers(0, K, N)]
    nets = [[{"W": [rng.uniform(0, 0.05, (n, n)) for _ in range(L)],
              "b": [rng.uniform(0, 1, n) for _ in range(L)],
              "c": rng.uniform(0.05, 0.15, n)} for _ in range(2)] for _ in range(K)]
    batched, d1, d2 = copy.deepcopy(nets), np.zeros(K), np.zeros(K)
    for _ in range(steps):
        for k in range(K):
            fs = [p["c"] @ rs.forward10(X.T, p["W"], p["b"])[-1] for p in nets[k]]
            e = (fs[0] - fs[1] + d1[k] - Y[:, k]) / N
            for p, f, sgn in zip(nets[k], fs, (1.0, -1.0)):
                _, _, dW, db, dc, _, _ = rs.grads10(X.T, f - e, p["W"], p["b"], p["c"])
                p["W"] = [np.maximum(w - lr * sgn * g, 0) for w, g in zip(p["W"], dW)]
                p["b"] = [b - lr * sgn * g for b, g in zip(p["b"], db)]
                p["c"] = np.maximum(p["c"] - lr * sgn * dc, 1e-4)
            d1[k] -= lr * np.sum(e)
    _train_decomposed(batched, d2, X, Y, steps, lr)
    assert np.array_equal(d1, d2)
    for k in range(K):
        for a, b in zip(nets[k], batched[k]):
            for key in ("W", "b"):
                assert all(np.array_equal(x, y) for x, y in zip(a[key], b[key]))
            assert np.array_equal(a["c"], b["c"])


def _thm2_body(bound: str | None = None) -> str:
    """Theorem 2 (amended) as its registered statement writes it, citing the derivation."""
    from test_cite import _toml

    from proofs import registry

    keys = dict(registry.lookup("nar2018resnet.thm2_amended").statement.keys)
    if bound:
        keys["bound"] = bound
    body = "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items())
    return ('[[claim]]\nid = "c.thm2"\nkind = "rate"\nderivation = "nar2018resnet.thm2_amended"\n'
            'integers = { L = [1, 4, 3] }\nparams = { delta = ["1/1000", 1], a = ["1/20", 9], '
            'b = ["1/20", 9], th = [0, "3/2"] }\n' + body)


def test_thm2_amended_is_proven_and_a_faster_rate_is_refuted():
    """The claim citing the derivation is proven; the same claim with the smaller of the two
    Lemma 3 rates (false: the slower eigen-direction sets the rate) borrows nothing and its
    sweep refutes it with a replayed run."""
    from verify.userclaims.build import claim_from_spec
    from verify.userclaims.parse import parse_claims

    [spec] = parse_claims(_thm2_body())
    result = run_claim(claim_from_spec(spec), seed=0, quick=True, dps=50)
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN
    [twin] = parse_claims(_thm2_body(bound=(
        "Min(Piecewise((1 - delta*L*a**(2*(L - 1)/L), a <= 1), (1 - delta*(a - 1)/"
        "(a**(1/L) - 1), True)), Piecewise((1 - delta*L*b**(2*(L - 1)/L), b <= 1), "
        "(1 - delta*(b - 1)/(b**(1/L) - 1), True)))**t*metric0")))
    result = run_claim(claim_from_spec(twin), seed=0, quick=True, dps=50)
    assert result.status is Status.REFUTED
    found = {e.check: e for e in result.evidence}
    assert found["derivation"].outcome is Outcome.UNDECIDED
    assert found["rate_sweep"].counterexample.at["L"] in ("1", "4")


def _cited_body(name: str, kind: str, params: str, **change) -> str:
    """A claim citing the registered derivation ``name`` with its statement's keys (some
    changed), on the boxes ``params``."""
    from test_cite import _toml

    from proofs import registry

    keys = {**registry.lookup(name).statement.keys, **change}
    body = "".join(f"{k} = {_toml(v)}\n" for k, v in keys.items())
    return (f'[[claim]]\nid = "c.twin"\nkind = "{kind}"\nderivation = "{name}"\n'
            f"params = {params}\n" + body)


OLS_BOX = ('{ delta = ["1/100", 8], l1 = ["1/2", 4], l2 = [0, 4], th = [0, 3], c1 = [-2, 2], '
           'c2 = [-2, 2], u1 = [-2, 2], u2 = [-2, 2] }')


def test_ols_amended_threshold_twice_as_large_is_refuted_with_a_working_replay(tmp_path):
    """The amended least squares claim's part "converges" with 4/lambda_max for 2/lambda_max
    borrows nothing from the derivation, and its sweep refutes it; the replay line re-checks
    the point as printed (exit 1: refuted again)."""
    import shlex

    from verify.api import check
    from verify.cli import main

    path = tmp_path / "twin.toml"
    path.write_text(_cited_body("nar2018resnet.ols_amended.converges", "convergence", OLS_BOX,
                                condition="delta < 4/l1"))
    [result] = check(path)
    assert result.status is Status.REFUTED
    found = {e.check: e for e in result.evidence}
    assert found["derivation"].outcome is Outcome.UNDECIDED
    cx = found["convergence_sweep"].counterexample
    assert 2 <= float(cx.at["delta"]) * float(cx.at["l1"]) < 4
    argv = shlex.split(found["convergence_sweep"].reproduce)
    assert argv[:3] == ["python", "-m", "verify"] and "--at" in argv
    assert main([*argv[3:], "--no-progress", "--out", str(tmp_path / "out")]) == 1


SEC32 = '''[[claim]]
id = "c.sec32"
kind = "rate"
model = { family = "deep_linear", depth = "L", width = 2, target = [["a*cos(th)**2 + b*sin(th)**2", "(a - b)*sin(th)*cos(th)"], ["(a - b)*sin(th)*cos(th)", "a*sin(th)**2 + b*cos(th)**2"]], init = "1" }
integers = { L = [2, 2] }
step = "delta"
params = { delta = ["1/100", 1], a = ["1/10", 3], b = [-2, "-1/10"], th = [0, 3] }
assume = ["delta <= 1/(1 - b)", "delta <= Min(1/L, 1/(L*a**(2*(L - 1)/L)))"]
metric = "METRIC"
bound = "(1 + delta*b)**t"
steps = 40
sweep = 200
'''
NEGATIVE = "sin(th)**2*W1[0, 0] - sin(th)*cos(th)*(W1[0, 1] + W1[1, 0]) + cos(th)**2*W1[1, 1]"
POSITIVE = "cos(th)**2*W1[0, 0] + sin(th)*cos(th)*(W1[0, 1] + W1[1, 0]) + sin(th)**2*W1[1, 1]"


def test_sec32_negative_element_tends_to_zero_and_the_positive_one_does_not(tmp_path):
    """Section 3.2's sentence for symmetric R (sec32_negative_amended, L = 2 part): the element of W_1 along R's negative
    eigenvalue stays under (1 + delta b)^t -> 0; the same envelope for the element along the
    positive eigenvalue (it tends to a^(1/2), not 0) is refuted, and its replay line re-checks
    the point as printed (exit 1)."""
    import shlex

    from verify.api import check
    from verify.cli import main

    path = tmp_path / "sec32.toml"
    path.write_text(SEC32.replace("METRIC", NEGATIVE))
    [result] = check(path)
    assert result.status is Status.CONFIRMED and result.strength is Strength.SAMPLED
    path.write_text(SEC32.replace("METRIC", POSITIVE))
    [result] = check(path)
    assert result.status is Status.REFUTED
    ev = next(e for e in result.evidence if e.outcome is Outcome.REFUTES)
    argv = shlex.split(ev.reproduce)
    assert argv[:3] == ["python", "-m", "verify"] and "--at" in argv
    assert main([*argv[3:], "--no-progress", "--out", str(tmp_path / "out")]) == 1


def test_sec32_negative_as_printed_is_refuted_by_layer_elements_off_zero(tmp_path):
    """Section 3.2's sentence over diagonalisable R (non-orthogonal eigenvectors): GD from the
    identity settles (at 50 and 70 digits) where the layers' diagonal elements along the negative
    eigenvalue are far from 0, one of them negative; the replay line re-checks the point."""
    import re
    import shlex

    from verify.cli import main

    record = run_claim(select(["nar2018resnet.sec32_negative"])[0], seed=0, quick=True, dps=50)
    assert record.status is Status.REFUTED
    ev = next(e for e in record.evidence if e.outcome is Outcome.REFUTES)
    assert ev.check == "convergence_search" and ev.counterexample.observed == "elsewhere"
    values = [float(v) for v in re.findall(r"W\d\[1, 1\] = (-?[0-9.]+)",
                                                  ev.counterexample.note.split("last iterate")[1])]
    assert len(values) == 3 and min(abs(v) for v in values) > 0.5 and min(values) < -0.5
    argv = shlex.split(ev.reproduce)
    assert "--at" in argv
    assert main([*argv[3:], "--no-progress", "--out", str(tmp_path / "out")]) == 1
