"""Tests of the HTML report (verify.report), its diffs between runs, and the source hashes
recorded in results.json (verify.results)."""

from __future__ import annotations

import ast
import copy
import html
import json
import re
from pathlib import Path

import pytest

from verify.cli import main
from verify.report import render_report
from verify.report.diff import compare
from verify.report.figures import draw_figure, figure_filename, parse_number
from verify.report.maths import MathRenderer, to_tex
from verify.results import check_hash, claim_hash, claim_record
from verify.runner import ClaimResult
from verify.vocabulary import (
    Check, Claim, Evidence, Finding, Outcome, Reference, Status, Tier,
)

ROOT = Path(__file__).resolve().parents[1]
REPORT_DIR = ROOT / "verify" / "report"
FORBIDDEN = {"numpy", "sympy", "mpmath", "flint", "scipy"}

REPRODUCE = "python -m verify run nar2018step.ex2 --check threshold --seed 0 --at 'delta=0.5'"
SCRIPT_STATEMENT = "x <script>alert('pwn')</script> & y > 0"
STATUSES = ("confirmed", "refuted", "inconclusive", "not-checkable", "error")


def _evidence(check, tier, outcome, **kw):
    ev = {
        "check": check, "tier": tier, "outcome": outcome,
        "detail": kw.pop("detail", f"{check} detail"),
        "numbers": kw.pop("numbers", {}),
        "counterexample": kw.pop("counterexample", None),
        "reproduce": kw.pop("reproduce", f"python -m verify run x --check {check}"),
        "seconds": kw.pop("seconds", "0.1"),
        "figures": kw.pop("figures", []),
        "attempt": kw.pop("attempt", False),
        "scope": kw.pop("scope", f"scope of {check}"),
        "check_hash": kw.pop("check_hash", f"hash-{check}"),
    }
    ev.update(kw)
    return ev


def _claim(cid, paper, status, **kw):
    c = {
        "id": cid, "paper": paper,
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
        "source": kw.pop("source", None),
        "source_hash": kw.pop("source_hash", f"src-{cid}"),
        "seconds": kw.pop("seconds", "1.0"),
        "evidence": kw.pop("evidence", []),
    }
    c.update(kw)
    return c


