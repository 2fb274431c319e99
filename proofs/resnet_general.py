"""Proofs for every depth L (and every width n) of Nar & Sastry (2018), *Residual Networks:
Lyapunov Stability and Convex Decomposition* (SymPy, L an integer symbol, matrices as
``MatrixSymbol`` of symbolic size).

Each function checks the non-trivial steps of one printed argument for the whole family and
returns True (proved), or False / None (not proved: the caller must not claim the class).  The
glue between the steps (an induction, a textbook theorem) is stated in the docstring; every
algebraic identity and every sign the argument rests on is checked here.

Depth symbols: ``L`` (positive integer) and, where the statement needs L >= 2, ``L = K + 2``
with K a nonnegative integer.  The scalar chain's other L - 1 weights enter a derivative only
through their product, so a two-symbol model (the weight itself and the product of the others)
is the chain at every depth.
"""

from __future__ import annotations

import sympy as sp

from proofs.identities import prove_zero

L = sp.Symbol("L", integer=True, positive=True)
K = sp.Symbol("K", integer=True, nonnegative=True)  # L = K + 2 where L >= 2 is needed
_j = sp.Symbol("j", integer=True, nonnegative=True)


def _nonneg_terms(expr: sp.Expr) -> bool:
    """Every term of the expanded sum is nonnegative by SymPy's assumptions (a sufficient
    condition for expr >= 0; False means no proof)."""
    terms = sp.Add.make_args(sp.powsimp(sp.expand(expr), force=False))
    return all(sp.powsimp(t).is_nonnegative for t in terms)


# --- the scalar chain: gradients at the symmetric point (Props. 2, 3) -------------------------


def symmetric_gradients() -> bool | None:
    """GD on (sigma/2)(prod w - lam)^2 keeps w_i = w for every L: d/dw_i = sigma e w^(L-1)
    with e = w^L - lam.

    w_i enters the loss only through w_i P_i, P_i = prod_{j!=i} w_j (= w^(L-1) at the symmetric
    point), so the derivative is taken in the model (a P - lam) with the others fixed.  (The
    double chain's eqs. (9a), (9b) are data: an identity at the double_network's symmetric
    states, verify/papers/nar2018resnet.toml.)
    """
    w, lam, s, a, P = sp.symbols("w lam sigma a P", real=True)
    gw = sp.diff(s * (a * P - lam) ** 2 / 2, a).subs({a: w, P: w ** (L - 1)})
    return prove_zero(sp.powsimp(sp.expand(gw - s * (w ** L - lam) * w ** (L - 1))))


# --- Proposition 2 (and the lam < 0 remark) ------------------------------------------------------


def _mu_parts():
    """w, r, t (= delta sigma), S(w) = sum_{j<L} w^j r^(L-1-j) and mu(w) = 1 - t w^(L-1) S(w)."""
    w, r, t = sp.symbols("w r t", positive=True)
    S = sp.Sum(w ** _j * r ** (L - 1 - _j), (_j, 0, L - 1))
    return w, r, t, S, 1 - t * w ** (L - 1) * S


