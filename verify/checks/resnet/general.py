"""Check factories for Nar & Sastry (2018), *Residual Networks*: proofs for every depth L and
width n (engine :mod:`proofs.resnet_general`).

Each factory proves one claim's argument for the whole class it names and declares that class as
its coverage (``Coverage(Scope.CLASS, covers=...)``); when a step is not proved it says
``undecided`` and covers nothing.  These are proofs only: they cannot refute (a wrong formula
leaves a step unproved), so each claim keeps its exact or precise checks that can refute.
"""

from __future__ import annotations

from proofs import resnet_general as prg
from verify.checks.resnet._shared import SUP, UND
from verify.vocabulary import Check, CheckContext, Coverage, Finding, Scope, Tier

# The classes the proofs cover, in the paper's notation (the claims' scopes must equal these).
EXAMPLE_1D_CLASS = {"w1, w2, b1, b2": "> 0", "f'(0)": "> 0"}


def _proved(steps: dict[str, bool | None]) -> list[str]:
    """The names of the steps that are not proved."""
    return [k for k, v in steps.items() if v is not True]


def _general(name: str, steps, covers: dict[str, str], what: str) -> Check:
    """A check running ``steps()`` (a dict of step -> proved) and, when every step is proved,
    supporting with a proof over ``covers``."""

    def run(ctx: CheckContext) -> Finding:
        result = steps()
        numbers = {k: "proved" if v is True else "not proved" for k, v in result.items()}
        missing = _proved(result)
        if missing:
            return Finding(UND, f"not proved for general L: {', '.join(missing)}", numbers)
        return Finding(SUP, what, numbers, coverage=Coverage(Scope.CLASS, dict(covers)))

    where = ", ".join(f"{k} {v}" for k, v in covers.items())
    return Check(name, Tier.SYMBOLIC, run, f"SymPy, every member: {where}")



def example_1d_general() -> Check:
    """Symbolic, every positive w1, w2, b1, b2 and f'(0) > 0: the slopes of Section 3.1's
    two-layer example (:func:`proofs.resnet_general.example_1d_slopes`).  The slope never
    decreases in x: a1 = 1{x > b1} and a2 = 1{h1(x) > b2} switch on once (h1 increases)."""
    return _general("example_1d_general", lambda: {"slopes on every piece":
                                                   prg.example_1d_slopes()}, EXAMPLE_1D_CLASS,
                    "every slope is f'(0)(1 + a1 w1)(1 + a2 w2) > 0; beyond both kinks it is "
                    "(1 + w1)(1 + w2) f'(0)")