ORBIT_FIGURE = {
    "id": "nar2018step.ex1-orbit diagram/1",  # odd characters: file name must be sanitised
    "title": "Orbit diagram of GD with step $\\eta$",
    "caption": "Attracting points against the step size.",
    "xlabel": "step size", "ylabel": "x", "xscale": "linear", "yscale": "linear",
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
    "xlabel": "iteration", "ylabel": "|residual|", "xscale": "log", "yscale": "log",
    "series": [
        {"label": "residual", "x": ["0", "1", "2", "3", "4", "5", "6", "-1"],
         "y": ["1", "0.1", "nan", "1e-3", "0", "-5", "1e-6", "1"], "style": "line"},
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
    "observed": "0.731", "claimed": "0.5", "tol": "1e-30",
    "margin": "0.231000000000000000000000000000000000000000000001",
    "dps": "50",
    "note": "the orbit leaves the basin before step 3",
    "replay": {"delta": "0.5"},
}


def make_results():
    """A results.json covering every status, an amendment, a refutation with a counterexample,
    a not-checkable claim with a reduced check, an error, a control, a claim file and figures."""
    claims = [
        _claim(
            "nar2018step.ex1", "nar2018step", "confirmed", seconds="3.2",
            strongest_tier="symbolic", where="Example 1",
            statement="Consider f(x) = (2/3)|x|^{3/2}. The orbit oscillates between delta^2/4 "
                      "and -delta^2/4.",
            evidence=[
                _evidence("orbit_exists", "symbolic", "supports",
                          numbers={"multiplier": "0", "period": "2", "a": "1", "b": "2",
                                   "c": "3", "d": "4"},
                          figures=[ORBIT_FIGURE]),
                _evidence("orbit_proof", "certified", "undecided", attempt=True),
            ],
        ),
        _claim(
            "nar2018step.ex2", "nar2018step", "refuted", seconds="12.5", where="Example 2",
            statement="x[k] converges if x[0]^{L-2} < 2/(L delta).",
            evidence=[
                _evidence("threshold", "precise", "refutes", counterexample=COUNTEREXAMPLE,
                          reproduce=REPRODUCE, figures=[LOG_FIGURE]),
                _evidence("grid", "empirical", "undecided"),
            ],
        ),
        _claim(
            "nar2018step.ex2b", "nar2018step", "confirmed", seconds="0.4", where="Example 2",
            amends="nar2018step.ex2", amend_reason="the printed bound misses a factor 2",
            evidence=[_evidence("threshold", "symbolic", "supports")],
        ),
        _claim("smith2020.thm3", "smith2020", "inconclusive", seconds="7",
               strongest_tier=None, statement=SCRIPT_STATEMENT,
               evidence=[_evidence("search", "precise", "undecided",
                                   detail="margin inside the guard band")]),
        _claim("smith2020.lem1", "smith2020", "not-checkable", seconds="0.2",
               strongest_tier="empirical", statement="Holds on ImageNet: $\\eta < 2/\\lambda$.",
               not_checkable="needs the trained ImageNet weights",
               evidence=[_evidence("reduced_mnist", "empirical", "supports",
                                   detail="the reduced check on a linear model")]),
        _claim("smith2020.prop2", "smith2020", "error", seconds="nan",
               latex=r"\frac{2}{\lambda_{\max}}",
               evidence=[_evidence("boom", "empirical", "error", detail="ZeroDivisionError")]),
        _claim("mine.cycle", "mine", "confirmed", source="examples/claims.toml",
               statement="bad math $\\frac{$ stays text",
               evidence=[_evidence("cycle_symbolic", "symbolic", "supports")]),
        _claim(
            "control.false-threshold", "controls", "refuted", control=True, seconds="0.9",
            evidence=[_evidence("threshold", "precise", "refutes", counterexample={
                "at": {"eta": "3"}, "observed": "1", "claimed": "0", "tol": "0",
                "margin": "1", "dps": "30", "note": ""})],
        ),
    ]
    return {
        "schema_version": 1,
        "run": {"name": "2026-11-23T13-40-00", "started": "2026-11-23T13:40:00Z",
                "seconds": "42.1", "quick": False, "selection": ["nar2018step", "smith2020"],
                "only_check": None, "at": None,
                "command": "python -m verify run --seed 0"},
        "environment": {"python": "3.11.7", "platform": "Linux-6.1-x86_64",
                        "libraries": {"sympy": "1.14.0", "numpy": "2.4.6"},
                        "git_sha": "0123abcd", "git_dirty": False, "seed": "0",
                        "precision": {"mpmath_dps": "50"}},
        "papers": {"nar2018step": {"citation": "K. Nar and S. S. Sastry. Step Size Matters.",
                                   "url": "https://arxiv.org/abs/1805.08890"}},
        "summary": {"confirmed": "3", "refuted": "1", "inconclusive": "1",
                    "not-checkable": "1", "error": "1"},
        "claims": claims,
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    results = make_results()
    index = render_report(results, out)
    return results, out, index, index.read_text(encoding="utf-8")


def _section(text: str, ident: str) -> str:
    """The HTML of the element with this id, up to its matching close tag."""
    m = re.search(rf'<(\w+)[^>]*\bid="{re.escape(ident)}"', text)
    assert m, ident
    tag, start, depth = m.group(1), m.start(), 0
    for t in re.finditer(rf"<(/?){tag}\b", text[start:]):
        depth += -1 if t.group(1) else 1
        if depth == 0:
            return text[start:start + t.end()]
    raise AssertionError(f"unclosed {ident}")


def test_page_is_self_contained(rendered):
    _, out, index, text = rendered
    assert index == out / "index.html" and text.startswith("<!DOCTYPE html>")
    assert not re.search(r"<link\b|<iframe\b|@import|url\(http", text)
    # The only files the page loads are its figures, beside it.
    srcs = re.findall(r'\bsrc="([^"]*)"', text)
    assert srcs and all(re.fullmatch(r"figures/[A-Za-z0-9._-]+\.png", x) for x in srcs)
    assert all((out / x).is_file() for x in srcs)
    # Only page anchors, the figures and links to the papers.
    hrefs = set(re.findall(r'href="([^"#][^"]*)"', text))
    assert hrefs - set(srcs) <= {"https://arxiv.org/abs/1805.08890"}
    assert text.count("<script") == 1 and "<script>" in text  # one inline script, no src
    assert "@media print" in text
    assert "could not be rendered" not in text


def test_internal_links_and_ids(rendered):
    _, _, _, text = rendered
    ids = re.findall(r'\bid="([^"]*)"', text)
    assert len(ids) == len(set(ids)), "duplicate ids"
    targets = set(re.findall(r'href="#([^"]*)"', text))
    assert targets and not targets - set(ids)
    assert 'id="claim-nar2018step.ex1"' in text


def test_header_says_what_and_with_what(rendered):
    _, _, _, text = rendered
    header = _section(text, "about")
    for needle in ("K. Nar and S. S. Sastry. Step Size Matters.",
                   "<code>examples/claims.toml</code>", "0123abcd", "mpmath_dps = 50",
                   "sympy 1.14.0", "42.1 s", "2026-11-23T13:40:00Z",
                   "python -m verify run --seed 0", "nar2018step, smith2020"):
        assert needle in header, needle
    assert "7 claims from 3 sources and 1 negative control" in _section(text, "top")


def _summary_counts(text: str) -> dict[str, dict[str, int]]:
    table = _section(text, "summary-table")
    counts = {}
    for row in re.findall(r"<tr class=\"(?:paper|total|controls)\"(.*?)</tr>", table, re.S):
        group = re.search(r'data-group="([^"]*)"', row)
        key = group.group(1) if group else "all"
        counts[key] = {s: int(n) for s, n in re.findall(
            r'data-count="([^"]*)">(?:<a href="#[^"]*">)?(\d+)', row)}
    return counts


def test_summary_by_paper_counts_match_claims(rendered):
    results, _, _, text = rendered
    counts = _summary_counts(text)
    claims = results["claims"]
    papers = {c["paper"] for c in claims if not c["control"]}
    assert set(counts) == papers | {"all", "negative-controls"}
    for s in STATUSES:
        for p in papers:
            assert counts[p][s] == sum(1 for c in claims if c["paper"] == p
                                       and c["status"] == s and not c["control"]), (p, s)
        assert counts["all"][s] == sum(1 for c in claims if c["status"] == s
                                       and not c["control"])
        assert counts["negative-controls"][s] == sum(1 for c in claims if c["status"] == s
                                                     and c["control"])
    assert counts["nar2018step"]["amended"] == 1
    assert "Negative controls: 1/1 refuted as expected" in text
    assert "disagrees" not in text  # the recorded summary agrees with the claims


def test_first_screen_lists_every_failure(rendered):
    """The failures table holds exactly the refuted and error claims (controls apart), each with
    its one-line reason, counterexample and replay command; it comes before the papers."""
    results, _, _, text = rendered
    failures = _section(text, "failures")
    assert text.index('id="failures"') < text.index('id="papers"')
    table, controls = failures.split('id="controls-table"')
    listed = re.findall(r'<td class="loc"><a href="#claim-([^"]*)">', table)
    assert listed == [c["id"] for c in results["claims"]
                      if c["status"] in ("refuted", "error") and not c["control"]]
    assert re.findall(r'<td class="loc"><a href="#claim-([^"]*)">', controls) == [
        c["id"] for c in results["claims"] if c["control"]]
    assert "caught" in controls and "MISSED" not in controls
    row = re.search(r"<tr[^>]*>.*?claim-nar2018step.ex2\".*?</tr>", table, re.S).group(0)
    assert "<code>threshold</code>: threshold detail" in row
    assert "at delta=0.5, eta=1.25: observed 0.731 vs claimed 0.5" in row
    assert REPRODUCE in html.unescape(row)
    assert "ZeroDivisionError" in table


def test_missed_control_is_marked(tmp_path):
    results = make_results()
    results["claims"][-1]["status"] = "confirmed"
    text = render_report(results, tmp_path).read_text()
    assert "MISSED" in _section(text, "failures") and "0/1 refuted" in text


def test_strength_table_only_when_recorded(tmp_path, rendered):
    assert 'id="strength-table"' not in rendered[3]
    results = make_results()
    for k, c in enumerate(results["claims"]):
        c["strength"] = "proven" if k % 2 else "sampled"
        c["strength_basis"] = "orbit_exists: delta in [1/100, 2]"
    text = render_report(results, tmp_path).read_text()
    table = _section(text, "strength-table")
    assert 'data-group="nar2018step" data-strength="sampled"' in table
    ex1 = _section(text, "claim-nar2018step.ex1")
    assert "strength: sampled" in ex1
    assert "<strong>Confirmed, sampled.</strong>" in ex1 and "not a proof" in ex1
    assert "orbit_exists: delta in [1/100, 2]" in ex1


def test_progress_callback(tmp_path):
    calls = []
    render_report(make_results(), tmp_path, progress=lambda done, total: calls.append((done,
                                                                                       total)))
    n = len(make_results()["claims"])
    assert calls == [(k, n) for k in range(n + 1)]


def test_referee_table_amendment_under_amended_claim(rendered):
    _, _, _, text = rendered
    table = _section(text, "paper-nar2018step")
    rows = re.findall(r'<td class="loc"[^>]*><a href="#claim-([^"]*)">', table)
    assert rows == ["nar2018step.ex1", "nar2018step.ex2", "nar2018step.ex2b"]
    assert "&#8627; amends" in table and "the printed bound misses a factor 2" in table
    assert 'class="amend"' in table
    # Statements are typeset: the TeX-like fragments became MathML.
    assert '<math alttext="x[0]^{L-2} &lt; 2/(L delta)"' in table


def test_counterexample_and_replay(rendered):
    _, _, _, text = rendered
    claim = _section(text, "claim-nar2018step.ex2")
    assert "Falsifying example: at delta=0.5, eta=1.25" in claim
    assert "observed 0.731 vs claimed 0.5 \u00b1 1e-30" in claim
    assert f"<code>{COUNTEREXAMPLE['margin']} (50 digits)</code>" in claim
    assert COUNTEREXAMPLE["note"] in claim
    assert f'<pre class="cmd"><code>{REPRODUCE}</code></pre>' in html.unescape(claim)
    assert "<strong>Refuted.</strong>" in claim and "<code>threshold</code> (precise)" in claim


def test_not_checkable_says_what_is_missing_and_the_reduced_check(rendered):
    _, _, _, text = rendered
    claim = _section(text, "claim-smith2020.lem1")
    assert "Not checkable as printed:</strong> needs the trained ImageNet weights" in claim
    assert "Reduced check run instead: <code>reduced_mnist</code> (empirical)" in claim
    row = re.search(r"<tr[^>]*>.*?claim-smith2020.lem1\".*?</tr>", _section(text, "paper-smith2020"),
                    re.S).group(0)
    assert '<math alttext="$\\eta &lt; 2/\\lambda$"' in row  # an explicit $...$ formula


def test_claim_section_answers_how_do_you_know(rendered):
    _, _, _, text = rendered
    ex1 = _section(text, "claim-nar2018step.ex1")
    assert "<strong>Confirmed.</strong>" in ex1  # a results file from before strengths
    assert "proof attempt passed over" in ex1.replace("attempts", "attempt")
    assert "+3 more" in ex1 and "all key numbers" in ex1  # six numbers: three in the table
    assert "Scope: scope of orbit_exists" in ex1
    assert "<h4>Hypotheses</h4>" in ex1 and "<th>delta</th>" in ex1
    assert "<strong>Amended by</strong>" in _section(text, "claim-nar2018step.ex2")
    err = _section(text, "claim-smith2020.prop2")
    assert "<strong>Error.</strong>" in err and "ZeroDivisionError" in err
    assert '<math alttext="statement of smith2020.prop2"' in _section(text, "paper-smith2020")
    assert "<strong>Inconclusive.</strong>" in _section(text, "claim-smith2020.thm3")


def test_figures_inlined_with_captions(rendered):
    results, out, _, text = rendered
    figs = [f for c in results["claims"] for ev in c["evidence"] for f in ev["figures"]]
    assert len(figs) == 2 and text.count("<figure") == 2
    for spec in figs:
        png = out / "figures" / figure_filename(spec["id"])
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert html.escape(spec["caption"]) in text
    figures = re.findall(r"<figure.*?</figure>", text, re.S)
    assert all('<img src="figures/' in f and 'width="640" height="420"' in f for f in figures)
    assert "left out" in text  # the log figure says what it left out


def test_statements_escaped(rendered):
    _, _, _, text = rendered
    assert SCRIPT_STATEMENT not in text and "<script>alert" not in text
    assert "x &lt;script&gt;alert(&#39;pwn&#39;)&lt;/script&gt; &amp; y" in text


def test_kept_conversions_give_the_same_page_and_cannot_inject(tmp_path, rendered):
    """Formulas typeset by an earlier report are reused (a re-run's report): the page is the
    same byte for byte, and a doctored store entry is white-listed like a fresh conversion."""
    results, _, _, text = rendered
    store = tmp_path / "mathml.json"
    first = render_report(results, tmp_path / "a", conversions=store).read_text("utf-8")
    kept = json.loads(store.read_text("utf-8"))
    assert first == text and kept["entries"]  # written by the first report, page unchanged
    assert render_report(results, tmp_path / "b", conversions=store).read_text("utf-8") == text
    for tex in kept["entries"]:
        kept["entries"][tex] = '<math><script>alert("pwn")</script></math>'
    store.write_text(json.dumps(kept), "utf-8")
    doctored = render_report(results, tmp_path / "c", conversions=store).read_text("utf-8")
    # each doctored entry fails the white list, so its formula is typeset afresh or left as text
    assert doctored.count("<script") == text.count("<script")  # the page's own, no other
    assert 'alert("pwn")' not in doctored
    store.write_text("{not json", "utf-8")  # a damaged store: converted afresh
    assert render_report(results, tmp_path / "d", conversions=store).read_text("utf-8") == text


def test_unparsable_math_stays_text(rendered):
    _, _, _, text = rendered
    table = _section(text, "paper-mine")
    assert "<code>$\\frac{$</code>" in table and "stays text" in table


def test_slowest_table(rendered):
    _, _, _, text = rendered
    slow = _section(text, "slowest")
    order = re.findall(r'href="#claim-([^"]*)"', slow)
    assert order[:3] == ["nar2018step.ex2", "smith2020.thm3", "nar2018step.ex1"]
    assert "smith2020.prop2" not in order  # seconds "nan"


def test_filter_controls_and_data_attributes(rendered):
    results, _, _, text = rendered
    form = _section(text, "filter")
    assert "hidden" in form.split(">")[0]  # shown only by the script
    for s in STATUSES:
        assert f'<option value="{s}">' in form
    sections = re.findall(r'<details class="claim" id="[^"]*" data-status="([^"]*)" '
                          r'data-paper="([^"]*)"', text)
    assert len(sections) == len(results["claims"])


def test_deterministic(tmp_path):
    a = render_report(make_results(), tmp_path / "a").read_bytes()
    b = render_report(make_results(), tmp_path / "b").read_bytes()
    assert a == b


def test_tolerates_odd_input(tmp_path):
    results = make_results()
    del results["summary"]
    results["environment"] = {"libraries": "n/a"}
    results["run"] = {}
    results["papers"] = ["not", "a", "dict"]
    c = results["claims"][0]
    c["status"] = "weird"
    c["hypotheses"] = None
    c["statement"] = 42
    c["evidence"][0]["numbers"] = ["not", "a", "dict"]
    c["evidence"][0]["figures"] = [
        {"id": "empty", "series": [], "lines": [], "xscale": "log", "yscale": "cubic"},
        {"id": "allnan", "series": [{"x": ["nan"], "y": ["inf"]}], "title": "bad $\\frac{$ math"},
        "not a figure",
        {"id": "empty", "series": [{"x": ["1", "2"], "y": ["1"], "style": "zigzag"}]},
    ]
    c["evidence"].append("not an evidence object")
    results["claims"].append("not a claim")
    results["claims"].append({"status": None, "evidence": None, "amends": "missing.claim"})
    text = render_report(results, tmp_path).read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]*)"', text)
    assert set(re.findall(r'href="#([^"]*)"', text)) <= set(ids)
    assert len(ids) == len(set(ids))
    assert "weird" in text and "not in this run" in text
    assert (tmp_path / "figures" / "empty.png").is_file()
    assert (tmp_path / "figures" / "empty-2.png").is_file()
    assert text.count("could not be drawn") == 1  # the non-object spec only
    assert "texts drawn literally" in text
    assert render_report({}, tmp_path / "bare").is_file()
    assert render_report(None, tmp_path / "none").is_file()  # type: ignore[arg-type]


