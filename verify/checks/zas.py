"""Check factories for Wu, Wang & Ma (2019), deep linear residual networks and ZAS.

The paper's identities for every depth and width (Sections 2 and 3, Lemma 4.2, Lemma A.5) are
data over matrices of free size, and Lemmas A.1-A.6, 4.4-4.6 and the proof of Lemma A.6 are
inequalities at states (``verify/papers/wu2019zas.toml``; the lemmas cite their derivations);
the dynamics checks here run gradient flow (``solve_ivp``, tight tolerance) and GD from the
paper's initialisations, and the orders of (4.7) along L.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from numerics import factorisations as fz
from numerics import linear_resnet as rn
from verify.checks.common import dec, decs, set_text
from verify.replay import ReplayError
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Figure, Finding, Outcome, Scope, Series, Tier,
)

# --- linear algebra on one network: float64 arrays, or object arrays of mpmath numbers -------
# The same code runs both (as in numerics.factorisations: chains by fz.chain); only the norms and
# the constants look at which kind a value is.  The mpmath kind is called inside workdps.


def _n2(a):
    """||a||_2, the largest singular value (np.linalg.norm(a, 2) without its axis handling)."""
    if a.dtype == object:
        return max(mpmath.svd_r(mpmath.matrix(a.tolist()), compute_uv=False))
    return float(np.linalg.svd(a, compute_uv=False).max())


def _fro2(a):
    return mpmath.fsum(x ** 2 for x in a.flat) if a.dtype == object else float(np.sum(a * a))


def _grads(ws, Phi):
    """Gradients of eq. (2.3) (corrected Section 2 formula), the loss and the width."""
    L, d = len(ws), ws[0].shape[0]
    E = fz.chain(ws, 1, L, d) - Phi
    g = [fz.chain(ws, l + 1, L, d).T @ E @ fz.chain(ws, 1, l - 1, d).T for l in range(1, L + 1)]
    return g, _fro2(E) / 2, d


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


def phi_of(L: int, Phi: np.ndarray) -> float:
    """phi of Theorem 4.3: max{2 ||Phi||_F, 3 L^{-1/2}, 1}."""
    return max(2 * np.linalg.norm(Phi), 3 / np.sqrt(L), 1.0)


def eta_of(L: int, Phi: np.ndarray) -> float:
    """The largest step size of Theorem 4.3."""
    p = phi_of(L, Phi)
    return min(1 / (4 * L ** 3 * p ** 6), 1 / (144 * L ** 2 * p ** 4))


def gd_rate(factors: tuple[float, ...] = (1, 10, 100, 1e3, 1e4, 3e4, 1e5, 3e5, 1e6),
            rate: float = 1.0) -> Check:
    """Empirical: GD (2.4) from ZAS at eta = f x (Theorem 4.3's bound): R(t) <= (1 - rate
    eta/2)^t R(0) for t up to T.  At f = 1 (the edge) a violation refutes (replayed in mpmath);
    for f > 1 (beyond the condition) it reports the largest factor at which the rate still held
    (information, the theorem says nothing there).  ``rate`` != 1: a wrong variant."""
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        cases = [(L, d, s) for L in ((2, 5) if ctx.quick else (1, 2, 3, 5, 10))
                 for d, s in ((1, "negI"), (2, "gauss"), (3, "gauss"))]
        steps = 200 if ctx.quick else 400
        numbers, figs_data, bad = {}, [], None
        for L, d, s in cases:
            Phi = -np.eye(d) if s == "negI" else rng.standard_normal((d, d)) / d
            eta0 = eta_of(L, Phi)
            etas = eta0 * np.asarray(factors)
            ws = [np.repeat(w, len(factors), axis=0) for w in rn.zas(L, d)]
            _, hist = dl.gd(ws, Phi, etas, steps)
            t = np.arange(steps + 1)[:, None]
            with np.errstate(all="ignore"):
                bound = (1 - rate * etas / 2)[None, :] ** t * hist[0]
            ok = np.all(hist <= bound * (1 + 1e-12) + 1e-300, axis=0)
            numbers[f"L={L}, d={d}, {s}: eta bound"] = f"{eta0:.3e}"
            numbers[f"L={L}, d={d}, {s}: largest factor with the rate"] = \
                dec(max([f for f, o in zip(factors, ok) if o] or [0]))
            if not ok[0] and bad is None:
                bad = (L, d, s, Phi, etas[0])
            if (L, d) in ((5, 2), (2, 1)):
                figs_data.append((f"L={L}, d={d}, eta=bound", hist[:, 0], bound[:, 0]))
                j = min(2, len(factors) - 1)  # 100 x bound: beyond the condition, still stable
                figs_data.append((f"L={L}, d={d}, eta={dec(factors[j])} x bound", hist[:, j],
                                  bound[:, j]))
        tt = np.arange(steps + 1)
        fig = _figure_rate("gd_rate", "Theorem 4.3: R(t) against (1 - eta/2)^t R(0)", tt,
                           [(f"R(t) {a}", h) for a, h, _ in figs_data],
                           [(f"(1-eta/2)^t R(0), {a}", b) for a, _, b in figs_data], "t",
                           "GD from ZAS at the printed step size and beyond")
        if bad is None:
            return Finding(Outcome.SUPPORTS, "rate holds at the printed step size in every "
                           "case", numbers, figures=(fig,), coverage=Coverage(
                               Scope.SAMPLE, {"L": set_text(sorted({c[0] for c in cases})),
                                              "d": "{1, 2, 3}", "t": f"<= {steps}"},
                               len(cases)))
        L, d, s, Phi, eta = bad
        with mpmath.workdps(ctx.dps):  # replay in mpmath: scalar chain or d x d products
            ws = [fz.to_mp(w[0]) for w in rn.zas(L, d)]
            P = fz.to_mp(Phi)
            e = mpmath.mpf(eta)
            g, R0, _ = _grads(ws, P)
            for k in range(1, steps + 1):
                ws = [w - e * gi for w, gi in zip(ws, g)]
                g, Rk, _ = _grads(ws, P)
                b = (1 - rate * e / 2) ** k * R0
                if Rk > b:
                    cx = Counterexample(at={"L": str(L), "d": str(d), "Phi": s, "eta": dec(eta),
                                            "t": str(k)}, observed=mpmath.nstr(Rk, 15),
                                        claimed=f"<= {mpmath.nstr(b, 15)}", tol="0",
                                        margin=mpmath.nstr(b - Rk, 10), dps=ctx.dps,
                                        note="the claimed rate fails at the printed step size")
                    return Finding(Outcome.REFUTES, "rate fails", numbers, cx, (fig,))
        return Finding(Outcome.UNDECIDED, "float violation not reproduced in mpmath", numbers,
                       figures=(fig,))

    return Check("gd_rate", Tier.EMPIRICAL, run,
                 "GD from ZAS, L in {1,2,3,5,10}, d in {1,2,3}, 400 steps, eta = f x bound")


def orders_47(printed: bool, growth: float = 100.0) -> Check:
    """Precise (mpmath): the orders of (4.7) along ZAS training for Phi = -1 (d = 1), where
    gradient flow keeps D_l exact and converges to the balanced minimiser w_l^2 = 1 + s
    (l < L), w_L^2 = s with s (1 + s)^{L-1} = 1 (Theorem 4.1, Lemma 4.2).

    Printed reading: ||W_{L-1}||_2 = O(L^{-1/2}) -- refuted when sqrt(L) ||W_{L-1}||_2, computed
    at ZAS (t = 0, where W_{L-1} is the same identity layer for every L >= 2) and at the limit
    point (sqrt(1 + s)), increases along the whole table and grows by at least ``growth`` from
    the first L to the last (W_{L-1} W_{L-1}^T >= (1 - eps) I whenever (4.6) holds).
    Amended reading: ||W_l|| = 1 + O(log L / L) and
    ||W_L|| = O(sqrt(log L / L)), checked by the ratios L(||W_l|| - 1)/log L and
    L ||W_L||^2 / log L at L = 10..10^12 (bounded, with shrinking increments: they creep up
    towards 1/2 and 1 as the log log L correction fades); the same table shows that
    sqrt(L) ||W_L|| grows like sqrt(log L), so ||W_L|| = O(L^{-1/2}) fails as well.
    """
    def run(ctx: CheckContext) -> Finding:
        Ls = [10 ** k for k in range(1, 7 if ctx.quick else 13)]
        if ctx.at and not printed:
            raise ReplayError("--at: the amended orders are read off the whole table; replay "
                              "the printed reading (orders_47_printed)")
        if ctx.at:  # a replay: the two depths L0 < L1 between which the growth is measured
            Ls = [int(sp.Rational(ctx.at["L0"])), int(sp.Rational(ctx.at["L1"]))]
            if not 2 <= Ls[0] < Ls[1] <= 10 ** 15:
                raise ReplayError("--at: depths 2 <= L0 < L1 <= 10^15")
        numbers = {}
        with mpmath.workdps(ctx.dps):
            rows = []
            for L in Ls:
                s = mpmath.findroot(lambda x: mpmath.log(x) + (L - 1) * mpmath.log1p(x),
                                    mpmath.lambertw(L - 1).real / (L - 1))
                a = mpmath.sqrt(1 + s)
                rows.append((L, L * (a - 1) / mpmath.log(L), L * s / mpmath.log(L),
                             mpmath.sqrt(L * s), mpmath.sqrt(L) * a))
                numbers[f"L=1e{int(round(mpmath.log10(L)))}"] = (
                    f"L(||W_l||-1)/log L = {mpmath.nstr(rows[-1][1], 6)}, "
                    f"L ||W_L||^2/log L = {mpmath.nstr(rows[-1][2], 6)}, "
                    f"sqrt(L) ||W_L|| = {mpmath.nstr(rows[-1][3], 6)}")
            if printed:
                w0 = _n2(fz.to_mp(rn.zas(2, 1)[0][0]))  # ||W_{L-1}(0)||_2 at ZAS
                at0 = [mpmath.sqrt(L) * w0 for L in Ls]
                at_limit = [r[4] for r in rows]
                grows = all(seq[-1] >= growth * seq[0] and all(
                    x < y for x, y in zip(seq, seq[1:])) for seq in (at0, at_limit))
                numbers["sqrt(L) ||W_(L-1)||: ZAS, limit, first to last L"] = (
                    f"{mpmath.nstr(at0[0], 6)} -> {mpmath.nstr(at0[-1], 6)}, "
                    f"{mpmath.nstr(at_limit[0], 6)} -> {mpmath.nstr(at_limit[-1], 6)}")
                if not grows:
                    return Finding(Outcome.UNDECIDED, f"sqrt(L) ||W_(L-1)|| does not grow by "
                                   f"{growth:g} over the table", numbers)
                # the smallest table Ls[0] .. L over which both grow by ``growth``
                k = next(k for k in range(len(Ls)) if at0[k] >= growth * at0[0]
                         and at_limit[k] >= growth * at_limit[0])
                L = Ls[k]
                cx = Counterexample(
                    at={"L": str(L), "t": "0 and the limit", "init": "ZAS", "Phi": "-1",
                        "d": "1"}, replay={"L0": str(Ls[0]), "L1": str(L)},
                    observed=f"sqrt(L) ||W_(L-1)(0)||_2 = {mpmath.nstr(at0[k], 15)}, at the "
                             f"limit {mpmath.nstr(at_limit[k], 15)}",
                    claimed="bounded in L (O(L^-1/2))", tol="0",
                    margin=mpmath.nstr(at_limit[k] / at_limit[0], 15), dps=ctx.dps,
                    note=f"sqrt(L) ||W_(L-1)||_2 increases over L = {Ls[0]} .. {L} and grows "
                         f"by >= {growth:g}: ||W_(L-1)||_2 stays >= 1")
                return Finding(Outcome.REFUTES, "||W_{L-1}|| stays >= 1: not O(L^{-1/2})",
                               numbers, cx)
            tail1 = [r[1] for r in rows[-4:]]
            tail2 = [r[2] for r in rows[-4:]]
            steps = [y - x for x, y in zip(tail2, tail2[1:])]
            settled = (max(tail1) < 1 and max(tail2) < 2
                       and all(abs(b) <= abs(a) for a, b in zip(steps, steps[1:])))
            numbers["sqrt(L)||W_L|| grows"] = str(rows[-1][3] > rows[0][3])
        if settled:
            return Finding(Outcome.SUPPORTS, "the ratios stay bounded (below 1/2 and 1, "
                           "increments shrinking) up to L = 10^12", numbers,
                           coverage=Coverage(Scope.SAMPLE, {"L": set_text(
                               f"10^{k}" for k in range(1, len(Ls) + 1)), "Phi": "= -1"},
                               len(Ls)))
        return Finding(Outcome.UNDECIDED, "ratios not settled", numbers)

    return Check("orders_47_printed" if printed else "orders_47", Tier.PRECISE, run,
                 "mpmath at ctx.dps digits, L = 10 .. 10^12, balanced ZAS limit for Phi = -1")


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


def near_zas_rate() -> Check:
    """Empirical (Remark after Lemma 4.6): near-ZAS starts W_l ~ N(I, s^2), W_L ~ N(0, s^2)
    with s chosen so that (4.6) holds at t = 0 with Lemma A.3's constants (||D_l|| <=
    1/(4 L^3 phi^2), ||I + D_{L-1}|| <= 1/(8 L^2): half the budget); GD at half Theorem 4.3's
    step size must satisfy R(t) <= (1 - eta/2)^t R(0).  Cannot prove; a float violation (or no
    sigma meeting (4.6)) makes it undecided, never refuted."""
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        numbers, worst = {}, -np.inf
        pairs = ((2, 2), (3, 2), (5, 3)) if ctx.quick else ((2, 2), (3, 2), (5, 3), (8, 2))
        for L, d in pairs:
            Phi = rng.standard_normal((d, d)) / d
            phi = phi_of(L, Phi)
            sigma = 1.0
            for _ in range(60):  # shrink sigma until (4.6) holds with half of A.3's budget
                ws = rn.near_zas(L, d, 8, rng, sigma)
                D = rn.invariants(ws)
                dl_ = max([rn.spectral(x).max() for x in D[:-1]] + [0.0])
                de = rn.spectral(np.eye(d) + D[-1]).max()
                if dl_ <= 1 / (4 * L ** 3 * phi ** 2) and de <= 1 / (8 * L ** 2):
                    break
                sigma /= 2
            else:
                return Finding(Outcome.UNDECIDED, f"L={L}, d={d}: no sigma met (4.6)", numbers)
            eta = eta_of(L, Phi) / 2
            _, hist = dl.gd(ws, Phi, eta, 300)
            bound = (1 - eta / 2) ** np.arange(301)[:, None] * hist[0]
            ratio = float(np.max((hist - bound) / bound))
            worst = max(worst, ratio)
            numbers[f"L={L}, d={d}: sigma, max (R - bound)/bound"] = f"{sigma:.2e}, {ratio:.2e}"
        numbers["worst"] = f"{worst:.2e}"
        if worst <= 1e-12:
            return Finding(Outcome.SUPPORTS, "near-ZAS starts meeting (4.6) keep the rate",
                           numbers, coverage=Coverage(Scope.SAMPLE, {"(L, d)": set_text(
                               f"({L}, {d})" for L, d in pairs)}, len(pairs)))
        return Finding(Outcome.UNDECIDED, "rate exceeded (float)", numbers)

    return Check("near_zas_rate", Tier.EMPIRICAL, run, "8 near-ZAS starts per (L, d), 300 steps")


