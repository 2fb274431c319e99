"""An inequality at the strict minima of every problem whose data vary in a box
(``kind = "inequality"``, ``at = "minima"``).

"At every strict minimum of every such problem, lhs <relation> rhs": Nar & Sastry (2018),
Section 4 and Appendix D (Theorem 4's proof bounds lambda_max(H) below by 2 max_i ||x_i||
||f_hat(x_i)|| at a minimum of any data set).  The model's data are not fixed: in the model
table ``x = { vary = [lo, hi], shape = [N, n] }`` and ``bias = { vary = [lo, hi], shape = [m] }``
(every entry anywhere in the interval) and ``y = { vary = "any", shape = [N, p] }`` (every label)
or ``{ vary = "fitted", ... }`` (labels the network fits exactly: interpolating minima).

The search walks the family's parametrisation of its critical points
(:func:`numerics.relu.critical_from_residual`): inputs, biases, weights and a residual e in the
null space of J^T, with labels y = f_hat - e, so every point it visits is a critical point by
construction, and every critical point of every problem is one it can reach.  Nelder-Mead
(SciPy) minimises the relative margin sign * (lhs - rhs) / (|lhs| + |rhs|) from ``starts``
random starts (weights and residual standard normal, data normal clipped to their intervals)
for ``evaluations`` evaluations each, with penalties that keep it on strict minima off the kinks
(lambda_min >= :data:`STRICT` lambda_max, every unit :data:`KINK` from its kink at every
point) and inside the data's intervals; only penalty-free points are kept.  With fitted labels
the loss is 0 there, so every such point is a (global) minimum: a PSD Hessian suffices (an
interpolating minimum with fewer label entries than weights is never strict).  Everything is drawn
from the file's ``minima.seed`` alone, so two claims stating the same search share it
(``Check.share``: one computation per process).  ``--quick`` runs a third of the starts and
3/8 of the evaluations.

The smallest margin found is refined by Newton's method at ``ctx.dps`` digits
(:func:`numerics.relu.precise_state`) and counts only where the refined point is a strict
minimum (|grad| < 10^-(dps/2), lambda_min > 0, no unit at its kink; fitted labels: loss <
10^-(dps/2) and a PSD Hessian instead of lambda_min > 0); a violation beyond
10^-(dps/2) (relative) there and at ``ctx.dps + 20`` digits refutes, with the replay ``--at
x=[[...]],y=[[...]],bias=[[...]],a=[[...]],w=[[...]]`` (that point alone, no search).  A float
violation no refined point confirms is undecided.  Sampled, never proven: the smallest margin
found is an upper bound on the true one.

Sides name ``sharpness``, ``lambda_min``, ``loss``, ``grad_norm`` (at the minimum), ``x_norm_K``
and ``out_norm_K`` (||x_K|| and ||f_hat(x_K)|| at data point K = 0..N-1) and the state's names.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from verify.checks.common import dec
from verify.replay import ReplayError, parse_matrix
from verify.userclaims.draws import MAX_ENTRIES, DrawError, seed
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

AT = "minima"
STRICT = 1e-3  # a kept point has lambda_min >= STRICT * lambda_max
KINK = 1e-2  # ... and every unit at least this far from its kink at every data point
MAX_STARTS, MAX_EVALUATIONS, MAX_DATA = 32, 20_000, 1e3
LABELS = ("any", "fitted")
QUANTITIES = ("sharpness", "lambda_min", "loss", "grad_norm")
_SIGN = {"<=": -1, "<": -1, ">=": 1, ">": 1}
TRIES = 2000  # random draws for feasible starts (the penalty walls are flat)


@dataclass(frozen=True)
class Minima:
    """``minima = { seed, starts, evaluations }`` read."""

    seed: int
    starts: int
    evaluations: int
    key: str = ""  # the search's share key (:func:`search_key`)

    def text(self) -> str:
        return (f"Nelder-Mead from {self.starts} seeded starts (seed {self.seed}), "
                f"{self.evaluations} evaluations each")


def is_vary(value) -> bool:
    return isinstance(value, dict) and "vary" in value


def _vary(value: dict, key: str):
    """(interval or label mode, shape) of ``{ vary, shape }``."""
    if set(value) != {"vary", "shape"}:
        raise DrawError(key, "write { vary = [lo, hi] (or \"any\" / \"fitted\" for y), "
                             f"shape = [rows, cols] }} (keys vary, shape), got {sorted(value)}")
    shape = value["shape"]
    if not isinstance(shape, list) or not 1 <= len(shape) <= 2 or not all(
            isinstance(s, int) and not isinstance(s, bool) and 1 <= s <= MAX_ENTRIES
            for s in shape) or int(np.prod(shape)) > MAX_ENTRIES:
        raise DrawError(f"{key}.shape", f"must be [n] or [rows, cols] with at most "
                                        f"{MAX_ENTRIES} entries, got {str(shape)[:60]!r}")
    mode = value["vary"]
    if isinstance(mode, str):
        if mode not in LABELS:
            raise DrawError(f"{key}.vary", f"must be [lo, hi] or one of \"any\", \"fitted\" "
                                           f"(labels), got {mode[:60]!r}")
        return mode, shape
    if not (isinstance(mode, list) and len(mode) == 2 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and np.isfinite(v)
            and abs(v) <= MAX_DATA for v in mode) and mode[0] < mode[1]):
        raise DrawError(f"{key}.vary", f"must be [lo, hi], finite numbers with lo < hi and "
                                       f"|lo|, |hi| <= {MAX_DATA:g}, got {str(mode)[:60]!r}")
    return (float(mode[0]), float(mode[1])), shape


def placeholder(value: dict, key: str) -> list:
    """Zeros of the varied datum's shape (the family reads a model of the right size)."""
    _, shape = _vary(value, key)
    return [["0"] * shape[1] for _ in range(shape[0])] if len(shape) == 2 else ["0"] * shape[0]


