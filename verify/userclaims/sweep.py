"""The convergence kind checked by a batched float64 sweep (``sweep = N``).

"From the start, GD converges to the target whenever the condition holds", checked by N runs at
once instead of the precise search: points drawn uniformly from the box (seeded; the assumptions
and the condition must hold there: points are drawn until N do or 50 N were drawn, the others
are dropped and counted), every run advanced by the
model's GD map compiled for numpy, :data:`STEPS` steps (with ``--quick`` too, and N / 4
runs: fewer steps would leave more slow runs to replay at high precision, the costly part).  A run converges when its distance to the target (for ``target = "minimisers"``: the
model's residual, zero exactly on the set) ends below 10^-9 (1 + |x|), or still falls at every
step of its last quarter and by 10% since its middle, its decrements extrapolated (geometric or
power-law tail, the larger) covering at least 0.9 of what is left (a slow but converging run;
one slowing towards another point stops short).  Every other
run (diverged, cycling, stalled, settled elsewhere) is replayed with the precise search's own
classification at ``ctx.dps`` and ``ctx.dps + 20`` digits (1500 steps, doubled while it is still
too slow to tell, up to 24000): it refutes when both precisions see a divergence, another limit or
a cycle; a replay that converges counts as a float64 artefact; one that cannot tell leaves the
check undecided.  Coverage: the runs, a sample (``sampled``).

Made for long runs near a step-size bound, where the precise search would spend its budget on a
few hundred points: Nar & Sastry (2018), Section 3, "from the identity GD converges for every
step size up to (just below) the bound (4)" (``nar2018step.sec3_opening_amended``,
``nar2018slides.identity_tight_amended``).  Plain GD with a constant step only.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.model import Model
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

STEPS = 2000  # float64 steps of a run (--quick too: fewer steps only leave more to replay)
DRAWS = 50  # points are drawn (n at a time) until n hold or 50 n were drawn
EVERY = 50  # steps between the removals of runs that reached the target
REPLAYS = 8  # float64 failures replayed at high precision, at most
PRECISE_STEPS, PRECISE_CAP = 1500, 24000
_COMPARE = {sp.LessThan: np.less_equal, sp.StrictLessThan: np.less,
            sp.GreaterThan: np.greater_equal, sp.StrictGreaterThan: np.greater}
_NOT_CONVERGING = ("diverges", "elsewhere", "cycle")


def _holding(model: Model, P: np.ndarray, relations: list) -> np.ndarray:
    """Which rows of P satisfy every relation, in float64 (a relation numpy cannot compare is
    evaluated by the model at 30 digits, row by row)."""
    zeros, ok = np.zeros((P.shape[0], len(model.vars))), np.ones(P.shape[0], bool)
    for rel in relations:
        if type(rel) in _COMPARE:
            ok &= _COMPARE[type(rel)](model.np_fn(rel.lhs - rel.rhs)(zeros, P), 0)
        else:
            ok &= np.array([model.assumptions_hold({k: mpmath.mpf(repr(float(v))) for k, v in zip(
                model.free_names, row)}) for row in P], bool)
    return ok


def _points(model: Model, ctx: CheckContext, n: int) -> tuple[np.ndarray, int]:
    """(P, dropped): up to n points of the box (the replayed one with ``--at``) where the
    assumptions and the condition hold in float64, as an (m, p) array in ``free_names`` order,
    and how many drawn points did not.  (A float64 failure is replayed only where both hold
    at high precision.)"""
    names = model.free_names
    if ctx.at:
        return np.array([[float(ctx.at[k]) for k in names]]), 0
    lo = np.array([float(model.box.free[k][0]) for k in names])
    hi = np.array([float(model.box.free[k][1]) for k in names])
    condition = model.spec.condition  # none for a rate claim's sweep
    relations = [*([model.expr(condition)] if condition else []), *model.assume]
    rng, kept, drawn = ctx.rng(), [], 0
    while sum(len(k) for k in kept) < n and drawn < DRAWS * n:
        P = rng.uniform(lo, hi, (n, len(names)))
        drawn += n
        kept.append(P[_holding(model, P, relations)])
    P = np.concatenate(kept)[:n]
    return P, drawn - len(P)


def _float_runs(model: Model, P: np.ndarray, steps: int) -> np.ndarray:
    """Whether each run converges (module docstring), float64, all runs as one batch; a run
    leaves the batch once it reached the target (or escaped), checked every
    :data:`EVERY` steps."""
    m, n = P.shape[0], len(model.vars)
    zeros = np.zeros((m, n))
    X = np.stack([model.np_fn(e)(zeros, P) for e in model.start], axis=1)
    step = _gd_step(model, P)
    if model.spec.to_set:
        residual = model.np_fn(model.target_residual)
        dist = lambda X, Pr, Tr: residual(X, Pr)
    else:
        spec = model.spec
        limits = spec.target * n if spec.target_every else spec.target
        T = np.stack([model.np_fn(model.expr(e))(zeros, P) for e in limits], axis=1)
        dist = lambda X, Pr, Tr: np.linalg.norm(X - Tr, axis=1)
    escape = 1e12 * (1 + np.abs(X).max(axis=1, initial=0))
    reached = np.zeros(m, bool)
    # the rows still running, and their parameters, escape bounds and targets (taken anew
    # only when rows leave: every step uses them)
    rows, Pr, bound = np.arange(m), P, escape
    Tr = None if model.spec.to_set else T
    first = steps - steps // 4
    quarter, mid = np.full((steps // 4 + 1, m), np.nan), np.full(m, np.nan)
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            X = step(X, rows).reshape(len(rows), n)
            # escaped or not finite (a NaN or an inf compares False): NaN from here on
            out = ~(np.abs(X).max(axis=1) < bound)
            if out.any():
                X[out] = np.nan
            if k == steps // 2 or k >= first or k % EVERY == 0:
                d = dist(X, Pr, Tr)
                if k == steps // 2:
                    mid[rows] = d
                if k >= first:
                    quarter[k - first, rows] = d
                if k % EVERY == 0 and k < first:  # reached: done; escaped (NaN): failed
                    hit = d <= 1e-9 * (1 + np.abs(X).max(axis=1))
                    reached[rows[hit]] = True
                    keep = ~hit & np.isfinite(d)
                    if not keep.all():
                        rows, X = rows[keep], X[keep]
                        Pr, bound = P[rows], escape[rows]
                        Tr = None if Tr is None else T[rows]
                    if not len(rows):
                        break
        end = quarter[-1]
        reached |= end <= 1e-9 * (1 + np.abs(np.nan_to_num(end)))
        falling = (np.diff(quarter, axis=0) < 0).all(axis=0) & (end <= 0.9 * mid)
        # ... and its decrements, extrapolated, still cover what is left (a run slowing towards
        # another point falls too, but stops short of the target): the larger of a geometric
        # and a power-law tail, as the precise search's classification extrapolates
        falling &= _tail(quarter, steps) >= 0.9 * end
    return reached | falling


NUMERIC_FROM = 16  # coordinates from which a chain steps by its numeric gradient


def _gd_step(model: Model, P: np.ndarray):
    """(X, rows) -> one GD step of the runs ``rows`` (their states X): the GD map compiled for
    numpy, or for a chain of :data:`NUMERIC_FROM` or more coordinates the family's numeric
    gradient (the layers' products, as the rate sweep steps): SymPy's gradient of a 2 x 2
    chain of depth 5 (20 coordinates) took ~1.2 s to build per instance, while on a few
    coordinates the compiled map runs faster than the batched matrix products."""
    from verify.userclaims.rate_sweep import _eta, targets

    table = model.spec.model or {}
    numeric = getattr(model.family, "np_loss_gradient", None)
    fast = (numeric(table, model.family.depth(table, model.state))
            if numeric and len(model.vars) >= NUMERIC_FROM else None)
    if fast is None:
        gd = model.np_matrix(model.gd_map)
        return lambda X, rows: gd(X, P[rows])
    R = targets(model, P)
    eta = np.broadcast_to(_eta(model, sp.Symbol("t", real=True))(0, P), (P.shape[0],))
    return lambda X, rows: X - eta[rows, None] * fast(X, R[rows])[1]


def _tail(quarter: np.ndarray, steps: int) -> np.ndarray:
    """How far each run's distance may still fall, from its decrements over the last quarter
    (rows steps - steps // 4 .. steps): the larger of a geometric tail s q / (1 - q) (q the
    decrement ratio over the last 10 steps) and a power-law tail s T / (alpha - 1) (decrements
    ~ k^-alpha between the quarter's first step and its last); s the last decrement."""
    s, first = quarter[-2] - quarter[-1], quarter[0] - quarter[1]
    q = (s / (quarter[-12] - quarter[-11])) ** 0.1
    geometric = np.where(q < 1, s * q / (1 - q), np.inf)
    alpha = np.log(first / s) / np.log(steps / (steps - steps // 4))
    power = np.where(alpha > 1, s * steps / (alpha - 1), np.inf)
    return np.maximum(geometric, power)


def convergence_sweep(model: Model, orbit_fn, behaviour, point_text) -> Check:
    """The sweep check (module docstring); ``orbit_fn`` and ``behaviour`` are the precise
    search's orbit and classification (:mod:`verify.userclaims.checks`)."""
    spec = model.spec

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        n = max(spec.sweep // 4, 10) if ctx.quick else spec.sweep
        steps = STEPS  # float64 runs are cheap; fewer steps would only leave more to replay
        P, dropped = _points(model, ctx, n)
        if not len(P):
            return Finding(Outcome.UNDECIDED, f"none of the {n} points drawn satisfies the "
                           "assumptions and the condition")
        ok = _float_runs(model, P, steps)
        deadline = Deadline(ctx)
        start = model.mp_point(model.start)
        limits = spec.target * len(model.vars) if spec.target_every else spec.target
        target = model.mp_point([model.expr(e) for e in limits])
        residual = model.mp(model.target_residual) if spec.to_set else None

        def classify(point: dict, dps: int) -> tuple[str, int]:
            with mpmath.workdps(dps):
                args = model.numbers(point)
                dist = (lambda x: residual(*x, *args)) if residual else None
                k, seen = PRECISE_STEPS, "slow"
                while True:
                    orbit = orbit_fn(model, start(args), args, k, dps, deadline)
                    seen = behaviour(orbit, target(args), dps, dist)
                    if seen not in ("slow", "stalls") or k >= PRECISE_CAP:
                        return seen, k
                    k *= 2

        numbers = {"float64 runs": f"{len(P)} ({steps} steps each; {dropped} drawn points "
                                   "outside the assumptions or the condition dropped)",
                   "runs that converged in float64": str(int(ok.sum()))}
        artefacts, open_ = 0, []
        cond = model.expr(spec.condition)
        slack = model.mp(cond.lhs - cond.rhs)
        inside = outside = 0
        for row in np.flatnonzero(~ok):
            if inside == REPLAYS:
                break
            point = dict(zip(model.free_names, (float(v) for v in P[row])))
            args = model.numbers(point)
            if not (model.assumptions_hold(dict(zip(model.free_names, args))) and cond.func(
                    slack(*[0] * len(model.vars), *args), 0)):
                outside += 1  # float64 put it inside; exactly it is not: no claim there
                continue
            inside += 1
            seen, k = classify(point, ctx.dps)
            if seen == "converges":
                artefacts += 1
                continue
            again, _ = classify(point, ctx.dps + 20) if seen in _NOT_CONVERGING else (None, 0)
            if seen in _NOT_CONVERGING and again == seen:
                return Finding(Outcome.REFUTES, (
                    f"at {point_text(point)} the condition holds but GD {seen} (float64 run, "
                    f"replayed at {ctx.dps} and {ctx.dps + 20} digits, {k} steps)"), numbers,
                    Counterexample(at=point_text(point), observed=seen, claimed="converges",
                                   tol="1e-9 (float64), 10^-(dps/2) (replay)",
                                   margin="the condition holds", dps=ctx.dps + 20,
                                   note="a float64 run of the sweep, replayed at high "
                                        "precision from the claimed start",
                                   replay=point_text(point)))
            open_.append(f"{point_text(point)}: {seen}")
        failed = int((~ok).sum())
        unreplayed = failed - inside - outside
        numbers["float64 failures replayed"] = (
            f"{inside} of {failed} ({outside} outside the condition or the assumptions when "
            f"evaluated exactly); {artefacts} converge at {ctx.dps} digits (float64 artefacts)")
        if open_ or unreplayed:
            return Finding(Outcome.UNDECIDED, (
                "float64 runs that do not converge and that the replay cannot decide: "
                + "; ".join(open_) if open_ else
                f"{failed} float64 runs fail, more than the {REPLAYS} replayed"), numbers)
        return Finding(Outcome.SUPPORTS, (
            f"{len(P)} float64 runs from the claimed start converge where the condition holds "
            f"({artefacts} float64 failures converge when replayed at {ctx.dps} digits)"),
            numbers, coverage=model.coverage(Scope.SAMPLE, points=len(P)))

    return Check("convergence_sweep", Tier.EMPIRICAL, run,
                 f"{spec.sweep} batched float64 runs over the box, failures replayed in mpmath")
