"""Claims about matrices of free (symbolic) size: parsing, proofs for every size, and
counterexamples on integer matrices (issue 17, the claim language's ``matrices``).

A claim declares matrices by shape, each size a name or ``1``: ``W = "m x n"``,
``u = "n x 1"``, ``S = "n x n symmetric"``, ``A = "n x n psd"`` (symmetric positive
semidefinite).  Its expressions use them with ``+ - *``, ``/`` by a number, ``M**k`` (an
integer 0 <= k <= :data:`MAX_POWER`), ``transpose(M)`` and ``trace(M)``; a number added to a
square matrix is that multiple of the identity (``1 + U`` is I + U), and a size name is a
positive integer (``trace(1 + U) == n + trace(U)``).  Shapes are checked as the expression is
read, so ``W*W`` of a non-square W is refused with the shapes named.

Spectral numbers of a matrix expression (:data:`SPECTRAL`): ``norm2(M)`` (the largest singular
value, the operator norm), ``normF(M)`` (Frobenius), ``lambda_max(M)`` / ``lambda_min(M)`` (the
largest / smallest real part of an eigenvalue of a square M).  Each is an opaque number for the
proofs (a symbol, nonnegative for the norms), so a claim proven with it holds for every value it
can take; on an instance it is computed exactly (:mod:`proofs.matrix_instances`).

A value is a :class:`Mat` (an expanded polynomial in the letters and their transposes: word ->
commutative coefficient, with its shape) or a :class:`Trace` (a linear combination of traces
of square words plus a scalar).  A 1 x 1 product such as ``transpose(u)*A*u`` is a matrix and,
wherever it meets a trace or a number, the scalar it is.  Given a scalar ``loss`` and a letter
X, :func:`gradient` is the matrix G with d/dt loss(X + t H) = trace(H^T G) at t = 0, read off
term by term (trace(a X b) has gradient a^T b^T, trace(a X^T b) has b a): exact for every size.

Decisions (see :mod:`proofs.matrix_words` for why each is sound):

* two matrices are equal for every size when their words' coefficients agree (an identity of
  the free algebra with transpose; a symmetric letter is its own transpose);
* two traces are equal when, grouped by the canonical form of their words (the least
  rotation of the word or of its transpose), the coefficients agree;
* ``trace >= 0`` holds when, with each PSD letter written as a Gram product G G^T, every
  canonical word is a Gram word v^T v (trace = ||v||_F^2 >= 0) with a coefficient of proven
  sign, and the scalar part is >= 0 (> 0 for a strict relation).

These forms are sufficient, not necessary: when they do not decide,
:func:`proofs.matrix_instances.search` evaluates both sides exactly on integer matrices of
small sizes (1 to 4) and rational parameters, and only a nonzero exact difference (or a
violated relation) is a counterexample; otherwise the claim is undecided.  Nothing here executes text: expressions go through
:func:`proofs.expressions.parse` with the subclass :class:`_Interpreter`.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

import sympy as sp

from proofs import expressions as ex
from proofs.derivation import decide
from proofs.identities import prove_zero
from proofs.matrix_words import T_SUFFIX, Algebra, _flip

MAX_LETTERS = 12  # matrices one claim declares
MAX_TERMS = 2_000  # words of one expanded matrix polynomial
MAX_WORD = 40  # letters of one word
MAX_POWER = 8  # the largest k in M**k
SHAPES = ("general", "symmetric", "psd")
# Spectral numbers of a matrix: name -> whether the number is >= 0 (the proofs' assumption).
SPECTRAL = {"norm2": True, "normF": True, "lambda_max": False, "lambda_min": False}
_SHAPE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*|1)\s+x\s+([A-Za-z_][A-Za-z0-9_]*|1)"
                    r"(?:\s+(symmetric|psd))?\s*\Z")
Word = tuple[str, ...]


class MatrixError(ValueError):
    """A declaration or an expression that cannot be used; ``key`` names the claim's key."""

    def __init__(self, key: str, problem: str):
        super().__init__(problem)
        self.key = key
        self.problem = problem


