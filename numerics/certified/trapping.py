"""Trapping regions of a periodic orbit and finite covers of a set of starts (issue 7, item 4).

A box B around one point of a p-cycle is a *contracting trapping region* when, certified in
ball arithmetic, g^p(B) lies inside B and |(g^p)'| <= q < 1 on B (the derivative bounded along
the ball images B, g(B), ..., g^{p-1}(B), all free of kinks).  Then g^p is a contraction of B
into itself, so (Banach) every start in B converges to the one fixed point of g^p in B, i.e.
every orbit through B converges to the cycle.

A finite cover of a set of starts [a, b] is then checked piece by piece: each piece is iterated
in the centred form until its ball lies inside one of the p images of B (so every start in the
piece converges to the cycle); a piece that does not get there within the step budget (e.g. it
holds a point that lands exactly on a kink, as the countable set S of Example 1 does) is
bisected, down to a minimum width, and what is left is reported as undecided, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass

import flint

from numerics.certified.maps import BallMap
from numerics.certified.prec import working_prec


@dataclass(frozen=True)
class Trap:
    """``ok``: True when every box is a certified trapping region; ``boxes``: B, g(B)... hull
    boxes each containing one cycle point; ``q``: the enclosure of |(g^p)'| on B."""

    ok: bool | None
    boxes: tuple[flint.arb, ...]
    q: flint.arb | None
    reason: str = ""


def trapping_region(m: BallMap, box: flint.arb, delta: flint.arb, period: int) -> Trap:
    """Certify that ``box`` (around one cycle point) is a contracting trapping region of g^p.

    The p boxes returned are B_0 = B and B_k = hull of the k-th ball image; since g maps B_k
    into B_{k+1} and B_p lies in B_0, the union is forward invariant.
    """
    boxes = [box]
    x = box
    q = flint.arb(1)
    for _ in range(period):
        d = m.derivative(x, delta)
        if d is None:
            return Trap(None, tuple(boxes), None, "an image box touches a kink")
        q *= abs(d)
        x = m.centred_image(x, delta)
        boxes.append(x)
    if not box.contains_interior(x):
        return Trap(None, tuple(boxes[:-1]), q, "g^p(B) not inside B")
    if not q < 1:
        return Trap(None, tuple(boxes[:-1]), q, "|(g^p)'| < 1 not certified on B")
    return Trap(True, tuple(boxes[:-1]), q, "trapping")


@dataclass(frozen=True)
class BasinCover:
    """The outcome of :func:`cover_starts`.

    ``proven``: pieces (lo, hi) whose every start enters the trap; ``undecided``: pieces left
    open; ``max_steps``: the most steps a proven piece needed; ``pieces_tried``: work done.
    """

    proven: tuple[tuple[flint.arb, flint.arb], ...]
    undecided: tuple[tuple[flint.arb, flint.arb], ...]
    max_steps: int
    pieces_tried: int

    def undecided_length(self) -> flint.arb:
        return sum((hi - lo for lo, hi in self.undecided), flint.arb(0))


def _enters(m: BallMap, x: flint.arb, delta: flint.arb, trap: Trap,
            max_steps: int) -> tuple[bool, int]:
    for k in range(max_steps + 1):
        if any(b.contains(x) for b in trap.boxes):
            return True, k
        if not m.smooth_on(x):
            return False, k  # on a kink: bisect rather than smear the ball over both branches
        x = m.centred_image(x, delta)
        if not x.is_finite():
            return False, k
    return False, max_steps


def cover_starts(m: BallMap, lo: flint.arb, hi: flint.arb, delta: flint.arb, trap: Trap,
                 pieces: int = 64, max_steps: int = 2000, min_width: flint.arb | None = None,
                 max_pieces: int = 20000, prec: int = 128) -> BasinCover:
    """Prove that every start in [lo, hi] reaches the trap, except the pieces reported open.

    Pieces narrower than ``min_width`` (default 2^-30 (hi - lo)) are not bisected further.
    """
    with working_prec(prec):
        a, b = flint.arb(lo).lower(), flint.arb(hi).upper()
        width = b - a
        min_w = min_width if min_width is not None else width * flint.arb(2) ** -30
        cuts = [a] + [(a + width * k / pieces).mid() for k in range(1, pieces)] + [b]
        stack = [(cuts[i], cuts[i + 1]) for i in range(pieces - 1, -1, -1)]
        proven, undecided = [], []
        most, tried = 0, 0
        while stack:
            left, right = stack.pop()
            tried += 1
            ok, steps = _enters(m, flint.arb.union(left, right), delta, trap, max_steps)
            if ok:
                proven.append((left, right))
                most = max(most, steps)
                continue
            if right - left < min_w or tried + len(stack) >= max_pieces:
                undecided.append((left, right))
                continue
            mid = ((left + right) / 2).mid()
            stack.append((mid, right))
            stack.append((left, mid))
        return BasinCover(tuple(proven), tuple(undecided), most, tried)
