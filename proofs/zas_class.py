"""Wu, Wang & Ma (2019): Theorem 4.1, its Remark (2), Lemmas A.1, A.2, A.4, A.5 / 4.5 and the
stable manifold of Section 3, as derivations for every depth L and every width (SymPy).

Each function returns the steps of one proof (:mod:`proofs.derivation`): identities of the
free non-commutative algebra (matrices as non-commutative symbols, so every width; a power with
a symbolic exponent n is an opaque symbol and inductions rewrite with their hypothesis and the
power law X^{n+1} = X^n X), scalar inequalities over the whole parameter class (L = 2 + k,
k >= 0, and so on), and the textbook facts they rest on, named as premises.  The arguments
(``rate``, ``const``, ...) are the constants the paper states; the tests perturb them and see
the derivation fail.

Paper: ``shared/papers/wu-wang-ma-2019-zas-deep-linear-resnets.md``, Section 3 ((3.2) and
M), Section 4.1 (Theorem 4.1, Lemma 4.2, proof of Theorem 4.1, Remark), Appendix A.1
(Lemmas A.1, A.2), Appendix A.2 (Lemmas A.4, A.5) and Lemma 4.5.
"""

from __future__ import annotations

import sympy as sp

from proofs import zas_general as pzg
from proofs.derivation import Step, identity, inequality, premise
from proofs.registry import Derivation, Statement

_nc = {"commutative": False}

# scalar symbols: k >= 0 shifts a depth (L = 2 + k), the rest carry their class's signs
k, m, i = sp.symbols("k m i", integer=True, nonnegative=True)
n = sp.Symbol("n", integer=True, nonnegative=True)
u, p, q, r, R = sp.symbols("u p q r R", nonnegative=True)
phi, eta = sp.symbols("phi eta", positive=True)
HALF = sp.Rational(1, 2)

# --- matrix lemmas for every width -------------------------------------------------------------


def push_through() -> list[Step]:
    """W (W^T W)^n = (W W^T)^n W for every n >= 0 and every (rectangular) W, by induction."""
    W, Wt, Xn, Yn = sp.symbols("W Wt Xn Yn", **_nc)  # Xn = (W^T W)^n, Yn = (W W^T)^n
    step = (W * Xn * (Wt * W)).subs(W * Xn, Yn * W) - Yn * (W * Wt) * W
    return [identity("push-through, base n = 0: W I = I W", W - W),
            identity("push-through, step: W (W^T W)^n (W^T W) = (W W^T)^n W W^T W with the "
                     "hypothesis W (W^T W)^n = (W W^T)^n W", step)]


def telescoping(target_power_shift: int = 0) -> list[Step]:
    """W_{k:1} W_{k:1}^T = (W_k W_k^T)^k for k = 1 .. L-1 when W_j W_j^T = W_{j+1}^T W_{j+1}
    (D_j = 0, j <= L-2), by induction on k with :func:`push_through` (proof of Theorem 4.1).
    ``target_power_shift`` != 0 claims the power k + shift instead (a false statement)."""
    V, Vt, Q, Qt, Ak, Xk, Yk = sp.symbols("V Vt Q Qt Ak Xk Yk", **_nc)
    # V = W_{k+1}, Q = W_{k:1}, Ak = (W_k W_k^T)^k, Xk = (V^T V)^k, Yk = (V V^T)^k
    lhs = (V * Q * Qt * Vt).subs(Q * Qt, Ak)  # hypothesis: Q Q^T = (W_k W_k^T)^k
    lhs = lhs.subs(Ak, Xk)  # D_k = 0: W_k W_k^T = V^T V, so their k-th powers agree
    lhs = lhs.subs(V * Xk, Yk * V)  # push-through
    target = Yk * (V * Vt) if target_power_shift == 0 else Yk * (V * Vt) ** (
        1 + target_power_shift)
    return push_through() + [
        identity("telescoping, base k = 1: W_1 W_1^T = (W_1 W_1^T)^1", 0),
        identity("telescoping, step: W_{k+1} W_{k:1} W_{k:1}^T W_{k+1}^T = (W_{k+1} "
                 "W_{k+1}^T)^{k+1} (hypothesis, D_k = 0, push-through)", lhs - target)]


def gram_powers() -> list[Step]:
    """x^T (I + W^T W)^n x >= |x|^2 and |(I + W^T W)^n x| >= |x| for every n >= 0, every
    width, by strong induction (no spectral theorem): with M_n = (I + W^T W)^n symmetric,
    x^T M_{2m} x = |M_m x|^2 and x^T M_{2m+1} x = |M_m x|^2 + |W M_m x|^2."""
    W, Wt, x, xt, Mm = sp.symbols("W Wt x xt Mm", **_nc)
    even = xt * Mm * Mm * x - (xt * Mm) * (Mm * x)  # (M_m x)^T = x^T M_m
    odd = xt * Mm * (1 + Wt * W) * Mm * x - ((xt * Mm) * (Mm * x) + (xt * Mm * Wt) * (W * Mm * x))
    b = sp.Symbol("b", nonnegative=True)  # |x|^2 = b <= |M_m x|^2 = b + p
    return [
        premise("M_n = (I + W^T W)^n is symmetric ((A^n)^T = (A^T)^n) and M_{i+j} = M_i M_j"),
        identity("Gram powers, base n = 0: x^T I x = |x|^2", xt * x - xt * x),
        identity("Gram powers, n = 2m: x^T M_m M_m x = |M_m x|^2", even),
        identity("Gram powers, n = 2m+1: x^T M_m (I + W^T W) M_m x = |M_m x|^2 + |W M_m x|^2",
                 odd),
        inequality("Gram powers: |M_m x|^2 + |W M_m x|^2 >= |x|^2 when |M_m x|^2 >= |x|^2",
                   (b + p) + q, ">=", b),
        premise("Cauchy-Schwarz: |x|^2 <= x^T M x <= |x| |M x|, so |M x| >= |x| (closes the "
                "strong induction)"),
    ]


def power_at_least_one() -> list[Step]:
    """(1 + s)^n >= 1 + n s >= 1 for s >= 0, n >= 0 (Bernoulli upwards), by induction."""
    s = sp.Symbol("s", nonnegative=True)
    # hypothesis (1+s)^n = 1 + n s + r, r >= 0
    step = sp.expand((1 + s) * (1 + n * s + r) - (1 + (n + 1) * s)) - ((1 + s) * r + n * s ** 2)
    return [identity("(1+s)^n >= 1 + n s, base n = 0", (1 + s) ** 0 - 1),
            identity("(1+s)^n >= 1 + n s, step: (1+s)(1 + n s + r) - (1 + (n+1) s) = (1+s) r "
                     "+ n s^2", step),
            inequality("(1+s) r + n s^2 >= 0", (1 + s) * r + n * s ** 2, ">=", 0)]


