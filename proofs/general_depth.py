"""Proofs for every depth L at once: SymPy with L an integer symbol (Nar & Sastry 2018).

The scalar chain ``1/2 (w_L ... w_1 - lam)^2`` with equal weights gives displays whose only
dependence on L is through powers ``w^L`` and geometric sums ``sum_{j<L} w^j r^(L-1-j)``; SymPy
sums those in closed form, so each step of the proofs of Lemma 3 (Appendix B) and Lemma 4
(Appendix C) is an identity or a sign condition in (L, w, r, delta) checked once for all L.
(The rescaling argument of Section 2, "no optimum is isolated", is an identity over matrices
of free size: ``verify/papers/nar2018step_depth.toml``.)

Every function returns a dict ``fact -> True | False | None`` (proven, disproven, SymPy could
not decide); the caller treats None as undecided, never as proven.  The logical glue between
the facts (an induction, a monotone limit) is written out in each docstring.
"""

from __future__ import annotations

from functools import cache

import sympy as sp

from proofs.derivation import Step, from_facts
from proofs.identities import prove_zero
from proofs.registry import Derivation, Statement

L = sp.Symbol("L", integer=True, positive=True)
j = sp.Symbol("j", integer=True, nonnegative=True)
w, r, delta, m, t = sp.symbols("w r delta m t", positive=True)


def _geometric(x: sp.Expr, y: sp.Expr) -> sp.Expr:
    """sum_{j=0}^{L-1} x^j y^(L-1-j) in SymPy's closed form; for x != y SymPy's generic branch
    (the last piece of its Piecewise on x = y)."""
    total = sp.piecewise_fold(sp.summation(x ** j * y ** (L - 1 - j), (j, 0, L - 1)))
    return total.args[-1][0] if isinstance(total, sp.Piecewise) else total


def _is(expr: sp.Expr, attr: str) -> bool | None:
    """SymPy's assumption ``attr`` (``is_nonnegative`` ...) of ``expr``: True, False or None."""
    return getattr(sp.simplify(expr), attr)


def _equal_weight_gradient() -> tuple[sp.Expr, sp.Symbol]:
    """d/dw_i of 1/2 (w_L ... w_1 - lam)^2 at w_1 = ... = w_L = w: the loss is
    1/2 (w_i P - lam)^2 with P the product of the other L - 1 weights (= w^(L-1))."""
    wi, P, lam = sp.symbols("w_i P lam", real=True)
    return sp.diff((wi * P - lam) ** 2 / 2, wi).subs({wi: w, P: w ** (L - 1)}), lam


