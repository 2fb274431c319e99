"""The ``order`` kind: a quantity is O(g(L)) as an integer L -> oo, read off a table of L.

A claim names

* ``depths = { L = [10, 100, ...] }``: the integer variable and the table of its values
  (increasing, 1 <= L <= 10^15, 4 to 40 of them);
* ``roots`` (optional): numbers defined at each L as a root of an equation,
  ``s = { equation = "s*(1 + s)**(L - 1) - 1", between = ["0", "1"] }``; the equation and the
  ends are expressions in L and the roots named before it; the ends must give the equation
  opposite signs (else that depth decides nothing), and bisection finds a root between them
  (the claim file says which root it means by the bracket: the equation should have one there);
* ``quantity``: an expression in L and the roots;
* ``big_o``: g(L), the claimed order (``quantity = O(big_o)``);
* ``constant``: the C of |quantity| <= C |big_o| that "bounded" means on the table;
* ``growth`` (optional, 100): the factor that "grows" means.

The ratio r(L) = |quantity| / |big_o| is computed at every depth with mpmath at the run's
digits (a sampled reading of an asymptotic statement; Wu, Wang & Ma's eq. (4.7) read at the
limit point of the zero-asymmetric start, ``verify/papers/wu2019zas.toml``):

* **supports** when r <= constant at every depth and the increments of r over the last
  :data:`TAIL` depths shrink in size (bounded, settling);
* **refutes** when r increases along the whole table and grows by at least ``growth`` from the
  first depth L0 to some depth L1: the counterexample is the pair (L0, L1), the smallest such
  L1, recomputed at the run's digits and 20 more (the two must agree); its replay
  ``--at L=L1,first=L0`` recomputes r at those two depths and refutes when r(L1) >= growth r(L0);
* **undecided** otherwise (a ratio above the constant that is not steadily growing, or one still
  moving without settling; a depth where a bracket has no sign change or a value is not finite).

Every conclusion is about the listed depths: the strength is ``sampled``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import pairwise
from dataclasses import dataclass

import mpmath
import sympy as sp

from proofs.compile import to_mpmath
from proofs.expressions import ExpressionError, parse
from verify.checks.common import set_text
from verify.replay import ReplayError
from verify.userclaims.state_values import StatesError
from verify.vocabulary import (
    Check, CheckContext, Counterexample, Coverage, Finding, Outcome, Scope, Tier,
)

ORDER_KEYS = ("id", "statement", "kind", "depths", "roots", "quantity", "big_o", "constant",
              "growth")
MIN_DEPTHS, MAX_DEPTHS, MAX_DEPTH_VALUE, MAX_ROOTS = 4, 40, 10**15, 4
TAIL = 4  # the depths whose increments must shrink
EXTRA_DPS = 20  # the second precision a refutation is recomputed at
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,19}\Z")
_RESERVED = ("oo", "pi", "E", "I", "t", "first")


class OrderError(StatesError):
    """A bad key of an order claim: ``key`` names it."""


@dataclass(frozen=True)
class OrderClaim:
    """The validated keys (texts; compiled where used)."""

    variable: str
    depths: tuple[int, ...]
    roots: tuple[tuple[str, str, str, str], ...]  # (name, equation, lo, hi)
    quantity: str
    big_o: str
    constant: str
    growth: str


def _expr(text, key: str, names: Mapping[str, sp.Symbol], what: str) -> str:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        text = repr(text)
    if not isinstance(text, str):
        raise OrderError(key, f"must be an expression (a string) in {what}, got "
                              f"{type(text).__name__}")
    try:
        value = parse(text, dict(names))
    except ExpressionError as exc:
        raise OrderError(key, f"{exc} (names allowed: {what})") from None
    if not isinstance(value, sp.Expr) or getattr(value, "is_Matrix", False):
        raise OrderError(key, f"must be a number-valued expression in {what}")
    return text


def read(table: Mapping) -> OrderClaim:
    """The order claim's keys, checked.

    Raises:
        OrderError: naming the key.
    """
    for key in table:
        if key not in ORDER_KEYS:
            raise OrderError(key, "not used by kind \"order\"; allowed keys: "
                                  f"{', '.join(sorted(ORDER_KEYS))}")
    for key in ("depths", "quantity", "big_o", "constant"):
        if key not in table:
            raise OrderError(key, "missing required key of kind \"order\"")
    depths = table["depths"]
    if not (isinstance(depths, Mapping) and len(depths) == 1):
        raise OrderError("depths", "must be a table with one integer name and its values, "
                                   "depths = { L = [10, 100, 1000, 10000] }")
    (variable, values), = depths.items()
    if not _NAME.match(str(variable)) or variable in _RESERVED:
        raise OrderError("depths", f"{variable!r} is not a usable name")
    if not (isinstance(values, list) and MIN_DEPTHS <= len(values) <= MAX_DEPTHS and all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= MAX_DEPTH_VALUE
            for v in values) and all(a < b for a, b in pairwise(values))):
        raise OrderError("depths", f"{variable} must list {MIN_DEPTHS} to {MAX_DEPTHS} "
                                   f"increasing integers in 1..10^15")
    names = {variable: sp.Symbol(variable, integer=True, positive=True)}
    roots = []
    given = table.get("roots", {})
    if not isinstance(given, Mapping) or len(given) > MAX_ROOTS:
        raise OrderError("roots", f"must be a table of at most {MAX_ROOTS} name = "
                                  "{ equation = \"...\", between = [\"lo\", \"hi\"] }")
    for name, body in given.items():
        key = f"roots.{name}"
        if not _NAME.match(str(name)) or name in names or name in _RESERVED:
            raise OrderError(key, f"{name!r} is not a usable new name")
        if not (isinstance(body, Mapping) and set(body) == {"equation", "between"}
                and isinstance(body["between"], list) and len(body["between"]) == 2):
            raise OrderError(key, "must be { equation = \"...\", between = [\"lo\", \"hi\"] }")
        what = ", ".join(names)
        lo = _expr(body["between"][0], key + ".between", names, what)
        hi = _expr(body["between"][1], key + ".between", names, what)
        inner = {**names, name: sp.Symbol(name, real=True)}
        equation = _expr(body["equation"], key + ".equation", inner, ", ".join(inner))
        roots.append((name, equation, lo, hi))
        names = inner
    what = ", ".join(names)
    quantity = _expr(table["quantity"], "quantity", names, what)
    big_o = _expr(table["big_o"], "big_o", names, what)
    constant = _expr(table["constant"], "constant", {}, "numbers only")
    growth = _expr(table.get("growth", "100"), "growth", {}, "numbers only")
    for key, text in (("constant", constant), ("growth", growth)):
        value = parse(text, {})
        if not (value.is_number and value.is_real and value > (1 if key == "growth" else 0)):
            raise OrderError(key, f"must be a number {'> 1' if key == 'growth' else '> 0'}, "
                                  f"got {text!r}")
    return OrderClaim(variable, tuple(values), tuple(roots), quantity, big_o, constant, growth)


# --- evaluation ---------------------------------------------------------------------------


class _Compiled:
    """The claim's expressions as mpmath functions of (L, roots so far)."""

    def __init__(self, claim: OrderClaim):
        symbols = {claim.variable: sp.Symbol(claim.variable, integer=True, positive=True)}
        order = [symbols[claim.variable]]
        self.key = (claim.variable, claim.roots)
        self.roots = []
        for name, equation, lo, hi in claim.roots:
            inner = {**symbols, name: sp.Symbol(name, real=True)}
            self.roots.append((name, to_mpmath(parse(equation, inner), order + [inner[name]]),
                               to_mpmath(parse(lo, symbols), order),
                               to_mpmath(parse(hi, symbols), order)))
            symbols = inner
            order = order + [inner[name]]
        self.quantity = to_mpmath(parse(claim.quantity, symbols), order)
        self.big_o = to_mpmath(parse(claim.big_o, symbols), order)
        self.constant = parse(claim.constant, {})
        self.growth = parse(claim.growth, {})

    def ratio(self, L: int):
        """|quantity| / |big_o| at L (at the working precision), or a text saying why not."""
        key = (self.key, L, mpmath.mp.prec)
        args = _ROOTS.get(key)
        if args is None:
            args = [mpmath.mpf(L)]
            for name, equation, lo, hi in self.roots:
                root = _bisect(lambda x, eq=equation, a=tuple(args): eq(*a, x), lo(*args),
                               hi(*args))
                if isinstance(root, str):
                    return f"root {name} at {L}: {root}"
                args.append(root)
            if len(_ROOTS) >= MAX_REMEMBERED:
                _ROOTS.clear()
            _ROOTS[key] = args
        q, g = _real(self.quantity(*args)), _real(self.big_o(*args))
        if q is None or g is None or not (mpmath.isfinite(q) and mpmath.isfinite(g)) or g == 0:
            return f"quantity or big_o at {L} is not a finite real number (big_o nonzero)"
        return abs(q) / abs(g)


