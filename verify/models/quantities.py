"""Quantities a claim can name, evaluated at a state in mpmath (any precision) and, batched over
many states and parameter points, in numpy (float64; the ``np_*`` functions and
:meth:`verify.userclaims.model.Model.quantity_numpy`).

In a trajectory's ``quantity`` (and its ``bound``) these names stand for numbers computed at the
current iterate x_t; they combine with the state's names and the parameters in one expression
(``"sharpness - 2/eta"``, ``"w1**2 - w2**2"``, ``"loss/grad_norm**2"``):

============== ==========================================================================
loss           the loss f(x)
grad_norm      |grad f(x)| (Euclidean)
sharpness      lambda_max of the Hessian (the largest eigenvalue, not the largest modulus)
lambda_min     the smallest Hessian eigenvalue
hessian_eig_K  the K-th largest Hessian eigenvalue (K = 1, 2, ...)
radius         spectral radius of the optimiser map's Jacobian at x (the multipliers' max
               modulus: max |1 - eta lambda| for GD; the 2n x 2n map for momentum)
multiplier_K   the K-th largest multiplier modulus
residual       a quantity vanishing exactly on the model's minimiser set (|grad| for a
               quadratic, |W_L...W_1 - R|_F for a deep linear chain)
distance       the Euclidean distance to the minimiser set (quadratic family: exact)
sv_K           the K-th largest singular value of the end-to-end product (deep linear)
sv_grad_K      |grad sv_K|: the Euclidean norm of the gradient of sv_K in the state; for a
               chain, sv_grad_1**2 = sum_j p_(j-1)^2 q_(j+1)^2, the sum in Nar & Sastry's
               bound (3) (Theorem 1: d sv_1/dW_j = (W_L..W_(j+1))^T u v^T (W_(j-1)..W_1)^T)
gn_sharpness   lambda_max of the Gauss-Newton matrix J^T J, J the Jacobian of the end-to-end
               product in the state: the largest eigenvalue of f(E) = sum_i A_i E B_i of Nar &
               Sastry's eq. (7) (f = J J^T), the Hessian's at a global minimiser
============== ==========================================================================

A name the claim declares itself (a variable or a parameter) keeps the claim's meaning.

An ``identity`` claim speaks of exact expressions instead (:func:`derivative_names`): ``loss``,
``grad_NAME`` (the gradient with respect to the state variable NAME, of NAME's shape) and
``gd_NAME`` (NAME after one GD step, NAME - step * grad_NAME); where it names them
(:func:`second_order_names`), ``hessian`` (the loss's Hessian in the state, rows and columns in
the state's order) and, for a family of least squares (a method ``outputs``: the network's
outputs F and labels Y at the data, loss = |F - Y|^2/2), ``outputs`` (F, a row per data point)
and ``gauss_newton`` (J^T J, J the Jacobian of the entries of F in the state): the Hessian's
Gauss-Newton part, hessian - gauss_newton its residual term sum_k (F - Y)_k Hessian(F_k) (Nar &
Sastry, Appendix D: the error terms the proof of Theorem 4 drops).
"""

from __future__ import annotations

import re

import flint
import mpmath
import numpy as np
import sympy as sp

BASIC = ("loss", "grad_norm", "sharpness", "lambda_min", "radius", "residual", "distance")
INDEXED = ("hessian_eig", "multiplier", "sv")
_INDEXED = re.compile(r"(hessian_eig|multiplier|sv)_(\d+)\Z")


def placeholders(n: int, product_dim: int, has_residual: bool, has_distance: bool,
                 declared: set[str]) -> dict[str, sp.Symbol]:
    """The quantity names available to a model with ``n`` coordinates, as placeholder symbols
    (a name the claim declares is left to the claim)."""
    names = ["loss", "grad_norm", "sharpness", "lambda_min", "radius"]
    names += ["residual"] if has_residual else []
    names += ["distance"] if has_distance else []
    names += [f"hessian_eig_{k}" for k in range(1, n + 1)]
    names += [f"multiplier_{k}" for k in range(1, 2 * n + 1)]
    names += [f"sv_{k}" for k in range(1, product_dim + 1)]
    names += [f"sv_grad_{k}" for k in range(1, product_dim + 1)]
    names += ["gn_sharpness"] if product_dim else []
    return {name: sp.Symbol(name, real=True) for name in names if name not in declared}


def indexed(name: str) -> tuple[str, int] | None:
    match = _INDEXED.match(name)
    return (match.group(1), int(match.group(2))) if match else None