class Space:
    """The declared matrices of one claim: shapes, structure, size symbols, the algebra."""

    def __init__(self, declared: Mapping[str, str]):
        if not isinstance(declared, Mapping) or not 1 <= len(declared) <= MAX_LETTERS:
            raise MatrixError("matrices", f"must be a table of 1..{MAX_LETTERS} matrices, "
                                          "name = \"rows x cols\" (optionally symmetric or psd)")
        self.kinds: dict[str, str] = {}
        shapes: dict[str, tuple[str, str]] = {}
        for name, text in declared.items():
            match = _SHAPE.match(text) if isinstance(text, str) else None
            if match is None:
                raise MatrixError("matrices", f"{name}: the shape must read \"rows x cols\" "
                                              "(each a size name or 1), optionally followed by "
                                              f"symmetric or psd, got {str(text)[:60]!r}")
            rows, cols, kind = match.group(1), match.group(2), match.group(3) or "general"
            if kind != "general" and rows != cols:
                raise MatrixError("matrices", f"{name}: a {kind} matrix is square, got "
                                              f"{rows} x {cols}")
            shapes[name], self.kinds[name] = (rows, cols), kind
        self.sizes = {s: sp.Symbol(s, integer=True, positive=True)
                      for s in sorted({s for rc in shapes.values() for s in rc if s != "1"})}
        clash = sorted(set(self.sizes) & set(shapes))
        if clash:
            raise MatrixError("matrices", f"{clash[0]} is both a matrix and a size name")
        symmetric = frozenset(n for n, k in self.kinds.items() if k != "general")
        self.algebra = Algebra(dict(shapes), symmetric)
        self.shapes = shapes
        # spectral numbers met while reading (symbol -> (function name, its matrix argument))
        self.atoms: dict[sp.Symbol, tuple[str, Mat]] = {}

    def atom(self, name: str, m: Mat) -> sp.Symbol:
        """The symbol standing for ``name(m)`` (one symbol for equal arguments)."""
        if name.startswith("lambda") and m.rows != m.cols:
            raise ex.ExpressionError(f"{name}(...) of a matrix of shape {m.shape} (not square)")
        if any(sp.sympify(c).free_symbols & set(self.atoms) for c in m.terms.values()):
            raise ex.ExpressionError(f"{name}(...) of an expression holding another spectral "
                                     "number (write the nested one as its own side)")
        key = (name, m.rows, m.cols, frozenset(m.terms.items()))
        for symbol, (other, arg) in self.atoms.items():
            if (other, arg.rows, arg.cols, frozenset(arg.terms.items())) == key:
                return symbol
        symbol = sp.Symbol(f"{name}[{len(self.atoms) + 1}]", real=True,
                           nonnegative=SPECTRAL[name] or None)
        self.atoms[symbol] = (name, m)
        return symbol

    def letter(self, name: str) -> Mat:
        rows, cols = self.shapes[name]
        return Mat(self, {(name,): sp.Integer(1)}, rows, cols)

    def star(self, word: Word) -> Word:
        """The transpose of a word: reversed, each letter flipped."""
        return tuple(_flip(x, self.algebra.symmetric) for x in reversed(word))

    def size(self, name: str) -> sp.Expr:
        return sp.Integer(1) if name == "1" else self.sizes[name]


def _bounded(count: int, longest: int, what: str) -> None:
    if count > MAX_TERMS:
        raise ex.ExpressionError(f"{what} would have {count} terms (at most {MAX_TERMS})")
    if longest > MAX_WORD:
        raise ex.ExpressionError(f"{what} would have a product of {longest} matrices "
                                 f"(at most {MAX_WORD})")


def _scalar(value) -> bool:
    return isinstance(value, sp.Expr) and not getattr(value, "is_Matrix", False)


