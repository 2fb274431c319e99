"""The certified tier of the scalar claim kinds (cycle, threshold, a cycle's basin and long
orbit): statements proven with python-flint ball arithmetic over whole ranges (issue 7).

Generic over any scalar loss a claim names (:mod:`verify.userclaims.scalar` and
:mod:`verify.userclaims.checks` build them from a claim's model).  Each builds the ball callables of a :class:`ScalarProblem` through
:func:`proofs.compile.to_arb` and calls the engine :mod:`numerics.certified`.  A check supports
only when every piece of its range is proven, refutes only with an exact step size where a ball
enclosure decides against the claim (re-evaluated with mpmath at ``ctx.dps`` digits), and is
undecided otherwise.  The numbers always include the range covered, the number of boxes, the
widest enclosure and the working precision.

Paper claims that use them: Nar & Sastry (2018), "Step Size Matters": Example 1 (the 2-cycle +-delta^2/4 of GD on
(2/3)|x|^{3/2}), Example 2 (the repelling 2-cycle on x0^{L-2} = 2/(L delta) of GD on x^L), the
talk slides' thresholds 0.5 and 0.2 (the threshold kind's crossing check).
"""

from __future__ import annotations

import functools

import flint
import mpmath
import sympy as sp

from numerics import certified as cert
from numerics.balls import certify_positive
from numerics.certified.crossing import window_ends
from numerics.certified.prec import decimal, upper_decimal
from proofs.compile import exact_to_arb, to_arb, to_mpmath
from proofs.identities import prove_zero
from verify.checks.common import (
    ScalarProblem, dec, declared, expr_in, mpmath_map, scalar_gd,
)
from verify.replay import ReplayError
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

_KINK_FUNCTIONS = (sp.Abs, sp.sign, sp.Heaviside)
_OPAQUE = (sp.Max, sp.Min, sp.Piecewise)  # kinks the engine cannot locate: never guessed


def _kinks(expr: sp.Expr, x: sp.Symbol) -> tuple[tuple[sp.Expr, ...] | None, str]:
    """The real x where an Abs/sign/Heaviside argument of ``expr`` vanishes (None: unknown)."""
    if expr.atoms(*_OPAQUE):
        return None, "the map has Max/Min/Piecewise terms whose kinks are not located"
    points: list[sp.Expr] = []
    for term in expr.atoms(*_KINK_FUNCTIONS):
        arg = term.args[0]
        if not arg.has(x):
            continue
        try:
            sols = sp.solve(sp.Eq(arg, 0), x)
        except NotImplementedError:
            return None, f"cannot solve {arg} = 0 for the kinks"
        for s in sols:
            if s.free_symbols:
                return None, f"the kink {x} = {s} depends on a parameter"
            if s.is_real and not any(prove_zero(s - p) for p in points):
                points.append(s)
    return tuple(points), ", ".join(f"{x} = {p}" for p in points) or "none"


def _ball_fn(expr: sp.Expr, args: list[sp.Symbol]):
    """:func:`to_arb`, with a constant result (an expression free of ``args`` compiles to a
    plain int or float: a claimed point 0, a GD map with constant derivative) made a ball."""
    fn = to_arb(expr, args)
    return lambda *balls: flint.arb(fn(*balls))


def _as_mpf(fn):
    return lambda *a: mpmath.mpf(fn(*a))


@functools.lru_cache(maxsize=32)
def ball_map(problem: ScalarProblem) -> tuple[cert.BallMap | None, str]:
    """(the GD map, its x-derivative and its kinks on balls, a note on the kinks).

    The derivative drops SymPy's DiracDelta terms (zero away from the kinks); the engine uses
    it only on balls free of kinks.  None when the kinks cannot be located.
    """
    gd = scalar_gd(problem)
    kinks, note = _kinks(gd.gd_map, gd.x)
    if kinks is None:
        return None, note
    args = [gd.x, gd.step]
    return cert.BallMap(_ball_fn(gd.gd_map, args), _ball_fn(_derivative(problem), args),
                        tuple(exact_to_arb(k, 512) for k in kinks)), note


def _derivative(problem: ScalarProblem) -> sp.Expr:
    """g'(x) of the GD map, DiracDelta terms dropped (zero away from the kinks)."""
    gd = scalar_gd(problem)
    return sp.diff(gd.gd_map, gd.x).replace(sp.DiracDelta, lambda *a: sp.Integer(0))


def _fmpq(value: sp.Rational) -> flint.fmpq:
    return flint.fmpq(int(value.p), int(value.q))


def _exact_mid(ball: flint.arb) -> sp.Rational:
    """The (dyadic) midpoint of a ball as an exact rational."""
    man, exp = ball.mid().man_exp()
    return sp.Rational(int(man)) * sp.Rational(2) ** int(exp)


