"""Nar & Sastry (2018), Section 2, ordinary least squares example (amended), as a derivation
for every real X (n x N) and every delta > 0 (:mod:`proofs.derivation`).

Paper: ``shared/papers/nar-sastry-2018-resnets-lyapunov-stability.md``, Section 2: GD on
(1/2)||X^T w - y||^2 is w[k+1] = (I - delta X X^T) w[k] + delta X y.
"""

from __future__ import annotations

import sympy as sp

from proofs import general_depth as gd
from proofs import resnet_general as prg
from proofs.derivation import Step, checked, from_facts, identity, inequality, premise
from proofs.matrix_words import Algebra
from proofs.registry import Derivation, Statement
from proofs.step_class import cauchy_schwarz, trace_residual


def ols_amended(threshold=2) -> list[Step]:
    """GD converges from every start iff delta < threshold/lambda_max(X X^T) (threshold = 2),
    and its equilibria are asymptotically stable iff moreover X X^T is nonsingular."""
    X, Xt, w, ws, y, q = sp.symbols("X Xt w ws y qt", commutative=False)
    d = sp.Symbol("delta", positive=True)
    lam, lmax = sp.symbols("lambda lambda_max", positive=True)
    a, b = sp.symbols("a b", nonnegative=True)
    bb = sp.Symbol("b_", positive=True)
    step = sp.expand((w - d * X * (Xt * w - y)) - ws - (1 - d * X * Xt) * (w - ws))
    step = sp.expand(step.subs(X * y, X * Xt * ws))  # ws an equilibrium: X X^T ws = X y
    eig = sp.expand(q * (1 - d * X * Xt)).subs(q * X * Xt, lam * q) - (1 - d * lam) * q
    return [
        premise("an equilibrium exists: X y lies in range(X) = range(X X^T)"),
        identity("error recursion: w[k+1] - w* = (I - delta X X^T)(w[k] - w*) for every "
                 "equilibrium w* (X X^T w* = X y), every n, N", step),
        premise("spectral theorem: X X^T = sum_i lambda_i q_i q_i^T, lambda_i >= 0, q_i "
                "orthonormal"),
        identity("q_i^T (I - delta X X^T) = (1 - delta lambda_i) q_i^T, so the coordinate "
                 "e_i = q_i^T (w - w*) evolves as e_i[k] = (1 - delta lambda_i)^k e_i[0]", eig),
        premise("r^k c converges for every c iff -1 < r <= 1, and tends to 0 for every c iff "
                "|r| < 1; a linear recursion is asymptotically stable iff every |r_i| < 1"),
        identity("lambda_i = 0: r = 1 (the coordinate stays: converges, never decays)",
                 (1 - d * 0) - 1),
        inequality("lambda_i > 0: r = 1 - delta lambda_i < 1", 1 - d * lam, "<", 1),
        identity("lambda_i > 0: r + 1 = lambda_i (2/lambda_i - delta), so r > -1 iff delta < "
                 "2/lambda_i", (1 - d * lam) + 1 - lam * (2 / lam - d)),
        inequality("delta < threshold/lambda_max and 0 < lambda_i <= lambda_max give delta "
                   "lambda_i < 2 (lambda_i = lambda_max/(1+a), delta = threshold/(lambda_max "
                   "(1+b)), b > 0)", threshold / (lmax * (1 + bb)) * lmax / (1 + a), "<", 2),
        identity("delta >= 2/lambda_max: r = 1 - delta lambda_max <= -1 on q_max, so the start "
                 "w* + q_max does not converge (delta lambda_max = 2 + b)",
                 (1 - (2 + b)) - (-1 - b)),
        inequality("... r = -1 - b <= -1", -1 - b, "<=", -1),
        premise("so GD converges from every start iff delta < 2/lambda_max (X = 0: every start "
                "is an equilibrium, 2/0 read as oo); asymptotic stability needs also every "
                "lambda_i > 0, i.e. X X^T nonsingular"),
    ]


# The amended least squares claim as a claim file states it for n = 2: X X^T = Q diag(l1, l2) Q^T
# (Q the rotation by th, l1 >= l2 >= 0: every PSD 2 x 2 matrix) and X y = X X^T c (X y lies in
# range(X X^T)), so the loss is the quadratic family's x^T A x / 2 + b^T x with A = X X^T,
# b = -A c (up to a constant), a minimiser c and q_max = (cos th, sin th), q_null = (-sin th,
# cos th) the eigenvectors of l1, l2.
_A = ("l1*cos(th)**2 + l2*sin(th)**2", "(l1 - l2)*sin(th)*cos(th)",
      "l1*sin(th)**2 + l2*cos(th)**2")
_OLS_MODEL = {"family": "quadratic", "A": [[_A[0], _A[1]], [_A[1], _A[2]]],
              "b": [f"-({_A[0]})*c1 - ({_A[1]})*c2", f"-({_A[1]})*c1 - ({_A[2]})*c2"]}
_OLS_CLASS = {"delta": "> 0", "l1": "> 0", "th": "real", "c1": "real", "c2": "real",
              "u1": "real", "u2": "real"}
OLS_SCOPE = {"X": "any real n x N", "delta": "> 0"}
_OLS_PARTS = {  # part -> (l2's class, its other keys)
    "converges": (">= 0", {"assume": ["l2 <= l1"], "start": ["u1", "u2"],
                           "condition": "delta < 2/l1", "target": "minimisers", "sweep": 200}),
    "top_direction": (">= 0", {"assume": ["l2 <= l1", "delta >= 2/l1"],
                               "start": ["c1 + cos(th)", "c2 + sin(th)"],
                               "quantity": "Abs(cos(th)*(x[0] - c1) + sin(th)*(x[1] - c2))",
                               "relation": ">=", "bound": "1", "steps": 10}),
    "null_kept": ("[0, 0]", {"assume": ["delta < 2/l1"], "start": ["u1", "u2"],
                             "quantity": "-sin(th)*x[0] + cos(th)*x[1]", "drift": "0",
                             "steps": 10}),
    "nonsingular_attracts": ("> 0", {"assume": ["l2 <= l1"], "start": ["u1", "u2"],
                                     "condition": "delta < 2/l1", "target": ["c1", "c2"],
                                     "sweep": 200}),
}


