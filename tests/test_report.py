"""Tests of the HTML report renderer (verify.report)."""

from __future__ import annotations

import ast
import copy
import html
import re
from pathlib import Path

import pytest

from verify.report import render_report
from verify.report.figures import draw_figure, figure_filename, parse_number

ROOT = Path(__file__).resolve().parents[1]

REPORT_DIR = ROOT / "verify" / "report"
FORBIDDEN = {"numpy", "sympy", "mpmath", "flint"}

REPRODUCE = "python -m verify run nar2018step.ex2 --seed 0 --check threshold"
SCRIPT_STATEMENT = "x <script>alert('pwn')</script> & y > 0"


def _evidence(check, tier, outcome, **kw):
    ev = {
        "check": check,
        "tier": tier,
        "outcome": outcome,
        "detail": kw.pop("detail", f"{check} detail"),
        "numbers": kw.pop("numbers", {}),
        "counterexample": kw.pop("counterexample", None),
        "reproduce": kw.pop("reproduce", f"python -m verify run x --check {check}"),
        "seconds": kw.pop("seconds", "0.1"),
        "figures": kw.pop("figures", []),
    }
    ev.update(kw)
    return ev


def _claim(cid, paper, status, **kw):
    c = {
        "id": cid,
        "paper": paper,
        "where": kw.pop("where", "Theorem 1"),
        "url": kw.pop("url", ""),
        "statement": kw.pop("statement", f"statement of {cid}"),
        "hypotheses": kw.pop("hypotheses", {"delta": "(0, 2]"}),
        "asserts": kw.pop("asserts", "f(x) = 0"),
        "status": status,
        "strongest_tier": kw.pop("strongest_tier", "precise"),
        "amends": kw.pop("amends", None),
        "amend_reason": kw.pop("amend_reason", ""),
        "not_checkable": kw.pop("not_checkable", None),
        "control": kw.pop("control", False),
        "seconds": kw.pop("seconds", "1.0"),
        "evidence": kw.pop("evidence", []),
    }
    c.update(kw)
    return c


ORBIT_FIGURE = {
    "id": "nar2018step.ex1-orbit diagram/1",  # odd characters: file name must be sanitised
    "title": "Orbit diagram of GD with step $\\eta$",
    "caption": "Attracting points against the step size.",
    "xlabel": "step size",
    "ylabel": "x",
    "xscale": "linear",
    "yscale": "linear",
    "series": [
        {"label": "orbit", "x": [str(0.01 * i) for i in range(400)],
         "y": [str((i * 37 % 101) / 50) for i in range(400)], "style": "points"},
        {"label": "fixed point", "x": ["0", "1", "2", "3"], "y": ["0", "0.5", "1", "1.5"],
         "style": "line"},
        {"label": "period", "x": ["0", "1", "2", "3"], "y": ["1", "1", "2", "4"], "style": "step"},
    ],
    "lines": [
        {"label": "claimed threshold 2", "axis": "x", "value": "2"},
        {"label": "level 1", "axis": "y", "value": "1"},
        {"label": "y = x", "axis": "diag", "value": ""},
    ],
}

LOG_FIGURE = {
    "id": "nar2018step.ex2-residual",
    "title": "Residual decay",
    "caption": "Log scale, with non-positive and non-finite values in the data.",
    "xlabel": "iteration",
    "ylabel": "|residual|",
    "xscale": "log",
    "yscale": "log",
    "series": [
        {"label": "residual",
         "x": ["0", "1", "2", "3", "4", "5", "6", "-1"],
         "y": ["1", "0.1", "nan", "1e-3", "0", "-5", "1e-6", "1"],
         "style": "line"},
        {"label": "empty", "x": [], "y": [], "style": "points"},
        {"label": "junk", "x": ["a", "inf"], "y": ["1", "2"], "style": "points"},
    ],
    "lines": [
        {"label": "tolerance", "axis": "y", "value": "1e-4"},
        {"label": "bad", "axis": "x", "value": "-3"},
        {"label": "", "axis": "diag"},
    ],
}

