"""Check factories for Nar & Sastry (2018), *Residual Networks*: Section 4: formulas (10)-(12)
(Figure 4 and the reduced MNIST run are experiments: :mod:`verify.experiments.nar2018resnet`)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from numerics import residual as rs
from proofs import resnet as pr
from verify.checks.resnet._shared import REF, SUP, _cx, _instances
from verify.vocabulary import Check, CheckContext, Finding, Tier

# === Section 4: (10)-(12) ======================================================================


def eq12_formulas_exact(n: int = 2, L: int = 2, N: int = 3, bias_sign: int = -1) -> Check:
    """Symbolic (exact): SymPy derivatives of loss (11) for network (10) with f = c^T h_L + d
    (Max for the ReLU), at random rational parameters (W, b >= 0, c > 0) and points away from
    every kink, against the Section 4 formulas evaluated in exact Fractions
    (:func:`numerics.residual.grads10`): dW_l (12a), dc (12b), db_l = bias_sign x sum
    diag(1{.}) W_l^T c_l^i e_i (printed sign -1), and c_l^i = d f / d h_l.  Refutes at the first
    entry that differs."""

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        q = lambda lo, hi, size: np.vectorize(Fraction, otypes=[object])(  # noqa: E731
            rng.integers(lo, hi, size)) / 8
        for _ in range(100):  # redraw until no point sits at a kink (the ReLU has no slope)
            X, y = q(0, 9, (n, N)), q(-8, 9, N)
            Ws = [q(0, 5, (n, n)) for _ in range(L)]
            bs = [q(1, 5, n) - Fraction(1, 16) for _ in range(L)]
            c = q(1, 9, n)
            hs = rs.forward10(X, Ws, bs)
            kink = any((hs[l] - bs[l][:, None] == 0).any() for l in range(L))
            if not kink:
                break
        d = Fraction(1, 3)
        f, e, dW, db, dc, dd, cs = rs.grads10(X, y, Ws, bs, c, d)
        loss, params = pr.network10_loss(n, L, [list(X[:, i]) for i in range(N)], list(y))
        subs = {params["d"][0]: sp.Rational(1, 3)}
        for l in range(L):
            subs.update({s: sp.Rational(v.numerator, v.denominator)
                         for s, v in zip(params["W"][l], Ws[l].ravel())})
            subs.update({s: sp.Rational(v.numerator, v.denominator)
                         for s, v in zip(params["b"][l], bs[l])})
        subs.update({s: sp.Rational(v.numerator, v.denominator) for s, v in zip(params["c"], c)})
        numbers = {"points at a kink": str(kink)}
        pairs = []
        for l in range(L):
            pairs += [(sym, dW[l].ravel()[k], f"dW_{l + 1}") for k, sym in
                      enumerate(params["W"][l])]
            pairs += [(sym, bias_sign * -db[l][k], f"db_{l + 1}") for k, sym in
                      enumerate(params["b"][l])]
        pairs += [(sym, dc[k], "dc") for k, sym in enumerate(params["c"])]
        for sym, val, name in pairs:
            # the partial derivative at the point is the derivative of the loss restricted to
            # the line through it: the other parameters substituted first (rationals in, the
            # expression collapses to one variable), then d/dsym, then sym's value
            rest = {k: v for k, v in subs.items() if k != sym}
            exact = sp.diff(loss.xreplace(rest), sym).xreplace({sym: subs[sym]})
            exact = sp.nsimplify(exact.rewrite(sp.Piecewise)) if not exact.is_Rational else exact
            mine = sp.Rational(val.numerator, val.denominator)
            if sp.simplify(exact - mine) != 0:
                return Finding(REF, f"{name} ({sym}): formula {mine} != derivative {exact}",
                               numbers, _cx({"entry": str(sym)}, str(mine), str(exact),
                                            str(mine - exact), ctx.dps, "exact (SymPy)"))
        numbers["entries compared"] = str(len(pairs))
        return Finding(SUP, f"(12a), (12b) and the bias gradient equal SymPy's derivatives "
                       f"exactly ({len(pairs)} entries, n={n}, L={L}, N={N})", numbers,
                       coverage=_instances(**{"n, L, N": f"{n}, {L}, {N}"}))

    return Check("eq12_formulas_exact", Tier.SYMBOLIC, run, f"exact, n={n}, L={L}, N={N}")