def _short_rational_in(ball: flint.arb) -> sp.Rational:
    """A short decimal inside the ball (exact), else its dyadic midpoint: a readable witness."""
    for digits in (6, 10, 15, 25):
        text = ball.mid().str(digits, radius=False)
        value = sp.Rational(text)
        with cert.working_prec(256):
            if ball.contains(flint.arb(_fmpq(value))):
                return value
    return _exact_mid(ball)


@functools.lru_cache(maxsize=32)
def _point_fns(problem: ScalarProblem, points: tuple[str, ...]):
    gd = scalar_gd(problem)
    exprs = [expr_in(problem, p) for p in points]
    if any(e.has(gd.x) for e in exprs):
        raise ValueError(f"orbit points {points} must be expressions in {gd.step} only")
    return ([_ball_fn(e, [gd.step]) for e in exprs],
            [_as_mpf(to_mpmath(e, [gd.step])) for e in exprs])


def _guess(arb_fns):
    """The Krawczyk guess at a step-size ball: the claimed points, an exact 0 given a tiny
    radius (the engine's relative inflation leaves a point at 0 without room)."""
    def guess(D):
        balls = [f(D) for f in arb_fns]
        return [flint.arb(0, _ZERO_RADIUS) if b == 0 else b for b in balls]

    return guess


_ZERO_RADIUS = flint.arb(2) ** -40


def _residual_refutation(problem: ScalarProblem, points: tuple[str, ...], delta: sp.Rational,
                         ctx: CheckContext, prec: int = 256) -> Finding | None:
    """A refutation when some g(p_i) - p_{i+1} is certified nonzero at the exact step ``delta``
    (and the mpmath value at ``ctx.dps`` digits agrees in sign); None otherwise."""
    bm, _ = ball_map(problem)
    arb_fns, mp_fns = _point_fns(problem, points)
    with cert.working_prec(prec):
        D = flint.arb(_fmpq(delta))
        pts = [f(D) for f in arb_fns]
        res = cert.cycle_residuals(bm, pts, D)
    bad = next((i for i, r in enumerate(res) if cert.sign(r) in (1, -1)), None)
    if bad is None:
        return None
    p = len(points)
    with mpmath.workdps(ctx.dps):
        d = mpmath.mpf(delta.p) / delta.q
        here = mp_fns[bad](d)
        there = mp_fns[(bad + 1) % p](d)
        image = mpmath_map(problem)(here, d)
        margin = image - there
        if mpmath.sign(margin) != cert.sign(res[bad]):
            return None  # the high-precision value does not confirm the certified sign
        step = scalar_gd(problem).step.name
        return Finding(
            Outcome.REFUTES,
            f"certified: at {step} = {delta} one GD step from the claimed point "
            f"{points[bad]} misses the next claimed point {points[(bad + 1) % p]} "
            f"(residual {res[bad].str(10)}), so the claimed points are not an orbit",
            {"residual enclosure": res[bad].str(15), "working precision (bits)": str(prec)},
            Counterexample(
                at={step: str(delta), "x": points[bad]}, observed=dec(image, 30),
                claimed=dec(there, 30), tol="0 (ball enclosure excludes 0)",
                margin=dec(margin, 30), dps=ctx.dps,
                note="g(claimed point) - next claimed point, certified nonzero by Arb and "
                     "re-evaluated with mpmath", replay={step: str(delta)}))


def _samples(lo: sp.Rational, hi: sp.Rational, n: int) -> list[sp.Rational]:
    return [lo + (hi - lo) * sp.Rational(k, n - 1) for k in range(n)]


def _mp_orbit(problem: ScalarProblem, start: list, delta: sp.Rational, dps: int) -> list:
    """The orbit points at ``dps`` digits by Newton's method from ``start`` (mpf list)."""
    g = mpmath_map(problem)
    p = len(start)
    with mpmath.workdps(dps):
        d = mpmath.mpf(delta.p) / delta.q

        def system(*xs):
            return [g(xs[(i - 1) % p], d) - xs[i] for i in range(p)]

        sol = mpmath.findroot(system, [mpmath.mpf(s) for s in start])
        return [sol] if p == 1 else [sol[i] for i in range(p)]


