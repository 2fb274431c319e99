"""The numeric engines (numerics/): batched float64 GD, orbit classification, mpmath replays,
arb-ball sign certificates.  Expected values come from closed forms or hand computation."""

from __future__ import annotations

import os

import warnings

import flint
import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import balls, precise
from numerics.gd import (CYCLE, DIVERGED, FIXED, UNDECIDED, classify_tail, iterate_scalar,
                         iterate_vector, run_scalar)
from proofs.compile import to_arb
from verify.checks.common import ScalarProblem, mpmath_map, numpy_map

FAST = settings(max_examples=60, deadline=None)
T = sp.Symbol("t", real=True)

finite = dict(allow_nan=False, allow_infinity=False)


# ---------------------------------------------------------------- iterate_scalar


@FAST
@given(a=st.floats(-10, 10, **finite),
       deltas=st.lists(st.floats(1e-3, 2, **finite), min_size=1, max_size=3),
       starts=st.lists(st.floats(-100, 100, allow_subnormal=False, **finite),
                       min_size=1, max_size=4),
       steps=st.integers(0, 60), n_tail=st.integers(1, 8))
def test_iterate_scalar_linear_map_matches_closed_form(a, deltas, starts, steps, n_tail):
    """x -> (1 - delta a) x: the tail entry j is (1 - delta a)^(steps + 1 + j) x0."""
    tail = iterate_scalar(lambda x, d: (1 - d * a) * x, np.array(starts), np.array(deltas),
                          steps, n_tail=n_tail)
    assert tail.shape == (len(deltas), len(starts), n_tail)
    with mpmath.workdps(40):
        for i, d in enumerate(deltas):
            r = mpmath.mpf(1 - d * a)  # the float ratio the map multiplies by
            for k, x0 in enumerate(starts):
                for j in range(n_tail):
                    exact = r ** (steps + 1 + j) * mpmath.mpf(x0)
                    got = tail[i, k, j]
                    if abs(exact) <= 1e95:
                        tol = 1e-13 * (steps + 2 + j) * abs(exact) + 1e-280
                        assert abs(mpmath.mpf(got) - exact) <= tol, (d, x0, j, got, exact)
                    elif abs(exact) >= 1e105:
                        assert np.isnan(got)


def test_iterate_scalar_tail_starts_after_steps_iterations():
    # Doubling map from 1 with steps = 3: the tail is x_4, x_5, x_6.
    tail = iterate_scalar(lambda x, d: 2 * x, np.array([1.0]), np.array([0.5]), 3, n_tail=3)
    np.testing.assert_array_equal(tail[0, 0], [16.0, 32.0, 64.0])


def test_run_scalar_classifies_linear_regimes():
    # a = 1: delta 0.5 contracts to 0, delta 2 gives r = -1 (a 2-cycle x, -x), delta 3 diverges.
    runs = run_scalar(lambda x, d: (1 - d) * x, np.array([0.7, -2.0]), np.array([0.5, 2.0, 3.0]),
                      steps=400)
    np.testing.assert_array_equal(runs.kind[0], [FIXED, FIXED])
    np.testing.assert_array_equal(runs.kind[1], [CYCLE, CYCLE])
    np.testing.assert_array_equal(runs.period[1], [2, 2])
    np.testing.assert_array_equal(runs.kind[2], [DIVERGED, DIVERGED])
    np.testing.assert_array_equal(runs.period[2], [0, 0])
    assert runs.count(FIXED) == 2 and runs.count(CYCLE) == 2 and runs.count(DIVERGED) == 2


@pytest.mark.parametrize("loss, minimiser", [("x**4", 0.0),
                                             ("(x**2 + 1)*(x - 1)**2*(x - 2)**2", 1.0)])
@settings(max_examples=25, deadline=None)
@given(mags=st.lists(st.floats(10, 1e300, **finite), min_size=1, max_size=4),
       signs=st.lists(st.sampled_from([1.0, -1.0]), min_size=4, max_size=4),
       deltas=st.lists(st.floats(0.5, 1e3, **finite), min_size=1, max_size=3),
       steps=st.integers(12, 40))
