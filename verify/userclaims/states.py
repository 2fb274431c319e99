"""Inequalities at states of a linear chain near its invariant set (``at = "states"``).

Wu, Wang & Ma (2019), Section 4 and Appendix A, state their lemmas for every state W_1..W_L of
the network (2.3) whose invariants D_l = W_{l+1}^T W_{l+1} - W_l W_l^T (Lemma 4.2) stay near
their values at the zero-asymmetric start (3.1): D_l = 0 (l <= L-2), I + D_{L-1} = 0 (the
approximate invariances (4.6)).  A claim names

* ``states``: where the states are drawn: ``family = "linear_resnet"``, ``near = "zas"``,
  ``depths`` and ``widths`` (lists), ``samples = [full, quick]``, the output layer's norm
  ``top = [lo, hi]`` and the target's scale ``target = [lo, hi]`` (both log-uniform), and the
  invariants' budgets ``delta`` (||D_l||_2, l <= L-2) and ``eps`` (||I + D_{L-1}||_2) as
  expressions in ``L``, ``d``, ``top`` and ``theta`` (drawn as 1 - 10^U(-9, 0): mostly at the
  edge).  Each state is built from the top (:func:`numerics.linear_resnet.approx_balanced`),
  the target is ``target`` times a Gaussian matrix;
* ``define``: named numbers of the state (name -> expression), evaluated in order;
* ``condition``: relations the state must meet (a state failing one is not counted);
* ``step`` (optional): a defined number or a parameter; ``next(...)`` is then its argument
  after one GD step W_l - step grad_l R;
* ``lhs``, ``relation``, ``rhs``; or ``relations``, a list of relations ``"a <= b"`` checked at
  the same states (each reported on its own).

Expressions (:mod:`verify.userclaims.state_values`, a white list; nothing executes) use ``L``, ``d``,
``loss`` (R = ||W_L...W_1 - Phi||_F^2/2), ``Phi``, ``W(l)``, ``D(l)``, ``grad(l)``,
``prod(i, j)`` (W_j ... W_i, the identity when i > j), ``norm2``, ``normF``, ``lambda_max``,
``lambda_min`` (of the symmetric part), ``transpose``, ``trace``, ``sqrt``, ``log``, ``exp``,
``Abs``, ``Max``, ``Min``, ``maxover(e, l, lo, hi)`` / ``minover`` / ``sumover`` (over the
integers lo..hi; an empty range gives 0), ``next(e)``, ``+ - * / **`` (``*`` of two matrices is
their product, a number plus a square matrix is that multiple of I).

The check screens every state in float64 and re-evaluates the first violation with mpmath at
the run's digits (conditions included) before it refutes, with the state as its replay point
(``--at 'W1=[[..]],W2=[[..]],Phi=[[..]]'``).  It cannot prove: the strength is ``sampled``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping
from dataclasses import dataclass

import mpmath
import numpy as np

from numerics import factorisations as fz
from numerics import linear_resnet as rn
from verify.checks.common import set_text
from verify.replay import ReplayError
from verify.userclaims.state_values import (
    BASE_NAMES, MATRIX_FUNCS, MAX_LENGTH, NUMBER_FUNCS, OVER, State, StatesError, _Eval,
    compile_expression,
)
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

STATES_KEYS = ("id", "statement", "kind", "at", "states", "define", "condition", "step", "lhs",
               "relation", "rhs", "relations", "derivation")
MAX_RELATIONS = 16
STATES_TABLE = ("family", "near", "depths", "widths", "samples", "top", "target", "delta",
                "eps")
MAX_DEPTH, MAX_WIDTH, MAX_SAMPLES, MAX_DEFINES = 16, 4, 5000, 16
BUDGET_NAMES = ("L", "d", "top", "theta")


# --- the claim ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatesClaim:
    """The validated keys (texts; compiled again where used)."""

    config: tuple
    define: tuple[tuple[str, str], ...]
    condition: tuple[str, ...]
    relations: tuple[str, ...]


RELATIONS = {"<=": ast.LtE, "<": ast.Lt, ">=": ast.GtE, ">": ast.Gt}


def read(table: Mapping) -> StatesClaim:
    """The ``states``, ``define``, ``condition``, ``step`` and sides of a claim table, checked.

    Raises:
        StatesError: naming the key.
    """
    cfg = table.get("states")
    if not isinstance(cfg, Mapping):
        raise StatesError("states", "must be a table (family, near, depths, widths, samples, "
                                    "top, target, delta, eps)")
    unknown = sorted(set(cfg) - set(STATES_TABLE))
    if unknown or set(cfg) != set(STATES_TABLE):
        raise StatesError("states", f"takes exactly the keys {', '.join(STATES_TABLE)}"
                          + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    if cfg["family"] != "linear_resnet" or cfg["near"] != "zas":
        raise StatesError("states", "the states drawn are family = \"linear_resnet\", near = "
                                    "\"zas\" (the invariant set of the zero-asymmetric start)")
    for k, top in (("depths", MAX_DEPTH), ("widths", MAX_WIDTH)):
        v = cfg[k]
        if not isinstance(v, list) or not v or not all(
                isinstance(x, int) and not isinstance(x, bool) and (2 if k == "depths" else 1)
                <= x <= top for x in v):
            raise StatesError("states", f"{k} must be a list of integers in "
                                        f"{2 if k == 'depths' else 1}..{top}")
    n = cfg["samples"]
    if not (isinstance(n, list) and len(n) == 2 and all(
            isinstance(x, int) and not isinstance(x, bool) and 1 <= x <= MAX_SAMPLES for x in n)):
        raise StatesError("states", f"samples = [full, quick], integers in 1..{MAX_SAMPLES}")
    for k in ("top", "target"):
        v = cfg[k]
        if not (isinstance(v, list) and len(v) == 2 and all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and 0 < x < 1e6
                for x in v) and v[0] <= v[1]):
            raise StatesError("states", f"{k} = [lo, hi] with 0 < lo <= hi < 10^6")
    for k in ("delta", "eps"):
        compile_expression(cfg[k], f"states.{k}", BUDGET_NAMES)
    define = table.get("define", {})
    if not isinstance(define, Mapping) or len(define) > MAX_DEFINES:
        raise StatesError("define", f"must be a table of at most {MAX_DEFINES} name = "
                                    "expression")
    step = table.get("step")
    if step is not None and step not in define:
        raise StatesError("step", "must name a defined number")
    names = list(BASE_NAMES)
    for name, text in define.items():
        if not name.isidentifier() or name in names or name in MATRIX_FUNCS or \
                name in NUMBER_FUNCS or name in OVER or name in ("next", "Max", "Min"):
            raise StatesError("define", f"{name!r} is not a new name")
        compile_expression(text, f"define.{name}", tuple(names), step in names)
        names.append(name)
    conditions = table.get("condition", [])
    if not isinstance(conditions, list):
        raise StatesError("condition", "must be a list of relations")
    for i, text in enumerate(conditions, 1):
        _relation(text, "condition", f"entry {i}", tuple(names))
    texts = listed_relations(table, MAX_RELATIONS)
    if texts is None:
        for k in ("lhs", "rhs"):
            compile_expression(table.get(k), k, tuple(names), step is not None)
        if table.get("relation") not in RELATIONS:
            raise StatesError("relation", f"must be one of {', '.join(RELATIONS)}")
        texts = [f"{table['lhs']} {table['relation']} {table['rhs']}"]
    for i, text in enumerate(texts, 1):
        _relation(text, "relations", f"entry {i}", tuple(names), step is not None)
    frozen = tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(cfg.items()))
    return StatesClaim(frozen, tuple(define.items()), tuple(conditions), tuple(texts))


def listed_relations(table: Mapping, most: int) -> list | None:
    """A claim table's ``relations`` list (1..most entries, instead of lhs, relation, rhs), or
    None when it has none.

    Raises:
        StatesError: naming the key.
    """
    if "relations" not in table:
        return None
    texts = table["relations"]
    if any(k in table for k in ("lhs", "relation", "rhs")) or not isinstance(
            texts, list) or not 1 <= len(texts) <= most:
        raise StatesError("relations", f"a list of 1..{most} relations \"a <= b\" (instead "
                                       "of lhs, relation, rhs)")
    return texts


def _relation(text, key: str, where: str, names: tuple[str, ...], step: bool = False):
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise StatesError(key, f"{where}: must be a relation string")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise StatesError(key, f"{where}: {text[:60]!r} is not a relation") from None
    if not (isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in
            RELATIONS.values()):
        raise StatesError(key, f"{where}: one relation a <= b (<, >=, >)")
    for side in (node.left, node.comparators[0]):
        compile_expression(ast.unparse(side), key, names, step)
    return node


def _holds(rel, lhs, rhs) -> bool:
    return {ast.LtE: lhs <= rhs, ast.Lt: lhs < rhs, ast.GtE: lhs >= rhs,
            ast.Gt: lhs > rhs}[rel]


class Compiled:
    """A claim's expressions, compiled once."""

    def __init__(self, spec):
        sc: StatesClaim = spec.states
        self.cfg = dict(sc.config)
        self.budget = {k: compile_expression(self.cfg[k], k, BUDGET_NAMES)
                       for k in ("delta", "eps")}
        names = list(BASE_NAMES)
        self.define = []
        for name, text in sc.define:
            self.define.append((name, compile_expression(text, name, tuple(names), True)))
            names.append(name)
        self.conditions = [_relation(t, "condition", "", tuple(names)) for t in sc.condition]
        self.step = spec.step
        self.relations = [(t, _relation(t, "relations", "", tuple(names), True))
                          for t in sc.relations]

    def margins(self, state: State) -> list[tuple[str, object, bool]] | None:
        """None when a condition fails, else (relation, relative slack, strict) for each
        relation: a slack >= 0 (> 0 if strict) holds."""
        values: dict = {}
        for name, node in self.define:
            values[name] = _Eval(state, values, values.get(self.step)).value(node)
        ev = _Eval(state, values)
        for c in self.conditions:
            if not _holds(type(c.ops[0]), ev.value(c.left), ev.value(c.comparators[0])):
                return None
        ev = _Eval(state, values, values.get(self.step))
        out = []
        for text, node in self.relations:
            lhs, rhs = ev.value(node.left), ev.value(node.comparators[0])
            if isinstance(lhs, np.ndarray) or isinstance(rhs, np.ndarray):
                raise TypeError("the sides of a relation must be numbers (take a norm or a "
                                "trace)")
            rel = type(node.ops[0])
            gap = rhs - lhs if rel in (ast.LtE, ast.Lt) else lhs - rhs
            out.append((text, gap / max(abs(lhs), abs(rhs), state.num(10) ** -300),
                        rel in (ast.Lt, ast.Gt)))
        return out

    def draw(self, rng: np.random.Generator) -> State:
        c = self.cfg
        L, d = int(rng.choice(c["depths"])), int(rng.choice(c["widths"]))
        top = float(10 ** rng.uniform(*np.log10(c["top"])))
        theta = 1 - 10 ** rng.uniform(-9, 0)  # the fraction of the budget: often ~1
        rank_one = bool(rng.random() < 0.5)
        env = State([np.eye(d)] * L, np.eye(d))
        scalars = {"top": top, "theta": theta}
        delta, eps = (float(_Eval(env, scalars).value(self.budget[k])) for k in ("delta", "eps"))
        ws = rn.approx_balanced(L, d, rng, top, delta, eps, rank_one)
        Phi = float(10 ** rng.uniform(*np.log10(c["target"]))) * rng.standard_normal((d, d))
        return State(ws, Phi)


