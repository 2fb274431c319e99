"""An identity at a layered model's symmetric states (``at = "symmetric"``).

Nar & Sastry (2018), Section 3.2, eqs. (9a), (9b): from w_i = z_i = 1 GD on the double chain
keeps every layer of a chain equal, w[k+1] = w[k] - delta sigma w^(L-1)[k] e[k] (and (9b));
Propositions 2 and 3 rest on the same reduction of the scalar chain.  A claim states it as an
identity over the states whose layers of each chain share one value: the chain's name (``w``,
and ``z`` for the ``double_network``) is that value, ``gd_w`` (``gd_z``) the GD update of each
of its layers, and lhs == rhs is claimed at every such state and parameter value.  Families:
the layered ones of width 1 (``deep_linear``, ``linear_resnet``, ``double_network``).

* Each instance (a concrete depth): :func:`symmetric_identity` takes the model's own GD map,
  evaluates every layer's update at the symmetric state and proves lhs == rhs for each layer
  (SymPy, exact, the whole box), or refutes at a rational point where a difference is not 0.
* Every depth (``integers = { L = ">= n" }``): :func:`every_depth_proof` with L = n + N symbolic:
  a layer enters the loss only through its chain's product, the same for every layer
  (:meth:`verify.models.chain.Chain.symmetric_updates`), and lhs - rhs is shown to be 0.
"""

from __future__ import annotations

import itertools

import sympy as sp

from proofs.expressions import parse
from proofs.identities import prove_zero
from verify.models import FAMILIES
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

AT = "symmetric"
# the values tried, in turn, for a chain's common value when a difference is looked for
TRIALS = ("1/2", "3/2", "-1", "2")


def names(family) -> dict[str, sp.Basic]:
    """The names a side may use besides the parameters: each chain's common value and its
    layers' update ``gd_`` + name (a placeholder until the update is known)."""
    return {**{c: sp.Symbol(c, real=True) for c in family.chain_names},
            **{f"gd_{c}": sp.Symbol(f"gd_{c}", real=True) for c in family.chain_names}}


def _sides(spec, symbols: dict[str, sp.Basic]) -> list[sp.Expr]:
    """lhs - rhs entry by entry, the sides parsed with ``symbols``."""
    def side(value) -> sp.Matrix:
        if isinstance(value, tuple):
            return sp.Matrix([[parse(v, symbols) for v in row] for row in value])
        parsed = parse(value, symbols)
        return sp.Matrix(parsed) if isinstance(parsed, sp.MatrixBase) else sp.Matrix([[parsed]])
    lhs, rhs = side(spec.lhs), side(spec.rhs)
    if rhs.shape == (1, 1) and lhs.shape != (1, 1) and rhs[0, 0] == 0:
        rhs = sp.zeros(*lhs.shape)
    return list(lhs - rhs)


def symmetric_identity(model) -> Check:
    """One instance: every layer's update from the model's GD map at the symmetric state."""
    spec, family = model.spec, model.family
    chains = family.chain_names
    value = names(family)
    depth = family.depth(model.family_spec, model.state)
    coords = {c: model.vars[k * depth:(k + 1) * depth] for k, c in enumerate(chains)}
    at_state = {x: value[c] for c in chains for x in coords[c]}
    step = model.step

    def differences(layer: int) -> list[sp.Expr]:
        symbols = {**model.params, **value,
                   **{f"gd_{c}": (coords[c][layer] - step * sp.diff(model.loss, coords[c][layer])
                                  ).subs(at_state) for c in chains}}
        return [model.pin(d) for d in _sides(spec, symbols)]

    def run(ctx: CheckContext) -> Finding:
        if ctx.at is not None:
            return _at_point(ctx, differences, model, chains)
        for layer in range(depth):
            for d in differences(layer):
                if prove_zero(sp.expand(d)) is True:
                    continue
                found = _witness(d, model, chains, ctx, layer)
                if found is not None:
                    return found
                return Finding(Outcome.UNDECIDED, f"layer {layer + 1}: SymPy did not show "
                               "lhs - rhs = 0, and no rational point tried made it nonzero")
        return Finding(Outcome.SUPPORTS, f"SymPy: lhs == rhs at every symmetric state, for "
                       f"the update of each of the {depth} layers of "
                       + " and ".join(chains), {"layers": str(depth)},
                       coverage=model.coverage(Scope.CLASS))

    return Check("identity_symmetric", Tier.SYMBOLIC, run,
                 "SymPy, the model's GD map at the symmetric states, every layer")


