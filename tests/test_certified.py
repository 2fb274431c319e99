"""The certified tier (issue 7): engine properties against mpmath at 3x the precision, proofs
that must fail on boxes without a periodic point, three-valued comparisons, precision
restoring, and the check factories on the paper's claims and on deliberately wrong variants."""

from __future__ import annotations

import math
from fractions import Fraction

import flint
import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from numerics import certified as cert
from verify.userclaims.certified import (
    ball_map, basin_cover_certified, cycle_certified,
    threshold_crossing_certified,
)
from verify.checks.common import ScalarProblem
from verify.vocabulary import CheckContext, Outcome

FAST = settings(max_examples=40, deadline=None)
EX1 = ScalarProblem("2*Abs(x)**Rational(3,2)/3")
EX1_CYCLE = ("delta**2/4", "-delta**2/4")
SLIDES = ScalarProblem("(x**2 + 1)*(x - 1)**2*(x - 2)**2")
QUARTIC = ScalarProblem("x**L", fixed={"L": "4"})
CTX = CheckContext(seed=0, quick=True, dps=50)
fractions = st.fractions


def to_arb_exact(v: mpmath.mpf) -> flint.arb:
    """An mpf as an exact ball (sign, mantissa, exponent), whatever the working precision."""
    sign, man, exp, _ = v._mpf_
    if man == 0:
        return flint.arb(0)
    with cert.working_prec(max(64, int(man).bit_length() + 8)):
        return (-1) ** sign * flint.arb(int(man)) * flint.arb(2) ** int(exp)


def g_mp(x, d):
    """Example 1's map written by hand in mpmath (independent of the SymPy bridge)."""
    return x - d * mpmath.sign(x) * mpmath.sqrt(abs(x))


def frac_ball(q: Fraction) -> flint.arb:
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def mp_frac(q: Fraction) -> mpmath.mpf:
    return mpmath.mpf(q.numerator) / q.denominator


# --- three-valued comparisons and precision -----------------------------------------------

@FAST
@given(a=fractions(-5, 5, max_denominator=40), r=fractions("1/1000", 2, max_denominator=1000))
def test_comparisons_undecided_on_overlapping_balls(a, r):
    with cert.working_prec(128):
        ball = flint.arb(frac_ball(a).mid(), frac_ball(r).mid())
        inside = flint.arb(frac_ball(a).mid())
        assert cert.less(ball, inside) is None and cert.less(inside, ball) is None
        if ball.contains(0):
            assert cert.sign(ball) is None
        far = ball + 3 * flint.arb(frac_ball(r).mid()) + 1
        assert cert.less(ball, far) is True and cert.less(far, ball) is False
    assert cert.sign(flint.arb(0)) == 0


def test_precision_restored_even_on_error():
    before = flint.ctx.prec
    with pytest.raises(RuntimeError):
        with cert.working_prec(999):
            assert flint.ctx.prec == 999
            raise RuntimeError("boom")
    assert flint.ctx.prec == before


def test_escalate_doubles_until_decided():
    seen = []

    def attempt(bits):
        seen.append((bits, flint.ctx.prec))
        # 1 + 2^-300 > 1 is decided only with more than 300 bits.
        return True if (1 + flint.arb(2) ** -300) > 1 else None

    before = flint.ctx.prec
    result, bits = cert.escalate(attempt, 64, 1024)
    assert result is True and bits == 512 and [b for b, _ in seen] == [64, 128, 256, 512]
    assert all(b == p for b, p in seen) and flint.ctx.prec == before
    assert cert.escalate(lambda b: None, 64, 200) == (None, 128)


# --- enclosures contain the mpmath value at 3x the precision ------------------------------

@FAST
@given(x=fractions(-8, 8, max_denominator=97), r=st.integers(20, 100),
       d=fractions("1/100", 2, max_denominator=100))
def test_image_encloses_mpmath(x, r, d):
    bm, _ = ball_map(EX1)
    with cert.working_prec(64):
        X = flint.arb(frac_ball(x).mid(), flint.arb(2) ** -r)
        D = frac_ball(d)
        plain, centred = bm.image(X, D), bm.centred_image(X, D)
    with cert.working_prec(512):  # the end points exactly (upper() rounds at the precision)
        pts = [X.lower(), X.mid(), X.upper()]
    with mpmath.workprec(192):
        for p in pts:
            value = to_arb_exact(g_mp(_mpf_of(p), mp_frac(d)))
            assert plain.contains(value) and centred.contains(value)


