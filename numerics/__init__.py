"""Numeric engines: batched float64 GD (numpy), high precision (mpmath), balls (python-flint).

Engines take plain callables and an ``np.random.Generator``; they never import :mod:`verify`
and never print.
"""
