"""Exact (SymPy) deep linear networks with matrix weights, for Appendix A of Nar & Sastry (2018).

Symbolic weights ``W_j`` (entries ``w{j}_{a}{b}``) and target ``R``; the displayed formulas of the
proof of Theorem 1 and Corollary 1 written as printed, and the differences between them and the
derivation, each returned as an expression that is zero exactly when the display is right
(callers prove it with :func:`proofs.identities.prove_zero`).  Only rationals, no floats.
"""

from __future__ import annotations

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
