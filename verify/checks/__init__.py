"""Check factories: functions that build :class:`verify.vocabulary.Check` objects from data.

Each factory's docstring says what its check can prove, what it can only refute, and over
which scope.  Modules: :mod:`.common` (problems, decimal strings, re-evaluation helpers),
:mod:`.chains` (deep scalar chains), :mod:`.certified` (ball-arithmetic proofs over ranges of
step sizes: Krawczyk orbit covers, threshold crossings, long orbits, trapping covers).
"""
