"""Check factory: a symmetric 2-cycle attracts every start outside a countable set, for every
step size (symbolic; the engine is :mod:`proofs.symmetric_cycle`).

Used by Nar & Sastry (2018), Example 1: GD on (2/3)|x|^{3/2} converges to +-delta^2/4 unless
x[0] lies in the countable set S = {0, delta^2, -delta^2, ...} of starts that land on 0.
"""

from __future__ import annotations

from proofs.identities import prove_zero
from proofs.symmetric_cycle import prove_symmetric_cycle
from verify.checks.common import EVERY_STEP, ScalarProblem, declared, expr_in, scalar_gd
from verify.vocabulary import Check, CheckContext, Finding, Outcome, Scope, Tier


def global_cycle_symbolic(problem: ScalarProblem, points: tuple[str, str],
                          members: tuple[str, ...]) -> Check:
    """Symbolic: GD converges to the claimed cycle (P, -P) from every start except a countable
    set S whose orbits land on the origin, for every step size > 0; the listed ``members`` of
    S are shown to land on 0 in one step.

    Supports only when every fact of the proof in :mod:`proofs.symmetric_cycle` is proven
    (coverage: every step size, decides the claim); undecided otherwise (the orbit and
    multiplier checks refute wrong points with a counterexample; this check never refutes).
    """

    def run(ctx: CheckContext) -> Finding:
        gd = scalar_gd(problem)
        first, second = (expr_in(problem, p) for p in points)
        if not prove_zero(first + second):
            return Finding(Outcome.UNDECIDED, f"the claimed points {points} are not +-P")
        proof = prove_symmetric_cycle(gd.gd_map, gd.x, gd.step, first)
        numbers = dict(proof.facts)
        landing = {m: gd.g(expr_in(problem, m)) for m in members}
        numbers.update({f"g({m})": str(v) for m, v in landing.items()})
        if not proof.holds:
            return Finding(Outcome.UNDECIDED, f"global proof not completed: {proof.reason}",
                           numbers)
        missed = [m for m, v in landing.items() if not prove_zero(v)]
        if missed:
            return Finding(Outcome.UNDECIDED, f"the claimed members {missed} of S are not shown "
                           "to land on 0", numbers)
        return Finding(Outcome.SUPPORTS, proof.reason + f"; {', '.join(members)} land on 0",
                       numbers, coverage=declared(Scope.CLASS, {gd.step.name: EVERY_STEP}))

    return Check("global_cycle_symbolic", Tier.SYMBOLIC, run,
                 f"exact, every step size and every start: {problem.label()}, cycle {points}")
