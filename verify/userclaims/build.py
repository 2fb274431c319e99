"""From parsed specs to registered-style :class:`Claim` objects, and the Python API."""

from __future__ import annotations

import importlib
from dataclasses import replace
from functools import cache, lru_cache
from pathlib import Path

import sympy as sp

from verify.checks.common import set_text
from verify.models import FAMILIES
from verify.userclaims.checks import _boxed_symbols, checks_for, set_words
from verify.userclaims.every_integer import every_integer_checks
from verify.userclaims.instances import integer_scope, over_instances
from verify.userclaims.matrices import MATRIX
from verify.userclaims.model import Model, ModelError
from verify.userclaims.parse import MAX_SWEEP, instances
from verify.userclaims.scalar import contraction_family
from verify.userclaims.spec import BadClaim, ClaimSpec
from verify.vocabulary import Check, CheckContext, Claim, Finding, Outcome, Reference, Scope, Tier

ASSERTS = {
    "cycle": "GD cycles through {points} (each point to the next){stable}",
    "threshold": "GD converges to {equilibrium} only if {step} {le} {bound}{tight}",
    "convergence": "{condition} => GD from {start} converges to {target}{otherwise}",
    "inequality": "{lhs} {relation} {rhs} on the whole box",
    "rate": "{metric}(x_t) <= {bound} for t <= {steps}",
    "trajectory": "{quantity} along the path: {form}",
    "identity": "{lhs} == {rhs} for every state and parameter",
    "limit": "{lhs} -> {rhs} as {over} -> {to}, for every other parameter of the box",
    "varies": "{lhs} is not constant in {over}, for every other parameter of the box",
    "sole_limit": "every GD run that converges ends at {equilibrium} (almost every start)",
}


def _point(values: tuple[str, ...]) -> str:
    return values[0] if len(values) == 1 else f"({', '.join(values)})"


