"""Scalar deep chains from the all-ones start: the recurrences of Lemmas 3 and 4 of Nar & Sastry
(2018), Appendices B and C.

GD on ``1/2 (w_L ... w_1 - lam)^2`` from ``w_i[0] = 1`` keeps all ``w_i`` equal (the loss is
symmetric in them), so the common value follows ``w <- w - delta w^(L-1) (w^L - lam)``.  With a
symmetric target R and identity initialisation, every eigen-direction of R follows this
recurrence with ``lam`` the eigenvalue (proof of Theorem 2), which is why the scalar engine is
also the exact engine for the matrix statements.

Everything here works on float64 numpy arrays (batched over lam, delta) and on mpmath numbers
(call inside ``mpmath.workdps``).  No SymPy.
"""

from __future__ import annotations

import mpmath
import numpy as np
from mpmath import libmp

from numerics import factorisations as fz
from numerics import precise


def chain_step(w, lam, delta, L: int):
    """One GD step of the equal-weights chain: ``w - delta w^(L-1) (w^L - lam)``.

    Args:
        w: the common weight (array or mpf).
        lam: the target (array or mpf).
        delta: the step size (array or mpf).
        L: depth.
    """
    return w - delta * w ** (L - 1) * (w ** L - lam)


def orbit_precise(lam, delta, L: int, steps: int, dps: int, w0="1",
                  escape: float = 1e30) -> list:
    """The orbit ``w[0..steps]`` at ``dps`` digits (stops early once ``|w| > escape``).

    Arguments may be strings (exact decimals), ints or mpf values.
    """
    return precise.iterate(lambda w, lam_, d: chain_step(w, lam_, d, L), w0, (lam, delta),
                           steps, dps, escape=escape)


_RND = libmp.round_nearest  # mpmath's only rounding for mpf arithmetic


def _raw(x) -> tuple:
    """The raw mpf (libmp tuple) of ``x`` at the working precision, converted as
    :func:`numerics.precise.iterate` converts its arguments."""
    return (+x if isinstance(x, mpmath.mpf) else mpmath.mpf(x))._mpf_


def fast_orbit(lam, delta, L: int, steps: int, dps: int, escape: float = 1e30,
               raw: bool = False) -> list:
    """:func:`orbit_precise` from w[0] = 1, the same mpf values bit for bit, at a fraction of
    the cost.

    Each step is the same tree of mpmath operations as ``chain_step``
    (``w - (delta w^(L-1)) (w^L - lam)``) on raw libmp values with the same precision and
    rounding, so no object is built per operation.  The map depends on w alone, so once an
    iterate repeats an earlier one, w[k] = w[j], the orbit is periodic from j on (period k - j;
    a fixed point has period 1) and its remaining iterates are copied, not recomputed.
    The escape test (``|w| > escape`` or not finite) is the one of
    :func:`numerics.precise.iterate`.  With ``raw``, the raw libmp values (a periodic tail
    repeating the same objects), for callers that read them raw anyway.
    """
    with mpmath.workdps(dps):
        prec = mpmath.mp.prec
        lam_, d = _raw(lam), _raw(delta)
        esc = libmp.from_float(escape)
        pow_, mul, sub = libmp.mpf_pow_int, libmp.mpf_mul, libmp.mpf_sub
        w = _raw("1")
        out, seen = [w], {w: 0}
        for k in range(1, steps + 1):
            w = sub(w, mul(mul(d, pow_(w, L - 1, prec, _RND), prec, _RND),
                           sub(pow_(w, L, prec, _RND), lam_, prec, _RND), prec, _RND),
                    prec, _RND)
            out.append(w)
            if w in (libmp.finf, libmp.fninf, libmp.fnan) or libmp.mpf_gt(libmp.mpf_abs(w),
                                                                         esc):
                break
            j = seen.setdefault(w, k)
            if j != k:  # w[k] = w[j]: w[i] = w[j + (i - j) mod (k - j)] for every i > k
                out += [out[j + (i - j) % (k - j)] for i in range(k + 1, steps + 1)]
                break
        if raw:
            return out
        make = mpmath.mp.make_mpf
        return [make(v) for v in out]


