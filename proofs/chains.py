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


def balanced_sup_facts() -> dict[str, bool]:
    """The facts that make 2/(L |lam|^(2(L-1)/L)) the largest stability threshold
    2/sum_i (lam/w_i)^2 over the minimiser set w_L ... w_1 = lam, for every depth L >= 1 at
    once (Nar & Sastry 2018, Section 2, the paragraph after Proposition 1: delta_max).

    The L terms (lam/w_i)^2 are positive with product lam^(2L)/(w_1 ... w_L)^2 = lam^(2(L-1))
    (checked with L an integer symbol), so by the AM-GM inequality (the named premise)
    sum_i (lam/w_i)^2 >= L |lam|^(2(L-1)/L), with equality at |w_i| = |lam|^(1/L) (every term
    then equals |lam|^(2(L-1)/L), checked).
    """
    L = sp.Symbol("L", integer=True, positive=True)
    i = sp.Symbol("i", integer=True)
    lam = sp.Symbol("lam", real=True, nonzero=True)
    w = sp.IndexedBase("w")
    product = sp.Product((lam / w[i]) ** 2, (i, 1, L)).doit()  # lam^(2L) prod_i w_i^(-2)
    # prod_i w_i^k = (prod_i w_i)^k = lam^k on the minimisers (k an integer)
    at_set = product.replace(
        lambda e: isinstance(e, sp.Product) and e.function.is_Pow and e.function.base == w[i]
        and e.function.exp.is_Integer, lambda e: lam ** e.function.exp)
    balanced = (lam / sp.Abs(lam) ** (1 / L)) ** 2
    return {
        "prod_i (lam/w_i)^2 = lam^(2(L-1)) on the minimisers":
            not at_set.has(sp.Product)
            and bool(prove_zero(sp.powsimp(at_set - lam ** (2 * L - 2)))),
        "(lam/w_i)^2 = |lam|^(2(L-1)/L) at |w_i| = |lam|^(1/L)":
            bool(prove_zero(sp.powsimp(sp.expand_power_base(balanced, force=False)
                                       - sp.Abs(lam) ** (2 * (L - 1) / L), force=False))),
    }
