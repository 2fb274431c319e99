"""Check factories for deep linear networks with matrix weights: Hessians at factorisations.

Used by Section 2 of Nar & Sastry (2018) (the text after Theorem 1, the amended strong
convexity sentence, Remark 1); Theorem 1, Corollaries 1 and 2, Remark 2 and eq. (7) are data
(``verify/papers/nar2018step_landing.toml``, ``nar2018step_minima.toml``).  The engines are
:mod:`numerics.factorisations` (float64 and mpmath) and :mod:`proofs.chains` (SymPy).  The
lemmas of Appendix A have their own factories in :mod:`verify.checks.psd`.

Samples of minimisers ("factorisations") are drawn per check from ``ctx.seed``: random
(random invertible cores), balanced, rescaled ({alpha_i W_i}, prod alpha_i = 1), and rank-r
minimisers of networks with a bottleneck width r < rank R (their product is the best rank-r
approximation, not R).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import mpmath
import numpy as np
import sympy as sp

from numerics import deeplinear as dl
from numerics import factorisations as fz
from numerics import oscillation as osc
from proofs.chains import hessian_at_minimisers
from proofs.identities import prove_zero
from verify.checks.common import dec, instances, sampled
from verify.checks.common import set_text as listed
from verify.vocabulary import (Check, CheckContext, Counterexample, Finding, Outcome,
                               Tier)

# (n, r, L): n x n targets, inner widths r (r < n: bottleneck), depth L
CASES = ((2, 2, 2), (3, 3, 2), (2, 2, 3), (3, 3, 3), (2, 2, 5), (3, 1, 2), (3, 2, 3), (4, 2, 3))
QUICK_CASES = ((2, 2, 2), (3, 3, 3), (3, 2, 3))


@dataclass(frozen=True)
class Sample:
    """One minimiser W of 0.5 ||W_L ... W_1 - R||^2 (r < n: a bottleneck network)."""

    label: str
    kind: str
    n: int
    r: int
    W: tuple
    R: np.ndarray

    @property
    def L(self) -> int:
        return len(self.W)


def _target(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random n x n target with singular values spread over [0.3, 3]."""
    q1, _ = np.linalg.qr(rng.standard_normal((n, n)))
    q2, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return q1 @ np.diag(np.sort(rng.uniform(0.3, 3.0, n))[::-1]) @ q2


def samples(ctx: CheckContext) -> tuple[Sample, ...]:
    """Minimisers of every family, drawn from ``ctx.seed`` (smaller with ``ctx.quick``).

    Drawn once per (seed, quick) in a process and shared between the checks.  The arrays are
    read-only, so no check can change what the others see."""
    return _samples(ctx.seed, ctx.quick)


@functools.lru_cache(maxsize=8)
def _samples(seed: int, quick: bool) -> tuple[Sample, ...]:
    ctx = CheckContext(seed=seed, quick=quick)
    rng = ctx.rng()
    out = []
    n_random = 2 if ctx.quick else 6
    for n, r, L in (QUICK_CASES if ctx.quick else CASES):
        R = _target(n, rng)
        tag = f"n{n}-r{r}-L{L}"

        def add(kind, W, k=0):
            out.append(Sample(f"{tag}-{kind}-{k}", kind, n, r, tuple(W), R))

        for k in range(n_random):
            add("random", fz.factorise(R, r, fz.random_cores(r, L, rng)), k)
        Wb = fz.balanced(R, L, r)
        add("balanced", Wb)
        for k, t in enumerate((0.25, 4.0) if ctx.quick else (0.1, 0.5, 2.0, 10.0)):
            add("rescaled", fz.rescale(Wb, [t, 1 / t] + [1.0] * (L - 2)), k)
    for s in out:
        for a in (*s.W, s.R):
            a.setflags(write=False)
    return tuple(out)


def _pick(ctx: CheckContext, found: list[Sample]) -> list[Sample]:
    """With a replay point (``--at sample=LABEL``), only that sample."""
    if ctx.at and "sample" in ctx.at:
        found = [s for s in found if s.label == ctx.at["sample"]]
        if not found:
            raise ValueError(f"no sample labelled {ctx.at['sample']!r} for this seed")
    return found