def alpha_at_least_one() -> list[Step]:
    """0 <= alpha and alpha^{2(L-1)} >= 1 (L >= 2) give alpha >= 1: if alpha < 1 then
    (1/alpha)^{2(L-1)} = (1 + s)^{2(L-1)} >= 1 + 2(L-1) s > 1 with s > 0."""
    s = sp.Symbol("s", positive=True)
    return power_at_least_one() + [
        inequality("1 + 2(L-1) s > 1 for L = 2 + k, s > 0", 1 + 2 * (1 + k) * s, ">", 1)]


# --- Theorem 4.1 and Remark (2) ----------------------------------------------------------------


def _zas_initial_invariants() -> Step:
    d = sp.Symbol("d", integer=True, positive=True)
    I, Z = sp.Identity(d), sp.ZeroMatrix(d, d)
    # D_l(0) = I^T I - I I^T (l <= L-2) and I + D_{L-1}(0) = I + 0^T 0 - I I^T
    return identity("ZAS (3.1): D_l(0) = I^T I - I I^T = 0 and I + D_{L-1}(0) = I + 0^T 0 - "
                    "I I^T = 0, every width d", (I.T * I - I * I.T) + (I + Z.T * Z - I * I.T))


def _flow_invariance(data: bool) -> Step:
    """dD_l/dt = 0 along (4.1); with data, the loss (2.2) ||W_{L:1} X - Y||_F^2 / 2."""
    if not data:
        return identity("Lemma 4.2: dD_l/dt = 0 along (4.1), every L, l and width",
                        pzg.flow_derivative_of_invariant())
    dims = sp.symbols("e0:6", integer=True, positive=True)
    A = sp.MatrixSymbol("A", dims[0], dims[1])
    W2 = sp.MatrixSymbol("W2", dims[1], dims[2])
    W1 = sp.MatrixSymbol("W1", dims[2], dims[3])
    B = sp.MatrixSymbol("B", dims[3], dims[4])
    X = sp.MatrixSymbol("X", dims[4], dims[5])
    Y = sp.MatrixSymbol("Y", dims[0], dims[5])
    E = A * W2 * W1 * B * X - Y
    loss = sp.Trace(E.T * E) / 2
    g1, g2 = loss.diff(W1), loss.diff(W2)
    flow = (-g2).T * W2 + W2.T * (-g2) - (-g1) * W1.T - W1 * (-g1).T
    return identity("Lemma 4.2 for (2.2): dD_l/dt = 0 along the flow of ||W_{L:1} X - Y||^2/2",
                    flow)


def _gronwall(rate) -> list[Step]:
    t = sp.Symbol("t", nonnegative=True)
    Rf = sp.Function("R")(t)
    c = sp.Symbol("c", positive=True)
    deriv = sp.diff(sp.exp(c * t) * Rf, t) - sp.exp(c * t) * (sp.diff(Rf, t) + c * Rf)
    slack = sp.Symbol("slack", nonnegative=True)  # R' = -c R - slack
    return [identity("Gronwall: d/dt (e^{c t} R) = e^{c t} (R' + c R)", deriv),
            inequality("Gronwall: e^{c t} (R' + c R) <= 0 when R' <= -c R",
                       sp.exp(c * t) * (-slack), "<=", 0),
            premise("mean value theorem: a function with derivative <= 0 is nonincreasing, so "
                    "e^{c t} R(t) <= R(0), i.e. R(t) <= e^{-c t} R(0), with c = " + str(rate))]


def _last_invariant() -> Step:
    WL, WLt = sp.symbols("WL WLt", **_nc)
    D = -1  # D_{L-1} = -I
    return identity("D_{L-1} = -I: W_{L-1} W_{L-1}^T = W_L^T W_L - D_{L-1} = I + W_L^T W_L",
                    (WLt * WL - D) - (1 + WLt * WL))


def theorem_4_1(rate=2, data: bool = False) -> list[Step]:
    """Theorem 4.1 (R(t) <= e^{-rate t} R(0), rate = 2) or, with ``data``, Remark (2) after it
    (R~(t) <= e^{-rate lam_X t} R~(0)): for every L >= 1, every width, every Phi (or X, Y).

    Route of the paper's proof: Lemma 4.2 and the ZAS values of D_l keep W_l W_l^T =
    W_{l+1}^T W_{l+1} (l <= L-2) and W_{L-1} W_{L-1}^T = I + W_L^T W_L; telescoping gives
    P P^T = (I + W_L^T W_L)^{L-1} for P = W_{L-1:1} (square); Gram powers give P P^T >= I,
    hence sigma_min(P) >= 1 and ||grad_L||_F^2 = ||E P^T||_F^2 >= ||E||_F^2 = 2R; then
    R' = -sum ||grad_l||^2 <= -2R and Gronwall."""
    lam = sp.Symbol("lam_X", positive=True) if data else sp.Integer(1)
    gL, rest = sp.symbols("gL rest", nonnegative=True)  # ||grad_L||^2, sum of the others
    steps = [
        premise("Picard-Lindelof (polynomial field): a unique solution exists; R is "
                "nonincreasing and the path length on [0, T] is <= sqrt(T R(0)), so it never "
                "blows up and exists for every t >= 0"),
        _flow_invariance(data), _zas_initial_invariants(),
        _last_invariant(),
        *telescoping(), *gram_powers(),
        premise("for square P (hidden widths d_l = d_0, as ZAS's W_l = I needs), P^T P and "
                "P P^T have the same eigenvalues sigma_i(P)^2 (SVD), so P P^T >= I gives "
                "P^T P >= I; at L = 1, P = I"),
        premise("||E P^T||_F^2 = sum_rows e^T P^T P e >= lambda_min(P^T P) ||E||_F^2 "
                "(Rayleigh quotient of a symmetric matrix)"),
    ]
    if data:
        steps.append(premise("||E X^T||_F^2 = sum_rows e^T X^T X e >= lambda_X ||E||_F^2, "
                             "lambda_X = lambda_min(X^T X) (Rayleigh quotient)"))
    sig = 1 + p  # lambda_min(P^T P) = 1 + p, p >= 0
    steps += [
        inequality(f"||grad_L||_F^2 >= lambda_min(P^T P) {'lam_X ' if data else ''}2R >= "
                   f"{rate}{' lam_X' if data else ''} R",
                   2 * sig * lam * R, ">=", rate * lam * R),
        premise("chain rule with (4.1): R' = sum_l tr(grad_l^T W_l') = -sum_l ||grad_l||_F^2"),
        inequality("-(||grad_L||^2 + sum_{l<L} ||grad_l||^2) <= -||grad_L||^2",
                   -(gL + rest), "<=", -gL),
        *_gronwall(f"{rate}{' lam_X' if data else ''}"),
    ]
    return steps


def theorem_4_1_data() -> list[Step]:
    """Remark (2) after Theorem 4.1: :func:`theorem_4_1` for the loss (2.2) of data X."""
    return theorem_4_1(data=True)


# --- Section 3: the stable manifold M of the origin for (3.2) ---------------------------------