def test_overflowing_runs_are_nan_and_diverged_without_warnings(loss, minimiser, mags, signs,
                                                                 deltas, steps):
    step = numpy_map(ScalarProblem(loss))
    starts = np.array([m * s for m, s in zip(mags, signs)] + [minimiser])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tail = iterate_scalar(step, starts, np.array(deltas), steps, n_tail=8)
        kind, period = classify_tail(tail)
    assert np.all(np.isnan(tail[:, :-1, :]))  # |x0| >= 10 overflows within ~8 steps
    assert np.all(kind[:, :-1] == DIVERGED) and np.all(period[:, :-1] == 0)
    # Control column: the minimiser is a fixed point of the map, never marked diverged.
    np.testing.assert_array_equal(tail[:, -1, :], minimiser)
    assert np.all(kind[:, -1] == FIXED) and np.all(period[:, -1] == 1)


def test_classify_tail_by_blocks_equals_the_definition():
    """classify_tail works through cache-sized blocks of runs: over several blocks (fixed
    points, cycles of every period, runs that settle on none, NaN and inf), each run gets the
    least p whose shifted tail matches within atol + rtol*max|x|, as the docstring defines."""
    from numerics.gd import CHUNK, CYCLE

    rng = np.random.default_rng(7)
    n, T, rtol, atol = 2 * CHUNK + 123, 10, 1e-9, 1e-12
    per = rng.integers(1, 12, n)  # > max_period: no cycle found
    tail = (np.take_along_axis(rng.standard_normal((n, 12)), np.arange(T)[None] % per[:, None], 1)
            * 10.0 ** rng.integers(-5, 5, (n, 1)))
    tail += rng.standard_normal((n, T)) * 10.0 ** rng.integers(-17, -7, (n, 1))
    tail[rng.random((n, T)) < 0.002] = np.nan
    tail[rng.random((n, T)) < 0.002] = np.inf
    kind, period = classify_tail(tail, rtol, atol)
    for row, k, p in zip(tail, kind.ravel(), period.ravel()):
        if not np.isfinite(row).all():
            assert (k, p) == (DIVERGED, 0)
            continue
        scale = atol + rtol * np.max(np.abs(row))
        least = next((q for q in range(1, 9) if np.max(np.abs(row[q:] - row[:-q])) <= scale), 0)
        assert p == least and k == (UNDECIDED if not least else FIXED if least == 1 else CYCLE)
    assert set(np.unique(kind)) == {UNDECIDED, FIXED, CYCLE, DIVERGED}


@pytest.mark.parametrize("bad", [[0.0], [-1.0], [np.nan], [np.inf], [0.1, -0.1], [0.1, np.nan]])
def test_iterate_scalar_rejects_bad_step_sizes(bad):
    with pytest.raises(ValueError):
        iterate_scalar(lambda x, d: x, np.array([1.0]), np.array(bad), 3)


def test_iterate_scalar_rejects_two_dimensional_deltas():
    with pytest.raises(ValueError):
        iterate_scalar(lambda x, d: x, np.array([1.0]), np.array([[0.1]]), 3)


# ---------------------------------------------------------------- classify_tail


def _planted(values, n_tail, noise, rng):
    """A tail that repeats ``values`` (phase-shifted), with a little noise below tolerance."""
    p = len(values)
    tail = np.array([values[k % p] for k in range(n_tail)], dtype=float)
    return tail + noise * rng.uniform(-1, 1, n_tail) * (1e-12 + 1e-9 * np.abs(tail))


@FAST
@given(p=st.integers(1, 5), data=st.data(), n_tail=st.integers(12, 30),
       scale=st.floats(1e-3, 1e6, **finite), seed=st.integers(0, 2**32 - 1))
def test_classify_tail_finds_planted_cycles_with_least_period(p, data, n_tail, scale, seed):
    ints = data.draw(st.lists(st.integers(-1000, 1000), min_size=p, max_size=p, unique=True))
    values = [scale * k for k in ints]
    rng = np.random.default_rng(seed)
    tail = _planted(values, n_tail, 0.4, rng)
    kind, period = classify_tail(tail[None, :])
    assert kind[0] == (FIXED if p == 1 else CYCLE)
    assert period[0] == p


