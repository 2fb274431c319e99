"""Check factories for claims "GD from x0 converges to 0 if C(x0), diverges if not C(x0)".

Used by Example 2 of Nar & Sastry (2018) (f = x^L, condition x0^(L-2) < 2/(L delta)) and by
user convergence claims on scalar losses.  The condition is given as ``lhs < rhs`` in the start
``x0``, the step and the problem's pinned parameters.
"""

from __future__ import annotations

import mpmath
import numpy as np
import sympy as sp

from numerics import precise
from proofs.compile import to_mpmath, to_numpy
from proofs.expressions import parse
from proofs.identities import prove_zero
from verify.checks.common import (
    EVERY_STEP, ScalarProblem, dec, decs, declared, mpmath_map, numpy_map, scalar_gd, set_text,
)
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Figure, Finding, Outcome, RefLine, Scope, Series, Tier,
)


def _condition(problem: ScalarProblem, lhs: str, rhs: str) -> tuple[sp.Expr, sp.Expr, sp.Symbol]:
    gd = scalar_gd(problem)
    x0 = sp.Symbol("x0", real=True)
    syms = {"x0": x0, problem.step: gd.step}
    pins = {k: sp.Rational(v) for k, v in problem.fixed.items()}
    lhs_e = parse(lhs, {**syms, **{k: sp.Symbol(k) for k in pins}}).subs(
        {sp.Symbol(k): v for k, v in pins.items()})
    rhs_e = parse(rhs, {**syms, **{k: sp.Symbol(k) for k in pins}}).subs(
        {sp.Symbol(k): v for k, v in pins.items()})
    return lhs_e, rhs_e, x0


def _contraction(gd_map: sp.Expr, x: sp.Symbol, lhs_e: sp.Expr, rhs_e: sp.Expr,
                 x0: sp.Symbol) -> tuple[str | None, sp.Expr, sp.Expr]:
    """(why the argument fails or None, u, the ratio (rhs - lhs) / (2 - u(x0))) for
    g(x) = x (1 - u(x)); the exponent of u may be symbolic (an integer family)."""
    u = sp.factor_terms(sp.powsimp(sp.expand(1 - sp.cancel(sp.powsimp(gd_map / x)))))
    c, k = u.as_coeff_exponent(x)
    if c.has(x) or not prove_zero(u - c * x ** k):
        return f"g(x)/x = 1 - ({u}) is not 1 - c x^k", u, sp.nan
    if not (c.is_positive and k.is_even and k.is_positive):
        return f"u = {u}: c = {c} > 0 and k = {k} even and positive not shown", u, sp.nan
    factor = sp.simplify((rhs_e - lhs_e) / (2 - u.subs(x, x0)))
    if factor.has(x0) or not factor.is_positive:
        return f"({rhs_e}) - ({lhs_e}) is not a positive multiple of 2 - u(x0) (ratio " \
               f"{factor})", u, factor
    return None, u, factor


