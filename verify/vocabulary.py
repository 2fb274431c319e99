"""The suite's vocabulary: claims, checks, evidence and verdicts (DESIGN.md, "The vocabulary").

Everything here is small, frozen and serialisable.  A check function receives a
:class:`CheckContext` and returns a :class:`Finding`; the runner wraps the finding into an
:class:`Evidence` record (adding the tier, the reproduce line and the timing), and
:func:`verdict` derives a claim's status from its evidence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np


class Tier(str, Enum):
    """How strong a check's evidence is, weakest first."""

    EMPIRICAL = "empirical"  # float64 GD runs: can refute, never prove
    PRECISE = "precise"  # mpmath at a declared precision on a finite set
    CERTIFIED = "certified"  # ball enclosures proving a statement on a whole box
    SYMBOLIC = "symbolic"  # exact, for every member of the family it names




class Outcome(str, Enum):
    """What one check concluded about one claim."""

    SUPPORTS = "supports"
    REFUTES = "refutes"  # only with a counterexample re-evaluated at high precision
    UNDECIDED = "undecided"
    ERROR = "error"


class Status(str, Enum):
    """A claim's verdict."""

    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    INCONCLUSIVE = "inconclusive"
    NOT_CHECKABLE = "not-checkable"
    ERROR = "error"


class Strength(str, Enum):
    """How strongly a confirmed claim is established (issue 18)."""

    PROVEN = "proven"  # for every member of the class the claim states
    PROVEN_ON_INSTANCES = "proven-on-instances"  # exact or certified on listed instances
    SAMPLED = "sampled"  # high precision or float at finitely many points


class Scope(str, Enum):
    """What one piece of evidence covers."""

    CLASS = "class"  # every member of the stated set (a whole box, every depth)
    INSTANCES = "instances"  # an explicit list of instances (L in {2, 3, 4}, d = 2)
    SAMPLE = "sample"  # finitely many sampled points


@dataclass(frozen=True)
class Coverage:
    """What a check's evidence covers: declared by the check, never inferred from its tier.

    Attributes:
        scope: class, instances or sample.
        covers: the set covered, parameter by parameter, as text in the claim's own notation
            (``{"delta": "[1/100, 1]"}``, ``{"L": "{2, 3, 4}", "d": "2"}``).  A class proof makes
            a claim ``proven`` only when this equals the claim's stated :attr:`Claim.scope`.
        points: how many points a sample evaluated.
        decides: False when the evidence establishes only a side fact or a part of the claim.
        part: which of the claim's :attr:`Claim.parts` a non-deciding proof establishes.
    """

    scope: Scope
    covers: Mapping[str, str] = field(default_factory=dict)
    points: int | None = None
    decides: bool = True
    part: str = ""  # the part of the claim a non-deciding proof establishes (Claim.parts)

    def describe(self) -> str:
        where = ", ".join(f"{k} {v}" if v[:1] in "=<>!" else f"{k} in {v}"
                          for k, v in self.covers.items())
        if self.scope is Scope.SAMPLE:
            count = f"{self.points} points" if self.points is not None else "sampled points"
            return f"{count}" + (f" of {where}" if where else "")
        return where or self.scope.value


@dataclass(frozen=True)
class Reference:
    """Where a claim is printed: paper key, the paper's own locator, optional url."""

    paper: str
    where: str
    url: str = ""


@dataclass(frozen=True)
class Counterexample:
    """A concrete point where a claim fails, re-evaluated at high precision.

    Attributes:
        at: the point (parameter and start values) as decimal strings.
        observed: what the check measured there.
        claimed: what the claim says it should be.
        tol: the tolerance the comparison used.
        margin: observed minus claimed (or the violated inequality's slack), computed at
            ``dps`` digits; its sign is the refutation.
        dps: decimal digits of the high-precision re-evaluation.
        note: one sentence saying what fails at this point.
    """

    at: Mapping[str, str]
    observed: str
    claimed: str
    tol: str
    margin: str
    dps: int
    note: str = ""
    replay: Mapping[str, str] | None = None  # the --at point that re-checks exactly this case


@dataclass(frozen=True)
class Series:
    """One data series of a figure; numbers as decimal strings."""

    label: str
    x: tuple[str, ...]
    y: tuple[str, ...]
    style: str = "line"  # line | points | step


@dataclass(frozen=True)
class RefLine:
    """A reference line drawn on a figure (a claimed threshold, y = x, ...)."""

    label: str
    axis: str  # "x" (vertical line at x=value), "y" (horizontal) or "diag" (y = x)
    value: str = "0"


@dataclass(frozen=True)
class Figure:
    """A figure as data: the report draws it, so reports re-render from results.json alone."""

    id: str
    title: str
    caption: str
    xlabel: str
    ylabel: str
    series: tuple[Series, ...]
    xscale: str = "linear"
    yscale: str = "linear"
    lines: tuple[RefLine, ...] = ()


