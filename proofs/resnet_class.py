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