def _asserts(spec: ClaimSpec) -> str:
    """The relation the checks test, in one line, from the kind's keys."""
    if spec.near:  # seeded starts near the model's start (verify.userclaims.near)
        sigma, until = spec.near
        return (_asserts(replace(spec, near=())) + f", from starts x_0 + s G with s = {sigma} "
                f"halved until {'; '.join(until) or 'the first try'}")
    if spec.states:
        where = "; ".join(spec.states.condition)
        return (f"{'; '.join(spec.states.relations)} at drawn states of the linear "
                f"residual network near the ZAS invariant set" + (f" where {where}" if where
                                                                  else ""))
    if spec.networks:
        where = "; ".join(spec.networks.condition)
        return (f"{'; '.join(spec.networks.relations)} at drawn residual ReLU networks "
                f"h_i = h_(i-1) + W_i [V_i^T h_(i-1) - b_i]_+, f = c^T h_L + d" + (f" where {where}" if where else ""))
    if spec.order_table:
        o = spec.order_table
        return (f"|{o.quantity}| <= {o.constant} |{o.big_o}|, i.e. O({o.big_o}) as "
                f"{o.variable} -> oo, read off {o.variable} in {set_text(o.depths)}")
    if spec.matrices:
        box = " and every parameter of the box" if spec.params else ""
        return f"{spec.lhs} {spec.relation or '=='} {spec.rhs} for matrices of every size{box}"
    if spec.kind == "rate" and spec.order:
        claimed = (f"O(t^-({spec.exponent}))" if spec.order == "sublinear"
                   else f"O(({spec.factor})^t)" if spec.factor else "O(c^t) for some c < 1")
        after = f"t >= {spec.eventually}" if spec.eventually is not None else "a transient"
        against = (f"; a proven {spec.metric} >= {spec.witness[0]} refutes it" if spec.witness
                   else "")
        return (f"{spec.metric}(x_t) = {claimed} after {after} (fitted over t <= {spec.steps})"
                + against)
    if spec.kind == "rate" and spec.optimizer.get("method") == "flow":  # t is the time
        step = spec.params[spec.step]
        return (f"{spec.metric}(x(t)) <= {spec.bound} along the gradient flow, at t = k {step}, "
                f"k = 0..{spec.steps}")
    if spec.kind == "identity" and spec.at:
        return f"{spec.lhs} == {spec.rhs} at every symmetric state (each chain's layers equal)"
    if spec.kind == "inequality" and spec.at == "state":
        return f"{spec.lhs} {spec.relation} {spec.rhs} at the state {_point(spec.point)}"
    if spec.kind == "inequality" and spec.at == "limits":
        return f"{spec.lhs} {spec.relation} {spec.rhs} at every limit of GD (step {spec.step})"
    if spec.kind == "inequality" and spec.at == "minima":
        return (f"{spec.lhs} {spec.relation} {spec.rhs} at every strict minimum of every "
                "problem whose data vary as the model states")
    if spec.kind == "inequality" and spec.at:
        where = ("the balanced minimiser" if spec.at == "balanced"
                 else "every minimiser of the model")
        return f"{spec.lhs} {spec.relation} {spec.rhs} at {where}"
    if spec.kind == "convergence" and spec.period:
        cycle = (" -> ".join(map(_point, spec.points)) if spec.points
                 else f"a {spec.period}-cycle")
        condition = f"{spec.condition} => " if spec.condition else ""
        return (f"{condition}GD from {_point(spec.start) if spec.start else 'its start'} "
                f"converges to {cycle} (least period {spec.period})"
                + (f"; otherwise {spec.otherwise}" if spec.otherwise else ""))
    return ASSERTS[spec.kind].format(
        stable={True: " (attracting)", False: " (repelling)", None: ""}[spec.stable],
        points=" -> ".join(map(_point, spec.points)), equilibrium=_point(spec.equilibrium),
        step=spec.step or "step", bound=spec.bound, tight=" (tight)" if spec.tight else "",
        le="<" if spec.strict else "<=", condition=spec.condition,
        start=_point(spec.start) if spec.start else "its start",
        target=set_words(spec) if spec.to_set else (
            f"{spec.target[0]} in every coordinate" if spec.target_every
            else _point(spec.target)),
        otherwise=f"; otherwise {spec.otherwise}" if spec.otherwise else "", lhs=_side(spec.lhs),
        relation=spec.relation, rhs=_side(spec.rhs), metric=spec.metric, steps=spec.steps,
        quantity=spec.quantity, form=_trajectory_form(spec), over=spec.over, to=spec.to)


def _side(value) -> str | None:
    """An identity's side as one line (a matrix as its rows)."""
    if isinstance(value, tuple):
        return "[" + ", ".join("[" + ", ".join(row) + "]" for row in value) + "]"
    return value


def _trajectory_form(spec: ClaimSpec) -> str:
    if spec.kind != "trajectory":
        return ""
    span = f"for t = {spec.after}..{spec.steps}"
    if spec.monotone:
        return f"{spec.monotone} {span}"
    if spec.drift:
        return f"|q(x_t) - q(x_0)| <= {spec.drift} {span}"
    return f"{spec.relation} {spec.bound} {span}"


