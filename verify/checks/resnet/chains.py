"""Check factories for Nar & Sastry (2018), *Residual Networks*: Proposition 2 and the lambda < 0
remark (Proposition 1 and the paragraph after it are data, ``verify/papers/nar2018resnet.toml``)."""

from __future__ import annotations

import itertools

import mpmath
import sympy as sp
from mpmath import libmp

from proofs import identity_init as pii
from proofs import resnet as pr
from proofs.identities import prove_zero
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample, _set
from verify.vocabulary import Check, CheckContext, Finding, Tier


def _fprod_raw(xs, prec, rnd):
    """``mpmath.fprod`` of raw mpf tuples: 1 times each factor in turn, rounded every time."""
    v = libmp.fone
    for x in xs:
        v = libmp.mpf_mul(v, x, prec, rnd)
    return libmp.mpf_pos(v, prec, rnd)


def _chain_step_raw(ws, lam, ds, prec, rnd):
    """One GD step of the scalar chain on raw tuples, ``w_i - ds (prod w - lam) prod_(j != i)
    w_j`` with ``ds`` = delta sigma: the libmp calls of :func:`_chain_step_mp`'s mpf
    expression, the factor ``ds (prod w - lam)`` (the same for every i) formed once."""
    c = libmp.mpf_mul(ds, libmp.mpf_sub(_fprod_raw(ws, prec, rnd), lam, prec, rnd), prec, rnd)
    return [libmp.mpf_sub(w, libmp.mpf_mul(c, _fprod_raw(ws[:i] + ws[i + 1:], prec, rnd),
                                           prec, rnd), prec, rnd)
            for i, w in enumerate(ws)]


# === Proposition 2 and the lambda < 0 remark ==================================================


def _prop2_numbers(lam, L):
    """(delta_c, rho(delta) as a function) of Proposition 2 at sigma = 1 (mpf)."""
    r = mpmath.root(lam, L)
    if lam >= 1:
        dc = 1 / (L * lam ** (mpmath.mpf(2 * (L - 1)) / L))
    else:
        dc = (1 - r) / (1 - lam)
    if lam > 1:
        rho = lambda d: 1 - d * (lam - 1) / (r - 1)  # noqa: E731
    elif lam < 1:
        rho = lambda d: 1 - d * L * lam ** (mpmath.mpf(2 * (L - 1)) / L)  # noqa: E731
    else:
        rho = lambda d: mpmath.mpf(0)  # noqa: E731  (lambda = 1: nothing to contract)
    return dc, rho


