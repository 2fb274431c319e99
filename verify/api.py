"""Python API for a reviewer's own claims, and helpers for their pytest suites.

    from verify.api import claim, check, assert_claim, box_strategy

    c = claim(id="mine.cycle", kind="cycle", loss="2*Abs(x)**Rational(3,2)/3",
              variables=["x"], step="delta", params={"delta": [0.01, 1.0]},
              points=[["delta**2/4"], ["-delta**2/4"]], stable=True)
    assert_claim(c)                      # AssertionError with the counterexample if it fails

    @given(box_strategy(c))              # a Hypothesis strategy over the claim's box
    def test_mine(point): ...

The keys are those of a ``[[claim]]`` table of a claim file (README, "Claim files"), models and
optimisers included:

    c = claim(id="mine.chain", kind="convergence", step="eta", target="minimisers",
              model={"family": "deep_linear", "depth": "L", "target": "1", "init": "1"},
              integers={"L": [2, 4]}, params={"eta": [0.01, 0.1]}, condition="eta < 1/L")
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

from hypothesis import strategies as st

from verify.explain import explain
from verify.runner import ClaimResult, run_claim
from verify.userclaims.build import claim_from_spec, claims_from_file
from verify.userclaims.model import assumptions_hold, parse_assumptions
from verify.userclaims.parse import parse_table
from verify.userclaims.spec import BadClaim, ClaimSpec
from verify.vocabulary import Status


class ClaimError(ValueError):
    """A claim built in Python that cannot be used (the message names the claim and the key)."""


def claim(**table) -> ClaimSpec:
    """Validate one claim given as keyword arguments (the keys of a ``[[claim]]`` table)."""
    item = parse_table(table)
    if isinstance(item, BadClaim):
        raise ClaimError(item.message)
    return item


def check(claims: ClaimSpec | list[ClaimSpec] | str | Path, *, quick: bool = True,
          seed: int = 0, dps: int = 50) -> list[ClaimResult]:
    """Check claims (specs, or the path of a claim file) with every tier that applies."""
    if isinstance(claims, (str, Path)):
        built = claims_from_file(claims)
    else:
        specs = [claims] if isinstance(claims, ClaimSpec) else list(claims)
        built = [claim_from_spec(s) for s in specs]
    return [run_claim(c, seed, quick, dps) for c in built]


def assert_claim(spec: ClaimSpec | None = None, *, quick: bool = True, seed: int = 0,
                 **table) -> ClaimResult:
    """Check one claim and raise AssertionError unless it is confirmed.

    Pass a :class:`ClaimSpec` (from :func:`claim`) or the table's keys directly.
    """
    spec = spec if spec is not None else claim(**table)
    (result,) = check(spec, quick=quick, seed=seed)
    if result.status is not Status.CONFIRMED:
        raise AssertionError(explain(result))
    return result


def box_strategy(spec: ClaimSpec) -> st.SearchStrategy[dict[str, float | int]]:
    """Points of a claim's parameter box (pinned values fixed, integer parameters drawn from
    their values, as Python ints: a depth L is never a real number) that satisfy the claim's
    ``assume`` relations, as a Hypothesis strategy.

    The assumptions are the claim's own (parsed safely by :func:`parse_assumptions`, the same
    test the checks' search applies, :func:`assumptions_hold`): a point outside them is not a
    member of the claim's class, so it is never drawn."""
    parts = {}
    for name, value in spec.params.items():
        if isinstance(value, tuple):
            lo, hi = (float(Fraction(v)) for v in value)
            parts[name] = st.floats(lo, hi, allow_nan=False, allow_infinity=False)
        else:
            parts[name] = st.just(float(Fraction(value)))
    for name, values in spec.integers.items():  # a depth L: one of its integer values
        parts[name] = st.sampled_from([int(v) for v in values])
    strategy = st.fixed_dictionaries(parts)
    relations = parse_assumptions(spec)
    if not relations:
        return strategy
    return strategy.filter(lambda point: assumptions_hold(relations, point))