def stable_manifold() -> list[Step]:
    """(3.2) R = (w_L ... w_1 + 1)^2 / 2, every L >= 2: O is critical and not an extremum, and
    the flow from M = {w_1 = ... = w_L >= 0} stays in M and tends to O."""
    L = 2 + k
    w = sp.Symbol("w", positive=True)
    s = sp.Symbol("s", positive=True)
    field = -(w ** L + 1) * w ** (L - 1)
    wl, others = sp.symbols("w_l others", real=True)  # others = prod_{j != l} w_j
    # dR/dw_l = (prod + 1) prod_{j != l} w_j: at O a product of L - 1 >= 1 zeros
    return [
        identity("dR/dw_l at O = (0 + 1) 0^{L-1} = 0 for every L = 2 + k",
                 (0 + 1) * sp.Integer(0) ** (L - 1)),
        identity("R(s, ..., s) - R(O) = s^L (s^L + 2) / 2",
                 ((s ** L + 1) ** 2 - 1) / 2 - s ** L * (s ** L + 2) / 2),
        inequality("s^L (s^L + 2) / 2 > 0 for s > 0 (R above R(O) along M)",
                   s ** L * (s ** L + 2) / 2, ">", 0),
        identity("R(-s, s, ..., s) - R(O) = rho (rho - 2) / 2 with rho = s^L: (-s) s^{L-1} = "
                 "-s^L", (((-s) * s ** (L - 1) + 1) ** 2 - 1) / 2 - (
                     s ** L * (s ** L - 2) / 2)),
        inequality("rho (rho - 2) / 2 < 0 for rho = s^L in (0, 1) (s in (0, 1)): "
                   "rho = 1/(1 + q), q > 0", (1 / (1 + sp.Symbol("q", positive=True))) * (
                       1 / (1 + sp.Symbol("q", positive=True)) - 2) / 2, "<", 0),
        premise("so O is a critical point that is not a local extremum (a saddle)"),
        identity("on M: -dR/dw_l at (w, ..., w) = -(w^L + 1) w^{L-1} for every l (the other "
                 "L - 1 factors are all w), so u' = -(u^L + 1) u^{L-1} makes (u, ..., u) a "
                 "solution", -sp.diff((wl * others + 1) ** 2 / 2, wl).subs(
                     {wl: w, others: w ** (L - 1)}) - field),
        premise("uniqueness (Picard-Lindelof): the flow from a point of M is (u(t), ..., u(t))"),
        identity("f(u) = -(u^L + 1) u^{L-1} vanishes at u = 0 (L - 1 >= 1)",
                 field.subs(w, 0)),
        inequality("f(u) < 0 for every u > 0", field, "<", 0),
        premise("a scalar autonomous ODE: u stays in [0, u(0)] (0 is an equilibrium), is "
                "monotone and converges to a zero of f in [0, u(0)], which is u = 0 only"),
    ]


# --- Appendix A.1: Lemma A.1 ----------------------------------------------------------------


def lemma_a1(coef=HALF, const=HALF) -> list[Step]:
    """(A.2) ||W_{l:1} W_{l:1}^T - (W_l W_l^T)^l|| <= coef l (l-1) alpha^{2(l-1)} delta by
    induction on l, and (A.1) with const L^2 alpha^{2(L-2)} delta; every width, every L >= 2,
    alpha > 0, delta >= 0 (coef = const = 1/2 in the paper)."""
    A, B, Al, Bl, V, Vt, Q, Qt, Yl = sp.symbols("A B Al Bl V Vt Q Qt Yl", **_nc)
    # step of (A.2): V = W_{l+1}, Q = W_{l:1}, A = W_l W_l^T, B = V^T V, Al = A^l, Bl = B^l,
    # Yl = (V V^T)^l; push-through V B^l = (V V^T)^l V
    split = sp.expand(V * ((Q * Qt - Al) + (Al - Bl)) * Vt).subs(V * Bl, Yl * V)
    a = sp.Symbol("alpha", positive=True)
    delta = sp.Symbol("delta", nonnegative=True)
    ll = 1 + i  # l >= 1

    def bound(j):
        return coef * j * (j - 1) * a ** (2 * (j - 1)) * delta

    L = 2 + k
    return push_through() + [
        premise("operator norm: ||X Y|| <= ||X|| ||Y||, ||X + Y|| <= ||X|| + ||Y||, ||X^T|| = "
                "||X||, ||W W^T|| = ||W^T W|| = ||W||^2 <= alpha^2, ||D_l|| <= delta"),
        identity("(A.2) base l = 1: W_1 W_1^T - (W_1 W_1^T)^1 = 0", 0),
        identity("(A.2) step: W_{l+1:1} W_{l+1:1}^T - (W_{l+1} W_{l+1}^T)^{l+1} = W_{l+1} "
                 "[(Q Q^T - A^l) + (A^l - B^l)] W_{l+1}^T (push-through)",
                 split - (V * Q * Qt * Vt - Yl * V * Vt)),
        premise("power law: A^{j+1} = A A^j, B^{j+1} = B B^j"),
        identity("A^{j+1} - B^{j+1} = A (A^j - B^j) + (A - B) B^j",
                 A * (Al - Bl) + (A - B) * Bl - (A * Al - B * Bl)),
        identity("||A^{j+1} - B^{j+1}|| <= alpha^2 j alpha^{2(j-1)} delta + delta alpha^{2j} = "
                 "(j+1) alpha^{2j} delta (induction, base j = 0)",
                 a ** 2 * n * a ** (2 * (n - 1)) * delta + delta * a ** (2 * n)
                 - (n + 1) * a ** (2 * n) * delta),
        identity("(A.2) step: alpha^2 [bound(l) + l alpha^{2(l-1)} delta] = bound(l+1)",
                 a ** 2 * (bound(ll) + ll * a ** (2 * (ll - 1)) * delta) - bound(ll + 1)),
        inequality("(A.1): bound(L-1) <= const L^2 alpha^{2(L-2)} delta, L = 2 + k",
                   bound(L - 1), "<=", const * L ** 2 * a ** (2 * (L - 2)) * delta),
    ]


# --- Appendix A.1: Lemma A.2 ----------------------------------------------------------------


