"""Numeric engines: batched float64 GD (numpy), high precision (mpmath), balls (python-flint).

Engines take plain callables and an ``np.random.Generator``; they never import :mod:`verify`
and never print.  SciPy is imported in the functions that use it (:data:`SCIPY_MODULES`), not
with the modules: every process of the suite imports these, and SciPy's optimize, sparse and
integrate packages took ~0.4 s of the ~2.5 s a cached re-run spends starting up; the run's
worker pool imports them once, in its forkserver (:func:`verify.parallel._context`).
"""

SCIPY_MODULES = ("scipy.optimize", "scipy.sparse.linalg", "scipy.integrate", "scipy.linalg")
