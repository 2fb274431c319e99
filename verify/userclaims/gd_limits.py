"""An inequality at the limits GD reaches (``kind = "inequality"``, ``at = "limits"``).

"Whenever GD with this step converges from a random start, its limit satisfies lhs <relation>
rhs": Nar & Sastry (2018), Section 4, the sentences after Theorem 4 ("if the algorithm is able
to converge with a large step size, then the estimate f_hat(x) must have a small magnitude");
the slides' Theorem on deep linear networks ("GD with random initialization has converged to
R_hat. Then rho(R_hat) <= ... almost surely").

The runs are drawn from the file's seed alone (``limits.seed``, :mod:`verify.userclaims.draws`):
every coordinate of the start is the model's ``init`` (0 without one) plus noise from
``limits.start`` (default ``"normal(0, 1)"``), each parameter
from its ``limits.draw`` entry (a distribution, redrawn until it falls in the parameter's
interval, or a list of values taken in turn: run k takes entry k mod its length) or uniformly
from its interval.  ``limits.runs`` runs (a quarter with ``--quick``: the first ones of the same
draws) are advanced ``limits.steps`` GD steps (a quarter with ``--quick``) in float64, all at
once: by the family's own batched GD where it has one (``two_layer_relu`` with fixed biases:
:func:`numerics.relu.gd`; ``deep_linear``: :func:`numerics.deeplinear.gd_final`), else on the
model's gradient compiled for numpy.  A run converged when
its last step moved it by at most 10^-12 (1 + |x|); where the family names kinks (a ReLU unit at
0 at a data point) a limit within 10^-6 of one is left out and counted (the loss is not smooth
there, so neither the Hessian nor Newton's method describes GD near it).

The sides are screened at every converged limit in float64.  The float violations (worst first,
up to :data:`REPLAYS`) and the :data:`CONFIRM` smallest margins below :data:`CLOSE` (relative:
larger ones float64 decides, its rounding is ~10^-12 of the sides) are refined by Newton's method
at ``ctx.dps`` digits from the float limit and kept only where the refined point is a limit
of GD at that step: a critical point (|grad| < 10^-(dps/2)) with a positive semidefinite
Hessian and step * lambda_max < 2, so that GD's linearisation does not repel it (every
eigenvalue of I - step H in (-1, 1] ).  A violation beyond 10^-(dps/2) (relative) at ``ctx.dps``
and ``ctx.dps + 20`` digits refutes, with the run as its replay (``--at run=K`` and the
parameters; the start is the run's draw).  A float violation that no refined limit confirms
leaves the check undecided.  The evidence is a sample (``sampled``): finitely many runs.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from verify.checks.common import dec
from verify.replay import ReplayError
from verify.userclaims.draws import DrawError, distribution, sample, seed
from verify.userclaims.model import Model, ModelError
from verify.userclaims.rate_sweep import loss_gradient
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

AT = "limits"
MAX_RUNS, MAX_STEPS, MAX_VALUES = 4096, 200_000, 64
MOVE_TOL = 1e-12  # a converged run's last step, relative to 1 + |x|
KINK_TOL = 1e-6  # limits this close to a kink are left out
REPLAYS, CONFIRM = 3, 2
CLOSE = 1e-6  # the CONFIRM smallest margins below this (relative) are refined too
NEWTON = 30  # Newton steps at most
_SIGN = {"<=": -1, "<": -1, ">=": 1, ">": 1}


@dataclass(frozen=True)
class Limits:
    """``limits = { runs, steps, seed, start, draw }`` read."""

    runs: int
    steps: int
    seed: int
    start: tuple[str, float, float]
    draw: tuple[tuple[str, object], ...]  # (name, a distribution or a tuple of values)

    def text(self) -> str:
        def one(v):
            return f"{v[0]}({v[1]:g}, {v[2]:g})" if isinstance(v[0], str) else (
                "in turn " + ", ".join(f"{x:g}" for x in v))
        draws = "; ".join(f"{k} {one(v)}" for k, v in self.draw)
        return (f"{self.runs} GD runs of {self.steps} steps (seed {self.seed}), start "
                f"{one(self.start)} per coordinate" + (f"; {draws}" if draws else "")
                + "; other parameters uniform on their intervals")


def _count(value, key: str, top: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= top:
        raise DrawError(key, f"must be an integer 1..{top}, got {str(value)[:60]!r}")
    return value


def read(value, params: dict) -> Limits:
    """The ``limits`` table; ``params`` the claim's parameters (name -> interval or ray)."""
    if not isinstance(value, dict) or not {"runs", "steps"} <= set(value) or set(value) - {
            "runs", "steps", "seed", "start", "draw"}:
        raise DrawError("limits", "write { runs = N, steps = S, seed = K, start = "
                                  "\"normal(0, 1)\", draw = { NAME = \"normal(0, 1)\" or "
                                  "[values] } } (seed, start and draw optional)")
    draws = value.get("draw", {})
    if not isinstance(draws, dict):
        raise DrawError("limits.draw", "must be a table NAME = distribution or [values]")
    out = []
    for name, d in draws.items():
        key = f"limits.draw.{name}"
        if not isinstance(params.get(name), tuple):
            raise DrawError(key, "must name a parameter with an interval")
        lo, hi = (float(v) for v in params[name])
        if isinstance(d, list):
            if not 1 <= len(d) <= MAX_VALUES or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi
                    for v in d):
                raise DrawError(key, f"a list of 1..{MAX_VALUES} numbers inside the interval "
                                     f"[{lo:g}, {hi:g}], got {str(d)[:60]!r}")
            out.append((name, tuple(float(v) for v in d)))
        else:
            out.append((name, distribution(d, key)))
    return Limits(_count(value["runs"], "limits.runs", MAX_RUNS),
                  _count(value["steps"], "limits.steps", MAX_STEPS),
                  seed(value.get("seed", 0), "limits.seed"),
                  distribution(value.get("start", "normal(0, 1)"), "limits.start"), tuple(out))


