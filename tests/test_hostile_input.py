"""Claim files and --at values are untrusted input: nothing in them may run (issue 15).

Every payload below tries to execute code (most of them by creating a sentinel file).  Each is put
into every expression field of every claim kind, into claim ids and into ``--at`` values; the
suite must refuse each one with a message naming the field, never run it, never print a
traceback.  Hypothesis then generates expressions from a grammar that mixes the allowed
constructs with dangerous ones, and (``hypothesmith``) arbitrary Python expressions; a slow-marked
fuzz runs the same for several minutes.
"""

from __future__ import annotations

import json
import shlex

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from proofs.expressions import ExpressionError, parse
from verify.cli import main
from verify.userclaims.parse import parse_table
from verify.userclaims.spec import BadClaim, ClaimSpec

SENTINEL_NAME = "PWNED_SENTINEL"

# {S} is replaced by the sentinel's path.
PAYLOADS = [
    "__import__('os').system('touch {S}')",
    "().__class__.__base__.__subclasses__()",
    "Symbol.__new__.__globals__['__builtins__']['__import__']('os').system('touch {S}')",
    "Abs.__init__.__globals__['__builtins__']['open']('{S}', 'w')",
    "sqrt(x).func.__globals__['__builtins__']['open']('{S}', 'w')",
    "Rational.__new__.__globals__",
    "(lambda: __import__('os').system('touch {S}'))()",
    "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]"
    "(['touch', '{S}'])",
    "exec(\"open('{S}', 'w')\")",
    "eval(\"open('{S}', 'w')\")",
    "open('{S}', 'w')",
    "getattr(x, '__class__')",
    "x.__class__.__mro__[-1].__subclasses__()",
    "Symbol('x')**2",
    "Function('f')(x)",
    "sympify(\"open('{S}', 'w')\")",
    "S(\"open('{S}', 'w')\")",
    "parse_expr(\"open('{S}', 'w')\")",
    "Lambda(x, x)",
    "f\"{{open('{S}', 'w')}}\"",
    "(s := open('{S}', 'w'))",
    "x if open('{S}', 'w') else x",
    "\uff3f\uff3fimport\uff3f\uff3f('os').system('touch {S}')",  # fullwidth underscores (NFKC)
    "breakpoint()",
    "globals()",
    "Piecewise((open('{S}', 'w'), True))",
    "Sum(open('{S}', 'w'), (k, 1, 2))",
    "Sum(x, (x.__class__, 1, 2))",
    "Max(*[x])",
    "Min(x, **{{}})",
    "x[::]",
    "{{x}}",
    "{{x: 1}}",
    "...",
    "b'x'",
    "None",
    "x ^ 2",
    "x and open('{S}', 'w')",
    "(" * 300 + "x" + ")" * 300,
    "-" * 50_000 + "x",
    "x" + "+x" * 20_000,
    "9**9**9**9",
    "1e99999999",
    "(x+1)**(10**9)",
]

BASE = {"id": "c1", "kind": "cycle", "loss": "x**2/2", "variables": ["x"], "step": "delta",
        "params": {"delta": [0.1, 1.0]}}
# kind -> its own keys with valid values; (kind, field) pairs below put a payload in each field.
KIND_FIELDS = {
    "cycle": {"points": [["0"]]},
    "threshold": {"equilibrium": ["0"], "bound": "2"},
    "convergence": {"start": ["1"], "condition": "delta < 2", "target": ["0"]},
    "inequality": {"lhs": "delta**2", "relation": "<=", "rhs": "delta"},
    "rate": {"start": ["1"], "metric": "loss", "bound": "metric0", "steps": 10},
    "sole_limit": {"equilibrium": ["0"], "region": [0, 1]},
}
POINT_FIELDS = {"points", "equilibrium", "start", "target"}
# (sole_limit pins every parameter but the step: it takes no assumptions)
FIELDS = [(kind, key) for kind, keys in KIND_FIELDS.items()
          for key in list(keys) + ["assume"] * (kind != "sole_limit")
          if key not in ("relation", "steps")]