def hessian_eigenvalues(H: mpmath.matrix) -> list:
    """Eigenvalues of a symmetric matrix, largest first (2 x 2 in closed form: the searches ask
    this of two-parameter models thousands of times, where mpmath's Jacobi sweeps cost ~1 ms;
    larger ones by :func:`_flint_eigenvalues`, mpmath's ``eigsy`` where that declines; all are
    accurate to the working precision times the matrix's size)."""
    if H.rows == 1:
        return [H[0, 0]]
    if H.rows == 2:
        mid, gap = (H[0, 0] + H[1, 1]) / 2, mpmath.hypot((H[0, 0] - H[1, 1]) / 2, H[1, 0])
        return [mid + gap, mid - gap]
    values = _flint_eigenvalues(H)
    if values is None:
        values = mpmath.eigsy(H, eigvals_only=True)
    return sorted(values, reverse=True)


_GUARD_BITS = 20  # extra bits of the QR iteration over mpmath's working precision


def _flint_eigenvalues(H: mpmath.matrix) -> list | None:
    """The eigenvalues of a real symmetric matrix by Arb's QR iteration (python-flint's
    ``acb_mat.eig(algorithm="approx")``, in C) at the working precision plus
    :data:`_GUARD_BITS` bits: ~7x faster than ``eigsy`` on the 5 x 5 to 18 x 18 Hessians of the
    trajectory and minimiser searches, and like it an approximation without error bounds (both
    differ from the true eigenvalues by about the working precision times the matrix's size).
    The entries are converted exactly.  None (the caller uses ``eigsy``) for an entry that is
    not a finite real, or when the result fails the checks a wrong QR would: imaginary parts
    above rounding, or a sum other than the trace."""
    n, prec = H.rows, mpmath.mp.prec
    entries = [H[i, j] for i in range(n) for j in range(n)]
    if not all(isinstance(e, mpmath.mpf) and mpmath.isfinite(e) for e in entries):
        return None
    scale = 1 + max(abs(e) for e in entries)
    tol = mpmath.ldexp(scale * n, 10 - prec)
    old = flint.ctx.prec
    flint.ctx.prec = prec + _GUARD_BITS
    try:
        A = flint.acb_mat(n, n, [flint.arb(e) for e in entries])
        eig = A.eig(algorithm="approx")
        parts = [(e.real.mid().man_exp(), e.imag.mid().man_exp()) for e in eig]
    except (ValueError, ZeroDivisionError, ArithmeticError):  # pragma: no cover - Arb declined
        return None
    finally:
        flint.ctx.prec = old
    values = [mpmath.mpf((int(m), int(x))) for (m, x), _ in parts]
    if len(values) != n or any(abs(mpmath.mpf((int(m), int(x)))) > tol for _, (m, x) in parts):
        return None
    if abs(mpmath.fsum(values) - mpmath.fsum(H[i, i] for i in range(n))) > tol:
        return None
    return values


def multipliers(J: mpmath.matrix) -> list:
    """Moduli of the eigenvalues of a (non-symmetric) Jacobian, largest first."""
    if J.rows == 1:
        return [abs(J[0, 0])]
    return sorted((abs(e) for e in mpmath.eig(J)[0]), reverse=True)


def singular_values(P: mpmath.matrix) -> list:
    if P.rows == P.cols == 1:
        return [abs(P[0, 0])]
    return sorted(mpmath.svd_r(P, compute_uv=False), reverse=True)


def product_quantities(P: mpmath.matrix, J: mpmath.matrix) -> dict:
    """``sv_grad_K`` and ``gn_sharpness`` from the end-to-end product P and its Jacobian J in
    the state (rows: P's entries, row by row): grad sv_K = J^T vec(u_K v_K^T), with u_K, v_K
    the K-th singular vectors (sv_K simple; a repeated one has no gradient and its value is
    then one of the directional ones), and lambda_max(J^T J)."""
    U, S, V = mpmath.svd_r(P)
    order = sorted(range(len(S)), key=lambda k: -S[k])
    out = {}
    for rank, k in enumerate(order, start=1):
        vec = mpmath.matrix([U[a, k] * V[k, b] for a in range(P.rows) for b in range(P.cols)])
        out[f"sv_grad_{rank}"] = mpmath.norm(J.T * vec)
    small = J * J.T if J.rows <= J.cols else J.T * J
    out["gn_sharpness"] = hessian_eigenvalues(small)[0]
    return out


def distance_to_affine(A: mpmath.matrix, g: mpmath.matrix) -> mpmath.mpf:
    """|A^+ g|: the distance from x to {y : A y + b = 0} when g = A x + b and A is symmetric
    (eigen-decomposition; eigenvalues below the working precision count as zero)."""
    if A.rows == 1:
        return abs(g[0] / A[0, 0]) if A[0, 0] != 0 else mpmath.inf
    E, Q = mpmath.eigsy(A)
    eps = mpmath.mpf(10) ** (-(mpmath.mp.dps - 5)) * (1 + max(abs(e) for e in E))
    coeffs = Q.T * g
    total = mpmath.mpf(0)
    for k in range(A.rows):
        if abs(E[k]) > eps:
            total += (coeffs[k] / E[k]) ** 2
        elif abs(coeffs[k]) > eps:
            return mpmath.inf  # A x = -b has no solution: no minimiser
    return mpmath.sqrt(total)


