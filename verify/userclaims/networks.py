"""Relations over residual ReLU networks of every listed size (``at = "networks"``).

Nar & Sastry (2018), *Residual Networks*, Section 3.1 eqs. (7a)-(7c) and Section 4 eqs.
(10)-(11): h_0 = x, h_i = h_(i-1) + W_i [V_i^T h_(i-1) - b_i]_+ (i = 1..L), f_hat = c^T h_L + d,
W_i, V_i in R^(n x m_i), and the loss (1/2) sum_k (f_hat(x_k) - y_k)^2 over N data points.
A claim names

* ``networks``: ``family = "relu_resnet"``, the sizes ``inputs`` (n), ``depths`` (L) and
  ``widths`` (each m_i, drawn per layer; ``"n"``: m_i = n), ``samples = [full, quick]``, each
  parameter block's range ``W``, ``V``, ``b``, ``c``, ``d`` (``"[lo, hi]"``: entries drawn in
  it, its ends included; a number: every entry that value; ``"I"``: the identity, W and V with
  ``widths = "n"``), the input box ``x`` (each coordinate of the points x, y), and optional
  ``data`` (the numbers N of data points) with the labels' range ``y``;
* ``condition``: relations a drawn network and its points must meet (others are not counted);
* ``lhs``, ``relation``, ``rhs``; or ``relations``, a list (each reported on its own).  An
  ``identity`` states ``==`` (numbers, vectors or matrices, entry by entry), an
  ``inequality`` ``<= < >= >`` between numbers.

Names: ``n``, ``L``, ``N``, ``x``, ``y`` (n x 1), ``t`` (in [0, 1]), ``c``, ``d``, ``loss``,
``grad_c``, ``grad_d`` and ``l``, a layer: a relation naming ``l`` is checked for every
l = 1..L.  Functions: ``f(p)``, ``grad(p)`` (in x), ``h(k, p)`` (k = 0..L), ``D(k, p)``
(diag 1{V_k^T h_(k-1)(p) - b_k > 0}), ``grad_h(k, p)`` (of f_hat in h_k), ``W(k)``, ``V(k)``,
``b(k)``, ``m(k)``, ``xs(i)``, ``ys(i)`` (data), ``grad_W(k)``, ``grad_V(k)``, ``grad_b(k)`` (of
the loss), ``relu``, ``transpose``, ``Abs``, ``Max``, ``Min``, ``sumover(e, i, lo, hi)`` and
``prodover(e, k, lo, hi)`` (e(hi) ... e(lo); an empty product is 1).  A number plus a square
matrix is that multiple of I; a 1 x 1 matrix compares as its entry.

Everything is exact (Fractions): the parameters and points are drawn as rationals p/256 (an
end of the range one time in eight), the derivatives are forward-mode derivatives of the
evaluation itself (dual numbers through the ReLUs, never the formulas a claim states), and a
point where a derivative is asked at a ReLU's kink is not counted.  A violation is exact: the
check refutes with the network as its replay point (``--at 'W1=[[..]],V1=..,b1=..,c=..,d=..,
x=..,y=..,t=..'``), shrunk first (layers dropped, entries made simpler while a relation still
fails).  It samples (``sampled``); a cited derivation proves the class.  The network and its
exact evaluation: :mod:`verify.userclaims.network_values`.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from verify.checks.common import set_text
from verify.replay import ReplayError, parse_matrix
from verify.userclaims.network_values import BLOCKS, Eval, Kink, Net, _holds, _value
from verify.userclaims.state_values import StatesError, compile_expression
from verify.userclaims.states import listed_relations
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

NetworksError = StatesError  # a bad key: ``key`` names it, ``problem`` says why
NETWORKS_KEYS = ("id", "statement", "kind", "at", "networks", "condition", "lhs", "relation",
                 "rhs", "relations", "derivation")
TABLE = ("family", "inputs", "depths", "widths", "samples", "W", "V", "b", "c", "d", "x")
OPTIONAL = ("data", "y")
MAX_N, MAX_DEPTH, MAX_WIDTH, MAX_DATA, MAX_SAMPLES, MAX_RELATIONS = 4, 6, 4, 6, 2000, 8
GRID = 256  # drawn values are p/GRID: exact, small, rarely at a kink
NAMES = ("n", "L", "N", "x", "y", "t", "c", "d", "loss", "grad_c", "grad_d", "l")
FUNCS = {"f": 1, "grad": 1, "h": 2, "D": 2, "grad_h": 2, "W": 1, "V": 1, "b": 1, "m": 1,
         "xs": 1, "ys": 1, "grad_W": 1, "grad_V": 1, "grad_b": 1, "relu": 1, "transpose": 1,
         "Abs": 1, "sumover": 4, "prodover": 4}
RELATIONS = {"<=": ast.LtE, "<": ast.Lt, ">=": ast.GtE, ">": ast.Gt, "==": ast.Eq}
_RANGE = re.compile(r"\s*\[\s*([^,\s]+)\s*,\s*([^,\s]+)\s*\]\s*\Z")


# --- the claim ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworksClaim:
    """The validated keys: the networks table (sorted items), conditions and relations."""

    config: tuple
    condition: tuple[str, ...]
    relations: tuple[str, ...]


def _number(text: str, key: str) -> Fraction:
    try:
        v = Fraction(text.strip()) if len(text) <= 40 else None
    except (ValueError, ZeroDivisionError):
        v = None
    if v is None or abs(v) > 1000:
        raise NetworksError(key, f"{text[:40]!r} is not a number of at most 1000 in size")
    return v


def block_range(text, key: str) -> tuple[Fraction, Fraction] | str:
    """``"[lo, hi]"`` -> (lo, hi); a number -> (v, v); ``"I"`` -> "I"."""
    if not isinstance(text, (str, int)) or isinstance(text, bool):
        raise NetworksError(key, "must be \"[lo, hi]\", a number or \"I\"")
    text = str(text)
    if text.strip() == "I":
        return "I"
    m = _RANGE.match(text)
    lo, hi = ((_number(m.group(1), key), _number(m.group(2), key)) if m else
              (_number(text, key),) * 2)
    if lo > hi:
        raise NetworksError(key, f"an empty range {text!r}")
    return lo, hi


def _sizes(value, key: str, low: int, top: int) -> None:
    if not (isinstance(value, list) and value and len(value) <= 16 and all(
            isinstance(v, int) and not isinstance(v, bool) and low <= v <= top for v in value)):
        raise NetworksError(f"networks.{key}", f"must be a list of integers in {low}..{top}")


def read(table: Mapping, kind: str) -> NetworksClaim:
    """The ``networks`` table, ``condition`` and relations of a claim table, checked.

    Raises:
        NetworksError: naming the key.
    """
    cfg = table.get("networks")
    if not isinstance(cfg, Mapping):
        raise NetworksError("networks", f"must be a table ({', '.join(TABLE)}; optional "
                                        f"{', '.join(OPTIONAL)})")
    unknown = sorted(set(cfg) - set(TABLE) - set(OPTIONAL))
    missing = sorted(set(TABLE) - set(cfg))
    if unknown or missing:
        raise NetworksError("networks", f"unknown keys {unknown}" if unknown else
                            f"missing keys {missing}")
    if cfg["family"] != "relu_resnet":
        raise NetworksError("networks.family", "the family is \"relu_resnet\" (h_i = h_(i-1) + "
                                               "W_i [V_i^T h_(i-1) - b_i]_+)")
    _sizes(cfg["inputs"], "inputs", 1, MAX_N)
    _sizes(cfg["depths"], "depths", 1, MAX_DEPTH)
    if cfg["widths"] != "n":
        _sizes(cfg["widths"], "widths", 1, MAX_WIDTH)
    n = cfg["samples"]
    if not (isinstance(n, list) and len(n) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_SAMPLES for v in n)):
        raise NetworksError("networks.samples", f"samples = [full, quick], integers in "
                                                f"1..{MAX_SAMPLES}")
    for k in (*BLOCKS, "x", *(("y",) if "y" in cfg else ())):
        r = block_range(cfg[k], f"networks.{k}")
        if r == "I" and (k not in ("W", "V") or cfg["widths"] != "n"):
            raise NetworksError(f"networks.{k}", "\"I\" is for W and V with widths = \"n\"")
    if ("data" in cfg) != ("y" in cfg):
        raise NetworksError("networks.data", "data (the numbers N of points) goes with y (the "
                                             "labels' range)")
    if "data" in cfg:
        _sizes(cfg["data"], "data", 1, MAX_DATA)
    conditions = table.get("condition", [])
    if not isinstance(conditions, list) or len(conditions) > MAX_RELATIONS:
        raise NetworksError("condition", f"must be a list of at most {MAX_RELATIONS} relations")
    for i, text in enumerate(conditions, 1):
        _relation(text, "condition", f"entry {i}", ("<=", "<", ">=", ">"))
    allowed = ("==",) if kind == "identity" else ("<=", "<", ">=", ">")
    texts = listed_relations(table, MAX_RELATIONS)
    if texts is None:
        relation = table.get("relation", "==" if kind == "identity" else None)
        if relation not in allowed:
            raise NetworksError("relation", f"must be one of {', '.join(allowed)}")
        texts = [f"{table.get('lhs')} {relation} {table.get('rhs')}"]
        for k in ("lhs", "rhs"):
            compile_expression(table.get(k), k, NAMES, funcs=FUNCS)
    for i, text in enumerate(texts, 1):
        _relation(text, "relations", f"entry {i}", allowed)
    frozen = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(cfg.items()))
    return NetworksClaim(frozen, tuple(conditions), tuple(texts))


def _relation(text, key: str, where: str, allowed: tuple[str, ...]) -> ast.Compare:
    if not isinstance(text, str) or len(text) > 2000:
        raise NetworksError(key, f"{where}: must be a relation string")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise NetworksError(key, f"{where}: {text[:60]!r} is not a relation") from None
    ops = {RELATIONS[a] for a in allowed}
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in ops):
        raise NetworksError(key, f"{where}: one relation a OP b, OP in {', '.join(allowed)}")
    for side in (node.left, node.comparators[0]):
        compile_expression(ast.unparse(side), key, NAMES, funcs=FUNCS)
    return node


def _layered(node) -> bool:
    return any(isinstance(n, ast.Name) and n.id == "l" for n in ast.walk(node))


class Compiled:
    """A claim's conditions and relations, compiled once."""

    def __init__(self, sc: NetworksClaim):
        self.cfg = dict(sc.config)
        self.conditions = [_relation(t, "condition", "", ("<=", "<", ">=", ">"))
                           for t in sc.condition]
        self.relations = [(t, _relation(t, "relations", "", tuple(RELATIONS)))
                          for t in sc.relations]

    def failures(self, net: Net) -> list[tuple[str, str, str]] | None:
        """None when a condition fails; else (relation, lhs, rhs) of each violated relation
        (every layer l of a relation naming l)."""
        ev = Eval(net, {})
        for c in self.conditions:
            if not _holds(type(c.ops[0]), ev.value(c.left), ev.value(c.comparators[0])):
                return None
        out = []
        for text, node in self.relations:
            for l in range(1, len(net.ws) + 1) if _layered(node) else (None,):
                ev = Eval(net, {} if l is None else {"l": Fraction(l)})
                lhs, rhs = ev.value(node.left), ev.value(node.comparators[0])
                if not _holds(type(node.ops[0]), lhs, rhs):
                    out.append((text + ("" if l is None else f" (l = {l})"), _text(lhs),
                                _text(rhs)))
        return out

    def draw(self, rng: np.random.Generator) -> Net:
        c = self.cfg
        n, L = int(rng.choice(c["inputs"])), int(rng.choice(c["depths"]))
        ms = [n if c["widths"] == "n" else int(rng.choice(c["widths"])) for _ in range(L)]
        N = int(rng.choice(c["data"])) if "data" in c else 0

        def block(key, shape):
            r = block_range(c[key], key)
            if r == "I":
                return np.eye(shape[0], dtype=int).astype(object)
            return np.array([_draw(rng, *r) for _ in range(math.prod(shape))],
                            dtype=object).reshape(shape)

        x_box = block_range(c["x"], "x")
        pt = lambda: np.array([_draw(rng, *x_box) for _ in range(n)], dtype=object
                              ).reshape(n, 1)
        net = Net([block("W", (n, m)) for m in ms], [block("V", (n, m)) for m in ms],
                  [block("b", (m, 1)) for m in ms], block("c", (n, 1)),
                  block("d", (1, 1))[0, 0], pt(), pt(), _draw(rng, Fraction(0), Fraction(1)))
        net.X = [pt() for _ in range(N)]
        net.Y = [_draw(rng, *block_range(c["y"], "y")) for _ in range(N)]
        return net


