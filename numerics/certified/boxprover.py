"""Branch and bound for "g(p) >= 0 (or > 0) for every p in a box" (issue 18, item 2).

The engine sees callables on enclosures (an :class:`~numerics.certified.arithmetic.Arithmetic`:
python-flint balls, or mpmath.iv for comparison), never SymPy; :mod:`proofs.boxprove` builds
them from an expression.  A box has exact rational ends (``Fraction``), so the sub-boxes cover
it exactly and every midpoint and corner is a rational point that can be re-checked exactly.

Each box is examined in this order (cheapest first):

1. the natural enclosure of g (intersected with the enclosures of equal rewritings of g);
2. g at the midpoint: a point where g certainly violates the inequality (a ball, or an exact
   evaluation when the ball straddles 0) is a counterexample candidate, which the problem's
   ``confirm`` re-checks at high precision before it is reported;
3. the monotonicity test: where a partial derivative has one sign on the whole box, g takes its
   minimum on a face (the low end for an increasing g), so the box shrinks to that face and
   the test repeats on it.  The partial derivatives are themselves tightened by the second
   derivatives (centred form and monotonicity), which proves e.g. 1 - cos(x) >= 0 on [0, h],
   where the first-order enclosure of sin(x) on [0, h] dips below 0;
4. on the final face, the centred (mean-value) form g(c) + sum_i dg/dp_i(F) (F_i - c_i),
   intersected with the natural enclosure; a face reduced to a point is evaluated there, and
   when its ball straddles 0 the exact sign (if the problem has one) decides, so a minimum that
   is exactly 0 at a corner proves ``>=`` and refutes ``>``;
5. otherwise the box is bisected at its midpoint along the most influential dimension
   (|dg/dp_i| times the width; the widest relative to the input box when no derivative is
   finite).  Boxes are examined lowest enclosure first (a heap keyed by a float bound and an
   insertion counter, so the order is deterministic); the float key only orders, it decides
   nothing.

A box whose enclosure contains an exact zero of g is never "proven > 0" (nothing here rounds a
sign) and is never split below ``max_depth``: it ends in the ``undecided`` result's list.
Derivatives are used only where they are finite: the compiled derivatives return a non-finite
value across a kink (|u| at u = 0, Min/Max where the arguments meet), so monotonicity and the
centred form apply only where g is continuously differentiable on the whole face.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from numerics.certified.arithmetic import FLINT, Arithmetic

Box = tuple[tuple[Fraction, Fraction], ...]
Point = tuple[Fraction, ...]
BallFn = Callable[..., Any]
Outcome = Literal["proven", "counterexample", "undecided"]


@dataclass(frozen=True)
class BoxProblem:
    """g and its derivatives, compiled for one arithmetic, plus the point oracles.

    ``forms``: g first, then rewritings equal to g wherever g is defined (their enclosures are
    intersected with g's where g's is finite).  ``grad[i]`` = dg/dp_i and ``hess[i][j]`` =
    d2g/dp_i dp_j, or None.  ``exact_sign(point)``: the exact sign of g at a rational point
    (-1, 0, 1) or None when it cannot be decided exactly.  ``confirm(point, strict)``:
    (True, value) when a high-precision re-evaluation confirms that g violates the inequality
    there with margin (or exactly), else (False, value).
    """

    names: tuple[str, ...]
    forms: tuple[BallFn, ...]
    grad: tuple[BallFn, ...] | None = None
    hess: tuple[tuple[BallFn, ...], ...] | None = None
    exact_sign: Callable[[Point], int | None] | None = None
    confirm: Callable[[Point, bool], tuple[bool, str]] | None = None


@dataclass(frozen=True)
class BoxProofResult:
    """The outcome of :func:`prove_box`.

    ``proven``: every box was discharged (``boxes`` processed, bisection ``max_depth``).
    ``counterexample``: the rational point where g < 0 (g <= 0 for a strict inequality),
    re-checked; ``value`` is the re-checked value.  ``undecided``: the budget ran out or boxes
    reached ``max_depth``; ``remaining`` lists at most ``MAX_LISTED`` of the
    ``remaining_count`` boxes left, ``reason`` says why.
    """

    outcome: Outcome
    strict: bool
    boxes: int
    max_depth: int
    arithmetic: str
    prec: int
    counterexample: dict[str, Fraction] | None = None
    value: str | None = None
    remaining: tuple[dict[str, tuple[Fraction, Fraction]], ...] = field(default=())
    remaining_count: int = 0
    reason: str = ""


MAX_LISTED = 20


@dataclass(frozen=True)
class _Step:
    """What examining one box found: done, a violating point, or a dimension to split."""

    done: bool = False
    violation: Point | None = None
    split: int | None = None
    low: float = float("-inf")


def _mid(box: Box) -> Point:
    return tuple((lo + hi) / 2 for lo, hi in box)


def _as_box(point: Point) -> Box:
    return tuple((c, c) for c in point)


class _Search:
    """One run of the branch and bound: the problem, the arithmetic and the counters."""

    def __init__(self, problem: BoxProblem, arith: Arithmetic, box: Box, strict: bool,
                 max_exact: int) -> None:
        self.p, self.a, self.strict = problem, arith, strict
        self.widths = tuple(hi - lo for lo, hi in box)
        self.exact_left = max_exact if problem.exact_sign is not None else 0

    # ------------------------------------------------------------ enclosures
    def balls(self, box: Box) -> list[Any]:
        return [self.a.interval(lo, hi) for lo, hi in box]

    def value(self, box: Box) -> Any:
        """g on the box: the first form, intersected with the others where it is finite."""
        xs = self.balls(box)
        y = self.p.forms[0](*xs)
        if self.a.finite(y):
            for form in self.p.forms[1:]:
                y = self.a.intersect(y, form(*xs))
        return y

    def holds(self, y: Any) -> bool:
        return self.a.positive(y) if self.strict else self.a.nonnegative(y)

    def violates(self, y: Any) -> bool:
        return self.a.nonpositive(y) if self.strict else self.a.negative(y)

    def exact_violates(self, point: Point) -> bool | None:
        """The exact sign at a point where the ball straddles 0 (budgeted: SymPy is slow)."""
        if self.exact_left <= 0:
            return None
        self.exact_left -= 1
        s = self.p.exact_sign(point)
        if s is None:
            return None
        return s < 0 or (self.strict and s == 0)

    def point_verdict(self, point: Point) -> tuple[Any, bool | None]:
        """(g's ball at the point, whether g violates there: True, False or None unknown)."""
        y = self.value(_as_box(point))
        if self.violates(y):
            return y, True
        if self.holds(y):
            return y, False
        return y, self.exact_violates(point) if self.a.finite(y) else None

    def gradient(self, box: Box, free: Sequence[int]) -> list[Any] | None:
        """Enclosures of dg/dp_i (i in ``free``) on the box, tightened by the second
        derivatives; None when any is not finite (a kink or a singularity in the box)."""
        if self.p.grad is None:
            return None
        xs = self.balls(box)
        c = _mid(box)
        xc = self.balls(_as_box(c))
        out = []
        for i in free:
            d = self.p.grad[i](*xs)
            if not self.a.finite(d):
                return None
            if self.p.hess is not None:
                d = self._tighten(i, d, box, free, xs, xc, c)
            out.append(d)
        return out

    def _tighten(self, i: int, d: Any, box: Box, free: Sequence[int], xs: list[Any],
                 xc: list[Any], c: Point) -> Any:
        """dg/dp_i on the box, intersected with its centred form and its monotone bounds."""
        row = [self.p.hess[i][j](*xs) for j in free]
        if not all(self.a.finite(h) for h in row):
            return d
        centred = self.p.grad[i](*xc)
        for h, j in zip(row, free):
            centred = centred + h * self.a.interval(box[j][0] - c[j], box[j][1] - c[j])
        d = self.a.intersect(d, centred)
        # Where d(dg/dp_i)/dp_j has one sign, dg/dp_i is smallest and largest on opposite faces.
        low_face, high_face, moved = list(box), list(box), False
        for h, j in zip(row, free):
            lo, hi = box[j]
            if self.a.nonnegative(h):
                low_face[j], high_face[j], moved = (lo, lo), (hi, hi), True
            elif self.a.nonpositive(h):
                low_face[j], high_face[j], moved = (hi, hi), (lo, lo), True
        if moved:
            low = self.p.grad[i](*self.balls(tuple(low_face)))
            high = self.p.grad[i](*self.balls(tuple(high_face)))
            if self.a.finite(low) and self.a.finite(high):
                d = self.a.intersect(d, self.a.bounds(low, high))
        return d

    def centred(self, box: Box, free: Sequence[int], y: Any, grad: list[Any] | None) -> Any:
        """g(c) + sum_i dg/dp_i(box) (box_i - c_i), intersected with the natural ``y``."""
        if grad is None:
            return y
        c = _mid(box)
        out = self.value(_as_box(c))
        for d, i in zip(grad, free):
            out = out + d * self.a.interval(box[i][0] - c[i], box[i][1] - c[i])
        return self.a.intersect(y, out)

    # ------------------------------------------------------------ one box
    def split_dim(self, box: Box, free: Sequence[int], grad: list[Any] | None) -> int:
        """The most influential free dimension (|dg/dp_i| * width), else the widest relative."""
        def rel(i: int) -> float:
            w = self.widths[i]
            return float((box[i][1] - box[i][0]) / w) if w else 0.0

        if grad is not None:
            scores = [self.a.mag(d) * float(box[i][1] - box[i][0]) for d, i in zip(grad, free)]
            best = max(range(len(free)), key=lambda k: (scores[k], rel(free[k]), -free[k]))
            if scores[best] > 0:
                return free[best]
        return max(free, key=lambda i: (rel(i), -i))

    def examine(self, box: Box) -> _Step:
        y = self.value(box)
        if self.holds(y):
            return _Step(done=True)
        c = _mid(box)
        if self.point_verdict(c)[1]:
            return _Step(violation=c)
        free = [i for i, (lo, hi) in enumerate(box) if lo < hi]
        if not self.a.finite(y):
            return _Step(split=self.split_dim(box, free, None))
        face, face_free = box, free
        grad = first = self.gradient(box, free)
        while grad is not None and face_free:
            # Monotone in p_i on the whole face: its minimum lies on the face's low (or high) end.
            fixed = list(face)
            for d, i in zip(grad, face_free):
                lo, hi = face[i]
                if self.a.nonnegative(d):
                    fixed[i] = (lo, lo)
                elif self.a.nonpositive(d):
                    fixed[i] = (hi, hi)
            if tuple(fixed) == face:
                break
            face = tuple(fixed)
            face_free = [i for i in face_free if face[i][0] < face[i][1]]
            if self.holds(self.value(face)):
                return _Step(done=True)
            grad = self.gradient(face, face_free) if face_free else None
        if not face_free:
            _, bad = self.point_verdict(_mid(face))
            if bad is False:
                return _Step(done=True)
            if bad:
                return _Step(violation=_mid(face))
            low = float("-inf")
        else:
            bound = self.centred(face, face_free, self.value(face), grad)
            if self.holds(bound):
                return _Step(done=True)
            if face != box and self.point_verdict(_mid(face))[1]:
                return _Step(violation=_mid(face))
            low = self.a.low(bound)
        if not free:
            return _Step(low=low)
        return _Step(split=self.split_dim(box, free, first), low=low)


def _bisect(box: Box, dim: int) -> tuple[Box, Box]:
    lo, hi = box[dim]
    m = (lo + hi) / 2
    left, right = list(box), list(box)
    left[dim], right[dim] = (lo, m), (m, hi)
    return tuple(left), tuple(right)


def prove_box(problem: BoxProblem, box: Sequence[tuple[Fraction, Fraction]], *,
              strict: bool = False, max_boxes: int = 20_000, max_depth: int = 40,
              prec: int = 128, arithmetic: Arithmetic = FLINT,
              max_exact: int = 16) -> BoxProofResult:
    """Prove g >= 0 (g > 0 when ``strict``) on the box, or find a re-checked counterexample.

    Args:
        problem: g, its derivatives and oracles, compiled for ``arithmetic``.
        box: (lo, hi) per parameter, exact rationals with lo <= hi, in ``problem.names`` order.
        strict: prove g > 0 instead of g >= 0.
        max_boxes: at most this many boxes are examined (the budget).
        max_depth: boxes bisected this many times are not split further.
        prec: working precision in bits.
        arithmetic: the interval backend the problem was compiled for.
        max_exact: at most this many exact (SymPy) sign evaluations at points.

    Returns:
        A :class:`BoxProofResult`; deterministic for the same inputs.
    """
    root: Box = tuple((Fraction(lo), Fraction(hi)) for lo, hi in box)
    if len(root) != len(problem.names):
        raise ValueError(f"box has {len(root)} dimensions, the problem {len(problem.names)}")
    if any(lo > hi for lo, hi in root):
        raise ValueError("box has an interval with lo > hi")
    search = _Search(problem, arithmetic, root, strict, max_exact)
    counter = itertools.count()
    heap: list[tuple[float, int, int, Box]] = [(float("-inf"), next(counter), 0, root)]
    stuck: list[tuple[int, Box]] = []
    processed = deepest = 0
    unconfirmed = 0
    result = dict(strict=strict, arithmetic=arithmetic.name, prec=prec)
    with arithmetic.precision(prec):
        while heap and processed < max_boxes:
            _, seq, depth, current = heapq.heappop(heap)
            processed += 1
            deepest = max(deepest, depth)
            step = search.examine(current)
            if step.done:
                continue
            if step.violation is not None:
                ok, value = (problem.confirm(step.violation, strict) if problem.confirm
                             else (False, ""))
                if ok:
                    point = dict(zip(problem.names, step.violation))
                    return BoxProofResult("counterexample", boxes=processed, max_depth=deepest,
                                          counterexample=point, value=value, **result)
                unconfirmed += 1
                stuck.append((seq, current))
                continue
            if step.split is None or depth >= max_depth:
                stuck.append((seq, current))
                continue
            for half in _bisect(current, step.split):
                heapq.heappush(heap, (step.low, next(counter), depth + 1, half))
    if not heap and not stuck:
        return BoxProofResult("proven", boxes=processed, max_depth=deepest, **result)
    left = sorted(stuck + [(seq, b) for _, seq, _, b in heap])
    reasons = []
    if heap:
        reasons.append(f"budget of {max_boxes} boxes exhausted")
    if stuck:
        reasons.append(f"{len(stuck)} box(es) undecided at depth {max_depth} or a point")
    if unconfirmed:
        reasons.append(f"{unconfirmed} violation(s) not confirmed at high precision")
    listed = tuple(dict(zip(problem.names, b)) for _, b in left[:MAX_LISTED])
    return BoxProofResult("undecided", boxes=processed, max_depth=deepest, remaining=listed,
                          remaining_count=len(left), reason="; ".join(reasons), **result)
