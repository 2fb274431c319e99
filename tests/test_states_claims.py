"""Inequalities at drawn states of a linear residual network near the ZAS invariant set
(``at = "states"``, :mod:`verify.userclaims.states`): hostile tables name their key quickly and
never with a traceback, the evaluator agrees with direct linear algebra, and a false claim's
replay line refutes at the state it names.  The worked file is examples/states.toml (its
verdicts: tests/test_claim_language.py)."""

from __future__ import annotations

import ast
import time

import mpmath
import numpy as np
import pytest

from verify.userclaims import state_values as sv
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim

STATES = ('states = { family = "linear_resnet", near = "zas", depths = [2, 3], widths = [1, 2], '
          'samples = [20, 10], top = [0.1, 3], target = [0.1, 10], delta = "theta/L**3", '
          'eps = "theta/(4*L**2)" }\n')
BODY = 'kind = "inequality"\nat = "states"\n'

HOSTILE = {
    STATES + 'lhs = "loss"\nrelation = "<="\nrhs = "2*loss"\nparams = { a = [0, 1] }': "params",
    'states = 3\nlhs = "loss"\nrelation = "<="\nrhs = "loss"': "states",
    STATES.replace('"linear_resnet"', '"quadratic"') + 'lhs = "1"\nrelation = "<="\nrhs = "2"':
        "states",
    STATES.replace("[2, 3]", "[1, 3]") + 'lhs = "1"\nrelation = "<="\nrhs = "2"': "states",
    STATES.replace("[20, 10]", "[1000000000, 10]") + 'lhs = "1"\nrelation = "<="\nrhs = "2"': "states",
    STATES.replace('"theta/L**3"', '"__import__(1)"') + 'lhs = "1"\nrelation = "<="\nrhs = "2"':
        "states.delta",
    STATES + 'lhs = "loss.__class__"\nrelation = "<="\nrhs = "2"': "lhs",
    STATES + 'lhs = "norm2(W(1), 2)"\nrelation = "<="\nrhs = "2"': "lhs",
    STATES + 'lhs = "next(loss)"\nrelation = "<="\nrhs = "2"': "lhs",
    STATES + 'lhs = "open(1)"\nrelation = "<="\nrhs = "2"': "lhs",
    STATES + 'lhs = "x"\nrelation = "<="\nrhs = "2"': "lhs",
    STATES + 'lhs = "1"\nrelation = "=="\nrhs = "2"': "relation",
    STATES + 'relations = ["1 <= 2"]\nlhs = "1"': "relations",
    STATES + 'relations = ["1 == 2"]': "relations",
    STATES + 'relations = []': "relations",
    STATES + 'define = { loss = "1" }\nlhs = "1"\nrelation = "<="\nrhs = "2"': "define",
    STATES + 'define = { a = "b", b = "1" }\nlhs = "a"\nrelation = "<="\nrhs = "2"':
        "define.a",
    STATES + 'condition = ["loss"]\nlhs = "1"\nrelation = "<="\nrhs = "2"': "condition",
    STATES + 'step = "eta"\nlhs = "1"\nrelation = "<="\nrhs = "2"': "step",
    STATES + 'lhs = "maxover(W(l), 2, 1, L)"\nrelation = "<="\nrhs = "2"': "lhs",
    STATES + 'lhs = "1e999"\nrelation = "<="\nrhs = "2"': "lhs",
}


@pytest.mark.parametrize("body", list(HOSTILE))
def test_hostile_states_claims_name_the_key(body):
    start = time.perf_counter()
    out = parse_claims(f'[[claim]]\nid = "h.one"\n{BODY}{body}\n')[0]
    assert time.perf_counter() - start < 2
    assert isinstance(out, BadClaim) and out.key == HOSTILE[body], out
    assert "Traceback" not in out.message


def test_at_states_goes_with_an_inequality():
    out = parse_claims(f'[[claim]]\nid = "h.one"\nkind = "identity"\nat = "states"\n{STATES}'
                       'lhs = "1"\nrhs = "1"\n')[0]
    assert isinstance(out, BadClaim) and out.key in ("at", "relation")