@cache  # a dict of facts, read only: the derivations of both cases of Lemma 3 share it
def lemma3_steps() -> dict[str, bool | None]:
    """Lemma 3 for every L >= 1, lam = r^L > 0 (r = lam^(1/L)), 0 < delta <= delta_c.

    Facts (each for symbolic L):

    * ``gradient``: with all weights equal to w, d/dw_i of the loss is w^(L-1) (w^L - lam)
      (the loss is w_i P - lam squared over 2, P the product of the other L - 1 weights), so
      the weights stay equal and follow w <- w - delta w^(L-1) (w^L - lam);
    * ``contraction``: w[k+1] - r = mu(w[k]) (w[k] - r) with mu(w) = 1 - delta w^(L-1) S(w),
      S(w) = sum_j w^j r^(L-1-j) (the closed-form geometric sum times (w - r) is w^L - r^L);
    * ``mu decreasing``: every term w^(L-1+j) r^(L-1-j) of w^(L-1) S(w) has a nonnegative
      w-derivative, so mu is nonincreasing in w > 0;
    * ``mu(r)``, ``mu(1)``: mu(r) = 1 - delta L r^(2L-2) and mu(1) = 1 - delta (1 - r^L)/(1 - r);
    * ``delta_c``: the printed delta_c makes mu at the far end of [min(1, r), max(1, r)] zero
      (mu(r) for lam >= 1, mu(1) for lam < 1), and mu is affine decreasing in delta (S > 0), so
      delta <= delta_c gives mu >= 0 there;
    * ``beta``: the printed beta is mu at the near end (mu(1) for lam > 1, mu(r) for lam < 1),
      and beta <= 1 (delta S > 0).

    Induction: if w[k] lies between 1 and r, then 0 <= mu(far end) <= mu(w[k]) <= mu(near end)
    = beta <= 1, so w[k+1] - r = mu(w[k]) (w[k] - r) lies between 0 and beta (w[k] - r): w[k+1]
    stays between 1 and r and |w[k+1] - r| <= beta |w[k] - r|.  With w[0] = 1 this is
    |w[k] - lam^(1/L)| <= beta^k |1 - lam^(1/L)|.
    """
    grad, lam = _equal_weight_gradient()
    S = _geometric(w, r)  # for w != r; at w = r the contraction identity is 0 = 0
    mu = 1 - delta * w ** (L - 1) * S
    step = w - delta * grad.subs(lam, r ** L)
    Lp = sp.Symbol("L_minus_1", integer=True, nonnegative=True)  # L >= 1: L = Lp + 1
    term = (w ** (L - 1 + j) * r ** (L - 1 - j)).subs(L, Lp + 1)  # 0 <= j <= L - 1 = Lp
    mu_r = 1 - delta * r ** (L - 1) * _geometric(r, r)  # S(r) = L r^(L-1), summed at w = r
    mu_1 = 1 - delta * (1 - r ** L) / (1 - r)
    dc_high = 1 / (L * (r ** L) ** (2 * (L - 1) / L))
    dc_low = (1 - r ** L) ** -1 * (1 - r)
    beta_high = 1 - delta * (r ** L - 1) / (r - 1)
    beta_low = 1 - delta * L * (r ** L) ** (2 * (L - 1) / L)
    return {
        "gradient": prove_zero(grad - w ** (L - 1) * (w ** L - lam)),
        "contraction": prove_zero(sp.simplify((step - r) - mu * (w - r))),
        "mu decreasing": _is(sp.diff(term, w), "is_nonnegative"),
        "S > 0": _is(term, "is_positive"),
        "mu(r)": prove_zero(sp.powsimp(mu_r - (1 - delta * L * r ** (2 * L - 2)))),
        "mu(1)": prove_zero(sp.simplify(mu.subs(w, 1) - mu_1)),
        "delta_c (lam >= 1): mu(r) = 0": prove_zero(sp.powsimp(
            sp.expand_power_base((1 - dc_high * L * r ** (2 * L - 2)), force=False),
            force=True)),
        "delta_c (lam < 1): mu(1) = 0": prove_zero(sp.simplify(mu_1.subs(delta, dc_low))),
        "beta (lam > 1) = mu(1)": prove_zero(sp.simplify(beta_high - mu_1)),
        "beta (lam < 1) = mu(r)": prove_zero(sp.powsimp(
            beta_low - (1 - delta * L * r ** (2 * L - 2)), force=True)),
    }


@cache  # read only: the derivations of Lemma 4's parts share it
def lemma4_steps() -> dict[str, bool | None]:
    """Lemma 4 for every L >= 2, lam = -m < 0, 0 < delta <= 1/(1 - lam), w[0] = 1.

    Facts (each for symbolic L):

    * ``factor form``: the equal-weight GD map w - delta w^(L-1) (w^L - lam) is
      w (1 - delta w^(L-2) (w^L - lam)) (sigma = 1);
    * ``gap``: factor - (1 - delta (1 - lam)) = delta [(1 - w^(2L-2)) + m (1 - w^(L-2))];
    * ``w^k <= 1 on (0, 1]`` for every integer k >= 0 (d/dw w^k = k w^(k-1) >= 0 and 1^k = 1),
      applied with k = 2L - 2 and k = L - 2 (L >= 2), so the factor is >= 1 - delta (1 - lam)
      >= 0 on [0, 1];
    * ``factor <= 1``: delta w^(L-2) (w^L + m) >= 0;
    * ``no positive fixed point``: w^(L-2) (w^L + m) > 0 for w > 0.

    Induction: w[0] = 1 and w in [0, 1] gives w[k+1] = w[k] factor in [0, w[k]]; so w[k] is
    nonincreasing in [0, 1] and converges to some w* in [0, 1] with w* (factor(w*) - 1) = 0, i.e.
    w* = 0 or w*^(L-2) (w*^L + m) = 0; the latter has no root w* > 0.  Hence w[k] -> 0.
    """
    grad, lam_ = _equal_weight_gradient()
    lam = -m
    factor = 1 - delta * w ** (L - 2) * (w ** L - lam)
    step = w - delta * grad.subs(lam_, lam)
    Lm2 = sp.Symbol("L_minus_2", integer=True, nonnegative=True)  # L >= 2: L - 2 = Lm2 >= 0
    k = sp.Symbol("k", integer=True, nonnegative=True)
    u = sp.Symbol("u", positive=True)  # any w > 0
    return {
        "factor form": prove_zero(sp.powsimp(sp.expand(step - w * factor), force=True)),
        "gap": prove_zero(sp.expand(factor - (1 - delta * (1 - lam))
                                    - delta * ((1 - w ** (2 * L - 2)) + m * (1 - w ** (L - 2))))),
        "w^k nondecreasing in w > 0": _is(sp.diff(u ** k, u), "is_nonnegative"),
        "1^k = 1": prove_zero(sp.Integer(1) ** k - 1),
        "factor <= 1": _is(delta * u ** Lm2 * (u ** (Lm2 + 2) + m), "is_nonnegative"),
        "no positive fixed point": _is(u ** Lm2 * (u ** (Lm2 + 2) + m), "is_positive"),
    }


