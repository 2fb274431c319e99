"""Claims over every integer from n on (``integers = { L = ">= 2" }``): one proof for all L.

An integer parameter declared ``">= n"`` stands for every integer n, n + 1, ...  Where the claim
is an ``identity``, an ``inequality`` or a plain-GD ``threshold`` of expressions (no model
family, whose state needs a concrete depth), the symbolic tier substitutes L = n + N with N a
nonnegative integer symbol and runs the kind's symbolic argument once for all L: for an identity
or inequality, sums over k = 1..L in closed form (``Sum(...).doit()``; a Piecewise closed form
is proven branch by branch, so whichever branch applies is covered) and SymPy's zero or sign of
lhs - rhs, the other parameters carrying the signs their box implies; for a threshold, the
multipliers at x* against the bound (:func:`verify.userclaims.threshold.symbolic_threshold`).
A proof covers the claim's whole class, L ">= n" included, so the claim can be ``proven``.

Where SymPy cannot finish, this check is undecided (an attempt) and the claim's other checks,
which run on the instances n..n+4 exactly (:mod:`verify.userclaims.instances`), decide it: at
best ``proven-on-instances`` or ``sampled``, and a false claim is refuted there with a concrete
L.  This check never refutes: a symbolic L gives no point to re-evaluate.
"""

from __future__ import annotations

import dataclasses
import functools

import sympy as sp

from proofs.identities import prove_zero
from verify.userclaims.budget import budgeted, under_deadline, require_small
from verify.userclaims.model import Model
from verify.userclaims.spec import ClaimSpec
from verify.vocabulary import (
    BudgetExhausted, Check, CheckContext, Coverage, Finding, Outcome, Scope, Tier,
)

_SIGN = {"<=": "is_nonpositive", "<": "is_negative", ">=": "is_nonnegative",
         ">": "is_positive"}


def offsets(spec: ClaimSpec) -> dict[str, sp.Expr]:
    """Each unbounded integer parameter as n + N, N a nonnegative integer symbol."""
    return {name: low + sp.Symbol(f"{name}_minus_{low}", integer=True, nonnegative=True)
            for name, low in spec.unbounded.items()}


def _forms(e: sp.Expr):
    """Sound rewritings of ``e`` (no ``force``: a power is combined only where the symbols'
    assumptions allow), cheapest first and made one at a time, so that a later (costlier)
    one is made only when the earlier ones did not decide."""
    first = last = sp.piecewise_fold(e.doit())
    yield first
    for rewrite in (sp.expand, sp.simplify,
                    lambda f: sp.powsimp(sp.expand_power_base(f)), sp.factor):
        try:  # a rewriting SymPy cannot do (a PolynomialError in factor) is just not tried
            last = rewrite(first if rewrite is sp.expand else last)
        except (sp.PolynomialError, NotImplementedError, TypeError, ValueError):
            continue
        yield last


def _branches(e: sp.Expr) -> list[sp.Expr]:
    """The values of a Piecewise, each of which must satisfy the relation (else ``[e]``).  A
    branch taken on an equation (``Eq(w/r, 1)`` of a geometric sum's closed form) is proven at
    every real solution of it for one of its symbols, when SymPy finds them all (a finite
    set); otherwise the branch is proven as it stands, for every value of its symbols."""
    e = sp.piecewise_fold(e.doit())
    if not isinstance(e, sp.Piecewise):
        return [e]
    out = []
    for value, condition in e.args:
        out += _on(value, condition)
    return out


def _on(value: sp.Expr, condition) -> list[sp.Expr]:
    if isinstance(condition, sp.Eq):
        for symbol in sorted(condition.free_symbols, key=str):
            if getattr(symbol, "is_integer", False):
                continue
            try:
                roots = sp.solveset(condition.lhs - condition.rhs, symbol, domain=sp.S.Reals)
            except (NotImplementedError, TypeError, ValueError):
                continue
            if isinstance(roots, sp.FiniteSet):
                return [value.subs(symbol, root) for root in roots]
    return [value]


def _zero(e: sp.Expr) -> bool:
    return any(prove_zero(f) is True for f in _forms(e))


def sign_proven(e: sp.Expr, relation: str) -> bool:
    """Whether SymPy shows ``e`` relation 0 (``==``: e is 0) in one of its sound rewritings."""
    if relation == "==":
        return _zero(e)
    return any(getattr(f, _SIGN[relation]) is True for f in _forms(e))


def _differences(model: Model) -> tuple[list[sp.Expr], str]:
    spec = model.spec
    if spec.kind == "identity":
        return [a - b for a, b in model.identity_differences], "=="
    return [model.pin(model.expr(spec.lhs) - model.expr(spec.rhs))], spec.relation