def search_key(table: dict) -> str | None:
    """The key of the search a claim (or part) table states, from its text alone: two tables
    with the same model, sides and ``minima`` state one search (``Check.share``), and a pool
    can tell so without building the claim (:func:`verify.lazyclaims.lazy_claims`)."""
    if table.get("kind") != "inequality" or table.get("at") != AT:
        return None
    text = json.dumps([table.get(k) for k in ("model", "lhs", "relation", "rhs", "minima")],
                      sort_keys=True, default=repr)
    return "minima:" + hashlib.sha256(text.encode()).hexdigest()[:16]


def table_keys(table: dict) -> frozenset[str]:
    """The searches a claim table states (its parts' included), by :func:`search_key`."""
    from verify.userclaims.parse import SHARED_KEYS, merged_part

    parts = table.get("part")
    if not isinstance(parts, list):
        return frozenset(k for k in (search_key(table),) if k)
    shared = {k: table[k] for k in SHARED_KEYS if k in table}
    found = (search_key(merged_part(shared, p)) for p in parts if isinstance(p, dict))
    return frozenset(k for k in found if k)


def read(value, share: str | None = None) -> Minima:
    if not isinstance(value, dict) or set(value) - {"seed", "starts", "evaluations"} or not {
            "starts", "evaluations"} <= set(value):
        raise DrawError("minima", "write { starts = K, evaluations = E, seed = S } (seed "
                                  "optional)")
    out = []
    for key, top in (("starts", MAX_STARTS), ("evaluations", MAX_EVALUATIONS)):
        v = value[key]
        if isinstance(v, bool) or not isinstance(v, int) or not 1 <= v <= top:
            raise DrawError(f"minima.{key}", f"must be an integer 1..{top}, got "
                                             f"{str(v)[:60]!r}")
        out.append(v)
    return Minima(seed(value.get("seed", 0), "minima.seed"), *out, key=share or "")


@dataclass(frozen=True)
class Problem:
    """The shapes of the varied problem: N points in R^n, p outputs, m units."""

    N: int
    n: int
    p: int
    m: int
    x: tuple[float, float]
    bias: tuple[float, float]
    labels: str

    @property
    def weights(self) -> int:
        return self.p * self.m + self.m * self.n

    @property
    def residual(self) -> int:
        return 0 if self.labels == "fitted" else self.N * self.p - self.weights


