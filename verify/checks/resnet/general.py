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
DECOMPOSITION_CLASS = {"n": ">= 1", "f_k": "twice differentiable on [0, M_1] x ... x [0, M_n]",
                       "beta_j": "> max(0, -d_j f_k(0))",
                       "alpha": "> max(0, -min lambda_min(Hess f_k))"}


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


def decomposition_general() -> Check:
    """Symbolic, every n and f_k: the gradients at 0 and the Hessians of r and s
    (:func:`proofs.resnet_general.decomposition_general`)."""
    return _general("decomposition_general", lambda: {"gradients and Hessians of r, s":
                                                      prg.decomposition_general()},
                    DECOMPOSITION_CLASS,
                    "grad r(0) = beta + grad f_k(0), grad s(0) = beta, Hess r = alpha I + "
                    "Hess f_k, Hess s = alpha I: the amended conditions make both strictly "
                    "convex with positive gradients at 0")
