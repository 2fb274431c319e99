"""The exact model of a user claim: symbols, loss, GD map, Jacobian and Hessian; numeric twins.

Built once per claim from a validated :class:`ClaimSpec`; the generic checks of
:mod:`verify.userclaims.checks` only ever talk to this model.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import flint
import mpmath
import numpy as np
import sympy as sp

from numerics import factorisations as fz
from numerics.certified.arithmetic import FLINT
from proofs.ballcode import UnsupportedExpression, compile_ball
from proofs.compile import compiled_once, to_mpmath
from proofs.expressions import parse, real_symbol
from verify.models import FAMILIES
from verify.models import quantities as Q
from verify.userclaims.spec import INFINITIES, ClaimSpec
from verify.vocabulary import Coverage, Scope


def claim_symbols(spec: ClaimSpec) -> dict[str, sp.Symbol]:
    """The parameter symbols of a claim: reals (the step positive) and positive integers (a depth
    L), the same objects the parser validated the claim with."""
    out = {name: real_symbol(name, positive=(name == spec.step)) for name in spec.params}
    out.update({name: sp.Symbol(name, integer=True, positive=True) for name in spec.integers})
    return out


def parse_assumptions(spec: ClaimSpec) -> list[sp.Basic]:
    """The claim's ``assume`` relations over its parameters (parsed safely, never executed)."""
    symbols = claim_symbols(spec)
    return [parse(text, symbols) for text in spec.assume]


def assumptions_hold(relations: list[sp.Basic], values: dict) -> bool:
    """Whether every relation holds at a parameter point, evaluated exactly (a float value is
    the rational it denotes; an int stays an integer).

    Each relation is first decided by a ball (python-flint) enclosing lhs - rhs at that same
    rational point; only where the ball cannot decide (it holds 0, or a node the ball compiler
    does not take) is the relation substituted exactly.  Both routes decide the same relation
    at the same point, so the answer is the exact one; the balls only make it ~50 times faster
    (a search asks at every point it draws)."""
    if not relations:
        return True
    by_name = {s.name: s for r in relations for s in r.free_symbols}
    subs = None
    for r in relations:
        holds = _ball_decides(r, values)
        if holds is None:
            if subs is None:
                subs = {by_name[k]: sp.Integer(v) if isinstance(v, int) else sp.Rational(str(v))
                        for k, v in values.items() if k in by_name}
            holds = decide_at(r, subs)
        if not holds:
            return False
    return True


def decide_at(relation: sp.Basic, subs: dict) -> bool:
    """An order relation's truth at an exact point, never by SymPy's own evaluation of the
    substituted relation: that compares the sides' values at about two digits (SymPy 1.14
    says log(1 + 10^-12) <= 0 is True).  The difference's sign is decided exactly where it is
    a rational number, else by SymPy's assumptions (is_positive / is_zero, exact where SymPy
    can reason), else at 60 digits where its size clears 10^-40; a difference below that, or
    a non-real one, raises TypeError (undecidable here, as SymPy itself does).  A relation that
    is not an order relation (Eq, a boolean) keeps SymPy's exact substitution."""
    oriented = _ORIENTED.get(type(relation))
    if oriented is None:
        return bool(relation.subs(subs))
    sign, strict = oriented
    d = (sign * (relation.lhs - relation.rhs)).subs(subs)
    if d.is_Rational:
        return bool(d > 0) if strict else bool(d >= 0)
    if d.is_zero:
        return not strict
    if d.is_positive:
        return True
    if d.is_negative:
        return False
    value = sp.N(d, 60)
    if value.is_real and value.is_Number and abs(value) > sp.Float("1e-40", 60):
        return bool(value > 0)
    raise TypeError(f"cannot decide the sign of {d} at 60 digits")


# lhs - rhs (> and >=) or rhs - lhs (< and <=) must be positive (strict) or nonnegative
_ORIENTED = {sp.StrictGreaterThan: (1, True), sp.GreaterThan: (1, False),
             sp.StrictLessThan: (-1, True), sp.LessThan: (-1, False)}


@functools.lru_cache(maxsize=1024)
def _ball_form(relation: sp.Basic):
    """(strict, ball function of the difference, its argument names) or None (not an order
    relation, or a node the ball compiler does not take)."""
    oriented = _ORIENTED.get(type(relation))
    if oriented is None:
        return None
    sign, strict = oriented
    difference = sign * (relation.lhs - relation.rhs)
    args = sorted(difference.free_symbols, key=lambda s: s.name)
    try:
        fn = compile_ball(difference, args, FLINT.functions)
    except UnsupportedExpression:
        return None
    return strict, fn, tuple(s.name for s in args)