FIELDS.append(("cycle", "loss"))


@pytest.fixture
def sentinel(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / SENTINEL_NAME
    yield path
    assert not path.exists(), "a payload ran: the sentinel file was created"


def _table(kind: str, key: str, payload: str) -> dict:
    table = {**BASE, "kind": kind, **KIND_FIELDS[kind]}
    if kind == "inequality":
        table = {k: v for k, v in table.items() if k not in ("loss", "variables", "step")}
    if key in POINT_FIELDS:
        table[key] = [[payload]] if key == "points" else [payload]
    elif key == "assume":
        table[key] = [payload]
    else:
        table[key] = payload
    return table


@pytest.mark.parametrize("kind, key", FIELDS)
@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_payload_in_every_field_is_refused(kind, key, index, sentinel):
    payload = PAYLOADS[index].replace("{S}", str(sentinel))
    result = parse_table(_table(kind, key, payload))
    assert isinstance(result, BadClaim), result
    assert result.key == key, result.message
    assert result.message.startswith(f"claim 'c1': key {key!r}: "), result.message
    assert "Traceback" not in result.message


def test_valid_tables_of_the_corpus_parse():
    """The corpus tables differ from valid ones only in the payload field."""
    for kind, key in FIELDS:
        table = _table(kind, key, "1")
        table[key] = {**KIND_FIELDS[kind], **BASE}.get(key, ["delta < 1"])
        assert isinstance(parse_table(table), ClaimSpec), (kind, key)


@pytest.mark.parametrize("bad_id", [
    "x; touch PWNED_SENTINEL", "$(touch PWNED_SENTINEL)", "`touch PWNED_SENTINEL`", "a b",
    "../../etc/passwd", "-rf", "<script>", "a\nb", "x" * 101, "", "'quoted'",
])
def test_claim_ids_outside_the_safe_alphabet_are_refused(bad_id):
    result = parse_table({**BASE, "id": bad_id, "points": [["0"]]})
    assert isinstance(result, BadClaim)
    assert result.key == "id" and result.id == "claim #1"


def _claim_file(tmp_path, payload: str) -> str:
    """A file with a payload claim in each field of a cycle claim, and one good claim."""
    lines = []
    for i, key in enumerate(["loss", "points", "assume"]):
        table = _table("cycle", key, payload)
        table["id"] = f"bad{i}"
        lines.append(_toml(table))
    lines.append(_toml({"id": "good", "kind": "inequality", "params": {"delta": [0.1, 1.0]},
                        "lhs": "delta**2", "relation": "<=", "rhs": "delta"}))
    path = tmp_path / "claims.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


def _toml(table: dict) -> str:
    def value(v):
        if isinstance(v, str):
            return json.dumps(v)  # a JSON string is a valid TOML basic string
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        return "{ " + ", ".join(f"{k} = {value(x)}" for k, x in v.items()) + " }"

    return "[[claim]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in table.items())


@pytest.mark.parametrize("index", [0, 2, 3, 6, 7, 9, 15, 22])
def test_cli_check_never_runs_a_payload(index, sentinel, tmp_path, capsys):
    payload = PAYLOADS[index].replace("{S}", str(sentinel))
    path = _claim_file(tmp_path, payload)
    out = tmp_path / "out"
    code = main(["check", path, "--quick", "--no-progress", "--out", str(out)])
    captured = capsys.readouterr()
    assert code == 1  # the payload claims are errors
    assert "Traceback" not in captured.out + captured.err
    results = json.loads((out / "results.json").read_text())
    statuses = {c["id"]: c["status"] for c in results["claims"]}
    assert statuses == {"bad0": "error", "bad1": "error", "bad2": "error", "good": "confirmed"}
    # Selecting only the good claim still parses (and refuses) the others, running nothing.
    code = main(["check", path, "good", "--quick", "--no-progress", "--out", str(out)])
    assert code == 0


@pytest.mark.parametrize("value", [
    "__import__('os').system('touch PWNED_SENTINEL')", "().__class__", "nan", "inf", "-inf",
    "1/0", "x", "[[1, 2], [3]]", "0.5; touch PWNED_SENTINEL", "5", "-0.5", "0.05",
    "sqrt(-1)", "1e999999",
])
def test_at_values_must_be_finite_numbers_in_the_box(value, sentinel, tmp_path, capsys):
    path = _claim_file(tmp_path, "x")
    code = main(["check", path, "good", "--no-progress", "--out", str(tmp_path / "o"),
                 "--at", f"delta={value}"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert err.startswith("verify: error: --at") and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_at_names_must_be_free_parameters(tmp_path, capsys):
    path = _claim_file(tmp_path, "x")
    code = main(["check", path, "good", "--no-progress", "--at", "eta=0.5"])
    assert code == 2 and "not a free parameter" in capsys.readouterr().err


def test_replay_lines_are_shell_quoted(tmp_path):
    from verify.runner import reproduce_line
    from verify.vocabulary import Check, Claim, Reference, Tier

    claim = Claim(id="ok.id", ref=Reference("user", "f"), statement="", hypotheses={},
                  asserts="", checks=(), source=str(tmp_path / "my claims; rm -rf ~.toml"))
    check = Check("search", Tier.PRECISE, lambda ctx: None)
    line = reproduce_line(claim, check, 3, True)
    argv = shlex.split(line)
    assert argv[:5] == ["python", "-m", "verify", "check", claim.source]
    assert argv[5] == "ok.id"


# ---------------------------------------------------------------- generated expressions

_DANGEROUS_NAMES = ["open", "__import__", "exec", "eval", "getattr", "Symbol", "sympify", "os",
                    "__builtins__", "__class__", "globals", "S", "Function", "x", "delta",
                    "sqrt", "Abs", "Piecewise", "Sum", "Product", "Rational", "pi", "Matrix",
                    "det", "trace", "transpose"]


def _expressions(sentinel: str) -> st.SearchStrategy[str]:
    atoms = st.one_of(
        st.sampled_from(_DANGEROUS_NAMES),
        st.integers(-10**6, 10**6).map(str),
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.just(repr(sentinel)), st.just("'w'"), st.just("()"), st.just("[]"),
    )

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**", "^", "%", "<", "==",
                                              " and ", " if x else "]), inner).map("".join),
            st.tuples(inner, st.sampled_from(_DANGEROUS_NAMES)).map(
                lambda t: f"({t[0]}).{t[1]}"),
            st.tuples(inner, inner).map(lambda t: f"({t[0]})[{t[1]}]"),
            st.tuples(st.sampled_from(_DANGEROUS_NAMES), st.lists(inner, max_size=3)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"),
            inner.map(lambda e: f"(lambda: {e})()"),
            inner.map(lambda e: f"[{e} for _ in ()]"),
            inner.map(lambda e: f"({e}, True)"),
            inner.map(lambda e: f"-({e})"),
            st.lists(st.lists(inner, min_size=1, max_size=3), min_size=1, max_size=3).map(
                lambda rows: "Matrix([" + ", ".join(f"[{', '.join(r)}]" for r in rows) + "])"),
        )

    return st.recursive(atoms, extend, max_leaves=12)