def prop2_chain(dc_scale: sp.Expr = sp.S.One) -> dict[str, bool | None]:
    """The proof of Proposition 2 for every L >= 1, lam > 0, delta in (0, delta_c].

    r = lam^(1/L) (lam = r^L), t = delta sigma.  Checked: (a) w' - r = mu(w)(w - r) with
    w' = w - t w^(L-1)(w^L - r^L) (telescoping S(w)(w - r) = w^L - r^L; w = r separately);
    (b) mu decreases on w > 0: every term of d/dw [w^(L-1) S(w)] is nonnegative; (c) the
    printed delta_c makes the smaller endpoint value of mu on the segment between 1 and r
    equal to 1 - delta/delta_c >= 0 (lam >= 1: mu(r); lam < 1: mu(1)); (d) the printed
    rho(delta) is the larger endpoint value (lam > 1: mu(1); lam < 1: mu(r)).
    Then by induction w[k] stays between 1 and r, 0 <= mu(w[k]) <= rho, and
    |w[k+1] - r| = mu(w[k]) |w[k] - r| <= rho |w[k] - r|; lam = 1 is w[k] = 1 = r.
    ``dc_scale`` multiplies the printed delta_c (a wrong threshold must not be proved).
    """
    w, r, t, S, mu = _mu_parts()
    closed = (w ** L - r ** L) / (w - r)  # S for w != r
    out = {}
    # the w != r branch of the summed S first: it simplifies to 0 at once, while the whole
    # Piecewise came back unsimplified after 0.5 s (w = r is the recursion's second part)
    out["telescoping"] = \
        prove_zero(sp.simplify(sp.piecewise_fold(S.doit()).args[-1][0] - closed)) or \
        prove_zero(sp.simplify(S.doit() - closed))
    step = w - t * w ** (L - 1) * (w ** L - r ** L)
    out["recursion"] = prove_zero(sp.simplify(step - r - (1 - t * w ** (L - 1) * closed)
                                              * (w - r))) and \
        prove_zero(sp.simplify(step.subs(w, r) - r))
    term = sp.diff(w ** (L - 1) * w ** _j * r ** (L - 1 - _j), w).subs(L, K + 1)
    out["mu decreasing"] = _nonneg_terms(term)
    mu_r = 1 - t * w ** (L - 1) * sp.Sum(r ** _j * r ** (L - 1 - _j), (_j, 0, L - 1)).doit()
    mu_r = sp.powsimp(mu_r.subs(w, r))
    mu_1 = 1 - t * (1 - r ** L) / (1 - r)  # S(1) for r != 1
    lam, s, d, f = sp.symbols("lam sigma delta f", positive=True)
    at = {lam: r ** L}
    dc_ge1 = dc_scale * (L * s) ** -1 * lam ** (-2 * (L - 1) / L)
    dc_lt1 = dc_scale * (1 - lam ** (1 / L)) / (s * (1 - lam))
    rho_gt1 = 1 - d * s * (lam - 1) / (lam ** (1 / L) - 1)
    rho_lt1 = 1 - d * s * L * lam ** (2 * (L - 1) / L)

    def ok(e):
        return prove_zero(sp.simplify(sp.powsimp(sp.expand(e), force=True)))

    out["delta_c, lam >= 1"] = ok((mu_r.subs(t, f * dc_ge1 * s) - (1 - f)).subs(at))
    out["delta_c, lam < 1"] = ok((mu_1.subs(t, f * dc_lt1 * s) - (1 - f)).subs(at))
    out["rho, lam > 1"] = ok((mu_1.subs(t, d * s) - rho_gt1).subs(at))
    out["rho, lam < 1"] = ok((mu_r.subs(t, d * s) - rho_lt1).subs(at))
    return out


def odd_sign_reduction() -> bool | None:
    """Every L, w_i = s_i v (s_i = +-1, prod_i s_i = -1), lam = -m < 0: one GD step gives
    w_i' = s_i v' with v' = v - t v^(L-1)(v^L - m), the Proposition 2 chain for |lam|.

    prod_{j!=i} w_j = (prod_j s_j / s_i) v^(L-1) = -s_i v^(L-1) (s_i^2 = 1) and
    prod_i w_i = -v^L; checked for both values of s_i with L symbolic.  Then
    |w_i[k] - s_i |lam|^(1/L)| = |v[k] - |lam|^(1/L)| and Proposition 2 applies.
    """
    v, m, t = sp.symbols("v m t", positive=True)
    v_next = v - t * v ** (L - 1) * (v ** L - m)
    for si in (1, -1):
        others = (-1 / sp.Integer(si)) * v ** (L - 1)
        e = -v ** L + m
        w_next = si * v - t * e * others
        if not prove_zero(sp.expand(w_next - si * v_next)):
            return None
    return True


