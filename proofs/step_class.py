"""Nar & Sastry (2018), "Step Size Matters in Deep Learning": Appendix A, proof of Corollary 1
((8), (9) and the AM-GM step), as derivations for every depth L and every width
(:mod:`proofs.derivation`); Section 2's are data (``verify/papers/nar2018step_section2.toml``).

Matrices are letters of the free algebra with transpose (:mod:`proofs.matrix_words`): a
product of the layers above or below layer i is one letter of symbolic size, so an identity
between letters holds for every depth and width; a trace identity is checked through the
canonical form of :meth:`proofs.matrix_words.Algebra.trace_form` (rotations and transposes of
words), passed on as an identity residual.  Scalar steps use SymPy with L = 1 + k (or 2 + k),
k >= 0 an integer symbol.  The arguments (``variant``, ``factor``) select deliberately false
versions; the tests see the derivation fail on them.

Paper: ``shared/papers/nar-sastry-2018-step-size-matters.md``, Appendix A (proof of
Corollary 1, (8) and (9)).
"""

from __future__ import annotations

import sympy as sp

from proofs.derivation import Step, identity, inequality, premise
from proofs.matrix_words import Algebra

k = sp.Symbol("k", integer=True, nonnegative=True)
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


def eq8(variant: str = "printed") -> list[Step]:
    """(8): q_{i+1} p_i >= rho(R) and p_{i-1}^2 q_{i+1}^2 >= (p_{i-1}^2/p_i^2) rho(R)^2 at every
    global minimum, every i, L and width: with A = W_L ... W_{i+1}, B = W_{i-1} ... W_1 (letters
    of any size; A or B = I at the ends), x = A^T u, y = W_i B v, x^T y = u^T R_hat v =
    rho(R_hat) = rho(R); Cauchy-Schwarz; then square and divide by p_i^2.

    ``variant="skip"`` drops the layer W_i from y (the claim p_{i-1} q_{i+1} >= rho: false)."""
    alg = Algebra({"u": ("d_L", "1"), "v": ("d_0", "1"), "A": ("d_L", "d_i"),
                   "W": ("d_i", "d_im1"), "B": ("d_im1", "d_0")})
    v, A, W, B = (alg[n] for n in ("v", "A", "W", "B"))
    y = B * v if variant == "skip" else W * B * v
    rho, q, p, P = sp.symbols("rho q p P", positive=True)  # q = q_{i+1}, p = p_i, P = p_{i-1}
    z, e = sp.symbols("z e", nonnegative=True)
    return cauchy_schwarz() + [
        premise("R_hat = W_L ... W_1 = A W_i B for every split i; u, v unit top singular "
                "vectors of R_hat: u^T R_hat v = rho(R_hat) > 0; at a global minimum rho(R_hat) "
                "= rho(R) (R_hat = R, or with a bottleneck the Eckart-Young truncation of R, "
                "which keeps the top singular value); q_{i+1} = |A^T u|, p_i = |W_i B v|"),
        identity("x^T y = u^T A W_i B v = u^T R_hat v for x = A^T u, y = W_i B v",
                 sp.expand(alg["u^T"] * A * y - alg["u^T"] * A * W * B * v)),
        premise("y != 0 since x^T y = rho > 0; so rho^2 <= q^2 p^2 (Cauchy-Schwarz above)"),
        identity("q p - rho = (q^2 p^2 - rho^2) / (q p + rho)",
                 (q * p - rho) * (q * p + rho) - (q ** 2 * p ** 2 - rho ** 2)),
        inequality("q p - rho >= 0 when q^2 p^2 = rho^2 + z, z >= 0", z / (q * p + rho), ">=", 0),
        inequality("(8): p_{i-1}^2 q_{i+1}^2 >= p_{i-1}^2 rho^2 / p_i^2 when q p = rho + e",
                   P ** 2 * ((rho + e) / p) ** 2, ">=", P ** 2 * rho ** 2 / p ** 2),
    ]


# --- Appendix A, proof of Corollary 1: (9) and the AM-GM step -------------------------------


def exp_tangent() -> list[Step]:
    """e^y >= 1 + y for every real y: g(y) = e^y - 1 - y has g(0) = g'(0) = 0 and g'' > 0."""
    yv = sp.Symbol("y", real=True)
    g = sp.exp(yv) - 1 - yv
    return [identity("g(0) = 0", g.subs(yv, 0)),
            identity("g'(0) = 0", sp.diff(g, yv).subs(yv, 0)),
            inequality("g''(y) = e^y > 0", sp.diff(g, yv, 2), ">", 0),
            premise("a convex differentiable function lies above its tangent: g(y) >= g(0) + "
                    "g'(0) y = 0")]


def eq9(factor=1) -> list[Step]:
    """(9) and the AM-GM step, every L >= 1 and width: the sum in (3) is >= the sum in (9) (so
    (9) relaxes (3)); prod_i p_i/p_{i-1} = p_L/p_0 = rho(R) (telescoping); the L terms a_i =
    (p_{i-1}^2/p_i^2) rho^2 have product rho^{2(L-1)}, and their sum is >= L G, G =
    rho^{2(L-1)/L} (AM-GM by Polya: a/G >= 1 + log(a/G), and sum log(a_i/G) = 0).

    ``factor`` multiplies the AM-GM bound (the paper: 1; 2 is false at balanced minimisers,
    where the a_i are all equal)."""
    L = 1 + k
    pn, pn1, p0, rho, S9 = sp.symbols("p_n p_n1 p_0 rho S9", positive=True)
    g0 = sp.Symbol("g0", nonnegative=True)
    G = rho ** (2 * (L - 1) / L)
    a = sp.Symbol("a", positive=True)
    zsum = sp.Symbol("z", nonnegative=True)
    return eq8() + exp_tangent() + [
        premise("summing the L termwise inequalities (8): S3 = sum_i p_{i-1}^2 q_{i+1}^2 >= "
                "S9 = sum_i (p_{i-1}^2/p_i^2) rho^2 > 0"),
        inequality("(9) relaxes (3): 2/S3 <= 2/S9 for S3 = S9 + g, g >= 0", 2 / (S9 + g0), "<=",
                   2 / S9),
        identity("telescoping, base L = 1: prod = p_1/p_0", sp.Integer(0)),
        identity("telescoping, step: (p_n/p_0) (p_{n+1}/p_n) = p_{n+1}/p_0",
                 (pn / p0) * (pn1 / pn) - pn1 / p0),
        premise("p_0 = |v| = 1 and p_L = |R_hat v| = rho(R_hat) = rho(R) (v the top right "
                "singular vector; a global minimum): prod_i p_i/p_{i-1} = rho(R)"),
        identity("prod_i a_i = rho^{2L} (prod_i p_{i-1}/p_i)^2 = rho^{2L} rho^{-2} = G^L",
                 rho ** (2 * L) * (1 / rho) ** 2 - G ** L),
        identity("sum_i log(a_i/G) = log(prod_i a_i) - L log G = 0",
                 sp.expand_log(sp.log(rho ** (2 * (L - 1))) - L * sp.log(G), force=True)),
        premise("log of a product is the sum of the logs; e^y >= 1 + y at y = log(a_i/G) gives "
                "a_i/G >= 1 + log(a_i/G); summed over i: sum a_i / G >= L + 0"),
        identity("a/G = e^{log(a/G)} for a, G > 0", sp.exp(sp.log(a / G)) - a / G),
        inequality(f"sum_i a_i = G (L + z) >= {factor} L G = {factor} L rho^{{2(L-1)/L}} "
                   "(z >= 0)", G * (L + zsum), ">=", factor * L * G),
    ]
