"""An inequality at every minimiser of a model (``kind = "inequality"``, ``at = "minimisers"``;
``at = "balanced"``: at its balanced minimiser, minimiser 0 below, alone).

"At every minimiser of this model (for targets in the box), quantity Q satisfies a bound":
Nar & Sastry (2018), Theorem 1 and Corollaries 1-2 (Section 2 and Appendix A) speak of the
Hessian at the minimisers {W_j} of 0.5 ||W_L ... W_1 - R||^2, e.g. Corollary 1 amended as
``sharpness >= L*sv_1**(2*(L - 1)/L)``.  The points are the family's own parametrisation of its
minimiser set (:meth:`verify.models.chain.Chain.minimiser_factors`): for a target R and depth L,
the balanced factorisation B (W_1 = S^{1/L} V^T, W_j = S^{1/L}, W_L = U S^{1/L}) and its
conjugates {G_j B_j G_{j-1}^{-1}} (G_0 = G_L = I), which for square layers and an invertible R are
every minimiser (Section 2: {alpha_i W_i} with prod alpha_i = 1 among them).

Minimiser k of a parameter point: k = 0 balanced, k = 1 and 2 rescaled (G_1 = 10 I, G_1 = I/10),
k >= 3 random cores (orthogonal x exp(N(0, 1)) singular values x orthogonal) drawn from
(seed, k) alone, so ``--at ...,minimiser=k`` rebuilds exactly that minimiser.  Every point is
screened in float64 (the batched quantities of :class:`~verify.userclaims.model.Model`); the
smallest margins and every float violation are rebuilt and re-evaluated with mpmath at
``ctx.dps`` digits (the factorisation itself at that precision, R exact), and a violation there
again at ``ctx.dps + 20``.  A violation beyond 10^-(dps/2) (relative) at both refutes; a strict
relation within that of equality is undecided.  The evidence is a sample (``sampled``): a
minimiser set is never proven from finitely many of its points.
"""

from __future__ import annotations

import functools

import mpmath
import numpy as np

from numerics import factorisations as fz
from verify.checks.common import dec
from verify.replay import ReplayError
from verify.userclaims.model import Model
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

RANDOM = (3, 9)  # random-core minimisers per parameter point (quick, full)
POINTS = (4, 12)  # parameter points (quick, full); the box's two corners among them
MAX_MINIMISERS = 3 + RANDOM[1]  # the largest index a replay may name, plus one
CONFIRM = 6  # smallest margins re-evaluated at high precision (besides float violations)
RESCALE = 10.0
_SIGN = {"<=": -1, "<": -1, ">=": 1, ">": 1}


def minimiser_labels(L: int) -> str:
    return ("0: balanced; 1, 2: W_1 * 10, W_2 / 10 and W_1 / 10, W_2 * 10; 3..: random cores"
            if L > 1 else "0: W_1 = R (the only minimiser)")


def _cores(k: int, L: int, d: int, seed: int) -> list[np.ndarray]:
    """The cores G_1..G_{L-1} of minimiser k (from (seed, k) alone)."""
    if k == 0 or L == 1:
        return []
    if k in (1, 2):
        t = RESCALE if k == 1 else 1 / RESCALE
        return [t * np.eye(d)] + [np.eye(d)] * (L - 2)
    return fz.random_cores(d, L, np.random.default_rng([seed, k]))


def _count(L: int, quick: bool, at: str = "minimisers") -> int:
    """Minimisers per parameter point (``at = "balanced"``: minimiser 0 alone)."""
    return 1 if L == 1 or at == "balanced" else 3 + RANDOM[0 if quick else 1]


def _margin(relation: str, lhs, rhs):
    """>= 0 where ``lhs relation rhs`` holds; "==" is -|lhs - rhs|."""
    d = lhs - rhs
    return -abs(d) if relation == "==" else _SIGN[relation] * d


def _finite(v):
    """``v`` (a number a compiled expression returns) as a finite real mpf, else None."""
    if isinstance(v, mpmath.mpc):
        if v.imag != 0:
            return None
        v = v.real
    try:
        v = mpmath.mpf(v)
    except (TypeError, ValueError):
        return None
    return v if mpmath.isfinite(v) else None


def _mp_matrix(value, d: int) -> np.ndarray:
    """A d x d object array of mpf from what a compiled matrix returns (nested or flat)."""
    flat = [v for row in value for v in (row if isinstance(row, list) else [row])]
    return np.array([mpmath.mpf(v) for v in flat], dtype=object).reshape(d, d)