def condition_contraction(problems: tuple[ScalarProblem, ...], lhs: str, rhs: str) -> Check:
    """Symbolic: writes g(x) = x (1 - u(x)) and compares ``lhs < rhs`` with u(x0) < 2.

    Proves the claim for each listed problem when u = c x^k with c > 0 and k even (so |x|
    shrinks exactly when 0 < u < 2, u shrinks with |x|, and |x| grows without bound when u > 2)
    and (rhs - lhs) is a positive multiple of (2 - u(x0)).  Also reports the equality case: the
    exact image of the boundary point.  Undecided (never refutes) outside that family.
    Coverage: the listed instances (their pinned parameters), every step size.
    """

    def run(ctx: CheckContext) -> Finding:
        notes, numbers = [], {}
        for problem in problems:
            gd = scalar_gd(problem)
            lhs_e, rhs_e, x0 = _condition(problem, lhs, rhs)
            tag = problem.label()
            why, u, factor = _contraction(gd.gd_map, gd.x, lhs_e, rhs_e, x0)
            if why:
                return Finding(Outcome.UNDECIDED, f"{tag}: {why}", numbers)
            c, k = u.as_coeff_exponent(gd.x)
            r = sp.root(2 / c, k)
            image = sp.simplify(gd.g(r))
            mult = sp.simplify(gd.derivative_at(r) * gd.derivative_at(-r))
            equality = "2-cycle +-r" if prove_zero(image + r) else f"g(r) = {image}"
            numbers[f"{tag}: u(x)"] = str(u)
            numbers[f"{tag}: boundary r"] = str(r)
            numbers[f"{tag}: at equality"] = f"{equality}, multiplier {mult}"
            notes.append(f"{tag}: u = {u}, condition = u(x0) < 2 times {factor}; at |x0| = r "
                         f"the orbit is a {equality} with multiplier {mult} (repelling)")
        pins = sorted({name for p in problems for name, _ in p.fixed.items()})
        covers = {name: set_text(sorted({int(v) if sp.Rational(v).is_Integer else v
                                          for p in problems for n, v in p.fixed.items()
                                          if n == name}))
                  for name in pins}
        covers[problems[0].step] = EVERY_STEP
        return Finding(Outcome.SUPPORTS, "; ".join(notes), numbers,
                       coverage=declared(Scope.INSTANCES, covers))

    return Check("condition_contraction", Tier.SYMBOLIC, run,
                 f"exact, every step size, for {len(problems)} pinned losses")


def condition_contraction_even(loss: str, name: str, above: int, lhs: str, rhs: str,
                               var: str = "x", step: str = "delta") -> Check:
    """Symbolic, for a whole integer family: ``name`` = 2m + ``above`` for every integer
    m >= 1 (every even ``name`` > ``above``; ``above`` even), as one SymPy proof with m an
    integer symbol.

    The argument of :func:`condition_contraction` (u = c x^k, c > 0, k even and positive,
    rhs - lhs a positive multiple of 2 - u(x0)) with k symbolic.  Coverage: the family
    (``"even, > above"``) and every step size.  Undecided (never refutes) outside that form.
    """
    if above % 2:
        raise ValueError(f"the family 2m + {above} is not the even numbers above {above}")

    def run(ctx: CheckContext) -> Finding:
        m = sp.Symbol("m", integer=True, positive=True)
        x = sp.Symbol(var, real=True)
        delta = sp.Symbol(step, positive=True)
        x0 = sp.Symbol("x0", real=True)
        member = 2 * m + above
        syms = {var: x, step: delta, name: sp.Symbol(name)}
        loss_e = parse(loss, syms).subs(syms[name], member)
        gd_map = x - delta * sp.diff(loss_e, x)
        lhs_e, rhs_e = (parse(t, {**syms, "x0": x0}).subs(syms[name], member)
                        for t in (lhs, rhs))
        why, u, factor = _contraction(gd_map, x, lhs_e, rhs_e, x0)
        numbers = {"family": f"{name} = {member}, m >= 1 an integer", "g(x)": str(gd_map),
                   "u(x) = 1 - g(x)/x": str(u), "(rhs - lhs) / (2 - u(x0))": str(factor)}
        if why:
            return Finding(Outcome.UNDECIDED, why, numbers)
        return Finding(Outcome.SUPPORTS, (
            f"for every {name} = {member} (m >= 1) and every {step} > 0: g(x) = x (1 - u), "
            f"u = {u} with an even positive exponent, and {rhs} - {lhs} = {factor} (2 - u(x0)): "
            "below the boundary |x| and u decrease and x -> 0 (a positive limit of |x| would "
            "be contracted further), above it |x| grows by a factor >= u(x0) - 1 > 1 per step"),
            numbers, coverage=declared(Scope.CLASS, {name: f"even, > {above}",
                                                     step: EVERY_STEP}))

    return Check("condition_contraction_even", Tier.SYMBOLIC, run,
                 f"exact, every even {name} > {above} and every step size: f = {loss}")