def problem(model_spec: dict | None) -> Problem:
    """The varied problem of a model table, or DrawError naming the key at fault."""
    if model_spec is None or model_spec.get("family") != "two_layer_relu":
        raise DrawError("at", "at = \"minima\" varies a two_layer_relu model's data (the family "
                              "parametrises its critical points); give such a model table")
    vary = model_spec.get("vary", {})
    for key in ("x", "y", "bias"):
        if key not in vary:
            raise DrawError(f"model.{key}", "at = \"minima\" varies the data: write it "
                                            "{ vary = ..., shape = [...] }")
    (xr, xs), (yr, ys), (br, bs) = (_vary(vary[k], f"model.{k}") for k in ("x", "y", "bias"))
    for key, mode in (("x", xr), ("bias", br)):
        if isinstance(mode, str):
            raise DrawError(f"model.{key}.vary", "must be an interval [lo, hi] (\"any\" and "
                                                 "\"fitted\" are for y)")
    if not isinstance(yr, str):
        raise DrawError("model.y.vary", "must be \"any\" (every label: every critical point) "
                                        "or \"fitted\" (labels fitted exactly)")
    m = model_spec["width"]
    if not isinstance(m, int) or bs != [m]:
        raise DrawError("model.bias.shape", f"must be [width] with a literal width, got {bs}")
    out = Problem(xs[0], xs[1] if len(xs) == 2 else 1, ys[1] if len(ys) == 2 else 1, m, xr,
                  br, yr)
    if out.labels == "any" and out.residual < 1:
        raise DrawError("model.y.vary", f"\"any\" needs more label entries (N p = "
                                        f"{out.N * out.p}) than weights ({out.weights}): "
                                        "else every critical point fits the data")
    return out


def names(prob: Problem, state) -> dict[str, sp.Basic]:
    """What the sides may name: the quantities, x_norm_K, out_norm_K and the state's names."""
    qs = list(QUANTITIES) + [f"{q}_{k}" for q in ("x_norm", "out_norm") for k in range(prob.N)]
    return {**{q: sp.Symbol(q, real=True) for q in qs}, **state.names}