def test_does_not_mutate_input(tmp_path):
    results = make_results()
    before = copy.deepcopy(results)
    render_report(results, tmp_path, against=make_results())
    assert results == before


# ---------------------------------------------------------------- mathematics


@pytest.mark.parametrize("plain,tex", [
    ("|x|^{3/2}", "|x|^{3/2}"),
    ("delta^2/4", r"\delta ^{2}/4"),
    ("x0^(L-2)", "x_0^{L-2}"),
    ("|lam|^(1/L)", r"|\lambda |^{1/L}"),
    ("lambda_max", r"\lambda _{\mathrm{max}}"),
    ("(lam/w_i*)^2", r"(\lambda /w_{i}^{*})^{2}"),
    ("x**10 <= 2*y", r"x^{10} \leq 2 \cdot y"),
    ("S = {0, delta^2}", r"S = \{0, \delta ^{2}\}"),
])
def test_to_tex(plain, tex):
    assert to_tex(plain) == tex


def test_prose_typesets_fragments_as_mathml():
    m = MathRenderer()
    out = m.prose("converges if x[0]^{L-2} < (2/L delta) and oscillates between delta^2/4 and "
                  "-delta^2/4.")
    labels = re.findall(r'<math alttext="([^"]*)"', out)
    assert labels == ["x[0]^{L-2} &lt; (2/L delta)", "delta^2/4", "-delta^2/4"]
    assert out.startswith("converges if <math") and out.endswith("</math>.")
    assert '<msup><mi>δ</mi><mn>2</mn></msup>' in out  # delta^2, as text a reader can copy
    # Greek names in running text become letters; relations become symbols.
    assert m.prose("for delta in (0, 1]") == "for \u03b4 in (0, 1]"
    assert "<math" in m.prose("for delta <= 0.5")


