"""Reading a claim file: TOML ``[[claim]]`` tables -> :class:`ClaimSpec` (or :class:`BadClaim`).

Two levels of failure:

* the file cannot be used at all (unreadable, not UTF-8, TOML syntax, no ``[[claim]]`` array of
  tables, zero claims, unknown top-level keys): :class:`ClaimFileError`, the CLI exits 2;
* one table is wrong (missing/unknown key, wrong type, expression that does not parse, undeclared
  symbol, ...): a :class:`BadClaim` for that table, the other tables are still parsed.

A table is checked in a fixed order (id, kind, unknown keys, statement, params, step, variables,
loss, assume, then the kind's own keys) and the first problem found is reported, as
``claim 'ID': key 'KEY': problem`` (``claim #N`` when the id is missing or invalid).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

import sympy as sp
from sympy.core.relational import Relational
from sympy.logic.boolalg import BooleanAtom

from proofs import expressions as _expressions
from proofs.expressions import ExpressionError, parse, real_symbol
from proofs.matrix_claims import SPECTRAL, MatrixError
from proofs.matrix_claims import statement as matrix_statement
from verify.models import FAMILIES, FamilyError
from verify.models.base import MAX_COORDS, State, shaped_name
from verify.models.quantities import derivative_names, placeholders, second_order_names
from verify.userclaims.draws import DrawError, expand_model
from verify.userclaims.minima import is_vary
from verify.userclaims.minimiser_set import INDEX, index_symbols, pattern_problem
from verify.userclaims.spec import (
    INFINITIES,
    KINDS,
    METHODS,
    MONOTONE,
    ORDERS,
    OTHERWISE,
    RELATIONS,
    BadClaim,
    ClaimFileError,
    ClaimSpec,
)

MAX_STEPS = 10**6

COMMON_KEYS = ("id", "statement", "kind", "loss", "variables", "step", "params", "assume",
               "model", "integers", "optimizer", "schedule", "matrices")
KIND_KEYS = {
    "cycle": ("points", "stable"),
    "threshold": ("equilibrium", "bound", "tight", "strict"),
    "convergence": ("start", "condition", "target", "otherwise", "period", "points", "except",
                    "exact_orbit", "except_preimages", "long_orbit", "sweep", "land",
                    "derivation"),
    "inequality": ("lhs", "rhs", "relation", "at", "fraction", "state", "derivation",
                   "limits", "minima"),
    "rate": ("start", "metric", "bound", "steps", "order", "exponent", "factor", "after",
             "witness", "sweep", "derivation", "near", "figure"),
    "trajectory": ("start", "quantity", "steps", "after", "relation", "bound", "monotone",
                   "drift", "derivation"),
    "identity": ("lhs", "rhs", "region", "at", "derivation"),
    "limit": ("lhs", "tends", "to", "rhs"),
    "varies": ("lhs", "in"),
    "sole_limit": ("equilibrium", "region"),
}
# A multi-part claim: the keys its parts share (each part may override them) and its limits.
SHARED_KEYS = ("loss", "variables", "step", "params", "assume", "model", "integers", "optimizer",
               "schedule", "matrices", "networks")
# A claim over matrices of free size (key ``matrices``) takes only these keys.
MATRIX_KEYS = ("id", "statement", "kind", "matrices", "params", "assume", "loss", "variables",
               "step", "lhs", "rhs")
MAX_PARTS = 8
_PART_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,39}\Z")
MAX_EXCEPTIONS = 16  # entries of a convergence claim's ``except`` list
MAX_PERIOD = 8  # the longest cycle a convergence claim may name (periods 2..8)
MIN_FIT_POINTS = 10  # a fitted rate needs at least this many steps in its tail
MAX_INSTANCES = 8  # values of all integer parameters together (each is checked exactly)
MAX_INTEGER = 12
# ``L = ">= n"``: every integer from n on; checked on n..n+4 where no proof covers every value.
UNBOUNDED_INSTANCES = 5
_UNBOUNDED = re.compile(r"\s*>=\s*(\d{1,3})\s*")
# Names a rate claim gives a meaning of its own: they cannot be variables or parameters there.
RATE_RESERVED = ("t", "metric0", "loss")

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Claim ids end up in file names, HTML and printed shell commands: a small safe alphabet only.
_CLAIM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}\Z")
# Python keywords plus the names an expression may call (shadowing them would break e.g. sqrt(x)).
_RESERVED_NAMES = frozenset(
    {"and", "or", "not", "if", "else", "for", "in", "is", "lambda", "None", "True", "False",
     "def", "class", "return", "import", "from", "as", "with", "while", "pass", "del", "global",
     "nonlocal", "assert", "break", "continue", "try", "except", "finally", "raise", "yield",
     "async", "await", "elif", *INFINITIES}
    | set(_expressions.ALLOWED_FUNCTIONS) | set(SPECTRAL)
)
# A rational written as a string: "1/3", "-0.25", "1e-3", "3/4e2" is not accepted (exponent only
# on the numerator).  The exponent is capped so that a typo cannot ask for 10**(10**9).
_RATIONAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?(\d{1,4}))?(/\d+)?\Z")
_MAX_EXPONENT = 400


class _Bad(Exception):
    """A problem with one key of one table (internal: turned into a BadClaim)."""

    def __init__(self, key: str, problem: str):
        super().__init__(problem)
        self.key = key
        self.problem = problem


# ---------------------------------------------------------------------------------------------
# The file level


def load_claims(path: str | Path) -> list[ClaimSpec | BadClaim]:
    """Read and parse the claim file at ``path``.

    Raises:
        ClaimFileError: the file cannot be read (missing, a directory, not UTF-8) or cannot be
            used at all (see :func:`parse_claims`).
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as exc:
        raise ClaimFileError(f"{path}: cannot read the claim file: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ClaimFileError(f"{path}: the claim file is not UTF-8 text: {exc}") from None
    return parse_claims(text, source=str(path))


def parse_claims(text: str, source: str = "<string>") -> list[ClaimSpec | BadClaim]:
    """Parse the text of a claim file; one entry per ``[[claim]]`` table, in file order.

    Raises:
        ClaimFileError: TOML syntax error (with tomllib's line/column), no ``[[claim]]`` array of
            tables, zero claims, or top-level keys other than ``claim``.
    """
    document = read_document(text, source)
    first_use: dict[str, int] = {}
    return [_parse_one(table, number, first_use)
            for number, table in enumerate(claim_tables(document, source), start=1)]


def read_document(text: str, source: str) -> dict[str, Any]:
    """The TOML document of a claim (or paper) file.

    Raises:
        ClaimFileError: not text, a TOML syntax error (with tomllib's line/column).
    """
    if not isinstance(text, str):
        raise ClaimFileError(f"{source}: expected the file's text, got {type(text).__name__}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimFileError(f"{source}: TOML syntax error: {exc}") from None
    except (RecursionError, ValueError) as exc:  # pathological nesting and the like
        raise ClaimFileError(f"{source}: cannot parse as TOML: {exc}") from None


def claim_tables(document: dict[str, Any], source: str,
                 top: tuple[str, ...] = ("claim",)) -> list[dict[str, Any]]:
    """The ``[[claim]]`` tables of a document whose top-level keys must all be in ``top``.

    Raises:
        ClaimFileError: no ``[[claim]]`` array of tables, zero claims, other top-level keys.
    """
    others = [k for k in document if k not in top]
    if "claim" not in document:
        hint = f" (found top-level key(s) {', '.join(map(repr, others))})" if others else ""
        raise ClaimFileError(f"{source}: no [[claim]] tables{hint}")
    if others:
        holds = " and ".join(f"[{k}]" if k != "claim" else "[[claim]] tables" for k in top)
        raise ClaimFileError(
            f"{source}: unknown top-level key(s) {', '.join(map(repr, others))}; "
            f"a {'claim' if top == ('claim',) else 'paper'} file holds only {holds}")
    tables = document["claim"]
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise ClaimFileError(
            f"{source}: 'claim' must be an array of tables ([[claim]]), "
            f"got {_describe(tables)}")
    if not tables:
        raise ClaimFileError(f"{source}: the file holds zero claims")
    return tables


def valid_claim_id(value: Any) -> bool:
    """Whether ``value`` is a claim id the parser accepts (a string of the id pattern)."""
    return isinstance(value, str) and _CLAIM_ID.match(value) is not None


def _parse_one(table: dict[str, Any], number: int,
               first_use: dict[str, int]) -> ClaimSpec | BadClaim:
    raw_id = table.get("id")
    valid_id = valid_claim_id(raw_id)
    label = f"claim {raw_id!r}" if valid_id else f"claim #{number}"
    bad_id = raw_id if valid_id else f"claim #{number}"

    def bad(key: str, problem: str) -> BadClaim:
        shown = f"key {key!r}" if key else "table"
        return BadClaim(id=bad_id, key=key, message=f"{label}: {shown}: {problem}")

    if "id" not in table:
        return bad("id", "missing required key (a non-empty string, unique in the file)")
    if not valid_id:
        return bad("id", "must be a non-empty string of at most 100 letters, digits and "
                         f"'_.:-' starting with a letter or digit, got {_describe(raw_id)}")
    if raw_id in first_use:
        return bad("id", f"duplicate id, first used by claim #{first_use[raw_id]}")
    first_use[raw_id] = number
    try:
        return _validate(table, raw_id)
    except _Bad as exc:
        return bad(exc.key, exc.problem)
    except Exception as exc:  # noqa: BLE001 - a claim file must never crash the run
        return bad("", f"unexpected error while validating: {type(exc).__name__}: {exc}")


# ---------------------------------------------------------------------------------------------
# One table


def _validate(table: dict[str, Any], claim_id: str) -> ClaimSpec:
    if "part" in table:
        return _validate_parts(table, claim_id)
    # kind, then keys (the allowed keys depend on the kind)
    if "kind" not in table:
        raise _Bad("kind", f"missing required key (one of {', '.join(KINDS)})")
    kind = table["kind"]
    if not isinstance(kind, str) or kind not in KINDS:
        raise _Bad("kind", f"unknown kind {_short(kind)}; expected one of {', '.join(KINDS)}")
    if "matrices" in table:
        return _matrix_claim(table, claim_id, kind)
    if table.get("at") == "states":
        return _states_claim(table, claim_id, kind)
    if table.get("at") == "networks":
        return _networks_claim(table, claim_id, kind)
    if kind == "order":
        return _order_claim(table, claim_id)
    allowed = set(COMMON_KEYS) | set(KIND_KEYS[kind])
    for key in table:
        if key not in allowed:
            other = [k for k, keys in KIND_KEYS.items() if key in keys]
            why = (f"not used by kind {kind!r} (it belongs to {', '.join(other)})" if other
                   else "unknown key (typo?)")
            raise _Bad(key, f"{why}; allowed keys for {kind!r}: {', '.join(sorted(allowed))}")

    statement = table.get("statement", "")
    if not isinstance(statement, str):
        raise _Bad("statement", f"must be a string, got {_describe(statement)}")

    has_model = "model" in table
    for key in ("loss", "variables"):
        if has_model and key in table:
            raise _Bad(key, "a claim with a 'model' table takes its loss and state from the "
                            "model; remove this key (or the model table)")
    has_loss = "loss" in table or has_model
    if kind not in PARAMETER_KINDS and not has_loss:
        raise _Bad("loss", f"missing required key (kind {kind!r} needs a loss or a model)")

    params, rays = _params(table.get("params", {}), kind)
    integers, unbounded = _integers(table.get("integers", {}), params, kind)
    step = _step(table, params, required=has_loss and kind not in ("identity", "inequality"),
                 rays=rays)
    variables = () if has_model else _variables(table, params, kind, required=has_loss)

    param_symbols = {name: real_symbol(name, positive=(name == step)) for name in params}
    param_symbols.update({name: sp.Symbol(name, integer=True, positive=True)
                          for name in integers})
    model_spec = _model(table["model"], param_symbols, integers) if has_model else None
    if model_spec and "vary" in model_spec and not (kind == "inequality"
                                                    and table.get("at") == "minima"):
        raise _Bad(f"model.{next(iter(model_spec['vary']))}",
                   "a varied datum ({ vary, shape }) goes with kind = \"inequality\", at = "
                   "\"minima\" (the search over the minima of every such problem)")
    states = _states(model_spec, variables, integers)
    var_symbols = {name: obj for state in states for name, obj in state.names.items()}
    all_symbols = {**param_symbols, **var_symbols}
    ctx = _Context(param_symbols, var_symbols, states)

    loss = loss_expr = None
    if has_loss and not has_model:
        loss, loss_expr = _expression(table["loss"], "loss", all_symbols, ctx,
                                      where="the variables and the parameters")
    if has_model:  # the model's loss (first instance) for the keys that name `loss`
        loss_expr = FAMILIES[model_spec["family"]].loss(model_spec, states[0], param_symbols)
    optimizer = _optimizer(table.get("optimizer", {"method": "gd"}), ctx, kind)
    schedule = None
    if "schedule" in table:
        if kind not in ("convergence", "rate", "trajectory"):
            raise _Bad("schedule", f"kind {kind!r} speaks of one constant step; a schedule is "
                                   "for convergence, rate and trajectory claims")
        schedule, _ = _expression(table["schedule"], "schedule",
                                  {**param_symbols, "t": real_symbol("t")}, ctx,
                                  where="t and the parameters")

    assume = tuple(_relation(text, "assume", ctx, f"entry {i}")
                   for i, text in enumerate(_list(table.get("assume", []), "assume"), start=1))

    fields: dict[str, Any] = {}
    if "derivation" in table:
        fields["derivation"] = _derivation(table["derivation"])
    if kind == "cycle":
        points = _list(_required(table, "points"), "points")
        if not points:
            raise _Bad("points", "needs at least one point")
        fields["points"] = tuple(
            _point(p, "points", ctx, f"point {i}") for i, p in enumerate(points, start=1))
        fields["stable"] = _optional_bool(table, "stable", None)
    elif kind == "threshold":
        if _required(table, "equilibrium") == "minimisers":
            fields.update(_minimiser_threshold(table, model_spec, states, ctx, integers))
        else:
            fields["equilibrium"] = _point(table["equilibrium"], "equilibrium", ctx)
            fields["bound"] = _param_expression(_required(table, "bound"), "bound", ctx)
        fields["tight"] = _optional_bool(table, "tight", False)
        fields["strict"] = _optional_bool(table, "strict", None)
        if step in rays:
            _free_of_step(fields, step, rays[step], ctx)
        if fields.get("to_set") and (fields["strict"] is not None
                                     or optimizer.get("method", "gd") != "gd"):
            raise _Bad("strict" if fields["strict"] is not None else "optimizer",
                       "a threshold at a minimiser set is for plain GD, without strict (at "
                       "step = bound the set's multiplier is -1: higher-order terms decide)")
    elif kind == "convergence":
        fields["start"] = _start(table, model_spec, ctx)
        target = table.get("target")
        if target != "cycle" or "condition" in table:  # a cycle target may go without one
            fields.update(_limit_condition(table, ctx))
        target = _required(table, "target")
        if target != "cycle":
            for key in ("period", "points"):
                if key in table:
                    raise _Bad(key, "goes with target = \"cycle\" (convergence to a k-cycle)")
        if target == "cycle":
            fields.update(_cycle_target(table, ctx, optimizer, schedule))
        elif target == "minimisers":
            family = FAMILIES[(model_spec or {}).get("family", "expression")]
            if family.residual(model_spec, states[0], param_symbols) is None:
                raise _Bad("target", f"the {family.name!r} family has no known set of "
                                     "minimisers; give the limit point")
            fields["to_set"] = True
        elif isinstance(target, dict):  # a set written by equations in the state
            fields["target_zero"] = _zero_set(target, ctx)
            fields["to_set"] = True
        elif isinstance(target, str):  # one value every coordinate tends to (any depth)
            fields["target"] = (_param_expression(target, "target", ctx),)
            fields["target_every"] = True
        else:
            fields["target"] = _point(target, "target", ctx)
        fields["exceptions"] = _exceptions(table, ctx)
        fields["exact_orbit"] = _optional_bool(table, "exact_orbit", False)
        if fields["exact_orbit"] and (target == "cycle" or schedule
                                      or optimizer.get("method", "gd") != "gd"):
            raise _Bad("exact_orbit", "the exact orbit is plain GD with a constant step to a "
                                      "point or the minimisers (no cycle, schedule, momentum)")
        if "land" in table:
            fields["land"] = _land(table, params, fields)
        fields["except_preimages"] = _optional_bool(table, "except_preimages", False)
        if fields["except_preimages"] and (target != "cycle" or not any(
                isinstance(e, tuple) for e in fields["exceptions"])):
            raise _Bad("except_preimages", "goes with target = \"cycle\" and start points in "
                                           "except (the starts whose path lands on one)")
        if "long_orbit" in table:
            fields["long_orbit"] = _long_orbit(table["long_orbit"], params, fields)
        otherwise = table.get("otherwise")
        if otherwise is not None and otherwise not in OTHERWISE:
            raise _Bad("otherwise", f"must be \"diverges\" or \"does not converge\" (or "
                                    f"absent), got {_short(otherwise)}")
        if otherwise == "does not converge" and target == "cycle":
            raise _Bad("otherwise", "a cycle target takes otherwise = \"diverges\" only")
        if otherwise is not None and "condition" not in fields:
            raise _Bad("otherwise", "goes with a condition (what GD does when it fails)")
        if fields.get("at_limit") and otherwise != "does not converge":
            raise _Bad("condition", "a condition naming the state variables (the limit GD "
                                    "converged to) needs otherwise = \"does not converge\"")
        fields["otherwise"] = otherwise
        if "sweep" in table:
            fields["sweep"] = _sweep(table, fields, optimizer, schedule, target)
    elif kind == "inequality" and table.get("at") == "minima":
        fields.update(_at_minima(table, model_spec, ctx, integers))
    elif kind == "inequality" and "minima" in table:
        raise _Bad("minima", "goes with at = \"minima\" (the search over the model's minima)")
    elif kind == "inequality" and table.get("at") == "limits":
        fields.update(_at_limits(table, model_spec, ctx, unbounded, params, step))
    elif kind == "inequality" and "limits" in table:
        raise _Bad("limits", "goes with at = \"limits\" (the runs whose limits are checked)")
    elif kind == "inequality" and table.get("at") == "state":
        fields.update(_at_state(table, model_spec, ctx, integers))
    elif kind == "inequality" and "state" in table:
        raise _Bad("state", "goes with at = \"state\" (the state the quantities are taken at)")
    elif kind == "inequality" and "at" in table:
        fields.update(_at_minimisers(table, model_spec, ctx, unbounded, step))
    elif kind == "inequality":
        if "fraction" in table:
            raise _Bad("fraction", "goes with at = \"minimisers\" (a share of the sampled "
                                   "minimisers)")
        fields["lhs"] = _param_expression(_required(table, "lhs"), "lhs", ctx)
        fields["rhs"] = _param_expression(_required(table, "rhs"), "rhs", ctx)
        relation = _required(table, "relation")
        if not isinstance(relation, str) or relation not in RELATIONS:
            raise _Bad("relation",
                       f"must be one of {', '.join(map(repr, RELATIONS))}, got {_short(relation)}")
        fields["relation"] = relation
    elif kind == "rate":
        fields["start"] = _start(table, model_spec, ctx)
        metric_symbols = dict(all_symbols)
        metric_symbols["loss"] = loss_expr  # the bare word `loss` means the loss expression
        fields["metric"], _ = _expression(
            _required(table, "metric"), "metric", metric_symbols, ctx,
            where="the variables, the parameters and `loss`")
        if "order" in table:
            if "sweep" in table:
                raise _Bad("sweep", "goes with a bound (metric <= bound for every t), not with "
                                    "a fitted order")
            fields.update(_fitted_rate(table, ctx, claim_id, fields["metric"]))
        else:
            for key in ("exponent", "factor", "after", "witness"):
                if key in table:
                    raise _Bad(key, "goes with order (\"linear\" or \"sublinear\": an eventual "
                                    "rate with a fitted exponent)")
            bound_symbols = {**param_symbols, "t": real_symbol("t"),
                             "metric0": real_symbol("metric0")}
            fields["bound"], _ = _expression(_required(table, "bound"), "bound", bound_symbols,
                                             ctx, where="t, metric0 and the parameters")
            fields["steps"] = _steps(table)
            if "sweep" in table:
                fields["sweep"] = _rate_sweep(table, optimizer)
            if "near" in table:
                fields["near"] = _near(table, model_spec)
            fields["figure"] = _optional_bool(table, "figure", False)
            if fields["figure"] and "sweep" not in table:
                raise _Bad("figure", "draws the runs of a rate sweep (sweep = N)")
    elif kind == "trajectory":
        fields.update(_trajectory(table, model_spec, ctx))
    elif kind == "identity":
        fields.update(_identity(table, model_spec, ctx, loss_expr))
    elif kind in ("limit", "varies"):
        fields.update(_limit(table, kind, params, rays, ctx))
    elif kind == "sole_limit":
        fields.update(_sole_limit(table, params, step, variables, integers, assume, ctx))
    if optimizer["method"] == "flow":
        _flow(table, fields, params, step, schedule, kind)
    if (optimizer["method"] != "gd" or schedule) and kind in ("cycle", "sole_limit",
                                                               *PARAMETER_KINDS):
        raise _Bad("optimizer" if optimizer["method"] != "gd" else "schedule",
                   f"kind {kind!r} is about plain GD with a constant step")

    return ClaimSpec(id=claim_id, kind=kind, statement=statement, loss=loss,
                     variables=variables, step=step, params=params, assume=assume,
                     model=model_spec, integers=integers, unbounded=unbounded,
                     rays=rays, optimizer=optimizer,
                     schedule=schedule, **fields)


def merged_part(shared: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    """A part's table with the claim's shared keys it does not replace (a part's ``model``
    replaces a shared ``loss``/``variables`` and the other way round)."""
    merged = dict(shared)
    if "model" in part:
        merged.pop("loss", None)
        merged.pop("variables", None)
    if "loss" in part or "variables" in part:
        merged.pop("model", None)
    merged.update({k: v for k, v in part.items() if k != "name"})
    return merged


def _validate_parts(table: dict[str, Any], claim_id: str) -> ClaimSpec:
    """A claim of several relations: ``[[claim.part]]`` tables, each a complete claim body
    (``name``, ``kind`` and the kind's keys) that shares the claim's keys in
    :data:`SHARED_KEYS` unless it gives its own (a part's ``model`` replaces a shared
    ``loss``/``variables`` and the other way round).  A problem in a part is reported as key
    ``part.NAME.KEY``."""
    allowed = ("id", "statement", "part", *SHARED_KEYS)
    for key in table:
        if key not in allowed:
            why = ("each part gives its own kind" if key == "kind" else
                   "goes in a [[claim.part]] table" if any(key in k for k in KIND_KEYS.values())
                   else "unknown key (typo?)")
            raise _Bad(key, f"{why}; a multi-part claim ([[claim.part]] tables) takes "
                            f"{', '.join(allowed)}")
    statement = table.get("statement", "")
    if not isinstance(statement, str):
        raise _Bad("statement", f"must be a string, got {_describe(statement)}")
    parts = table["part"]
    if (not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts)
            or not 2 <= len(parts) <= MAX_PARTS):
        raise _Bad("part", f"must be 2..{MAX_PARTS} [[claim.part]] tables (a claim of one "
                           f"relation is a plain claim), got {_describe(parts)}")
    shared = {k: table[k] for k in SHARED_KEYS if k in table}
    out: list[tuple[str, ClaimSpec]] = []
    for number, part in enumerate(parts, start=1):
        name = part.get("name")
        if not isinstance(name, str) or not _PART_NAME.match(name):
            raise _Bad(f"part #{number}.name", "required: a name of at most 40 letters, digits "
                                               "and _, starting with a letter, got "
                                               f"{_describe(name)}")
        if name in dict(out):
            raise _Bad(f"part.{name}.name", "duplicate part name")
        for key in ("id", "statement", "part"):
            if key in part:
                raise _Bad(f"part.{name}.{key}", "belongs to the claim, not to one part")
        try:
            spec = _validate(merged_part(shared, part), f"{claim_id}:{name}")
        except _Bad as exc:
            raise _Bad(f"part.{name}.{exc.key}" if exc.key else f"part.{name}",
                       exc.problem) from None
        out.append((name, spec))
    return ClaimSpec(id=claim_id, kind="parts", statement=statement, parts=tuple(out))


def _matrix_claim(table: dict[str, Any], claim_id: str, kind: str) -> ClaimSpec:
    """An identity or inequality over matrices of free size (:mod:`verify.userclaims.
    matrices`): ``matrices`` (name -> "rows x cols", optionally symmetric or psd), ``lhs``,
    ``rhs`` (and ``relation``), optional ``params``, ``assume``, and ``loss`` with
    ``variables`` (letters) and ``step`` for the names ``loss``, ``grad_X``, ``gd_X``."""
    if kind not in ("identity", "inequality"):
        raise _Bad("matrices", "matrices of free size go with kind \"identity\" or "
                               f"\"inequality\", not {kind!r}")
    allowed = set(MATRIX_KEYS) | ({"relation"} if kind == "inequality" else set())
    for key in table:
        if key not in allowed:
            raise _Bad(key, "not used by a claim over matrices of free size; allowed keys: "
                            f"{', '.join(sorted(allowed))}")
    statement = table.get("statement", "")
    if not isinstance(statement, str):
        raise _Bad("statement", f"must be a string, got {_describe(statement)}")
    declared = table["matrices"]
    if not isinstance(declared, dict):
        raise _Bad("matrices", f"must be a table name = \"rows x cols\", got "
                               f"{_describe(declared)}")
    for name in declared:
        _check_name(name, "matrices", "matrix", kind)
    params, rays = _params(table.get("params", {}), kind)
    step = _step(table, params, required=False)
    variables = tuple(_list(table.get("variables", []), "variables"))
    if not all(isinstance(v, str) for v in variables) or len(set(variables)) < len(variables):
        raise _Bad("variables", "must list distinct names of declared matrices")
    symbols = {name: real_symbol(name, positive=(name == step)) for name in params}
    ctx = _Context(symbols, {})
    assume = tuple(_relation(text, "assume", ctx, f"entry {i}")
                   for i, text in enumerate(_list(table.get("assume", []), "assume"), start=1))
    relation = "=="
    if kind == "inequality":
        relation = _required(table, "relation")
        if not isinstance(relation, str) or relation not in RELATIONS:
            raise _Bad("relation", f"must be one of {', '.join(map(repr, RELATIONS))}, got "
                                   f"{_short(relation)}")
    sides = {key: _text(_required(table, key), key) for key in ("lhs", "rhs")}
    loss = _text(table["loss"], "loss") if "loss" in table else None
    try:
        matrix_statement(declared, symbols, sides["lhs"], sides["rhs"], relation, loss,
                         variables, step)
    except MatrixError as exc:
        raise _Bad(exc.key, exc.problem) from None
    return ClaimSpec(id=claim_id, kind=kind, statement=statement, loss=loss,
                     variables=variables, step=step, params=params, assume=assume, rays=rays,
                     lhs=sides["lhs"], rhs=sides["rhs"],
                     relation=relation if kind == "inequality" else None,
                     matrices=tuple(declared.items()))


def _states_claim(table: dict[str, Any], claim_id: str, kind: str) -> ClaimSpec:
    """An inequality at drawn states of a linear chain near an invariant set
    (:mod:`verify.userclaims.states`)."""
    from verify.userclaims import states as st

    if kind != "inequality":
        raise _Bad("at", f"at = \"states\" goes with kind \"inequality\", not {kind!r}")
    for key in table:
        if key not in st.STATES_KEYS:
            raise _Bad(key, "not used by an inequality at states; allowed keys: "
                            f"{', '.join(sorted(st.STATES_KEYS))}")
    statement, claim = _own_keys(table, st.read, st.StatesError)
    return ClaimSpec(id=claim_id, kind=kind, statement=statement, step=table.get("step"),
                     lhs="; ".join(claim.relations), at="states", states=claim,
                     derivation=_derivation(table["derivation"]) if "derivation" in table
                     else None)


def _order_claim(table: dict[str, Any], claim_id: str) -> ClaimSpec:
    """A quantity's order in an integer L read off a table of L (:mod:`verify.userclaims.
    orders`)."""
    from verify.userclaims import orders

    statement, claim = _own_keys(table, orders.read, orders.OrderError)
    return ClaimSpec(id=claim_id, kind="order", statement=statement, order_table=claim)


def _networks_claim(table: dict[str, Any], claim_id: str, kind: str) -> ClaimSpec:
    """An identity or inequality over drawn residual ReLU networks of listed sizes
    (:mod:`verify.userclaims.networks`)."""
    from verify.userclaims import networks as nw

    if kind not in ("identity", "inequality"):
        raise _Bad("at", f"at = \"networks\" goes with kind \"identity\" or \"inequality\", "
                         f"not {kind!r}")
    for key in table:
        if key not in nw.NETWORKS_KEYS:
            raise _Bad(key, "not used by a claim over networks; allowed keys: "
                            f"{', '.join(sorted(nw.NETWORKS_KEYS))}")
    statement, claim = _own_keys(table, lambda t: nw.read(t, kind), nw.NetworksError)
    return ClaimSpec(id=claim_id, kind=kind, statement=statement,
                     lhs="; ".join(claim.relations), at="networks", networks=claim,
                     derivation=_derivation(table["derivation"]) if "derivation" in table
                     else None)


def _own_keys(table: dict[str, Any], read, error: type) -> tuple[str, Any]:
    """(statement, read(table)) of a claim whose module reads its own keys; its ``error``
    (with ``key`` and ``problem``) names the key at fault."""
    statement = table.get("statement", "")
    if not isinstance(statement, str):
        raise _Bad("statement", f"must be a string, got {_describe(statement)}")
    try:
        return statement, read(table)
    except error as exc:
        raise _Bad(exc.key, exc.problem) from None


def _derivation(value: Any) -> str:
    """The ``derivation`` key: the name of a registered derivation (never code)."""
    from verify.userclaims.cite import name_problem

    problem = name_problem(value)
    if problem:
        raise _Bad("derivation", problem)
    return value


def _text(value: Any, key: str) -> str:
    """An expression as text (a TOML number is its decimal)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise _Bad(key, f"expected an expression string, got {_describe(value)}")
    return value


def _free_of_step(fields: dict[str, Any], step: str, ray: str, ctx: _Context) -> None:
    """A threshold with its step on a half-line: a proof covers the half-line only when the
    equilibrium and the bound do not depend on the step."""
    symbols = {**ctx.params, **index_symbols("w")} if fields.get("to_set") else ctx.params
    for key in ("equilibrium", "bound"):
        texts = fields.get(key, ()) if key == "equilibrium" else (fields[key],)
        if any(ctx.params[step] in parse(t, symbols).free_symbols for t in texts):
            raise _Bad(key, f"with the step {step!r} on a half-line ({ray!r}), the {key} must "
                            "not depend on it")


def _minimiser_threshold(table: dict[str, Any], model_spec: dict | None, states: list,
                         ctx: _Context, integers: dict) -> dict[str, Any]:
    """``equilibrium = "minimisers"``: every point of the model's minimiser set, where the
    family writes it in closed form; the bound may name the minimiser's coordinates as a
    pattern, ``w[k]`` or ``w[i]`` inside ``Sum(..., (i, 1, L))``
    (:mod:`verify.userclaims.minimiser_set`)."""
    family = FAMILIES[(model_spec or {}).get("family", "expression")]
    closed = getattr(family, "minimiser_point", None)
    if model_spec is None or closed is None or closed(model_spec, states[0],
                                                      ctx.params) is None:
        raise _Bad("equilibrium", "\"minimisers\" needs a model whose minimiser set is known "
                                  "in closed form (deep_linear of width 1); otherwise list "
                                  "every coordinate")
    layer = family.layer_name
    extra = index_symbols(layer)
    taken = sorted(set(extra) & set(ctx.params))
    if taken:
        raise _Bad("params", f"{', '.join(map(repr, taken))} name the minimiser's coordinates "
                             "and their index in the bound here; rename the parameter")
    text, value = _expression(_required(table, "bound"), "bound", {**ctx.params, **extra}, ctx,
                              where=f"the parameters, {layer}[k] and {INDEX}")
    depth = model_spec["depth"]
    symbol = ctx.params[depth] if isinstance(depth, str) else sp.Integer(depth)
    lowest = min(integers[depth]) if isinstance(depth, str) else depth
    problem = pattern_problem(value, layer, symbol, lowest)
    if problem:
        raise _Bad("bound", f"{problem} (the minimiser's coordinates are {layer}[1] .. "
                            f"{layer}[{depth}])")
    return {"to_set": True, "bound": text}


def _sole_limit(table: dict[str, Any], params: dict[str, Any], step: str | None,
                variables: tuple[str, ...], integers: dict, assume: tuple,
                ctx: _Context) -> dict[str, Any]:
    """``sole_limit``: a loss in one scalar variable, every parameter but the step pinned, no
    integers or assumptions; ``equilibrium`` (one coordinate) and ``region`` (the search's
    starts)."""
    if "model" in table or len(variables) != 1 or "[" in variables[0]:
        raise _Bad("model" if "model" in table else "variables",
                   "kind 'sole_limit' is about a loss in one scalar variable (variables = "
                   "[\"x\"]); its exact route enumerates the critical points of f(x)")
    for key, value in (("integers", integers), ("assume", assume)):
        if value:
            raise _Bad(key, "kind 'sole_limit' takes no integers or assumptions (one loss, "
                            "its parameters pinned)")
    free = [name for name, box in params.items() if isinstance(box, tuple) and name != step]
    if free:
        raise _Bad("params", f"kind 'sole_limit': pin every parameter but the step "
                             f"({', '.join(map(repr, free))} is an interval)")
    return {"equilibrium": _point(_required(table, "equilibrium"), "equilibrium", ctx),
            "region": _region(table)}


def _exceptions(table: dict[str, Any], ctx: _Context) -> tuple:
    """``except``: starts excluded from a convergence claim, each a relation in the
    parameters (a string, ``"x0 == 0"``) or a start point (a list of coordinates)."""
    entries = _list(table.get("except", []), "except")
    if len(entries) > MAX_EXCEPTIONS:
        raise _Bad("except", f"at most {MAX_EXCEPTIONS} entries, got {len(entries)}")
    out: list = []
    for i, entry in enumerate(entries, start=1):
        if isinstance(entry, list):
            out.append(_point(entry, "except", ctx, f"entry {i} (a start point)"))
        elif isinstance(entry, str):
            out.append(_relation(entry, "except", ctx, f"entry {i}"))
        else:
            raise _Bad("except", f"entry {i}: a relation in the parameters (\"x0 == 0\") or "
                                 f"a start point ([\"0\", \"1\"]), got {_describe(entry)}")
    return tuple(out)


class _Context:
    """The symbols of one table, for the expression checks; ``states`` one per instance (one
    per value of the integer parameters)."""

    def __init__(self, params: dict[str, sp.Symbol], variables: dict[str, sp.Basic],
                 states: list[State] = ()):
        self.params = params
        self.variables = variables
        self.states = list(states)

    @property
    def coords(self) -> int | None:
        """The number of state coordinates (None: it depends on an integer parameter)."""
        sizes = {len(s.coords) for s in self.states}
        return sizes.pop() if len(sizes) == 1 else None


def _required(table: dict[str, Any], key: str) -> Any:
    if key not in table:
        raise _Bad(key, "missing required key")
    return table[key]


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(key, f"must be a list, got {_describe(value)}")
    return value


def _optional_bool(table: dict[str, Any], key: str, default: bool | None) -> bool | None:
    value = table.get(key, default)
    if value is not default and not isinstance(value, bool):
        raise _Bad(key, f"must be true or false, got {_describe(value)}")
    return value


# ---------------------------------------------------------------------------------------------
# Symbols: params, step, variables


def _check_name(name: Any, key: str, what: str, kind: str) -> str:
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise _Bad(key, f"{what} name {_short(name)} is not an identifier "
                        "(letters, digits and _, not starting with a digit)")
    if name in _RESERVED_NAMES:
        raise _Bad(key, f"{what} name {name!r} is reserved (a keyword or a function name)")
    if kind == "rate" and name in RATE_RESERVED:
        raise _Bad(key, f"{what} name {name!r} is reserved in a rate claim "
                        f"({', '.join(RATE_RESERVED)} have a meaning of their own there)")
    return name


def _params(value: Any, kind: str) -> tuple[dict[str, tuple[str, str] | str], dict[str, str]]:
    """The parameters (name -> [lo, hi] as exact decimal strings, or a pinned value) and those
    declared on a half-line (name -> the half-line as text; its entry in the first dict is the
    interval drawn in it, see :func:`_ray`)."""
    if not isinstance(value, dict):
        raise _Bad("params", f"must be a table (name = [lo, hi] or name = value), "
                             f"got {_describe(value)}")
    params: dict[str, tuple[str, str] | str] = {}
    rays: dict[str, str] = {}
    for name, box in value.items():
        _check_name(name, "params", "parameter", kind)
        if isinstance(box, list):
            if len(box) != 2:
                raise _Bad("params", f"parameter {name!r}: an interval is [lo, hi] (two numbers), "
                                     f"got a list of {len(box)}")
            lo, hi = (_number(v, f"parameter {name!r}: {end}") for v, end in zip(box, ("lo", "hi")))
            if sp.Rational(lo) > sp.Rational(hi):
                raise _Bad("params", f"parameter {name!r}: interval [{lo}, {hi}] is inverted "
                                     "(lo > hi)")
            params[name] = (lo, hi)
        elif isinstance(box, str) and box.strip()[:1] in ("<", ">"):
            rays[name], params[name] = _ray(name, box, kind)
        else:
            params[name] = _number(box, f"parameter {name!r}")
    return params, rays


# kinds that speak of expressions of the parameters alone (a loss is optional or unused)
PARAMETER_KINDS = ("identity", "inequality", "limit", "varies")
# kinds of GD whose parameters, the step included (``delta = "> 0"``: every step size), may be
# half-lines
STEP_RAY_KINDS = ("threshold",)
RAY_KINDS = PARAMETER_KINDS + STEP_RAY_KINDS
RAY_WIDTH = 10  # the searches draw a half-line's parameter from an interval this long in it
_RAY = re.compile(r"\s*(>=|<=|>|<)\s*(\S+)\s*\Z")


def _ray(name: str, text: str, kind: str) -> tuple[str, tuple[str, str]]:
    """``"> a"``, ``">= a"``, ``"< a"``, ``"<= a"`` (a rational): the half-line as text, and
    the closed interval (length :data:`RAY_WIDTH`, longer when it must reach past 0) inside it
    the searches draw from.  An open end is moved in by min(1/1000, |a|/2) and the interval
    crosses 0 whenever the half-line does, so it has exactly the signs the half-line has (the
    symbolic tier gives a parameter the signs of this interval: a proof with them covers the
    half-line)."""
    match = _RAY.match(text)
    if kind not in RAY_KINDS:
        raise _Bad("params", f"parameter {name!r}: a half-line ({text!r}) is for kinds "
                             f"{', '.join(RAY_KINDS)}; give an interval [lo, hi]")
    if not match:
        raise _Bad("params", f"parameter {name!r}: a half-line is \"> a\", \">= a\", \"< a\" "
                             f"or \"<= a\" with a rational a, got {_short(text)}")
    op, end = match.group(1), _number(match.group(2), f"parameter {name!r}: the end of {text!r}")
    a = sp.Rational(end)
    if abs(a) > 10**6:
        raise _Bad("params", f"parameter {name!r}: the end of {text!r} must lie in "
                             "[-10^6, 10^6]")
    gap = 0 if "=" in op else (sp.Rational(1, 1000) if a == 0
                               else min(sp.Rational(1, 1000), abs(a) / 2))
    # the interval reaches past 0 whenever the half-line does (its signs are the proof's)
    if op.startswith(">"):
        box = (a + gap, max(a + gap + RAY_WIDTH, 1))
    else:
        box = (min(a - gap - RAY_WIDTH, -1), a - gap)
    return f"{op} {end}", (str(box[0]), str(box[1]))


def _number(value: Any, what: str) -> str:
    """A finite number as an exact decimal string (ints, floats, rational strings like "1/3")."""
    if isinstance(value, bool):
        raise _Bad("params", f"{what}: expected a number, got a boolean ({str(value).lower()})")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad("params", f"{what}: must be a finite number, got {value!r}")
        return repr(value)
    if isinstance(value, str):
        text = value.strip()
        match = _RATIONAL.match(text)
        if not match or (match.group(4) and int(match.group(4)) > _MAX_EXPONENT):
            raise _Bad("params", f"{what}: {value!r} is not a rational number "
                                 "(write e.g. 0.5, \"1/3\", \"1e-3\")")
        try:
            number = sp.Rational(text)
        except (TypeError, ValueError, ZeroDivisionError):
            number = None
        if not isinstance(number, sp.Rational):
            raise _Bad("params", f"{what}: {value!r} is not a finite rational number")
        return text
    raise _Bad("params", f"{what}: expected a number or an interval [lo, hi], "
                         f"got {_describe(value)}")


def _step(table: dict[str, Any], params: dict[str, Any], required: bool,
          rays: dict[str, str] | None = None) -> str | None:
    if "step" not in table:
        if required:
            raise _Bad("step", "missing required key (the step-size parameter's name)")
        return None
    step = table["step"]
    if not isinstance(step, str) or not step:
        raise _Bad("step", f"must be the name of a parameter, got {_describe(step)}")
    if step not in params:
        declared = ", ".join(params) or "none"
        raise _Bad("step", f"{step!r} is not a parameter (declare it in params; "
                           f"declared: {declared})")
    box = params[step]
    lo = box[0] if isinstance(box, tuple) else box
    ray = (rays or {}).get(step)
    if ray is not None and (not ray.startswith(">") or sp.Rational(ray.split()[1]) < 0
                            or (ray.startswith(">=") and sp.Rational(ray.split()[1]) == 0)):
        raise _Bad("params", f"parameter {step!r} is the step size (key 'step'): a half-line "
                             f"for it must lie in (0, oo) (\"> 0\", \"> a\" or \">= a\" with "
                             f"a > 0), got {ray!r}")
    if sp.Rational(lo) <= 0:
        shape = f"interval [{box[0]}, {box[1]}]" if isinstance(box, tuple) else f"value {box}"
        raise _Bad("params", f"parameter {step!r} is the step size (key 'step'): its {shape} "
                             "must be > 0 (lo > 0)")
    return step


def _variables(table: dict[str, Any], params: dict[str, Any], kind: str,
               required: bool) -> tuple[str, ...]:
    if "variables" not in table:
        if required:
            raise _Bad("variables", "missing required key (the list of state variable names)")
        return ()
    names = _list(table["variables"], "variables")
    if not names:
        raise _Bad("variables", "needs at least one variable")
    seen: set[str] = set()
    out = []
    for text in names:
        try:
            name, shape = shaped_name(text, "variables")
        except FamilyError as exc:
            if isinstance(text, str) and "[" in text:
                raise _Bad("variables", exc.problem) from None
            name, shape = text, ()  # the identifier check below says what is wrong
        _check_name(name, "variables", "variable", kind)
        if name in seen:
            raise _Bad("variables", f"variable {name!r} is listed twice")
        if name in params:
            raise _Bad("variables", f"{name!r} is both a variable and a parameter")
        seen.add(name)
        out.append(name if not shape else f"{name}[{', '.join(map(str, shape))}]")
    return tuple(out)


def _flatten(value: list) -> list:
    """A point written with nested lists (a vector, a matrix's rows) as its flat coordinates."""
    out = []
    for v in value:
        out += _flatten(v) if isinstance(v, list) else [v]
    return out


def _integers(value: Any, params: dict[str, Any], kind: str
              ) -> tuple[dict[str, tuple[int, ...]], dict[str, int]]:
    """``integers = { L = [2, 6] }`` (every integer from 2 to 6), ``{ L = 3 }``, or
    ``{ L = ">= 2" }`` (every integer from 2 on): each parameter's instances (2..6 for
    ``">= 2"``), and the parameters declared ``">= n"`` (name -> n).  The symbolic tier proves
    such a claim for every n, n + 1, ... where SymPy can
    (:mod:`verify.userclaims.every_integer`); the other checks run on the instances n..n+4.
    ``{ L = [4, 10, 2] }`` is every second integer from 4 to 10 (4, 6, 8, 10)."""
    if not isinstance(value, dict):
        raise _Bad("integers", f"must be a table (name = [lo, hi], name = n or name = \">= n\"), "
                               f"got {_describe(value)}")
    out: dict[str, tuple[int, ...]] = {}
    unbounded: dict[str, int] = {}
    for name, box in value.items():
        _check_name(name, "integers", "integer parameter", kind)
        if name in params:
            raise _Bad("integers", f"{name!r} is declared in params too")
        if isinstance(box, str):
            unbounded[name] = low = _unbounded_end(name, box)
            out[name] = tuple(range(low, low + UNBOUNDED_INSTANCES))
            continue
        ends = box if isinstance(box, list) else [box, box]
        if (len(ends) not in (2, 3)
                or any(isinstance(v, bool) or not isinstance(v, int) for v in ends)
                or not 1 <= ends[0] <= ends[1] <= MAX_INTEGER or min(ends[2:], default=1) < 1):
            raise _Bad("integers", f"integer parameter {name!r}: write n, [lo, hi] or [lo, hi, "
                                   f"step] with integers 1 <= lo <= hi <= {MAX_INTEGER}, step >= "
                                   f"1 (or \">= n\": every integer from n on), "
                                   f"got {_describe(box)}")
        out[name] = tuple(range(ends[0], ends[1] + 1, *ends[2:]))
    if math.prod(len(v) for v in out.values()) > MAX_INSTANCES:
        raise _Bad("integers", f"at most {MAX_INSTANCES} instances in all (each is checked "
                               "exactly)")
    return out, unbounded


LONG_ORBIT_DIGITS = (30, 1000)  # the working digits a certified long orbit may ask for


def _long_orbit(value: Any, params: dict[str, Any], fields: dict[str, Any]
                ) -> tuple[tuple[tuple[str, str], ...], int, int]:
    """``long_orbit = { at = { delta = "1/3", x0 = "7/3" }, steps = 100000, digits = 200 }``
    (a convergence claim to a cycle with its points): one orbit certified in Arb balls
    (:func:`verify.userclaims.scalar.long_orbit_checks`).  ``at`` names every parameter with
    an interval, each a rational number inside it; ``digits`` is optional (200).  Returns
    (the point as (name, text) pairs, steps, digits)."""
    if not fields.get("period") or not fields.get("points"):
        raise _Bad("long_orbit", "goes with target = \"cycle\" and its points (the orbit is "
                                 "shown to end in a trap around them)")
    if not isinstance(value, dict) or set(value) - {"at", "steps", "digits"} or not {
            "at", "steps"} <= set(value):
        raise _Bad("long_orbit", "write { at = { NAME = VALUE, ... }, steps = N } (digits = D "
                                 f"optional), got {_describe(value)}")
    at, steps, digits = value["at"], value["steps"], value.get("digits", 200)
    free = {name: box for name, box in params.items() if isinstance(box, tuple)}
    if not isinstance(at, dict) or set(at) != set(free):
        raise _Bad("long_orbit", f"at must set exactly the parameters with an interval "
                                 f"({', '.join(sorted(free)) or 'none'}), got {_describe(at)}")
    point = []
    for name, box in free.items():
        try:
            text = _number(at[name], f"long_orbit.at.{name}")
        except _Bad as bad:
            raise _Bad("long_orbit", bad.problem) from None
        if not sp.Rational(box[0]) <= sp.Rational(text) <= sp.Rational(box[1]):
            raise _Bad("long_orbit", f"at.{name} = {text} is outside its interval "
                                     f"[{box[0]}, {box[1]}]")
        point.append((name, text))
    for key, number, (lo, hi) in (("steps", steps, (1, MAX_STEPS)),
                                  ("digits", digits, LONG_ORBIT_DIGITS)):
        if isinstance(number, bool) or not isinstance(number, int) or not lo <= number <= hi:
            raise _Bad("long_orbit", f"{key} must be an integer {lo}..{hi}, got "
                                     f"{_describe(number)}")
    return tuple(point), steps, digits


def _unbounded_end(name: str, text: str) -> int:
    """The lower end n of ``">= n"``: every integer from n on (1 <= n <= the largest end whose
    fallback instances n..n+4 stay within :data:`MAX_INTEGER`)."""
    match = _UNBOUNDED.fullmatch(text)
    low = int(match.group(1)) if match else None
    if low is None or not 1 <= low <= MAX_INTEGER - UNBOUNDED_INSTANCES + 1:
        raise _Bad("integers", f"integer parameter {name!r}: write n, [lo, hi] or \">= n\" "
                               f"(every integer from n on) with an integer 1 <= n <= "
                               f"{MAX_INTEGER - UNBOUNDED_INSTANCES + 1}, got {_short(text)}")
    return low


def instances(integers: dict[str, tuple[int, ...]]) -> list[dict[str, int]]:
    """Every combination of the integer parameters' values (one dict each, in order)."""
    import itertools

    names = list(integers)
    return [dict(zip(names, combo)) for combo in itertools.product(*integers.values())]


def _model(value: Any, symbols: dict[str, sp.Basic],
           integers: dict[str, tuple[int, ...]]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad("model", f"must be a table with a 'family' key, got {_describe(value)}")
    family = value.get("family")
    if family not in FAMILIES or family == "expression":
        names = ", ".join(f for f in FAMILIES if f != "expression")
        raise _Bad("model.family", f"unknown family {_short(family)}; expected one of {names} "
                                   "(an expression loss is written with 'loss' and 'variables')")
    fam = FAMILIES[family]
    for key in value:
        if key != "family" and key not in fam.keys:
            raise _Bad(f"model.{key}", f"unknown key for family {family!r}; allowed: "
                                       f"{', '.join(fam.keys)}")
    try:
        spec = fam.read(expand_model(value), symbols, integers)
    except (FamilyError, DrawError) as exc:
        raise _Bad(exc.key, exc.problem) from None
    varied = {k: v for k, v in value.items() if is_vary(v)}
    return {"family": family, **spec, **({"vary": varied} if varied else {})}


def _states(model_spec: dict | None, variables: tuple[str, ...],
            integers: dict[str, tuple[int, ...]]) -> list[State]:
    """One state per instance; its coordinate names must not clash with the parameters."""
    family = FAMILIES[(model_spec or {}).get("family", "expression")]
    spec = model_spec or {"variables": variables}
    states = [family.state(spec, ints) for ints in instances(integers)]
    for state in states:
        if len(state.coords) > MAX_COORDS:
            raise _Bad("model" if model_spec else "variables",
                       f"{len(state.coords)} coordinates (at most {MAX_COORDS}: the exact model "
                       "is symbolic)")
        labels = state.labels
        if len(set(labels)) != len(labels):
            raise _Bad("variables", "two variables have a coordinate of the same name "
                                    f"({', '.join(labels)})")
    return states


def _optimizer(value: Any, ctx: _Context, kind: str) -> dict[str, str]:
    """``{ method = "heavy_ball", beta = "0.5" }``; beta an expression of the parameters."""
    if not isinstance(value, dict):
        raise _Bad("optimizer", f"must be a table like {{ method = \"heavy_ball\", beta = "
                                f"\"0.9\" }}, got {_describe(value)}")
    method = value.get("method", "gd")
    if method not in METHODS:
        raise _Bad("optimizer", f"method must be one of {', '.join(METHODS)}, "
                                f"got {_short(method)}")
    extra = [k for k in value if k not in ("method", "beta")]
    if extra:
        raise _Bad("optimizer", f"unknown key(s) {', '.join(map(repr, extra))} "
                                "(allowed: method, beta)")
    if method in ("gd", "flow"):
        if "beta" in value:
            raise _Bad("optimizer", f"{method} takes no beta (use heavy_ball or nesterov)")
        return {"method": method}
    if "beta" not in value:
        raise _Bad("optimizer", f"{method} needs beta, the momentum (an expression of the "
                                "parameters in [0, 1))")
    beta = _param_expression(value["beta"], "optimizer", ctx, what="beta")
    return {"method": method, "beta": beta}


def _start(table: dict[str, Any], model_spec: dict | None, ctx: _Context) -> tuple[str, ...]:
    """The claim's start, or () when the model's own ``init`` gives it."""
    if "start" in table:
        return _point(table["start"], "start", ctx)
    if model_spec is not None and "init" in model_spec:
        return ()
    raise _Bad("start", "missing required key" + (" (or the model's init)" if model_spec
                                                   else ""))


def _trajectory(table: dict[str, Any], model_spec: dict | None, ctx: _Context) -> dict:
    """A quantity along the path: a bound after T steps, monotone, or a bounded drift."""
    fields: dict[str, Any] = {"start": _start(table, model_spec, ctx)}
    for state in ctx.states:  # every instance's names must make sense of it
        names = _quantity_names(model_spec, state, ctx)
        fields["quantity"], _ = _expression(_required(table, "quantity"), "quantity", names,
                                            ctx, where="the state, the parameters and the "
                                                       "quantity names (loss, sharpness, ...)")
    fields["steps"] = steps = _steps(table)
    after = table.get("after", 0)
    if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= steps:
        raise _Bad("after", f"must be an integer 0..steps ({steps}), got {_describe(after)}")
    fields["after"] = after
    forms = [k for k in ("bound", "monotone", "drift") if k in table]
    if len(forms) != 1:
        raise _Bad(forms[1] if len(forms) > 1 else "bound",
                   "give exactly one of bound (with relation), monotone and drift"
                   + (f" (got {', '.join(forms)})" if forms else ""))
    if "bound" in table:
        relation = table.get("relation", "<=")
        if relation not in ("<=", "<", ">=", ">"):
            raise _Bad("relation", f"must be one of '<=', '<', '>=', '>', got {_short(relation)}")
        fields["relation"] = relation
        fields["bound"], _ = _expression(table["bound"], "bound",
                                         {**ctx.params, "t": real_symbol("t")}, ctx,
                                         where="t and the parameters")
    elif "relation" in table:
        raise _Bad("relation", "a relation goes with a bound")
    if "monotone" in table:
        if table["monotone"] not in MONOTONE:
            raise _Bad("monotone", f"must be one of {', '.join(MONOTONE)}, "
                                   f"got {_short(table['monotone'])}")
        fields["monotone"] = table["monotone"]
    if "drift" in table:
        fields["drift"] = _param_expression(table["drift"], "drift", ctx)
    return fields


MAX_ZERO = 8  # equations of a convergence target written as a set


def _zero_set(table: dict[str, Any], ctx: _Context) -> tuple[str, ...]:
    """``target = { zero = ["e1", ...] }``: the set of states where every expression (in the
    state's names and the parameters, at every instance) vanishes."""
    if set(table) != {"zero"}:
        raise _Bad("target", "a target table is { zero = [\"EXPR\", ...] } (the set where every "
                             f"expression vanishes), got keys {sorted(map(str, table))}")
    zero = table["zero"]
    if not (isinstance(zero, list) and 1 <= len(zero) <= MAX_ZERO):
        raise _Bad("target.zero", f"must be a list of 1..{MAX_ZERO} expressions, got "
                                  f"{_describe(zero)}")
    out = []
    for k, value in enumerate(zero):
        for state in ctx.states:  # every instance's names must make sense of it
            text, expr = _expression(value, "target.zero", {**ctx.params, **state.names}, ctx,
                                     where="the state's names and the parameters",
                                     what=f"entry {k}")
            if not expr.free_symbols & set(state.coords):
                raise _Bad("target.zero", f"entry {k}: {text!r} does not name the state (a set "
                                          "of states is written by expressions in its "
                                          "coordinates)")
        out.append(text)
    return tuple(out)


def _quantity_names(model_spec: dict | None, state: State, ctx: _Context) -> dict[str, Any]:
    """The names a quantity may use at one instance's state: the parameters, the state's
    names and the quantity names the family defines (:mod:`verify.models.quantities`)."""
    family = FAMILIES[(model_spec or {}).get("family", "expression")]
    product = family.product(model_spec, state) if model_spec else None
    has_set = model_spec is not None and family.residual(model_spec, state,
                                                          ctx.params) is not None
    declared = set(ctx.params) | set(state.names)
    return {**ctx.params, **state.names,
            **placeholders(len(state.coords), product.rows if product is not None else 0,
                           has_set, family.name == "quadratic", declared)}


AT = ("minimisers", "balanced")  # an inequality's points: every minimiser, or the balanced one
_STEP_QUANTITIES = re.compile(r"\b(radius|multiplier_\d+)\b")


def _at_minimisers(table: dict[str, Any], model_spec: dict | None, ctx: _Context,
                   unbounded: dict[str, int], step: str | None) -> dict[str, Any]:
    """``at = "minimisers"``: lhs and rhs in the quantity names, the parameters and the depth,
    evaluated at the model's minimisers (:mod:`verify.userclaims.minimisers`)."""
    if table["at"] not in AT:
        raise _Bad("at", f"must be \"minimisers\" (every minimiser of the model) or "
                         f"\"balanced\" (its balanced minimiser), got {_short(table['at'])}")
    family = FAMILIES[(model_spec or {}).get("family", "expression")]
    factors = getattr(family, "minimiser_factors", None)
    if model_spec is None or factors is None or factors(model_spec, ctx.states[0],
                                                        ctx.params) is None:
        known = ", ".join(n for n, f in FAMILIES.items() if hasattr(f, "minimiser_factors")
                          and n != "double_network")
        which = ("this model" if model_spec is not None and factors is not None
                 else f"the {family.name!r} family")  # e.g. a chain of rectangular layers
        raise _Bad("at", f"{which} has no parametrisation of its minimisers (families with "
                         f"one, for square layers: {known}); give a model table")
    if unbounded:
        raise _Bad("integers", "an inequality at the minimisers is sampled on each instance: "
                               "list the values (L = [2, 5]), not \">= n\"")
    fields: dict[str, Any] = {"at": table["at"], **_quantity_relation(
        table, model_spec, ctx, "the parameters and the quantity names (sharpness, sv_1, ...)")}
    for key in ("lhs", "rhs"):
        if step is None and _STEP_QUANTITIES.search(fields[key]):
            raise _Bad(key, "radius and multiplier_K are the GD map's: declare the step "
                            "(step = \"eta\", a parameter)")
    if "fraction" in table:
        fields["fraction"] = _fraction(table["fraction"], table["at"])
    return fields


def _at_state(table: dict[str, Any], model_spec: dict | None, ctx: _Context,
              integers: dict) -> dict[str, Any]:
    """``at = "state"``: lhs and rhs in the quantity names (:data:`at_state.QUANTITIES`), the
    state's names and the parameters, at the state ``state`` (one expression of the parameters
    per coordinate; :mod:`verify.userclaims.at_state`)."""
    from verify.userclaims.at_state import QUANTITIES

    if model_spec is None and not table.get("loss"):
        raise _Bad("at", "at = \"state\" needs a model table or a loss (the quantities are "
                         "the model's)")
    if integers:
        raise _Bad("integers", "an inequality at a state takes no integer parameters")
    if "fraction" in table:
        raise _Bad("fraction", "goes with at = \"minimisers\"")
    fields: dict[str, Any] = {"at": "state",
                              "point": _point(_required(table, "state"), "state", ctx)}
    names = _quantity_names(model_spec, ctx.states[0], ctx)
    allowed = {k: v for k, v in names.items() if k in QUANTITIES or k in ctx.params
               or k in ctx.states[0].names}
    for key in ("lhs", "rhs"):
        fields[key], _ = _expression(_required(table, key), key, allowed, ctx,
                                     where="the parameters, the state's names and "
                                           f"{', '.join(QUANTITIES)}")
    relation = _required(table, "relation")
    if relation not in ("<=", "<", ">=", ">"):
        raise _Bad("relation", f"must be one of '<=', '<', '>=', '>', got {_short(relation)}")
    fields["relation"] = relation
    return fields


def _at_limits(table: dict[str, Any], model_spec: dict | None, ctx: _Context, unbounded: dict,
               params: dict, step: str | None) -> dict[str, Any]:
    """``at = "limits"``: lhs and rhs in the quantity names, the state's names and the
    parameters, at the limits of seeded GD runs (:mod:`verify.userclaims.gd_limits`)."""
    from verify.userclaims import gd_limits

    if step is None:
        raise _Bad("step", "at = \"limits\" runs GD: declare the step (step = \"delta\", a "
                           "parameter)")
    if unbounded:
        raise _Bad("integers", "the runs of at = \"limits\" are drawn on each instance: list "
                               "the values (L = [2, 4]), not \">= n\"")
    if "fraction" in table:
        raise _Bad("fraction", "goes with at = \"minimisers\"")
    try:
        limits = gd_limits.read(_required(table, "limits"), params)
    except DrawError as exc:
        raise _Bad(exc.key, exc.problem) from None
    return {"at": gd_limits.AT, "limits": limits, **_quantity_relation(
        table, model_spec, ctx, "the parameters, the state's names and the quantity names "
                                "(loss, sharpness, ...)")}


def _at_minima(table: dict[str, Any], model_spec: dict | None, ctx: _Context,
               integers: dict) -> dict[str, Any]:
    """``at = "minima"``: lhs and rhs in the quantity names, x_norm_K, out_norm_K and the
    state's names, at the strict minima of every problem whose data vary in the model table
    (:mod:`verify.userclaims.minima`)."""
    from verify.userclaims import minima

    if integers:
        raise _Bad("integers", "at = \"minima\" takes no integer parameters (a literal width)")
    if ctx.params:
        raise _Bad("params", "at = \"minima\" varies the model's data itself: declare no "
                             "parameters (the search chooses x, y and the biases)")
    for key in ("fraction", "step"):
        if key in table:
            raise _Bad(key, "does not go with at = \"minima\"")
    try:
        prob = minima.problem(model_spec)
        found = minima.read(_required(table, "minima"), minima.search_key(table))
    except DrawError as exc:
        raise _Bad(exc.key, exc.problem) from None
    fields: dict[str, Any] = {"at": minima.AT, "minima": found}
    allowed = minima.names(prob, ctx.states[0])
    where = ("the state's names, " + ", ".join(minima.QUANTITIES)
             + f", x_norm_K and out_norm_K (K = 0..{prob.N - 1})")
    for key in ("lhs", "rhs"):
        fields[key], _ = _expression(_required(table, key), key, allowed, ctx, where=where)
    relation = _required(table, "relation")
    if relation not in ("<=", "<", ">=", ">"):
        raise _Bad("relation", f"must be one of '<=', '<', '>=', '>', got {_short(relation)}")
    fields["relation"] = relation
    return fields


def _quantity_relation(table: dict[str, Any], model_spec: dict | None, ctx: _Context,
                       where: str) -> dict[str, str]:
    """lhs, rhs (in the quantity names of every instance's state) and the relation."""
    fields = {}
    for key in ("lhs", "rhs"):
        for state in ctx.states:  # every instance's names must make sense of it
            fields[key], _ = _expression(_required(table, key), key,
                                         _quantity_names(model_spec, state, ctx), ctx,
                                         where=where)
    relation = _required(table, "relation")
    if relation not in ("<=", "<", ">=", ">"):
        raise _Bad("relation", f"must be one of '<=', '<', '>=', '>', got {_short(relation)}")
    fields["relation"] = relation
    return fields


MAX_SWEEP = 20_000  # float64 runs of a convergence sweep


def _sweep(table: dict[str, Any], fields: dict, optimizer: dict, schedule, target) -> int:
    """``sweep = N``: the convergence claim is checked by N batched float64 runs
    (:mod:`verify.userclaims.sweep`); plain GD with a constant step to a point or the
    minimisers, a condition, no ``otherwise``, exceptions or exact / long orbits."""
    n = _sweep_count(table)
    if (target == "cycle" or schedule or optimizer.get("method", "gd") != "gd"
            or fields.get("otherwise") or fields.get("exceptions") or fields.get("exact_orbit")
            or fields.get("long_orbit") or "condition" not in fields):
        raise _Bad("sweep", "a sweep checks plain GD with a constant step converging to a point "
                            "or the minimisers under a condition (no cycle, schedule, momentum, "
                            "otherwise, except, exact_orbit or long_orbit)")
    return n


def _sweep_count(table: dict[str, Any], lo: int = 10) -> int:
    n = table["sweep"]
    if isinstance(n, bool) or not isinstance(n, int) or not lo <= n <= MAX_SWEEP:
        raise _Bad("sweep", f"must be an integer {lo}..{MAX_SWEEP} (float64 runs), got "
                            f"{_describe(n)}")
    return n


def _rate_sweep(table: dict[str, Any], optimizer: dict) -> int:
    """``sweep = N`` on a rate claim with a bound: N batched float64 GD runs, failures replayed
    at high precision (:mod:`verify.userclaims.rate_sweep`); plain GD (a schedule may set the
    step), or gradient flow (1..N runs: each integration costs hundreds of gradients)."""
    n = _sweep_count(table, 1 if optimizer.get("method") == "flow" else 10)
    if optimizer.get("method", "gd") not in ("gd", "flow"):
        raise _Bad("sweep", "a rate sweep runs plain GD (a schedule may set the step) or "
                            "gradient flow")
    return n


def _near(table: dict[str, Any], model_spec: dict | None) -> tuple:
    """``near = { sigma = "1", until = [...] }``: each run of a rate sweep starts at a seeded
    Gaussian perturbation of the model's start meeting the relations
    (:mod:`verify.userclaims.near`)."""
    from verify.userclaims import near
    from verify.userclaims.state_values import StatesError

    if "sweep" not in table:
        raise _Bad("near", "perturbed starts are drawn by a rate sweep (sweep = N)")
    try:
        return near.read(table["near"], model_spec)
    except StatesError as bad:
        raise _Bad("near", bad.problem) from None


def _flow(table: dict[str, Any], fields: dict, params: dict, step: str | None, schedule,
          kind: str) -> None:
    """``optimizer = { method = "flow" }``: gradient flow x' = -grad f(x), checked by a rate
    sweep (:mod:`verify.userclaims.flow`); ``step`` is the time between the instants the bound
    is checked at (t = 0, step, ..., steps * step), one number."""
    if kind != "rate" or "sweep" not in fields:
        raise _Bad("optimizer", "gradient flow (method = \"flow\") is checked by a rate sweep: "
                                "kind = \"rate\" with a bound and sweep = N")
    if schedule is not None:
        raise _Bad("schedule", "gradient flow has no step sizes (step is the time between "
                               "the instants the bound is checked at)")
    if not isinstance(params.get(step), str):
        raise _Bad("step", "with gradient flow the step is the time between the instants the "
                           "bound is checked at: one positive number, not an interval")
    from verify.userclaims.flow import MAX_RUNS, MAX_STEPS

    if fields["sweep"] > MAX_RUNS:
        raise _Bad("sweep", f"a gradient flow sweep takes at most {MAX_RUNS} runs (each "
                            f"integration costs hundreds of gradients), got {fields['sweep']}")
    if fields["steps"] > MAX_STEPS:
        raise _Bad("steps", f"a gradient flow is checked at most at {MAX_STEPS} instants after "
                            f"t = 0 (make the step longer), got {fields['steps']}")


def _fraction(value: Any, at: str) -> str:
    """``fraction``: a rational 0 <= f < 1, the share of the sampled minimisers the relation
    must hold at (more than f of them), with ``at = "minimisers"`` only."""
    if at != "minimisers":
        raise _Bad("fraction", "goes with at = \"minimisers\" (the balanced minimiser alone has "
                               "no share)")
    try:
        text = _number(value, "fraction")
    except _Bad as bad:
        raise _Bad("fraction", bad.problem.removeprefix("fraction: ")) from None
    if not 0 <= sp.Rational(text) < 1:
        raise _Bad("fraction", f"must be a number 0 <= f < 1 (the relation holds at more than "
                               f"f of the sampled minimisers), got {_short(value)}")
    return text


def _steps(table: dict[str, Any], lo: int = 1) -> int:
    steps = _required(table, "steps")
    if isinstance(steps, bool) or not isinstance(steps, int) or not lo <= steps <= MAX_STEPS:
        raise _Bad("steps", f"must be a positive integer {lo}..{MAX_STEPS}"
                            f"{' (a fitted rate needs a tail)' if lo > 1 else ''}, "
                            f"got {_describe(steps)}")
    return steps


def _fitted_rate(table: dict[str, Any], ctx: _Context, claim_id: str, metric: str) -> dict:
    """``order = "sublinear"`` with ``exponent`` p, or ``order = "linear"`` with ``factor`` c
    (without it: some c < 1); ``after`` (optional) where the tail starts; ``witness``
    (optional) a proven lower bound that refutes the order."""
    order = table["order"]
    if order not in ORDERS:
        raise _Bad("order", f"must be one of {', '.join(map(repr, ORDERS))}, got {_short(order)}")
    if "bound" in table:
        raise _Bad("bound", "give either bound (a bound for every t) or order (an eventual rate "
                            "with a fitted exponent), not both")
    need, other = ("exponent", "factor") if order == "sublinear" else ("factor", "exponent")
    if other in table:
        raise _Bad(other, f"not used by order = {order!r} (it takes {need})")
    fields: dict[str, Any] = {"order": order}
    if order == "sublinear" or need in table:  # a linear order without factor: some c < 1
        fields[need] = _param_expression(_required(table, need), need, ctx)
    fields["steps"] = steps = _steps(table, lo=2 * MIN_FIT_POINTS)
    if "after" in table:
        after = table["after"]
        top = steps - MIN_FIT_POINTS
        if isinstance(after, bool) or not isinstance(after, int) or not 0 <= after <= top:
            raise _Bad("after", f"must be an integer 0..{top} (steps - {MIN_FIT_POINTS}: the "
                                f"tail must hold {MIN_FIT_POINTS} steps), got {_describe(after)}")
        fields["eventually"] = after
    if "witness" in table:
        fields["witness"] = _witness(table, ctx, claim_id, metric)
    return fields


_WITNESS_KEYS = ("lower", "derivation")


def _witness(table: dict[str, Any], ctx: _Context, claim_id: str, metric: str) -> tuple:
    """``witness = { lower = "...", derivation = "..." }``: metric(x_t) >= lower(t) for every t,
    proven by the named derivation, whose statement is the rate claim "-(metric) <= -(lower)"
    with the claim's other keys (that claim is built here, and compared with the statement by
    :mod:`verify.userclaims.cite`)."""
    value = table["witness"]
    if not isinstance(value, dict):
        raise _Bad("witness", "must be a table { lower = \"...\", derivation = \"...\" }, got "
                              f"{_describe(value)}")
    unknown = sorted(set(value) - set(_WITNESS_KEYS))
    missing = [k for k in _WITNESS_KEYS if k not in value]
    if unknown or missing:
        raise _Bad("witness", f"takes exactly {', '.join(_WITNESS_KEYS)}"
                              + (f"; unknown: {', '.join(map(_short, unknown))}" if unknown
                                 else "")
                              + (f"; missing: {', '.join(missing)}" if missing else ""))
    lower, _ = _expression(value["lower"], "witness.lower", {**ctx.params, "t": real_symbol("t")},
                           ctx, where="t and the parameters")
    try:
        name = _derivation(value["derivation"])
    except _Bad as bad:
        raise _Bad("witness.derivation", bad.problem) from None
    drop = ("order", "exponent", "factor", "after", "witness", "statement")
    stated = {k: v for k, v in table.items() if k not in drop}
    stated.update({"metric": f"-({metric})", "bound": f"-({lower})", "derivation": name})
    try:
        bound = _validate(stated, claim_id)
    except _Bad as bad:
        raise _Bad("witness", f"the lower bound as a rate claim: {bad.key}: "
                              f"{bad.problem}") from None
    return lower, bound


def _cycle_target(table: dict[str, Any], ctx: _Context, optimizer: dict,
                  schedule: str | None) -> dict:
    """``target = "cycle"``: ``period`` k (2..8) and optionally the cycle's ``points``."""
    if optimizer["method"] != "gd" or schedule:
        raise _Bad("target", "a cycle target is about plain GD with a constant step (no "
                             "optimizer, no schedule)")
    period = _required(table, "period")
    if isinstance(period, bool) or not isinstance(period, int) or not 2 <= period <= MAX_PERIOD:
        raise _Bad("period", f"must be an integer 2..{MAX_PERIOD} (a period-1 limit is a point: "
                             f"give it as the target), got {_describe(period)}")
    fields: dict[str, Any] = {"period": period}
    if "points" in table:
        points = _list(table["points"], "points")
        if len(points) != period:
            raise _Bad("points", f"a {period}-cycle has {period} points, got {len(points)}")
        fields["points"] = tuple(
            _point(p, "points", ctx, f"point {i}") for i, p in enumerate(points, start=1))
    return fields


def _identity(table: dict[str, Any], model_spec: dict | None, ctx: _Context,
              loss_expr: sp.Expr | None) -> dict:
    """``lhs == rhs`` identically in the state and the parameters; each side a scalar or
    matrix-valued expression, or a list (vector) / list of rows (matrix) of expressions; the
    same shape on both sides (a scalar 0 on the right stands for the zero matrix)."""
    fields: dict[str, Any] = {"region": _region(table)}
    family = FAMILIES[(model_spec or {}).get("family", "expression")]
    spec = model_spec or {"variables": (), "loss": None}
    step = ctx.params.get(table.get("step")) if isinstance(table.get("step"), str) else None
    if "at" in table:
        return {**fields, **_identity_symmetric(table, model_spec, family, step, ctx)}
    for state in ctx.states:  # every instance's names must make sense of it
        loss = family.loss(spec, state, ctx.params) if model_spec is not None else loss_expr
        declared = set(ctx.params) | set(state.names)
        outputs = getattr(family, "outputs", None) if model_spec is not None else None
        names = {**ctx.params, **state.names,
                 **derivative_names(loss, state.names, step, declared),
                 **second_order_names(loss, state.coords,
                                      outputs and outputs(spec, state, ctx.params),
                                      [table.get("lhs"), table.get("rhs")], declared)}
        where = ("the state, the parameters" + (", loss, grad_NAME, hessian" if loss is not None
                                                else "")
                 + (", outputs, gauss_newton" if outputs is not None else "")
                 + (", gd_NAME" if loss is not None and step is not None else ""))
        fields.update(_sides(table, names, ctx, where))
    return fields


def _sides(table: dict[str, Any], names: dict[str, Any], ctx: _Context, where: str) -> dict:
    """An identity's lhs and rhs, of one shape (a scalar 0 on the right: the zero matrix)."""
    fields, shapes = {}, {}
    for key in ("lhs", "rhs"):
        fields[key], matrix = _side(_required(table, key), key, names, ctx, where)
        shapes[key] = matrix.shape
    if shapes["lhs"] != shapes["rhs"] and not (shapes["rhs"] == (1, 1) and fields["rhs"] == "0"):
        raise _Bad("rhs", f"shape {shapes['rhs'][0]} x {shapes['rhs'][1]} differs from "
                          f"lhs's {shapes['lhs'][0]} x {shapes['lhs'][1]}")
    return fields


def _identity_symmetric(table: dict[str, Any], model_spec: dict | None, family, step,
                        ctx: _Context) -> dict:
    """``at = "symmetric"``: lhs == rhs at the states whose layers of each chain are equal, the
    chains' values named ``w`` (``z``), their layers' GD update ``gd_w`` (``gd_z``)
    (:mod:`verify.userclaims.symmetric`)."""
    from verify.userclaims import symmetric

    if table["at"] != symmetric.AT:
        raise _Bad("at", f"an identity takes at = \"{symmetric.AT}\" (every state whose layers "
                         f"of each chain are equal), got {_short(table['at'])}")
    if (model_spec is None or not hasattr(family, "symmetric_updates")
            or model_spec["width"] != 1):
        raise _Bad("at", "at = \"symmetric\" needs a model table of a layered family of "
                         "width 1 (deep_linear, linear_resnet, double_network)")
    if step is None:
        raise _Bad("step", "at = \"symmetric\" speaks of GD's update gd_NAME: declare the step "
                           "(step = \"delta\", a parameter)")
    own = symmetric.names(family)
    clash = sorted(set(own) & set(ctx.params))
    if clash:
        raise _Bad("params", f"at = \"symmetric\" names the chains' common values and updates "
                             f"{', '.join(own)}: rename the parameter {clash[0]!r}")
    return {"at": symmetric.AT, **_sides(table, {**ctx.params, **own}, ctx,
                                          f"the parameters, {', '.join(own)}")}


def _side(value: Any, key: str, names: dict[str, Any], ctx: _Context,
          where: str) -> tuple[str | tuple, sp.Matrix]:
    """One side of an identity: (its text as stored, its value as a matrix)."""
    if isinstance(value, list):
        rows = value if value and all(isinstance(r, list) for r in value) else [[v] for v in value]
        if (not rows or any(not r for r in rows) or len({len(r) for r in rows}) != 1
                or any(isinstance(v, (list, dict)) for r in rows for v in r)):
            raise _Bad(key, "a vector is a list of expressions and a matrix a list of rows of "
                            f"equal length, got {_describe(value)}")
        texts = tuple(tuple(_expression(v, key, names, ctx, where, what=f"entry [{i}, {j}]")[0]
                            for j, v in enumerate(row)) for i, row in enumerate(rows))
        return texts, sp.Matrix([[parse(v, names) for v in row] for row in texts])
    if isinstance(value, str):
        try:
            parsed = parse(value, names)
        except Exception:  # noqa: BLE001 - _expression below says what is wrong
            parsed = None
        if isinstance(parsed, sp.MatrixBase):
            if any(e.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I) for e in parsed):
                raise _Bad(key, f"{value!r} is not real and finite (it parses to {parsed})")
            return value, sp.Matrix(parsed)
    text, expr = _expression(value, key, names, ctx, where=where)
    return text, sp.Matrix([[expr]])


def _region(table: dict[str, Any]) -> tuple[str, str]:
    value = table.get("region", [-2, 2])
    if not isinstance(value, list) or len(value) != 2:
        raise _Bad("region", f"must be [lo, hi], the interval each state coordinate is drawn "
                             f"from, got {_describe(value)}")
    try:
        lo, hi = (_number(v, end) for v, end in zip(value, ("lo", "hi")))
    except _Bad as exc:
        raise _Bad("region", exc.problem) from None
    if not sp.Rational(lo) < sp.Rational(hi):
        raise _Bad("region", f"[{lo}, {hi}] is empty or a point (lo < hi)")
    return lo, hi


# ---------------------------------------------------------------------------------------------
# Expressions


def _expression(value: Any, key: str, symbols: dict[str, Any], ctx: _Context, where: str,
                what: str = "") -> tuple[str, sp.Expr]:
    """Check that ``value`` is an expression over exactly ``symbols``; (its text, its parse)."""
    prefix = f"{what}: " if what else ""
    if isinstance(value, bool):
        raise _Bad(key, f"{prefix}expected an expression, got a boolean")
    if isinstance(value, int):
        value = str(value)
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _Bad(key, f"{prefix}must be finite, got {value!r}")
        value = repr(value)
    if not isinstance(value, str):
        raise _Bad(key, f"{prefix}expected an expression string, got {_describe(value)}")
    try:
        expr = parse(value, symbols)
    except ExpressionError as exc:
        raise _Bad(key, f"{prefix}{exc}{_hint(str(exc), value, symbols, ctx, where)}") from None
    except Exception as exc:  # noqa: BLE001 - SymPy may fail beyond parse's own net
        raise _Bad(key, f"{prefix}cannot parse {value!r}: {type(exc).__name__}: {exc}") from None
    if not isinstance(expr, sp.Expr):
        raise _Bad(key, f"{prefix}{value!r} is not an expression (it parses to "
                        f"{type(expr).__name__})")
    if getattr(expr, "is_Matrix", False):
        raise _Bad(key, f"{prefix}{value!r} is a {expr.rows} x {expr.cols} matrix; a scalar is "
                        "needed here (det(...), trace(...) or an entry)")
    if expr.has(sp.nan, sp.zoo, sp.oo, -sp.oo, sp.I):
        raise _Bad(key, f"{prefix}{value!r} is not real and finite (it parses to {expr})")
    return value, expr


def _hint(message: str, text: str, symbols: dict[str, Any], ctx: _Context,
          where: str) -> str:
    """Why a name is undeclared: e.g. a variable used where only parameters are allowed."""
    if "undeclared" not in message:
        return ""
    used_vars = [v for v in ctx.variables if v not in symbols and re.search(rf"\b{v}\b", text)]
    if used_vars:
        return f" (only {where} are allowed here, not the variable(s) {', '.join(used_vars)})"
    return f" (allowed symbols: {', '.join(symbols) or 'none'})"


def _limit(table: dict[str, Any], kind: str, params: dict, rays: dict[str, str],
           ctx: _Context) -> dict[str, Any]:
    """``limit``: lhs -> rhs as the parameter ``tends`` goes to ``to``, an end of its range
    ("oo" or "-oo" for a half-line "> a" / "< a", else the number ending its interval or
    half-line, approached from inside); rhs an expression of the other parameters, or "oo" /
    "-oo".  ``varies``: lhs is not constant in the parameter ``in``.  The parameter must range
    over an interval or a half-line (not a pinned value)."""
    if "assume" in table:  # the claim is for every value of the box: a range is an interval
        raise _Bad("assume", f"kind {kind!r} is stated for every value of the parameters' "
                             "intervals and half-lines; narrow those instead of assuming")
    key = "tends" if kind == "limit" else "in"
    name = _required(table, key)
    if not (isinstance(name, str) and isinstance(params.get(name), tuple)
            and sp.Rational(params[name][0]) < sp.Rational(params[name][1])):
        raise _Bad(key, "must name a parameter that ranges over an interval or a half-line, "
                        f"got {_short(name)}")
    fields = {"lhs": _param_expression(_required(table, "lhs"), "lhs", ctx), "over": name}
    if kind == "varies":
        return fields
    to, ray = _required(table, "to"), rays.get(name, "")
    if to in INFINITIES:
        if not ray.startswith(">" if to == "oo" else "<"):
            raise _Bad("to", f"{to} is not an end of {name}'s range (declare {name} = "
                             f"\"{'>' if to == 'oo' else '<'} a\", a half-line)")
    else:
        ends = ([ray.lstrip("<>= ")] if ray else list(params[name]))
        try:
            value = sp.Rational(_number(to, "to"))
        except _Bad:
            value = None
        if value is None or value not in [sp.Rational(e) for e in ends]:
            raise _Bad("to", f"must be an end of {name}'s range ({', '.join(ends)}"
                             f"{', ' + ('oo' if ray[:1] == '>' else '-oo') if ray else ''}), "
                             f"got {_short(to)}")
        to = str(value)
    rhs = _required(table, "rhs")
    if rhs not in INFINITIES:
        others = {k: v for k, v in ctx.params.items() if k != name}
        try:
            rhs = _expression(rhs, "rhs", others, ctx, where="the other parameters")[0]
        except _Bad as exc:
            raise _Bad("rhs", f"{exc.problem}; the limit is an expression of the parameters "
                              f"other than {name}, or oo / -oo") from None
    return {**fields, "to": to, "rhs": rhs}


def _param_expression(value: Any, key: str, ctx: _Context, what: str = "") -> str:
    return _expression(value, key, ctx.params, ctx, where="the parameters", what=what)[0]


def _point(value: Any, key: str, ctx: _Context, what: str = "") -> tuple[str, ...]:
    prefix = f"{what}: " if what else ""
    n = ctx.coords
    if n is None:
        raise _Bad(key, f"{prefix}the number of coordinates depends on an integer parameter; "
                        + ("give one expression every coordinate tends to (target = \"0\")"
                           if key == "target" else "give the model's 'init' instead"))
    if not isinstance(value, list):
        raise _Bad(key, f"{prefix}must be a list of {n} expression(s) "
                        f"(one per coordinate), got {_describe(value)}")
    value = _flatten(value)
    if len(value) != n:
        labels = ", ".join(ctx.states[0].labels) if ctx.states else ""
        raise _Bad(key, f"{prefix}has {len(value)} coordinate(s) but there are "
                        f"{n} variable(s) ({labels})")
    return tuple(
        _param_expression(v, key, ctx, what=f"{prefix}coordinate {i}")
        for i, v in enumerate(value, start=1))


def _limit_condition(table: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    """A convergence condition: in the parameters, or also in the state variables (then they
    stand for the limit GD converged to: ``at_limit``)."""
    value = _required(table, "condition")
    try:
        return {"condition": _relation(value, "condition", ctx)}
    except _Bad:
        names = ctx.states[0].names if len(ctx.states) == 1 else {}
        if not names or not isinstance(value, str):
            raise
        try:
            text = _relation(value, "condition", _Context({**ctx.params, **names}, {}))
        except _Bad as exc:
            raise _Bad("condition", f"{exc.problem} (the parameters, or the state variables "
                                    "standing for the limit)") from None
        return {"condition": text, "at_limit": True}


def _land(table: dict[str, Any], params: dict, fields: dict[str, Any]) -> str:
    """``land``: a free parameter (an interval) the exact orbit solves for, so that one GD
    step from the start lands exactly on the target."""
    name = table["land"]
    if not fields["exact_orbit"]:
        raise _Bad("land", "goes with exact_orbit = true (the landing is decided exactly)")
    if not (isinstance(name, str) and isinstance(params.get(name), tuple)
            and sp.Rational(params[name][0]) < sp.Rational(params[name][1])):
        raise _Bad("land", "must name a parameter that ranges over an interval, got "
                           f"{_short(name)}")
    return name


def _relation(value: Any, key: str, ctx: _Context, what: str = "") -> str:
    prefix = f"{what}: " if what else ""
    if not isinstance(value, str):
        raise _Bad(key, f"{prefix}expected a relation string like \"delta < 1\", "
                        f"got {_describe(value)}")
    try:
        rel = parse(value, ctx.params)
    except ExpressionError as exc:
        hint = _hint(str(exc), value, ctx.params, ctx, "the parameters")
        raise _Bad(key, f"{prefix}{exc}{hint}") from None
    except Exception as exc:  # noqa: BLE001
        raise _Bad(key, f"{prefix}cannot parse {value!r}: {type(exc).__name__}: {exc}") from None
    if isinstance(rel, BooleanAtom):
        raise _Bad(key, f"{prefix}{value!r} is always {rel} given the declared parameters "
                        "(the step is positive); write a relation that constrains them"
                        + ("; for equality write Eq(a, b)" if "==" in value else ""))
    if not isinstance(rel, Relational):
        raise _Bad(key, f"{prefix}{value!r} is not a relation (<, <=, >, >=, Eq(a, b)); "
                        f"it parses to {type(rel).__name__}"
                        + ("; write one relation per entry" if key == "assume" else ""))
    return value


# ---------------------------------------------------------------------------------------------
# Messages


def _describe(value: Any) -> str:
    """A value and its TOML type, for messages."""
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array",
             dict: "table"}
    kind = names.get(type(value), type(value).__name__)
    return f"{kind} {_short(value)}"


def _short(value: Any, limit: int = 60) -> str:
    text = str(value).lower() if isinstance(value, bool) else repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def parse_table(table: dict[str, Any]) -> ClaimSpec | BadClaim:
    """Validate one claim given as a mapping (the Python API's entry point)."""
    return _parse_one(dict(table), 1, {})
