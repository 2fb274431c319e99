"""Check factories for Nar & Sastry (2018), *Residual Networks*: Proposition 1 (with sigma), the
paragraph after it, Proposition 2 and the lambda < 0 remark."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import mpmath
import numpy as np
import sympy as sp
from mpmath import libmp

from proofs import identity_init as pii
from proofs import resnet as pr
from proofs.identities import prove_zero
from verify.checks.resnet._shared import REF, SUP, UND, _cx, _instances, _sample, _set
from verify.vocabulary import (
    Check,
    CheckContext,
    Finding,
    Tier,
)

# === Proposition 1 and the paragraph after it =================================================


def sigma_chain_symbolic(depths: tuple[int, ...],
                         bound: Callable = lambda ws, lam, s: 2 / (s * pr.leave_one_out_sum(ws)),
                         decides: bool = True) -> Check:
    """Symbolic: for each depth, the Hessian of (sigma/2)(prod w - lam)^2 on the minimiser set is
    sigma g g^T, so lambda_max = sigma sum_i prod_{j!=i} w_j^2 and the exact linear-stability
    threshold is 2/lambda_max; the claimed bound (a function of ws, lam, sigma) is compared.

    Proves "GD converges to w* only if delta <= bound" when bound >= 2/lambda_max identically
    (reports tightness); refutes at an exact minimiser when bound < 2/lambda_max there.
    ``decides=False`` where that is only a part of the claim (the instability above a bound).
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        for L in depths:
            H, g, ws, lam, s = pr.chain_sigma_hessian(L)
            if not prove_zero(sp.expand(H - s * g * g.T).norm() ** 2):
                return Finding(UND, f"L={L}: could not show H = sigma g g^T", numbers)
            thr = 2 / (s * sp.expand((g.T * g)[0]))
            ratio = sp.simplify(bound(ws, sp.Mul(*ws), s) / thr)
            numbers[f"L={L}: bound / (2/lambda_max)"] = str(ratio)
            if ratio.free_symbols:
                return Finding(UND, f"L={L}: ratio {ratio} not constant", numbers)
            if ratio < 1:
                pt = {w: sp.Integer(i + 1) for i, w in enumerate(ws)}
                return Finding(REF, f"L={L}: the bound is {ratio} x the exact threshold",
                               numbers, _cx({**{w.name: v for w, v in pt.items()}, "sigma": 1},
                                            f"2/lambda_max = {thr.subs(pt).subs(s, 1)}",
                                            "bound "
                                            f"{bound(ws, sp.Mul(*ws), s).subs(pt).subs(s, 1)}",
                                            sp.N((ratio - 1), 20), ctx.dps,
                                            "exact minimiser linearly stable above the bound"))
        return Finding(SUP, f"L in {depths}: H = sigma g g^T on prod w = lam; bound (1) equals "
                       "2/lambda_max exactly (necessary and tight for linear stability)", numbers,
                       coverage=_instances(decides, L=_set(depths), lam="!= 0", sigma="> 0"))

    return Check("sigma_chain_symbolic", Tier.SYMBOLIC, run, f"exact, depths {depths}, all sigma")


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


def _chain_step_mp(ws, lam, d, s):
    """``[w_i - d s (fprod(w) - lam) fprod(w_j, j != i)]`` at the working precision."""
    prec, rnd = mpmath.mp._prec_rounding
    out = _chain_step_raw([w._mpf_ for w in ws], lam._mpf_, (d * s)._mpf_, prec, rnd)
    return [mpmath.mp.make_mpf(v) for v in out]


