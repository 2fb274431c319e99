"""The exact model of a user claim: symbols, loss, GD map, Jacobian and Hessian; numeric twins.

Built once per claim from a validated :class:`ClaimSpec`; the generic checks of
:mod:`verify.userclaims.checks` only ever talk to this model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import mpmath
import sympy as sp

from proofs.compile import to_mpmath
from proofs.expressions import parse, real_symbol
from verify.userclaims.spec import ClaimSpec
from verify.vocabulary import Coverage, Scope


class ModelError(ValueError):
    """A claim that parsed but cannot be modelled; the message names the claim and the key."""


@dataclass(frozen=True)
class Box:
    """Parameter box: free intervals and pinned values, exact rationals."""

    free: dict[str, tuple[sp.Rational, sp.Rational]]
    pinned: dict[str, sp.Rational]


class Model:
    """Symbols and exact expressions of one claim, with mpmath evaluators."""

    def __init__(self, spec: ClaimSpec):
        self.spec = spec
        self.vars = [real_symbol(v) for v in spec.variables]
        self.params = {name: real_symbol(name, positive=(name == spec.step))
                       for name in spec.params}
        self.symbols = {**{v.name: v for v in self.vars}, **self.params}
        self.step = self.params.get(spec.step) if spec.step else None
        self.loss = None
        self.loss = self.expr(spec.loss, check=False) if spec.loss else None
        free, pinned = {}, {}
        for name, value in spec.params.items():
            if isinstance(value, tuple):
                lo, hi = (sp.Rational(v) for v in value)
                if lo == hi:
                    pinned[name] = lo
                else:
                    free[name] = (lo, hi)
            else:
                pinned[name] = sp.Rational(value)
        self.box = Box(free, pinned)
        self.assume = [self.expr(a, check=False) for a in spec.assume]
        self._check_symbols()

    def _check_symbols(self) -> None:
        """Every expression of the claim uses only the declared symbol objects.

        A symbol with a declared *name* but other assumptions (what ``Symbol('x')`` in a loss
        builds) is another variable to SymPy: a gradient in the declared ``x`` would ignore it
        and the symbolic tier would "prove" a false claim.  Compared by object, not by name.

        Raises:
            ModelError: naming the key and the foreign symbols.
        """
        spec = self.spec
        texts = [("loss", spec.loss), *(("assume", a) for a in spec.assume),
                 *(("points", e) for p in spec.points for e in p),
                 *((k, e) for k in ("equilibrium", "start", "target") for e in getattr(spec, k)),
                 *((k, getattr(spec, k)) for k in ("condition", "lhs", "rhs", "metric"))]
        if spec.bound is not None:
            texts.append(("bound", spec.bound))
        rate = {"t": sp.Symbol("t"), "metric0": sp.Symbol("metric0")}
        for key, text in texts:
            if text is None:
                continue
            extra = rate if spec.kind == "rate" and key == "bound" else {}
            value = self.expr(text, extra, check=False)
            allowed = set(self.symbols.values()) | set(extra.values())
            foreign = sorted((s for s in value.free_symbols if s not in allowed), key=str)
            if foreign:
                raise ModelError(
                    f"claim '{spec.id}': key '{key}': {text!r} uses symbol(s) "
                    f"{', '.join(map(str, foreign))} that are not the declared ones (a Symbol(...) "
                    "call makes another variable of the same name); only the declared "
                    "variables and parameters may appear")

    @functools.cached_property
    def scope(self) -> dict[str, str]:
        """The class the claim states, as data: each parameter's interval or pinned value."""
        out = {name: f"[{lo}, {hi}]" for name, (lo, hi) in self.box.free.items()}
        out.update({name: f"= {value}" for name, value in self.box.pinned.items()})
        return dict(sorted(out.items()))

    def coverage(self, scope: Scope, points: int | None = None, decides: bool = True,
                 part: str = "") -> Coverage:
        """What a check of this claim covers: the whole box (its assumptions only shrink it)."""
        return Coverage(scope, self.scope, points=points, decides=decides, part=part)

    def expr(self, text: str, extra: dict[str, sp.Symbol] | None = None,
             check: bool = True) -> sp.Expr:
        """Parse one expression of the claim (``loss`` in it means the loss).

        With ``check``, a symbol that is not one of the declared objects (nor of ``extra``) is
        an error (see :meth:`_check_symbols`)."""
        symbols = dict(self.symbols)
        if extra:
            symbols.update(extra)
        placeholder = sp.Symbol("loss")  # the word ``loss`` in a metric means the loss itself
        if self.loss is not None and "loss" not in symbols:
            symbols["loss"] = placeholder
        value = parse(text, symbols)
        if self.loss is not None:
            value = value.subs(placeholder, self.loss)
        allowed = set(self.symbols.values()) | set((extra or {}).values())
        if check and not value.free_symbols <= allowed:
            foreign = ", ".join(sorted(map(str, value.free_symbols - allowed)))
            raise ModelError(f"claim '{self.spec.id}': {text!r} uses symbol(s) {foreign} that "
                             "are not the declared ones")
        return value

    def pin(self, e: sp.Expr) -> sp.Expr:
        """Substitute the pinned parameters exactly."""
        return e.subs({self.params[k]: v for k, v in self.box.pinned.items()})

    @functools.cached_property
    def gradient(self) -> sp.Matrix:
        return sp.Matrix([sp.diff(self.loss, v) for v in self.vars])

    @functools.cached_property
    def gd_map(self) -> sp.Matrix:
        return sp.Matrix(self.vars) - self.step * self.gradient

    @functools.cached_property
    def jacobian(self) -> sp.Matrix:
        return self.gd_map.jacobian(self.vars).applyfunc(
            lambda e: e.replace(sp.DiracDelta, lambda *a: 0))

    @functools.cached_property
    def hessian(self) -> sp.Matrix:
        return sp.hessian(self.loss, self.vars).applyfunc(
            lambda e: e.replace(sp.DiracDelta, lambda *a: 0))

    @functools.cached_property
    def free_names(self) -> list[str]:
        return sorted(self.box.free)

    def mp(self, e) -> callable:
        """An mpmath function of (variables..., free parameters...) with pinned values inserted."""
        args = self.vars + [self.params[n] for n in self.free_names]
        return to_mpmath(self.pin(sp.sympify(e)), args)

    def mp_vector(self, m: sp.Matrix) -> callable:
        """Like :meth:`mp` for a column vector: returns a flat list."""
        fn = self.mp(m)
        return lambda *a: [v for row in fn(*a) for v in (row if isinstance(row, list) else [row])]

    @functools.cached_property
    def mp_step(self):
        return self.mp_vector(self.gd_map)

    def assumptions_hold(self, values: dict[str, mpmath.mpf]) -> bool:
        """Whether the ``assume`` relations hold at a parameter point (evaluated at 30 digits)."""
        subs = {**{self.params[k]: v for k, v in self.box.pinned.items()},
                **{self.params[k]: sp.Rational(str(v)) for k, v in values.items()}}
        return all(bool(a.subs(subs)) for a in self.assume)
