"""Issue 17's claim-language features as untrusted input: multi-part claims ([[claim.part]])
and convergence exception sets (``except``).  Bad input is a BadClaim whose message names the
claim and the key (``part.NAME.KEY`` inside a part); nothing is executed."""

from __future__ import annotations

import pytest

from verify.userclaims.paperfile import parse_paper
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim, ClaimSpec

HEAD = '''
[[claim]]
id = "mine.two"
loss = "x**2/2"
variables = ["x"]
step = "eta"
params = { eta = [0.1, 1], x0 = [0.5, 1] }
'''
THR = '''
[[claim.part]]
name = "thr"
kind = "threshold"
equilibrium = ["0"]
bound = "2"
'''
CONV = '''
[[claim.part]]
name = "conv"
kind = "convergence"
start = ["x0"]
condition = "eta < 2"
target = ["0"]
'''


def _one(text: str):
    (result,) = parse_claims(text)
    return result


def test_parts_parse_with_shared_keys():
    spec = _one(HEAD + THR + CONV)
    assert isinstance(spec, ClaimSpec) and spec.kind == "parts"
    (thr_name, thr), (conv_name, conv) = spec.parts
    assert (thr_name, conv_name) == ("thr", "conv")
    assert thr.kind == "threshold" and thr.loss == "x**2/2" and thr.step == "eta"
    assert conv.start == ("x0",) and conv.params == thr.params


def test_part_overrides_shared_keys():
    spec = _one(HEAD + THR + CONV.replace('target = ["0"]', 'target = ["1"]\nloss = "(x - 1)**2/2"'))
    assert spec.parts[1][1].loss == "(x - 1)**2/2" and spec.parts[0][1].loss == "x**2/2"


@pytest.mark.parametrize("text, key, words", [
    (HEAD + THR, "part", "2..8"),  # one part is a plain claim
    (HEAD.replace('step = "eta"', 'step = "eta"\nkind = "threshold"') + THR + CONV, "kind",
     "each part gives its own kind"),
    (HEAD.replace('step = "eta"', 'step = "eta"\nbound = "2"') + THR + CONV, "bound",
     "[[claim.part]]"),
    (HEAD + THR + THR, "part.thr.name", "duplicate"),
    (HEAD + THR.replace('name = "thr"\n', '') + CONV, "part #1.name", "required"),
    (HEAD + THR.replace('"thr"', '"1bad name"') + CONV, "part #1.name", "letters"),
    (HEAD + THR.replace('bound = "2"', 'bound = "2*y"') + CONV, "part.thr.bound", "undeclared"),
    (HEAD + THR.replace('kind = "threshold"\n', '') + CONV, "part.thr.kind", "missing"),
    (HEAD + THR + CONV.replace('name = "conv"', 'name = "conv"\nid = "x"'), "part.conv.id",
     "belongs to the claim"),
    (HEAD + THR + CONV.replace('name = "conv"', 'name = "conv"\nsurprise = 1'),
     "part.conv.surprise", "unknown key"),
    (HEAD + THR + CONV.replace('name = "conv"', 'name = "conv"\n[[claim.part.part]]\nname = "n"'),
     "part.conv.part", "belongs to the claim"),
    (HEAD + "part = 3\n", "part", "[[claim.part]]"),
])
def test_bad_parts(text, key, words):
    result = _one(text)
    assert isinstance(result, BadClaim), result
    assert result.key == key and words in result.message
    assert result.message.startswith("claim 'mine.two': key ")


EXC = '''
[[claim]]
id = "mine.exc"
kind = "convergence"
loss = "(x**2 - 1)**2/4"
variables = ["x"]
step = "eta"
params = { eta = [0.05, 0.25], x0 = [0, 1.5] }
start = ["x0"]
condition = "eta <= 1/4"
target = ["1"]
'''


def test_exceptions_parse():
    spec = _one(EXC + 'except = ["x0 == 0", ["1/2"], "x0 > 14/10"]\n')
    assert spec.exceptions == ("x0 == 0", ("1/2",), "x0 > 14/10")


@pytest.mark.parametrize("value, words", [
    ('"x0 == 0"', "must be a list"),
    ("[3]", "a relation in the parameters"),
    ('["x == 0"]', "not the variable(s) x"),
    ('["x0 + 1"]', "not a relation"),
    ('[["0", "1"]]', "has 2 coordinate(s)"),
    ('["__import__(\'os\') == 0"]', "entry 1"),
    ("[" + ", ".join(['"x0 == 0"'] * 17) + "]", "at most 16"),
])
def test_bad_exceptions(value, words):
    result = _one(EXC + f"except = {value}\n")
    assert isinstance(result, BadClaim) and result.key == "except", result
    assert words in result.message and result.message.startswith("claim 'mine.exc': key 'except'")


def test_exceptions_belong_to_convergence_only():
    text = HEAD.replace("mine.two", "mine.thr") + 'kind = "threshold"\nequilibrium = ["0"]\n' \
        'bound = "2"\nexcept = ["x0 == 0"]\n'
    result = _one(text)
    assert isinstance(result, BadClaim) and result.key == "except"
    assert "convergence" in result.message


def test_paper_file_scope_on_a_multi_part_claim_states_a_wider_class():
    """A scope on a multi-part claim states the class the paper speaks of (matrix layers where
    the parts take scalars: nar2018slides.many_minima); the parts' proofs cover their boxes
    only, so it is never proven by them.  A malformed scope is still refused."""
    def paper(scope: str):
        text = '[paper]\nkey = "p"\ncitation = "c"\n' + (HEAD + THR + CONV).replace(
            'id = "mine.two"', f'id = "p.two"\nwhere = "Thm 1"\nscope = {scope}')
        (entry,) = parse_paper(text, "p").claims
        return entry

    entry = paper('{ eta = "(0, 1]", widths = "any" }')
    assert not isinstance(entry.item, BadClaim)
    assert entry.scope == {"eta": "(0, 1]", "widths": "any"}
    bad = paper('{ eta = 1 }')
    assert isinstance(bad.item, BadClaim) and bad.item.key == "scope"
