"""Exact (SymPy) deep linear networks with matrix weights, for Appendix A of Nar & Sastry (2018).

Symbolic weights ``W_j`` (entries ``w{j}_{a}{b}``) and target ``R``; the displayed formulas of the
proof of Theorem 1 and Corollary 1 written as printed, and the differences between them and the
derivation, each returned as an expression that is zero exactly when the display is right
(callers prove it with :func:`proofs.identities.prove_zero`).  Only rationals, no floats.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import sympy as sp


def net(dims: Sequence[int], name: str = "w") -> list[sp.Matrix]:
    """Symbolic weights for widths ``dims = (n_0, ..., n_L)``: W_j is n_j x n_{j-1}."""
    return [sp.Matrix(dims[j], dims[j - 1],
                      lambda a, b, j=j: sp.Symbol(f"{name}{j}_{a}{b}", real=True))
            for j in range(1, len(dims))]


def matrix(rows: int, cols: int, name: str) -> sp.Matrix:
    """A matrix of real symbols ``name_ab``."""
    return sp.Matrix(rows, cols, lambda a, b: sp.Symbol(f"{name}_{a}{b}", real=True))


def chain(Ws: Sequence[sp.Matrix], lo: int, hi: int, n: int) -> sp.Matrix:
    """W_hi ... W_lo (1-based); the n x n identity when hi < lo."""
    out = sp.eye(n)
    for j in range(lo, hi + 1):
        out = Ws[j - 1] * out if j > lo else Ws[j - 1]
    return out


def product(Ws: Sequence[sp.Matrix]) -> sp.Matrix:
    """W_L ... W_1."""
    return chain(Ws, 1, len(Ws), Ws[0].cols)


def above(Ws, i):
    """W_L ... W_{i+1} (identity of size n_i when i = L)."""
    return chain(Ws, i + 1, len(Ws), Ws[i - 1].rows)


def below(Ws, i):
    """W_{i-1} ... W_1 (identity of size n_0 when i = 1)."""
    return chain(Ws, 1, i - 1, Ws[0].cols)


def frob(A: sp.Matrix, B: sp.Matrix) -> sp.Expr:
    """<A, B> = trace(A^T B)."""
    return sum((A[k] * B[k] for k in range(len(A))), sp.Integer(0))


def trace_loss(Ws, R) -> sp.Expr:
    """The proof's form of (2): 1/2 trace{(W_L ... W_1 - R)^T (W_L ... W_1 - R)}."""
    E = product(Ws) - R
    return sp.Rational(1, 2) * (E.T * E).trace()


def derived_gradient(Ws, R, i: int) -> sp.Matrix:
    """d/dW_i of 1/2 ||W_L ... W_1 - R||_F^2, entry by entry."""
    loss = trace_loss(Ws, R)
    W = Ws[i - 1]
    return sp.Matrix(W.rows, W.cols, lambda a, b: sp.diff(loss, W[a, b]))


def A_(Ws, i):
    """A_i as printed in Appendix A: W_L ... W_{i+1} W_{i+1}^T ... W_L^T."""
    P = above(Ws, i)
    return P * P.T


def B_(Ws, i):
    """B_i as printed: W_1^T ... W_{i-1}^T W_{i-1} ... W_1."""
    P = below(Ws, i)
    return P.T * P


def vec(M: sp.Matrix) -> sp.Matrix:
    """Row-major vec."""
    return sp.Matrix([M[a, b] for a in range(M.rows) for b in range(M.cols)])


def params(Ws) -> list[sp.Symbol]:
    """Parameters in the order of numerics.deeplinear.flatten (layer 1 first, row-major)."""
    return [W[a, b] for W in Ws for a in range(W.rows) for b in range(W.cols)]


def jacobian(Ws) -> sp.Matrix:
    """J = d vec(W_L ... W_1) / d params."""
    return vec(product(Ws)).jacobian(params(Ws))


def f_matrix(Ws) -> sp.Matrix:
    """The map (7) f(X) = sum_i A_i X B_i as a matrix on row-major vec(X)."""
    m, n = Ws[-1].rows, Ws[0].cols
    X = matrix(m, n, "x")
    fX = sum((A_(Ws, i) * X * B_(Ws, i) for i in range(1, len(Ws) + 1)), sp.zeros(m, n))
    return vec(fX).jacobian(list(vec(X)))


@functools.lru_cache(maxsize=8)
def hessian_at_global_minimum(dims: tuple[int, ...]) -> tuple[sp.Matrix, sp.Matrix]:
    """(H, J): the Hessian of 1/2 ||P(W) - R||^2 with R := P(W) substituted after
    differentiating (every point is then a global minimum of its own target), and J."""
    Ws = net(dims)
    R = matrix(dims[-1], dims[0], "r")
    ps = params(Ws)
    H = sp.hessian(trace_loss(Ws, R), ps)
    sub = dict(zip(list(R), list(product(Ws))))
    return H.subs(sub), jacobian(Ws)


def rayleigh_gap(dims: Sequence[int], shift: int = 0) -> sp.Expr:
    """<u v^T, f(u v^T)> - sum_i ||(W_L..W_{i+1})^T u||^2 ||W_{i-1}..W_1 v||^2 (any u, v).

    Zero identically: the last display of the proof of Theorem 1 (Lemma 2 with u, v), i.e.
    the Rayleigh quotient at u v^T is sum_i p_{i-1}^2 q_{i+1}^2 when ||u|| = ||v|| = 1.
    ``shift = 1`` puts p_i in place of p_{i-1} (a wrong variant, for negative controls).
    """
    Ws = net(dims)
    u, v = matrix(dims[-1], 1, "u"), matrix(dims[0], 1, "v")
    X = u * v.T
    fX = sum((A_(Ws, i) * X * B_(Ws, i) for i in range(1, len(Ws) + 1)),
             sp.zeros(*X.shape))
    terms = 0
    for i in range(1, len(Ws) + 1):
        a, b = above(Ws, i).T * u, chain(Ws, 1, i - 1 + shift, dims[0]) * v
        terms += frob(a, a) * frob(b, b)
    return sp.expand(frob(X, fX) - terms)


def lemma2_gap(m: int, n: int, L: int) -> sp.Expr:
    """<u v^T, sum_i A_i u v^T B_i> - sum_i (u^T A_i u)(v^T B_i v) for symbolic A_i, B_i.

    Zero identically (no symmetry or definiteness used): the last equality of Lemma 2's proof.
    """
    u, v = matrix(m, 1, "u"), matrix(n, 1, "v")
    X = u * v.T
    gap = 0
    for i in range(L):
        A, B = matrix(m, m, f"a{i}"), matrix(n, n, f"b{i}")
        gap += frob(X, A * X * B) - (u.T * A * u)[0] * (v.T * B * v)[0]
    return sp.expand(gap)


def lagrange_gap(n: int) -> sp.Expr:
    """||a||^2 ||b||^2 - (a.b)^2 - sum_{k<l} (a_k b_l - a_l b_k)^2 (zero): Cauchy-Schwarz,
    the first display of the proof of Corollary 1 with a = (W_L..W_{i+1})^T u, b = W_i..W_1 v."""
    a, b = matrix(n, 1, "a"), matrix(n, 1, "b")
    sos = sum(((a[k] * b[m] - a[m] * b[k]) ** 2 for k in range(n) for m in range(k + 1, n)),
              sp.Integer(0))
    return sp.expand(frob(a, a) * frob(b, b) - frob(a, b) ** 2 - sos)
