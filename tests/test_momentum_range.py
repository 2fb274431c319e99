"""A momentum outside [0, 1) is a claim-file error naming optimizer.beta, not an inconclusive
verdict whose reason read "the claim's expressions are not real and finite" (before)."""

import pytest

from verify.userclaims.build import claim_from_spec
from verify.userclaims.model import Model, ModelError
from verify.userclaims.parse import parse_claims

CLAIM = '''
[[claim]]
id = "mom.range"
statement = "Heavy ball on x^2/2 attracts to 0 iff eta < 2(1 + beta)."
kind = "threshold"
model = {{ family = "quadratic", A = [["1"]] }}
optimizer = {{ method = "heavy_ball", beta = "{beta}" }}
step = "eta"
params = {{ eta = [0.01, 4], b = {box} }}
equilibrium = ["0"]
bound = "2*(1 + {beta})"
'''


@pytest.mark.parametrize("beta, box, span", [("b", "[-0.5, 0.9]", "[-1/2, 9/10]"),
                                             ("b", "[0, 1]", "[0, 1]"),
                                             ("1", "[0, 0.5]", "1"),
                                             ("b", "1.5", "3/2")])
def test_momentum_outside_the_unit_interval_is_an_error(beta, box, span):
    spec = parse_claims(CLAIM.format(beta=beta, box=box))[0]
    with pytest.raises(ModelError, match=r"optimizer beta: .*\[0, 1\).*" + span.replace(
            "[", r"\[").replace("]", r"\]")):
        Model(spec)


def test_momentum_inside_is_modelled_and_checked():
    spec = parse_claims(CLAIM.format(beta="b", box="[0, 0.8]"))[0]
    assert Model(spec).box.free["b"]
    assert claim_from_spec(spec).checks  # built as before
