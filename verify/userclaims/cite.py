"""Claims that cite a registered derivation (``derivation = "wu2019zas.lemma_a1"``).

An ``inequality`` (over a parameter box, or ``at = "states"``) or an ``identity`` may name a
derivation of :mod:`proofs.registry`: a name looked up in a dict, never code.  Its check,
``derivation``, first compares the claim with the derivation's statement, both read by the
claim language's own parsers:

* at states (:mod:`verify.userclaims.states`): every defined number of the statement is
  defined by the claim with the same expression (compared as syntax trees: spacing and
  redundant parentheses aside, the same text), every assumption is one of the claim's
  conditions (the claim may add more: a narrower class), every relation of the claim is one
  of the statement's, the step is the statement's, and the depths and widths drawn lie in the
  statement's class;
* over a parameter box: the same parameters with the same ranges (intervals compared as exact
  rationals, half-lines and ``integers = { L = ">= n" }`` as written; a statement's ``"real"``,
  the whole line, holds any range of the claim), the same assumptions,
  and the claim's relation is one of the statement's with the same relation sign and
  lhs - rhs equal to the statement's (SymPy simplifies the difference to 0).

* of GD on a model or loss (``convergence``, ``trajectory``, ``rate``; the statement gives
  ``keys``):
  every key of the claim but its parameters' boxes is the statement's (both parsed by the
  claim language: the same model, step, condition, target, quantity, ...), the claim has the
  statement's parameters, each interval (or value) inside the statement's range for it, and
  its integer instances inside the statement's class (``">= 2"``): the claim's boxes are where
  its own checks sample the class the derivation proves.

Only when the claim states exactly that does the check run the derivation's steps (each checked
by SymPy, :mod:`proofs.derivation`); it supports with the statement's class as coverage (the
claim's class: a claim citing a derivation states its class), so the claim is ``proven`` only
when both hold.  A mismatch, or a step that fails or that SymPy cannot decide, is ``undecided``
with the reason: the claim's own sampled and certified checks still run beside it, and can
refute.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import re
from collections.abc import Mapping
from fractions import Fraction

import sympy as sp

from proofs import derivation as dv
from proofs.expressions import parse, real_symbol
from proofs.registry import Derivation, Statement, lookup, registry
from verify.userclaims.every_integer import proven_class, remembered
from verify.vocabulary import Check, CheckContext, Coverage, Finding, Outcome, Scope, Tier

_AT_LEAST = re.compile(r"\s*>=\s*(\d{1,3})\s*\Z")


def name_problem(value: object) -> str | None:
    """Why ``value`` cannot be the ``derivation`` key (None: a registered name)."""
    if not isinstance(value, str):
        return (f"must be the name of a registered derivation (a string), got "
                f"{type(value).__name__}; known: {', '.join(sorted(registry()))}")
    try:
        lookup(value)
    except KeyError as exc:
        return str(exc.args[0])
    return None


def summary(name: str) -> str:
    """One line for the claim's hypotheses (under the key ``derivation NAME``: the name stays
    out of the typeset text): the derivation's locator and its route."""
    d = lookup(name)
    return f"{d.where}: {d.summary}"


def _tree(text: str) -> str:
    return ast.dump(ast.parse(text.strip(), mode="eval").body)


def _lowest(text: str | None) -> int | None:
    m = _AT_LEAST.match(text or "")
    return int(m.group(1)) if m else None


def _states_problems(spec, st: Statement) -> list[str]:
    sc = spec.states
    if st.at != "states":
        return ["the derivation states a relation over a parameter box, the claim one at states"]
    out = []
    mine = dict(sc.define)
    for name, text in st.define:
        if name not in mine or _tree(mine[name]) != _tree(text):
            out.append(f"define.{name}: the derivation's is {text!r}, the claim's "
                       f"{mine.get(name, '(none)')!r}")
    if spec.step != st.step:
        out.append(f"step: the derivation's is {st.step!r}, the claim's {spec.step!r}")
    conditions = {_tree(t) for t in sc.condition}
    out += [f"condition: the derivation assumes {t!r}, the claim does not"
            for t in st.assume if _tree(t) not in conditions]
    stated = {_tree(t) for t in st.relations}
    out += [f"relation {t!r} is not one the derivation proves ({'; '.join(st.relations)})"
            for t in sc.relations if _tree(t) not in stated]
    cfg = dict(sc.config)
    for name, key in (("L", "depths"), ("d", "widths")):
        low = _lowest(st.scope.get(name))
        if low is None or min(cfg[key]) < low:
            out.append(f"states.{key}: {list(cfg[key])} leave the derivation's class "
                       f"{name} {st.scope.get(name)}")
    return out


