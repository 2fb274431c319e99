"""Interval arithmetics for the box prover (issue 18, item 2): python-flint balls and mpmath.iv.

An :class:`Arithmetic` is everything :mod:`.boxprover` needs from a number type: an enclosure
of an interval with exact rational ends, three-valued sign tests, intersection, a precision
context, and a namespace of elementary functions (``_SQRT``, ``_POW``, ...) that the compiled
expressions of :mod:`proofs.ballcode` call.  Swapping the arithmetic swaps nothing else, so
the benchmark's flint/mpmath ratio compares arithmetic only.

Every function here returns an enclosure of the exact image; where the image is undefined
(a square root of a negative number, the sign of a ball that straddles 0) it returns a
non-finite value, which the prover treats as "nothing can be concluded here".  Monotone
functions are evaluated at the two ends of the ball: Arb's mid-rad propagation is much wider on
wide balls (``[-1, 2]**2`` is ``[+/- 4.01]``, ``sqrt([0, 1])`` is NaN).
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import flint
import mpmath
from mpmath import iv
from mpmath.libmp import finf, fnan, fninf

from numerics.certified.prec import working_prec


@dataclass(frozen=True)
class Arithmetic:
    """An interval backend: exact rationals in, rigorous enclosures out.

    ``positive(x)``/``nonnegative(x)``/``negative(x)``/``nonpositive(x)`` are True only when
    every point of the (finite) enclosure has that sign.  ``bounds(lo, hi)`` is the enclosure
    running from the lower end of ``lo`` to the upper end of ``hi``.  ``low(x)`` and ``mag(x)``
    are floats used only to order boxes and pick a split (never to decide anything).
    """

    name: str
    interval: Callable[[Fraction, Fraction], Any]
    finite: Callable[[Any], bool]
    positive: Callable[[Any], bool]
    nonnegative: Callable[[Any], bool]
    negative: Callable[[Any], bool]
    nonpositive: Callable[[Any], bool]
    intersect: Callable[[Any, Any], Any]
    bounds: Callable[[Any, Any], Any]
    low: Callable[[Any], float]
    mag: Callable[[Any], float]
    precision: Callable[[int], contextlib.AbstractContextManager]
    functions: Mapping[str, Callable]

    def point(self, c: Fraction) -> Any:
        return self.interval(c, c)


# ---------------------------------------------------------------- python-flint balls

def _arb_frac(q: Fraction) -> flint.arb:
    return flint.arb(flint.fmpq(q.numerator, q.denominator))


def _arb_interval(lo: Fraction, hi: Fraction) -> flint.arb:
    if lo == hi:
        return _arb_frac(lo)
    return flint.arb.union(_arb_frac(lo), _arb_frac(hi))


_ARB_NAN = flint.arb.nan()


def _arb_hull(*ys: flint.arb) -> flint.arb:
    """The ball from the least lower end to the greatest upper end of ``ys``, where each y
    encloses a true value of a function whose image is the hull of those values.

    Arb's mid-rad form rounds the radius up, so the union of [0, 0] and [8/9, 8/9] dips below
    0; when every y is >= 0 (<= 0) so is the image, and the ball is cut there exactly.
    """
    out = ys[0]
    for y in ys[1:]:
        out = flint.arb.union(out, y)
    if not out.is_finite():
        return _ARB_NAN
    return _arb_signed(out, 1 if all(y >= 0 for y in ys) else -1 if all(y <= 0 for y in ys)
                       else 0)


def _arb_monotone(f: Callable[[flint.arb], flint.arb]) -> Callable[[flint.arb], flint.arb]:
    """f on a ball from f at its two exact ends (f monotone on its domain)."""

    def image(x: flint.arb) -> flint.arb:
        if not x.is_finite():
            return _ARB_NAN
        if x.rad() == 0:
            return f(x)
        return _arb_hull(f(x.lower()), f(x.upper()))

    return image


def _arb_powi(x: flint.arb, n: int) -> flint.arb:
    """x**n for an integer n, from the ends (x**n is monotone on each side of 0)."""
    if n == 0:
        return flint.arb(1)
    if not x.is_finite() or (n < 0 and x.contains(0)):
        return _ARB_NAN
    if x.rad() == 0:
        return x**n
    ends = [x.lower() ** n, x.upper() ** n]
    if n % 2 == 0 and x.lower() < 0 < x.upper():
        ends.append(flint.arb(0))
    return _arb_hull(*ends)


def _arb_add(*xs: Any) -> flint.arb:
    """A sum; a sum of nonnegative (nonpositive) balls is cut at 0 (see :func:`_arb_hull`)."""
    out = xs[0]
    for x in xs[1:]:
        out = out + x
    if not isinstance(out, flint.arb) or not out.is_finite():
        return flint.arb(out) if isinstance(out, int) else _ARB_NAN
    return _arb_signed(out, 1 if all(x >= 0 for x in xs) else -1 if all(x <= 0 for x in xs)
                       else 0)


def _arb_signed(y: flint.arb, sign: int) -> flint.arb:
    """y cut at 0 on the side the true value is known to be on (sign 1: >= 0, -1: <= 0)."""
    if sign > 0:
        return y.nonnegative_part()
    if sign < 0:
        return -(-y).nonnegative_part()
    return y


def _arb_sign_of(x: flint.arb) -> int:
    """1 when every point is >= 0, -1 when every point is <= 0, else 0."""
    return 1 if x >= 0 else -1 if x <= 0 else 0


def _arb_mul2(a: Any, b: Any) -> flint.arb:
    a, b = flint.arb(a), flint.arb(b)
    if not (a.is_finite() and b.is_finite()):
        return _ARB_NAN
    if a.rad() == 0 or b.rad() == 0:
        # One exact factor: mid-rad is tight; the factors' signs fix the product's.
        return _arb_signed(a * b, _arb_sign_of(a) * _arb_sign_of(b))
    al, au, bl, bu = a.lower(), a.upper(), b.lower(), b.upper()
    # Wide balls: the image of a product is the hull of its four end products (mid-rad
    # would give [0, 4/9] * [1, 2] a negative lower end).
    return _arb_hull(al * bl, al * bu, au * bl, au * bu)


def _arb_mul(*xs: Any) -> flint.arb:
    out = xs[0]
    for x in xs[1:]:
        out = _arb_mul2(out, x)
    return flint.arb(out)


def _arb_root_end(p: int, q: int) -> Callable[[flint.arb], flint.arb]:
    """t -> t**(p/q) at an exact end t >= 0 (NaN below 0, as SymPy's principal root is complex)."""
    expo = flint.arb(flint.fmpq(p, q))

    def at(t: flint.arb) -> flint.arb:
        if t < 0:
            return _ARB_NAN
        if t == 0:
            return flint.arb(0) if p > 0 else _ARB_NAN
        return t**expo

    return at


def _arb_rpow(x: flint.arb, p: int, q: int) -> flint.arb:
    return _arb_monotone(_arb_root_end(p, q))(x)


def _arb_guarded_sign(u: flint.arb) -> flint.arb:
    """sign(u) where it is constant on the ball; NaN across the kink (derivatives stop there)."""
    if u > 0:
        return flint.arb(1)
    if u < 0:
        return flint.arb(-1)
    return _ARB_NAN


def _arb_guarded_heaviside(u: flint.arb, *_h0: Any) -> flint.arb:
    if u > 0:
        return flint.arb(1)
    if u < 0:
        return flint.arb(0)
    return _ARB_NAN


def _arb_abs(x: flint.arb) -> flint.arb:
    if not x.is_finite():
        return _ARB_NAN
    return _arb_hull(x.abs_lower(), x.abs_upper())


def _arb_fold(method: str) -> Callable[..., flint.arb]:
    def fold(*xs: flint.arb) -> flint.arb:
        out = xs[0]
        for x in xs[1:]:
            out = getattr(out, method)(x)
        return out

    return fold


def _arb_intersect(a: flint.arb, b: flint.arb) -> flint.arb:
    if not a.is_finite():
        return b
    if not b.is_finite():
        return a
    try:
        out = a.intersection(b)
    except ValueError:  # two enclosures of one set are never disjoint; keep the first
        return a
    # The intersection is rounded outward; keep a sign that either enclosure already proves.
    return _arb_signed(out, 1 if (a >= 0 or b >= 0) else -1 if (a <= 0 or b <= 0) else 0)


def _arb_low(x: flint.arb) -> float:
    return float(x.lower()) if x.is_finite() else float("-inf")


def _arb_mag(x: flint.arb) -> float:
    return float(x.abs_upper()) if x.is_finite() else float("inf")


FLINT = Arithmetic(
    name="flint",
    interval=_arb_interval,
    finite=lambda x: x.is_finite(),
    positive=lambda x: x.is_finite() and x > 0,
    nonnegative=lambda x: x.is_finite() and x >= 0,
    negative=lambda x: x.is_finite() and x < 0,
    nonpositive=lambda x: x.is_finite() and x <= 0,
    intersect=_arb_intersect,
    bounds=lambda lo, hi: _arb_hull(lo.lower(), hi.upper()),
    low=_arb_low,
    mag=_arb_mag,
    precision=working_prec,
    functions={
        "_RAT": lambda p, q: flint.arb(flint.fmpq(p, q)),
        "_ADD": _arb_add,
        "_MUL": _arb_mul,
        "_PI": flint.arb.pi,
        "_E": flint.arb.const_e,
        "_POWI": _arb_powi,
        "_RPOW": _arb_rpow,
        "_GPOW": lambda x, y: x**y,
        "_SQRT": _arb_monotone(lambda t: t.sqrt()),
        "_EXP": _arb_monotone(lambda t: t.exp()),
        "_LOG": _arb_monotone(lambda t: t.log() if t > 0 else _ARB_NAN),
        "_TANH": _arb_monotone(lambda t: t.tanh()),
        "_SIN": lambda x: x.sin(),
        "_COS": lambda x: x.cos(),
        "_ABS": _arb_abs,
        "_MIN": _arb_fold("min"),
        "_MAX": _arb_fold("max"),
        "_SIGN": _arb_guarded_sign,
        "_HEAVISIDE": _arb_guarded_heaviside,
    },
)


# ---------------------------------------------------------------- mpmath.iv (for comparison)

_IV_NAN = iv.mpf(["-inf", "+inf"])


def _iv_frac(q: Fraction) -> Any:
    return iv.mpf(q.numerator) / q.denominator


def _iv_interval(lo: Fraction, hi: Fraction) -> Any:
    if lo == hi:
        return _iv_frac(lo)
    return iv.mpf([_iv_frac(lo).a, _iv_frac(hi).b])


def _iv_finite(x: Any) -> bool:
    a, b = x._mpi_
    return a not in (finf, fninf, fnan) and b not in (finf, fninf, fnan)


def _iv_total(f: Callable[..., Any]) -> Callable[..., Any]:
    """f, with mpmath's complex results and domain errors turned into the non-finite value."""

    def g(*args: Any) -> Any:
        if not all(_iv_finite(a) for a in args if isinstance(a, iv.mpf)):
            return _IV_NAN
        try:
            out = f(*args)
        except (ValueError, ZeroDivisionError, ArithmeticError):
            return _IV_NAN
        return out if isinstance(out, iv.mpf) else _IV_NAN

    return g


def _iv_nonneg_only(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return _iv_total(lambda x: f(x) if x >= 0 else _IV_NAN)


def _iv_rpow(x: Any, p: int, q: int) -> Any:
    if not x >= 0:
        return _IV_NAN
    if p < 0 and not x > 0:
        return _IV_NAN
    return x ** (iv.mpf(p) / q)


def _iv_sign(u: Any) -> Any:
    return iv.mpf(1) if u > 0 else iv.mpf(-1) if u < 0 else _IV_NAN


def _iv_heaviside(u: Any, *_h0: Any) -> Any:
    return iv.mpf(1) if u > 0 else iv.mpf(0) if u < 0 else _IV_NAN


def _iv_fold(xs: tuple[Any, ...], low_of_min: bool) -> Any:
    """min (or max) of intervals, end by end (exact: the ends are mpf)."""
    los = [mpmath.mpf(x.a._mpi_[0]) for x in xs]
    his = [mpmath.mpf(x.b._mpi_[1]) for x in xs]
    pick = min if low_of_min else max
    return iv.mpf([pick(los), pick(his)])


def _iv_tanh(x: Any) -> Any:
    # x occurs once, so the interval image is tight; tanh = 1 - 2/(exp(2x) + 1).
    return 1 - 2 / (iv.exp(2 * x) + 1)


def _iv_intersect(a: Any, b: Any) -> Any:
    if not _iv_finite(a):
        return b
    if not _iv_finite(b):
        return a
    lo = max(mpmath.mpf(a._mpi_[0]), mpmath.mpf(b._mpi_[0]))
    hi = min(mpmath.mpf(a._mpi_[1]), mpmath.mpf(b._mpi_[1]))
    return iv.mpf([lo, hi]) if lo <= hi else a


@contextlib.contextmanager
def _iv_prec(bits: int) -> Iterator[int]:
    old = iv.prec
    iv.prec = int(bits)
    try:
        yield int(bits)
    finally:
        iv.prec = old


def _iv_low(x: Any) -> float:
    return float(mpmath.mpf(x._mpi_[0])) if _iv_finite(x) else float("-inf")


def _iv_mag(x: Any) -> float:
    if not _iv_finite(x):
        return float("inf")
    return max(abs(float(mpmath.mpf(x._mpi_[0]))), abs(float(mpmath.mpf(x._mpi_[1]))))


MPMATH_IV = Arithmetic(
    name="mpmath.iv",
    interval=_iv_interval,
    finite=_iv_finite,
    positive=lambda x: _iv_finite(x) and x > 0,
    nonnegative=lambda x: _iv_finite(x) and x >= 0,
    negative=lambda x: _iv_finite(x) and x < 0,
    nonpositive=lambda x: _iv_finite(x) and x <= 0,
    intersect=_iv_intersect,
    bounds=lambda lo, hi: iv.mpf([mpmath.mpf(lo._mpi_[0]), mpmath.mpf(hi._mpi_[1])]),
    low=_iv_low,
    mag=_iv_mag,
    precision=_iv_prec,
    functions={
        "_RAT": lambda p, q: iv.mpf(p) / q,
        "_ADD": lambda *xs: functools.reduce(operator.add, xs),
        "_MUL": lambda *xs: functools.reduce(operator.mul, xs),
        "_PI": lambda: +iv.pi,
        "_E": lambda: +iv.e,
        "_POWI": _iv_total(lambda x, n: x**n),
        "_RPOW": _iv_total(_iv_rpow),
        "_GPOW": _iv_total(lambda x, y: x**y if x > 0 else _IV_NAN),
        "_SQRT": _iv_nonneg_only(iv.sqrt),
        "_EXP": _iv_total(iv.exp),
        "_LOG": _iv_total(lambda x: iv.log(x) if x > 0 else _IV_NAN),
        "_TANH": _iv_total(_iv_tanh),
        "_SIN": _iv_total(iv.sin),
        "_COS": _iv_total(iv.cos),
        "_ABS": _iv_total(abs),
        "_MIN": _iv_total(lambda *xs: _iv_fold(xs, low_of_min=True)),
        "_MAX": _iv_total(lambda *xs: _iv_fold(xs, low_of_min=False)),
        "_SIGN": _iv_total(_iv_sign),
        "_HEAVISIDE": _iv_total(_iv_heaviside),
    },
)

ARITHMETICS = {a.name: a for a in (FLINT, MPMATH_IV)}
