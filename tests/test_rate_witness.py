"""Existential linear rates (``order = "linear"`` without a factor) and proven sublinear
witnesses (``witness = { lower, derivation }``, verify.userclaims.rates.witness_check): a true
claim supported by its fit, its false twin refuted by the witness with a replay that works as
printed, the orders a witness refutes (some c, a factor, an exponent) and those it does not,
and hostile keys named one by one."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from verify.api import check
from verify.cli import main
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import Outcome, Status, Strength

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "witness.toml"
LOWER = "(1 + (2*L - 2)*delta*(1 - delta)**(1 - 2*L)*t)**(-1/(2*L - 2))"
KERNEL = """
[[claim]]
id = "w.kernel"
kind = "rate"
model = {{ family = "deep_linear", depth = "L", width = 1, target = "0", init = "1" }}
integers = {{ L = [2, 5, 3] }}
step = "delta"
params = {{ delta = ["1/1000", "1/2"] }}
assume = ["delta <= 1/L"]
metric = "Abs(w1)"
order = "{order}"
{claimed}steps = 40
witness = {{ lower = "{lower}", derivation = "nar2018step.thm2.kernel_lower" }}
"""


def _kernel(order: str = "linear", claimed: str = "", lower: str = LOWER) -> str:
    return KERNEL.format(order=order, claimed=claimed, lower=lower)


def _result(tmp_path, text: str, quick: bool = True):
    path = tmp_path / "c.toml"
    path.write_text(text)
    (result,) = check(path, quick=quick)
    return path, result


def test_the_true_claim_is_confirmed_and_its_false_twin_refuted_with_a_working_replay(
        tmp_path):
    true, false = check(EXAMPLE, quick=True)
    assert (true.status, true.strength) == (Status.CONFIRMED, Strength.SAMPLED)
    assert false.status is Status.REFUTED
    (ev,) = [e for e in false.evidence if e.outcome is Outcome.REFUTES]
    assert ev.check == "witness" and ev.counterexample.at == {"L": "2", "delta": "501/2000"}
    assert "lower(t+1)/lower(t) -> 1" in ev.detail
    fit = next(e for e in false.evidence if e.check == "rate_fit_search")
    assert fit.outcome is Outcome.UNDECIDED and "a cross-check" in fit.detail
    args = shlex.split(ev.reproduce)
    assert args[:3] == ["python", "-m", "verify"] and "--at" in args
    args[args.index(args[4])] = str(EXAMPLE)
    assert main([*args[3:], "--no-progress", "--out", str(tmp_path / "out")]) == 1
    # a replay outside the assumptions (delta > 1/L at L = 5) is no witness point: not refuted
    outside = [*args[3:args.index("--at") + 1], "L=5,delta=2/5", "--no-progress", "--out",
               str(tmp_path / "out2")]
    assert main(outside) == 0


def test_without_a_witness_a_sublinear_path_is_never_refuted(tmp_path):
    text = _kernel().replace(f'witness = {{ lower = "{LOWER}", derivation = '
                             '"nar2018step.thm2.kernel_lower" }\n', "")
    assert "witness" not in text
    _, result = _result(tmp_path, text)
    assert result.status is Status.INCONCLUSIVE
    (ev,) = result.evidence
    assert "never refutes 'some c < 1'" in ev.detail


@pytest.mark.parametrize("order, claimed, refuted", [
    ("linear", 'factor = "99/100"\n', True),  # lower / c^t -> oo
    ("sublinear", 'exponent = "1"\n', True),  # lower t -> oo (lower ~ t^(-1/(2L-2)))
    ("sublinear", 'exponent = "1/10"\n', False),  # lower t^(1/10) -> 0 at L = 2: no witness
])
def test_the_orders_a_witness_refutes(tmp_path, order, claimed, refuted):
    _, result = _result(tmp_path, _kernel(order, claimed))
    witness = next(e for e in result.evidence if e.check == "witness")
    assert (witness.outcome is Outcome.REFUTES) is refuted, witness.detail
    if not refuted:
        assert witness.outcome is Outcome.UNDECIDED and "SymPy does not show" in witness.detail


def test_a_witness_its_derivation_does_not_state_proves_nothing(tmp_path):
    # the same envelope with twice the growth rate is a valid lower bound too, but not the one
    # the derivation states: its proof is not borrowed and nothing is refuted
    lower = "(1 + 2*(2*L - 2)*delta*(1 - delta)**(1 - 2*L)*t)**(-1/(2*L - 2))"
    _, result = _result(tmp_path, _kernel(lower=lower))
    witness = next(e for e in result.evidence if e.check == "witness")
    assert witness.outcome is Outcome.UNDECIDED and "not proven" in witness.detail
    assert result.status is Status.INCONCLUSIVE


def _bad(text: str) -> BadClaim:
    (out,) = parse_claims(text)
    assert isinstance(out, BadClaim), out
    return out


@pytest.mark.parametrize("witness, key", [
    ('"x"', "witness"),
    ("{ lower = \"t\" }", "witness"),
    ('{ lower = "t", derivation = "nar2018step.thm2.kernel_lower", code = "1" }', "witness"),
    ('{ lower = "t", derivation = "os.system" }', "witness.derivation"),
    ('{ lower = "t", derivation = 3 }', "witness.derivation"),
    ('{ lower = "w1*t", derivation = "nar2018step.thm2.kernel_lower" }', "witness.lower"),
    ('{ lower = "__import__(1)", derivation = "nar2018step.thm2.kernel_lower" }',
     "witness.lower"),
    ('{ lower = 1e999, derivation = "nar2018step.thm2.kernel_lower" }', "witness.lower"),
])
def test_hostile_witness_names_the_key(witness, key):
    text = _kernel().replace(
        f'witness = {{ lower = "{LOWER}", derivation = "nar2018step.thm2.kernel_lower" }}',
        f"witness = {witness}")
    assert _bad(text).key == key


def test_a_witness_goes_with_an_order():
    text = ('[[claim]]\nid = "w.bound"\nkind = "rate"\nloss = "x**2/2"\nvariables = ["x"]\n'
            'step = "eta"\nparams = { eta = [0.1, 0.5] }\nstart = ["1"]\nmetric = "Abs(x)"\n'
            'bound = "1"\nsteps = 10\n'
            'witness = { lower = "t", derivation = "nar2018step.thm2.kernel_lower" }\n')
    assert _bad(text).key == "witness"