def minimiser_search(model: Model) -> Check:
    """The relation at sampled minimisers of the model (module docstring)."""
    spec = model.spec
    R_sym, offset = model.family.minimiser_factors(model.family_spec, model.state, model.params)
    L = model.family.depth(model.family_spec, model.state)
    d = R_sym.rows
    names = model.free_names

    @functools.cache
    def compiled():
        """(R in float64, R in mpmath, the sides in float64, in mpmath): built on the first
        run, not when the claim is registered (a symbolic Hessian costs seconds)."""
        return (model.np_matrix(R_sym), model.mp(R_sym),
                [model.quantity_numpy(spec.lhs), model.quantity_numpy(spec.rhs)],
                [model.quantity(spec.lhs), model.quantity(spec.rhs)])

    def state(W, one) -> list:
        return [x for w in W for x in (w - offset * one).ravel()]

    def build_mp(point: dict, k: int, seed: int) -> tuple[list, list]:
        """(state, args) of minimiser k at the working precision."""
        args = [mpmath.mpf(repr(float(point[n]))) for n in names]
        R_mp = compiled()[1]
        R = _mp_matrix(R_mp(*[0] * len(model.vars), *args), d)
        cores = [fz.to_mp(G) for G in _cores(k, L, d, seed)]
        inv = lambda G: np.array(mpmath.inverse(mpmath.matrix(G.tolist())).tolist(),
                                 dtype=object)
        W = fz.conjugated(fz.balanced_mp(R, L), cores, inv)
        one = np.array([[mpmath.mpf(int(i == j)) for j in range(d)] for i in range(d)],
                       dtype=object)
        return state(W, one), args

    def at_precision(point: dict, k: int, seed: int, dps: int):
        with mpmath.workdps(dps):
            x, args = build_mp(point, k, seed)
            lhs, rhs = (_finite(side(x, args)) for side in compiled()[3])
            if lhs is None or rhs is None:
                return None
            return lhs, rhs, _margin(spec.relation, lhs, rhs)

    def points(ctx: CheckContext) -> list[dict]:
        if ctx.at:
            return [{n: float(ctx.at[n]) for n in names}]
        rng = ctx.rng()
        lo = {n: float(a) for n, (a, _) in model.box.free.items()}
        hi = {n: float(b) for n, (_, b) in model.box.free.items()}
        out = [lo, hi] + [{n: float(rng.uniform(lo[n], hi[n])) for n in names}
                          for _ in range(POINTS[0 if ctx.quick else 1] - 2)]
        keep = [p for p in out if model.assumptions_hold({n: mpmath.mpf(repr(v))
                                                           for n, v in p.items()})]
        return keep[:1] if not names else keep

    def run(ctx: CheckContext) -> Finding:
        R_np, _, sides_np, _ = compiled()
        count = _count(L, ctx.quick, spec.at)
        picked = None
        if ctx.at:
            raw, top = str(ctx.at["minimiser"]).strip(), _count(L, False, spec.at) - 1
            if not raw.isdigit() or int(raw) > top:
                raise ReplayError(f"--at: minimiser={raw} is not one of 0..{top} (L = {L})")
            picked = int(raw)
        pts = points(ctx)
        if not pts:
            return Finding(Outcome.UNDECIDED, "no point of the box satisfies the assumptions")
        rows, X, P = [], [], []
        for p in pts:
            R = R_np(np.zeros((1, len(model.vars))), np.array([[p[n] for n in names]]))[0]
            if not np.all(np.isfinite(R)):
                return Finding(Outcome.UNDECIDED, f"the target is not finite at {p}")
            B = fz.balanced(R, L)
            for k in ([picked] if picked is not None else range(count)):
                W = fz.conjugated(B, _cores(k, L, d, ctx.seed), np.linalg.inv)
                rows.append((p, k))
                X.append(state(W, np.eye(d)))
                P.append([p[n] for n in names])
        X, P = np.array(X, dtype=float), np.array(P, dtype=float).reshape(len(X), -1)
        with np.errstate(all="ignore"):
            lhs, rhs = (side(X, P) for side in sides_np)
            scale = 1 + np.abs(lhs) + np.abs(rhs)
            rel = _margin(spec.relation, lhs, rhs) / scale
        rel = np.where(np.isfinite(rel), rel, -np.inf)  # not finite: re-evaluated first
        order = np.argsort(rel)
        # every float violation, and the smallest margins (equalities within rounding among them)
        confirm = list(dict.fromkeys([i for i in order if rel[i] < -1e-9]
                                     + list(order[:CONFIRM])))
        numbers = {"parameter points": str(len(pts)), "minimisers per point": str(
            1 if picked is not None else count), "minimisers": minimiser_labels(L),
            "smallest relative margin (float64)": f"{rel[order[0]]:.6g}"}
        tol = mpmath.mpf(10) ** (-(ctx.dps // 2))
        if spec.fraction is not None:
            return _share(rel, rows, pts, spec, numbers, lambda p, k: at_precision(
                p, k, ctx.seed, ctx.dps), tol, model)
        worst, open_ = None, []
        for i in confirm:
            p, k = rows[i]
            found = at_precision(p, k, ctx.seed, ctx.dps)
            if found is None:
                return Finding(Outcome.UNDECIDED, f"lhs or rhs is not real and finite at "
                               f"minimiser {k} of {p}", numbers)
            lhs_v, rhs_v, m = found
            size = 1 + abs(lhs_v) + abs(rhs_v)
            worst = m / size if worst is None else min(worst, m / size)
            # a violation must survive 20 more digits (the factorisation rebuilt there too)
            again = at_precision(p, k, ctx.seed, ctx.dps + 20) if m < -tol * size else None
            if again is not None and again[2] < -tol * size:
                at = {**{n: repr(float(p[n])) for n in names}, "minimiser": str(k)}
                return Finding(Outcome.REFUTES, (
                    f"minimiser {k} at {at}: lhs = {dec(lhs_v, 15)}, rhs = {dec(rhs_v, 15)}, so "
                    f"lhs {spec.relation} rhs fails (the same at {ctx.dps + 20} digits)"),
                    numbers, Counterexample(
                        at=at, observed=f"lhs = {dec(lhs_v, 25)}",
                        claimed=f"{spec.relation} rhs = {dec(rhs_v, 25)}", tol=dec(tol, 3),
                        margin=dec(m, 25), dps=ctx.dps, replay=at,
                        note=(f"minimiser {k} ({minimiser_labels(L)}) of the target at this "
                              f"point, factorised at {ctx.dps} digits")))
            if spec.relation in ("<", ">") and abs(m) <= tol * size:
                open_.append(f"minimiser {k} at {p}")
        if worst is not None:
            numbers[f"smallest relative margin at {ctx.dps} digits"] = dec(worst, 12)
        numbers[f"re-evaluated at {ctx.dps} digits"] = str(len(confirm))
        if open_:
            return Finding(Outcome.UNDECIDED, f"equality within {dec(tol, 3)} at {open_[0]}: "
                           f"the strict relation {spec.relation} cannot be decided there",
                           numbers)
        return Finding(Outcome.SUPPORTS, (
            f"lhs {spec.relation} rhs at {len(rows)} minimisers ({len(pts)} parameter points "
            f"x {numbers['minimisers per point']}); the {len(confirm)} smallest margins "
            f"re-evaluated at {ctx.dps} digits"), numbers,
            coverage=model.coverage(Scope.SAMPLE, points=len(rows)))

    return Check("minimisers_search", Tier.PRECISE, run,
                 "float64 screen, mpmath re-evaluation, at sampled minimisers of the model")


def _share(rel: np.ndarray, rows: list, pts: list, spec, numbers: dict, precise, tol,
           model: Model) -> Finding:
    """``fraction = f``: at each parameter point the relation holds at more than f of its
    sampled minimisers.  A minimiser counts when its float64 margin exceeds 10^-9 (relative)
    and, for the :data:`CONFIRM` counted margins nearest 0, its margin at ``ctx.dps`` digits
    exceeds 10^-(dps/2) too.  A share is a property of the sample (balanced, rescaled and
    random-core minimisers), not of the minimiser set: a share at or below f leaves the check
    undecided, never refuted."""
    holds = rel > 1e-9
    for i in [i for i in np.argsort(np.where(holds, rel, np.inf))[:CONFIRM] if holds[i]]:
        found = precise(*rows[i])
        if found is None or found[2] <= tol * (1 + abs(found[0]) + abs(found[1])):
            return Finding(Outcome.UNDECIDED, f"minimiser {rows[i][1]} at {rows[i][0]}: the "
                           "float64 margin is not confirmed at high precision", numbers)
    shares = [float(np.mean([holds[j] for j, row in enumerate(rows) if row[0] is p]))
              for p in pts]
    f = float(mpmath.mpf(spec.fraction))  # exact enough: shares are multiples of 1/count
    numbers["share of the sampled minimisers where the relation holds, per point"] = ", ".join(
        f"{v:.3g}" for v in shares)
    low = int(np.argmin(shares))
    if shares[low] <= f:
        return Finding(Outcome.UNDECIDED, (
            f"at {pts[low]} the relation holds at {shares[low]:.3g} of the sampled minimisers, "
            f"not more than {spec.fraction}: a share of a sample depends on how the minimisers "
            "are drawn, so it does not refute"), numbers)
    return Finding(Outcome.SUPPORTS, (
        f"lhs {spec.relation} rhs at more than {spec.fraction} of the sampled minimisers at "
        f"each of {len(pts)} parameter points (smallest share {shares[low]:.3g}; "
        f"{len(rows)} minimisers)"), numbers,
        coverage=model.coverage(Scope.SAMPLE, points=len(rows)))