def _mp_point(s: Sample, dps: int) -> tuple[list, np.ndarray]:
    """The sample as an exact critical point at ``dps`` digits: W as given, R replaced by
    R_hat = W_L ... W_1 plus the part of R orthogonal to R_hat's column and row spaces (the
    same R to rounding; for r = n, R_hat itself)."""
    with mpmath.workdps(dps):
        Wm = [fz.to_mp(w) for w in s.W]
        P = fz.end_to_end(Wm)
        if s.r == s.n:
            return Wm, P
        eye = np.array([[mpmath.mpf(int(a == b)) for b in range(s.n)] for a in range(s.n)],
                       dtype=object)
        Rperp = np.dot(np.dot(eye - _projector(P), fz.to_mp(s.R)), eye - _projector(P.T))
        return Wm, P + Rperp


def _projector(P: np.ndarray) -> np.ndarray:
    """Orthogonal projector onto the column space of P (mpmath SVD, numerical rank)."""
    U, S, _ = mpmath.svd_r(mpmath.matrix(P.tolist()))
    tol = mpmath.mpf(10) ** (-(mpmath.mp.dps // 2))
    cols = [k for k in range(len(S)) if S[k] > tol * max(S)]
    Uk = np.array([[U[a, k] for k in cols] for a in range(U.rows)], dtype=object)
    return np.dot(Uk, Uk.T)


# --- the text of Section 2: rescaled optima, isolation, strong convexity --------------------


def rescaled_bound(depths: tuple[int, ...], ts: tuple[float, ...] = (1.0, 1e-1, 1e-2, 1e-3)
                   ) -> Check:
    """Theorem 1's text: over {alpha_i W_i} with prod alpha_i = 1 the bound (3) gets arbitrarily
    small.

    Symbolic: for scalar chains of each depth, the sum of (3) at (t w_1, w_2 / t, w_3, ...) is
    exactly c_1 / t^2 + c_2 t^2 + rest (c_1 = (prod_{j>1} w_j)^2 > 0), so (3) -> 0 as t -> 0.
    Empirical: the same rescaling of sampled matrix minimisers, bound (3) and lambda_max(H)
    at each t.  Depth 1 (where prod alpha = 1 forces alpha_1 = 1) refutes exactly: the only
    minimiser is W_1 = R and (3) = 2 there.
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        t = sp.Symbol("t", positive=True)
        for L in depths:
            ws = sp.symbols(f"w1:{L + 1}", positive=True)
            # L = 1: prod alpha_i = 1 forces alpha_1 = 1, nothing to rescale
            scaled = [ws[0] * t, ws[1] / t, *ws[2:]] if L >= 2 else list(ws)
            prod = sp.Mul(*scaled)
            den = sp.simplify(sum((prod / w) ** 2 for w in scaled))  # p_{j-1} q_{j+1} = prod/w_j
            if L == 1 and not den.free_symbols:
                R = _target(2, ctx.rng())  # the only minimiser is W_1 = R: (3) there in float64
                b_float = 2 / float(fz.thm1_denominator([R]))
                return Finding(Outcome.REFUTES, (
                    f"L = 1: prod alpha_i = 1 forces alpha_1 = 1; the sum in (3) is exactly {den} "
                    f"(p_0 = q_2 = 1), so (3) = {2 / den} at the single minimiser W_1 = R "
                    f"(float64 at a random 2 x 2 R: {b_float:.15g}): it cannot be made small"),
                    numbers, Counterexample(
                        at={"L": "1", "R": str(R.tolist())},
                        observed=f"bound (3) = {2 / den} at every rescaling",
                        claimed="arbitrarily small for some optimum", tol="0",
                        margin=str(2 / den), dps=ctx.dps, note="exact: a single optimum",
                        replay={"L": "1"}))
            if sp.limit(2 / den, t, 0) != 0:
                return Finding(Outcome.UNDECIDED, f"L={L}: limit not shown to be 0", numbers)
            numbers[f"L={L}: sum in (3) at t"] = str(den)
        rows = []
        for s in samples(ctx):
            if s.kind != "balanced":
                continue
            for tt in ts:
                W = fz.rescale(list(s.W), [tt, 1 / tt] + [1.0] * (s.L - 2))
                b = 2 / float(fz.thm1_denominator(W))
                lam = float(np.linalg.eigvalsh(fz.hessian(W, s.R))[-1])
                rows.append((s.label, tt, b, lam))
        for label, tt, b, lam in rows:
            if tt == ts[-1]:
                numbers[f"{label}, t={tt:g}"] = f"bound (3) = {b:.3e}, 2/lambda_max = {2 / lam:.3e}"
        shrinks = all(b2 < b1 for (l1, _, b1, _), (l2, _, b2, _) in zip(rows, rows[1:])
                      if l1 == l2)
        if not shrinks:
            return Finding(Outcome.UNDECIDED, "bound (3) did not shrink monotonically with t",
                           numbers)
        return Finding(Outcome.SUPPORTS, (
            f"depths {depths}: the sum in (3) at (t W_1, W_2 / t, ...) grows like 1/t^2 "
            "(exact for scalar chains; measured for matrix minimisers, down to t = "
            f"{ts[-1]:g}); 2/lambda_max(H) <= (3) shrinks with it"), numbers,
            # exact only for scalar chains (width 1); matrix minimisers are sampled
            coverage=instances(L=listed(depths), widths="= 1"))

    return Check("rescaled_bound", Tier.SYMBOLIC, run,
                 f"SymPy limits for scalar chains, depths {depths}; float64 matrix minimisers")


def singular_at_minima(depths: tuple[int, ...] = (2, 3, 4, 5), sign: int = -1) -> Check:
    """Amended Section 2: at every local minimiser with L >= 2 the Hessian is singular (so the
    loss is not strongly convex at any optimum).

    Symbolic: for scalar chains the Hessian on prod w = lam is g g^T (rank one) for each depth.
    Precise: at sampled matrix minimisers (bottleneck included), H t = 0 for the rescaling
    tangent t = (W_1, -W_2, 0, ...) at ``ctx.dps`` digits.  Refutes if ||H t|| / ||t|| exceeds
    1e-30 there (then the minimiser set is not what the argument says); ``sign = +1`` uses
    (W_1, +W_2, 0, ...), not a tangent (a wrong variant).
    """

    def run(ctx: CheckContext) -> Finding:
        numbers = {}
        for L in depths:
            H, g, _, _ = hessian_at_minimisers(L)
            if not prove_zero(sp.expand(H - g * g.T).norm() ** 2):
                return Finding(Outcome.UNDECIDED, f"L={L}: H = g g^T not shown", numbers)
        numbers["symbolic"] = f"H = g g^T (rank 1) on prod w = lam, L in {depths}"
        worst = mpmath.mpf(0)
        found = samples(ctx)
        for s in found[: 6 if ctx.quick else 24]:
            Wm, Rm = _mp_point(s, ctx.dps)
            with mpmath.workdps(ctx.dps):
                H = fz.hessian(Wm, Rm)
                tv = np.concatenate([np.asarray(Wm[0]).ravel(),
                                     sign * np.asarray(Wm[1]).ravel()]
                                    + [np.zeros(np.size(w), dtype=object) for w in Wm[2:]])
                Ht = np.dot(H, tv)
                rel = mpmath.sqrt(np.dot(Ht, Ht) / np.dot(tv, tv))
                worst = max(worst, rel)
                if rel > mpmath.mpf(10) ** -30:
                    return Finding(Outcome.REFUTES, f"{s.label}: ||H t|| / ||t|| = "
                                   f"{dec(rel, 10)}", numbers, Counterexample(
                                       at={"sample": s.label}, observed=dec(rel, 20),
                                       claimed="0", tol="1e-30", margin=dec(rel, 20),
                                       dps=ctx.dps, replay={"sample": s.label}))
        numbers[f"max ||H t|| / ||t|| at {ctx.dps} digits"] = dec(worst, 5)
        return Finding(Outcome.SUPPORTS, (
            "the Hessian annihilates the rescaling direction at every sampled minimiser "
            f"(largest ||H t||/||t|| = {dec(worst, 3)}) and is rank one for scalar chains"),
            numbers, coverage=sampled(min(len(found), 6 if ctx.quick else 24),
                                      L=listed(sorted({s.L for s in found}))))

    return Check("singular_at_minima" + ("" if sign == -1 else "_plus"), Tier.PRECISE, run,
                 f"SymPy scalar chains L in {depths}; mpmath Hessians at sampled minimisers")


# --- Corollary 2, Remark 1 ----------------------------------------------------------------


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
