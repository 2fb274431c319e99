"""Proofs for every depth and every width of displays and lemmas of Nar & Sastry (2018),
"Step Size Matters in Deep Learning" (Appendix A, Remark 4, Appendix C).

Matrix statements are proved in the free algebra of :mod:`proofs.matrix_words`: a product of
the layers above (``W_L ... W_{i+1}``) or below (``W_{i-1} ... W_1``) layer i is one letter of
symbolic size, so an identity proved for letters holds for every depth and every width (the
depth enters only through which matrix a letter stands for).  Scalar statements use SymPy with
L an integer symbol.

Every function returns ``fact -> True | False | None`` (proven, disproven, undecided); the
caller proves a claim only when every fact is True.  ``variant`` selects a deliberately wrong
version of the statement (tests use it to see the proof fail); the logical glue between the
facts is written in each docstring.
"""

from __future__ import annotations

import sympy as sp

from proofs import general_depth as G
from proofs.identities import prove_zero
from proofs.matrix_words import Algebra, equal, trace_equal

t, eps, delta, N = sp.symbols("t epsilon delta N", positive=True)


def _first_order(expr: sp.Expr, var: sp.Symbol = t) -> sp.Expr:
    """The coefficient of var^1 of a polynomial in var with non-commuting coefficients."""
    return sp.expand(expr).coeff(var, 1)


def _loss(alg: Algebra, E: sp.Expr) -> sp.Expr:
    """1/2 trace(E^T E), as the word polynomial whose trace it is."""
    return alg.T(E) * E / 2


def eq2_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Appendix A, proof of Theorem 1: the cost (2), (1/(2N)) sum_i ||R x_i - W_L ... W_1 x_i||^2
    with (1/N) sum_i x_i x_i^T = I, equals 1/2 trace{(W_L ... W_1 - R)^T (W_L ... W_1 - R)}.

    P stands for the product W_L ... W_1 (any depth, any widths d_0, d_L), E = P - R.

    * ``one point``: ||R x - P x||^2 = (R x - P x)^T (R x - P x) = trace(E^T E x x^T);
    * ``sum of points``: trace(E^T E (S + x x^T)) = trace(E^T E S) + trace(E^T E x x^T), so by
      induction on the number of points the sum of the traces is trace(E^T E sum_i x_i x_i^T);
    * ``whitened``: with sum_i x_i x_i^T = N I the cost is (1/(2N)) trace(E^T E N I) =
      1/2 trace(E^T E) (I is the unit of the algebra).

    ``variant="unscaled"``: the printed 1/2 replaced by 1 (false).
    """
    alg = Algebra({"P": ("d_L", "d_0"), "R": ("d_L", "d_0"), "x": ("d_0", "1"),
                   "S": ("d_0", "d_0")})
    P, R, x, S = (alg[k] for k in "PRxS")
    E = P - R
    r = R * x - P * x
    half = sp.Integer(1) if variant == "unscaled" else sp.Rational(1, 2)
    return {
        "one point": trace_equal(alg, alg.T(r) * r, alg.T(E) * E * x * alg.T(x)),
        "sum of points": trace_equal(alg, alg.T(E) * E * (S + x * alg.T(x)),
                                     alg.T(E) * E * S + alg.T(E) * E * x * alg.T(x)),
        "whitened": trace_equal(alg, alg.T(E) * E * N / (2 * N), half * alg.T(E) * E),
    }


def _gradient_fact(alg: Algebra, above, below, printed) -> bool | None:
    """d/dt of 1/2 ||above (W + t H) below - R||_F^2 at t = 0 is trace(H^T G) with G the
    printed gradient: the gradient is the G of the Riesz form (unique)."""
    W, H, R = alg["W"], alg["H"], alg["R"]
    E = above * (W + t * H) * below - R
    G = printed(above, below, above * W * below - R)
    return trace_equal(alg, _first_order(_loss(alg, E)), alg.T(H) * G)


def _layer_algebra() -> Algebra:
    """Layer i of an L-layer network: A = W_L ... W_{i+1} (d_L x d_i), W = W_i (d_i x
    d_{i-1}), B = W_{i-1} ... W_1 (d_{i-1} x d_0); H a direction, R the target."""
    return Algebra({"A": ("d_L", "d_i"), "W": ("d_i", "d_im1"), "H": ("d_i", "d_im1"),
                    "B": ("d_im1", "d_0"), "R": ("d_L", "d_0")})


def eq5_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Appendix A, eq. (5): the GD update of W_i is -delta W_{i+1}^T ... W_L^T E W_1^T ...
    W_{i-1}^T, i.e. the gradient of 1/2 ||W_L ... W_1 - R||_F^2 in W_i is A^T E B^T with
    A = W_L ... W_{i+1}, B = W_{i-1} ... W_1 ((X Y)^T = Y^T X^T gives the printed order).

    Proved for a middle layer (A, B letters of any size) and for the end layers i = L (A = I),
    i = 1 (B = I) and L = 1 (both I): every i of every depth and width.

    ``variant="sign"``: the gradient with the opposite sign (false).
    """
    alg = _layer_algebra()
    sign = -1 if variant == "sign" else 1

    def printed(above, below, E):
        return sign * alg.T(above) * E * alg.T(below)

    A, B = alg["A"], alg["B"]
    one = sp.Integer(1)
    return {"middle layer": _gradient_fact(alg, A, B, printed),
            "last layer (i = L)": _gradient_fact(_square(alg, "d_L", "d_i"), one, B, printed),
            "first layer (i = 1)": _gradient_fact(_square(alg, "d_im1", "d_0"), A, one,
                                                  printed),
            "L = 1": _gradient_fact(_square(_square(alg, "d_L", "d_i"), "d_im1", "d_0"), one,
                                    one, printed)}


