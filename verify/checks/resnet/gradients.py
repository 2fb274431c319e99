"""Check factories for Nar & Sastry (2018), *Residual Networks*: eq. (5): the gradient with a
general input covariance."""

from __future__ import annotations

import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from numerics import residual as rs
from proofs import deeplinear as pdl
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample
from verify.vocabulary import (
    Check,
    CheckContext,
    Finding,
    Tier,
)

# === eq. (5) ================================================================================


def eq5_symbolic(n: int = 2, L: int = 3, N: int = 3, with_sigma: bool = True) -> Check:
    """Symbolic: the gradient of (1/2N) sum_i ||W_L...W_1 x_i - R x_i||^2 (symbolic W entries,
    rational random data and R) equals eq. (5), G_i (F - R) Sigma H_i, for every layer.

    ``with_sigma=False`` tests the variant without Sigma (refuted: an exact entry differs).
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        xs = [sp.Matrix([sp.Rational(int(v), 4) for v in rng.integers(-6, 7, n)])
              for _ in range(N)]
        R = sp.Matrix(n, n, lambda i, j: sp.Rational(int(rng.integers(-5, 6)), 3))
        Ws = [sp.Matrix(n, n, lambda i, j, l=l: sp.Symbol(f"w{l}_{i}{j}", real=True))
              for l in range(L)]
        F = pdl.product(Ws)
        loss = sum(((F - R) * x).dot((F - R) * x) for x in xs) / (2 * N)
        Sigma = sum((x * x.T for x in xs), sp.zeros(n)) / N if with_sigma else sp.eye(n)
        for i in range(1, L + 1):
            # G_i (F - R) Sigma H_i with G_i = (W_L...W_{i+1})^T, H_i = (W_{i-1}...W_1)^T
            formula = pdl.above(Ws, i).T * (F - R) * Sigma * pdl.below(Ws, i).T
            grad = Ws[i - 1].applyfunc(lambda e: sp.diff(loss, e))
            diff = (grad - formula).applyfunc(sp.expand)
            if diff != sp.zeros(n):
                pt = {s: 1 for W in Ws for s in W}
                val = diff.subs(pt)
                if val == sp.zeros(n):
                    return Finding(UND, f"layer {i}: eq. (5) differs symbolically but not at "
                                   "W = ones", {})
                return Finding(REF, f"layer {i}: eq. (5) differs from the gradient",
                               {"difference at W = ones": str(val.tolist())},
                               _cx({"layer": i, "W": "all ones"}, str(grad.subs(pt)),
                                   str(formula.subs(pt)), str(val.tolist()), ctx.dps,
                                   "exact (SymPy)"))
        return Finding(SUP, f"eq. (5) is the exact gradient for every layer (n={n}, L={L}, "
                       f"N={N} rational points, symbolic weights)", {"Sigma": str(Sigma)},
                       coverage=_instances(**{"n, L, N": f"{n}, {L}, {N}"}))

    return Check("eq5_symbolic", Tier.SYMBOLIC, run, f"exact, n={n}, L={L}, N={N}")


def eq5_numeric() -> Check:
    """Empirical: eq. (5) (reference O(L^2) form and the engine) against central differences of
    the data loss, n = 4, L = 5, N = 7 non-whitened points; relative error < 1e-6.  Never
    refutes (a float64 difference quotient is no counterexample): a mismatch is undecided, and
    :func:`eq5_symbolic` is the exact check."""

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        n, L, N = 4, 5, 7
        ws = dl.random_weights((n,) * (L + 1), 1, rng, scale=0.5, near_identity=True)
        X = rng.standard_normal((n, N))
        R = rng.standard_normal((n, n))
        Sigma = X @ X.T / N

        def data_loss(vs):
            F = dl.product(vs)[0]
            return np.sum(((F - R) @ X) ** 2) / (2 * N)

        g_ref = rs.gradient_eq5(ws, R, Sigma)
        g_eng = rs.gradient_sigma(ws, R, Sigma)
        worst = 0.0
        for j in range(L):
            for idx in [(0, 0), (1, 3), (3, 2)]:
                p = [w.copy() for w in ws]
                m = [w.copy() for w in ws]
                p[j][(0,) + idx] += 1e-6
                m[j][(0,) + idx] -= 1e-6
                fd = (data_loss(p) - data_loss(m)) / 2e-6
                for g in (g_ref, g_eng):
                    worst = max(worst, abs(g[j][(0,) + idx] - fd) / max(1.0, abs(fd)))
        if worst > 1e-6:
            return Finding(UND, f"finite differences disagree by {worst:.3g} (not confirmed at "
                           "high precision)", {"max relative error": f"{worst:.3g}"})
        return Finding(SUP, "eq. (5) and the engine match central differences of the data loss",
                       {"max relative error": f"{worst:.3g}"},
                       coverage=_sample(1, **{"n, L, N": "4, 5, 7"}))

    return Check("eq5_numeric", Tier.EMPIRICAL, run, "numpy float64, n=4, L=5, N=7")
