"""Expressions over one state of a linear chain W_1..W_L with target Phi, for the claim
language's inequalities at states (:mod:`verify.userclaims.states`).

:func:`compile_expression` reads a text against a white list (numbers, the names given, ``+ - *
/ **``, the functions below) and nothing executes; :class:`_Eval` evaluates a compiled
expression at a :class:`State` in float64, or in mpmath when the state's arrays hold mpf
numbers (the same code: only norms, eigenvalues and constants look at the kind).  Names: ``L``,
``d``, ``loss`` (||W_L...W_1 - Phi||_F^2/2, Wu, Wang & Ma (2019) eq. (2.3)), ``Phi``; functions
``W(l)``, ``D(l)`` (W_{l+1}^T W_{l+1} - W_l W_l^T, Lemma 4.2), ``grad(l)`` (the gradient in W_l,
Section 2 corrected), ``prod(i, j)`` (W_j ... W_i), ``norm2``, ``normF``, ``lambda_max``,
``lambda_min`` (of the symmetric part), ``transpose``, ``trace``, ``sqrt``, ``log``, ``exp``,
``Abs``, ``Max``, ``Min``, ``maxover(e, l, lo, hi)`` / ``minover`` / ``sumover`` (an empty range
gives 0) and ``next(e)`` (e after one GD step of the evaluator's step).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import factorisations as fz

MAX_LENGTH, MAX_NODES = 2000, 400
# Work units of one evaluation: a hostile claim could otherwise ask for W(1)**(10**9) (a loop
# of matrix products) or sumover(..., 1, 10**12) and hold its check until the safety net
MAX_MATRIX_POWER, MAX_TERMS = 64, 10_000
MATRIX_FUNCS = {"W": 1, "D": 1, "grad": 1, "prod": 2}
NUMBER_FUNCS = {"norm2", "normF", "lambda_max", "lambda_min", "transpose", "trace", "sqrt",
                "log", "exp", "Abs"}
OVER = ("maxover", "minover", "sumover")
BASE_NAMES = ("L", "d", "loss", "Phi")

class StatesError(ValueError):
    """A claim table that cannot be used; ``key`` names its key."""

    def __init__(self, key: str, problem: str):
        super().__init__(problem)
        self.key, self.problem = key, problem


# --- expressions ------------------------------------------------------------------------------


def compile_expression(text, key: str, names: tuple[str, ...], step: bool = False,
                       funcs: dict[str, int] | None = None) -> ast.AST:
    """``text`` parsed and checked against the white list (names, functions, arities;
    ``funcs``: another vocabulary's functions and arities, ``*over`` taking an index).

    Raises:
        StatesError: naming ``key``.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_LENGTH:
        raise StatesError(key, f"must be an expression string of at most {MAX_LENGTH} "
                               "characters")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise StatesError(key, f"{text[:60]!r} is not an expression") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise StatesError(key, f"more than {MAX_NODES} syntax nodes")
    _check(tree, key, set(names), step, funcs)
    return tree


def _check(node: ast.AST, key: str, names: set[str], step: bool, funcs=None) -> None:
    if isinstance(node, ast.Constant):
        if not isinstance(node.value, (int, float)) or isinstance(node.value, bool) or \
                not math.isfinite(node.value) or abs(node.value) > 1e300:
            raise StatesError(key, f"constant {node.value!r} is not a finite number")
    elif isinstance(node, ast.Name):
        if node.id not in names:
            raise StatesError(key, f"unknown name {node.id!r} (known: "
                                   f"{', '.join(sorted(names))})")
    elif isinstance(node, ast.BinOp) and isinstance(
            node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow)):
        _check(node.left, key, names, step, funcs)
        _check(node.right, key, names, step, funcs)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        _check(node.operand, key, names, step, funcs)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        name, args = node.func.id, node.args
        if name in (OVER if funcs is None else [k for k in funcs if k.endswith("over")]):
            if len(args) != 4 or not isinstance(args[1], ast.Name) or args[1].id in names:
                raise StatesError(key, f"{name}(expr, index, lo, hi) takes an expression, a new "
                                       "index name and its integer range")
            for a in (args[2], args[3]):
                _check(a, key, names, step, funcs)
            _check(args[0], key, names | {args[1].id}, step, funcs)
            return
        arity = (MATRIX_FUNCS.get(name, 1 if name in NUMBER_FUNCS or name == "next" else None)
                 if funcs is None else funcs.get(name))
        if name in ("Max", "Min") and args:
            arity = len(args)
        if arity is None:
            raise StatesError(key, f"unknown function {name!r}")
        if len(args) != arity:
            raise StatesError(key, f"{name}(...) takes {arity} argument(s)")
        if name == "next" and not step:
            raise StatesError(key, "next(...) needs the claim's step")
        for a in args:
            _check(a, key, names, step, funcs)
    else:
        raise StatesError(key, f"{ast.dump(node)[:40]}...: not allowed (numbers, names, "
                               "+ - * / **, the listed functions)")


@dataclass
class State:
    """One network W_1..W_L and its target Phi, in float64 or as mpmath object arrays."""

    ws: list
    Phi: np.ndarray

    @property
    def mp(self) -> bool:
        return self.Phi.dtype == object

    def num(self, v):
        return mpmath.mpf(v) if self.mp else float(v)

    def grads(self):
        if not hasattr(self, "_g"):
            L, d = len(self.ws), self.ws[0].shape[0]
            E = fz.chain(self.ws, 1, L, d) - self.Phi
            self._g = [fz.chain(self.ws, l + 1, L, d).T @ E @ fz.chain(self.ws, 1, l - 1, d).T
                       for l in range(1, L + 1)]
            self._loss = _fro2(E) / 2
        return self._g

    def loss(self):
        self.grads()
        return self._loss

    def cached(self, key, make):
        """A value of this state computed once (products, invariants, the next state)."""
        memo = self.__dict__.setdefault("_memo", {})
        if key not in memo:
            memo[key] = make()
        return memo[key]


