"""The page's inline stylesheet (screen and print) and its one small inline script."""

from __future__ import annotations

CSS = """
:root { --fg: #1d1f23; --muted: #5b6170; --line: #d9dce3; --bg-alt: #f6f7f9; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1.5em 2em 4em; max-width: 1180px;
       overflow-wrap: break-word; }
h1 { font-size: 1.6em; margin: 0 0 .3em; }
h2 { font-size: 1.3em; margin: 2em 0 .5em; border-bottom: 2px solid var(--line);
     padding-bottom: .2em; }
h3 { font-size: 1.1em; margin: 1.5em 0 .4em; }
h4 { font-size: 1em; margin: 1.2em 0 .3em; }
a { color: #1f5fbf; text-decoration: none; }
a:hover { text-decoration: underline; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace;
                   font-size: .9em; }
pre { background: var(--bg-alt); border: 1px solid var(--line); border-radius: 4px;
      padding: .6em .8em; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
pre.cmd { user-select: all; cursor: text; border-left: 4px solid #1f5fbf; }
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
/* Wide tables scroll inside their own box; the page never scrolls sideways. */
.scroll { max-width: 100%; overflow-x: auto; }
.scroll > table { margin: .2em 0 .6em; }
th, td { border: 1px solid var(--line); padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
table.kv { width: auto; }
table.kv th { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.zero { color: #b0b4bd; }
td.detail { white-space: pre-wrap; }
td.stmt { min-width: 16em; }
table.referee td.loc { width: 11em; }
.cid { font-size: .8em; color: var(--muted); }
td.numbers { min-width: 15em; }
math { font-size: 1.08em; }
.small { font-size: .9em; }
tr.amend td { background: #fbfbfd; }
tr.amend td.loc { padding-left: 1.6em; }
.amend-note { color: var(--muted); font-size: .9em; margin-bottom: .3em; }
.badge { display: inline-block; padding: .05em .55em; border-radius: 999px; font-size: .85em;
         font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.b-confirmed, .b-supports { background: #dcf3e2; color: #12642c; border-color: #9fd8b0; }
.b-refuted, .b-refutes { background: #fde0df; color: #9b1c1c; border-color: #f2a7a4; }
.b-inconclusive, .b-undecided { background: #fff1cc; color: #7a5600; border-color: #ecd27e; }
.b-not-checkable { background: #e8eaee; color: #454b57; border-color: #c5c9d2; }
.b-error { background: #efe0fb; color: #5b1f8c; border-color: #cfa8ee; }
.b-unknown, .b-amended { background: #fff; color: #454b57; border-color: #c5c9d2; }
.b-changed { background: #1f5fbf; color: #fff; }
.flag { display: inline-block; font-size: .8em; padding: 0 .4em; border-radius: 3px;
        background: #fff3e0; color: #8a4b00; border: 1px solid #f0c58a; margin: .1em 0; }
.muted { color: var(--muted); }
.lead { font-size: 1.05em; }
.note { background: #fff8e1; border-left: 4px solid #e0b000; padding: .4em .8em; margin: .6em 0; }
.warn { background: #fdecec; border-left: 4px solid #c62828; padding: .4em .8em; margin: .6em 0; }
.why { background: var(--bg-alt); border-left: 4px solid #8a93a6; padding: .4em .8em; }
.cex { border-left: 4px solid #c62828; background: #fdf3f3; border-radius: 0 4px 4px 0;
       padding: .2em .8em; margin: .6em 0; }
.cex table { width: auto; }
details.claim { border: 1px solid var(--line); border-radius: 4px; margin: .4em 0;
                padding: .2em .8em; }
details.claim[open] { padding-bottom: .8em; }
details.claim > summary { color: var(--fg); padding: .25em 0; }
.claim-id { font-weight: 600; overflow-wrap: anywhere; }
.claim:target, tr:target { outline: 2px solid #1f5fbf; outline-offset: 4px; }
table.failures td.reason { min-width: 16em; }
table.failures td.cex-line { min-width: 12em; overflow-wrap: anywhere; }
table.failures code.cmd { display: block; min-width: 16em; overflow-wrap: anywhere;
                          white-space: pre-wrap; user-select: all; }
tr.missed td { background: #fdecec; }
.missed-word { color: #9b1c1c; }
blockquote.statement { margin: .6em 0; padding: .4em .9em; border-left: 4px solid var(--line);
                       font-size: 1.05em; }
.evidence { margin: 1em 0 1em .8em; padding-left: .8em; border-left: 3px solid var(--line); }
.nums { max-width: 26em; }
.nums div { overflow-wrap: anywhere; text-indent: -1em; padding-left: 1em; }
figure { margin: 1em 0; padding: .5em; border: 1px solid var(--line); border-radius: 4px;
         break-inside: avoid; page-break-inside: avoid; }
figure img { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { font-size: .92em; color: var(--muted); margin-top: .4em; }
figcaption strong { color: var(--fg); }
nav.toc { background: var(--bg-alt); border: 1px solid var(--line); padding: .4em .8em;
           border-radius: 4px; }
nav.toc a { margin-right: 1em; }
form.filter { position: sticky; top: 0; z-index: 2; background: #fff; padding: .4em 0;
              border-bottom: 1px solid var(--line); }
form.filter label { margin-right: 1em; }
/* A narrow window (a phone, a split screen): less padding, blocks that fit. */
@media (max-width: 640px) {
  body { padding: .8em .6em 3em; font-size: 14px; }
  td.stmt, td.numbers, table.failures td.reason, table.failures td.cex-line,
  table.failures code.cmd { min-width: 12em; }
  table.referee td.loc { width: auto; }
  blockquote.statement { margin: .4em 0; padding: .3em .5em; }
  .evidence { margin-left: 0; padding-left: .5em; }
  nav.toc a { display: inline-block; }
}
details summary { cursor: pointer; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; color: #000; }
  a { color: #000; text-decoration: none; }
  nav.toc, form.filter, .no-print { display: none !important; }
  [hidden] { display: revert !important; }
  th { background: #eee !important; }
  pre, .cex, .note, .warn, .why { background: #f4f4f4 !important; border-color: #888 !important;
                                  color: #000; }
  pre { white-space: pre-wrap; overflow: visible; }
  .badge { background: #fff !important; color: #000 !important; border: 1px solid #555 !important; }
  .b-refuted, .b-refutes { background: #555 !important; color: #fff !important; }
  .b-inconclusive, .b-undecided { background: #ddd !important; }
  .b-error { border-style: dashed !important; }
  figure, pre, .cex, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  details.claim { break-before: page; page-break-before: always; }
  .scroll { overflow: visible; }
  figure img { max-height: 11cm; width: auto; }
}
"""

# Filtering by status and paper (shown only when scripts run; the page reads fine without),
# a claim's <details> opened when a link points into it, and every <details> opened for printing.
SCRIPT = """
(function () {
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1)), el = id && document.getElementById(id);
    for (var d = el; d; d = d.parentElement) { if (d.tagName === "DETAILS") d.open = true; }
    if (el) el.scrollIntoView();
  }
  window.addEventListener("hashchange", reveal); reveal();
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; }); });
  var f = document.getElementById("filter"); if (!f) return; f.hidden = false;
  function apply() { var s = f.elements.status.value, p = f.elements.paper.value;
    document.querySelectorAll("#papers [data-status]").forEach(function (el) {
      el.hidden = !((!s || el.dataset.status === s) && (!p || el.dataset.paper === p)); }); }
  f.addEventListener("change", apply);
  f.addEventListener("reset", function () { setTimeout(apply); });
})();
"""