# --- Proposition 3 for L >= 2 ---------------------------------------------------------------------


def prop3_chain(scale: sp.Expr = sp.S.One) -> dict[str, bool | None]:
    """Every L >= 2 (L = K + 2), lam = -m < 0, t = delta sigma in (0, 1/(1 - lam)]:
    phi(w) = 1 - t w^(L-2)(w^L + m) (w' = w phi(w)) satisfies 0 <= phi(w) < 1 on (0, 1].

    Checked: d/dw [w^(L-2)(w^L + m)] has nonnegative terms (phi decreasing, so phi >= phi(1));
    phi(1) = 1 - t(1 - lam) >= 0 exactly when t <= 1/(1 - lam); w^(L-2)(w^L + m) > 0 (phi < 1).
    So 0 <= w[k+1] = w[k] phi(w[k]) < w[k]: a decreasing sequence in [0, 1]; its limit is a
    fixed point of the continuous map, and w phi(w) = w has no root in (0, 1]: the limit is 0.
    ``scale`` multiplies the bound 1/(1 - lam) (a wrong bound must not be proved).
    """
    w, m, t = sp.symbols("w m t", positive=True)
    g = w ** (K) * (w ** (K + 2) + m)
    out = {"phi decreasing": _nonneg_terms(sp.diff(g, w)),
           "phi < 1": sp.powsimp(sp.expand(t * g)).is_positive}
    lam = -m
    f = sp.Symbol("f", positive=True)  # t = f x bound, f in (0, 1]
    # phi(1) at t = f scale/(1 - lam) is 1 - f: >= 0 on the whole step range exactly when
    # scale = 1 (then t <= 1/(1 - lam) <=> phi(1) >= 0)
    out["phi(1)"] = prove_zero(sp.simplify((1 - t * g).subs(w, 1).subs(t, f * scale / (1 - lam))
                                           - (1 - f)))
    return out


# --- eqs. (9a), (9b): the first step for lam < 0 --------------------------------------------------


def double_first_step() -> dict[str, bool | None]:
    """Every L >= 1, lam = -m < 0, t = delta sigma > 0, one step of (9a), (9b) from w = z = 1:
    w[1] = 1 - t m < 1 < 1 + t m = z[1] and e[1] = m - Q(t m), Q(s) = (1 + s)^L - (1 - s)^L.

    Q(0) = 0 and Q' > 0 on s > 0, so |e[1]| < |e[0]| = m <=> 0 < Q(t m) < 2m <=> t < t*, t* the
    first (and only) positive root of e[1]^2 = lam^2 (t* = oo when there is none).  Q'(s) =
    L((1 + s)^(L-1) + (1 - s)^(L-1)): positive for 0 < s <= 1 (both powers >= 0, the first
    > 0), and for s = 1 + u > 1 it is L (2 + u)^(L-1) (1 + (-u/(2 + u))^(L-1)) with
    |u/(2 + u)| < 1, so the bracket is > 0.
    """
    m, t, s, u = sp.symbols("m t s u", positive=True)
    lam = -m
    w1, z1 = 1 + t * lam, 1 - t * lam  # (9a), (9b) at w = z = 1, e[0] = -lam
    Q = (1 + s) ** L - (1 - s) ** L
    out = {"w[1] < 1 < z[1]": (1 - w1).is_positive and (z1 - 1).is_positive,
           "e[1] = m - Q(tm)": prove_zero(sp.expand(w1 ** L - z1 ** L - lam
                                                    - (m - Q.subs(s, t * m)))),
           "Q(0) = 0": prove_zero(Q.subs(s, 0))}
    dQ = L * ((1 + s) ** (L - 1) + (1 - s) ** (L - 1))
    out["Q' formula"] = prove_zero(sp.powsimp(sp.expand(sp.diff(Q, s) - dQ), force=True))
    c = sp.Symbol("c", nonnegative=True)  # s = 1/(1 + c) covers (0, 1]
    out["Q' > 0 on (0, 1]"] = sp.simplify(dQ.subs(s, 1 / (1 + c))).is_positive
    # s = 1 + u: (1 - s)^(L-1) = (-u)^(L-1); L = 1: Q' = 2; L = K + 2: y -> y^(K+1) increases
    # on y > 0 and 2 + u > u, so (2 + u)^(K+1) > u^(K+1) >= |(-u)^(K+1)|
    y = sp.Symbol("y", positive=True)
    out["Q' > 0 on (1, oo)"] = prove_zero(dQ.subs(L, 1) - 2) and \
        sp.diff(y ** (K + 1), y).is_positive and prove_zero((2 + u) - u - 2) and \
        prove_zero(sp.expand(dQ.subs({s: 1 + u, L: K + 2}) - (K + 2) * (
            (2 + u) ** (K + 1) + (-u) ** (K + 1))))
    return out