def prop2_symbolic(depths: tuple[int, ...]) -> Check:
    """Symbolic: the proof of Proposition 2 for each depth L.

    Proves (1) w' - r = mu(w)(w - r) (r = lam^(1/L)); (2) mu decreases in w > 0 (a polynomial
    with negative coefficients); (3) at delta = delta_c, mu >= 0 at both ends of [1, r] (resp.
    [r, 1]): for lam >= 1, L r^(2L-2) - sum_{j<L} r^j has nonnegative coefficients in u = r - 1;
    for lam < 1, mu(1) = 0 exactly and sum_j r^j - L r^(2L-2) >= 0 (coefficients in u with r =
    1/(1+u)); (4) rho(delta) = max mu on the segment: mu(1) for lam > 1 and mu(r) for lam < 1
    (exact identities with lam = r^L).  So 0 <= mu <= rho on the orbit and the bound follows.
    Refutes when the recursion identity reduces to a nonzero constant; undecided when a step
    is not proved.
    """

    def run(ctx: CheckContext) -> Finding:
        u = sp.Symbol("u", positive=True)
        w, r, d = pii.w, pii.r, pii.delta
        numbers = {}
        for L in depths:
            ok = pr.mu_identity(L)
            if ok is False:
                return Finding(REF, f"L={L}: w' - r != mu(w)(w - r)", numbers,
                               _cx({"L": L}, "w' - r - mu(w)(w - r) is a nonzero constant",
                                   "0", "nonzero", ctx.dps, "SymPy"))
            if ok is None:
                return Finding(UND, f"L={L}: could not prove w' - r = mu(w)(w - r)", numbers)
            if not pii.mu_decreasing(L):
                return Finding(UND, f"L={L}: mu not shown decreasing in w > 0", numbers)
            mu = pii.mu(L)
            rho_gt = 1 - d * (r ** L - 1) / (r - 1)
            rho_lt = 1 - d * L * r ** (2 * L - 2)
            if not (prove_zero(sp.cancel(mu.subs(w, 1) - rho_gt))
                    and prove_zero(sp.expand(mu.subs(w, r) - rho_lt))):
                return Finding(UND, f"L={L}: rho(delta) is not shown to be max mu", numbers)
            up = sp.Poly(sp.expand(L * (1 + u) ** (2 * L - 2)
                                   - sum((1 + u) ** j for j in range(L))), u)
            lo = sp.Poly(sp.expand(sum((1 + u) ** (2 * L - 2 - j) for j in range(L)) - L), u)
            okc = all(c >= 0 for c in up.all_coeffs()) and all(c >= 0 for c in lo.all_coeffs())
            numbers[f"L={L}"] = f"endpoint polynomials have nonnegative coefficients: {okc}"
            if not okc:
                return Finding(UND, f"L={L}: endpoint inequality not proved", numbers)
        return Finding(SUP, f"L in {depths}: 0 <= mu(w[k]) <= rho(delta) along the orbit for "
                       "every delta <= delta_c and lam > 0 (every sigma, by delta sigma)",
                       numbers,
                       coverage=_instances(L=_set(depths), lam="> 0", sigma="> 0", delta="(0, delta_c]"))

    return Check("prop2_symbolic", Tier.SYMBOLIC, run, f"exact, depths {depths}, every lam > 0")


