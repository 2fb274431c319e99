"""Check factories for Nar & Sastry (2018), *Residual Networks*: exact GD from the identity on
2 x 2 targets (eq. (5), Sigma = I) in mpmath, for the Section 3.2 sentence on negative
eigenvalues (:mod:`.double`); Theorems 1 and 2 (and Theorem 2 amended) are data,
``verify/papers/nar2018resnet.toml``."""

from __future__ import annotations

import mpmath
import sympy as sp

from numerics import mpmat as mm

# === GD from the identity ====================================================================


def _left_product(mats):
    """``mats[0] mats[1] ...`` (raw :mod:`numerics.mpmat` matrices), None for the identity.

    A factor I is left out: ``mm.mul`` rounds the exact products once per entry, so I X and
    X I are X itself (entries at working precision, no inf/nan in mpmath), and so is
    ``mm.mul(mm.scale(d, I), E)`` = ``mm.scale(d, E)`` (d e_kj rounded once): the same
    numbers with fewer multiplications."""
    out = None
    for M in mats:
        out = M if out is None else mm.mul(out, M)
    return out


def _network(Ws):
    """W_L (... (W_2 W_1)), multiplied in that order (I W_1 = W_1 left out)."""
    F = Ws[0]
    for W in Ws[1:]:
        F = mm.mul(W, F)
    return F


def _gd2x2_mp(Rs, L, delta, K, dps, record=100):
    """mpmath GD (eq. (5), Sigma = I) from W_i = I on a 2 x 2 target; returns the final layers,
    the product, the size of the last step and the loss every ``record`` steps."""
    with mpmath.workdps(dps):
        # numerics.mpmat: the numbers of mpmath.matrix (same operations, same order)
        Rm = mm.raw(mpmath.matrix(Rs.tolist()))
        d = mpmath.mpf(sp.Rational(delta))
        eye = mm.eye(2)
        Ws = [eye for _ in range(L)]
        losses, moved = [], mpmath.mpf(0)
        for k in range(K):
            E = mm.sub(_network(Ws), Rm)
            if k % record == 0:
                losses.append(mpmath.norm(mm.matrix(E)) ** 2 / 2)
            new = []
            for i in range(L):
                # G = W_(i+2)^T ... W_L^T, H = W_1^T ... W_i^T (0-based i), as products from
                # the identity: eq. (5)'s step d G E H
                G = _left_product([mm.T(W) for W in Ws[i + 1:]])
                H = _left_product([mm.T(W) for W in Ws[:i]])
                step = mm.scale(d, E) if G is None else mm.mul(mm.scale(d, G), E)
                new.append(mm.sub(Ws[i], step if H is None else mm.mul(step, H)))
            if k == K - 1:  # the size of the last step (only that one is returned)
                moved = max(mpmath.mnorm(mm.matrix(mm.sub(a, b)), "f")
                            for a, b in zip(new, Ws))
            Ws = new
        F = _network(Ws)
        return [mm.matrix(W) for W in Ws], mm.matrix(F), moved, losses

