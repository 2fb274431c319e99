"""The compiled scalar backend agrees with the numpy engine, and its absence is harmless."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import example, given, settings
from hypothesis import strategies as st

from numerics import compiled
from numerics.gd import classify_tail, iterate_scalar
from proofs.compile import horner_map, to_c, to_numpy
from verify.checks.common import ScalarProblem, gd_kernel, scalar_gd

LOSSES = ["2*Abs(x)**Rational(3,2)/3", "x**4", "(x**2 + 1)*(x - 1)**2*(x - 2)**2"]
needs_cc = pytest.mark.skipif(compiled.compiler() is None,
                              reason="no C compiler on this machine: the numpy engine is used")


def _amplification(gd_map, loss, starts, deltas, steps, n_tail):
    """The product of max(1, |g'(x_k)|) along numpy's run up to each recorded iterate, shape
    (m, n, n_tail) as :func:`iterate_scalar`'s tail (inf where the derivative is)."""
    gd = scalar_gd(ScalarProblem(loss))
    # sign(x)' = DiracDelta(x) in |x|^(3/2)'s map: 0 away from x = 0, where the runs are
    slope = to_numpy(sp.diff(gd.gd_map, gd.x).replace(sp.DiracDelta, lambda *_: sp.S.Zero),
                     [gd.x, gd.step])
    x = np.broadcast_to(starts, (deltas.size, starts.size)).copy()
    d, amp, tail = deltas[:, None], np.ones_like(x), []
    with np.errstate(all="ignore"):
        for k in range(steps + n_tail):
            if k >= steps:
                tail.append(amp)
            amp = amp * np.maximum(1.0, np.abs(slope(x, d)))
            x = gd_map(x, d)
    return np.nan_to_num(np.stack(tail, axis=-1), nan=np.inf)


def _pair(loss, fma=False):
    gd = scalar_gd(ScalarProblem(loss))
    return to_numpy(gd.gd_map, [gd.x, gd.step]), gd_kernel(gd, fma)


@needs_cc
@pytest.mark.parametrize("fma", [False, True], ids=["ieee", "fma"])
@pytest.mark.parametrize("loss", LOSSES)
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 1500), steps=st.integers(0, 300))
@example(seed=359951, n=398, steps=4)  # rounding amplified 2.9e7 times (see below)
def test_compiled_agrees_with_numpy(loss, fma, seed, n, steps):
    """The IEEE build and the default FMA build (Horner form, fused multiply-adds: it rounds
    differently, by the same order of magnitude) against numpy, with the same tolerances."""
    vectorised, kernel = _pair(loss, fma)
    assert kernel is not None
    rng = np.random.default_rng(seed)
    starts, deltas = rng.uniform(-4, 4, n), rng.uniform(0.001, 1.0, 3)
    a = iterate_scalar(compiled.ScalarMap(vectorised, kernel), starts, deltas, steps, 6)
    b = iterate_scalar(vectorised, starts, deltas, steps, 6)
    finite = np.isfinite(a) & np.isfinite(b)
    # Same divergence decisions except within a rounding of the bound; same values to rounding
    # of the expression order (chaotic runs may drift apart, so compare classifications).
    # A handful of runs sitting on a divergence boundary or in a chaotic band may flip; allow a
    # couple plus a few percent of the runs (a flipped run flips its whole tail, so runs are
    # counted, not tail entries), so small batches are not judged by one boundary run.
    flipped = np.any(np.isnan(a) != np.isnan(b), axis=-1)
    assert np.sum(flipped) <= 2 + 0.03 * flipped.size
    if steps <= 5:  # before chaotic runs amplify rounding differences
        # The two builds order the expression's operations differently, so each step rounds
        # differently (~1e-16 relative), and the run multiplies an earlier difference by |g'(x)|
        # a step (g the GD map): Hypothesis found 1.1e-8 at seed 359951 (n 398, steps 4) on an
        # iterate 154 of the degree-6 map, after an amplification of 2.9e7.  So each entry is
        # compared to 1e-13 times the amplification along numpy's run (at least 1e-9); an iterate
        # near 0 is a cancellation of terms as large as delta |f'(x)| ~ 1e4 earlier in the run,
        # so its rounding is absolute (Hypothesis found 2.5e-10 at seed 386, n 511): atol 1e-8.
        rtol = np.maximum(1e-9, 1e-13 * _amplification(vectorised, loss, starts, deltas, steps, 6))
        assert np.all(np.abs(a - b)[finite] <= 1e-8 + (rtol * np.abs(b))[finite])
    ka, _ = classify_tail(a)
    kb, _ = classify_tail(b)
    assert np.sum(ka != kb) <= 2 + 0.03 * ka.size


def test_without_a_compiler_nothing_is_built(monkeypatch):
    monkeypatch.setattr(compiled, "compiler", lambda: None)
    assert compiled.build("x - delta*x") is None
    vectorised, _ = _pair("x**4")
    fallback = compiled.ScalarMap(vectorised, None)
    assert not hasattr(fallback, "iterate_tail")
    tail = iterate_scalar(fallback, np.array([0.5]), np.array([0.1]), 10, 2)
    assert tail.shape == (1, 1, 2) and np.all(np.isfinite(tail))


def test_a_failing_build_returns_none():
    assert compiled.build("x + this_is_not_c(") is None


