"""The convergence kind checked by a batched float64 sweep (``sweep = N``).

"From the start, GD converges to the target whenever the condition holds", checked by N runs at
once instead of the precise search: points drawn uniformly from the box (seeded; the assumptions
and the condition must hold there: points are drawn until N do or 50 N were drawn, the others
are dropped and counted), every run advanced by the
model's GD map compiled for numpy, :data:`STEPS` steps (a quarter with ``--quick``, and N / 4
runs).  A run converges when its distance to the target (for ``target = "minimisers"``: the
model's residual, zero exactly on the set) ends below 10^-9 (1 + |x|), or still falls at every
step of its last quarter and by 10% since its middle (a slow but converging run).  Every other
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

STEPS = 4000  # float64 steps of a run (a quarter with --quick)
DRAWS = 50  # points are drawn (n at a time) until n hold or 50 n were drawn
REPLAYS = 8  # float64 failures replayed at high precision, at most
PRECISE_STEPS, PRECISE_CAP = 1500, 24000
_COMPARE = {sp.LessThan: np.less_equal, sp.StrictLessThan: np.less,
            sp.GreaterThan: np.greater_equal, sp.StrictGreaterThan: np.greater}
_NOT_CONVERGING = ("diverges", "elsewhere", "cycle")


def _points(model: Model, ctx: CheckContext, n: int) -> tuple[np.ndarray, int]:
    """(P, dropped): up to n points of the box (the replayed one with ``--at``) where the
    assumptions and the condition hold, as an (m, p) array in ``free_names`` order, and how
    many drawn points did not."""
    names = model.free_names
    if ctx.at:
        return np.array([[float(ctx.at[k]) for k in names]]), 0
    lo = np.array([float(model.box.free[k][0]) for k in names])
    hi = np.array([float(model.box.free[k][1]) for k in names])
    cond = model.expr(model.spec.condition)
    slack = model.np_fn(cond.lhs - cond.rhs)
    rng, kept, drawn = ctx.rng(), [], 0
    while sum(len(k) for k in kept) < n and drawn < DRAWS * n:
        P = rng.uniform(lo, hi, (n, len(names)))
        drawn += n
        P = P[_COMPARE[type(cond)](slack(np.zeros((n, len(model.vars))), P), 0)]
        kept.append(P[[model.assumptions_hold({k: mpmath.mpf(repr(float(v))) for k, v in zip(
            names, row)}) for row in P]] if model.spec.assume else P)
    P = np.concatenate(kept)[:n]
    return P, drawn - len(P)


def _float_runs(model: Model, P: np.ndarray, steps: int) -> np.ndarray:
    """Whether each run converges (module docstring), float64, all runs as one batch."""
    m, n = P.shape[0], len(model.vars)
    zeros = np.zeros((m, n))
    X = np.stack([model.np_fn(e)(zeros, P) for e in model.start], axis=1)
    step = model.np_matrix(model.gd_map)
    if model.spec.to_set:
        residual = model.np_fn(model.residual)
        dist = lambda X: residual(X, P)
    else:
        spec = model.spec
        limits = spec.target * n if spec.target_every else spec.target
        T = np.stack([model.np_fn(model.expr(e))(zeros, P) for e in limits], axis=1)
        dist = lambda X: np.linalg.norm(X - T, axis=1)
    escape = 1e12 * (1 + np.abs(X).max(axis=1, initial=0))
    quarter = np.empty((steps // 4 + 1, m))
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            X = step(X, P).reshape(m, n)
            X[~(np.isfinite(X).all(axis=1) & (np.abs(X).max(axis=1) < escape))] = np.nan
            if k == steps // 2:
                mid = dist(X)
            if k >= steps - steps // 4:
                quarter[k - (steps - steps // 4)] = dist(X)
        end = quarter[-1]
        reached = end <= 1e-9 * (1 + np.abs(X).max(axis=1))
        falling = (np.diff(quarter, axis=0) < 0).all(axis=0) & (end <= 0.9 * mid)
    return reached | falling


def convergence_sweep(model: Model, orbit_fn, behaviour, point_text) -> Check:
    """The sweep check (module docstring); ``orbit_fn`` and ``behaviour`` are the precise
    search's orbit and classification (:mod:`verify.userclaims.checks`)."""
    spec = model.spec

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        n = max(spec.sweep // 4, 10) if ctx.quick else spec.sweep
        steps = STEPS // 4 if ctx.quick else STEPS
        P, dropped = _points(model, ctx, n)
        if not len(P):
            return Finding(Outcome.UNDECIDED, f"none of the {n} points drawn satisfies the "
                           "assumptions and the condition")
        ok = _float_runs(model, P, steps)
        deadline = Deadline(ctx)
        start = model.mp_point(model.start)
        limits = spec.target * len(model.vars) if spec.target_every else spec.target
        target = model.mp_point([model.expr(e) for e in limits])
        residual = model.mp(model.residual) if spec.to_set else None

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
        for row in np.flatnonzero(~ok)[:REPLAYS]:
            point = dict(zip(model.free_names, (float(v) for v in P[row])))
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
        numbers["float64 failures replayed"] = (
            f"{min(int((~ok).sum()), REPLAYS)} of {int((~ok).sum())}; {artefacts} converge at "
            f"{ctx.dps} digits (float64 artefacts)")
        if open_ or (~ok).sum() > REPLAYS:
            return Finding(Outcome.UNDECIDED, (
                "float64 runs that do not converge and that the replay cannot decide: "
                + "; ".join(open_) if open_ else
                f"{int((~ok).sum())} float64 runs fail, more than the {REPLAYS} replayed"),
                numbers)
        return Finding(Outcome.SUPPORTS, (
            f"{len(P)} float64 runs from the claimed start converge where the condition holds "
            f"({artefacts} float64 failures converge when replayed at {ctx.dps} digits)"),
            numbers, coverage=model.coverage(Scope.SAMPLE, points=len(P)))

    return Check("convergence_sweep", Tier.EMPIRICAL, run,
                 f"{spec.sweep} batched float64 runs over the box, failures replayed in mpmath")
