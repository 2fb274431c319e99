"""Check factories for matrix inequalities with definiteness hypotheses (Lemma 2 of Appendix A
of Nar & Sastry (2018) on a hypothesis class other than the printed one: the negative control
``controls.lemma2_nonsymmetric``; the printed Lemmas 1 and 2 are proven for every size as data,
``verify/papers/nar2018step_appendix.toml``).

Classes of matrices (``cls``): ``"symmetric_psd"`` (as printed), ``"symmetric"`` (indefinite
allowed), ``"psd_form"`` (x^T A x >= 0 for all x but A not symmetric), ``"indefinite"``.
Every evaluation is exact (SymPy rationals) or at ``ctx.dps`` digits (mpmath eigenvalues), so a
violation found is a counterexample as it stands.
"""

from __future__ import annotations

import re

import mpmath
import numpy as np
import sympy as sp

from proofs import deeplinear as pd
from proofs.identities import prove_zero
from verify.checks.common import dec, sampled
from verify.replay import ReplayError, parse_matrix
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier

CLASSES = ("symmetric_psd", "symmetric", "psd_form", "indefinite")


def _draw(cls: str, n: int, rng: np.random.Generator, rank: int | None = None) -> sp.Matrix:
    """A random integer matrix of the class (rank-deficient Gram factors give semidefinite)."""
    k = n if rank is None else rank
    M = sp.Matrix(rng.integers(-3, 4, (n, k)).tolist())
    S = M * M.T
    if cls == "symmetric_psd":
        return S
    K = sp.Matrix(rng.integers(-3, 4, (n, n)).tolist())
    if cls == "psd_form":  # symmetric part PSD, any skew part
        return S + (K - K.T)
    if cls == "symmetric":
        return K + K.T
    # indefinite: the last diagonal entry pushed to -1 (e_n^T A e_n < 0)
    return S - sp.diag(*([0] * (n - 1) + [S[n - 1, n - 1] + 1]))


def _f_spectrum_max(As, Bs, dps: int):
    """Largest real part of the eigenvalues of X -> sum A_i X B_i, at ``dps`` digits."""
    F = sum((np.kron(np.array(A.tolist(), dtype=object), np.array(B.T.tolist(), dtype=object))
             for A, B in zip(As, Bs)), 0)
    with mpmath.workdps(dps):
        M = mpmath.matrix([[mpmath.mpf(sp.Rational(x).p) / sp.Rational(x).q for x in row]
                           for row in F.tolist()])
        if M == M.T:
            ev = mpmath.eigsy(M, eigvals_only=True)
            return max(ev[k] for k in range(len(ev)))
        ev = mpmath.eig(M, left=False, right=False)
        return max(mpmath.re(e) for e in ev)


_L2_CONSTRUCTED = {
    "psd_form": ([sp.Matrix([[1, 2], [0, 1]])], [sp.Matrix([[1]])], sp.Matrix([1, 1]),
                 sp.Matrix([1])),
}