# the roots at (variable, roots, L, precision): the claims and parts that read the same table
# (eq. (4.7) as printed, Lemma 4.4, the amended reading) solve each root once per process
_ROOTS: dict = {}
MAX_REMEMBERED = 4096


def _real(value):
    """``value`` as an mpf when it is a real number (a constant compiles to an int), else None."""
    if isinstance(value, (int, float, mpmath.mpf)) and not isinstance(value, bool):
        value = mpmath.mpf(value)
        return None if mpmath.isnan(value) else value
    return None


def _bisect(f, lo, hi):
    """A root of f between lo and hi (opposite signs) to the working precision, or why not:
    the bracket is kept at every step (bisection, then Illinois false position)."""
    lo, hi = _real(lo), _real(hi)
    if lo is None or hi is None or not (mpmath.isfinite(lo) and mpmath.isfinite(hi)) \
            or lo >= hi:
        return "the bracket is not two finite numbers lo < hi"
    flo, fhi = _real(f(lo)), _real(f(hi))
    if flo is None or fhi is None:
        return "the equation is not a real number at an end of the bracket"
    if flo == 0 or fhi == 0:
        return lo if flo == 0 else hi
    if (flo > 0) == (fhi > 0):
        return "the equation has the same sign at both ends of the bracket"
    eps, side = mpmath.mpf(2) ** (-mpmath.mp.prec), 0
    for _ in range(8 * mpmath.mp.prec):
        if hi - lo <= eps * max(abs(lo), abs(hi)):
            return (lo + hi) / 2
        # halve while the bracket spans 0 or a factor 2; then false position (Illinois),
        # which keeps the bracket and converges superlinearly
        mid = (lo + hi) / 2
        if (lo > 0 and hi <= 2 * lo) or (hi < 0 and lo >= 2 * hi):
            guess = (lo * fhi - hi * flo) / (fhi - flo)
            mid = guess if lo < guess < hi else mid
        if mid in (lo, hi):
            return mid
        fm = _real(f(mid))
        if fm is None:
            return "the equation is not a real number inside the bracket"
        if fm == 0:
            return mid
        if (fm > 0) == (fhi > 0):
            hi, fhi = mid, fm
            flo, side = (flo / 2 if side == 1 else flo), 1
        else:
            lo, flo = mid, fm
            fhi, side = (fhi / 2 if side == -1 else fhi), -1
    return "bisection did not settle"


