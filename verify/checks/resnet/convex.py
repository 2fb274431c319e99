"""Check factories for Nar & Sastry (2018), *Residual Networks*: Section 3.1 (Theorem 3 hypotheses,
the decomposition).  The convexity of (7a)-(7c), the gradients (8a)-(8b) and the example's slopes
are data (``verify/papers/nar2018resnet_convex.toml``, ``at = "networks"``)."""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from proofs import resnet as pr
from proofs.expressions import parse
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample, _set
from verify.vocabulary import (
    Check,
    CheckContext,
    Finding,
    Tier,
)

# === Section 3.1 ==============================================================================


def theorem3_family_search(cs: tuple[str, ...]) -> Check:
    """Symbolic (exact): searches f_c(x) = x^4 + c x^2 on [-1, 1] over the given c for a
    twice-differentiable strictly convex f whose gradient fails a hypothesis of Theorem 3
    (here: a Lipschitz inverse, which needs min f'' > 0).  Edges first (c = 0 is semidefinite).

    Refutes "strictly convex and twice differentiable => grad f meets Theorem 3" at the first
    failing c with the exact limit of |(f')^-1(a) - (f')^-1(0)| / |a| (infinite); supports
    when every strictly convex member meets the hypotheses.  ``--at c=...`` replays one c.
    """

    def run(ctx: CheckContext) -> Finding:
        grid = [ctx.at["c"]] if ctx.at else sorted(cs, key=lambda v: abs(sp.Rational(v)))
        numbers = {}
        for c_s in grid:
            facts = pr.theorem3_family(sp.Rational(c_s))
            numbers[f"c={c_s}"] = (f"strictly convex {facts['strictly_convex']}, min f'' "
                                   f"{facts['min_f2']}, inverse Lipschitz "
                                   f"{facts['inverse_lipschitz']}")
            if facts["strictly_convex"] and not facts["inverse_lipschitz"]:
                if facts["ratio_limit"].is_infinite is not True:
                    return Finding(UND, f"c={c_s}: min f'' = 0 but the difference quotient of "
                                   "(f')^-1 at 0 stays finite", numbers)
                return Finding(REF, f"f(x) = {facts['f']} is strictly convex and twice "
                               "differentiable, but (f')^-1 is not Lipschitz at 0",
                               numbers, _cx({"c": c_s, "domain": "[-1, 1]"},
                                            f"sup |(f')^-1(a) - (f')^-1(0)|/|a| = "
                                            f"{facts['ratio_limit']}", "finite (Lipschitz)",
                                            facts["ratio_limit"], ctx.dps, "exact limit (SymPy)",
                                            replay={"c": c_s}))
        return Finding(SUP, "every strictly convex member meets Theorem 3's hypotheses "
                       "(min f'' > 0 gives a Lipschitz inverse, f''' bounded gives "
                       "alpha-smoothness, f'' > 0 the determinant)", numbers,
                       coverage=_instances(f="x^4 + c x^2 on [-1, 1], c in " + _set(cs)))

    return Check("theorem3_family_search", Tier.SYMBOLIC, run, f"exact, c in {cs}")


