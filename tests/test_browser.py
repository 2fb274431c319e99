"""The report as a person sees it: loaded in headless Chromium (Playwright), scripts on.

Checks, on a synthetic run covering every status and on a small real run: the page loads with no
console error and no network request; every internal link points to an existing element; every
figure and formula has rendered with a non-zero size; the summary counts equal the statuses in
results.json; the page fits a 400 px window without scrolling sideways; the filter, the folded
details and the print stylesheet work; the screenshot script writes a complete PNG.

Skipped, with the reason, only when Playwright or Chromium is missing (``.ci/run`` installs
Debian's Chromium; Playwright drives it and downloads no browser).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from verify import results as results_json
from verify.report import render_report

from test_report import _older, make_results

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
from screenshot import Watched, chromium, find_chromium  # noqa: E402

pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install "
                                                  "'.[test]')")
STATUSES = ("confirmed", "refuted", "inconclusive", "not-checkable", "error")
FAST_CLAIMS = ("nar2018resnet.thm2_amended", "controls.chain_half_bound")  # ~1 s, figures

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium found: install Debian's 'chromium' (apt-get install chromium) or set "
           "CHROMIUM=/path/to/chrome to run the browser tests",
)

# Every in-page link and the element it names (missing ones are the failures).
DANGLING_LINKS = """
Array.from(document.querySelectorAll('a[href^="#"]'))
  .map(a => decodeURIComponent(a.getAttribute('href').slice(1)))
  .filter(id => !document.getElementById(id))
"""
# [kind, label, width, height] of every figure and every typeset formula.
RENDERED_SIZES = """
Array.from(document.querySelectorAll('figure img, math')).map(e => {
  const r = e.getBoundingClientRect();
  return [e.tagName.toLowerCase() === 'math' ? 'math' : 'figure',
          e.getAttribute('alttext') || e.getAttribute('alt'), r.width, r.height];
})
"""
# {group: {status: count}} as the summary table shows it.
SUMMARY_COUNTS = """
(() => { const out = {};
  document.querySelectorAll('#summary-table tr.paper, #summary-table tr.total,' +
                            '#summary-table tr.controls').forEach(tr => {
    const counts = {};
    tr.querySelectorAll('td[data-count]').forEach(td => {
      counts[td.dataset.count] = parseInt(td.textContent, 10); });
    out[tr.dataset.group || 'all'] = counts; });
  return out; })()
"""
OPEN_ALL = "document.querySelectorAll('details').forEach(d => d.open = true)"
VISIBLE_CLAIMS = """
Array.from(document.querySelectorAll('details.claim'))
  .filter(s => !s.hidden).map(s => s.dataset.status)
"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def _load(browser, index: Path, width: int = 1280) -> Watched:
    watched = Watched(browser, width=width).load(index)
    watched.page.evaluate(OPEN_ALL)  # sizes are measured on unfolded claims
    watched.page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
    watched.page.wait_for_load_state("networkidle")
    return watched


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthetic")
    data = make_results()
    (out / "results.json").write_text(json.dumps(data))
    return data, render_report(data, out, against=_older())


@pytest.fixture(scope="module")
def real_run(tmp_path_factory):
    """A real (quick) run of two fast claims, through results.build as `verify run` does."""
    from verify.registry import select
    from verify.runner import run_claim

    outcomes = [run_claim(c, seed=0, quick=True, dps=50) for c in select(FAST_CLAIMS)]
    info = {"name": "browser-test", "started": "2026-01-01T00:00:00Z", "seconds": "1.0",
            "quick": True, "selection": list(FAST_CLAIMS), "command": "pytest"}
    data = json.loads(json.dumps(results_json.build(outcomes, info, 0, 50)))
    out = tmp_path_factory.mktemp("real")
    return data, render_report(data, out)


def _expected_counts(data: dict) -> dict[str, dict[str, int]]:
    claims = data["claims"]
    groups = {c["paper"] for c in claims if not c["control"]}
    expected = {g: {s: sum(1 for c in claims if c["paper"] == g and not c["control"]
                           and c["status"] == s) for s in STATUSES} for g in groups}
    expected["all"] = {s: sum(1 for c in claims if not c["control"] and c["status"] == s)
                       for s in STATUSES}
    if any(c["control"] for c in claims):
        expected["negative-controls"] = {
            s: sum(1 for c in claims if c["control"] and c["status"] == s) for s in STATUSES}
    return expected


