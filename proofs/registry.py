"""Named derivations a claim file may cite (``derivation = "wu2019zas.lemma_a1"``).

A :class:`Derivation` pairs the statement it proves, written as claim-language data (texts:
the class as parameter -> set, the defined numbers, the assumptions and the relations, read by
the claim language's own parsers), with the function that returns its proof steps
(:mod:`proofs.derivation`: identities, inequalities over the class and named premises, each
checked by SymPy on every run).  A claim file names a derivation, never code: the name is
looked up in :data:`REGISTRY` (a dict; nothing is imported or evaluated by name), and the
claim-language check (:mod:`verify.userclaims.cite`) first verifies that the citing claim
states exactly this statement before it runs the steps.

The derivations live beside their proofs (each module's ``DERIVATIONS``); this module only
collects them.  It never imports :mod:`verify`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache


@dataclass(frozen=True)
class Statement:
    """What a derivation proves, as claim-language texts.

    Attributes:
        kind: the claim kind that states it (``"inequality"`` or ``"identity"``).
        at: ``"states"`` for an inequality at states of a linear chain
            (:mod:`verify.userclaims.states`), else None (a relation over a parameter box).
        scope: the class proved, parameter -> set (``{"L": ">= 2", "d": ">= 1"}``): the
            claim's class when it cites the derivation, and the proof's coverage.
        define: at states: the defined numbers (name, expression), in order.
        assume: at states: the conditions on the state; else the assumptions on the
            parameters (relations).
        relations: the relations proved (``"lhs <= rhs"``; an identity ``"lhs == rhs"``).
        step: at states: the defined number ``next(...)`` steps with (None: no step).
        params: without ``at``: parameter -> its range as a claim file writes it (``"> 0"``,
            ``"[0, 1]"``; an integer parameter ``">= 2"`` under ``integers``).  For a kind of
            GD on a model or loss (``keys`` given) the class each parameter is drawn from: the
            citing claim's intervals must lie in it.
        keys: for a kind of GD on a model or loss (``convergence``, ``trajectory``, ``rate``): the
            claim's other keys as a claim file writes them (``model``, ``step``, ``condition``,
            ``target``, ``quantity``, ...); the citing claim must have exactly these.
    """

    kind: str
    scope: Mapping[str, str]
    relations: tuple[str, ...]
    at: str | None = None
    define: tuple[tuple[str, str], ...] = ()
    assume: tuple[str, ...] = ()
    step: str | None = None
    params: Mapping[str, str] = field(default_factory=dict)
    integers: Mapping[str, str] = field(default_factory=dict)
    keys: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Derivation:
    """A named derivation: its paper locator, its statement and its proof steps."""

    name: str
    where: str
    statement: Statement
    steps: Callable[[], list]
    summary: str


# the modules whose ``DERIVATIONS`` are collected (proof modules, not paper keys)
_MODULES = ("proofs.zas_class", "proofs.resnet_class", "proofs.general_depth")


@lru_cache(maxsize=1)
def registry() -> Mapping[str, Derivation]:
    """Every registered derivation by name."""
    import importlib

    out: dict[str, Derivation] = {}
    for module in _MODULES:
        for d in importlib.import_module(module).DERIVATIONS:
            if d.name in out:
                raise ValueError(f"derivation {d.name!r} registered twice")
            out[d.name] = d
    return out


def lookup(name: object) -> Derivation:
    """The derivation called ``name``.

    Raises:
        KeyError: ``name`` is not a registered name (the message lists the known ones).
    """
    known = registry()
    if not isinstance(name, str) or name not in known:
        raise KeyError(f"unknown derivation {str(name)[:80]!r}; known: {', '.join(sorted(known))}")
    return known[name]
