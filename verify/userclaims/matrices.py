"""Claims over matrices of free size (key ``matrices``): identities and trace inequalities for
every size (:mod:`proofs.matrix_claims`).

Two checks, the proof first:

* ``<kind>_every_size`` (symbolic attempt): the canonical form of lhs - rhs in the free algebra
  with transpose proves the claim for every size of every declared matrix and every parameter
  of the box (the parameters carry their box's signs); it is sufficient, not necessary, so a
  form that does not cancel is ``undecided`` here;
* ``<kind>_integer_matrices``: both sides evaluated exactly on integer matrices of sizes 1 to
  4 (smallest first) at rational points of the box; a nonzero difference (or a violated
  inequality) refutes, with the matrices shrunk entry by entry and a replay line that names
  every matrix and parameter.  Where the proof holds it is a cross-check of a few instances
  (a disagreement would show a defect of the proof); where it does not and no instance
  differs, it is ``undecided``: no verdict is guessed from finitely many sizes.
"""

from __future__ import annotations

import sympy as sp

from proofs import matrix_claims as M
from proofs import matrix_instances as MI
from proofs.expressions import real_symbol
from verify.replay import ReplayError, parse_matrix
from verify.userclaims.budget import Deadline, budgeted, under_deadline, require_small
from verify.userclaims.every_integer import crossed, remembered, search_draws
from verify.userclaims.model import assumptions_hold, parse_assumptions
from verify.userclaims.spec import ClaimSpec
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

DRAWS = (12, 40)  # integer instances of a search that decides (quick, full)
MATRIX = "matrix"  # the replay box's mark of a matrix name (its value is a matrix)


def scalar_symbols(spec: ClaimSpec) -> dict[str, sp.Symbol]:
    """The claim's parameters as the parser declares them (the step positive)."""
    return {name: real_symbol(name, positive=(name == spec.step)) for name in spec.params}


def read(spec: ClaimSpec) -> M.Statement:
    """The claim read over its matrices (the parser has validated it)."""
    return M.statement(dict(spec.matrices), scalar_symbols(spec), spec.lhs, spec.rhs,
                       spec.relation or "==", spec.loss, spec.variables, spec.step)


def _box(spec: ClaimSpec):
    """(free symbol -> interval, pinned symbol -> value), exact rationals."""
    symbols = scalar_symbols(spec)
    free, pinned = {}, {}
    for name, value in spec.params.items():
        lo, hi = (sp.Rational(v) for v in value) if isinstance(value, tuple) else (
            sp.Rational(value),) * 2
        if lo == hi:
            pinned[symbols[name]] = lo
        else:
            free[symbols[name]] = (lo, hi)
    return free, pinned


def scope(spec: ClaimSpec) -> dict[str, str]:
    """The class the claim states: every size of its matrices, the parameters' box."""
    free, pinned = _box(spec)
    out = {s.name: f"[{lo}, {hi}]" for s, (lo, hi) in free.items()}
    out.update({s.name: f"= {v}" for s, v in pinned.items()})
    out.update(spec.rays)
    sizes = list(M.Space(dict(spec.matrices)).sizes)
    if sizes:
        out[", ".join(sizes)] = ">= 1 (matrix sizes)"
    return dict(sorted(out.items()))


def _signs(spec: ClaimSpec) -> dict[sp.Symbol, sp.Symbol]:
    """Each free parameter as a symbol with its box's sign (a proof with them covers it)."""
    free, _ = _box(spec)
    out = {}
    for s, (lo, hi) in free.items():
        flags = ({"positive": True} if lo > 0 else {"nonnegative": True} if lo >= 0 else
                 {"negative": True} if hi < 0 else {"nonpositive": True} if hi <= 0 else {})
        out[s] = sp.Symbol(s.name + "_box", real=True, **flags)
    return out


def _pinned(spec: ClaimSpec) -> dict[sp.Symbol, sp.Rational]:
    return _box(spec)[1]


def matrix_checks(spec: ClaimSpec) -> tuple[tuple[Check, ...], dict[str, str]]:
    """The claim's two checks and its class."""
    covers = scope(spec)
    kind = spec.kind

    @budgeted
    @under_deadline
    def prove(ctx: CheckContext) -> Finding:
        st = read(spec)
        coefficients = list(st.diff.terms.values())
        if isinstance(st.diff, M.Trace):
            coefficients.append(st.diff.const)
        require_small(*coefficients)
        signs = {**_signs(spec), **_pinned(spec)}
        holds, how = M.proven(st, signs)
        numbers = {"words in lhs - rhs": str(len(st.diff.terms))}
        if holds:
            return Finding(Outcome.SUPPORTS, f"every size of every matrix: {how}", numbers,
                           coverage=Coverage(Scope.CLASS, covers))
        return Finding(Outcome.UNDECIDED, f"the canonical form does not decide ({how}); it is "
                       "sufficient, not necessary: the integer instances decide", numbers)

    name = f"{kind}_every_size"
    symbolic = Check(name, Tier.SYMBOLIC, remembered(spec, name, prove),
                     "exact, every size of every matrix, the whole box (free algebra with "
                     "transpose)", attempt=True)
    return (symbolic, _instances(spec, symbolic)), covers