SYMBOLS = {"x": sp.Symbol("x", real=True), "delta": sp.Symbol("delta", positive=True)}


def _parse_is_safe(text: str) -> None:
    try:
        result = parse(text, SYMBOLS)
    except ExpressionError as exc:
        assert str(exc)
    else:
        assert isinstance(result, sp.Basic)


def _no_payload_runs(data, tmp_path_factory) -> None:
    sentinel = tmp_path_factory.getbasetemp() / SENTINEL_NAME
    _parse_is_safe(data.draw(_expressions(str(sentinel))))
    assert not sentinel.exists()


def _python_expressions():
    hypothesmith = pytest.importorskip("hypothesmith")
    return hypothesmith.from_grammar(start="eval_input").map(str.strip)


# The same properties twice: a short run by default, the several-minute fuzz under -m slow.
_FAST = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
_SLOW = settings(max_examples=5_000, deadline=None, suppress_health_check=list(HealthCheck))


@_FAST
@given(data=st.data())
def test_generated_expressions_never_run(data, tmp_path_factory):
    _no_payload_runs(data, tmp_path_factory)


@settings(_FAST, max_examples=40)
@given(text=_python_expressions())
def test_grammar_generated_python_never_raises_anything_else(text):
    _parse_is_safe(text)


@pytest.mark.slow
@_SLOW
@given(data=st.data())
def test_fuzz_generated_expressions_slow(data, tmp_path_factory):
    _no_payload_runs(data, tmp_path_factory)