@needs_cc
def test_the_tail_is_the_same_for_every_thread_count(monkeypatch):
    """The batch is shared out over threads by whole blocks: bit-identical tails."""
    _, kernel = _pair("(x**2 + 1)*(x - 1)**2*(x - 2)**2")
    monkeypatch.setattr(compiled, "MIN_WORK_PER_THREAD", 1)  # split even this small batch
    starts, deltas = np.linspace(-0.5, 2.5, 3 * compiled.BLOCK + 17), np.array([0.01, 0.05, 0.3])
    one = kernel.iterate_tail(starts, deltas, 40, 5, 1e100, threads=1)
    for threads in (2, 3, 7):
        np.testing.assert_array_equal(kernel.iterate_tail(starts, deltas, 40, 5, 1e100,
                                                          threads=threads), one)
    assert np.isnan(one).any() and np.isfinite(one).any()  # divergent and bounded runs both


def test_horner_map_is_the_same_map():
    """Horner form only for polynomial gradients, and exactly equal to the map as an
    expression; a map that is not polynomial in x is returned unchanged."""
    for loss in LOSSES:
        gd = scalar_gd(ScalarProblem(loss))
        assert sp.simplify(horner_map(gd.gd_map, gd.x, gd.step) - gd.gd_map) == 0
    ex1 = scalar_gd(ScalarProblem(LOSSES[0]))
    assert horner_map(ex1.gd_map, ex1.x, ex1.step) is ex1.gd_map
    slides = scalar_gd(ScalarProblem(LOSSES[2]))
    grad = sp.expand((slides.x - horner_map(slides.gd_map, slides.x, slides.step)) / slides.step)
    assert sp.Poly(grad, slides.x).degree() == 5
    assert "pow" not in to_c(horner_map(slides.gd_map, slides.x, slides.step), slides.x,
                             slides.step)


@needs_cc
def test_fma_build_differs_from_the_ieee_build_only_by_rounding():
    """The FMA kernel contracts a*b + c (so its bits differ from the IEEE kernel's on the
    slides' polynomial), yet agrees to a few ulps after one step."""
    _, ieee = _pair(LOSSES[2])
    _, fma = _pair(LOSSES[2], fma=True)
    starts, deltas = np.linspace(-0.5, 2.5, 4001), np.array([0.01, 0.05])
    a = ieee.iterate_tail(starts, deltas, 0, 1, 1e100)
    b = fma.iterate_tail(starts, deltas, 0, 1, 1e100)
    assert not np.array_equal(a, b)
    np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-13)


def test_horner_map_leaves_huge_powers_unexpanded():
    """A claim file may hold (x - a)**100000: expanding it for Horner's form took two minutes
    (and a budgeted certified check then ran out of time); such a map is left as it is."""
    x, delta = sp.symbols("x delta")
    for loss in ((x - delta) ** 100000 + x ** 2 / 2, (x - 1) ** 100000):
        gd_map = x - delta * sp.diff(loss, x)
        assert horner_map(gd_map, x, delta) is gd_map
    small = x - delta * sp.diff((x - 1) ** 6, x)  # a modest power still gets Horner's form
    assert horner_map(small, x, delta) != small
    assert sp.expand(horner_map(small, x, delta) - small) == 0


def test_compiled_once_shares_a_build_per_key():
    """proofs.compile.compiled_once: one build per (expression, arguments) in a process (a
    matrix compared by its entries); the Hessian a model hands out is a copy of the shared one."""
    from proofs.compile import compiled_once, to_mpmath
    from verify.userclaims.model import Model
    from verify.userclaims.parse import parse_table

    x, y = sp.symbols("x y", real=True)
    builds = []
    first = compiled_once((sp.Matrix([[x * y]]), (x, y), "test"), lambda: builds.append(1) or 1)
    again = compiled_once((sp.Matrix([[x * y]]), (x, y), "test"), lambda: builds.append(1) or 2)
    assert first == again == 1 and builds == [1]
    assert to_mpmath(x * y, [x, y]) is to_mpmath(x * y, [x, y])
    assert to_mpmath(x * y, [x, y])(2, 3) == 6
    table = {"id": "t.h", "kind": "trajectory", "loss": "x**2*y**2", "variables": ["x", "y"],
             "step": "eta", "params": {"eta": [0.1, 0.2]}, "start": ["1", "1"],
             "quantity": "sharpness", "bound": "100", "steps": 2}
    a, b = (Model(parse_table(table)) for _ in range(2))
    H = a.hessian
    H[0, 0] = 0  # a caller's change stays its own
    assert b.hessian[0, 0] != 0 and a.hessian is not b.hessian


def test_mpmath_gd_map_with_common_subexpressions_matches_the_plain_one():
    """Model.mp_step (the GD map, compiled with cse=True: the chain's error and partial
    products once) equals the plain mpmath compilation to the working precision, and is cached
    apart from it."""
    import mpmath

    from proofs.compile import to_mpmath
    from verify.api import claim
    from verify.userclaims.model import Model

    spec = claim(id="cse.map", kind="convergence", step="delta",
                 model={"family": "double_network", "depth": 3, "target": "lam", "init": "1"},
                 params={"delta": ["1/100", "1/2"], "lam": ["-3/2", "-1/2"]},
                 condition="delta > 1", otherwise="does not converge", target="0")
    model = Model(spec)
    args = model.vars + [model.params[n] for n in model.free_names]
    plain = to_mpmath(model.pin(model.gd_map), args)
    assert plain is not to_mpmath(model.pin(model.gd_map), args, cse=True)
    with mpmath.workdps(50):
        x = [mpmath.mpf(k + 1) / 7 for k in range(6)] + [mpmath.mpf("0.3"), mpmath.mpf("-1.1")]
        got = model.mp_step(*x)
        want = [v for v in mpmath.matrix(plain(*x))]
        assert all(abs(a - b) <= mpmath.mpf(10) ** -45 * (1 + abs(b)) for a, b in zip(got, want))