def _multiplier_refutation(problem: ScalarProblem, proof: cert.OrbitProof, stable: bool,
                           ctx: CheckContext) -> Finding | None:
    """A refutation of the claimed stability at a short step size inside ``proof.delta``, the
    multiplier re-evaluated with mpmath; None when that value does not confirm the Arb sign."""
    gd = scalar_gd(problem)
    delta = _short_rational_in(proof.delta)
    dg = to_mpmath(_derivative(problem), [gd.x, gd.step])
    start = [mpmath.mpf(_exact_mid(b).p) / _exact_mid(b).q for b in proof.box]
    pts = _mp_orbit(problem, start, delta, ctx.dps)
    with mpmath.workdps(ctx.dps):
        d = mpmath.mpf(delta.p) / delta.q
        m = mpmath.fprod(dg(x, d) for x in pts)
        margin = abs(m) - 1
    if (margin > 0) is not stable:
        return None  # the high-precision orbit does not confirm the certified side of 1
    return Finding(
        Outcome.REFUTES,
        f"certified: for every {gd.step} in {proof.delta.str(10)} the orbit proven in its box "
        f"has multiplier in {proof.multiplier.str(10)}, so it is "
        f"{'repelling' if stable else 'attracting'}, not {'attracting' if stable else 'repelling'}",
        {"multiplier enclosure": proof.multiplier.str(15)},
        Counterexample(
            at={gd.step.name: str(delta)}, observed=f"multiplier {dec(m, 30)}",
            claimed="|multiplier| < 1" if stable else "|multiplier| > 1",
            tol="0 (ball enclosure decides)", margin=dec(margin, 30), dps=ctx.dps,
            note="orbit by Newton at high precision inside the Krawczyk box; multiplier = "
                 "prod g'(x_i)", replay={gd.step.name: str(delta)}))


def _replayed_step(problem: ScalarProblem, ctx: CheckContext) -> sp.Rational:
    """The exact positive step size a replay gives (named as the problem names it)."""
    name = scalar_gd(problem).step.name
    delta = sp.Rational(ctx.at[name])
    if delta <= 0:
        raise ReplayError(f"--at: {name} must be positive")
    return delta


def _cycle_at(problem: ScalarProblem, points: tuple[str, ...], stable: bool | None,
              ctx: CheckContext) -> Finding:
    """The replay of :func:`cycle_certified` at one exact step size: the certified residuals of
    the claimed points, then (``stable`` given) the multiplier of the orbit Newton finds from
    them at ``ctx.dps`` digits."""
    delta = _replayed_step(problem, ctx)
    refuted = _residual_refutation(problem, points, delta, ctx)
    if refuted or stable is None:
        return refuted or Finding(Outcome.UNDECIDED, f"the claimed points pass the residual "
                                  f"test at {delta} (one step size proves nothing)")
    gd = scalar_gd(problem)
    _, mp_fns = _point_fns(problem, points)
    dg = to_mpmath(_derivative(problem), [gd.x, gd.step])
    with mpmath.workdps(ctx.dps):
        d = mpmath.mpf(delta.p) / delta.q
        pts = _mp_orbit(problem, [f(d) for f in mp_fns], delta, ctx.dps)
        m = mpmath.fprod(dg(x, d) for x in pts)
        margin = abs(m) - 1
    if (margin < 0) is stable:
        return Finding(Outcome.UNDECIDED, f"at {delta} the orbit's multiplier {dec(m, 15)} is "
                       "on the claimed side of 1 (one step size proves nothing)")
    return Finding(Outcome.REFUTES, f"at {gd.step} = {delta} the orbit has multiplier "
                   f"{dec(m, 15)}: {'repelling' if stable else 'attracting'}", {},
                   Counterexample(at={gd.step.name: str(delta)}, observed=f"multiplier {dec(m, 30)}",
                                  claimed="|multiplier| < 1" if stable else "|multiplier| > 1",
                                  tol="0", margin=dec(margin, 30), dps=ctx.dps,
                                  note="orbit by Newton at high precision from the claimed points",
                                  replay={gd.step.name: str(delta)}))


