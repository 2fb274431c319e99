"""Proofs for every depth of the proof of Lemma 4 of Nar & Sastry (2018), "Step Size Matters
in Deep Learning" (Appendix C), with L an integer symbol.  (The matrix statements of Appendix A
and Remark 4, for every depth and width, are data over matrices of free size:
``verify/papers/nar2018step_appendix.toml``, :mod:`proofs.matrix_claims`.)

Every function returns ``fact -> True | False | None`` (proven, disproven, undecided); the
caller proves a claim only when every fact is True.  ``variant`` selects a deliberately wrong
version of the statement (tests use it to see the proof fail); the logical glue between the
facts is written in each docstring.
"""

from __future__ import annotations

import sympy as sp

from proofs import general_depth as G
from proofs.identities import prove_zero

delta = sp.Symbol("delta", positive=True)


# --- scalar chains, L an integer symbol --------------------------------------------------

L = G.L
m = sp.Symbol("m", positive=True)  # |lam|, lam = -m < 0


def lemma4_proof_amended_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Proof of Lemma 4 (Appendix C), amended: for every L >= 2, lam = -m < 0,
    0 < delta <= 1/(1 - lam), w[0] = 1.

    * the factor form, [0, 1]-bounds and "no positive fixed point" are those of
      :func:`proofs.general_depth.lemma4_steps` (the induction written there): the GD map is
      w (1 - delta w^(L-2) (w^L - lam)) (sigma = 1), the factor lies in [0, 1] on the orbit
      and is < 1 for w > 0;
    * ``even L: no real root of w^L = lam``: w^(2k) >= 0 > lam for real w;
    * ``odd L: the root -m^(1/L)``: (-m^(1/L))^(2k+1) = -m = lam, and it is the only one: for
      w >= 0, w^L >= 0 > lam; for w = -s < 0, w^L = -s^L with s^L strictly increasing in s > 0
      (derivative L s^(L-1) > 0);
    * ``delta = 1/(1 - lam): w[1] = 0``: the factor at w = 1 is 1 - delta (1 - lam) = 0;
    * ``factor at w = 0``: 1 for L >= 3 (0^(L-2) = 0), 1 + delta lam < 1 for L = 2.

    ``variant="even root"``: the claim that even L has a real root (false).
    """
    base = G.lemma4_steps()
    k = sp.Symbol("k", integer=True, nonnegative=True)
    x = sp.Symbol("x", real=True)
    s = sp.Symbol("s", positive=True)
    lam = -m
    Lm3 = sp.Symbol("L_minus_3", integer=True, nonnegative=True)
    factor = 1 - delta * G.w ** (L - 2) * (G.w ** L - lam)
    even_gap = x ** (2 * k) - lam  # > 0: no real root of x^(2k) = lam
    facts = {f"lemma 4: {name}": v for name, v in base.items()}
    facts.update({
        "even L: x^L - lam > 0 for real x": (even_gap.is_positive if variant == "printed"
                                             else (-even_gap).is_positive),
        "odd L: (-m^(1/L))^L = lam": prove_zero(sp.powsimp(
            (-(m ** (1 / (2 * k + 1)))) ** (2 * k + 1) - lam, force=True)),
        "odd L: s^L strictly increasing in s > 0": sp.diff(s ** (2 * k + 1), s).is_positive,
        "odd L: x >= 0 gives x^L - lam > 0": (s ** (2 * k + 1) + m).is_positive,
        "delta = 1/(1 - lam): w[1] = 0": prove_zero(
            sp.simplify(factor.subs(G.w, 1).subs(delta, 1 / (1 - lam)))),
        "factor at w = 0, L >= 3": prove_zero(
            factor.subs(L, Lm3 + 3).subs(G.w, 0) - 1),
        "factor at w = 0, L = 2": prove_zero(factor.subs(L, 2).subs(G.w, 0) - (1 + delta * lam)),
        "1 + delta lam < 1": (-(delta * lam)).is_positive,
    })
    return facts
