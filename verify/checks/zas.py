"""Check factories for Wu, Wang & Ma (2019), deep linear residual networks and ZAS.

The paper's identities for every depth and width (Sections 2 and 3, Lemma 4.2, Lemma A.5) are
data over matrices of free size, and Lemmas A.1-A.6, 4.4-4.6 and the proof of Lemma A.6 are
inequalities at states (``verify/papers/wu2019zas.toml``; the lemmas cite their derivations);
the orders of (4.7), Theorem 4.3's rate and its near-ZAS remark are data too
(``wu2019zas_orders.toml``, ``wu2019zas_rates.toml``), and so are Theorem 4.1 and its Remarks
(``wu2019zas_flow.toml``, gradient flow).  The check here is Section 3's stable manifold:
SymPy on M, and gradient flows (``solve_ivp``, tight tolerance) from points of M.
"""

from __future__ import annotations

import numpy as np
import sympy as sp

from numerics import linear_resnet as rn
from verify.checks.common import set_text
from verify.vocabulary import Check, CheckContext, Coverage, Finding, Outcome, Scope, Tier

# --- dynamics ------------------------------------------------------------------------------


def manifold_flow() -> Check:
    """Symbolic + numeric (Section 3): for (3.2), on M = {w_1 = ... = w_L = w >= 0} the
    gradient field is (-(w^L + 1) w^{L-1}) (1, ..., 1), tangent to M, and w' = -(w^L+1)w^{L-1}
    < 0 for w > 0, so the flow stays in M and w(t) -> 0 (proved by SymPy for L = 2..8); the
    origin is a critical point that is not a local extremum (a saddle) for L >= 2.  The flow
    from sampled points of M is also integrated (LSODA) and must end near O."""
    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        w, w_pos = sp.Symbol("w", nonnegative=True), sp.Symbol("w", positive=True)
        for L in range(2, 9):
            ws = sp.symbols(f"w1:{L + 1}", real=True)
            R = (sp.Mul(*ws) + 1) ** 2 / 2
            g = [sp.diff(R, x).subs({x: w for x in ws}) for x in ws]
            field = -(w ** L + 1) * w ** (L - 1)
            if any(sp.simplify(-gi - field) != 0 for gi in g):
                return Finding(Outcome.UNDECIDED, f"L={L}: gradient not symmetric on M", numbers)
            # the sign must be proved (True) for every w > 0; SymPy's None (unknown) is not a
            # proof (its assumptions on a positive symbol decide it at once)
            if not (sp.simplify(field).subs(w, 0) == 0
                    and field.subs(w, w_pos).is_negative is True):
                return Finding(Outcome.UNDECIDED, f"L={L}: sign of the field undecided", numbers)
            # the Hessian at O from R as a polynomial (exact; sp.hessian's expression
            # derivatives cost ten times more)
            Rp, at0 = sp.Poly(R, *ws), dict.fromkeys(ws, 0)
            hess0 = sp.Matrix([[Rp.diff(a).diff(b).eval(at0) for b in ws] for a in ws])
            # not an extremum: R(O) = 1/2, R(e,..,e) > 1/2 and R(-e, e, .., e) < 1/2
            e = sp.Rational(1, 10)
            up = R.subs({x: e for x in ws})
            down = R.subs({**{x: e for x in ws}, ws[0]: -e})
            numbers[f"L={L}"] = (f"grad at O = 0; Hessian eigenvalues at O "
                                 f"{sorted(set(hess0.eigenvals()))}; R(e..e)={up}, "
                                 f"R(-e,e..)={down}")
            if not (up > sp.Rational(1, 2) > down):
                return Finding(Outcome.UNDECIDED, f"L={L}: not shown to be a saddle", numbers)
        rng = ctx.rng()
        for L in (2, 3, 5):
            for w0 in rng.uniform(0, 1.2, 3):
                ws0 = [np.full((1, 1, 1), w0) for _ in range(L)]
                out = rn.flow(ws0, -np.eye(1), np.array([0.0, 1e4]))
                end = max(abs(float(x[0, 0, 0])) for x in out["ws_end"])
                numbers[f"flow L={L}, w0={w0:.3f}: max |w(10^4)|"] = f"{end:.2e}"
                if end > 0.2:
                    return Finding(Outcome.UNDECIDED, "a flow on M did not approach O", numbers)
        return Finding(Outcome.SUPPORTS, "M is invariant and its flow converges to the saddle "
                       "O (L = 2..8 exactly; flows sampled)", numbers,
                       coverage=Coverage(Scope.INSTANCES, {"L": set_text(range(2, 9))}))

    return Check("manifold_flow", Tier.SYMBOLIC, run, "exact for L = 2..8; LSODA samples")