def draws(model: Model, lim: Limits) -> tuple[np.ndarray, np.ndarray]:
    """(P, X0): every run's free parameters (``free_names`` order) and start (the model's init,
    if it has one, plus the drawn noise), from the seed."""
    rng = np.random.default_rng(lim.seed)
    X0 = sample(lim.start, rng, (lim.runs, len(model.vars)))
    own = dict(lim.draw)
    P = np.empty((lim.runs, len(model.free_names)))
    for j, name in enumerate(model.free_names):
        lo, hi = (float(v) for v in model.box.free[name])
        d = own.get(name)
        if d is None:
            P[:, j] = rng.uniform(lo, hi, lim.runs)
        elif not isinstance(d[0], str):
            P[:, j] = [d[k % len(d)] for k in range(lim.runs)]
        else:
            col = sample(d, rng, lim.runs)
            for _ in range(1000):  # redrawn until inside the interval
                out = (col < lo) | (col > hi)
                if not out.any():
                    break
                col[out] = sample(d, rng, int(out.sum()))
            P[:, j] = np.clip(col, lo, hi)
    return P, _starts(model, lim, P, X0)


def _compiled_gd(model: Model, X0: np.ndarray, P: np.ndarray, steps: int):
    """(X, last move, diverged) after ``steps`` GD steps on the model's gradient (the family's
    numeric one where it has it, a chain's layer products; else the symbolic one compiled);
    runs that stopped moving, bit for bit, leave the batch (every later step is the same)."""
    eta = model.np_fn(model.step)(np.zeros_like(X0), P)
    X, moved = X0.copy(), np.full(len(X0), np.inf)
    dead = np.zeros(len(X0), bool)
    rows = np.arange(len(X0))
    grad = loss_gradient(model, P)
    with np.errstate(all="ignore"):
        for k in range(steps):
            new = X[rows] - eta[rows, None] * grad(X[rows])[1]
            bad = ~np.isfinite(new).all(axis=1) | (np.abs(new).max(axis=1) > 1e8)
            moved[rows] = np.linalg.norm(new - X[rows], axis=1)
            dead[rows[bad]] = True
            X[rows[~bad]] = new[~bad]
            if k % 64 == 63:
                keep = ~dead[rows] & (moved[rows] > 0)
                if not keep.all():
                    rows = rows[keep]
                    if not len(rows):
                        break
                    grad = loss_gradient(model, P[rows])
    return X, moved, dead