def _box_problems(spec, st: Statement) -> list[str]:
    if st.at is not None:
        return ["the derivation states a relation at states, the claim one over a box"]
    if spec.loss or spec.model or spec.variables:
        return ["a derivation over a parameter box speaks of no loss, model or state"]
    out = []
    names = {**spec.params, **spec.integers}
    if set(names) != set(st.params) | set(st.integers):
        theirs = sorted({**st.params, **st.integers})
        return [f"params: the claim's {sorted(names)}, the derivation's {theirs}"]
    for name, text in st.params.items():
        if not _same_range(spec, name, text):
            out.append(f"params.{name}: the derivation's range is {text!r}")
    for name, text in st.integers.items():
        if spec.unbounded.get(name) != _lowest(text):
            out.append(f"integers.{name}: the derivation's range is {text!r}")
    symbols = {n: real_symbol(n) for n in names}

    def form(text: str):
        rel = parse(text, symbols)
        return type(rel), rel.lhs - rel.rhs

    def same(a, b) -> bool:
        return a[0] is b[0] and sp.simplify(a[1] - b[1]) == 0

    claim_assume = [form(t) for t in spec.assume]
    for text in st.assume:
        if not any(same(form(text), a) for a in claim_assume):
            out.append(f"assume: the derivation assumes {text!r}, the claim does not")
    if len(spec.assume) != len(st.assume):
        out.append(f"assume: the claim's {list(spec.assume)}, the derivation's "
                   f"{list(st.assume)}")
    if not isinstance(spec.lhs, str) or not isinstance(spec.rhs, str):
        return out + ["a matrix side: a derivation over a box states scalar relations"]
    mine = form(f"({spec.lhs}) {spec.relation or '=='} ({spec.rhs})")
    if not any(same(mine, form(t)) for t in st.relations):
        out.append(f"relation {spec.lhs} {spec.relation or '=='} {spec.rhs} is not one the "
                   f"derivation proves ({'; '.join(st.relations)})")
    return out


def _same_range(spec, name: str, text: str) -> bool:
    if text.strip() == "real":  # the statement's whole line holds every box the claim draws
        return True
    if name in spec.rays:
        return spec.rays[name].replace(" ", "") == text.replace(" ", "")
    value = spec.params.get(name)
    if not isinstance(value, tuple) or not (text.startswith("[") and text.endswith("]")):
        return isinstance(value, str) and sp.Rational(value) == sp.Rational(text)
    ends = text[1:-1].split(",")
    return len(ends) == 2 and all(sp.Rational(a) == sp.Rational(b.strip())
                                  for a, b in zip(value, ends))


_HALF = re.compile(r"\s*(>=|<=|>|<)\s*(\S+)\s*\Z")
_INTERVAL = re.compile(r"\s*([\[(])\s*([^,\s]+)\s*,\s*([^,\s]+)\s*([\])])\s*\Z")
# the fields a claim of GD compares with its statement's keys (not its boxes, names or text)
_OWN = {"id", "statement", "derivation", "params", "integers", "unbounded", "rays", "parts",
        "figure"}


def _inside(box, text: str) -> bool:
    """Whether the interval (lo, hi) or the value ``box`` lies in the range ``text`` (a
    half-line ``"> 0"``, an interval ``"[a, b]"``, ``"(a, b]"``, ..., or ``"real"``)."""
    if text.strip() == "real":  # the whole line: every interval and value lies in it
        return True
    lo, hi = (sp.Rational(v) for v in (box if isinstance(box, tuple) else (box, box)))
    half, interval = _HALF.match(text), _INTERVAL.match(text)
    if half:
        sign, end = half.group(1), sp.Rational(half.group(2))
        return {">": lo > end, ">=": lo >= end, "<": hi < end, "<=": hi <= end}[sign]
    if interval:
        a, b = sp.Rational(interval.group(2)), sp.Rational(interval.group(3))
        return bool((lo >= a if interval.group(1) == "[" else lo > a)
                    and (hi <= b if interval.group(4) == "]" else hi < b))
    return False