COUNTEREXAMPLE = {
    "at": {"delta": "0.5", "eta": "1.25"},
    "observed": "0.731",
    "claimed": "0.5",
    "tol": "1e-30",
    "margin": "0.231000000000000000000000000000000000000000000001",
    "dps": 50,
    "note": "the orbit leaves the basin before step 3",
}


def make_results():
    claims = [
        _claim(
            "nar2018step.ex1", "nar2018step", "confirmed", seconds="3.2",
            strongest_tier="symbolic", statement=SCRIPT_STATEMENT,
            evidence=[
                _evidence("orbit_exists", "symbolic", "supports",
                          numbers={"multiplier": "0", "period": "2"},
                          figures=[ORBIT_FIGURE]),
            ],
        ),
        _claim(
            "nar2018step.ex2", "nar2018step", "refuted", seconds="12.5",
            evidence=[
                _evidence("threshold", "precise", "refutes", counterexample=COUNTEREXAMPLE,
                          reproduce=REPRODUCE,
                          figures=[LOG_FIGURE]),
                _evidence("grid", "empirical", "undecided"),
            ],
        ),
        _claim(
            "nar2018step.ex2b", "nar2018step", "confirmed", seconds="0.4",
            amends="nar2018step.ex2", amend_reason="the printed bound misses a factor 2",
        ),
        _claim("smith2020.thm3", "smith2020", "inconclusive", seconds="7",
               strongest_tier=None),
        _claim("smith2020.lem1", "smith2020", "not-checkable", seconds="0",
               not_checkable="needs an oracle for the whole function class", evidence=[]),
        _claim("smith2020.prop2", "smith2020", "error", seconds="nan",
               evidence=[_evidence("boom", "empirical", "error", detail="ZeroDivisionError")]),
        _claim(
            "control.false-threshold", "controls", "refuted", control=True, seconds="0.9",
            evidence=[_evidence("threshold", "precise", "refutes", counterexample={
                "at": {"eta": "3"}, "observed": "1", "claimed": "0", "tol": "0",
                "margin": "1", "dps": 30, "note": ""})],
        ),
    ]
    return {
        "schema_version": 1,
        "run": {"name": "2026-11-23T13-40-00", "started": "2026-11-23T13:40:00Z",
                "seconds": "42.1", "quick": False, "selection": ["nar2018step", "smith2020"],
                "command": "python -m verify run --seed 0"},
        "environment": {"python": "3.11.7", "platform": "Linux-6.1-x86_64",
                        "libraries": {"sympy": "1.14.0", "numpy": "2.4.6"},
                        "git_sha": None, "seed": "0", "precision": {"mpmath_dps": "50"}},
        "summary": {"confirmed": "2", "refuted": "2", "inconclusive": "1",
                    "not-checkable": "1", "error": "1"},
        "claims": claims,
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    results = make_results()
    index = render_report(results, out)
    return results, out, index, index.read_text(encoding="utf-8")


def _all_figures(results):
    for c in results["claims"]:
        for ev in c["evidence"]:
            yield from ev["figures"]


def test_index_written(rendered):
    _, out, index, text = rendered
    assert index == out / "index.html"
    assert index.is_file()
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text.lower().replace("&lt;script", "")
    # Self-contained: nothing fetched from elsewhere.
    assert not re.search(r"<link\b|\bsrc=|@import", text)
    assert "@media print" in text
    assert "could not be rendered" not in text and "could not be drawn" not in text


def test_internal_links_resolve(rendered):
    _, _, _, text = rendered
    ids = re.findall(r'\bid="([^"]*)"', text)
    dupes = {i for i in ids if ids.count(i) > 1}
    assert not dupes, f"duplicate ids: {sorted(dupes)[:10]}"
    targets = set(re.findall(r'href="#([^"]*)"', text))
    assert targets
    missing = targets - set(ids)
    assert not missing, f"dangling links: {sorted(missing)}"
    assert 'id="claim-nar2018step.ex1"' in text


def test_figures_saved_and_inlined(rendered):
    results, out, _, text = rendered
    figs = list(_all_figures(results))
    assert len(figs) == 2
    assert text.count("<figure") == 2
    for spec in figs:
        path = out / "figures" / figure_filename(spec["id"])
        assert path.is_file() and path.stat().st_size > 0
        assert re.fullmatch(r"[A-Za-z0-9._-]+\.svg", path.name)
        assert f'href="figures/{path.name}"' in text
        assert html.escape(spec["title"]) in text and html.escape(spec["caption"]) in text
    assert text.count("<svg") == 2
    assert "<?xml" not in text and "<!DOCTYPE svg" not in text
    # The log figure says what it left out.
    assert "left out" in text


def test_counterexample_and_reproduce(rendered):
    _, _, _, text = rendered
    assert "Falsifying example: at delta=0.5, eta=1.25" in text
    assert "observed 0.731 vs claimed 0.5 \u00b1 1e-30" in text
    assert f"high-precision margin {COUNTEREXAMPLE['margin']} (50 digits)" in text
    assert COUNTEREXAMPLE["note"] in text
    assert f"<pre><code>{REPRODUCE}</code></pre>" in text


def _summary_counts(text):
    pattern = r'<section id="summary">.*?<table class="kv">(.*?)</table>'
    table = re.search(pattern, text, re.S).group(1)
    counts = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        m = re.match(r'<td><span class="badge b-[^"]*">([^<]*)</span></td>(.*)', row, re.S)
        if m:
            cells = re.findall(r'<td class="num">(?:<a href="#[^"]*">)?(\d+)', m.group(2))
            counts[m.group(1)] = tuple(int(x) for x in cells)
    return counts


def test_summary_counts_match_claims(rendered):
    results, _, _, text = rendered
    counts = _summary_counts(text)
    for status in ("confirmed", "refuted", "inconclusive", "not-checkable", "error"):
        plain = sum(1 for c in results["claims"] if c["status"] == status and not c["control"])
        ctrl = sum(1 for c in results["claims"] if c["status"] == status and c["control"])
        assert counts[status] == (plain, ctrl), status
    assert "negative controls: 1/1 refuted as expected" in text
    assert html.escape("Negative controls (deliberately false; must be refuted)") in text
    # Recorded summary agrees with the claims: no disagreement note.
    assert "disagrees" not in text
    # Status counts link to lists of those claims.
    m = re.search(r'<td class="num"><a href="#(status-confirmed)">2</a></td>', text)
    assert m
    section = re.search(r'<section id="status-confirmed">(.*?)</section>', text, re.S).group(1)
    assert "claim-nar2018step.ex1" in section and "claim-nar2018step.ex2b" in section


def test_statements_escaped(rendered):
    _, _, _, text = rendered
    assert SCRIPT_STATEMENT not in text
    assert "<script>" not in text
    assert html.escape(SCRIPT_STATEMENT) in text


def test_amendment_listed_under_amended_claim(rendered):
    _, _, _, text = rendered
    papers = re.search(r'<section id="papers">(.*)<section id="slowest">', text, re.S).group(1)
    rows = re.findall(r'<tr[^>]*><td[^>]*><a href="#claim-([^"]*)"', papers)
    assert rows.index("nar2018step.ex2b") == rows.index("nar2018step.ex2") + 1
    assert "the printed bound misses a factor 2" in papers
    assert rows[-1] == "control.false-threshold"


def test_slowest_table(rendered):
    _, _, _, text = rendered
    slow = re.search(r'<section id="slowest">(.*?)</section>', text, re.S).group(1)
    order = re.findall(r'href="#claim-([^"]*)"', slow)
    assert order[:3] == ["nar2018step.ex2", "smith2020.thm3", "nar2018step.ex1"]
    assert "smith2020.prop2" not in order  # seconds "nan"


def test_deterministic(tmp_path):
    a = render_report(make_results(), tmp_path / "a").read_bytes()
    b = render_report(make_results(), tmp_path / "b").read_bytes()
    assert a == b
    for name in sorted(p.name for p in (tmp_path / "a" / "figures").iterdir()):
        assert (tmp_path / "a" / "figures" / name).read_bytes() == (
            tmp_path / "b" / "figures" / name
        ).read_bytes()


def test_tolerates_odd_input(tmp_path):
    results = make_results()
    del results["summary"]
    results["environment"] = {"libraries": "n/a"}
    results["run"] = {}
    c = results["claims"][0]
    c["status"] = "weird"
    c["hypotheses"] = None
    c["evidence"][0]["numbers"] = ["not", "a", "dict"]
    c["evidence"][0]["figures"] = [
        {"id": "empty", "series": [], "lines": [], "xscale": "log", "yscale": "cubic"},
        {"id": "allnan", "series": [{"x": ["nan"], "y": ["inf"]}], "title": "bad $\\frac{$ math"},
        "not a figure",
        {"id": "empty", "series": [{"x": ["1", "2"], "y": ["1"], "style": "zigzag"}]},
        {"id": "sym", "xscale": "symlog", "yscale": "symlog",
         "series": [{"x": ["-1e-9", "0", "1e3"], "y": ["-5", "0", "1e-12"], "style": "step"}],
         "lines": [{"axis": "diag"}, {"axis": "x", "value": "nan"}, {"axis": "z", "value": "1"}]},
    ]
    c["evidence"].append("not an evidence object")
    results["claims"].append("not a claim")
    results["claims"].append({"status": None, "evidence": None, "amends": "missing.claim"})
    index = render_report(results, tmp_path)
    text = index.read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]*)"', text)
    assert set(re.findall(r'href="#([^"]*)"', text)) <= set(ids)
    assert len(ids) == len(set(ids))
    assert "weird" in text and "not in this run" in text
    assert (tmp_path / "figures" / "empty.svg").is_file()
    assert (tmp_path / "figures" / "empty-2.svg").is_file()
    assert (tmp_path / "figures" / "allnan.svg").is_file()
    assert (tmp_path / "figures" / "sym.svg").is_file()
    assert text.count("could not be drawn") == 1  # the non-object spec only
    assert "texts drawn literally" in text  # mathtext failed, drawn again literally
    # Not even a dict.
    assert render_report({}, tmp_path / "bare").is_file()
    assert render_report(None, tmp_path / "none").is_file()  # type: ignore[arg-type]


