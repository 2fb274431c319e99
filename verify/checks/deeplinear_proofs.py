"""Check factories for the displayed steps of Appendix A of Nar & Sastry (2018): the cost (2) as a
trace, the update (5), the error dynamics (6), and the chain of inequalities of the proof of
Corollary 1 ((8), (9) and the AM-GM step to (4)).

Displays are checked as printed: symbolically (SymPy, small widths), with finite differences,
and at ``ctx.dps`` digits on sampled minimisers from :func:`verify.checks.deeplinear.samples`.
"""

from __future__ import annotations

from collections.abc import Callable

import mpmath
import numpy as np
import sympy as sp

from numerics import factorisations as fz
from proofs import deeplinear as pd
from proofs.identities import prove_zero
from verify.checks.common import dec, instances, sampled, smallest_nonzero_point
from verify.checks.common import set_text as listed
from verify.checks.deeplinear import _mp_point, _pick, samples
from verify.replay import ReplayError
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Tier

DIMS = ((2, 2, 2), (2, 3, 2), (2, 2, 2, 2), (1, 2, 3, 1))


def _eq2(dims):
    Ws = pd.net(dims)
    R = pd.matrix(dims[-1], dims[0], "r")
    return [pd.data_loss(Ws, R, pd.sign_data(dims[0])) - pd.trace_loss(Ws, R)]


def _eq5(dims, transpose: bool = True):
    Ws = pd.net(dims)
    R = pd.matrix(dims[-1], dims[0], "r")
    out = []
    for i in range(1, len(Ws) + 1):
        G = pd.printed_gradient(Ws, R, i)
        if not transpose:  # a deliberately wrong variant: E multiplied by W^T on one side only
            G = pd.above(Ws, i).T * (pd.product(Ws) - R) * pd.below(Ws, i)
            if G.shape != Ws[i - 1].shape:
                G = G.T
        out.extend(list(G - pd.derived_gradient(Ws, R, i)))
    return out


def _eq6(dims):
    rem, t = pd.eq6_remainder(dims)
    return [sp.expand(e).coeff(t, k) for e in rem for k in (0, 1)]


DISPLAYS: dict[str, Callable[..., list]] = {"eq2": _eq2, "eq5": _eq5, "eq6": _eq6,
                                 "eq5_no_transpose": lambda d: _eq5(d, transpose=False)}


def display_symbolic(display: str, dims_list: tuple[tuple[int, ...], ...] = DIMS) -> Check:
    """Symbolic: a displayed formula of the proof of Theorem 1 against its derivation.

    ``eq2``: the cost (2) on whitened data (all 2^{n_0} sign vectors, (1/N) sum x x^T = I
    exactly) equals 1/2 trace{E^T E}.  ``eq5``: the update (5) is the gradient.  ``eq6``: the
    error dynamics (6) with the printed A_i, B_i is right to first order in E (the remainder
    has no term of order 0 or 1).  Proves the display for the listed widths; refutes with an
    exact integer point where the difference is nonzero.
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        if ctx.at:  # a replay: one entry of the difference at one exact point
            return _display_at(DISPLAYS[display], ctx)
        for dims in dims_list:
            diffs = DISPLAYS[display](dims)
            for k, d in enumerate(diffs):
                verdict = prove_zero(d)
                if verdict is True:
                    continue
                point = smallest_nonzero_point([d], d.free_symbols, ctx.rng())
                if point is not None:
                    return _display_refutes(dims, k, d, point, ctx.dps)
                return Finding(Outcome.UNDECIDED, f"widths {dims}: difference not reduced",
                               numbers)
            numbers[f"widths {dims}"] = f"{len(diffs)} entries: difference exactly 0"
        return Finding(Outcome.SUPPORTS, (
            f"{display} holds exactly for widths " + ", ".join(map(str, dims_list))), numbers,
            coverage=instances(widths=listed(dims_list)))

    return Check(f"{display}_symbolic", Tier.SYMBOLIC, run,
                 f"SymPy, symbolic weights of widths {dims_list}")


def _display_refutes(dims, k: int, d: sp.Expr, point: dict, dps: int) -> Finding:
    val = d.subs(point)
    replay = {"widths": ";".join(map(str, dims)), "entry": str(k),
              **{str(s): str(v) for s, v in point.items()}}
    return Finding(Outcome.REFUTES, (
        f"widths {dims}: the display differs from the derivation; at an integer point the "
        f"difference (entry {k}) is {val}"), {}, Counterexample(
            at=replay, observed=f"derived - displayed = {val}", claimed="0", tol="0",
            margin=str(val), dps=dps, note="exact integers", replay=replay))


def _display_at(display: Callable[..., list], ctx: CheckContext) -> Finding:
    """Entry ``entry`` of the display's difference at widths ``widths``, evaluated exactly at
    the replayed values of its symbols (every one must be given)."""
    dims = tuple(int(sp.Rational(v)) for v in ctx.at["widths"].split(";"))
    if len(dims) < 2 or min(dims) < 1 or max(dims) > 4:
        raise ReplayError("--at: widths must be 2 or more integers in 1..4 (n0;n1;...)")
    diffs = display(dims)
    k = int(sp.Rational(ctx.at["entry"]))
    if not 0 <= k < len(diffs):
        raise ReplayError(f"--at: entry must lie in 0..{len(diffs) - 1}")
    point = {s: sp.Rational(ctx.at[str(s)]) for s in diffs[k].free_symbols}
    if diffs[k].subs(point) != 0:
        return _display_refutes(dims, k, diffs[k], point, ctx.dps)
    return Finding(Outcome.UNDECIDED, f"widths {dims}, entry {k}: the difference is 0 at this "
                   "point (one point proves nothing)", {})


def gradient_fd() -> Check:
    """Empirical: the update direction (5), evaluated as printed in float64, against central
    finite differences of the closed-form cost at random points (widths up to 4, L up to 4).
    Undecided when the relative difference exceeds 1e-5 (finite differences are no
    high-precision re-evaluation, so this check never refutes; the symbolic check does).
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        worst = 0.0
        for _ in range(5 if ctx.quick else 20):
            L = int(rng.integers(1, 5))
            dims = tuple(int(x) for x in rng.integers(1, 5, L + 1))
            W = [rng.standard_normal((dims[j + 1], dims[j])) for j in range(L)]
            R = rng.standard_normal((dims[-1], dims[0]))
            E = fz.end_to_end(W) - R
            h = 1e-6
            for i in range(1, L + 1):
                G = fz.chain(W, i + 1, L, dims[i]).T @ E @ fz.chain(W, 1, i - 1, dims[0]).T
                fd = np.zeros_like(G)
                for idx in np.ndindex(G.shape):
                    for sgn in (1, -1):
                        V = [w.copy() for w in W]
                        V[i - 1][idx] += sgn * h
                        fd[idx] += sgn * 0.5 * np.sum((fz.end_to_end(V) - R) ** 2) / (2 * h)
                rel = np.linalg.norm(fd - G) / max(np.linalg.norm(G), 1e-12)
                worst = max(worst, rel)
                if rel > 1e-5:
                    return Finding(Outcome.UNDECIDED, f"widths {dims}, layer {i}: finite "
                                   f"differences differ by {rel:.2e}", {"worst": f"{rel:.3e}"})
        return Finding(Outcome.SUPPORTS, f"largest relative difference {worst:.2e}",
                       {"largest relative difference": f"{worst:.3e}"},
                       coverage=sampled(5 if ctx.quick else 20, L="{1, 2, 3, 4}"))

    return Check("gradient_fd", Tier.EMPIRICAL, run, "float64 central differences, h = 1e-6")


