"""Metamorphic relations: transformations of the problem with a known effect on GD.

* Scaling: GD on c f with step delta/c is GD on f with step delta:
  x - (delta/c) c f'(x) = x - delta f'(x).
* Rotation: w = Q v with Q orthogonal turns the Hessian A into Q^T A Q (same spectrum) and maps GD
  orbits to rotated GD orbits.
* Reflection: for even f, g(-x) = -g(x), so the orbit from -x0 is the negated orbit from x0.
"""

from __future__ import annotations

from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics.gd import classify_tail, iterate_scalar, iterate_vector
from proofs.compile import to_numpy
from verify.checks.common import ScalarProblem, mpmath_map, numpy_map, scalar_gd

LOSSES = ["2*Abs(x)**Rational(3,2)/3", "x**4", "(x**2 + 1)*(x - 1)**2*(x - 2)**2"]
EVEN_LOSSES = ["2*Abs(x)**Rational(3,2)/3", "x**4"]

finite = dict(allow_nan=False, allow_infinity=False)
scales = st.fractions(min_value=Fraction(1, 20), max_value=20, max_denominator=20).filter(
    lambda c: c > 0)


def _scaled(loss: str, c: Fraction) -> ScalarProblem:
    return ScalarProblem(f"c*({loss})", fixed={"c": f"{c.numerator}/{c.denominator}"})


# ---------------------------------------------------------------- scaling


@pytest.mark.parametrize("loss", LOSSES)
def test_scaled_problem_is_built_exactly(loss):
    c = Fraction(7, 3)
    base, scaled = scalar_gd(ScalarProblem(loss)), scalar_gd(_scaled(loss, c))
    assert sp.simplify(scaled.loss - sp.Rational(7, 3) * base.loss) == 0
    # Pinning c and writing the rational into the string give the same exact map.
    inline = scalar_gd(ScalarProblem(f"Rational(7, 3)*({loss})"))
    assert sp.simplify(inline.gd_map - scaled.gd_map) == 0
    # Symbolically: g_c(x, delta/c) == g(x, delta).
    delta = base.step
    assert sp.simplify(scaled.gd_map.subs(scaled.step, delta / sp.Rational(7, 3))
                       - base.gd_map) == 0


@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=40, deadline=None)
@given(c=scales, xs=st.lists(st.floats(-3, 3, **finite), min_size=1, max_size=8),
       delta=st.floats(1e-3, 2, **finite))
def test_scaling_loss_and_inverse_step_one_float_step(loss, c, xs, delta):
    g, g_c = numpy_map(ScalarProblem(loss)), numpy_map(_scaled(loss, c))
    x = np.array(xs)
    plain = g(x, delta)
    scaled = g_c(x, delta / float(c))
    move = np.abs(plain - x)  # |delta f'(x)|: the part that carries the rounding
    np.testing.assert_array_less(np.abs(scaled - plain), 1e-13 * (np.abs(x) + move) + 1e-300)


@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=30, deadline=None)
@given(c=scales, x0=st.floats(-3, 3, **finite), delta=st.floats(1e-3, 1, **finite),
       steps=st.integers(1, 10))
def test_scaling_loss_and_inverse_step_orbits_at_high_precision(loss, c, x0, delta, steps):
    g, g_c = mpmath_map(ScalarProblem(loss)), mpmath_map(_scaled(loss, c))
    with mpmath.workdps(60):
        d = mpmath.mpf(delta)
        d_c = d / (mpmath.mpf(c.numerator) / c.denominator)
        x, y = mpmath.mpf(x0), mpmath.mpf(x0)
        for _ in range(steps):
            x, y = g(x, d), g_c(y, d_c)
            assert abs(x - y) <= mpmath.mpf(10) ** -12 * (1 + abs(x))


# Start ranges where small steps keep every orbit bounded (near the minimisers).
BOUNDED_STARTS = {LOSSES[0]: (-1.0, 1.0), LOSSES[1]: (-1.0, 1.0), LOSSES[2]: (0.8, 2.2)}