def _draw(rng, lo: Fraction, hi: Fraction) -> Fraction:
    if lo == hi or rng.random() < 1 / 8:  # an end of the range: the sign conditions' edges
        return lo if lo == hi or rng.random() < 0.5 else hi
    a, b = math.ceil(lo * GRID), math.floor(hi * GRID)
    return Fraction(int(rng.integers(a, b + 1)), GRID) if a <= b else lo


def _text(v) -> str:
    if isinstance(v, np.ndarray):
        return "[" + ", ".join("[" + ", ".join(str(_value(e)) for e in row) + "]"
                               for row in v) + "]"
    return str(v)


# --- the check ----------------------------------------------------------------------------------


def networks_checks(spec) -> tuple[tuple[Check, ...], dict[str, str]]:
    """The claim's one check and the class it samples (the listed sizes, the ranges)."""
    cfg = dict(spec.networks.config)
    # the sizes, t and d are named by a replay; a block's entries and the points' coordinates
    # are drawn from their ranges
    scope = {"n": set_text(cfg["inputs"]), "L": set_text(cfg["depths"]),
             "m_i": "n" if cfg["widths"] == "n" else f"each in {set_text(cfg['widths'])}"}
    scope.update({k: f"entries {_range_text(cfg[k])}" for k in BLOCKS if k != "d"})
    scope.update(d=str(cfg["d"]), t="[0, 1]", **{"x, y": f"coordinates {_range_text(cfg['x'])}"})
    if "data" in cfg:
        scope.update(N=set_text(cfg["data"]), y_i=f"in {cfg['y']}")

    def run(ctx: CheckContext) -> Finding:
        comp = Compiled(spec.networks)
        if ctx.at is not None:
            return _replayed(comp, ctx, scope)
        from verify.userclaims.cite import proves

        cross = (f"a cross-check of the cited derivation {spec.derivation}: "
                 if proves(spec, ctx) else "")
        count = cfg["samples"][1 if ctx.quick else 0]
        if cross:  # the derivation proves the class: a small exact sample beside it
            count = min(count, 10 if ctx.quick else 40)
        rng = ctx.rng()
        rejected = kinks = 0
        for _ in range(count):
            net = comp.draw(rng)
            try:
                failed = comp.failures(net)
            except Kink:
                kinks += 1
                continue
            if failed is None:
                rejected += 1
            elif failed:
                return _refute(*_shrink(comp, net), ctx)
        numbers = {"networks": str(count), "condition not met": str(rejected),
                   "at a kink (a derivative asked there)": str(kinks)}
        counted = count - rejected - kinks
        if not counted:
            return Finding(Outcome.UNDECIDED, "no drawn network was counted", numbers)
        return Finding(Outcome.SUPPORTS, f"{cross}{counted} networks, every relation exact "
                       "(rational arithmetic): no violation", numbers,
                       coverage=Coverage(Scope.SAMPLE, scope, counted))

    return (Check("networks_search", Tier.SYMBOLIC, run,
                  "drawn networks, exact rational arithmetic"),), scope