def _integer_range(values) -> list[int]:
    """The claim's instances as a claim file writes them: one number alone, ``[lo, hi, step]``
    when they are evenly spaced (``[2, 12, 10]``: 2 and 12), else ``[lo, hi]``."""
    v = sorted(values)
    if len(v) == 1:
        return v[0]
    gaps = {b - a for a, b in itertools.pairwise(v)}
    return [v[0], v[-1], gaps.pop()] if len(gaps) == 1 else [v[0], v[-1]]


def _gd_problems(spec, st: Statement) -> list[str]:
    from verify.userclaims.parse import _Bad, _validate

    if set(spec.params) != set(st.params) or set(spec.integers) != set(st.integers):
        mine, theirs = sorted({**spec.params, **spec.integers}), sorted({**st.params,
                                                                         **st.integers})
        return [f"params: the claim's {mine}, the derivation's {theirs}"]
    out = [f"params.{name}: {spec.params[name]} is not inside the derivation's class {text!r}"
           for name, text in st.params.items() if not _inside(spec.params[name], text)]
    for name, text in st.integers.items():
        low = _lowest(text)
        if low is None or min(spec.integers[name]) < low:
            out.append(f"integers.{name}: {list(spec.integers[name])} leave the derivation's "
                       f"class {text!r}")
    boxes = {n: list(b) if isinstance(b, tuple) else b for n, b in spec.params.items()}
    ints = {n: _integer_range(v) for n, v in spec.integers.items()}
    try:
        theirs = _validate({**st.keys, "kind": st.kind, "params": boxes, "integers": ints},
                           spec.id)
    except _Bad as bad:  # a statement the language refuses is a registry bug: no proof lent
        return out + [f"the derivation's keys do not parse ({bad.key}: {bad.problem})"]
    for f in dataclasses.fields(spec):
        if f.name not in _OWN and getattr(spec, f.name) != getattr(theirs, f.name):
            out.append(f"{f.name}: the derivation's is {getattr(theirs, f.name)!r}, the "
                       f"claim's {getattr(spec, f.name)!r}")
    return out


# the sizes of a network claim (verify.userclaims.networks) and the statement's names for them
_NET_SIZES = {"n": "inputs", "L": "depths", "m": "widths", "N": "data"}


def _sizes_inside(values, text: str) -> bool:
    """Whether the claim's sizes (a list, or "n") lie in the statement's ``">= k"``, ``"k"`` or
    ``"n"``."""
    if values == "n" or text.strip() == "n":
        return values == text.strip()
    if text.strip().isdigit():
        return set(values) == {int(text)}
    low = _lowest(text)
    return low is not None and min(values) >= low


def _networks_problems(spec, st: Statement) -> list[str]:
    from verify.userclaims.networks import block_range

    if st.at != "networks" or not spec.networks:
        return [("the derivation and the claim differ in form: one states a relation over "
                 "networks (at = \"networks\"), the other not")]
    cfg = dict(spec.networks.config)
    out = []
    for name, key in _NET_SIZES.items():
        text, mine = st.integers.get(name), cfg.get(key)
        if (text is None) != (mine is None) or (text and not _sizes_inside(mine, text)):
            out.append(f"networks.{key}: {mine!r} is not inside the derivation's class "
                       f"{name} {text!r}")
    for key in ("W", "V", "b", "c", "d", "x", "y"):
        text = st.params.get(key)
        if (text is None) != (key not in cfg):
            out.append(f"networks.{key}: the claim's {cfg.get(key)!r}, the derivation's "
                       f"{text!r}")
            continue
        if text is None:
            continue
        r = block_range(cfg[key], key)
        fixed = text.strip().lstrip("-").replace("/", "").isdigit()
        ok = (r == "I" if text.strip() == "I" else r != "I" and (
            r[0] == r[1] == Fraction(text.strip()) if fixed else _inside(tuple(map(str, r)), text)))
        if not ok:
            out.append(f"networks.{key}: {cfg[key]!r} is not inside the derivation's class "
                       f"{text!r}")
    conditions = {_tree(t) for t in spec.networks.condition}
    out += [f"condition: the derivation assumes {t!r}, the claim does not"
            for t in st.assume if _tree(t) not in conditions]
    stated = {_tree(t) for t in st.relations}
    out += [f"relation {t!r} is not one the derivation proves ({'; '.join(st.relations)})"
            for t in spec.networks.relations if _tree(t) not in stated]
    return out


