"""Exact facts about periodic orbits of GD on deep linear networks (Nar & Sastry 2018, Section 2,
Remark 1: "the algorithm converges to an oscillation around a local optimum which violates (3)").

Three derivations, each returned as an expression the caller proves to be zero (or a coefficient
whose sign the caller reads off):

* :func:`scalar_imbalance_residual`: on the scalar chain 1/2 (w_L ... w_1 - lam)^2 one GD step
  multiplies every pairwise imbalance w_i^2 - w_j^2 by ``1 - delta^2 e^2 (P / (w_i w_j))^2``
  (e = P - lam, P = w_1 ... w_L).  Along a periodic orbit the product of these factors must be 1
  unless the pair is balanced; near the optimum set each factor lies in [0, 1) (strictly below
  1 off the optimum set), so a periodic orbit that is not a fixed point and keeps
  delta^2 e^2 (P / (w_i w_j))^2 < 2 has |w_i| = |w_j| for all i, j: it lies on a balanced ray,
  around the balanced optimum, where (3) is the bound (4).
* :func:`matrix_imbalance_residual`: the matrix version, D_i = W_{i+1}^T W_{i+1} - W_i W_i^T
  changes by delta^2 (G_{i+1}^T G_{i+1} - G_i G_i^T) per step (G_i the gradient of layer i),
  so along a periodic orbit the summed second-order terms must cancel exactly.
* :func:`balanced_flip`: the period-doubling of the one-dimensional map on the balanced ray at
  the balanced optimum, where delta crosses (4); its cubic coefficient decides whether the
  2-cycles are born on the side delta > (4) (supercritical) or delta < (4) (subcritical).

The gradients are differentiated from the loss here (not copied from eq. (5)), so the
identities do not assume the formula they are used with.
"""

from __future__ import annotations

from collections.abc import Sequence

import sympy as sp

from proofs import deeplinear as pd
from proofs.chains import scalar_chain

DELTA = sp.Symbol("delta", positive=True)


def scalar_step(L: int) -> tuple[tuple[sp.Symbol, ...], sp.Symbol, list[sp.Expr], sp.Expr]:
    """(ws, lam, ws_next, e): one GD step on 1/2 (w_1 ... w_L - lam)^2, gradient by diff."""
    loss, ws, lam = scalar_chain(L)
    return ws, lam, [w - DELTA * sp.diff(loss, w) for w in ws], sp.Mul(*ws) - lam


def imbalance_multiplier(ws: Sequence[sp.Symbol], lam: sp.Symbol, i: int, j: int) -> sp.Expr:
    """The claimed factor 1 - delta^2 e^2 (prod_{k != i, j} w_k)^2 for the pair (i, j)."""
    others = sp.Mul(*[w for k, w in enumerate(ws) if k not in (i, j)])
    return 1 - DELTA ** 2 * (sp.Mul(*ws) - lam) ** 2 * others ** 2


def scalar_imbalance_residual(L: int, multiplier=imbalance_multiplier) -> list[sp.Expr]:
    """For every pair i < j: (w_i'^2 - w_j'^2) - (w_i^2 - w_j^2) * multiplier, expanded.

    All are 0 exactly when the multiplicative law holds; ``multiplier`` is a parameter so that a
    wrong factor can be shown to fail.
    """
    ws, lam, nxt, _ = scalar_step(L)
    out = []
    for i in range(L):
        for j in range(i + 1, L):
            lhs = nxt[i] ** 2 - nxt[j] ** 2
            out.append(sp.expand(lhs - (ws[i] ** 2 - ws[j] ** 2) * multiplier(ws, lam, i, j)))
    return out


def matrix_imbalance_residual(dims: Sequence[int], sign: int = 1) -> list[sp.Matrix]:
    """For each i < L: D_i(W') - D_i(W) - sign * delta^2 (G_{i+1}^T G_{i+1} - G_i G_i^T).

    W' = W - delta G with G_i = d/dW_i of 1/2 ||W_L ... W_1 - R||_F^2 (symbolic R); zero
    matrices exactly when sign = 1.
    """
    Ws = pd.net(dims)
    R = pd.matrix(dims[-1], dims[0], "r")
    G = [pd.derived_gradient(Ws, R, i) for i in range(1, len(Ws) + 1)]
    nxt = [W - DELTA * g for W, g in zip(Ws, G)]
    out = []
    for i in range(len(Ws) - 1):
        def D(V, i=i):
            return V[i + 1].T * V[i + 1] - V[i] * V[i].T
        second = G[i + 1].T * G[i + 1] - G[i] * G[i].T
        out.append((D(nxt) - D(Ws) - sign * DELTA ** 2 * second).applyfunc(sp.expand))
    return out