def _square(alg: Algebra, keep: str, drop: str) -> Algebra:
    """The same letters with size ``drop`` renamed ``keep`` (an identity factor joins them)."""
    shapes = {k: tuple(keep if s == drop else s for s in v) for k, v in alg.shapes.items()
              if not k.endswith("^T")}
    return Algebra(shapes, alg.symmetric)


def eq6_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Appendix A, eq. (6): E[k+1] = E[k] - delta sum_i A_i E[k] B_i + o(E[k]) with
    A_i = W_L ... W_{i+1} W_{i+1}^T ... W_L^T and B_i = W_1^T ... W_{i-1}^T W_{i-1} ... W_1.

    Claim C(L): for every W_1..W_L and X_1..X_L of compatible sizes, (W_L + X_L) ... (W_1 + X_1)
    = W_L ... W_1 + sum_i (W_L ... W_{i+1}) X_i (W_{i-1} ... W_1) + T_L, T_L a sum of products
    each with at least two X's.  Induction on L, with a grading eps (X -> eps X):

    * ``base``: L = 1, (W + eps X) = W + eps X (T_1 = 0);
    * ``step``: (W + eps X)(P + eps S + eps^2 T) = W P + eps (X P + W S) + eps^2 (...): with P,
      S, T of C(L - 1) the new linear term X_L P + W_L S has the C(L) form (the prefix
      W_L ... W_{i+1} grows by W_L) and the rest has at least two X's.

    With X_i = -delta A'_i^T E B'_i^T (eq. (5), A'_i = W_L ... W_{i+1}, B'_i = W_{i-1} ... W_1)
    each X_i is linear in E, so T_L = O(||E||^2) = o(E) on bounded weights, and
    E[k+1] - E[k] = (product at k+1) - (product at k):

    * ``linear term``: A'_i X_i B'_i = -delta (A'_i A'_i^T) E (B'_i^T B'_i) = -delta A_i E B_i
      (A'_i^T = W_{i+1}^T ... W_L^T and B'_i^T B'_i = W_1^T ... W_{i-1}^T W_{i-1} ... W_1).

    ``variant="sign"``: + delta in place of - delta (false).
    """
    step = Algebra({"W": ("a", "b"), "X": ("a", "b"), "P": ("b", "c"), "S": ("b", "c"),
                    "T": ("b", "c")})
    W, X, P, S, T = (step[k] for k in "WXPST")
    prod = sp.expand((W + eps * X) * (P + eps * S + eps ** 2 * T))
    rest = sp.expand(prod - W * P - eps * (X * P + W * S))
    layer = Algebra({"A": ("d_L", "d_i"), "B": ("d_im1", "d_0"), "E": ("d_L", "d_0")})
    A, B, E = (layer[k] for k in "ABE")
    X_i = -delta * layer.T(A) * E * layer.T(B)
    sign = 1 if variant == "sign" else -1
    return {
        "base": equal(step, (W + eps * X) - W, eps * X),
        "step: order 0": equal(step, prod.coeff(eps, 0), W * P),
        "step: order 1": equal(step, prod.coeff(eps, 1), X * P + W * S),
        "step: rest of order >= 2": all(sp.degree(c, eps) >= 2 for c, _ in step.terms(rest)),
        "linear term": equal(layer, A * X_i * B,
                             sign * delta * (A * layer.T(A)) * E * (layer.T(B) * B)),
    }


def _psd_algebra(extra: dict[str, tuple[str, str]], rows: str = "m") -> Algebra:
    """Gram factors: a symmetric PSD matrix is C C^T (spectral theorem: C = U Lambda^(1/2));
    C has ``rows`` rows, D has n."""
    return Algebra({"C": (rows, "p"), "D": ("n", "q"), **extra})


def _sum_of_squares_nonnegative() -> bool | None:
    """trace(M^T M) = sum_{i,j} M_ij^2 >= 0 for a real matrix of any size (SymPy's sum of
    squares of a real function of (i, j) over symbolic ranges)."""
    i, j = sp.symbols("i j", integer=True)
    a, b = sp.symbols("a b", integer=True, positive=True)
    M = sp.MatrixSymbol("M", a, b)
    entries = sp.Trace(M.T * M).rewrite(sp.Sum)  # SymPy's own index form of the trace
    if not (isinstance(entries, sp.Sum) and entries.function.is_Pow
            and entries.function.exp == 2):
        return None  # not the sum of squared entries this step argues about
    real = sp.Function("m", real=True)  # the entries are real
    return sp.Sum(real(i, j) ** 2, (i, 0, a - 1), (j, 0, b - 1)).is_nonnegative


def lemma1_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Appendix A, Lemma 1: <A, B> >= 0 for symmetric PSD A, B of every size n.

    With A = C C^T and B = D D^T (every symmetric PSD matrix is a Gram matrix):

    * ``<A, B> = ||C^T D||_F^2``: trace(A^T B) = trace((C^T D)^T (C^T D));
    * ``sum of squares``: trace(M^T M) = sum_ij M_ij^2 >= 0.

    ``variant="not psd"``: B = D G^T, not a Gram matrix (false).
    """
    alg = _psd_algebra({"G": ("n", "q")}, rows="n")  # A and B are both n x n
    C, D = alg["C"], alg["D"]
    A = C * alg.T(C)
    B = D * alg.T(alg["G"] if variant == "not psd" else D)
    M = alg.T(C) * D
    return {"<A, B> = ||C^T D||_F^2": trace_equal(alg, alg.T(A) * B, alg.T(M) * M),
            "sum of squares >= 0": _sum_of_squares_nonnegative()}


def lemma2_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Appendix A, Lemma 2: for f(X) = sum_{i=1}^L A_i X B_i, A_i (m x m), B_i (n x n)
    symmetric PSD, lambda_max(f) >= sum_i (u^T A_i u)(v^T B_i v) / (||u||^2 ||v||^2), every
    L, m, n.  Each fact is for one term A X B; f is a sum of L such terms, and each fact is
    linear in the term, so it holds for the sum.  A = C C^T, B = D D^T:

    * ``self-adjoint``: <X, A Y B> = <Y, A X B> (f symmetric for the Frobenius product);
    * ``PSD``: <X, A X B> = ||C^T X D||_F^2 >= 0;
    * ``Rayleigh at u v^T``: <u v^T, A u v^T B> = (u^T A u)(v^T B v) and <u v^T, u v^T> =
      ||u||^2 ||v||^2.

    A symmetric f has lambda_max(f) >= <X, f(X)> / <X, X> for every X != 0 (spectral theorem);
    at X = u v^T this is the printed bound.

    ``variant="nonsymmetric"``: A = C G^T, not symmetric (the self-adjointness fails).
    """
    alg = _psd_algebra({"X": ("m", "n"), "Y": ("m", "n"), "u": ("m", "1"), "v": ("n", "1"),
                        "G": ("m", "p")})
    C, D, X, Y, u, v = (alg[k] for k in ("C", "D", "X", "Y", "u", "v"))
    A = C * alg.T(alg["G"] if variant == "nonsymmetric" else C)
    B = D * alg.T(D)
    U = u * alg.T(v)
    M = alg.T(C) * X * D
    return {"self-adjoint": trace_equal(alg, alg.T(X) * A * Y * B, alg.T(Y) * A * X * B),
            "PSD: <X, A X B> = ||C^T X D||_F^2": trace_equal(alg, alg.T(X) * A * X * B,
                                                             alg.T(M) * M),
            "sum of squares >= 0": _sum_of_squares_nonnegative(),
            "Rayleigh at u v^T": trace_equal(alg, alg.T(U) * A * U * B,
                                             alg.T(u) * A * u * alg.T(v) * B * v),
            "<u v^T, u v^T> = ||u||^2 ||v||^2": trace_equal(alg, alg.T(U) * U,
                                                            alg.T(u) * u * alg.T(v) * v)}


def remark4_steps(variant: str = "printed") -> dict[str, bool | None]:
    """Remark 4: the identity initialisation W_i[0] = I of the deep linear network is the zero
    initialisation A_i[0] = 0 of the linear residual network W_i = I + A_i, GD on both giving
    A_i[k] = W_i[k] - I for every k, every depth L and width n (n x n layers).

    * ``gradient``: d/dt of 1/2 ||A' (I + A_i + t H) B' - R||^2 at 0 is trace(H^T G) with G
      the gradient (5) in W_i at W_i = I + A_i (A', B' the products above and below, which are
      the same matrices in both parametrisations when W_j = I + A_j for every j);
    * ``iterate``: W = I + A implies W - delta G = I + (A - delta G); with W[0] = I = I + 0
      this gives A_i[k] = W_i[k] - I for every k (induction on k).

    ``variant="scaled"``: W_i = I + 2 A_i (false: the A-gradient doubles).
    """
    alg = Algebra({k: ("n", "n") for k in ("A", "B", "W", "H", "R")})
    A, B, Ai, H, R = (alg[k] for k in ("A", "B", "W", "H", "R"))
    c = 2 if variant == "scaled" else 1
    E = A * (1 + c * Ai + t * H) * B - R
    G = alg.T(A) * (A * (1 + Ai) * B - R) * alg.T(B)
    return {"gradient": trace_equal(alg, _first_order(_loss(alg, E)), alg.T(H) * G),
            "iterate": equal(alg, (1 + Ai) - delta * G, 1 + (Ai - delta * G))}


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
