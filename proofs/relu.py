"""Two-layer ReLU networks per activation pattern, exactly (Nar & Sastry 2018, Appendix D).

Within a fixed activation pattern (the diagonal 0/1 matrices G_i of Appendix D) the loss
``1/2 sum_i ||W G_i (V x_i - b) - y_i||^2`` is a polynomial in (W, V); this module builds it
with symbolic W, V (and, optionally, symbolic data), so gradients, Hessians and identities are
exact.  Used to cross-check :mod:`numerics.relu` and by the symbolic checks of Theorem 4.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp


@dataclass(frozen=True)
class PatternLoss:
    """The loss of one activation pattern, with its symbols (row-major W then V)."""

    loss: sp.Expr
    W: sp.Matrix
    V: sp.Matrix
    params: tuple[sp.Symbol, ...]
    outputs: tuple[sp.Matrix, ...]  # f_hat(x_i), one m-vector per point
    errors: tuple[sp.Matrix, ...]


def pattern_loss(X, Y, b, pattern, scale=sp.Rational(1, 2)) -> PatternLoss:
    """``scale * sum_i ||W G_i (V x_i - b) - y_i||^2`` with symbolic W (m x r), V (r x n).

    Args:
        X: N rows of n entries (numbers or symbols); Y: N rows of m entries; b: r entries.
        pattern: N rows of r 0/1 entries (the diagonals of G_i).
    """
    N, n, m, r = len(X), len(X[0]), len(Y[0]), len(b)
    W = sp.Matrix(m, r, lambda k, l: sp.Symbol(f"W{k + 1}{l + 1}", real=True))
    V = sp.Matrix(r, n, lambda l, p: sp.Symbol(f"V{l + 1}{p + 1}", real=True))
    bv = sp.Matrix(b)
    outs, errs = [], []
    for i in range(N):
        G = sp.diag(*pattern[i])
        out = W * G * (V * sp.Matrix(X[i]) - bv)
        outs.append(out)
        errs.append(out - sp.Matrix(Y[i]))
    loss = scale * sum((e.T * e)[0] for e in errs)
    params = tuple(W) + tuple(V)
    return PatternLoss(sp.expand(loss), W, V, params, tuple(outs), tuple(errs))


def gradient(pl: PatternLoss) -> sp.Matrix:
    """Exact gradient in the order of ``pl.params``."""
    return sp.Matrix([sp.diff(pl.loss, p) for p in pl.params])


def hessian(pl: PatternLoss) -> sp.Matrix:
    """Exact Hessian in the order of ``pl.params``."""
    return sp.hessian(pl.loss, pl.params)