# --- the derivations a claim file cites (proofs/registry.py) ------------------------------

_CHAIN = {"family": "deep_linear", "depth": "L", "width": 1, "target": "lam", "init": "1"}
LEMMA3_SCOPE = {"L": ">= 1", "lam": "> 0", "delta": "(0, delta_c]"}
LEMMA4_SCOPE = {"L": ">= 2", "lam": "< 0", "delta": "(0, 1/(1 - lam)]"}
_LEMMA3_CASES = {  # part -> (lam's class, delta <= delta_c, beta(delta)^t |1 - lam^(1/L)|)
    "lam_below_1": ("(0, 1)", "delta <= (1 - lam**(1/L))/(1 - lam)",
                    "(1 - delta*L*lam**(2*(L - 1)/L))**t*metric0"),
    "lam_above_1": ("> 1", "delta <= lam**(-2*(L - 1)/L)/L",
                    "(1 - delta*(lam - 1)/(lam**(1/L) - 1))**t*metric0"),
}


def lemma3_derivation() -> list[Step]:
    """:func:`lemma3_steps` as derivation steps, with the induction that joins them."""
    return from_facts(lemma3_steps(), "induction: if w[k] lies between 1 and r, then 0 <= "
                      "mu(far end) <= mu(w[k]) <= mu(near end) = beta <= 1, so w[k+1] stays "
                      "between 1 and r and |w[k+1] - r| <= beta |w[k] - r|; from w[0] = 1, "
                      "|w[k] - lam^(1/L)| <= beta^k |1 - lam^(1/L)| (lam = 1: w[k] = 1 = r)")


def _lemma3(part: str) -> Derivation:
    lam, assume, bound = _LEMMA3_CASES[part]
    return Derivation(
        f"nar2018step.lemma3.{part}", "Nar & Sastry (2018), Lemma 3 (Appendix B)",
        Statement("rate", LEMMA3_SCOPE, (), params={"delta": "> 0", "lam": lam},
                  integers={"L": ">= 1"},
                  keys={"model": _CHAIN, "step": "delta", "assume": [assume],
                        "metric": "Abs(w1 - lam**(1/L))", "bound": bound, "steps": 10}),
        lemma3_derivation, "w[k+1] - lam^(1/L) = mu(w[k]) (w[k] - lam^(1/L)) with mu "
        "decreasing and 0 <= mu <= beta <= 1 between 1 and lam^(1/L) for delta <= delta_c (the paper's "
        "induction), every L >= 1")


def lemma4_derivation() -> list[Step]:
    """:func:`lemma4_steps` as derivation steps, with the induction that joins them."""
    return from_facts(lemma4_steps(), "induction: w[0] = 1 and w in [0, 1] give w[k+1] = w[k] "
                      "factor in [0, w[k]], so w[k] is nonincreasing in [0, 1] and converges to "
                      "some w* in [0, 1] with w* (factor(w*) - 1) = 0; w*^(L-2) (w*^L - lam) has "
                      "no root w* > 0, so w[k] -> 0")