def states_checks(spec) -> tuple[tuple[Check, ...], dict[str, str]]:
    """The claim's one check and the class it states (the drawn depths and widths)."""
    cfg = dict(spec.states.config)
    scope = {"L": set_text(sorted(cfg["depths"])), "d": set_text(sorted(cfg["widths"])),
             "states": "near the ZAS invariant set (states.delta, states.eps)"}

    def run(ctx: CheckContext) -> Finding:
        comp = Compiled(spec)
        if ctx.at is not None:
            return _replayed(comp, ctx, scope)
        rng = ctx.rng()
        n = cfg["samples"][1 if ctx.quick else 0]
        cross = _cross_check(spec, ctx)
        if cross:  # a cited derivation proves the claim: the quick sample cross-checks it
            n = min(n, cfg["samples"][1], 10 if ctx.quick else n)
        worst: dict[str, float] = {}
        rejected, bad, nan = 0, None, 0
        with np.errstate(all="ignore"):
            for _ in range(n):
                state = comp.draw(rng)
                ms = comp.margins(state)
                if ms is None:
                    rejected += 1
                    continue
                for text, m, strict in ms:
                    if not math.isfinite(m):  # a side not a finite number: decides nothing
                        nan += 1
                        continue
                    worst[text] = min(worst.get(text, math.inf), m)
                    if bad is None and _violated(m, strict, -1e-9):
                        bad = state
        numbers = {"states": str(n), "rejected (condition not met)": str(rejected),
                   "relations not finite": str(nan)}
        numbers.update({f"worst relative slack: {k}": f"{v:.3e}" for k, v in worst.items()})
        if bad is None and (nan or rejected == n):
            return Finding(Outcome.UNDECIDED, "no state met the conditions" if rejected == n
                           else f"{nan} relation values were not finite numbers", numbers)
        if bad is None:
            return Finding(Outcome.SUPPORTS, f"{cross}{n - rejected} states meeting the "
                           "conditions (most at the invariants' budgets): no violation", numbers,
                           coverage=Coverage(Scope.SAMPLE, scope, n - rejected))
        return _refute(comp, bad, ctx, numbers)

    return (Check("states_search", Tier.EMPIRICAL, run,
                  "float64 screen of drawn states, a violation re-checked with mpmath"),), scope