def lemma_a2(factor=1) -> list[Step]:
    """||grad_L R||_F^2 >= factor R (factor = 1) under A.2's hypotheses, every L >= 2, width:
    lambda_min(P P^T) >= lambda_min(W_{L-1} W_{L-1}^T)^{L-1} - (1/2) L^2 alpha^{2(L-2)} delta
    (Lemma A.1, Weyl), lambda_min(W_{L-1} W_{L-1}^T) >= 1 - eps (Weyl, I + W_L^T W_L >= I),
    Bernoulli, then the scalar bound >= 1/2 over the whole box of (eps, delta, alpha)."""
    L = 2 + k
    eps, delta, a2 = sp.symbols("eps delta a2", nonnegative=True)  # a2 = alpha^{2(L-2)}
    t = sp.Symbol("t", nonnegative=True)
    g = 1 - (L - 1) * eps - sp.Rational(1, 2) * L ** 2 * a2 * delta
    corner = g.subs({eps: 1 / (4 * L ** 2), delta: 1 / (2 * L ** 3 * phi ** 2),
                     a2: L * phi ** 2})
    steps = lemma_a1() + pzg_bernoulli() + alpha_at_least_one() + [
        premise("Weyl: lambda_min(X) >= lambda_min(Y) - ||X - Y|| for symmetric X, Y"),
        premise("lambda_min(M^j) = lambda_min(M)^j for M >= 0 (spectral theorem), and t^j is "
                "increasing on t >= 0"),
        inequality("x^T (I + W_L^T W_L) x = |x|^2 + |W_L x|^2 >= |x|^2", 1 + t, ">=", 1),
        inequality("1 - eps >= 0 for eps <= (4L^2)^-1", 1 - 1 / (4 * L ** 2), ">=", 0),
        identity("alpha^{2(L-2)} = alpha^{2(L-1)} / alpha^2 <= alpha^{2(L-1)} < L phi^2 (alpha "
                 ">= 1)", sp.Symbol("alpha", positive=True) ** (2 * (L - 2)) * sp.Symbol(
                     "alpha", positive=True) ** 2 - sp.Symbol("alpha", positive=True) ** (
                     2 * (L - 1))),
        inequality("d/d eps of 1 - (L-1) eps - (1/2) L^2 a delta <= 0", sp.diff(g, eps), "<=",
                   0),
        inequality("d/d delta of the same <= 0", sp.diff(g, delta), "<=", 0),
        inequality("d/d a of the same <= 0", sp.diff(g, a2), "<=", 0),
        inequality("at eps = (4L^2)^-1, delta = (2 L^3 phi^2)^-1, a = L phi^2: >= 1/2",
                   corner, ">=", sp.Rational(1, 2)),
        premise("||grad_L||_F^2 = ||E P^T||_F^2 >= lambda_min(P^T P) ||E||_F^2 and "
                "lambda_min(P^T P) = lambda_min(P P^T) for square P (SVD)"),
        inequality(f"2 lambda R >= {factor} R for lambda >= 1/2",
                   2 * (sp.Rational(1, 2) + p) * R, ">=", factor * R),
    ]
    return steps


def pzg_bernoulli() -> list[Step]:
    """(1 - t)^n >= 1 - n t on [0, 1] by induction (:func:`proofs.zas_general.bernoulli_step`)."""
    step, form = pzg.bernoulli_step()
    v = sp.Symbol("v", nonnegative=True)  # v = 1 - t
    return [identity("Bernoulli, base n = 0", (1 - sp.Symbol("t")) ** 0 - 1),
            identity("Bernoulli, step identity", step - form),
            inequality("Bernoulli, step remainder (1 - t) r + n t^2 >= 0", v * r + n * (1 - v) ** 2,
                       ">=", 0)]


# --- Appendix A.2: Lemmas A.4 and A.5 (and 4.5) ---------------------------------------------


def lemma_a4(c_hidden=4, c_out=2) -> list[Step]:
    """||grad_l||_F^2 <= c_hidden phi^2 R (l < L) and ||grad_L||_F^2 <= c_out L phi^2 R under
    ||W_l|| <= alpha, ||W_L|| <= beta, 1 <= alpha^{2(L-1)} < L phi^2, alpha^{2(L-1)} beta^2 <
    2 phi^2 (the paper: 4 and 2), every L >= 2, l, width."""
    a = sp.Symbol("alpha", positive=True)
    L, ll = 2 + k + i, 1 + i  # l = 1 + i <= L - 1
    return pzg_gradient() + alpha_at_least_one() + [
        premise("||A E C||_F <= ||A||_2 ||E||_F ||C||_2, ||X^T||_2 = ||X||_2, and ||W_{b:a}||_2"
                " <= prod ||W_j||_2 (submultiplicativity)"),
        identity("exponents: alpha^{2(L-l-1)} alpha^{2(l-1)} = alpha^{2(L-2)}",
                 a ** (2 * (L - ll - 1)) * a ** (2 * (ll - 1)) - a ** (2 * (L - 2))),
        inequality("l < L: beta^2 alpha^{2(L-2)} 2R = 2R q / alpha^2 <= c phi^2 R, q = "
                   "alpha^{2(L-1)} beta^2 = 2 phi^2 - p, alpha^2 = 1 + u",
                   2 * R * (2 * phi ** 2 - p) / (1 + u), "<=", c_hidden * phi ** 2 * R),
        inequality("l = L: alpha^{2(L-1)} 2R <= c L phi^2 R, alpha^{2(L-1)} = L phi^2 - p",
                   2 * R * ((2 + k) * phi ** 2 - p), "<=", c_out * (2 + k) * phi ** 2 * R),
    ]


def pzg_gradient() -> list[Step]:
    return [identity("grad_l R = W_{L:l+1}^T (W_{L:1} - Phi) W_{l-1:1}^T, every L, l, width",
                     pzg.gradient_residual()),
            premise("||W_{L:1} - Phi||_F^2 = 2R")]


def lemma_a5(c_hidden=8, c_last=None) -> list[Step]:
    """||D_l^+ - D_l|| <= c_hidden eta^2 phi^2 R (l <= L-2) and ||D_{L-1}^+ - D_{L-1}|| <=
    c_last eta^2 phi^2 R (c_last = 2 (L+2) in the paper) under Lemma A.4's conditions."""
    L = 2 + k
    c_last = 2 * (L + 2) if c_last is None else c_last(L)
    return lemma_a4() + [
        identity("Lemma A.5, amended expansion: D_l^+ - D_l = eta^2 [g_{l+1}^T g_{l+1} - "
                 "g_l g_l^T], every L, l, width", pzg.one_step_residual(False)),
        premise("for P, Q >= 0: -Q <= P - Q <= P, so ||P - Q||_2 <= max(||P||_2, ||Q||_2); and "
                "||g^T g||_2 = ||g g^T||_2 = ||g||_2^2 <= ||g||_F^2"),
        inequality("l <= L-2: eta^2 max(4 phi^2 R, 4 phi^2 R) <= c eta^2 phi^2 R",
                   eta ** 2 * 4 * phi ** 2 * R, "<=", c_hidden * eta ** 2 * phi ** 2 * R),
        inequality("l = L-1: eta^2 2 L phi^2 R <= c_last eta^2 phi^2 R",
                   eta ** 2 * 2 * L * phi ** 2 * R, "<=", c_last * eta ** 2 * phi ** 2 * R),
        inequality("l = L-1: eta^2 4 phi^2 R <= c_last eta^2 phi^2 R",
                   eta ** 2 * 4 * phi ** 2 * R, "<=", c_last * eta ** 2 * phi ** 2 * R),
    ]