def _mpf_of(p: flint.arb) -> mpmath.mpf:
    man, exp = p.mid().man_exp()
    return mpmath.ldexp(mpmath.mpf(int(man)), int(exp))


@settings(max_examples=15, deadline=None)
@given(x0=fractions(-9, 9, max_denominator=31), d=fractions("1/10", "3/2", max_denominator=20),
       centred=st.booleans())
def test_long_orbit_encloses_mpmath(x0, d, centred):
    bm, _ = ball_map(EX1)
    orbit = cert.iterate(bm, flint.fmpq(x0.numerator, x0.denominator),
                         flint.fmpq(d.numerator, d.denominator), 300, 100, centred=centred)
    with mpmath.workprec(300):
        x, dd = mp_frac(x0), mp_frac(d)
        for _ in range(orbit.steps):
            x = g_mp(x, dd)
        assert orbit.final.contains(to_arb_exact(x))


@settings(max_examples=20, deadline=None)
@given(lo=fractions("1/100", "3/2", max_denominator=200), w=fractions("1/1000", "1/20",
                                                                      max_denominator=1000),
       t=fractions(0, 1, max_denominator=16))
def test_krawczyk_box_and_multiplier_enclose_mpmath(lo, w, t):
    bm, _ = ball_map(EX1)
    hi = lo * (1 + w)
    with cert.working_prec(128):
        D = flint.arb.union(frac_ball(lo), frac_ball(hi))
        box = [cert.inflate(D ** 2 / 4, 2, 2.0 ** -12), cert.inflate(-D ** 2 / 4, 2, 2.0 ** -12)]
        proof = cert.krawczyk(bm, box, D)
    assert proof.exists is True and proof.stable is True
    d = lo + (hi - lo) * t  # any step size of the piece: the orbit is +-d^2/4, multiplier 0
    with mpmath.workprec(384):
        p1 = mp_frac(d) ** 2 / 4
        assert proof.box[0].contains(to_arb_exact(p1)) and proof.box[1].contains(to_arb_exact(-p1))
        assert proof.multiplier.contains(0)


@settings(max_examples=25, deadline=None)
@given(entries=st.lists(fractions(-5, 5, max_denominator=9), min_size=6, max_size=6))
def test_symmetric_spectrum_encloses_mpmath(entries):
    a, b, c, d, e, f = entries
    M = [[a, b, c], [b, d, e], [c, e, f]]
    spec = cert.symmetric_spectrum([[frac_ball(v) for v in row] for row in M], prec=64)
    with mpmath.workprec(192):
        values = mpmath.eigsy(mpmath.matrix([[mp_frac(v) for v in row] for row in M]),
                              eigvals_only=True)
        for v in values:
            assert any(e.contains(to_arb_exact(v)) for e in spec.eigenvalues)
        assert spec.lam_max.contains(to_arb_exact(max(values)))


def test_spectrum_of_rank_one_matrix_by_hand():
    # g g^T with g = (1, 2, 2): eigenvalues 9, 0, 0 (a double eigenvalue: Arb's cluster mode).
    g = [1, 2, 2]
    spec = cert.symmetric_spectrum([[flint.arb(a * b) for b in g] for a in g])
    assert spec.lam_max.contains(9) and spec.lam_max.rad() < 1e-10
    assert cert.lam_max_above(spec, flint.arb(8)) is True
    assert cert.lam_max_above(spec, flint.arb(10)) is False
    assert cert.lam_max_above(spec, flint.arb(9)) is None  # equality: never decided


def test_gershgorin_fallback_encloses():
    # A ball-valued matrix whose eigenvalues cannot be isolated: Weyl + Gershgorin instead.
    with cert.working_prec(64):
        A = [[flint.arb(2, 0.5), flint.arb(0)], [flint.arb(0), flint.arb(2, 0.5)]]
        spec = cert.symmetric_spectrum(A)
    assert spec.lam_max.contains(2.4) and spec.lam_max.contains(1.6)


# --- proofs that must fail ------------------------------------------------------------------

@FAST
@given(lo=fractions("1/100", "3/2", max_denominator=200), s=st.one_of(
    fractions("1/5", "9/10", max_denominator=50), fractions("11/10", 3, max_denominator=50)),
    w=fractions(0, "1/20", max_denominator=200))
