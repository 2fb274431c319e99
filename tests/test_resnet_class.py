"""Nar & Sastry (2018), Section 2 least squares (amended), derivation for every X and delta."""

from __future__ import annotations

from proofs import derivation as dv
from proofs import resnet_class as rpc


def test_ols_amended_is_derived_for_every_x_and_step():
    out = dv.run(rpc.ols_amended())
    assert out.proved, out.failed
    assert any("spectral theorem" in p for p in out.premises)


def test_a_larger_threshold_is_not_derived():
    # delta < 3/lambda_max does not give convergence (delta lambda_max = 5/2: r = -3/2)
    out = dv.run(rpc.ols_amended(threshold=3))
    assert not out.proved and "threshold" in out.failed
