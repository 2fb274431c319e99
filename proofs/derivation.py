"""Proofs written as derivations: a list of steps, each checked by SymPy on every run.

A step is one of

* ``identity``: an expression that must expand to zero.  Matrices are non-commutative symbols
  (or SymPy ``MatrixSymbol`` expressions with free dimensions), so an identity holds for every
  width; a power with a symbolic exponent is an opaque symbol, and an induction step rewrites
  with the hypothesis (``subs`` of a contiguous product) and the power law X^{n+1} = X^n X.
* ``inequality``: ``lhs rel rhs`` over a class given by the symbols' assumptions (a symbol
  ``k >= 0`` with L = 2 + k covers every L >= 2), decided by :func:`decide`.
* ``checked``: a named check of a proof module (a function of :mod:`proofs` that decides one
  fact for the whole class with SymPy and returns True, False or None), run when the step is
  checked; for the older every-L proofs that are written as such functions.
* ``premise``: a named textbook fact the derivation rests on (the spectral theorem, the
  triangle inequality of a norm, ...).  It is not checked; it is listed with the result so a
  reader sees exactly what the proof assumes.

:func:`run` checks every step; a derivation proves its statement only when every identity
vanishes and every inequality is decided true.  A false step means the *route* fails (the
caller reports undecided, never refutes with it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

RELATIONS = ("<=", "<", ">=", ">", "==")


@dataclass(frozen=True)
class Step:
    """One step: ``kind`` identity / inequality / checked / premise, with its payload."""

    label: str
    kind: str
    expr: Any = None  # identity: the residual; inequality: (lhs, rel, rhs)


def identity(label: str, residual) -> Step:
    return Step(label, "identity", residual)


def inequality(label: str, lhs, rel: str, rhs) -> Step:
    if rel not in RELATIONS:
        raise ValueError(f"rel: {rel!r} is not one of {RELATIONS}")
    return Step(label, "inequality", (sp.sympify(lhs), rel, sp.sympify(rhs)))


def premise(label: str) -> Step:
    return Step(label, "premise")


def checked(label: str, decide_fact) -> Step:
    """A step decided by ``decide_fact()`` (a SymPy check: True, False or None)."""
    return Step(label, "checked", decide_fact)


def from_facts(facts, *glue: str) -> list[Step]:
    """The facts of a proof (``facts``: fact -> True / False / None, as
    :mod:`proofs.general_depth` returns them), one checked step each, then the reasoning that
    joins them (``glue``: premises, stated, not machine-checked)."""
    return [*(checked(name, lambda v=value: v) for name, value in facts.items()),
            *(premise(line) for line in glue)]


def decide(lhs, rel: str, rhs, margin: bool = True) -> tuple[bool | None, sp.Expr | None]:
    """The truth of ``lhs rel rhs`` for every value the symbols' assumptions allow (None when
    SymPy cannot decide), and the margin (rhs - lhs, or lhs - rhs for >, >=).  A rational
    function is decided by the signs of its expanded numerator and denominator.

    ``margin=False``: only the truth is wanted (the margin returned is None).  The signs are
    then first read off the unsimplified difference (its assumptions, then its expanded
    numerator and denominator), and ``simplify`` (most of the time of a derivation) runs only
    when they do not decide.  Both routes are sound (SymPy's assumptions), so they never
    disagree; the fast one may decide a step the simplified form leaves undecided.  (Over
    every derivation of the full run, 111 steps, both routes give the same truth; the fast
    one takes 0.5 s of CPU where simplify took 1.9 s.)"""
    if isinstance(lhs, sp.Rational) and isinstance(rhs, sp.Rational):
        # two numbers: the sign of their exact difference (nsimplify/simplify, ~10 ms an item,
        # would leave a rational's value as it is)
        m = rhs - lhs if rel in ("<=", "<", "==") else lhs - rhs
        return bool(m == 0 if rel == "==" else m >= 0 if rel in ("<=", ">=") else m > 0), m
    raw = sp.nsimplify(rhs - lhs) if rel in ("<=", "<", "==") else sp.nsimplify(lhs - rhs)
    if not margin and rel != "==":
        fast = _sign(raw, rel)
        if fast is not None:
            return fast, None
    m = sp.simplify(raw)
    if rel == "==":
        return (True if m == 0 else False if m.is_zero is False else None), m
    pos = _sign(m, rel)
    return pos, m


def _sign(m, rel: str) -> bool | None:
    """Whether ``m >= 0`` (``<=``, ``>=``) or ``m > 0`` (``<``, ``>``) for every value the
    symbols' assumptions allow, from SymPy's assumptions on ``m`` and then on the expanded
    numerator and denominator of ``together(m)``; None when neither decides."""
    pos = m.is_nonnegative if rel in ("<=", ">=") else m.is_positive
    if pos is None:
        num, den = (sp.expand(x) for x in sp.fraction(sp.together(m)))
        num_ok = num.is_nonnegative if rel in ("<=", ">=") else num.is_positive
        if den.is_positive and num_ok:
            pos = True
        elif den.is_positive and num.is_negative:
            pos = False
    return pos


def _is_zero(expr) -> bool:
    if isinstance(expr, sp.MatrixExpr):
        out = expr.expand().doit()
        return out == 0 or isinstance(out, sp.ZeroMatrix) or (
            isinstance(out, sp.MatrixExpr) and out.is_ZeroMatrix)
    out = sp.expand(sp.sympify(expr))
    return out == 0 or (out.is_commutative and sp.simplify(out) == 0)


def check(step: Step) -> bool | None:
    """True when the step holds, False when it fails, None when SymPy cannot decide; a premise
    is True (it is assumed, and listed)."""
    if step.kind == "premise":
        return True
    if step.kind == "identity":
        return _is_zero(step.expr)
    if step.kind == "checked":
        out = step.expr()
        return out if out is True or out is False else None
    lhs, rel, rhs = step.expr
    return decide(lhs, rel, rhs, margin=False)[0]


@dataclass(frozen=True)
class Outcome:
    """What :func:`run` found: ``proved`` (every step holds), the first failing or undecided
    step, one line per step and the premises used."""

    proved: bool
    failed: str
    lines: tuple[str, ...]
    premises: tuple[str, ...]


def run(steps: list[Step]) -> Outcome:
    lines, failed = [], ""
    for s in steps:
        ok = check(s)
        tag = "premise" if s.kind == "premise" else {True: "holds", False: "FAILS",
                                                       None: "undecided"}[ok]
        lines.append(f"[{tag}] {s.label}")
        if ok is not True and not failed:
            failed = f"{s.label}: {'false' if ok is False else 'undecided'}"
    return Outcome(not failed, failed, tuple(lines),
                   tuple(s.label for s in steps if s.kind == "premise"))