def lemma_4_5() -> list[Step]:
    """Lemma 4.5 (O(eta^2) R and O(eta^2 L) R): Lemma A.5's constants, and 2 (L+2) <= 4 L."""
    L = 2 + k
    return lemma_a5() + [inequality("2 (L+2) <= 4 L for L >= 2, so 2 (L+2) phi^2 = O(L)",
                                    2 * (L + 2), "<=", 4 * L)]


# --- Appendix A.1: Lemma A.3 (amended route) ------------------------------------------------


def a3_matrix_step() -> list[Step]:
    """The matrix step of the amended proof of Lemma A.3, every width and every L >= 2: with u a
    unit top right singular vector of W_L (W_L^T W_L u = beta^2 u) and y = W_L u / beta,
    ||W_L M W_L^T|| >= y^T W_L M W_L^T y = beta^2 u^T M u, and u^T A^j u >= (u^T A u)^j for
    A >= 0 (Jensen on the spectral weights, t^j convex on t >= 0)."""
    W, Wt, y, yt, uu, ut, M = sp.symbols("W Wt y yt u ut M", **_nc)
    b = sp.Symbol("beta", positive=True)
    t = sp.Symbol("t", positive=True)  # convex on (0, oo), hence on [0, oo) by continuity
    j = 1 + k  # j = L - 1 >= 1
    quad = (yt * W * M * Wt * y).subs({Wt * y: b * uu, yt * W: b * ut}) - b ** 2 * ut * M * uu
    return [
        premise("||N||_2 >= y^T N y for a unit y; W_L^T y = beta u and y^T W_L = beta u^T for "
                "y = W_L u / beta (beta = ||W_L||_2 > 0; beta = 0 makes the bound trivial)"),
        identity("y^T W_L M W_L^T y = beta^2 u^T M u", quad),
        premise("spectral theorem: A = sum_i a_i q_i q_i^T, a_i >= 0, so u^T A^j u = sum_i "
                "p_i a_i^j with p_i = (q_i^T u)^2, sum_i p_i = 1; Jensen for convex t^j"),
        inequality("t^j is convex on t >= 0 for every j >= 1: (t^j)'' = j (j-1) t^{j-2} >= 0",
                   sp.diff(t ** j, t, 2), ">=", 0),
    ]


def lemma_a3(strict_const=HALF) -> list[Step]:
    """Lemma A.3 (A.3): alpha^{2(L-1)} beta^2 < 2 phi^2 and alpha^{2(L-1)} < L phi^2, for every
    L >= 2 and width, by the amended route (top singular vector of W_L, Bernoulli with the
    factor alpha^{2(L-2)}); ``strict_const`` is the 1/2 in ||W_{L:1}||^2 >= (1/2)
    alpha^{2(L-1)} beta^2."""
    L = 2 + k
    eps, delta = sp.symbols("eps delta", nonnegative=True)
    a2 = sp.Symbol("a2", positive=True)  # alpha^{2(L-2)} >= 1
    x = 2 * eps + (L - 2) * delta
    G = a2 * (1 + u) - (L - 1) * a2 * x - sp.Rational(1, 2) * L ** 2 * a2 * delta
    corner = G.subs({eps: 1 / (4 * L ** 2), delta: 1 / (2 * L ** 3)})
    yv = sp.Symbol("y", positive=True)
    return lemma_a1() + pzg_bernoulli() + a3_matrix_step() + [
        premise("reverse triangle inequality | ||X|| - ||Y|| | <= ||X - Y||; ||I + W_L^T W_L||"
                " = 1 + beta^2; ||W W^T|| = ||W^T W|| = ||W||^2"),
        inequality("so ||W_l||^2 <= 1 + beta^2 + eps + (L-l-1) delta <= 1 + beta^2 + eps + "
                   "(L-2) delta for l >= 1 (and 1 <= 1 + beta^2): L - l - 1 <= L - 2",
                   (2 + k + i) - (1 + i) - 1, "<=", (2 + k + i) - 2),
        premise("u^T A u >= u^T (I + W_L^T W_L) u - ||I + D_{L-1}|| >= 1 + beta^2 - eps >= "
                "alpha^2 - x, x = 2 eps + (L-2) delta; Lemma A.1 gives u^T P P^T u >= u^T "
                "A^{L-1} u - (1/2) L^2 alpha^{2(L-2)} delta; t^{L-1} increasing on t >= 0"),
        inequality("x <= 1/(2L^2) + (L-2)/(2L^3) <= 1 <= alpha^2 (so alpha^2 - x >= 0)",
                   1 / (2 * L ** 2) + (L - 2) / (2 * L ** 3), "<=", 1),
        identity("Bernoulli rescaled: (alpha^2 - x)^{L-1} = alpha^{2(L-1)} (1 - x/alpha^2)^{L-1}"
                 " >= alpha^{2(L-1)} - (L-1) alpha^{2(L-2)} x",
                 sp.Symbol("alpha", positive=True) ** (2 * (L - 1)) * (
                     1 - (L - 1) * x / sp.Symbol("alpha", positive=True) ** 2)
                 - (sp.Symbol("alpha", positive=True) ** (2 * (L - 1)) - (L - 1) * sp.Symbol(
                     "alpha", positive=True) ** (2 * (L - 2)) * x)),
        inequality("G = alpha^{2(L-1)} - (L-1) alpha^{2(L-2)} x - (1/2) L^2 alpha^{2(L-2)} "
                   "delta is decreasing in eps", sp.diff(G, eps), "<=", 0),
        inequality("... and in delta", sp.diff(G, delta), "<=", 0),
        inequality("at eps = (4L^2)^-1, delta = (2L^3)^-1 (>= (2 L^3 phi^2)^-1, phi >= 1): "
                   "G > c alpha^{2(L-1)}, alpha^2 = 1 + u, alpha^{2(L-2)} = a2",
                   corner, ">", strict_const * a2 * (1 + u)),
        premise("so ||W_{L:1}||^2 >= beta^2 G > alpha^{2(L-1)} beta^2 / 2 when beta > 0, and "
                "||W_{L:1}|| <= phi: alpha^{2(L-1)} beta^2 < 2 phi^2 (beta = 0: 0 < 2 phi^2)"),
        premise("if alpha^{2(L-1)} >= L phi^2: alpha^2 >= exp(log(L phi^2)/(L-1)) and "
                "log(L phi^2) >= 2 (phi >= e/sqrt(L))"),
        premise("mean value theorem: a function that vanishes at 0 and has a positive "
                "derivative on (0, oo) is positive there"),
        identity("e^y - 1 and e^y - 1 - y vanish at y = 0", 2 * (sp.exp(0) - 1) - 0),
        inequality("d/dy (e^y - 1) = e^y > 0, so e^y - 1 > 0 for y > 0", sp.exp(yv), ">", 0),
        identity("d/dy (e^y - 1 - y) = e^y - 1 (> 0 for y > 0), so e^y > 1 + y",
                 sp.diff(sp.exp(yv) - 1 - yv, yv) - (sp.exp(yv) - 1)),
        inequality("then beta^2 >= alpha^2 - 1 - eps - (L-2) delta > 2/(L-1) - 1/(4L^2) - "
                   "(L-2)/(2L^3) > 2/L",
                   2 / (L - 1) - 1 / (4 * L ** 2) - (L - 2) / (2 * L ** 3), ">", 2 / L),
        identity("and ||W_{L:1}||^2 > (1/2) L phi^2 (2/L) = phi^2, contradicting ||W_{L:1}|| <= "
                 "phi", sp.Rational(1, 2) * L * phi ** 2 * (2 / L) - phi ** 2),
    ]


