"""``at = "limits"`` (an inequality at the limits of seeded GD runs, verify.userclaims.gd_limits)
and seeded draws in claim files (model data ``{ draw, shape, seed }``, verify.userclaims.draws):
reproducible draws, hostile input named by its key, the refutation's replay."""

from __future__ import annotations

import shlex

import numpy as np
import pytest

from verify.api import check
from verify.cli import main
from verify.userclaims.draws import model_datum
from verify.userclaims.gd_limits import draws
from verify.userclaims.model import Model
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim, ClaimFileError
from verify.vocabulary import Outcome, Status

WELL = """[[claim]]
id = "t.well"
kind = "inequality"
at = "limits"
loss = "(x**2 - 1)**2/4"
variables = ["x"]
step = "eta"
params = {{ eta = [0.05, 0.9], s = [0, 1] }}
limits = {limits}
lhs = "{lhs}"
relation = "<="
rhs = "1"
"""
LIMITS = '{ runs = 16, steps = 300, seed = 2, start = "uniform(-2, 2)" }'
RELU = """[[claim]]
id = "t.relu"
kind = "inequality"
at = "limits"
model = {{ family = "two_layer_relu", width = 2, x = [1, 2], y = {y}, bias = ["c", "0"] }}
step = "delta"
params = {{ delta = [0.1, 0.2], c = [-1, 1] }}
limits = {{ runs = 8, steps = 100 }}
lhs = "loss"
relation = ">="
rhs = "0"
"""


def _one(text: str):
    (spec,) = parse_claims(text)
    return spec


def _bad(text: str) -> BadClaim:
    spec = _one(text)
    assert isinstance(spec, BadClaim), spec
    return spec


def test_draws_come_from_the_file_seed_alone():
    spec = _one(WELL.format(limits=LIMITS, lhs="Abs(x)"))
    P1, X1 = draws(Model(spec), spec.limits)
    P2, X2 = draws(Model(spec), spec.limits)
    assert np.array_equal(P1, P2) and np.array_equal(X1, X2)
    assert (np.abs(X1) <= 2).all() and P1.shape == (16, 2)
    other = _one(WELL.format(limits=LIMITS.replace("seed = 2", "seed = 3"), lhs="Abs(x)"))
    assert not np.array_equal(X1, draws(Model(other), other.limits)[1])


def test_listed_values_are_taken_in_turn_and_normal_draws_stay_in_the_interval():
    spec = _one(WELL.format(limits='{ runs = 40, steps = 10, draw = { eta = [0.1, 0.2], '
                                   's = "normal(0.5, 3)" } }', lhs="Abs(x)"))
    P, _ = draws(Model(spec), spec.limits)
    names = Model(spec).free_names
    assert list(P[:4, names.index("eta")]) == [0.1, 0.2, 0.1, 0.2]
    s = P[:, names.index("s")]
    assert ((s >= 0) & (s <= 1)).all() and len(set(s)) == 40


def test_model_data_drawn_are_numbers_of_the_shape_asked():
    drawn = model_datum({"draw": "normal(0, 1)", "shape": [3, 2], "seed": 5}, "model.y")
    assert len(drawn) == 3 and all(len(row) == 2 for row in drawn)
    assert drawn == model_datum({"draw": "normal(0, 1)", "shape": [3, 2], "seed": 5}, "model.y")
    spec = _one(RELU.format(y='{ draw = "uniform(-1, 1)", shape = [2], seed = 7 }'))
    assert not isinstance(spec, BadClaim)
    assert [float(v) for v in spec.model["y"]] == [float(v) for v in model_datum(
        {"draw": "uniform(-1, 1)", "shape": [2], "seed": 7}, "model.y")]


@pytest.mark.parametrize("limits, key", [
    ('{ runs = 16 }', "limits"),
    ('{ runs = 0, steps = 10 }', "limits.runs"),
    ('{ runs = 10**9, steps = 10 }', None),  # TOML syntax: the whole file is refused
    ('{ runs = 16, steps = 10, seed = -1 }', "limits.seed"),
    ('{ runs = 16, steps = 10, start = "__import__(\'os\').system(\'x\')" }', "limits.start"),
    ('{ runs = 16, steps = 10, start = "uniform(1, 1)" }', "limits.start"),
    ('{ runs = 16, steps = 10, start = "normal(0, -1)" }', "limits.start"),
    ('{ runs = 16, steps = 10, draw = { q = "normal(0, 1)" } }', "limits.draw.q"),
    ('{ runs = 16, steps = 10, draw = { eta = [0.01] } }', "limits.draw.eta"),
    ('{ runs = 16, steps = 10, draw = { eta = "exp(1)" } }', "limits.draw.eta"),
    ('{ runs = 16, steps = 10, extra = 1 }', "limits"),
])
def test_hostile_limits_name_their_key(limits, key):
    if key is None:
        with pytest.raises(ClaimFileError):
            parse_claims(WELL.format(limits=limits, lhs="Abs(x)"))
        return
    bad = _bad(WELL.format(limits=limits, lhs="Abs(x)"))
    assert bad.key == key, bad


@pytest.mark.parametrize("y, key", [
    ('{ draw = "uniform(-1, 1)", shape = [2] }', "model.y"),
    ('{ draw = "uniform(-1, 1)", shape = [200], seed = 1 }', "model.y.shape"),
    ('{ draw = "uniform(-1, 1)", shape = [2, 2, 2], seed = 1 }', "model.y.shape"),
    ('{ draw = "gamma(1, 1)", shape = [2], seed = 1 }', "model.y.draw"),
    ('{ draw = "uniform(-1, 1)", shape = [2], seed = "1" }', "model.y.seed"),
])
def test_hostile_model_draws_name_their_key(y, key):
    assert _bad(RELU.format(y=y)).key == key