def balanced_flip(L: int) -> dict[str, sp.Expr]:
    """The flip of c -> c - delta (c^L - 1) c^{L-1} (GD on the balanced ray w = (c, ..., c),
    lam = 1; any lam > 0 rescales to this) at c = 1, delta0 = 2 / L = the bound (4).

    With y = c - 1 and delta = delta0 + eps, the second iterate is
    y + A eps y + B y^3 + (higher order); a 2-cycle near y = 0 has y^2 = -A eps / B, so it
    exists for eps of the sign of -B / A.  Returns delta0, the multiplier phi'(1) at delta0,
    A, B, a2, a3 (phi(1 + y) - 1 = -y + a2 y^2 + a3 y^3 at delta0) and ``side``: +1 when
    the cycles exist for delta > (4) (supercritical), -1 when for delta < (4).
    """
    c, y, eps = sp.symbols("c y eps", real=True)
    delta0 = sp.Rational(2, L)
    phi = c - DELTA * (c ** L - 1) * c ** (L - 1)
    f = sp.expand(phi.subs(c, 1 + y) - 1)
    f0 = sp.expand(f.subs(DELTA, delta0))
    a1, a2, a3 = (f0.coeff(y, k) for k in (1, 2, 3))
    fe = sp.expand(f.subs(DELTA, delta0 + eps))
    trunc = sum(fe.coeff(y, k) * y ** k for k in range(1, 4))
    f2 = sp.expand(trunc.subs(y, trunc))
    lin = sp.expand(f2.coeff(y, 1) - 1)
    A = sp.expand(lin).coeff(eps, 1)
    B = sp.expand(f2.coeff(y, 3).subs(eps, 0))
    side = sp.sign(-B / A)
    return {"delta0": delta0, "multiplier": a1, "A": A, "B": B, "a2": a2, "a3": a3,
            "side": side}


def l2_two_cycles() -> dict[str, object]:
    """Every period-2 orbit of GD on 1/2 (x y - 1)^2 (scalar chain, L = 2), at any amplitude.

    With u = x + y and v = x - y one step is u' = u (1 - delta e), v' = v (1 + delta e)
    (e = x y - 1): ``uv_residuals`` are those two identities (zero).  A 2-cycle with u, v
    both nonzero needs (1 - delta a)(1 - delta b) = 1 = (1 + delta a)(1 + delta b) (a, b the
    errors at its two points): ``uv_solutions`` solves that, giving only a = b = 0 (a fixed
    point).  So every 2-cycle lies on a ray w = (c, s c), s = +-1, where GD is
    c -> c (1 + s delta - delta c^2).  ``rays[s]``: the solutions (p, q) = (c_a + c_b, c_a c_b)
    of the cycle equations with c_a != c_b (``pq_form_residuals`` check the p, q forms against
    the c_a, c_b ones exactly), each with ``disc`` = p^2 - 4 q (real cycle iff >= 0).
    Outcome: p = 0 (the jump c <-> -c across the saddle at 0, midpoint 0), or, for s = +1
    only, p^2 = 1 + 3/delta, q = 1/delta with disc = (delta - 1)/delta: a pair on one side,
    about the balanced optimum, real iff delta >= 1 = (4); for s = -1 that pair has disc
    = -(delta + 1)/delta < 0.
    """
    x, y, a, b, p, q, ca, cb = sp.symbols("x y a b p q c_a c_b", real=True)
    e = x * y - 1
    loss = sp.Rational(1, 2) * e ** 2
    xn, yn = x - DELTA * sp.diff(loss, x), y - DELTA * sp.diff(loss, y)
    uv = [sp.expand(xn + yn - (x + y) * (1 - DELTA * e)),
          sp.expand(xn - yn - (x - y) * (1 + DELTA * e))]
    sols = sp.solve([(1 - DELTA * a) * (1 - DELTA * b) - 1,
                     (1 + DELTA * a) * (1 + DELTA * b) - 1], [a, b], dict=True)
    residuals, rays = [], {}
    for sgn in (1, -1):
        def phi(c, sgn=sgn):
            return c * (1 + sgn * DELTA - DELTA * c ** 2)
        ray_step = sp.expand(xn.subs({x: ca, y: sgn * ca}) - phi(ca))  # GD on the ray is phi
        # the cycle equations phi(c_a) = c_b, phi(c_b) = c_a, subtracted (divided by c_a - c_b)
        # and added, in terms of p and q
        diff = sp.cancel((phi(ca) - cb - (phi(cb) - ca)) / (ca - cb))
        summ = sp.expand(phi(ca) - cb + phi(cb) - ca)
        eqs = [2 + sgn * DELTA - DELTA * (p ** 2 - q),
               p * (sgn * DELTA - DELTA * (p ** 2 - 3 * q))]
        residuals += [ray_step, sp.expand(diff - eqs[0].subs({p: ca + cb, q: ca * cb})),
                      sp.expand(summ - eqs[1].subs({p: ca + cb, q: ca * cb}))]
        rays[sgn] = [{**sol, "disc": sp.simplify(sol[p] ** 2 - 4 * sol[q])}
                     for sol in sp.solve(eqs, [p, q], dict=True)]
    return {"uv_residuals": uv, "uv_solutions": sols, "pq_form_residuals": residuals,
            "rays": rays, "p": p}