# --- Lemma 4.4 (amended): (4.6) gives the amended (4.7) orders and (4.8) ---------------------


def _exp_minus_one() -> list[Step]:
    """e^y - 1 <= y e^y for y >= 0: f(y) = y e^y - e^y + 1 vanishes at 0 and f' = y e^y >= 0."""
    yv = sp.Symbol("y", nonnegative=True)
    f = yv * sp.exp(yv) - sp.exp(yv) + 1
    return [identity("f(y) = y e^y - (e^y - 1) vanishes at y = 0", f.subs(yv, 0)),
            identity("f'(y) = y e^y", sp.diff(f, yv) - yv * sp.exp(yv)),
            inequality("f'(y) = y e^y >= 0 for y >= 0", yv * sp.exp(yv), ">=", 0),
            premise("mean value theorem: f(0) = 0 and f' >= 0 on [0, oo) give f >= 0 there")]


LOW_CONST = sp.Rational(3, 8)  # 1 - ||W_l|| <= LOW_CONST / L (Lemma 4.4's lower side)


def lemma_4_4_orders(const_up=4, const_low=LOW_CONST) -> list[Step]:
    """The amended weight bounds (4.7) of Lemma 4.4 under (4.6) with Lemma A.2's constants,
    every L >= 2 and every width, with explicit constants (phi fixed, as in the paper's O):

    * ``||W_l|| - 1 < const_up phi^2 log(L phi^2) / L`` (l < L) from alpha^{2(L-1)} < L phi^2:
      alpha^2 < (L phi^2)^{1/(L-1)} = e^y, y = log(L phi^2)/(L-1), e^y <= 2 phi^2 (L <=
      2^{L-1}, phi^{2/(L-1)} <= phi^2), e^y - 1 <= y e^y;
    * ``1 - ||W_l|| <= eps + (L-2) delta <= const_low / L`` (the invariances push every
      ||W_l||^2 down by at most eps + (L-2) delta from 1 + beta^2 >= 1);
    * ``beta^2 <= alpha^2 - 1 + eps``, hence beta^2 = O(log L / L);
    * and log(L phi^2) <= (1 + log(phi^2)/log 2) log L, 1/L <= log L / (L log 2) (L >= 2),
      so every bound is (a constant depending on phi only) x log L / L.

    ``const_up`` = 4 and ``const_low`` = 3/8 are the constants this derivation states; the
    tests pass smaller ones and see the route fail."""
    L = 2 + k
    c = 1 + u  # c = phi^2 >= 1
    w = sp.Symbol("w", nonnegative=True)  # alpha = 1 + w (alpha >= 1)
    Y, lc, gap = sp.symbols("Y lc gap", nonnegative=True)  # log(L c), log c, log L - log 2
    eps, delta = sp.symbols("eps delta", nonnegative=True)
    WL, WLt, Wm, Wmt, Wl, Wlt, Wn, Wnt = sp.symbols("WL WLt Wm Wmt Wl Wlt Wn Wnt", **_nc)
    D_last = WLt * WL - Wm * Wmt  # D_{L-1} = W_L^T W_L - W_{L-1} W_{L-1}^T
    D_l = Wnt * Wn - Wl * Wlt  # D_l = W_{l+1}^T W_{l+1} - W_l W_l^T
    low = eps + (L - 2) * delta
    zq = sp.Symbol("q", nonnegative=True)  # ||W_l|| = 1/(1 + q) when it is below 1
    lam = 1 / (1 + zq)
    ey = sp.exp(sp.log(L * c) / (L - 1))
    return alpha_at_least_one() + power_at_least_one() + _exp_minus_one() + [
        premise("||W_l||_2 <= alpha (l < L), 1 <= alpha^{2(L-1)} < L phi^2, ||D_l||_2 <= "
                "delta, ||I + D_{L-1}||_2 <= eps (the hypotheses); t^{1/(L-1)} and log are "
                "increasing on t > 0"),
        # upper side
        identity("(L phi^2)^{1/(L-1)} = e^y with y = log(L phi^2)/(L-1) >= 0",
                 ey - (L * c) ** (1 / (L - 1))),
        inequality("y >= 0: log(L phi^2) >= 0", sp.log(L * c), ">=", 0),
        premise("Bernoulli above with s = 1, n = L - 1: 2^{L-1} >= L, so L^{1/(L-1)} <= 2"),
        inequality("log(phi^2)/(L-1) <= log(phi^2), so phi^{2/(L-1)} <= phi^2",
                   sp.log(c) / (L - 1), "<=", sp.log(c)),
        identity("e^y = L^{1/(L-1)} phi^{2/(L-1)} (<= 2 phi^2)",
                 ey - sp.exp(sp.log(L) / (L - 1)) * sp.exp(sp.log(c) / (L - 1))),
        inequality("alpha - 1 <= alpha^2 - 1 for alpha = 1 + w >= 1", (1 + w) - 1, "<=",
                   (1 + w) ** 2 - 1),
        inequality(f"so ||W_l|| - 1 <= alpha^2 - 1 < e^y - 1 <= y e^y <= 2 phi^2 Y/(L-1) <= "
                   f"{const_up} phi^2 Y / L (Y = log(L phi^2) >= 0)",
                   2 * c * Y / (L - 1), "<=", const_up * c * Y / L),
        # lower side
        identity("W_{L-1} W_{L-1}^T = (I + W_L^T W_L) - (I + D_{L-1})",
                 Wm * Wmt - ((1 + WLt * WL) - (1 + D_last))),
        identity("W_l W_l^T = W_{l+1}^T W_{l+1} - D_l", Wl * Wlt - (Wnt * Wn - D_l)),
        premise("reverse triangle inequality, ||I + W_L^T W_L|| = 1 + beta^2 >= 1 and ||W W^T|| = "
                "||W^T W|| = ||W||^2: ||W_{L-1}||^2 >= 1 + beta^2 - eps and ||W_l||^2 >= "
                "||W_{l+1}||^2 - delta, so ||W_l||^2 >= 1 - eps - (L-2) delta (L-1-l <= L-2 "
                "steps)"),
        inequality("1 - ||W_l|| <= 1 - ||W_l||^2 when ||W_l|| = 1/(1+q) <= 1", 1 - lam, "<=",
                   1 - lam ** 2),
        inequality("eps + (L-2) delta is increasing in eps", sp.diff(low, eps), ">=", 0),
        inequality("... and in delta", sp.diff(low, delta), ">=", 0),
        inequality(f"at eps = (4L^2)^-1, delta = (2 L^3 phi^2)^-1: eps + (L-2) delta <= "
                   f"{const_low} / L", low.subs({eps: 1 / (4 * L ** 2),
                                                 delta: 1 / (2 * L ** 3 * c)}),
                   "<=", const_low / L),
        # the output layer
        premise("||W_{L-1}||^2 >= 1 + beta^2 - eps and ||W_{L-1}|| <= alpha give beta^2 <= "
                "alpha^2 - 1 + eps < 4 phi^2 log(L phi^2) / L + (4 L^2)^-1"),
        inequality("(4 L^2)^-1 <= 1 / (8 L)", 1 / (4 * L ** 2), "<=", 1 / (8 * L)),
        # orders in L
        inequality("log L - log 2 = log(1 + k/2) >= 0 (L = 2 + k)", sp.log(L) - sp.log(2),
                   ">=", 0),
        inequality("log(phi^2) >= 0 (phi >= 1)", sp.log(c), ">=", 0),
        inequality("log(L phi^2) = log L + log phi^2 <= (1 + log(phi^2)/log 2) log L "
                   "(log L = log 2 + gap)",
                   (sp.log(2) + gap) + lc, "<=", (1 + lc / sp.log(2)) * (sp.log(2) + gap)),
        inequality("1/L <= log L / (L log 2)", 1 / L, "<=", (sp.log(2) + gap) / (L * sp.log(2))),
        premise("so |‖W_l‖ - 1| <= C(phi) log L / L and beta^2 <= C'(phi) log L / L, C and C' "
                "depending on phi only: ||W_l|| = 1 + O(log L / L), ||W_L|| = O(sqrt(log L / L))"),
    ]


