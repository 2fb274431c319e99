"""A threshold at every point of a model's minimiser set (``equilibrium = "minimisers"``).

Nar & Sastry (2018), talk slides, "Lyapunov Stability of Gradient Descent, Proposition" (also
Section 2 of the paper): for the chain 1/2 (w_L ... w_1 - lam)^2, convergence to a minimiser
{w_i*} needs delta <= 2 / sum_i (lam/w_i*)^2.  A threshold claim names the minimiser set as its
equilibrium where the model family writes that set in closed form (``deep_linear`` of width 1:
(R/(w_2 ... w_L), w_2, ..., w_L) with R != 0 and w_2..w_L nonzero,
:meth:`verify.models.deep_linear.DeepLinear.minimiser_point`); its bound speaks of the
minimiser's coordinates as ``w[i]``, a pattern over the chain's L coordinates: ``w[1]`` (a
literal index, 1..L) or ``w[i]`` inside ``Sum(..., (i, 1, L))`` (the index ``i`` is bound by that
Sum only).

* Each depth is an instance: the kind's checks run at the generic minimiser (SymPy with
  w_2..w_L symbols; the search draws them from :data:`COORDS`).
* Every depth at once (``integers = { L = ">= n" }``): :func:`every_depth_proof`.  On the
  minimiser set H = g g^T with g_i = R/w_i (:func:`proofs.chains.rank_one_facts`), whose one
  nonzero eigenvalue is sum_i (R/w_i)^2, so above 2/sum_i (R/w_i)^2 GD's Jacobian has an
  eigenvalue below -1; the claimed bound, L = n + N symbolic, is compared with that threshold
  (equal, or a constant >= 1 times it for a claim neither tight nor strict).  A bound free of
  the coordinates (one step for the whole set) is compared with the largest threshold over the
  set, 2/(L |R|^(2(L-1)/L)) at |w_i| = |R|^(1/L) (AM-GM, :func:`proofs.chains.
  balanced_sup_facts`; Nar & Sastry's delta_max, the paragraph after Proposition 1).  H is singular for
  L >= 2, so ``tight`` and ``strict`` (attraction below the bound, the equality case) are left
  undecided: linearisation cannot decide them.
"""

from __future__ import annotations

import sympy as sp

from proofs.chains import balanced_sup_facts, rank_one_facts
from proofs.expressions import parse
from verify.userclaims.model import Box
from verify.vocabulary import Coverage, Finding, Outcome, Scope

INDEX = "i"  # the coordinate index of a bound's pattern, bound by Sum(..., (i, 1, L))
COORDS = ("1/2", "2")  # the search draws the minimiser's free coordinates w_2..w_L from here


def index_symbols(layer: str) -> dict[str, sp.Basic]:
    """What a bound at the minimiser set may name besides the parameters: ``layer[...]``, the
    minimiser's coordinates, and the index ``i``."""
    return {layer: sp.IndexedBase(layer), INDEX: sp.Symbol(INDEX, integer=True)}


def pattern_problem(value: sp.Expr, layer: str, depth: sp.Basic, lowest: int) -> str | None:
    """What is wrong with a bound's coordinate pattern (None: nothing): ``layer`` only as
    ``layer[k]``, k a literal in 1..``lowest`` (the smallest depth) or the index ``i``, and
    ``i`` only inside ``Sum(..., (i, 1, depth))``."""
    base, index = sp.IndexedBase(layer), sp.Symbol(INDEX, integer=True)
    sums = list(value.atoms(sp.Sum))
    for s in sums:
        for limit in s.limits:
            if limit[0] == index and (len(limit) != 3 or limit[1] != 1 or limit[2] != depth):
                return f"the index {INDEX} runs over Sum(..., ({INDEX}, 1, {depth})) only"
    bound_inside = {a for s in sums if any(lim[0] == index for lim in s.limits)
                    for a in s.function.atoms(sp.Indexed)}
    for item in value.atoms(sp.Indexed):
        if item.base != base or len(item.indices) != 1:
            return f"{item}: a coordinate is {layer}[k], one index"
        k = item.indices[0]
        if k == index:
            if item not in bound_inside:
                return f"{item} outside Sum(..., ({INDEX}, 1, {depth}))"
        elif not (k.is_Integer and 1 <= k <= lowest):
            return f"{item}: the index is {INDEX} or a literal in 1..{lowest}"
    if base.label in value.xreplace({item: sp.Integer(1)
                                     for item in value.atoms(sp.Indexed)}).free_symbols:
        return f"{layer} appears without an index ({layer}[k])"
    if index in value.replace(lambda e: isinstance(e, sp.Sum),
                              lambda e: sp.Integer(1)).free_symbols:
        return f"the index {INDEX} appears outside Sum(..., ({INDEX}, 1, {depth}))"
    return None


def bound_at(model) -> sp.Expr:
    """The claim's bound at the model's generic minimiser (one instance: a concrete depth)."""
    spec = model.spec
    value = model.pin(model.expr(spec.bound, index_symbols(model.family.layer_name),
                                 check=False)).doit()
    point = minimiser_point(model)
    return value.replace(lambda e: isinstance(e, sp.Indexed),
                         lambda e: point[int(e.indices[0]) - 1])


