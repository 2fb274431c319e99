"""Small dense matrices at mpmath precision without ``mpmath.matrix`` objects.

A matrix is a list of rows of raw mpmath numbers (``mpf._mpf_`` tuples).  Each operation is
the one ``mpmath.matrix`` performs, with the same ``libmp`` calls at the working precision and
rounding: a product entry is ``fdot`` (the exact products summed and rounded once,
``mpf_sum``), ``A - B`` is ``A + B * (-1)``, ``s * A`` rounds ``s * a`` once per entry.  So
every entry is the number mpmath's matrices give (tests/test_batched_equivalence.py), while a
2 x 2 step costs a few microseconds instead of the matrix objects' bookkeeping (per-entry
``__getitem__``/``__setitem__`` with conversions), which was most of the time of the long
high-precision GD replays.  Call inside ``mpmath.workdps``.
"""

from __future__ import annotations

import mpmath
from mpmath.libmp import mpf_add, mpf_mul, mpf_neg, mpf_sum

Raw = list  # list of rows of mpf tuples


def _pr():
    return mpmath.mp._prec_rounding


def raw(a) -> Raw:
    """From an ``mpmath.matrix``, or a nested list / array of numbers (converted by mpf)."""
    if isinstance(a, mpmath.matrix):
        return [[a[i, j]._mpf_ for j in range(a.cols)] for i in range(a.rows)]
    return [[mpmath.mpf(v)._mpf_ for v in row] for row in a]


def matrix(a: Raw) -> mpmath.matrix:
    """Back to an ``mpmath.matrix`` (for norms and output)."""
    return mpmath.matrix([[mpmath.mpf(v) for v in row] for row in a])


def eye(n: int) -> Raw:
    return raw(mpmath.eye(n))


def T(a: Raw) -> Raw:
    return [list(r) for r in zip(*a)]


def mul(a: Raw, b: Raw) -> Raw:
    prec, rnd = _pr()
    cols, inner = len(b[0]), len(b)
    return [[mpf_sum([mpf_mul(row[k], b[k][j]) for k in range(inner)], prec, rnd)
             for j in range(cols)] for row in a]


def add(a: Raw, b: Raw) -> Raw:
    prec, rnd = _pr()
    return [[mpf_add(x, y, prec, rnd) for x, y in zip(r, q)] for r, q in zip(a, b)]


def sub(a: Raw, b: Raw) -> Raw:
    prec, rnd = _pr()
    return [[mpf_add(x, mpf_neg(y), prec, rnd) for x, y in zip(r, q)] for r, q in zip(a, b)]


def scale(s, a: Raw) -> Raw:
    """``s * A`` for an mpf ``s``."""
    prec, rnd = _pr()
    s = mpmath.mpf(s)._mpf_
    return [[mpf_mul(s, x, prec, rnd) for x in r] for r in a]
