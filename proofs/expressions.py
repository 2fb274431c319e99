"""Parsing untrusted expression text into exact SymPy expressions, without executing anything.

Claim files come from other people, so their expressions are data, never code.  The text is
parsed by Python's own parser into a syntax tree (:func:`ast.parse`, which evaluates nothing) and
the tree is then *interpreted* node by node against a white list:

* numbers (integer and decimal literals; a decimal becomes the exact rational of its digits);
* the declared names (the caller's symbols) and the constants ``pi`` and ``E``;
* calls of the allowed functions (:data:`ALLOWED_FUNCTIONS`) by bare name, positional
  arguments only;
* ``+ - * / **`` and unary ``+ -``;
* one comparison ``< <= > >= == !=`` (``==`` means :class:`sympy.Eq`);
* ``w[i]`` / ``A[0, 1]`` on a declared indexed or matrix symbol (``w[i]`` also on a declared
  n x 1 matrix, a vector);
* ``Matrix([[a, b], [c, d]])``: an explicit matrix (at most :data:`MAX_MATRIX_SIZE` rows and
  columns, scalar entries), with ``+ - *``, ``/`` by a scalar, ``M**k`` for an integer
  0 <= k <= :data:`MAX_MATRIX_POWER`, and ``det``, ``trace``, ``transpose``; a matrix result may
  have at most :data:`MAX_MATRIX_NODES` syntax-tree nodes in its entries (a chain of products
  cannot grow past it), and no other function takes a matrix;
* inside ``Piecewise``: ``(value, condition)`` pairs, the condition ``True`` for the last one;
  inside ``Sum`` and ``Product``: ``(k, lo, hi)`` with a fresh bound name ``k`` and integer
  limits: numbers with at most :data:`MAX_TERMS` terms between them, or linear in the names
  with small integer coefficients (``L``, ``L - 1``, ``2*L``), so that no limit can ask for
  10**9 terms once an instance is substituted.

Everything else (attribute access, subscripts, strings, lambdas, comprehensions, keyword
arguments, starred arguments, ``^``, boolean operators, conditional expressions, ...) is refused
with an :class:`ExpressionError` naming the construct.  No ``eval``, ``exec`` or ``sympify`` of
text happens anywhere on this path, so no payload can run.
"""

from __future__ import annotations

import ast
import math
import warnings

import sympy as sp
from sympy.core.cache import cacheit


class ExpressionError(ValueError):
    """An expression that cannot be used: unparseable, refused construct, undeclared name."""


# Functions a user expression may call, by name.
ALLOWED_FUNCTIONS = {
    name: getattr(sp, name)
    for name in (
        "Abs", "sqrt", "exp", "log", "sin", "cos", "tanh", "Max", "Min", "Rational",
        "Piecewise", "sign", "Heaviside", "cosh", "sinh", "atan", "Sum", "Product", "Eq",
        "Matrix", "det", "trace", "transpose",
    )
}
# The functions that take a matrix (every other function takes scalars only).
MATRIX_FUNCTIONS = ("det", "trace", "transpose")
# Constants a user expression may name.
ALLOWED_CONSTANTS = {"pi": sp.pi, "E": sp.E}

MAX_LENGTH = 20_000  # characters of one expression
MAX_NODES = 5_000  # syntax-tree nodes of one expression
MAX_DIGITS = 4_000  # an exact number with more digits than this is refused (e.g. 9**9**9)
MAX_TERMS = 10_000  # terms of one Sum/Product between numeric limits
MAX_LIMIT_COEFFICIENT = 16  # |integer coefficient| of a name in a symbolic Sum/Product limit
MAX_MATRIX_SIZE = 4  # rows and columns of a Matrix([[...]]) literal
MAX_MATRIX_POWER = 8  # the largest k in M**k
MAX_MATRIX_NODES = 20_000  # syntax-tree nodes of a matrix value's entries, all together

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_COMPARE = {ast.Lt: sp.Lt, ast.LtE: sp.Le, ast.Gt: sp.Gt, ast.GtE: sp.Ge, ast.Eq: sp.Eq,
            ast.NotEq: sp.Ne}
# What a refused node is called in messages.
_NODE_NAMES = {
    ast.Attribute: "attribute access (a.b)",
    ast.Lambda: "lambda", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions", ast.GeneratorExp: "comprehensions",
    ast.IfExp: "conditional expressions (a if c else b)", ast.BoolOp: "and/or",
    ast.NamedExpr: "assignment (:=)", ast.Starred: "starred arguments", ast.List: "lists",
    ast.Dict: "dicts", ast.Set: "sets", ast.Tuple: "tuples outside Piecewise/Sum/Product",
    ast.JoinedStr: "strings", ast.FormattedValue: "strings", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
}