def test_mathml_is_sanitised():
    """Claim files are untrusted: TeX that would carry markup stays escaped text."""
    m = MathRenderer()
    for s in ("$\\text{<script>alert(1)</script>}$", "$a & b$", "x^{<img src=x>}",
              "$\\href{javascript:alert(1)}{x}$", "a_<b>"):
        out = re.sub(r'alttext="[^"]*"', "", m.prose(s))  # the source, escaped, stays there
        assert "<script" not in out and "<img" not in out and "javascript:" not in out, out
        assert not re.search(r"<(?!/?(math|m[a-z]+)\b|code\b|/code)", out), out
    assert "&amp;" in m.prose("$a & b$")


def _statement_leftovers(html_text: str) -> str:
    """What a rendered statement shows outside its MathML that is still raw TeX-like markup."""
    rest = re.sub(r"<[^>]+>", " ", re.sub(r"<math\b.*?</math>", " ", html_text, flags=re.S))
    return " ".join(re.findall(r"\S*(?:[\^$\\]|\w_[\w{(]|\|\|)\S*", html.unescape(rest)))


def test_every_registered_statement_fully_typeset():
    """Every statement of every claim in the registry (and the example claim files) is typeset:
    the formulas are MathML and nothing raw (^, _, \\, $, ||) is left outside them."""
    from verify.registry import all_claims

    m = MathRenderer()
    claims = all_claims()
    assert len(claims) > 100
    problems = []
    for claim in claims:
        for text in (claim.statement, *claim.hypotheses.values()):
            out = m.prose(text)
            if _statement_leftovers(out):
                problems.append((claim.id, _statement_leftovers(out)))
            if re.search(r"[\^_]|\|\|", text) and "<math" not in out:
                problems.append((claim.id, "no MathML"))
    assert not problems, problems[:10]
    assert m.formulas > 500