# --- Section 3.1 ----------------------------------------------------------------------------------


def decomposition_general() -> bool | None:
    """For every n and every twice differentiable f_k: r = alpha/2 |x|^2 + beta^T x + f_k has
    grad r(0) = beta + grad f_k(0) and Hessian alpha I + Hess f_k; s has grad s(0) = beta and
    Hessian alpha I.  Checked on a generic f of an arbitrary coordinate pair (x_j, x_k), which
    gives every entry of the gradient and the Hessian.  So beta_j > max(0, -d_j f_k(0)) makes
    both gradients positive, and alpha > max(0, -min lambda_min(Hess f_k)) makes both Hessians
    positive definite (the eigenvalues of alpha I + H are alpha + those of H)."""
    xj, xk, al, bj, bk = sp.symbols("x_j x_k alpha beta_j beta_k", real=True)
    f = sp.Function("f")(xj, xk)
    q = al / 2 * (xj ** 2 + xk ** 2) + bj * xj + bk * xk
    r = q + f
    zero = {xj: 0, xk: 0}
    ok = all(prove_zero(e) for e in sp.hessian(r, (xj, xk)) - sp.hessian(f, (xj, xk))
             - al * sp.eye(2))
    ok = ok and all(prove_zero(e) for e in sp.hessian(q, (xj, xk)) - al * sp.eye(2))
    ok = ok and prove_zero((sp.diff(r, xj) - bj - sp.diff(f, xj)).subs(zero).doit())
    return ok and prove_zero(sp.diff(q, xj).subs(zero) - bj)


def example_1d_slopes() -> bool | None:
    """Section 3.1's two-layer example for every w_1, w_2, b_1, b_2 > 0 and f'(0) > 0: on each
    linear piece the slope of f_hat is f'(0) (1 + a_1 w_1)(1 + a_2 w_2) with a_1 = 1{x > b_1},
    a_2 = 1{h_1(x) > b_2} in {0, 1}: positive for all four patterns (f_hat strictly increasing),
    and for x > max(b_1, b_2) (then h_1(x) >= x > b_2) both are 1: (1 + w_1)(1 + w_2) f'(0).
    The slopes are checked by differentiating the piece formulas for each pattern."""
    x, w1, w2, b1, b2, fp, f0 = sp.symbols("x w1 w2 b1 b2 fp f0", positive=True)
    ok = True
    for a1 in (0, 1):
        h1 = x + a1 * w1 * (x - b1)
        for a2 in (0, 1):
            h2 = h1 + a2 * w2 * (h1 - b2)
            slope = sp.diff(f0 + fp * h2, x)
            ok = ok and prove_zero(sp.expand(slope - fp * (1 + a1 * w1) * (1 + a2 * w2))) \
                and bool(slope.is_positive)
    # beyond both kinks: x > b_1 and h_1(x) = x + w_1 (x - b_1) >= x > b_2
    ok = ok and (w1 * (x + b1 - b1)).is_nonnegative
    return ok
