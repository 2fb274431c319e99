"""Proving identities exactly: a proof, or ``None`` when SymPy cannot tell."""

from __future__ import annotations

import sympy as sp


def prove_zero(expr: sp.Expr) -> bool | None:
    """True when ``expr`` simplifies to exactly 0, False when it is a nonzero constant.

    Returns None when SymPy can neither simplify it to 0 nor show it is a nonzero number: the
    caller must then treat the identity as undecided (never as proven).
    """
    for simplifier in (sp.expand, sp.simplify, lambda e: sp.simplify(sp.radsimp(sp.expand(e)))):
        reduced = simplifier(expr)
        if reduced == 0:
            return True
        if reduced.is_number and reduced.is_zero is False:
            return False
    return None