def test_prose_never_fails():
    m = MathRenderer()
    for s in ("$", "$$", "a $\\frac{$ b", "x^{", "x^", "^^^", "_", "\\", "x^{" * 50, "%&#^2",
              "a" * 3000 + "^2", "<b>^2</b>"):
        out = m.prose(s)
        assert isinstance(out, str) and "<b>" not in out


# ---------------------------------------------------------------- diffs between runs


def _older():
    old = make_results()
    old["run"]["name"] = "older-run"
    for c in old["claims"]:
        if c["id"] == "nar2018step.ex2":
            c["status"] = "confirmed"  # refuted now
        if c["id"] == "smith2020.thm3":
            c["source_hash"] = "src-old"  # the claim's definition changed
        if c["id"] == "nar2018step.ex1":
            c["evidence"][0]["check_hash"] = "hash-old"  # the check's code changed
    old["claims"] = [c for c in old["claims"] if c["id"] != "mine.cycle"]  # new now
    old["claims"].append(_claim("gone.claim", "gone", "confirmed"))  # removed now
    return old


def test_compare_finds_every_kind_of_change():
    cmp = compare(make_results(), _older())
    assert cmp.claims["nar2018step.ex2"].status_changed
    assert cmp.claims["nar2018step.ex2"].old_status == "confirmed"
    assert cmp.claims["smith2020.thm3"].source_changed is True
    assert cmp.claims["nar2018step.ex1"].evidence[("orbit_exists", 1)].code_changed is True
    assert cmp.claims["nar2018step.ex1"].evidence[("orbit_proof", 1)].code_changed is False
    assert cmp.claims["mine.cycle"].old_status is None
    assert cmp.removed == [("gone.claim", "confirmed")]
    assert not cmp.claims["smith2020.lem1"].flagged