def derivative_names(loss: sp.Expr | None, names: dict[str, sp.Basic], step: sp.Symbol | None,
                     declared: set[str]) -> dict[str, sp.Basic]:
    """The exact names an identity may use: ``loss``, ``grad_NAME`` and (with a step)
    ``gd_NAME`` for each state variable NAME (a scalar, or a matrix of coordinates); a name the
    claim declares itself is left to the claim."""
    if loss is None:
        return {}
    out: dict[str, sp.Basic] = {"loss": loss}
    for name, obj in names.items():
        if isinstance(obj, sp.MatrixBase):
            grad = sp.ImmutableMatrix(obj.shape[0], obj.shape[1],
                                      [sp.diff(loss, c) for c in obj])
        else:
            grad = sp.diff(loss, obj)
        out[f"grad_{name}"] = grad
        if step is not None:
            out[f"gd_{name}"] = obj - step * grad
    return {k: v for k, v in out.items() if k not in declared}


SECOND_ORDER = ("hessian", "gauss_newton", "outputs")
_SECOND_ORDER = re.compile(r"\b(hessian|gauss_newton|outputs)\b")


def second_order_names(loss: sp.Expr | None, coords, outputs, texts, declared: set[str]
                       ) -> dict[str, sp.Basic]:
    """``hessian``, ``gauss_newton`` and ``outputs`` as exact matrices, each only where one of
    ``texts`` (the claim's sides) names it (a Hessian costs n^2 derivatives: no other claim
    pays for it).  ``outputs`` is the family's ``(F, Y)`` (None: not least squares; then only
    ``hessian``)."""
    wanted = {m.group(1) for t in texts for m in _SECOND_ORDER.finditer(str(t))} - declared
    if loss is None or not wanted:
        return {}
    out: dict[str, sp.Basic] = {}
    if "hessian" in wanted:
        out["hessian"] = sp.ImmutableMatrix(sp.hessian(loss, coords))
    if outputs is not None and wanted & {"gauss_newton", "outputs"}:
        F = outputs[0]
        out["outputs"] = sp.ImmutableMatrix(F)
        J = sp.Matrix([[sp.diff(f, c) for c in coords] for f in F])
        out["gauss_newton"] = sp.ImmutableMatrix(J.T * J)
    return out


# ---------------------------------------------------------------- batched (numpy) twins
#
# The same quantities for many states at once, in float64: arrays with a leading batch axis
# (H: (m, n, n) -> (m, n)).  They screen many points cheaply; every verdict still rests on the
# mpmath evaluations above (a screened point is re-evaluated there before it counts).


def np_hessian_eigenvalues(H: np.ndarray) -> np.ndarray:
    """Eigenvalues of a batch of symmetric matrices (m, n, n), largest first: (m, n)."""
    return np.linalg.eigvalsh(H)[..., ::-1]


def np_multipliers(J: np.ndarray) -> np.ndarray:
    """Moduli of the eigenvalues of a batch of Jacobians (m, k, k), largest first."""
    return -np.sort(-np.abs(np.linalg.eigvals(J)), axis=-1)


def np_singular_values(P: np.ndarray) -> np.ndarray:
    """Singular values of a batch of matrices (m, r, c), largest first."""
    return np.linalg.svd(P, compute_uv=False)


def np_product_quantities(P: np.ndarray, J: np.ndarray) -> dict:
    """:func:`product_quantities` for a batch: P (m, r, c), J (m, r c, n)."""
    U, S, Vh = np.linalg.svd(P)
    out = {}
    for k in range(S.shape[1]):
        vec = np.einsum("ma,mb->mab", U[:, :, k], Vh[:, k, :]).reshape(len(P), -1)
        out[f"sv_grad_{k + 1}"] = np.linalg.norm(np.einsum("mrn,mr->mn", J, vec), axis=-1)
    small = J @ np.swapaxes(J, 1, 2) if J.shape[1] <= J.shape[2] else np.swapaxes(J, 1, 2) @ J
    out["gn_sharpness"] = np.linalg.eigvalsh(small)[:, -1]
    return out


def np_distance_to_affine(A: np.ndarray, g: np.ndarray) -> np.ndarray:
    """|A^+ g| for a batch of symmetric A (m, n, n) and g = A x + b (m, n), as
    :func:`distance_to_affine` (eigenvalues below rounding count as zero; inf when A y = -b has
    no solution)."""
    E, Q = np.linalg.eigh(A)
    coeffs = np.einsum("mji,mj->mi", Q, g)
    eps = 1e-12 * (1 + np.abs(E).max(axis=-1, keepdims=True))
    zero = np.abs(E) <= eps
    safe = np.where(zero, 1.0, E)
    total = np.where(zero, 0.0, (coeffs / safe) ** 2).sum(axis=-1)
    unsolvable = (zero & (np.abs(coeffs) > eps)).any(axis=-1)
    return np.where(unsolvable, np.inf, np.sqrt(total))