def _check_page(browser, data: dict, index: Path) -> None:
    load = _load(browser, index)
    assert load.errors == [], load.errors
    assert load.requests == [], f"the page made network requests: {load.requests[:5]}"
    assert load.page.evaluate(DANGLING_LINKS) == []
    sizes = load.page.evaluate(RENDERED_SIZES)
    n_figures = sum(len(ev.get("figures") or []) for c in data["claims"]
                    for ev in c["evidence"])
    assert sum(1 for kind, *_ in sizes if kind == "figure") == n_figures
    empty = [(kind, label) for kind, label, w, h in sizes if not (w > 0 and h > 0)]
    assert not empty, f"rendered with zero size: {empty[:5]}"
    shown = load.page.evaluate(SUMMARY_COUNTS)
    expected = _expected_counts(data)
    assert {g: {s: shown[g][s] for s in STATUSES} for g in shown} == expected


def test_synthetic_report_in_browser(browser, synthetic):
    data, index = synthetic
    _check_page(browser, data, index)
    # Every status of the synthetic run appears in the summary, with a typeset formula.
    assert all(_expected_counts(data)["all"][s] > 0 for s in STATUSES)
    page = _load(browser, index).page
    assert any(kind == "math" for kind, *_ in page.evaluate(RENDERED_SIZES))


def test_fits_a_narrow_window(browser, synthetic, real_run):
    """At 400 px wide (claims unfolded) the page never scrolls sideways: wide tables scroll in
    their own box."""
    for _, index in (synthetic, real_run):
        page = _load(browser, index, width=400).page
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        assert page.evaluate("document.querySelectorAll('.scroll').length") > 0


def test_link_into_a_folded_claim_opens_it(browser, synthetic):
    _, index = synthetic
    page = Watched(browser).load(index).page
    assert page.evaluate("document.getElementById('claim-nar2018step.ex2').open") is False
    page.click("#failures a[href='#claim-nar2018step.ex2']")
    assert page.evaluate("document.getElementById('claim-nar2018step.ex2').open") is True


def test_real_run_report_in_browser(browser, real_run):
    data, index = real_run
    assert {c["status"] for c in data["claims"]} == {"confirmed", "refuted"}
    _check_page(browser, data, index)


def test_filter_by_status_and_paper(browser, synthetic):
    data, index = synthetic
    page = Watched(browser).load(index).page
    assert page.evaluate("document.getElementById('filter').hidden") is False
    pick = """
    (() => { const f = document.getElementById('filter');
      f.elements.status.value = %s; f.elements.paper.value = %s;
      f.dispatchEvent(new Event('change')); })()
    """
    page.evaluate(pick % ("'refuted'", "''"))
    assert sorted(page.evaluate(VISIBLE_CLAIMS)) == sorted(
        c["status"] for c in data["claims"] if c["status"] == "refuted")
    page.evaluate(pick % ("''", "'smith2020'"))
    assert len(page.evaluate(VISIBLE_CLAIMS)) == sum(
        1 for c in data["claims"] if c["paper"] == "smith2020" and not c["control"])
    page.evaluate(pick % ("''", "''"))
    assert len(page.evaluate(VISIBLE_CLAIMS)) == len(data["claims"])


def test_print_stylesheet_hides_navigation(browser, synthetic):
    _, index = synthetic
    page = Watched(browser).load(index).page
    page.emulate_media(media="print")
    shown = page.evaluate(
        "['nav.toc', '#filter'].map(s => getComputedStyle(document.querySelector(s)).display)")
    assert shown == ["none", "none"]
    assert page.evaluate("getComputedStyle(document.querySelector('details.claim'))"
                         ".breakBefore") == "page"


def test_screenshot_script(synthetic, tmp_path):
    _, index = synthetic
    png = tmp_path / "shot.png"
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshot.py"), str(index),
                           str(png), "--open-details"], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    assert "console error" not in proc.stderr and "network request" not in proc.stderr
    # Complete: the full page's height, and the lowest tenth is not blank.
    from matplotlib.image import imread

    pixels = imread(png)
    assert pixels.shape[0] > 2000
    bottom = pixels[int(pixels.shape[0] * 0.9):, :, :3]
    assert bottom.min() < 0.5  # some dark text or lines down there


def test_the_checks_catch_a_broken_page(browser, tmp_path):
    """Negative control: a page with each fault the checks above look for."""
    page = tmp_path / "broken.html"
    page.write_text(
        '<!DOCTYPE html><html><body><a href="#nowhere">x</a>'
        '<img src="http://127.0.0.1:9/x.png" alt="">'  # the discard port: refused at once
        '<script>console.error("boom"); undefined_function();</script></body></html>')
    load = Watched(browser).load(page)
    assert any("boom" in e for e in load.errors)
    assert any("undefined_function" in e for e in load.errors)
    assert load.requests == ["http://127.0.0.1:9/x.png"]
    assert load.page.evaluate(DANGLING_LINKS) == ["nowhere"]
    wide = tmp_path / "wide.html"
    wide.write_text('<!DOCTYPE html><html><body><table><tr><td style="min-width:900px">x</td>'
                    "</tr></table></body></html>")
    assert Watched(browser, width=400).load(wide).page.evaluate(
        "document.documentElement.scrollWidth") > 400