def rayleigh_lower_bound(cls: str = "symmetric_psd") -> Check:
    """Lemma 2: lambda_max(f) >= sum_i (u^T A_i u)(v^T B_i v) / (||u||^2 ||v||^2) for A_i, B_i of
    class ``cls`` (for non-symmetric f, lambda_max = the largest real part of an eigenvalue).

    Symbolic part (symmetric classes): the identity <u v^T, f(u v^T)> = sum (u^T A_i u)(v^T B_i v)
    and self-adjointness <X, f(Y)> = <Y, f(X)> for symmetric symbolic A_i, B_i (m, n <= 2,
    L <= 2), which proves the bound there.  Search part: constructed edge cases and random
    integer matrices, lambda_max at ``ctx.dps`` digits; refutes on a violation beyond 1e-30.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        cases = []
        if ctx.at:  # a replay: A1, B1, A2, B2, ... and u, v (entries separated by ";")
            cases.append(_rayleigh_point(ctx.at))
        elif cls in _L2_CONSTRUCTED:  # the smallest edge case first
            cases.append(_L2_CONSTRUCTED[cls])
        for _ in range(0 if ctx.at else 30 if ctx.quick else 300):
            m, n, L = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            As = [_draw(cls, m, rng) if m > 1 or cls in ("symmetric_psd", "symmetric")
                  else sp.Matrix([[int(rng.integers(0, 3))]]) for _ in range(L)]
            Bs = [_draw("symmetric_psd" if cls == "psd_form" else cls, n, rng) if n > 1
                  else sp.Matrix([[int(rng.integers(0, 3))]]) for _ in range(L)]
            u = sp.Matrix(rng.integers(-3, 4, m).tolist())
            v = sp.Matrix(rng.integers(-3, 4, n).tolist())
            if u.is_zero_matrix or v.is_zero_matrix:
                continue
            cases.append((As, Bs, u, v))
        worst, tried = None, 0
        for As, Bs, u, v in cases:
            rhs = sum(((u.T * A * u)[0] * (v.T * B * v)[0] for A, B in zip(As, Bs)),
                      sp.Integer(0)) / (pd.frob(u, u) * pd.frob(v, v))
            lam = _f_spectrum_max(As, Bs, ctx.dps)
            tried += 1
            with mpmath.workdps(ctx.dps):
                gap = lam - mpmath.mpf(rhs.p) / rhs.q
                worst = gap if worst is None else min(worst, gap)
                if gap < -mpmath.mpf(10) ** -30:
                    at = {"A": str([A.tolist() for A in As]), "B": str([B.tolist() for B in Bs]),
                          "u": str(list(u)), "v": str(list(v))}
                    return Finding(Outcome.REFUTES, (
                        f"class {cls}: lambda_max(f) = {dec(lam, 20)} < {rhs} at {at}"),
                        {"cases": str(tried)}, Counterexample(
                            at=at, observed=f"lambda_max(f) = {dec(lam, 30)}",
                            claimed=f">= {rhs}", tol="1e-30", margin=dec(gap, 30), dps=ctx.dps,
                            note="largest real part of the spectrum of X -> sum A_i X B_i",
                            replay=_rayleigh_replay(As, Bs, u, v)))
        numbers = {"cases": str(tried), "smallest lambda_max - rhs": dec(worst, 20)}
        if cls in ("symmetric_psd", "symmetric"):
            if prove_zero(pd.lemma2_gap(2, 2, 2)) is not True or not _self_adjoint():
                return Finding(Outcome.UNDECIDED, "symbolic identities not reduced", numbers)
            numbers["symbolic"] = ("<uv^T, f(uv^T)> = sum (u^T A_i u)(v^T B_i v) for all "
                                   "matrices; f self-adjoint for symmetric A_i, B_i (m=n=2, L=2)")
        return Finding(Outcome.SUPPORTS, (
            f"no violation in {tried} cases of class {cls} (smallest gap {dec(worst, 6)})"
            + ("; proved for symmetric A_i, B_i, PSD not needed" if cls in
               ("symmetric_psd", "symmetric") else "")), numbers,
            coverage=sampled(tried, **{"m, n": "{1, 2, 3}", "L": "{1, 2, 3}"}))

    return Check(f"rayleigh_bound_{cls}", Tier.PRECISE, run,
                 f"mpmath spectra at ctx.dps digits, sizes 1-3, L 1-3, class {cls}")


def _rayleigh_replay(As, Bs, u, v) -> dict[str, str]:
    """The ``--at`` point of one Rayleigh-bound case (read back by :func:`_rayleigh_point`)."""
    point = {}
    for i, (A, B) in enumerate(zip(As, Bs), 1):
        point.update({f"A{i}": str(A.tolist()), f"B{i}": str(B.tolist())})
    return {**point, "u": ";".join(str(x) for x in u), "v": ";".join(str(x) for x in v)}


def _rayleigh_point(at) -> tuple:
    """(As, Bs, u, v) from a replay point, sizes checked (a bad point is a usage error)."""
    L = sum(1 for name in at if re.fullmatch(r"A\d+", name))
    As = [parse_matrix(at[f"A{i}"]) for i in range(1, L + 1)]
    Bs = [parse_matrix(at[f"B{i}"]) for i in range(1, L + 1)]
    u, v = (sp.Matrix([sp.Rational(x) for x in at[k].split(";")]) for k in ("u", "v"))
    if not As or any(A.shape != (len(u), len(u)) for A in As) or any(
            B.shape != (len(v), len(v)) for B in Bs):
        raise ReplayError("--at: give A1, B1, ... (square, sizes of u and v) and u, v")
    return As, Bs, u, v


def _self_adjoint() -> bool:
    """<X, f(Y)> = <Y, f(X)> exactly for symmetric symbolic 2 x 2 A_i, B_i, L = 2."""
    X, Y = pd.matrix(2, 2, "x"), pd.matrix(2, 2, "y")
    gap = 0
    for i in range(2):
        a, b = pd.matrix(2, 2, f"a{i}"), pd.matrix(2, 2, f"b{i}")
        A = (a + a.T) / 2
        B = (b + b.T) / 2
        gap += pd.frob(X, A * Y * B) - pd.frob(Y, A * X * B)
    return prove_zero(sp.expand(gap)) is True