def _ols(part: str) -> Derivation:
    l2, keys = _OLS_PARTS[part]
    kind = "convergence" if "condition" in keys else "trajectory"
    return Derivation(
        f"nar2018resnet.ols_amended.{part}", "Nar & Sastry (2018), Section 2, least squares "
        "(amended)",
        Statement(kind, OLS_SCOPE, (), params={**_OLS_CLASS, "l2": l2},
                  keys={"model": _OLS_MODEL, "step": "delta", **keys}),
        ols_amended, "w[k+1] - w* = (I - delta X X^T)(w[k] - w*) for every equilibrium; along "
        "each eigenvector of X X^T the error is multiplied by 1 - delta lambda_i: every start "
        "converges iff delta < 2/lambda_max, the null(X^T) part stays; every real X (n x N)")


def convex_network(w_sign=1) -> list[Step]:
    """(7a)-(7c) (Section 3.1): f_hat = c^T h_L + d is convex for every n, L, m_i when W_i, V_i,
    b_i >= 0 and c > 0, by induction on the layer i over the convexity inequality: at z =
    lam x + mu y (lam, mu >= 0, lam + mu = 1), a convex F has F(z) = lam F(x) + mu F(y) - s,
    s >= 0.  The coordinates of h_0 = x are affine (s = 0); a coordinate of h_i is
    h_{i-1,j} + sum_k (W_i)_{jk} [V_{i,k}^T h_{i-1} - b_{i,k}]_+: nonnegative combinations
    (added one term at a time), an affine shift (-b) and [.]_+ = max(., 0) each keep the
    inequality.  ``w_sign = -1`` lets a weight be negative (false: -[x]_+ is concave)."""
    rr = sp.Symbol("r", nonnegative=True)
    lam, mu = 1 / (1 + rr), rr / (1 + rr)  # every lam in (0, 1]; lam = 0 swaps x and y
    x, y, bias = sp.symbols("x y b", real=True)
    Fx, Fy, Gx, Gy = sp.symbols("F_x F_y G_x G_y", real=True)
    s1, s2, a, g = sp.symbols("s1 s2 a g", nonnegative=True)  # slacks; a weight; 0 <= g
    Fz = lam * Fx + mu * Fy - s1  # F convex at z
    Gz = lam * Gx + mu * Gy - s2
    t1, t2 = sp.symbols("t1 t2", nonnegative=True)  # [F(x)]_+ = F(x) + t1 >= 0, etc.
    return [
        premise("convexity of F: F(lam x + mu y) <= lam F(x) + mu F(y) for lam in [0, 1], mu = "
                "1 - lam (lam = 0 is lam = 1 with x and y swapped); every coordinate is handled alike (induction on i, then on the "
                "number of terms k of the sum)"),
        identity("lam = 1/(1 + r), mu = r/(1 + r) (r >= 0): lam + mu = 1", lam + mu - 1),
        identity("base: h_0(z) = z = lam x + mu y is affine (equality, slack 0)",
                 (lam * x + mu * y) - (lam * x + mu * y)),
        inequality("sum step: F + a G with a = (W_i)_{jk} >= 0 keeps the inequality",
                   Fz + w_sign * a * Gz, "<=", lam * (Fx + w_sign * a * Gx)
                   + mu * (Fy + w_sign * a * Gy)),
        inequality("nonnegative combination V_{i,k}^T h_{i-1} likewise (a = (V_i)_{jk} >= 0), "
                   "and c^T h_L with c > 0", Fz + a * Gz, "<=",
                   lam * (Fx + a * Gx) + mu * (Fy + a * Gy)),
        identity("affine shift: (F - b)(z) bound is lam (F(x) - b) + mu (F(y) - b) - s",
                 (Fz - bias) - (lam * (Fx - bias) + mu * (Fy - bias) - s1)),
        inequality("[F]_+ where F(z) >= 0: F(z) <= lam [F(x)]_+ + mu [F(y)]_+",
                   Fz, "<=", lam * (Fx + t1) + mu * (Fy + t2)),
        inequality("[F]_+ where F(z) < 0: 0 <= lam [F(x)]_+ + mu [F(y)]_+ (both >= 0)",
                   0, "<=", lam * g + mu * sp.Symbol("g2", nonnegative=True)),
        identity("(7c): + d, an affine shift again (d real)",
                 (Fz + bias) - (lam * (Fx + bias) + mu * (Fy + bias) - s1)),
        premise("so by induction every coordinate of h_i is convex, and f_hat = c^T h_L + d is "
                "convex on R^n"),
    ]


# --- (8a)-(8b) and (10)-(12): gradients of the ReLU residual network, every size ---------------