@pytest.mark.slow
@settings(_SLOW, max_examples=500)
@given(text=_python_expressions())
def test_fuzz_grammar_generated_python_slow(text):
    _parse_is_safe(text)


# The claim language's new fields (models, optimisers, schedules, trajectories): each payload is
# refused with a message naming the key.
QUAD = {"id": "c1", "kind": "trajectory", "step": "eta", "params": {"eta": [0.1, 1.0]},
        "model": {"family": "quadratic", "A": [["1", "0"], ["0", "2"]], "b": ["0", "0"]},
        "start": ["1", "1"], "quantity": "loss", "steps": 5, "monotone": "nonincreasing"}
CHAIN = {**QUAD, "model": {"family": "deep_linear", "depth": 2, "target": "1", "init": "1"}}
CHAIN.pop("start")
RESNET = {**CHAIN, "model": {"family": "linear_resnet", "depth": 2, "target": "1", "init": "0",
                            "sigma": "1"}}
DOUBLE = {**CHAIN, "model": {"family": "double_network", "depth": 2, "target": "1",
                            "init": {"w": "1", "z": "1"}}}
RELU = {**CHAIN, "model": {"family": "two_layer_relu", "width": 1, "x": ["1"], "y": ["1"],
                          "bias": "0", "init": {"a": "1", "w": "1"}}}
LANDING = {"id": "c1", "kind": "convergence", "step": "delta",
           "params": {"delta": "1/2", "a": [-2, 3], "b": [-2, 3], "lam": [-4, 4]},
           "model": {"family": "deep_linear", "depth": 2, "width": 1, "target": "lam"},
           "start": ["a", "b"], "condition": "delta <= 2/(w1**2 + w2**2)",
           "otherwise": "does not converge", "target": "minimisers", "exact_orbit": True,
           "land": "lam"}
ZERO = {**LANDING, "target": {"zero": ["w1"]}}
for _key in ("otherwise", "exact_orbit", "land"):
    ZERO.pop(_key)
ZERO["condition"] = "delta <= 1"
LANGUAGE_FIELDS = {
    "condition": lambda p: {**LANDING, "condition": f"w1**2 <= {p}"},
    "target.zero": lambda p: {**ZERO, "target": {"zero": [f"w1 - ({p})"]}},
    "model.A": lambda p: {**QUAD, "model": {**QUAD["model"], "A": [[p, "0"], ["0", "2"]]}},
    "model.b": lambda p: {**QUAD, "model": {**QUAD["model"], "b": [p, "0"]}},
    "model.target": lambda p: {**CHAIN, "model": {**CHAIN["model"], "target": p}},
    "model.init": lambda p: {**CHAIN, "model": {**CHAIN["model"], "init": p}},
    "model.sigma": lambda p: {**RESNET, "model": {**RESNET["model"], "sigma": p}},
    "model.init.z": lambda p: {**DOUBLE, "model": {**DOUBLE["model"], "init": {"w": "1", "z": p}}},
    "model.x": lambda p: {**RELU, "model": {**RELU["model"], "x": [p]}},
    "model.y": lambda p: {**RELU, "model": {**RELU["model"], "y": [p]}},
    "model.bias": lambda p: {**RELU, "model": {**RELU["model"], "bias": p}},
    "model.init.a": lambda p: {**RELU, "model": {**RELU["model"], "init": {"a": p, "w": "1"}}},
    "optimizer": lambda p: {**QUAD, "optimizer": {"method": "heavy_ball", "beta": p}},
    "schedule": lambda p: {**QUAD, "schedule": p},
    "quantity": lambda p: {**QUAD, "quantity": p},
    "drift": lambda p: {**{k: v for k, v in QUAD.items() if k != "monotone"}, "drift": p},
    "bound": lambda p: {**{k: v for k, v in QUAD.items() if k != "monotone"}, "bound": p},
}