def _chain_gd_batch(v: np.ndarray, c: np.ndarray, lam: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` GD steps of the scalar chain, v_i <- v_i - c (prod v - lam) prod_(j != i) v_j,
    for many runs at once: ``v`` holds one run per column (shape (L, runs)), ``c`` = delta sigma
    and ``lam`` one per run.  Every product is formed in the layer order, the factors of the
    update multiplied left to right, as in the one-run loop over ``np.prod(np.delete(v, i))``:
    the same float operations, run by run."""
    L = v.shape[0]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            p = np.prod(v, axis=0)
            others = np.empty_like(v)
            for i in range(L):
                rest = [v[j] for j in range(L) if j != i]
                o = rest[0] if rest else np.ones_like(p)
                for u in rest[1:]:
                    o = o * u
                others[i] = o
            v = v - c * (p - lam) * others
    return v


def sigma_chain_empirical(depths: tuple[int, ...], factor: float = 1.0) -> Check:
    """Empirical with precise replay: data x_i (sigma != 1), GD started 1e-7 from balanced and
    unbalanced minimisers at delta = (1 +- 1%) x factor x bound (1).

    Refutes when a run above the claimed bound stays at the minimiser for 2000 steps and an
    mpmath replay agrees; reports whether runs below it stay (tightness).  Cannot prove.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        x = rng.uniform(0.5, 2.0, 7)
        s = float(np.mean(x * x))
        steps = 800 if ctx.quick else 2000
        numbers = {"sigma": f"{s:.6g}"}
        for L in depths:
            runs = []  # (lam, kappa, minimiser, bound, r, step, start), in the order drawn
            for lam in (-1.5, 0.7, 2.0):
                root = abs(lam) ** (1 / L)
                for kappa in (1.0, 2.0):
                    w = np.full(L, root)
                    w[0] *= np.sign(lam) * kappa
                    w[-1] /= kappa
                    S = sum(np.prod(np.delete(w, i) ** 2) for i in range(L))
                    b = factor * 2 / (s * S)
                    for r in (0.99, 1.01):
                        runs.append((lam, kappa, w, b, r, r * b,
                                     w + 1e-7 * rng.standard_normal(L)))
            ends = _chain_gd_batch(np.array([u[6] for u in runs]).T,
                                   np.array([u[5] * s for u in runs]),
                                   np.array([u[0] for u in runs]), steps).T
            stays = []
            for (lam, kappa, w, b, r, d, v0), v in zip(runs, ends):
                st = bool(np.all(np.isfinite(v)) and np.linalg.norm(v - w) < 1e-5)
                stays.append(st)
                if r > 1 and st:
                    with mpmath.workdps(ctx.dps):
                        vm = [mpmath.mpf(t) for t in v0]
                        for _ in range(steps):
                            vm = _chain_step_mp(vm, mpmath.mpf(lam), mpmath.mpf(d),
                                                mpmath.mpf(s))
                        dist = mpmath.sqrt(mpmath.fsum((a - c) ** 2 for a, c in zip(vm, w)))
                    if dist < 1e-5:
                        return Finding(REF, f"L={L}, lam={lam}: GD above the bound "
                                       "stays at the minimiser", numbers,
                                       _cx({"L": L, "lam": lam, "sigma": s,
                                            "delta": repr(d)}, f"distance {dist}",
                                           "leaves the minimiser", repr(d - b), ctx.dps,
                                           "mpmath replay"))
                if r > 1:
                    numbers[f"L={L}, lam={lam}, kappa={kappa}"] = (
                        f"bound {b:.5g}: stays at 0.99 x: {stays[-2]}, at 1.01 x: {stays[-1]}")
        return Finding(SUP, "no run above the bound stayed at its minimiser; runs 1% below "
                       "stayed (bound tight)", numbers,
                       coverage=_sample(len(depths) * 12, L=_set(depths), lam="{-1.5, 0.7, 2}", delta="(1 +- 1%) x bound (1)"))

    return Check("sigma_chain_empirical", Tier.EMPIRICAL, run,
                 f"numpy float64, depths {depths}, lam in (-1.5, 0.7, 2), kappa in (1, 2)")


def deltamax_symbolic(depths: tuple[int, ...],
                      claimed: Callable = lambda L, lam, s: 2 / (s * L * sp.Abs(lam) ** (
                          sp.Rational(2 * (L - 1), L)))) -> Check:
    """Symbolic: over the minimisers, bound (1) is largest exactly at |w_i| = |lam|^(1/L)
    (AM-GM: prod_i prod_{j!=i} w_j^2 = lam^(2(L-1)) is proved), its value there is compared with
    the claimed delta_max, and at the disproportionate minimisers {kappa a, ..., kappa^(1-L) a}
    the bound is derived in closed form and shown to tend to 0 as kappa -> oo.

    lam^(2(L-1)/L) is read as |lam|^(2(L-1)/L) (a negative lam has no real power otherwise).
    Refutes when the claimed delta_max differs from the bound at the balanced minimiser.
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        lam, s = sp.Symbol("lam", positive=True), sp.Symbol("sigma", positive=True)
        for L in depths:
            if not pr.amgm_product_identity(L):
                return Finding(UND, f"L={L}: product identity not proved", numbers)
            ws = [lam ** sp.Rational(1, L)] * L
            at_bal = 2 / (s * pr.leave_one_out_sum(ws))
            diff = sp.simplify(at_bal - claimed(L, lam, s))
            S, kappa, a, closed = pr.disproportionate_sum(L)
            if not prove_zero(S - closed):
                return Finding(UND, f"L={L}: kappa family sum not proved", numbers)
            lim = sp.limit(2 / closed, kappa, sp.oo)
            numbers[f"L={L}"] = f"bound at balanced - claimed = {diff}; kappa-family sum = " \
                                f"{closed}; bound -> {lim} as kappa -> oo"
            pt = {lam: 2, s: 1}
            if diff != 0 and prove_zero(diff.subs(pt)) is not False:
                return Finding(UND, f"L={L}: could not decide whether the claimed delta_max "
                               "equals the bound at |w_i| = |lam|^(1/L)", numbers)
            if diff != 0:
                return Finding(REF, f"L={L}: the claimed delta_max is not the bound at |w_i| = "
                               "|lam|^(1/L)", numbers,
                               _cx({"L": L, "lam": 2, "sigma": 1}, sp.N(at_bal.subs(pt), 20),
                                   sp.N(claimed(L, lam, s).subs(pt), 20),
                                   sp.N(diff.subs(pt), 20), ctx.dps, "exact"))
            if lim != 0:
                return Finding(UND, f"L={L}: the bound does not vanish for large kappa", numbers)
        # decides=False: the sup of bound (1) over the minimisers only, not what GD does above it
        return Finding(SUP, "delta_max = 2/(sigma L |lam|^(2(L-1)/L)) is the largest bound (1) "
                       "(AM-GM, equality iff all |w_i| equal); the kappa family's bound -> 0",
                       numbers,
                       coverage=_instances(False, L=_set(depths), lam="!= 0", sigma="> 0"))

    return Check("deltamax_symbolic", Tier.SYMBOLIC, run, f"exact, depths {depths}")


def unstable_random_starts(depths: tuple[int, ...], lam: float, factors=(1.05, 1.5),
                           claimed_scale: float = 1.0) -> Check:
    """Empirical with precise replay: 2000 random starts (w_i ~ U[-2, 2]) at delta = f x
    claimed_scale x delta_max; counts runs converging to a minimiser (|prod w - lam| < 1e-9
    and steps < 1e-9).  The amended claim: none for f > 1.  Refutes when one converges and an
    mpmath replay agrees.  Reports the fraction converging at 0.9 delta_max for contrast.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        B = 400 if ctx.quick else 2000
        steps = 1000 if ctx.quick else 3000
        numbers = {}
        fs = (0.9,) + tuple(factors)
        for L in depths:
            dmax = claimed_scale * 2 / (L * abs(lam) ** (2 * (L - 1) / L))
            # The starts of every factor, drawn in the factor order, run as one batch, stored
            # one column per run (a product over the layers is then a product of rows, in the
            # same order as along a row: the same float operations, run by run, as one loop
            # per factor over (B, L) arrays, and a fraction of the time)
            w0s = [rng.uniform(-2, 2, (B, L)) for _ in fs]
            d = np.repeat([f * dmax for f in fs], B)
            w = np.ascontiguousarray(np.concatenate(w0s).T)
            with np.errstate(all="ignore"):
                for k in range(steps):
                    p = np.prod(w, axis=0)
                    w_new = w - d * (p - lam) * p / np.where(w == 0, 1e-300, w)
                    # not finite or beyond 1e6 (NaN and inf fail "<= 1e6"): frozen as NaN
                    w_new[:, ~(np.abs(w_new) <= 1e6).all(axis=0)] = np.nan
                    if k == steps - 1:  # only the last step's size is used
                        step = np.abs(w_new - w).max(axis=0)
                    w = w_new
            conv_all = ((np.abs(np.prod(w, axis=0) - lam) < 1e-9) & (step < 1e-9)).reshape(
                len(fs), B)
            for f, w0, conv in zip(fs, w0s, conv_all):
                d = f * dmax
                numbers[f"L={L}, delta={f}*delta_max"] = f"{conv.mean():.4f} of {B} converge"
                if f > 1 and conv.any():
                    i = int(np.flatnonzero(conv)[0])
                    with mpmath.workdps(ctx.dps):
                        vm = [mpmath.mpf(t) for t in w0[i]]
                        for _ in range(steps):
                            vm = _chain_step_mp(vm, mpmath.mpf(lam), mpmath.mpf(d), 1)
                        res = abs(mpmath.fprod(vm) - lam)
                    if res < 1e-9:
                        return Finding(REF, f"L={L}: a random start converges above delta_max",
                                       numbers, _cx({"L": L, "lam": lam, "delta": repr(d),
                                                     "w0": list(w0[i])}, f"|prod w - lam| = "
                                                    f"{mpmath.nstr(res, 5)}", "no convergence",
                                                    repr(d - dmax), ctx.dps, "mpmath replay"))
        return Finding(SUP, "no random start converged to a minimiser above delta_max", numbers,
                       coverage=_sample(B * len(depths) * (1 + len(factors)), L=_set(depths), lam=str(lam), delta=f"{_set(factors)} x delta_max", **{"w[0]": "U[-2, 2]^L"}))

    return Check("unstable_random_starts", Tier.EMPIRICAL, run,
                 f"numpy float64, depths {depths}, lam = {lam}, U[-2,2]^L starts")


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
