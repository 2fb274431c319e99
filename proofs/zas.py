"""Exact algebra for Wu, Wang & Ma (2019), deep linear residual networks (SymPy only).

* Section 2: the gradient formula, by differentiating the loss (2.3) entry by entry on explicit
  symbolic matrices, against the corrected formula.
* Lemma 4.2 and Lemma A.5: non-commutative algebra on ``MatrixSymbol`` s (no entries, any
  width): the invariance identity ``grad_l W_l^T = W_{l+1}^T grad_{l+1}`` and the one-step
  update of the invariant matrices D_l, compared with the re-derived expansion.
* Scalar inequalities stated in the appendix, evaluated in exact rationals.

Every function returns exact SymPy values; the callers decide what they prove.
"""

from __future__ import annotations

import sympy as sp

from proofs import deeplinear as pdl
from proofs import zas_general as pzg


def _chain(ws, a: int, b: int, d):
    """W_{b:a} = W_b ... W_a (1-based); the identity when b < a."""
    if b < a:
        return sp.Identity(d) if isinstance(d, int) or d.is_Symbol else sp.eye(d)
    return sp.MatMul(*[ws[i - 1] for i in range(b, a - 1, -1)])


def gradient_formula_residual(L: int, d: int) -> sp.Matrix:
    """Entry-wise dR/dW_l minus the corrected formula of Section 2,
    ``W_{L:l+1}^T (W_{L:1} - Phi) W_{l-1:1}^T``, for every layer, stacked vertically: exactly
    zero when the formula is right.
    """
    ws = [sp.Matrix(d, d, lambda i, j, l=l: sp.Symbol(f"w{l}_{i}{j}")) for l in range(1, L + 1)]
    Phi = sp.Matrix(d, d, lambda i, j: sp.Symbol(f"phi_{i}{j}"))
    E = pdl.chain(ws, 1, L, d) - Phi
    R = sp.Rational(1, 2) * sum(e ** 2 for e in E)
    blocks = []
    for l in range(1, L + 1):
        exact = ws[l - 1].applyfunc(lambda w: sp.diff(R, w))
        formula = pdl.chain(ws, l + 1, L, d).T * E * pdl.chain(ws, 1, l - 1, d).T
        blocks.append((exact - formula).applyfunc(sp.expand))
    return sp.Matrix.vstack(*blocks)


def matrix_chain(L: int, n: str = "n"):
    """Non-commutative symbols W_1..W_L, Phi (n x n) and the gradients of Section 2."""
    d = sp.Symbol(n, integer=True, positive=True)
    ws = [sp.MatrixSymbol(f"W{i}", d, d) for i in range(1, L + 1)]
    Phi = sp.MatrixSymbol("Phi", d, d)
    E = _chain(ws, 1, L, d) - Phi
    grads = [_chain(ws, l + 1, L, d).T * E * _chain(ws, 1, l - 1, d).T for l in range(1, L + 1)]
    return ws, Phi, grads


def invariance_residual(L: int, l: int) -> sp.MatrixExpr:
    """grad_l W_l^T - W_{l+1}^T grad_{l+1} (Lemma 4.2's proof; Lemma A.5's "invariance
    condition"), expanded: the zero matrix when the identity holds for every width."""
    ws, _, g = matrix_chain(L)
    return pzg.expanded(g[l - 1] * ws[l - 1].T - ws[l].T * g[l])


def one_step_invariant_residual(L: int, l: int) -> sp.MatrixExpr:
    """D_l^+ minus the re-derived expansion D_l + eta^2 [grad_{l+1}^T grad_{l+1} -
    grad_l grad_l^T] after one GD step of size eta (Lemma A.5), expanded: zero when the
    expansion holds for every width."""
    eta = sp.Symbol("eta", positive=True)
    ws, _, g = matrix_chain(L)

    def residual(ws, wts, g, gts):
        """The same expression over matrices or over their free-algebra images."""
        up = [w - eta * gr for w, gr in zip(ws, g)]
        upt = [w - eta * gr for w, gr in zip(wts, gts)]
        D = wts[l] * ws[l] - ws[l - 1] * wts[l - 1]
        Dp = upt[l] * up[l] - up[l - 1] * upt[l - 1]
        return Dp - (D + eta ** 2 * (gts[l] * g[l] - g[l - 1] * gts[l - 1]))

    # transposes by SymPy (pushed down to the symbols), then the arithmetic and the expansion
    # in the free algebra, which decides quickly; a nonzero residual is recomputed as a
    # matrix expression to be shown
    blocks = (ws, [w.T for w in ws], g, [x.T for x in g])
    if sp.expand(residual(*[[pzg.free_algebra(x) for x in xs] for xs in blocks])) == 0:
        return sp.ZeroMatrix(*ws[0].shape)
    return residual(*blocks).expand().doit()


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