def test_does_not_mutate_input(tmp_path):
    results = make_results()
    before = copy.deepcopy(results)
    render_report(results, tmp_path)
    assert results == before


def test_parse_number_and_filename():
    assert parse_number("1e-3") == 1e-3
    assert parse_number("nan") is None and parse_number("-inf") is None
    assert parse_number("") is None and parse_number(None) is None and parse_number(True) is None
    assert parse_number("1e999") is None
    assert figure_filename("a b/c:d.e-f_g") == "a_b_c_d.e-f_g.svg"


def test_draw_figure_never_raises(tmp_path):
    for spec in (None, {}, {"series": "x"}, {"series": [{"x": [None], "y": [{}]}]},
                 {"series": [{"x": ["1"], "y": ["1"], "label": "$\\frac{"}], "title": "$"}):
        res = draw_figure(spec, tmp_path / "f.svg")
        assert isinstance(res.notes, list)


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, 0
        elif isinstance(node, ast.ImportFrom):
            yield node.module or "", node.level
        elif isinstance(node, ast.Call):
            func = node.func
            name = getattr(func, "attr", getattr(func, "id", ""))
            if name in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    yield arg.value, 0


def test_report_layer_imports_only_stdlib_and_matplotlib():
    files = sorted(REPORT_DIR.glob("*.py"))
    assert {p.name for p in files} >= {"__init__.py", "html.py", "figures.py"}
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for module, level in _imports(tree):
            where = f"{path.name}: import {'.' * level}{module}"
            if level:
                assert level == 1, where  # relative imports stay inside verify.report
                continue
            top = module.split(".")[0]
            assert top not in FORBIDDEN, where
            if top == "verify":
                assert module == "verify.report" or module.startswith("verify.report."), where