def _boundary(lhs_fn, rhs_fn, delta: float) -> float:
    """The positive x0 where lhs = rhs (by bisection on a log scale); nan if none in range."""
    f = lambda x: float(lhs_fn(x, delta) - rhs_fn(x, delta))
    lo, hi = 1e-8, 1e8
    if f(lo) * f(hi) > 0:
        return float("nan")
    for _ in range(200):
        mid = np.sqrt(lo * hi)
        lo, hi = (mid, hi) if f(lo) * f(mid) > 0 else (lo, mid)
    return float(np.sqrt(lo * hi))


def _starts(r: float, rng: np.random.Generator, n_random: int) -> np.ndarray:
    """Starts at relative offsets 10^-1..10^-10 on both sides of +-r, plus random magnitudes."""
    offs = np.concatenate([-(10.0 ** -np.arange(1, 11)), 10.0 ** -np.arange(1, 11)])
    near = np.concatenate([r * (1 + offs), -r * (1 + offs)])
    spread = r * np.exp(rng.uniform(np.log(0.05), np.log(20), n_random))
    return np.concatenate([near, spread, -spread])


def _observed(orbit_abs: np.ndarray, x0: np.ndarray) -> np.ndarray:
    """+1 converging (|x| halved and still shrinking), -1 diverged, 0 undecided."""
    end = orbit_abs[-1]
    with np.errstate(invalid="ignore"):  # inf - inf in runs that already diverged
        shrinking = np.all(np.diff(orbit_abs[-50:], axis=0) <= 0, axis=0)
    out = np.zeros(x0.shape, dtype=int)
    out[(end <= 0.5 * np.abs(x0)) & shrinking] = 1
    out[~np.isfinite(end) | (end > 1e40)] = -1
    return out