class Mat:
    """An expanded matrix polynomial: word -> coefficient (the empty word is the identity)."""

    is_Matrix = True  # the scalar parser refuses it where a scalar is needed

    def __init__(self, space: Space, terms: Mapping[Word, sp.Expr], rows: str, cols: str):
        self.space, self.rows, self.cols = space, rows, cols
        self.terms = {w: c for w, c in terms.items() if c != 0}

    @property
    def shape(self) -> str:
        return f"{self.rows} x {self.cols}"

    def __neg__(self) -> Mat:
        return self.scaled(sp.Integer(-1))

    def scaled(self, c: sp.Expr) -> Mat:
        return Mat(self.space, {w: v * c for w, v in self.terms.items()}, self.rows, self.cols)

    def plus(self, other: Mat | sp.Expr) -> Mat:
        if _scalar(other):
            if other == 0:
                return self
            if self.rows != self.cols:
                raise ex.ExpressionError(f"a number plus a matrix of shape {self.shape} (only "
                                         "a square matrix takes a multiple of the identity)")
            other = Mat(self.space, {(): other}, self.rows, self.cols)
        if (self.rows, self.cols) != (other.rows, other.cols):
            raise ex.ExpressionError(f"adding matrices of shapes {self.shape} and "
                                     f"{other.shape}")
        _bounded(len(self.terms) + len(other.terms), 0, "the sum")
        out = dict(self.terms)
        for w, c in other.terms.items():
            out[w] = out.get(w, 0) + c
        return Mat(self.space, out, self.rows, self.cols)

    def times(self, other: Mat) -> Mat:
        if self.cols != other.rows:
            hint = (" (a 1 x 1 product times a matrix is not supported: it is not a word)"
                    if "1" in (self.rows, other.rows) else "")
            raise ex.ExpressionError(f"product of shapes {self.shape} and {other.shape}: "
                                     f"{self.cols} != {other.rows}{hint}")
        _bounded(len(self.terms) * len(other.terms),
                 max((len(a) for a in self.terms), default=0)
                 + max((len(b) for b in other.terms), default=0), "the product")
        out: dict[Word, sp.Expr] = {}
        for (a, c), (b, d) in itertools.product(self.terms.items(), other.terms.items()):
            out[a + b] = out.get(a + b, 0) + c * d
        return Mat(self.space, out, self.rows, other.cols)

    def transposed(self) -> Mat:
        return Mat(self.space, {self.space.star(w): c for w, c in self.terms.items()},
                   self.cols, self.rows)

    def trace(self) -> Trace:
        if self.rows != self.cols:
            raise ex.ExpressionError(f"trace of a matrix of shape {self.shape} (not square)")
        const = self.terms.get((), sp.Integer(0)) * self.space.size(self.rows)
        return Trace(self.space, {w: c for w, c in self.terms.items() if w}, const)

    def as_scalar(self) -> Trace:
        """A 1 x 1 matrix as the number it is."""
        if (self.rows, self.cols) != ("1", "1"):
            raise ex.ExpressionError(f"a matrix of shape {self.shape} where a number is "
                                     "needed (take its trace, or an inner product u^T M v)")
        return self.trace()


class Trace:
    """sum of coefficient x trace(square word), plus a scalar ``const``."""

    is_Matrix = True  # a trace is linear here: the scalar parser's functions refuse it

    def __init__(self, space: Space, terms: Mapping[Word, sp.Expr], const: sp.Expr):
        self.space, self.const = space, const
        self.terms = {w: c for w, c in terms.items() if c != 0}

    def __neg__(self) -> Trace:
        return self.scaled(sp.Integer(-1))

    def scaled(self, c: sp.Expr) -> Trace:
        return Trace(self.space, {w: v * c for w, v in self.terms.items()}, self.const * c)

    def plus(self, other: Trace | sp.Expr) -> Trace:
        if _scalar(other):
            return Trace(self.space, self.terms, self.const + other)
        _bounded(len(self.terms) + len(other.terms), 0, "the sum")
        out = dict(self.terms)
        for w, c in other.terms.items():
            out[w] = out.get(w, 0) + c
        return Trace(self.space, out, self.const + other.const)