def gradient_jumps(variant: str = "printed") -> list[Step]:
    """(8a)-(8b) and the paragraph after them, for every width n, m and every V, W, c, b:
    on a region where the activation pattern D = diag(1{V^T x - b >= 0}) is fixed, f(x) =
    c^T x + c^T W D (V^T x - b) (one layer of (7b), [z]_+ = D z), its gradient is
    c + V D W^T c; crossing the line v_j^T x = b_j flips D_jj, so the gradient jumps by
    (W^T c)_j v_j (normal v_j, distance b_j / ||v_j|| from the origin).  Near the origin
    (b > 0) D = 0 and the gradient is c = [1 1]^T; with W = V = I the increments are e_j.

    ``variant="W"`` claims the jump (W c)_j v_j (false for a non-symmetric W)."""
    alg = Algebra({"x": ("n", "1"), "H": ("n", "1"), "c": ("n", "1"), "W": ("n", "m"),
                   "V": ("n", "m"), "D": ("m", "m"), "b": ("m", "1"), "e": ("m", "1")},
                  symmetric=frozenset({"D"}))
    x, H, c, W, V, D, b, e = (alg[k] for k in ("x", "H", "c", "W", "V", "D", "b", "e"))
    ct, Vt, Wt, et = alg["c^T"], alg["V^T"], alg["W^T"], alg["e^T"]
    t = sp.Symbol("t", real=True)

    def f(z, Dm):
        return ct * z + ct * W * Dm * (Vt * z - b)

    def grad(Dm):
        return c + V * Dm * Wt * c

    jump = V * e * (et * (alg["W"] if variant == "W" else Wt) * c)
    b1, b2 = sp.symbols("b1 b2", positive=True)
    I2, one, xs = sp.eye(2), sp.Matrix([1, 1]), sp.Matrix(sp.symbols("x1 x2", real=True))
    printed = [*((I2.T * one)[j] * I2[:, j] - sp.eye(2)[:, j] for j in (0, 1)),
               I2.T * xs - sp.Matrix([b1, b2]) - (xs - sp.Matrix([b1, b2]))]
    printed = [entry for M in printed for entry in M]
    return [
        premise("[z]_+ = D z with D = diag(1{z_j >= 0}); away from the lines v_j^T x = b_j "
                "the pattern D is locally constant, so f is affine there"),
        identity("f(x + t H) - f(x) = t (c^T H + c^T W D V^T H) (every n, m)",
                 sp.expand(f(x + t * H, D) - f(x, D) - t * (ct * H + ct * W * D * Vt * H))),
        identity("c^T H + c^T W D V^T H = H^T (c + V D W^T c): the gradient is c + V D W^T c",
                 trace_residual(alg, ct * H + ct * W * D * Vt * H, alg["H^T"] * grad(D))),
        identity("crossing v_j^T x = b_j (D -> D + e_j e_j^T): the gradient jumps by "
                 "v_j (W^T c)_j", sp.expand(grad(D + e * et) - grad(D) - jump)),
        premise("|v_j^T x| <= ||v_j|| ||x|| < b_j for ||x|| < min_j b_j/||v_j|| (Cauchy-"
                "Schwarz, b > 0), so D = 0 near the origin; v_j^T x = b_j is the line with "
                "normal v_j at distance b_j/||v_j|| from the origin"),
        identity("near the origin (D = 0) the gradient is c", grad(sp.Integer(0)) - c),
        identity("(8a)-(8b): W = V = I, c = [1 1]^T: (W^T c)_j v_j = e_j, and the region "
                 "x_j >= b_j is where [V^T x - b]_j >= 0 (b = (b1, b2); entries squared, "
                 "summed)", sum(r ** 2 for r in printed)),
    ]


def eq12_gradients(variant: str = "printed") -> list[Step]:
    """(10)-(12) amended, every n, L, N: with f_hat(x) = c^T h_L(x) and, at a sample x_i where
    f_hat is differentiable, the activation patterns D_k = diag(1{h_{k-1} - b_k >= 0}) (fixed
    near the parameters), W~_k = W_k D_k and U = (I + W~_L) ... (I + W~_{l+1}):

    * a change delta of h_l changes h_L by U delta (induction over the layers above, one
      layer at a time: h_k = h_{k-1} + W_k D_k (h_{k-1} - b_k)), so c_l = U^T c;
    * W_l -> W_l + t H changes h_l by t H p, p = (h_{l-1} - b_l)_+ = D_l (h_{l-1} - b_l), so
      the gradient of (1/2) e^2 (e = f_hat - y) is c_l e p^T (12a);
    * b_l -> b_l + t beta changes h_l by -t W_l D_l beta: gradient -D_l W_l^T c_l e;
    * c -> c + t gamma changes f_hat by t gamma^T h_L: gradient e h_L (12b);
    and the sum over the N samples is the sum of these (the loss is a sum).

    ``variant="no_relu"`` claims (h_{l-1} - b_l) instead of its positive part in (12a)."""
    alg = Algebra({"U": ("n", "n"), "W": ("n", "n"), "D": ("n", "n"), "h": ("n", "1"),
                   "b": ("n", "1"), "d": ("n", "1"), "H": ("n", "n"), "beta": ("n", "1"),
                   "c": ("n", "1"), "g": ("n", "1"), "hL": ("n", "1")},
                  symmetric=frozenset({"D"}))
    U, W, D, h, b, dd, H, beta, c, g, hL = (alg[k] for k in (
        "U", "W", "D", "h", "b", "d", "H", "beta", "c", "g", "hL"))
    T = alg.T
    t, e = sp.symbols("t e", real=True)

    def layer(z, Wm, bm):  # one layer of (10b) with the pattern D fixed
        return z + Wm * D * (z - bm)

    cl = T(U) * c  # c_l = U^T c (a column)
    p = D * (h - b) if variant == "printed" else h - b
    return [
        premise("at a sample where f_hat is differentiable no coordinate of h_{k-1} - b_k is 0, "
                "so the patterns D_k are locally constant and [z]_+ = D_k z"),
        identity("one layer: h_k(h_{k-1} + t d) = h_k + t (I + W_k D_k) d",
                 sp.expand(layer(h + t * dd, W, b) - layer(h, W, b) - t * (1 + W * D) * dd)),
        identity("induction over the layers above: (I + W~_k) U' d = U d with U = (I + W~_k) "
                 "U' (so h_L changes by U d and c_l^T = c^T U)",
                 sp.expand((1 + W * D) * U * dd - ((1 + W * D) * U) * dd)),
        identity("W_l -> W_l + t H: h_l changes by t H (h_{l-1} - b_l)_+",
                 sp.expand(layer(h, W + t * H, b) - layer(h, W, b) - t * H * D * (h - b))),
        identity("(12a): e c^T U H p = trace(H^T (c_l e p^T))",
                 trace_residual(alg, e * T(c) * U * H * D * (h - b), e * T(H) * cl * T(p))),
        identity("b_l -> b_l + t beta: h_l changes by -t W_l D_l beta",
                 sp.expand(layer(h, W, b + t * beta) - layer(h, W, b) + t * W * D * beta)),
        identity("bias: -e c^T U W D beta = beta^T (-D W^T c_l e)",
                 trace_residual(alg, -e * T(c) * U * W * D * beta,
                                 T(beta) * (-D * T(W) * cl * e))),
        identity("(12b): (c + t g)^T h_L - c^T h_L = t g^T h_L, so the c-gradient is e h_L",
                 trace_residual(alg, e * (T(c + t * g) * hL - T(c) * hL), t * T(g) * (e * hL))),
        premise("the loss (11) is the sum over the N samples of (1/2) e_i^2, so its gradients "
                "are the sums of the per-sample ones (chain rule, linearity)"),
    ]


# --- Section 3.1 after Theorem 3 (amended): grad f meets Theorem 3's conditions ----------------