def _table(comp: _Compiled, depths, dps: int):
    with mpmath.workdps(dps):
        return [comp.ratio(L) for L in depths]


# --- the check ----------------------------------------------------------------------------


def order_checks(spec) -> tuple[tuple[Check, ...], dict[str, str]]:
    """The claim's one check and the class it states (the table of depths)."""
    claim: OrderClaim = spec.order_table
    scope = {claim.variable: set_text(claim.depths)}

    def run(ctx: CheckContext) -> Finding:
        comp = _Compiled(claim)
        if ctx.at is not None:
            return _replayed(comp, claim, ctx)
        ratios = _table(comp, claim.depths, ctx.dps)
        numbers = {f"{claim.variable}={L}": (r if isinstance(r, str) else
                                              f"ratio {mpmath.nstr(r, 8)}")
                   for L, r in zip(claim.depths, ratios)}
        bad = next((r for r in ratios if isinstance(r, str)), None)
        if bad is not None:
            return Finding(Outcome.UNDECIDED, bad, numbers)
        growth = _growth(comp, claim, ratios, ctx.dps)
        if growth is not None:
            return growth(numbers)
        tail = ratios[-TAIL:]
        steps = [b - a for a, b in pairwise(tail)]
        shrinking = all(abs(b) <= abs(a) for a, b in pairwise(steps))
        cap = max(ratios)
        numbers["largest ratio"] = mpmath.nstr(cap, 8)
        if cap <= comp.constant and shrinking:
            return Finding(Outcome.SUPPORTS, (
                f"|{claim.quantity}| / |{claim.big_o}| stays <= {claim.constant} for "
                f"{claim.variable} = {claim.depths[0]} .. {claim.depths[-1]}, its increments "
                f"shrinking over the last {TAIL}"), numbers,
                coverage=Coverage(Scope.SAMPLE, scope, len(claim.depths)))
        why = (f"the ratio reaches {mpmath.nstr(cap, 8)} > {claim.constant}" if cap >
               comp.constant else "the ratio's increments do not shrink over the last depths")
        return Finding(Outcome.UNDECIDED, f"{why}, without growing steadily by "
                                          f"{claim.growth}: not decided on this table", numbers)

    return (Check("order_table", Tier.PRECISE, run,
                  f"mpmath at the run's digits, {claim.variable} = "
                  f"{claim.depths[0]} .. {claim.depths[-1]} ({len(claim.depths)} depths)"),), scope