def _relation_proof(model: Model, boxed, every: str) -> tuple[bool, str, dict]:
    """identity / inequality: every entry of lhs - rhs (each Piecewise branch) is 0, or has
    the relation's sign, for the symbolic L."""
    diffs, relation = _differences(model)
    require_small(*diffs)
    signs = boxed(model)
    entries = [b for d in diffs for b in _branches(d.subs(signs))]
    open_ = [i for i, e in enumerate(entries) if not sign_proven(e, relation)]
    if open_:
        return False, (f"SymPy could not prove lhs {relation} rhs for every {every} (entry "
                       f"{open_[0]}: {sp.sstr(entries[open_[0]])[:200]})"), {
                           "open entries": str(len(open_))}
    return True, f"SymPy: lhs {relation} rhs for every {every}", {"entries": str(len(entries))}


def _threshold_proof(model: Model, boxed, every: str) -> tuple[bool, str, dict]:
    """threshold: the symbolic threshold argument (det(2I - bound H(x*)) = 0, and with
    ``tight`` H(x*) > 0 and 2I - bound H(x*) >= 0) run with L symbolic."""
    from verify.userclaims.checks import _require_critical
    from verify.userclaims.threshold import symbolic_threshold

    require_small(model.loss, model.threshold_bound)
    finding = symbolic_threshold(model, _require_critical(model), boxed(model))
    if finding.outcome is Outcome.SUPPORTS:
        return True, f"for every {every}: {finding.detail}", dict(finding.numbers)
    return False, f"not for every {every}: {finding.detail}", dict(finding.numbers)


def _limit_proof(model: Model, boxed, every: str) -> tuple[bool, str, dict]:
    """limit / varies: the instance argument (:mod:`verify.userclaims.limits`) run with the
    integer parameters symbolic (it never refutes here)."""
    from verify.userclaims.limits import decide

    verdict, detail, numbers = decide(model, boxed, refute=False)
    return verdict is True, f"{detail} for every {every}", numbers


# (claim, integer instance, quick, check name) -> the detail of a proof of the claim's whole
# class by that check (None: it did not prove it), once per process: the claim's searches read it
_PROVEN: dict[tuple, str | None] = {}
CROSS_CHECK = (10, 40)  # draws per instance of a search that cross-checks a proof (quick, full)


def _record(key: tuple, finding: Finding) -> None:
    proven = (finding.outcome is Outcome.SUPPORTS and finding.coverage is not None
              and finding.coverage.scope is Scope.CLASS)
    _PROVEN[key] = finding.detail if proven else None


def remembered(spec: ClaimSpec, name: str, run, instance: tuple = ()):
    """``run`` of a proof check ``name`` of the claim (its own SymPy or Arb check on one
    ``instance`` of its integer parameters, its proof for every L), recording whether it proved
    the whole class: the claim's searches run after it in the same process and read the record
    (:func:`proven_class`) instead of proving it again."""

    @functools.wraps(run)
    def recorded(ctx: CheckContext) -> Finding:
        finding = run(ctx)
        if ctx.at is None:
            _record((spec, instance, ctx.quick, name), finding)
        return finding

    return recorded


def proven_class(spec: ClaimSpec, check: Check, ctx: CheckContext,
                 instance: tuple = ()) -> str | None:
    """The detail of ``check``'s proof of the claim's whole class (of its integer ``instance``),
    else None: its record when it ran in this process, else it runs now (in a child process,
    under the check's budget)."""
    key = (spec, instance, ctx.quick, check.name)
    if key not in _PROVEN:
        _record(key, check.run(ctx))
    return _PROVEN[key]


PROVER = {Tier.SYMBOLIC: "SymPy", Tier.CERTIFIED: "Arb"}


def instance_key(model) -> tuple:
    """The integer instance a model is (``L = 3``: ``(("L", 3),)``): a record's key part."""
    return tuple(sorted(model.ints.items()))


def search_draws(spec: ClaimSpec, boxed, ctx: CheckContext, draws: int,
                 proofs: tuple[Check, ...] = (), instance: tuple = ()) -> tuple[int, str]:
    """(draws, prefix of the search's detail): ``draws``, or :data:`CROSS_CHECK` where a proof
    covers the claim's whole class: the proof for every value of the unbounded integer
    parameters (:func:`every_integer_checks`), or one of the claim's own proof checks
    (``proofs``: its SymPy check, its Arb branch and bound) on the whole box of its integer
    ``instance``.  The search then cross-checks the proof and cannot change the verdict unless
    the proof is wrong, which it would show."""
    few = CROSS_CHECK[0] if ctx.quick else CROSS_CHECK[1]
    if ctx.at is not None:  # a replay re-checks its one point
        return draws, ""
    if spec.derivation:  # a cited derivation (verify.userclaims.cite) that proves the claim
        from verify.userclaims.cite import proves

        if proves(spec, ctx):
            return few, f"a cross-check ({few} draws) of the cited derivation {spec.derivation}: "
    if spec.unbounded:
        checks = every_integer_checks(spec, boxed)
        if not checks or proven_class(spec, checks[0], ctx) is None:
            return draws, ""
        every = ", ".join(f"{k} >= {v}" for k, v in spec.unbounded.items())
        return few, f"a cross-check ({few} draws) of the proof for every {every}: "
    if spec.integers and not instance:
        return draws, ""
    proving = next((c for c in proofs if proven_class(spec, c, ctx, instance) is not None),
                   None)
    if proving is None:
        return draws, ""
    return few, (f"a cross-check ({few} draws) of the {PROVER.get(proving.tier, 'exact')} "
                 "proof on the whole box: ")


