"""Check factories for Nar & Sastry (2018), *Residual Networks*: the first step of the double
network (9a), (9b) and the Section 3.2 sentence on negative eigenvalues ((9a),
(9b) themselves and the origin's sentence are data, ``verify/papers/nar2018resnet.toml``)."""

from __future__ import annotations

import mpmath
import sympy as sp

from proofs import resnet as pr
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample, _set
from verify.checks.resnet.matrix import _gd2x2_mp
from verify.replay import ReplayError
from verify.vocabulary import Check, CheckContext, Finding, Tier

# === the double network (9a), (9b) ================================================================


def double_first_step(depths: tuple[int, ...], lams: tuple[str, ...], t_max: str) -> Check:
    """Symbolic (exact): one step of (9a), (9b) from w = z = 1 with lam < 0: w[1] = 1 + t lam
    < 1, z[1] = 1 - t lam > 1 for every t = delta sigma > 0, and e[1] is an exact polynomial in
    t; |e[1]| < |e[0]| = |lam| holds exactly for 0 < t < t*, t* the first positive root of
    e[1]^2 = lam^2 (computed exactly).

    Tests the amended claim "for delta sigma <= t_max": supports when t_max <= t* for every
    case (exact on the listed (L, lam) over the whole step range (0, t_max]), refutes
    otherwise.  (The printed sentence, with no step-size condition, is the data claim
    nar2018resnet.eq9_direction.)
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        grid = [(int(ctx.at["L"]), [ctx.at["lam"]])] if ctx.at else [(L, lams) for L in depths]
        for L, lam_list in grid:  # smallest depth and |lam| first: the first failure is minimal
            if L < 1 or sp.Rational(lam_list[0]) >= 0:
                raise ReplayError("--at: the sentence is about L >= 1 and lam < 0")
            e1, t, lam = pr.double_first_error(L)
            for lam_s in lam_list:
                lv = sp.Rational(lam_s)
                poly = sp.Poly(sp.expand(e1.subs(lam, lv) ** 2 - lv ** 2), t)
                roots = sorted(r for r in poly.real_roots() if r > 0)
                tstar = roots[0]
                numbers[f"L={L}, lam={lam_s}"] = f"t* = {sp.N(tstar, 12)}"
                probe = sp.Rational(t_max)
                if ctx.at:
                    probe = sp.Rational(ctx.at["t"])
                e_at = e1.subs({lam: lv, t: probe})
                if probe <= tstar and sp.Abs(e_at) < sp.Abs(lv):
                    continue
                e_at = sp.nsimplify(e_at) if e_at.is_Rational else e_at
                if sp.Abs(e_at) >= sp.Abs(lv):
                    return Finding(REF, f"L={L}, lam={lam_s}, delta sigma = {sp.N(probe, 8)}: "
                                   f"|e[1]| = {sp.N(sp.Abs(e_at), 12)} >= |e[0]| = {abs(lv)}",
                                   numbers, _cx({"L": L, "lam": lv, "delta*sigma": probe},
                                                f"e[1] = {sp.N(e_at, 20)}",
                                                f"|e[1]| < {abs(lv)}",
                                                sp.N(sp.Abs(e_at) - abs(lv), 20), ctx.dps,
                                                "exact polynomial e[1](t) (SymPy); t = delta "
                                                "sigma",
                                                replay={"L": str(L), "lam": str(lv),
                                                        "t": str(probe)}))
        return Finding(SUP, "w decreases, z increases, and |e[1]| < |e[0]| on the tested "
                       "step range", numbers,
                       coverage=(_sample(1, L=str(grid[0][0]), lam=grid[0][1][0],
                                         **{"delta sigma": str(probe)}) if ctx.at else
                                 _instances(L=_set(depths), lam=_set(lams),
                                            **{"delta sigma": f"(0, {t_max}]"})))

    return Check("double_first_step", Tier.SYMBOLIC, run, f"exact, depths {depths}, lam {lams}")


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