def cycle_certified(problem: ScalarProblem, points: tuple[str, ...],
                    delta_range: tuple[str, str], stable: bool | None = True,
                    pieces: int = 128, samples: int = 5) -> Check:
    """Certified: a p-periodic orbit near the claimed points for every step size in a range.

    Proves, for every delta in ``delta_range`` (a superset of it, as exact binary end points),
    with the Krawczyk operator on F_i = g(x_{i-1}) - x_i and delta a ball: in the box around
    the claimed points (inflated by 2^-12 relative) there is exactly one orbit of period p;
    its multiplier prod g'(x_i) is enclosed and, when ``stable`` is given, certified inside
    (attracting) or outside (repelling) the unit interval.  The claimed formula itself lies in
    every box; that it is the orbit exactly is consistent with (residual balls contain 0 at
    ``samples`` exact step sizes) but not proven here (the symbolic tier does that).

    Refutes with an exact step size where a residual g(p_i) - p_{i+1} of the claimed points is
    certified nonzero, or where the proven multiplier is certified on the wrong side of 1.
    Undecided when a piece of the range stays open after the bisection budget.

    Coverage: the step range, never deciding (it does not prove the claimed formula is the
    orbit); with ``stable`` given it proves the "stability" part there.
    """

    def run(ctx: CheckContext) -> Finding:
        bm, kink_note = ball_map(problem)
        if bm is None:
            return Finding(Outcome.UNDECIDED, f"kinks unknown: {kink_note}")
        lo, hi = sp.Rational(delta_range[0]), sp.Rational(delta_range[1])
        if not 0 < lo < hi:
            raise ValueError(f"bad step range {delta_range}")
        if ctx.at:  # a replay: the one step size
            return _cycle_at(problem, points, stable, ctx)
        for d in _samples(lo, hi, samples):  # the smallest step size first
            refuted = _residual_refutation(problem, points, d, ctx)
            if refuted:
                return refuted
        arb_fns, _ = _point_fns(problem, points)
        cov = cert.cover(bm, _guess(arb_fns), flint.arb(_fmpq(lo)),
                         flint.arb(_fmpq(hi)), pieces=pieces,
                         max_attempts=400 if ctx.quick else 4000)
        biggest = flint.arb(0)
        for pr in cov.proofs:
            biggest = flint.arb.max(biggest, abs(pr.multiplier))
        covered = (f"[{decimal(cov.proofs[0].delta.lower(), 15)}, "
                   f"{decimal(cov.proofs[-1].delta.upper(), 15)}]" if cov.proofs else "none")
        numbers = {
            "claimed range": f"[{lo}, {hi}]", "range covered": covered,
            "boxes": str(len(cov.proofs)), "attempts": str(cov.attempts),
            "widest enclosure (relative)": upper_decimal(cov.widest_relative()),
            "largest |multiplier|": upper_decimal(biggest),
            "working precision (bits)": str(cov.prec),
            "undecided pieces": str(len(cov.undecided)), "excluded pieces": str(len(cov.excluded)),
            "kinks": kink_note,
        }
        for pr in cov.excluded:
            refuted = _residual_refutation(problem, points, _exact_mid(pr.delta), ctx)
            if refuted:
                return Finding(refuted.outcome, refuted.detail + "; Krawczyk also excludes "
                               "any orbit from the box there", {**numbers, **refuted.numbers},
                               refuted.counterexample)
        if stable is not None:
            wrong = next((pr for pr in cov.proofs if pr.stable is (not stable)), None)
            if wrong is not None:
                found = _multiplier_refutation(problem, wrong, stable, ctx)
                if found is None:
                    return Finding(Outcome.UNDECIDED, "Arb puts the multiplier on the wrong side "
                                   "of 1, but the mpmath re-evaluation does not confirm it",
                                   numbers)
                return Finding(found.outcome, found.detail, {**numbers, **found.numbers},
                               found.counterexample)
        if not cov.complete:
            return Finding(Outcome.UNDECIDED, (
                f"{len(cov.proofs)} boxes proven, but {len(cov.undecided)} pieces of the step "
                f"range stay undecided and {len(cov.excluded)} boxes hold no orbit (reasons: "
                f"{cov.reasons})"), numbers)
        if stable is not None and any(pr.stable is None for pr in cov.proofs):
            return Finding(Outcome.UNDECIDED, "every piece has a proven orbit, but |multiplier| "
                           "vs 1 is undecided on some", numbers)
        kind = {True: ", attracting (|multiplier| < 1)", False: ", repelling (|multiplier| > 1)",
                None: ""}[stable]
        return Finding(Outcome.SUPPORTS, (
            f"Krawczyk proofs in {len(cov.proofs)} boxes cover every step size in {covered} "
            f"(superset of [{lo}, {hi}]): each box around the claimed points {points} holds "
            f"exactly one orbit of period {len(points)}{kind}; widest box "
            f"{numbers['widest enclosure (relative)']} relative; {cov.prec} bits"), numbers,
            coverage=declared(Scope.CLASS, {scalar_gd(problem).step.name: f"[{lo}, {hi}]"},
                              part="stability" if stable is not None else ""))

    return Check("cycle_certified", Tier.CERTIFIED, run,
                 f"Arb/Krawczyk, every step size in [{delta_range[0]}, {delta_range[1]}]: "
                 f"{problem.label()}, orbit {points}")


def _shortest_step(mult: sp.Expr, step: sp.Symbol, witness: sp.Rational, window: tuple,
                   margin_of, good: int) -> str | None:
    """The witness rounded to the fewest significant digits (1..8), as decimal text, that stays
    inside the closed ``window`` and where ``good * margin_of`` of the exact multiplier is
    provably < 0 (the same failure, exactly and strictly); None when no rounding keeps it."""
    for digits in range(1, 9):
        text = str(sp.Float(witness, digits))
        rounded = sp.Rational(text)
        if window[0] <= rounded <= window[1] and rounded > 0:
            sign = sp.sign(sp.simplify(good * margin_of(mult.subs(step, rounded))))
            if sign.is_number and sign < 0:
                return text
    return None