def _hypotheses(spec: ClaimSpec) -> dict[str, str]:
    out = {"kind": spec.kind}
    if spec.derivation:
        from verify.userclaims.cite import summary

        out[f"derivation {spec.derivation}"] = summary(spec.derivation)
    if spec.states:
        out.update({f"states: {k}": str(v) for k, v in spec.states.config})
        out.update({f"define {k}": v for k, v in spec.states.define})
    if spec.networks:
        out.update({f"networks: {k}": str(v) for k, v in spec.networks.config})
    if spec.order_table:
        o = spec.order_table
        out["roots"] = "; ".join(f"{name}: {eq} = 0 in ({lo}, {hi})"
                                 for name, eq, lo, hi in o.roots) or "none"
        out["growth"] = f"refuted when the ratio rises steadily by {o.growth}"
    if spec.matrices:
        out["matrices"] = ", ".join(f"{name}: {shape}" for name, shape in spec.matrices)
    if spec.loss:
        out.update(loss=spec.loss, variables=", ".join(spec.variables), step=spec.step or "")
    if spec.model:
        out.update(model=", ".join(f"{k} = {v}" for k, v in spec.model.items()),
                   step=spec.step or "")
    for name, values in integer_scope(spec.integers).items():
        out[name] = values + " (integer)"
        if name in spec.unbounded:
            out[name] = (f">= {spec.unbounded[name]} (every integer; the instances {values} "
                         "where no proof covers every value)")
    if spec.optimizer.get("method", "gd") != "gd":
        out["optimizer"] = ", ".join(f"{k} = {v}" for k, v in spec.optimizer.items())
    if spec.schedule:
        out["schedule"] = spec.schedule
    for name, value in spec.params.items():
        out[name] = f"[{value[0]}, {value[1]}]" if isinstance(value, tuple) else f"= {value}"
        if name in spec.rays:
            out[name] = f"{spec.rays[name]} (searched in {out[name]})"
    if spec.assume:
        out["assume"] = "; ".join(spec.assume)
    for key in ("order", "exponent", "factor", "eventually", "period"):  # the newer kinds' keys
        value = getattr(spec, key)
        if value:
            out["after" if key == "eventually" else key] = str(value)
    if spec.witness:  # its derivation is listed as a cited one (verify list: a proof line)
        from verify.userclaims.cite import summary

        name = spec.witness[1].derivation
        out["witness"] = f"{spec.metric} >= {spec.witness[0]} for every t ({name})"
        out[f"derivation {name}"] = summary(name)
    if spec.at == "symmetric":
        out["points"] = "every state whose layers of each chain are equal"
    elif spec.at == "state":
        out["points"] = "the state " + _point(spec.point) + " (quantities in closed form there)"
    elif spec.at == "limits":
        out["points"] = "the limits of " + spec.limits.text()
    elif spec.at == "minima":
        out["points"] = ("strict minima off the kinks of problems with varied data, searched: "
                         + spec.minima.text())
    elif spec.at:
        out["points"] = ("the model's balanced minimiser (factorisation of its target)"
                         if spec.at == "balanced" else
                         "the model's minimisers: factorisations of its target (balanced, "
                         "rescaled, conjugated by random cores), sampled")
    if spec.kind in ("identity", "sole_limit") and (spec.variables or spec.model) and not spec.at:
        out["state region"] = f"[{spec.region[0]}, {spec.region[1]}] (the search's draws)"
    for key in ("points", "equilibrium", "start", "target"):
        value = getattr(spec, key)
        if value:
            out[key] = str([list(v) if isinstance(v, tuple) else v for v in value])
    if spec.long_orbit:
        at, steps, digits = spec.long_orbit
        out["long orbit"] = (f"{steps} steps at {digits} digits from "
                             + ", ".join(f"{name} = {value}" for name, value in at)
                             + " (certified)")
    if spec.exceptions:  # the starts the claim leaves out (with the ones landing on them)
        out["except"] = str([list(v) if isinstance(v, tuple) else v for v in spec.exceptions]) \
            + (" and their preimages" if spec.except_preimages else "")
    return out


def _error_check(message: str) -> Check:
    def run(ctx: CheckContext) -> Finding:
        return Finding(Outcome.ERROR, message)

    return Check("claim_file", Tier.SYMBOLIC, run, "validation of the claim table")


def _parts(spec: ClaimSpec) -> tuple[str, ...]:
    """A cycle claimed stable (or unstable) is two statements: the orbit, and its stability."""
    return ("orbit", "stability") if spec.kind == "cycle" and spec.stable is not None else ()


