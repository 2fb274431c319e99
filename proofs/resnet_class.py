"""Nar & Sastry (2018), Section 2, ordinary least squares example (amended), as a derivation
for every real X (n x N) and every delta > 0 (:mod:`proofs.derivation`).

Paper: ``shared/papers/nar-sastry-2018-resnets-lyapunov-stability.md``, Section 2: GD on
(1/2)||X^T w - y||^2 is w[k+1] = (I - delta X X^T) w[k] + delta X y.
"""

from __future__ import annotations

import sympy as sp

from proofs.derivation import Step, identity, inequality, premise


def ols_amended(threshold=2) -> list[Step]:
    """GD converges from every start iff delta < threshold/lambda_max(X X^T) (threshold = 2),
    and its equilibria are asymptotically stable iff moreover X X^T is nonsingular."""
    X, Xt, w, ws, y, q = sp.symbols("X Xt w ws y qt", commutative=False)
    d = sp.Symbol("delta", positive=True)
    lam, lmax = sp.symbols("lambda lambda_max", positive=True)
    a, b = sp.symbols("a b", nonnegative=True)
    bb = sp.Symbol("b_", positive=True)
    step = sp.expand((w - d * X * (Xt * w - y)) - ws - (1 - d * X * Xt) * (w - ws))
    step = sp.expand(step.subs(X * y, X * Xt * ws))  # ws an equilibrium: X X^T ws = X y
    eig = sp.expand(q * (1 - d * X * Xt)).subs(q * X * Xt, lam * q) - (1 - d * lam) * q
    return [
        premise("an equilibrium exists: X y lies in range(X) = range(X X^T)"),
        identity("error recursion: w[k+1] - w* = (I - delta X X^T)(w[k] - w*) for every "
                 "equilibrium w* (X X^T w* = X y), every n, N", step),
        premise("spectral theorem: X X^T = sum_i lambda_i q_i q_i^T, lambda_i >= 0, q_i "
                "orthonormal"),
        identity("q_i^T (I - delta X X^T) = (1 - delta lambda_i) q_i^T, so the coordinate "
                 "e_i = q_i^T (w - w*) evolves as e_i[k] = (1 - delta lambda_i)^k e_i[0]", eig),
        premise("r^k c converges for every c iff -1 < r <= 1, and tends to 0 for every c iff "
                "|r| < 1; a linear recursion is asymptotically stable iff every |r_i| < 1"),
        identity("lambda_i = 0: r = 1 (the coordinate stays: converges, never decays)",
                 (1 - d * 0) - 1),
        inequality("lambda_i > 0: r = 1 - delta lambda_i < 1", 1 - d * lam, "<", 1),
        identity("lambda_i > 0: r + 1 = lambda_i (2/lambda_i - delta), so r > -1 iff delta < "
                 "2/lambda_i", (1 - d * lam) + 1 - lam * (2 / lam - d)),
        inequality("delta < threshold/lambda_max and 0 < lambda_i <= lambda_max give delta "
                   "lambda_i < 2 (lambda_i = lambda_max/(1+a), delta = threshold/(lambda_max "
                   "(1+b)), b > 0)", threshold / (lmax * (1 + bb)) * lmax / (1 + a), "<", 2),
        identity("delta >= 2/lambda_max: r = 1 - delta lambda_max <= -1 on q_max, so the start "
                 "w* + q_max does not converge (delta lambda_max = 2 + b)",
                 (1 - (2 + b)) - (-1 - b)),
        inequality("... r = -1 - b <= -1", -1 - b, "<=", -1),
        premise("so GD converges from every start iff delta < 2/lambda_max (X = 0: every start "
                "is an equilibrium, 2/0 read as oo); asymptotic stability needs also every "
                "lambda_i > 0, i.e. X X^T nonsingular"),
    ]


def convex_network(w_sign=1) -> list[Step]:
    """(7a)-(7c) (Section 3.1): f_hat = c^T h_L + d is convex for every n, L, m_i when W_i, V_i,
    b_i >= 0 and c > 0, by induction on the layer i over the convexity inequality: at z =
    lam x + mu y (lam, mu >= 0, lam + mu = 1), a convex F has F(z) = lam F(x) + mu F(y) - s,
    s >= 0.  The coordinates of h_0 = x are affine (s = 0); a coordinate of h_i is
    h_{i-1,j} + sum_k (W_i)_{jk} [V_{i,k}^T h_{i-1} - b_{i,k}]_+: nonnegative combinations
    (added one term at a time), an affine shift (-b) and [.]_+ = max(., 0) each keep the
    inequality.  ``w_sign = -1`` lets a weight be negative (false: -[x]_+ is concave)."""
    rr = sp.Symbol("r", nonnegative=True)
    lam, mu = 1 / (1 + rr), rr / (1 + rr)  # every lam in (0, 1]; lam = 0 swaps x and y
    x, y, bias = sp.symbols("x y b", real=True)
    Fx, Fy, Gx, Gy = sp.symbols("F_x F_y G_x G_y", real=True)
    s1, s2, a, g = sp.symbols("s1 s2 a g", nonnegative=True)  # slacks; a weight; 0 <= g
    Fz = lam * Fx + mu * Fy - s1  # F convex at z
    Gz = lam * Gx + mu * Gy - s2
    t1, t2 = sp.symbols("t1 t2", nonnegative=True)  # [F(x)]_+ = F(x) + t1 >= 0, etc.
    return [
        premise("convexity of F: F(lam x + mu y) <= lam F(x) + mu F(y) for lam in [0, 1], mu = "
                "1 - lam (lam = 0 is lam = 1 with x and y swapped); every coordinate is handled alike (induction on i, then on the "
                "number of terms k of the sum)"),
        identity("lam = 1/(1 + r), mu = r/(1 + r) (r >= 0): lam + mu = 1", lam + mu - 1),
        identity("base: h_0(z) = z = lam x + mu y is affine (equality, slack 0)",
                 (lam * x + mu * y) - (lam * x + mu * y)),
        inequality("sum step: F + a G with a = (W_i)_{jk} >= 0 keeps the inequality",
                   Fz + w_sign * a * Gz, "<=", lam * (Fx + w_sign * a * Gx)
                   + mu * (Fy + w_sign * a * Gy)),
        inequality("nonnegative combination V_{i,k}^T h_{i-1} likewise (a = (V_i)_{jk} >= 0), "
                   "and c^T h_L with c > 0", Fz + a * Gz, "<=",
                   lam * (Fx + a * Gx) + mu * (Fy + a * Gy)),
        identity("affine shift: (F - b)(z) bound is lam (F(x) - b) + mu (F(y) - b) - s",
                 (Fz - bias) - (lam * (Fx - bias) + mu * (Fy - bias) - s1)),
        inequality("[F]_+ where F(z) >= 0: F(z) <= lam [F(x)]_+ + mu [F(y)]_+",
                   Fz, "<=", lam * (Fx + t1) + mu * (Fy + t2)),
        inequality("[F]_+ where F(z) < 0: 0 <= lam [F(x)]_+ + mu [F(y)]_+ (both >= 0)",
                   0, "<=", lam * g + mu * sp.Symbol("g2", nonnegative=True)),
        identity("(7c): + d, an affine shift again (d real)",
                 (Fz + bias) - (lam * (Fx + bias) + mu * (Fy + bias) - s1)),
        premise("so by induction every coordinate of h_i is convex, and f_hat = c^T h_L + d is "
                "convex on R^n"),
    ]