MAX_SHRINK = 400  # exact re-evaluations spent on simplifying one counterexample


def _shrink(comp: Compiled, net: Net) -> tuple[Net, list]:
    """A simpler network where a relation still fails (exactly): top layers dropped while the
    depth stays listed, then each drawn entry replaced by 0, +-1 or a coarser rational of its
    range (p/q, q = 1, 2, 4, 16) when one keeps a violation."""
    budget = [MAX_SHRINK]

    def fails(candidate: Net) -> list:
        budget[0] -= 1
        candidate.memo = {}
        try:
            return comp.failures(candidate) or []
        except (Kink, ValueError, ZeroDivisionError):
            return []

    found = fails(net)
    while len(net.ws) - 1 in comp.cfg["depths"] and budget[0] > 0:
        top = Net(net.ws[:-1], net.vs[:-1], net.bs[:-1], net.c, net.d, net.x, net.y, net.t,
                  net.X, net.Y)
        out = fails(top)
        if not out:
            break
        net, found = top, out
    boxes = [(a, comp.cfg[k]) for k, arrays in (("W", net.ws), ("V", net.vs), ("b", net.bs),
                                                ("c", [net.c]), ("x", [net.x, net.y, *net.X]))
             for a in arrays]
    cells = [(a, idx, block_range(r, "")) for a, r in boxes for idx in np.ndindex(a.shape)]
    scalars = [("d", None, block_range(comp.cfg["d"], "")),
               ("t", None, (Fraction(0), Fraction(1)))]
    for a, idx, r in cells + scalars:
        if r == "I" or r[0] == r[1] or budget[0] <= 0:
            continue
        old = getattr(net, a) if isinstance(a, str) else a[idx]
        for v in _simpler(old, r):
            _put(net, a, idx, v)
            out = fails(net)
            if out:
                found = out
                break
            _put(net, a, idx, old)
    net.memo = {}
    return net, found


