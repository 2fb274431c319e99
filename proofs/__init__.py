"""Exact symbolic engine (SymPy only): loss families, GD maps, Jacobians, Hessians, identities.

Never imports :mod:`verify` (a test enforces it).
"""