def strongly_convex_gradient(factor=1) -> list[Step]:
    """Section 3.1 (amended): f with Hessian >= m I (m > 0) and a Lipschitz Hessian on a
    bounded convex D; h = grad f meets Theorem 3's conditions, for every dimension n:
    differentiable and alpha-smooth (Dh is the Hessian, Lipschitz by hypothesis), strongly
    monotone ((h(y) - h(x))^T (y - x) >= m |y - x|^2 on the segment, which D contains),
    hence injective with |x - y| <= |h(x) - h(y)| / m (Cauchy-Schwarz), and det Dh(x_0) >=
    m^n > 0.  ``factor`` scales the inverse's Lipschitz constant (the paper: 1/m; 1/(2m) is
    false for a quadratic f = (m/2)|x|^2)."""
    m, r = sp.symbols("m r", positive=True)  # r = |y - x| > 0
    s1, s2 = sp.symbols("s1 s2", nonnegative=True)
    n = sp.Symbol("n", integer=True, positive=True)
    return cauchy_schwarz() + [
        premise("Dh = Hessian of f: h is differentiable, and ||Dh(y) - Dh(x)|| <= alpha ||y - x|| "
                "is the Lipschitz-Hessian hypothesis (alpha-smooth)"),
        premise("chain rule: g(t) = (h(x + t(y - x)) - h(x))^T (y - x) has g(0) = 0 and g'(t) = "
                "(y - x)^T Hess f(x + t(y - x)) (y - x) >= m |y - x|^2 (the segment lies in the "
                "convex D)"),
        premise("fundamental theorem of calculus: g(1) = int_0^1 g' >= m |y - x|^2"),
        premise("Cauchy-Schwarz above: g(1) <= |h(y) - h(x)| |y - x| = N r"),
        inequality("from N r >= g(1) = m r^2 + s1: N/m - r >= 0, i.e. |x - y| <= "
                   f"{factor} |h(x) - h(y)| / m", factor * (m * r ** 2 + s1 + s2) / (m * r), ">=", r),
        inequality("so h(x) != h(y) for x != y: N >= m r > 0 (h is invertible on D, its inverse "
                   "1/m-Lipschitz on h(D))", (m * r ** 2 + s1 + s2) / r, ">", 0),
        premise("spectral theorem: Dh(x_0) = Hess f(x_0) is symmetric with eigenvalues lam_i >= "
                "m, and det = prod_i lam_i"),
        identity("det as a product, base n = 0: the empty product 1 = m^0", m ** 0 - 1),
        inequality("step: a product P_k = m^k + a (a >= 0) times lam = m + s (s >= 0, every "
                   "eigenvalue >= m) is >= m^{k+1}", (m ** n + s1) * (m + s2), ">=",
                   m ** (n + 1)),
        inequality("m^n > 0", m ** n, ">", 0),
    ]


# Section 3.1 (amended) over the quantities its proof speaks of: r = |x - y| > 0, p = (grad f(x)
# - grad f(y))^T (x - y) and q = |grad f(x) - grad f(y)|; the premises (the chain rule and the
# fundamental theorem of calculus on the segment, Cauchy-Schwarz) give m r^2 <= p <= q r.
THEOREM3_SCOPE = {"f": "Hessian >= m I (m > 0), Lipschitz Hessian, bounded convex D",
                  "x, y": "in D, x != y"}
THEOREM3 = Derivation(
    "nar2018resnet.sec31_theorem3_amended", "Nar & Sastry (2018), Section 3.1 after Theorem 3 "
    "(amended)",
    Statement("inequality", THEOREM3_SCOPE, ("r <= q/m", "q > 0"),
              params={"m": "real", "r": "real", "p": "real", "q": "real"},
              assume=("m > 0", "r > 0", "p >= m*r**2", "p <= q*r")),
    strongly_convex_gradient, "strong monotonicity m |x - y|^2 <= (grad f(x) - grad f(y))^T "
    "(x - y) (Hessian >= m I on the segment) and Cauchy-Schwarz give |x - y| <= |grad f(x) - "
    "grad f(y)|/m; the determinant of the Hessian is >= m^n > 0; every dimension n")


def decomposition_amended() -> list[Step]:
    """Section 3.1, the decomposition f_k = r - s (amended), every n and every twice
    differentiable f_k: grad r(0) = beta + grad f_k(0), grad s(0) = beta, Hess r = alpha I +
    Hess f_k, Hess s = alpha I (:func:`proofs.resnet_general.decomposition_general`); with
    g = d_j f_k(0), beta_j = max(0, -g) + e and h = min lambda_min(Hess f_k), alpha =
    max(0, -h) + a (e, a > 0) both gradients and both Hessians' eigenvalues are positive."""
    e, a, up = sp.symbols("e a u", positive=True)  # the slacks; u = |g| (or |h|) when negative
    u0, v = sp.Symbol("u0", nonnegative=True), sp.Symbol("v", real=True)
    return [
        checked("grad r(0) = beta + grad f_k(0), grad s(0) = beta, Hess r = alpha I + Hess "
                "f_k, Hess s = alpha I (a generic f of an arbitrary coordinate pair: every "
                "entry, every n)", prg.decomposition_general),
        premise("the eigenvalues of alpha I + H are alpha + those of H: lambda_min(Hess r(x)) "
                "= alpha + lambda_min(Hess f_k(x)) >= alpha + h on the domain"),
        inequality("g >= 0: beta + g = e + g > 0 (beta = max(0, -g) + e = e)", e + u0, ">", 0),
        inequality("g = -u < 0: beta + g = (u + e) - u > 0", (up + e) - up, ">", 0),
        inequality("beta = max(0, -g) + e > 0 for every real g", sp.Max(0, -v) + e, ">", 0),
        inequality("h >= 0: alpha + h = a + h > 0", a + u0, ">", 0),
        inequality("h = -u < 0: alpha + h = (u + a) - u > 0", (up + a) - up, ">", 0),
        inequality("alpha = max(0, -h) + a > 0 for every real h", sp.Max(0, -v) + a, ">", 0),
        premise("so Hess r, Hess s are positive definite on the domain (r, s strictly convex) "
                "and every coordinate of grad r(0), grad s(0) is positive"),
    ]


DECOMPOSITION_SCOPE = {"n": ">= 1", "f_k": "twice differentiable on [0, M_1] x ... x [0, M_n]",
                       "beta_j": "> max(0, -d_j f_k(0))",
                       "alpha": "> max(0, -min lambda_min(Hess f_k))"}