def test_report_against_older_run(tmp_path):
    text = render_report(make_results(), tmp_path, against=_older()).read_text()
    changes = _section(text, "changes")
    assert "older-run" in changes
    assert re.search(r"claim-nar2018step.ex2\".*?status .*?confirmed.*?&#8594;.*?refuted",
                     changes, re.S)
    assert "claim definition (statement, hypotheses or check parameters) changed" in changes
    assert "<code>orbit_exists</code>: check code changed since the older run" in changes
    assert "new in this run" in changes and "<code>gone.claim</code>" in changes
    assert "smith2020.lem1" not in changes
    ex2 = _section(text, "claim-nar2018step.ex2")
    assert '<span class="badge b-changed">was confirmed</span>' in ex2
    assert "check code changed since the older run" in _section(text, "claim-nar2018step.ex1")
    ids = re.findall(r'\bid="([^"]*)"', text)
    assert set(re.findall(r'href="#([^"]*)"', text)) <= set(ids)


def test_against_run_without_hashes_says_so(tmp_path):
    old = make_results()
    for c in old["claims"]:
        c.pop("source_hash")
        for ev in c["evidence"]:
            ev.pop("check_hash")
    text = render_report(make_results(), tmp_path, against=old).read_text()
    assert "The older run recorded no source hashes" in text
    assert "hash not recorded" not in text and "definition" not in _section(text, "changes")
    # One entry without a hash in an older run that records them is flagged as unknown.
    older = make_results()
    older["claims"][0]["evidence"][0].pop("check_hash")
    text = render_report(make_results(), tmp_path / "one", against=older).read_text()
    assert "<code>orbit_exists</code>: check code hash not recorded in one of the runs" in text