def minimiser_point(model) -> tuple[sp.Expr, ...]:
    """The generic minimiser of one instance, the pinned parameters substituted."""
    point = model.family.minimiser_point(model.family_spec, model.state, model.params)
    return tuple(model.pin(c) for c in point)


def free_coordinates(model) -> list[str]:
    """The labels of the minimiser's free coordinates (w_2..w_L): the search draws them."""
    free = set().union(*(sp.sympify(c).free_symbols for c in minimiser_point(model)))
    return [label for label, v in zip(model.state.labels, model.vars) if v in free]


def every_depth_proof(spec, ends: dict[str, str], depth: sp.Expr, symbols: dict,
                      scope: dict[str, str]) -> Finding:
    """The threshold at the chain's minimiser set for every depth L = n + N (N >= 0 an integer
    symbol): the rank-one Hessian (see the module docstring).  ``symbols``: each parameter's
    name -> its pinned value, or a symbol with the signs of its box; ``scope``: the claim's
    class (what a proof covers)."""
    if spec.model.get("family") != "deep_linear" or spec.model.get("width", 1) != 1:
        return Finding(Outcome.UNDECIDED, "the every-depth argument is the scalar chain's "
                       "(deep_linear, width 1)")
    facts = rank_one_facts()
    numbers = {k: str(ok) for k, ok in facts.items()}
    if not all(facts.values()):
        return Finding(Outcome.UNDECIDED, "SymPy did not prove "
                       + ", ".join(k for k, ok in facts.items() if not ok), numbers)
    layer = "w"
    name = spec.model["depth"]
    symbols = {**symbols, **index_symbols(layer), name: depth}
    target = parse(spec.model["target"], symbols)
    if not target.is_nonzero:
        return Finding(Outcome.UNDECIDED, f"the target {spec.model['target']} is not proven "
                       "nonzero on the box (at 0 the minimisers are the chains with a zero "
                       "weight, where the closed form fails)", numbers)
    w, i = sp.IndexedBase(layer), sp.Symbol(INDEX, integer=True)
    threshold = 2 / sp.Sum((target / w[i]) ** 2, (i, 1, depth))
    claimed = parse(spec.bound, symbols)
    uniform = not claimed.has(sp.Indexed)  # one bound for the whole set: its supremum decides
    if uniform:
        sup = balanced_sup_facts()
        numbers.update({k: str(ok) for k, ok in sup.items()})
        if not all(sup.values()):
            return Finding(Outcome.UNDECIDED, "SymPy did not prove "
                           + ", ".join(k for k, ok in sup.items() if not ok), numbers)
        threshold = 2 / (depth * sp.Abs(target) ** (2 * (depth - 1) / depth))
    ratio = sp.simplify(claimed / threshold)
    numbers["bound / (2 / (L |R|^(2(L-1)/L)))" if uniform
            else "bound / (2 / sum_i (R/w_i)^2)"] = str(ratio)
    if spec.tight or spec.strict:
        return Finding(Outcome.UNDECIDED, "H = g g^T is singular on the minimiser set (L >= "
                       "2): attraction below the bound (tight) or at it (strict) is not decided "
                       "by linearisation", numbers)
    if not (ratio == 1 or (ratio.is_number and ratio > 1)):
        return Finding(Outcome.UNDECIDED, f"bound / (2/sum_i (R/w_i)^2) = {ratio} is not "
                       "proven >= 1 (a constant)", numbers)
    every = " and ".join(f"{k} {v}" for k, v in ends.items())
    times = "equal to" if ratio == 1 else f"{ratio} times"
    above = (f"{times} the largest of them, 2/(L |R|^(2(L-1)/L)) (AM-GM: the L terms "
             "(R/w_i)^2 have the product R^(2(L-1)); equality at |w_i| = |R|^(1/L))"
             if uniform else f"{times} 2/lambda_max")
    return Finding(Outcome.SUPPORTS, (
        f"for every {every} ({name} = n + N, N a nonnegative integer symbol) and every "
        "parameter of the box, at every minimiser: H = g g^T with g_i = R/w_i (second "
        "derivatives of 1/2 (w_i w_j Q - R)^2), its largest eigenvalue sum_i (R/w_i)^2; for "
        f"every step above the bound, {above}, I - step H has an eigenvalue below -1: the "
        "minimiser repels"),
        numbers, coverage=Coverage(Scope.CLASS, dict(sorted(scope.items()))))


class WithCoordinates:
    """The claim's model seen by :func:`verify.userclaims.search.search` with the minimiser's
    free coordinates ``labels`` added to the box (each over :data:`COORDS`)."""

    def __init__(self, model, labels: list[str]):
        lo, hi = (sp.Rational(v) for v in COORDS)
        self.model = model
        self.box = Box({**model.box.free, **{label: (lo, hi) for label in labels}},
                       model.box.pinned)
        self.free_names = model.free_names + labels

    def assumptions_hold(self, values) -> bool:
        return self.model.assumptions_hold({n: values[n] for n in self.model.free_names
                                            if n in values})
