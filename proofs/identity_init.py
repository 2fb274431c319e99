"""Exact derivations behind Lemmas 3 and 4 (Appendices B and C of Nar & Sastry 2018).

The target is written ``lam = r^L`` with ``r > 0`` the positive L-th root, so that every
statement becomes a polynomial identity or a sign condition on polynomials in (w, r, delta).
Each function returns SymPy objects or booleans decided exactly; nothing here uses floats.
"""

from __future__ import annotations

import functools

import sympy as sp

from proofs.chains import scalar_chain
from proofs.identities import prove_zero

w, r, delta = sp.symbols("w r delta", positive=True)
lam = sp.Symbol("lam", real=True)


def _all_proven(results) -> bool | None:
    """Three-valued conjunction of :func:`prove_zero` results: False if one is disproven, None
    if one is undecided (never counted as proven or as disproven), else True."""
    results = list(results)
    if any(x is False for x in results):
        return False
    return None if any(x is None for x in results) else True


def printed_recurrence(L: int) -> sp.Expr:
    """Lemma 3's display: ``w[k+1] = w - delta w^(L-1) (w^L - lam)``."""
    return w - delta * w ** (L - 1) * (w ** L - lam)


@functools.lru_cache(maxsize=32)
def equal_weight_recurrence(L: int) -> sp.Expr:
    """The GD map of one weight when all L weights equal w, derived from the L-variable loss."""
    loss, ws, lam_ = scalar_chain(L)
    grad = sp.diff(loss, ws[0])
    return (ws[0] - delta * grad).subs({v: w for v in ws}).subs(lam_, lam)


def recurrence_matches(L: int) -> bool | None:
    """Exact: the derived map equals the printed display, and every weight gets the same map
    (so equal weights stay equal, the 'due to symmetry' step).  None: SymPy undecided."""
    loss, ws, lam_ = scalar_chain(L)
    same = [prove_zero(sp.expand((sp.diff(loss, v) - sp.diff(loss, ws[0])).subs(
        {u: w for u in ws}))) for v in ws]
    return _all_proven(same + [prove_zero(sp.expand(equal_weight_recurrence(L)
                                                    - printed_recurrence(L)))])


def mu(L: int) -> sp.Expr:
    """The printed contraction factor ``1 - delta w^(L-1) sum_j w^j lam^((L-1-j)/L)``
    with ``lam^(1/L) = r``."""
    return 1 - delta * w ** (L - 1) * sum(w ** j * r ** (L - 1 - j) for j in range(L))


def mu_decreasing(L: int) -> bool:
    """Exact: ``-d mu/d w`` is delta times a polynomial in (w, r) with positive coefficients,
    so mu decreases in w > 0 (the 'mu is monotonic' step)."""
    poly = sp.Poly(sp.expand(-sp.diff(mu(L), w) / delta), w, r)
    return all(c > 0 for c in poly.coeffs())


def endpoint_bounds(L: int) -> dict[str, sp.Expr]:
    """mu at the two ends of the orbit and the delta making each vanish (lam = r^L).

    Returns ``mu(1)``, ``mu(r)``, ``delta at mu(1)=0`` and ``delta at mu(r)=0``.
    """
    m = mu(L)
    m1, mr = sp.expand(m.subs(w, 1)), sp.expand(m.subs(w, r))
    d1 = sp.solve(sp.Eq(m1, 0), delta)[0]
    dr = sp.solve(sp.Eq(mr, 0), delta)[0]
    return {"mu(1)": m1, "mu(r)": mr, "delta: mu(1)=0": d1, "delta: mu(r)=0": dr}


def printed_delta_c(L: int) -> dict[str, sp.Expr]:
    """The printed delta_c with lam = r^L, per branch."""
    lam_r = r ** L
    return {"lam >= 1": 1 / (L * lam_r ** sp.Rational(2 * (L - 1), L)),
            "lam < 1": (1 - r) / (1 - lam_r)}


def printed_beta(L: int) -> dict[str, sp.Expr]:
    """The printed beta(delta) with lam = r^L, per branch."""
    lam_r = r ** L
    return {"lam > 1": 1 - delta * (lam_r - 1) / (r - 1),
            "lam < 1": 1 - delta * L * lam_r ** sp.Rational(2 * (L - 1), L)}


def one_step_landing(L: int) -> bool:
    """Exact: for lam < 1 at delta = delta_c the first step lands on r = lam^(1/L)."""
    d = printed_delta_c(L)["lam < 1"]
    return prove_zero(sp.cancel(printed_recurrence(L).subs({lam: r ** L, delta: d, w: 1}) - r))


def real_roots_of(L: int, value: int) -> list[sp.Expr]:
    """The real solutions of ``w^L = value`` (exact): the equilibria lam^(1/L) of Lemma 4."""
    x = sp.Symbol("x", real=True)
    return sp.real_roots(sp.Poly(x ** L - value, x))


def lemma4_factor(L: int) -> sp.Expr:
    """The contraction factor of Lemma 4 with sigma = 1: ``1 - delta w^(L-2) (w^L - lam)``."""
    return 1 - delta * w ** (L - 2) * (w ** L - lam)


def lemma4_lower_gap(L: int) -> tuple[sp.Expr, sp.Expr]:
    """(factor - (1 - delta (1 - lam)), its form delta[(1 - w^(2L-2)) + m (1 - w^(L-2))])
    with lam = -m, m > 0: both brackets are >= 0 on [0, 1], the induction step of Lemma 4."""
    m = sp.Symbol("m", positive=True)
    f = lemma4_factor(L).subs(lam, -m)
    return (sp.expand(f - (1 - delta * (1 + m))),
            sp.expand(delta * ((1 - w ** (2 * L - 2)) + m * (1 - w ** (L - 2)))))


def lemma4_boundary(L: int, lam_value: int = -1) -> tuple[sp.Expr, sp.Expr]:
    """(w[1], factor at w[1]) exactly at delta = 1/(1 - lam), w[0] = 1."""
    d = sp.Rational(1, 1 - lam_value)
    w1 = printed_recurrence(L).subs({w: 1, lam: lam_value, delta: d})
    return w1, lemma4_factor(L).subs({lam: lam_value, delta: d, w: w1})
