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




def layer7_jacobian_nonneg(n: int, m: int, free: tuple[str, ...] = ()) -> bool:
    """One layer of (7): h -> h + W [V^T h - b]_+ has Jacobian J = I + W diag(a) V^T, a_k in
    {0, 1} the ReLU pattern (b does not enter).  With W (n x m), V (n x m) and a symbolic,
    nonnegative unless named in ``free`` ("W", "V"), True when every entry of J is a polynomial
    with nonnegative coefficients in nonnegative symbols: J >= 0 for every such layer and every
    pattern.  False means no proof (not a counterexample)."""
    def sym(name, signed):
        return sp.Symbol(name, real=True) if signed else sp.Symbol(name, nonnegative=True)

    W = sp.Matrix(n, m, lambda i, k: sym(f"W_{i}{k}", "W" in free))
    V = sp.Matrix(n, m, lambda i, k: sym(f"V_{i}{k}", "V" in free))
    a = sp.diag(*[sp.Symbol(f"a_{k}", nonnegative=True) for k in range(m)])
    J = sp.eye(n) + W * a * V.T
    return all(all(s.is_nonnegative for s in e.free_symbols)
               and all(c >= 0 for c in sp.Poly(e, *sorted(e.free_symbols, key=str)).coeffs())
               for e in J)


# --- Section 4: formulas (10)-(12) --------------------------------------------------------------


def network10_loss(n: int, L: int, points, labels):
    """Loss (11) of network (10a)-(10c) with symbolic W_l (n x n), b_l (n), c (n), d.

    Returns ``(loss, params)`` with params a dict name -> list of symbols.
    """
    Ws = [sp.Matrix(n, n, lambda i, j, l=l: sp.Symbol(f"W{l}_{i}{j}", real=True))
          for l in range(1, L + 1)]
    bs = [sp.Matrix(n, 1, lambda i, _, l=l: sp.Symbol(f"b{l}_{i}", real=True))
          for l in range(1, L + 1)]
    c = sp.Matrix(n, 1, lambda i, _: sp.Symbol(f"c{i}", real=True))
    d = sp.Symbol("d", real=True)
    total = 0
    for x, y in zip(points, labels):
        h = sp.Matrix(x)
        for W, b in zip(Ws, bs):
            h = h + W * (h - b).applyfunc(lambda z: sp.Max(z, 0))
        out = (c.T * h)[0] + d
        total += (out - y) ** 2 / 2
    params = {"W": [list(W) for W in Ws], "b": [list(b) for b in bs], "c": list(c), "d": [d]}
    return total, params
