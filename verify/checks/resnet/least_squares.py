"""Check factories for Nar & Sastry (2018), *Residual Networks*: Section 2: the ordinary least
squares example."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs import resnet as pr
from proofs.identities import prove_zero
from verify.checks.resnet._shared import REF, SUP, UND, _at, _cx, _instances, _sample
from verify.vocabulary import (
    Check,
    CheckContext,
    Finding,
    Tier,
)

# === Section 2: ordinary least squares =======================================================


def ols_exact(X: tuple, y: tuple, delta: str, w0: tuple) -> Check:
    """Symbolic (exact SymPy): the orbit of GD on 1/2 ||X^T w - y||^2 in closed form.

    Tests "every equilibrium is asymptotically stable, and GD converges to one only if every
    eigenvalue of I - delta X X^T has magnitude < 1" on one exact instance.  Refutes when the
    closed-form orbit converges while an eigenvalue has magnitude >= 1 (an eigenvalue 1 also
    makes the limit stable but not asymptotically stable); supports when convergence and the
    eigenvalue condition agree.  Scope: the given (X, y, delta, w0); ``--at c=...`` replaces
    the last start coordinate.
    """

    def run(ctx: CheckContext) -> Finding:
        Xm = sp.Matrix(X).applyfunc(sp.Rational)
        ym = sp.Matrix(y).applyfunc(sp.Rational)
        d = sp.Rational(_at(ctx, "delta", delta))
        start = [sp.Rational(v) for v in w0]
        start[-1] = sp.Rational(_at(ctx, "c", str(w0[-1])))
        w = sp.Matrix(start)
        A = sp.eye(Xm.rows) - d * Xm * Xm.T
        b = d * Xm * ym
        k = sp.Symbol("k", integer=True, nonnegative=True)
        P, D = A.diagonalize()
        Dk = sp.diag(*[D[i, i] ** k for i in range(D.rows)])
        # w[k] = A^k w0 + sum_{j<k} A^j b, summed per eigenvalue (geometric series, or k b_i).
        Pi = P.inv()
        bp = Pi * b
        S = sp.diag(*[(k if D[i, i] == 1 else (1 - D[i, i] ** k) / (1 - D[i, i]))
                      for i in range(D.rows)])
        wk = P * Dk * Pi * w + P * S * bp
        assert prove_zero(sp.expand((wk.subs(k, k + 1) - A * wk - b).norm() ** 2))
        limit = wk.applyfunc(lambda e: sp.limit(e, k, sp.oo))
        converges = all(v.is_finite for v in limit)
        eig_max = max(abs(D[i, i]) for i in range(D.rows))
        numbers = {"eigenvalues of I - delta X X^T": str([D[i, i] for i in range(D.rows)]),
                   "w[k]": str(list(wk)), "limit": str(list(limit))}
        if converges and eig_max >= 1:
            return Finding(REF, "GD converges (exact closed form) although I - delta X X^T has "
                           f"an eigenvalue of magnitude {eig_max}; its limit is stable but not "
                           "asymptotically stable (the eigenvalue 1 direction never contracts)",
                           numbers, _cx({"X": Xm.tolist(), "y": list(ym), "delta": d,
                                         "w0": start}, f"w[k] -> {list(limit)}",
                                        "no convergence unless every |eigenvalue| < 1",
                                        eig_max - 1, ctx.dps, "exact closed-form orbit (SymPy)",
                                        replay={"c": str(start[-1])}))
        return Finding(SUP, f"exact orbit: converges = {converges}, max |eigenvalue| = "
                       f"{eig_max}: consistent with the claim", numbers,
                       coverage=_instances(X=str(X), y=str(y), delta=delta, **{"w[0]": str(w0)}))

    return Check("ols_exact", Tier.SYMBOLIC, run, "exact closed-form GD orbit on one instance")


def ols_affine_symbolic() -> Check:
    """Symbolic: w[k+1] - w* = (I - delta X X^T)(w[k] - w*) for symbolic X (2 x 3), y, w*, delta
    (proved by SymPy; refutes only if the identity were false)."""

    def run(ctx: CheckContext) -> Finding:
        ok = pr.ols_error_identity()
        if ok:
            return Finding(SUP, "the GD map is affine with linear part I - delta X X^T around "
                           "every equilibrium (symbolic X in R^(2x3))",
                       coverage=_instances(False, X="symbolic 2 x 3", delta="> 0"))
        return Finding(UND, "SymPy could not prove the error recursion")

    return Check("ols_affine_symbolic", Tier.SYMBOLIC, run, "symbolic X (2 x 3), y, delta")


def ols_threshold(factor: float = 1.0) -> Check:
    """Empirical with a precise replay: GD on random least squares, full rank and rank deficient.

    Claimed (amended): GD converges from every start iff delta < factor * 2/lambda_max(X X^T)
    (lambda_max the largest eigenvalue, whatever the rank), and a limit is asymptotically
    stable iff X X^T is nonsingular (a perturbation along null(X^T) never decays).  Refutes
    when a run contradicts this and an mpmath replay (ctx.dps digits) agrees.  Cannot prove.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        steps = 1500 if ctx.quick else 4000
        numbers = {}
        for n, N in ((5, 9), (6, 3)):
            X = rng.standard_normal((n, N))
            y = rng.standard_normal(N)
            lam = np.linalg.eigvalsh(X @ X.T)
            T = factor * 2 / lam[-1]
            for r in (0.97, 1.03):
                d = r * T
                w0 = rng.standard_normal(n)
                w = w0.copy()
                with np.errstate(all="ignore"):
                    for _ in range(steps):
                        w = w - d * X @ (X.T @ w - y)
                g = np.linalg.norm(X @ (X.T @ w - y))
                conv = bool(np.isfinite(g) and g < 1e-8)
                claimed = r < 1
                if conv:
                    w_limit = w  # a limit, for the null-space perturbation below
                numbers[f"n={n}, N={N}, delta={r}*T"] = f"gradient norm {g:.3g}"
                if conv != claimed:
                    with mpmath.workdps(ctx.dps):
                        Xm, ym = mpmath.matrix(X.tolist()), mpmath.matrix(y.tolist())
                        wm, dm = mpmath.matrix(w0.tolist()), mpmath.mpf(d)
                        for _ in range(steps):
                            wm = wm - dm * Xm * (Xm.T * wm - ym)
                        gm = mpmath.norm(Xm * (Xm.T * wm - ym))
                    if (gm < 1e-8) == conv:
                        return Finding(REF, f"n={n}, N={N}: GD with delta = {r} x threshold "
                                       f"{'converges' if conv else 'does not converge'}",
                                       numbers, _cx({"n": n, "N": N, "delta": repr(d)},
                                                    f"gradient norm {mpmath.nstr(gm, 8)}",
                                                    f"converges iff delta < {T:.6g}",
                                                    repr(d - T), ctx.dps,
                                                    "mpmath replay of the same run"))
            if N < n:  # rank deficient: perturb a limit along null(X^T); the offset stays
                null = np.linalg.svd(X.T)[2][-1]
                w1 = w_limit + 1e-3 * null
                for _ in range(200):
                    w1 = w1 - 0.97 * T * X @ (X.T @ w1 - y)
                kept = abs(null @ (w1 - w_limit))
                numbers["null-space offset kept"] = f"{kept:.6g} of 0.001"
                if not abs(kept - 1e-3) < 1e-9:
                    return Finding(UND, "the null-space offset did not persist", numbers)
        return Finding(SUP, "convergence exactly below 2/lambda_max in every case (full rank "
                       "and rank deficient); in the rank-deficient case a 1e-3 offset along "
                       "null(X^T) stays (stable, not asymptotically stable)", numbers,
                       coverage=_sample(2, X="{random 5 x 9, random 6 x 3}", delta="(1 +- 3%) x 2/lambda_max"))

    return Check("ols_threshold", Tier.EMPIRICAL, run,
                 "numpy float64, 2 random instances, delta at 0.97 and 1.03 x threshold")