LEMMA4 = Derivation(
    "nar2018step.lemma4", "Nar & Sastry (2018), Lemma 4 (Appendix C)",
    Statement("trajectory", LEMMA4_SCOPE, (), params={"delta": "> 0", "lam": "< 0"},
              integers={"L": ">= 2"},
              keys={"model": _CHAIN, "step": "delta", "assume": ["delta <= 1/(1 - lam)"],
                    "quantity": "Abs(w1)", "monotone": "nonincreasing", "steps": 20}),
    lemma4_derivation, "the GD map is w (1 - delta w^(L-2) (w^L - lam)) with the factor in "
    "[0, 1] on [0, 1] for delta <= 1/(1 - lam) (the paper's induction), so w[k] decreases in "
    "[0, 1] to a fixed point, which is 0; every L >= 2")

# The proof of Lemma 4 (amended): the factor 1 - delta w^(L-2) (w^L - lam) of the GD map stays
# in [0, 1] along the orbit, written |1 - 2 delta w^(L-2) (w^L - lam)| <= 1 (= |2 factor - 1|).
# Lemma 4's facts prove it: factor >= 1 - delta (1 - lam) >= 0 and factor <= 1 on [0, 1]
# (gap, w^k <= 1, factor <= 1), and the orbit stays in [0, 1] (the induction).
LEMMA4_FACTOR = Derivation(
    "nar2018step.lemma4_proof_amended.factor", "Nar & Sastry (2018), proof of Lemma 4 "
    "(Appendix C), amended",
    Statement("trajectory", LEMMA4_SCOPE, (), params={"delta": "> 0", "lam": "< 0"},
              integers={"L": ">= 2"},
              keys={"model": _CHAIN, "step": "delta", "assume": ["delta <= 1/(1 - lam)"],
                    "quantity": "Abs(1 - 2*delta*w1**(L - 2)*(w1**L - lam))",
                    "relation": "<=", "bound": "1", "steps": 20}),
    lambda: from_facts(lemma4_steps(), "induction: w[0] = 1, and w[k] in [0, 1] gives the "
                       "factor f = 1 - delta w[k]^(L-2) (w[k]^L - lam) in [1 - delta (1 - lam), "
                       "1] (gap, w^k <= 1 on [0, 1], factor <= 1), a subset of [0, 1] for "
                       "delta <= 1/(1 - lam), so w[k+1] = w[k] f lies in [0, w[k]]: along the "
                       "orbit 0 <= f <= 1, i.e. |2 f - 1| <= 1"),
    "the factor of the GD map lies in [1 - delta (1 - lam), 1] on [0, 1] and the orbit from "
    "w = 1 stays in [0, 1] (the paper's induction, Lemma 4's steps), every L >= 2")

