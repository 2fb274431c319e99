"""SciPy's ``minimize(method="trust-exact")``, step for step, without its per-call overhead.

The nearly exact trust-region method of Conn, Gould & Toint, *Trust region methods* (SIAM 2000),
Sec. 7.3 (Alg. 7.3.6), as implemented in ``scipy.optimize._trustregion_exact`` (SciPy 1.17:
``IterativeSubproblem`` with its default 25 subproblem iterations) and driven by
``scipy.optimize._trustregion._minimize_trust_region``.  Transcribed so that every floating-point
operation is the same one on the same operands: the same LAPACK/BLAS routines (``potrf``,
``potrs``, ``trtrs``, ``nrm2``, ``lange``) chosen the same way, the same numpy reductions, the same
order of operations and branches, the same errors (``ValueError`` for a non-finite array where
SciPy's ``check_finite`` raises it, ``LinAlgError`` from a singular triangular solve ending the
search as SciPy's ``warnflag = 3``).  The result is therefore bit for bit SciPy's
(``tests/test_relu_speed.py`` compares the two on random ReLU problems).

What is left out is only overhead that cannot change a value: the ``ScalarFunction`` /
``MemoizeJac`` wrappers and their copies, SciPy's per-call input validation beyond the finiteness
checks, and the Hessian at a *rejected* trial point (SciPy computes it when it builds the trial's
subproblem but uses it only if the step is accepted; here it is computed when first needed).
The two-layer ReLU searches call this some thousand times per run on 6 x 6 to 12 x 12 Hessians,
where that overhead was most of the cost.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
from scipy.linalg import get_blas_funcs, get_lapack_funcs

UPDATE_COEFF = 0.01  # "theta" of Conn, Gould & Toint (7.3.14), as in SciPy
SUBPROBLEM_MAXITER = 25  # SciPy 1.17's IterativeSubproblem.MAXITER_DEFAULT
K_EASY, K_HARD = 0.1, 0.2
EPS = np.finfo(float).eps


@functools.cache
def _routines():
    """The float64 routines SciPy picks: ``get_lapack_funcs``/``get_blas_funcs`` as it calls
    them (``ilp64='preferred'`` where ``scipy.linalg.norm`` asks for it)."""
    probe = np.zeros((2, 2))
    potrf, potrs, trtrs = get_lapack_funcs(("potrf", "potrs", "trtrs"), (probe,))
    nrm2 = get_blas_funcs("nrm2", dtype=probe.dtype, ilp64="preferred")
    lange = get_lapack_funcs("lange", dtype=probe.dtype, ilp64="preferred")
    return potrf, potrs, trtrs, nrm2, lange


def _finite(a: np.ndarray) -> np.ndarray:
    """``np.asarray_chkfinite`` (SciPy's ``check_finite``): the same error, no copy.

    A finite sum proves every entry finite (an inf or nan entry makes the sum inf or nan); only
    when the sum is not finite (an entry is, or the sum overflowed) are the entries tested."""
    if not math.isfinite(_add(a, axis=None)) and not np.isfinite(a).all():
        raise ValueError("array must not contain infs or NaNs")
    return a


_add = np.add.reduce


def _norm2(v: np.ndarray) -> float:
    """``scipy.linalg.norm(v)`` of a float64 vector: BLAS ``nrm2`` after the finiteness check."""
    _finite(v)
    if v.size == 0:
        return np.linalg.norm(v)
    return _routines()[3](v)


def _solve_triangular(a: np.ndarray, b: np.ndarray, trans: int = 0) -> np.ndarray:
    """``scipy.linalg.solve_triangular(a, b, trans)`` for an upper triangular float64 ``a``:
    ``trtrs`` on ``a`` when it is Fortran-ordered, else the transposed system on ``a.T``."""
    _finite(a)
    _finite(b)
    trtrs = _routines()[2]
    if a.flags.f_contiguous:
        x, info = trtrs(a, b, overwrite_b=False, lower=False, trans=trans, unitdiag=False)
    else:
        x, info = trtrs(a.T, b, overwrite_b=False, lower=True, trans=not trans,
                        unitdiag=False)
    if info == 0:
        return x
    if info > 0:
        raise np.linalg.LinAlgError(f"singular matrix: resolution failed at diagonal {info-1}")
    raise ValueError(f"illegal value in {-info}-th argument of internal trtrs")


def _cho_solve(U: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``scipy.linalg.cho_solve((U, False), b)``."""
    _finite(b)
    _finite(U)
    x, info = _routines()[1](U, b, lower=False, overwrite_b=False)
    if info != 0:
        raise ValueError(f"illegal value in {-info}th argument of internal potrs")
    return x


def _pairwise_sum(a: list[float]) -> float:
    """``np.add.reduce`` of a float64 vector, in Python floats, summed as numpy's
    ``pairwise_sum`` sums it: in order below 8 entries, else eight running sums (entries i mod 8)
    combined as ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)), then the remainder in
    order.  Checked against numpy in ``tests/test_relu_speed.py``."""
    n = len(a)
    if n < 8:
        s = 0.0
        for x in a:
            s += x
        return s
    r = a[:8]
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] += a[i + j]
        i += 8
    s = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for x in a[i:]:
        s += x
    return s