def _as_trace(value) -> Trace | sp.Expr:
    return value.as_scalar() if isinstance(value, Mat) else value


def combine(op: ast.AST, left, right):
    """``left op right`` where a side is a :class:`Mat` or a :class:`Trace`."""
    for side in (left, right):
        if not isinstance(side, (Mat, Trace)) and not _scalar(side):
            raise ex.ExpressionError("arithmetic on a relation")
    if isinstance(op, ast.Pow):
        if not isinstance(left, Mat) or not _scalar(right) or not (
                right.is_Integer and 0 <= right <= MAX_POWER):
            raise ex.ExpressionError(f"a power of a matrix is M**k with an integer "
                                     f"0 <= k <= {MAX_POWER}")
        if left.rows != left.cols:
            raise ex.ExpressionError(f"power of a matrix of shape {left.shape} (not square)")
        out = Mat(left.space, {(): sp.Integer(1)}, left.rows, left.cols)
        for _ in range(int(right)):
            out = out.times(left)
        return out
    if isinstance(op, ast.Div):
        if not _scalar(right):
            raise ex.ExpressionError("division by a matrix or a trace")
        return left.scaled(1 / right)
    if isinstance(op, (ast.Add, ast.Sub)):
        if isinstance(op, ast.Sub):
            right = -right
        if isinstance(left, Mat) and isinstance(right, Mat):
            return left.plus(right)
        if isinstance(left, Mat) and _scalar(right):
            return left.plus(right)
        elif isinstance(right, Mat) and _scalar(left):
            return right.plus(left)
        left, right = _as_trace(left), _as_trace(right)
        return left.plus(right) if isinstance(left, Trace) else right.plus(left)
    if not isinstance(op, ast.Mult):
        raise ex.ExpressionError("operator not allowed")
    if _scalar(left):
        return right.scaled(left)
    if _scalar(right):
        return left.scaled(right)
    if isinstance(left, Mat) and isinstance(right, Mat):
        return left.times(right)
    raise ex.ExpressionError("a product of traces (a trace is used linearly here: numbers "
                             "times traces, sums of them; u^T A u v^T B v is a product of "
                             "matrices)")


class _Interpreter(ex._Interpreter):
    """The white-list interpreter with free-size matrices (values :class:`Mat`, :class:`Trace`
    among the symbols)."""

    def _binary(self, op, left, right):
        if isinstance(left, (Mat, Trace)) or isinstance(right, (Mat, Trace)):
            return combine(op, left, right)
        return super()._binary(op, left, right)

    def _Call(self, node):
        if isinstance(node.func, ast.Name) and node.func.id in SPECTRAL:
            args = [self.value(a) for a in node.args]
            if len(args) != 1 or node.keywords or not isinstance(args[0], Mat):
                raise ex.ExpressionError(f"{node.func.id}(...) takes one matrix expression")
            return args[0].space.atom(node.func.id, args[0])
        return super()._Call(node)

    def _apply(self, name, args):
        if name in ("transpose", "trace"):
            if len(args) != 1 or not isinstance(args[0], Mat):
                raise ex.ExpressionError(f"{name}(...) takes one matrix expression")
            return args[0].transposed() if name == "transpose" else args[0].trace()
        if name == "det" or any(isinstance(a, (Mat, Trace)) for a in args):
            raise ex.ExpressionError(f"{name}(...) of a matrix of free size (only + - *, / by "
                                     "a number, **k, transpose and trace apply to them)")
        return super()._apply(name, args)

    def _Compare(self, node):
        raise ex.ExpressionError("a comparison inside an expression (a claim's relation is "
                                 "its key `relation`)")

    def _matrix(self, args):
        raise ex.ExpressionError("Matrix([[...]]) has a fixed size: not in a claim with "
                                 "matrices of free size")


