"""Check factories for Wu, Wang & Ma (2019), deep linear residual networks and ZAS.

The paper's identities for every depth and width (Sections 2 and 3, Lemma 4.2, Lemma A.5) are
data over matrices of free size, and Lemma A.6, Lemma 4.6 and the proof of Lemma A.6 are
inequalities at states (``verify/papers/wu2019zas.toml``); ``lemma_inequality`` samples inputs
that meet the hypotheses of Lemmas A.1-A.5 at their edges and counts violations (a violation is
re-evaluated in mpmath before it refutes); the dynamics checks run gradient flow (``solve_ivp``,
tight tolerance) and GD from the paper's initialisations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import mpmath
import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from numerics import factorisations as fz
from numerics import linear_resnet as rn
from verify.checks.common import dec, decs, set_text
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Figure, Finding, Outcome, Scope, Series, Tier,
)

# --- linear algebra on one network: float64 arrays, or object arrays of mpmath numbers -------
# The same code runs both (as in numerics.factorisations: chains by fz.chain); only the norms and
# the constants look at which kind a value is.  The mpmath kind is called inside workdps.


def _num(like, v):
    """``v`` as a number of ``like``'s kind: an mpf (``like`` an mpf or an object array of
    them), else a float."""
    return mpmath.mpf(v) if np.asarray(like).dtype == object else float(v)


def _n2(a):
    """||a||_2, the largest singular value (np.linalg.norm(a, 2) without its axis handling)."""
    if a.dtype == object:
        return max(mpmath.svd_r(mpmath.matrix(a.tolist()), compute_uv=False))
    return float(np.linalg.svd(a, compute_uv=False).max())


def _fro2(a):
    return mpmath.fsum(x ** 2 for x in a.flat) if a.dtype == object else float(np.sum(a * a))


def _lmin(s):
    """The smallest eigenvalue of the symmetric part of ``s``."""
    s = (s + s.T) / 2
    if s.dtype == object:
        return min(mpmath.eigsy(mpmath.matrix(s.tolist()), eigvals_only=True))
    return float(np.linalg.eigvalsh(s)[0])


def _grads(ws, Phi):
    """Gradients of eq. (2.3) (corrected Section 2 formula), the loss and the width."""
    L, d = len(ws), ws[0].shape[0]
    E = fz.chain(ws, 1, L, d) - Phi
    g = [fz.chain(ws, l + 1, L, d).T @ E @ fz.chain(ws, 1, l - 1, d).T for l in range(1, L + 1)]
    return g, _fro2(E) / 2, d


def _D(ws):
    return [ws[l + 1].T @ ws[l + 1] - ws[l] @ ws[l].T for l in range(len(ws) - 1)]


# --- the lemmas as functions of one input -------------------------------------------------
# Each returns a list of (label, lhs, rhs) meaning lhs <= rhs, evaluated from a sample
# {"ws": [...], "Phi": ..., "eta": ...} in float64 or mpmath (the kind of its arrays);
# hypotheses parameters are the tightest ones the sample allows (the edge of the hypotheses).


def _alpha(ws):
    return max([_n2(w) for w in ws[:-1]] + [_num(ws[0], 1)])


def a1_terms(s):
    """Lemma A.1 (A.1) and each step (A.2) of its induction, with alpha, delta the actual
    max ||W_l||_2 (l < L) and max ||D_l||_2 (l <= L-2)."""
    ws = s["ws"]
    L, d, one = len(ws), ws[0].shape[0], _num(ws[0], 1)
    alpha = max(_n2(w) for w in ws[:-1])
    D = _D(ws)
    delta = max([_n2(x) for x in D[:L - 2]] + [0 * one])
    out = []
    for l in range(1, L):
        P = fz.chain(ws, 1, l, d)
        Q = ws[l - 1] @ ws[l - 1].T
        Ql = np.eye(d)
        for _ in range(l):
            Ql = Ql @ Q
        lhs = _n2(P @ P.T - Ql)
        out.append((f"(A.2) l={l}", lhs, one * (l * (l - 1)) / 2 * alpha ** (2 * (l - 1)) * delta))
        if l == L - 1:
            out.append(("(A.1)", lhs, (one * L) ** 2 / 2 * alpha ** (2 * (L - 2)) * delta))
    return out


def _hyp_a2(s):
    """alpha, delta, eps, and whether a phi exists for Lemma A.2's hypotheses."""
    ws = s["ws"]
    L = len(ws)
    D, d, one = _D(ws), ws[0].shape[0], _num(ws[0], 1)
    alpha = _alpha(ws)
    delta = max([_n2(x) for x in D[:L - 2]] + [0 * one])
    eps = _n2(np.eye(d) + D[L - 2])
    # phi^2 must lie in (alpha^{2(L-1)}/L, 1/(2 L^3 delta)]: it exists iff the interval is open.
    ok = eps <= one / (4 * L ** 2) and (
        delta == 0 or alpha ** (2 * (L - 1)) / L < 1 / (2 * (one * L) ** 3 * delta))
    return alpha, delta, eps, ok