def _cross_check(spec, ctx: CheckContext) -> str:
    """The detail's prefix when a cited derivation proves the claim (else "")."""
    from verify.userclaims.cite import proves

    return f"a cross-check of the cited derivation {spec.derivation}: " if proves(
        spec, ctx) else ""


def _violated(m, strict: bool, tol) -> bool:
    return m < tol or (strict and m <= 0)


def _refute(comp: Compiled, state: State, ctx: CheckContext, numbers) -> Finding:
    with mpmath.workdps(ctx.dps):
        ms = comp.margins(State([fz.to_mp(w) for w in state.ws], fz.to_mp(state.Phi)))
        noise = -mpmath.mpf(10) ** -(ctx.dps // 2)  # rounding at the run's digits: undecided
        failed = [(t, m, strict) for t, m, strict in ms or [] if _violated(m, strict, noise)]
        if not failed:
            return Finding(Outcome.UNDECIDED, "no violation at this state with mpmath (a "
                           "float64 one did not survive, or the conditions fail)", numbers)
        text, m, strict = failed[0]
        at = {"L": str(len(state.ws)), "d": str(state.Phi.shape[0])}
        at.update({f"W{l}": _text(w) for l, w in enumerate(state.ws, 1)})
        at["Phi"] = _text(state.Phi)
        cx = Counterexample(at=at,
                            observed=f"relative slack {mpmath.nstr(m, 12)}",
                            claimed=">= 0" if not strict else "> 0", tol="0",
                            margin=mpmath.nstr(m, 15), dps=ctx.dps,
                            note=f"{text} fails at this state (mpmath)", replay=at)
    return Finding(Outcome.REFUTES, f"{text} fails at a drawn state", numbers, cx)


def _text(m: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(float(x)) for x in row) + "]" for row in m) + "]"


