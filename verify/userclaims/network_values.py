"""One residual ReLU network h_i = h_(i-1) + W_i [V_i^T h_(i-1) - b_i]_+, f = c^T h_L + d
(Nar & Sastry (2018), eqs. (7a)-(7c), (10)-(11)) and its points, evaluated exactly, for the
claim language's relations over networks (:mod:`verify.userclaims.networks`).

:class:`Net` holds the parameters and points as object arrays of Fractions (vectors are
columns); derivatives, in the input, in a hidden state or in a parameter block of the loss
(1/2) sum_k (f(x_k) - y_k)^2, are forward-mode derivatives of the evaluation itself
(:class:`Dual` numbers through the ReLUs), never the formulas a claim states; one asked at a
ReLU's kink raises :class:`Kink`.  :class:`Eval` evaluates a compiled expression (the white
list of :mod:`verify.userclaims.networks`) at one network.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from verify.userclaims.state_values import MAX_TERMS

BLOCKS = ("W", "V", "b", "c", "d")


class Kink(ValueError):
    """A derivative (or an activation pattern) asked at a ReLU's kink."""


class Dual:
    """a + b eps with eps^2 = 0: forward-mode derivatives of the evaluation itself."""

    __slots__ = ("a", "b")

    def __init__(self, a, b):
        self.a, self.b = a, b

    def __add__(self, o):
        return Dual(self.a + o.a, self.b + o.b) if isinstance(o, Dual) else Dual(self.a + o,
                                                                                   self.b)
    __radd__ = __add__

    def __neg__(self):
        return Dual(-self.a, -self.b)

    def __sub__(self, o):
        return self + (-o)

    def __rsub__(self, o):
        return (-self) + o

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.a * o.a, self.a * o.b + self.b * o.a)
        return Dual(self.a * o, self.b * o)
    __rmul__ = __mul__


def _value(v):
    return v.a if isinstance(v, Dual) else v


def _relu(z):
    v = _value(z)
    if v == 0 and isinstance(z, Dual):
        raise Kink("a derivative at a ReLU's kink")
    return z if v > 0 else 0 * z


@dataclass
class Net:
    """One network and its points (object arrays of Fractions; vectors are columns)."""

    ws: list
    vs: list
    bs: list
    c: np.ndarray
    d: object
    x: np.ndarray
    y: np.ndarray
    t: Fraction
    X: list = field(default_factory=list)
    Y: list = field(default_factory=list)
    memo: dict = field(default_factory=dict)

    @property
    def n(self) -> int:
        return self.c.shape[0]

    def hidden(self, p, first: int = 0, params=None) -> list:
        """h_first .. h_L from h_first = p (``params``: (ws, vs, bs, c, d) to use instead)."""
        ws, vs, bs = params[:3] if params else (self.ws, self.vs, self.bs)
        hs = [p]
        for W, V, b in zip(ws[first:], vs[first:], bs[first:]):
            z = V.T @ hs[-1] - b
            hs.append(hs[-1] + W @ np.vectorize(_relu, otypes=[object])(z))
        return hs

    def f(self, p, first: int = 0, params=None):
        c, d = params[3:] if params else (self.c, self.d)
        return (c.T @ self.hidden(p, first, params)[-1])[0, 0] + d

    def pattern(self, k: int, p) -> np.ndarray:
        z = self.vs[k - 1].T @ self.hidden(p)[k - 1] - self.bs[k - 1]
        if any(v == 0 for v in z.flat):
            raise Kink("an activation pattern at a ReLU's kink")
        return np.diag([1 if v > 0 else 0 for v in z.flat]).astype(object)

    def derivative(self, p, first: int = 0) -> np.ndarray:
        """d f / d h_first at h_first = p (a column), by dual numbers."""
        out = []
        for j in range(p.shape[0]):
            q = p.copy()
            q[j, 0] = Dual(q[j, 0], 1)
            out.append(_tangent(self.f(q, first)))
        return np.array(out, dtype=object).reshape(-1, 1)

    def loss(self, params=None):
        return sum(((self.f(xk, 0, params) - yk) * (self.f(xk, 0, params) - yk)
                    for xk, yk in zip(self.X, self.Y)), Fraction(0)) * Fraction(1, 2)

    def loss_gradient(self, block: str, k: int = 0) -> np.ndarray:
        """d loss / d (block k) entry by entry, by dual numbers (the shape of the block)."""
        key = ("grad", block, k)
        if key not in self.memo:
            params = [list(self.ws), list(self.vs), list(self.bs), self.c, self.d]
            i = BLOCKS.index(block)
            target = params[i][k - 1] if i < 3 else params[i]
            if block == "d":
                params[4] = Dual(self.d, 1)
                self.memo[key] = _tangent(self.loss(params))
                return self.memo[key]
            out = np.zeros(target.shape, dtype=object)
            for idx in np.ndindex(target.shape):
                a = target.copy()
                a[idx] = Dual(a[idx], 1)
                trial = [list(q) if isinstance(q, list) else q for q in params]
                if i < 3:
                    trial[i][k - 1] = a
                else:
                    trial[i] = a
                out[idx] = _tangent(self.loss(trial))
            self.memo[key] = out
        return self.memo[key]


def _tangent(v):
    return v.b if isinstance(v, Dual) else Fraction(0)


# --- expressions --------------------------------------------------------------------------------


