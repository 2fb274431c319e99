"""Exact displays of the proof of Lemma 4, amended (Appendix C of Nar & Sastry 2018), at one
depth L: the equal-weight GD map, the real equilibria and the boundary step.  (Lemmas 3 and 4
themselves are proved for every depth at once: :mod:`proofs.general_depth`.)

Each function returns SymPy objects or booleans decided exactly; nothing here uses floats.
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs.chains import scalar_chain

w, r, delta = sp.symbols("w r delta", positive=True)
lam = sp.Symbol("lam", real=True)


def printed_recurrence(L: int) -> sp.Expr:
    """Lemma 3's display: ``w[k+1] = w - delta w^(L-1) (w^L - lam)``."""
    return w - delta * w ** (L - 1) * (w ** L - lam)


@functools.lru_cache(maxsize=32)
def equal_weight_recurrence(L: int) -> sp.Expr:
    """The GD map of one weight when all L weights equal w, derived from the L-variable loss."""
    loss, ws, lam_ = scalar_chain(L)
    grad = sp.diff(loss, ws[0])
    return (ws[0] - delta * grad).subs({v: w for v in ws}).subs(lam_, lam)


def real_roots_of(L: int, value: int) -> list[sp.Expr]:
    """The real solutions of ``w^L = value`` (exact): the equilibria lam^(1/L) of Lemma 4."""
    x = sp.Symbol("x", real=True)
    return sp.real_roots(sp.Poly(x ** L - value, x))


def lemma4_factor(L: int) -> sp.Expr:
    """The contraction factor of Lemma 4 with sigma = 1: ``1 - delta w^(L-2) (w^L - lam)``."""
    return 1 - delta * w ** (L - 2) * (w ** L - lam)


def lemma4_boundary(L: int, lam_value: int = -1) -> tuple[sp.Expr, sp.Expr]:
    """(w[1], factor at w[1]) exactly at delta = 1/(1 - lam), w[0] = 1."""
    d = sp.Rational(1, 1 - lam_value)
    w1 = printed_recurrence(L).subs({w: 1, lam: lam_value, delta: d})
    return w1, lemma4_factor(L).subs({lam: lam_value, delta: d, w: w1})
