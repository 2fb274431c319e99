"""Check factories for Nar & Sastry (2018), *Residual Networks: Lyapunov Stability and Convex
Decomposition* (paper key ``nar2018resnet``).

Section 2's claims (least squares, Propositions 1-2, Theorems 1-2, eq. (5)) and Section
3.2's ((9a)-(9b), Proposition 3, the sentence on negative eigenvalues) are data,
``verify/papers/nar2018resnet.toml``.  Here: Section 3, the convexity of (7a)-(7c), (8a)-(8b)
and the two-layer example of Section 3.1 (Theorem 3's hypotheses and the decomposition are
data); Section 4, formulas (10)-(12).
The experiments (Section 3.2's double network, Figure 4, MNIST) are in
:mod:`verify.experiments.nar2018resnet`.  Engines: :mod:`numerics.residual`,
:mod:`numerics.deeplinear`, :mod:`proofs.resnet`.

Every factory's docstring says what it can prove, what it can only refute, and over which scope.
Refutations carry a counterexample re-evaluated exactly (SymPy / Fractions) or with mpmath.

Modules: :mod:`.convex`, :mod:`.section4` (one per part of the paper), :mod:`.general` (proofs
for every depth and width; :mod:`._shared` holds helpers).
"""

from __future__ import annotations

from verify.checks.resnet.convex import (
    example_1d_exact, midpoint_convexity, convexity_conditions, convexity_certificate, eq8_gradient_exact,
)
from verify.checks.resnet.general import (
    example_1d_general,
)
from verify.checks.resnet.section4 import (
    eq12_formulas_exact,
)

__all__ = [
    "example_1d_exact",
    "midpoint_convexity",
    "convexity_conditions",
    "convexity_certificate",
    "eq8_gradient_exact",
    "eq12_formulas_exact",
    "example_1d_general",
]
