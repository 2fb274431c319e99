"""Batched GD runs shared between checks (issue 19) are the runs they replaced, bit for bit.

Each test runs the batched engine and a one-at-a-time reference (the replaced loop, kept here)
on the same seed and compares with exact equality.
"""

from __future__ import annotations

import numpy as np

from numerics import deeplinear as dl
from verify.checks import chains, deeplinear
from verify.papers.nar2018slides import CHAIN_BOUND
from verify.vocabulary import CheckContext, Outcome

QUICK = CheckContext(seed=0, quick=True)


def test_stability_runs_equal_one_stays_per_minimiser():
    depths, lams = (2, 3), (-2.0, 0.5)
    rng, rel, steps = QUICK.rng(), np.linspace(0.9, 1.1, 161), 1500
    reference = []
    for L in depths:
        _, bound_fn, _ = chains._numeric(L, CHAIN_BOUND)
        for lam in lams:
            for w_star in chains.minimisers(L, lam).values():
                b = float(bound_fn(*w_star, lam))
                reference.append(chains._stays(L, CHAIN_BOUND, w_star, lam, rel * b, steps,
                                               1e-7, rng))
    batched = chains._stability_runs(0, True, depths, lams, CHAIN_BOUND)
    assert len(batched) == len(reference)
    assert all(np.array_equal(a, b) for a, (b, _) in zip(reference, batched))
    assert any(r.any() and not r.all() for r in reference)  # both sides of the threshold


def test_minimiser_stability_supports_the_bound_and_refutes_a_smaller_one():
    # 1.9 / sum: runs up to 2 / sum stay, above 1.9 / sum by more than 0.5%: refuted (the
    # replay draws from the generator where the one-by-one runs left it)
    check = chains.minimiser_stability((2,), (3.0,), CHAIN_BOUND)
    assert check.run(QUICK).outcome is Outcome.SUPPORTS
    small = chains.minimiser_stability((2,), (3.0,), "1.9/Sum((lam/w[i])**2, (i, 1, L))")
    found = small.run(QUICK)
    assert found.outcome is Outcome.REFUTES and float(found.counterexample.margin) > 0


def test_reached_runs_equal_one_gd_per_step_size():
    depths, deltas = (2,), (0.1, 0.2)
    rng, B = QUICK.rng(), 64
    batched = deeplinear._reached(0, True, depths, deltas)
    for (L, delta, R, end, ok, _), d in zip(batched, deltas):
        R0 = np.stack([np.diag(rng.uniform(0.2, 6.0, 2)) for _ in range(B)])
        ws = dl.random_weights((2,) * (L + 1), B, rng, scale=0.5, near_identity=True)
        end0, _ = dl.gd(ws, R0, d, 1500, bound=1e6)
        assert delta == d and np.array_equal(R, R0)
        assert all(np.array_equal(a, b, equal_nan=True) for a, b in zip(end, end0))
    assert 0 < batched[-1][4].sum() < B  # some runs converged, some not
