"""Claims that cite a registered derivation (``derivation = NAME``,
:mod:`verify.userclaims.cite`, :mod:`proofs.registry`): a name only (hostile values name the
key and list the known names, quickly, without a traceback), the statement compared before the
steps run (a claim that says something else borrows no strength), every registered statement is
one the claim language reads and its derivation proves.  The worked file is
examples/derivations.toml (its verdicts: tests/test_claim_language.py)."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest
import sympy as sp

from proofs import registry
from proofs import zas_class as zc
from verify.cli import main
from verify.runner import run_claim
from verify.userclaims.build import claim_from_spec
from verify.userclaims.cite import problems
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim, ClaimSpec
from verify.vocabulary import Outcome, Status, Strength

STATES = ('states = { family = "linear_resnet", near = "zas", depths = [2, 3], widths = [1, 2], '
          'samples = [20, 10], top = [0.1, 3], target = [0.1, 10], delta = "theta/3", '
          'eps = "theta/(4*L**2)" }\n')
A1 = (STATES + 'kind = "inequality"\nat = "states"\n'
      'define = { alpha = "maxover(norm2(W(l)), l, 1, L - 1)", '
      'delta = "maxover(norm2(D(l)), l, 1, L - 2)" }\n'
      f'lhs = "{zc.A1_RELATION.split(" <= ")[0]}"\nrelation = "<="\n'
      f'rhs = "{zc.A1_RELATION.split(" <= ")[1]}"\n')


def _one(body: str) -> ClaimSpec | BadClaim:
    return parse_claims(f'[[claim]]\nid = "c.one"\n{body}\n')[0]


# TOML values: numbers, a list, a table, and strings that are paths, modules or code
HOSTILE = ['3', '1.5', 'true', '["wu2019zas.lemma_a1"]', '{ name = "wu2019zas.lemma_a1" }',
           '""', '"nope"', '"../proofs/zas_class"', '"proofs.zas_class.lemma_a1"',
           '"proofs/zas_class.py"', '"os.system"', '"__import__(\'os\').system(\'true\')"',
           '"wu2019zas.lemma_a1/../x"', '"wu2019zas.lemma_a1 "', '"WU2019ZAS.LEMMA_A1"',
           '"wu2019zas..lemma_a1"', '"' + "x" * 10000 + '"']


@pytest.mark.parametrize("value", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_names_name_the_key_and_list_the_known_ones(value):
    start = time.perf_counter()
    out = _one(A1 + f"derivation = {value}")
    assert time.perf_counter() - start < 2
    assert isinstance(out, BadClaim) and out.key == "derivation", out
    assert "wu2019zas.lemma_a1" in out.message and "Traceback" not in out.message
    assert len(out.message) < 2000


def test_a_kind_that_cites_nothing_refuses_the_key():
    out = _one('kind = "threshold"\nloss = "x**2/2"\nvariables = ["x"]\nstep = "eta"\n'
               'params = { eta = [0.1, 1] }\nequilibrium = ["0"]\nbound = "2"\n'
               'derivation = "wu2019zas.lemma_a1"')
    assert isinstance(out, BadClaim) and out.key == "derivation"


def _verdict(body: str):
    spec = _one(body)
    assert isinstance(spec, ClaimSpec), spec
    result = run_claim(claim_from_spec(spec), seed=0, quick=True, dps=50)
    return spec, result, {e.check: e for e in result.evidence}


def test_the_statement_cited_is_proven_whatever_the_spacing():
    body = A1.replace(" - (W(L - 1)", " -  ((W(L - 1)").replace("**(L - 1))", ")**(L - 1))")
    spec, result, ev = _verdict(body + 'derivation = "wu2019zas.lemma_a1"')
    assert not problems(spec, registry.lookup("wu2019zas.lemma_a1"))
    assert ev["derivation"].outcome is Outcome.SUPPORTS
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN


MISMATCH = {
    "relation": A1.replace('delta/2"', 'delta"'),
    "define": A1.replace('alpha = "maxover', 'alpha = "1 + maxover'),
    "define missing": A1.replace('alpha = "maxover(norm2(W(l)), l, 1, L - 1)", ', '').replace(
        "alpha", "maxover(norm2(W(l)), l, 1, L - 1)"),
    "step": A1.replace("define = { ", 'step = "eta"\ndefine = { eta = "1", '),
}


@pytest.mark.parametrize("what", list(MISMATCH))
def test_a_claim_that_differs_borrows_nothing(what):
    _, result, ev = _verdict(MISMATCH[what] + 'derivation = "wu2019zas.lemma_a1"')
    found = ev["derivation"]
    assert found.outcome is Outcome.UNDECIDED and "does not state" in found.detail, found
    assert found.coverage is None
    assert result.strength is not Strength.PROVEN  # sampled at most: the search decides


def test_a_missing_assumption_borrows_nothing():
    a2 = registry.lookup("wu2019zas.lemma_a2").statement
    body = _states_body(a2).replace('condition = ["eps <= 1/(4*L**2)", ', 'condition = [')
    spec = _one(body + 'derivation = "wu2019zas.lemma_a2"')
    assert any("assumes 'eps <= 1/(4*L**2)'" in p for p in problems(spec, registry.lookup(
        "wu2019zas.lemma_a2")))


def test_a_failing_step_leaves_it_undecided(monkeypatch):
    real = registry.lookup("wu2019zas.lemma_a1")
    broken = replace(real, steps=lambda: zc.lemma_a1(const=zc.HALF / 50))
    monkeypatch.setattr("verify.userclaims.cite.lookup", lambda name: broken)
    _, result, ev = _verdict(A1 + 'derivation = "wu2019zas.lemma_a1"')
    assert ev["derivation"].outcome is Outcome.UNDECIDED and "(A.1)" in ev["derivation"].detail
    assert result.strength is Strength.SAMPLED


def _states_body(st) -> str:
    define = ", ".join(f'{k} = "{v}"' for k, v in st.define)
    free = [st.step] if st.step and st.step not in dict(st.define) else []
    if free:
        define += f', {st.step} = "1/10"'
    body = STATES + 'kind = "inequality"\nat = "states"\n' + f"define = {{ {define} }}\n"
    if st.step:
        body += f'step = "{st.step}"\n'
    if st.assume:
        body += "condition = [" + ", ".join(f'"{t}"' for t in st.assume) + "]\n"
    return body + "relations = [" + ", ".join(f'"{t}"' for t in st.relations) + "]\n"


def _box_body(st) -> str:
    # a statement's "real" (the whole line) holds any interval: [-1, 1] here
    ranges = ", ".join(f'{k} = [-1, 1]' if v == "real" else f'{k} = "{v}"'
                       for k, v in st.params.items())
    body = f'kind = "{st.kind}"\nparams = {{ {ranges} }}\n'
    if st.integers:
        body += "integers = { " + ", ".join(f'{k} = "{v}"' for k, v in st.integers.items()) + " }\n"
    if st.assume:
        body += "assume = [" + ", ".join(f'"{t}"' for t in st.assume) + "]\n"
    lhs, rel, rhs = _split(st.relations[0])
    return body + f'lhs = "{lhs}"\nrelation = "{rel}"\nrhs = "{rhs}"\n'


_SIZE_KEYS = {"n": "inputs", "L": "depths", "m": "widths", "N": "data"}
_RANGES = {">= 0": "[0, 1]", "> 0": "[1/10, 1]", "real": "[-1, 1]"}


def _networks_body(st) -> str:
    """A claim over networks inside the statement's class (sizes from its lowest, ranges
    inside its half-lines), stating its conditions and relations."""
    sizes = {}
    for name, text in st.integers.items():
        low = text.strip().lstrip(">= ")
        sizes[_SIZE_KEYS[name]] = '"n"' if low == "n" else f"[{low}, {int(low) + 1}]" \
            if text.startswith(">=") else f"[{low}]"
    blocks = {k: _RANGES.get(v, v) for k, v in st.params.items()}
    table = ", ".join([*(f"{k} = {v}" for k, v in sizes.items()),
                       *(f'{k} = "{v}"' for k, v in blocks.items())])
    body = (f'kind = "{st.kind}"\nat = "networks"\nnetworks = {{ family = "relu_resnet", '
            f'samples = [20, 10], {table} }}\n')
    if st.assume:
        body += "condition = [" + ", ".join(f'"{t}"' for t in st.assume) + "]\n"
    return body + "relations = [" + ", ".join(f'"{t}"' for t in st.relations) + "]\n"


def _split(text: str) -> tuple[str, str, str]:
    for rel in ("<=", ">=", "==", "<", ">"):
        if f" {rel} " in text:
            lhs, rhs = text.split(f" {rel} ")
            return lhs, rel, rhs
    raise AssertionError(text)


BERNOULLI = ('kind = "inequality"\nintegers = { L = ">= 1" }\nparams = { s = ">= 0" }\n'
             'lhs = "(1 + s)**L"\nrelation = ">="\nrhs = "1 + L*s"\n')
BOX_MISMATCH = {
    "range": BERNOULLI.replace('s = ">= 0"', "s = [0, 10]"),
    "depths": BERNOULLI.replace('L = ">= 1"', 'L = ">= 2"'),
    "assumption": BERNOULLI + 'assume = ["s <= 5"]\n',
    "relation": BERNOULLI.replace('">="', '">"'),
    "side": BERNOULLI.replace('"1 + L*s"', '"1 + L*s/2"'),
}


@pytest.mark.parametrize("what", list(BOX_MISMATCH))
def test_a_box_claim_that_differs_borrows_nothing(what):
    spec = _one(BOX_MISMATCH[what] + 'derivation = "wu2019zas.bernoulli"')
    assert isinstance(spec, ClaimSpec), spec
    assert problems(spec, registry.lookup("wu2019zas.bernoulli"))


def test_a_box_claim_citing_a_statement_at_states_borrows_nothing():
    spec = _one(BERNOULLI + 'derivation = "wu2019zas.lemma_a1"')
    assert problems(spec, registry.lookup("wu2019zas.lemma_a1")) == [
        "the derivation states a relation at states, the claim one over a box"]
    spec = _one(A1 + 'derivation = "wu2019zas.bernoulli"')
    assert "over a parameter box" in problems(spec, registry.lookup("wu2019zas.bernoulli"))[0]


DECOMPOSITION = ('kind = "inequality"\nparams = { g = [-5, 5], beta = [0, 10], h = [-5, 5], '
                 'alpha = [0, 10] }\nassume = ["beta > Max(0, -g)", "alpha > Max(0, -h)"]\n'
                 'lhs = "beta + g"\nrelation = ">"\nrhs = "0"\n'
                 'derivation = "nar2018resnet.sec31_decomposition_amended"\n')


def test_a_statement_on_the_whole_line_holds_every_interval_of_the_claim():
    """A box statement's parameter "real" matches any interval the claim draws from: the
    amended decomposition is proven; the printed condition (beta > 0 alone) borrows nothing
    and is refuted by its search (the false twin fails whatever "real" means)."""
    spec, result, ev = _verdict(DECOMPOSITION)
    assert not problems(spec, registry.lookup("nar2018resnet.sec31_decomposition_amended"))
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN
    printed = DECOMPOSITION.replace('"beta > Max(0, -g)"', '"beta > 0"')
    spec, result, ev = _verdict(printed)
    assert any("assume" in p for p in problems(spec, registry.lookup(
        "nar2018resnet.sec31_decomposition_amended")))
    assert ev["derivation"].outcome is Outcome.UNDECIDED
    assert result.status is Status.REFUTED
    cx = next(e for e in result.evidence if e.counterexample).counterexample
    assert sp.Rational(cx.at["beta"]) + sp.Rational(cx.at["g"]) <= 0


@pytest.mark.parametrize("value", ['"real"', '"Real"', '["real", 1]', '"-oo"', '[-1e400, 1]'])
def test_the_whole_line_is_the_statement_s_not_a_claim_file_s(value):
    """A claim file draws from an interval or a half-line: "real" there (and other ways of
    writing an unbounded range) is one clear error naming params."""
    out = _one(DECOMPOSITION.replace("g = [-5, 5]", f"g = {value}"))
    assert isinstance(out, BadClaim) and out.key == "params", out
    assert "Traceback" not in out.message and "'g'" in out.message


def test_a_statement_range_is_still_compared_when_it_is_not_the_whole_line():
    body = DECOMPOSITION.replace("g = [-5, 5]", 'g = ">= 0"')
    spec = _one(body)
    assert isinstance(spec, ClaimSpec), spec
    assert not problems(spec, registry.lookup("nar2018resnet.sec31_decomposition_amended"))
    spec = _one(BERNOULLI.replace('s = ">= 0"', "s = [-1, 1]") + 'derivation = "wu2019zas.bernoulli"')
    assert problems(spec, registry.lookup("wu2019zas.bernoulli"))


def test_a_box_claim_may_write_the_sides_differently():
    body = BERNOULLI.replace('"(1 + s)**L"', '"(s + 1)**L - L*s"').replace('"1 + L*s"', '"1"')
    spec = _one(body + 'derivation = "wu2019zas.bernoulli"')
    assert not problems(spec, registry.lookup("wu2019zas.bernoulli"))


@pytest.mark.parametrize("name", sorted(n for n, d in registry.registry().items()
                                         if not d.statement.keys))  # GD ones: further below
def test_every_registered_statement_is_claim_language_and_proven(name):
    d = registry.lookup(name)
    assert d.name == name and d.where and d.summary
    body = {"states": _states_body, "networks": _networks_body}.get(
        d.statement.at, _box_body)(d.statement)
    spec, result, ev = _verdict(body + f'derivation = "{name}"')
    assert not problems(spec, d)
    assert ev["derivation"].outcome is Outcome.SUPPORTS, ev["derivation"].detail
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN


def test_list_shows_the_cited_derivation(capsys):
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    block = out[out.index("wu2019zas.lemma_a1 "):].splitlines()[:4]
    assert block[3].startswith("    proof: wu2019zas.lemma_a1: Wu, Wang & Ma (2019), Lemma A.1:")
    claim = claim_from_spec(_one(A1 + 'derivation = "wu2019zas.lemma_a1"'))
    assert claim.hypotheses["derivation wu2019zas.lemma_a1"].startswith("Wu, Wang & Ma")


def test_the_example_cites_proven_and_borrows_nothing_otherwise():
    from pathlib import Path

    from verify.api import check

    out = {r.claim.id: r for r in check(Path(__file__).resolve().parents[1] / "examples"
                                        / "derivations.toml", quick=True, seed=0)}
    assert out["cite.lemma-a1"].strength is Strength.PROVEN
    assert out["cite.lemma-a1-doubled"].strength is Strength.SAMPLED
    assert out["cite.bernoulli"].strength is Strength.PROVEN  # SymPy alone: instances only
    assert out["cite.bernoulli-square"].status is Status.REFUTED
    twin = out["cite.lemma-a1-without-l2"]
    assert twin.status is Status.REFUTED
    refuting = [e for e in twin.evidence if e.outcome is Outcome.REFUTES]
    assert [e.check for e in refuting] == ["states_search"]
    assert refuting[0].counterexample.at["L"] in ("3", "4") and "--at" in refuting[0].reproduce
    assert out["cite.prop3-decreasing"].strength is Strength.PROVEN
    twin = out["cite.prop3-any-step"]
    assert twin.status is Status.REFUTED
    assert {e.check: e.outcome for e in twin.evidence}["derivation"] is Outcome.UNDECIDED
    refuting = [e for e in twin.evidence if e.outcome is Outcome.REFUTES]
    assert [e.check for e in refuting] == ["trajectory_search"] and "--at" in refuting[0].reproduce
    assert out["cite.lemma3-rate"].strength is Strength.PROVEN  # depths 1..10: a progression
    twin = out["cite.lemma3-rate-doubled"]
    assert twin.status is Status.REFUTED
    assert {e.check: e.outcome for e in twin.evidence}["derivation"] is Outcome.UNDECIDED
    refuting = [e for e in twin.evidence if e.outcome is Outcome.REFUTES]
    assert [e.check for e in refuting] == ["rate_search"] and "--at" in refuting[0].reproduce


def test_from_facts_makes_each_fact_a_checked_step_and_the_glue_a_premise():
    from proofs.derivation import from_facts, run

    out = run(from_facts({"a": True, "b": True}, "so the claim"))
    assert out.proved and out.premises == ("so the claim",) and len(out.lines) == 3
    for facts in ({"a": True, "b": None}, {"a": False}):
        out = run(from_facts(facts, "glue"))
        assert not out.proved and out.failed.startswith(next(k for k, v in facts.items()
                                                             if v is not True))


def test_facts_of_a_proof_for_every_depth_are_steps_too(monkeypatch):
    real = registry.lookup("wu2019zas.bernoulli")
    for facts, outcome in (({"a": True, "b": True}, Outcome.SUPPORTS),
                           ({"a": True, "b": None}, Outcome.UNDECIDED),
                           ({"a": False}, Outcome.UNDECIDED)):
        fake = replace(real, steps=lambda facts=facts: facts)
        monkeypatch.setattr("verify.userclaims.cite.lookup", lambda name, fake=fake: fake)
        _, _, ev = _verdict(BERNOULLI + 'derivation = "wu2019zas.bernoulli"')
        assert ev["derivation"].outcome is outcome, ev["derivation"].detail


def test_a_part_cites_a_derivation_and_the_claim_is_as_strong_as_its_parts():
    body = ('[[claim.part]]\nname = "bern"\n' + BERNOULLI + 'derivation = "wu2019zas.bernoulli"\n'
            '[[claim.part]]\nname = "square"\nkind = "inequality"\nparams = { s = [0, 2] }\n'
            'lhs = "s**2"\nrelation = ">="\nrhs = "0"\n')
    spec = _one(body)
    assert isinstance(spec, ClaimSpec), spec
    result = run_claim(claim_from_spec(spec), seed=0, quick=True, dps=50)
    ev = {e.check: e for e in result.evidence}
    assert ev["bern.derivation"].outcome is Outcome.SUPPORTS
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN
    bad = _one(body.replace('"1 + L*s"', '"1 + 2*L*s"'))
    result = run_claim(claim_from_spec(bad), seed=0, quick=True, dps=50)
    assert {e.check: e for e in result.evidence}["bern.derivation"].outcome is Outcome.UNDECIDED
    assert result.status is Status.REFUTED  # (1 + s)^L >= 1 + 2 L s fails at L = 1


def test_the_result_cache_follows_the_cited_proof_code(monkeypatch):
    from verify.results import check_hash

    def derivation_hash():
        claim = claim_from_spec(_one(A1 + 'derivation = "wu2019zas.lemma_a1"'))
        return check_hash(next(c for c in claim.checks if c.name == "derivation"))

    before = derivation_hash()
    other = replace(registry.lookup("wu2019zas.lemma_a1"), steps=zc.lemma_a2)
    monkeypatch.setattr("verify.userclaims.cite.lookup", lambda name: other)
    assert derivation_hash() != before


# --- a claim of GD on a model (trajectory / convergence) citing a derivation -------------------

PROP3 = ('kind = "trajectory"\nderivation = "nar2018resnet.prop3_amended"\n'
         'model = { family = "deep_linear", depth = "L", width = 1, target = "lam", init = "1" }\n'
         'integers = { L = [2, 3] }\nstep = "delta"\n'
         'params = { delta = ["1/100", 1], lam = [-5, "-1/10"] }\n'
         'assume = ["delta <= 1/(1 - lam)"]\nquantity = "w1"\nmonotone = "nonincreasing"\n'
         'steps = 30\n')

GD_MISMATCH = {
    "box outside the class": (PROP3.replace('lam = [-5, "-1/10"]', 'lam = [-5, "1/2"]'),
                              "params.lam"),
    "depth outside the class": (PROP3.replace("L = [2, 3]", "L = [1, 3]"), "integers.L"),
    "another model": (PROP3.replace('init = "1"', 'init = "1/2"'), "model"),
    "another quantity": (PROP3.replace('quantity = "w1"', 'quantity = "w2"'), "quantity"),
    "another assumption": (PROP3.replace("1/(1 - lam)", "2/(1 - lam)"), "assume"),
    "a parameter more": (PROP3.replace('lam = [-5, "-1/10"]', 'lam = [-5, "-1/10"], s = 1'),
                         "params"),
    "another kind": (PROP3.replace('kind = "trajectory"', 'kind = "convergence"').replace(
        'quantity = "w1"\nmonotone = "nonincreasing"\nsteps = 30\n',
        'condition = "delta <= 1/(1 - lam)"\ntarget = "0"\n'), "kind"),
}


@pytest.mark.parametrize("what", list(GD_MISMATCH))
def test_a_gd_claim_that_differs_borrows_nothing(what):
    body, key = GD_MISMATCH[what]
    spec = _one(body)
    assert isinstance(spec, ClaimSpec), spec
    found = problems(spec, registry.lookup("nar2018resnet.prop3_amended"))
    assert found and found[0].startswith(key), found


def test_a_gd_claim_stating_the_statement_is_proven():
    spec = _one(PROP3)
    assert not problems(spec, registry.lookup("nar2018resnet.prop3_amended"))
    claim = claim_from_spec(spec)
    assert dict(claim.scope) == dict(registry.lookup("nar2018resnet.prop3_amended").statement.scope)


def _toml(value) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return str(value) if isinstance(value, int) else f'"{value}"'


def _inside_box(text: str) -> list[str]:
    """An interval inside a class range ("> 1", "< 0", "(0, 1)", "real")."""
    import sympy as sp

    if text == "real":
        return ["-1", "1"]
    if text[0] in "([":
        a, b = (sp.Rational(v) for v in text[1:-1].split(","))
        return [str(a + (b - a) / 10), str(b - (b - a) / 10)]
    end = sp.Rational(text.lstrip("<>= "))
    return [str(end + sp.Rational(1, 10)), str(end + 2)] if text[0] == ">" else \
        [str(end - 2), str(end - sp.Rational(1, 10))]


GD_CITED = sorted(n for n, d in registry.registry().items() if d.statement.keys)


@pytest.mark.parametrize("name", GD_CITED)
def test_every_gd_statement_is_claim_language_and_proven(name):
    from proofs import derivation as dv

    st = registry.lookup(name).statement
    low = {k: int(v.lstrip(">= ")) for k, v in st.integers.items()}
    body = "".join(f"{k} = {_toml(v)}\n" for k, v in st.keys.items())
    body += f'kind = "{st.kind}"\nderivation = "{name}"\n'
    # a gradient flow's step is one number (the time between checked instants)
    flow = st.keys.get("optimizer", {}).get("method") == "flow"
    body += "params = " + _toml({k: _inside_box(v)[0] if flow and k == st.keys["step"] else
                                 _inside_box(v) for k, v in st.params.items()}) + "\n"
    body += "integers = " + _toml({k: [v, v + 1] for k, v in low.items()}) + "\n"
    spec = _one(body)
    assert isinstance(spec, ClaimSpec), spec
    assert not problems(spec, registry.lookup(name))
    assert dv.run(registry.lookup(name).steps()).proved


def test_a_wrong_bound_is_not_proved():
    from proofs import derivation as dv
    from proofs import resnet_class as rcl

    assert dv.run(rcl.prop3_amended()).proved
    assert not dv.run(rcl.prop3_amended(scale=2)).proved
