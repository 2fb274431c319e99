"""Check factories for Nar & Sastry (2018), *Residual Networks: Lyapunov Stability and Convex
Decomposition* (paper key ``nar2018resnet``).

Section 2 (stability): least squares, scalar chains from the identity (Proposition 2), deep
linear matrix networks from the identity (Theorem 2 amended; eq. (5), Proposition 1 and the
paragraph after it are data, ``verify/papers/nar2018resnet.toml``).  Section 3: the first step
of the double network (9a)-(9b) (the equations themselves are data; Proposition 3 is too), the convexity of (7a)-(7c), the decomposition of
Section 3.1 and the implication to Theorem 3's hypotheses.  Section 4: formulas (10)-(12).
The experiments (Section 3.2's double network, Figure 4, MNIST) are in
:mod:`verify.experiments.nar2018resnet`.  Engines: :mod:`numerics.residual`,
:mod:`numerics.deeplinear`, :mod:`proofs.resnet`.

Every factory's docstring says what it can prove, what it can only refute, and over which scope.
Refutations carry a counterexample re-evaluated exactly (SymPy / Fractions) or with mpmath.

Modules: :mod:`.least_squares`, :mod:`.matrix`, :mod:`.double`,
:mod:`.convex`, :mod:`.section4` (one per part of the paper), :mod:`.general` (proofs for every
depth and width; :mod:`._shared` holds helpers).
"""

from __future__ import annotations

from verify.checks.resnet.least_squares import (
    ols_exact, ols_affine_symbolic, ols_threshold,
)
from verify.checks.resnet.double import (
    negative_eigen_matrix,
)
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
    "ols_exact",
    "ols_affine_symbolic",
    "ols_threshold",
    "negative_eigen_matrix",
    "example_1d_exact",
    "midpoint_convexity",
    "convexity_conditions",
    "convexity_certificate",
    "eq8_gradient_exact",
    "eq12_formulas_exact",
    "example_1d_general",
]