def lemma_4_4(const_up=4) -> list[Step]:
    """Lemma 4.4, amended: (4.6) with the constants of Lemmas A.2 and A.3 gives (4.8)
    ||grad_L R||_F^2 >= R (:func:`lemma_a2`), alpha^{2(L-1)} < L phi^2 and alpha^{2(L-1)}
    beta^2 < 2 phi^2 for alpha = max ||W_l|| v 1 (:func:`lemma_a3`), and the amended weight
    bounds (:func:`lemma_4_4_orders`); every L >= 2, every width."""
    return lemma_a2() + lemma_a3() + lemma_4_4_orders(const_up)


# --- the statements a claim file cites (proofs.registry) --------------------------------------
# At states of the chain (verify.userclaims.states): alpha, beta, delta and eps are the state's
# own (the tightest the hypotheses allow), phi the smallest one a lemma allows.

_ALPHA = "Max(1, maxover(norm2(W(l)), l, 1, L - 1))"
_DELTA = "maxover(norm2(D(l)), l, 1, L - 2)"
_EPS = "norm2(1 + D(L - 1))"
_PHI_A2 = "sqrt(alpha**(2*(L - 1))/L*(1 + 10**-12))"
_PHI_A4 = "sqrt(Max(alpha**(2*(L - 1))/L, alpha**(2*(L - 1))*beta**2/2)*(1 + 10**-12))"
_A2_ASSUME = ("eps <= 1/(4*L**2)", "delta <= 1/(2*L**3*phi**2)")
_A2_SCOPE = {"L": ">= 2", "d": ">= 1", "alpha^{2(L-1)}": "[1, L phi^2)",
             "delta": "[0, (2 L^3 phi^2)^-1]", "eps": "[0, (4 L^2)^-1]"}
_A4_SCOPE = {"L": ">= 2", "d": ">= 1", "alpha^{2(L-1)}": "[1, L phi^2)",
             "alpha^{2(L-1)} beta^2": "[0, 2 phi^2)"}
A1_RELATION = ("norm2(prod(1, L - 1)*transpose(prod(1, L - 1)) - (W(L - 1)*transpose(W(L - 1)))"
               "**(L - 1)) <= L**2*alpha**(2*(L - 2))*delta/2")
A2_RELATION = "normF(grad(L))**2 >= loss"
A4_RELATIONS = ("maxover(normF(grad(l))**2, l, 1, L - 1) <= 4*phi**2*loss",
                "normF(grad(L))**2 <= 2*L*phi**2*loss")


_A2_DEFINE = (("alpha", _ALPHA), ("delta", _DELTA), ("eps", _EPS), ("phi", _PHI_A2))
_A3_DEFINE = (("alpha", _ALPHA), ("beta", "norm2(W(L))"), ("delta", _DELTA), ("eps", _EPS),
              ("phi", "Max(norm2(prod(1, L)), exp(1)/sqrt(L), 1)"))
_A3_ASSUME = ("delta <= 1/(2*L**3*phi**2)", "eps <= 1/(4*L**2)")
_A3_SCOPE = {"L": ">= 2", "d": ">= 1", "phi": "max{||W_{L:1}||_2, e/sqrt(L), 1}",
             "delta": "[0, (2 L^3 phi^2)^-1]", "eps": "[0, (4 L^2)^-1]"}
A3_RELATIONS = ("alpha**(2*(L - 1)) < L*phi**2", "alpha**(2*(L - 1))*beta**2 < 2*phi**2")
_A4_DEFINE = (("alpha", _ALPHA), ("beta", "norm2(W(L))"), ("phi", _PHI_A4))
A5_RELATIONS = ("maxover(norm2(next(D(l)) - D(l)), l, 1, L - 2) <= 8*eta**2*phi**2*loss",
                "norm2(next(D(L - 1)) - D(L - 1)) <= 2*eta**2*(L + 2)*phi**2*loss")
LEMMA4_5_RELATION = "norm2(next(D(L - 1)) - D(L - 1)) <= 4*L*eta**2*phi**2*loss"
ORDERS_RELATIONS = ("alpha - 1 < 4*phi**2*log(L*phi**2)/L",
                    "1 - minover(norm2(W(l)), l, 1, L - 1) <= 3/(8*L)",
                    "beta**2 <= alpha**2 - 1 + eps")


def _states(scope, relations, define=(), assume=(), step=None) -> Statement:
    return Statement("inequality", scope, tuple(relations), at="states", define=tuple(define),
                     assume=tuple(assume), step=step)