def _value(text, state, values=None, step=None):
    names = tuple(sv.BASE_NAMES) + tuple(values or {})
    return sv._Eval(state, values or {}, step).value(sv.compile_expression(text, "lhs", names,
                                                                           step is not None))


def test_the_evaluator_agrees_with_direct_linear_algebra():
    rng = np.random.default_rng(3)
    ws = [rng.standard_normal((2, 2)) for _ in range(3)]
    Phi = rng.standard_normal((2, 2))
    state = sv.State(ws, Phi)
    P = ws[2] @ ws[1] @ ws[0]
    E = P - Phi
    assert np.isclose(_value("loss", state), np.sum(E * E) / 2)
    g2 = ws[2].T @ E @ ws[0].T
    assert np.allclose(_value("grad(2)", state), g2)
    assert np.isclose(_value("norm2(prod(1, 3))", state), np.linalg.norm(P, 2))
    assert np.isclose(_value("normF(D(1))", state), np.linalg.norm(ws[1].T @ ws[1]
                                                                   - ws[0] @ ws[0].T))
    assert np.isclose(_value("maxover(norm2(W(l)), l, 1, L - 1)", state),
                      max(np.linalg.norm(w, 2) for w in ws[:2]))
    assert _value("maxover(1, l, 1, 0)", state) == 0  # an empty range
    assert np.allclose(_value("1 + W(1)", state), np.eye(2) + ws[0])
    eta = 0.01
    nxt = [w - eta * g for w, g in zip(ws, [ws[1].T @ ws[2].T @ E, g2, E @ ws[0].T @ ws[1].T])]
    E1 = nxt[2] @ nxt[1] @ nxt[0] - Phi
    assert np.isclose(_value("next(loss)", state, {"eta": eta}, eta), np.sum(E1 * E1) / 2)
    with mpmath.workdps(30):  # the mpmath kind gives the same numbers
        mp = sv.State([sv.fz.to_mp(w) for w in ws], sv.fz.to_mp(Phi))
        assert abs(float(_value("norm2(prod(1, 3))", mp)) - np.linalg.norm(P, 2)) < 1e-12


def test_a_wrong_index_is_an_error_not_a_verdict():
    state = sv.State([np.eye(2)] * 2, np.eye(2))
    with pytest.raises(ValueError, match="index"):
        _value("norm2(W(3))", state)
    with pytest.raises(TypeError, match="matrix"):
        _value("sqrt(W(1))", state)
    assert isinstance(ast.parse("1", mode="eval"), ast.Expression)


def test_work_beyond_the_units_is_an_error_at_once_not_a_wrong_value():
    """A matrix power that is not a small integer (W**0.5 once rounded to W**0 silently) and a
    range of a billion terms name the problem instead of computing for hours."""
    state = sv.State([np.eye(2)] * 2, np.eye(2))
    for text in ("norm2(W(1)**0.5)", "norm2(W(1)**100000000)", "norm2(W(1)**(-1))"):
        start = time.perf_counter()
        with pytest.raises(ValueError, match="matrix power"):
            _value(text, state)
        assert time.perf_counter() - start < 1
    with pytest.raises(ValueError, match="more than"):
        _value("sumover(L, l, 1, 10**12)", state)
    assert float(_value("norm2(W(1)**3)", state)) == 1.0


def _check_text(tmp_path, body: str):
    from verify.api import check

    path = tmp_path / "claims.toml"
    path.write_text(f'[[claim]]\nid = "h.one"\n{BODY}{STATES}{body}\n')
    (result,) = check(path, quick=True)
    return result


def test_values_that_are_not_numbers_or_no_state_decide_nothing(tmp_path):
    from verify.vocabulary import Status

    nan = _check_text(tmp_path, 'lhs = "log(-1 - loss)"\nrelation = "<="\nrhs = "1"')
    assert nan.status is not Status.CONFIRMED
    none = _check_text(tmp_path, 'condition = ["loss < 0"]\nlhs = "1"\nrelation = "<="\nrhs = "2"')
    assert none.status is Status.INCONCLUSIVE