# Claims in a form of their own, whose module reads its keys and makes their checks (a function
# returning the checks and the class) and replay box (None: the parameters' box, as for the rest).
_FORMS = {
    "matrices": ("verify.userclaims.matrices", "matrix_checks", "replay_box"),
    "orders": ("verify.userclaims.orders", "order_checks", "replay_box"),
    "minima": ("verify.userclaims.minima", None, "replay_box"),
    "states": ("verify.userclaims.states", "states_checks", "replay_box"),
    "networks": ("verify.userclaims.networks", "networks_checks", "replay_box"),
    "at_state": ("verify.userclaims.at_state", "state_checks", None),
}


def _own_form(spec: ClaimSpec, what: str):
    """The function of the claim's own form that gives ``what`` ("checks" or "replay_box"), or
    None (a claim of no such form, or a form without one)."""
    form = ("matrices" if spec.matrices else "orders" if spec.order_table else
            "states" if spec.states else "networks" if spec.networks else
            "at_state" if spec.at == "state" else "minima" if spec.at == "minima" else None)
    if form is None:
        return None
    module, checks, replay_box = _FORMS[form]
    name = checks if what == "checks" else replay_box
    return None if name is None else getattr(importlib.import_module(module), name)


def _checks(spec: ClaimSpec, cite: bool = True) -> tuple[tuple[Check, ...], dict[str, str]]:
    """The claim's checks and the class it states; one exact model per integer instance."""
    if spec.derivation and cite:  # the cited derivation's check first; its statement's class
        from verify.userclaims.cite import cited

        return cited(spec, _checks(spec, cite=False))
    own = _own_form(spec, "checks")
    if own is not None:
        return own(spec)
    if not spec.integers:
        model = Model(spec)
        return checks_for(model), model.scope
    per = [(ints, Model(spec, ints)) for ints in instances(spec.integers)]
    runs = [(ints, checks_for(model)) for ints, model in per]
    names = list(dict.fromkeys(c.name for _, checks in runs for c in checks))
    combined = tuple(over_instances(name, [(ints, c) for ints, checks in runs for c in checks
                                           if c.name == name], spec.integers) for name in names)
    scope = {k: v for k, v in per[0][1].scope.items() if k not in spec.integers}
    scope.update(integer_scope(spec.integers))
    # ``L = ">= n"``: the class is every integer from n on; the proof for all of them first;
    # then checks that take the integer as a symbol: every member of its family at once
    scope.update({name: f">= {low}" for name, low in spec.unbounded.items()})
    return (every_integer_checks(spec, _boxed_symbols) + contraction_family(spec) + combined,
            dict(sorted(scope.items())))


def _replay_box(item: ClaimSpec) -> dict[str, tuple[str, str]]:
    """The names a replay (``--at``) may set, with their intervals."""
    own = _own_form(item, "replay_box")
    if own is not None:
        return own(item)
    box = {name: value for name, value in item.params.items()
           if isinstance(value, tuple) and sp.Rational(value[0]) != sp.Rational(value[1])}
    box.update({name: (str(min(values)), str(max(values)))
                for name, values in item.integers.items()})
    if item.at == "symmetric":  # the chains' common values (verify.userclaims.symmetric)
        box.update({c: tuple(item.region) for c in FAMILIES[item.model["family"]].chain_names})
    elif item.kind in ("identity", "sole_limit"):  # the search draws the state: a replay names it
        box.update(_state_box(item))
    if item.at == "limits":  # which of the seeded runs
        box["run"] = ("0", str(item.limits.runs - 1))
    if item.near:  # which run's perturbed start (verify.userclaims.near)
        box["run"] = ("0", str(MAX_SWEEP - 1))
    if item.at in ("minimisers", "balanced"):  # which of a parameter point's minimisers
        from verify.userclaims.minimisers import MAX_MINIMISERS

        box["minimiser"] = ("0", str(MAX_MINIMISERS - 1))
    if item.kind == "threshold" and item.to_set:  # ... or the minimiser's free coordinates
        box.update(_coordinate_box(item))
    return box


