"""The ``order`` kind (verify.userclaims.orders): a quantity is O(g(L)) as L -> oo, read off a
table of L; hostile tables, the bisection, the verdicts and the replay line as printed."""

from __future__ import annotations

import shlex
import tempfile

import mpmath
import pytest

from verify.cli import main
from verify.replay import ReplayError
from verify.userclaims.build import claim_from_spec
from verify.userclaims.orders import _bisect
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import CheckContext, Outcome

CTX = CheckContext(seed=0, quick=True)
DEPTHS = "depths = { L = [10, 100, 1000, 10000, 100000, 1000000] }\n"
ROOT = 'roots = { x = { equation = "x*exp(x) - L", between = ["0", "log(L)"] } }\n'


def _claim(body: str):
    return parse_claims(f'[[claim]]\nid = "o.one"\nkind = "order"\n{body}')[0]


def _run(body: str, at=None):
    spec = _claim(body)
    assert not isinstance(spec, BadClaim), spec
    (check,) = claim_from_spec(spec).checks
    ctx = CheckContext(seed=0, quick=True, at=at)
    return check.run(ctx)


HOSTILE = {
    # body -> the key named
    'quantity = "x"\nbig_o = "log(L)"\nconstant = "1"\n' + ROOT: "depths",
    DEPTHS + 'big_o = "log(L)"\nconstant = "1"\n': "quantity",
    DEPTHS + 'quantity = "L"\nconstant = "1"\n': "big_o",
    DEPTHS + 'quantity = "L"\nbig_o = "L"\n': "constant",
    DEPTHS + 'quantity = "L"\nbig_o = "L"\nconstant = "1"\nsteps = 3\n': "steps",
    'depths = { L = [10, 100, 100, 1000] }\nquantity = "L"\nbig_o = "L"\nconstant = "1"\n':
        "depths",
    'depths = { L = [10, 100, 1000] }\nquantity = "L"\nbig_o = "L"\nconstant = "1"\n': "depths",
    'depths = { L = [1, 2, 3, 10000000000000000] }\nquantity = "L"\nbig_o = "L"\n'
    'constant = "1"\n': "depths",
    'depths = { L = [true, 2, 3, 4] }\nquantity = "L"\nbig_o = "L"\nconstant = "1"\n': "depths",
    'depths = { L = ["1", "2", "3", "4"] }\nquantity = "L"\nbig_o = "L"\nconstant = "1"\n':
        "depths",
    'depths = { L = [1, 2, 3, 4], n = [1, 2, 3, 4] }\nquantity = "L"\nbig_o = "L"\n'
    'constant = "1"\n': "depths",
    DEPTHS + 'quantity = "__import__(\'os\')"\nbig_o = "L"\nconstant = "1"\n': "quantity",
    DEPTHS + 'quantity = "y"\nbig_o = "L"\nconstant = "1"\n': "quantity",
    DEPTHS + 'quantity = "L < 2"\nbig_o = "L"\nconstant = "1"\n': "quantity",
    DEPTHS + 'quantity = "L"\nbig_o = "L"\nconstant = "-1"\n': "constant",
    DEPTHS + 'quantity = "L"\nbig_o = "L"\nconstant = "L"\n': "constant",
    DEPTHS + 'quantity = "L"\nbig_o = "L"\nconstant = "1"\ngrowth = "1"\n': "growth",
    DEPTHS + 'roots = { x = "x - L" }\nquantity = "x"\nbig_o = "L"\nconstant = "1"\n':
        "roots.x",
    DEPTHS + 'roots = { x = { equation = "x - y", between = ["0", "1"] } }\nquantity = "x"\n'
    'big_o = "L"\nconstant = "1"\n': "roots.x.equation",
    DEPTHS + 'roots = { x = { equation = "x - L", between = ["x", "1"] } }\nquantity = "x"\n'
    'big_o = "L"\nconstant = "1"\n': "roots.x.between",
    DEPTHS + 'roots = { L = { equation = "L", between = ["0", "1"] } }\nquantity = "L"\n'
    'big_o = "L"\nconstant = "1"\n': "roots.L",
}


@pytest.mark.parametrize("body", list(HOSTILE))
def test_hostile_tables_name_the_key(body):
    out = _claim(body)
    assert isinstance(out, BadClaim) and out.key == HOSTILE[body], out


def test_bisection_keeps_the_bracket():
    with mpmath.workdps(40):
        assert abs(_bisect(lambda x: x ** 2 - 2, 0, 5) - mpmath.sqrt(2)) < mpmath.mpf(10) ** -38
        assert _bisect(lambda x: x ** 3 + 1, -3, 0) == -1
        # a root 10^-11 from the end 0 of the bracket, to the working precision
        L = 10 ** 12
        s = _bisect(lambda x: x * (1 + x) ** (L - 1) - 1, 0, 1)
        assert abs(s * (1 + s) ** (L - 1) - 1) < mpmath.mpf(10) ** -25
        assert "same sign" in _bisect(lambda x: x, 1, 2)
        assert "not a real number" in _bisect(mpmath.log, -1, 2)
        assert "lo < hi" in _bisect(lambda x: x, 2, 1)


