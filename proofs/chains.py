"""Scalar deep chains: min 1/2 (w_L ... w_1 - lam)^2 (Nar & Sastry 2018, Section 2 and the
talk's Proposition; Lemmas 3 and 4 of Appendix B/C use the same loss)."""

from __future__ import annotations

import functools

import sympy as sp


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
