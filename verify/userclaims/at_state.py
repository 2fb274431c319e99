"""An inequality at one state written in the parameters (``kind = "inequality"``,
``at = "state"``, ``state = [...]``).

"At the state x(p) (each coordinate an expression of the parameters), the quantities satisfy
lhs <relation> rhs for every parameter point p of the box": for example at a minimiser of a
family of problems built from the parameters, ``sharpness > 2*Abs(a[0]*w[0])`` (Nar & Sastry
2018, Section 4: "the bound given by Theorem 4 is not necessarily tight",
``nar2018step.thm4_tight``).

The quantity names are replaced by their exact values at x(p), computed by SymPy from the
model's own loss: ``loss``, ``grad_norm`` (|grad f|), ``sharpness`` and ``lambda_min`` (the
largest and smallest Hessian eigenvalue, in closed form: a Hessian whose eigenvalues SymPy
cannot write in radicals is refused, naming ``lhs``/``rhs``), ``residual`` (where the family
has one) and the state's own names.  The parameters carry the signs of their box while this
is done, so a ReLU's kink at a pre-activation of known sign is resolved.  The claim is then a
plain inequality in the parameters and takes that kind's checks (SymPy, the Arb branch and
bound, the search; a violation re-checked exactly, replayed with ``--at p=...``); its
strength is theirs (``proven`` when SymPy or Arb covers the box).
"""

from __future__ import annotations

import dataclasses

import sympy as sp

from verify.models.quantities import placeholders
from verify.userclaims.model import Model, ModelError
from verify.userclaims.spec import ClaimSpec

AT = "state"
QUANTITIES = ("loss", "grad_norm", "sharpness", "lambda_min", "residual")
DIGITS = 150  # an algebraic eigenvalue (CRootOf) in the numeric evaluators


def _signed(model: Model) -> dict[sp.Symbol, sp.Symbol]:
    """Each free parameter with the sign its box implies, and pinned ones at their values."""
    out: dict[sp.Symbol, sp.Basic] = {}
    for name, (lo, hi) in model.box.free.items():
        flags = {"positive": True} if lo > 0 else {"negative": True} if hi < 0 else (
            {"nonnegative": True} if lo >= 0 else {"nonpositive": True} if hi <= 0 else {})
        out[model.params[name]] = sp.Symbol(name, real=True, **flags)
    out.update({model.params[n]: v for n, v in model.box.pinned.items()})
    return out


def _eigenvalues(H: sp.Matrix, key: str) -> list[sp.Expr]:
    """The Hessian's eigenvalues in closed form: radicals, or (a Hessian of numbers) the exact
    roots ``CRootOf`` of its rational characteristic polynomial, which SymPy compares exactly
    (isolating intervals) and evaluates to any precision."""
    try:
        roots = H.eigenvals(multiple=True, rational=True)
    except sp.matrices.exceptions.MatrixError:  # symbolic and of degree 5 or more
        roots = []
    if not roots or (H.free_symbols and any(r.has(sp.CRootOf) for r in roots)):
        raise ModelError(f"{key}: the Hessian at this state has eigenvalues SymPy cannot write "
                         "in radicals; sharpness and lambda_min need them in closed form (or "
                         "a Hessian of numbers: a state and parameters of numbers)")
    return [r if r.has(sp.CRootOf) else sp.simplify(r) for r in roots]


def closed_forms(model: Model, used: set[str], key: str) -> dict[str, sp.Expr]:
    """The exact values of the quantity names ``used`` at the claim's state, in the plain
    parameter symbols (the signed ones are swapped back)."""
    signed = _signed(model)
    back = {v: k for k, v in signed.items() if isinstance(v, sp.Symbol)}
    point = {c: sp.sympify(model.expr(t)).xreplace(signed)
             for c, t in zip(model.vars, model.spec.point)}

    def at(e: sp.Expr) -> sp.Expr:  # symbols for values: xreplace (subs matches patterns)
        return sp.simplify(sp.piecewise_fold(model.pin(e).xreplace(signed).xreplace(point)))

    out: dict[str, sp.Expr] = {}
    if "loss" in used:
        out["loss"] = at(model.loss)
    if "grad_norm" in used:
        out["grad_norm"] = sp.sqrt(sum(at(g) ** 2 for g in model.gradient))
    if used & {"sharpness", "lambda_min"}:
        eig = _eigenvalues(model.hessian.applyfunc(at), key)
        out["sharpness"], out["lambda_min"] = sp.Max(*eig), sp.Min(*eig)
    if "residual" in used:
        out["residual"] = at(model.residual)
    return {k: sp.simplify(v).xreplace(back) for k, v in out.items()}


