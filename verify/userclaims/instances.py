"""Claims over integer parameters (a depth L in {2..6}): one exact model per value, one check.

Each instance is checked exactly at its own integer values, never with the integer treated as
a real number.  What the combined evidence covers says so: a proof on every instance covers the
listed instances (``Scope.INSTANCES``, ``{"L": "{2, 3, 4, 5, 6}"}``), not the general class; a
sample on every instance is a sample.  A counterexample names its instance, and its replay line
gives it (``--at L=3,eta=...``).
"""

from __future__ import annotations

import dataclasses

from verify.replay import ReplayError
from verify.vocabulary import Check, CheckContext, Coverage, Finding, Outcome, Scope


def integer_scope(integers: dict[str, tuple[int, ...]]) -> dict[str, str]:
    return {name: "{" + ", ".join(map(str, values)) + "}" for name, values in integers.items()}


def _label(ints: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in ints.items())


def _pick(at: dict[str, str], integers: dict[str, tuple[int, ...]]) -> dict[str, int]:
    """The instance a replay names (every integer parameter, each one of its values)."""
    out = {}
    for name, values in integers.items():
        if name not in at:
            raise ReplayError(f"--at must give {name} (an integer parameter of this claim)")
        try:
            value = int(at[name])
        except ValueError:
            value = None
        if value is None or str(value) != str(at[name]).strip() or value not in values:
            raise ReplayError(f"--at: {name}={at[name]} is not one of {name}'s values "
                              f"{integer_scope(integers)[name]}")
        out[name] = value
    return out


def _combined(coverages: list[Coverage], integers: dict[str, tuple[int, ...]]) -> Coverage:
    covers = {k: v for k, v in coverages[0].covers.items() if k not in integers}
    covers.update(integer_scope(integers))
    scopes = {c.scope for c in coverages}
    scope = Scope.SAMPLE if Scope.SAMPLE in scopes else Scope.INSTANCES
    points = sum(c.points or 0 for c in coverages) if scope is Scope.SAMPLE else None
    parts = {c.part for c in coverages}
    return Coverage(scope, dict(sorted(covers.items())), points=points,
                    decides=all(c.decides for c in coverages),
                    part=parts.pop() if len(parts) == 1 else "")


def _tagged(finding: Finding, ints: dict[str, int]) -> Finding:
    """A finding of one instance, its counterexample's point and replay extended by it."""
    cx = finding.counterexample
    if cx is not None:
        texts = {k: str(v) for k, v in ints.items()}
        cx = dataclasses.replace(cx, at={**texts, **cx.at},
                                 replay={**texts, **(cx.replay or {})})
    return dataclasses.replace(finding, detail=f"[{_label(ints)}] {finding.detail}",
                               counterexample=cx)


def over_instances(name: str, runs: list[tuple[dict[str, int], Check]],
                   integers: dict[str, tuple[int, ...]]) -> Check:
    """One check running ``name`` on every instance: refuted or errored by the first instance
    that is; undecided if any is; supported when every instance supports."""
    first = runs[0][1]

    def run(ctx: CheckContext) -> Finding:
        if ctx.at is not None:
            ints = _pick(dict(ctx.at), integers)
            rest = {k: v for k, v in ctx.at.items() if k not in integers}
            chosen = [check for i, check in runs if i == ints]
            if not chosen:
                return Finding(Outcome.UNDECIDED, f"{name} does not apply at {_label(ints)}")
            finding = chosen[0].run(dataclasses.replace(ctx, at=rest))
            return _tagged(finding, ints)
        supports, open_ = [], []
        for ints, check in runs:
            finding = check.run(ctx)
            if finding.outcome in (Outcome.REFUTES, Outcome.ERROR):
                return _tagged(finding, ints)
            if finding.outcome is Outcome.UNDECIDED:
                open_.append(_tagged(finding, ints))
            else:
                supports.append(finding)
        if open_:
            return Finding(Outcome.UNDECIDED, "; ".join(f.detail for f in open_),
                           dict(open_[0].numbers))
        coverages = [f.coverage for f in supports]
        coverage = _combined(coverages, integers) if all(coverages) else None
        numbers = {f"{k} [{_label(i)}]": v for (i, _), f in zip(runs, supports)
                   for k, v in f.numbers.items()}
        return Finding(Outcome.SUPPORTS, f"every instance ({', '.join(_label(i) for i, _ in runs)})"
                       f": {supports[-1].detail}", numbers, coverage=coverage,
                       figures=tuple(f for s in supports for f in s.figures))

    return dataclasses.replace(first, run=run)
