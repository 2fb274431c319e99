"""Check factories for Remark 1 of Nar & Sastry (2018), Section 2: "It might be the case, for
example, that the algorithm converges to an oscillation around a local optimum which violates
(3) even though there are some other local optima which satisfy (3)."

An existence statement.  It is supported only by a verified witness: a period-2 orbit of GD,
found by :func:`numerics.oscillation.two_cycles` and re-done at ``ctx.dps`` digits by
:func:`numerics.oscillation.verify_cycle` (closure, attraction, the optimum it surrounds
violating (3), the balanced optimum satisfying (3) at the same delta, float64 GD from a
neighbourhood settling on it).  A failed search leaves it undecided, never refuted; what is
excluded is proved exactly by :func:`near_optimum_exclusion` (engines in
:mod:`proofs.oscillation`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from numerics import factorisations as fz
from numerics import oscillation as no
from proofs import oscillation as po
from proofs.identities import prove_zero
from verify.checks.common import dec, decs, sampled
from verify.vocabulary import Check, CheckContext, Figure, Finding, Outcome, RefLine, Series, Tier

Case = tuple[tuple[int, ...], tuple[tuple[float, ...], ...]]  # (widths, target rows)


def near_optimum_exclusion(depths: Sequence[int] = (2, 3, 4), matrix_dims=((2, 2, 2),),
                           multiplier=po.imbalance_multiplier) -> Check:
    """What Remark 1's example cannot be, proved exactly (SymPy) for the scalar chain.

    1. For every pair i < j, one GD step multiplies w_i^2 - w_j^2 by
       1 - delta^2 e^2 (P / (w_i w_j))^2 (e = P - lam), for each L in ``depths``.  Along a
       periodic orbit that is not a fixed point and keeps that factor in (-1, 1], i.e.
       delta^2 e^2 (P / (w_i w_j))^2 < 2, the product of the factors is < 1, so the pair is
       balanced: the orbit lies on a balanced ray and oscillates about the balanced optimum,
       whose bound (3) is the bound (4).
    2. On that ray the flip at delta = (4) has cubic coefficient B < 0 (supercritical): the
       2-cycles near the balanced optimum exist for delta > (4) only, where no optimum
       satisfies (3) (Corollary 1).
    3. For L = 2 (:func:`proofs.oscillation.l2_two_cycles`), at any amplitude: every 2-cycle
       lies on x = +-y and is the jump c <-> -c across the saddle at 0 or a pair about the
       balanced optimum that exists iff delta >= (4).
    4. For matrix widths ``matrix_dims`` the imbalance W_{i+1}^T W_{i+1} - W_i W_i^T changes by
       delta^2 (G_{i+1}^T G_{i+1} - G_i G_i^T) per step (what a periodic orbit must balance).

    Never supports or refutes Remark 1 (the scalar chain is one family); an attempt whose
    ``undecided`` records the exclusion, or says which step SymPy could not prove.
    ``multiplier`` replaces the factor of item 1 (for tests: a wrong factor is not proved).
    """

    def run(ctx: CheckContext) -> Finding:
        numbers, failed = {}, []
        Ls = depths[:2] if ctx.quick else depths
        for L in Ls:
            law = all(prove_zero(r) is True
                      for r in po.scalar_imbalance_residual(L, multiplier))
            flip = po.balanced_flip(L)
            law_key = f"L={L}: imbalance law w_i'^2 - w_j'^2 = (w_i^2 - w_j^2)(1 - d^2 e^2 c_ij^2)"
            numbers[law_key] = "proved" if law else "not proved"
            kind = "supercritical" if flip["side"] > 0 else "subcritical"
            numbers[f"L={L}: flip at (4) = {flip['delta0']} (lam = 1): A, B"] = (
                f"{flip['A']}, {flip['B']} ({kind})")
            if not law:
                failed.append(f"imbalance law, L={L}")
            if flip["side"] <= 0:
                failed.append(f"supercritical flip, L={L}")
        l2 = _l2_classified()
        numbers["L=2, any amplitude: every 2-cycle is c <-> -c on x = +-y (midpoint the saddle "
                "0) or a pair about the balanced optimum, real iff delta >= (4)"] = (
            "proved" if l2 else "not proved")
        if not l2:
            failed.append("L = 2 classification of 2-cycles")
        for dims in (matrix_dims[:1] if ctx.quick else matrix_dims):
            ok = all(prove_zero(e) is True
                     for M in po.matrix_imbalance_residual(dims) for e in M)
            numbers[f"widths {dims}: D_i' = D_i + d^2 (G_(i+1)^T G_(i+1) - G_i G_i^T)"] = (
                "proved" if ok else "not proved")
            if not ok:
                failed.append(f"matrix imbalance law, widths {dims}")
        if failed:
            return Finding(Outcome.UNDECIDED, (
                "exclusion not established: SymPy did not prove " + "; ".join(failed)), numbers)
        return Finding(Outcome.UNDECIDED, (
            f"excluded for the scalar chain (L in {tuple(Ls)}), exactly: a periodic orbit along "
            "which delta^2 e^2 (P/(w_i w_j))^2 < 2 is balanced (|w_i| all equal), so it "
            "oscillates about the balanced optimum, whose (3) is (4) >= delta whenever some "
            "optimum satisfies (3): not Remark 1's example; the flip there is supercritical "
            "(small stable cycles only for delta > (4), where no optimum "
            "satisfies (3)); for L = 2 every 2-cycle at any amplitude is either the jump "
            "c <-> -c across the saddle at 0 or a pair about the balanced optimum, which exists "
            "iff delta >= (4).  Remark 1's example, if any, is a matrix network or an orbit "
            "far from the optimum set"), numbers)

    return Check("near_optimum_exclusion", Tier.SYMBOLIC, run,
                 f"SymPy: imbalance laws of GD for scalar chains L in {tuple(depths)} and widths "
                 f"{tuple(matrix_dims)}; flip normal form on the balanced ray", attempt=True)


def _l2_classified() -> bool:
    """The L = 2 classification of :func:`proofs.oscillation.l2_two_cycles`, checked exactly."""
    r = po.l2_two_cycles()
    d, p = po.DELTA, r["p"]
    zero = all(prove_zero(e) is True for e in r["uv_residuals"] + r["pq_form_residuals"])
    only_fixed = all(v == 0 for sol in r["uv_solutions"] for v in sol.values())
    pairs = {sgn: [sol["disc"] for sol in sols if sol[p] != 0] for sgn, sols in r["rays"].items()}
    balanced = len(pairs[1]) == 2 and all(prove_zero(x - (d - 1) / d) for x in pairs[1])
    anti = len(pairs[-1]) == 2 and all(prove_zero(x + (d + 1) / d) for x in pairs[-1])
    return bool(zero and only_fixed and r["uv_solutions"] and balanced and anti)


def _judge(v: dict, require_other: bool) -> tuple[bool, bool]:
    """(an attracting 2-cycle around an optimum violating (3) that GD settles on, and a witness
    of Remark 1: that, with another optimum satisfying (3) unless ``require_other`` is False)
    from the flags of :func:`numerics.oscillation.verify_cycle`."""
    cycle = bool(v["is_cycle"] and v["attracts"] and v["centre_violates"] and v["gd_converges"])
    return cycle, cycle and (bool(v["other_satisfies"]) or not require_other)


DEFAULT_CASES: tuple[Case, ...] = (
    ((1, 1, 1), ((1.0,),)),
    ((1, 1, 1, 1), ((1.0,),)),
    ((2, 2, 2), ((1.0, 0.0), (0.0, 0.4))),
    ((2, 2, 2), ((0.3, -1.1), (0.7, 0.5))),
    ((2, 3, 2), ((1.0, 0.0), (0.0, 0.4))),
    ((2, 1, 2), ((1.0, 0.0), (0.0, 0.4))),
    ((1, 2, 1), ((1.0,),)),
    ((2, 2, 2, 2), ((1.0, 0.0), (0.0, 0.4))),
)


def two_cycle_witness(cases: Sequence[Case] = DEFAULT_CASES,
                      fracs: Sequence[float] = (0.6, 0.9, 0.99), control: float = 1.05,
                      require_other: bool = True) -> Check:
    """Remark 1 by a witness: period-2 orbits of GD for each case (widths, target) at
    delta = frac * (4) (frac < 1: the balanced optimum satisfies (3)), by batched Newton on
    g(g(w)) = w from random starts; every orbit that attracts in float64 is re-done at
    ``ctx.dps`` digits (:func:`numerics.oscillation.verify_cycle`) and supports Remark 1 when
    all its conditions hold.  ``control`` (> 1) re-runs the first case above (4), where stable
    2-cycles exist: the search must find one and the verification must confirm it as a cycle
    that attracts, and reject it only because no optimum satisfies (3).

    ``require_other=False`` drops the condition "another optimum satisfies (3)" (a weaker
    statement, true above (4); for tests).  Otherwise undecided with the spectral radii seen.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        starts = 48 if ctx.quick else 300
        use = cases[:3] if ctx.quick else cases
        numbers, verified = {}, 0
        runs = [(dims, rows, frac) for dims, rows in use for frac in fracs]
        runs.append((use[0][0], use[0][1], control))
        for dims, rows, frac in runs:
            R = np.array(rows, dtype=float)
            L = len(dims) - 1
            delta = frac * 2 / fz.cor1_denominator(float(np.linalg.norm(R, 2)), L)
            cycles = no.two_cycles(dims, R, delta, rng, starts)
            radii = sorted(r for _, r in cycles)
            key = f"widths {dims}, R = {rows}, delta = {frac:g} x (4)"
            numbers[key] = (f"{len(cycles)} period-2 orbits, smallest spectral radius "
                            + (f"{radii[0]:.4g}" if radii else "-"))
            for w, r in sorted(cycles, key=lambda c: c[1])[:3]:
                if r >= 1:
                    break
                v = no.verify_cycle(w, dims, R, delta, dps=ctx.dps, seed=ctx.seed)
                verified += 1
                numbers[key] += (
                    f"; at {ctx.dps} digits: closure {dec(v['closure'], 3)}, amplitude "
                    f"{dec(v['amplitude'], 6)}, radius {dec(v['radius'], 6)} ({v['neutral']} "
                    f"eigenvalues 1), (3) at its centre {dec(v['bound3_centre'], 6)}, (4) "
                    f"{dec(v['bound4'], 6)}, GD settles within {v['gd_distance']:.2g}")
                cycle, ok = _judge(v, require_other)
                if frac >= 1 and not ok:
                    if cycle:
                        numbers["control above (4)"] = (
                            "confirmed: a stable 2-cycle around an optimum violating (3), "
                            "while no optimum satisfies (3)")
                        break
                    continue
                if ok:
                    return Finding(Outcome.SUPPORTS, (
                        f"witness: widths {dims}, R = {rows}, delta = {dec(delta, 10)} = "
                        f"{frac:g} x (4): GD converges to a period-2 orbit of amplitude "
                        f"{dec(v['amplitude'], 6)} (closure {dec(v['closure'], 3)} at {ctx.dps} "
                        f"digits, spectral radius {dec(v['radius'], 6)}) around an optimum "
                        f"whose (3) is {dec(v['bound3_centre'], 6)} < delta, while the "
                        f"balanced optimum's (3) = (4) = {dec(v['bound4'], 6)}"
                        + (" >= delta" if v["other_satisfies"] else
                           " < delta (that condition was dropped)")), numbers,
                        coverage=sampled(1, widths=str(dims)))
        numbers.setdefault("control above (4)",
                           "no stable 2-cycle confirmed: the search is weak")
        return Finding(Outcome.UNDECIDED, (
            f"no witness: every period-2 orbit found below (4) repels or failed verification "
            f"({verified} re-done at {ctx.dps} digits); control above (4): "
            f"{numbers['control above (4)']}"), numbers)

    return Check("two_cycle_witness", Tier.PRECISE, run,
                 f"batched Newton for period-2 orbits, {len(cases)} (widths, target) cases, "
                 f"delta = frac x (4), frac in {tuple(fracs)}; candidates re-done with mpmath")