def test_krawczyk_never_proves_a_box_without_orbit(lo, s, w):
    """Boxes around s*(+-delta^2/4) with s away from 1 hold no 2-periodic point."""
    bm, _ = ball_map(EX1)
    with cert.working_prec(128):
        D = flint.arb.union(frac_ball(lo), frac_ball(lo * (1 + w)))
        c = frac_ball(s) * D ** 2 / 4
        proof = cert.krawczyk(bm, [cert.inflate(c, 2, 2.0 ** -12), cert.inflate(-c, 2, 2.0 ** -12)],
                              D)
    assert proof.exists is not True


@FAST
@given(c=fractions("1/10", 3, max_denominator=40), r=fractions("1/100", "1/10",
                                                                max_denominator=100))
def test_fixed_point_proofs_only_where_there_is_one(c, r):
    """p = 1 on the slides' polynomial: its fixed points are its critical points, all in
    {1, 2} or the roots of the rest of f'; a proof succeeds only on boxes holding one."""
    bm, _ = ball_map(SLIDES)
    x = sp.Symbol("x", real=True)
    f = (x**2 + 1) * (x - 1)**2 * (x - 2)**2
    roots = [complex(z).real for z in sp.Poly(sp.diff(f, x), x).nroots(n=30)
             if abs(complex(z).imag) < 1e-20]
    with cert.working_prec(128):
        box = flint.arb(frac_ball(c).mid(), frac_ball(r).mid())
        proof = cert.krawczyk(bm, [box], flint.arb(flint.fmpq(1, 10)))
    lo, hi = float(c - r), float(c + r)
    if proof.exists:
        assert any(lo < z < hi for z in roots)
    if not any(lo - 1e-9 <= z <= hi + 1e-9 for z in roots):
        assert proof.exists is not True


def test_krawczyk_refuses_boxes_on_the_kink():
    bm, _ = ball_map(EX1)
    with cert.working_prec(128):
        D = flint.arb(flint.fmpq(1, 2))
        proof = cert.krawczyk(bm, [flint.arb(0, flint.arb(1) / 8), flint.arb(-1, 0.5)], D)
        assert proof.exists is None and "kink" in proof.reason
        assert bm.derivative(flint.arb(0, 0.01), D) is None
        # The branch-by-branch image still encloses g on both sides of the kink.
        y = bm.image(flint.arb(0, 0.01), D)
        for p in (-0.01, -0.004, 0, 0.003, 0.01):
            with mpmath.workprec(200):
                assert y.contains(to_arb_exact(g_mp(mpmath.mpf(p), mpmath.mpf(1) / 2)))


def test_cover_example1_by_hand_numbers():
    bm, _ = ball_map(EX1)
    cov = cert.cover(bm, lambda D: [D ** 2 / 4, -D ** 2 / 4], flint.arb(flint.fmpq(1, 100)),
                     flint.arb(1), pieces=32)
    assert cov.complete and len(cov.proofs) >= 32
    assert cov.proofs[0].delta.lower() <= flint.arb(flint.fmpq(1, 100))
    assert cov.proofs[-1].delta.upper() >= 1
    # consecutive pieces leave no gap
    for a, b in zip(cov.proofs, cov.proofs[1:]):
        assert a.delta.upper() >= b.delta.lower()
    assert all(p.stable is True for p in cov.proofs)


# --- check factories: the paper's claims and the wrong variants -----------------------------

def _run(check, ctx=CTX):
    before = flint.ctx.prec
    finding = check.run(ctx)
    assert flint.ctx.prec == before  # every check restores the working precision
    return finding


def test_example1_cycle_certified_on_the_whole_range():
    f = _run(cycle_certified(EX1, EX1_CYCLE, ("1/100", "1")))
    assert f.outcome is Outcome.SUPPORTS, f.detail
    lo, hi = f.numbers["range covered"].strip("[]").split(", ")
    assert float(lo) <= 0.01 and float(hi) >= 1
    assert int(f.numbers["boxes"]) >= 32 and float(f.numbers["largest |multiplier|"]) < 1
    assert float(f.numbers["widest enclosure (relative)"]) < 0.5


def test_example2_boundary_cycle_is_repelling():
    r = "sqrt(1/(2*delta))"  # x0^(L-2) = 2/(L delta) with L = 4; multiplier (3 - 2L)^2 = 25
    f = _run(cycle_certified(QUARTIC, (r, "-" + r), ("1/100", "1"), stable=False))
    assert f.outcome is Outcome.SUPPORTS, f.detail
    f = _run(cycle_certified(QUARTIC, (r, "-" + r), ("1/100", "1"), stable=True))
    assert f.outcome is Outcome.REFUTES
    assert float(f.counterexample.margin) > 0  # |m| - 1 = 24 at the counterexample
    assert abs(float(f.counterexample.observed.split()[1]) - 25) < 1e-20