class _Exact(Model):
    """The reduced claim's model: its sides are the exact values computed here (an algebraic
    root ``CRootOf`` has no text the claim parser reads back, and no numeric printer: a side
    holding one, a number, is evaluated by SymPy at the working precision)."""

    def __init__(self, spec: ClaimSpec, sides: dict[str, sp.Expr]):
        self._sides = sides  # before Model's own parsing, which calls expr
        super().__init__(spec)

    def expr(self, text: str, extra=None, check: bool = True) -> sp.Expr:
        return self._sides[text] if text in self._sides else super().expr(text, extra, check)

    def mp(self, e) -> callable:
        """Each algebraic root as a number of DIGITS digits (far beyond any working precision
        here: the search's exact re-check at a point still takes the root itself)."""
        e = self.pin(sp.sympify(e))
        return super().mp(e.xreplace({r: sp.Float(r.evalf(DIGITS), DIGITS)
                                      for r in e.atoms(sp.CRootOf)}))


def reduced(spec: ClaimSpec) -> ClaimSpec:
    """The claim as a plain inequality in the parameters: every quantity name and state name
    of lhs and rhs replaced by its exact value at the state."""
    return _reduction(spec)[0]


def _reduction(spec: ClaimSpec) -> tuple[ClaimSpec, dict[str, sp.Expr]]:
    """(the plain spec, its sides' exact values by their text)."""
    model = Model(spec)
    marks = placeholders(len(model.vars), 0, model.residual is not None, False,
                         set(model.symbols))
    exprs = {key: model.expr(getattr(spec, key), extra=marks) for key in ("lhs", "rhs")}
    # by name: a parse may hand back an equal placeholder object of an earlier call
    marked = {key: {s: s.name for s in e.free_symbols if s.name in marks}
              for key, e in exprs.items()}
    used = {key: set(m.values()) for key, m in marked.items()}
    # the closed forms once for both sides; an eigenvalue problem names the first side using it
    eigen = {"sharpness", "lambda_min"}
    values = closed_forms(model, used["lhs"] | used["rhs"],
                          "lhs" if used["lhs"] & eigen or not used["rhs"] & eigen else "rhs")
    point = dict(zip(model.vars, (model.expr(t) for t in spec.point)))
    # symbols for values: xreplace, not subs (subs matches patterns through expressions holding
    # algebraic roots: ~1 s a side)
    sides = {key: e.xreplace({s: values[n] for s, n in marked[key].items()}).xreplace(point)
             for key, e in exprs.items()}
    plain = _plain(spec, str(sides["lhs"]), str(sides["rhs"]))
    return plain, {plain.lhs: sides["lhs"], plain.rhs: sides["rhs"]}


def _plain(spec: ClaimSpec, lhs: str, rhs: str) -> ClaimSpec:
    return dataclasses.replace(spec, model=None, loss=None, variables=(), at=None, point=(),
                               lhs=lhs, rhs=rhs)


# The reduced claims' checks by claim, built on a check's first run in this process.
_REDUCED: dict[ClaimSpec, dict] = {}


def _reduced_checks(spec: ClaimSpec) -> dict:
    from verify.userclaims.checks import checks_for

    if spec not in _REDUCED:
        _REDUCED[spec] = {c.name: c for c in checks_for(_Exact(*_reduction(spec)))}
    return _REDUCED[spec]


def state_checks(spec: ClaimSpec):
    """The checks of the reduced plain inequality, and its class (the box).

    The reduction (SymPy's closed forms, exact algebraic eigenvalues: seconds for a ReLU
    network's Hessian) is done when a check first runs, not when the claim is built: building
    a paper file's claims (every process that runs one of them, ``verify list``) then costs
    nothing for it.  The checks' names, tiers and texts are those of the same inequality with
    sides 0 (a plain inequality's checks do not depend on its sides)."""
    from verify.userclaims.checks import checks_for

    outline = Model(_plain(spec, "0", "0"))

    def deferred(name: str):
        def run(ctx):
            return _reduced_checks(spec)[name].run(ctx)
        return run

    return (tuple(dataclasses.replace(c, run=deferred(c.name)) for c in checks_for(outline)),
            outline.scope)