LANDSCAPE_CASES: tuple[tuple[tuple[tuple[float, ...], ...], int], ...] = (
    (((1.0, 0.0), (0.0, 0.4)), 2),
    (((1.0, 0.0), (0.0, 0.4)), 3),
    (((0.3, -1.1), (0.7, 0.5)), 3),
)


def sharpness_landscape(cases=LANDSCAPE_CASES, runs: int = 5, require_other: bool = True,
                        spurious=None, excess: float = 1e-3) -> Check:
    """Remark 1 by the self-stabilisation route: a small oscillation about an optimum drifts
    along the optimum set towards lower top Hessian eigenvalue s (exactly so for the scalar
    chain, where the imbalance law makes |w_i| equalise; for L = 2 the matrix law of
    :func:`near_optimum_exclusion` balances only at top-balanced optima, where s = 2 rho), so
    an attracting small 2-cycle below (4) needs a local minimum of s over the optimum set above
    the global one, L rho^{2(L-1)/L}.

    For each (target, depth) with square 2 x 2 layers, ``runs`` derivative-free local
    minimisations of s over the optimum set (parametrised by W_1..W_{L-1}) from random starts;
    a run that ends above the global value is searched again longer (lambda_max has kinks where
    Nelder-Mead stalls), and one that stays above is a spurious minimum: Newton is then started
    next to it, at delta = (2 / s) (1 + excess) <= (4), from W +- a v (v its top eigenvector), and
    every attracting 2-cycle is re-done by :func:`numerics.oscillation.verify_cycle`; a
    verified witness supports Remark 1.  ``spurious`` (a list of (rows, L, free parameters))
    adds given optima to that follow-up (for tests).  Otherwise undecided.
    """

    def follow_up(R, L, x, ctx, numbers, key):
        W = no.optimum_from_free(np.asarray(x, dtype=float), R, L)
        s_loc = no.sharpness(W)
        rho = float(np.linalg.norm(R, 2))
        delta = 2 / s_loc * (1 + excess)
        if require_other and delta > 2 / fz.cor1_denominator(rho, L):
            numbers[key] += "; too close to the global value to leave room below (4)"
            return None
        dims = (R.shape[1],) + (R.shape[0],) * L
        cycles = no.two_cycles(dims, R, delta, ctx.rng(), 0, x0=no.seeds_near(W, R))
        for w, r in sorted(cycles, key=lambda c: c[1])[:2]:
            if r >= 1:
                break
            v = no.verify_cycle(w, dims, R, delta, dps=ctx.dps, seed=ctx.seed)
            numbers[key] += (f"; 2-cycle at delta = {dec(delta, 8)}: radius {dec(v['radius'], 6)}"
                             f", witness {v['witness']}")
            if _judge(v, require_other)[1]:
                return Finding(Outcome.SUPPORTS, (
                    f"witness next to the optimum with lambda_max(H) = {s_loc:.6g} "
                    f"(L = {L}, R = {R.tolist()}): a 2-cycle at delta = {dec(delta, 10)} of "
                    f"amplitude {dec(v['amplitude'], 6)}, spectral radius {dec(v['radius'], 6)}"
                    f" at {ctx.dps} digits, around an optimum with (3) = "
                    f"{dec(v['bound3_centre'], 6)} < delta; (4) = {dec(v['bound4'], 6)}"),
                    numbers, coverage=sampled(1, L=f"= {L}"))
        numbers[key] += f"; {len(cycles)} 2-cycles next to it, none a verified witness"
        return None

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        numbers, spurious_found = {}, 0
        use = cases[:1] if ctx.quick else cases
        n_runs = 2 if ctx.quick else runs
        for rows, L in use:
            R = np.array(rows, dtype=float)
            floor = fz.cor1_denominator(float(np.linalg.norm(R, 2)), L)
            ratios = []
            for _ in range(n_runs):
                f, x = no.local_min_sharpness(R, L, rng.standard_normal(4 * (L - 1)), rng,
                                              tries=150 if ctx.quick else 300)
                if f / floor > 1 + 1e-6:  # a stall at a kink, or a spurious minimum
                    f, x = no.local_min_sharpness(
                        R, L, x, rng, tries=2000,
                        scales=(3e-1, 1e-1, 3e-2, 1e-2, 3e-3, 1e-3, 1e-4, 1e-5, 1e-6))
                ratios.append(f / floor)
                if f / floor > 1 + 1e-6:
                    spurious_found += 1
                    key = f"spurious minimum, L={L}, R={rows}"
                    numbers[key] = f"s / (L rho^(2(L-1)/L)) = {f / floor:.8g}"
                    found = follow_up(R, L, x, ctx, numbers, key)
                    if found:
                        return found
            numbers[f"L={L}, R={rows}: local minima of lambda_max / (L rho^(2(L-1)/L))"] = (
                ", ".join(f"1{r - 1:+.1e}" for r in ratios))
        for rows, L, x in spurious or ():
            key = f"given optimum, L={L}, R={rows}"
            numbers[key] = ""
            found = follow_up(np.array(rows, dtype=float), L, x, ctx, numbers, key)
            if found:
                return found
        figures = (_drift_figure(ctx, numbers),) if use else ()
        if spurious_found:
            detail = f"{spurious_found} apparent spurious minima followed up, no witness"
        elif use:
            detail = ("every local minimisation of lambda_max(H) over the optimum set ended at "
                      "the global value L rho^(2(L-1)/L) (balanced), so no small attracting "
                      "oscillation below (4) by the drift mechanism")
        else:
            detail = "no witness next to the given optima"
        return Finding(Outcome.UNDECIDED, detail, numbers, None, figures)

    return Check("sharpness_landscape", Tier.EMPIRICAL, run,
                 f"local minima of lambda_max(H) over the optimum set, 2 x 2 layers, "
                 f"{len(cases)} (target, depth) cases, {runs} runs each; 2-cycles next to any "
                 "spurious one")