@pytest.mark.parametrize("block, least", [([1.0, 2.0, 1.0, 2.0], 2), ([3.0, 3.0, 3.0], 1),
                                          ([1.0, 2.0, 3.0, 1.0, 2.0, 3.0], 3),
                                          ([5.0, -5.0] * 3, 2)])
def test_classify_tail_reports_least_period_of_repeated_blocks(block, least):
    tail = np.array([block[k % len(block)] for k in range(24)])
    kind, period = classify_tail(tail)
    assert period == least
    assert kind == (FIXED if least == 1 else CYCLE)


def test_classify_tail_batched_shapes_and_kinds():
    rng = np.random.default_rng(0)
    tails = np.stack([
        np.full(20, 0.25),                                   # fixed
        np.array([1.0, -1.0] * 10),                          # 2-cycle
        np.array([1.0, 2.0, 4.0, 8.0, 16.0] * 4),            # 5-cycle
        rng.normal(size=20),                                 # no period
        np.r_[np.ones(19), np.nan],                          # diverged
        np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0] * 3)[:20],  # period 7 > max_period 6
    ]).reshape(2, 3, 20)
    kind, period = classify_tail(tails, max_period=6)
    assert kind.shape == period.shape == (2, 3)
    np.testing.assert_array_equal(kind.ravel(), [FIXED, CYCLE, CYCLE, UNDECIDED, DIVERGED,
                                                 UNDECIDED])
    np.testing.assert_array_equal(period.ravel(), [1, 2, 5, 0, 0, 0])


@FAST
@given(n_tail=st.integers(8, 30), seed=st.integers(0, 2**32 - 1))
def test_classify_tail_does_not_invent_periods(n_tail, seed):
    tail = np.cumsum(np.random.default_rng(seed).uniform(1.0, 2.0, n_tail))  # strictly rising
    kind, period = classify_tail(tail)
    assert kind == UNDECIDED and period == 0


# ---------------------------------------------------------------- iterate_vector


def _quadratic_gradient(w1, w2):
    # f(w) = w1^2 + w1 w2 + w2^2, Hessian [[2, 1], [1, 2]].
    return [2 * w1 + w2, w1 + 2 * w2]


def test_iterate_vector_hand_computed_quadratic():
    # delta = 1/4 from (1, 0): grad (2, 1) -> (1/2, -1/4); grad (3/4, 0) -> (5/16, -1/4).
    out1 = iterate_vector(_quadratic_gradient, np.array([[1.0, 0.0]]), 0.25, 1)
    out2 = iterate_vector(_quadratic_gradient, np.array([[1.0, 0.0]]), 0.25, 2)
    np.testing.assert_array_equal(out1, [[0.5, -0.25]])
    np.testing.assert_array_equal(out2, [[0.3125, -0.25]])


@FAST
@given(a=st.lists(st.floats(0.1, 5, **finite), min_size=3, max_size=3),
       w0=st.lists(st.floats(-10, 10, **finite), min_size=3, max_size=3),
       delta=st.floats(0.01, 0.3, **finite), steps=st.integers(0, 50))
def test_iterate_vector_diagonal_quadratic_closed_form(a, w0, delta, steps):
    grad = lambda w1, w2, w3: [a[0] * w1, a[1] * w2, a[2] * w3]  # noqa: E731
    out = iterate_vector(grad, np.array([w0]), delta, steps)
    expected = [(1 - delta * ai) ** steps * wi for ai, wi in zip(a, w0)]
    np.testing.assert_allclose(out[0], expected, rtol=1e-12 * (steps + 1), atol=1e-300)


def test_iterate_vector_per_run_step_sizes_and_divergence():
    starts = np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]])
    deltas = np.array([0.25, 0.25, 2.0])  # eigenvalues 1 and 3: delta 2 > 2/3 diverges
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = iterate_vector(_quadratic_gradient, starts, deltas, 2000)
    assert np.all(np.abs(out[:2]) < 1e-100)
    assert np.all(np.isnan(out[2]))