def _point(model, chains, choice: tuple[str, ...]) -> dict[str, sp.Rational]:
    """A rational point: each free parameter at its box's midpoint, the chains' values."""
    out = {n: (lo + hi) / 2 for n, (lo, hi) in model.box.free.items()}
    out.update({c: sp.Rational(v) for c, v in zip(chains, choice)})
    return out


def _value(d: sp.Expr, model, point: dict[str, sp.Rational]) -> sp.Expr:
    subs = {model.params[n]: v for n, v in point.items() if n in model.params}
    subs.update({sp.Symbol(n, real=True): v for n, v in point.items() if n not in model.params})
    return sp.nsimplify(sp.simplify(d.subs(subs)))


def _refutes(model, point, value, layer: int, ctx: CheckContext) -> Finding:
    at = {k: str(v) for k, v in point.items()}
    return Finding(Outcome.REFUTES, f"at {at}: lhs - rhs = {value} for layer {layer + 1} "
                   "(exact)", {}, Counterexample(
                       at={**at, "layer": str(layer + 1)}, observed=f"lhs - rhs = {value}",
                       claimed="0", tol="0", margin=str(value), dps=ctx.dps,
                       note="SymPy, exact at the rational point", replay=at))


def _witness(d: sp.Expr, model, chains, ctx: CheckContext, layer: int) -> Finding | None:
    for choice in itertools.product(TRIALS, repeat=len(chains)):
        point = _point(model, chains, choice)
        value = _value(d, model, point)
        if value.is_number and value != 0:
            return _refutes(model, point, value, layer, ctx)
    return None


def _at_point(ctx: CheckContext, differences, model, chains) -> Finding:
    """A replay: every layer's difference at the ``--at`` point, exactly."""
    point = _point(model, chains, ("1",) * len(chains))
    point.update({k: sp.Rational(str(v)) for k, v in ctx.at.items()})
    for layer in range(model.family.depth(model.family_spec, model.state)):
        for d in differences(layer):
            value = _value(d, model, point)
            if value != 0:
                return _refutes(model, point, value, layer, ctx)
    return Finding(Outcome.SUPPORTS, f"lhs == rhs at {dict(ctx.at)} for every layer (exact)")


def every_depth_proof(spec, ends: dict[str, str], depth: sp.Expr, symbols: dict[str, sp.Basic],
                      scope: dict[str, str]) -> Finding:
    """Every depth L = n + N: each chain's layers share the update of
    :meth:`~verify.models.chain.Chain.symmetric_updates`, and lhs - rhs is 0 entry by entry.
    ``symbols``: each parameter's name -> its pinned value, or a symbol with its box's signs."""
    from verify.userclaims.every_integer import sign_proven

    family = FAMILIES[spec.model["family"]]
    value = names(family)
    name = spec.model["depth"]
    symbols = {**symbols, name: depth}
    updates = family.symmetric_updates(spec.model, {c: value[c] for c in family.chain_names},
                                       depth, symbols[spec.step], symbols)
    diffs = _sides(spec, {**symbols, **value, **{f"gd_{c}": u for c, u in updates.items()}})
    open_ = [i for i, d in enumerate(diffs) if not sign_proven(d, "==")]
    numbers = {"entries": str(len(diffs))}
    if open_:
        return Finding(Outcome.UNDECIDED, f"SymPy could not show lhs == rhs for every "
                       f"{name} (entry {open_[0]}); the instances decide", numbers)
    every = " and ".join(f"{k} {v}" for k, v in ends.items())
    return Finding(Outcome.SUPPORTS, (
        f"for every {every} ({name} = n + N, N a nonnegative integer symbol) and every "
        "parameter of the box: a layer enters the loss only through its chain's product "
        f"(x_i + offset) (v + offset)^({name} - 1), the same for every layer, so each chain's "
        "layers share one update and lhs == rhs at every symmetric state"), numbers,
        coverage=Coverage(Scope.CLASS, dict(sorted(scope.items()))))