def _drift_figure(ctx: CheckContext, numbers: dict) -> Figure:
    """The drift itself: GD at delta = 0.95 x (4) from next to an optimum violating (3)
    (R = diag(1, 0.4), L = 2, W_1 = diag(sqrt(1.6), sqrt(0.4))), with the bound (3) evaluated
    at every iterate."""
    R = np.diag([1.0, 0.4])
    a = np.sqrt(1.6)
    W0 = [np.diag([a, np.sqrt(0.4)]), np.diag([1 / a, np.sqrt(0.4)])]
    delta = 0.95 * 2 / fz.cor1_denominator(1.0, 2)
    run = no.drift_run(W0, R, delta, 150 if ctx.quick else 400, 1e-3, ctx.rng(), every=1)
    numbers["drift run (R = diag(1, 0.4), L = 2, delta = 0.95 x (4))"] = (
        f"(3) at the start {run['bound3'][0]:.4g} < delta = {delta:.4g}; after "
        f"{run['iteration'][-1]} steps (3) = {run['bound3'][-1]:.4g}, loss "
        f"{run['loss'][-1]:.2g}")
    return Figure(
        id="remark1-drift", title="Remark 1: GD next to an optimum violating (3)",
        caption=("GD at delta = 0.95 x (4) from 1e-3 next to the optimum W_1 = diag(sqrt(1.6), "
                 "sqrt(0.4)), W_2 = R W_1^-1 of R = diag(1, 0.4), whose bound (3) is below "
                 "delta: the iterates oscillate across the optimum set and drift along it until "
                 "the bound (3) at the iterate exceeds delta, then converge (no oscillation "
                 "persists)."),
        xlabel="iteration", ylabel="bound (3) at the iterate",
        series=(Series("2 / sum p^2 q^2", decs(run["iteration"]), decs(run["bound3"])),),
        lines=(RefLine("delta", "y", dec(delta, 6)),))
