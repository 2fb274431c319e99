"""Claims over matrices of free size (key ``matrices``, :mod:`proofs.matrix_claims`): the
gradient against exact directional derivatives, the decisions, hostile tables (a message naming
the key, fast, never a traceback) and replay points.  The worked file with true claims and
false twins is examples/matrices.toml (its verdicts: tests/test_claim_language.py)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import sympy as sp

from proofs import matrix_claims as M
from proofs import matrix_instances as MI
from verify.api import check
from verify.cli import main
from verify.userclaims.parse import parse_claims
from verify.userclaims.spec import BadClaim
from verify.vocabulary import Outcome, Status, Strength

LAYER = {"A": "p x k", "W": "k x m", "B": "m x n", "R": "p x n"}


@pytest.mark.parametrize("loss", [
    "trace(transpose(A*W*B - R)*(A*W*B - R))/2",
    "trace(transpose(W)*transpose(A)*A*W*B*transpose(B)) - 3*trace(transpose(R)*A*W*B)",
    "trace(A*W*transpose(A*W))*trace(transpose(R)*R)",  # refused below: a product of traces
])
def test_gradient_is_the_exact_directional_derivative(loss):
    """d/dt loss(W + t H) at 0 = trace(H^T grad_W), exactly, on integer instances."""
    try:
        st = M.statement(LAYER, {}, "grad_W", "grad_W", loss=loss, variables=("W",))
    except M.MatrixError as exc:
        assert "product of traces" in exc.problem
        return
    rng = np.random.default_rng(1)
    t = sp.Symbol("t")
    for sizes in ({"p": 1, "k": 2, "m": 3, "n": 2}, {"p": 3, "k": 2, "m": 2, "n": 1}):
        mats = MI.draw(st.space, sizes, rng)
        H = sp.Matrix(rng.integers(-2, 3, size=mats["W"].shape).tolist())
        moved = {**mats, "W": mats["W"] + t * H}
        f = MI.evaluate(st.names["loss"], moved, {})
        G = MI.evaluate(st.names["grad_W"], mats, {})
        assert sp.expand(sp.diff(f, t).subs(t, 0) - (H.T * G).trace()) == 0


def test_decisions_for_every_size():
    delta = sp.Symbol("delta", positive=True)
    gd = M.statement(LAYER, {"delta": delta}, "gd_W",
                     "W - delta*transpose(A)*(A*W*B - R)*transpose(B)",
                     loss="trace(transpose(A*W*B - R)*(A*W*B - R))/2", variables=("W",),
                     step="delta")
    assert M.proven(gd, {})[0] is True
    lemma1 = M.statement({"A": "n x n psd", "B": "n x n psd"}, {}, "trace(transpose(A)*B)", "0",
                         ">=")
    assert M.proven(lemma1, {})[0] is True
    symmetric = M.statement({"A": "n x n symmetric", "B": "n x n psd"}, {},
                            "trace(transpose(A)*B)", "0", ">=")
    assert M.proven(symmetric, {})[0] is None  # not proven; the instances refute it
    found, _ = MI.search(symmetric, {}, {}, lambda p: True, np.random.default_rng(0), 20, 50)
    assert found is not None and found.lhs < 0 and set(found.sizes) == {"n"}
    scalar = M.statement({"u": "n x 1", "v": "m x 1", "A": "n x m"}, {}, "transpose(u)*A*v",
                         "transpose(v)*transpose(A)*u")
    assert M.proven(scalar, {})[0] is True  # a 1 x 1 product is the number it is


HOSTILE = {  # body -> (key at fault, part of the message)
    'matrices = { W = "m by n" }\nlhs = "W"\nrhs = "W"': ("matrices", "rows x cols"),
    'matrices = ["W"]\nlhs = "W"\nrhs = "W"': ("matrices", "must be a table"),
    'matrices = { S = "m x n symmetric" }\nlhs = "S"\nrhs = "S"': ("matrices", "square"),
    'matrices = {' + ", ".join(f'W{i} = "n x n"' for i in range(13)) + '}\nlhs = "W1"\nrhs = "W1"':
        ("matrices", "1..12"),
    'matrices = { W = "m x n" }\nlhs = "W*W"\nrhs = "W"': ("lhs", "product of shapes"),
    'matrices = { W = "m x n", V = "n x m" }\nlhs = "W + V"\nrhs = "W"': ("lhs", "adding"),
    'matrices = { W = "m x n" }\nlhs = "W + 1"\nrhs = "W"': ("lhs", "multiple of the identity"),
    'matrices = { W = "m x n" }\nlhs = "W"\nrhs = "transpose(W)"': ("rhs", "shape"),
    'matrices = { A = "n x n", B = "n x n" }\nlhs = "((A + B)**8)**8"\nrhs = "A"':
        ("lhs", "terms"),
    'matrices = { A = "n x n", B = "n x n" }\nlhs = "' + "*".join(["(A + B)"] * 40) + '"\nrhs = "A"':
        ("lhs", "terms"),
    'matrices = { A = "n x n" }\nlhs = "A**8*A**8*A**8*A**8*A**8*A**8"\nrhs = "A"':
        ("lhs", "product of 48"),
    'matrices = { A = "n x n" }\nlhs = "det(A)"\nrhs = "1"': ("lhs", "free size"),
    'matrices = { A = "n x n" }\nlhs = "sqrt(trace(A))"\nrhs = "1"': ("lhs", "free size"),
    'matrices = { A = "n x n" }\nlhs = "trace(A)*trace(A)"\nrhs = "1"': ("lhs", "product of traces"),
    'matrices = { A = "n x n" }\nlhs = "A + Matrix([[1, 0], [0, 1]])"\nrhs = "A"': ("lhs", "fixed size"),
    'matrices = { A = "n x n" }\nlhs = "A.T"\nrhs = "A"': ("lhs", "attribute"),
    'matrices = { A = "n x n" }\nlhs = "__import__(\'os\').system(\'true\')"\nrhs = "A"': ("lhs", "allowed"),
    'matrices = { A = "n x n" }\nlhs = "A[0, 0]"\nrhs = "A"': ("lhs", "subscripts"),
    'matrices = { A = "n x n" }\nparams = { k = [1, 2] }\nlhs = "A**k"\nrhs = "A"': ("lhs", "M**k"),
    'matrices = { A = "n x n" }\nlhs = "1/A"\nrhs = "A"': ("lhs", "division"),
    'matrices = { A = "n x n" }\nlhs = "A"\nrhs = "A"\nintegers = { L = [2, 3] }': ("integers", "allowed keys"),
    'matrices = { A = "n x n" }\nparams = { n = [1, 2] }\nlhs = "A"\nrhs = "A"': ("matrices", "parameter"),
    'matrices = { A = "A x A" }\nlhs = "A"\nrhs = "A"': ("matrices", "size name"),
    'matrices = { sqrt = "n x n" }\nlhs = "sqrt"\nrhs = "sqrt"': ("matrices", "reserved"),
    'matrices = { S = "n x n symmetric" }\nloss = "trace(S*S)"\nvariables = ["S"]\nlhs = "grad_S"\nrhs = "2*S"':
        ("variables", "general matrix"),
    'matrices = { S = "n x n" }\nloss = "S*S"\nvariables = ["S"]\nlhs = "grad_S"\nrhs = "2*S"': ("loss", "a number"),
    'matrices = { S = "n x n" }\nloss = "trace(S*S)"\nvariables = ["S"]\nlhs = "gd_S"\nrhs = "S"': ("lhs", "gd_S"),
    'kind = "inequality"\nrelation = ">="\nmatrices = { S = "n x n" }\nlhs = "S"\nrhs = "0"': ("lhs", "compares numbers"),
    'kind = "cycle"\nmatrices = { S = "n x n" }\nlhs = "S"\nrhs = "0"': ("matrices", "identity"),
    'matrices = { S = "n x n" }\nlhs = "1"\nrhs = "1"': ("rhs", "neither side"),
    'matrices = { S = "n x n" }\nlhs = "trace(S)/0"\nrhs = "trace(S)"': ("lhs", "finite"),
    'matrices = { S = "n x n" }\nlhs = "trace(S) < 1"\nrhs = "trace(S)"': ("lhs", "comparison"),
    'matrices = { S = "n x n" }\nlhs = "trace(S)*9**9**9"\nrhs = "trace(S)"': ("lhs", "digits"),
    'matrices = { S = "n x n" }\nlhs = "norm2(2)"\nrhs = "trace(S)"': ("lhs", "one matrix"),
    'matrices = { S = "n x n" }\nlhs = "normF(S, S)"\nrhs = "trace(S)"': ("lhs", "one matrix"),
    'matrices = { S = "n x n" }\nlhs = "norm2(trace(S))"\nrhs = "trace(S)"': ("lhs", "one matrix"),
    'matrices = { W = "m x n" }\nlhs = "lambda_max(W)"\nrhs = "0"': ("lhs", "not square"),
    'matrices = { S = "n x n" }\nlhs = "norm2(normF(S)*S)"\nrhs = "0"': ("lhs", "another"),
    'matrices = { S = "n x n" }\nloss = "normF(S)"\nvariables = ["S"]\nlhs = "grad_S"\nrhs = "S"':
        ("loss", "not differentiated"),
    'matrices = { S = "n x n" }\nlhs = "norm2(S) < 1"\nrhs = "0"': ("lhs", "comparison"),
    'matrices = { S = "n x n" }\nlhs = "sqrt(norm2)"\nrhs = "0"': ("lhs", "undeclared"),
    'matrices = { normF = "n x n" }\nlhs = "normF"\nrhs = "0"': ("matrices", "reserved"),
}


@pytest.mark.parametrize("body", list(HOSTILE))
def test_hostile_matrix_claims_name_the_key(body):
    kind = "" if "kind =" in body else 'kind = "identity"\n'
    start = time.perf_counter()
    out = parse_claims(f'[[claim]]\nid = "h.one"\n{kind}{body}\n')[0]
    assert time.perf_counter() - start < 2
    key, words = HOSTILE[body]
    assert isinstance(out, BadClaim) and out.key == key, out
    assert words in out.message and "Traceback" not in out.message


def _checked(tmp_path, text: str) -> dict:
    """The results of a claim file with ``text``, by claim id (quick, seed 0)."""
    path = tmp_path / "claims.toml"
    path.write_text(text)
    return {r.claim.id: r for r in check(path, quick=True)}


def test_a_huge_coefficient_is_undecided_not_a_hang(tmp_path):
    start = time.perf_counter()
    (result,) = _checked(tmp_path, '[[claim]]\nid = "h.big"\nkind = "identity"\n'
                         'matrices = { S = "n x n" }\nparams = { a = [1, 2] }\n'
                         'lhs = "(a + 1)**60*S"\nrhs = "(a + 2)**60*S"\n').values()
    assert time.perf_counter() - start < 60
    assert result.status is Status.REFUTED  # the instances decide what SymPy is not given


def test_replay_lines_and_bad_replay_points(tmp_path, capsys):
    results = {r.claim.id: r for r in check("examples/matrices.toml", quick=True)}
    assert results["mat.psd-inner-product"].strength is Strength.PROVEN
    (refuting,) = [e for e in results["mat.symmetric-inner-product"].evidence
                   if e.outcome is Outcome.REFUTES]
    base = ["check", "examples/matrices.toml", "mat.symmetric-inner-product", "--check",
            refuting.check, "--quick", "--no-progress", "--out", str(tmp_path / "r")]
    assert main([*base, "--at", refuting.counterexample.replay and ",".join(
        f"{k}={v}" for k, v in refuting.counterexample.replay.items())]) == 1
    for at, words in (("A=[[0, 0], [0, -2]],B=[[2, 2], [2, -4]]", "positive semidefinite"),
                      ("A=[[0, 1], [0, 0]],B=[[2, 2], [2, 4]]", "symmetric"),
                      ("A=[[0, 0], [0, -2]],B=[[2]]", "elsewhere"),
                      ("A=3,B=[[2]]", "matrix"), ("B=[[2]]", "must give A")):
        capsys.readouterr()
        assert main([*base, "--at", at]) == 2
        assert words in capsys.readouterr().err


def test_an_undecided_claim_is_inconclusive_never_guessed():
    results = {r.claim.id: r for r in check("examples/matrices.toml", quick=True)}
    result = results["mat.square-of-difference"]
    assert result.status is Status.INCONCLUSIVE
    assert all(e.outcome is Outcome.UNDECIDED for e in result.evidence)


# The paper claims written over matrices of free size (verify/papers/*.toml).
MOVED = ("nar2018step.eq2", "nar2018step.eq5", "nar2018step.eq6", "nar2018step.lemma1",
         "nar2018step.lemma2", "nar2018step.remark4", "nar2018resnet.eq5",
         "wu2019zas.sec2_grad_amended", "wu2019zas.sec3_residual", "wu2019zas.lemma4_2",
         "wu2019zas.lemma_a5_proof_amended", "nar2018step.sec2_not_isolated_amended")


@pytest.mark.parametrize("cid", MOVED)
def test_paper_claims_over_free_sizes_are_proven_on_their_class(cid):
    from verify.registry import all_claims
    from verify.runner import run_claim

    claim = next(c for c in all_claims() if c.id == cid)
    assert all(ch.name != "claim_file" for ch in claim.checks)
    result = run_claim(claim, seed=0, quick=True, dps=50)
    assert result.status is Status.CONFIRMED and result.strength is Strength.PROVEN, \
        result.strength_basis
    assert any(">= 1 (matrix sizes)" in v for v in claim.scope.values())


def test_the_untransposed_gradient_control_is_refuted_with_a_replay(tmp_path):
    from verify.registry import all_claims
    from verify.runner import run_claim

    claim = next(c for c in all_claims() if c.id == "controls.eq5_no_transpose")
    result = run_claim(claim, seed=0, quick=True, dps=50)
    (ev,) = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    at = ",".join(f"{k}={v}" for k, v in ev.counterexample.replay.items())
    assert main(["run", claim.id, "--check", ev.check, "--quick", "--no-progress", "--no-cache",
                 "--out", str(tmp_path / "r"), "--at", at]) == 1


def test_a_multi_part_claim_file_over_free_sizes(tmp_path):
    path = tmp_path / "claims.toml"
    path.write_text('[[claim]]\nid = "parts.m"\nmatrices = { W = "m x n", V = "n x k" }\n'
                    '[[claim.part]]\nname = "t"\nkind = "identity"\n'
                    'lhs = "transpose(W*V)"\nrhs = "transpose(V)*transpose(W)"\n'
                    '[[claim.part]]\nname = "f"\nkind = "identity"\n'
                    'lhs = "transpose(W*V)"\nrhs = "transpose(W)*transpose(V)"\n')
    bad = parse_claims(path.read_text())[0]  # part f: k x m against n x ... (shapes differ)
    assert isinstance(bad, BadClaim) and bad.key == "part.f.rhs" and "shape" in bad.message
    (result,) = check(path, quick=True)
    assert result.status is Status.ERROR
    path.write_text(path.read_text().replace('rhs = "transpose(W)*transpose(V)"',
                                             'rhs = "transpose(V)*transpose(W)*2"'))
    (result,) = check(path, quick=True)
    assert result.status is Status.REFUTED


def test_the_resnet_update_without_sigma_is_refuted_and_zero_sides_compare(tmp_path):
    """nar2018resnet.eq5 with Sigma dropped from the update (un-whitened data) is a false
    twin; a side that cancels to the zero matrix (of a non-square shape) is compared with 0."""
    results = _checked(tmp_path, (
        '[[claim]]\nid = "eq5.no-sigma"\nkind = "identity"\n'
        'matrices = { A = "n x n", W = "n x n", B = "n x n", R = "n x n", S = "n x n symmetric" }\n'
        'loss = "trace((A*W*B - R)*S*transpose(A*W*B - R))/2"\nvariables = ["W"]\n'
        'lhs = "grad_W"\nrhs = "transpose(A)*(A*W*B - R)*transpose(B)"\n'
        '[[claim]]\nid = "zero.ok"\nkind = "identity"\nmatrices = { W = "m x n", V = "n x m" }\n'
        'lhs = "W*V*W - W*V*W + W - W"\nrhs = "0"\n'
        '[[claim]]\nid = "zero.bad"\nkind = "identity"\nmatrices = { W = "m x n", V = "n x m" }\n'
        'lhs = "W*V - W*V"\nrhs = "W*V"\n'))
    assert results["eq5.no-sigma"].status is Status.REFUTED
    assert results["zero.ok"].strength is Strength.PROVEN
    assert results["zero.bad"].status is Status.REFUTED


# ---------------------------------------------------------------- spectral numbers


def test_spectral_numbers_are_exact_on_instances():
    A = sp.Matrix([[3, 0], [4, 0]])
    assert MI.spectral("normF", A, 50) == 5 and MI.spectral("norm2", A, 50) == 5
    S = sp.Matrix([[2, 1], [1, 2]])
    assert (MI.spectral("lambda_max", S, 50), MI.spectral("lambda_min", S, 50)) == (3, 1)
    J = sp.Matrix([[1, -2], [2, 1]])  # eigenvalues 1 +- 2i
    assert abs(MI.spectral("lambda_max", J, 50) - 1) < sp.Float(10) ** -60


def test_one_symbol_per_spectral_number_and_its_sign():
    st = M.statement({"A": "m x n"}, {}, "norm2(A) + normF(A)", "norm2(A)", ">=")
    assert len(st.space.atoms) == 2 and M.proven(st, {})[0] is True  # normF(A) >= 0
    st = M.statement({"S": "n x n"}, {}, "lambda_min(S)", "0", ">=")
    assert M.proven(st, {})[0] is None  # an eigenvalue has no sign

