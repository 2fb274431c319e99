"""Check factories for the chain of inequalities of the proof of Corollary 1 of Nar & Sastry
(2018), Appendix A ((8), (9) and the AM-GM step to (4)), at ``ctx.dps`` digits on sampled
minimisers from :func:`verify.checks.deeplinear.samples`, and the Lagrange conditions.  The
displays (2), (5), (6) are data over matrices of free size
(``verify/papers/nar2018step_appendix.toml``).
"""

from __future__ import annotations

import mpmath

from numerics import factorisations as fz
from proofs import deeplinear as pd
from proofs.identities import prove_zero
from verify.checks.common import dec, instances, sampled
from verify.checks.common import set_text as listed
from verify.checks.deeplinear import _mp_point, _pick, samples
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier


def _steps(name: str, p, q, rho, L):
    """The quantities the proof of Corollary 1 claims to be >= 0 (one per layer or one)."""
    if name == "cs":  # q_{i+1} p_i >= rho(R)
        return [q[i + 1] * p[i] - rho for i in range(1, L + 1)]
    if name == "eq8":
        return [p[i - 1] ** 2 * q[i + 1] ** 2 - p[i - 1] ** 2 / p[i] ** 2 * rho ** 2
                for i in range(1, L + 1)]
    den3 = mpmath.fsum(p[i - 1] ** 2 * q[i + 1] ** 2 for i in range(1, L + 1))
    den9 = mpmath.fsum(p[i - 1] ** 2 / p[i] ** 2 * rho ** 2 for i in range(1, L + 1))
    if name == "eq9":  # (9) relaxes (3): the sum in (3) >= the sum in (9)
        return [den3 - den9]
    if name == "amgm":  # the sum in (9) >= L rho^{2(L-1)/L}
        return [den9 - L * rho ** (mpmath.mpf(2 * (L - 1)) / L)]
    if name == "prod":  # prod p_i / p_{i-1} = rho(R): equality, both signs
        g = mpmath.fprod(p[i] / p[i - 1] for i in range(1, L + 1)) - rho
        return [mpmath.mpf(10) ** -(mpmath.mp.dps - 10) - abs(g)]
    if name == "skip":  # a wrong variant: p_{i-1} q_{i+1} >= rho (a layer left out)
        return [p[i - 1] * q[i + 1] - rho for i in range(1, L + 1)]
    raise ValueError(name)


def proof_inequalities(names: tuple[str, ...]) -> Check:
    """Precise: the steps of the proof of Corollary 1, at ``ctx.dps`` digits on every sampled
    minimiser (global minima made exact; u, v the top singular pair at that precision).

    ``cs``: q_{i+1} p_i >= rho(R); ``eq8``: (8); ``eq9``: the sum in (3) >= the sum in (9);
    ``amgm``: the sum in (9) >= L rho^{2(L-1)/L}; ``prod``: prod p_i/p_{i-1} = rho(R).
    Refutes when a quantity is below -10^(-dps/2); reports the smallest value (0: equality).
    """

    def run(ctx: CheckContext) -> Finding:
        found = [s for s in _pick(ctx, samples(ctx)) if s.r == s.n]
        worst = {n: None for n in names}
        for s in found:
            Wm, Rm = _mp_point(s, ctx.dps)
            with mpmath.workdps(ctx.dps):
                u, v, rho = fz.top_singular_mp(fz.end_to_end(Wm))
                p, q = fz.pq(Wm, u, v)
                for name in names:
                    vals = _steps(name, p, q, rho, s.L)
                    m = min(vals)
                    worst[name] = m if worst[name] is None else min(worst[name], m)
                    if m < -mpmath.mpf(10) ** (-(ctx.dps // 2)):
                        return Finding(Outcome.REFUTES, (
                            f"{s.label}: step {name} fails, value {dec(m, 15)}"),
                            {n: dec(w, 6) for n, w in worst.items() if w is not None},
                            Counterexample(at={"sample": s.label}, observed=dec(m, 30),
                                           claimed=">= 0", tol=f"1e-{ctx.dps // 2}",
                                           margin=dec(m, 30), dps=ctx.dps,
                                           replay={"sample": s.label}))
        return Finding(Outcome.SUPPORTS, (
            f"{len(found)} global minimisers at {ctx.dps} digits: every step holds"),
            {f"smallest value, {n}": dec(w, 6) for n, w in worst.items()},
            coverage=sampled(len(found), minimisers="global"))

    return Check("proof_inequalities_" + "_".join(names), Tier.PRECISE, run,
                 "mpmath, sampled global minimisers (random, balanced, rescaled)")


def lagrange_symbolic(ns: tuple[int, ...] = (1, 2, 3)) -> Check:
    """Symbolic: ||a||^2 ||b||^2 - (a.b)^2 is a sum of squares (Lagrange's identity) for the
    listed sizes: the Cauchy-Schwarz step q_{i+1} p_i >= |u^T W_L ... W_1 v| = rho(R)."""

    def run(ctx: CheckContext) -> Finding:
        for n in ns:
            if prove_zero(pd.lagrange_gap(n)) is not True:
                return Finding(Outcome.UNDECIDED, f"n={n}: identity not reduced")
        # Cauchy-Schwarz only: a step of (8), not (8) or Corollary 1 themselves
        return Finding(Outcome.SUPPORTS, f"Lagrange's identity exact for n in {ns}",
                       {"sizes": str(ns)}, coverage=instances(False, n=listed(ns)))

    return Check("lagrange_symbolic", Tier.SYMBOLIC, run, f"SymPy, vector sizes {ns}")
