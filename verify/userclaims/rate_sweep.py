"""The rate kind's bound checked by a batched float64 sweep (``sweep = N``).

"metric(x_t) <= bound(t) for every t <= steps" from the claimed start, checked by N runs at once
instead of the precise search: points drawn uniformly from the box where the assumptions hold
(:func:`verify.userclaims.sweep._points`), each advanced ``steps`` steps of GD
x_(t+1) = x_t - eta_t grad f(x_t) (the model's gradient compiled for numpy; eta_t the constant
step or the schedule), the metric compared with the bound at every t in float64.  A run whose
relative slack (bound - metric)/(1 + |bound|) falls below -10^-9 at some t, or whose metric or
bound stops being finite, is replayed from its point by the precise rate check
(:func:`verify.userclaims.checks.rate_refutation`: the path in mpmath at the run's digits and 20
more, which must agree): it refutes with that point as its replay line; a replay without a
violation counts as a float64 artefact; one that escapes or is not real leaves the check
undecided.  At most :data:`REPLAYS` runs are replayed (more failures: undecided).  Coverage: the
runs (``sampled``); N / 4 runs with ``--quick``.

Made for long paths of models with many coordinates, where the precise search would spend its
budget on a handful of points: Wu, Wang & Ma (2019), Theorem 4.3 (gradient descent from the
zero-asymmetric start at the printed step size, ``verify/papers/wu2019zas_rates.toml``).
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from proofs.compile import compiled_once
from proofs.expressions import parse
from verify.checks.common import decs
from verify.userclaims import near
from verify.userclaims.budget import Deadline, budgeted
from verify.userclaims.flow import GROUP as FLOW_GROUP
from verify.userclaims.flow import INTEGRATOR as FLOW_INTEGRATOR
from verify.userclaims.flow import float_path
from verify.userclaims.model import Model
from verify.userclaims.sweep import _points
from verify.vocabulary import Check, CheckContext, Figure, Finding, Outcome, Scope, Series, Tier

REPLAYS = 4
TRACED = 3  # runs drawn against the bound (figure = true)
GUARD = 1e-9  # float64 relative slack below which a run is replayed


def starts(model: Model, P: np.ndarray) -> np.ndarray:
    """The claimed start of every run (rows), float64."""
    m, n = P.shape[0], len(model.vars)
    return model.np_matrix(sp.Matrix(model.start))(np.zeros((m, n)), P).reshape(m, n)


def targets(model: Model, P: np.ndarray) -> np.ndarray:
    """A chain model's target R at every run, (m, rows, cols) float64."""
    target = model.family.target_matrix(model.spec.model, model.params)
    zeros = np.zeros((P.shape[0], len(model.vars)))
    column = sp.Matrix(target).reshape(target.rows * target.cols, 1)
    return model.np_matrix(column)(zeros, P).reshape(-1, target.rows, target.cols)