def _replayed(comp: Compiled, ctx: CheckContext, scope) -> Finding:
    try:
        Ls = sorted(int(k[1:]) for k in ctx.at if k.startswith("W"))
        if not Ls or Ls != list(range(1, len(Ls) + 1)):
            raise ReplayError("--at: give W1, W2, ... (every layer) and Phi")
        ws = [np.array(ast.literal_eval(ctx.at[f"W{k}"]), dtype=float) for k in Ls]
        Phi = np.array(ast.literal_eval(ctx.at["Phi"]), dtype=float)
    except (ValueError, SyntaxError, KeyError) as exc:
        raise ReplayError(f"--at: {exc}") from None
    d = Phi.shape[0] if Phi.ndim == 2 else 0
    if len(ws) < 2 or any(w.shape != (d, d) for w in ws) or Phi.shape != (d, d) or d < 1:
        raise ReplayError("--at: W1..WL and Phi must be square matrices of one size")
    for name, value in (("L", len(ws)), ("d", d)):  # optional, but then consistent
        if name in ctx.at and ctx.at[name] != str(value):
            raise ReplayError(f"--at: {name}={ctx.at[name]}, but the matrices give {value}")
    numbers = {"states": "1 (replayed)"}
    state = State(ws, Phi)
    found = _refute(comp, state, ctx, numbers)
    if found.outcome is Outcome.REFUTES:
        return found
    return Finding(Outcome.SUPPORTS, "the relation holds at the replayed state (mpmath)",
                   numbers, coverage=Coverage(Scope.SAMPLE, scope, 1))


def replay_box(spec) -> dict[str, tuple[str, str]]:
    """``L``, ``d`` (read off the matrices), ``W1`` .. ``W<max depth>`` and ``Phi``."""
    cfg = dict(spec.states.config)
    top = max(cfg["depths"])
    box = {"L": (str(min(cfg["depths"])), str(top)),
           "d": (str(min(cfg["widths"])), str(max(cfg["widths"])))}
    box.update({f"W{k}": ("matrix", "d x d") for k in range(1, top + 1)})
    box["Phi"] = ("matrix", "d x d")
    return box