def test_control_cycle_third_refuted_not_certified():
    f = _run(cycle_certified(EX1, ("delta**2/3", "-delta**2/3"), ("1/100", "1")))
    assert f.outcome is Outcome.REFUTES
    ce = f.counterexample
    delta = Fraction(ce.at["delta"])
    # by hand: g(d^2/3) = d^2/3 - d^2/sqrt(3); minus (-d^2/3) gives d^2 (2/3 - 1/sqrt(3))
    assert abs(float(ce.margin) - float(delta) ** 2 * (2 / 3 - 1 / math.sqrt(3))) < 1e-15


def test_wrong_stability_refuted_with_exact_step():
    f = _run(cycle_certified(EX1, EX1_CYCLE, ("1/100", "1"), stable=False))
    assert f.outcome is Outcome.REFUTES
    assert Fraction(f.counterexample.at["delta"]) > 0
    assert float(f.counterexample.margin) < 0  # |multiplier| - 1 = -1: attracting


def test_refutation_needs_the_mpmath_value_to_agree(monkeypatch):
    """A certified wrong side is reported as a refutation only when the high-precision value
    agrees; a disagreeing re-evaluation (forced here) leaves the check undecided, never
    supporting and never refuting."""
    import verify.userclaims.certified as vc

    r = "sqrt(1/(2*delta))"
    monkeypatch.setattr(vc, "_mp_orbit", lambda problem, start, delta, dps: [mpmath.mpf(0)] * 2)
    f = _run(cycle_certified(QUARTIC, (r, "-" + r), ("1/100", "1"), stable=True))
    assert f.outcome is Outcome.UNDECIDED and "does not confirm" in f.detail
    monkeypatch.setattr(vc, "to_mpmath", lambda expr, args: lambda d: mpmath.mpf(0))
    f = _run(threshold_crossing_certified(SLIDES, "2", "3/10"))
    assert f.outcome is Outcome.UNDECIDED and "does not confirm" in f.detail


def test_cover_budget_exhausted_is_undecided():
    """A range reaching down to tiny steps with one piece per decade and almost no budget."""
    bm, _ = ball_map(EX1)
    cov = cert.cover(bm, lambda D: [D ** 2 / 4, -D ** 2 / 4], flint.arb(flint.fmpq(1, 100)),
                     flint.arb(1), pieces=1, max_attempts=3)
    assert not cov.complete and cov.undecided


@pytest.mark.parametrize("x_star, t", [("1", "1/2"), ("2", "1/5")])
def test_slides_thresholds_certified(x_star, t):
    f = _run(threshold_crossing_certified(SLIDES, x_star, t))
    assert f.outcome is Outcome.SUPPORTS, f.detail
    assert f.numbers["slope sign near t"] == "-1"


@pytest.mark.parametrize("x_star, t", [("2", "3/10"), ("2", "1/4"), ("1", "2/5"),
                                       ("1", "3/5")])
def test_wrong_thresholds_refuted(x_star, t):
    f = _run(threshold_crossing_certified(SLIDES, x_star, t))
    assert f.outcome is Outcome.REFUTES
    ce = f.counterexample
    d = Fraction(ce.at["delta"])
    curv = {"1": 4, "2": 10}[x_star]  # f''(1) = 4, f''(2) = 10, so g' = 1 - delta f''
    assert abs(float(ce.observed.split()[1]) - (1 - float(d) * curv)) < 1e-12
    # the certified side is really the wrong side of -1
    below = d < Fraction(t)
    assert (1 - d * curv > -1) is not below


def test_threshold_rejects_non_critical_point():
    with pytest.raises(ValueError):
        _run(threshold_crossing_certified(SLIDES, "3/2", "1/2"))


def test_centred_balls_keep_digits_where_naive_balls_lose_them():
    bm, _ = ball_map(EX1)
    centred = cert.iterate(bm, flint.fmpq(7, 3), flint.fmpq(1, 3), 3000, cert.bits_for(60))
    assert centred.undecided_signs == 0 and centred.steps == 3000
    assert centred.final.rad() < 1e-55
    naive = cert.iterate(bm, flint.fmpq(7, 3), flint.fmpq(1, 3), 3000, cert.bits_for(60),
                         centred=False)
    assert naive.undecided_signs > 0  # the naive ball loses every digit within 3000 steps


