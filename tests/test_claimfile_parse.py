"""Claim files: TOML [[claim]] tables -> ClaimSpec / BadClaim / ClaimFileError."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify.userclaims.parse import load_claims, parse_claims
from verify.userclaims.spec import BadClaim, ClaimFileError, ClaimSpec

VALID = '''
[[claim]]
id = "mine.ex1-cycle"
statement = "A 2-cycle at +-delta**2/4"
kind = "cycle"
loss = "2*Abs(x)**Rational(3,2)/3"
variables = ["x"]
step = "delta"
params = { delta = [0.01, 1.0] }
assume = ["delta < 1"]
points = [["delta**2/4"], ["-delta**2/4"]]
stable = false

[[claim]]
id = "mine.threshold"
kind = "threshold"
loss = "a*x**2/2 + y**2"
variables = ["x", "y"]
step = "eta"
params = { eta = ["1/100", 2], a = 3 }
equilibrium = ["0", 0]
bound = "2/a"
tight = true

[[claim]]
id = "mine.convergence"
kind = "convergence"
loss = "x**2/2"
variables = ["x"]
step = "eta"
params = { eta = [0.5, 3], x0 = "1/3" }
start = ["x0"]
condition = "eta < 2"
target = ["0"]
otherwise = "diverges"

[[claim]]
id = "mine.inequality"
kind = "inequality"
params = { delta = [0, 1] }
lhs = "delta**2"
relation = "<="
rhs = "delta"

[[claim]]
id = "mine.rate"
kind = "rate"
loss = "x**2/2"
variables = ["x"]
step = "eta"
params = { eta = [0.1, 0.9] }
start = ["1"]
metric = "loss - 0"
bound = "metric0*(1-eta)**(2*t)"
steps = 50
'''


def test_valid_file_parses_each_kind():
    specs = parse_claims(VALID)
    assert all(isinstance(s, ClaimSpec) for s in specs), specs
    cycle, threshold, convergence, inequality, rate = specs

    assert cycle == ClaimSpec(
        id="mine.ex1-cycle", kind="cycle", statement="A 2-cycle at +-delta**2/4",
        loss="2*Abs(x)**Rational(3,2)/3", variables=("x",), step="delta",
        params={"delta": ("0.01", "1.0")}, assume=("delta < 1",),
        points=(("delta**2/4",), ("-delta**2/4",)), stable=False)

    assert threshold.kind == "threshold"
    assert threshold.variables == ("x", "y")
    assert threshold.params == {"eta": ("1/100", "2"), "a": "3"}
    assert threshold.equilibrium == ("0", "0")
    assert threshold.bound == "2/a" and threshold.tight is True
    assert threshold.statement == "" and threshold.stable is None

    assert convergence.start == ("x0",) and convergence.target == ("0",)
    assert convergence.condition == "eta < 2" and convergence.otherwise == "diverges"
    assert convergence.params == {"eta": ("0.5", "3"), "x0": "1/3"}

    assert inequality.loss is None and inequality.variables == () and inequality.step is None
    assert (inequality.lhs, inequality.relation, inequality.rhs) == ("delta**2", "<=", "delta")
    assert inequality.params == {"delta": ("0", "1")}

    assert rate.start == ("1",) and rate.metric == "loss - 0"
    assert rate.bound == "metric0*(1-eta)**(2*t)" and rate.steps == 50
    assert isinstance(rate.points, tuple) and isinstance(cycle.points[0], tuple)


def test_load_claims_reads_a_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(VALID, encoding="utf-8")
    assert [s.id for s in load_claims(path)] == [s.id for s in parse_claims(VALID)]
    assert len(load_claims(str(path))) == 5


def test_numbers_are_exact_decimal_strings():
    text = '''
[[claim]]
id = "n"
kind = "inequality"
params = { a = [1e-05, 0.1], b = -7, c = " 2/3 ", d = "1e-3" }
lhs = "a"
relation = "<"
rhs = "1"
'''
    (spec,) = parse_claims(text)
    assert spec.params == {"a": ("1e-05", "0.1"), "b": "-7", "c": "2/3", "d": "1e-3"}


# ---------------------------------------------------------------------------------------------
# One claim, one problem

BASE = {
    "id": '"c1"',
    "kind": '"cycle"',
    "loss": '"x**2"',
    "variables": '["x"]',
    "step": '"delta"',
    "params": "{ delta = [0.1, 1.0] }",
    "points": '[["0"]]',
}


def claim(**changes: str | None) -> str:
    """One [[claim]] table: BASE with keys replaced (value None: key removed; ``_model``
    replaces ``model``)."""
    if "_model" in changes:
        changes["model"] = changes.pop("_model")
    fields = {**BASE, **changes}
    return "[[claim]]\n" + "".join(f"{k} = {v}\n" for k, v in fields.items() if v is not None)


def test_base_claim_is_valid():
    (spec,) = parse_claims(claim())
    assert isinstance(spec, ClaimSpec)


INEQ = dict(kind='"inequality"', loss=None, variables=None, step=None, points=None,
            params="{ a = [0, 1] }", lhs='"a"', rhs='"1"', relation='"<="')
CONV = dict(kind='"convergence"', points=None, start='["1"]', condition='"delta < 2"',
            target='["0"]')
RATE = dict(kind='"rate"', points=None, start='["1"]', metric='"loss"',
            bound='"metric0"', steps="10")

MODEL = dict(kind='"trajectory"', loss=None, variables=None, points=None,
             model='{ family = "quadratic", A = [["1", "0"], ["0", "2"]] }',
             start='["1", "1"]', quantity='"loss"', steps="10", monotone='"nonincreasing"')
IDENT = dict(kind='"identity"', points=None, lhs='"grad_x"', rhs='"2*x"')
FIT = dict(kind='"rate"', points=None, start='["1"]', metric='"loss"', order='"sublinear"',
           exponent='"2"', steps="100")
CYC = dict(kind='"convergence"', points=None, start='["1"]', target='"cycle"', period="2")
THRESH = dict(kind='"threshold"', points=None, equilibrium='["0"]', bound='"2"')
RESNET = '{{ family = "linear_resnet", {} }}'
DOUBLE = '{{ family = "double_network", {} }}'
RELU = '{{ family = "two_layer_relu", {} }}'
AT_STATE = dict(kind='"inequality"', loss=None, variables=None, step=None, points=None,
                params="{ c = [0.5, 1], p = [1, 2] }", at='"state"', state='["c", "p"]',
                model='{ family = "two_layer_relu", width = 1, x = [1], y = ["c*p"] }',
                lhs='"sharpness"', relation='">"', rhs='"0"')


def at_state(**changes: str | None) -> str:
    return claim(**{**AT_STATE, **changes})


THRESH = dict(kind='"threshold"', points=None, loss='"(x - 1)**2"', equilibrium='["1"]',
              bound='"1"')
SOLE = dict(kind='"sole_limit"', points=None, loss='"(x - 1)**2"', equilibrium='["1"]',
            params='{ delta = "1/2" }')

CHAIN = dict(kind='"threshold"', points=None, loss=None, variables=None,
             model='{ family = "deep_linear", depth = "L", width = 1, target = "lam" }',
             integers='{ L = [2, 3] }', params='{ delta = "> 0", lam = "> 0" }',
             equilibrium='"minimisers"', bound='"2/Sum((lam/w[i])**2, (i, 1, L))"')



def chain(**changes: str | None) -> str:
    return claim(**{**CHAIN, **changes})


MALFORMED = {
    # name: (toml table, expected BadClaim.id, expected key, extra words in the message)
    # the step half-line (threshold) and the sole_limit kind (issue 17)
    "step half-line below 0": (claim(**THRESH, params='{ delta = "> -1" }'), "c1", "params",
                               "must lie in (0, oo)"),
    "step half-line from 0 closed": (claim(**THRESH, params='{ delta = ">= 0" }'), "c1",
                                     "params", "must lie in (0, oo)"),
    "step half-line pointing down": (claim(**THRESH, params='{ delta = "< 3" }'), "c1",
                                     "params", "must lie in (0, oo)"),
    "step half-line nan": (claim(**THRESH, params='{ delta = "> nan" }'), "c1", "params",
                           "not a rational"),
    "step half-line inf": (claim(**THRESH, params='{ delta = "> inf" }'), "c1", "params",
                           "not a rational"),
    "step half-line code": (claim(**THRESH, params='{ delta = "> __import__(\'os\')" }'), "c1",
                            "params", "not a rational"),
    "half-line step of a cycle": (claim(params='{ delta = "> 0" }'), "c1", "params",
                                  "half-line"),
    "bound depends on a step half-line": (claim(**{**THRESH, "bound": '"delta"'},
                                                params='{ delta = "> 0" }'), "c1", "bound",
                                          "must not depend on it"),
    "sole_limit two variables": (claim(**{**SOLE, "loss": '"x**2 + y**2"'},
                                       variables='["x", "y"]'), "c1", "variables",
                                 "one scalar variable"),
    "sole_limit vector variable": (claim(**{**SOLE, "loss": '"w[0]**2"'},
                                         variables='["w[2]"]'), "c1", "variables",
                                   "one scalar variable"),
    "sole_limit free parameter": (claim(**{**SOLE, "loss": '"a*(x - 1)**2"',
                                           "params": '{ delta = "1/2", a = [1, 2] }'}), "c1",
                                  "params", "pin every parameter"),
    "sole_limit integers": (claim(**SOLE, integers="{ L = [2, 3] }"), "c1", "integers",
                            "no integers"),
    "sole_limit momentum": (claim(**SOLE, optimizer='{ method = "heavy_ball", beta = "1/2" }'),
                            "c1", "optimizer", "plain GD"),
    "sole_limit two coordinates": (claim(**{**SOLE, "equilibrium": '["1", "2"]'}), "c1",
                                   "equilibrium", "coordinate"),
    "sole_limit region inverted": (claim(**SOLE, region="[3, 0]"), "c1", "region", "empty"),
    "sole_limit region code": (claim(**SOLE, region='["__import__(\'os\')", 1]'), "c1",
                               "region", "not a rational"),
    "sole_limit step half-line": (claim(**{**SOLE, "params": '{ delta = "> 0" }'}), "c1",
                                  "params", "half-line"),
    "sole_limit bound key": (claim(**SOLE, bound='"1"'), "c1", "bound", "threshold"),
    # a threshold at a model's minimiser set, its bound a pattern over the coordinates
    "pattern unknown index": (chain(bound='"2/Sum((lam/w[j])**2, (i, 1, L))"'), "c1",
                              "bound", "undeclared symbol(s): j"),
    "pattern index 0": (chain(bound='"2/w[0]**2"'), "c1", "bound", "1..2"),
    "pattern index past the depth": (chain(bound='"2/w[3]**2"'), "c1", "bound", "1..2"),
    "pattern index outside a Sum": (chain(bound='"2/w[i]**2"'), "c1", "bound",
                                    "outside Sum"),
    "pattern free index": (chain(bound='"2/(i*lam**2)"'), "c1", "bound",
                           "outside Sum"),
    "pattern Sum from 0": (chain(bound='"2/Sum((lam/w[i])**2, (i, 0, L))"'), "c1",
                           "bound", "runs over Sum(..., (i, 1, L)) only"),
    "pattern two indices": (chain(bound='"2/Sum(w[i, i]**2, (i, 1, L))"'), "c1",
                            "bound", "one index"),
    "pattern bare layer": (chain(bound='"2/w**2"'), "c1", "bound", "without an index"),
    "pattern code": (chain(bound='"w[__import__(\'os\')]"'), "c1", "bound", ""),
    "minimisers of a loss expression": (claim(**{**THRESH, "equilibrium": '"minimisers"'}), "c1",
                                        "equilibrium", "closed form"),
    "minimisers of matrix layers": (claim(**{**CHAIN, "model": CHAIN["model"].replace(
        "width = 1", "width = 2").replace('target = "lam"', 'target = [["lam", "0"], ["0", '
                                          '"lam"]]')}), "c1", "equilibrium", "closed form"),
    "minimisers strict": (chain(strict="true"), "c1", "strict", "plain GD"),
    "minimisers momentum": (chain(optimizer='{ method = "heavy_ball", beta = "1/2" }'),
                            "c1", "optimizer", "plain GD"),
    "minimisers parameter named w": (claim(**{**CHAIN, "params": '{ delta = "> 0", '
                                                               'lam = "> 0", w = 1 }'}),
                                     "c1", "params", "rename the parameter"),
    "minimisers bound on the step half-line": (chain(bound='"delta*w[1]"'), "c1",
                                               "bound", "must not depend on it"),
    "missing id": (claim(id=None), "claim #1", "id", "missing"),
    "empty id": (claim(id='""'), "claim #1", "id", "non-empty"),
    "unknown kind": (claim(kind='"cycles"'), "c1", "kind", "cycles"),
    "missing kind": (claim(kind=None), "c1", "kind", "missing"),
    "missing loss": (claim(loss=None), "c1", "loss", "missing"),
    "unparseable loss": (claim(loss='"x**"'), "c1", "loss", "x**"),
    "unknown symbol in loss": (claim(loss='"x**2 + z"'), "c1", "loss", "z"),
    "loss is a relation": (claim(loss='"x < 1"'), "c1", "loss", "not an expression"),
    "step not a parameter": (claim(step='"eta"'), "c1", "step", "eta"),
    "missing step": (claim(step=None), "c1", "step", "missing"),
    "inverted interval": (claim(params="{ delta = [1.0, 0.5] }"), "c1", "params", "inverted"),
    "empty interval": (claim(params="{ delta = [] }"), "c1", "params", "delta"),
    "interval of three": (claim(params="{ delta = [0.1, 0.2, 0.3] }"), "c1", "params", "3"),
    "nan value": (claim(params="{ delta = [nan, 1.0] }"), "c1", "params", "nan"),
    "inf value": (claim(params="{ delta = [0.1, inf] }"), "c1", "params", "inf"),
    "pinned nan": (claim(params="{ delta = 0.5, a = nan }"), "c1", "params", "'a'"),
    "zero step interval": (claim(params="{ delta = [0, 1] }"), "c1", "params", "step"),
    "negative step interval": (claim(params="{ delta = [-1, 1] }"), "c1", "params", "> 0"),
    "negative pinned step": (claim(params='{ delta = "-1/2" }'), "c1", "params", "step"),
    "non-numeric bound": (claim(params='{ delta = ["a", 1] }'), "c1", "params", "'a'"),
    "rational string of zero denominator": (claim(params='{ delta = "1/0" }'), "c1", "params",
                                            "1/0"),
    "bool where number expected": (claim(params="{ delta = [true, 1.0] }"), "c1", "params",
                                   "boolean"),
    "params not a table": (claim(params='"delta"'), "c1", "params", "table"),
    "parameter not an identifier": (claim(params='{ delta = 0.5, "a b" = 1 }'), "c1", "params",
                                    "a b"),
    "points of wrong length": (claim(points='[["0", "1"]]'), "c1", "points", "coordinate"),
    "no points": (claim(points="[]"), "c1", "points", "at least one"),
    "point uses a variable": (claim(points='[["x"]]'), "c1", "points", "variable"),
    "points a string": (claim(points='"0"'), "c1", "points", "list"),
    "unknown key": (claim(pionts='[["0"]]'), "c1", "pionts", "unknown"),
    "key of another kind": (claim(bound='"1"'), "c1", "bound", "threshold"),
    "stable not a bool": (claim(stable='"yes"'), "c1", "stable", "true or false"),
    "variables a string": (claim(variables='"x"'), "c1", "variables", "list"),
    "no variables": (claim(variables="[]"), "c1", "variables", "at least one"),
    "duplicate variable": (claim(variables='["x", "x"]', points='[["0", "0"]]'), "c1",
                           "variables", "twice"),
    "variable clashes with a parameter": (claim(variables='["delta"]'), "c1", "variables",
                                          "both"),
    "assume not a relation": (claim(assume='["delta + 1"]'), "c1", "assume", "not a relation"),
    "assume always true": (claim(assume='["delta > 0"]'), "c1", "assume", "always"),
    "assume a string": (claim(assume='"delta < 1"'), "c1", "assume", "list"),
    "relation not in RELATIONS": (claim(**{**INEQ, "relation": '"=<"'}), "c1",
                                  "relation", "=<"),
    "inequality uses a variable": (claim(**{**INEQ, "lhs": '"x"'}), "c1", "lhs", "x"),
    "otherwise not diverges": (claim(**CONV, otherwise='"converges"'), "c1", "otherwise",
                               "diverges"),
    "condition not a relation": (claim(**{**CONV, "condition": '"delta"'}), "c1", "condition",
                                 "relation"),
    "missing target": (claim(**{**CONV, "target": None}), "c1", "target", "missing"),
    "steps zero": (claim(**{**RATE, "steps": "0"}), "c1", "steps", "positive integer"),
    "steps a float": (claim(**{**RATE, "steps": "2.5"}), "c1", "steps", "positive integer"),
    "steps too many": (claim(**{**RATE, "steps": "1000001"}), "c1", "steps", "positive integer"),
    "steps a bool": (claim(**{**RATE, "steps": "true"}), "c1", "steps", "boolean"),
    "rate bound uses a variable": (claim(**{**RATE, "bound": '"x"'}), "c1", "bound", "x"),
    "rate parameter named t": (claim(**{**RATE, "params": "{ delta = 0.5, t = 1 }"}), "c1",
                               "params", "reserved"),
    # The claim language: models, integers, optimisers, schedules, trajectories (issue 16).
    "unknown family": (claim(**MODEL, _model='{ family = "cubic" }'), "c1", "model.family",
                       "cubic"),
    "model table a string": (claim(**MODEL, _model='"quadratic"'), "c1", "model", "table"),
    "model with a loss": (claim(**{**MODEL, "loss": '"x**2"'}), "c1", "loss", "model"),
    "unknown model key": (claim(**MODEL, _model='{ family = "quadratic", A = [["1"]], c = 1 }'),
                          "c1", "model.c", "allowed"),
    "quadratic A not square": (claim(**MODEL, _model='{ family = "quadratic", A = [["1", "0"]] }'),
                               "c1", "model.A", "square"),
    "quadratic A not symmetric": (claim(**MODEL, _model='{ family = "quadratic", '
                                  'A = [["1", "1"], ["0", "1"]] }'),
                                  "c1", "model.A", "symmetric"),
    "quadratic A uses the state": (claim(**MODEL, _model='{ family = "quadratic", '
                                   'A = [["x_0"]] }'), "c1", "model.A", "x_0"),
    "quadratic b of wrong length": (claim(**MODEL, _model='{ family = "quadratic", A = [["1"]], '
                                    'b = ["1", "2"] }'), "c1", "model.b", "1 expressions"),
    "depth not declared": (claim(**MODEL, _model='{ family = "deep_linear", depth = "L", '
                           'target = "1" }'), "c1", "model.depth", "integers"),
    "depth a float": (claim(**MODEL, _model='{ family = "deep_linear", depth = 2.5, '
                      'target = "1" }'), "c1", "model.depth", "integer"),
    "depth too deep": (claim(**MODEL, _model='{ family = "deep_linear", depth = 40, '
                       'target = "1" }'), "c1", "model.depth", "1..12"),
    "missing target of the chain": (claim(**MODEL, _model='{ family = "deep_linear", depth = 2 }'),
                                    "c1", "model.target", "missing"),
    "integers not integers": (claim(**MODEL, integers="{ L = [2.0, 3] }"), "c1", "integers",
                              "integers"),
    "integers inverted": (claim(**MODEL, integers="{ L = [5, 2] }"), "c1", "integers", "lo"),
    "integers too many": (claim(**MODEL, integers="{ L = [1, 12] }"), "c1", "integers",
                          "instances"),
    "start length depends on L": (claim(**{**MODEL, "integers": "{ L = [2, 3] }"},
                                        _model='{ family = "deep_linear", depth = "L", '
                                              'target = "1" }'),
                                  "c1", "start", "init"),
    "unknown optimizer": (claim(**MODEL, optimizer='{ method = "adam" }'), "c1", "optimizer",
                          "adam"),
    "heavy ball without beta": (claim(**MODEL, optimizer='{ method = "heavy_ball" }'), "c1",
                                "optimizer", "beta"),
    "gd with beta": (claim(**MODEL, optimizer='{ method = "gd", beta = "0.5" }'), "c1",
                     "optimizer", "no beta"),
    "schedule uses the state": (claim(**MODEL, schedule='"delta/(1 + x_0)"'), "c1",
                                "schedule", "x_0"),
    "schedule on a threshold": (claim(**{**THRESH, "schedule": '"delta/(1+t)"'}), "c1",
                                "schedule", "constant step"),
    "strict not a bool": (claim(**{**THRESH, "strict": '"yes"'}), "c1", "strict",
                          "true or false"),
    "target set unknown": (claim(**{**CONV, "target": '"minimisers"'}), "c1", "target",
                           "no known set"),
    "no trajectory form": (claim(**{**MODEL, "monotone": None}), "c1", "bound", "exactly one"),
    "two trajectory forms": (claim(**MODEL, drift='"1"'), "c1", "drift", "exactly one"),
    "unknown monotone": (claim(**{**MODEL, "monotone": '"decreasing"'}), "c1", "monotone",
                         "nonincreasing"),
    "unknown quantity": (claim(**{**MODEL, "quantity": '"curvature"'}), "c1", "quantity",
                         "curvature"),
    "sv of a quadratic": (claim(**{**MODEL, "quantity": '"sv_1"'}), "c1", "quantity", "sv_1"),
    "after past steps": (claim(**MODEL, after="20"), "c1", "after", "0..steps"),
    "relation without bound": (claim(**MODEL, relation='"<="'), "c1", "relation", "bound"),
    "shaped variable too big": (claim(variables='["w[99]"]'), "c1", "variables", "1..8"),
    # identity, the fitted rate, convergence to a k-cycle
    "identity without lhs": (claim(**{**IDENT, "lhs": None}), "c1", "lhs", "missing"),
    "identity unknown name": (claim(**{**IDENT, "lhs": '"grad_y"'}), "c1", "lhs", "grad_y"),
    "identity gd without a step": (claim(**{**IDENT, "step": None, "params": "{ a = 1 }",
                                            "lhs": '"gd_x"'}), "c1", "lhs", "gd_x"),
    "identity shapes differ": (claim(**{**IDENT, "lhs": '[["x", "0"], ["0", "x"]]',
                                        "rhs": '["x", "x"]'}), "c1", "rhs", "differs"),
    "identity ragged matrix": (claim(**{**IDENT, "lhs": '[["x", "0"], ["0"]]'}), "c1", "lhs",
                               "equal length"),
    "identity side a table": (claim(**{**IDENT, "lhs": "{ a = 1 }"}), "c1", "lhs",
                              "expected an expression"),
    "identity region inverted": (claim(**IDENT, region="[2, -2]"), "c1", "region", "lo < hi"),
    "identity region not a pair": (claim(**IDENT, region="3"), "c1", "region", "[lo, hi]"),
    "identity region not numbers": (claim(**IDENT, region='["a", 1]'), "c1", "region", "'a'"),
    "identity with an optimizer": (claim(**IDENT, optimizer='{ method = "heavy_ball", '
                                   'beta = "0.5" }'), "c1", "optimizer", "plain GD"),
    "unknown order": (claim(**{**FIT, "order": '"quadratic"'}), "c1", "order", "sublinear"),
    "order with a bound": (claim(**FIT, bound='"metric0"'), "c1", "bound", "not both"),
    "sublinear without exponent": (claim(**{**FIT, "exponent": None}), "c1", "exponent",
                                   "missing"),
    "sublinear with a factor": (claim(**FIT, factor='"1/2"'), "c1", "factor", "exponent"),
    # (linear without a factor is "some c < 1": tests/test_rate_witness.py)
    "linear with an exponent": (claim(**{**FIT, "order": '"linear"'}), "c1", "exponent",
                                "factor"),
    "exponent uses the state": (claim(**{**FIT, "exponent": '"x"'}), "c1", "exponent", "x"),
    "fitted rate too few steps": (claim(**{**FIT, "steps": "10"}), "c1", "steps", "tail"),
    "fitted rate after too late": (claim(**FIT, after="95"), "c1", "after", "0..90"),
    "after without order": (claim(**RATE, after="5"), "c1", "after", "order"),
    "exponent without order": (claim(**RATE, exponent='"2"'), "c1", "exponent", "order"),
    "cycle target without period": (claim(**{**CYC, "period": None}), "c1", "period",
                                     "missing"),
    "cycle period one": (claim(**{**CYC, "period": "1"}), "c1", "period", "2..8"),
    "cycle period a string": (claim(**{**CYC, "period": '"2"'}), "c1", "period", "2..8"),
    "cycle points of wrong count": (claim(**{**CYC, "points": '[["1"]]'}), "c1", "points",
                                    "2 points"),
    "cycle point uses the state": (claim(**{**CYC, "points": '[["x"], ["0"]]'}), "c1", "points", "x"),
    "period without a cycle target": (claim(**CONV, period="2"), "c1", "period", "cycle"),
    "cycle target with momentum": (claim(**CYC, optimizer='{ method = "heavy_ball", '
                                   'beta = "0.5" }'), "c1", "target", "plain GD"),
    "otherwise without condition": (claim(**CYC, otherwise='"diverges"'), "c1", "otherwise",
                                    "condition"),
    # The linear residual network, the two-layer ReLU network and the double network.
    "resnet too many coordinates": (claim(**MODEL, _model=RESNET.format(
        'depth = 12, width = 2, target = [["1", "0"], ["0", "1"]]')), "c1", "model.depth",
        "at most 40"),
    "resnet scalar target at width 2": (claim(**MODEL, _model=RESNET.format(
        'depth = 2, width = 2, target = "1"')), "c1", "model.target", "2 x 2 matrix"),
    "resnet sigma not semidefinite": (claim(**MODEL, _model=RESNET.format(
        'depth = 1, width = 2, target = [["1", "0"], ["0", "1"]], '
        'sigma = [["1", "2"], ["2", "1"]]')), "c1", "model.sigma", "semidefinite"),
    "resnet sigma not symmetric": (claim(**MODEL, _model=RESNET.format(
        'depth = 1, width = 2, target = [["1", "0"], ["0", "1"]], '
        'sigma = [["1", "1"], ["0", "1"]]')), "c1", "model.sigma", "symmetric"),
    "resnet sigma uses a parameter": (claim(**MODEL, _model=RESNET.format(
        'depth = 1, target = "1", sigma = "delta"')), "c1", "model.sigma", "delta"),
    "resnet sigma negative": (claim(**MODEL, _model=RESNET.format(
        'depth = 1, target = "1", sigma = "-1"')), "c1", "model.sigma", "semidefinite"),
    "resnet init not an expression": (claim(**MODEL, _model=RESNET.format(
        'depth = 2, target = "1", init = "zaz"')), "c1", "model.init", "zaz"),
    "resnet depth a float": (claim(**MODEL, _model=RESNET.format('depth = 1.5, target = "1"')),
                             "c1", "model.depth", "integer"),
    "double too many coordinates": (claim(**MODEL, _model=DOUBLE.format(
        'depth = 6, width = 2, target = [["1", "0"], ["0", "1"]]')), "c1", "model.depth",
        "2 x depth"),
    "double init table keys": (claim(**MODEL, _model=DOUBLE.format(
        'depth = 2, target = "1", init = { w = "1" }')), "c1", "model.init", "w and z"),
    "double init z unparseable": (claim(**MODEL, _model=DOUBLE.format(
        'depth = 2, target = "1", init = { w = "1", z = "1 +" }')), "c1", "model.init.z",
        "1 +"),
    "double missing target": (claim(**MODEL, _model=DOUBLE.format('depth = 2')), "c1",
                              "model.target", "missing"),
    "relu missing width": (claim(**MODEL, _model=RELU.format('x = [1], y = ["1"]')), "c1",
                           "model.width", "missing"),
    "relu width zero": (claim(**MODEL, _model=RELU.format('width = 0, x = [1], y = ["1"]')),
                        "c1", "model.width", "1..8"),
    "relu width undeclared": (claim(**MODEL, _model=RELU.format('width = "m", x = [1], '
                                                                 'y = ["1"]')),
                              "c1", "model.width", "integers"),
    "relu input uses a parameter": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = ["delta"], y = ["1"]')), "c1", "model.x", "input 0"),
    "relu input a boolean": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [true], y = ["1"]')), "c1", "model.x", "expression"),
    "relu labels of other length": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1, 2], y = ["1"]')), "c1", "model.y", "labels for 2 inputs"),
    "relu too many points": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [' + ", ".join(["1"] * 13) + '], y = ["1"]')), "c1", "model.x",
        "1..12"),
    "relu missing data": (claim(**MODEL, _model=RELU.format('width = 1, y = ["1"]')), "c1",
                          "model.x", "missing"),
    "relu init keys": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1], y = ["1"], init = { a = "1" }')), "c1", "model.init", "a, w"),
    "relu bias a table": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1], y = ["1"], bias = { b = 1 }')), "c1", "model.bias", "expression"),
    "relu bias list too long": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1], y = ["1"], bias = [1, 2]')), "c1", "model.bias", "one entry per"),
    "relu bias list with a parameter width": (claim(**MODEL, integers="{ m = [1, 2] }",
                                                    _model=RELU.format(
        'width = "m", x = [1], y = ["1"], bias = [1]')), "c1", "model.bias", "literal width"),
    "relu bias list entry unparseable": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1], y = ["1"], bias = ["1 +"]')), "c1", "model.bias", "unit 0"),
    "relu inputs mixed": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1, [2]], y = ["1", "2"]')), "c1", "model.x", "same length"),
    "relu labels of two lengths": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1, 2], y = [["1", "2"], ["1"]]')), "c1", "model.y", "same length"),
    "relu input vector too long": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [[1, 2, 3, 4, 5, 6, 7, 8, 9]], y = ["1"]')), "c1", "model.x",
        "1..8"),
    "relu input vector entry a parameter": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [[1, "delta"]], y = ["1"]')), "c1", "model.x", "input 0"),
    "relu empty label vector": (claim(**MODEL, _model=RELU.format(
        'width = 1, x = [1], y = [[]]')), "c1", "model.y", "1..8"),
    "relu too many coordinates": (claim(**MODEL, _model=RELU.format(
        'width = 8, x = [[1, 2, 3]], y = [["1", "2", "3"]]')), "c1", "model.width",
        "coordinates"),
    "at state without a model": (claim(**{**INEQ, "at": '"state"', "state": '["1"]'}), "c1",
                                 "at", "model table or a loss"),
    "at state wrong length": (at_state(state='["c"]'), "c1", "state",
                              "1 coordinate(s) but there are 2"),
    "at state unknown symbol": (at_state(state='["c", "q"]'), "c1", "state", "q"),
    "at state not a list": (at_state(state='"c"'), "c1", "state", "list"),
    "at state missing": (at_state(state=None), "c1", "state", "missing"),
    "at state unknown quantity": (at_state(lhs='"sv_1"'), "c1", "lhs", "sv_1"),
    "at state step quantity": (at_state(lhs='"radius"'), "c1", "lhs", "radius"),
    "at state fraction": (at_state(fraction='"1/2"'), "c1", "fraction",
                          "minimisers"),
    "at state integers": (at_state(integers="{ L = [2, 3] }"), "c1", "integers",
                          "no integer"),
    "state without at": (at_state(at=None), "c1", "state", "at = \"state\""),
    "at state relation": (at_state(relation='"=="'), "c1", "relation", "one of"),
    "relu data not fitted": (claim(**{**CONV, "target": '"minimisers"', "loss": None,
                                      "variables": None, "start": None, "model": RELU.format(
                                          'width = 2, x = [1, 2], y = ["1", "3"], '
                                          'init = { a = "1", w = "1" }')}),
                             "c1", "target", "no known set"),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_claim(name):
    text, bad_id, key, words = MALFORMED[name]
    (result,) = parse_claims(text)
    assert isinstance(result, BadClaim), result
    assert result.id == bad_id
    assert result.key == key
    label = "claim #1" if bad_id == "claim #1" else f"claim {bad_id!r}"
    assert result.message.startswith(f"{label}: key {key!r}: "), result.message
    assert words in result.message, result.message


def test_rate_metric_loss_is_the_loss():
    # `loss` stands for the loss: its variables are then allowed.
    (spec,) = parse_claims(claim(**{**RATE, "metric": '"loss + x**2"'}))
    assert isinstance(spec, ClaimSpec) and spec.metric == "loss + x**2"


def test_duplicate_id():
    results = parse_claims(claim() + claim() + claim(id='"c2"') + claim())
    assert [type(r) for r in results] == [ClaimSpec, BadClaim, ClaimSpec, BadClaim]
    for bad in (results[1], results[3]):
        assert bad.id == "c1" and bad.key == "id"
        assert bad.message == "claim 'c1': key 'id': duplicate id, first used by claim #1"


def test_bad_claim_does_not_stop_the_others():
    text = claim(id='"good1"') + claim(id='"bad"', loss='"x**"') + claim(id='"good2"')
    results = parse_claims(text)
    assert [type(r) for r in results] == [ClaimSpec, BadClaim, ClaimSpec]
    assert [r.id for r in results] == ["good1", "bad", "good2"]


# ---------------------------------------------------------------------------------------------
# The whole file


@pytest.mark.parametrize("text, words", [
    ("[[claim]]\nid = \n", "line 2"),
    ("title = 'x'\n", "no [[claim]]"),
    ("", "no [[claim]]"),
    ("claim = []\n", "zero claims"),
    ("claim = 3\n", "array of tables"),
    ("claim = [1, 2]\n", "array of tables"),
    (claim() + "[[cliam]]\nid = 'x'\n", "cliam"),
])
def test_file_level_errors(text, words):
    with pytest.raises(ClaimFileError) as info:
        parse_claims(text, source="mine.toml")
    assert "mine.toml" in str(info.value) and words in str(info.value), str(info.value)


def test_unreadable_path(tmp_path):
    for path in (tmp_path / "missing.toml", tmp_path):
        with pytest.raises(ClaimFileError) as info:
            load_claims(path)
        assert str(path) in str(info.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes(b'[[claim]]\nid = "\xe9"\n')
    with pytest.raises(ClaimFileError, match="latin.toml"):
        load_claims(latin)


def test_syntax_error_message_names_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('[[claim]]\nid = "a"\nkind = \n', encoding="utf-8")
    with pytest.raises(ClaimFileError) as info:
        load_claims(path)
    message = str(info.value)
    assert str(path) in message and "TOML syntax error" in message and "line 3" in message


# ---------------------------------------------------------------------------------------------
# Never anything but ClaimFileError


def _outcome(text: str) -> None:
    try:
        results = parse_claims(text, source="fuzz.toml")
    except ClaimFileError as exc:
        assert "fuzz.toml" in str(exc)
        return
    assert isinstance(results, list) and results
    assert all(isinstance(r, (ClaimSpec, BadClaim)) for r in results)


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(st.text())
def test_random_text_never_crashes(text):
    _outcome(text)


@FUZZ
@given(st.data())
def test_deleting_a_line_never_crashes(data):
    lines = VALID.splitlines()
    index = data.draw(st.integers(0, len(lines) - 1))
    _outcome("\n".join(lines[:index] + lines[index + 1:]))


@FUZZ
@given(st.data())
def test_replacing_a_character_never_crashes(data):
    index = data.draw(st.integers(0, len(VALID) - 1))
    char = data.draw(st.sampled_from(list('"[]{}=,.#-+*/()0123456789 \nxaet') + [
        "nan", "inf", "true", "''", "**", "x", "loss"]))
    _outcome(VALID[:index] + char + VALID[index + 1:])


@FUZZ
@given(st.data())
def test_replacing_a_value_never_crashes(data):
    lines = VALID.splitlines()
    candidates = [i for i, line in enumerate(lines) if " = " in line]
    index = data.draw(st.sampled_from(candidates))
    value = data.draw(st.sampled_from([
        '""', "0", "-1", "1.5", "nan", "-inf", "true", "[]", "[[]]", '["x"]', '[["x", "y"]]',
        "{}", '{ delta = "1/0" }', '{ eta = [2, 1] }', '"delta"', '"Eq(eta, 1)"', '"x, y"',
        '"1/0"', '"oo"', '"I"', '"lambda"', '"__import__"', "1979-05-27", '"loss"']))
    key = lines[index].split(" = ")[0]
    lines[index] = f"{key} = {value}"
    _outcome("\n".join(lines))