def eq6_order(printed: bool = True) -> Check:
    """Empirical/precise: near a global minimiser W*, the remainder of (6) is O(||E||^2).

    At ``ctx.dps`` digits, W = W* + eps V for eps = 10^-4, 10^-6, 10^-8, 10^-10, the remainder
    r(eps) = E[k+1] - (E - delta sum A_i E B_i) (A_i, B_i at W) satisfies
    ||r|| / ||E||^2 -> constant and ||r|| / ||E|| -> 0.  Refutes if ||r|| / ||E|| does not fall
    by at least 10x per step of eps (a first-order term in the remainder).  ``printed=False``
    drops the sum (claims E[k+1] = E[k] + o(E), a wrong variant).
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        numbers, falls = {}, []
        with mpmath.workdps(ctx.dps):
            for s in samples(ctx, search=False)[:3]:
                if s.r != s.n:
                    continue
                Wm, Rm = _mp_point(s, ctx.dps)
                V = [fz.to_mp(rng.standard_normal(np.shape(w))) for w in s.W]
                delta = mpmath.mpf("0.1")
                ratios = []
                for k in (4, 6, 8, 10):
                    eps = mpmath.mpf(10) ** -k
                    W = [w + eps * v for w, v in zip(Wm, V)]
                    E = fz.end_to_end(W) - Rm
                    L, n0 = len(W), np.shape(W[0])[1]
                    new = [W[i - 1] - delta * np.dot(np.dot(
                        fz.chain(W, i + 1, L, np.shape(W[i - 1])[0]).T, E),
                        fz.chain(W, 1, i - 1, n0).T) for i in range(1, L + 1)]
                    lin = E.copy()
                    for i in range(1, L + 1) if printed else ():
                        Pa = fz.chain(W, i + 1, L, np.shape(W[i - 1])[0])
                        Pb = fz.chain(W, 1, i - 1, n0)
                        lin = lin - delta * np.dot(np.dot(np.dot(Pa, Pa.T), E), np.dot(Pb.T, Pb))
                    r = fz.end_to_end(new) - Rm - lin
                    nr = mpmath.sqrt(mpmath.fsum(x * x for x in r.ravel()))
                    nE = mpmath.sqrt(mpmath.fsum(x * x for x in E.ravel()))
                    ratios.append(nr / nE)
                numbers[s.label] = ", ".join(dec(x, 3) for x in ratios)
                falls.extend(a / b for a, b in zip(ratios, ratios[1:]))
                if any(b > a / 10 for a, b in zip(ratios, ratios[1:])):
                    return Finding(Outcome.REFUTES, f"{s.label}: ||r||/||E|| does not vanish",
                                   numbers, Counterexample(
                                       at={"sample": s.label}, observed=numbers[s.label],
                                       claimed="o(||E||)", tol="10x per step of eps",
                                       margin=dec(ratios[-1], 5), dps=ctx.dps,
                                       replay={"sample": s.label}))
            if not falls:
                return Finding(Outcome.UNDECIDED, "no global minimiser among the samples",
                               numbers)
            least = min(falls)
        return Finding(Outcome.SUPPORTS, (
            f"||r|| / ||E|| falls at least {dec(least, 3)}x per 100x decrease of eps: the "
            "remainder is o(||E||)"), numbers, coverage=sampled(4 * len(numbers)))

    return Check("eq6_order" + ("" if printed else "_no_sum"), Tier.PRECISE, run,
                 "mpmath, three sampled minimisers, delta = 0.1")


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
        found = [s for s in _pick(ctx, samples(ctx, search=False)) if s.r == s.n]
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