class Eval:
    """Evaluates compiled expressions of one network (``env``: bound index names)."""

    def __init__(self, net: Net, env: Mapping):
        self.net, self.env = net, dict(env)

    def value(self, node):
        if isinstance(node, ast.Constant):
            return Fraction(str(node.value)) if isinstance(node.value, float) else \
                Fraction(node.value)
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.UnaryOp):
            v = self.value(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            return _binary(node.op, self.value(node.left), self.value(node.right))
        return self.call(node.func.id, node.args)

    def name(self, name: str):
        s = self.net
        if name in self.env:
            return self.env[name]
        fixed = {"n": Fraction(s.n), "L": Fraction(len(s.ws)), "N": Fraction(len(s.X)),
                 "x": s.x, "y": s.y, "t": s.t, "c": s.c, "d": s.d}
        if name in fixed:
            return fixed[name]
        if name == "loss":
            return s.loss()
        if name == "l":
            raise ValueError("l is a layer: the relation is checked for every l = 1..L")
        return s.loss_gradient(name[5:])  # grad_c, grad_d

    def index(self, node, lo: int, hi: int, what: str) -> int:
        v = _scalar(self.value(node))
        if not isinstance(v, Fraction) or v.denominator != 1 or not lo <= v <= hi:
            raise ValueError(f"{what}(...): index {v} is not an integer in {lo}..{hi}")
        return int(v)

    def point(self, node):
        p = self.value(node)
        if not isinstance(p, np.ndarray) or p.shape != (self.net.n, 1):
            raise ValueError("a point must be an n x 1 vector (x, y, xs(i), t*x + ...)")
        return p

    def call(self, name, args):
        s, L = self.net, len(self.net.ws)
        if name in ("sumover", "prodover"):
            lo, hi = (self.index(a, -MAX_TERMS, MAX_TERMS, name) for a in args[2:])
            if hi - lo + 1 > MAX_TERMS:
                raise ValueError(f"{name}(...) over {lo}..{hi}: more than {MAX_TERMS} terms")
            terms = [Eval(s, {**self.env, args[1].id: Fraction(k)}).value(args[0])
                     for k in range(lo, hi + 1)]
            if name == "prodover":
                terms = terms[::-1]  # e(hi) ... e(lo)
            out = terms[0] if terms else Fraction(int(name == "prodover"))
            for v in terms[1:]:
                out = _binary(ast.Mult() if name == "prodover" else ast.Add(), out, v)
            return out
        if name in ("W", "V", "b", "m", "grad_W", "grad_V", "grad_b"):
            k = self.index(args[0], 1, L, name)
            if name == "m":
                return Fraction(s.ws[k - 1].shape[1])
            if name.startswith("grad_"):
                return s.loss_gradient(name[5:], k)
            return {"W": s.ws, "V": s.vs, "b": s.bs}[name][k - 1]
        if name in ("xs", "ys"):
            i = self.index(args[0], 1, len(s.X), name)
            return (s.X if name == "xs" else s.Y)[i - 1]
        if name in ("h", "D", "grad_h"):
            k = self.index(args[0], 0 if name != "D" else 1, L, name)
            p = self.point(args[1])
            if name == "h":
                return s.hidden(p)[k]
            if name == "D":
                return s.pattern(k, p)
            return s.derivative(s.hidden(p)[k], k)
        if name == "f":
            return s.f(self.point(args[0]))
        if name == "grad":
            return s.derivative(self.point(args[0]))
        vals = [self.value(a) for a in args]
        if name in ("Max", "Min"):
            return (max if name == "Max" else min)(_scalar(v) for v in vals)
        (v,) = vals
        if name == "transpose":
            return v.T if isinstance(v, np.ndarray) else v
        if name == "relu":
            return np.vectorize(lambda e: max(e, 0), otypes=[object])(v) if isinstance(
                v, np.ndarray) else max(v, 0)
        return abs(_scalar(v))  # Abs


def _scalar(v):
    if isinstance(v, np.ndarray):
        if v.shape != (1, 1):
            raise ValueError(f"a {v.shape[0]} x {v.shape[1]} matrix where a number is needed")
        return v[0, 0]
    return v


def _binary(op, a, b):
    ma, mb = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
    if isinstance(op, ast.Pow):
        k = _scalar(b)
        if ma or mb or not isinstance(k, Fraction) or k.denominator != 1 or abs(k) > 64:
            raise ValueError("a power must be a number to an integer power of at most 64")
        return a ** int(k)
    if isinstance(op, ast.Mult):
        if ma and mb:
            if a.shape[1] != b.shape[0]:
                raise ValueError(f"a product of {a.shape} and {b.shape}")
            return a @ b
        return a * b
    if isinstance(op, ast.Div):
        if mb or _scalar(b) == 0:
            raise ValueError("a division by a matrix or by 0")
        return a / b
    if ma != mb:  # a number plus a square matrix: that multiple of I
        m, v = (a, b) if ma else (b, a)
        if m.shape[0] != m.shape[1]:
            raise ValueError(f"a number plus a {m.shape[0]} x {m.shape[1]} matrix")
        eye = v * np.eye(m.shape[0], dtype=int).astype(object)
        a, b = (m, eye) if ma else (eye, m)
    elif ma and a.shape != b.shape:
        raise ValueError(f"a sum of {a.shape} and {b.shape}")
    return a + b if isinstance(op, ast.Add) else a - b


def _holds(rel, lhs, rhs) -> bool:
    if rel is ast.Eq:
        la, ra = isinstance(lhs, np.ndarray), isinstance(rhs, np.ndarray)
        if la and ra and lhs.shape != rhs.shape:
            return lhs.size == rhs.size == 1 and lhs.flat[0] == rhs.flat[0]
        return bool(np.all(lhs == rhs)) if la or ra else lhs == rhs
    lhs, rhs = _scalar(lhs), _scalar(rhs)
    return {ast.LtE: lhs <= rhs, ast.Lt: lhs < rhs, ast.GtE: lhs >= rhs,
            ast.Gt: lhs > rhs}[rel]