@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=20, deadline=None)
@given(c=scales, fractions_=st.lists(st.floats(0, 1, **finite), min_size=1, max_size=5),
       delta=st.floats(1e-3, 0.05, **finite))
def test_scaling_preserves_batched_float_runs_in_a_bounded_regime(loss, c, fractions_, delta):
    lo, hi = BOUNDED_STARTS[loss]
    s = lo + (hi - lo) * np.array(fractions_)
    g, g_c = numpy_map(ScalarProblem(loss)), numpy_map(_scaled(loss, c))
    a = iterate_scalar(g, s, np.array([delta]), 20, n_tail=5)
    b = iterate_scalar(g_c, s, np.array([delta / float(c)]), 20, n_tail=5)
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(b, a, rtol=1e-10, atol=1e-12)


def test_scaling_without_inverse_step_changes_the_orbit():
    # Control: scaling the loss but keeping the step does change GD (so the relation is real).
    g, g_c = numpy_map(ScalarProblem("x**4")), numpy_map(_scaled("x**4", Fraction(3)))
    x = np.array([0.5, -0.7])
    assert np.all(np.abs(g(x, 0.1) - g_c(x, 0.1)) > 1e-3)


# ---------------------------------------------------------------- rotation


def _orthogonal(rng: np.random.Generator, n: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.normal(size=(n, n)))
    return q * np.sign(np.diag(r))


@settings(max_examples=40, deadline=None)
@given(n=st.integers(2, 6), seed=st.integers(0, 2**32 - 1))
def test_orthogonal_change_of_basis_keeps_hessian_spectrum(n, seed):
    rng = np.random.default_rng(seed)
    m = rng.normal(size=(n, n))
    A = (m + m.T) / 2
    Q = _orthogonal(rng, n)
    assert np.allclose(Q.T @ Q, np.eye(n), atol=1e-12)
    rotated = Q.T @ A @ Q  # Hessian of v -> f(Q v) for f(w) = w^T A w / 2
    scale = 1 + np.abs(np.linalg.eigvalsh(A)).max()
    np.testing.assert_allclose(np.linalg.eigvalsh(rotated), np.linalg.eigvalsh(A),
                               atol=1e-12 * scale)
    # Control: a non-orthogonal change of basis generally changes the spectrum.
    S = np.diag(rng.uniform(2, 3, n))
    assert not np.allclose(np.linalg.eigvalsh(S.T @ A @ S), np.linalg.eigvalsh(A), atol=1e-6)


def _pythagorean_rotation(p: int, q: int) -> sp.Matrix:
    """An exact rational rotation from the Pythagorean triple (p^2 - q^2, 2pq, p^2 + q^2)."""
    a, b, h = p * p - q * q, 2 * p * q, p * p + q * q
    cos, sin = sp.Rational(a, h), sp.Rational(b, h)
    return sp.Matrix([[cos, -sin], [sin, cos]])


@settings(max_examples=25, deadline=None)
@given(entries=st.lists(st.integers(-9, 9), min_size=3, max_size=3),
       pq=st.tuples(st.integers(1, 6), st.integers(1, 6)).filter(lambda t: t[0] != t[1]))
def test_exact_rotation_of_a_quadratic_loss_keeps_hessian_spectrum(entries, pq):
    w = sp.Matrix(sp.symbols("w1 w2", real=True))
    v = sp.Matrix(sp.symbols("v1 v2", real=True))
    A = sp.Matrix([[entries[0], entries[1]], [entries[1], entries[2]]])
    Q = _pythagorean_rotation(*pq)
    assert Q.T * Q == sp.eye(2)
    loss = (w.T * A * w)[0] / 2
    rotated_loss = loss.subs(dict(zip(w, Q * v)), simultaneous=True)
    H = sp.hessian(rotated_loss, list(v))
    assert sp.expand(H.charpoly().as_expr() - A.charpoly().as_expr()) == 0
    # and numerically, through the compile bridge
    h_num = np.array(to_numpy(H, [])(), dtype=float)
    np.testing.assert_allclose(np.linalg.eigvalsh(h_num), np.linalg.eigvalsh(np.array(A, float)),
                               atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(0, 40))