def a2_terms(s):
    """Lemma A.2: R <= ||grad_L R||_F^2 (and the proof's 2 lambda_min(...) R >= R)."""
    ws, Phi = s["ws"], s["Phi"]
    g, R, d = _grads(ws, Phi)
    L = len(ws)
    P = fz.chain(ws, 1, L - 1, d)
    return [("||grad_L R||^2 >= R", R, _fro2(g[-1])),
            ("proof: 2 lambda_min(W W^T) R >= R", R, 2 * _lmin(P @ P.T) * R)]


def _phi_a3(ws):
    d, L, one = ws[0].shape[0], len(ws), _num(ws[0], 1)
    middle = np.e / float(L) ** 0.5 if isinstance(one, float) else mpmath.e / mpmath.sqrt(L)
    return max(_n2(fz.chain(ws, 1, L, d)), middle, one)


def _hyp_a3(s):
    ws = s["ws"]
    L = len(ws)
    alpha, delta, eps, _ = _hyp_a2(s)
    phi, one = _phi_a3(ws), _num(ws[0], 1)
    ok = delta <= 1 / (2 * (one * L) ** 3 * phi ** 2) and eps <= one / (4 * L ** 2)
    return alpha, phi, ok


def a3_terms(s):
    """Lemma A.3: alpha^{2(L-1)} < L phi^2 and alpha^{2(L-1)} beta^2 < 2 phi^2."""
    ws = s["ws"]
    L = len(ws)
    alpha, phi, _ = _hyp_a3(s)
    beta = _n2(ws[-1])
    return [("alpha^{2(L-1)} < L phi^2", alpha ** (2 * (L - 1)), L * phi ** 2),
            ("alpha^{2(L-1)} beta^2 < 2 phi^2", alpha ** (2 * (L - 1)) * beta ** 2,
             2 * phi ** 2)]


def _phi_a4(ws):
    """The smallest phi allowed by Lemma A.4's hypotheses (strict: times 1 + 1e-12)."""
    L = len(ws)
    alpha, beta, one = _alpha(ws), _n2(ws[-1]), _num(ws[0], 1)
    a = alpha ** (2 * (L - 1))
    return (max(a / L, a * beta ** 2 / 2) * (1 + (10 * one) ** -12)) ** (one / 2)


def a4_terms(s):
    """Lemma A.4: ||grad_l R||^2 <= 4 phi^2 R (l < L), ||grad_L R||^2 <= 2 L phi^2 R."""
    ws, Phi = s["ws"], s["Phi"]
    g, R, _ = _grads(ws, Phi)
    L, phi = len(ws), _phi_a4(ws)
    out = [(f"||grad_{l} R||^2 <= 4 phi^2 R", _fro2(g[l - 1]), 4 * phi ** 2 * R)
           for l in range(1, L)]
    return out + [("||grad_L R||^2 <= 2 L phi^2 R", _fro2(g[-1]), 2 * L * phi ** 2 * R)]


def a5_terms(s):
    """Lemma A.5: ||D_l^+ - D_l||_2 <= 8 eta^2 phi^2 R, ||D_{L-1}^+ - D_{L-1}||_2 <=
    2 eta^2 (L+2) phi^2 R, for the step size ``s["eta"]``."""
    ws, Phi = s["ws"], s["Phi"]
    eta = _num(ws[0], s["eta"])
    g, R, _ = _grads(ws, Phi)
    L, phi = len(ws), _phi_a4(ws)
    up = [w - eta * gi for w, gi in zip(ws, g)]
    D, Dp = _D(ws), _D(up)
    out = [(f"||D_{l}^+ - D_{l}|| <= 8 eta^2 phi^2 R", _n2(Dp[l - 1] - D[l - 1]),
            8 * eta ** 2 * phi ** 2 * R) for l in range(1, L - 1)]
    return out + [("||D_{L-1}^+ - D_{L-1}|| <= 2 eta^2 (L+2) phi^2 R", _n2(Dp[-1] - D[-1]),
                   2 * eta ** 2 * (L + 2) * phi ** 2 * R)]


