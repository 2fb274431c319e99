"""Periodic orbits of a scalar map proven with the Krawczyk operator, for a whole ball of step
sizes at once, and covers of a step-size range by such proofs (issue 7, item 1).

The p points of an orbit solve F(x_1..x_p) = 0 with F_i = g(x_{i-1}) - x_i (indices mod p).
For a box X, midpoint m, an approximate inverse C of F'(m) and the step size a ball D,

    K(X) = m - C F(m, D) + (I - C F'(X, D)) (X - m).

Krawczyk's theorem: if K(X) lies in the interior of X, then for every delta in D there is
exactly one zero of F in X; every zero in X lies in K(X), so K(X) & X is the refined enclosure,
and if K(X) & X is empty there is no zero in X.  The multiplier of the orbit, prod g'(x_i),
is enclosed by the product of g' over the refined boxes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import flint

from numerics.certified.maps import BallMap
from numerics.certified.prec import abs_less_than_one, hull, inflate, working_prec

Guess = Callable[[flint.arb], Sequence[flint.arb]]


@dataclass(frozen=True)
class OrbitProof:
    """One Krawczyk attempt on one box and one ball of step sizes.

    ``exists``: True (a unique p-periodic point sequence in ``box`` for every delta in
    ``delta``), False (certified: no zero of F in the box), None (undecided; ``reason`` says
    why).  ``stable``: True (|multiplier| < 1 certified), False (> 1), None.
    """

    exists: bool | None
    delta: flint.arb
    box: tuple[flint.arb, ...]
    multiplier: flint.arb | None = None
    stable: bool | None = None
    reason: str = ""


def _jacobian(m: BallMap, x: Sequence[flint.arb], delta: flint.arb) -> flint.arb_mat | None:
    """F'(x): -1 on the diagonal, g'(x_{i-1}) at (i, i-1); None if a ball touches a kink."""
    p = len(x)
    rows = [[flint.arb(0)] * p for _ in range(p)]
    for i in range(p):
        d = m.derivative(x[(i - 1) % p], delta)
        if d is None:
            return None
        rows[i][i] -= 1
        rows[i][(i - 1) % p] += d
    return flint.arb_mat(rows)


def krawczyk(m: BallMap, box: Sequence[flint.arb], delta: flint.arb,
             iterations: int = 4, refine: int = 0) -> OrbitProof:
    """Prove (or exclude) a p-periodic orbit of g(., delta) in ``box`` for all delta in the ball.

    Only shrinks the box (X <- K(X) & X between iterations), so the statement is always about
    the box that was given.  After a success, up to ``refine`` more Krawczyk steps tighten the
    enclosure (each is again a proof on a smaller box).  Uses the current ``flint.ctx.prec``.
    """
    proof = _krawczyk(m, box, delta, iterations)
    for _ in range(refine):
        if not proof.exists:
            break
        tighter = _krawczyk(m, proof.box, delta, 1)
        if not tighter.exists or not all(
                t.rad() < b.rad() for t, b in zip(tighter.box, proof.box)):
            break
        proof = tighter
    return proof


def _krawczyk(m: BallMap, box: Sequence[flint.arb], delta: flint.arb,
              iterations: int) -> OrbitProof:
    p = len(box)
    X = [flint.arb(b) for b in box]
    for _ in range(iterations):
        if not all(b.is_finite() for b in X):
            return OrbitProof(None, delta, tuple(X), reason="box not finite")
        if not all(m.smooth_on(b) for b in X):
            return OrbitProof(None, delta, tuple(X), reason="box touches a kink of g")
        J = _jacobian(m, X, delta)
        if J is None:
            return OrbitProof(None, delta, tuple(X), reason="g' not finite on the box")
        mids = [b.mid() for b in X]
        Jmid = _jacobian(m, mids, delta.mid())
        try:
            C = Jmid.mid().inv().mid()
        except (ZeroDivisionError, ValueError):
            return OrbitProof(None, delta, tuple(X), reason="F'(m) singular")
        F = flint.arb_mat([[m.g(mids[(i - 1) % p], delta) - mids[i]] for i in range(p)])
        M = flint.arb_mat([[b] for b in mids])
        dX = flint.arb_mat([[X[i] - mids[i]] for i in range(p)])
        identity = flint.arb_mat([[1 if i == j else 0 for j in range(p)] for i in range(p)])
        K = M - C * F + (identity - C * J) * dX
        K = [K[i, 0] for i in range(p)]
        if all(X[i].contains_interior(K[i]) for i in range(p)):
            refined = tuple(K[i].intersection(X[i]) for i in range(p))
            mult = flint.arb(1)
            for b in refined:
                mult *= m.dg(b, delta)
            return OrbitProof(True, delta, refined, mult, abs_less_than_one(mult), "proved")
        try:
            X = [K[i].intersection(X[i]) for i in range(p)]
        except ValueError:
            return OrbitProof(False, delta, tuple(X), reason="K(X) misses X: no orbit in the box")
    return OrbitProof(None, delta, tuple(X), reason="K(X) not inside X")


@dataclass(frozen=True)
class Cover:
    """Krawczyk proofs covering a range of step sizes.

    ``proofs``: the successful proofs, in order of delta; ``undecided``: the pieces of the range
    left open (lower, upper) after the budget; ``excluded``: pieces where some box was certified
    to hold no orbit; ``attempts``: boxes tried; ``prec``: the highest precision used.
    """

    proofs: tuple[OrbitProof, ...]
    undecided: tuple[tuple[flint.arb, flint.arb], ...]
    excluded: tuple[OrbitProof, ...]
    attempts: int
    prec: int
    reasons: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.undecided and not self.excluded

    def widest_relative(self) -> flint.arb:
        """The largest rad(box)/|mid(box)| over every proven box (0 when none)."""
        worst = flint.arb(0)
        for pr in self.proofs:
            for b in pr.box:
                if not b.mid().is_zero():
                    worst = flint.arb.max(worst, b.rad() / abs(b.mid()))
        return worst


def cover(m: BallMap, guess: Guess, lo: flint.arb, hi: flint.arb, pieces: int = 8,
          max_attempts: int = 2000, geometric: bool = True, prec: int = 128,
          max_prec: int = 1024, inflation: float = 2.0 ** -12) -> Cover:
    """Cover [lo, hi] of step sizes by Krawczyk proofs around ``guess(delta ball)``.

    The range is cut into ``pieces`` (geometrically when ``geometric``: orbit sizes often scale
    like a power of delta); each piece D gets the box ``guess(D)`` inflated by a relative
    ``inflation``.  A piece that stays undecided is bisected at its (exact) midpoint; a piece
    narrower than 2^-(prec/2) relative is retried at doubled precision instead (up to
    ``max_prec``).  A certified exclusion (no orbit in the box) is kept and not bisected.
    """
    with working_prec(prec):
        a, b = flint.arb(lo).lower(), flint.arb(hi).upper()
        cuts = [a]
        for k in range(1, pieces):
            if geometric and a > 0:
                t = (a.mid() * (b.mid() / a.mid()) ** (flint.arb(k) / pieces)).mid()
            else:
                t = (a + (b - a) * k / pieces).mid()
            cuts.append(flint.arb(t.str(8, radius=False)).mid())
        cuts.append(b)
    stack = [(cuts[i], cuts[i + 1], prec) for i in range(len(cuts) - 2, -1, -1)]
    proofs, undecided, excluded, reasons = [], [], [], {}
    attempts, top = 0, prec
    while stack:
        left, right, bits = stack.pop()
        with working_prec(bits):
            D = flint.arb.union(left, right)
            box = [inflate(g, 2.0, inflation) for g in guess(D)]
            proof = krawczyk(m, box, D)
        attempts += 1
        top = max(top, bits)
        if proof.exists:
            proofs.append(proof)
            continue
        reasons[proof.reason] = reasons.get(proof.reason, 0) + 1
        if proof.exists is False:
            excluded.append(proof)
            continue
        if attempts + len(stack) >= max_attempts:
            undecided.append((left, right))
            continue
        with working_prec(bits):
            rel = (right - left) / abs(hull(left, right).mid())
            thin = rel < flint.arb(2) ** (-(bits // 2))
        if thin and bits * 2 <= max_prec:
            stack.append((left, right, bits * 2))
        elif thin:
            undecided.append((left, right))
        else:
            with working_prec(bits):
                mid = ((left + right) / 2).mid()
            stack.append((mid, right, bits))
            stack.append((left, mid, bits))
    proofs.sort(key=lambda pr: float(pr.delta.mid()))
    return Cover(tuple(proofs), tuple(undecided), tuple(excluded), attempts, top,
                 reasons)