def _instances(spec: ClaimSpec, symbolic: Check) -> Check:
    relations = parse_assumptions(spec)

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        st = read(spec)
        if ctx.at is not None:
            return _replayed(spec, st, ctx)
        free, pinned = _box(spec)
        deadline = Deadline(ctx)
        draws, cross = search_draws(spec, None, ctx, DRAWS[0] if ctx.quick else DRAWS[1],
                                    (symbolic,))
        found, done = MI.search(
            st, free, pinned, lambda p: assumptions_hold(relations, {
                s.name: v for s, v in p.items()}), ctx.rng(), draws, ctx.dps,
            lambda: deadline.check("the integer instances"))
        if found is not None:
            return _refutation(st, found, ctx)
        covered = Coverage(Scope.SAMPLE, {**scope(spec), "sizes": "1..4"}, done)
        if cross:
            return crossed(Finding(Outcome.SUPPORTS, f"no instance differs ({done} integer "
                                   "instances, sizes 1..4)", {"instances": str(done)},
                                   coverage=covered), cross)
        return Finding(Outcome.UNDECIDED, f"no counterexample among {done} integer instances "
                       "(sizes 1..4), and no proof: not decided", {"instances": str(done)})

    return Check(f"{spec.kind}_integer_matrices", Tier.PRECISE, run,
                 "exact integer matrices of sizes 1..4, rational parameters")


def _refutation(st: M.Statement, w: MI.Witness, ctx: CheckContext) -> Finding:
    at = {name: MI.matrix_text(m) for name, m in w.matrices.items()}
    at.update({name: str(v) for name, v in w.scalars.items()})
    sizes = ", ".join(f"{s} = {n}" for s, n in w.sizes.items()) or "all 1"
    return Finding(Outcome.REFUTES, f"integer matrices with {sizes}: {w.what}",
                   {"sizes": sizes},
                   Counterexample(at=at, observed=f"lhs = {_short(w.lhs)}",
                                  claimed=f"{st.relation} rhs = {_short(w.rhs)}", tol="0",
                                  margin=w.what, dps=ctx.dps,
                                  note="exact arithmetic: integer matrices, rational parameters"
                                       + ("; a PSD matrix drawn as G G^T"
                                          if "psd" in st.space.kinds.values() else "")
                                       + ("; spectral numbers exact (roots), complex "
                                          "eigenvalues' real parts at two precisions that agree"
                                          if st.space.atoms else ""),
                                  replay=at))


def _short(value) -> str:
    if isinstance(value, sp.Expr) and not value.is_Rational:  # a root, a spectral number
        value = sp.N(value, 30)
    text = MI.matrix_text(value) if isinstance(value, sp.MatrixBase) else str(value)
    return text if len(text) <= 300 else text[:297] + "..."


def _replayed(spec: ClaimSpec, st: M.Statement, ctx: CheckContext) -> Finding:
    """The one instance named by ``--at``: every matrix and free parameter, checked exactly."""
    free, pinned = _box(spec)
    try:
        mats = {name: parse_matrix(ctx.at[name]) for name in st.space.shapes}
        point = {**pinned, **{s: sp.Rational(ctx.at[s.name]) for s in free}}
        MI.sizes_of(st.space, mats)
    except ReplayError:
        raise
    except (ValueError, TypeError) as exc:
        raise ReplayError(f"--at: {exc}") from None
    found = MI.check_at(st, mats, point, ctx.dps)
    if found is not None:
        return _refutation(st, found, ctx)
    return Finding(Outcome.SUPPORTS, "the claim holds at the replayed instance", {},
                   coverage=Coverage(Scope.SAMPLE, scope(spec), 1))


def replay_box(spec: ClaimSpec) -> dict[str, tuple[str, str]]:
    """The names a replay (``--at``) may set: each matrix (marked :data:`MATRIX`) and each free
    parameter with its interval."""
    box = {name: (MATRIX, shape) for name, shape in spec.matrices}
    box.update({s.name: (str(lo), str(hi)) for s, (lo, hi) in _box(spec)[0].items()})
    return box
