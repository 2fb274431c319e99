"""Integer instances of claims over matrices of free size (:mod:`proofs.matrix_claims`): both
sides evaluated exactly on integer matrices of small sizes and rational parameters, the first
counterexample found (smallest sizes first) shrunk entry by entry, and one instance re-checked
as a replay names it.  A symmetric matrix is drawn as M + M^T, a PSD one as G G^T.  A spectral
number (``norm2``, ``normF``, ``lambda_max``, ``lambda_min`` of a matrix expression) is computed
exactly from the expression's rational value: square roots and roots of its characteristic
polynomial (SymPy ``CRootOf``), compared at two precisions by :func:`violated`; the real part
of a complex eigenvalue is the QR eigenvalues' at two precisions that must agree (else the
instance decides nothing)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from proofs.identities import prove_zero
from proofs.matrix_claims import Mat, Space, Statement, Word, _scalar
from proofs.matrix_words import T_SUFFIX


@dataclass(frozen=True)
class Witness:
    """An exact counterexample: the matrices (integers), the parameters (rationals), the sizes,
    both sides' exact values and what differs."""

    matrices: dict[str, sp.Matrix]
    scalars: dict[str, sp.Rational]
    sizes: dict[str, int]
    lhs: object
    rhs: object
    what: str


def draw(space: Space, sizes: Mapping[str, int], rng: np.random.Generator,
         spread: int = 2) -> dict[str, sp.Matrix]:
    """Integer matrices of the given sizes, entries in -spread..spread (symmetric: M + M^T;
    PSD: G G^T with an integer n x r G, its rank r <= n drawn too: semidefinite edges)."""
    out = {}
    for name, (r, c) in space.shapes.items():
        n, m = (1 if s == "1" else sizes[s] for s in (r, c))
        kind = space.kinds[name]
        if kind == "psd":
            m = int(rng.integers(1, n + 1))
        M = sp.Matrix(rng.integers(-spread, spread + 1, size=(n, m)).tolist())
        out[name] = M + M.T if kind == "symmetric" else M * M.T if kind == "psd" else M
    return out


