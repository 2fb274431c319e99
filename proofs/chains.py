"""Scalar deep chains: min 1/2 (w_L ... w_1 - lam)^2 (Nar & Sastry 2018, Section 2 and the
talk's Proposition; Lemmas 3 and 4 of Appendix B/C use the same loss)."""

from __future__ import annotations

import functools

import sympy as sp

from proofs.identities import prove_zero


@functools.lru_cache(maxsize=16)
def scalar_chain(L: int) -> tuple[sp.Expr, tuple[sp.Symbol, ...], sp.Symbol]:
    """The loss 1/2 (prod w_i - lam)^2 with symbols w1..wL (real, nonzero) and lam."""
    ws = sp.symbols(f"w1:{L + 1}", real=True, nonzero=True)
    lam = sp.Symbol("lam", real=True, nonzero=True)
    return sp.Rational(1, 2) * (sp.Mul(*ws) - lam) ** 2, ws, lam


def hessian_at_minimisers(L: int) -> tuple[sp.Matrix, sp.Matrix, tuple[sp.Symbol, ...], sp.Symbol]:
    """(H, g, ws, lam): the Hessian on the minimiser set prod w = lam, and g = grad of prod w.

    On that set the residual vanishes, so H = g g^T exactly; the caller proves it.
    """
    loss, ws, lam = scalar_chain(L)
    H = sp.hessian(loss, ws)
    prod = sp.Mul(*ws)
    g = sp.Matrix([sp.diff(prod, w) for w in ws])
    return H.subs(lam, prod), g, ws, lam


def rank_one_facts() -> dict[str, bool]:
    """The facts that make the Hessian of 1/2 (w_L ... w_1 - lam)^2 on its minimiser set the
    rank-one g g^T, g_i = lam/w_i, for every depth L >= 2 at once, each proven by SymPy.

    Any product of L >= 2 factors is w_i w_j Q with Q free of w_i, w_j (i != j), and w_i R
    with R free of w_i; on the minimiser set Q = lam/(w_i w_j) and R = lam/w_i, so
    H_ij = (lam/w_i)(lam/w_j) and H_ii = (lam/w_i)^2.  A rank-one g g^T has the eigenvalue |g|^2
    on g and 0 on g's orthogonal complement (an L x 1 MatrixSymbol, L an integer symbol).
    """
    wi, wj, rest = sp.symbols("w_i w_j Q", real=True, nonzero=True)
    lam = sp.Symbol("lam", real=True, nonzero=True)
    off = sp.diff(sp.Rational(1, 2) * (wi * wj * rest - lam) ** 2, wi, wj)
    diag = sp.diff(sp.Rational(1, 2) * (wi * rest - lam) ** 2, wi, 2)
    L = sp.Symbol("L", integer=True, positive=True)
    g, v = sp.MatrixSymbol("g", L, 1), sp.MatrixSymbol("v", L, 1)
    return {
        "H_ij = (lam/w_i)(lam/w_j) on the minimisers":
            bool(prove_zero(off.subs(rest, lam / (wi * wj)) - (lam / wi) * (lam / wj))),
        "H_ii = (lam/w_i)^2 on the minimisers":
            bool(prove_zero(diag.subs(rest, lam / wi) - (lam / wi) ** 2)),
        "(g g^T) g = |g|^2 g": bool((g * g.T * g - g * (g.T * g)).doit().is_ZeroMatrix),
        "(g g^T) v = g (g^T v)": bool((g * g.T * v - g * (g.T * v)).doit().is_ZeroMatrix),
    }