def strongly_convex_inverse(m: float = 0.5, claimed_factor: float = 1.0) -> Check:
    """Empirical: f(x) = logsumexp(A x) + (m/2)|x|^2 on [0, 1]^3 (Hessian >= m I, Lipschitz):
    sampled pairs satisfy ||x - y|| <= claimed_factor/m ||grad f(x) - grad f(y)|| (inverse
    Lipschitz with constant 1/m), and grad f is injective.  Refutes when a pair violates it and
    an mpmath re-evaluation (ctx.dps digits) agrees.  Cannot prove."""

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        A = rng.standard_normal((5, 3))

        def grad(x):
            z = A @ x.T
            p = np.exp(z - z.max(axis=0))
            p /= p.sum(axis=0)
            return (A.T @ p).T + m * x

        P = 2000 if ctx.quick else 20000
        x, y = rng.uniform(0, 1, (P, 3)), rng.uniform(0, 1, (P, 3))
        y[: P // 2] = x[: P // 2] + 1e-3 * rng.standard_normal((P // 2, 3))
        ratio = np.linalg.norm(x - y, axis=1) / np.linalg.norm(grad(x) - grad(y), axis=1)
        worst = float(ratio.max())
        numbers = {"max ||x - y|| / ||grad f(x) - grad f(y)||": f"{worst:.6g}",
                   "1/m": f"{1 / m:.6g}"}
        if worst > claimed_factor / m:
            i = int(np.argmax(ratio))
            with mpmath.workdps(ctx.dps):
                Am = mpmath.matrix(A.tolist())

                def gm(v):
                    z = Am * mpmath.matrix(list(v))
                    e = [mpmath.exp(t) for t in z]
                    s = mpmath.fsum(e)
                    p = mpmath.matrix([t / s for t in e])
                    return Am.T * p + m * mpmath.matrix(list(v))
                r = mpmath.norm(mpmath.matrix(list(x[i] - y[i]))) / mpmath.norm(gm(x[i]) -
                                                                                 gm(y[i]))
            if r > claimed_factor / m:
                return Finding(REF, "a pair violates the inverse-Lipschitz bound", numbers,
                               _cx({"x": list(x[i]), "y": list(y[i])}, mpmath.nstr(r, 15),
                                   f"<= {claimed_factor / m}", mpmath.nstr(r - claimed_factor / m,
                                                                           10),
                                   ctx.dps, "mpmath"))
        return Finding(SUP, f"{P} pairs: inverse Lipschitz constant <= 1/m", numbers,
                       coverage=_sample(P, f=f"logsumexp(A x) + ({m}/2)|x|^2 on [0, 1]^3"))

    return Check("strongly_convex_inverse", Tier.EMPIRICAL, run, "numpy, 3-D, sampled pairs")


def decomposition_signs(cases: tuple[tuple[str, str, str], ...], beta_rule: str = "positive"
                        ) -> Check:
    """Symbolic (exact): the decomposition f = r - s of Section 3.1 with r = alpha/2 x^2 + beta x
    + f, s = alpha/2 x^2 + beta x (1-D cases (f, alpha, beta-extra) on [0, 1]).

    ``beta_rule="positive"`` takes beta = the printed condition only (beta > 0: beta-extra);
    ``"shifted"`` takes beta = max(0, -f'(0)) + beta-extra (the amended condition).  Checks
    exactly that r'' > 0 and s'' > 0 on [0, 1] (alpha large enough) and r'(0) > 0, s'(0) > 0.
    Refutes with the exact r'(0) when it is not positive.
    """

    def run(ctx: CheckContext) -> Finding:
        x = sp.Symbol("x", real=True)
        numbers = {}
        grid = cases
        if ctx.at:  # a replay: f = sum_j fc_j x^j (coefficients from x^0 up), alpha, beta-extra
            coeffs = [sp.Rational(v) for v in ctx.at["fc"].split(";")]
            f_at = sp.Add(*[c * x ** j for j, c in enumerate(coeffs)])
            grid = [(str(f_at), ctx.at["alpha"], ctx.at["beta"])]
        for f_s, a_s, b_s in grid:
            f = parse(f_s, {"x": x})
            alpha = sp.Rational(a_s)
            extra = sp.Rational(b_s)
            f0 = sp.diff(f, x).subs(x, 0)
            beta = extra if beta_rule == "positive" else sp.Max(0, -f0) + extra
            gr, gs, Hr, Hs = pr.decomposition_gradients(f, [x], alpha, [beta])
            r2 = Hr[0, 0]
            crit = [p for p in sp.solve(sp.diff(r2, x), x) if p.is_real and 0 <= p <= 1]
            min_r2 = min([r2.subs(x, p) for p in crit + [0, 1]])
            numbers[f"f={f_s}, alpha={a_s}, beta={beta}"] = \
                f"r'(0) = {gr[0]}, s'(0) = {gs[0]}, min r'' = {min_r2}"
            if min_r2 <= 0:
                return Finding(UND, f"alpha = {a_s} too small for f = {f_s}", numbers)
            if not (gr[0] > 0 and gs[0] > 0):
                return Finding(REF, f"f = {f_s}: with beta = {beta} > 0 and alpha = {a_s} "
                               f"(r convex), r'(0) = {gr[0]} is not positive", numbers,
                               _cx({"f": f_s, "alpha": a_s, "beta": beta}, f"r'(0) = {gr[0]}",
                                   "> 0", gr[0], ctx.dps, "exact (SymPy)",
                                   replay=_poly_replay(f, x, a_s, b_s)))
        return Finding(SUP, "r and s strictly convex with positive gradients at 0 in every case",
                       numbers,
                       coverage=_instances(f_k=_set(c[0] for c in cases)))

    return Check("decomposition_signs", Tier.SYMBOLIC, run, f"exact, {len(cases)} cases, "
                 f"beta rule {beta_rule}")


def _poly_replay(f, x, alpha: str, extra: str) -> dict[str, str] | None:
    """The ``--at`` point of a polynomial case: its coefficients from x^0 up (``fc=0;-2`` is
    f = -2x), alpha and beta-extra; None for a case that is not a polynomial."""
    if not f.is_polynomial(x):
        return None
    coeffs = sp.Poly(f, x).all_coeffs()[::-1]
    return {"fc": ";".join(str(c) for c in coeffs), "alpha": str(alpha), "beta": str(extra)}