@cache  # read only
def kernel_lower_steps() -> dict[str, bool | None]:
    """Along a zero eigenvalue (lam = 0) from w[0] = 1, for every L >= 2 (m = 2L - 2 >= 2) and
    0 < delta <= 1/L: w[k] >= (1 + m delta (1 - delta)^-(m+1) k)^(-1/m) for every k.

    Facts (each for symbolic L; y stands for 1 - x > 0, x = delta w^m):

    * ``gradient``: with all weights equal to w and lam = 0 the GD map is w (1 - delta w^m);
    * ``factor in [1 - delta, 1)``: 1 - delta w^m - (1 - delta) = delta (1 - w^m) >= 0 on
      (0, 1] (w^m <= 1 there: w^k nondecreasing, 1^k = 1) and delta w^m > 0, so w stays in
      (0, 1] (1 - delta >= 1 - 1/L > 0);
    * ``u step``: u = w^-m moves to (w (1 - x))^-m = u (1 - x)^-m;
    * ``convex``: f(x) = (1 - x)^-m has f' = m (1 - x)^-(m+1) and f'' >= 0 on [0, 1);
    * ``u x = delta``: w^-m delta w^m = delta.

    Induction: f convex gives f(x) <= f(0) + x f'(x) = 1 + x m (1 - x)^-(m+1), and f' is
    nondecreasing with x = delta w^m <= delta, so u[k+1] <= u[k] (1 + x m (1 - delta)^-(m+1))
    = u[k] + m delta (1 - delta)^-(m+1); from u[0] = 1, u[k] <= 1 + m delta (1 - delta)^-(m+1)
    k, and w = u^(-1/m) (decreasing in u > 0) gives the bound.
    """
    grad, lam = _equal_weight_gradient()
    Lm2 = sp.Symbol("L_minus_2", integer=True, nonnegative=True)
    mm = 2 * Lm2 + 2  # m = 2L - 2 with L = Lm2 + 2
    x, y, u = sp.symbols("x y u", positive=True)
    step = (w - delta * grad.subs(lam, 0)).subs(L, Lm2 + 2)
    f = (1 - x) ** -mm
    return {
        "gradient": prove_zero(sp.powsimp(sp.expand(step - w * (1 - delta * w ** mm)),
                                          force=True)),
        "factor - (1 - delta) = delta (1 - w^m)": prove_zero(sp.expand(
            (1 - delta * w ** mm) - (1 - delta) - delta * (1 - w ** mm))),
        "w^k nondecreasing in w > 0": _is(sp.diff(u ** mm, u), "is_nonnegative"),
        "1^k = 1": prove_zero(sp.Integer(1) ** mm - 1),
        "delta w^m > 0": _is(delta * w ** mm, "is_positive"),
        "1 - delta >= 1 - 1/L > 0": _is(1 - 1 / (Lm2 + 2), "is_positive"),
        "u step": prove_zero(sp.powsimp((w * y) ** -mm - w ** -mm * y ** -mm, force=True)),
        "f'": prove_zero(sp.diff(f, x).subs(x, 1 - y) - mm * y ** (-mm - 1)),
        "f'' >= 0": _is(sp.diff(f, x, 2).subs(x, 1 - y), "is_nonnegative"),
        "u x = delta": prove_zero(sp.powsimp(w ** -mm * delta * w ** mm) - delta),
    }


def kernel_lower_derivation() -> list[Step]:
    """:func:`kernel_lower_steps` as derivation steps, with the argument that joins them."""
    return from_facts(kernel_lower_steps(),
                      "convexity: f(x) <= f(0) + x f'(x) for convex f (the tangent at x lies "
                      "below f at 0), and f' nondecreasing with x = delta w^m <= delta (w <= 1)",
                      "induction: u[k+1] <= u[k] + m delta (1 - delta)^-(m+1), u[0] = 1, so "
                      "w[k] = u[k]^(-1/m) >= (1 + m delta (1 - delta)^-(m+1) k)^(-1/m)")


# Theorem 2 along the kernel of R (R = 0, n = 1; every zero eigenvalue of a PSD R from the
# identity runs this chain, nar2018step.thm2_proof): the proven lower envelope, written as the
# rate claim "-|w1| <= -envelope" a witness cites (verify.userclaims.rates.witness_check)
KERNEL_LOWER = Derivation(
    "nar2018step.thm2.kernel_lower", "Nar & Sastry (2018), Theorem 2 (Appendix B): the "
    "zero eigenvalue",
    Statement("rate", {"L": ">= 2", "lam": "= 0", "delta": "(0, 1/L]"}, (),
              params={"delta": "> 0"}, integers={"L": ">= 2"},
              keys={"model": {**_CHAIN, "target": "0"}, "step": "delta",
                    "assume": ["delta <= 1/L"], "metric": "-(Abs(w1))",
                    "bound": "-((1 + (2*L - 2)*delta*(1 - delta)**(1 - 2*L)*t)**(-1/(2*L - 2)))",
                    "steps": 40}),
    kernel_lower_derivation, "u = w^-(2L-2) grows by at most (2L - 2) delta (1 - delta)^(1-2L) "
    "a step (convexity of (1 - x)^-(2L-2)), so w[k] >= (1 + (2L - 2) delta (1 - delta)^(1-2L) "
    "k)^(-1/(2L-2)); every L >= 2, delta <= 1/L")

DERIVATIONS = (_lemma3("lam_below_1"), _lemma3("lam_above_1"), LEMMA4, LEMMA4_FACTOR,
               KERNEL_LOWER)