def _smallest_singular_value(U: np.ndarray):
    """``scipy.optimize._trustregion_exact.estimate_smallest_singular_value`` (Cline, Moler,
    Stewart & Wilkinson 1979; Golub & Van Loan 2013, Alg. 3.5.1).

    The sequential sweep runs in Python floats (IEEE double, each product and sum rounded once
    as numpy rounds it elementwise; the 1-norms summed as numpy sums them, see
    :func:`_pairwise_sum`).  SciPy's finiteness check of the candidates ``pp`` and ``pm`` is
    implied by a finite 1-norm and made exactly otherwise; a zero pivot (never, after a
    successful Cholesky) falls back to numpy's division by zero."""
    n = U.shape[0]
    rows = U.tolist()
    if not all(rows[k][k] != 0 for k in range(n)):
        return _smallest_singular_value_numpy(U)
    p = [0.0] * n
    w = [0.0] * n
    for k in range(n):
        row, ukk, pk = rows[k], rows[k][k], p[k]
        wp = (1 - pk) / ukk
        wm = (-1 - pk) / ukk
        pp = [p[j] + row[j] * wp for j in range(k + 1, n)]
        pm = [p[j] + row[j] * wm for j in range(k + 1, n)]
        s1 = _pairwise_sum([abs(x) for x in pp])
        s2 = _pairwise_sum([abs(x) for x in pm])
        if not (math.isfinite(s1) and math.isfinite(s2)):
            _finite(np.array(pp))
            _finite(np.array(pm))
        if abs(wp) + s1 >= abs(wm) + s2:
            w[k] = wp
            p[k + 1:] = pp
        else:
            w[k] = wm
            p[k + 1:] = pm
    return _singular_pair(U, np.array(w))


def _singular_pair(U, w):
    v = _solve_triangular(U, w)
    v_norm = _norm2(v)
    w_norm = _norm2(w)
    return w_norm / v_norm, v / v_norm


def _smallest_singular_value_numpy(U: np.ndarray):
    """:func:`_smallest_singular_value` in numpy, as SciPy writes it (both candidate updates as
    one (2, k) array, their 1-norms one row-wise ``add.reduce``)."""
    n = U.shape[0]
    p = np.zeros(n)
    w = np.empty(n)
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(n):
            ukk = U[k, k]
            pk = p[k]
            wpm = np.array(((1 - pk) / ukk, (-1 - pk) / ukk))
            cand = p[k + 1:] + U[k, k + 1:] * wpm[:, None]  # rows pp, pm; U[k, k+1:] = U.T[k+1:, k]
            s1, s2 = _add(np.abs(cand), axis=1).tolist()
            if not (math.isfinite(s1) and math.isfinite(s2)):
                _finite(cand[0])
                _finite(cand[1])
            wp, wm = wpm.tolist()
            if abs(wp) + s1 >= abs(wm) + s2:
                w[k] = wp
                p[k + 1:] = cand[0]
            else:
                w[k] = wm
                p[k + 1:] = cand[1]
    return _singular_pair(U, w)


def _boundaries_intersections(z, d, trust_radius):
    """``BaseQuadraticSubproblem.get_boundaries_intersections``: t with ||z + t d|| = radius."""
    a = np.dot(d, d)
    b = 2 * np.dot(z, d)
    c = np.dot(z, z) - trust_radius**2
    sqrt_discriminant = math.sqrt(b * b - 4 * a * c)
    aux = b + math.copysign(sqrt_discriminant, b)
    ta = -aux / (2 * a)
    tb = -2 * c / aux
    return sorted([ta, tb])


