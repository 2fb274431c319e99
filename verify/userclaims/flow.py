"""Gradient flow x' = -grad f(x): ``optimizer = { method = "flow" }`` on a rate sweep.

Wu, Wang & Ma (2019), eq. (4.1) ("continuous-time gradient descent"), whose loss Theorem 4.1
bounds by e^{-2t} R(0).  The claim's ``step`` is the time between the instants the bound is
checked at: t = 0, step, ..., steps * step.

- float64 paths (the sweep): every run of the batch integrated as one system by SciPy's
  ``solve_ivp`` (LSODA: stiff or not, :data:`RTOL`, :data:`ATOL`: each coordinate's local error
  below ATOL + RTOL |x|), reported with the evidence; a run whose integration fails is not
  finite from there on (replayed, as a sweep's failing runs are).
- the high-precision path (a replay): ``mpmath.odefun``, a Taylor series method that keeps the
  error below the working precision's epsilon, run at the replay's digits and 20 more (the
  slack must agree, :func:`verify.userclaims.checks.rate_refutation`).
"""

from __future__ import annotations

import mpmath
import numpy as np

from verify.userclaims.budget import Deadline

RTOL, ATOL = 1e-10, 1e-12
INTEGRATOR = f"solve_ivp LSODA, rtol {RTOL:g}, atol {ATOL:g}"
# A hostile claim must not ask for a huge system (LSODA's stiff mode forms a dense Jacobian) or
# a huge table of states: runs are integrated GROUP at a time, and a flow claim states at most
# MAX_RUNS runs per instance and MAX_STEPS instants.
GROUP, MAX_RUNS, MAX_STEPS = 8, 64, 1000


def float_path(loss_grad, X: np.ndarray, h: float, steps: int) -> np.ndarray:
    """The states of the runs (rows of ``X``, integrated as one system) at t = 0, h, ...,
    steps * h: (steps + 1, m, n) float64, NaN after a failed integration."""
    from scipy.integrate import solve_ivp  # imported where a flow runs (see numerics/__init__)

    shape = X.shape
    times = h * np.arange(steps + 1)
    sol = solve_ivp(lambda _t, y: -loss_grad(y.reshape(shape))[1].ravel(), (0.0, times[-1]),
                    X.ravel(), method="LSODA", t_eval=times, rtol=RTOL, atol=ATOL)
    out = np.full((steps + 1, *shape), np.nan)
    out[:sol.y.shape[1]] = sol.y.T.reshape(-1, *shape)
    return out


def mp_path(model, start: list, args: list, steps: int, h,
            deadline: Deadline | None = None):
    """The flow from ``start`` at t = 0, h, ..., steps * h at the working precision
    (``mpmath.odefun``), each state integrated when it is read; a state the integration
    cannot reach is a list of None (and the last)."""
    grad = model.mp_grad
    path = mpmath.odefun(lambda _t, y: [-g for g in grad(*y, *args)], 0, list(start))
    yield list(start)
    for k in range(1, steps + 1):
        if deadline is not None:
            deadline.check(f"gradient flow to t = {k} * {h}")
        try:
            yield list(path(k * h))
        except (ArithmeticError, ValueError, OverflowError):
            yield [None] * len(start)
            return