def problems(spec, d: Derivation) -> list[str]:
    """How the claim differs from the derivation's statement (empty: it states exactly it)."""
    st = d.statement
    if spec.kind != st.kind:
        return [f"kind: the derivation states an {st.kind}, the claim an {spec.kind}"]
    if spec.networks or st.at == "networks":
        return _networks_problems(spec, st)
    if st.keys:
        return _gd_problems(spec, st)
    return _states_problems(spec, st) if spec.states else _box_problems(spec, st)


# the outcome of each proof function run in this process: the parts of one claim (a width
# each) cite derivations that share one proof, checked once
_OUTCOMES: dict = {}


def _run(steps) -> dv.Outcome:
    """Every step checked: a list of :class:`proofs.derivation.Step`, or the facts of a proof
    for every depth (:mod:`proofs.general_depth`: fact -> True / False / None)."""
    if not isinstance(steps, Mapping):
        return dv.run(steps)
    tags = {True: "holds", False: "FAILS", None: "undecided"}
    failed = next((f"{k}: {'false' if v is False else 'undecided'}" for k, v in steps.items()
                   if v is not True), "")
    return dv.Outcome(not failed, failed, tuple(f"[{tags[v]}] {k}" for k, v in steps.items()),
                      ())


def derivation_check(spec) -> Check:
    """Symbolic: the claim states the cited derivation's statement, and every step of the
    derivation holds; supports with the statement's class (the claim's) as coverage.  Its
    finding is recorded for the claim's searches (:func:`proves`)."""
    d = lookup(spec.derivation)
    steps = d.steps  # a cell of its own: the result cache hashes the proof's code through it

    def run(ctx: CheckContext) -> Finding:
        numbers = {"derivation": f"{d.name} ({d.where})"}
        differ = problems(spec, d)
        if differ:
            numbers.update({f"differs {j + 1}": text for j, text in enumerate(differ)})
            return Finding(Outcome.UNDECIDED, f"the claim does not state {d.name}'s statement "
                           f"({differ[0]}); its proof is not borrowed", numbers)
        if steps not in _OUTCOMES:
            _OUTCOMES[steps] = _run(steps())
        out = _OUTCOMES[steps]
        numbers.update({f"step {j + 1}": line for j, line in enumerate(out.lines)})
        numbers["premises"] = str(len(out.premises))
        if not out.proved:
            return Finding(Outcome.UNDECIDED, f"{d.name}: step {out.failed}", numbers)
        return Finding(Outcome.SUPPORTS, f"{d.name}: the claim states its statement; "
                       f"{len(out.lines)} steps hold for the whole class; {len(out.premises)} "
                       "premises (textbook facts and the reasoning that joins the steps) are "
                       "stated, not machine-checked", numbers,
                       coverage=Coverage(Scope.CLASS, dict(d.statement.scope)))

    return Check("derivation", Tier.SYMBOLIC, remembered(spec, "derivation", run),
                 f"the cited derivation {d.name}: the statement compared, then every step "
                 "checked by SymPy", attempt=True)


def proves(spec, ctx: CheckContext) -> bool:
    """Whether the claim's cited derivation proves it (the derivation check's record in this
    process, else it runs now): its searches are then a cross-check and say so."""
    if not spec.derivation or ctx.at is not None:
        return False
    return proven_class(spec, derivation_check(spec), ctx) is not None


def cited(spec, own: tuple[tuple[Check, ...], dict[str, str]]):
    """The claim's checks with the derivation's first, and its class: the statement's."""
    checks, _ = own
    return (derivation_check(spec), *checks), dict(lookup(spec.derivation).statement.scope)
