"""Check factories for Nar & Sastry (2018), *Residual Networks*: the Section 3.2 sentence on
negative eigenvalues ((9a), (9b), their first step and the origin's sentence are data,
``verify/papers/nar2018resnet.toml``)."""

from __future__ import annotations

import mpmath
import sympy as sp

from verify.checks.resnet._shared import REF, SUP, UND, _cx, _sample, _set
from verify.checks.resnet.matrix import _gd2x2_mp
from verify.vocabulary import Check, CheckContext, Finding, Tier

# === Section 3.2: negative eigenvalues ======================================================


def _escape_step(losses, record):
    """First recorded step where the loss is below 1e-10 (None: never)."""
    return next((record * k for k, v in enumerate(losses) if v < 1e-10), None)


def negative_eigen_matrix(cases: tuple[tuple, ...], L: int, delta: str,
                          which: str = "negative") -> Check:
    """Precise (mpmath at two precisions): GD from W_i = I on exact 2 x 2 targets R with one
    negative eigenvalue; the sentence of Section 3.2 says the estimate of the negative
    eigenvalue (``which="positive"``: the positive one, a deliberately false variant) goes to 0.

    At d1 and d2 = 2 d1 digits (12/24 with --quick, 25/50 otherwise) the orbit is run for K
    steps; e = the product's eigenvalue for that direction.  Supports when at d2 digits |e| <
    1e-3 and GD has stopped there, or when GD leaves that point only after a number of steps
    that grows with the digits (the point is a saddle; rounding errors of size 10^-digits are
    what push GD off it, so exact GD converges to it).  Refutes when at both precisions the
    loss reaches 1e-10 at nearly the same step (within 20%) with |e| > 1e-3: a fit that does
    not depend on rounding.
    """

    def run(ctx: CheckContext) -> Finding:
        d1, K = (12, 1000) if ctx.quick else (25, 2500)
        rec = 50
        numbers = {}
        for R in cases:
            Rs = sp.Matrix(R).applyfunc(sp.Rational)
            lam = sorted(Rs.eigenvals(), key=lambda v: float(v))
            target = lam[0] if which == "negative" else lam[-1]
            esc, est = {}, {}
            for dps in (d1, 2 * d1):
                _, F, moved, losses = _gd2x2_mp(Rs, L, delta, K, dps, record=rec)
                with mpmath.workdps(dps):
                    ev = [mpmath.re(v) for v in mpmath.eig(F)[0]]
                    e = min(ev, key=lambda v: abs(v - mpmath.mpf(sp.N(target, dps))))
                    # the estimate of the chosen eigen-direction: the eigenvalue of the product
                    # nearest to it, or (at the saddle) the one near 0
                    if which == "negative":
                        e = min(ev)
                esc[dps], est[dps] = _escape_step(losses, rec), e
                numbers[f"R={R}, {dps} digits"] = (f"estimate {mpmath.nstr(e, 8)}, loss < 1e-10 "
                                                   f"from step {esc[dps]}, last step "
                                                   f"{mpmath.nstr(moved, 3)}")
            s1, s2 = esc[d1], esc[2 * d1]
            if abs(est[2 * d1]) < 1e-3:
                continue  # settled at the point the sentence predicts, at the higher precision
            if s1 is not None and s2 is not None and s2 <= 1.2 * s1:
                return Finding(REF, f"R={R}: the {which} eigenvalue is fitted at the same step "
                               "at both precisions (not a rounding effect)", numbers,
                               _cx({"R": Rs.tolist(), "L": L, "delta": delta},
                                   f"estimate {mpmath.nstr(est[2 * d1], 15)}", "-> 0",
                                   mpmath.nstr(est[2 * d1], 15), 2 * d1,
                                   "mpmath orbits at two precisions"))
            if not (s1 is not None and s2 is not None and s2 > 1.2 * s1) and s2 is not None:
                return Finding(UND, f"R={R}: inconclusive escape pattern", numbers)
        return Finding(SUP, "the estimate goes to 0 in exact GD (at the higher precision GD "
                       "settles there or leaves later: the limit is a saddle and only rounding "
                       "errors push GD off it, after a number of steps growing with the digits)",
                       numbers,
                       coverage=_sample(len(cases), R=_set(cases), L=str(L), delta=delta))

    return Check(f"negative_eigen_matrix_{which}", Tier.PRECISE, run,
                 f"mpmath at two precisions, {len(cases)} targets, L = {L}")