def _coordinate_box(spec: ClaimSpec) -> dict[str, tuple[str, str]]:
    """Every instance's free minimiser coordinates, each over the search's draws."""
    from verify.userclaims.minimiser_set import COORDS, free_coordinates

    try:
        return {label: COORDS for ints in instances(spec.integers)
                for label in free_coordinates(Model(spec, ints))}
    except Exception:  # noqa: BLE001 - the claim's checks report what is wrong with it
        return {}


def _part_checks(spec: ClaimSpec) -> tuple[tuple[Check, ...], dict[str, str], tuple[str, ...]]:
    """A multi-part claim's checks (each part's own, named ``PART.CHECK``), its class (the
    parts' boxes together) and its parts (a part with parts of its own, a stable cycle, counts
    as ``PART.orbit`` and ``PART.stability``).  A part's proof on its own whole box proves that
    part on the whole claim's class (a part speaks only of its own parameters), so its coverage
    is restated on the claim's class, tagged with the part."""
    per = [(name, part, *_checks(part)) for name, part in spec.parts]
    texts: dict[str, dict[str, str]] = {}
    for name, _, _, scope in per:
        for key, value in scope.items():
            texts.setdefault(key, {})[name] = value
    claim_scope = {key: next(iter(v.values())) if len(set(v.values())) == 1
                   else "; ".join(f"{value} (part {name})" for name, value in v.items())
                   for key, v in sorted(texts.items())}
    checks, parts = [], []
    for name, part, own, scope in per:
        inner = _parts(part)
        parts += [f"{name}.{p}" for p in inner] or [name]
        checks += [replace(c, name=f"{name}.{c.name}", scope=f"part {name}: {c.scope}",
                           run=_as_part(c.run, name, scope, claim_scope)) for c in own]
    return tuple(checks), claim_scope, tuple(parts)


def _as_part(run, name: str, own: dict[str, str], claim_scope: dict[str, str]):
    """``run`` whose declared coverage is tagged with the part ``name``."""

    def tagged(ctx: CheckContext) -> Finding:
        finding = run(ctx)
        cov = finding.coverage
        if cov is None:
            return finding
        whole = cov.scope is Scope.CLASS and dict(cov.covers) == dict(own)
        return replace(finding, coverage=replace(
            cov, covers=claim_scope if whole else cov.covers, decides=False,
            part=f"{name}.{cov.part}" if cov.part else name))

    return tagged


def _state_box(spec: ClaimSpec) -> dict[str, tuple[str, str]]:
    """Every instance's state coordinates, each over the identity's ``region``."""
    family = FAMILIES[(spec.model or {}).get("family", "expression")]
    table = spec.model or {"loss": spec.loss, "variables": spec.variables}
    return {label: tuple(spec.region) for ints in instances(spec.integers)
            for label in family.state(table, ints).labels}


def claim_from_spec(item: ClaimSpec | BadClaim, source: str | None = None) -> Claim:
    """A :class:`Claim` for one table; a bad table becomes a claim whose one check errors."""
    paper = "user"
    if isinstance(item, BadClaim):
        return Claim(id=item.id, ref=Reference(paper, source or "claim file"),
                     statement="(this claim table could not be used)", hypotheses={},
                     asserts="-", checks=(_error_check(item.message),), source=source)
    if item.kind == "parts":
        return _parts_claim(item, source)
    scope = None
    try:
        checks, scope = _checks(item)
    except ModelError as exc:  # the message names the claim and the key
        checks = (_error_check(str(exc)),)
    except Exception as exc:  # the parser validated it; a model failure is still reported
        checks = (_error_check(f"claim '{item.id}': {type(exc).__name__}: {exc}"),)
    box = _replay_box(item)
    return Claim(id=item.id, ref=Reference(paper, source or "python"),
                 statement=item.statement or _asserts(item), hypotheses=_hypotheses(item),
                 asserts=_asserts(item), checks=checks, source=source, replay_box=box,
                 scope=scope, parts=_parts(item))


