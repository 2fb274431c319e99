"""Check factories for Nar & Sastry (2018), *Residual Networks*: eq. (5): the gradient with a
general input covariance."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.polys.matrices import DomainMatrix

from numerics import deeplinear as dl
from numerics import residual as rs
from proofs import resnet as pr
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
        Sigma = sum((x * x.T for x in xs), sp.zeros(n)) / N if with_sigma else sp.eye(n)
        # exact polynomial arithmetic in QQ[w entries] (canonical: a difference is the zero
        # polynomial exactly when it is 0), the loss differentiated there
        ring = pr.polynomial_ring(*Ws)
        Wd = [pr.in_ring(W, ring) for W in Ws]
        Rd, Sd = pr.in_ring(R, ring), pr.in_ring(Sigma, ring)
        E = pr.ring_chain(Wd, n, ring) - Rd
        loss = ring.zero
        for x in xs:
            loss += sum((v * v for (v,) in (E * pr.in_ring(x, ring)).to_list()), ring.zero)
        loss = loss * ring.convert(sp.Rational(1, 2 * N))
        gen = dict(zip(ring.symbols, ring.ring.gens))
        for i in range(1, L + 1):
            # G_i (F - R) Sigma H_i with G_i = (W_L...W_{i+1})^T, H_i = (W_{i-1}...W_1)^T
            formula_d = (pr.ring_chain(Wd[i:], n, ring).transpose() * E * Sd
                         * pr.ring_chain(Wd[:i - 1], n, ring).transpose())
            grad_d = DomainMatrix([[loss.diff(gen[Ws[i - 1][a, b]]) for b in range(n)]
                                   for a in range(n)], (n, n), ring)
            if not (grad_d - formula_d).is_zero_matrix:
                grad, formula = grad_d.to_Matrix(), formula_d.to_Matrix()
                diff = grad - formula
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