def test_iterate_vector_constant_gradient_component():
    out = iterate_vector(lambda w1, w2: [w1, 0], np.array([[2.0, 3.0]]), 0.5, 3)
    np.testing.assert_array_equal(out, [[0.25, 3.0]])


@pytest.mark.parametrize("delta", [0.0, -0.5, np.nan, np.inf, np.array([0.1, -0.1])])
def test_iterate_vector_rejects_bad_step_sizes(delta):
    with pytest.raises(ValueError):
        iterate_vector(_quadratic_gradient, np.zeros((2, 2)), delta, 3)


# ---------------------------------------------------------------- precise


CONTRACTING = ScalarProblem("log(cosh(x)) + x**2/2")  # f'' in [1, 2]: g' in [1-2d, 1-d]


@FAST
@given(x0=st.floats(-5, 5, **finite), delta=st.floats(0.05, 0.9, **finite),
       steps=st.integers(1, 80))
def test_precise_iterate_agrees_with_float64_on_a_contracting_map(x0, delta, steps):
    orbit = precise.iterate(mpmath_map(CONTRACTING), x0, [delta], steps, dps=50)
    assert len(orbit) == steps + 1
    assert orbit[0] == mpmath.mpf(x0)
    step = numpy_map(CONTRACTING)
    x = np.float64(x0)
    for k in range(1, steps + 1):
        x = step(x, np.float64(delta))
        assert abs(float(orbit[k]) - x) <= 1e-12, (k, orbit[k], x)
    # It contracts to the minimiser 0 (|g'| <= max(1 - d, 2d - 1) < 1).
    rate = max(1 - delta, 2 * delta - 1) * (1 + 1e-9)  # near 0, |g'| -> |1 - 2 delta|: a tie
    assert abs(orbit[-1]) <= rate**steps * abs(x0) + mpmath.mpf(10) ** -45


def test_precise_iterate_is_more_precise_than_float64():
    # At 80 digits the 50-digit orbit is reproduced to about 1e-48, far below float64's 1e-16.
    a = precise.iterate(mpmath_map(CONTRACTING), "1.3", ["0.3"], 40, dps=50)
    b = precise.iterate(mpmath_map(CONTRACTING), "1.3", ["0.3"], 40, dps=80)
    with mpmath.workdps(80):
        worst = max(abs(u - v) for u, v in zip(a, b))
    assert worst < mpmath.mpf(10) ** -45
    assert a[-1] != 0


def test_precise_iterate_stops_on_escape():
    orbit = precise.iterate(mpmath_map(ScalarProblem("x**4")), 10, [1], 50, dps=30)
    assert len(orbit) < 51
    assert abs(orbit[-1]) > 1e40
    assert all(abs(v) <= 1e40 for v in orbit[:-1])


# ---------------------------------------------------------------- balls


def test_certify_positive_proves_a_positive_quadratic():
    proof = balls.certify_positive(to_arb(T**2 - T + 1, [T]), "-2", "2")  # min 3/4 at t = 1/2
    assert proof.proved is True
    assert proof.pieces >= 1 and proof.witness is None


@settings(max_examples=30, deadline=None)
@given(a=st.fractions(-2, 2, max_denominator=50), eps=st.fractions("1/10", 2, max_denominator=20))
def test_certify_positive_proves_shifted_squares(a, eps):
    a, eps = sp.Rational(a.numerator, a.denominator), sp.Rational(eps.numerator, eps.denominator)
    proof = balls.certify_positive(to_arb((T - a) ** 2 + eps, [T]), "-3", "3")
    assert proof.proved is True


def _exact_value(expr, witness: str):
    return expr.subs(T, sp.Rational(witness))


@settings(max_examples=40, deadline=None)
@given(a=st.fractions(-2, 2, max_denominator=30), width=st.fractions("1/25", 2, max_denominator=50),
       pad=st.integers(0, 8))
