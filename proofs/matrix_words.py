"""Matrix identities for every size at once: words in non-commuting symbols (issue 18).

A product of matrices ``W_L ... W_1`` of arbitrary compatible sizes is a word in non-commuting
SymPy symbols; a polynomial in such words is an element of the free algebra.  Two facts make
identities between them hold for *every* choice of sizes:

* an identity of the free algebra (SymPy's non-commutative ``expand``) holds for all matrices
  of compatible sizes, since matrix multiplication is associative and bilinear;
* ``trace(w) = trace(rotated w)`` (``trace(XY) = trace(YX)``) and ``trace(w) = trace(w^T)``
  with ``(X Y)^T = Y^T X^T``, so two traces are equal when, term by term, each word is a
  rotation of the other or of its transpose.  :func:`trace_equal` decides this with a
  canonical form (the least rotation of the word and of its transpose).

Transposes are letters of their own (``W`` and ``W^T``); a symmetric letter is its own
transpose.  A 1 x 1 product (``u^T A u``) is a scalar, so a product of such blocks is their
matrix product: ``(u^T A u)(v^T B v)`` is the word ``u^T A u v^T B v``, whose trace the
canonical form compares as any other.

The canonical form is sufficient, not necessary: when it says "equal" the identity holds for
every size; when it does not, the identity is evaluated on random integer matrices of fixed
sizes, and a nonzero difference there is a counterexample (``False``); otherwise ``None``
(undecided, never proven).  Every "equal" is also re-checked on such integer matrices, so a
defect of the canonical form cannot pass silently.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

T_SUFFIX = "^T"


@dataclass
class Algebra:
    """Letters (matrices with symbolic sizes) of the free algebra with transpose.

    ``shapes`` maps a letter to (rows, cols), each a size name (``"d_0"``) or ``"1"``;
    ``symmetric`` letters are their own transpose.
    """

    shapes: dict[str, tuple[str, str]]
    symmetric: frozenset[str] = frozenset()
    _symbols: dict[str, sp.Symbol] = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for name, (r, c) in list(self.shapes.items()):
            if name not in self.symmetric:
                self.shapes[name + T_SUFFIX] = (c, r)
            elif r != c:
                raise ValueError(f"symmetric letter {name} is not square")
        self._symbols = {n: sp.Symbol(n, commutative=False) for n in self.shapes}

    def __getitem__(self, name: str) -> sp.Symbol:
        return self._symbols[name]

    def T(self, expr: sp.Expr) -> sp.Expr:
        """The transpose: each word reversed, each letter swapped with its transpose."""
        return sum((c * sp.Mul(*(self[_flip(x, self.symmetric)] for x in reversed(w)))
                    for c, w in self.terms(expr)), sp.Integer(0))

    def terms(self, expr: sp.Expr) -> list[tuple[sp.Expr, tuple[str, ...]]]:
        """The expanded polynomial as (commutative coefficient, word) pairs."""
        out = []
        for term in sp.Add.make_args(sp.expand(expr)):
            if term == 0:
                continue
            cpart, ncpart = term.args_cnc()
            word: list[str] = []
            for f in ncpart:
                base, exp = f.as_base_exp()
                if str(base) not in self.shapes or not (exp.is_Integer and exp > 0):
                    raise ValueError(f"not a word in the letters: {f}")
                word.extend([str(base)] * int(exp))
            out.append((sp.Mul(*cpart), tuple(word)))
        return out

    def shape(self, word: tuple[str, ...]) -> tuple[str, str]:
        """The word's (rows, cols); ValueError when consecutive sizes do not match (the empty
        word, a multiple of the identity, has no sizes of its own: None)."""
        if not word:
            return None
        for a, b in itertools.pairwise(word):
            if self.shapes[a][1] != self.shapes[b][0]:
                raise ValueError(f"{a} {b}: sizes {self.shapes[a]} x {self.shapes[b]}")
        return self.shapes[word[0]][0], self.shapes[word[-1]][1]

    def canonical(self, word: tuple[str, ...]) -> tuple[str, ...]:
        """The least of the word's rotations and of its transpose's rotations (a square word's
        trace is the same for all of them)."""
        rows, cols = self.shape(word)
        if rows != cols:
            raise ValueError(f"trace of a non-square word {word}")
        star = tuple(_flip(x, self.symmetric) for x in reversed(word))
        return min(w[k:] + w[:k] for w in (word, star) for k in range(len(word)))

    def trace_form(self, expr: sp.Expr) -> dict[tuple[str, ...], sp.Expr]:
        """trace(expr) as canonical word -> summed coefficient (zero coefficients dropped)."""
        total: Counter = Counter()
        for c, w in self.terms(expr):
            total[self.canonical(w) if w else ()] += c
        return {w: c for w, c in total.items() if sp.simplify(c) != 0}

    # --- numeric instances: random integer matrices of fixed sizes -------------------------

    def instance(self, rng: np.random.Generator, sizes: dict[str, int] | None = None) -> dict:
        """Random integer matrices for every letter (sizes 2..3 unless given; "1" stays 1);
        symmetric letters symmetric, transposes transposed."""
        names = {s for r, c in self.shapes.values() for s in (r, c) if s != "1"}
        dims = {s: (sizes or {}).get(s, int(rng.integers(2, 4))) for s in sorted(names)}
        dims["1"] = 1
        mats = {}
        for name, (r, c) in self.shapes.items():
            if name.endswith(T_SUFFIX):
                continue
            M = sp.Matrix(rng.integers(-3, 4, size=(dims[r], dims[c])).tolist())
            mats[name] = (M + M.T) if name in self.symmetric else M
            if name not in self.symmetric:
                mats[name + T_SUFFIX] = mats[name].T
        return mats

    def evaluate(self, expr: sp.Expr, mats: dict, scalars: dict | None = None,
                 trace: bool = False):
        """The polynomial at integer matrices (a SymPy Matrix, or its trace)."""
        terms = self.terms(expr)
        sized = [mats[w[0]].rows for _, w in terms if w]
        total = None
        for c, w in terms:
            M = mats[w[0]] if w else sp.eye(sized[0] if sized else 1)  # "1" is the identity
            for x in w[1:]:
                M = M * mats[x]
            M = M * sp.sympify(c).subs(scalars or {})
            total = M if total is None else total + M
        if total is None:
            return sp.Integer(0)
        return total.trace() if trace else total


def _flip(name: str, symmetric) -> str:
    if name in symmetric:
        return name
    return name[:-len(T_SUFFIX)] if name.endswith(T_SUFFIX) else name + T_SUFFIX


def _instances_differ(alg: Algebra, lhs, rhs, trace: bool, seed: int, tries: int = 6):
    """A random integer instance where lhs != rhs (or their traces): (difference, sizes) or
    None.  Commutative coefficients are set to small integers too."""
    rng = np.random.default_rng(seed)
    free = sorted((sp.sympify(lhs) - sp.sympify(rhs)).free_symbols - set(alg._symbols.values()),
                  key=str)
    for _ in range(tries):
        mats = alg.instance(rng)
        scalars = {s: sp.Integer(int(rng.integers(1, 5))) for s in free}
        try:
            d = alg.evaluate(lhs, mats, scalars, trace) - alg.evaluate(rhs, mats, scalars, trace)
        except (sp.ShapeError, ValueError, TypeError):
            continue
        if (d != 0) if trace else any(x != 0 for x in d):
            return d, {k: v.shape for k, v in mats.items()}
    return None


def equal(alg: Algebra, lhs: sp.Expr, rhs: sp.Expr, seed: int = 0) -> bool | None:
    """lhs = rhs for all matrices of all compatible sizes: True (an identity of the free
    algebra, also confirmed on integer instances), False (an integer instance differs) or
    None."""
    if sp.expand(lhs - rhs) == 0:
        for c, w in alg.terms(lhs):
            alg.shape(w)  # well-formed words only
        if _instances_differ(alg, lhs, rhs, False, seed) is not None:
            raise AssertionError("free-algebra identity fails on an instance")  # a defect
        return True
    return False if _instances_differ(alg, lhs, rhs, False, seed) is not None else None


def trace_equal(alg: Algebra, lhs: sp.Expr, rhs: sp.Expr, seed: int = 0) -> bool | None:
    """trace(lhs) = trace(rhs) for all matrices of all compatible sizes (see the module
    docstring): True, False (an integer instance differs) or None."""
    try:
        same = alg.trace_form(lhs - rhs) == {}
    except ValueError:
        return None
    if same:
        if _instances_differ(alg, lhs, rhs, True, seed) is not None:
            raise AssertionError("trace identity fails on an instance")  # a defect
        return True
    return False if _instances_differ(alg, lhs, rhs, True, seed) is not None else None