class _Subproblem:
    """``IterativeSubproblem`` at one point: f and g given, the Hessian made on first use."""

    def __init__(self, x, f, g, hess: Callable[[np.ndarray], np.ndarray]):
        self.x, self.fun, self.jac = x, f, g
        self._hess_of = hess
        self.hess = None
        self._jac_mag = None
        self.previous_tr_radius = -1
        self.lambda_lb = None

    @property
    def jac_mag(self):
        """||g|| (BLAS nrm2), made on first use as in SciPy (a rejected trial never needs it)."""
        if self._jac_mag is None:
            self._jac_mag = _norm2(self.jac)
        return self._jac_mag

    def _prepare(self):
        H = self.hess = self._hess_of(self.x)
        self.dimension = len(H)
        H_diag = np.diag(H)  # gershgorin_bounds
        H_diag_abs = np.abs(H_diag)
        H_row_sums = np.sum(np.abs(H), axis=1)
        self.hess_gershgorin_lb = np.min(H_diag + H_diag_abs - H_row_sums)
        self.hess_gershgorin_ub = np.max(H_diag - H_diag_abs + H_row_sums)
        self.hess_inf = self._norm_inf(H)
        self.hess_fro = np.linalg.norm(_finite(H), "fro")
        self.CLOSE_TO_ZERO = self.dimension * EPS * self.hess_inf

    @staticmethod
    def _norm_inf(H):
        """``scipy.linalg.norm(H, np.inf)``: LAPACK ``lange`` on the Fortran-ordered view."""
        _finite(H)
        lange = _routines()[4]
        if H.size and np.isfortran(H):
            return lange("i", H)
        if H.size and np.isfortran(H.T):
            return lange("1", H.T)
        return np.linalg.norm(H, ord=np.inf)

    def predicted(self, p):
        """The quadratic model at the step p (``BaseQuadraticSubproblem.__call__``)."""
        return self.fun + np.dot(self.jac, p) + 0.5 * np.dot(p, np.dot(self.hess, p))

    def _initial_values(self, tr_radius):
        lambda_ub = max(0, self.jac_mag / tr_radius + min(-self.hess_gershgorin_lb,
                                                          self.hess_fro, self.hess_inf))
        lambda_lb = max(0, -min(self.hess.diagonal()),
                        self.jac_mag / tr_radius - min(self.hess_gershgorin_ub,
                                                       self.hess_fro, self.hess_inf))
        if tr_radius < self.previous_tr_radius:
            lambda_lb = max(self.lambda_lb, lambda_lb)
        if lambda_lb == 0:
            lambda_initial = 0
        else:
            lambda_initial = max(np.sqrt(lambda_lb * lambda_ub),
                                 lambda_lb + UPDATE_COEFF * (lambda_ub - lambda_lb))
        return lambda_initial, lambda_lb, lambda_ub

    def solve(self, tr_radius):  # SciPy's IterativeSubproblem.solve, branch for branch
        if self.hess is None:
            self._prepare()
        potrf = _routines()[0]
        lambda_current, lambda_lb, lambda_ub = self._initial_values(tr_radius)
        n = self.dimension
        eye = np.eye(n)
        hits_boundary = True
        already_factorized = False
        niter = 0
        while niter < SUBPROBLEM_MAXITER:
            if already_factorized:
                already_factorized = False
            else:
                H = self.hess + lambda_current * eye
                U, info = potrf(H, lower=False, overwrite_a=False, clean=True)
            niter += 1
            if info == 0 and self.jac_mag > self.CLOSE_TO_ZERO:
                p = _cho_solve(U, -self.jac)
                p_norm = _norm2(p)
                if p_norm <= tr_radius and lambda_current == 0:
                    hits_boundary = False
                    break
                w = _solve_triangular(U, p, trans=1)
                w_norm = _norm2(w)
                delta_lambda = (p_norm / w_norm)**2 * (p_norm - tr_radius) / tr_radius
                lambda_new = lambda_current + delta_lambda
                if p_norm < tr_radius:  # inside the boundary
                    s_min, z_min = _smallest_singular_value(U)
                    ta, tb = _boundaries_intersections(p, z_min, tr_radius)
                    step_len = min([ta, tb], key=abs)
                    quadratic_term = np.dot(p, np.dot(H, p))
                    relative_error = ((step_len**2 * s_min**2)
                                      / (quadratic_term + lambda_current * tr_radius**2))
                    if relative_error <= K_HARD:
                        p += step_len * z_min
                        break
                    lambda_ub = lambda_current
                    lambda_lb = max(lambda_lb, lambda_current - s_min**2)
                    H = self.hess + lambda_new * eye
                    # SciPy discards this factor and, with already_factorized, goes on with the
                    # previous U at the new lambda: kept as it is (the same iterates)
                    _, info = potrf(H, lower=False, overwrite_a=False, clean=True)
                    if info == 0:
                        lambda_current = lambda_new
                        already_factorized = True
                    else:
                        lambda_lb = max(lambda_lb, lambda_new)
                        lambda_current = max(
                            np.sqrt(np.abs(lambda_lb * lambda_ub)),
                            lambda_lb + UPDATE_COEFF * (lambda_ub - lambda_lb))
                else:  # outside the boundary
                    relative_error = abs(p_norm - tr_radius) / tr_radius
                    if relative_error <= K_EASY:
                        break
                    lambda_lb = lambda_current
                    lambda_current = lambda_new
            elif info == 0 and self.jac_mag <= self.CLOSE_TO_ZERO:
                if lambda_current == 0:
                    p = np.zeros(n)
                    hits_boundary = False
                    break
                s_min, z_min = _smallest_singular_value(U)
                step_len = tr_radius
                p = step_len * z_min
                if step_len**2 * s_min**2 <= K_HARD * lambda_current * tr_radius**2:
                    break
                lambda_ub = lambda_current
                lambda_lb = max(lambda_lb, lambda_current - s_min**2)
                lambda_current = max(np.sqrt(lambda_lb * lambda_ub),
                                     lambda_lb + UPDATE_COEFF * (lambda_ub - lambda_lb))
            else:  # the factorisation failed: singular_leading_submatrix(H, U, info)
                k = info
                delta = np.sum(U[:k - 1, k - 1]**2) - H[k - 1, k - 1]
                v = np.zeros(n)
                v[k - 1] = 1
                if k != 1:
                    v[:k - 1] = _solve_triangular(U[:k - 1, :k - 1], -U[:k - 1, k - 1])
                v_norm = _norm2(v)
                lambda_lb = max(lambda_lb, lambda_current + delta / v_norm**2)
                lambda_current = max(np.sqrt(np.abs(lambda_lb * lambda_ub)),
                                     lambda_lb + UPDATE_COEFF * (lambda_ub - lambda_lb))
        self.lambda_lb = lambda_lb
        self.lambda_current = lambda_current
        self.previous_tr_radius = tr_radius
        return p, hits_boundary


