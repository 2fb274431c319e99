"""Shared pieces of the check factories: problems as data, decimal strings, precise replays."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import mpmath
import numpy as np
import sympy as sp

from numerics import accel, compiled, precise
from proofs.compile import horner_map, to_c, to_mpmath, to_numpy, to_torch
from proofs.expressions import parse, real_symbol
from proofs.scalar import ScalarGD
from verify.vocabulary import Coverage, Scope


@dataclass(frozen=True)
class ScalarProblem:
    """GD on a scalar loss, as data: the loss in SymPy syntax and its symbols.

    Attributes:
        loss: e.g. ``"2*Abs(x)**Rational(3,2)/3"``.
        var: the state variable.
        step: the step-size symbol (positive).
        fixed: parameters pinned to exact values, e.g. ``{"L": "4"}``.
    """

    loss: str
    var: str = "x"
    step: str = "delta"
    fixed: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        # Stored as a sorted tuple of pairs so that problems are hashable (engine caches).
        object.__setattr__(self, "fixed", _Pins(sorted(dict(self.fixed).items())))

    def label(self) -> str:
        pins = ", ".join(f"{k}={v}" for k, v in self.fixed.items())
        return f"f({self.var}) = {self.loss}" + (f" with {pins}" if pins else "")


class _Pins(tuple):
    """Pinned parameters: a hashable, sorted tuple of (name, value) that reads like a dict."""

    def items(self):
        return iter(self)


@functools.lru_cache(maxsize=64)
def _build(loss: str, var: str, step: str, fixed: tuple[tuple[str, str], ...]) -> ScalarGD:
    x = real_symbol(var)
    delta = real_symbol(step, positive=True)
    pins = {name: sp.Symbol(name, positive=True) for name, _ in fixed}
    expr = parse(loss, {var: x, step: delta, **pins})
    expr = expr.subs({pins[name]: sp.Rational(value) for name, value in fixed})
    return ScalarGD(expr, x, delta)


def scalar_gd(problem: ScalarProblem) -> ScalarGD:
    """The exact GD system of a problem (cached: building it parses and differentiates)."""
    return _build(problem.loss, problem.var, problem.step, tuple(problem.fixed))


def expr_in(problem: ScalarProblem, text: str) -> sp.Expr:
    """Parse an expression (a claimed point, a bound) in the problem's step symbol."""
    gd = scalar_gd(problem)
    return parse(text, {problem.step: gd.step, problem.var: gd.x})


@functools.lru_cache(maxsize=64)
def gd_kernel(gd, fma: bool):
    """The compiled kernel of ``gd``'s map (None where no C source or compiler): the FMA build
    runs the Horner form with fused multiply-adds, the IEEE build the expression as derived
    (see :func:`numerics.compiled.fma_wanted`).  The one recipe the suite, its benchmark and
    its tests share."""
    source = to_c(horner_map(gd.gd_map, gd.x, gd.step) if fma else gd.gd_map, gd.x, gd.step)
    return compiled.build(source, fma=fma) if source else None


def _maps(problem: ScalarProblem):
    backend = compiled.backend_wanted()
    fma = compiled.fma_wanted() if backend in ("auto", "c") else None
    # None unless torch sees a GPU and the backend allows it
    return _maps_for(problem, backend, fma, accel.gpu_device())


@functools.lru_cache(maxsize=256)
def _maps_for(problem: ScalarProblem, backend: str, fma: bool | None, device: str | None):
    """The maps of ``problem`` under these settings (remembered: a precise sweep asks for
    them once per start, and lambdifying the map again cost ~3 ms each time)."""
    gd = scalar_gd(problem)
    vectorised = to_numpy(gd.gd_map, [gd.x, gd.step])
    kernel = gpu = None
    if fma is not None:
        kernel = gd_kernel(gd, fma)
    if device is not None:
        gpu = accel.TorchScalarMap(to_torch(gd.gd_map, [gd.x, gd.step]), device)
    return (compiled.ScalarMap(vectorised, kernel, gpu),
            to_mpmath(gd.gd_map, [gd.x, gd.step]))


def numpy_map(problem: ScalarProblem):
    """g(x, delta) in float64: callable on arrays (numpy); batches through
    :func:`numerics.gd.iterate_scalar` run in a compiled kernel when one could be built."""
    return _maps(problem)[0]


def mpmath_map(problem: ScalarProblem):
    """g(x, delta) in mpmath (use inside workdps)."""
    return _maps(problem)[1]


def dec(value, digits: int = 17) -> str:
    """A number as a decimal string (floats round-trip; mpf and SymPy values at ``digits``)."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value)) if np.isfinite(value) else str(float(value))
    if isinstance(value, mpmath.mpf):
        return mpmath.nstr(value, digits)
    if isinstance(value, sp.Basic):
        return str(sp.N(value, digits)) if not value.is_Integer else str(value)
    return str(value)


def decs(values, digits: int = 6) -> tuple[str, ...]:
    """Figure data: many numbers, short strings."""
    return tuple(f"{float(v):.{digits}g}" for v in np.asarray(values, dtype=float).ravel())


@dataclass(frozen=True)
class PreciseOrbit:
    """The long-run behaviour of one run, replayed at high precision."""

    kind: str  # "fixed", "cycle", "diverged", "undecided"
    period: int
    points: tuple  # the final p points (mpf), for fixed/cycle


def replay(problem: ScalarProblem, x0, delta, steps: int, dps: int,
           max_period: int = 8) -> PreciseOrbit:
    """Replay one start at ``dps`` digits and classify its tail (tolerance 10^(-dps/2))."""
    orbit = precise.iterate(mpmath_map(problem), x0, [delta], steps + 2 * max_period, dps)
    with mpmath.workdps(dps):
        last = orbit[-1]
        if len(orbit) < steps + 2 * max_period + 1 or not mpmath.isfinite(last):
            return PreciseOrbit("diverged", 0, ())
        tol = mpmath.mpf(10) ** (-(dps // 2))
        tail = orbit[-2 * max_period:]
        scale = 1 + max(abs(v) for v in tail)
        for p in range(1, max_period + 1):
            if all(abs(tail[i + p] - tail[i]) <= tol * scale for i in range(len(tail) - p)):
                return PreciseOrbit("fixed" if p == 1 else "cycle", p, tuple(tail[-p:]))
    return PreciseOrbit("undecided", 0, ())


EVERY_STEP = "(0, oo)"  # the class "every step size delta > 0", as coverage and scope text


def declared(scope: Scope, covers: Mapping[str, str], points: int | None = None,
             part: str | None = None) -> Coverage:
    """What a finding covers.  ``part`` None: the evidence decides the claim; a string: it
    establishes only that part of the claim (``""``: a side fact), so it never decides."""
    return Coverage(scope, dict(covers), points=points, decides=part is None, part=part or "")


def set_text(values) -> str:
    """A finite set of instances as coverage text: ``{2, 3, 4}``."""
    return "{" + ", ".join(str(v) for v in values) + "}"


def instances(decides: bool = True, **covers: str) -> Coverage:
    """Exact or certified evidence on the listed instances (``L=set_text((2, 3))``; names with
    spaces or punctuation go through ``**{"name": ...}``)."""
    return Coverage(Scope.INSTANCES, dict(covers), decides=decides)


def sampled(points: int, decides: bool = True, **covers: str) -> Coverage:
    """Float or mpmath evidence: ``points`` evaluated points of the listed sets."""
    return Coverage(Scope.SAMPLE, dict(covers), points=points, decides=decides)