def minima_search(model) -> Check:
    """The relation at the strict minima the search reaches (module docstring)."""
    from numerics import relu

    spec = model.spec
    prob = problem(spec.model)
    N, n, p, m = prob.N, prob.n, prob.p, prob.m
    sign = _SIGN[spec.relation]
    strict = prob.labels == "any"  # fitted labels: loss 0, a global minimum, strict or not
    needs_grad = "grad_norm" in f"{spec.lhs} {spec.rhs}"  # |J^T e| only where a side names it

    @functools.cache
    def sides():
        table = {k: v for k, v in names(prob, model.state).items()
                 if k not in model.state.names}
        args = [table[q] for q in QUANTITIES] + [table[f"x_norm_{k}"] for k in range(N)] + [
            table[f"out_norm_{k}"] for k in range(N)] + list(model.vars)
        exprs = [model.expr(spec.lhs, table), model.expr(spec.rhs, table)]
        return sp.lambdify(args, exprs, "math"), sp.lambdify(args, exprs, "mpmath")

    def unpack(v):
        i = 0
        W = v[i:i + p * m].reshape(p, m); i += p * m
        V = v[i:i + m * n].reshape(m, n); i += m * n
        bias = v[i:i + m]; i += m
        X = v[i:i + N * n].reshape(N, n); i += N * n
        return W, V, bias, X, v[i:]

    # the data's entries of v (biases, then inputs) and their intervals, for the box penalty
    first, last = prob.weights, prob.weights + m + N * n
    lows = np.array([prob.bias[0]] * m + [prob.x[0]] * (N * n))
    highs = np.array([prob.bias[1]] * m + [prob.x[1]] * (N * n))

    def evaluate(v):
        """(relative margin, penalty, point) at the critical point v stands for, or None."""
        W, V, bias, X, z = unpack(v)
        built = relu.critical_from_residual(W, V, -bias, X, z, prob.labels == "fitted")
        if built is None:
            return None
        Y, margin, parts, f_hat = built
        ev = np.linalg.eigvalsh(relu.hessian(W, V, -bias, X, Y, parts=parts))
        if not np.isfinite(ev).all() or ev[-1] <= 0:
            return None
        e = (f_hat - Y).ravel()
        grad = math.sqrt(float(np.square(parts[0].T @ e).sum())) if needs_grad else 0.0
        try:
            lhs, rhs = sides()[0](ev[-1], ev[0], 0.5 * float(e @ e), grad,
                                  *np.sqrt(np.add.reduce(X * X, axis=1)),
                                  *np.sqrt(np.add.reduce(f_hat * f_hat, axis=1)), *W.ravel(),
                                  *V.ravel())
        except (ValueError, ZeroDivisionError, OverflowError):
            return None
        size = abs(lhs) + abs(rhs)
        if not math.isfinite(size):
            return None
        rel = sign * (lhs - rhs) / size if size > 0 else 0.0
        floor = STRICT * ev[-1] if strict else -1e-9 * ev[-1]  # fitted: PSD suffices
        data = v[first:last]
        outside = float(np.add.reduce(np.maximum(np.maximum(data - highs, lows - data), 0.0)))
        penalty = (100 * max(0.0, floor - ev[0]) / ev[-1]
                   + 10 * max(0.0, KINK - margin) + 10 * outside)
        return rel, penalty, (X, Y, bias, W, V)

    def search(ctx: CheckContext):
        from scipy.optimize import minimize as scipy_minimize  # see numerics/__init__

        cfg = spec.minima
        rng = np.random.default_rng(cfg.seed)
        starts = max(cfg.starts // 3, 1) if ctx.quick else cfg.starts
        evals = max(cfg.evaluations * 3 // 8, 1) if ctx.quick else cfg.evaluations
        seen: list = []

        def score(v):
            got = evaluate(v)
            if got is None:
                return 10.0
            if got[1] == 0:
                seen.append((got[0], v))
            # 2 rel ~ lhs/rhs - 1 near equality: the penalties weigh as in the former search
            # over the ratio (quick, seeds 1-4: best ratios 1.0138, 1.0007, 1.0009, 1.0065
            # against 1.0196, 1.0002, 1.0023, 1.0769 with rel alone)
            return 2 * got[0] + got[1]

        (xl, xh), (bl, bh) = prob.x, prob.bias
        chosen = []
        for _ in range(TRIES):
            if len(chosen) == starts:
                break
            v = np.concatenate([rng.standard_normal(prob.weights),
                                np.clip(rng.standard_normal(m), bl, bh),
                                np.clip(rng.standard_normal(N * n), xl, xh),
                                rng.standard_normal(prob.residual)])
            got = evaluate(v)
            if got is not None and got[1] == 0:
                chosen.append(v)
        for v0 in chosen:
            scipy_minimize(score, v0, method="Nelder-Mead", options={"maxfev": evals})
        return seen, starts, evals

    def precise(point, dps: int):
        """(sides and margin, state) at the Newton-refined point, or why it is no strict
        minimum off the kinks."""
        X, Y, bias, W, V = point
        with mpmath.workdps(dps):
            st = relu.precise_state(list(relu.flatten(W, V)), [-v for v in bias], X, Y, p, m, n,
                                    dps, newton_steps=12)
            tiny = mpmath.mpf(10) ** (-(dps // 2))
            if st["grad_norm"] > tiny:
                return "Newton's method did not reach a critical point"
            if strict and not st["lam_min"] > tiny * (1 + abs(st["lam_max"])):
                return "the refined point is not a strict minimum (lambda_min <= 0)"
            if not strict and not (st["loss"] < tiny and st["lam_min"] > -tiny * (
                    1 + abs(st["lam_max"]))):
                return "the refined point does not fit the labels (loss > 0)"
            if not st["kink_margin"] > tiny:
                return "the refined point lies on a kink"
            th = st["theta"]
            outs = relu.precise_outputs(th, [-v for v in bias], X, p, m, n, dps)
            xs = [mpmath.sqrt(sum(mpmath.mpf(v) ** 2 for v in row)) for row in X]
            q = [st["lam_max"], st["lam_min"], st["loss"], st["grad_norm"], *xs,
                 *(mpmath.sqrt(sum(v * v for v in row)) for row in outs)]
            lhs, rhs = sides()[1](*q, *th)
            return lhs, rhs, sign * (lhs - rhs), st

    def decide(point, ctx: CheckContext, numbers: dict, how: str) -> Finding | None:
        """REFUTES when the refined point violates the relation at both precisions."""
        got = precise(point, ctx.dps)
        if isinstance(got, str):
            numbers["best point at high precision"] = got
            return None
        lhs, rhs, margin, st = got
        tol = mpmath.mpf(10) ** (-(ctx.dps // 2))
        with mpmath.workdps(ctx.dps):
            size = 1 + abs(lhs) + abs(rhs)
            numbers[f"lhs, rhs at the best point ({ctx.dps} digits)"] = (
                f"{dec(lhs, 15)}, {dec(rhs, 15)}")
            if rhs != 0:
                numbers["lhs / rhs there"] = dec(lhs / rhs, 12)
            numbers["lambda_min / lambda_max there"] = dec(st["lam_min"] / st["lam_max"], 8)
            numbers["loss there"] = dec(st["loss"], 10)
            numbers["kink margin there"] = dec(st["kink_margin"], 8)
        if not margin < -tol * size:
            return None
        again = precise(point, ctx.dps + 20)
        if isinstance(again, str) or not again[2] < -tol * size:
            return None
        X, Y, bias, W, V = point
        at = {"x": _matrix(X), "y": _matrix(Y), "bias": _matrix([bias]), "a": _matrix(W),
              "w": _matrix(V)}
        which = ("a strict minimum" if strict else "a minimum") + (
            f" (Newton-refined at {ctx.dps} digits: |grad| < 1e-{ctx.dps // 2}, "
            + ("lambda_min > 0" if strict else f"loss < 1e-{ctx.dps // 2}")
            + ", no unit at its kink)")
        return Finding(Outcome.REFUTES, (
            f"{how} {which} where lhs = "
            f"{dec(lhs, 12)} and rhs = {dec(rhs, 12)}: lhs {spec.relation} rhs fails"), numbers,
            Counterexample(at=at, observed=f"lhs = {dec(lhs, 25)}",
                           claimed=f"{spec.relation} rhs = {dec(rhs, 25)}", tol=dec(tol, 3),
                           margin=dec(margin, 25), dps=ctx.dps, replay=at,
                           note="the data (x, labels y, biases) and weights (a, w) of the "
                                "minimum, as float64 decimals; the replay refines and "
                                "re-evaluates that point alone"))

    def replay(ctx: CheckContext) -> Finding:
        try:
            X, Y, B, W, V = (np.array(parse_matrix(ctx.at[k]).tolist(), dtype=float)
                             for k in ("x", "y", "bias", "a", "w"))
        except KeyError as exc:
            raise ReplayError(f"--at: give x, y, bias, a and w (missing {exc.args[0]})") from None
        if (X.shape, Y.shape, B.shape, W.shape, V.shape) != ((N, n), (N, p), (1, m), (p, m),
                                                               (m, n)):
            raise ReplayError(f"--at: shapes must be x {N} x {n}, y {N} x {p}, bias 1 x {m}, "
                              f"a {p} x {m}, w {m} x {n}")
        numbers: dict[str, str] = {}
        found = decide((X, Y, B[0], W, V), ctx, numbers, "the replayed point is")
        return found or Finding(Outcome.UNDECIDED, "the replayed point is not a strict "
                                "minimum off the kinks violating the relation at this "
                                "precision", numbers)

    def run(ctx: CheckContext) -> Finding:
        if ctx.at:
            return replay(ctx)
        seen, starts, evals = search(ctx)
        numbers = {"search": f"{starts} starts x {evals} evaluations (seed {spec.minima.seed})",
                   "feasible points visited (strict minima off the kinks, data in the box)":
                       str(len(seen))}
        if not seen:
            return Finding(Outcome.UNDECIDED, "no strict minimum off the kinks was visited",
                           numbers)
        best = min(seen, key=lambda t: t[0])
        numbers["smallest relative margin (float64)"] = f"{best[0]:.10g}"
        point = evaluate(best[1])[2]
        found = decide(point, ctx, numbers, "the search found")
        if found is not None:
            return found
        held = "best point at high precision" not in numbers  # refined to a minimum there
        if best[0] < -1e-9 and not held:
            return Finding(Outcome.UNDECIDED, (
                f"the best point's float64 relative margin is {best[0]:.6g}, but it is not a "
                "minimum off the kinks at high precision"), numbers)
        which = "strict minimum" if strict else "minimum (labels fitted: loss 0)"
        return Finding(Outcome.SUPPORTS, (
            f"lhs {spec.relation} rhs at every {which} the search visited ({len(seen)} points, "
            f"off the kinks); the smallest relative margin {best[0]:.6g} was refined and "
            f"re-evaluated at {ctx.dps} digits, where the relation holds"
            + (" (the float64 violation there is rounding)" if best[0] < -1e-9 else "")),
            numbers, coverage=Coverage(Scope.SAMPLE, {
                "p, m, n, N (outputs, units, inputs, points)": f"= {p}, {m}, {n}, {N}",
                "x": f"[{prob.x[0]:g}, {prob.x[1]:g}]", "bias": f"[{prob.bias[0]:g}, "
                f"{prob.bias[1]:g}]", "y": "= every label" if strict else "= fitted (loss 0)"},
                points=len(seen)))

    return Check("minima_search", Tier.EMPIRICAL, run,
                 f"{spec.minima.text()} over critical points (data varied, labels "
                 f"{prob.labels}); the best refined by Newton in mpmath",
                 share=spec.minima.key)


def _matrix(rows) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(v)) for v in r) + "]" for r in rows) + "]"


def replay_box(spec) -> dict[str, tuple[str, str]]:
    return {k: ("matrix", "the point's data and weights") for k in ("x", "y", "bias", "a", "w")}