def _put(net: Net, a, idx, v) -> None:
    if isinstance(a, str):
        setattr(net, a, v)
    else:
        a[idx] = v


def _simpler(v: Fraction, r: tuple[Fraction, Fraction]) -> list[Fraction]:
    """Values of the range simpler than v (smaller denominator, or as small and nearer 0)."""
    out = [Fraction(0), Fraction(1), Fraction(-1), (r[0] + r[1]) / 2]
    out += [Fraction(round(v * q), q) for q in (1, 2, 4, 16)]
    def size(u: Fraction) -> tuple:
        return u.denominator, abs(u)

    return sorted({u for u in out if r[0] <= u <= r[1] and size(u) < size(v)}, key=size)


def _range_text(text) -> str:
    r = block_range(text, "")
    return "I" if r == "I" else f"in {text}" if r[0] != r[1] else f"= {text}"


def _refute(net: Net, failed, ctx: CheckContext) -> Finding:
    text, lhs, rhs = failed[0]
    at = _replay_point(net)
    cx = Counterexample(at=at, observed=lhs, claimed=rhs, tol="0", margin="exact difference",
                        dps=ctx.dps, note=f"{text} fails at this network (exact rationals)",
                        replay=at)
    return Finding(Outcome.REFUTES, f"{text} fails at a drawn network",
                   {"relations violated": str(len(failed))}, cx)


