"""Certified eigenvalue enclosures of a symmetric matrix with ball entries (issue 7, item 2).

A symmetric matrix has real eigenvalues.  The enclosures come from Arb's ``acb_mat.eig`` (a
certified isolation: each returned complex ball contains exactly one eigenvalue, or the call
fails), whose real parts are kept; when the eigenvalues cannot be isolated (multiple or nearly
multiple eigenvalues, e.g. a rank-one Hessian with a repeated 0) Arb's cluster version
(``multiple=True``: every eigenvalue of a cluster gets the cluster's enclosure) is tried, and
if that fails too, Weyl's perturbation bound
around the exact midpoint matrix is used instead: every eigenvalue of A lies within ||A - M||_2
<= ||A - M||_F of an eigenvalue of M, and Gershgorin discs enclose the eigenvalues of M.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import flint

from numerics.certified.prec import less, working_prec


@dataclass(frozen=True)
class Spectrum:
    """Enclosures of the eigenvalues and of lambda_max; ``method``: "eig" or "gershgorin"."""

    eigenvalues: tuple[flint.arb, ...]
    lam_max: flint.arb
    method: str


def _gershgorin(A: flint.arb_mat) -> Spectrum:
    n = A.nrows()
    discs = []
    for i in range(n):
        r = sum((abs(A[i, j]) for j in range(n) if j != i), flint.arb(0))
        c = A[i, i]
        discs.append(flint.arb.union(c - r, c + r))
    top = discs[0]
    for d in discs[1:]:
        top = flint.arb.max(top, d)
    # lambda_max lies between the largest diagonal entry (Rayleigh quotient on a unit vector)
    # and the largest disc's upper end.
    diag_max = A[0, 0]
    for i in range(1, n):
        diag_max = flint.arb.max(diag_max, A[i, i])
    return Spectrum(tuple(discs), flint.arb.union(diag_max.lower(), top.upper()), "gershgorin")


def symmetric_spectrum(entries: Sequence[Sequence[flint.arb]], prec: int = 128) -> Spectrum:
    """Enclose the eigenvalues of the symmetric matrix with these ball entries.

    Raises ValueError if the matrix is not square or a pair of entries is certified unequal
    (not symmetric).
    """
    with working_prec(prec):
        A = flint.arb_mat([[flint.arb(v) for v in row] for row in entries])
        n = A.nrows()
        if A.ncols() != n:
            raise ValueError("matrix not square")
        for i in range(n):
            for j in range(i):
                if not A[i, j].overlaps(A[j, i]):
                    raise ValueError(f"matrix not symmetric at ({i}, {j})")
        for method, options in (("eig", {}), ("eig, clusters", {"multiple": True})):
            try:
                values = tuple(e.real for e in flint.acb_mat(A).eig(**options))
            except ValueError:  # Arb could not isolate / enclose: try the next way
                continue
            if values and all(v.is_finite() for v in values):
                top = values[0]
                for v in values[1:]:
                    top = flint.arb.max(top, v)
                return Spectrum(values, top, method)
        # Weyl: eigenvalues of A are within ||A - M||_F of those of the midpoint matrix M,
        # whose eigenvalues lie in the Gershgorin discs (symmetrised midpoints).
        M = flint.arb_mat([[((A[i, j] + A[j, i]) / 2).mid() for j in range(n)] for i in range(n)])
        frob = sum(((A[i, j] - M[i, j]) ** 2 for i in range(n) for j in range(n)),
                   flint.arb(0)).sqrt()
        g = _gershgorin(M)
        pad = flint.arb(0, frob.upper())
        return Spectrum(tuple(d + pad for d in g.eigenvalues), g.lam_max + pad, "gershgorin")


def lam_max_above(spectrum: Spectrum, bound: flint.arb) -> bool | None:
    """Three-valued lambda_max > bound: True, False (lambda_max <= bound certified) or None."""
    return less(bound, spectrum.lam_max)