DECOMPOSITION = Derivation(
    "nar2018resnet.sec31_decomposition_amended", "Nar & Sastry (2018), Section 3.1, the "
    "decomposition f_k = r - s (amended)",
    Statement("inequality", DECOMPOSITION_SCOPE,
              ("beta + g > 0", "beta > 0", "alpha + h > 0", "alpha > 0",
               "Min(beta + g, beta) > 0", "Min(alpha + h, alpha) > 0"),
              params={"g": "real", "beta": "real", "h": "real", "alpha": "real"},
              assume=("beta > Max(0, -g)", "alpha > Max(0, -h)")),
    decomposition_amended, "grad r(0) = beta + grad f_k(0), grad s(0) = beta, Hess r = alpha "
    "I + Hess f_k, Hess s = alpha I (every n, every f_k), so the amended beta and alpha make "
    "both gradients at 0 and both Hessians positive")


# --- the every-L proofs of proofs.resnet_general as derivations ----------------------------------


def _facts(decide_all, labels: dict[str, str]) -> list[Step]:
    """One ``checked`` step per fact of ``decide_all()`` (a dict fact -> True/False/None, run
    once, when the first of its steps is checked); ``labels`` maps each fact to its line."""
    memo: dict[str, bool | None] = {}

    def fact(name: str):
        def decide():
            if not memo:
                memo.update(decide_all())
            return memo.get(name)
        return decide

    return [checked(label, fact(name)) for name, label in labels.items()]


def prop3_amended(scale=1) -> list[Step]:
    """Proposition 3 (amended) for every L >= 2, lam < 0 and delta sigma in (0, 1/(1 - lam)]
    (:func:`proofs.resnet_general.prop3_chain`; sigma = 1: delta stands for delta sigma).
    ``scale`` multiplies the bound (a wrong bound is not proved)."""
    return [
        checked("GD from w_i = 1 stays symmetric: d/dw_i = sigma (w^L - lam) w^(L-1) for every "
                "L", prg.symmetric_gradients),
        premise("so w_i[k] = w[k] with w[k+1] = w[k] phi(w[k]), phi(w) = 1 - t w^(L-2) (w^L - "
                "lam), t = delta sigma"),
        *_facts(lambda: prg.prop3_chain(sp.Rational(scale)), {
            "phi decreasing": "phi decreases on (0, 1]: d/dw [w^(L-2)(w^L - lam)] has "
                              "nonnegative terms (L = K + 2)",
            "phi < 1": "phi < 1 on (0, 1]: t w^(L-2)(w^L - lam) > 0",
            "phi(1)": "phi(1) = 1 - t (1 - lam) >= 0 exactly for t <= 1/(1 - lam)"}),
        premise("so 0 <= w[k+1] = w[k] phi(w[k]) < w[k]: w[k] decreases in [0, 1] to a fixed "
                "point of the continuous map, and w phi(w) = w has no root in (0, 1]: w[k] -> 0"),
    ]


def eq9_direction_amended() -> list[Step]:
    """Section 3.2 after (9b) (amended), every L >= 1, lam < 0, t = delta sigma > 0
    (:func:`proofs.resnet_general.double_first_step`): one step of (9a), (9b) from w = z = 1
    gives w[1] = 1 - t m < 1 < 1 + t m = z[1] (m = -lam) and e[1] = m - Q(t m),
    Q(s) = (1 + s)^L - (1 - s)^L increasing from Q(0) = 0, so |e[1]| < |e[0]| = m exactly when
    Q(t m) < 2 m."""
    return [
        premise("GD from w_i = z_i = 1 stays symmetric and follows (9a), (9b) (eq9, data)"),
        *_facts(prg.double_first_step, {
            "w[1] < 1 < z[1]": "w[1] = 1 + t lam < 1 < 1 - t lam = z[1] (t > 0, lam < 0)",
            "e[1] = m - Q(tm)": "e[1] = w[1]^L - z[1]^L - lam = m - Q(t m), m = -lam",
            "Q(0) = 0": "Q(0) = 0",
            "Q' formula": "Q'(s) = L ((1 + s)^(L-1) + (1 - s)^(L-1))",
            "Q' > 0 on (0, 1]": "Q' > 0 on (0, 1]",
            "Q' > 0 on (1, oo)": "Q' > 0 on (1, oo) (L = 1: Q' = 2; L = K + 2: (2 + u)^(K+1) "
                                 "> u^(K+1))"}),
        premise("so Q(t m) > 0 for t > 0, and |e[1]| = |m - Q(t m)| < m exactly when "
                "Q(t m) < 2 m"),
    ]


_DOUBLE = {"model": {"family": "double_network", "depth": "L", "target": "lam", "init": "1"},
           "step": "delta", "after": 1, "steps": 1}
EQ9_SCOPE = {"L": ">= 1", "lam": "< 0", "delta sigma": "> 0"}
EQ9_CLOSER = "(1 + delta*Abs(lam))**L - (1 - delta*Abs(lam))**L < 2*Abs(lam)"


def _eq9(part: str, keys: dict) -> Derivation:
    return Derivation(
        f"nar2018resnet.eq9_direction_amended.{part}",
        "Nar & Sastry (2018), Section 3.2 after (9b) (amended)",
        Statement("trajectory", EQ9_SCOPE, (), params={"delta": "> 0", "lam": "< 0"},
                  integers={"L": ">= 1"}, keys={**_DOUBLE, **keys}),
        eq9_direction_amended, "one step of (9a), (9b) from w = z = 1: w[1] = 1 + t lam, "
        "z[1] = 1 - t lam, e[1] = -lam - Q(-t lam) with Q(s) = (1 + s)^L - (1 - s)^L "
        "increasing from 0, every L >= 1")