def test_certify_positive_witness_is_where_f_is_nonpositive(a, width, pad):
    a = sp.Rational(a.numerator, a.denominator)
    b = a + sp.Rational(width.numerator, width.denominator)
    expr = (T - a) * (T - b)  # negative exactly on (a, b)
    # Dyadic end points, so that they (and every bisection point) are exact balls.
    lo = sp.floor(8 * a) / 8 - sp.Rational(pad, 8)
    hi = sp.ceiling(8 * b) / 8 + 1
    proof = balls.certify_positive(to_arb(expr, [T]), str(float(lo)), str(float(hi)))
    assert proof.proved is False
    assert proof.witness is not None
    assert _exact_value(expr, proof.witness) <= 0
    assert lo <= sp.Rational(proof.witness) <= hi
    assert float(proof.witness_value) <= 0


def test_certify_positive_undecided_when_budget_is_too_small():
    # Positive, but only by 1e-12 near t = 1/3; expanded, interval arithmetic overestimates the
    # range by about the piece width, so 64 pieces cannot show it, and it must claim neither a
    # proof nor a counterexample.
    expr = sp.expand((T - sp.Rational(1, 3)) ** 2) + sp.Rational(1, 10**12)
    proof = balls.certify_positive(to_arb(expr, [T]), "0", "1", max_pieces=64)
    assert proof.proved is None
    assert proof.witness is None


def test_certify_positive_restores_precision():
    before = flint.ctx.prec
    balls.certify_positive(to_arb(T + 1, [T]), "0", "1", prec_bits=300)
    assert flint.ctx.prec == before


# Regression: certify_positive once reported the exact dyadic midpoint rounded to 20 significant
# digits, so when the set where f <= 0 was narrower than that rounding the witness lay where
# f > 0.  Here f < 0 only on (1/3 - 1e-30, 1/3 + 1e-30); the old witness "0.33333333333333333333"
# = 1/3 - 3.3e-21 had f = +1.1e-41.
def test_certify_positive_witness_in_a_narrow_negative_region():
    a = sp.Rational(1, 3) - sp.Rational(1, 10**30)
    b = sp.Rational(1, 3) + sp.Rational(1, 10**30)
    expr = (T - a) * (T - b)
    proof = balls.certify_positive(to_arb(expr, [T]), "0", "1", prec_bits=256)
    assert proof.proved is False
    assert _exact_value(expr, proof.witness) <= 0


# Regression: with inexact end points ("-7/10" is a ball of radius ~1e-39 at 128 bits) and a
# root of f at a bisection point (t = 0, 3/8 of the way), the old left-first depth-first
# bisection kept splitting the undecidable sliver [+/- 8e-39] around the root until the stack
# reached max_pieces, answering proved=None although f(1/12) = -1/144 is a clear counterexample.
def test_certify_positive_finds_a_wide_negative_region_with_inexact_end_points():
    expr = T * (T - sp.Rational(1, 6))
    proof = balls.certify_positive(to_arb(expr, [T]), "-7/10", "7/6")
    assert proof.proved is False


# Regression: to_arb once printed sign(t) through the math printer as copysign(1, t), a float,
# so a ball straddling 0 got sign +1 and enclosures of maps with sign() (the Example 1 map)
# excluded true values; and Abs as the builtin abs, a ball dipping below 0 whose sqrt is NaN.
@pytest.mark.parametrize("expr", [sp.sign(T), T - sp.sqrt(sp.Abs(T)) * sp.sign(T) / 2,
                                  sp.sign(T) * T**2])
def test_to_arb_encloses_maps_with_sign_on_balls_straddling_zero(expr):
    f = to_arb(expr, [T])
    ball = flint.arb("0.5", "0.75")  # [-0.25, 1.25]
    enclosure = f(ball)
    for t in ["-1/4", "-1/8", "0", "1/100", "1/2", "5/4"]:
        exact = expr.subs(T, sp.Rational(t))
        assert enclosure.is_finite() and enclosure.contains(flint.arb(str(sp.N(exact, 40)))), t
    # On an exact point away from 0 the sign is decided, and the enclosure is tight.
    point = f(flint.arb(-2))
    assert point.contains(flint.arb(str(sp.N(expr.subs(T, -2), 40)))) and point.rad() < 1e-10