def test_undecided_where_a_depth_decides_nothing():
    # no sign change in the bracket: that depth decides nothing, the check says so
    f = _run(DEPTHS + 'roots = { x = { equation = "x*exp(x) - L", between = ["0", "1"] } }\n'
                      'quantity = "x"\nbig_o = "log(L)"\nconstant = "1"\n')
    assert f.outcome is Outcome.UNDECIDED and "same sign" in f.detail
    f = _run(DEPTHS + 'quantity = "L"\nbig_o = "0"\nconstant = "1"\n')
    assert f.outcome is Outcome.UNDECIDED
    # a ratio above the constant that does not grow steadily by the factor: undecided
    f = _run(DEPTHS + 'quantity = "L"\nbig_o = "L"\nconstant = "1/2"\n')
    assert f.outcome is Outcome.UNDECIDED and "> 1/2" in f.detail


def test_growth_refutes_with_a_replay_that_works_as_printed(capsys):
    body = DEPTHS + 'quantity = "L"\nbig_o = "sqrt(L)"\nconstant = "1"\ngrowth = 30\n'
    f = _run(body)
    assert f.outcome is Outcome.REFUTES
    # sqrt(L) grows by 10 per two decades: by 31.6 >= 30 from L = 10 to L = 10^4
    assert f.counterexample.replay == {"L": "10000", "first": "10"}
    assert _run(body, at={"L": "10000", "first": "10"}).outcome is Outcome.REFUTES
    assert _run(body, at={"L": "1000", "first": "10"}).outcome is Outcome.UNDECIDED
    with pytest.raises(ReplayError):
        _run(body, at={"L": "10", "first": "100"})
    with pytest.raises(ReplayError):
        _run(body, at={"L": "1e3", "first": "10"})
    # a stated growth the table cannot show is not claimed
    assert _run(body.replace("growth = 30", "growth = 1000")).outcome is Outcome.UNDECIDED
    capsys.readouterr()


def test_paper_orders_of_eq_4_7(capsys):
    """wu2019zas.eq4_7 (printed) is refuted by both tables, eq4_7_amended is supported, and the
    printed replay line re-checks the pair of depths (exit 1)."""
    from verify.registry import select

    claims = {c.id: c for c in select(["wu2019zas"])}
    for cid in ("wu2019zas.eq4_7", "wu2019zas.lemma4_4"):
        for check in claims[cid].checks:
            f = check.run(CTX)
            assert f.outcome is Outcome.REFUTES, (cid, check.name)
            assert f.counterexample.replay == {"L": "1000000", "first": "10"}
    for check in claims["wu2019zas.eq4_7_amended"].checks:
        assert check.run(CTX).outcome is Outcome.SUPPORTS, check.name
    line = ("python -m verify run wu2019zas.eq4_7 --check at_limit.order_table --seed 0 "
            "--at L=1000000,first=10")
    with tempfile.TemporaryDirectory() as out:
        assert main([*shlex.split(line)[3:], "--no-progress", "--out", out]) == 1
    capsys.readouterr()


@pytest.mark.parametrize("name, true_id, twin_id, replay", [
    ("orders.toml", "order.lambert-log", "order.lambert-squared-log", {"L", "first"}),
    ("rate_sweep.toml", "sweep.quadratic-rate", "sweep.quadratic-rate-too-fast",
     {"a", "delta", "x0"}),
    ("flow.toml", "flow.quadratic-rate", "flow.quadratic-rate-too-fast", {"a", "x0"}),
    ("flow.toml", "flow.rectangular-zas", "flow.rectangular-zas-too-fast", {"r"}),
    ("near.toml", "near.loss-never-rises", "near.loss-halves", {"p1", "p2", "p3", "p4", "run"}),
])
def test_example_files_true_claim_and_false_twin(name, true_id, twin_id, replay, capsys):
    """The example files of this kind and of rate sweeps: the true claim confirmed, its twin
    refuted with a counterexample whose replay line, as printed, re-checks it (exit 1)."""
    from pathlib import Path

    from verify.api import check
    from verify.vocabulary import Status

    path = Path(__file__).resolve().parents[1] / "examples" / name
    results = {r.claim.id: r for r in check(path, quick=True, seed=0)}
    assert results[true_id].status is Status.CONFIRMED
    twin = results[twin_id]
    assert twin.status is Status.REFUTED
    (ev,) = [e for e in twin.evidence if e.outcome is Outcome.REFUTES]
    assert set(ev.counterexample.replay) == replay
    with tempfile.TemporaryDirectory() as out:
        assert main([*shlex.split(ev.reproduce)[3:], "--no-progress", "--out", out]) == 1
    capsys.readouterr()