def minimize(fun_and_grad: Callable, hess: Callable, x0: np.ndarray, gtol: float = 1e-4,
             maxiter: int | None = None, initial_trust_radius: float = 1.0,
             max_trust_radius: float = 1000.0, eta: float = 0.15,
             hess_finite: Callable | None = None):
    """``scipy.optimize.minimize(fun_and_grad, x0, jac=True, hess=hess, method="trust-exact",
    options={"gtol": gtol, "maxiter": maxiter})``: returns ``(x, fun, jac, success)``.

    ``fun_and_grad(x)`` returns ``(f, g)`` (f a float, g a float64 vector); ``hess(x)`` the
    Hessian.  Neither may keep or modify ``x``.

    ``hess_finite(x, f)``: True only when the Hessian at x is certainly finite (without making
    it).  SciPy makes the Hessian at every trial point and raises ``ValueError`` when it is not
    finite, even at a trial it then rejects; a trial point the predicate does not clear gets the
    same treatment here (its Hessian is made and checked at once).  Without the predicate every
    trial point is treated so."""
    x = np.asarray(x0, dtype=float).flatten()
    if maxiter is None:
        maxiter = len(x) * 200

    def point(z):
        f, g = fun_and_grad(z)
        sub = _Subproblem(z, f, np.atleast_1d(g), hess)
        if hess_finite is None or not hess_finite(z, f):
            sub._prepare()  # SciPy's eager Hessian, with its finiteness checks
        return sub

    m = point(x)
    k = 0
    warnflag = 0
    trust_radius = initial_trust_radius
    while m.jac_mag >= gtol:
        try:
            p, hits_boundary = m.solve(trust_radius)
        except np.linalg.LinAlgError:
            warnflag = 3
            break
        predicted_value = m.predicted(p)
        x_proposed = x + p
        m_proposed = point(x_proposed)
        actual_reduction = m.fun - m_proposed.fun
        predicted_reduction = m.fun - predicted_value
        if predicted_reduction <= 0:
            warnflag = 2
            break
        rho = actual_reduction / predicted_reduction
        if rho < 0.25:
            trust_radius *= 0.25
        elif rho > 0.75 and hits_boundary:
            trust_radius = min(2 * trust_radius, max_trust_radius)
        if rho > eta:
            x = x_proposed
            m = m_proposed
        k += 1
        if m.jac_mag < gtol:
            warnflag = 0
            break
        if k >= maxiter:
            warnflag = 1
            break
    return x, m.fun, m.jac, warnflag == 0