def test_basin_cover_honest_about_S():
    f = _run(basin_cover_certified(EX1, EX1_CYCLE, "1/2", ("-3", "3")))
    # S = {0, +-1/4, +-(3+sqrt 5)/8, ...} meets [-3, 3]: those pieces must stay open.
    assert f.outcome is Outcome.UNDECIDED
    assert int(f.numbers["open pieces"]) >= 5
    assert float(f.numbers["open length (upper bound)"]) < 1e-5
    pieces = f.numbers["open pieces (first 8)"]
    assert "-0.25" in pieces or "-0.2499999" in pieces
    f = _run(basin_cover_certified(EX1, EX1_CYCLE, "1/2", ("3/10", "3/5")))
    assert f.outcome is Outcome.SUPPORTS
    f = _run(basin_cover_certified(EX1, ("delta**2/3", "-delta**2/3"), "1/2", ("3/10", "3/5")))
    assert f.outcome is Outcome.REFUTES


def test_kinks_not_located_are_undecided():
    f = _run(cycle_certified(ScalarProblem("Max(x, 0)**2 + x**2"), ("0",), ("1/10", "1/2"),
                             stable=None))
    assert f.outcome is Outcome.UNDECIDED and "kinks" in f.detail


@FAST
@given(c=fractions("1/100", 1, max_denominator=400), r=fractions("1/100", "3/4",
                                                                 max_denominator=100),
       d=fractions("1/10", "3/2", max_denominator=20))
def test_trapping_region_holds_the_cycle(c, r, d):
    """A box certified as a contracting trap of g^2 must hold the cycle point d^2/4; boxes
    around other centres are refused."""
    bm, _ = ball_map(EX1)
    with cert.working_prec(128):
        D = frac_ball(d)
        box = flint.arb(frac_ball(c).mid(), frac_ball(r * c).mid())
        trap = cert.trapping_region(bm, box, D, 2)
    if trap.ok:
        with mpmath.workprec(384):
            assert box.contains(to_arb_exact(mp_frac(d) ** 2 / 4))


# ---------------------------------------------------------------- matrix thresholds


def test_exact_f_operator_matches_the_float_engine():
    """numerics.factorisations.f_operator on object arrays of Rationals: the result must be exact, equal to J J^T built by hand in SymPy (kron of
    P P^T and (Q^T Q)^T, eq. (7)), and agree with the float64 engine."""
    import functools

    import numpy as np
    from sympy.physics.quantum import TensorProduct

    from numerics import factorisations as fz

    rng = np.random.default_rng(3)
    while True:  # entries k/4, k in [-8, 8], until the product is nonzero
        ws = [np.array([[sp.Rational(int(rng.integers(-8, 9)), 4) for _ in range(n_in)]
                        for _ in range(n_out)], dtype=object)
              for n_in, n_out in zip((2, 3, 2), (3, 2, 2))]
        if any(v != 0 for v in fz.end_to_end(ws).flat):
            break
    exact = fz.f_operator(ws)
    assert all(isinstance(sp.sympify(v), sp.Rational) for v in exact.flat)
    mats = [sp.Matrix(w.tolist()) for w in ws]
    n0 = mats[0].cols
    by_hand = sp.zeros(exact.shape[0], exact.shape[1])
    for i in range(len(mats)):
        P = functools.reduce(lambda a, b: b * a, mats[i + 1:], sp.eye(mats[i].rows))
        Q = functools.reduce(lambda a, b: b * a, mats[:i], sp.eye(n0))
        by_hand += TensorProduct(P * P.T, (Q.T * Q).T)
    assert sp.Matrix(exact.tolist()) == by_hand
    floats = fz.f_operator([np.array(w.tolist(), dtype=float) for w in ws])
    np.testing.assert_allclose(np.array(exact.tolist(), dtype=float), floats, rtol=1e-12,
                               atol=1e-12)


def test_to_arb_encloses_constants_at_the_working_precision_and_refuses_float_fallbacks():
    """Regression: pi was a 53-bit ball made at import, E and unknown functions went to math."""
    import flint
    import sympy as sp

    from proofs.compile import to_arb

    x = sp.Symbol("x")
    old = flint.ctx.prec
    flint.ctx.prec = 300
    try:
        value = to_arb(sp.pi * x + sp.E + sp.Max(x, 1), [x])(flint.arb(2))
        assert value.rad() < flint.arb(2) ** -250
        assert value.contains(flint.arb.pi() * 2 + flint.arb(1).exp() + 2)
    finally:
        flint.ctx.prec = old
    with pytest.raises(ValueError, match="atan"):
        to_arb(sp.atan(x), [x])