def prop2(signs: str = "ones", dc_scale=1) -> list[Step]:
    """Proposition 2 for every L >= 1, lam > 0, delta in (0, delta_c]
    (:func:`proofs.resnet_general.prop2_chain`; sigma = 1: delta stands for delta sigma);
    ``signs="odd"``: the remark after it, lam < 0 with an odd number of w_i[0] = -1, reduced to
    the |lam| chain.  ``dc_scale`` multiplies delta_c (a wrong threshold is not proved)."""
    odd = [checked("odd signs: w_i = s_i v with prod s_i = -1 and lam = -m give w_i' = s_i v' "
                   "with v' the Proposition 2 chain for m = |lam|", prg.odd_sign_reduction)]
    return [
        checked("GD from a symmetric start stays symmetric: d/dw_i = sigma (w^L - lam) "
                "w^(L-1) for every L", prg.symmetric_gradients),
        *(odd if signs == "odd" else []),
        *_facts(lambda: prg.prop2_chain(sp.Rational(dc_scale)), {
            "telescoping": "S(w)(w - r) = w^L - r^L, r = lam^(1/L) (every L)",
            "recursion": "w' - r = mu(w)(w - r), mu(w) = 1 - t w^(L-1) S(w)",
            "mu decreasing": "mu decreases on w > 0 (d/dw [w^(L-1) S(w)] has nonnegative terms)",
            "delta_c, lam >= 1": "lam >= 1: mu(r) = 1 - delta/delta_c >= 0",
            "delta_c, lam < 1": "lam < 1: mu(1) = 1 - delta/delta_c >= 0",
            "rho, lam > 1": "lam > 1: mu(1) = rho(delta)",
            "rho, lam < 1": "lam < 1: mu(r) = rho(delta)"}),
        premise("by induction w[k] stays between 1 and r, 0 <= mu(w[k]) <= rho and |w[k+1] - r| "
                "<= rho |w[k] - r|, so |w[k] - r| <= rho^k |1 - r| (lam = 1: w[k] = 1 = r)"),
    ]


PROP2_SCOPE = {"L": ">= 1", "lam": "> 0", "sigma": "> 0", "delta": "(0, delta_c]"}
PROP2_NEG_SCOPE = {"L": ">= 1", "lam": "< 0", "sigma": "> 0", "delta": "(0, delta_c(|lam|)]",
                   "w_i[0]": "+-1, an odd number of -1"}
_A = "Abs(lam)**(1/L)"
_BELOW = (f"delta <= (1 - {_A})/(1 - Abs(lam))", f"(1 - delta*L*({_A})**(2*(L - 1)))**t*metric0")
_ABOVE = (f"delta <= 1/(L*({_A})**(2*(L - 1)))", f"(1 - delta*(Abs(lam) - 1)/({_A} - 1))**t*metric0")


def _prop2(name: str, signs: str, lam: str, case: tuple[str, str]) -> Derivation:
    odd = signs == "odd"
    init = "Piecewise((-1, Eq(j, 1)), (1, True))" if odd else "1"
    return Derivation(
        f"nar2018resnet.{name}", "Nar & Sastry (2018), Proposition 2" + (
            " and the remark after it" if odd else ""),
        Statement("rate", PROP2_NEG_SCOPE if odd else PROP2_SCOPE, (),
                  params={"delta": "> 0", "lam": lam}, integers={"L": ">= 1"},
                  keys={"model": {"family": "deep_linear", "depth": "L", "width": 1,
                                  "target": "lam", "init": init},
                        "step": "delta", "assume": [case[0]],
                        "metric": f"Abs(w1 {'+' if odd else '-'} {_A})", "bound": case[1],
                        "steps": 10}),
        lambda: prop2(signs), "w' - r = mu(w)(w - r) with mu decreasing and 0 <= mu <= rho(delta) "
        "on the segment between 1 and r = |lam|^(1/L) for delta <= delta_c (the paper's "
        "induction), every L >= 1" + ("; odd signs reduce to the |lam| chain" if odd else ""))


# --- (7), (8), (10)-(12) and Section 3.1's example as statements over networks ------------------
# (at = "networks", verify.userclaims.networks: h_i = h_(i-1) + W_i [V_i^T h_(i-1) - b_i]_+,
# f = c^T h_L + d; params: each parameter block's class, integers: the sizes n, L, m_i, N)


def example_1d() -> list[Step]:
    """Section 3.1's two-layer univariate example, every w_1, w_2, b_1, b_2 > 0 and f'(0) > 0
    (f_hat = f(0) + f'(0) h_2: the network with c = f'(0), d = f(0); f enters only so)."""
    return [
        checked("on each linear piece the slope is f'(0)(1 + a_1 w_1)(1 + a_2 w_2) > 0, a_1 = "
                "1{x > b_1}, a_2 = 1{h_1(x) > b_2} (all four patterns); beyond both kinks "
                "(1 + w_1)(1 + w_2) f'(0)", prg.example_1d_slopes),
        premise("f_hat is continuous and piecewise linear with positive slopes, so strictly "
                "increasing; h_1 increases, so a_1 and a_2 switch from 0 to 1 once as x grows "
                "and the slope never decreases"),
    ]


_NET = {"n": ">= 1", "L": ">= 1", "m": ">= 1"}
_EQ7_PARAMS = {"W": ">= 0", "V": ">= 0", "b": ">= 0", "c": "> 0", "d": "real", "x": "real"}
_EX1D = {"scope": {"w1, w2, b1, b2": "> 0", "f'(0)": "> 0", "f(0)": "real"},
         "params": {"W": "> 0", "V": "I", "b": "> 0", "c": "> 0", "d": "real", "x": "real"},
         "integers": {"n": "1", "L": "2", "m": "n"}, "at": "networks"}
EQ12_RELATIONS = (
    "grad_h(l, x) == transpose(prodover(1 + W(k)*D(k, x), k, l + 1, L))*c",
    ("grad_W(l) == sumover(transpose(prodover(1 + W(k)*D(k, xs(i)), k, l + 1, L))*c*(f(xs(i)) "
     "- ys(i))*transpose(relu(h(l - 1, xs(i)) - b(l))), i, 1, N)"),
    ("grad_b(l) == -sumover(D(l, xs(i))*transpose(W(l))*transpose(prodover(1 + W(k)*D(k, "
     "xs(i)), k, l + 1, L))*c*(f(xs(i)) - ys(i)), i, 1, N)"),
    "grad_c == sumover((f(xs(i)) - ys(i))*h(L, xs(i)), i, 1, N)")