# --- samplers ------------------------------------------------------------------------------


def _target(rng, d, scale):
    return scale * rng.standard_normal((d, d))


def sample_balanced(rng: np.random.Generator, lemma: str) -> dict:
    """An input near the edge of Lemma A.1/A.2/A.3's hypotheses (see approx_balanced)."""
    L = int(rng.choice([2, 3, 4, 6, 10]))
    d = int(rng.choice([1, 2, 3]))
    beta = float(10 ** rng.uniform(-2, 0.5))
    theta = 1 - 10 ** rng.uniform(-9, 0)  # fraction of the allowed budget: often ~1
    rank_one = bool(rng.random() < 0.5)
    eps = theta / (4 * L ** 2)
    if lemma == "a1":  # A.1 has no smallness hypothesis: any delta
        delta = float(10 ** rng.uniform(-4, -0.5))
    else:
        # The exactly balanced base approx_balanced(L, d, rng, beta, 0, 0) sets the budget.
        # Built from the top with D_l = 0 and I + D_{L-1} = 0, it has W_l W_l^T =
        # Q^T (I + W_L^T W_L) Q (Q orthogonal) for l < L, so ||W_l||_2 = sqrt(1 + beta^2), and
        # (W_{L-1:1})(W_{L-1:1})^T = (W_{L-1} W_{L-1}^T)^{L-1} by the balance, so
        # ||W_{L:1}||_2 = beta (1 + beta^2)^{(L-1)/2}: closed forms (to rounding) instead of
        # 2L - 1 factorisations.  Only its draws are taken, as it takes them (2L - 1 Gaussian
        # d x d matrices in a row), so the samples that follow are the same.
        rng.standard_normal((2 * L - 1) * d * d)
        alpha = np.sqrt(1 + beta ** 2)  # >= 1
        if lemma == "a3":
            phi = max(beta * (1 + beta ** 2) ** ((L - 1) / 2), np.e / np.sqrt(L), 1.0)
            delta = theta / (2 * L ** 3 * phi ** 2)
        else:
            delta = theta / (2 * L ** 2 * alpha ** (2 * (L - 1)))
    ws = rn.approx_balanced(L, d, rng, beta, delta, eps, rank_one)
    Phi = _target(rng, d, float(10 ** rng.uniform(-1, 1)))
    return {"ws": ws, "Phi": Phi}


def sample_free(rng: np.random.Generator) -> dict:
    """An input for Lemma A.4/A.5 (no invariant hypotheses): aligned diagonal layers (where the
    norm bounds are tight) or Gaussian ones, and a target aligned with the product or random."""
    L = int(rng.choice([2, 3, 4, 6, 10]))
    d = int(rng.choice([1, 2, 3]))
    if rng.random() < 0.5:
        top = 1 + float(10 ** rng.uniform(-3, 0)) * float(rng.random() < 0.8)
        ws = [np.diag(np.r_[top, rng.uniform(0, top, d - 1)]) for _ in range(L - 1)]
        ws.append(np.diag(np.r_[float(10 ** rng.uniform(-2, 1)), rng.uniform(0, 1, d - 1)]))
        P = dl.product([w[None] for w in ws])[0]
        Phi = P - float(10 ** rng.uniform(-2, 1)) * np.diag(np.r_[1.0, np.zeros(d - 1)])
    else:
        ws = [np.eye(d) + float(10 ** rng.uniform(-2, 0)) * rng.standard_normal((d, d))
              for _ in range(L - 1)]
        ws.append(float(10 ** rng.uniform(-2, 1)) * rng.standard_normal((d, d)))
        Phi = _target(rng, d, float(10 ** rng.uniform(-1, 1)))
    return {"ws": ws, "Phi": Phi, "eta": float(10 ** rng.uniform(-4, 1))}