def parse_value(text: str, names: Mapping[str, object]):
    """``text`` read over ``names`` (scalar symbols, :class:`Mat` and :class:`Trace` values):
    a :class:`Mat`, a :class:`Trace` or a scalar expression.

    Raises:
        proofs.expressions.ExpressionError: as :func:`proofs.expressions.parse`, or a relation.
    """
    value = ex.parse(text, dict(names), interpreter=_Interpreter)
    if not isinstance(value, (Mat, Trace, sp.Expr)):
        raise ex.ExpressionError(f"{text[:60]!r} is a relation, not an expression")
    return value


def gradient(loss, letter: str, space: Space) -> Mat:
    """G with d/dt loss(X + t H) = trace(H^T G) at t = 0 for the letter X (every size)."""
    loss = _as_trace(loss)
    rows, cols = space.shapes[letter]
    if not isinstance(loss, Trace):
        return Mat(space, {}, rows, cols)  # a number: no dependence on X
    flipped = letter + T_SUFFIX
    out: dict[Word, sp.Expr] = {}
    for word, c in loss.terms.items():
        for p, x in enumerate(word):
            if x in (letter, flipped):
                # trace(a X b) = trace(H^T (b a)^T) and trace(a X^T b) = trace(H^T (b a))
                ba = word[p + 1:] + word[:p]
                g = space.star(ba) if x == letter else ba
                out[g] = out.get(g, 0) + c
        _bounded(len(out), 0, f"the gradient in {letter}")
    return Mat(space, out, rows, cols)


# --- decisions ------------------------------------------------------------------------------


def _zero(c: sp.Expr, signs: Mapping) -> bool | None:
    """Whether a coefficient is 0 for every value of its symbols: a polynomial is decided by
    its expansion (exact, and far cheaper than simplify); anything else by
    :func:`proofs.identities.prove_zero`."""
    c = sp.expand(sp.sympify(c).subs(signs))
    if c == 0:
        return True
    if c.is_polynomial():
        return False
    return prove_zero(c)


def _not_a_number(m: Mat) -> bool:
    return (m.rows, m.cols) != ("1", "1")


def difference(lhs, rhs) -> Mat | Trace:
    """lhs - rhs: a matrix (the same shape on both sides; a number c on one side is c I, a 0
    any zero matrix), else a trace (a 1 x 1 product is the number it is).

    Raises:
        proofs.expressions.ExpressionError: shapes that differ, a matrix against a trace, or no
            matrix on either side.
    """
    if isinstance(lhs, Mat) and isinstance(rhs, Mat) and (lhs.rows, lhs.cols) == (
            rhs.rows, rhs.cols) and _not_a_number(lhs):
        return lhs.plus(-rhs)
    for matrix, other, sign in ((lhs, rhs, 1), (rhs, lhs, -1)):
        if isinstance(matrix, Mat) and _not_a_number(matrix):
            if isinstance(other, Mat):
                raise ex.ExpressionError(f"lhs has shape {lhs.shape} and rhs {rhs.shape}")
            if isinstance(other, Trace):
                raise ex.ExpressionError(f"a matrix of shape {matrix.shape} against a trace")
            d = matrix.plus(-other)
            return d if sign == 1 else -d
    a, b = _as_trace(lhs), _as_trace(rhs)
    if not isinstance(a, Trace) and not isinstance(b, Trace):
        raise ex.ExpressionError("neither side holds a matrix (state it as a claim without "
                                 "matrices)")
    return a.plus(-b) if isinstance(a, Trace) else (-b).plus(a)