_NETWORKS = (
    Derivation(
        "nar2018resnet.eq7", "Nar & Sastry (2018), eqs. (7a)-(7c)",
        Statement("inequality", {"n, L, m_i": ">= 1", "W_i, V_i, b_i": ">= 0", "c": "> 0",
                                 "d": "real", "x, y": "R^n", "t": "[0, 1]"},
                  ("f(t*x + (1 - t)*y) <= t*f(x) + (1 - t)*f(y)",), at="networks",
                  params=_EQ7_PARAMS, integers=_NET),
        convex_network, "the convexity inequality kept by each operation of (7b)-(7c) "
        "(nonnegative combinations, affine shifts, [.]_+), induction on the layers: every n, "
        "L, m_i"),
    Derivation(
        "nar2018resnet.eq8.printed", "Nar & Sastry (2018), eqs. (8a)-(8b)",
        Statement("identity", {"n, m_1": "2", "L": "1", "W_1, V_1": "I", "c": "[1, 1]",
                               "b_1, b_2": "> 0", "x": "R^2"},
                  ("grad(x) == c + D(1, x)*c",), at="networks",
                  params={"W": "I", "V": "I", "b": "> 0", "c": "1", "d": "0", "x": "real"},
                  integers={"n": "2", "L": "1", "m": "n"}),
        gradient_jumps, "on each activation region the gradient is c + V D W^T c (D = "
        "diag(1{V^T x - b >= 0})); W = V = I, c = [1 1]^T: [1 1]^T plus e_j where x_j >= b_j"),
    Derivation(
        "nar2018resnet.eq8.general", "Nar & Sastry (2018), the paragraph after (8a)-(8b)",
        Statement("identity", {"n, m_1": ">= 1", "L": "1", "V_1, W_1, b_1, c, d": "real",
                               "x, y": "R^n"},
                  ("grad(x) == c + V(1)*D(1, x)*transpose(W(1))*c",
                   "grad(x) - grad(y) == V(1)*(D(1, x) - D(1, y))*transpose(W(1))*c"),
                  at="networks", params={k: "real" for k in ("W", "V", "b", "c", "d", "x")},
                  integers={"n": ">= 1", "L": "1", "m": ">= 1"}),
        gradient_jumps, "the gradient c + V D W^T c on each activation region, so crossing "
        "v_j^T x = b_j changes it by (W^T c)_j v_j: every width and V"),
    Derivation(
        "nar2018resnet.eq12_amended", "Nar & Sastry (2018), eqs. (10)-(12) (amended)",
        Statement("identity", {"n, L, N": ">= 1", "W_l, b_l": ">= 0", "c": "> 0", "V_l": "I",
                               "d, x, y_i": "real"},
                  EQ12_RELATIONS, at="networks",
                  params={"W": ">= 0", "V": "I", "b": ">= 0", "c": "> 0", "d": "real",
                          "x": "real", "y": "real"},
                  integers={"n": ">= 1", "L": ">= 1", "m": "n", "N": ">= 1"}),
        eq12_gradients, "per-sample directional derivatives in the free algebra (every n), the "
        "layers above as one letter U (every L), summed over the samples (every N)"),
    Derivation(
        "nar2018resnet.sec31_example.slopes", "Nar & Sastry (2018), Section 3.1, example",
        Statement("identity", relations=("grad(x) == c*(1 + W(1)*D(1, x))*(1 + W(2)*D(2, x))",),
                  **_EX1D),
        example_1d, "the slope of each of the four activation patterns, differentiated"),
    Derivation(
        "nar2018resnet.sec31_example.increasing", "Nar & Sastry (2018), Section 3.1, example",
        Statement("inequality", relations=("f(x) < f(y)", "grad(x) > 0", "grad(x) <= grad(y)"),
                  assume=("x < y",), **_EX1D),
        example_1d, "positive slopes that switch on once as x grows"),
    Derivation(
        "nar2018resnet.sec31_example.final_slope", "Nar & Sastry (2018), Section 3.1, example",
        Statement("identity", relations=("grad(x) == (1 + W(1))*(1 + W(2))*c",),
                  assume=("x > b(1)", "x > b(2)"), **_EX1D),
        example_1d, "beyond both kinks (x > b_1, h_1(x) >= x > b_2) both units are active"),
)


def thm2_amended() -> list[Step]:
    """Theorem 2 (amended: R symmetric) for every n, every L >= 1 and every 0 < delta <= (1/L)
    min{1, rho(R)^(-2(L-1)/L)}, the paper's proof (Appendix B of *Step Size Matters*): from
    W_i[0] = I the layers stay equal, symmetric and in R's orthonormal eigenbasis, so each
    eigenvalue lam_j runs Lemma 3's scalar chain from 1 (:func:`proofs.general_depth.lemma3_steps`,
    every L), the printed step is at most every delta_c(lam_j), and the Frobenius distance
    combines the per-eigenvalue rates with beta_max = max_j beta(lam_j)."""
    i, k = sp.Symbol("i", integer=True, positive=True), sp.Symbol("k", integer=True,
                                                                    nonnegative=True)
    Lp = sp.Symbol("L_minus_1", integer=True, nonnegative=True)  # L >= 1: L = Lp + 1
    u, lam = sp.Symbol("u", positive=True), sp.Symbol("lam", positive=True)
    L = gd.L
    return [
        premise("spectral theorem: R = U diag(lam_j) U^T with U orthogonal, lam_j > 0"),
        premise("if W_1 = ... = W_L = W = U diag(w_j) U^T, then W^T = W (U orthogonal: where R "
                "is not symmetric, W^T leaves R's eigenbasis and the argument fails), G_i = "
                "W^(L-i), H_i = W^(i-1), F = W^L, and eq. (5)'s step G_i (F - R) H_i is U "
                "diag(w_j^(L-i) (w_j^L - lam_j) w_j^(i-1)) U^T"),
        identity("diagonal entries commute: w^(L-i) (w^L - lam) w^(i-1) = w^(L-1) (w^L - lam) "
                 "for every layer i: every layer takes the same step, so the layers stay equal "
                 "and in R's eigenbasis; from W_i[0] = I (w_j = 1) by induction every iterate "
                 "does", u ** (L - i) * (u ** L - lam) * u ** (i - 1) - u ** (L - 1) * (u ** L - lam)),
        checked("that step is the scalar chain's GD step on 1/2 (w_L ... w_1 - lam)^2 at equal "
                "weights (every L)", prg.symmetric_gradients),
        *from_facts({f"Lemma 3: {name}": value for name, value in gd.lemma3_steps().items()},
                    "so for each eigenvalue lam_j with delta <= delta_c(lam_j), |w_j[k] - "
                    "lam_j^(1/L)| <= beta(lam_j)^k |1 - lam_j^(1/L)| with 0 <= beta(lam_j) <= 1 "
                    "(Lemma 3's induction)"),
        inequality("lam_j >= 1: s = lam_j^(1/L) has d/ds s^(2L-2) >= 0, so delta_c(lam_j) = "
                   "1/(L s^(2L-2)) >= 1/(L rho^(2(L-1)/L)) for lam_j <= rho",
                   sp.diff(u ** (2 * Lp), u), ">=", 0),
        identity("lam_j < 1: delta_c(lam_j) = (1 - s)/(1 - s^L) = 1/S, S = sum_{j<L} s^j (the "
                 "geometric sum)", gd._geometric(u, sp.Integer(1)) * (1 - u) - (1 - u ** L)),
        inequality("... each s^j <= 1 on (0, 1]: d/ds s^j >= 0", sp.diff(u ** k, u), ">=", 0),
        identity("... and 1^j = 1; so S <= L and delta_c(lam_j) >= 1/L", sp.Integer(1) ** k - 1),
        premise("so delta <= (1/L) min{1, rho^(-2(L-1)/L)} <= delta_c(lam_j) for every "
                "eigenvalue 0 < lam_j <= rho (lam_j = 1: w_j[k] = 1 = lam_j^(1/L))"),
        premise("||W_i[k] - R^(1/L)||_F^2 = sum_j (w_j[k] - lam_j^(1/L))^2 (U orthogonal) <= "
                "sum_j beta(lam_j)^(2k) (1 - lam_j^(1/L))^2 <= beta_max^(2k) ||I - R^(1/L)||_F^2 "
                "(0 <= beta(lam_j) <= beta_max): every W_i converges to R^(1/L) linearly, every n"),
    ]