def crossed(finding: Finding, prefix: str) -> Finding:
    """A search's support with the cross-check's ``prefix`` (from :func:`search_draws`)."""
    if not prefix or finding.outcome is not Outcome.SUPPORTS:
        return finding
    return dataclasses.replace(finding, detail=prefix + finding.detail)


PROOFS = {"identity": _relation_proof, "inequality": _relation_proof,
          "threshold": _threshold_proof, "limit": _limit_proof, "varies": _limit_proof}


def _minimiser_set_proof(spec: ClaimSpec, boxed, ends: dict[str, str]) -> Finding:
    """A model claim for every depth: a threshold at its minimiser set (the family's rank-one
    argument, :func:`verify.userclaims.minimiser_set.every_depth_proof`) or an identity at its
    symmetric states (:func:`verify.userclaims.symmetric.every_depth_proof`); the parameters
    carry the signs of their boxes (read from the first instance, whose parameters are the
    claim's)."""
    if spec.kind == "identity":
        from verify.userclaims.symmetric import every_depth_proof
    else:
        from verify.userclaims.minimiser_set import every_depth_proof

    first = Model(spec, {name: low for name, low in spec.unbounded.items()})
    signs = boxed(first)
    symbols = {name: signs.get(first.params[name], first.params[name])
               for name in first.params if name not in spec.unbounded}
    symbols.update({name: v for name, v in first.box.pinned.items()
                    if name not in spec.unbounded})
    scope = {k: v for k, v in first.scope.items() if k not in ends}
    scope.update(ends)
    (_, depth), = offsets(spec).items()
    return every_depth_proof(spec, ends, depth, symbols, scope)


def every_integer_checks(spec: ClaimSpec, boxed) -> tuple[Check, ...]:
    """The proof for every value of the unbounded integer parameters, where it applies (an
    identity, inequality or plain-GD threshold of expressions whose integer parameters are all
    unbounded); ``boxed(model)`` gives the free parameters the signs of their box."""
    # a minimiser set, or an identity at the symmetric states: the family's proof
    chain = (spec.kind == "threshold" and spec.to_set) or (spec.kind == "identity"
                                                           and spec.at == "symmetric")
    if (not spec.unbounded or spec.kind not in PROOFS or (spec.model and not chain)
            or set(spec.integers) != set(spec.unbounded)
            or spec.optimizer.get("method", "gd") != "gd"):
        return ()
    names = ", ".join(spec.unbounded)
    ends = {name: f">= {low}" for name, low in spec.unbounded.items()}
    every = " and ".join(f"{name} {end}" for name, end in ends.items())

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        if ctx.at is not None:  # a replay names one instance: the instances' checks re-check it
            return Finding(Outcome.UNDECIDED, "a replay checks one instance, not every "
                           f"{names}")
        if chain:
            return _minimiser_set_proof(spec, boxed, ends)
        model = Model(spec, offsets(spec))
        try:
            proven, detail, numbers = PROOFS[spec.kind](model, boxed, every)
        except BudgetExhausted:
            raise
        except Exception as exc:  # noqa: BLE001 - SymPy gave up on a symbolic L: no proof
            return Finding(Outcome.UNDECIDED, f"SymPy failed on the symbolic {names} "
                           f"({type(exc).__name__}: {str(exc)[:200]}); the instances decide")
        if not proven:
            return Finding(Outcome.UNDECIDED, detail + "; the instances decide", numbers)
        covers = {k: v for k, v in model.scope.items() if k not in ends}
        covers.update(ends)
        return Finding(Outcome.SUPPORTS, f"{detail} ({names} = n + N, N a nonnegative integer "
                       "symbol) and every parameter of the box", numbers,
                       coverage=Coverage(Scope.CLASS, dict(sorted(covers.items()))))

    name = f"{spec.kind}_every_{'_'.join(spec.unbounded)}"
    return (Check(name, Tier.SYMBOLIC, remembered(spec, name, run),
                  f"exact, every {every} and the whole box", attempt=True),)
