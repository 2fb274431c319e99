"""Exact statements of proof steps in Wu, Wang & Ma (2019), Appendix A, for the claims that stay
in :mod:`verify.papers.wu2019zas` because their scalar steps sit beside checks the claim
language cannot state (a derivation for every width, sampled matrix bounds): the amended steps
of the proof of Lemma A.3 and the binomial bounds of the proof of Lemma A.6.  Each factory returns a
:func:`verify.checks.zas.exact_statements` check; the caller declares what it covers.

Source: ``shared/papers/wu-wang-ma-2019-zas-deep-linear-resnets.md``, Appendix A.
"""

from __future__ import annotations

import sympy as sp

from proofs import zas as pz
from proofs import zas_general as pzg
from verify.checks.zas import exact_statements
from verify.vocabulary import Check, Coverage

k_ = sp.Symbol("k", nonnegative=True)


def _a3_step_point():
    # W = (sqrt2, sqrt2, 1): alpha^2 = 2, beta = 1, D_1 = 0, I + D_2 = 0, phi = 2; the proof's
    # bounds taken at their largest allowed values: eps = 1/(4L^2), delta = 0.
    L, a2, eps, delta = 3, sp.Integer(2), sp.Rational(1, 36), sp.Integer(0)
    x = 2 * eps + (L - 2) * delta
    return L, a2, eps, delta, x


def _a3_matrix_point():
    # L = 3, d = 2: W_L = diag(2, 1/2), A = W_{L-1} W_{L-1}^T = I + W_L^T W_L + F with
    # F = eps [[0, 1], [1, 0]] (||I + D_{L-1}|| = eps = 1/(4L^2)), W_1 = W_2^T (D_1 = 0).
    eps = sp.Rational(1, 36)
    WL = sp.diag(2, sp.Rational(1, 2))
    B = (1 - eps) * sp.eye(2) + WL.T * WL  # I + W_L^T W_L - eps I
    A = B + eps * sp.Matrix([[1, 1], [1, 1]])
    return eps, WL, A, B


def _lam_2x2(M, sign: int = -1):
    """The smallest (sign -1) or largest (sign +1) eigenvalue of a symmetric 2 x 2 matrix."""
    tr, det = M.trace(), M.det()
    return (tr + sign * sp.sqrt(tr ** 2 - 4 * det)) / 2


def _a3_items_amended_scalar():
    """The scalar steps for every L >= 2, alpha >= 1: Bernoulli (1 - t)^n >= 1 - n t on
    [0, 1] by induction (base n = 0; the step's identity and the sign of its remainder), its
    rescaling t = x / alpha^2 (x <= 1 <= alpha^2 under the lemma's delta, eps), and the
    constant of the next line."""
    step, form = pzg.bernoulli_step()
    n, r, v = sp.symbols("n r v", nonnegative=True)  # v = 1 - t >= 0
    a = sp.Symbol("alpha", positive=True)
    x, Ls = sp.Symbol("x", nonnegative=True), sp.Symbol("L", integer=True, positive=True)
    return [
        ("Bernoulli, base n = 0: (1 - t)^0 = 1 - 0 t", sp.Integer(1), "==", 1, {}),
        ("Bernoulli step: (1-t)(1 - n t + r) - (1 - (n+1) t) = (1 - t) r + n t^2", step, "==",
         form, {}),
        ("Bernoulli step: (1 - t) r + n t^2 >= 0 (v = 1 - t >= 0, r >= 0)", 0, "<=",
         v * r + n * (1 - v) ** 2, {}),
        ("rescaling: alpha^{2(L-1)} (1 - (L-1) x/alpha^2) = alpha^{2(L-1)} - (L-1) alpha^{2(L-2)} x",
         a ** (2 * (Ls - 1)) * (1 - (Ls - 1) * x / a ** 2), "==",
         a ** (2 * (Ls - 1)) - (Ls - 1) * a ** (2 * (Ls - 2)) * x, {}),
        ("x = 2 eps + (L-2) delta <= 1/(2L^2) + (L-2)/(2L^3) <= 1 <= alpha^2 for every L >= 2",
         1 / (2 * (2 + k_) ** 2) + k_ / (2 * (2 + k_) ** 3), "<=", 1, {}),
        (("(L-1)^2/L^3 + 1/(4L) <= 1/2 for every L >= 2 (L = 2 + k), so alpha^{2(L-1)} - "
         "alpha^{2(L-2)}[...] >= alpha^{2(L-1)}/2"),
         (1 + k_) ** 2 / (2 + k_) ** 3 + 1 / (4 * (2 + k_)), "<=", sp.Rational(1, 2), {}),
    ]


def _a3_items_amended():
    L, a2, eps, _, _ = _a3_step_point()
    _, WL, A, _ = _a3_matrix_point()
    at = {"L": L, "alpha^2": a2, "eps": eps}
    return [
        ("conclusion at the point: alpha^{2(L-1)} = 4 < L phi^2 = 12", 4, "<", 12, at),
        (("matrix step replaced by the top right singular vector u of W_L: ||W_L A^{L-1} "
         "W_L^T|| >= beta^2 u^T A^{L-1} u >= beta^2 (u^T A u)^{L-1} (at the 2x2 point)"),
         4 * A[0, 0] ** 2, "<=", _lam_2x2(WL * A ** 2 * WL.T, +1),
         {"L": 3, "W_L": "diag(2, 1/2)"}),
        ("conclusion at the point: alpha^{2(L-1)} beta^2 = 4 < 2 phi^2 = 8", 4, "<", 8, at),
    ]


def _binomial_items(depths: tuple[int, ...]):
    items = []
    for L in depths:
        for label, slack in pz.binomial_bounds(L).items():
            items.append((f"L={L}: {label}", 0, "<=", slack, {"L": L}))
    return items


# --- the checks -----------------------------------------------------------------------------


def a3_scalar_steps(coverage: Coverage) -> Check:
    """Proof of Lemma A.3 amended: the scalar steps for every L >= 2, alpha >= 1."""
    return exact_statements("a3_scalar_steps", _a3_items_amended_scalar,
                            "exact; every L >= 2, alpha >= 1", coverage)


def a3_step_fixed(coverage: Coverage) -> Check:
    """Proof of Lemma A.3 amended, at the 2 x 2 point L = 3, W_L = diag(2, 1/2), eps = 1/36 (the
    point where the printed claim ``wu2019zas.lemma_a3_proof``, data, fails)."""
    return exact_statements("a3_step_fixed", _a3_items_amended,
                            "exact at one 2 x 2 point (L = 3)", coverage)


def binomial_bounds(depths: tuple[int, ...], coverage: Coverage) -> Check:
    """Proof of Lemma A.6: the three binomial bounds for 0 <= y <= x/L^2 at each depth in
    ``depths``, exact rationals at the worst case y = x/L^2 (:func:`proofs.zas.binomial_bounds`)."""
    return exact_statements("binomial_bounds", lambda: _binomial_items(depths),
                            "exact rationals", coverage)
