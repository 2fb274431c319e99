"""The identity kind: ``lhs == rhs`` identically in the model's state and parameters.

Each side is an exact expression of the state, the parameters and the names ``loss``,
``grad_NAME`` and ``gd_NAME`` (:func:`verify.models.quantities.derivative_names`), a scalar or a
matrix (compared entry by entry).  Two checks:

* :func:`identity_symbolic`: every entry of lhs - rhs, the pinned parameters substituted and the
  free ones given the signs their box implies, simplifies to 0 (:func:`proofs.identities.
  prove_zero`): the identity holds for every real state and every parameter of the box, so the
  proof covers the claim's whole class (one integer instance at a time: a depth L is an
  instance, never a real number);
* :func:`identity_search`: Hypothesis over the parameter box and the state ``region`` for a
  point where some entry differs, |lhs - rhs| / (1 + max(|lhs|, |rhs|)) > 10^-(dps - 10).  A
  violation is re-evaluated at ``ctx.dps``, ``ctx.dps + 20`` (and ``ctx.dps + 40`` when those
  disagree) digits and refutes only when two consecutive precisions agree on the difference
  (else undecided: cancellation).  When SymPy cannot decide and no point differs, the claim is
  confirmed only as sampled.  An entry of lhs - rhs that SymPy reduces to a nonzero constant
  refutes exactly (:func:`identity_symbolic`), however small: the search's tolerance would
  pass 10^-30; so does one that SymPy cannot simplify and that is nonzero at an exact rational
  point of the box (:func:`_pointwise_refutation`: ``a`` against ``a (1 + 10^-30)``).
"""

from __future__ import annotations

import mpmath
import sympy as sp

from proofs.identities import prove_zero
from verify.checks.common import dec
from verify.userclaims.budget import Deadline, budgeted, under_deadline, require_small
from verify.userclaims.every_integer import crossed, instance_key, remembered, search_draws
from verify.userclaims.exact_points import nonzero_value, rational_points
from verify.userclaims.model import Box, Model
from verify.userclaims.search import Probe, reevaluate, search, swamped
from verify.vocabulary import Check, CheckContext, Counterexample, Finding, Outcome, Scope, Tier

SEARCH_DPS = 30


class _WithState:
    """The claim's model seen by :func:`verify.userclaims.search.search` with the state
    coordinates added to the box (each over ``region``): the search draws both."""

    def __init__(self, model: Model):
        self.model = model
        lo, hi = (sp.Rational(v) for v in model.spec.region)
        self.labels = list(model.state.labels)
        self.box = Box({**model.box.free, **{label: (lo, hi) for label in self.labels}},
                       model.box.pinned)
        self.free_names = model.free_names + self.labels

    def assumptions_hold(self, values) -> bool:
        return self.model.assumptions_hold({n: values[n] for n in self.model.free_names})


def identity_symbolic(model: Model, boxed) -> Check:
    """SymPy: every entry of lhs - rhs is 0 exactly (``boxed`` gives the free parameters the
    signs their box implies).  A proof covers every real state and the whole parameter box."""

    @budgeted
    @under_deadline
    def run(ctx: CheckContext) -> Finding:
        diffs = [a - b for a, b in model.identity_differences]
        require_small(*diffs)
        signs = boxed(model)
        proofs = [prove_zero(d.subs(signs).doit()) for d in diffs]  # doit: a Sum
        if all(p is True for p in proofs):
            return Finding(Outcome.SUPPORTS, f"SymPy: lhs - rhs simplifies to 0 in every entry "
                           f"({len(diffs)}) for every state and every parameter of the box",
                           {"entries": str(len(diffs))}, coverage=model.coverage(Scope.CLASS))
        open_ = [i for i, p in enumerate(proofs) if p is not True]
        constant = [i for i in open_ if proofs[i] is False]
        if constant:  # a nonzero constant fails everywhere, however small (10^-30 passes the
            refuted = _constant_refutation(model, diffs, signs, constant[0], ctx)  # search)
            if refuted is not None:
                return refuted
        else:  # a difference below the search's tolerance, seen at an exact point
            refuted = _pointwise_refutation(model, diffs, open_, ctx)
            if refuted is not None:
                return refuted
        why = (f"entry {constant[0]} of lhs - rhs is the nonzero constant "
               f"{sp.simplify(diffs[constant[0]])}" if constant
               else f"SymPy could not simplify entry {open_[0]} of lhs - rhs to 0")
        return Finding(Outcome.UNDECIDED, f"{why}; the search decides",
                       {"undecided entries": str(len(open_))})

    return Check("identity_symbolic", Tier.SYMBOLIC,
                 remembered(model.spec, "identity_symbolic", run, instance_key(model)),
                 "exact, every state and the whole box", attempt=True)


def _constant_refutation(model: Model, diffs, signs, k: int, ctx: CheckContext):
    """Entry ``k`` of lhs - rhs is an exact nonzero constant: the identity fails at every state
    and parameter, stated at the box's midpoint (None where the claim's assumptions fail there,
    or the constant is 0 at ``ctx.dps`` digits)."""
    value = sp.simplify(diffs[k].subs(signs).doit())
    at = {n: (lo + hi) / 2 for n, (lo, hi) in model.box.free.items()}
    if (not value.is_number or sp.N(value, ctx.dps) == 0
            or not model.assumptions_hold({n: mpmath.mpf(v.p) / v.q for n, v in at.items()})):
        return None
    at = {n: str(v) for n, v in at.items()}
    return Finding(Outcome.REFUTES, f"entry {k} of lhs - rhs is the nonzero constant "
                   f"{sp.sstr(value)[:200]} (SymPy, exact) at every state and parameter", {},
                   Counterexample(at=at, observed=f"lhs - rhs = {sp.N(value, 25)} (entry {k})",
                                  claimed="lhs - rhs = 0", tol="0",
                                  margin=str(sp.N(value, ctx.dps)), dps=ctx.dps,
                                  note="lhs - rhs simplifies to this constant for every state "
                                       "and parameter", replay=at))