def _ball_decides(relation: sp.Basic, values: dict) -> bool | None:
    """The relation's truth at the point by a ball enclosure, or None when it cannot say."""
    form = _ball_form(relation)
    if form is None:
        return None
    strict, fn, names = form
    try:
        with FLINT.precision(128):
            # the exact rational a float's text denotes (as the exact route reads it), enclosed
            point = [flint.arb(v) if isinstance(v, int) else flint.arb(str(v))
                     for v in (values[n] for n in names)]
            ball = fn(*point)
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return None
    if (FLINT.positive if strict else FLINT.nonnegative)(ball):
        return True
    if (FLINT.nonpositive if strict else FLINT.negative)(ball):
        return False
    return None


_FLOAT = np.dtype(float)


def _real_batch(value, m: int) -> np.ndarray:
    """One lambdified value as a float array (m,): a non-real entry is NaN."""
    out = np.asarray(value)
    if np.iscomplexobj(out):
        out = np.where(out.imag == 0, out.real, np.nan)
    return np.broadcast_to(out.astype(float), (m,))


class ModelError(ValueError):
    """A claim that parsed but cannot be modelled; the message names the claim and the key."""


@dataclass(frozen=True)
class Box:
    """Parameter box: free intervals and pinned values, exact rationals."""

    free: dict[str, tuple[sp.Rational, sp.Rational]]
    pinned: dict[str, sp.Rational]


def written_out(e: sp.Expr) -> sp.Expr:
    """Every ``Product(f(k), (k, lo, hi))`` with integer limits as ``f(lo)*...*f(hi)`` (exact;
    the parser bounds the number of terms), the outermost limit first (an inner limit may
    depend on an outer index), until none is left."""

    def one_limit(product: sp.Product) -> sp.Expr:
        (k, lo, hi), rest = product.limits[-1], product.limits[:-1]
        inner = sp.Product(product.function, *rest) if rest else product.function
        return sp.Mul(*(inner.subs(k, i) for i in range(int(lo), int(hi) + 1)))

    def numeric(x) -> bool:
        return isinstance(x, sp.Product) and all(lim.is_Integer for lim in x.limits[-1][1:])

    while e.has(sp.Product) and any(numeric(x) for x in e.atoms(sp.Product)):
        e = e.replace(numeric, one_limit)
    return e


