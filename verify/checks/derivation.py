"""Check factory for derivations (:mod:`proofs.derivation`): SymPy-checked proofs of a claim
for its whole stated class (:mod:`proofs.zas_class`, :mod:`proofs.resnet_class`)."""

from __future__ import annotations

from collections.abc import Callable

from proofs import derivation as dv
from verify.vocabulary import Check, CheckContext, Coverage, Finding, Outcome, Tier


def derivation(name: str, build: Callable[[], list], coverage: Coverage, scope: str) -> Check:
    """Symbolic: every step of the derivation ``build()`` is checked by SymPy (identities of the
    free algebra, scalar inequalities over the class); the named premises are listed.  Supports
    with ``coverage`` (the claim's whole class) when every step holds; a step that fails or
    that SymPy cannot decide leaves the proof attempt undecided (a broken route is no
    counterexample)."""
    def run(ctx: CheckContext) -> Finding:
        out = dv.run(build())
        numbers = {f"step {j + 1}": line for j, line in enumerate(out.lines)}
        numbers["premises"] = str(len(out.premises))
        if out.proved:
            return Finding(Outcome.SUPPORTS, f"derivation: {len(out.lines)} steps hold for the "
                           f"whole class; {len(out.premises)} premises (textbook facts and the reasoning "
                           "that joins the steps) are stated, not machine-checked", numbers,
                           coverage=coverage)
        return Finding(Outcome.UNDECIDED, f"derivation step {out.failed}", numbers)

    return Check(name, Tier.SYMBOLIC, run, scope, attempt=True)