def _pointwise_refutation(model: Model, diffs, entries: list[int], ctx: CheckContext):
    """The entries SymPy could not simplify, at the rational points of the parameter box and
    the state region (:func:`verify.userclaims.exact_points.rational_points`), substituted
    exactly: a value two precisions agree is nonzero refutes, however small (the search's
    relative tolerance, 10^-20 at its 30 digits, passes a + 10^-30 a).  A point where the
    claim's assumptions fail, or an entry that is not real there, refutes nothing."""
    lo, hi = (sp.Rational(v) for v in model.spec.region)
    intervals = {**model.box.free, **{label: (lo, hi) for label in model.state.labels}}
    symbols = {**model.params, **{c.name: c for c in model.state.coords}}
    for point in rational_points(intervals):
        if not model.assumptions_hold({n: point[n] for n in model.free_names}):
            continue
        exact = {symbols[n]: v for n, v in point.items()}
        for k in entries:
            agreed = nonzero_value(diffs[k].xreplace(exact).doit(), ctx.dps)
            if agreed is None:
                continue
            at = {n: str(v) for n, v in point.items()}
            return Finding(Outcome.REFUTES, (
                f"at {at}: entry {k} of lhs - rhs is {dec(agreed.value, 15)} (exact point, "
                f"{agreed.note})"), {},
                Counterexample(at=at, observed=f"lhs - rhs = {dec(agreed.value, 25)} (entry {k})",
                               claimed="lhs - rhs = 0", tol="0", margin=dec(agreed.value, 20),
                               dps=agreed.dps, note="the difference at this exact rational "
                               "point, evaluated by SymPy at two precisions that agree",
                               replay=at))
    return None


def identity_search(model: Model, finish, point_text, boxed) -> Check:
    """Hypothesis over the box and the state region for an entry where lhs != rhs (see the
    module docstring for the tolerance and the precision escalation); a cross-check of fewer
    points where the identity is proven for every value of its integer parameters, or on the
    whole box (:func:`verify.userclaims.every_integer.search_draws`)."""
    view = _WithState(model)
    symbolic = identity_symbolic(model, boxed)

    @budgeted
    def run(ctx: CheckContext) -> Finding:
        pairs = [(model.mp(a), model.mp(b)) for a, b in model.identity_differences]

        def measure(point, dps):
            """(relative difference, entry, lhs, rhs) at the worst entry."""
            with mpmath.workdps(dps):
                x = [mpmath.mpf(point[label]) for label in view.labels]
                args = model.numbers(point)
                worst = (mpmath.mpf(-1), 0, None, None)
                for k, (f, g) in enumerate(pairs):
                    a, b = f(*x, *args), g(*x, *args)
                    if not all(mpmath.isfinite(v) and mpmath.im(v) == 0 for v in (a, b)):
                        raise ValueError(f"entry {k} is not real and finite")
                    a, b = mpmath.re(a), mpmath.re(b)
                    rel = abs(a - b) / (1 + max(abs(a), abs(b)))
                    if rel > worst[0]:
                        worst = (rel, k, a, b)
                return worst

        def evaluate(point):
            rel, k, _a, _b = measure(point, SEARCH_DPS)
            tol = mpmath.mpf(10) ** (-(SEARCH_DPS - 10))
            margin = float(tol - rel) if rel <= tol else -max(float(rel), 1e-300)
            return Probe(margin, {"entry": k}, float(rel))

        def refute(point, probe):
            agreed = reevaluate(lambda dps: measure(point, dps), ctx.dps, key=lambda run: run[0])
            if agreed is None:
                return swamped(str(point_text(point)))
            rel, k, a, b = agreed.value
            tol = mpmath.mpf(10) ** (-(ctx.dps - 10))
            if not rel > tol:
                return None
            return Finding(Outcome.REFUTES, (
                f"at {point_text(point)}: entry {k} of lhs is {dec(a, 15)} but rhs is "
                f"{dec(b, 15)}"), {},
                Counterexample(at=point_text(point), observed=f"lhs = {dec(a, 25)}",
                               claimed=f"== rhs = {dec(b, 25)}", tol=dec(tol, 3),
                               margin=dec(rel, 20), dps=agreed.dps,
                               note="relative difference |lhs - rhs|/(1 + max(|lhs|, |rhs|)) "
                                    f"of entry {k}; {agreed.note}",
                               replay=point_text(point)))

        draws, cross = search_draws(model.spec, boxed, ctx, 100 if ctx.quick else 500,
                                    (symbolic,), instance_key(model))
        result = search(view, evaluate, ctx.seed, draws, at=ctx.at, deadline=Deadline(ctx),
                        confirm=refute, quick=ctx.quick)
        return crossed(finish(result, model, "lhs == rhs", refute), cross)

    return Check("identity_search", Tier.PRECISE, run,
                 "Hypothesis over the box and the state region, mpmath")