def test_limits_needs_its_at_and_a_step():
    text = WELL.format(limits=LIMITS, lhs="Abs(x)")
    assert _bad(text.replace('at = "limits"\n', "")).key == "limits"
    assert _bad(text.replace('step = "eta"\n', "")).key == "step"


def test_the_false_twin_is_refuted_and_its_replay_reproduces_the_run(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(WELL.format(limits=LIMITS, lhs="x + 1/2"))  # false at the limit x = 1
    (result,) = check(path, quick=False)
    assert result.status is Status.REFUTED
    (ev,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    assert ev.counterexample.at["limit"] == "[1.0]" and "run" in ev.counterexample.replay
    args = shlex.split(ev.reproduce)
    assert args[:3] == ["python", "-m", "verify"] and "--at" in args
    args[args.index(args[4])] = str(path)  # the file, wherever the test wrote it
    assert main([*args[3:], "--no-progress", "--out", str(tmp_path / "out")]) == 1
    bad_run = [*args[3:args.index("--at") + 1], "run=99", "--no-progress", "--out",
               str(tmp_path / "out2")]
    assert main(bad_run) != 0  # a run the file does not draw: a clear error, not a verdict


def test_starts_are_the_init_plus_noise_on_each_listed_depth():
    (spec,) = parse_claims("""[[claim]]
id = "t.chain"
kind = "inequality"
at = "limits"
model = { family = "deep_linear", depth = "L", width = 2, init = "1", target = [["r", "0"], ["0", "r"]] }
integers = { L = [2, 3] }
step = "delta"
params = { delta = [0.05, 0.2], r = [0.5, 1] }
limits = { runs = 8, steps = 50, start = "uniform(-0.01, 0.01)" }
lhs = "sv_1"
relation = "<="
rhs = "(2/(L*delta))**(L/(2*L - 2))"
""")
    model = Model(spec, {"L": 3})
    _, X0 = draws(model, spec.limits)
    assert X0.shape == (8, 12)
    eye = np.tile([1.0, 0.0, 0.0, 1.0], 3)
    assert np.abs(X0 - eye).max() <= 0.01 and np.abs(X0 - eye).max() > 0


def test_unbounded_integers_are_refused():
    text = WELL.format(limits=LIMITS, lhs="Abs(x)").replace(
        'params = {', 'integers = { L = ">= 2" }\nparams = {')
    assert _bad(text).key == "integers"


def test_a_shared_check_is_seeded_by_its_key_and_runs_once_per_process():
    """Check.share (verify.runner.run_check): two claims running the same computation (the
    paper's theorem and the slides' copy) get one finding, computed once."""
    import dataclasses

    from verify.runner import run_check
    from verify.vocabulary import Check, Claim, Finding, Reference, Tier

    calls = []

    def run(ctx):
        calls.append(ctx.seed)
        return Finding(Outcome.SUPPORTS, f"seed {ctx.seed}")

    check = Check("probe", Tier.EMPIRICAL, run, "probe", share="t.shared-key-1")
    claims = [Claim(id=f"t.claim{k}", ref=Reference("t", "x"), statement="s",
                    hypotheses={}, asserts="a", checks=(check,)) for k in (1, 2)]
    first, second = (run_check(c, check, 0, True, 50) for c in claims)
    assert first.detail == second.detail and len(calls) == 1
    unshared = dataclasses.replace(check, share="")
    a, b = (run_check(c, unshared, 0, True, 50) for c in claims)
    assert a.detail != b.detail and len(calls) == 3  # seeded by the claim ids: two runs


def test_claims_stating_the_same_runs_share_them(tmp_path):
    from verify.userclaims import gd_limits

    gd_limits._RUNS.clear()
    path = tmp_path / "c.toml"
    path.write_text(WELL.format(limits=LIMITS, lhs="Abs(x)")
                    + WELL.format(limits=LIMITS, lhs="x**2").replace("t.well", "t.well2"))
    first, second = check(path, quick=True)
    assert first.status is second.status is Status.CONFIRMED
    assert len(gd_limits._RUNS) == 1  # one set of runs, read at two points


RECTANGULAR = """[[claim]]
id = "t.rect"
kind = "inequality"
at = "limits"
model = { family = "deep_linear", depth = 2, widths = [2, 3, 1], target = [["p1", "p2"]] }
step = "eta"
params = { eta = [0.05, 0.2], p1 = [-1, 1], p2 = [-1, 1] }
limits = { runs = 16, steps = 2000, seed = 0 }
lhs = "loss"
relation = "<="
rhs = "RHS"
"""


@pytest.mark.parametrize("rhs, status", [("1e-6", Status.CONFIRMED), ("-1", Status.REFUTED)])
def test_a_rectangular_chain_runs_on_the_compiled_gradient(tmp_path, rhs, status):
    """A chain of rectangular layers (widths) has no square-layer batched GD: its runs take the
    family's numeric gradient (it used to fail in the square-layer fast path)."""
    path = tmp_path / "c.toml"
    path.write_text(RECTANGULAR.replace("RHS", rhs))
    (result,) = check(path, quick=True)
    assert result.status is status, result.evidence