# what the samplers draw from (sample_balanced, sample_free): the box a lemma sample covers
LEMMA_SAMPLE_BOX = {"L": "{2, 3, 4, 6, 10}", "d": "{1, 2, 3}"}

HYPOTHESES: Mapping[str, Callable] = {
    "a1": lambda s: True,
    "a2": lambda s: _hyp_a2(s)[3],
    "a3": lambda s: _hyp_a3(s)[2],
    "a4": lambda s: True,
    "a5": lambda s: True,
}
TERMS: Mapping[str, Callable] = {"a1": a1_terms, "a2": a2_terms, "a3": a3_terms,
                                 "a4": a4_terms, "a5": a5_terms}


def _sample(lemma: str, rng):
    if lemma in ("a4", "a5"):
        return sample_free(rng)
    return sample_balanced(rng, lemma)


def _margins(lemma, s):
    """(label, relative slack) of every inequality of the lemma at this input."""
    out = []
    for label, lhs, rhs in TERMS[lemma](s):
        scale = max(abs(lhs), abs(rhs), _num(lhs, 10) ** -300)
        out.append((label, (rhs - lhs) / scale))
    return out


def lemma_inequality(lemma: str, n_full: int, n_quick: int, strict: bool = False) -> Check:
    """Empirical: sample inputs meeting Lemma ``lemma``'s hypotheses, most at their edges
    (norms equal to the bounds, the smallest phi allowed), count violations of each inequality
    and report the worst relative slack.

    A violation (slack < -1e-9) is re-evaluated in mpmath at ``ctx.dps`` digits, hypotheses
    included, before it refutes.  Cannot prove the lemma (finite sample); can refute it.
    Strict inequalities (``strict``) count slack == 0 as a violation.
    """
    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        n = n_quick if ctx.quick else n_full
        worst: dict[str, float] = {}
        violations, rejected, bad = 0, 0, None
        for _ in range(n):
            s = _sample(lemma, rng)
            if not HYPOTHESES[lemma](s):
                rejected += 1
                continue
            for label, m in _margins(lemma, s):
                worst[label] = min(worst.get(label, np.inf), m)
                violated = m < -1e-9 or (strict and m <= 0)
                if violated and bad is None:
                    bad = (s, label)
                violations += int(violated)
        numbers = {"samples": str(n), "rejected (hypotheses not met)": str(rejected),
                   "violations": str(violations)}
        numbers.update({f"worst relative slack: {k}": f"{v:.3e}" for k, v in worst.items()})
        if bad is None:
            return Finding(Outcome.SUPPORTS, f"{n - rejected} inputs meeting the hypotheses "
                           f"(most at their edges): no violation", numbers,
                           coverage=Coverage(Scope.SAMPLE, LEMMA_SAMPLE_BOX, n - rejected))
        s, label = bad
        with mpmath.workdps(ctx.dps):
            smp = {**s, "ws": [fz.to_mp(w) for w in s["ws"]], "Phi": fz.to_mp(s["Phi"])}
            hyp = HYPOTHESES[lemma](smp)
            ms = dict(_margins(lemma, smp))
            m = ms[label]
            if not hyp or (m > 0 if strict else m >= 0):
                return Finding(Outcome.UNDECIDED, "a float64 violation did not survive the "
                               "mpmath re-evaluation", numbers)
            cx = Counterexample(
                at={"L": str(len(s["ws"])), "d": str(np.shape(s["Phi"])[0]),
                    "W": repr([np.asarray(w).tolist() for w in s["ws"]]),
                    "Phi": repr(np.asarray(s["Phi"]).tolist()), "eta": dec(s.get("eta", 0.0))},
                observed=f"relative slack {mpmath.nstr(m, 12)}", claimed=">= 0", tol="0",
                margin=mpmath.nstr(m, 15), dps=ctx.dps, note=f"{label} fails at this input")
        return Finding(Outcome.REFUTES, f"{violations} violations; {label} fails", numbers, cx)

    return Check(f"lemma_{lemma}_inequality", Tier.EMPIRICAL, run,
                 f"random inputs meeting Lemma {lemma.upper()[0]}.{lemma[1]}'s hypotheses at "
                 "their edges; L in {2,3,4,6,10}, d in {1,2,3}")


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