def real_symbol(name: str, positive: bool = False) -> sp.Symbol:
    """The project's convention: every state variable is real; step sizes are positive."""
    return sp.Symbol(name, positive=True) if positive else sp.Symbol(name, real=True)


def parse(text: str, symbols: dict[str, sp.Basic], interpreter: type | None = None) -> sp.Basic:
    """Parse ``text`` into an exact SymPy expression (or relation) over ``symbols``.

    Remembered per (text, symbols) with the default interpreter: the result is an immutable
    SymPy object, and claim files repeat expressions (a bound in each of a claim's parts, a loss
    in each of its checks); building the 42 paper data claims parsed 795 texts, 327 distinct.

    ``interpreter``: a subclass of the white-list interpreter for a richer value type (the
    free-size matrices of :mod:`proofs.matrix_claims`); the limits here apply to it too.

    Decimal literals become the exact rational of their digits (``0.3`` means 3/10), so that the
    symbolic tier stays exact.  ``symbols`` maps each allowed name to the object it stands for
    (usually a :class:`sympy.Symbol`; any SymPy expression works, e.g. ``loss``).

    Raises:
        ExpressionError: the text does not parse, uses a construct outside the white list, a
            name that is neither declared nor allowed, or asks for a number too large to compute.
    """
    if interpreter is None and isinstance(text, str) and len(_PARSED) < _PARSED_MAX:
        try:
            key = (text, frozenset(symbols.items()))
        except TypeError:  # an unhashable value: parsed afresh
            key = None
        if key is not None:
            if key not in _PARSED:
                _PARSED[key] = _parse(text, symbols)
            return _PARSED[key]
    return _parse(text, symbols, interpreter)


_PARSED: dict = {}
_PARSED_MAX = 20_000  # a bound on memory, whatever a claim file holds; beyond it, no memo