def test_to_arb_sign_of_a_straddling_ball_encloses_all_three_values():
    enclosure = to_arb(sp.sign(T), [T])(flint.arb("0.5", "0.75"))
    assert all(enclosure.contains(v) for v in (-1, 0, 1))


def test_run_scalar_in_chunks_gives_the_same_runs_and_keeps_the_last_iterates():
    starts = np.linspace(-3.0, 3.0, 1001)
    deltas = np.array([0.5, 2.0, 3.0])
    step = lambda x, d: (1 - d) * x  # noqa: E731 - a fixed point, 2-cycles, divergence
    whole = run_scalar(step, starts, deltas, steps=200, chunk=10**6)
    parts = run_scalar(step, starts, deltas, steps=200, chunk=97, keep=3)
    np.testing.assert_array_equal(parts.kind, whole.kind)
    np.testing.assert_array_equal(parts.period, whole.period)
    np.testing.assert_array_equal(parts.tail, whole.tail[..., -3:])
    assert parts.tail.shape == (3, 1001, 3) and len(set(whole.kind.ravel())) >= 3
    with pytest.raises(ValueError):
        run_scalar(step, starts, deltas, steps=10, keep=0)


_SWEEP_RSS = """
import resource, sys
import numpy as np
from numerics.gd import run_scalar
n, keep = int(sys.argv[1]), int(sys.argv[2])
run_scalar(lambda x, d: x - d * x, np.linspace(-1, 1, n), np.array([1.5]), 8, keep=keep)
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the (large) pytest parent.
with open("/proc/self/status") as f:
    print(next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) // 1024)
"""


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_a_sweep_keeps_its_memory_bounded():
    """2*10^6 starts: the whole 24-iterate tail would be 384 MB before classification's
    temporaries; chunked, with 2 iterates kept, the process stays far below that."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", _SWEEP_RSS, str(2 * 10**6), "2"],
                         capture_output=True, text=True, timeout=300, check=True)
    assert int(out.stdout.split()[-1]) < 250, out.stdout


@pytest.mark.slow
def test_a_sweep_of_ten_million_starts_stays_under_one_gigabyte():
    from benchmarks.sweep_memory import LIMIT_MB, measure

    got = measure(10**7)
    assert got["peak_mb"] < LIMIT_MB and got["cycles"] + got["undecided"] > 0, got


def test_classify_tail_is_the_plain_formula():
    """classify_tail tests each period on the runs still undecided only: the same kinds and
    periods as the formula over every run (NaN / inf tails, fixed points, cycles, neither)."""
    rng = np.random.default_rng(4)
    starts, deltas = rng.uniform(-2, 2, 400), np.linspace(0.1, 1.6, 12)
    tail = iterate_scalar(lambda x, d: x - d * (x ** 3 - x) * (1 + 0.1 * x * x), starts, deltas,
                          300, 24)
    tail[0, :3, 5], tail[1, :3, 9] = np.inf, np.nan
    for rtol, atol, max_period in ((1e-9, 1e-12, 8), (1e-10, 1e-12, 3), (1e-6, 0.0, 8)):
        kind = np.full(tail.shape[:-1], UNDECIDED, dtype=np.int8)
        period = np.zeros(tail.shape[:-1], dtype=np.int16)
        kind[np.any(~np.isfinite(tail), axis=-1)] = DIVERGED
        scale = atol + rtol * np.nanmax(np.abs(np.nan_to_num(tail)), axis=-1)
        for p in range(1, min(max_period, tail.shape[-1] - 1) + 1):
            with np.errstate(invalid="ignore"):
                gap = np.max(np.abs(tail[..., p:] - tail[..., :-p]), axis=-1)
            hit = (kind == UNDECIDED) & (gap <= scale)
            kind[hit] = FIXED if p == 1 else CYCLE
            period[hit] = p
        got = classify_tail(tail, rtol, atol, max_period)
        assert {FIXED, CYCLE, DIVERGED} <= set(np.unique(kind).tolist())
        np.testing.assert_array_equal(got[0], kind)
        np.testing.assert_array_equal(got[1], period)