@dataclass(frozen=True)
class Finding:
    """What a check function returns; the runner turns it into :class:`Evidence`."""

    outcome: Outcome
    detail: str
    numbers: Mapping[str, str] = field(default_factory=dict)
    counterexample: Counterexample | None = None
    figures: tuple[Figure, ...] = ()
    coverage: Coverage | None = None  # what the evidence covers (None: not declared)


# Default wall-clock safety net of one check (--quick, full).  Generous on purpose: work units
# (expression sizes, GD steps, boxes) bound the work deterministically; the clock only stops a
# hang, so a loaded machine does not turn a verdict into "budget exhausted".
BUDGET_QUICK_S = 120.0
BUDGET_FULL_S = 300.0


class BudgetExhausted(Exception):
    """A check ran out of its budget (work units or wall clock); the message says which and
    where.  The check is then ``undecided``, never supports or refutes because of it."""


@dataclass(frozen=True)
class CheckContext:
    """What a check may use: its own seeded generator, the budget and the precision.

    ``at`` (a replay point, name -> decimal string) asks a search check to evaluate exactly that
    case instead of searching.  ``budget_s`` is the wall-clock safety net of one check (None:
    :data:`BUDGET_QUICK_S` / :data:`BUDGET_FULL_S`); a check that runs out of it says
    ``undecided`` ("budget exhausted"), never supports or refutes because of it.
    """

    seed: int
    quick: bool
    dps: int = 50
    at: Mapping[str, str] | None = None
    budget_s: float | None = None

    @property
    def budget(self) -> float:
        """This check's wall-clock budget in seconds."""
        if self.budget_s is not None:
            return self.budget_s
        return BUDGET_QUICK_S if self.quick else BUDGET_FULL_S

    def rng(self) -> np.random.Generator:
        """A fresh generator for this check (no global random state)."""
        return np.random.default_rng(self.seed)


@dataclass(frozen=True)
class Check:
    """One way of testing a claim.

    Attributes:
        name: short name, unique within the claim (used in reproduce lines).
        tier: the strength of the evidence it can give.
        run: the function computing the finding.
        scope: what the check covers, in one sentence (shown in the report).
        attempt: an opportunistic proof attempt (symbolic or certified) whose ``undecided`` does
            not make the claim inconclusive when the other checks support it.
        share: a key naming one computation that several claims run alike (the same check of
            the same statement, e.g. a paper's theorem and the slides' copy of it): its seed is
            derived from this key instead of the claim id, so they compute the same finding,
            and a process computes it once (:func:`verify.runner.run_check`).
    """

    name: str
    tier: Tier
    run: Callable[[CheckContext], Finding]
    scope: str = ""
    attempt: bool = False  # a try at a stronger proof: when undecided it does not block a verdict
    share: str = ""  # one computation for every claim naming this key (seeded by the key)


@dataclass(frozen=True)
class Claim:
    """A statement from a paper (or a user), as printed, with the checks that test it.

    Attributes:
        id: ``<paper>.<locator>``, lower case, stable.
        ref: where it is printed.
        statement: the statement as printed.
        hypotheses: the hypotheses as data (parameter boxes, assumptions), strings.
        asserts: the relation asserted, in one line (``rho <= (2/(L delta))^(L/(2L-2))``).
        checks: the checks that apply.
        amends: the id of the printed claim this one corrects, if any.
        amend_reason: why the amendment was needed.
        not_checkable: what data is missing, when the claim cannot be checked as printed.
        control: a deliberately false variant that must come out refuted.
        caveat: a degenerate edge the paper's evident scope excludes (L = 1, width 1), where the
            statement fails; the headline is checked on the intended scope and the edge is
            stated, and checked, as its own claim (issue 17's edge rule).
    """

    id: str
    ref: Reference
    statement: str
    hypotheses: Mapping[str, str]
    asserts: str
    checks: tuple[Check, ...]
    amends: str | None = None
    amend_reason: str = ""
    not_checkable: str | None = None
    control: bool = False
    source: str | None = None  # the claim file a user claim came from (None: a paper module)
    # The free parameters a replay (--at) may set, with their closed intervals (claim files);
    # None: the checks validate their own replay names (paper modules).
    replay_box: Mapping[str, tuple[str, str]] | None = None
    # The class the claim speaks of, parameter by parameter (``{"delta": "[1/100, 1]"}``,
    # ``{"L": ">= 2"}``); a check proves the claim for the whole class only by covering exactly
    # this.  None: not stated as data, so no evidence can make the claim ``proven``.
    scope: Mapping[str, str] | None = None
    # The parts that together make the claim (a cycle: "orbit" and "stability"); proofs of every
    # part over the whole class prove the claim even when no single check proves all of it.
    parts: tuple[str, ...] = ()
    caveat: str = ""


