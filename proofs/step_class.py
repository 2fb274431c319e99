"""Nar & Sastry (2018), "Step Size Matters in Deep Learning", Appendix A: Cauchy-Schwarz for
vectors of every size as a derivation (:mod:`proofs.derivation`), used by the residual-network
derivations (:mod:`proofs.resnet_class`); the paper's own steps (Section 2, (8), (9)) are data
(``verify/papers/nar2018step_section2.toml``, ``nar2018step_appendix.toml``).

Matrices are letters of the free algebra with transpose (:mod:`proofs.matrix_words`); a trace
identity is checked through the canonical form of
:meth:`proofs.matrix_words.Algebra.trace_form` (rotations and transposes of words), passed on
as an identity residual.
"""

from __future__ import annotations

import sympy as sp

from proofs.derivation import Step, identity, premise
from proofs.matrix_words import Algebra

s = sp.Symbol("s", real=True)


def trace_residual(alg: Algebra, lhs, rhs) -> sp.Expr:
    """trace(lhs) - trace(rhs) as a polynomial in canonical words (rotations and transposes
    identified): zero exactly when the trace identity holds for every size by the canonical
    form (:func:`proofs.matrix_words.trace_equal`)."""
    form = alg.trace_form(sp.expand(lhs - rhs))
    return sum((c * sp.Symbol(" ".join(w) or "1") for w, c in form.items()), sp.Integer(0))


def cauchy_schwarz() -> list[Step]:
    """|x^T y|^2 <= |x|^2 |y|^2 for vectors of every size: |x - t y|^2 = a - 2 t c + t^2 b for
    every real t (a = x^T x, b = y^T y, c = x^T y, the 1 x 1 words), and at t = c/b (b > 0)
    this is a - c^2/b >= 0."""
    alg = Algebra({"x": ("d", "1"), "y": ("d", "1")})
    x, y, xt, yt = alg["x"], alg["y"], alg["x^T"], alg["y^T"]
    t = sp.Symbol("t", real=True)
    a, b, c = sp.symbols("a b c", real=True)
    z = x - t * y
    return [identity("|x - t y|^2 = x^T x - 2 t x^T y + t^2 y^T y (every size; y^T x = x^T y)",
                     trace_residual(alg, alg.T(z) * z, xt * x - 2 * t * xt * y
                                    + t ** 2 * yt * y)),
            premise("|x - t y|^2 >= 0 for every real t"),
            identity("at t = c/b: a - 2 t c + t^2 b = (a b - c^2) / b",
                     (a - 2 * t * c + t ** 2 * b).subs(t, c / b) - (a * b - c ** 2) / b),
            premise("so for y != 0 (b > 0): c^2 <= a b")]