def _float_slacks(model: Model, P: np.ndarray, X: np.ndarray,
                  trace: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(worst relative slack, its t) of every run from its start (rows of ``X``), float64;
    NaN where a value stopped being finite before any violation.  ``trace`` (a list) receives
    (metric, bound) of the first :data:`TRACED` runs at every t."""
    spec, m = model.spec, P.shape[0]
    t, m0 = sp.Symbol("t", real=True), sp.Symbol("metric0")
    loss_grad = loss_gradient(model, P)
    # the metric "loss" is the family's own loss: no symbolic expression compiled
    metric = None if spec.metric.strip() == "loss" else model.np_fn(model.expr(spec.metric))
    bound = _parameter_function(model, spec.bound, {"t": t, "metric0": m0})
    h = _flow_step(model)
    worst, at = np.full(m, np.inf), np.zeros(m, int)
    with np.errstate(all="ignore"):
        for k, (state, loss) in enumerate(_path(model, loss_grad, X, P, h)):
            value = loss if metric is None else metric(state, P)
            if k == 0:
                base = value
            b = np.broadcast_to(bound(k * (h or 1), base, P=P), (m,))
            if trace is not None:
                trace.append((value[:TRACED], b[:TRACED]))
            slack = (b - value) / (1 + np.abs(b))
            slack = np.where(np.isfinite(slack), slack, np.where(worst < -GUARD, worst, np.nan))
            lower = ~(slack >= worst)  # NaN (not finite) sticks
            worst, at = np.where(lower, slack, worst), np.where(lower, k, at)
    return worst, at


def _flow_step(model: Model) -> float | None:
    """The time between checked instants of a gradient flow (its step, one number); None for
    GD."""
    return float(model.box.pinned[model.spec.step]) if model.method == "flow" else None


def _path(model: Model, loss_grad, X: np.ndarray, P: np.ndarray, h: float | None):
    """(state, loss) of every run at t = 0..steps: GD's iterates, or the gradient flow's states
    every h time units (:func:`verify.userclaims.flow.float_path`)."""
    steps = model.spec.steps
    if h is not None:  # the runs integrated FLOW_GROUP at a time
        groups = [slice(a, a + FLOW_GROUP) for a in range(0, len(P), FLOW_GROUP)]
        states = np.concatenate([float_path(loss_gradient(model, P[g]), X[g], h, steps)
                                 for g in groups], axis=1)
        for Y in states:
            yield Y, loss_grad(Y)[0]
        return
    eta = _eta(model, sp.Symbol("t", real=True))
    for k in range(steps + 1):
        loss, grad = loss_grad(X)
        yield X, loss
        if k < steps:
            X = X - np.broadcast_to(eta(k, P), (P.shape[0],))[:, None] * grad


def loss_gradient(model: Model, P: np.ndarray):
    """X -> (loss, gradient) at each run ((m,), (m, n)): the family's numeric ones where it has
    them (a chain: products of the layers, Section 2 of Wu et al.), else the symbolic ones
    compiled for numpy."""
    table = model.spec.model or {}
    numeric = getattr(model.family, "np_loss_gradient", None)
    fast = numeric(table, model.family.depth(table, model.state)) if numeric else None
    if fast is None:
        loss, grad = model.np_fn(model.loss), model.np_matrix(model.gradient)
        return lambda X: (loss(X, P), grad(X, P).reshape(X.shape))
    R = targets(model, P)
    return lambda X: fast(X, R)


def _eta(model: Model, t: sp.Symbol):
    """eta_t for each parameter point: (t, P) -> (m,) (the schedule, or the constant step)."""
    f = _parameter_function(model, model.spec.schedule or model.spec.step, {"t": t})
    return lambda k, P: np.asarray(f(k, P=P), dtype=float)


def _parameter_function(model: Model, text: str, extra: dict[str, sp.Symbol]):
    """``text`` (in the parameters and ``extra``; validated by the parser) for numpy, called as
    f(*extra values, P=P): compiled once for every instance of the claim, the pinned values
    (an instance's depth among them) passed as numbers rather than substituted (SymPy
    re-evaluates every Max and Min on substitution)."""
    e = parse(text, {**model.params, **extra})
    pinned = sorted(model.box.pinned)
    args = [*extra.values(), *(model.params[k] for k in model.free_names),
            *(model.params[k] for k in pinned)]
    f = compiled_once((e, tuple(args), "numpy"), lambda: sp.lambdify(args, e, modules="numpy"))
    values = [float(model.box.pinned[k]) for k in pinned]
    return lambda *a, P: f(*a, *P.T, *values)


def _figure(model: Model, h: float | None, trace: list) -> tuple[Figure, ...]:
    """``figure = true``: the metric of the sweep's first runs against their bounds (log)."""
    t = decs((h or 1) * np.arange(len(trace)))
    values, bounds = (np.array([row[i] for row in trace]) for i in (0, 1))
    series = []
    for r in range(values.shape[1]):
        series += [Series(f"{model.spec.metric}, run {r}", t, decs(np.maximum(values[:, r],
                                                                               1e-300))),
                   Series(f"bound, run {r}", t, decs(np.maximum(bounds[:, r], 1e-300)))]
    where = "".join(f"_{k}{v}" for k, v in sorted(model.ints.items()))
    path = f"the gradient flow ({FLOW_INTEGRATOR})" if h else "the GD path"
    return (Figure(f"rate{where}", "the metric against the claimed bound"
                   + "".join(f", {k} = {v}" for k, v in sorted(model.ints.items())),
                   f"{model.spec.metric} along {path} and the bound, the sweep's first runs",
                   "t", model.spec.metric, tuple(series), yscale="log"),)


def rate_sweep(model: Model, refutation, point_text) -> Check:
    """The sweep check (module docstring); ``refutation(model, point, ctx, deadline)`` is the
    precise rate check's re-evaluation of one point."""
    spec = model.spec

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        deadline = Deadline(ctx)
        if ctx.at:  # a replay: the precise check at that point alone
            point = {k: float(ctx.at[k]) for k in model.free_names}
            if spec.near:
                point["run"] = int(ctx.at["run"])
            found = refutation(model, point, ctx, deadline)
            if found is not None:
                return found
            return Finding(Outcome.SUPPORTS, f"no violation at {point_text(point)} (replayed "
                           f"at {ctx.dps} digits)", {},
                           coverage=model.coverage(Scope.SAMPLE, points=1))
        n = min(spec.sweep, max(spec.sweep // 4, 10)) if ctx.quick else spec.sweep
        P, dropped = _points(model, ctx, n)
        if not len(P):
            return Finding(Outcome.UNDECIDED, f"none of the {n} points drawn satisfies the "
                           "assumptions")
        X, runs, near_numbers = starts(model, P), list(range(len(P))), {}
        if spec.near:  # perturbed starts meeting the relations (verify.userclaims.near)
            X, runs, sizes = near.starts(model, X, targets(model, P), ctx.seed)
            near_numbers = {"near starts": (
                f"{len(runs)} of {len(P)} runs (sigma {spec.near[0]} halved until the "
                f"relations hold: s in [{min(sizes, default=0):.2e}, "
                f"{max(sizes, default=0):.2e}])")}
            P = P[runs]
            if not len(P):
                return Finding(Outcome.UNDECIDED, "no perturbed start meets the relations",
                               near_numbers)
        h, trace = _flow_step(model), []
        worst, at = _float_slacks(model, P, X, trace if spec.figure else None)
        failed = np.flatnonzero(~(worst >= -GUARD))
        span = (f"gradient flow to t = {spec.steps * h:g}, checked every {h:g}" if h else
                f"{spec.steps} steps each")
        numbers = {"float64 runs": f"{len(P)} ({span}; {dropped} drawn points "
                                   "outside the assumptions dropped)",
                   **({"integrator (float64)": FLOW_INTEGRATOR} if h else {}),
                   "smallest relative slack (float64)": f"{np.nanmin(worst):.3e}"
                   if np.isfinite(worst).any() else "n/a",
                   "float64 runs below the bound by more than 1e-9 or not finite":
                       str(len(failed)), **near_numbers}
        artefacts, open_ = 0, []
        for row in failed[:REPLAYS]:
            point = dict(zip(model.free_names, (float(v) for v in P[row])))
            if spec.near:
                point["run"] = runs[row]
            found = refutation(model, point, ctx, deadline)
            if found is None:
                artefacts += 1
            elif found.outcome is Outcome.REFUTES:
                return Finding(Outcome.REFUTES, f"{found.detail} (a float64 run of the sweep at "
                               f"t = {at[row] * (h or 1):g}, replayed at high precision)",
                               {**numbers, **found.numbers}, found.counterexample)
            else:
                open_.append(found.detail)
        numbers["float64 failures replayed"] = (f"{min(len(failed), REPLAYS)} of {len(failed)}; "
                                                f"{artefacts} hold at {ctx.dps} digits")
        if open_ or len(failed) > REPLAYS:
            return Finding(Outcome.UNDECIDED, "; ".join(open_) if open_ else (
                f"{len(failed)} float64 runs fail, more than the {REPLAYS} replayed"), numbers)
        return Finding(Outcome.SUPPORTS, (
            f"{len(P)} float64 runs from the claimed start stay below the bound for t <= "
            f"{spec.steps * (h or 1):g} ({artefacts} float64 failures hold when replayed)"),
            numbers, figures=_figure(model, h, trace) if spec.figure else (),
            coverage=model.coverage(Scope.SAMPLE, points=len(P)))

    if model.method == "flow":
        return Check("rate_sweep", Tier.EMPIRICAL, run, f"{spec.sweep} gradient flows over the "
                     f"box ({FLOW_INTEGRATOR}), failures replayed with mpmath.odefun")
    return Check("rate_sweep", Tier.EMPIRICAL, run,
                 f"{spec.sweep} batched float64 runs over the box, failures replayed in mpmath")
