"""Check factories for Wu, Wang & Ma (2019), deep linear residual networks and ZAS.

The paper's identities for every depth and width (Sections 2 and 3, Lemma 4.2, Lemma A.5) are
data over matrices of free size, and Lemmas A.1-A.6, 4.4-4.6 and the proof of Lemma A.6 are
inequalities at states (``verify/papers/wu2019zas.toml``; the lemmas cite their derivations);
the orders of (4.7), Theorem 4.3's rate and its near-ZAS remark are data too
(``wu2019zas_orders.toml``, ``wu2019zas_rates.toml``), and so are Theorem 4.1 and its Remark (2)
(``wu2019zas_flow.toml``, gradient flow).  The dynamics checks here run gradient flow
(``solve_ivp``, tight tolerance) from the paper's initialisations: Remark (1)'s rectangular
widths and Section 3's stable manifold.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from numerics import linear_resnet as rn
from verify.checks.common import decs, set_text
from verify.vocabulary import (
    Check, CheckContext, Coverage, Figure, Finding, Outcome, Scope, Series, Tier,
)

# --- dynamics ------------------------------------------------------------------------------


def _figure_rate(fid, title, t, curves, refs, xlabel, caption):
    series = []
    for (label, y), (rlabel, ry) in zip(curves, refs):
        series.append(Series(label, decs(t), decs(np.maximum(y, 1e-300))))
        series.append(Series(rlabel, decs(t), decs(np.maximum(ry, 1e-300)), "step"))
    return Figure(fid, title, caption, xlabel, "loss", tuple(series), yscale="log")


def flow_rate(cases: tuple[dict, ...], figure: str | None = None, rate: float = 1.0) -> Check:
    """Empirical (tight-tolerance LSODA): gradient flow (4.1) from ZAS (3.1) (square or
    rectangular) with target Phi (2.3) or data (X, Y) (2.2); checks R(t) <= e^{-2 lam t} R(0)
    on a time grid, lam = 1 (whitened) or lam_X = lambda_min(X^T X) (Remark (2)), up to a
    relative guard of 1e-6 (the integrator's accuracy where R has decayed by e^-20; L = 1 is
    the equality case R(t) = e^{-2t} R(0)).  Also reports the drift of the
    invariants D_l and the proof's identity W_{L-1:1} W_{L-1:1}^T = (I + W_L^T W_L)^{L-1}.

    Each case: {"L", "dims" (int or widths), "target": "gauss"|"negI"|"data", "n" (data)}.
    ``rate`` multiplies lam (> 1: a deliberately wrong variant).  Cannot prove the theorem, and
    cannot refute it either (float integration): a bound exceeded beyond the guard is undecided.
    """
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        numbers, curves, refs = {}, [], []
        worst, tgrid = -np.inf, np.linspace(0, 6 if ctx.quick else 10, 61)
        run_cases = cases[:3] if ctx.quick else cases
        for c in run_cases:
            L, dims = c["L"], c["dims"]
            ws = rn.zas(L, dims)
            widths = dl.widths(ws)
            d0, dL = widths[0], widths[-1]
            data, Phi, lam = None, None, 1.0
            if c["target"] == "data":
                X = rng.standard_normal((d0, c["n"]))
                Y = 2 * rng.standard_normal((dL, c["n"]))
                lam = float(np.linalg.eigvalsh(X.T @ X)[0])
                data = (X, Y)
            elif c["target"] == "negI":
                Phi = -np.eye(dL, d0)
            else:
                Phi = 2 * rng.standard_normal((dL, d0))
            out = rn.flow(ws, Phi, tgrid, data=data)
            R = out["loss"][:, 0]
            bound = np.exp(-2 * rate * lam * out["t"]) * R[0]
            ok = R > 1e-20 * R[0]
            ratio = np.max((R[ok] - bound[ok]) / bound[ok])
            label = f"L={L}, widths={widths}, {c['target']}"
            numbers[label + ": max (R - bound)/bound"] = f"{ratio:.2e}"
            if out["drift"].size:
                numbers[label + ": max ||D_l(t) - D_l(0)||"] = f"{np.max(out['drift']):.1e}"
            if c["target"] != "data" and L >= 2 and isinstance(dims, int):
                w = out["ws_end"]
                P = dl.product(w[:-1])[0]
                rhs = np.linalg.matrix_power(np.eye(dims) + w[-1][0].T @ w[-1][0], L - 1)
                numbers[label + ": identity error at t_end"] = \
                    f"{np.linalg.norm(P @ P.T - rhs) / np.linalg.norm(rhs):.1e}"
            if data is not None:
                numbers[label + ": lambda_X"] = f"{lam:.4g}"
            worst = max(worst, ratio)
            if len(curves) < 4:
                curves.append((f"R(t) {label}", R))
                refs.append((f"bound, {label}", bound))
            if not out["ok"]:
                return Finding(Outcome.UNDECIDED, f"{label}: integrator failed", numbers)
        figs = ()
        if figure:
            figs = (_figure_rate("rate", figure, tgrid, curves, refs, "t",
                                 "gradient flow from ZAS (solid) against the claimed bound"),)
        numbers["worst (R - bound)/bound"] = f"{worst:.2e}"
        if worst <= 1e-6:
            return Finding(Outcome.SUPPORTS, "R(t) stays below the bound in every case",
                           numbers, figures=figs, coverage=Coverage(
                               Scope.SAMPLE, {"L": set_text(sorted({c["L"] for c in run_cases})),
                                              "t": f"[0, {tgrid[-1]:g}]"}, len(run_cases)))
        return Finding(Outcome.UNDECIDED, "the bound is exceeded beyond the integrator guard "
                       "(float evidence only)", numbers, figures=figs)

    return Check("flow_rate", Tier.EMPIRICAL, run,
                 "LSODA rtol 1e-10, atol 1e-12, t in [0, 10], cases " + str(len(cases)))


def manifold_flow() -> Check:
    """Symbolic + numeric (Section 3): for (3.2), on M = {w_1 = ... = w_L = w >= 0} the
    gradient field is (-(w^L + 1) w^{L-1}) (1, ..., 1), tangent to M, and w' = -(w^L+1)w^{L-1}
    < 0 for w > 0, so the flow stays in M and w(t) -> 0 (proved by SymPy for L = 2..8); the
    origin is a critical point that is not a local extremum (a saddle) for L >= 2.  The flow
    from sampled points of M is also integrated (LSODA) and must end near O."""
    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        w, w_pos = sp.Symbol("w", nonnegative=True), sp.Symbol("w", positive=True)
        for L in range(2, 9):
            ws = sp.symbols(f"w1:{L + 1}", real=True)
            R = (sp.Mul(*ws) + 1) ** 2 / 2
            g = [sp.diff(R, x).subs({x: w for x in ws}) for x in ws]
            field = -(w ** L + 1) * w ** (L - 1)
            if any(sp.simplify(-gi - field) != 0 for gi in g):
                return Finding(Outcome.UNDECIDED, f"L={L}: gradient not symmetric on M", numbers)
            # the sign must be proved (True) for every w > 0; SymPy's None (unknown) is not a
            # proof (its assumptions on a positive symbol decide it at once)
            if not (sp.simplify(field).subs(w, 0) == 0
                    and field.subs(w, w_pos).is_negative is True):
                return Finding(Outcome.UNDECIDED, f"L={L}: sign of the field undecided", numbers)
            # the Hessian at O from R as a polynomial (exact; sp.hessian's expression
            # derivatives cost ten times more)
            Rp, at0 = sp.Poly(R, *ws), dict.fromkeys(ws, 0)
            hess0 = sp.Matrix([[Rp.diff(a).diff(b).eval(at0) for b in ws] for a in ws])
            # not an extremum: R(O) = 1/2, R(e,..,e) > 1/2 and R(-e, e, .., e) < 1/2
            e = sp.Rational(1, 10)
            up = R.subs({x: e for x in ws})
            down = R.subs({**{x: e for x in ws}, ws[0]: -e})
            numbers[f"L={L}"] = (f"grad at O = 0; Hessian eigenvalues at O "
                                 f"{sorted(set(hess0.eigenvals()))}; R(e..e)={up}, "
                                 f"R(-e,e..)={down}")
            if not (up > sp.Rational(1, 2) > down):
                return Finding(Outcome.UNDECIDED, f"L={L}: not shown to be a saddle", numbers)
        rng = ctx.rng()
        for L in (2, 3, 5):
            for w0 in rng.uniform(0, 1.2, 3):
                ws0 = [np.full((1, 1, 1), w0) for _ in range(L)]
                out = rn.flow(ws0, -np.eye(1), np.array([0.0, 1e4]))
                end = max(abs(float(x[0, 0, 0])) for x in out["ws_end"])
                numbers[f"flow L={L}, w0={w0:.3f}: max |w(10^4)|"] = f"{end:.2e}"
                if end > 0.2:
                    return Finding(Outcome.UNDECIDED, "a flow on M did not approach O", numbers)
        return Finding(Outcome.SUPPORTS, "M is invariant and its flow converges to the saddle "
                       "O (L = 2..8 exactly; flows sampled)", numbers,
                       coverage=Coverage(Scope.INSTANCES, {"L": set_text(range(2, 9))}))

    return Check("manifold_flow", Tier.SYMBOLIC, run, "exact for L = 2..8; LSODA samples")