def _fro2(a):
    return mpmath.fsum(x ** 2 for x in a.flat) if a.dtype == object else float(np.sum(a * a))


def _eig_sym(a):
    s = (a + a.T) / 2
    if s.dtype == object:
        ev = mpmath.eigsy(mpmath.matrix(s.tolist()), eigvals_only=True)
        return [ev[i] for i in range(len(ev))]
    return list(np.linalg.eigvalsh(s))


def _norm2(a):
    if a.dtype == object:
        return max(mpmath.svd_r(mpmath.matrix(a.tolist()), compute_uv=False))
    return float(np.linalg.svd(a, compute_uv=False).max())


class _Eval:
    """Evaluates compiled expressions at one state (``step``: the next state's step)."""

    def __init__(self, state: State, values: Mapping, step=None):
        self.s, self.values, self.step = state, dict(values), step

    def value(self, node):
        s = self.s
        if isinstance(node, ast.Constant):
            return s.num(node.value) if not s.mp else mpmath.mpf(repr(node.value))
        if isinstance(node, ast.Name):
            name = node.id
            if name == "L":
                return s.num(len(s.ws))
            if name == "d":
                return s.num(s.ws[0].shape[0])
            if name == "loss":
                return s.loss()
            if name == "Phi":
                return s.Phi
            return self.values[name]
        if isinstance(node, ast.UnaryOp):
            v = self.value(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            return _binary(node.op, self.value(node.left), self.value(node.right), s)
        return self.call(node.func.id, node.args)

    def index(self, node, lo: int, hi: int, what: str) -> int:
        v = self.value(node)
        k = round(float(v))
        if isinstance(v, np.ndarray) or abs(float(v) - k) > 1e-9 or not lo <= k <= hi:
            raise ValueError(f"{what}: index {v} is not an integer in {lo}..{hi}")
        return k

    def call(self, name, args):
        s, L, d = self.s, len(self.s.ws), self.s.ws[0].shape[0]
        if name in OVER:
            lo = round(float(self.value(args[2])))
            hi = round(float(self.value(args[3])))
            if hi - lo + 1 > MAX_TERMS:
                raise ValueError(f"{name}(...) over {lo}..{hi}: more than {MAX_TERMS} terms")
            terms = [_Eval(s, {**self.values, args[1].id: s.num(k)}, self.step).value(args[0])
                     for k in range(lo, hi + 1)]
            if not terms:
                return s.num(0)
            return (max(terms) if name == "maxover" else min(terms) if name == "minover"
                    else sum(terms[1:], terms[0]))
        if name == "next":
            step = self.step
            after = s.cached(("next", step), lambda: State(
                [w - step * g for w, g in zip(s.ws, s.grads())], s.Phi))
            return _Eval(after, self.values).value(args[0])
        if name == "W":
            return s.ws[self.index(args[0], 1, L, "W") - 1]
        if name == "D":
            k = self.index(args[0], 1, L - 1, "D")
            return s.cached(("D", k), lambda: s.ws[k].T @ s.ws[k] - s.ws[k - 1] @ s.ws[k - 1].T)
        if name == "grad":
            return s.grads()[self.index(args[0], 1, L, "grad") - 1]
        if name == "prod":
            i, j = self.index(args[0], 1, L + 1, "prod"), self.index(args[1], 0, L, "prod")
            return s.cached(("prod", i, j), lambda: fz.chain(s.ws, i, j, d))
        vals = [self.value(a) for a in args]
        if name in ("Max", "Min"):
            return max(vals) if name == "Max" else min(vals)
        (v,) = vals
        if name in ("norm2", "normF", "lambda_max", "lambda_min", "transpose", "trace"):
            if not isinstance(v, np.ndarray):
                raise ValueError(f"{name}(...) of a number")
            if name == "transpose":
                return v.T
            if name == "trace":
                return sum(v[i, i] for i in range(v.shape[0]))
            if name == "normF":
                return _fro2(v) ** s.num(0.5)
            if name == "norm2":
                return _norm2(v)
            ev = _eig_sym(v)
            return max(ev) if name == "lambda_max" else min(ev)
        if isinstance(v, np.ndarray):
            raise TypeError(f"{name}(...) of a matrix")
        lib = mpmath if s.mp else math
        return {"sqrt": lib.sqrt, "log": lib.log, "exp": lib.exp, "Abs": abs}[name](v)


def _binary(op, a, b, s: State):
    ma, mb = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
    if isinstance(op, ast.Pow):
        if mb:
            raise ValueError("a matrix exponent")
        if ma:
            k = round(float(b))
            if float(b) != k or not 0 <= k <= MAX_MATRIX_POWER:
                raise ValueError(f"a matrix power {b}: the exponent must be an integer in "
                                 f"0..{MAX_MATRIX_POWER}")
            out = np.eye(a.shape[0], dtype=a.dtype) if not s.mp else fz.to_mp(np.eye(a.shape[0]))
            for _ in range(k):
                out = out @ a
            return out
        return a ** b
    if isinstance(op, ast.Mult):
        return a @ b if ma and mb else a * b
    if isinstance(op, ast.Div):
        if mb:
            raise ValueError("division by a matrix")
        return a / b
    if ma != mb:  # a number plus a square matrix: that multiple of I
        m, c = (a, b) if ma else (b, a)
        eye = fz.to_mp(np.eye(m.shape[0])) if s.mp else np.eye(m.shape[0])
        a, b = (m, c * eye) if ma else (c * eye, m)
    return a + b if isinstance(op, ast.Add) else a - b