def _crossing_at(problem: ScalarProblem, equilibrium: str, threshold: str, rel_eps: str,
                 attracting_below: bool, ctx: CheckContext) -> Finding:
    """The replay of :func:`threshold_crossing_certified` at one exact step size: the
    multiplier of x* there, exact (SymPy) where it simplifies to a number, against the side of
    the claimed threshold the step lies on."""
    gd = scalar_gd(problem)
    delta, given = _replayed_step(problem, ctx), ctx.at[gd.step.name]
    t = sp.Rational(threshold)
    eps = t * sp.Rational(rel_eps)
    mult = sp.simplify(_derivative(problem).subs(gd.x, expr_in(problem, equilibrium)))
    value = mult.subs(gd.step, delta)
    with mpmath.workdps(ctx.dps):
        shown = dec(to_mpmath(mult, [gd.step])(mpmath.mpf(delta.p) / delta.q), 30)
    if abs(delta - t) <= eps:
        return Finding(Outcome.UNDECIDED, f"{gd.step} = {delta} lies in the crossing window "
                       f"t -+ eps", {"multiplier": shown})
    checks = ([("above -1", lambda v: v + 1)]
              + ([("below 1 (attracting)", lambda v: 1 - v)] if attracting_below else [])
              if delta < t else [("below -1", lambda v: -(v + 1))])
    for want, margin_of in checks:
        sign = sp.sign(margin_of(value))
        if sign.is_number and sign <= 0:
            side = "below" if delta < t else "above"
            return Finding(Outcome.REFUTES, (
                f"at {gd.step} = {delta} ({side} the claimed threshold {threshold}) the "
                f"multiplier of x* = {equilibrium} is {shown}, not {want}"), {},
                Counterexample(at={gd.step.name: given, "x*": equilibrium},
                               observed=f"multiplier {shown}",
                               claimed=f"multiplier {want} for {gd.step} {side} {threshold}",
                               tol="0", margin=str(margin_of(value)), dps=ctx.dps,
                               note="the exact multiplier at the replayed step size",
                               replay={gd.step.name: given}))
    return Finding(Outcome.UNDECIDED, f"at {gd.step} = {delta} the multiplier {shown} is on "
                   "the claimed side (one step size proves nothing)", {"multiplier": shown})