def _flow_rate(name: str, where: str, width: int, steps, bound: str, scope: dict,
               sigma=None) -> Derivation:
    """Theorem 4.1 (or a remark) for the claim file's part of width ``width``: the gradient
    flow ((4.1), ``optimizer = { method = "flow" }``) of the linear residual network from ZAS
    (3.1) with every target entry free, checked every h time units; ``sigma``: the data's
    X X^T (the loss (2.2) with Y = R X)."""
    entries = [[f"p{width * a + b + 1}" for b in range(width)] for a in range(width)]
    data = {} if sigma is None else {"sigma": sigma}
    return Derivation(
        f"{name}.width{width}", f"Wu, Wang & Ma (2019), {where}",
        Statement("rate", scope, (), params={"h": "> 0", **{e: "real" for row in entries
                                                             for e in row}},
                  integers={"L": ">= 1"},
                  keys={"model": {"family": "linear_resnet", "depth": "L", "width": width,
                                  "target": entries if width > 1 else "p1", "init": "zas",
                                  **data},
                        "optimizer": {"method": "flow"}, "step": "h", "metric": "loss",
                        "bound": bound, "steps": 60, "sweep": 1}),
        steps, "Lemma 4.2 and ZAS give P P^T = (I + W_L^T W_L)^{L-1} >= I (P = W_{L-1:1}), so "
        "||grad_L R||_F^2 >= 2R, R' <= -2R and Gronwall, every L >= 1 and width")


THM4_1_SCOPE = {"L": ">= 1", "d": ">= 1", "Phi": "R^{d x d}", "t": ">= 0"}
REMARK2_SCOPE = {"L": ">= 1", "X": "lambda_min(X^T X) > 0", "t": ">= 0"}
# Remark (2)'s data, X X^T of X = [[2, 1], [0, 1]] (lambda_min(X^T X) = 3 - sqrt(5)) and of
# X = [[1, 1], [0, 1], [1, 0]] (n = 2 < d_x = 3: X^T X has eigenvalues 1 and 3)
REMARK2_DATA = ((2, [["5", "1"], ["1", "1"]], "metric0*exp(-2*(3 - sqrt(5))*t)"),
                (3, [["2", "1", "1"], ["1", "1", "0"], ["1", "0", "1"]], "metric0*exp(-2*t)"))

DERIVATIONS = (
    *(_flow_rate("wu2019zas.thm4_1", "Theorem 4.1", w, theorem_4_1, "metric0*exp(-2*t)",
                 THM4_1_SCOPE) for w in (1, 2, 3)),
    *(_flow_rate("wu2019zas.thm4_1_remark2", "Remark (2) after Theorem 4.1", w,
                 theorem_4_1_data, bound, REMARK2_SCOPE, sigma) for w, sigma, bound in REMARK2_DATA),
    Derivation(
        "wu2019zas.bernoulli", "Wu, Wang & Ma (2019), Appendix A (Bernoulli's inequality, used "
        "in Lemmas A.3 and 4.4)",
        Statement("inequality", {"L": ">= 1", "s": ">= 0"}, ("(1 + s)**L >= 1 + L*s",),
                  params={"s": ">= 0"}, integers={"L": ">= 1"}),
        power_at_least_one, "induction on the exponent: (1 + s)(1 + n s + r) - (1 + (n + 1) s) "
        "= (1 + s) r + n s^2 >= 0"),
    Derivation(
        "wu2019zas.lemma_a1", "Wu, Wang & Ma (2019), Lemma A.1",
        _states({"L": ">= 2", "d": ">= 1", "alpha": "> 0", "delta": ">= 0"}, (A1_RELATION,),
                (("alpha", "maxover(norm2(W(l)), l, 1, L - 1)"), ("delta", _DELTA))),
        lemma_a1, "(A.2) by induction on l (push-through W (W^T W)^n = (W W^T)^n W, "
        "A^{j+1} - B^{j+1} = A (A^j - B^j) + (A - B) B^j), then (A.1) from (A.2) at l = L-1"),
    Derivation(
        "wu2019zas.lemma_a2", "Wu, Wang & Ma (2019), Lemma A.2",
        _states(_A2_SCOPE, (A2_RELATION,), _A2_DEFINE, _A2_ASSUME), lemma_a2,
        "lambda_min(W_{L-1:1} W_{L-1:1}^T) >= (1 - eps)^{L-1} - (1/2) L^2 alpha^{2(L-2)} delta "
        "(Lemma A.1, Weyl, Bernoulli) >= 1/2 on the whole box, so ||grad_L R||_F^2 >= 2 "
        "lambda_min R >= R"),
    Derivation(
        "wu2019zas.lemma_a3", "Wu, Wang & Ma (2019), Lemma A.3",
        _states(_A3_SCOPE, A3_RELATIONS, _A3_DEFINE, _A3_ASSUME), lemma_a3,
        "the amended route: the top right singular vector of W_L, Jensen for t^{L-1}, Lemma A.1 "
        "and Bernoulli with the factor alpha^{2(L-2)} give ||W_{L:1}||^2 > alpha^{2(L-1)} "
        "beta^2 / 2; alpha^{2(L-1)} >= L phi^2 would force ||W_{L:1}|| > phi"),
    Derivation(
        "wu2019zas.lemma_a4", "Wu, Wang & Ma (2019), Lemma A.4",
        _states(_A4_SCOPE, A4_RELATIONS, _A4_DEFINE), lemma_a4,
        "grad_l R = W_{L:l+1}^T E W_{l-1:1}^T and submultiplicativity: beta^2 alpha^{2(L-2)} 2R "
        "(l < L) and alpha^{2(L-1)} 2R (l = L), bounded with the hypotheses on phi"),
    Derivation(
        "wu2019zas.lemma_a5", "Wu, Wang & Ma (2019), Lemma A.5",
        _states({**_A4_SCOPE, "eta": "> 0"}, A5_RELATIONS, _A4_DEFINE, ("eta > 0",), "eta"),
        lemma_a5, "the amended expansion D_l^+ - D_l = eta^2 [g_{l+1}^T g_{l+1} - g_l g_l^T] "
        "(exact, every L, l, width), ||P - Q|| <= max(||P||, ||Q||) for P, Q >= 0, and Lemma A.4"),
    Derivation(
        "wu2019zas.lemma4_5", "Wu, Wang & Ma (2019), Lemma 4.5",
        _states({**_A4_SCOPE, "eta": "> 0"}, (A5_RELATIONS[0], LEMMA4_5_RELATION), _A4_DEFINE,
                ("eta > 0",), "eta"),
        lemma_4_5, "Lemma A.5's constants 8 phi^2 (O(eta^2) R) and 2 (L+2) phi^2 <= 4 L phi^2 "
        "(O(eta^2 L) R)"),
    Derivation(
        "wu2019zas.lemma4_4", "Wu, Wang & Ma (2019), Lemma 4.4 (amended)",
        _states({**_A2_SCOPE, "phi": _A3_SCOPE["phi"]},
                (A2_RELATION, *A3_RELATIONS, *ORDERS_RELATIONS), _A3_DEFINE, _A3_ASSUME),
        lemma_4_4, "Lemma A.3 (its phi meets Lemma A.2's hypotheses), Lemma A.2 for (4.8), then "
        "alpha^2 < (L phi^2)^{1/(L-1)} = e^y <= 1 + y e^y with y e^y <= 4 phi^2 log(L phi^2) / L, "
        "||W_l||^2 >= 1 - eps - (L-2) delta and beta^2 <= alpha^2 - 1 + eps: ||W_l|| = 1 + "
        "O(log L / L), ||W_L|| = O(sqrt(log L / L))"),
)
