"""Check factories for statements about GD dynamics in Nar & Sastry (2018) and its slides: the
slides' Theorem on deep linear networks (rho of the converged product; a start on an unstable
minimiser).  Section 1's "convexity is not the cause" (``nar2018step.sec1_convexity``) is data,
in ``verify/papers/nar2018step_relu.toml``.  The
slides' statements on the deep scalar chain 1/2 (w_L ... w_1 - lam)^2 (minimiser families,
Lipschitz constants, the contrast with least squares) are data, in
``verify/papers/nar2018slides.toml``.

The Figure 1 and Figure 2 experiments (step-size drops, oscillation signatures) are in
:mod:`verify.experiments.nar2018step`.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from verify.checks.common import dec, decs, instances, sampled
from verify.checks.common import set_text as listed
from verify.vocabulary import Check, CheckContext, Figure, Finding, Outcome, RefLine, Series, Tier

# ---- the slides' Theorem on deep linear networks: rho(R_hat) <= (2/(L delta))^(L/(2L-2)) ------

def start_on_unstable_minimum() -> Check:
    """Symbolic: the "almost surely" of the slides' theorem is needed.  GD on the chain with
    L = 2, lam = 9, delta = 1 started exactly at the minimiser (3, 3) stays there (gradient 0),
    so it converges to R_hat = 9 although rho(R_hat) = 9 > (2/(L delta))^(L/(2L-2)) = 1; such
    starts form a null set (the minimiser repels: lambda_max = 2 L lam^(...)/... > 2/delta).
    Supports the qualified statement's need for its qualifier; refutes nothing.
    """

    def run(ctx: CheckContext) -> Finding:
        L, lam, delta = 2, sp.Integer(9), sp.Integer(1)
        w1, w2 = sp.symbols("w1 w2", real=True)
        f = (w1 * w2 - lam) ** 2 / 2
        pt = {w1: 3, w2: 3}
        grad = [sp.diff(f, v).subs(pt) for v in (w1, w2)]
        H = sp.hessian(f, (w1, w2)).subs(pt)
        lam_max = max(H.eigenvals())
        rho = abs((w1 * w2).subs(pt))  # R_hat = w2 w1, a scalar
        bound = (2 / (L * delta)) ** sp.Rational(L, 2 * L - 2)
        numbers = {"gradient at (3, 3)": str(grad), "lambda_max(H)": str(lam_max),
                   "2/delta": str(2 / delta), "rho(R_hat)": str(rho),
                   "(2/(L delta))^(L/(2L-2))": str(bound)}
        if grad == [0, 0] and lam_max > 2 / delta and rho > bound:
            return Finding(Outcome.SUPPORTS, (
                "exact: a start on the repelling minimiser (3, 3) 'converges' with rho(R_hat) = "
                "9 > 1: without 'almost surely' the statement would fail on this null set of "
                "starts; with it, the exception is allowed"), numbers,
                coverage=instances(False, L="= 2", lam="= 9", delta="= 1"))
        return Finding(Outcome.UNDECIDED, "construction failed", numbers)

    return Check("start_on_unstable_minimum", Tier.SYMBOLIC, run,
                 "exact, one constructed start (null set)")


def converged_rho(depths: tuple[int, ...] = (2, 3, 4), deltas: tuple[float, ...] = (0.05, 0.1, 0.2),
                  n: int = 2) -> Check:
    """Empirical: deep linear GD (whitened data, n x n, numerics.deeplinear) from random starts
    (W_i = I + 0.3 N(0, 1)/sqrt(n)) with targets R of spectral norm around the bound; every run
    that converged (loss change < 1e-14 over the last 100 steps and gradient < 1e-9) must have
    rho(R_hat) <= (2/(L delta))^(L/(2L-2)).  Never refutes: a converged run above the bound by
    more than 1e-6 (float64 only, not re-evaluated at high precision) makes it undecided.
    """

    def run(ctx: CheckContext) -> Finding:
        from numerics import deeplinear as dl  # local: only this check needs the engine

        rng = ctx.rng()
        B = 24 if ctx.quick else 96
        steps = 1500 if ctx.quick else 5000
        numbers, pts = {}, ([], [])
        worst = -np.inf
        for L in depths:
            # the draws in the order of one (L, delta) at a time; then every delta of this L
            # in one batch (runs are independent rows: the same numbers as one GD per delta)
            draws = []
            for delta in deltas:
                bound = (2 / (L * delta)) ** (L / (2 * L - 2))
                Rs = rng.standard_normal((B, n, n))
                scale = bound * rng.uniform(0.5, 1.5, B) / np.linalg.norm(Rs, 2, axis=(1, 2))
                Rs *= scale[:, None, None]
                draws.append((bound, Rs, dl.random_weights((n,) * (L + 1), B, rng, scale=0.3,
                                                           near_identity=True)))
            Rall = np.concatenate([Rs for _, Rs, _ in draws])
            dall = np.repeat(np.asarray(deltas, dtype=float), B)
            mid = dl.gd_final([np.concatenate(layer) for layer in zip(*(w for _, _, w in draws))],
                              Rall, dall, steps - 100)
            ends, hists = dl.gd(mid, Rall, dall, 100)
            for i, delta in enumerate(deltas):
                (bound, Rs, _), rows = draws[i], slice(i * B, (i + 1) * B)
                end, hist = [w[rows] for w in ends], hists[:, rows]
                P = dl.product(end)
                finite = np.isfinite(P).all(axis=(1, 2))
                with np.errstate(all="ignore"):
                    grads = dl.gradient(end, Rs)
                gnorm = np.sqrt(sum(np.sum(g * g, axis=(1, 2)) for g in grads))
                conv = finite & (np.abs(hist[-1] - hist[0]) < 1e-14) & (gnorm < 1e-9)
                rho = np.full(B, np.nan)
                rho[finite] = np.linalg.norm(P[finite], 2, axis=(1, 2))
                numbers[f"L={L}, delta={delta}: converged runs"] = f"{int(conv.sum())} of {B}"
                if conv.any():
                    worst = max(worst, float(np.max(rho[conv] / bound)))
                    pts[0].extend([bound] * int(conv.sum()))
                    pts[1].extend(rho[conv].tolist())
        numbers["max over converged runs of rho(R_hat) / bound"] = dec(worst, 10)
        fig = Figure(id="rho-bound",
                     title="Converged deep linear runs: rho(R_hat) against the bound",
                     caption=("Each point a GD run from a random start that converged; "
                              "x = (2/(L delta))^(L/(2L-2)), y = rho(R_hat).  The slides' theorem: "
                              "every point on or below y = x (almost surely)."),
                     xlabel="(2/(L delta))^(L/(2L-2))", ylabel="rho(R_hat)",
                     series=(Series("converged runs", decs(pts[0]), decs(pts[1]), "points"),),
                     lines=(RefLine("y = x", "diag"),))
        if not pts[0]:
            return Finding(Outcome.UNDECIDED, "no run converged", numbers, None, (fig,))
        if worst > 1 + 1e-6:
            return Finding(Outcome.UNDECIDED, (
                f"a converged float64 run exceeds the bound by the factor {worst:.8g}; not "
                "re-evaluated at high precision here"), numbers, None, (fig,))
        return Finding(Outcome.SUPPORTS, (
            f"every converged run has rho(R_hat) <= (2/(L delta))^(L/(2L-2)) (largest ratio "
            f"{worst:.6g})"), numbers, None, (fig,),
            coverage=sampled(len(pts[0]), L=listed(depths), delta=listed(deltas), n=f"= {n}"))

    return Check("converged_rho", Tier.EMPIRICAL, run,
                 f"float64 deep linear GD, n = {n}, depths {depths}, delta in {deltas}")