def test_cli_report_against(tmp_path, capsys):
    new, old = tmp_path / "new", tmp_path / "old"
    new.mkdir()
    old.mkdir()
    (new / "results.json").write_text(json.dumps(make_results()))
    (old / "results.json").write_text(json.dumps(_older()))
    assert main(["report", str(new / "results.json"), "--against",
                 str(old / "results.json")]) == 0
    assert "b-changed" in (new / "index.html").read_text()
    capsys.readouterr()
    # --against a file of another kind or schema: one line, exit 2, no traceback.
    for content, needle in ((json.dumps({"schema_version": 9, "claims": []}), "schema version 9"),
                            (json.dumps({"hello": 1}), "not a results.json"),
                            ("{oops", "not valid JSON")):
        (old / "results.json").write_text(content)
        assert main(["report", str(new / "results.json"), "--against",
                     str(old / "results.json")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err
    assert main(["report", str(new / "results.json"), "--against", str(tmp_path)]) == 2
    assert "is a folder" in capsys.readouterr().err


# ---------------------------------------------------------------- source hashes


def _factory(deltas: tuple[float, ...]) -> Check:
    def run(ctx):
        return Finding(Outcome.SUPPORTS, f"{len(deltas)} step sizes")
    return Check("demo", Tier.PRECISE, run, "demo scope")


def _factory_changed(deltas: tuple[float, ...]) -> Check:
    def run(ctx):
        return Finding(Outcome.SUPPORTS, f"{len(deltas) + 0} step sizes")
    return Check("demo", Tier.PRECISE, run, "demo scope")


def _demo_claim(check: Check, hypotheses=None) -> Claim:
    return Claim("demo.claim", Reference("demo", "Lemma 1"), "x^2 >= 0",
                 hypotheses or {"x": "real"}, "x^2 >= 0", (check,))


def test_source_hashes_follow_code_and_data():
    base = _factory((0.1, 0.5))
    assert check_hash(base) == check_hash(_factory((0.1, 0.5)))
    assert check_hash(base) == check_hash(_factory((0.2,)))  # same code, other data
    assert check_hash(base) != check_hash(_factory_changed((0.1, 0.5)))  # other code
    claim = claim_hash(_demo_claim(base))
    assert claim == claim_hash(_demo_claim(_factory((0.1, 0.5))))
    assert claim != claim_hash(_demo_claim(_factory((0.2,))))  # captured parameters
    assert claim != claim_hash(_demo_claim(base, {"x": "positive"}))  # hypotheses


def test_registry_hashes_are_stable_and_transitive():
    from verify.registry import all_claims

    claims = all_claims()
    first = [(claim_hash(c), [check_hash(ch) for ch in c.checks]) for c in claims]
    assert first == [(claim_hash(c), [check_hash(ch) for ch in c.checks]) for c in claims]
    hashes = {h for _, hs in first for h in hs}
    assert len(hashes) > 3 and all(re.fullmatch(r"[0-9a-f]{16}", h) for h in hashes)


def test_a_captured_module_hashes_by_name_not_by_path():
    """A check whose closure holds a module (nar2018step.cor1_amended's former certified check) hashed
    the module's repr, which holds the checkout's path: the claim missed the cache in every other
    folder.  A module is its name."""
    import types

    from verify.results import _stable

    here, there = types.ModuleType("proofs.x"), types.ModuleType("proofs.x")
    here.__file__, there.__file__ = "/a/proofs/x.py", "/b/proofs/x.py"
    assert _stable(here) == _stable(there) == "module proofs.x"
    assert _stable(here) != _stable(types.ModuleType("proofs.y"))


def test_claim_record_carries_hashes_scope_and_source():
    check = _factory((0.1,))
    claim = _demo_claim(check)
    ev = Evidence("demo", Tier.PRECISE, Outcome.SUPPORTS, "ok", {}, None, "replay", "0.001")
    record = claim_record(ClaimResult(claim, Status.CONFIRMED, (ev,), 0.01))
    assert record["source_hash"] == claim_hash(claim) and record["source"] is None
    assert record["evidence"][0]["check_hash"] == check_hash(check)
    assert record["evidence"][0]["scope"] == "demo scope"


# ---------------------------------------------------------------- figures and layering


def test_parse_number_and_filename():
    assert parse_number("1e-3") == 1e-3
    assert parse_number("nan") is None and parse_number("-inf") is None
    assert parse_number("") is None and parse_number(None) is None and parse_number(True) is None
    assert parse_number("1e999") is None
    assert figure_filename("a b/c:d.e-f_g") == "a_b_c_d.e-f_g.png"


def test_log_axis_shows_the_meaningful_range(tmp_path):
    """Underflowed values (1e-315) are left out of a log axis, a span beyond MAX_DECADES is
    clipped, and the notes (the caption) say both."""
    from verify.report.figures import MAX_DECADES

    ys = ["1e13", "1e5", "1", "1e-10", "1e-25", "1e-300", "1e-315", "0"]
    spec = {"id": "f", "yscale": "log",
            "series": [{"label": "s", "x": [str(k) for k in range(len(ys))], "y": ys}]}
    res = draw_figure(spec, tmp_path / "f.png")
    notes = "; ".join(res.notes)
    assert res.path is not None and "2 of 8 points left out" in notes and "underflowed" in notes
    assert f"{MAX_DECADES} decades below the largest value (1e+13); 2 points below" in notes


def test_figure_bytes_do_not_depend_on_figures_drawn_before(tmp_path):
    """The mathtext parses shared between figures (figures._share_mathtext_cache) leave every
    PNG byte for byte as drawn first: a figure drawn again after others is the same file."""
    def spec(top: str, title: str) -> dict:
        return {"id": "f", "yscale": "log", "xscale": "log", "title": title,
                "series": [{"label": "$\\delta^2$", "x": ["1e-3", "1", "1e3"],
                            "y": ["1e-9", "1", top]}]}

    first = draw_figure(spec("1e9", "$\\eta < 2/\\lambda$"), tmp_path / "a1.png").path
    draw_figure(spec("1e20", "other $\\delta$"), tmp_path / "b.png")
    again = draw_figure(spec("1e9", "$\\eta < 2/\\lambda$"), tmp_path / "a2.png").path
    assert first.read_bytes() == again.read_bytes()


def test_png_compression_keeps_the_pixels(tmp_path, monkeypatch):
    """The fast zlib level (figures.PNG_COMPRESSION) draws the same pixels as PIL's default."""
    import matplotlib.image

    from verify.report import figures

    spec = {"id": "f", "yscale": "log", "title": "$\\eta < 2/\\lambda$",
            "series": [{"label": "s", "x": ["1", "2", "3"], "y": ["1e-9", "1", "1e9"]}]}
    fast = draw_figure(spec, tmp_path / "fast.png").path
    monkeypatch.setattr(figures, "PNG_COMPRESSION", 6)
    default = draw_figure(spec, tmp_path / "default.png").path
    assert fast.read_bytes() != default.read_bytes()
    assert (matplotlib.image.imread(fast) == matplotlib.image.imread(default)).all()


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
    assert {p.name for p in files} >= {"__init__.py", "html.py", "figures.py", "maths.py"}
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


# ---------------------------------------------------------------- a full run


@pytest.mark.slow
def test_full_run_report(tmp_path):
    """A full run's report (``$VERIFY_FULL_RESULTS``, a results.json, else a fresh full run of
    about five minutes): index.html under 1.5 MB, every refuted and error claim in the failures
    table, every statement typeset with nothing raw left."""
    import os
    import subprocess
    import sys

    given = os.environ.get("VERIFY_FULL_RESULTS")
    if given:
        results = json.loads(Path(given).read_text())
    else:
        subprocess.run([sys.executable, "-m", "verify", "run", "--out", str(tmp_path / "run"),
                        "--no-progress"], check=True, cwd=ROOT, capture_output=True)
        results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["run"]["quick"] is False
    index = render_report(results, tmp_path / "report")
    assert index.stat().st_size < 1_500_000
    text = index.read_text()
    failures = _section(text, "failures").split('id="controls-table"')[0]
    listed = re.findall(r'<td class="loc"><a href="#claim-([^"]*)">', failures)
    assert listed == [c["id"] for c in results["claims"]
                      if c["status"] in ("refuted", "error") and not c["control"]]
    for c in results["claims"]:
        row = re.search(rf'<tr[^>]*data-paper[^>]*><td class="loc"[^>]*><a href="#claim-'
                        rf'{re.escape(c["id"])}">.*?<td class="stmt">(.*?)</td>', text, re.S)
        assert row, c["id"]
        cell = re.sub(r'<div class="amend-note">.*?</div>', "", row.group(1), flags=re.S)
        assert not _statement_leftovers(cell), (c["id"], _statement_leftovers(cell))
        if re.search(r"[\^_]|\|\|", c["statement"]):
            assert "<math" in cell, c["id"]
