"""Check factories for Remark 1 of Nar & Sastry (2018), Section 2: searches for an attracting
oscillation of GD around an optimum that violates the bound (3) (float64 GD on 2 x 2 layers,
Newton on scalar chains), each verified at high precision before it counts.

The other claims of Section 2 and Appendix A are data (``verify/papers/nar2018step_*.toml``).
The engines are :mod:`numerics.deeplinear`, :mod:`numerics.factorisations` and
:mod:`numerics.oscillation`.
"""

from __future__ import annotations

import mpmath
import numpy as np

from numerics import deeplinear as dl
from numerics import factorisations as fz
from numerics import oscillation as osc
from verify.checks.common import dec, sampled
from verify.vocabulary import Check, CheckContext, Finding, Outcome, Tier


def oscillation_search(depths: tuple[int, ...], fracs: tuple[float, ...]) -> Check:
    """Remark 1: GD "might" converge to an oscillation around an optimum violating (3) while
    other optima satisfy (3).  An existence statement: this search can support it (by a
    witness) or stay undecided, never refute.

    For 2 x 2 targets and each depth, delta = frac * (4) (so the balanced optimum satisfies (3)),
    starts random (scale 1.5) and constructed (unbalanced optima {t W_1, W_2 / t}, t in
    {3, 10}, that violate (3), plus 1e-3 noise); 4000 float64 GD steps, then the tail is
    classified: diverged, converged (gradient < 1e-9), periodic (period 2-8, amplitude
    > 1e-6) or other.  A period-2 tail supports only after :func:`numerics.oscillation.
    verify_cycle` confirms every condition of the Remark at ``ctx.dps`` digits.
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        B = 128 if ctx.quick else 512
        steps = 1500 if ctx.quick else 4000
        counts = {"diverged": 0, "converged": 0, "periodic": 0, "other": 0}
        conv_ok, conv_total = 0, 0
        for L in depths:
            R = np.diag([1.0, 0.5])
            Wb = fz.balanced(R, L)
            starts = []  # drawn in the order of one frac at a time
            for frac in fracs:
                ws = dl.random_weights((2,) * (L + 1), B, rng, scale=1.5)
                for k, t in enumerate((3.0, 10.0)):
                    Wt = fz.rescale(Wb, [t, 1 / t] + [1.0] * (L - 2))
                    for j, w in enumerate(Wt):
                        ws[j][k::8] = w + 1e-3 * rng.standard_normal(ws[j][k::8].shape)
                starts.append(ws)
            # every frac of this depth in one GD batch (independent rows: the same numbers as
            # one batch per frac); most runs diverge early and leave it
            ends = dl.gd_final([np.concatenate(layer) for layer in zip(*starts)], R,
                               np.repeat([frac * 2 / fz.cor1_denominator(1.0, L)
                                          for frac in fracs], B), steps, bound=1e6)
            for i, frac in enumerate(fracs):
                delta = frac * 2 / fz.cor1_denominator(1.0, L)
                end = [w[i * B:(i + 1) * B] for w in ends]
                fin = np.all(np.isfinite(end[0]), axis=(1, 2))
                orbit = [end]
                for _ in range(8):
                    orbit.append(dl.gd(orbit[-1], R, delta, 1, bound=1e6)[0])
                dist = [sum(np.abs(a - b).max(axis=(1, 2)) for a, b in zip(o, end))
                        for o in orbit[1:]]
                grads = dl.gradient(end, R)
                gn = np.sqrt(sum(np.sum(g * g, axis=(1, 2)) for g in grads))
                conv = fin & (gn < 1e-9)
                per = fin & ~conv & (dist[0] > 1e-6) & np.any(
                    [d < 1e-10 for d in dist[1:]], axis=0)
                counts["diverged"] += int((~fin).sum())
                counts["converged"] += int(conv.sum())
                counts["periodic"] += int(per.sum())
                counts["other"] += int((fin & ~conv & ~per).sum())
                for b in np.flatnonzero(conv)[:64]:
                    W = [w[b] for w in end]
                    conv_total += 1
                    conv_ok += int(2 / float(fz.thm1_denominator(W)) >= delta * (1 - 1e-6))
                for b in np.flatnonzero(per)[:4]:
                    p = 1 + int(np.argmax([d[b] < 1e-10 for d in dist[1:]])) + 1
                    W = [w[b] for w in end]
                    amp, closure = _periodic_mp(W, R, delta, p, ctx.dps)
                    if p != 2 or not (amp > 1e-6 and closure < mpmath.mpf(10) ** -20):
                        continue
                    # A periodic tail is only a candidate: Remark 1 also needs it to attract,
                    # to surround an optimum violating (3) while another satisfies (3).
                    dims = (2,) * (L + 1)
                    flat = np.concatenate([w.ravel() for w in W])
                    ver = osc.verify_cycle(flat, dims, R, delta, ctx.dps, seed=ctx.seed)
                    if ver["witness"]:
                        return Finding(Outcome.SUPPORTS, (
                            f"L={L}, delta={delta:.6g}: GD converges to a period-2 orbit of "
                            f"amplitude {dec(amp, 6)} around an optimum violating (3) while "
                            f"the balanced optimum satisfies (3); verified at {ctx.dps} digits "
                            f"(spectral radius {dec(ver['radius'], 6)})"),
                            {k: str(v) for k, v in counts.items()},
                            coverage=sampled(1, L=f"= {L}", delta=f"= {delta:.6g}"))
        numbers = {f"runs {k}": str(v) for k, v in counts.items()}
        numbers["converged runs whose limit satisfies (3)"] = f"{conv_ok} of {conv_total}"
        return Finding(Outcome.UNDECIDED, (
            f"no oscillation found: of {sum(counts.values())} runs (random and next to "
            "unbalanced optima violating (3)), each diverged or converged, and every converged "
            "run ended at an optimum satisfying (3)"), numbers)

    return Check("oscillation_search", Tier.EMPIRICAL, run,
                 f"numpy float64 GD, 2 x 2 targets, depths {depths}, delta = frac * (4), "
                 f"frac in {fracs}")


def _periodic_mp(W: list, R: np.ndarray, delta: float, p: int, dps: int, steps: int = 400):
    """Replay GD from W for ``steps`` steps at ``dps`` digits; return (amplitude, closure) of the
    last p-periodic stretch: the largest entry change over one step and over p steps."""
    with mpmath.workdps(dps):
        cur = [fz.to_mp(w)[None] for w in W]
        Rm = fz.to_mp(R)
        d = mpmath.mpf(delta)
        orbit = []
        for _ in range(steps + p):
            grads = dl.gradient(cur, Rm)
            cur = [w - d * g for w, g in zip(cur, grads)]
            orbit.append(cur)
        def gap(a, b):
            return max(abs(x - y) for u, v in zip(a, b) for x, y in zip(u.ravel(), v.ravel()))
        return gap(orbit[-1], orbit[-2]), gap(orbit[-1], orbit[-1 - p])


def two_cycle_stability(depths: tuple[int, ...], fracs: tuple[float, ...]) -> Check:
    """Remark 1, scalar chains 0.5 (w_1 ... w_L - 1)^2: every period-2 orbit found by Newton
    from random starts, and its stability, at delta = frac * (4) (frac < 1: the balanced optimum
    satisfies (3); frac > 1 is a positive control where stable 2-cycles are known to exist).

    Supports Remark 1 when a stable 2-cycle exists at some frac < 1 and passes every condition
    of :func:`numerics.oscillation.verify_cycle` at ``ctx.dps`` digits; otherwise undecided, reporting the spectral
    radii (an existence claim is never refuted by a search).
    """

    def run(ctx: CheckContext) -> Finding:
        rng = ctx.rng()
        starts = 400 if ctx.quick else 2000
        numbers, control = {}, False
        for L in depths:
            for frac in fracs:
                delta = frac * 2 / L
                cycles = fz.two_cycles(L, 1.0, delta, rng, starts)
                radii = sorted(r for _, r in cycles)
                numbers[f"L={L}, delta={frac:g} x (4)"] = (
                    f"{len(cycles)} 2-cycles, spectral radii "
                    + (", ".join(f"{r:.4g}" for r in sorted(set(np.round(radii, 4))))
                       if radii else "-"))
                if frac >= 1:
                    control = control or any(r < 1 for r in radii)
                    continue
                for w, r in cycles:
                    if r >= 1:
                        continue
                    # Every Remark 1 condition (a genuine attracting 2-cycle, around an optimum
                    # violating (3), GD converging to it) re-verified at ctx.dps digits: a
                    # near-fixed point on the optimum set (radius 1 up to rounding) is not one.
                    ver = osc.verify_cycle(list(w), (1,) * (L + 1), np.array([[1.0]]), delta,
                                           ctx.dps, seed=ctx.seed)
                    if ver["witness"]:
                        return Finding(Outcome.SUPPORTS, (
                            f"L={L}, delta = {frac} x (4): a stable 2-cycle through {w} "
                            f"(spectral radius {dec(ver['radius'], 6)} at {ctx.dps} digits) "
                            "around an optimum violating (3), while the balanced optimum "
                            "satisfies (3)"), numbers,
                            coverage=sampled(1, L=f"= {L}", delta=f"= {frac} x (4)"))
        return Finding(Outcome.UNDECIDED, (
            "no stable 2-cycle below (4): every period-2 orbit found repels ("
            + ("the positive control above (4) finds stable ones)" if control else
               "and the positive control above (4) found none either: the search is weak)")),
            numbers)

    return Check("two_cycle_stability", Tier.EMPIRICAL, run,
                 f"batched Newton on G(G(w)) = w, scalar chains L in {depths}, lam = 1")