def evaluate(value, mats: Mapping[str, sp.Matrix], subs: Mapping) -> sp.Matrix | sp.Expr:
    """A value at exact matrices and scalars (``subs``: parameter and size symbols).  Products
    of integer matrices run on Python integers with one common denominator for the rational
    coefficients (exact, and far faster than SymPy's); a coefficient that is not rational, or
    a matrix that is not an integer one, goes through SymPy."""
    if _scalar(value):
        return sp.sympify(value).subs(subs)
    space = value.space
    arrays = _integers(mats)
    fast = arrays is not None
    source = arrays if fast else mats

    def word_matrix(word: Word, n: int):
        out = np.identity(n, dtype=object) if fast else sp.eye(n)
        for x in word:
            out = out @ (source[x[:-len(T_SUFFIX)]].T if x.endswith(T_SUFFIX) else source[x])
        return out

    def rows_of(word: Word) -> int:
        return mats_size(space, space.algebra.shapes[word[0]][0], mats)

    if isinstance(value, Mat):
        n = mats_size(space, value.rows, mats)
        other = sp.zeros(n, mats_size(space, value.cols, mats))
        items = [(word_matrix(w, n), c) for w, c in value.terms.items()]
    else:
        other = sp.sympify(value.const).subs(subs)
        items = [(_trace(word_matrix(w, rows_of(w))), c) for w, c in value.terms.items()]
    numerator, denominator = 0, 1  # the rational part: numerator / denominator
    for m, c in items:
        c = sp.sympify(c).subs(subs)
        if fast and c.is_Rational:
            q = int(c.q)
            common = denominator * q // math.gcd(denominator, q)
            numerator = numerator * (common // denominator) + m * (int(c.p) * (common // q))
            denominator = common
        else:
            other += (sp.Matrix(m.tolist()) if isinstance(m, np.ndarray) else sp.sympify(m)) * c
    if isinstance(numerator, np.ndarray):
        return other + sp.Matrix(numerator.tolist()) / denominator
    return other if isinstance(other, sp.MatrixBase) else other + sp.Rational(numerator,
                                                                               denominator)


def spectral(name: str, m: sp.Matrix, dps: int) -> sp.Expr:
    """``name`` (:data:`proofs.matrix_claims.SPECTRAL`) of a rational matrix, exactly: normF
    from the sum of squares, norm2 from the largest eigenvalue of M^T M, lambda_max / lambda_min
    the largest / smallest real part of an eigenvalue (real roots of the characteristic
    polynomial exactly; complex ones at dps + 50 digits, checked at dps + 20).

    Raises:
        Unsettled: a complex eigenvalue's real part not settled by the two precisions.
    """
    if name == "normF":
        return sp.sqrt(sum((v ** 2 for v in m), sp.Integer(0)))
    x = sp.Dummy("x")
    if name == "norm2":
        return sp.sqrt((m.T * m).charpoly(x).as_poly().real_roots()[-1]) if m.rows * m.cols else 0
    poly = m.charpoly(x).as_poly()
    if m == m.T:  # real roots, sorted
        roots = poly.real_roots()
        return roots[-1] if name == "lambda_max" else roots[0]
    # complex roots: SymPy refines them far too slowly (seconds a root at 80 digits); the QR
    # eigenvalues at two precisions instead, which must agree to dps digits
    pick = max if name == "lambda_max" else min
    low, high = (pick(_real_parts(m, digits)) for digits in (dps + 20, dps + 50))
    if abs(high - low) > mpmath.mpf(10) ** -dps * max(1, abs(high)):
        raise Unsettled(f"{name}: the real parts at {dps + 20} and {dps + 50} digits differ")
    return sp.Float(high, dps + 50)


class Unsettled(ArithmeticError):
    """A spectral number whose two precisions disagree (an ill-conditioned eigenvalue): the
    instance decides nothing."""


def _real_parts(m: sp.Matrix, digits: int) -> list:
    with mpmath.workdps(digits):
        rows = [[mpmath.mpf(int(v.p)) / int(v.q) for v in m.row(i)] for i in range(m.rows)]
        return [mpmath.re(e) for e in mpmath.eig(mpmath.matrix(rows), left=False, right=False)]


def _integers(mats: Mapping[str, sp.Matrix]) -> dict[str, np.ndarray] | None:
    """The matrices as arrays of Python integers, or None when an entry is not an integer."""
    if not all(v.is_Integer for M in mats.values() for v in M):
        return None
    return {name: np.array([[int(v) for v in M.row(i)] for i in range(M.rows)],
                           dtype=object).reshape(M.shape) for name, M in mats.items()}


def _trace(m):
    return sum(m[i, i] for i in range(m.shape[0]))


def mats_size(space: Space, name: str, mats: Mapping[str, sp.Matrix]) -> int:
    """The value of size ``name`` in an instance (read off a letter that has it)."""
    if name == "1":
        return 1
    for letter, (r, c) in space.shapes.items():
        if r == name:
            return mats[letter].rows
        if c == name:
            return mats[letter].cols
    raise KeyError(name)


def sizes_of(space: Space, mats: Mapping[str, sp.Matrix], structure: bool = True
             ) -> dict[str, int]:
    """Each size's value in an instance; ValueError when the letters disagree on one, or (with
    ``structure``: a replayed instance) a symmetric or PSD letter is not."""
    sizes: dict[str, int] = {}
    for name, (r, c) in space.shapes.items():
        M = mats[name]
        for s, n in ((r, M.rows), (c, M.cols)):
            if s == "1" and n != 1 or sizes.setdefault(s, n) != n:
                raise ValueError(f"{name} is {M.rows} x {M.cols}, but its shape is {r} x {c} "
                                 f"and {s} = {sizes.get(s, 1)} elsewhere")
        kind = space.kinds[name]
        if not structure:
            continue
        if kind != "general" and M != M.T:
            raise ValueError(f"{name} must be symmetric")
        if kind == "psd" and not M.is_positive_semidefinite:
            raise ValueError(f"{name} must be positive semidefinite")
    sizes.pop("1", None)
    return sizes


def violated(lhs_value, rhs_value, relation: str, dps: int) -> str | None:
    """Why ``lhs relation rhs`` fails at exact values (None: it holds), decided exactly for
    rationals and at ``dps`` and ``dps + 30`` digits otherwise (both must agree)."""
    if isinstance(lhs_value, sp.MatrixBase) or isinstance(rhs_value, sp.MatrixBase):
        lhs_value, rhs_value = _as_matrix(lhs_value, rhs_value), _as_matrix(rhs_value, lhs_value)
        for k, d in enumerate(lhs_value - rhs_value):
            if _sign(d, dps) not in (0, None):
                i, j = divmod(k, lhs_value.cols)
                return f"entry [{i}, {j}]: lhs {lhs_value[k]} != rhs {rhs_value[k]}"
        return None
    s = _sign(lhs_value - rhs_value, dps)
    fails = {"==": s not in (0, None), ">=": s == -1, ">": s in (-1, 0), "<=": s == 1,
             "<": s in (1, 0)}[relation]
    shown = [v if sp.sympify(v).is_Rational else sp.N(v, 20) for v in (lhs_value, rhs_value)]
    return f"lhs {shown[0]} {relation} rhs {shown[1]} fails" if fails else None


def _as_matrix(value, other: sp.MatrixBase) -> sp.MatrixBase:
    """A number against a matrix: 0 is the zero matrix of its shape, c is c I (square)."""
    if isinstance(value, sp.MatrixBase):
        return value
    return sp.zeros(*other.shape) if value == 0 else sp.eye(other.rows) * value


def _sign(d: sp.Expr, dps: int) -> int | None:
    """The exact sign of a number: -1, 0, 1, or None when high precision cannot settle it."""
    d = sp.sympify(d)
    if d.is_Rational:
        return int(sp.sign(d))
    a, b = sp.N(d, dps), sp.N(d, dps + 30)
    if abs(a) < sp.Float(10) ** (-(dps - 10)):
        return 0 if prove_zero(d) is True else None
    return int(sp.sign(a)) if sp.sign(a) == sp.sign(b) else None


def size_plans(space: Space, rng: np.random.Generator, count: int) -> list[dict[str, int]]:
    """Sizes to try, smallest first: all 1, all 2, all 3, then random in 1..4."""
    names = list(space.sizes)
    plans = [{s: n for s in names} for n in (1, 2, 3)]
    plans += [{s: int(rng.integers(1, 5)) for s in names} for _ in range(max(count - 3, 0))]
    return plans[:max(count, 1)]


def shrink(space: Space, witness_at, mats: dict[str, sp.Matrix], limit: int = 60):
    """Zero the entries of a counterexample one at a time while it stays one (a general
    letter's entries, a symmetric letter's pairs; a PSD letter is kept): the smaller witness."""
    tries = 0
    for name, M in mats.items():
        kind = space.kinds[name]
        if kind == "psd":
            continue
        for i, j in itertools.product(range(M.rows), range(M.cols)):
            if tries >= limit:
                return mats
            if M[i, j] == 0 or (kind == "symmetric" and j < i):
                continue
            trial = M.copy()
            trial[i, j] = 0
            if kind == "symmetric":
                trial[j, i] = 0
            tries += 1
            if witness_at({**mats, name: trial}) is not None:
                mats[name] = M = trial
    return mats


def matrix_text(M: sp.Matrix) -> str:
    return "[" + ", ".join("[" + ", ".join(str(v) for v in M.row(i)) + "]"
                           for i in range(M.rows)) + "]"


def check_at(st: Statement, mats: Mapping[str, sp.Matrix], scalars: Mapping[sp.Symbol, sp.Expr],
             dps: int) -> Witness | None:
    """The statement at one instance, exactly: a :class:`Witness` when it fails there (the
    instance's structure is the caller's: drawn by :func:`draw`, or checked by
    :func:`sizes_of`)."""
    sizes = sizes_of(st.space, mats, structure=False)
    subs = {**scalars, **{st.space.sizes[s]: n for s, n in sizes.items()}}
    try:
        for symbol, (name, arg) in st.space.atoms.items():  # no atom holds another: any order
            subs[symbol] = spectral(name, evaluate(arg, mats, subs), dps)
    except Unsettled:
        return None
    lhs, rhs = (evaluate(v, mats, subs) for v in (st.lhs, st.rhs))
    # a 1 x 1 side is the number it is against a number, and in every inequality
    numbers = st.relation != "=="
    if isinstance(lhs, sp.MatrixBase) and lhs.shape == (1, 1) and (numbers or not isinstance(
            rhs, sp.MatrixBase)):
        lhs = lhs[0, 0]
    if isinstance(rhs, sp.MatrixBase) and rhs.shape == (1, 1) and (numbers or not isinstance(
            lhs, sp.MatrixBase)):
        rhs = rhs[0, 0]
    why = violated(lhs, rhs, st.relation, dps)
    if why is None:
        return None
    return Witness(dict(mats), {s.name: v for s, v in scalars.items()}, sizes, lhs, rhs, why)


def _simplest(lo: sp.Rational, hi: sp.Rational) -> sp.Rational:
    """A short rational in [lo, hi] (1, -1, 1/2, 2, ...; else the midpoint): a readable point."""
    for c in (1, -1, sp.Rational(1, 2), 2, sp.Rational(-1, 2), -2, 0):
        if lo <= c <= hi:
            return sp.Integer(c) if isinstance(c, int) else c
    return (lo + hi) / 2


def search(st: Statement, free: Mapping[sp.Symbol, tuple[sp.Rational, sp.Rational]],
           pinned: Mapping[sp.Symbol, sp.Rational], accept, rng: np.random.Generator,
           tries: int, dps: int, tick=lambda: None) -> tuple[Witness | None, int]:
    """Integer instances, smallest sizes first (:func:`size_plans`), each with a rational point
    of the parameters' box that ``accept`` takes (the claim's assumptions): the first
    counterexample, shrunk (:func:`shrink`), and the number of instances evaluated."""
    plans = size_plans(st.space, rng, tries)
    done = 0
    for k in range(tries):
        tick()
        sizes = plans[k % len(plans)]
        point = dict(pinned)
        for s, (lo, hi) in free.items():
            # the simplest point first at each of the first sizes, then the box's ends
            point[s] = (_simplest(lo, hi), lo, hi, (lo + hi) / 2,
                        lo + (hi - lo) * sp.Rational(int(rng.integers(1, 16)), 16))[(k // 3) % 5]
        if not accept(point):
            continue
        mats = draw(st.space, sizes, rng)
        done += 1
        found = check_at(st, mats, point, dps)
        if found is not None:
            small = shrink(st.space, lambda m, at=point: check_at(st, m, at, dps), dict(mats))
            return check_at(st, small, point, dps), done
    return None, done
