"""Check factories for proofs that hold for every depth L at once (:mod:`proofs.general_depth`).

Each check runs the SymPy steps of one argument with L an integer symbol and declares, as its
coverage, exactly the class the argument covers (``covers``), so a claim whose stated scope is
that class becomes ``proven``.  A step SymPy cannot decide, or finds false, leaves the check
``undecided`` (a false step of an argument is no counterexample to the claim).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from verify.vocabulary import Check, CheckContext, Coverage, Finding, Outcome, Scope, Tier


def general_proof(name: str, steps: Callable[[], Mapping[str, bool | None]],
                  covers: Mapping[str, str], what: str) -> Check:
    """Symbolic: every step returned by ``steps()`` proven; covers the class ``covers``.

    ``what`` says in one line what the steps prove together (the glue between them is written
    in the docstring of ``steps``).  The check is an ``attempt``: when SymPy cannot finish, the
    claim's other checks still decide its status.
    """

    def run(ctx: CheckContext) -> Finding:
        facts = steps()
        numbers = {k: {True: "proven", False: "false", None: "undecided"}[v]
                   for k, v in facts.items()}
        open_steps = [k for k, v in facts.items() if v is not True]
        if open_steps:
            return Finding(Outcome.UNDECIDED, "not proven for every depth: " + "; ".join(
                f"{k} ({numbers[k]})" for k in open_steps), numbers)
        where = ", ".join(f"{k} {v}" for k, v in covers.items())
        return Finding(Outcome.SUPPORTS, f"exact for every {where}: {what}", numbers,
                       coverage=Coverage(Scope.CLASS, dict(covers)))

    return Check(name, Tier.SYMBOLIC, run,
                 "SymPy with L an integer symbol: " + ", ".join(f"{k} {v}"
                                                                for k, v in covers.items()),
                 attempt=True)