def _parse(text: str, symbols: dict[str, sp.Basic], interpreter: type | None = None
           ) -> sp.Basic:
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError(f"expression must be a non-empty string, got {_short(text)}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression is {len(text)} characters long "
                              f"(at most {MAX_LENGTH})")
    try:
        with warnings.catch_warnings():  # "1if x" warns before failing: the error says it all
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"cannot parse {_short(text)}: {exc.msg}") from None
    except (ValueError, MemoryError, RecursionError) as exc:  # e.g. huge literals, deep nesting
        raise ExpressionError(f"cannot parse {_short(text)}: {type(exc).__name__}: "
                              f"{_short(str(exc))}") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExpressionError(f"{_short(text)} is too large (more than {MAX_NODES} terms)")
    try:
        return (interpreter or _Interpreter)(text.strip(), symbols).value(tree.body)
    except ExpressionError as exc:
        raise ExpressionError(f"{_short(text)}: {exc}") from None
    except RecursionError:
        raise ExpressionError(f"{_short(text)} is nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - SymPy raises many types on ill-typed input
        raise ExpressionError(f"cannot evaluate {_short(text)}: {type(exc).__name__}: "
                              f"{_short(str(exc))}") from None


def parse_number(text: str) -> sp.Expr:
    """A finite real number written as an expression without names (``0.5``, ``1/3``,
    ``sqrt(2)/2``, ``2*pi``), exact.  The parser of ``--at`` replay values.

    Raises:
        ExpressionError: not an expression of numbers, or not finite and real.
    """
    value = parse(text, {})
    if not isinstance(value, sp.Expr) or value.free_symbols:
        raise ExpressionError(f"{_short(text)} is not a number")
    if value.has(sp.nan, sp.zoo, sp.oo, -sp.oo) or value.is_real is False:
        raise ExpressionError(f"{_short(text)} is not a finite real number")
    numeric = sp.N(value, 30)
    if not numeric.is_real or not numeric.is_finite or not numeric.is_Number:
        raise ExpressionError(f"{_short(text)} is not a finite real number")
    return value


class _Interpreter:
    """Builds the SymPy object of a white-listed syntax tree, one node kind at a time."""

    def __init__(self, text: str, symbols: dict[str, sp.Basic]):
        self.text = text
        self.symbols = symbols

    def value(self, node: ast.AST) -> sp.Basic:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise ExpressionError(f"{_refused(node)} not allowed")
        return method(node)

    def _Constant(self, node: ast.Constant) -> sp.Basic:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "strings" if isinstance(value, (str, bytes)) else repr(value)
            raise ExpressionError(f"{kind} not allowed (only numbers)")
        if isinstance(value, int):
            if value.bit_length() > MAX_DIGITS * 3.33:
                raise ExpressionError("integer literal too large")
            return sp.Integer(value)
        literal = (ast.get_source_segment(self.text, node) or repr(value)).replace("_", "")
        exponent = literal.lower().partition("e")[2]
        if exponent and abs(int(exponent)) > MAX_DIGITS:  # 1e999999999 would fill the memory
            raise ExpressionError(f"number {literal!r} has more than {MAX_DIGITS} digits")
        try:  # the exact rational of the decimal text, every digit kept
            return sp.Rational(literal)
        except (TypeError, ValueError) as exc:
            raise ExpressionError(f"number {literal!r} is not a finite decimal") from exc

    def _Name(self, node: ast.Name) -> sp.Basic:
        name = node.id
        if name in self.symbols:
            return self.symbols[name]
        if name in ALLOWED_CONSTANTS:
            return ALLOWED_CONSTANTS[name]
        if name in ALLOWED_FUNCTIONS:
            raise ExpressionError(f"function {name} used without arguments")
        raise ExpressionError(f"uses undeclared symbol(s): {name}")

    def _UnaryOp(self, node: ast.UnaryOp) -> sp.Basic:
        operand = self.value(node.operand)
        if isinstance(node.op, ast.USub):
            return -operand
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExpressionError(f"operator {_op_text(node.op)} not allowed")

    def _BinOp(self, node: ast.BinOp) -> sp.Basic:
        if type(node.op) not in _BINARY:
            hint = " (write ** for powers)" if isinstance(node.op, ast.BitXor) else ""
            raise ExpressionError(f"operator {_op_text(node.op)} not allowed{hint}")
        return self._binary(node.op, self.value(node.left), self.value(node.right))

    def _binary(self, op: ast.AST, left: sp.Basic, right: sp.Basic) -> sp.Basic:
        """``left op right`` of two values already interpreted."""
        for side in (left, right):
            if not isinstance(side, sp.Expr):
                raise ExpressionError("arithmetic on a relation")
        if _is_matrix(left) or _is_matrix(right):
            return _matrix_arithmetic(op, left, right)
        if isinstance(op, ast.Add):
            return left + right
        if isinstance(op, ast.Sub):
            return left - right
        if isinstance(op, ast.Mult):
            return _checked(left * right)
        if isinstance(op, ast.Div):
            return _checked(left / right)
        _check_power(left, right)
        return _checked(left**right)

    def _Compare(self, node: ast.Compare) -> sp.Basic:
        if len(node.ops) != 1:
            raise ExpressionError("chained comparisons not allowed (write one relation)")
        op = type(node.ops[0])
        if op not in _COMPARE:
            raise ExpressionError(f"comparison {_op_text(node.ops[0])} not allowed")
        left, right = self.value(node.left), self.value(node.comparators[0])
        if not (isinstance(left, sp.Expr) and isinstance(right, sp.Expr)):
            raise ExpressionError("a comparison of relations")
        if _is_matrix(left) or _is_matrix(right):
            raise ExpressionError("a comparison of matrices (compare det(...), trace(...) or "
                                  "entries)")
        return _COMPARE[op](left, right)

    def _Call(self, node: ast.Call) -> sp.Basic:
        if not isinstance(node.func, ast.Name):
            raise ExpressionError(f"only calls of allowed functions by name "
                                  f"({', '.join(sorted(ALLOWED_FUNCTIONS))}) are allowed")
        name = node.func.id
        if name not in ALLOWED_FUNCTIONS:
            if name in self.symbols:
                raise ExpressionError(f"{name} is a symbol, not a function")
            raise ExpressionError(f"uses unknown function(s): {name} "
                                  f"(allowed: {', '.join(sorted(ALLOWED_FUNCTIONS))})")
        if node.keywords:
            raise ExpressionError(f"keyword arguments not allowed (in {name}(...))")
        if not node.args:
            raise ExpressionError(f"{name}() needs arguments")
        if name == "Piecewise":
            return sp.Piecewise(*(self._piece(a) for a in node.args))
        if name in ("Sum", "Product"):
            return self._sum(name, node.args)
        if name == "Matrix":
            return self._matrix(node.args)
        return self._apply(name, [self.value(a) for a in node.args])

    def _apply(self, name: str, args: list[sp.Basic]) -> sp.Basic:
        """The allowed function ``name`` of arguments already interpreted."""
        if name in MATRIX_FUNCTIONS:
            return _matrix_function(name, args)
        if any(_is_matrix(a) for a in args):
            raise ExpressionError(f"{name}(...) of a matrix (only "
                                  f"{', '.join(MATRIX_FUNCTIONS)} take matrices)")
        if name == "Rational":
            if len(args) not in (1, 2) or not all(a.is_Rational for a in args):
                raise ExpressionError("Rational(p, q) takes one or two rational numbers")
        elif not all(isinstance(a, sp.Expr) for a in args):
            raise ExpressionError(f"{name}(...) of a relation")
        if name in ("Max", "Min"):
            return _checked(_lattice(name, tuple(args)))
        return _checked(ALLOWED_FUNCTIONS[name](*args))

    def _Subscript(self, node: ast.Subscript) -> sp.Basic:
        """``w[i]``, ``A[0, 1]``: an entry of a declared indexed or matrix symbol, nothing else."""
        if not isinstance(node.value, ast.Name) or node.value.id not in self.symbols:
            raise ExpressionError("subscripts (a[i]) allowed only on declared indexed symbols")
        base = self.symbols[node.value.id]
        if not isinstance(base, (sp.IndexedBase, sp.MatrixSymbol, sp.ImmutableMatrix)):
            raise ExpressionError(f"{node.value.id} is not indexed (subscripts not allowed)")
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        index = [self.value(p) for p in parts]
        if not all(isinstance(i, sp.Expr) for i in index):
            raise ExpressionError("an index must be an expression")
        if isinstance(base, sp.IndexedBase):
            return base[tuple(index)]
        if len(index) == 1 and base.shape[1] == 1:  # a vector (an n x 1 matrix): w[i]
            index = [index[0], sp.Integer(0)]
        if len(index) != 2 or not all(i.is_Integer for i in index):
            raise ExpressionError(f"{node.value.id}[i, j] takes two integer indices"
                                  + (" (w[i] for a vector)" if base.shape[1] == 1 else ""))
        rows, cols = base.shape
        i, j = (int(v) for v in index)
        if not (0 <= i < rows and 0 <= j < cols):
            raise ExpressionError(f"{node.value.id}[{i}, {j}] is outside its {rows}x{cols} shape")
        return base[i, j]

    def _matrix(self, args: list[ast.AST]) -> sp.ImmutableMatrix:
        """``Matrix([[a, b], [c, d]])``: rows of scalar entries, at most MAX_MATRIX_SIZE each way
        (the lists are read here only: a list anywhere else is still refused)."""
        rows = args[0].elts if len(args) == 1 and isinstance(args[0], ast.List) else None
        if not rows or not all(isinstance(r, ast.List) and r.elts for r in rows):
            raise ExpressionError("Matrix takes one list of rows: Matrix([[a, b], [c, d]])")
        if len({len(r.elts) for r in rows}) != 1:
            raise ExpressionError("Matrix rows must have the same length")
        if len(rows) > MAX_MATRIX_SIZE or len(rows[0].elts) > MAX_MATRIX_SIZE:
            raise ExpressionError(f"Matrix larger than {MAX_MATRIX_SIZE} x {MAX_MATRIX_SIZE}")
        entries = [[self.value(e) for e in r.elts] for r in rows]
        if not all(isinstance(v, sp.Expr) and not _is_matrix(v) for r in entries for v in r):
            raise ExpressionError("a Matrix entry must be a scalar expression")
        return _matrix_checked(sp.ImmutableMatrix(entries))

    def _piece(self, node: ast.AST) -> tuple[sp.Basic, sp.Basic]:
        if not isinstance(node, ast.Tuple) or len(node.elts) != 2:
            raise ExpressionError("Piecewise takes (value, condition) pairs")
        value_node, cond_node = node.elts
        value = self.value(value_node)
        if _is_matrix(value):
            raise ExpressionError("a Piecewise value must be a scalar expression")
        if isinstance(cond_node, ast.Constant) and cond_node.value is True:
            return value, sp.true
        return value, self.value(cond_node)

    def _sum(self, name: str, args: list[ast.AST]) -> sp.Basic:
        """``Sum(term, (k, lo, hi))`` or ``Product(term, (k, lo, hi))``, limits checked."""
        if len(args) != 2 or not isinstance(args[1], ast.Tuple) or len(args[1].elts) != 3:
            raise ExpressionError(f"{name} takes (term, (k, lo, hi))")
        index_node, lo_node, hi_node = args[1].elts
        if not isinstance(index_node, ast.Name):
            raise ExpressionError(f"{name}'s index must be a name")
        index = self.symbols.get(index_node.id, sp.Symbol(index_node.id, integer=True))
        if not isinstance(index, sp.Symbol):
            raise ExpressionError(f"{name}'s index {index_node.id} is not a symbol")
        inner = _Interpreter(self.text, {**self.symbols, index_node.id: index})
        lo, hi = self.value(lo_node), self.value(hi_node)
        _check_limits(name, lo, hi)
        term = inner.value(args[0])
        if _is_matrix(term):
            raise ExpressionError(f"a {name} term must be a scalar expression")
        return getattr(sp, name)(term, (index, lo, hi))


@cacheit
def _lattice(name: str, args: tuple) -> sp.Basic:
    """``Max(*args)`` or ``Min(*args)``, remembered in SymPy's own cache (cleared with it).

    SymPy does not cache them, and their evaluation compares every pair of arguments with
    assumption queries on ``factor_terms`` of the difference: 0.4 s for one Max of six square
    roots in ``nar2018slides_relu.toml``.  Claim files repeat the same Max/Min inside different
    texts (``Max(2*c, 3/sqrt(L), 1)`` in most of wu2019zas's bounds), and a text is parsed again
    with other names (an at-state side with the quantities' placeholders).  The result is a
    function of the arguments alone, so a remembered one is the one SymPy would build."""
    return ALLOWED_FUNCTIONS[name](*args)


def _is_matrix(value: sp.Basic) -> bool:
    return bool(getattr(value, "is_Matrix", False))


def _matrix_arithmetic(op: ast.AST, left: sp.Basic, right: sp.Basic) -> sp.Basic:
    """``+ - * / **`` where a side is a matrix: shapes must fit, ``/`` only by a scalar, ``**``
    only a square matrix to an integer 0..MAX_MATRIX_POWER; the result's size is bounded."""
    lm, rm = _is_matrix(left), _is_matrix(right)
    if isinstance(op, ast.Pow):
        if rm or not right.is_Integer or not 0 <= right <= MAX_MATRIX_POWER:
            raise ExpressionError(f"a matrix power M**k needs an integer 0 <= k <= "
                                  f"{MAX_MATRIX_POWER}")
        if left.rows != left.cols:
            raise ExpressionError(f"power of a {left.rows} x {left.cols} matrix (not square)")
        # one product at a time, each checked: SymPy's M**k builds the whole result first, and
        # a 4 x 4 of symbols to the 8th ran past every budget before any check could refuse it
        power = sp.ImmutableMatrix(sp.eye(left.rows))
        for _ in range(int(right)):
            power = _matrix_checked(power * left)
        return power
    if isinstance(op, ast.Div):
        if rm:
            raise ExpressionError("division by a matrix")
        return _matrix_checked(left / right)
    if isinstance(op, (ast.Add, ast.Sub)):
        if lm != rm:
            raise ExpressionError("a matrix plus a scalar (write c*Matrix([[1, 0], [0, 1]]))")
        if left.shape != right.shape:
            raise ExpressionError(f"adding a {left.rows} x {left.cols} and a {right.rows} x "
                                  f"{right.cols} matrix")
        return _matrix_checked(left + right if isinstance(op, ast.Add) else left - right)
    if lm and rm and left.cols != right.rows:
        raise ExpressionError(f"product of a {left.rows} x {left.cols} and a {right.rows} x "
                              f"{right.cols} matrix")
    return _matrix_checked(left * right)


def _matrix_function(name: str, args: list[sp.Basic]) -> sp.Basic:
    """``det(M)``, ``trace(M)`` (square M) and ``transpose(M)``."""
    if len(args) != 1 or not _is_matrix(args[0]):
        raise ExpressionError(f"{name}(...) takes one matrix")
    matrix = args[0]
    if name != "transpose" and matrix.rows != matrix.cols:
        raise ExpressionError(f"{name} of a {matrix.rows} x {matrix.cols} matrix (not square)")
    if name == "transpose":
        return _matrix_checked(matrix.T)
    if name == "trace":
        return _checked(matrix.trace())
    # Berkowitz: division-free, a fixed number of products and sums of the entries (the
    # default Bareiss cancels fractions of the entries, unbounded in their size)
    return _checked(matrix.det(method="berkowitz"))


def _matrix_checked(matrix: sp.ImmutableMatrix) -> sp.ImmutableMatrix:
    """Refuse a matrix whose entries hold more than MAX_MATRIX_NODES nodes together (counted
    up to that bound only, so that counting a huge result costs no more than the bound)."""
    count = 0
    for entry in matrix:
        _checked(entry)
        for _ in sp.preorder_traversal(entry):
            count += 1
            if count > MAX_MATRIX_NODES:
                raise ExpressionError(f"a matrix whose entries have more than "
                                      f"{MAX_MATRIX_NODES} terms")
    return sp.ImmutableMatrix(matrix)


def _check_limits(name: str, lo: sp.Basic, hi: sp.Basic) -> None:
    """Refuse limits that are not integers or that could ask for a huge number of terms.

    A numeric pair may span at most :data:`MAX_TERMS` terms; a symbolic limit must be linear in
    its names with integer coefficients of size at most :data:`MAX_LIMIT_COEFFICIENT` and a
    constant within :data:`MAX_TERMS` (integer parameters are small, so every instance stays
    small).  A work unit decided before any computation, not a time-out."""
    for limit in (lo, hi):
        if not isinstance(limit, sp.Expr):
            raise ExpressionError(f"{name}'s limits must be expressions, not relations")
        if limit.is_number:
            if not limit.is_Integer:
                raise ExpressionError(f"{name}'s limit {limit} is not an integer")
            if abs(limit) > MAX_TERMS:
                raise ExpressionError(f"{name}'s limit {limit} is larger than {MAX_TERMS}")
            continue
        names = sorted(limit.free_symbols, key=str)
        if not all(n.is_integer for n in names):
            raise ExpressionError(f"{name}'s limit {limit} uses a name that is not an integer "
                                  "(declare it under integers)")
        poly = sp.Poly(limit, *names) if limit.is_polynomial(*names) else None
        if poly is None or poly.total_degree() > 1 or not all(
                c.is_Integer for c in poly.coeffs()):
            raise ExpressionError(f"{name}'s limit {limit} must be an integer or linear in "
                                  "names with integer coefficients (L, L - 1, 2*L)")
        constant = poly.coeff_monomial(1)
        if abs(constant) > MAX_TERMS or any(
                abs(c) > MAX_LIMIT_COEFFICIENT for m, c in poly.terms() if sum(m)):
            raise ExpressionError(f"{name}'s limit {limit} has a coefficient larger than "
                                  f"{MAX_LIMIT_COEFFICIENT} or a constant larger than "
                                  f"{MAX_TERMS}")
    if lo.is_number and hi.is_number and hi - lo + 1 > MAX_TERMS:
        raise ExpressionError(f"{name} from {lo} to {hi} has more than {MAX_TERMS} terms")


def _check_power(base: sp.Basic, exponent: sp.Basic) -> None:
    """Refuse a numeric power whose exact value would have more than MAX_DIGITS digits."""
    if not (base.is_number and exponent.is_number):
        if exponent.is_number and exponent.is_Integer and abs(exponent) > 10**6:
            raise ExpressionError("power exponent larger than 10**6")
        return
    try:
        size = abs(float(exponent)) * math.log10(abs(complex(base)) + 2)
    except (TypeError, ValueError, OverflowError):
        raise ExpressionError("power too large to compute") from None
    if size > MAX_DIGITS:
        raise ExpressionError(f"power with about {size:.3g} digits (at most {MAX_DIGITS})")


def _checked(value: sp.Basic) -> sp.Basic:
    """Refuse an exact number that has grown past MAX_DIGITS (repeated products and the like)."""
    too_many_bits = MAX_DIGITS * 3.33
    if isinstance(value, sp.Rational) and max(abs(value.p), value.q).bit_length() > too_many_bits:
        raise ExpressionError(f"number with more than {MAX_DIGITS} digits")
    return value


def _refused(node: ast.AST) -> str:
    return _NODE_NAMES.get(type(node), type(node).__name__)


def _op_text(op: ast.AST) -> str:
    symbols = {ast.BitXor: "^", ast.BitAnd: "&", ast.BitOr: "|", ast.Mod: "%",
               ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
               ast.Invert: "~", ast.Not: "not", ast.Is: "is", ast.IsNot: "is not",
               ast.In: "in", ast.NotIn: "not in"}
    return symbols.get(type(op), type(op).__name__)


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
