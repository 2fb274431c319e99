"""Exact algebra for Wu, Wang & Ma (2019), deep linear residual networks (SymPy only).

* Scalar inequalities stated in the appendix, evaluated in exact rationals.  (The identities
  of Section 2, Section 3, Lemma 4.2 and Lemma A.5, for every depth and width, are data over
  matrices of free size: ``verify/papers/wu2019zas.toml``, :mod:`proofs.matrix_claims`.)

Every function returns exact SymPy values; the callers decide what they prove.
"""

from __future__ import annotations

import sympy as sp


def binomial_bounds(L: int) -> dict[str, sp.Rational]:
    """Slack of the three inequalities used in Lemma A.6 at their worst point y = x / L^2
    (x = 1 by homogeneity), exact; each must be >= 0.

    (x+y)^L <= 2 x^L, (x+y)^L <= x^L + 2L x^{L-1} y, (x+y)^L <= x^L + L x^{L-1} y + L^2 x^{L-2}
    y^2 on 0 <= y <= x/L^2: the first two slacks are monotone (resp. convex with value 0 at
    y = 0), so the endpoint is the worst case; the third is concave on the interval when
    L(L-1)(1+1/L^2)^{L-2} <= 2L^2, which is returned as a fourth slack.
    """
    u = sp.Rational(1, L ** 2)
    p = (1 + u) ** L
    return {
        "2x^L": 2 - p,
        "x^L+2Lx^{L-1}y": 1 + 2 * L * u - p,
        "x^L+Lx^{L-1}y+L^2x^{L-2}y^2": 1 + L * u + L ** 2 * u ** 2 - p,
        "concavity": 2 * L ** 2 - L * (L - 1) * (1 + u) ** max(L - 2, 0),
    }