# Theorem 2 (amended) as a claim file states it: width 2, R = Q diag(a, b) Q^T with Q the
# rotation by th (every symmetric 2 x 2 R with positive eigenvalues), R^(1/L) in closed form
_ROT = ("{a}*cos(th)**2 + {b}*sin(th)**2", "({a} - {b})*sin(th)*cos(th)",
        "{a}*sin(th)**2 + {b}*cos(th)**2")
_ROOT = {"a": "a**(1/L)", "b": "b**(1/L)"}


def _beta(x: str) -> str:
    return (f"Piecewise((1 - delta*L*{x}**(2*(L - 1)/L), {x} <= 1), (1 - delta*({x} - 1)/"
            f"({x}**(1/L) - 1), True))")


THM2_SCOPE = {"n": ">= 1", "L": ">= 1", "R": "symmetric, eigenvalues > 0",
              "delta": "(0, (1/L) min{1, rho(R)^(-2(L-1)/L)}]"}
_P, _O, _Q = (t.format(**_ROOT) for t in _ROT)
_R = tuple(t.format(a="a", b="b") for t in _ROT)
THM2 = Derivation(
    "nar2018resnet.thm2_amended", "Nar & Sastry (2018), Theorem 2 (amended)",
    Statement("rate", THM2_SCOPE, (), params={"delta": "> 0", "a": "> 0", "b": "> 0",
                                              "th": "real"},
              integers={"L": ">= 1"},
              keys={"model": {"family": "deep_linear", "depth": "L", "width": 2,
                              "target": [[_R[0], _R[1]], [_R[1], _R[2]]],
                              "init": "1"},
                    "step": "delta",
                    "assume": ["delta <= Min(1/L, 1/(L*Max(a, b)**(2*(L - 1)/L)))"],
                    "metric": f"sqrt((W1[0, 0] - ({_P}))**2 + (W1[0, 1] - ({_O}))**2 + "
                              f"(W1[1, 0] - ({_O}))**2 + (W1[1, 1] - ({_Q}))**2)",
                    "bound": f"Max({_beta('a')}, {_beta('b')})**t*metric0",
                    "steps": 30, "sweep": 200}),
    thm2_amended, "from W_i = I the layers stay equal, symmetric and in R's orthonormal "
    "eigenbasis (R symmetric), each eigenvalue runs Lemma 3's chain, the printed step is at most "
    "every delta_c, and the Frobenius distance is at most beta_max^k times the first; every n, L")


PROP3_SCOPE = {"L": ">= 2", "lam": "< 0", "sigma": "> 0", "delta": "(0, 1/(sigma (1 - lam))]"}

DERIVATIONS = (
    *_NETWORKS,
    *(_ols(part) for part in _OLS_PARTS),
    THM2,
    THEOREM3,
    DECOMPOSITION,
    Derivation(
        "nar2018resnet.prop3_amended", "Nar & Sastry (2018), Proposition 3 (amended)",
        Statement("trajectory", PROP3_SCOPE, (), params={"delta": "> 0", "lam": "< 0"},
                  integers={"L": ">= 2"},
                  keys={"model": {"family": "deep_linear", "depth": "L", "width": 1,
                                  "target": "lam", "init": "1"}, "step": "delta",
                        "assume": ["delta <= 1/(1 - lam)"], "quantity": "w1",
                        "monotone": "nonincreasing", "steps": 30}),
        prop3_amended, "the symmetric orbit w[k+1] = w[k] phi(w[k]) with 0 <= phi < 1 on (0, 1] "
        "for delta sigma <= 1/(1 - lam) (the paper's induction), every L >= 2: w_i[k] "
        "decreases (the statement's data) to 0"),
    _prop2("prop2.lam_below_1", "ones", "(0, 1)", _BELOW),
    _prop2("prop2.lam_above_1", "ones", "> 1", _ABOVE),
    _prop2("prop2_negative.lam_above_minus_1", "odd", "(-1, 0)", _BELOW),
    _prop2("prop2_negative.lam_below_minus_1", "odd", "< -1", _ABOVE),
    _eq9("w_decreases", {"quantity": "w1", "relation": "<", "bound": "1"}),
    _eq9("z_increases", {"quantity": "z1", "relation": ">", "bound": "1"}),
    _eq9("e_closer", {"assume": [EQ9_CLOSER], "quantity": "residual", "relation": "<",
                      "bound": "Abs(lam)"}),
)
