"""Nar & Sastry (2018), "Step Size Matters in Deep Learning": Section 2 (the Hessian at the
optima) and Appendix A, proof of Corollary 1 ((8), (9) and the AM-GM step), as derivations for
every depth L and every width (:mod:`proofs.derivation`).

Matrices are letters of the free algebra with transpose (:mod:`proofs.matrix_words`): a
product of the layers above or below layer i is one letter of symbolic size, so an identity
between letters holds for every depth and width; a trace identity is checked through the
canonical form of :meth:`proofs.matrix_words.Algebra.trace_form` (rotations and transposes of
words), passed on as an identity residual.  Scalar steps use SymPy with L = 1 + k (or 2 + k),
k >= 0 an integer symbol.  The arguments (``variant``, ``factor``) select deliberately false
versions; the tests see the derivation fail on them.

Paper: ``shared/papers/nar-sastry-2018-step-size-matters.md``, Section 2 (before Theorem 1)
and Appendix A (proof of Corollary 1, (8) and (9)).
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


def _coeff(expr, power: int):
    """The coefficient of s^power of a polynomial in s with non-commuting coefficients."""
    return sp.expand(expr).coeff(s, power)


# --- Section 2: the Hessian is singular at every local optimum (L >= 2) ----------------------


def _net(three: bool) -> tuple[Algebra, sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """Layers W_1, W_2 and, for L >= 3, A = W_L ... W_3 (one letter, any size); R the target."""
    shapes = {"W1": ("d_1", "d_0"), "W2": ("d_2", "d_1"), "V": ("d_2", "d_1"),
              "R": ("d_L" if three else "d_2", "d_0")}
    if three:
        shapes["A"] = ("d_L", "d_2")
    alg = Algebra(shapes)
    A = alg["A"] if three else sp.Integer(1)
    return alg, A, alg["W2"], alg["W1"], alg["R"]


def _loss(alg: Algebra, E) -> sp.Expr:
    return alg.T(E) * E / 2  # 1/2 ||E||_F^2 = trace of this


def not_strongly_convex(variant: str = "printed") -> list[Step]:
    """Section 2 (amended): for L >= 2 the Hessian H of f(W) = 1/2 ||W_L ... W_1 - R||_F^2 is
    singular at every local optimum W, every width.

    * W_1 != 0: along the line W + s v, v = (W_1, -W_2, 0, ..., 0) != 0, the product is
      (1 - s^2) P (P = W_L ... W_1), so f(W + s v) = f(W) + s (grad f . v) + s^2 c_2 + ...
      with c_2 = -trace(P^T E); and trace(P^T E) is the derivative of f along (W_1, 0, ..., 0),
      which vanishes at a critical point.  So v^T H v = 2 c_2 = 0.
    * W_1 = 0: along (0, V, 0, ..., 0), V != 0 any, the product stays 0, so f is constant on
      the line and v^T H v = 0.
    * At a local minimum H >= 0 (at a maximum H <= 0), and v^T H v = 0 then gives H v = 0 with
      v != 0: H is singular, so f is strongly convex on no neighbourhood of the optimum.

    Proved for L = 2 (no letter above W_2) and for L >= 3 (A = W_L ... W_3, any size).
    ``variant="plus"`` takes v = (W_1, +W_2, ...) (the product is not preserved: false).
    """
    sign = 1 if variant == "plus" else -1
    steps: list[Step] = [premise(
        "first- and second-order necessary conditions: at a local minimum (maximum) of a C^2 "
        "function, grad f = 0 and H >= 0 (H <= 0); for H >= 0, v^T H v = |H^{1/2} v|^2, so "
        "v^T H v = 0 gives H v = 0")]
    for three in (False, True):
        alg, A, W2, W1, R = _net(three)
        where = "L >= 3 (A = W_L ... W_3)" if three else "L = 2"
        P = A * W2 * W1
        E = P - R
        moved = A * (W2 + sign * s * W2) * (W1 + s * W1) - R
        first = _coeff(_loss(alg, A * W2 * (W1 + s * W1) - R), 1)
        along_zero = A * (W2 + s * alg["V"]) * sp.Integer(0) - R
        steps += [
            identity(f"{where}: along v = (W_1, -W_2, 0, ...) the product is (1 - s^2) P",
                     sp.expand(moved - ((1 - s ** 2) * P - R))),
            identity(f"{where}: the s^2 coefficient of f(W + s v) is -trace(P^T E)",
                     trace_residual(alg, _coeff(_loss(alg, moved), 2), -alg.T(P) * E)),
            identity(f"{where}: the derivative of f along (W_1, 0, ...) is trace(P^T E)",
                     trace_residual(alg, first, alg.T(P) * E)),
            identity(f"{where}: W_1 = 0: f(0, W_2 + s V, ...) has no s and no s^2 term",
                     trace_residual(alg, _coeff(_loss(alg, along_zero), 1)
                                    + s * _coeff(_loss(alg, along_zero), 2), 0)),
        ]
    steps.append(premise(
        "so at a critical point v^T H v = 2 c_2 = -2 (grad f . (W_1, 0, ...)) = 0 with v != 0 "
        "(W_1 != 0), or v = (0, V, 0, ...) (W_1 = 0); with H >= 0 (or <= 0) H v = 0: H is "
        "singular, and a C^2 function strongly convex near W would have H(W) >= m I > 0"))
    return steps


# --- Appendix A, proof of Corollary 1: (8) --------------------------------------------------


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


# --- Section 2, after Theorem 1 (amended): the bound (3) over the rescalings ----------------


def rescaled_bound(variant: str = "printed") -> list[Step]:
    """For L >= 2, every width and R != 0: at every minimiser W (R_hat = W_L ... W_1 != 0) the
    bound (3), 2 / sum_j p_{j-1}^2 q_{j+1}^2, has infimum 0 over the rescalings {alpha_i W_i},
    prod alpha_i = 1.  With alpha_1 = t, alpha_2 = 1/t (others 1) the product, and so R_hat,
    u, v and the loss, are unchanged (each rescaled point is again a minimiser), and the term
    j = 2 of the sum is p_1^2 q_3^2 with p_1 = t |W_1 v| and q_3 = |u^T W_L ... W_3| (= |u| = 1
    for L = 2), both nonzero since u^T R_hat v = rho(R_hat) > 0; so (3) <= 2/(t^2 a b) < eps
    for t^2 = 2/(eps a b) + 1, every eps > 0.

    ``variant="both"`` rescales W_1 and W_2 by t (the product changes: false)."""
    alg = Algebra({"u": ("d_L", "1"), "v": ("d_0", "1"), "A": ("d_L", "d_2"),
                   "W2": ("d_2", "d_1"), "W1": ("d_1", "d_0")})
    v, A, W2, W1 = (alg[n] for n in ("v", "A", "W2", "W1"))
    t = sp.Symbol("t", positive=True)
    second = t if variant == "both" else 1 / t
    a, b, epsilon, rest = sp.symbols("a b epsilon rest", positive=True)
    moved_p1 = (t * W1) * v
    return [
        identity("(W_L ... W_3)(W_2 / t)(t W_1) = W_L ... W_1 (every width; A = W_L ... W_3 a "
                 "letter, A = I for L = 2)", sp.expand(A * (second * W2) * (t * W1) - A * W2 * W1)),
        premise("the loss depends on W only through the product, so every rescaled point is a "
                "minimiser with the same R_hat, u, v; rho(R_hat) > 0: every local minimum of a "
                "deep linear network with square loss is global (Laurent & von Brecht 2018, "
                "any widths), and a nonzero R has a nonzero best approximation of every rank "
                ">= 1 (Eckart-Young)"),
        identity("p_1 at the rescaled point: (t W_1) v = t (W_1 v)", sp.expand(moved_p1 - t * (W1 * v))),
        premise("q_3 = |u^T W_L ... W_3| involves neither W_1 nor W_2, so it is unchanged; "
                "a = |W_1 v|^2 > 0 and b = q_3^2 = |A^T u|^2 > 0, since u^T A W_2 W_1 v = "
                "rho(R_hat) > 0; the other terms of the sum are >= 0 (squares)"),
        inequality("(3) = 2 / (t^2 a b + rest) <= 2 / (t^2 a b)", 2 / (t ** 2 * a * b + rest),
                   "<=", 2 / (t ** 2 * a * b)),
        inequality("at t^2 = 2/(eps a b) + 1: 2/(t^2 a b) < eps, for every eps > 0",
                   2 / ((2 / (epsilon * a * b) + 1) * a * b), "<", epsilon),
        premise("(3) > 0 at every point, so its infimum over the rescalings is 0"),
    ]