def orbits(lams: np.ndarray, deltas: np.ndarray, L: int, steps: int,
           w0: float = 1.0, bound: float = 1e30) -> np.ndarray:
    """Batched float64 orbits, shape ``(steps + 1, B)``; a run leaving ``bound`` becomes NaN."""
    lams, deltas = np.broadcast_arrays(np.asarray(lams, float), np.asarray(deltas, float))
    w = np.full(lams.shape, w0, dtype=float)
    out = np.empty((steps + 1,) + lams.shape)
    out[0] = w
    with np.errstate(all="ignore"):
        for k in range(1, steps + 1):
            w = chain_step(w, lams, deltas, L)
            w = np.where(np.isfinite(w) & (np.abs(w) <= bound), w, np.nan)
            out[k] = w
    return out


def _pow(x, num: int, den: int):
    """``x^(num/den)`` with the exponent at x's precision (mpf stays mpf, float stays float)."""
    if isinstance(x, mpmath.mpf):
        return x ** (mpmath.mpf(num) / den)
    return float(x) ** (num / den)


def root(lam, L: int):
    """The real positive L-th root of ``lam >= 0`` (mpf or float)."""
    return _pow(lam, 1, L)


def delta_c(lam, L: int):
    """Lemma 3's printed delta_c: ``L^-1 lam^(-2(L-1)/L)`` on [1, inf), else
    ``(1 - lam)^-1 (1 - lam^(1/L))`` on (0, 1).  Scalar mpf or float."""
    if lam >= 1:
        return 1 / (L * _pow(lam, 2 * (L - 1), L))
    return (1 - root(lam, L)) / (1 - lam)


def beta(delta, lam, L: int):
    """Lemma 3's printed rate: ``1 - delta (lam - 1)/(lam^(1/L) - 1)`` on (1, inf), else
    ``1 - delta L lam^(2(L-1)/L)`` on (0, 1); 0 at lam = 1 (nothing to contract)."""
    if lam == 1:
        return 0 * delta
    if lam > 1:
        return 1 - delta * (lam - 1) / (root(lam, L) - 1)
    return asymptotic_rate(delta, lam, L)


def asymptotic_rate(delta, lam, L: int):
    """The derivative of the GD map at ``w* = lam^(1/L)``: ``1 - delta L lam^(2(L-1)/L)``."""
    return 1 - delta * L * _pow(lam, 2 * (L - 1), L)


def bound4(rho, L: int) -> float:
    """The necessary bound (4) of Corollary 1: ``2 / (L rho^(2(L-1)/L))``."""
    return 2.0 / fz.cor1_denominator(float(rho), L)


def thm2_bound(rho, L: int) -> float:
    """Theorem 2's step-size condition: ``min{1/L, 1/(L rho^(2(L-1)/L))}``."""
    return min(1.0 / L, 0.5 * bound4(rho, L)) if rho > 0 else 1.0 / L


def thm3_bound(lam_min, rho, L: int) -> float:
    """Theorem 3's condition: ``min{1/(1 - lam_min), 1/L, 1/(L rho^(2(L-1)/L))}``."""
    return min(1.0 / (1.0 - float(lam_min)), thm2_bound(rho, L))


def fit_rate(errors: np.ndarray, start: int, stop: int | None = None) -> float:
    """Linear rate by least squares on ``log(error)`` against k over ``[start, stop)``.

    Returns ``exp(slope)`` (nan when fewer than 3 positive finite errors are in the window).
    """
    e = np.asarray(errors, float)[start:stop]
    k = np.arange(start, start + e.size)
    keep = np.isfinite(e) & (e > 0)
    if keep.sum() < 3:
        return float("nan")
    slope = np.polyfit(k[keep], np.log(e[keep]), 1)[0]
    return float(np.exp(slope))


def fit_power(errors: np.ndarray, start: int, stop: int | None = None) -> float:
    """Power-law exponent p of ``error ~ C k^p`` by least squares on log-log over the window."""
    e = np.asarray(errors, float)[start:stop]
    k = np.arange(start, start + e.size)
    keep = np.isfinite(e) & (e > 0) & (k > 0)
    if keep.sum() < 3:
        return float("nan")
    return float(np.polyfit(np.log(k[keep]), np.log(e[keep]), 1)[0])