class Model:
    """Symbols and exact expressions of one claim (one instance: the integer parameters such as
    a depth L take the values ``ints``), with mpmath evaluators."""

    def __init__(self, spec: ClaimSpec, ints: dict[str, int] | None = None):
        self.spec = spec
        self.ints = dict(ints or {})
        self.family = FAMILIES[(spec.model or {}).get("family", "expression")]
        self.family_spec = spec.model or {"loss": spec.loss, "variables": spec.variables}
        self.state = self.family.state(self.family_spec, self.ints)
        self.vars = list(self.state.coords)
        self.params = claim_symbols(spec)
        self.symbols = {**self.state.names, **self.params}
        self.step = self.params.get(spec.step) if spec.step else None
        self.loss = None
        if spec.loss or spec.model:
            self.loss = self.family.loss(self.family_spec, self.state, self.params)
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
        # an int is one instance; a SymPy expression (n + N, N >= 0 an integer symbol) stands
        # for every integer from n on (verify.userclaims.every_integer)
        pinned.update({name: v if isinstance(v, sp.Basic) else sp.Integer(v)
                       for name, v in self.ints.items()})
        self.box = Box(free, pinned)
        self.assume = [self.expr(a, check=False) for a in spec.assume]
        self._check_symbols()
        self._check_momentum()

    def _check_momentum(self) -> None:
        """A momentum written as a number or as one parameter must lie in [0, 1) over its whole
        range (the optimisers' thresholds and stability tests are stated there); an expression
        of several parameters is checked at each point instead.

        Raises:
            ModelError: naming optimizer.beta and the range it leaves [0, 1) with.
        """
        text = (self.spec.optimizer or {}).get("beta")
        if not text:
            return
        beta = self.pin(self.expr(text))
        if beta.is_Number:
            lo = hi = sp.Rational(beta)
        elif isinstance(beta, sp.Symbol) and beta.name in self.box.free:
            lo, hi = self.box.free[beta.name]
        else:
            return
        if not (0 <= lo and hi < 1):
            span = str(lo) if lo == hi else f"[{lo}, {hi}]"
            raise ModelError(f"claim {self.spec.id!r}: optimizer beta: the momentum must lie in "
                             f"[0, 1) (0 <= beta < 1), but it ranges over {span}")

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
                 *((k, getattr(spec, k)) for k in ("condition", "metric")),
                 *((k, getattr(spec, k)) for k in ("lhs", "rhs")
                   if spec.kind != "identity" and not spec.at
                   and getattr(spec, k) not in INFINITIES),
                 *(("exponent", spec.exponent), ("factor", spec.factor))]
        if spec.bound is not None and not (spec.kind == "threshold" and spec.to_set):
            texts.append(("bound", spec.bound))  # (a minimiser's pattern: checked by parse)
        rate = {"t": sp.Symbol("t"), "metric0": sp.Symbol("metric0")}
        for key, text in texts:
            if text is None:
                continue
            extra = rate if spec.kind == "rate" and key == "bound" else {}
            if spec.kind == "trajectory" and key == "bound":  # a bound in t (parse allows it)
                extra = {"t": rate["t"]}
            value = self.expr(text, extra, check=False)
            allowed = self._declared | set(extra.values())
            self._foreign(key, text, value, allowed)
        if spec.at and spec.at != "minima" and spec.kind == "inequality":  # quantities: the
            # quantity names besides the declared
            for key in ("lhs", "rhs"):
                value, used, _, _ = self._quantity_parts(getattr(spec, key))
                self._foreign(key, getattr(spec, key), value, self._declared | set(used))
        if spec.kind == "identity" and not spec.at:  # (at = "symmetric": its own names)
            extra = self.identity_names
            for key in ("lhs", "rhs"):
                value = self.side(getattr(spec, key), check=False)
                self._foreign(key, getattr(spec, key), value,
                              self._declared | set(extra.values()))

    def _foreign(self, key: str, text, value, allowed) -> None:
        foreign = sorted((s for s in value.free_symbols if s not in allowed), key=str)
        if foreign:
            raise ModelError(
                f"claim '{self.spec.id}': key '{key}': {text!r} uses symbol(s) "
                f"{', '.join(map(str, foreign))} that are not the declared ones (a Symbol(...) "
                "call makes another variable of the same name); only the declared "
                "variables and parameters may appear")

    @functools.cached_property
    def identity_names(self) -> dict[str, sp.Basic]:
        """``loss``, ``grad_NAME``, ``gd_NAME`` as exact expressions (an identity's names)."""
        outputs = getattr(self.family, "outputs", None)
        return {**Q.derivative_names(self.loss, self.state.names, self.step, set(self.symbols)),
                **Q.second_order_names(
                    self.loss, self.vars, outputs and outputs(self.family_spec, self.state,
                                                              self.params),
                    _texts(self.spec.lhs, self.spec.rhs), set(self.symbols))}

    def side(self, value, check: bool = True) -> sp.Matrix:
        """One side of an identity as a matrix (a scalar is 1 x 1; a vector a column)."""
        extra = self.identity_names
        if isinstance(value, tuple):
            return sp.Matrix([[self.expr(v, extra, check) for v in row] for row in value])
        parsed = self.expr(value, extra, check)
        return sp.Matrix(parsed) if isinstance(parsed, sp.MatrixBase) else sp.Matrix([[parsed]])

    @functools.cached_property
    def identity_differences(self) -> list[tuple[sp.Expr, sp.Expr]]:
        """(lhs entry, rhs entry) pairs, pinned parameters substituted (a scalar 0 on the
        right stands for the zero matrix)."""
        lhs, rhs = self.side(self.spec.lhs), self.side(self.spec.rhs)
        if rhs.shape == (1, 1) and lhs.shape != (1, 1) and rhs[0, 0] == 0:
            rhs = sp.zeros(*lhs.shape)
        return [(self.pin(a), self.pin(b)) for a, b in zip(lhs, rhs)]

    @property
    def _declared(self) -> set[sp.Symbol]:
        return set(self.vars) | set(self.params.values())

    @functools.cached_property
    def scope(self) -> dict[str, str]:
        """The class the claim states, as data: each parameter's interval or pinned value (a
        half-line, ``"< 0"``, as written)."""
        return dict(sorted({**self.box_scope, **self.spec.rays}.items()))

    @functools.cached_property
    def box_scope(self) -> dict[str, str]:
        """The box the searches draw from: :attr:`scope` with each half-line replaced by the
        finite interval drawn in it."""
        out = {name: f"[{lo}, {hi}]" for name, (lo, hi) in self.box.free.items()}
        out.update({name: f"= {value}" for name, value in self.box.pinned.items()})
        return dict(sorted(out.items()))

    def coverage(self, scope: Scope, points: int | None = None, decides: bool = True,
                 part: str = "", boxed: bool = False) -> Coverage:
        """What a check of this claim covers: the whole box (its assumptions only shrink it).
        A sample, or a proof over the drawn box only (``boxed``: bisection), covers the box
        drawn in a half-line, not the half-line."""
        covers = self.box_scope if boxed or scope is not Scope.CLASS else self.scope
        return Coverage(scope, covers, points=points, decides=decides, part=part)

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
        allowed = self._declared | set((extra or {}).values())
        if check and not value.free_symbols <= allowed:
            foreign = ", ".join(sorted(map(str, value.free_symbols - allowed)))
            raise ModelError(f"claim '{self.spec.id}': {text!r} uses symbol(s) {foreign} that "
                             "are not the declared ones")
        return value

    def pin(self, e: sp.Expr) -> sp.Expr:
        """Substitute the pinned parameters exactly; a Product whose limits became numbers is
        written out term by term (the numeric printers know Sum but not Product)."""
        return written_out(e.subs({self.params[k]: v for k, v in self.box.pinned.items()}))

    @functools.cached_property
    def threshold_bound(self) -> sp.Expr:
        """A threshold's bound, pinned values substituted; at a minimiser set, at the generic
        minimiser (:func:`verify.userclaims.minimiser_set.bound_at`)."""
        if self.spec.to_set:
            from verify.userclaims.minimiser_set import bound_at

            return bound_at(self)
        return self.pin(self.expr(self.spec.bound))

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
        # once per process for the same loss and variables (parts sharing a model)
        return compiled_once((self.loss, tuple(self.vars), "hessian"), lambda: sp.hessian(
            self.loss, self.vars).applyfunc(lambda e: e.replace(sp.DiracDelta, lambda *a: 0))
                             ).copy()

    @functools.cached_property
    def free_names(self) -> list[str]:
        return sorted(self.box.free)

    def mp(self, e, cse: bool = False) -> callable:
        """An mpmath function of (variables..., free parameters...) with pinned values inserted
        (``cse``: common subexpressions once, for the maps evaluated at every step)."""
        args = self.vars + [self.params[n] for n in self.free_names]
        return to_mpmath(self.pin(sp.sympify(e)), args, cse=cse)

    def mp_vector(self, m: sp.Matrix) -> callable:
        """Like :meth:`mp` for a column vector: returns a flat list (common subexpressions
        computed once: the GD map and the gradient, evaluated at every step of an orbit)."""
        fn = self.mp(m, cse=True)
        return lambda *a: [v for row in fn(*a) for v in (row if isinstance(row, list) else [row])]

    @functools.cached_property
    def mp_step(self):
        return self.mp_vector(self.gd_map)

    @functools.cached_property
    def pinned_assumptions(self) -> list[sp.Basic]:
        return [a.subs({self.params[k]: v for k, v in self.box.pinned.items()})
                for a in self.assume]

    def assumptions_hold(self, values: dict[str, mpmath.mpf]) -> bool:
        """Whether the ``assume`` relations hold at a parameter point (exactly: see
        :func:`assumptions_hold`)."""
        return assumptions_hold(self.pinned_assumptions, values)

    @functools.cached_property
    def exception_sets(self) -> list:
        """The ``except`` entries: ("relation", the pinned relation) or ("point", exprs)."""
        out = []
        for entry in self.spec.exceptions:
            if isinstance(entry, str):
                out.append(("relation", self.pin(self.expr(entry, check=False))))
            else:
                out.append(("point", [self.pin(self.expr(e)) for e in entry]))
        return out

    def excluded(self, point: dict) -> str | None:
        """The ``except`` entry whose set holds the start of ``point`` (a parameter point), or
        None.  A relation is decided exactly at the rational point (as ``assume``); a point
        entry holds when the start equals it to 45 digits (evaluated at 60)."""
        for (kind, value), text in zip(self.exception_sets, self.spec.exceptions):
            if kind == "relation":
                try:
                    holds = assumptions_hold([value], point)
                except TypeError:  # not decidable exactly: 60 digits
                    subs = {self.params[k]: sp.Rational(str(v)) for k, v in point.items()
                            if k in self.params}
                    holds = bool(value.func(sp.N(value.lhs.subs(subs) - value.rhs.subs(subs),
                                                 60), 0))
                if holds:
                    return text
                continue
            with mpmath.workdps(60):
                args = self.numbers(point)
                start = self.mp_point(self.start)(args)
                there = self.mp_point(value)(args)
                scale = 1 + max((abs(v) for v in there), default=0)
                if max(abs(a - b) for a, b in zip(start, there)) <= mpmath.mpf(10) ** -45 * scale:
                    return "[" + ", ".join(text) + "]"
        return None

    # ------------------------------------------------------------ the claim language's extras

    def numbers(self, point: dict[str, float]) -> list:
        """The free parameters' values at a search point, as mpf (in ``free_names`` order)."""
        return [mpmath.mpf(repr(float(point[n]))) if isinstance(point[n], float)
                else mpmath.mpf(point[n]) for n in self.free_names]

    @functools.cached_property
    def start(self) -> list[sp.Expr]:
        """The start point: the claim's ``start``, else the family's ``init``."""
        if self.spec.start:
            return [self.expr(e) for e in self.spec.start]
        own = self.family.start(self.family_spec, self.state, self.params, self.ints)
        if own is None:
            raise ModelError(f"claim '{self.spec.id}': key 'start': missing (the model has no "
                             "init)")
        return list(own)

    def mp_point(self, exprs: list[sp.Expr]):
        """A function of the free parameters' values -> the points' coordinates (mpf)."""
        fns = [self.mp(e) for e in exprs]
        zeros = [0] * len(self.vars)
        return lambda args: [f(*zeros, *args) for f in fns]

    @functools.cached_property
    def residual(self) -> sp.Expr | None:
        """Vanishes exactly on the minimiser set (None: the family does not know the set)."""
        return self.family.residual(self.family_spec, self.state, self.params)

    @functools.cached_property
    def target_residual(self) -> sp.Expr | None:
        """Vanishes exactly on a convergence claim's target set: the Euclidean norm of the
        ``target = { zero = [...] }`` expressions, else the minimiser set's residual."""
        if self.spec.target_zero:
            return sp.sqrt(sum(self.pin(self.expr(e)) ** 2 for e in self.spec.target_zero))
        return self.residual

    @functools.cached_property
    def mp_grad(self):
        return self.mp_vector(self.gradient)

    @functools.cached_property
    def _layers(self) -> tuple[sp.Matrix, int, int] | None:
        """(R, offset, d) where the family gives its Hessian in closed form
        (``hessian_target``: the state is L d x d blocks, the layers block_j + offset * I),
        else None (the symbolic Hessian)."""
        known = getattr(self.family, "hessian_target", None)
        found = known(self.family_spec, self.state, self.params) if known else None
        return None if found is None else (*found, found[0].rows)

    @staticmethod
    def _layer_list(x: np.ndarray, offset: int, d: int) -> list[np.ndarray]:
        """The layers W_1..W_L of one state (floats, or mpf in an object array)."""
        return [w + offset * np.eye(d, dtype=int) for w in x.reshape(-1, d, d)]

    @functools.cached_property
    def mp_hessian(self):
        """The Hessian at (x, args) in mpmath: the family's closed form where it has one
        (:attr:`_layers`), else the symbolic Hessian compiled."""
        if self._layers is None:
            return self.mp(self.hessian)
        R_sym, offset, d = self._layers
        target, n = self.mp(R_sym), len(self.vars)

        def hessian(*a):
            R = np.array([mpmath.mpf(v) for v in mpmath.matrix(target(*a))],
                         dtype=object).reshape(d, d)
            x = np.array([mpmath.mpf(v) for v in a[:n]], dtype=object)
            return fz.hessian(self._layer_list(x, offset, d), R).tolist()

        return hessian

    @functools.cached_property
    def np_hessian(self):
        """The batched Hessian (X, P) -> (m, n, n) in float64, as :attr:`mp_hessian`."""
        if self._layers is None:
            return self.np_matrix(self.hessian)
        R_sym, offset, d = self._layers
        target = self.np_matrix(R_sym)

        def hessian(X, P):
            X, n = np.asarray(X, dtype=float), len(self.vars)
            return np.array([fz.hessian(self._layer_list(x, offset, d), r)
                             for x, r in zip(X, target(X, P))]).reshape(len(X), n, n)

        return hessian

    @functools.cached_property
    def method(self) -> str:
        return self.spec.optimizer.get("method", "gd")

    @functools.cached_property
    def mp_beta(self):
        beta = self.spec.optimizer.get("beta")
        return self.mp(self.expr(beta)) if beta else None

    @functools.cached_property
    def mp_schedule(self):
        """eta_t as a function of (t, free parameters...), or None for the constant step."""
        if not self.spec.schedule:
            return None
        t = sp.Symbol("t", real=True)
        e = self.pin(self.expr(self.spec.schedule, {"t": t}))
        return to_mpmath(e, [t] + [self.params[n] for n in self.free_names])

    def eta(self, t: int, args: list):
        """The step at iteration t (the schedule's, else the step parameter's value)."""
        if self.mp_schedule is not None:
            return self.mp_schedule(t, *args)
        return self.mp_eta(*[0] * len(self.vars), *args)

    @functools.cached_property
    def mp_eta(self):
        return self.mp(self.step)

    def stepper(self, args: list):
        """The optimiser's map as a stateful function ``x_t -> x_(t+1)`` (momentum methods keep
        x_(t-1), starting with x_(-1) = x_0: no initial velocity)."""
        method = self.method
        if method == "gd" and self.mp_schedule is None:
            return lambda x, t: self.mp_step(*x, *args)
        beta = self.mp_beta(*[0] * len(self.vars), *args) if self.mp_beta else 0
        memory = {"prev": None}

        def step(x, t):
            prev = memory["prev"] if memory["prev"] is not None else x
            memory["prev"] = x
            eta = self.eta(t, args)
            if method == "nesterov":
                y = [a + beta * (a - b) for a, b in zip(x, prev)]
                return [a - eta * g for a, g in zip(y, self.mp_grad(*y, *args))]
            g = self.mp_grad(*x, *args)
            return [a - eta * gi + beta * (a - b) for a, gi, b in zip(x, g, prev)]

        return step

    def map_jacobian(self, H: mpmath.matrix, eta, args: list) -> mpmath.matrix:
        """The optimiser map's Jacobian at a fixed point with Hessian ``H`` (state x for GD,
        (x, x_prev) for the momentum methods)."""
        n = H.rows
        A = mpmath.eye(n) - eta * H
        if self.method == "gd":
            return A
        beta = self.mp_beta(*[0] * n, *args)
        J = mpmath.zeros(2 * n)
        for i in range(n):
            for j in range(n):
                if self.method == "heavy_ball":
                    J[i, j] = (1 + beta) * (i == j) - eta * H[i, j]
                    J[i, n + j] = -beta * (i == j)
                else:  # nesterov: y = (1+beta) x - beta x_prev, x' = y - eta grad(y)
                    J[i, j] = (1 + beta) * A[i, j]
                    J[i, n + j] = -beta * A[i, j]
            J[n + i, i] = 1
        return J

    def critical_step(self, lam, args: list):
        """The step at which a Hessian eigenvalue lam > 0 puts a multiplier at -1: 2/lam for GD,
        2(1+beta)/lam for heavy ball, 2(1+beta)/((1+2 beta) lam) for Nesterov (roots of
        z^2 - (1+beta-h) z + beta and z^2 - (1+beta)(1-h) z + beta(1-h) at z = -1, h = eta lam)."""
        if self.method == "gd":
            return 2 / lam
        beta = self.mp_beta(*[0] * len(self.vars), *args)
        if self.method == "heavy_ball":
            return 2 * (1 + beta) / lam
        return 2 * (1 + beta) / ((1 + 2 * beta) * lam)

    @functools.cached_property
    def affine_map(self) -> bool:
        """Whether the optimiser map is affine in the state (a quadratic loss): then a multiplier
        of modulus exactly 1 means the fixed point does not attract."""
        return self.loss is not None and all(
            sp.diff(g, v).free_symbols.isdisjoint(self.vars)
            for g in self.gradient for v in self.vars)

    def _quantity_parts(self, text: str):
        """A quantity's text parsed (safely) with the quantity names as placeholders: (the pinned
        expression, the placeholders it uses, their names, the family's end-to-end product)."""
        product = self.family.product(self.family_spec, self.state)
        has_set = self.residual is not None
        marks = Q.placeholders(len(self.vars), product.rows if product is not None else 0,
                               has_set, self.family.name == "quadratic", set(self.symbols))
        expr = self.pin(parse(text, {**self.symbols, **marks}))
        used = [m for m in marks.values() if m in expr.free_symbols]
        return expr, used, {m.name for m in used}, product

    @staticmethod
    def _needs_hessian(needs: set[str]) -> bool:
        return bool(needs & {"sharpness", "lambda_min", "radius"}) or any(
            n.startswith(("hessian_eig_", "multiplier_")) for n in needs)

    @staticmethod
    def _needs_product_jacobian(needs: set[str]) -> bool:
        return "gn_sharpness" in needs or any(n.startswith("sv_grad_") for n in needs)

    @functools.cached_property
    def product_jacobian(self) -> sp.Matrix:
        """d vec(P)/dx: the end-to-end product's entries (row by row) in the state."""
        product = self.family.product(self.family_spec, self.state)
        return sp.Matrix(list(product)).jacobian(self.vars)

    @staticmethod
    def _needs_multipliers(needs: set[str]) -> bool:
        return "radius" in needs or any(n.startswith("multiplier_") for n in needs)

    def quantity(self, text: str):
        """An evaluator of a trajectory quantity: ``(x, args, t) -> mpf`` at the working
        precision (see :mod:`verify.models.quantities` for the names)."""
        expr, used, needs, product = self._quantity_parts(text)
        fn = to_mpmath(expr, self.vars + [self.params[n] for n in self.free_names] + used)
        product_fn = self.mp(product) if product is not None and (any(
            n.startswith("sv_") for n in needs) or self._needs_product_jacobian(needs)) else None
        residual_fn = self.mp(self.residual) if "residual" in needs else None
        matrices = None
        if "distance" in needs:
            A, b = self.family.matrices(self.family_spec, self.params)
            matrices = (self.mp(A), self.mp(b))
        loss_fn = self.mp(self.loss) if "loss" in needs else None
        jac_fn = self.mp(self.product_jacobian) if self._needs_product_jacobian(needs) else None

        def evaluate(x, args, t=0):
            values = {}
            if "loss" in needs:
                values["loss"] = loss_fn(*x, *args)
            if "grad_norm" in needs:
                values["grad_norm"] = mpmath.sqrt(sum(g**2 for g in self.mp_grad(*x, *args)))
            if self._needs_hessian(needs):
                H = mpmath.matrix(self.mp_hessian(*x, *args))
                eig = Q.hessian_eigenvalues(H)
                values.update(sharpness=eig[0], lambda_min=eig[-1])
                values.update({f"hessian_eig_{k + 1}": e for k, e in enumerate(eig)})
                if self._needs_multipliers(needs):
                    mult = Q.multipliers(self.map_jacobian(H, self.eta(t, args), args))
                    values["radius"] = mult[0]
                    values.update({f"multiplier_{k + 1}": m for k, m in enumerate(mult)})
            if residual_fn is not None:
                values["residual"] = residual_fn(*x, *args)
            if matrices is not None:
                A = mpmath.matrix(matrices[0](*x, *args))
                g = A * mpmath.matrix(x) + mpmath.matrix(matrices[1](*x, *args))
                values["distance"] = Q.distance_to_affine(A, g)
            if product_fn is not None:
                Pm = mpmath.matrix(product_fn(*x, *args))
                values.update({f"sv_{k + 1}": v
                               for k, v in enumerate(Q.singular_values(Pm))})
                if jac_fn is not None:
                    values.update(Q.product_quantities(Pm, mpmath.matrix(jac_fn(*x, *args))))
            missing = [n for n in needs if n not in values]
            if missing:
                raise ValueError(f"{', '.join(missing)} not defined for this model")
            return fn(*x, *args, *[values[m.name] for m in used])

        return evaluate

    # ------------------------------------------------------------ batched numpy twins

    def np_fn(self, e) -> callable:
        """A numpy function of (X, P) -> array (m,) for a scalar expression, X the states (m, n)
        and P the free parameters (m, p) in ``free_names`` order: ``sympy.lambdify`` of the
        trusted SymPy object (never of text), pinned values inserted, float64."""
        args = self.vars + [self.params[n] for n in self.free_names]
        expr = self.pin(sp.sympify(e))
        # once per process (a sweep asks for its condition and start at every batch of draws)
        f = compiled_once((expr, tuple(args), "numpy"),
                          lambda: sp.lambdify(args, expr, modules="numpy"))

        return lambda X, P: _real_batch(f(*X.T, *P.T), X.shape[0])

    def np_matrix(self, M: sp.Matrix) -> callable:
        """Like :meth:`np_fn` for a matrix: (X, P) -> array (m, rows, cols); one ``lambdify``
        of all entries with common subexpressions shared (a chain's Hessian entries share
        their partial products: one function instead of rows x cols)."""
        args = self.vars + [self.params[n] for n in self.free_names]
        entries = tuple(self.pin(sp.sympify(e)) for e in M)
        f = compiled_once((entries, tuple(args), "numpy-cse"), lambda: sp.lambdify(
            args, list(entries), modules="numpy", cse=True))

        def call(X, P):
            m, values = X.shape[0], f(*X.T, *P.T)
            # real: the same floats, filled in place (a sweep calls this every step); a
            # non-real entry anywhere: every entry through _real_batch instead
            flat = np.empty((m, len(values)))
            for k, v in enumerate(values):
                if isinstance(v, complex) or getattr(v, "dtype", _FLOAT).kind == "c":
                    flat = np.stack([_real_batch(v, m) for v in values], axis=-1)
                    break
                flat[:, k] = v
            return flat.reshape(m, M.rows, M.cols)

        return call

    def np_eta(self, t: int, P):
        """The step at iteration t for each parameter point (m,)."""
        m = P.shape[0]
        X0 = np.zeros((m, len(self.vars)))
        if self.mp_schedule is not None:
            t_ = sp.Symbol("t", real=True)
            e = self.pin(self.expr(self.spec.schedule, {"t": t_}))
            return self.np_fn(e.subs(t_, t))(X0, P)
        return self.np_fn(self.step)(X0, P)

    def np_map_jacobian(self, H, eta, P):
        """:meth:`map_jacobian` for a batch: H (m, n, n), eta (m,) -> (m, k, k)."""
        m, n = H.shape[0], H.shape[1]
        eye = np.broadcast_to(np.eye(n), H.shape)
        A = eye - eta[:, None, None] * H
        if self.method == "gd":
            return A
        beta = self.np_fn(self.expr(self.spec.optimizer["beta"]))(np.zeros((m, n)), P)[:, None, None]
        top = ((1 + beta) * eye - eta[:, None, None] * H if self.method == "heavy_ball"
               else (1 + beta) * A)
        right = -beta * eye if self.method == "heavy_ball" else -beta * A
        return np.concatenate([np.concatenate([top, right], axis=2),
                               np.concatenate([eye, np.zeros_like(H)], axis=2)], axis=1)

    def quantity_numpy(self, text: str):
        """The batched twin of :meth:`quantity`: ``(X, P, t) -> array (m,)`` for states X (m, n)
        and parameter points P (m, p), in float64 (numpy.linalg for the spectra)."""
        expr, used, needs, product = self._quantity_parts(text)
        args = self.vars + [self.params[n] for n in self.free_names] + used
        fn = sp.lambdify(args, expr, modules="numpy")
        loss_fn = self.np_fn(self.loss) if "loss" in needs else None
        grad_fn = self.np_matrix(self.gradient) if "grad_norm" in needs else None
        hess_fn = self.np_hessian if self._needs_hessian(needs) else None
        residual_fn = self.np_fn(self.residual) if "residual" in needs else None
        product_fn = self.np_matrix(product) if product is not None and (any(
            n.startswith("sv_") for n in needs) or self._needs_product_jacobian(needs)) else None
        jac_fn = (self.np_matrix(self.product_jacobian)
                  if product is not None and self._needs_product_jacobian(needs) else None)
        matrices = None
        if "distance" in needs:
            A, b = self.family.matrices(self.family_spec, self.params)
            matrices = (self.np_matrix(sp.Matrix(A)), self.np_matrix(sp.Matrix(b)))

        def evaluate(X, P, t=0):
            X, P = np.asarray(X, dtype=float), np.asarray(P, dtype=float).reshape(len(X), -1)
            values = {}
            if loss_fn is not None:
                values["loss"] = loss_fn(X, P)
            if grad_fn is not None:
                values["grad_norm"] = np.linalg.norm(grad_fn(X, P)[..., 0], axis=-1)
            if hess_fn is not None:
                H = hess_fn(X, P)
                eig = Q.np_hessian_eigenvalues(H)
                values.update(sharpness=eig[:, 0], lambda_min=eig[:, -1])
                values.update({f"hessian_eig_{k + 1}": eig[:, k] for k in range(eig.shape[1])})
                if self._needs_multipliers(needs):
                    mult = Q.np_multipliers(self.np_map_jacobian(H, self.np_eta(t, P), P))
                    values["radius"] = mult[:, 0]
                    values.update({f"multiplier_{k + 1}": mult[:, k]
                                   for k in range(mult.shape[1])})
            if residual_fn is not None:
                values["residual"] = residual_fn(X, P)
            if matrices is not None:
                A = matrices[0](X, P)
                g = np.einsum("mij,mj->mi", A, X) + matrices[1](X, P)[..., 0]
                values["distance"] = Q.np_distance_to_affine(A, g)
            if product_fn is not None:
                Pn = product_fn(X, P)
                sv = Q.np_singular_values(Pn)
                values.update({f"sv_{k + 1}": sv[:, k] for k in range(sv.shape[1])})
                if jac_fn is not None:
                    values.update(Q.np_product_quantities(Pn, jac_fn(X, P)))
            missing = [n for n in needs if n not in values]
            if missing:
                raise ValueError(f"{', '.join(missing)} not defined for this model")
            out = fn(*X.T, *P.T, *[values[m.name] for m in used])
            return np.broadcast_to(np.asarray(out, dtype=float), (X.shape[0],))

        return evaluate


def _texts(*sides) -> list[str]:
    """Every expression of an identity's sides (a text, or rows of texts), flattened."""
    out: list[str] = []
    for side in sides:
        if isinstance(side, (tuple, list)):
            out += _texts(*side)
        elif side is not None:
            out.append(str(side))
    return out