def identity_proven(diff: Mat | Trace, signs: Mapping) -> tuple[bool | None, str]:
    """(True, how) when ``diff`` is zero for every size; (False, which) when a coefficient of
    its canonical form is a nonzero number; (None, which) when SymPy cannot decide one."""
    if isinstance(diff, Mat):
        groups, what = diff.terms, "word"
    else:
        groups = _trace_groups(diff)
        if diff.const != 0:
            groups = {**groups, (): diff.const}
        what = "trace of the word"
    for word, c in groups.items():
        zero = _zero(c, signs)
        if zero is not True:
            return zero, f"the coefficient of the {what} {_text(word)} is {sp.sstr(c)[:120]}"
    return True, ("every word's coefficient in lhs - rhs is 0 (free algebra with transpose)"
                  if isinstance(diff, Mat) else "every trace's coefficient in lhs - rhs is 0 "
                  "(canonical form: rotations and transposes of each word)")


def _trace_groups(t: Trace, space: Space | None = None) -> dict[Word, sp.Expr]:
    alg = (space or t.space).algebra
    total: Counter = Counter()
    for w, c in t.terms.items():
        total[alg.canonical(w)] += c
    return {w: c for w, c in total.items() if c != 0}


def nonnegative_proven(t: Trace, strict: bool, signs: Mapping) -> tuple[bool | None, str]:
    """(True, how) when ``t >= 0`` (``> 0`` if strict) for every size: each PSD letter as G G^T,
    every canonical word a Gram word v^T v with a coefficient >= 0, the scalar part >= 0 (> 0).
    (None, why) otherwise: a sufficient condition only."""
    space = t.space
    gram = _gram_space(space)
    terms: dict[Word, sp.Expr] = {}
    for w, c in t.terms.items():
        expanded = tuple(y for x in w for y in ((f"{x}_G", f"{x}_G{T_SUFFIX}")
                                                if space.kinds.get(x) == "psd" else (x,)))
        terms[expanded] = terms.get(expanded, 0) + c
    for word, c in _trace_groups(Trace(gram, terms, 0), gram).items():
        if not _is_gram(gram, word):
            return None, f"trace of {_text(word)} is not a sum of squares v^T v"
        if decide(sp.sympify(c).subs(signs), ">=", 0, margin=False)[0] is not True:
            return None, (f"the coefficient {sp.sstr(c)[:80]} of trace({_text(word)}) is not "
                          "proven >= 0")
    if decide(sp.sympify(t.const).subs(signs), ">" if strict else ">=", 0,
              margin=False)[0] is not True:
        return None, (f"the scalar part {sp.sstr(t.const)[:80]} is not proven "
                      f"{'> 0' if strict else '>= 0'}")
    return True, ("a sum of squares: each term c trace(v^T v) = c ||v||_F^2 with c >= 0"
                  + (" (each PSD letter a Gram product G G^T)" if "psd" in space.kinds.values()
                     else ""))


def _gram_space(space: Space) -> Space:
    """The claim's letters with a Gram factor ``P_G`` (n x r_P) for each PSD letter P."""
    out = Space.__new__(Space)
    shapes = dict(space.shapes)
    for name, kind in space.kinds.items():
        if kind == "psd":
            shapes[f"{name}_G"] = (space.shapes[name][0], f"r_{name}")
    out.shapes, out.kinds, out.sizes = shapes, dict(space.kinds), space.sizes
    out.algebra = Algebra(dict(shapes), frozenset(n for n, k in space.kinds.items()
                                                  if k != "general"))
    return out


def _is_gram(space: Space, word: Word) -> bool:
    """Some rotation of the (even) word reads star(v) v."""
    half = len(word) // 2
    if len(word) % 2:
        return False
    return any(r[:half] == space.star(r[half:])
               for r in (word[k:] + word[:k] for k in range(len(word))))


def _text(word: Word) -> str:
    return " ".join(word) if word else "I"


# --- a claim's statement -------------------------------------------------------------------


@dataclass
class Statement:
    """One claim read over its matrices: the names its expressions may use, both sides, and
    lhs - rhs (a :class:`Mat` for a matrix identity, else a :class:`Trace`)."""

    space: Space
    names: dict[str, object]
    lhs: object
    rhs: object
    relation: str
    diff: Mat | Trace


