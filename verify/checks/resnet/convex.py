"""Check factories for Nar & Sastry (2018), *Residual Networks*: Section 3.1 (the two-layer
example; Theorem 3's hypotheses and the decomposition are data), convexity of (7a)-(7c),
(8a)-(8b)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from numerics import residual as rs
from proofs import resnet as pr
from proofs.expressions import parse
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample
from verify.vocabulary import (
    Check,
    CheckContext,
    Finding,
    Tier,
)

# === Section 3.1 ==============================================================================


def example_1d_exact(final_slope: str = "(1+w1)*(1+w2)") -> Check:
    """Symbolic (exact Fractions): the 1-D example of Section 3.1, h1 = x + w1 (x - b1)_+,
    h2 = h1 + w2 (h1 - b2)_+, f = f(0) + f'(0) h2, for random positive rationals: every piece's
    slope is positive (f strictly increasing for f'(0) > 0) and the last slope on [0, M] (M
    beyond both kinks) equals final_slope x f'(0).  Refutes at the first mismatch."""

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        numbers = {}
        for t in range(30 if ctx.quick else 200):
            w1, w2, b1, b2, fp = (Fraction(int(v), 8) for v in rng.integers(1, 24, 5))
            M = 2 * (b1 + b2) + 1  # both kinks inside [0, M]
            xs, hs = rs.scalar_pieces([w1, w2], [b1, b2], 0, M)
            slopes = [fp * (hs[k + 1] - hs[k]) / (xs[k + 1] - xs[k]) for k in range(len(xs) - 1)]
            weights = {"w1": sp.Rational(w1.numerator, w1.denominator),
                       "w2": sp.Rational(w2.numerator, w2.denominator)}
            want = fp * sp.Rational(str(parse(final_slope, weights)))
            ok = all(s > 0 for s in slopes) and slopes[-1] == Fraction(int(want.p), int(want.q))
            if t < 3:
                numbers[f"w1={w1}, w2={w2}, b1={b1}, b2={b2}, f'(0)={fp}"] = \
                    f"slopes {[str(s) for s in slopes]}"
            if not ok:
                return Finding(REF, "a slope or the final slope differs", numbers,
                               _cx({"w1": w1, "w2": w2, "b1": b1, "b2": b2, "f'(0)": fp},
                                   f"slopes {[str(s) for s in slopes]}",
                                   f"positive, last = {want}", str(slopes[-1] - Fraction(
                                       int(want.p), int(want.q))), ctx.dps, "exact Fractions"))
        return Finding(SUP, "strictly increasing, final slope (1 + w1)(1 + w2) f'(0), exactly",
                       numbers,
                       coverage=_sample(30 if ctx.quick else 200, **{"w1, w2, b1, b2, f'(0)": "random k/8, k in 1..23"}))

    return Check("example_1d_exact", Tier.SYMBOLIC, run, "exact Fractions, random rationals")


# === convexity of (7a)-(7c) and (8a)-(8b) =====================================================


def _random_net7(rng, n, L, m, free: str):
    """A random network (7) with the printed sign conditions, except the part named by
    ``free`` ("none", "W", "V_later", "V_first", "b") which gets either sign."""
    Ws = [rng.uniform(0, 1, (n, m)) for _ in range(L)]
    Vs = [rng.uniform(0, 1, (n, m)) for _ in range(L)]
    bs = [rng.uniform(0, 1, m) for _ in range(L)]
    if free == "W":
        Ws = [rng.uniform(-1, 1, (n, m)) for _ in range(L)]
    if free == "V_later":
        Vs = Vs[:1] + [rng.uniform(-1, 1, (n, m)) for _ in range(L - 1)]
    if free == "V_first":
        Vs[0] = rng.uniform(-1, 1, (n, m))
    if free == "b":
        bs = [rng.uniform(-1, 1, m) for _ in range(L)]
    c = rng.uniform(0.1, 1, n)
    return Ws, Vs, bs, c


def _exact(a):
    return np.vectorize(Fraction, otypes=[object])(np.asarray(a, dtype=float))