@dataclass(frozen=True)
class Evidence:
    """One check's result on one claim, as recorded in results.json."""

    check: str
    tier: Tier
    outcome: Outcome
    detail: str
    numbers: Mapping[str, str]
    counterexample: Counterexample | None
    reproduce: str
    seconds: str
    figures: tuple[Figure, ...] = ()
    attempt: bool = False
    coverage: Coverage | None = None


def verdict(claim: Claim, evidence: list[Evidence] | tuple[Evidence, ...]) -> Status:
    """Derive a claim's status from its evidence (the one rule the whole suite uses).

    A single refutation decides; an error comes next; a claim that needs missing data is
    ``not-checkable`` whatever its reduced checks said; otherwise the claim is confirmed only
    when every check supports it (an undecided proof *attempt* is passed over), and
    inconclusive when any other check is undecided.
    """
    outcomes = [e.outcome for e in evidence
                if not (e.attempt and e.outcome is Outcome.UNDECIDED)]
    if Outcome.REFUTES in outcomes:
        return Status.REFUTED
    if Outcome.ERROR in outcomes:
        return Status.ERROR
    if claim.not_checkable:
        return Status.NOT_CHECKABLE
    if outcomes and all(o is Outcome.SUPPORTS for o in outcomes):
        return Status.CONFIRMED
    return Status.INCONCLUSIVE


_EXACT_TIERS = (Tier.SYMBOLIC, Tier.CERTIFIED)


def strength(claim: Claim, evidence: list[Evidence] | tuple[Evidence, ...],
             status: Status) -> tuple[Strength | None, str]:
    """How strongly a confirmed claim is established, and on what (None for other statuses).

    Derived only from what each supporting check declared it covers (:class:`Coverage`):

    * ``proven``: a symbolic or certified check that decides the claim covers exactly the
      class the claim states (:attr:`Claim.scope`), or such checks prove every one of the
      claim's :attr:`Claim.parts` on exactly that class;
    * ``proven-on-instances``: such a check covers a listed set of instances (or a part of the
      class): the covered set is returned;
    * ``sampled``: otherwise; the sample sizes and boxes are returned.

    A float or mpmath check can never prove, whatever it declares.
    """
    if status is not Status.CONFIRMED:
        return None, ""
    if claim.parts:
        return _weakest_part(claim, evidence)
    declared = [e for e in evidence if e.outcome is Outcome.SUPPORTS and e.coverage is not None]
    whole_class = [e for e in declared if e.tier in _EXACT_TIERS
                   and e.coverage.scope is Scope.CLASS and claim.scope is not None
                   and dict(e.coverage.covers) == dict(claim.scope)]
    for e in whole_class:
        if e.coverage.decides:
            return Strength.PROVEN, f"{e.check}: {e.coverage.describe()}"
    deciding = [e for e in declared if e.coverage.decides]
    exact = [e for e in deciding if e.tier in _EXACT_TIERS
             and e.coverage.scope in (Scope.CLASS, Scope.INSTANCES)]
    if exact:
        return Strength.PROVEN_ON_INSTANCES, "; ".join(
            f"{e.check}: {e.coverage.describe()}" for e in exact)
    sampled = [e for e in deciding if e.coverage.scope is Scope.SAMPLE]
    basis = "; ".join(f"{e.check}: {e.coverage.describe()}" for e in sampled)
    return Strength.SAMPLED, basis or "no check declared what it covers"


_ORDER = (Strength.SAMPLED, Strength.PROVEN_ON_INSTANCES, Strength.PROVEN)


def _weakest_part(claim: Claim, evidence) -> tuple[Strength, str]:
    """A claim made of :attr:`Claim.parts`: the weakest part's strength.  A part's evidence is
    what declares that part (``coverage.part`` equal to it, or a prefix ``p`` of a part named
    ``p.q``), which decides that part, plus what declares no part (it covers the whole claim)."""
    def mine(e: Evidence, part: str) -> bool:
        tag = e.coverage.part if e.coverage is not None else ""
        return not tag or part == tag or part.startswith(tag + ".")

    results = []
    for part in claim.parts:
        own = [replace(e, coverage=replace(e.coverage, decides=True, part=""))
               if e.coverage is not None and e.coverage.part else e
               for e in evidence if mine(e, part)]
        results.append((part, *strength(replace(claim, parts=()), own, Status.CONFIRMED)))
    weakest = min(results, key=lambda r: _ORDER.index(r[1]))[1]
    if weakest is Strength.PROVEN and len({basis for _, _, basis in results}) == 1:
        return weakest, results[0][2]  # one check proves the whole claim
    return weakest, "; ".join(f"{part}: {s.value} ({basis})" for part, s, basis in results)