def start_condition(problems: tuple[ScalarProblem, ...], lhs: str, rhs: str,
                    deltas: tuple[float, ...], tier: Tier) -> Check:
    """Precise or empirical: starts on both sides of the condition's boundary, behaviour observed.

    "Converging" means |x| at least halved and still decreasing monotonically at the end of the
    run, "diverged" means |x| > 1e40.  The empirical tier runs all starts at once in float64
    (2000 steps); a mismatch is replayed at ``ctx.dps`` digits and refutes only if the replay
    agrees.  The precise tier runs every start at ``ctx.dps`` digits.  Starts exactly on the
    boundary are reported, not judged (the claim says nothing there).
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        steps = 2000 if tier is Tier.EMPIRICAL else 300
        checked, numbers, figures = 0, {}, []
        for problem in problems:
            gd = scalar_gd(problem)
            lhs_e, rhs_e, x0s = _condition(problem, lhs, rhs)
            lhs_fn, rhs_fn = (to_numpy(e, [x0s, gd.step]) for e in (lhs_e, rhs_e))
            for delta in deltas:
                r = _boundary(lhs_fn, rhs_fn, delta)
                if not np.isfinite(r):
                    r = 1.0
                x0 = _starts(r, rng, 40 if tier is Tier.EMPIRICAL else 6)
                with np.errstate(all="ignore"):
                    predicted = np.where(lhs_fn(x0, delta) < rhs_fn(x0, delta), 1, -1)
                observed = _observe(problem, x0, delta, steps, tier, ctx.dps)
                checked += x0.size
                for i in np.flatnonzero((observed != 0) & (observed != predicted)):
                    replay = _observe(problem, x0[i:i + 1], delta, 300, Tier.PRECISE, ctx.dps)
                    if replay[0] != observed[i]:
                        continue
                    with mpmath.workdps(ctx.dps):
                        args = (mpmath.mpf(x0[i]), mpmath.mpf(delta))
                        slack = (to_mpmath(rhs_e, [x0s, gd.step])(*args)
                                 - to_mpmath(lhs_e, [x0s, gd.step])(*args))
                    word = {1: "converges", -1: "diverges"}
                    return Finding(Outcome.REFUTES, (
                        f"{problem.label()}: from x0 = {float(x0[i])!r} with delta = {delta} GD "
                        f"{word[observed[i]]} (confirmed at {ctx.dps} digits) although the "
                        f"condition predicts it {word[predicted[i]]}"), numbers, Counterexample(
                            at={"x0": repr(float(x0[i])), "delta": repr(delta), **dict(problem.fixed)},
                            observed=word[observed[i]], claimed=word[predicted[i]], tol="none",
                            margin=f"rhs - lhs = {dec(slack, 25)}", dps=ctx.dps,
                            note=f"condition {lhs} < {rhs} gives the wrong side"))
                undecided = int(np.count_nonzero(observed == 0))
                numbers[f"{problem.label()}, delta={delta}"] = (
                    f"boundary {r:.12g}; {x0.size} starts; {undecided} undecided")
            if tier is Tier.EMPIRICAL and not figures:
                figures.append(_curves_figure(problem, r, deltas[-1]))
        return Finding(Outcome.SUPPORTS, f"{checked} starts on both sides of the boundary "
                       f"behave as the condition predicts ({tier.value} tier)", numbers, None,
                       tuple(figures), coverage=declared(
                           Scope.SAMPLE, {problems[0].step: set_text(deltas)}, points=checked))

    return Check(f"start_condition_{tier.value}", tier, run,
                 f"starts near the boundary, step sizes {deltas}, {len(problems)} losses")


def _observe(problem, x0, delta, steps, tier, dps) -> np.ndarray:
    if tier is Tier.EMPIRICAL:
        step = numpy_map(problem)
        x = x0.astype(float).copy()
        history = np.empty((steps + 1,) + x.shape)
        history[0] = np.abs(x)
        with np.errstate(all="ignore"):
            for k in range(steps):
                x = step(x, delta)
                x[~(np.abs(x) <= 1e100)] = np.inf
                history[k + 1] = np.abs(x)
        return _observed(history, x0)
    out = []
    for start in x0:
        orbit = precise.iterate(mpmath_map(problem), repr(float(start)), [repr(delta)], steps, dps)
        with mpmath.workdps(dps):
            mags = np.array([float(abs(v)) if abs(v) < 1e300 else np.inf for v in orbit])
        if len(orbit) < steps + 1:
            out.append(-1)
            continue
        out.append(int(_observed(mags[:, None], np.array([start]))[0]))
    return np.array(out)


def _curves_figure(problem: ScalarProblem, r: float, delta: float) -> Figure:
    step = numpy_map(problem)
    offsets = (-1e-3, 1e-3)
    series = []
    for off in offsets:
        x = np.array([r * (1 + off)])
        mags = []
        with np.errstate(all="ignore"):
            for _ in range(60):
                mags.append(abs(float(x[0])))
                x = step(x, delta)
                if not np.isfinite(x[0]) or abs(x[0]) > 1e30:
                    break
        side = "below" if off < 0 else "above"
        series.append(Series(f"x0 = r(1{off:+g}) ({side} the boundary)",
                             decs(range(len(mags))), decs(mags), "line"))
    return Figure(
        id=f"convergence-curves-{'-'.join(f'{k}{v}' for k, v in sorted(problem.fixed.items()))}",
        title=f"|x[k]| on each side of the boundary: {problem.label()}, delta = {delta}",
        caption=("GD from 0.1% below and 0.1% above the boundary r of the claimed condition: "
                 "below, the orbit leaves the repelling 2-cycle +-r towards 0; above, it "
                 "diverges."), xlabel="iteration k", ylabel="|x[k]|",
        series=tuple(series), yscale="log", lines=(RefLine("boundary r", "y", repr(r)),))