def midpoint_convexity(free: str = "none") -> Check:
    """Empirical with exact verification: midpoint convexity f((x+y)/2) <= (f(x)+f(y))/2 of
    random networks (7a)-(7c) (n = 3, L = 3, m = 4) on [0, 2]^3, with the printed sign
    conditions except ``free`` (see :func:`_random_net7`).

    Refutes "(7) is convex" when a violation exceeds 1e-9 and the exact Fraction evaluation of
    the same (float-exact) parameters and points confirms it; supports otherwise (no proof).
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        nets = 100 if ctx.quick else 400
        worst = -np.inf
        for _ in range(nets):
            Ws, Vs, bs, c = _random_net7(rng, 3, 3, 4, free)
            X, Y = rng.uniform(0, 2, (3, 200)), rng.uniform(0, 2, (3, 200))
            gap = (rs.forward7((X + Y) / 2, Ws, Vs, bs, c)
                   - (rs.forward7(X, Ws, Vs, bs, c) + rs.forward7(Y, Ws, Vs, bs, c)) / 2)
            worst = max(worst, float(gap.max()))
            if gap.max() > 1e-9:
                i = int(np.argmax(gap))
                ex = [_exact(a) for a in (X[:, i:i + 1], Y[:, i:i + 1])]
                pars = ([_exact(w) for w in Ws], [_exact(v) for v in Vs],
                        [_exact(b) for b in bs], _exact(c))
                mid = rs.forward7((ex[0] + ex[1]) / 2, *pars)[0]
                avg = (rs.forward7(ex[0], *pars)[0] + rs.forward7(ex[1], *pars)[0]) / 2
                if mid > avg:
                    return Finding(REF, f"a network with {free} of free sign is not convex",
                                   {"violations max": f"{gap.max():.6g}"},
                                   _cx({"free": free, "x": list(X[:, i]), "y": list(Y[:, i])},
                                       f"f(mid) = {float(mid):.17g}",
                                       f"<= {float(avg):.17g}", f"{float(mid - avg):.6g}",
                                       ctx.dps, "exact rational arithmetic (Fractions)"))
        return Finding(SUP, f"{nets} networks x 200 midpoints: no violation (max gap "
                       f"{worst:.3g})", {"max midpoint gap": f"{worst:.6g}", "free": free},
                       coverage=_sample(nets * 200, **{"n, L, m": "3, 3, 4"}, x="[0, 2]^3"))

    return Check(f"midpoint_convexity_{free.lower()}", Tier.EMPIRICAL, run,
                 f"random networks (7), {free} of free sign, exact recheck")


def convexity_conditions() -> Check:
    """Empirical with exact verification: which of the sign conditions of (7) convexity needs.
    Runs :func:`midpoint_convexity` with each part of free sign: W and the later V_i (i >= 2)
    must give exactly verified violations (needed), V_1 and b none in the sample (the
    certificate's argument does not use their signs: V_1^T x - b_1 is affine in x).  Supports
    when that pattern is seen; undecided otherwise (a missing violation proves nothing)."""

    def run(ctx: CheckContext) -> Finding:
        numbers, pattern = {}, []
        for free, needed in (("W", True), ("V_later", True), ("V_first", False), ("b", False)):
            f = midpoint_convexity(free).run(ctx)
            violated = f.outcome is REF
            numbers[f"{free} of free sign"] = ("exactly verified violation" if violated
                                               else "no violation found")
            pattern.append(violated == needed)
        if all(pattern):
            return Finding(SUP, "W >= 0 and V_i >= 0 (i >= 2) are needed; V_1 and b may have "
                           "any sign (no violation, and the certificate does not use them)",
                           numbers,
                       coverage=_sample(4, False, **{"parts of free sign": "{W, V_later, V_first, b}"}))
        return Finding(UND, "the sign pattern differs from the expected one", numbers)

    return Check("convexity_conditions", Tier.EMPIRICAL, run,
                 "random networks (7) with one part of free sign at a time, exact recheck")


def convexity_certificate(free: str = "none") -> Check:
    """Symbolic (structural): proves, with symbolic W, V and ReLU pattern a (nonnegative except
    the part named by ``free``, see :func:`_random_net7`), that every layer's Jacobian
    I + W diag(a) V^T of (7) (n = 3, m = 4) is entrywise >= 0: each layer is coordinatewise
    nondecreasing, and each output coordinate h_j + sum_k W_jk [v_k^T h - b_k]_+ is a
    nonnegative combination of convex functions of h; with c > 0 the network is convex for
    every such parameter (Boyd & Vandenberghe 3.2.4; V_1 and b are not needed for convexity,
    but the printed conditions include V_1 >= 0, which this proof uses).

    When the proof does not go through (a part of free sign), samples 20 random networks and
    refutes with the first exact (Fraction) Jacobian that has a negative entry; undecided if
    none is found."""

    def run(ctx: CheckContext) -> Finding:
        L = 3
        proved = all(pr.layer7_jacobian_nonneg(
            3, 4, tuple(part for part, is_free in (
                ("W", free == "W"),
                ("V", free == "V_first" if layer == 0 else free == "V_later")) if is_free))
            for layer in range(L))
        if proved:
            return Finding(SUP, "W, V >= 0 make every layer coordinatewise nondecreasing and "
                           "convex for every parameter and ReLU pattern (symbolic); c > 0 keeps "
                           "the sum convex",
                       coverage=_instances(**{"n, m": "3, 4"}, L="3", **{"W, V": ">= 0"}))
        rng = ctx.rng()
        for _ in range(20):
            Ws, Vs, bs, c = _random_net7(rng, 3, L, 4, free)
            h = _exact(rng.uniform(0, 2, (3, 1)))
            for W, V, b in zip(Ws, Vs, bs):
                We, Ve, be = _exact(W), _exact(V), _exact(b)
                act = np.where(Ve.T @ h - be[:, None] > 0, 1, 0)[:, 0]
                J = np.eye(3, dtype=object) + We @ np.diag(act) @ Ve.T
                if (J < 0).any():
                    return Finding(REF, "a layer Jacobian has a negative entry", {},
                                   _cx({"layer": "sampled"}, str(J.tolist()), ">= 0", "negative",
                                       ctx.dps, "exact Fractions"))
                h = h + We @ rs.relu(Ve.T @ h - be[:, None])
        return Finding(UND, f"with {free} of free sign the layer Jacobians are not proved "
                       ">= 0, and no sampled Jacobian has a negative entry")

    return Check("convexity_certificate", Tier.SYMBOLIC, run,
                 f"structural, exact Jacobians, {free} of free sign")


def _exact_grad7(x, Ws, Vs, bs, c, eps=Fraction(1, 10 ** 9)):
    """Exact one-sided difference quotients of network (7) at a rational point x (exact inside a
    linear piece: the network is piecewise linear)."""
    f0 = rs.forward7(x[:, None], Ws, Vs, bs, c)[0]
    out = []
    for j in range(x.size):
        e = np.zeros(x.size, dtype=object)
        e[j] = eps
        out.append((rs.forward7((x + e)[:, None], Ws, Vs, bs, c)[0] - f0) / eps)
    return np.array(out, dtype=object)


def eq8_gradient_exact(increment: tuple[int, int] = (1, 1)) -> Check:
    """Symbolic (exact Fractions): the gradient of (8a)-(8b), computed by exact difference
    quotients of the network, is [1, 1] near the origin and gains increment_1 e_1 beyond
    x1 = b1 and increment_2 e_2 beyond x2 = b2 (printed: (1, 1)).  For a general V (W >= 0,
    c > 0) the gradient jumps by (W^T c)_j v_j across v_j^T x = b_j: the normal is v_j, the
    line lies at distance b_j/||v_j|| from the origin.  Refutes when a jump differs."""

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        one, half = Fraction(1), Fraction(1, 2)
        I2 = np.array([[one, 0], [0, one]], dtype=object)
        b = np.array([half, Fraction(3, 4)], dtype=object)
        c = np.array([one, one], dtype=object)
        base = _exact_grad7(np.array([Fraction(1, 4), Fraction(1, 4)], dtype=object),
                            [I2], [I2], [b], c)
        nums = {"gradient near the origin": str([str(t) for t in base])}
        for x, act in (((1, Fraction(1, 4)), (1, 0)), ((Fraction(1, 4), 1), (0, 1)),
                       ((1, 1), (1, 1))):
            g = _exact_grad7(np.array([Fraction(t) for t in x], dtype=object), [I2], [I2], [b], c)
            want = [base[j] + increment[j] * act[j] for j in range(2)]
            nums[f"gradient at {tuple(str(t) for t in x)}"] = str([str(t) for t in g])
            if list(g) != want:
                return Finding(REF, "the gradient increment of (8) differs", nums,
                               _cx({"x": tuple(str(t) for t in x)}, str(list(g)), str(want),
                                   "nonzero", ctx.dps, "exact Fractions"))
        V = _exact(rng.uniform(-1, 1, (2, 2)))
        W, cc = _exact(rng.uniform(0, 1, (2, 2))), _exact(rng.uniform(0.1, 1, 2))
        bb = _exact(rng.uniform(0.1, 1, 2))
        for j in range(2):
            v = V[:, j]
            foot = v * bb[j] / (v @ v)  # closest point of v^T x = b_j to the origin
            other = V[:, 1 - j]
            eps = Fraction(1, 10 ** 4)
            pts = [foot - eps * v, foot + eps * v]
            if (other @ pts[0] - bb[1 - j]) * (other @ pts[1] - bb[1 - j]) <= 0:
                continue  # the other line passes between: not a clean crossing
            g0, g1 = (_exact_grad7(p, [W], [V], [bb], cc) for p in pts)
            want = (W.T @ cc)[j] * v
            nums[f"general V, line {j}"] = (
                f"jump {[float(t) for t in g1 - g0]}, (W^T c)_j v_j {[float(t) for t in want]}, "
                f"distance b_j/||v_j|| = {float(bb[j]) / float(v @ v) ** 0.5:.6g}")
            if any(a != w for a, w in zip(g1 - g0, want)):
                return Finding(REF, "jump across a line is not (W^T c)_j v_j", nums,
                               _cx({"line": j}, str(list(g1 - g0)), str(list(want)), "nonzero",
                                   ctx.dps, "exact Fractions"))
        return Finding(SUP, "(8): gradient [1, 1] plus e_j beyond x_j = b_j, exactly; general V: "
                       "jump (W^T c)_j v_j across v_j^T x = b_j", nums,
                       coverage=_instances(b="(1/2, 3/4)", V="one random (exact)"))

    return Check("eq8_gradient_exact", Tier.SYMBOLIC, run, "exact Fractions")
