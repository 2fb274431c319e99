"""The batched and leaner engines of issue 19 give the numbers of what they replaced, bit for bit.

Each test runs the new code and a one-at-a-time reference (the replaced code, kept here) on the
same inputs and compares with exact equality: a speed-up may not move a verdict or a number.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import deeplinear as dl
from numerics import linear_resnet as rn
from numerics import residual as rs


def _pair_reference(P, x, y, steps, lr=0.05, mom=0.9):
    """Figure 4's Nesterov training of one pair through grads10 (the code nesterov_pairs
    replaced)."""
    P = {k: np.array(v, dtype=float) for k, v in P.items()}
    V = {k: np.zeros_like(v) for k, v in P.items()}
    X, N, hist = x[None, :], x.size, []
    for _ in range(steps):
        Q = {k: P[k] + mom * V[k] for k in P}
        Q["w1"], Q["w2"] = np.maximum(Q["w1"], 0), np.maximum(Q["w2"], 0)
        f1 = Q["c1"][0] * rs.scalar_forward(x, Q["w1"], Q["b1"])
        f2 = Q["c2"][0] * rs.scalar_forward(x, Q["w2"], Q["b2"])
        e = (f1 - f2 + Q["d"][0] - y) / N
        hist.append(float(np.sum(e * e) * N / 2))
        g = {}
        for tag, fo, sgn in (("1", f1, 1.0), ("2", f2, -1.0)):
            _, _, dW, db, dc, _, _ = rs.grads10(
                X, fo - e, [np.array([[w]]) for w in Q["w" + tag]],
                [np.array([b]) for b in Q["b" + tag]], Q["c" + tag])
            g["w" + tag] = sgn * np.array([t[0, 0] for t in dW])
            g["b" + tag] = sgn * np.array([t[0] for t in db])
            g["c" + tag] = sgn * dc
        g["d"] = np.array([np.sum(e)])
        for k in P:
            V[k] = mom * V[k] - lr * g[k]
            P[k] = P[k] + V[k]
        P["w1"], P["w2"] = np.maximum(P["w1"], 0), np.maximum(P["w2"], 0)
        P["c1"], P["c2"] = np.maximum(P["c1"], 1e-3), np.maximum(P["c2"], 1e-3)
    return P, np.array(hist)


def test_nesterov_pairs_equals_one_pair_at_a_time():
    rng = np.random.default_rng(3)
    x = np.linspace(0, 1, 50)
    y = np.sin(3 * x)
    starts = [{"w1": rng.uniform(0, 0.1, 10), "b1": rng.uniform(0, cap, 10),
               "w2": rng.uniform(0, 0.1, 10), "b2": rng.uniform(0, cap, 10)}
              for cap in (0.5, 1.0, 1.0)]
    P = {k: np.stack([s[k] for s in starts]) for k in starts[0]}
    P.update(c1=np.ones((3, 1)), c2=np.ones((3, 1)), d=np.zeros((3, 1)))
    out, hist = rs.nesterov_pairs(P, x, y, 40)
    for i, s in enumerate(starts):
        ref, h = _pair_reference({**s, "c1": np.ones(1), "c2": np.ones(1), "d": np.zeros(1)},
                                 x, y, 40)
        assert np.array_equal(h, hist[:, i])
        for k in ref:
            assert np.array_equal(ref[k], out[k][i]), k


def _mp_count_reference(L, Phi, eta, eps, cap):
    """Section 5.1's replay with mpmath matrices (the code zas_iterations_mp replaced)."""
    d = Phi.shape[0]
    ws = [mpmath.matrix(np.asarray(w[0], float).tolist()) for w in rn.zas(L, d)]
    P, e = mpmath.matrix(np.asarray(Phi, float).tolist()), mpmath.mpf(eta)
    for k in range(cap + 1):
        pre = [mpmath.eye(d)]
        for w in ws:
            pre.append(w * pre[-1])
        E = pre[-1] - P
        if mpmath.fsum(x ** 2 for x in E) / 2 <= eps:
            return k
        suf = [mpmath.eye(d)]
        for w in reversed(ws):
            suf.append(suf[-1] * w)
        suf = suf[::-1]
        ws = [w - e * (suf[l + 1].T * E * pre[l].T) for l, w in enumerate(ws)]
    return None


def test_mp_count_equals_mpmath_matrices():
    G = np.random.default_rng(1).standard_normal((2, 2))
    with mpmath.workdps(30):
        for L, Phi, eta, eps, cap in [(2, -np.eye(1), 0.3, 1e-10, 60), (8, G, 0.05, 1e-10, 80),
                                      (8, G, 0.05, 1e-3, 80), (4, -np.eye(1), 0.1, 1e-10, 5)]:
            assert rn.zas_iterations_mp(L, Phi, eta, eps, cap) == \
                _mp_count_reference(L, Phi, eta, eps, cap)


def test_flow_diagnostics_equal_a_loop_over_times():
    rng = np.random.default_rng(0)
    t = np.linspace(0, 3, 41)
    for data in (None, (rng.standard_normal((2, 5)), rng.standard_normal((2, 5)))):
        ws = [np.eye(2) + 0.3 * rng.standard_normal((3, 2, 2)) for _ in range(3)]
        Phi = rng.standard_normal((2, 2))
        out = rn.flow(ws, Phi, t, data=data)
        D0 = rn.invariants(ws)
        for k, cur in enumerate(out["ws_t"]):
            loss = rn.data_loss(cur, *data) if data else dl.loss(cur, Phi)
            drift = np.stack([rn.spectral(a - b) for a, b in zip(rn.invariants(cur), D0)], -1)
            assert np.array_equal(out["loss"][k], loss)
            assert np.array_equal(out["drift"][k], drift)