@pytest.mark.parametrize("key", list(LANGUAGE_FIELDS))
@pytest.mark.parametrize("index", range(len(PAYLOADS)))
def test_payload_in_every_language_field_is_refused(key, index, sentinel):
    payload = PAYLOADS[index].replace("{S}", str(sentinel))
    result = parse_table(LANGUAGE_FIELDS[key](payload))
    assert isinstance(result, BadClaim), result
    assert result.key == key, result.message
    assert "Traceback" not in result.message


def test_language_tables_are_valid_without_a_payload():
    for key, build in LANGUAGE_FIELDS.items():
        assert isinstance(parse_table(build("1/2")), ClaimSpec), key


@pytest.mark.parametrize("target, needle", [
    ({}, "target"), ({"zero": ["w1"], "where": "x"}, "target"), ({"zero": []}, "target.zero"),
    ({"zero": "w1"}, "target.zero"), ({"zero": ["w1"] * 9}, "target.zero"),
    ({"zero": ["lam"]}, "target.zero"), ({"zero": ["w3"]}, "target.zero"),
    ({"zero": [True]}, "target.zero"), ({"zero": [float("nan")]}, "target.zero"),
    ({"zero": ["w1/0"]}, "target.zero"), ({"zero": [["w1"]]}, "target.zero")])
def test_a_bad_target_set_is_one_line_naming_the_key(target, needle):
    """target = { zero = [...] }: every bad value is a one-line error naming the field."""
    result = parse_table({**ZERO, "target": target})
    assert isinstance(result, BadClaim), result
    assert result.key == needle and "\n" not in result.message, result.message
    assert "Traceback" not in result.message


@pytest.mark.parametrize("text", ["w[1.5]", "w[k]", "w[3]", "w[-1]", "w[0, 1]", "w[0][0]",
                                  "w[0:1]", "w[()]", "w[0, 0, 0]"])
def test_vector_subscripts_are_integers_in_range(text):
    w = sp.ImmutableMatrix(3, 1, sp.symbols("w_0:3", real=True))
    with pytest.raises(ExpressionError):
        parse(text, {"w": w, "k": sp.Symbol("k")})
    assert parse("w[2] - w[2, 0]", {"w": w}) == 0


# ---------------------------------------------------------------- matrix literals

_W = "Matrix([[2, 0], [0, 1/2]])"


def test_matrix_literals_evaluate_exactly():
    eps = sp.Symbol("eps", positive=True)
    assert parse(f"det({_W})", {}) == 1
    assert parse(f"trace({_W}**2)", {}) == sp.Rational(17, 4)
    assert parse("transpose(Matrix([[1, 2]]))*Matrix([[1, 2]])", {}) == \
        sp.ImmutableMatrix([[1, 2], [2, 4]])
    assert sp.expand(parse("det(Matrix([[1, 0], [0, 1]]) + eps*Matrix([[1, 1], [1, 1]]))",
                           {"eps": eps})) == 1 + 2 * eps
    assert parse("det(Matrix([[1, 2], [3, 4]])/2)", {}) == sp.Rational(-1, 2)


