"""The faster engines of verify/checks/identity_init.py (issue 19) give the numbers of what they
replaced, bit for bit.

Each test runs the new code and a reference (the replaced code, or the plain mpf expression)
on the same inputs and compares with exact equality: a speed-up may not move a verdict or a
number.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest

from numerics import deeplinear as dl
from numerics import scalar_chain as sc
from verify.checks import identity_init as ii

# (L, lam, delta): fixed point at once (lam = 1), exact zero after one step, 2-cycles and
# escapes beyond the bounds, slow power laws (lam = 0, lam < 0), large depth
ORBIT_CASES = [(L, lam, d) for L in (2, 3, 7, 50)
               for lam in ("1", "0", "-1", "0.5", "10", "1e-6")
               for d in ("0.001", "0.3", "0.5", "1", "1.9", "3")]


def _same(a: list, b: list) -> bool:
    return len(a) == len(b) and all(x._mpf_ == y._mpf_ for x, y in zip(a, b))


@pytest.mark.parametrize("L, lam, delta", ORBIT_CASES[::3])
def test_orbit_equals_orbit_precise(L, lam, delta):
    with mpmath.workdps(50):
        assert _same(sc.fast_orbit(lam, delta, L, 300, 50),
                     sc.orbit_precise(lam, delta, L, 300, 50))


def test_orbit_periodic_continuation_and_escape_are_exact():
    with mpmath.workdps(30):
        periodic = sc.fast_orbit("1", "0.25", 2, 400, 30)  # lam = 1: w = 1 is fixed from k = 0
        assert _same(periodic, sc.orbit_precise("1", "0.25", 2, 400, 30))
        assert len(periodic) == 401
        escape = sc.fast_orbit("2", "3", 3, 400, 30)
        assert _same(escape, sc.orbit_precise("2", "3", 3, 400, 30)) and len(escape) <= 400


def test_orbit_quantities_equal_the_mpf_expressions():
    with mpmath.workdps(50):
        for L, lam, d in ORBIT_CASES[::7]:
            orbit = sc.fast_orbit(lam, d, L, 200, 50)
            r = sc.root(abs(mpmath.mpf(lam)), L)
            e0, side0 = abs(1 - r), mpmath.sign(1 - r)
            floor = -mpmath.mpf(10) ** -25 * e0
            errs, crossed = ii._offsets(orbit, r, side0, floor)
            assert crossed == [bool(side0 != 0 and (w - r) * side0 < floor) for w in orbit]
            assert errs == [abs(w - r)._mpf_ for w in orbit]
            target = mpmath.mpf(lam)
            assert [g._mpf_ for g in ii._power_gaps(orbit, L, target)] == [
                abs(w ** L - target)._mpf_ for w in orbit]


def _identity_run_reference(Rs, L, deltas, steps, targets_w, targets_prod, bound=1e12):
    """identity_run as it was: per-layer lists and np.linalg.norm."""
    B, n, _ = Rs.shape
    ws = [np.broadcast_to(np.eye(n), (B, n, n)).copy() for _ in range(L)]
    d3 = np.asarray(deltas, float)[:, None, None]
    out = {k: np.full((steps + 1, B), np.nan) for k in ("w_err", "prod_err", "asym", "comm")}
    alive = np.ones(B, bool)

    def fro(a):
        return np.linalg.norm(a, axis=(1, 2))

    with np.errstate(all="ignore"):
        for k in range(steps + 1):
            prod = dl.product(ws)
            alive &= np.isfinite(prod).all(axis=(1, 2)) & (np.abs(prod).max(axis=(1, 2))
                                                           < bound)
            out["prod_err"][k] = np.where(alive, fro(prod - targets_prod), np.nan)
            if targets_w is not None:
                out["w_err"][k] = np.where(alive, np.max([fro(w - targets_w) for w in ws], 0),
                                           np.nan)
            out["asym"][k] = np.where(alive, np.max([fro(w - w.swapaxes(1, 2)) for w in ws], 0),
                                      np.nan)
            out["comm"][k] = np.where(alive, np.max([fro(w @ Rs - Rs @ w) for w in ws], 0),
                                      np.nan)
            if k < steps:
                for w, g in zip(ws, dl.gradient(ws, Rs)):
                    w -= d3 * g
                    w[~alive] = np.nan
    return out


def test_identity_run_equals_the_per_layer_reference():
    rng = np.random.default_rng(3)
    Rs, Us, eigs = ii._targets(((0.3, 1.0, 2.5, 0.0), (-0.7, 0.2, 1.5, 3.0), (5.0, -3.0)), 4,
                               rng)
    for L in (2, 3):
        roots = np.array([U @ np.diag(np.maximum(e, 0) ** (1 / L)) @ U.T
                          for U, e in zip(Us, eigs)])
        deltas = np.array([0.1, 0.05, 0.3])  # the last one diverges
        new = ii.identity_run(Rs, L, deltas, 120, roots, 0.9 * Rs)
        ref = _identity_run_reference(Rs, L, deltas, 120, roots, 0.9 * Rs)
        for key in ref:
            assert np.array_equal(new[key].view(np.int64), ref[key].view(np.int64)), key