def threshold_crossing_certified(problem: ScalarProblem, equilibrium: str, threshold: str,
                                 delta_range: tuple[str, str] | None = None,
                                 rel_eps: str = "1/1000000000000",
                                 attracting_below: bool = True, part: str | None = None) -> Check:
    """Certified: the multiplier g'(x*, delta) of the equilibrium crosses -1 exactly once, within
    t(1 -+ rel_eps) of the claimed threshold t.

    Proves, by bisection in Arb balls, 1 + g'(x*, delta) > 0 on [lo, t - eps] (with
    ``attracting_below`` also 1 - g' > 0 there: x* attracts) and 1 + g' < 0 on [t + eps, hi]
    (x* repels), and that d/d delta (1 + g') < 0 on [t - eps, t + eps], so the multiplier
    passes -1 exactly once and inside that window.  ``delta_range`` defaults to [t/10, 2t].
    Supports only where, besides, the multiplier at delta = t is -1 exactly (SymPy): the window
    alone would pass a threshold off by less than eps.  Refutes with a certified step size on
    the wrong side (re-evaluated with mpmath).
    Coverage: the step range; ``part`` as in :func:`verify.checks.common.declared`.
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        point = expr_in(problem, equilibrium)
        if not prove_zero(gd.gradient.subs(gd.x, point)):
            raise ValueError(f"{equilibrium} is not a critical point of {problem.loss}")
        if ctx.at:
            return _crossing_at(problem, equilibrium, threshold, rel_eps, attracting_below, ctx)
        bm, kink_note = ball_map(problem)
        if bm is None:
            return Finding(Outcome.UNDECIDED, f"kinks unknown: {kink_note}")
        xs = exact_to_arb(point, 512)
        if not bm.smooth_on(xs):
            return Finding(Outcome.UNDECIDED, f"x* = {equilibrium} is a kink of g: no multiplier")
        mult = sp.simplify(_derivative(problem).subs(gd.x, point))
        margin = 1 + mult
        fn, dfn = _ball_fn(margin, [gd.step]), _ball_fn(sp.diff(margin, gd.step), [gd.step])
        t = sp.Rational(threshold)
        lo, hi = ((t / 10, 2 * t) if delta_range is None
                  else (sp.Rational(delta_range[0]), sp.Rational(delta_range[1])))
        eps = t * sp.Rational(rel_eps)
        with cert.working_prec(256):
            t_ball, eps_ball = flint.arb(_fmpq(t)), flint.arb(_fmpq(eps))
            lo_s = flint.arb(_fmpq(lo)).lower().str(40, radius=False)
            hi_s = flint.arb(_fmpq(hi)).upper().str(40, radius=False)
        for bits in (256, 512, 1024):  # escalate while the crossing stays undecided
            result = cert.enclose_crossing(fn, dfn, lo_s, t_ball, hi_s, eps_ball, prec=bits)
            if result.enclosed is not None:
                break
        below_ok = None
        if attracting_below:
            with cert.working_prec(256):
                left_end, _ = window_ends(t_ball, eps_ball)
            below_ok = certify_positive(_ball_fn(1 - mult, [gd.step]), lo_s, left_end,
                                        prec_bits=256)
        numbers = {
            "multiplier g'(x*)": str(mult), "claimed threshold": str(t),
            "range covered": f"[{lo}, {hi}]",
            "crossing enclosure": f"({t - eps}, {t + eps})",
            "boxes": str(result.below.pieces + result.above.pieces
                         + (below_ok.pieces if below_ok else 0)),
            "widest enclosure": str(2 * eps), "working precision (bits)": str(bits),
            "slope sign near t": str(result.slope),
        }
        # (wanted, side of t, sign proof, the margin reported, its sign when the claim holds)
        failures = [("above -1", "below", result.below, lambda v: v + 1, 1),
                    ("below -1", "above", result.above, lambda v: v + 1, -1)]
        if below_ok is not None:
            failures.append(("below 1 (attracting)", "below", below_ok, lambda v: 1 - v, 1))
        for want, side, proof, margin_of, good in failures:
            if proof.proved is False:
                w = sp.Rational(proof.witness)
                with mpmath.workdps(ctx.dps):
                    value = to_mpmath(mult, [gd.step])(mpmath.mpf(w.p) / w.q)
                    wrong_side = good * margin_of(value) <= 0
                if not wrong_side:  # mpmath does not confirm the certified sign: decide nothing
                    return Finding(Outcome.UNDECIDED, f"Arb puts {gd.step} = {proof.witness} on "
                                   "the wrong side, but mpmath does not confirm it", numbers)
                window = (lo, t - eps) if side == "below" else (t + eps, hi)
                short = _shortest_step(mult, gd.step, w, window, margin_of, good)
                shown = proof.witness
                if short is not None:  # the simplest step size with the same exact failure
                    numbers["Arb witness"], shown, w = proof.witness, short, sp.Rational(short)
                    with mpmath.workdps(ctx.dps):
                        value = to_mpmath(mult, [gd.step])(mpmath.mpf(w.p) / w.q)
                return Finding(Outcome.REFUTES, (
                    f"certified: at {gd.step} = {shown} ({side} the claimed threshold "
                    f"{threshold}) the multiplier of x* = {equilibrium} is {dec(value, 15)}, not "
                    f"{want}"), numbers, Counterexample(
                        at={gd.step.name: shown, "x*": equilibrium},
                        observed=f"multiplier {dec(value, 30)}",
                        claimed=f"multiplier {want} for {gd.step} {side} {threshold}",
                        tol="0 (ball enclosure decides)",
                        margin=dec(margin_of(value), 30), dps=ctx.dps,
                        note="Arb certifies the sign of the stability margin on a piece "
                             "holding this step" + (", where it is exact" if short else ""),
                        replay={gd.step.name: shown}))
        exact = prove_zero(margin.subs(gd.step, t))
        if result.enclosed and (below_ok is None or below_ok.proved) and exact is not True:
            # the window t -+ eps holds the crossing, but the claim puts it at t itself: a
            # bound off by less than eps (1/5 - 10^-30) would be "proven" by the window alone
            return Finding(Outcome.UNDECIDED, (
                f"Arb encloses the one crossing of -1 in t -+ eps (t = {t}, eps = {eps}), but "
                f"the multiplier at {gd.step} = {t} is not provably -1 exactly (1 + g' = "
                f"{sp.sstr(sp.simplify(margin.subs(gd.step, t)))[:80]}): the crossing may lie "
                "beside t, inside the window"), numbers)
        if result.enclosed and (below_ok is None or below_ok.proved):
            return Finding(Outcome.SUPPORTS, (
                f"Arb proves: the multiplier {mult} of x* = {equilibrium} is "
                + ("in (-1, 1)" if attracting_below else "> -1")
                + f" for every {gd.step} in [{lo}, t - eps] and < -1 on [t + eps, {hi}], with "
                f"one crossing of -1 inside t -+ eps, t = {t}, eps = {eps}"), numbers,
                coverage=declared(Scope.CLASS, {gd.step.name: f"[{lo}, {hi}]"}, part=part))
        return Finding(Outcome.UNDECIDED, "the bisection budget ran out or the slope sign near "
                       "t is undecided", numbers)

    return Check("threshold_crossing", Tier.CERTIFIED, run,
                 f"Arb balls, x* = {equilibrium}: crossing of -1 within {threshold}(1 -+ "
                 f"{rel_eps}), signs on the whole range")


def _trap_for(problem: ScalarProblem, points: tuple[str, ...], delta: sp.Rational,
              prec: int) -> tuple[cert.Trap | None, cert.OrbitProof]:
    """Prove the claimed orbit at the exact step and find a contracting trapping box around it
    (relative radii 1/2, 1/8, ... 2^-20 of the first point tried in turn)."""
    bm, _ = ball_map(problem)
    arb_fns, _ = _point_fns(problem, points)
    with cert.working_prec(prec):
        D = flint.arb(_fmpq(delta))
        proof = cert.krawczyk(bm, [cert.inflate(f(D), 2.0, 2.0 ** -12) for f in arb_fns], D,
                              refine=20)
        if not proof.exists:
            return None, proof
        c = proof.box[0]
        for rel in (2, 8, 32, 2**10, 2**20):
            box = flint.arb(c.mid(), (abs(c.mid()) / rel + c.rad()).upper())
            trap = cert.trapping_region(bm, box, D, len(points))
            if trap.ok:
                return trap, proof
    return None, proof


def long_orbit_certified(problem: ScalarProblem, x0: str, delta: str, steps: int, dps: int,
                         points: tuple[str, ...]) -> Check:
    """Certified: one orbit of ``steps`` GD steps in Arb balls at ``dps`` digits, every sign
    decided, and a proof that it converges to the claimed cycle ``points``.

    Iterates in the centred form X <- g(m) + g'(X)(X - m) (mean value theorem on kink-free
    balls; branch by branch across a kink), which keeps the radius near the working precision
    on an attracting orbit where naive ball iteration loses about a bit per step.  The cycle
    is proven at the exact step size (Krawczyk) together with a
    contracting trapping box around it; when the last ball lies in that region, the orbit from
    x0 converges to the cycle (Banach).  ``--quick`` runs min(steps, 10^4) steps.  Supports when
    every sign is decided and the orbit is trapped; refutes only when the
    claimed points are certified not to be an orbit; undecided otherwise.
    """

    def run(ctx: CheckContext) -> Finding:
        bm, kink_note = ball_map(problem)
        if bm is None:
            return Finding(Outcome.UNDECIDED, f"kinks unknown: {kink_note}")
        d, start = sp.Rational(delta), sp.Rational(x0)
        n = min(steps, 10_000) if ctx.quick else steps
        bits = cert.bits_for(dps)
        refuted = _residual_refutation(problem, points, d, ctx)
        if refuted:
            return refuted
        orbit = cert.iterate(bm, _fmpq(start), _fmpq(d), n, bits)
        x = orbit.final
        numbers = {
            "range covered": f"{problem.step} = {d}, x0 = {start}, {orbit.steps} steps",
            "boxes": "1 ball per step", "steps": str(orbit.steps),
            "widest enclosure": upper_decimal(2 * orbit.max_rad),
            "final ball midpoint": decimal(x, 40), "final radius": upper_decimal(x.rad()),
            "working precision (bits)": str(bits), "digits": str(dps),
            "undecided signs": str(orbit.undecided_signs),
            "steps on a kink": str(orbit.kink_steps),
        }
        if orbit.steps < n:
            return Finding(Outcome.UNDECIDED, f"the ball stopped being finite after {orbit.steps} "
                           "steps", numbers)
        if orbit.undecided_signs:
            return Finding(Outcome.UNDECIDED, f"{orbit.undecided_signs} of {n} signs undecided",
                           numbers)
        detail = (f"{n} steps at {dps} digits in the centred form: every sign decided, final "
                  f"radius {numbers['final radius']}")
        trap, proof = _trap_for(problem, points, d, bits)
        if trap is None:
            return Finding(Outcome.UNDECIDED, detail + f"; no trapping region proven around the "
                           f"cycle ({proof.reason})", numbers)
        with cert.working_prec(bits):
            inside = any(b.contains(x) for b in trap.boxes)
            dist = min((abs(x - c) for c in proof.box), key=lambda v: float(v.upper()))
        numbers.update({"distance to the cycle (upper bound)": upper_decimal(dist),
                        "trap contraction |(g^p)'|": upper_decimal(abs(trap.q)),
                        "cycle enclosure": "; ".join(b.str(20) for b in proof.box)})
        if not inside:
            return Finding(Outcome.UNDECIDED, detail + "; the last ball is not yet inside the "
                           "proven trapping region", numbers)
        return Finding(Outcome.SUPPORTS, detail + (
            f"; the last ball lies in a trapping box where g^{len(points)} contracts by "
            f"{upper_decimal(abs(trap.q))}, so the orbit from x0 = {start} converges "
            f"to the proven cycle (distance now <= {upper_decimal(dist)})"),
            numbers, coverage=declared(  # one orbit: a side fact of any "every start" claim
                Scope.INSTANCES, {problem.step: f"= {d}", "x[0]": f"= {start}"}, part=""))

    return Check("long_orbit_certified", Tier.CERTIFIED, run,
                 f"Arb balls, {steps} steps at {dps} digits from x0 = {x0}, {problem.step} = "
                 f"{delta}")


def basin_cover_certified(problem: ScalarProblem, points: tuple[str, ...], delta: str,
                          span: tuple[str, str], pieces: int = 64, attempt: bool = True) -> Check:
    """Certified: every start in ``span`` converges to the claimed cycle, checked on a finite
    cover, except pieces reported open.

    Proves the cycle at the exact step (Krawczyk) and a contracting trapping region around it;
    then cuts ``span`` into pieces, iterates each piece's ball in the centred form until it lies
    in the region (every start of the piece then converges to the cycle), and bisects a piece
    whose ball reaches a kink (e.g. the countable set S of Example 1: starts that land exactly
    on 0) down to 2^-30 of the span.  Supports only when no piece is left open; otherwise
    undecided, with the number and total length of the open pieces (where the statement is
    not proven).  Refutes only when the claimed points are certified not to be an orbit.
    ``attempt`` (default True): when S meets the span the check is undecided by design, and
    that must not make the claim inconclusive.
    """

    def run(ctx: CheckContext) -> Finding:
        bm, kink_note = ball_map(problem)
        if bm is None:
            return Finding(Outcome.UNDECIDED, f"kinks unknown: {kink_note}")
        d = sp.Rational(delta)
        refuted = _residual_refutation(problem, points, d, ctx)
        if refuted:
            return refuted
        trap, proof = _trap_for(problem, points, d, 128)
        if trap is None:
            return Finding(Outcome.UNDECIDED, f"no trapping region proven ({proof.reason})")
        lo, hi = sp.Rational(span[0]), sp.Rational(span[1])
        with cert.working_prec(128):
            result = cert.cover_starts(bm, flint.arb(_fmpq(lo)), flint.arb(_fmpq(hi)),
                                       flint.arb(_fmpq(d)), trap, pieces=pieces,
                                       max_pieces=2000 if ctx.quick else 20000)
            open_len = result.undecided_length()
        numbers = {
            "range covered": f"starts in [{lo}, {hi}], {problem.step} = {d}",
            "boxes": str(len(result.proven)), "pieces tried": str(result.pieces_tried),
            "widest enclosure": upper_decimal(max(
                (b - a for a, b in result.proven), key=lambda v: float(v.upper()),
                default=flint.arb(0))),
            "open pieces": str(len(result.undecided)),
            "open length (upper bound)": upper_decimal(open_len),
            "open pieces (first 8)": "; ".join(
                f"[{decimal(a, 10)}, {decimal(b, 10)}]" for a, b in result.undecided[:8]),
            "most steps to the trap": str(result.max_steps),
            "trap contraction |(g^p)'|": upper_decimal(abs(trap.q)),
            "working precision (bits)": "128",
        }
        if result.undecided:
            return Finding(Outcome.UNDECIDED, (
                f"proven for every start in [{lo}, {hi}] outside {len(result.undecided)} open "
                f"pieces of total length <= {numbers['open length (upper bound)']} (their balls "
                f"reach a kink or the budget ran out); the open pieces are not proven"), numbers)
        return Finding(Outcome.SUPPORTS, (
            f"every start in [{lo}, {hi}] enters a contracting trapping region of the cycle "
            f"within {result.max_steps} steps ({len(result.proven)} pieces), so converges to it"),
            numbers, coverage=declared(  # one step size, starts in a bounded span
                Scope.INSTANCES, {problem.step: f"= {d}", "x[0]": f"[{lo}, {hi}]"}, part=""))

    return Check("basin_cover_certified", Tier.CERTIFIED, run,
                 f"Arb balls, every start in [{span[0]}, {span[1]}], {problem.step} = {delta}",
                 attempt=attempt)