@pytest.mark.parametrize("text", [
    "Matrix([[1, 2], [3]])", "Matrix([[1]*5])", "Matrix([1, 2])", "Matrix([[1]], [[2]])",
    "Matrix([[1, 1, 1, 1, 1]])", "Matrix([[x]])**9", "Matrix([[x]])**x", "Matrix([[x]])**-1",
    "Matrix([[1, 2]])**2", "2**Matrix([[1]])", "sqrt(Matrix([[1]]))", "Max(Matrix([[1]]), 1)",
    "Matrix([[1]]) + 1", "Matrix([[1]]) < 2", "Matrix([[Matrix([[1]])]])", "Matrix([[x < 1]])",
    "det(Matrix([[1, 2]]))", "trace(1)", "det(Matrix([[1]]), Matrix([[1]]))",
    "Matrix([[1, 2]])*Matrix([[1, 2]])", "Matrix([[1]]) + Matrix([[1, 2]])", "1/Matrix([[1]])",
    "Sum(Matrix([[k]]), (k, 1, 3))", "Piecewise((Matrix([[1]]), True))",
    "Matrix([[open('f')]])", "Matrix([[x.__class__]])", "Matrix([[i for i in ()]])",
    # a chain of products whose entries grow past the bound, refused before anything runs on it
    "det(" + "*".join(["Matrix([[x, 1, x, 1], [1, x, 1, x], [x, x, 1, 1], [1, 1, x, x]])"] * 40)
    + ")",
    # a power of a 4 x 4 of symbols: each product is checked (SymPy's M**8 in one call ran past
    # five minutes before the size check could refuse it)
    "det(Matrix([[x, delta, x, delta], [delta, x, delta, x], [x, x, delta, delta], "
    "[delta, delta, x, x]])**8)",
    "trace((Matrix([[x, delta, x, delta], [delta, x, delta, x], [x, x, delta, delta], "
    "[delta, delta, x, x]])**8)**8)",
])
def test_matrix_literals_are_bounded(text):
    with pytest.raises(ExpressionError):
        parse(text, {**SYMBOLS, "k": sp.Symbol("k", integer=True)})


def test_a_matrix_is_not_a_scalar_side():
    table = {**BASE, "kind": "inequality", "params": {"a": [0, 1]}, "lhs": f"a*{_W}",
             "relation": ">=", "rhs": "0"}
    table = {k: v for k, v in table.items() if k not in ("loss", "variables", "step")}
    result = parse_table(table)
    assert isinstance(result, BadClaim) and result.key == "lhs", result
    assert "2 x 2 matrix; a scalar is needed" in result.message
    table["lhs"] = f"det(a*{_W})"
    assert isinstance(parse_table(table), ClaimSpec)


def test_a_tiny_constant_difference_of_matrices_is_refuted(tmp_path):
    """An entry of lhs - rhs that is a nonzero constant (10^-30, below the search's tolerance)
    refutes exactly: it was confirmed as sampled."""
    from verify.api import check
    from verify.vocabulary import Outcome, Status

    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nid = "t.m"\nkind = "identity"\nparams = { a = [0, 1] }\n'
                    'lhs = "Matrix([[a, 1], [0, a]])**2"\n'
                    'rhs = "Matrix([[a**2, 2*a], [0, a**2 + 1/10**30]])"\n')
    (result,) = check(path, quick=True)
    assert result.status is Status.REFUTED
    ev = next(e for e in result.evidence if e.outcome is Outcome.REFUTES)
    assert ev.check == "identity_symbolic" and ev.counterexample.at == {"a": "1/2"}
    assert ev.counterexample.observed.startswith("lhs - rhs = -1.0")