def _parts_claim(item: ClaimSpec, source: str | None) -> Claim:
    """The claim of a multi-part spec: every part's checks; refuted when one part is, confirmed
    when all are, as strong as its weakest part (:func:`verify.vocabulary.strength`)."""
    scope, parts = None, ()
    try:
        checks, scope, parts = _part_checks(item)
    except ModelError as exc:
        checks = (_error_check(str(exc)),)
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        checks = (_error_check(f"claim '{item.id}': {type(exc).__name__}: {exc}"),)
    box: dict[str, tuple[str, str]] = {}
    for _, part in item.parts:  # a name two parts share replays over the hull of their boxes
        for key, (lo, hi) in _replay_box(part).items():
            if lo == MATRIX:  # a matrix of free size: any matrix value (its part checks it)
                box[key] = (lo, hi)
                continue
            old = box.get(key, (lo, hi))
            box[key] = (min(old[0], lo, key=sp.Rational), max(old[1], hi, key=sp.Rational))
    hypotheses = {f"{name}: {k}": v for name, part in item.parts
                  for k, v in _hypotheses(part).items()}
    asserts = "; ".join(f"[{name}] {_asserts(part)}" for name, part in item.parts)
    return Claim(id=item.id, ref=Reference("user", source or "python"),
                 statement=item.statement or asserts, hypotheses=hypotheses, asserts=asserts,
                 checks=checks, source=source, replay_box=box, scope=scope, parts=parts)


def claims_from_file(path: str | Path) -> list[Claim]:
    """Every claim of a claim file (bad tables become error claims).

    Raises:
        ClaimFileError: the file cannot be used at all.
    """
    from verify.userclaims.parse import load_claims

    return [claim_from_spec(item, str(path)) for item in load_claims(path)]


@lru_cache(maxsize=None)
def claims_from_paper(path: str) -> tuple[Claim, ...]:
    """Every claim of a paper data file, in file order, referenced as the paper's own.

    A bad table becomes a claim whose one check errors (as in a claim file); the registry's
    tests assert that no paper file holds one.  Cached: the registry asks for them often.

    Raises:
        ClaimFileError: the file cannot be used at all.
    """
    from verify.userclaims.paperfile import load_paper

    paper = load_paper(path)
    return tuple(_paper_claim(paper.key, paper.url, entry) for entry in paper.claims)


@cache
def claim_from_paper(path: str, index: int, digest: str) -> Claim:
    """Claim ``index`` of a paper data file whose claim ids are valid and distinct and whose
    bytes hash to ``digest``, built alone: the claim ``claims_from_paper(path)[index]`` would
    be, without building the file's others (a pool's worker builds only the claims it runs; a
    paper file holds up to 23).

    Raises:
        ClaimFileError: the file cannot be used at all, or changed (see
            :func:`verify.userclaims.paperfile.load_paper_claim`).
        IndexError: the file has no claim ``index``.
    """
    from verify.userclaims.paperfile import load_paper_claim

    return _paper_claim(*load_paper_claim(path, index, digest))


def _paper_claim(key: str, url: str, entry) -> Claim:
    """The claim of a paper file's parsed table ``entry``, referenced as the paper's own."""
    claim = claim_from_spec(entry.item)
    ref = Reference(key, entry.where or "paper file (bad table)", url)
    if isinstance(entry.item, BadClaim):
        return replace(claim, ref=ref)
    return replace(claim, ref=ref, control=entry.control, amends=entry.amends,
                   amend_reason=entry.amend_reason, caveat=entry.caveat,
                   not_checkable=entry.not_checkable or None,
                   scope=dict(entry.scope) if entry.scope is not None else claim.scope)