def test_rotation_maps_gd_orbits_to_rotated_orbits(seed, steps):
    rng = np.random.default_rng(seed)
    n = 3
    m = rng.normal(size=(n, n))
    A = m @ m.T + np.eye(n)  # positive definite
    Q = _orthogonal(rng, n)
    B = Q.T @ A @ Q
    delta = 1.0 / np.linalg.eigvalsh(A).max()  # contracting: 0 < delta * lambda <= 1
    w0 = rng.normal(size=(4, n))
    grad_w = lambda *w: list(A @ np.stack(w))  # noqa: E731
    grad_v = lambda *v: list(B @ np.stack(v))  # noqa: E731
    w = iterate_vector(grad_w, w0, delta, steps)
    v = iterate_vector(grad_v, w0 @ Q, delta, steps)  # v0 = Q^T w0, row-wise
    np.testing.assert_allclose(v, w @ Q, atol=1e-10)


# ---------------------------------------------------------------- reflection


@pytest.mark.parametrize("loss", EVEN_LOSSES)
def test_even_loss_gives_an_odd_gd_map_exactly(loss):
    gd = scalar_gd(ScalarProblem(loss))
    assert sp.simplify(gd.gd_map.subs(gd.x, -gd.x) + gd.gd_map) == 0


@pytest.mark.parametrize("loss", EVEN_LOSSES)
@settings(max_examples=40, deadline=None)
@given(starts=st.lists(st.floats(-5, 5, **finite), min_size=1, max_size=6),
       deltas=st.lists(st.floats(1e-3, 3, **finite), min_size=1, max_size=3),
       steps=st.integers(0, 60))
def test_reflection_negates_orbits(loss, starts, deltas, steps):
    g = numpy_map(ScalarProblem(loss))
    s, d = np.array(starts), np.array(deltas)
    plus = iterate_scalar(g, s, d, steps, n_tail=6)
    minus = iterate_scalar(g, -s, d, steps, n_tail=6)
    # IEEE negation is exact and the printed maps are odd term by term, so equality is exact
    # (NaN where diverged, in the same places).
    np.testing.assert_array_equal(minus, -plus)
    k_plus, p_plus = classify_tail(plus)
    k_minus, p_minus = classify_tail(minus)
    np.testing.assert_array_equal(k_plus, k_minus)
    np.testing.assert_array_equal(p_plus, p_minus)


@pytest.mark.parametrize("loss", EVEN_LOSSES)
@settings(max_examples=20, deadline=None)
@given(x0=st.floats(-3, 3, **finite), delta=st.floats(1e-3, 1, **finite), steps=st.integers(1, 12))
def test_reflection_negates_high_precision_orbits(loss, x0, delta, steps):
    g = mpmath_map(ScalarProblem(loss))
    with mpmath.workdps(50):
        x, y = mpmath.mpf(x0), -mpmath.mpf(x0)
        d = mpmath.mpf(delta)
        for _ in range(steps):
            x, y = g(x, d), g(y, d)
            assert x == -y


def test_reflection_fails_for_the_non_even_polynomial():
    # Control: the slides' polynomial is not even, and its GD orbits are not symmetric.
    g = numpy_map(ScalarProblem(LOSSES[2]))
    s = np.array([0.25, 0.5])
    plus = iterate_scalar(g, s, np.array([0.005]), 1, n_tail=2)
    minus = iterate_scalar(g, -s, np.array([0.005]), 1, n_tail=2)
    assert np.all(np.isfinite(plus)) and np.all(np.isfinite(minus))
    assert np.all(np.abs(minus + plus) > 1e-3)