@pytest.mark.parametrize("lhs,rhs,refuted", [
    ("a", "a*(1 + 10**-30)", True),  # off by 10^-30 a: below the search's tolerance
    ("sin(x)*a", "sin(x)*a + 10**-30*a**2*x", True),  # with a state coordinate
    ("sin(a)**2 + cos(a)**2", "1 + 10**-30*a", True),
    # true, and SymPy cannot show it (prove_zero undecided): no exact point may refute them
    ("atan(a + 1) + atan(1/(a + 1))", "pi/2", False),
    ("sqrt(a**2 + 2*a + 1)", "a + 1", False),
    ("tanh(a)", "(exp(2*a) - 1)/(exp(2*a) + 1)", False),
])
def test_a_tiny_difference_that_varies_is_refuted_at_an_exact_point(tmp_path, lhs, rhs,
                                                                     refuted):
    """lhs - rhs that SymPy cannot show to be 0, nonzero but below the search's tolerance
    (relative 10^-20 at its 30 digits): it was confirmed as sampled.  The symbolic check now
    evaluates the difference at exact rational points (two precisions that agree)."""
    from verify.api import check
    from verify.vocabulary import Outcome, Status

    path = tmp_path / "c.toml"
    state = 'variables = ["x"]\nloss = "x**2"\nstep = "eta"\n' if "x" in lhs else ""
    params = '{ a = [0, 1], eta = [0.1, 1] }' if state else '{ a = [0, 1] }'
    path.write_text(f'[[claim]]\nid = "t.m"\nkind = "identity"\n{state}params = {params}\n'
                    f'lhs = "{lhs}"\nrhs = "{rhs}"\n')
    (result,) = check(path, quick=True)
    refutes = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    if refuted:
        assert result.status is Status.REFUTED
        assert refutes[0].check == "identity_symbolic" and refutes[0].counterexample.at["a"]
    else:
        assert not refutes and result.status is Status.CONFIRMED


def test_a_certified_refutation_names_the_difference_it_prints(tmp_path):
    """Branch and bound prints the claim's margin (rhs - lhs for <=): it was labelled lhs - rhs,
    with the opposite sign."""
    from verify.api import check
    from verify.vocabulary import Outcome

    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nid = "t.q"\nkind = "inequality"\nparams = { a = ["1/2", 1] }\n'
                    'lhs = "a"\nrelation = "<="\nrhs = "a*(1 - 10**-30)"\n')
    (result,) = check(path, quick=True)
    ev = next(e for e in result.evidence if e.check == "inequality_certified")
    assert ev.outcome is Outcome.REFUTES and "rhs - lhs = -3/4" in ev.detail


@pytest.mark.parametrize("bound,side", [("1/5 - 10**-30", "above"), ("1/5 + 10**-30", "below")])
def test_a_threshold_off_by_less_than_the_windows_width_is_refuted_at_a_printed_step(
        tmp_path, bound, side):
    """The threshold of x* = 2 on the slides' polynomial is 1/5; a bound off by 10^-30 is
    false.  The certified crossing encloses the crossing in t -+ 10^-12 t and said "supports"
    (it cannot tell t from the crossing): now undecided.  The search refutes at a step printed
    with the digits the gap needs (it printed 0.2, where the claim holds) and the replay of
    that printed step refutes again."""
    from verify.api import check
    from verify.vocabulary import Outcome, Status

    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nid = "t.th"\nkind = "threshold"\n'
                    'loss = "(x**2 + 1)*(x - 1)**2*(x - 2)**2"\nvariables = ["x"]\n'
                    'step = "delta"\nparams = { delta = [0.01, 1] }\nequilibrium = ["2"]\n'
                    f'bound = "{bound}"\ntight = true\n')
    (result,) = check(path, quick=True)
    by_check = {e.check: e for e in result.evidence}
    assert result.status is Status.REFUTED
    assert by_check["threshold_crossing"].outcome is Outcome.UNDECIDED
    found = by_check["threshold_search"]
    assert found.outcome is Outcome.REFUTES and f"the step {side} the bound" in found.detail
    step = found.counterexample.replay["delta"]
    assert len(step) > 30 and step.startswith("0.19" if side == "above" else "0.20")
    from verify.cli import main

    out = tmp_path / "replay"
    main(["check", str(path), "--quick", "--no-cache", "--no-progress", "--out", str(out),
          "--check", "threshold_search", "--at", f"delta={step}"])
    (claim,) = json.loads((out / "results.json").read_text(encoding="utf-8"))["claims"]
    assert claim["status"] == "refuted" and step in claim["evidence"][0]["detail"]