def _growth(comp: _Compiled, claim: OrderClaim, ratios, dps: int):
    """A refutation when the ratio grows steadily by ``growth`` (recomputed at dps + 20)."""
    rising = all(a < b for a, b in pairwise(ratios))
    k = next((k for k, r in enumerate(ratios) if r >= comp.growth * ratios[0]), None)
    if not rising or k is None:
        return None
    L0, L1 = claim.depths[0], claim.depths[k]
    again = _table(comp, claim.depths, dps + EXTRA_DPS)
    agree = all(not isinstance(b, str) and abs(a - b) <= abs(a) * mpmath.mpf(10) ** (-dps // 2)
                for a, b in zip(ratios, again))
    if not agree:
        return lambda numbers: Finding(Outcome.UNDECIDED, (
            f"the table at {dps} and {dps + EXTRA_DPS} digits disagrees"), numbers)
    replay = {claim.variable: str(L1), "first": str(L0)}

    def finding(numbers):
        return Finding(Outcome.REFUTES, (
            f"|{claim.quantity}| / |{claim.big_o}| increases along the whole table and grows "
            f"by {mpmath.nstr(again[k] / again[0], 6)} >= {claim.growth} from {claim.variable} "
            f"= {L0} to {L1}: not O({claim.big_o})"), numbers,
            _counterexample(claim, L0, L1, again[0], again[k], dps + EXTRA_DPS, replay))

    return finding


def _counterexample(claim: OrderClaim, L0, L1, r0, r1, dps, replay) -> Counterexample:
    return Counterexample(
        at={claim.variable: str(L1), "first": str(L0)},
        observed=f"ratio {mpmath.nstr(r0, 15)} at {L0}, {mpmath.nstr(r1, 15)} at {L1}",
        claimed=f"bounded in {claim.variable} (O({claim.big_o}))", tol="0",
        margin=mpmath.nstr(r1 / r0 - parse(claim.growth, {}), 15), dps=dps,
        note=f"|{claim.quantity}| / |{claim.big_o}| grows by at least {claim.growth} from "
             f"{claim.variable} = {L0} to {L1}", replay=replay)


def _replayed(comp: _Compiled, claim: OrderClaim, ctx: CheckContext) -> Finding:
    try:
        texts = (ctx.at["first"], ctx.at[claim.variable])
        L0, L1 = (int(sp.Rational(t)) for t in texts)
    except (TypeError, ValueError) as exc:
        raise ReplayError(f"--at: first and {claim.variable} must be integers ({exc})") from None
    if not (1 <= L0 < L1 <= MAX_DEPTH_VALUE and (str(L0), str(L1)) == texts):
        raise ReplayError(f"--at: integers 1 <= first < {claim.variable} <= 10^15")
    r0, r1 = _table(comp, (L0, L1), ctx.dps)
    numbers = {f"{claim.variable}={L}": r if isinstance(r, str) else f"ratio {mpmath.nstr(r, 12)}"
               for L, r in ((L0, r0), (L1, r1))}
    if isinstance(r0, str) or isinstance(r1, str):
        return Finding(Outcome.UNDECIDED, r0 if isinstance(r0, str) else r1, numbers)
    if r1 >= comp.growth * r0:
        return Finding(Outcome.REFUTES, f"the ratio grows by {mpmath.nstr(r1 / r0, 8)} >= "
                       f"{claim.growth} from {L0} to {L1}", numbers,
                       _counterexample(claim, L0, L1, r0, r1, ctx.dps, dict(ctx.at)))
    return Finding(Outcome.UNDECIDED, f"the ratio grows by {mpmath.nstr(r1 / r0, 8)} < "
                   f"{claim.growth} from {L0} to {L1}: two depths decide nothing else", numbers)


def replay_box(spec) -> dict[str, tuple[str, str]]:
    """The two depths a refutation names: ``first`` and the later one (the variable's name),
    anywhere up to 10^15."""
    variable = spec.order_table.variable
    return {variable: ("1", str(MAX_DEPTH_VALUE)), "first": ("1", str(MAX_DEPTH_VALUE))}
