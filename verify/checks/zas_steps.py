"""Exact statements of proof steps in Wu, Wang & Ma (2019), Appendix A, for the claim that stays
in :mod:`verify.papers.wu2019zas` because its scalar steps sit beside sampled matrix bounds the
claim language cannot state: the binomial bounds of the proof of Lemma A.6.  The factory
returns a :func:`verify.checks.zas.exact_statements` check; the caller declares what it covers.
(The amended steps of the proof of Lemma A.3 are data: ``wu2019zas.lemma_a3_proof_amended`` in
``verify/papers/wu2019zas.toml``.)

Source: ``shared/papers/wu-wang-ma-2019-zas-deep-linear-resnets.md``, Appendix A.
"""

from __future__ import annotations

from proofs import zas as pz
from verify.checks.zas import exact_statements
from verify.vocabulary import Check, Coverage


def _binomial_items(depths: tuple[int, ...]):
    items = []
    for L in depths:
        for label, slack in pz.binomial_bounds(L).items():
            items.append((f"L={L}: {label}", 0, "<=", slack, {"L": L}))
    return items


def binomial_bounds(depths: tuple[int, ...], coverage: Coverage) -> Check:
    """Proof of Lemma A.6: the three binomial bounds for 0 <= y <= x/L^2 at each depth in
    ``depths``, exact rationals at the worst case y = x/L^2 (:func:`proofs.zas.binomial_bounds`)."""
    return exact_statements("binomial_bounds", lambda: _binomial_items(depths),
                            "exact rationals", coverage)