_RATE = ('[[claim]]\nid = "t.r"\nkind = "rate"\nloss = "a*x**2/2"\nvariables = ["x"]\n'
         'step = "delta"\nparams = { delta = [0.01, 0.5], a = [0.5, 2], x0 = [-2, 2] }\n'
         'start = ["x0"]\nmetric = "loss"\nsteps = 50\n')
_CONVERGE = ('[[claim]]\nid = "t.c"\nkind = "convergence"\nvariables = ["x"]\nstep = "delta"\n'
             'params = { delta = [0.01, 0.9], x0 = [-3, 3] }\nstart = ["x0"]\n'
             'condition = "delta < 1"\n')


@pytest.mark.parametrize("text,refuted,by", [
    # the bound is exact for GD on a quadratic: tight at every t, true
    (_RATE + 'bound = "metric0*(1 - a*delta)**(2*t)"\n', False, None),
    # ... times 1 - 10^-30: false at every t (the search's tolerance hid it)
    (_RATE + 'bound = "metric0*(1 - a*delta)**(2*t)*(1 - 10**-30)"\n', True, "rate_search"),
    (_CONVERGE + 'loss = "(x - 1/3)**2"\ntarget = ["1/3"]\n', False, None),
    # GD converges to 10^-30, not to the claimed 0
    (_CONVERGE + 'loss = "(x - 10**-30)**2"\ntarget = ["0"]\n', True, "target_critical"),
])
def test_a_violation_below_a_searchs_tolerance_is_found(tmp_path, text, refuted, by):
    """Off by 10^-30: a rate bound (the search's margins carry a 10^-20 tolerance; the point
    closest to failing is re-evaluated at high precision at the end) and a convergence target
    that is not a critical point (exact gradient at rational points); their true twins, tight
    everywhere or exactly at a minimiser, stay confirmed."""
    from verify.api import check
    from verify.vocabulary import Outcome, Status

    path = tmp_path / "c.toml"
    path.write_text(text)
    (result,) = check(path, quick=True)
    refutes = [e for e in result.evidence if e.outcome is Outcome.REFUTES]
    if refuted:
        assert result.status is Status.REFUTED and refutes[0].check == by, result
    else:
        assert result.status is Status.CONFIRMED and not refutes, result


@pytest.mark.parametrize("bound,refuted", [("a*x0**2/2", False),
                                           ("a*x0**2/2*(1 - 10**-30)", True)])
def test_a_trajectory_bound_off_by_less_than_the_tolerance_is_refuted(tmp_path, bound,
                                                                      refuted):
    """loss_t <= loss_0 along GD on a quadratic (tight at t = 0), and the same bound times
    1 - 10^-30: the search's margins are clipped at 0 within 10^-20 (rounding), so the false
    twin held everywhere; the point closest to failing is now re-evaluated at the end."""
    from verify.api import check
    from verify.vocabulary import Status

    path = tmp_path / "c.toml"
    path.write_text('[[claim]]\nid = "t.t"\nkind = "trajectory"\nloss = "a*x**2/2"\n'
                    'variables = ["x"]\nstep = "eta"\n'
                    'params = { eta = [0.01, 0.5], a = [0.5, 2], x0 = [-2, 2] }\n'
                    f'start = ["x0"]\nquantity = "loss"\nrelation = "<="\nbound = "{bound}"\n'
                    'steps = 20\n')
    (result,) = check(path, quick=True)
    assert result.status is (Status.REFUTED if refuted else Status.CONFIRMED), result


@pytest.mark.parametrize("text", ["1if x", "0x1for", "2else 3"])
def test_a_bad_literal_is_one_clear_error_without_a_python_warning(text):
    import warnings

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(ExpressionError, match="cannot parse"):
            parse(text, {"x": sp.Symbol("x")})
    assert not [w for w in seen if issubclass(w.category, SyntaxWarning)]  # nothing printed
