"""Exact derivations for Nar & Sastry (2018), *Residual Networks: Lyapunov Stability and Convex
Decomposition* (SymPy only, exact rationals).

Each function derives one printed formula or one exact (counter)example and returns SymPy
objects; the check factories in ``verify/checks/resnet/`` decide what they mean.
"""

from __future__ import annotations


import sympy as sp

from proofs.identities import prove_zero

R_ = sp.Rational


# --- Section 2: ordinary least squares ------------------------------------------------------


def ols_singular_example():
    """X = [1; 0] (n = 2, N = 1), y = 1, delta = 1/2, w[0] = (0, c): the exact orbit.

    Returns ``(eigs, wk, limit, k, c)``: the eigenvalues of I - delta X X^T (1/2 and 1), the
    closed-form iterate w[k] = (1 - 2^-k, c), and its limit (1, c): GD converges although an
    eigenvalue has magnitude 1, and every equilibrium (1, c) is stable but not asymptotically.
    """
    X, y, d = sp.Matrix([[1], [0]]), sp.Matrix([[1]]), R_(1, 2)
    A = sp.eye(2) - d * X * X.T
    k = sp.Symbol("k", integer=True, nonnegative=True)
    c = sp.Symbol("c", real=True)
    wk = sp.Matrix([1 - R_(1, 2) ** k, c])
    # Verify the closed form is the orbit: w[0] matches and w[k+1] = A w[k] + delta X y.
    assert wk.subs(k, 0) == sp.Matrix([0, c])
    assert prove_zero(sp.expand((wk.subs(k, k + 1) - A * wk - d * X * y).norm() ** 2))
    limit = wk.applyfunc(lambda e: sp.limit(e, k, sp.oo))
    return list(A.eigenvals()), wk, limit, k, c


# --- Section 3.1 -----------------------------------------------------------------------------