def _replay_point(net: Net) -> dict[str, str]:
    at = {"n": str(net.n), "L": str(len(net.ws)), **({"N": str(len(net.X))} if net.X else {})}
    for k in range(len(net.ws)):
        at.update({f"W{k + 1}": _text(net.ws[k]), f"V{k + 1}": _text(net.vs[k]),
                   f"b{k + 1}": _text(net.bs[k])})
    at.update(c=_text(net.c), d=str(net.d), x=_text(net.x), y=_text(net.y), t=str(net.t))
    if net.X:
        at["X"] = _text(np.hstack(net.X))
        at["Y"] = _text(np.array([net.Y], dtype=object))
    return at


def _matrix(ctx: CheckContext, name: str) -> np.ndarray:
    try:
        m = parse_matrix(ctx.at[name])
    except (ReplayError, ValueError, TypeError) as exc:
        raise ReplayError(f"--at: {name}: {exc}") from None
    return np.array([[Fraction(int(v.p), int(v.q)) for v in m.row(i)] for i in range(m.rows)],
                    dtype=object)


def _replayed(comp: Compiled, ctx: CheckContext, scope) -> Finding:
    cfg = comp.cfg
    L = sum(1 for k in ctx.at if re.fullmatch(r"W\d+", k))
    try:
        ws, vs, bs = ([_matrix(ctx, f"{p}{k}") for k in range(1, L + 1)] for p in "WVb")
        c = _matrix(ctx, "c")
        n = c.shape[0]
        x, y = _matrix(ctx, "x"), _matrix(ctx, "y")
        d, t = (Fraction(ctx.at[k]) for k in ("d", "t"))
        X = _matrix(ctx, "X") if "X" in ctx.at else np.zeros((n, 0), dtype=object)
        Y = _matrix(ctx, "Y") if "Y" in ctx.at else np.zeros((1, 0), dtype=object)
    except (KeyError, ValueError, ZeroDivisionError) as exc:
        raise ReplayError(f"--at: give W1.., V1.., b1.., c, d, x, y, t (X, Y with data): "
                          f"{exc}") from None
    shapes_ok = (L in cfg["depths"] and n in cfg["inputs"] and c.shape == (n, 1)
                 and x.shape == y.shape == (n, 1) and X.shape[0] == n and Y.shape == (1, X.shape[1])
                 and all(w.shape == v.shape and w.shape[0] == n and b.shape == (w.shape[1], 1)
                         for w, v, b in zip(ws, vs, bs)))
    for name, value in (("n", n), ("L", L), ("N", X.shape[1])):  # optional, but consistent
        if name in ctx.at and ctx.at[name] != str(value):
            raise ReplayError(f"--at: {name}={ctx.at[name]}, but the matrices give {value}")
    if not shapes_ok:
        raise ReplayError("--at: the sizes do not fit the claim (n, L listed; W_k, V_k n x m_k, "
                          "b_k m_k x 1, c, x, y n x 1, X n x N, Y 1 x N)")
    for key, arrays in (("W", ws), ("V", vs), ("b", bs), ("c", [c]), ("d", [np.array([[d]])]),
                        ("x", [x, y])):
        r = block_range(cfg[key], key)
        for a in arrays:
            inside = (np.array_equal(a, np.eye(a.shape[0], dtype=int)) if r == "I" else
                      all(r[0] <= v <= r[1] for v in a.flat))
            if not inside:
                raise ReplayError(f"--at: {key} leaves the claim's range {cfg[key]}")
    if not 0 <= t <= 1:
        raise ReplayError("--at: t must lie in [0, 1]")
    net = Net(ws, vs, bs, c, d, x, y, t, [X[:, [k]] for k in range(X.shape[1])],
              list(Y.flat))
    try:
        failed = comp.failures(net)
    except Kink as exc:
        return Finding(Outcome.UNDECIDED, f"the replayed network: {exc}", {})
    if failed is None:
        return Finding(Outcome.UNDECIDED, "the replayed network does not meet the conditions",
                       {})
    if failed:
        return _refute(net, failed, ctx)
    return Finding(Outcome.SUPPORTS, "every relation holds at the replayed network (exact)",
                   {"networks": "1 (replayed)"}, coverage=Coverage(Scope.SAMPLE, scope, 1))


def replay_box(spec) -> dict[str, tuple[str, str]]:
    """The names a replay sets: every layer's W, V, b, and c, x, y, X, Y (matrices), d, t."""
    cfg = dict(spec.networks.config)
    box = {f"{p}{k}": ("matrix", "per the claim") for p in "WVb"
           for k in range(1, max(cfg["depths"]) + 1)}
    box.update({k: ("matrix", "n x 1") for k in ("c", "x", "y")})
    box.update(X=("matrix", "n x N"), Y=("matrix", "1 x N"), t=("0", "1"))
    box.update({k: (str(min(cfg[key])), str(max(cfg[key]))) for k, key in (
        ("n", "inputs"), ("L", "depths"), ("N", "data")) if key in cfg})
    d = block_range(cfg["d"], "d")
    box["d"] = (str(d[0]), str(d[1]))
    return box
