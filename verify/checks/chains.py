"""Check factories for deep scalar chains 1/2 (w_L ... w_1 - lam)^2: stability of minimisers.

Used by the talk's Proposition of Nar & Sastry (2018) (also stated in Section 2 of the paper):
convergence to a minimiser {w_i*} needs delta <= 2 / sum_i (lam / w_i*)^2.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np
import sympy as sp

from numerics import gd as batch
from numerics import precise
from proofs.chains import hessian_at_minimisers, scalar_chain
from proofs.compile import to_mpmath, to_numpy
from proofs.expressions import parse
from proofs.identities import prove_zero
from verify.checks.common import dec, decs, declared, set_text
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Figure, Finding, Outcome, RefLine, Scope, Series, Tier,
)

NONZERO = "!= 0"  # the class "lam in R, lam != 0" as coverage and scope text


def _bound_expr(bound: str, L: int, ws, lam) -> sp.Expr:
    """Parse a bound written with ``w[i]``, ``Sum(..., (i, 1, L))``, ``lam`` and ``L``."""
    w, i = sp.IndexedBase("w"), sp.Symbol("i", integer=True)
    depth = sp.Symbol("L", integer=True, positive=True)  # a Sum's limit must be an integer
    expr = parse(bound, {"w": w, "i": i, "lam": lam, "L": depth})
    expr = expr.subs(depth, L).doit()
    return expr.replace(lambda e: isinstance(e, sp.Indexed),
                        lambda e: ws[int(e.indices[0]) - 1])


@functools.lru_cache(maxsize=16)
def _numeric(L: int, bound: str):
    loss, ws, lam = scalar_chain(L)
    grad = [sp.diff(loss, w) for w in ws]
    b = _bound_expr(bound, L, ws, lam)
    return (to_numpy(sp.Matrix(grad), [*ws, lam]), to_numpy(b, [*ws, lam]),
            to_mpmath(sp.Matrix([w - sp.Symbol("d") * gr for w, gr in zip(ws, grad)]),
                      [*ws, lam, sp.Symbol("d")]))


def minimisers(L: int, lam: float) -> dict[str, np.ndarray]:
    """Balanced and unbalanced minimisers of the chain (products equal lam exactly in float)."""
    root = abs(lam) ** (1.0 / L)
    base = np.full(L, root)
    base[0] *= np.sign(lam)  # one negative factor carries the sign
    out = {"balanced": base}
    for a in (2.0, 5.0):
        w = base.copy()
        w[0] *= a
        w[-1] /= a
        out[f"unbalanced x{a:g}"] = w
    return out


def chain_hessian_symbolic(depths: tuple[int, ...], bound: str) -> Check:
    """Symbolic: for each depth L, H = g g^T on the whole minimiser set, so its only nonzero
    eigenvalue is |g|^2, and 2/|g|^2 is compared with the claimed bound exactly.

    Proves the necessity claim for the listed depths (every lam != 0) when bound >= 2/lambda_max
    at every minimiser (above 2/lambda_max the map has an eigenvalue below -1), and reports
    whether it is tight.  Refutes at an exact minimiser when bound < 2/lambda_max (a minimiser
    that is linearly stable at excluded step sizes).
    """

    def run(ctx: CheckContext) -> Finding:
        numbers, tight = {}, []
        for L in depths:
            H, g, ws, lam = hessian_at_minimisers(L)
            if not prove_zero(sp.expand(H - g * g.T).norm() ** 2):
                return Finding(Outcome.UNDECIDED, f"L={L}: could not show H = g g^T", numbers)
            lam_max = sp.expand((g.T * g)[0])
            b = _bound_expr(bound, L, ws, lam).subs(lam, sp.Mul(*ws))
            ratio = sp.simplify(b * lam_max / 2)  # claimed bound / exact threshold
            numbers[f"L={L}: bound / (2/lambda_max)"] = str(ratio)
            if ratio.free_symbols or not ratio.is_number:
                return Finding(Outcome.UNDECIDED, f"L={L}: bound/(2/lambda_max) = {ratio} is "
                               "not a constant", numbers)
            if ratio < 1:
                return _loose_refutation(L, bound, ratio, numbers, ctx)
            tight.append(ratio == 1)
        return Finding(Outcome.SUPPORTS, (
            f"for L in {depths}: H = g g^T on prod w = lam, rank one, lambda_max = "
            f"sum_i (prod_(j!=i) w_j)^2 = sum_i (lam/w_i)^2; the bound is "
            + ("exactly 2/lambda_max (tight)" if all(tight) else ">= 2/lambda_max (valid, loose)")),
            numbers, coverage=declared(Scope.INSTANCES, {"L": set_text(depths), "lam": NONZERO}))

    return Check("chain_hessian_symbolic", Tier.SYMBOLIC, run, f"exact, depths {depths}")


def _loose_refutation(L: int, bound: str, ratio: sp.Expr, numbers: dict,
                      ctx: CheckContext) -> Finding:
    """The refutation of a bound ``ratio`` < 1 times 2/lambda_max, at the exact minimiser
    w_i = i (lam = L!) of depth ``L``, the two thresholds evaluated at ``ctx.dps`` digits."""
    H, g, ws, lam = hessian_at_minimisers(L)
    lam_max = sp.expand((g.T * g)[0])
    b = _bound_expr(bound, L, ws, lam).subs(lam, sp.Mul(*ws))
    point = {w: sp.Integer(k + 1) for k, w in enumerate(ws)}
    with mpmath.workdps(ctx.dps):
        exact = mpmath.mpf(sp.N((2 / lam_max).subs(point), ctx.dps))
        claimed = mpmath.mpf(sp.N(b.subs(point), ctx.dps))
    return Finding(Outcome.REFUTES, (
        f"L={L}: the claimed bound is {ratio} times the exact threshold "
        f"2/lambda_max, so every minimiser attracts for some delta above the bound"),
        numbers, Counterexample(
            at={**{w.name: str(v) for w, v in point.items()},
                "lam": str(sp.Mul(*point.values())),
                "delta": dec((exact + claimed) / 2, 25)},
            observed=f"2/lambda_max = {dec(exact, 25)} (linearly stable below it)",
            claimed=f"no convergence above {dec(claimed, 25)}", tol="0",
            margin=dec(claimed - exact, 25), dps=ctx.dps,
            note="exact minimiser stable at a step size the claim excludes"))


def chain_hessian_general(bound: str) -> Check:
    """Symbolic, for every depth L >= 2 at once (L an integer symbol) and every lam != 0.

    Any product of L >= 2 factors is w_i w_j Q with Q free of w_i, w_j (i != j), and
    w_i R with R free of w_i; SymPy proves on the minimiser set (Q = lam/(w_i w_j),
    R = lam/w_i) that H_ij = (lam/w_i)(lam/w_j) and H_ii = (lam/w_i)^2, i.e. H = g g^T with
    g_i = lam/w_i.  A rank-one g g^T has the eigenvalue |g|^2 on g and 0 on g's orthogonal
    complement (checked with an L x 1 MatrixSymbol), so GD's Jacobian I - delta H has the
    eigenvalue 1 - delta sum_i (lam/w_i)^2, below -1 exactly when delta > 2/sum_i (lam/w_i)^2:
    the minimiser is then linearly unstable.  The claimed bound (written with Sum over
    i = 1..L) is compared with that threshold symbolically.  Refutes (at L = 2) when the
    bound is a constant < 1 times the threshold.
    """

    def run(ctx: CheckContext) -> Finding:
        wi, wj, rest = sp.symbols("w_i w_j Q", real=True, nonzero=True)
        lam = sp.Symbol("lam", real=True, nonzero=True)
        off = sp.diff(sp.Rational(1, 2) * (wi * wj * rest - lam) ** 2, wi, wj)
        diag = sp.diff(sp.Rational(1, 2) * (wi * rest - lam) ** 2, wi, 2)
        facts = {
            "H_ij = (lam/w_i)(lam/w_j) on the minimisers":
                prove_zero(off.subs(rest, lam / (wi * wj)) - (lam / wi) * (lam / wj)),
            "H_ii = (lam/w_i)^2 on the minimisers":
                prove_zero(diag.subs(rest, lam / wi) - (lam / wi) ** 2),
        }
        L = sp.Symbol("L", integer=True, positive=True)
        g, v = sp.MatrixSymbol("g", L, 1), sp.MatrixSymbol("v", L, 1)
        facts["(g g^T) g = |g|^2 g"] = (g * g.T * g - g * (g.T * g)).doit().is_ZeroMatrix
        facts["(g g^T) v = g (g^T v)"] = (g * g.T * v - g * (g.T * v)).doit().is_ZeroMatrix
        numbers = {k: str(bool(ok)) for k, ok in facts.items()}
        if not all(facts.values()):
            return Finding(Outcome.UNDECIDED, "SymPy did not prove "
                           + ", ".join(k for k, ok in facts.items() if not ok), numbers)
        w, i = sp.IndexedBase("w"), sp.Symbol("i", integer=True)
        claimed = parse(bound, {"w": w, "i": i, "lam": lam, "L": L})
        threshold = 2 / sp.Sum((lam / w[i]) ** 2, (i, 1, L))
        ratio = sp.simplify(claimed / threshold)
        numbers["bound / (2 / sum_i (lam/w_i)^2)"] = str(ratio)
        if not ratio.is_number:
            return Finding(Outcome.UNDECIDED, f"bound / threshold = {ratio} is not a constant",
                           numbers)
        if ratio < 1:
            return _loose_refutation(2, bound, ratio, numbers, ctx)
        return Finding(Outcome.SUPPORTS, (
            "for every L >= 2 and lam != 0: on the minimiser set H = g g^T with g_i = lam/w_i "
            "(second derivatives of 1/2 (w_i w_j Q - lam)^2), whose largest eigenvalue is "
            "sum_i (lam/w_i)^2; for delta above the bound, "
            + ("equal to " if ratio == 1 else f"{ratio} times ")
            + "2/lambda_max, I - delta H has an eigenvalue below -1: the minimiser is linearly "
            "unstable"), numbers,
            coverage=declared(Scope.CLASS, {"L": ">= 2", "lam": NONZERO}))

    return Check("chain_hessian_general", Tier.SYMBOLIC, run, "exact, every depth L >= 2")


def _stays(L, bound, w_star, lam, deltas, steps, noise, rng) -> np.ndarray:
    """For each delta, does GD from w* + noise stay within 10*noise of w* (after ``steps``)?"""
    grad, _, _ = _numeric(L, bound)
    starts = w_star + noise * rng.standard_normal((deltas.size, L))
    ends = batch.iterate_vector(lambda *w: list(grad(*w, lam)[:, 0]), starts, deltas, steps)
    return np.linalg.norm(ends - w_star, axis=1) < 10 * noise


@functools.lru_cache(maxsize=8)
def _stability_runs(seed: int, quick: bool, depths: tuple[int, ...], lams: tuple[float, ...],
                    bound: str) -> tuple:
    """The GD runs of :func:`minimiser_stability` (the talk's Proposition and its amendment
    run the same), once per process: for each (L, lam, minimiser) in the check's order, which
    of the 161 step sizes stay (:func:`_stays`), and the generator's state after its starts
    were drawn.  The draws are those of one :func:`_stays` after another; each depth's cases
    go through one batched GD (runs are independent rows, lam one per row: the same runs)."""
    rng = CheckContext(seed=seed, quick=quick).rng()
    steps = 1500 if quick else 4000
    rel = np.linspace(0.9, 1.1, 161)
    out = []
    for L in depths:
        grad, bound_fn, _ = _numeric(L, bound)
        cases = [(lam, w_star, float(bound_fn(*w_star, lam)))
                 for lam in lams for w_star in minimisers(L, lam).values()]
        starts, states = [], []
        for _, w_star, _ in cases:
            starts.append(w_star + 1e-7 * rng.standard_normal((rel.size, L)))
            states.append(rng.bit_generator.state)
        lam_rows = np.repeat([lam for lam, _, _ in cases], rel.size)
        ends = batch.iterate_vector(lambda *w, g=grad, lr=lam_rows: list(g(*w, lr)[:, 0]),
                                    np.concatenate(starts),
                                    np.concatenate([rel * b for _, _, b in cases]), steps)
        for k, (_, w_star, _) in enumerate(cases):
            end = ends[k * rel.size:(k + 1) * rel.size]
            stays = np.linalg.norm(end - w_star, axis=1) < 10 * 1e-7
            stays.setflags(write=False)
            out.append((stays, states[k]))
    return tuple(out)


def minimiser_stability(depths: tuple[int, ...], lams: tuple[float, ...], bound: str) -> Check:
    """Empirical: GD started 1e-7 from balanced and unbalanced minimisers, delta around the bound.

    Measures the threshold as the largest delta (grid of 161 values in [0.9 b, 1.1 b]) from which
    GD stays at the minimiser, and compares with the bound.  Refutes when a run with delta above
    the bound (by more than 0.5%) stays at the minimiser and a precise replay (``ctx.dps``
    digits) confirms it.  Cannot prove.
    """

    def run(ctx: CheckContext) -> Finding:
        steps = 1500 if ctx.quick else 4000
        rel = np.linspace(0.9, 1.1, 161)
        measured, claimed, numbers = [], [], {}
        batched = iter(_stability_runs(ctx.seed, ctx.quick, depths, lams, bound))
        rng = None  # set where a replay drew from the generator: later cases then run alone
        for L in depths:
            _, bound_fn, mp_step = _numeric(L, bound)
            for lam in lams:
                for name, w_star in minimisers(L, lam).items():
                    b = float(bound_fn(*w_star, lam))
                    stays, state = next(batched)
                    if rng is not None:
                        stays = _stays(L, bound, w_star, lam, rel * b, steps, 1e-7, rng)
                    top = rel[stays].max() * b if stays.any() else float("nan")
                    measured.append(top)
                    claimed.append(b)
                    numbers[f"L={L}, lam={lam:g}, {name}"] = (
                        f"claimed {b:.6g}, measured {top:.6g} (ratio {top / b:.4f})")
                    bad = np.flatnonzero(stays & (rel > 1.005))
                    if bad.size:
                        d = rel[bad[-1]] * b
                        if rng is None:  # the generator as one run after another left it
                            rng = np.random.default_rng(0)
                            rng.bit_generator.state = state
                        w0 = w_star + 1e-7 * rng.standard_normal(L)
                        orbit = precise.iterate_vector(
                            lambda *a: list(mp_step(*a)), list(w0), [lam, d], steps, ctx.dps)
                        with mpmath.workdps(ctx.dps):
                            dist = mpmath.sqrt(sum((a - mpmath.mpf(c)) ** 2
                                                   for a, c in zip(orbit[-1], w_star)))
                        if dist < 1e-5:
                            return Finding(Outcome.REFUTES, f"L={L}, lam={lam}, {name}: GD with "
                                           f"delta = {d:.6g} > bound {b:.6g} stays at the "
                                           "minimiser", numbers, Counterexample(
                                               at={"L": str(L), "lam": repr(lam),
                                                   "delta": repr(float(d)),
                                                   "w*": str([float(v) for v in w_star])},
                                               observed=f"distance {dec(dist, 10)} after {steps}"
                                                        " steps", claimed="leaves the minimiser",
                                               tol="1e-5", margin=dec(d - b), dps=ctx.dps,
                                               note="converges to w* above the bound"))
        ratio = np.array(measured) / np.array(claimed)
        numbers["measured/claimed min"] = f"{np.nanmin(ratio):.5f}"
        numbers["measured/claimed max"] = f"{np.nanmax(ratio):.5f}"
        figure = Figure(
            id="measured-vs-claimed", title="Measured vs claimed step-size threshold",
            caption=(f"Each point: a minimiser (depths {depths}, lam in {lams}, balanced and "
                     "unbalanced); x = claimed 2/sum (lam/w_i)^2, y = largest delta (grid step "
                     "0.125%) from which GD started 1e-7 away stays at the minimiser."),
            xlabel="claimed bound 2 / sum_i (lam/w_i*)^2", ylabel="measured threshold",
            series=(Series("minimisers", decs(claimed), decs(measured), "points"),),
            xscale="log", yscale="log", lines=(RefLine("y = x", "diag"),))
        return Finding(Outcome.SUPPORTS, (
            f"{len(measured)} minimisers: no run above the bound stayed; measured/claimed "
            f"threshold in [{np.nanmin(ratio):.4f}, {np.nanmax(ratio):.4f}] (grid 0.00125), so "
            "the bound is also tight"), numbers, None, (figure,), coverage=declared(
                Scope.SAMPLE, {"L": set_text(depths), "lam": set_text(lams)},
                points=len(measured)))

    return Check("minimiser_stability", Tier.EMPIRICAL, run,
                 f"numpy float64, depths {depths}, lam in {lams}")


def minimiser_multiplier_precise(depths: tuple[int, ...], lam: float, bound: str,
                                 offsets: tuple[str, ...] = ("-1e-3", "1e-3")) -> Check:
    """Precise: the growth factor of a 1e-20 perturbation along grad(prod w), at ``ctx.dps``
    digits, for delta = b(1 + offset): must be |1 - delta/b * 2| (beyond 1 exactly when delta > b).

    Refutes when a run with delta above the bound shrinks the perturbation (a stable direction
    where the claim says unstable).  Scope: unbalanced minimisers (factor 3) of the listed depths.
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        for L in depths:
            _, bound_fn, mp_step = _numeric(L, bound)
            w_star = minimisers(L, lam)["unbalanced x2"]
            b = float(bound_fn(*w_star, lam))
            with mpmath.workdps(ctx.dps):
                ws = [mpmath.mpf(v) for v in w_star]
                lam_mp = mpmath.mpf(lam)
                ws[0] = lam_mp / mpmath.fprod(ws[1:])  # exact minimiser at this precision
                g = [mpmath.fprod(ws) / v for v in ws]
                norm = mpmath.sqrt(mpmath.fsum(c * c for c in g))
                for off in offsets:
                    d = mpmath.mpf(b) * (1 + mpmath.mpf(off))
                    start = [v + mpmath.mpf("1e-20") * c / norm for v, c in zip(ws, g)]
                    orbit = precise.iterate_vector(lambda *a: list(mp_step(*a)), start,
                                                   [lam_mp, d], 6, ctx.dps)
                    dev = [mpmath.fsum((a - c) * gc for a, c, gc in zip(p, ws, g)) / norm
                           for p in orbit]
                    factor = dev[-1] / dev[-2]
                    predicted = 1 - 2 * d / mpmath.mpf(b)
                    sign = "" if off.startswith("-") else "+"
                    numbers[f"L={L}, delta=b(1{sign}{off})"] = (
                        f"factor {mpmath.nstr(factor, 12)}, predicted {mpmath.nstr(predicted, 12)}")
                    above = mpmath.mpf(off) > 0
                    if above and abs(factor) < 1:
                        return Finding(Outcome.REFUTES, f"L={L}: above the bound the "
                                       "perturbation shrinks", numbers, Counterexample(
                                           at={"L": str(L), "delta": mpmath.nstr(d, 20)},
                                           observed=mpmath.nstr(factor, 20),
                                           claimed="|factor| > 1", tol="0",
                                           margin=mpmath.nstr(abs(factor) - 1, 20), dps=ctx.dps))
        return Finding(Outcome.SUPPORTS, (
            f"at {ctx.dps} digits, a perturbation along grad(prod w) is multiplied by "
            "1 - 2 delta/b per step: inside (-1, 1) below the bound, below -1 above it"), numbers,
            coverage=declared(Scope.SAMPLE, {"L": set_text(depths), "lam": f"= {lam:g}"},
                              points=len(depths) * len(offsets)))

    return Check("minimiser_multiplier_precise", Tier.PRECISE, run,
                 f"mpmath, depths {depths}, lam = {lam}")