def _starts(model: Model, lim: Limits, P: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """The model's init at each run's parameters (0 without one) plus the drawn noise."""
    try:
        init = model.start
    except ModelError:
        return noise
    zeros = np.zeros_like(noise)
    return noise + np.stack([model.np_fn(e)(zeros, P) for e in init], axis=1)


def _gd(model: Model, X0: np.ndarray, P: np.ndarray, steps: int):
    def values(exprs):  # one compiled function for all of them
        fn = model.np_matrix(sp.Matrix(exprs))
        return lambda P: fn(np.zeros((len(P), len(model.vars))), P).reshape(len(P), -1)

    own = getattr(model.family, "batched_gd", None)
    fast = own(model.family_spec, model.state, model.params, values) if own else None
    if fast is not None:
        eta = model.np_fn(model.step)(np.zeros_like(X0), P)
        return fast(X0, P, eta, steps)
    return _compiled_gd(model, X0, P, steps)


_RUNS: dict[tuple, tuple] = {}  # GD's results per (model, draws, runs, steps) in this process


def _runs(model: Model, lim: Limits, steps: int, runs: int, compute):
    """GD's results for the seeded runs: computed once per process for every claim (and part)
    stating the same model, parameters, step, draws and run count (they are a function of
    exactly these): Nar & Sastry's remark after Theorem 4 and its amendment read the same runs
    at different points.  The arrays are shared read-only."""
    spec = model.spec
    key = (repr(spec.model), spec.loss, spec.variables, spec.step, repr(spec.params),
           repr(sorted(model.ints.items())), lim, steps, runs)
    if key not in _RUNS:
        found = compute()
        for a in found:
            a.flags.writeable = False
        _RUNS[key] = found
    return _RUNS[key]


def _margin(relation: str, lhs, rhs):
    return _SIGN[relation] * (lhs - rhs)


def limits_search(model: Model) -> Check:
    """The relation at the limits of seeded GD runs (module docstring)."""
    spec, lim = model.spec, model.spec.limits
    names = model.free_names

    @functools.cache
    def compiled():
        """The sides in float64 and mpmath, the kinks, the step: built on the first run."""
        kinks = getattr(model.family, "kinks", None)
        found = kinks(model.family_spec, model.state, model.params) if kinks else None
        return ([model.quantity_numpy(spec.lhs), model.quantity_numpy(spec.rhs)],
                model.np_matrix(found) if found is not None else None, found)

    @functools.cache
    def precise():
        """The sides and the step in mpmath, the family's Newton (or None): built only when a
        limit is refined."""
        own = getattr(model.family, "precise_limit", None)
        return ([model.quantity(spec.lhs), model.quantity(spec.rhs)], model.mp(model.step),
                own(model.family_spec, model.state, model.params, names) if own else None)

    def refined(x, p, dps: int):
        """(state, step, args, eigenvalues) of the Newton-refined limit at ``dps`` digits, or
        why it is not a limit GD reaches."""
        with mpmath.workdps(dps):
            args = [mpmath.mpf(repr(float(v))) for v in p]
            own = precise()[2]
            x, g, eig, kink = (own or _newton)(list(x), args, dps)
            eta = precise()[1](*x, *args)
            tiny = mpmath.mpf(10) ** (-(dps // 2))
            if g > tiny:
                return "Newton's method did not reach a critical point"
            if eig[0] < -tiny * (1 + abs(eig[-1])):
                return "the refined point is not a minimum (Hessian not PSD)"
            if not eta * eig[-1] < 2:
                return "GD's linearisation repels the refined point (step * lambda_max >= 2)"
            if kink <= tiny:
                return "the refined point lies on a kink"
            return x, eta, args, eig

    def _newton(x, args, dps: int):
        """Damped Newton on the model's symbolic gradient and Hessian (no closed form)."""
        x = mpmath.matrix([mpmath.mpf(repr(float(v))) for v in x])
        mu = mpmath.mpf(10) ** (-(dps // 2))
        for _ in range(NEWTON):
            g = mpmath.matrix(model.mp_grad(*x, *args))
            if mpmath.norm(g) < mpmath.mpf(10) ** (-dps + 5):
                break
            H = mpmath.matrix(model.mp_hessian(*x, *args))
            x = x - mpmath.lu_solve(H + mu * mpmath.eye(len(x)), g)
        g = mpmath.norm(mpmath.matrix(model.mp_grad(*x, *args)))
        eig = sorted(mpmath.eigsy(mpmath.matrix(model.mp_hessian(*x, *args)))[0])
        found = compiled()[2]  # the kinks (None: the loss is smooth)
        margin = (min(abs(v) for v in _flat(model.mp(found)(*x, *args))) if found is not None
                  else mpmath.inf)
        return list(x), g, eig, margin

    def sides(x, args, dps: int):
        with mpmath.workdps(dps):
            lhs, rhs = (f(x, args) for f in precise()[0])
            return lhs, rhs, _margin(spec.relation, lhs, rhs)

    def run(ctx: CheckContext) -> Finding:
        P, X0 = draws(model, lim)
        runs = max(lim.runs // 4, 1) if ctx.quick else lim.runs
        steps = max(lim.steps // 4, 1) if ctx.quick else lim.steps
        index = np.arange(runs)
        if ctx.at:
            raw = str(ctx.at["run"]).strip()
            if not raw.isdigit() or int(raw) >= lim.runs:
                raise ReplayError(f"--at: run={raw} is not one of 0..{lim.runs - 1}")
            index = np.array([int(raw)])
            for j, name in enumerate(names):
                if name in ctx.at:
                    P[index[0], j] = float(ctx.at[name])
            steps = lim.steps
        P, X0 = P[index], X0[index]
        X, moved, dead = (_gd(model, X0, P, steps) if ctx.at else
                          _runs(model, lim, steps, runs, lambda: _gd(model, X0, P, steps)))
        sides_np, kinks_np, _ = compiled()
        conv = ~dead & (moved <= MOVE_TOL * (1 + np.abs(X).max(axis=1)))
        numbers = {"runs": f"{len(index)} of {lim.text()}",
                   "steps": str(steps), "diverged": str(int(dead.sum())),
                   "converged": str(int(conv.sum()))}
        if kinks_np is not None and conv.any():
            near = np.abs(kinks_np(X, P).reshape(len(X), -1)).min(axis=1) < KINK_TOL
            numbers["converged within 1e-6 of a kink (left out)"] = str(int((conv & near).sum()))
            conv &= ~near
        rows = np.flatnonzero(conv)
        if not len(rows):
            return Finding(Outcome.UNDECIDED, "no run converged to a smooth point", numbers)
        with np.errstate(all="ignore"):
            lhs, rhs = (f(X[rows], P[rows]) for f in sides_np)
            rel = _margin(spec.relation, lhs, rhs) / (1 + np.abs(lhs) + np.abs(rhs))
        rel = np.where(np.isfinite(rel), rel, -np.inf)
        order = np.argsort(rel)
        numbers["smallest relative margin (float64)"] = f"{rel[order[0]]:.6g}"
        bad = [i for i in order if rel[i] < -1e-9][:REPLAYS]
        # margins float64 decides (rounding is ~1e-12 of the sides) are not refined
        close = [i for i in order[:CONFIRM] if rel[i] < CLOSE]
        tol = mpmath.mpf(10) ** (-(ctx.dps // 2))
        open_ = []
        for i in list(dict.fromkeys(bad + close)):
            k = rows[i]
            found = refined(X[k], P[k], ctx.dps)
            if isinstance(found, str):
                if i in bad:
                    open_.append(f"run {index[k]}: {found}")
                continue
            x, eta, args, eig = found
            lo_v, hi_v, m = sides(x, args, ctx.dps)
            size = 1 + abs(lo_v) + abs(hi_v)
            if m < -tol * size and sides(x, args, ctx.dps + 20)[2] < -tol * size:
                at = {"run": str(index[k]), **{n: repr(float(v)) for n, v in zip(names, P[k])}}
                return Finding(Outcome.REFUTES, (
                    f"run {index[k]} converges (float64) to a limit that Newton's method "
                    f"refines at {ctx.dps} digits to a minimum GD does not repel (step * "
                    f"lambda_max = {dec(eta * eig[-1], 8)} < 2), where lhs = {dec(lo_v, 12)} "
                    f"and rhs = {dec(hi_v, 12)}: lhs {spec.relation} rhs fails"), numbers,
                    Counterexample(
                        at={**at, "start": str([float(v) for v in X0[k]]),
                            "limit": str([float(v) for v in x])},
                        observed=f"lhs = {dec(lo_v, 25)}",
                        claimed=f"{spec.relation} rhs = {dec(hi_v, 25)}", tol=dec(tol, 3),
                        margin=dec(m, 25), dps=ctx.dps, replay=at,
                        note=(f"the run's parameters and start are drawn from the file's seed "
                              f"{lim.seed} (run {index[k]}); the limit is a critical point "
                              f"(|grad| < 1e-{ctx.dps // 2}) with a PSD Hessian")))
        numbers[f"refined and re-evaluated at {ctx.dps} digits"] = str(
            len(set(bad + close)))
        if bad:
            return Finding(Outcome.UNDECIDED, (
                f"{int((rel < -1e-9).sum())} converged float64 runs violate the relation, but "
                "no refined limit confirmed one: " + "; ".join(open_[:2])), numbers)
        return Finding(Outcome.SUPPORTS, (
            f"lhs {spec.relation} rhs at the limits of all {len(rows)} runs that converged "
            f"(of {len(index)}); relative margins below {CLOSE:g} "
            f"refined by Newton and re-evaluated at {ctx.dps} digits"), numbers,
            coverage=model.coverage(Scope.SAMPLE, points=len(rows)))

    return Check("limits_search", Tier.EMPIRICAL, run,
                 "seeded float64 GD runs; violations refined by Newton and re-evaluated in "
                 "mpmath")


def _flat(value) -> list:
    return [v for row in value for v in (row if isinstance(row, list) else [row])]