def prop2_precise(depths: tuple[int, ...], lams: tuple[str, ...], signs: str = "ones",
                  dc_scale: str = "1", sigmas: tuple[str, ...] = ("1", "5/2")) -> Check:
    """Precise (mpmath, ctx.dps digits): the full L-vector GD on (sigma/2)(prod w - lam)^2 from
    |w_i[0]| = 1 at delta = dc_scale x delta_c/sigma and half of it, every k <= K:
    |w_i[k] - s_i |lam|^(1/L)| <= rho(delta sigma)^k |1 - |lam|^(1/L)|, with delta_c, rho those
    of Proposition 2 at |lam|.

    ``signs``: "ones" (all +1, Proposition 2) or "odd" (an odd number of -1 entries, the remark
    for lam < 0; here s_i = w_i[0]).  Refutes at the first violation (replayable with --at).
    Proves nothing beyond the grid.
    """

    def run(ctx: CheckContext) -> Finding:
        K = 60 if ctx.quick else 200
        numbers, worst = {}, None
        grid = [(L, lam, s, f) for L in depths for lam in lams for s in sigmas
                for f in (dc_scale, f"{dc_scale}/2")]
        if ctx.at:
            grid = [(int(ctx.at["L"]), ctx.at["lam"], ctx.at["sigma"], ctx.at["f"])]
        with mpmath.workdps(ctx.dps):
            for L, lam_s, s_s, f_s in grid:
                lam, s = mpmath.mpf(sp.Rational(lam_s)), mpmath.mpf(sp.Rational(s_s))
                f = mpmath.mpf(sp.Rational(f_s))
                dc, rho = _prop2_numbers(abs(lam), L)
                d = f * dc / s
                sg = [1] * L
                if signs == "odd":  # one -1, or three when the depth allows
                    sg = [-1] * (3 if L >= 4 else 1) + [1] * (L - (3 if L >= 4 else 1))
                r = mpmath.root(abs(lam), L)
                c0 = abs(1 - r)
                rk = rho(d * s)
                tol = mpmath.mpf(10) ** (-(ctx.dps // 2))
                # the orbit and the bound on raw tuples, with the libmp calls of the mpf
                # expressions gap = max_i |w_i - s_i r| - rk^k c0, worst = max(worst, gap)
                prec, rnd = mpmath.mp._prec_rounding
                w = [mpmath.mpf(v)._mpf_ for v in sg]
                targets = [(si * r)._mpf_ for si in sg]
                lam_, ds, rk_, c0_ = lam._mpf_, (d * s)._mpf_, rk._mpf_, c0._mpf_
                for k in range(K + 1):
                    dist = None
                    for wi, ti in zip(w, targets):
                        a = libmp.mpf_abs(libmp.mpf_sub(wi, ti, prec, rnd), prec, rnd)
                        dist = a if dist is None or libmp.mpf_gt(a, dist) else dist
                    gap_ = libmp.mpf_sub(dist, libmp.mpf_mul(libmp.mpf_pow_int(rk_, k, prec, rnd),
                                                             c0_, prec, rnd), prec, rnd)
                    gap = mpmath.mp.make_mpf(gap_)
                    worst = gap if worst is None or gap > worst else worst
                    if gap > tol:
                        return Finding(REF, f"L={L}, lam={lam_s}, sigma={s_s}, delta = {f_s} "
                                       f"delta_c: the bound fails at k={k}", numbers,
                                       _cx({"L": L, "lam": lam_s, "sigma": s_s, "f": f_s,
                                            "k": k}, mpmath.nstr(gap + rk ** k * c0, 20),
                                           f"<= rho^k |1 - r| = {mpmath.nstr(rk ** k * c0, 20)}",
                                           mpmath.nstr(gap, 20), ctx.dps,
                                           "mpmath orbit of the full L-vector GD",
                                           replay={"L": str(L), "lam": lam_s, "sigma": s_s,
                                                   "f": f_s}))
                    w = _chain_step_raw(w, lam_, ds, prec, rnd)
                numbers[f"L={L}, lam={lam_s}, sigma={s_s}, f={f_s}"] = \
                    f"delta = {mpmath.nstr(d, 8)}, rho = {mpmath.nstr(rk, 8)}"
        numbers["max (distance - bound) over all k"] = mpmath.nstr(worst, 8)
        return Finding(SUP, f"{len(grid)} cases, k <= {K}: the bound held at every step", numbers,
                       coverage=_sample(len(grid), L=_set(depths), lam=_set(lams), sigma=_set(sigmas), delta=f"{{{dc_scale}, {dc_scale}/2}} x delta_c", k=f"<= {K}"))

    return Check("prop2_precise", Tier.PRECISE, run,
                 f"mpmath, depths {depths}, lam in {lams}, signs {signs}")


def sign_reduction_symbolic(depths: tuple[int, ...], parity: str = "odd") -> Check:
    """Symbolic: with w_i = s_i v, prod s_i = -1 (odd number of -1) and lam = -m < 0, one GD
    step maps to w_i' = s_i v' with v' the Proposition-2 chain for m = |lam|: the remark's
    "identical result" (with lam^(1/L) read as s_i |lam|^(1/L)).  ``parity="even"`` tests the
    even case, where the reduction is false: refutes at an exact point then.
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        for L in depths:
            for signs in itertools.product((1, -1), repeat=L):
                if (signs.count(-1) % 2 == 1) != (parity == "odd"):
                    continue
                ok = pr.sign_reduction(L, signs)
                if ok is None:
                    return Finding(UND, f"L={L}, signs {signs}: reduction not proved", numbers)
                if not ok:
                    return Finding(REF, f"L={L}, signs {signs}: the sign-symmetric orbit is not "
                                   "the |lam| chain", numbers,
                                   _cx({"L": L, "signs": signs, **pr.SIGN_WITNESS},
                                       "sum_i (w_i' - s_i v')^2 != 0 (exact)", "w_i' = s_i v'",
                                       "nonzero residual", ctx.dps,
                                       "SymPy, exact residual at the listed point"))
            numbers[f"L={L}"] = f"all {parity} sign patterns reduce"
        # decides=False: the reduction to the |lam| chain, not the bound of Proposition 2 itself
        return Finding(SUP, "every odd sign pattern reduces exactly to the |lam| chain",
                       numbers,
                       coverage=_instances(False, L=_set(depths), **{"w_i[0]": f"every {parity} sign pattern"}))

    return Check("sign_reduction_symbolic", Tier.SYMBOLIC, run, f"exact, depths {depths}")