def statement(matrices: Mapping[str, str], scalars: Mapping[str, sp.Symbol], lhs: str,
              rhs: str, relation: str = "==", loss: str | None = None,
              variables: tuple[str, ...] = (), step: str | None = None) -> Statement:
    """Read a claim over free-size ``matrices`` (name -> shape text) and the scalar parameters.

    With ``loss`` (a number: traces, 1 x 1 products) and ``variables`` (letters), the sides
    may also name ``loss``, ``grad_X`` (:func:`gradient`) and, with ``step``, ``gd_X`` =
    X - step grad_X, for each X in ``variables``.

    Raises:
        MatrixError: naming the key (matrices, loss, variables, lhs, rhs) and the problem.
    """
    space = Space(matrices)
    clash = sorted((set(space.sizes) | set(space.shapes)) & set(scalars))
    if clash:
        raise MatrixError("matrices", f"{clash[0]} is both a matrix (or a size) and a parameter")
    names: dict[str, object] = {**scalars, **space.sizes,
                                **{n: space.letter(n) for n in space.shapes}}
    if loss is not None:
        names["loss"] = _read(loss, "loss", names)
        if space.atoms:
            raise MatrixError("loss", f"{', '.join(SPECTRAL)} are not differentiated: a loss "
                                      "is traces and products of the matrices")
        if isinstance(names["loss"], Mat) and (names["loss"].rows, names["loss"].cols) != (
                "1", "1"):
            raise MatrixError("loss", "the loss is a number, got a matrix of shape "
                                      f"{names['loss'].shape} (take its trace)")
    for x in variables:
        if x not in space.shapes or space.kinds[x] != "general":
            raise MatrixError("variables", f"{x!r} is not a declared matrix without structure "
                                           "(a gradient is taken in a general matrix)")
        if loss is None:
            raise MatrixError("variables", "goes with a loss (grad_X and gd_X need one)")
        names[f"grad_{x}"] = gradient(names["loss"], x, space)
        if step is not None:
            names[f"gd_{x}"] = space.letter(x).plus(-names[f"grad_{x}"].scaled(scalars[step]))
    sides = {key: _read(text, key, names) for key, text in (("lhs", lhs), ("rhs", rhs))}
    if space.atoms and all(_scalar(v) for v in sides.values()):
        sides["lhs"] = Trace(space, {}, sides["lhs"])  # numbers of the matrices: a trace's scalar
    try:
        diff = difference(sides["lhs"], sides["rhs"])
    except ex.ExpressionError as exc:
        raise MatrixError("rhs", str(exc)) from None
    if relation != "==" and isinstance(diff, Mat):
        raise MatrixError("lhs", "an inequality compares numbers; lhs - rhs is a matrix of "
                                 f"shape {diff.shape} (take a trace, or u^T M u)")
    if relation in ("<=", "<"):
        diff = -diff
    return Statement(space, names, sides["lhs"], sides["rhs"], relation, diff)


def _read(text, key: str, names: Mapping[str, object]):
    if not isinstance(text, str):
        raise MatrixError(key, f"expected an expression string, got {type(text).__name__}")
    try:
        value = parse_value(text, names)
    except ex.ExpressionError as exc:
        raise MatrixError(key, str(exc)) from None
    parts = ([value] if _scalar(value) else [*value.terms.values()]
             + ([value.const] if isinstance(value, Trace) else []))
    if any(sp.sympify(c).has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I) for c in parts):
        raise MatrixError(key, f"{text[:60]!r} is not real and finite")
    return value


def proven(st: Statement, signs: Mapping) -> tuple[bool | None, str]:
    """Whether the canonical forms prove the statement for every size (see the module
    docstring); False only for an identity with a coefficient that is a nonzero number."""
    if st.relation == "==":
        return identity_proven(st.diff, signs)
    return nonnegative_proven(st.diff, st.relation in (">", "<"), signs)
