"""The certified tier's engine: proofs by python-flint ball arithmetic (issue 7).

Callables on ``flint.arb`` balls in, three-valued results out; no SymPy (the bridge is
:func:`proofs.compile.to_arb`).  Modules, one job each:

- :mod:`.prec`: working precision (always restored), three-valued comparisons, escalation;
- :mod:`.maps`: a scalar map with its derivative and kinks; branch-by-branch and centred images;
- :mod:`.krawczyk`: periodic orbits proven for a ball of step sizes, covers of a step range;
- :mod:`.crossing`: where an equilibrium's multiplier crosses -1, around a claimed threshold;
- :mod:`.eigen`: eigenvalue enclosures of symmetric matrices with ball entries;
- :mod:`.orbit`: long orbits in the centred form (digits kept) and naive ones (for comparison);
- :mod:`.trapping`: contracting trapping regions of a cycle and covers of a set of starts;
- :mod:`.arithmetic`: interval backends (python-flint balls, mpmath.iv) for the box prover;
- :mod:`.boxprover`: branch and bound for g >= 0 / g > 0 on a box (issue 18; the SymPy front
  end is :func:`proofs.boxprove.prove_nonnegative`).
"""

from numerics.certified.crossing import Crossing, enclose_crossing
from numerics.certified.eigen import Spectrum, lam_max_above, symmetric_spectrum
from numerics.certified.krawczyk import Cover, OrbitProof, cover, krawczyk
from numerics.certified.maps import BallMap, cycle_residuals
from numerics.certified.orbit import BallOrbit, ball, iterate
from numerics.certified.prec import (
    abs_less_than_one, bits_for, escalate, hull, inflate, less, sign, working_prec,
)
from numerics.certified.trapping import BasinCover, Trap, cover_starts, trapping_region

__all__ = [
    "BallMap", "BallOrbit", "BasinCover", "Cover", "Crossing", "OrbitProof", "Spectrum", "Trap",
    "abs_less_than_one", "ball", "bits_for", "cover", "cover_starts", "cycle_residuals",
    "enclose_crossing", "escalate", "hull", "inflate", "iterate", "krawczyk", "lam_max_above",
    "less", "sign", "symmetric_spectrum", "trapping_region", "working_prec",
]
