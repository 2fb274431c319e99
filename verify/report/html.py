"""Render a parsed ``results.json`` (schema version 1) as one static HTML page.

:func:`render_report` writes ``out_dir/index.html`` and ``out_dir/figures/<figure>.svg``.
The page is self-contained: inline CSS, the SVG figures inlined, no scripts, no network.
Every string taken from the results is escaped with :func:`html.escape`.

The renderer is tolerant: missing optional keys get defaults, values of the wrong type are
shown as text, a figure that cannot be drawn becomes a short note.  It never raises on odd
data (only on I/O errors writing ``out_dir``).  The same input gives byte-identical output.
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path

from .figures import FigureResult, draw_figure, figure_filename

STATUSES = ("confirmed", "refuted", "inconclusive", "not-checkable", "error")
OUTCOMES = ("supports", "refutes", "undecided", "error")
CONTROLS_TITLE = "Negative controls (deliberately false; must be refuted)"
SLOWEST = 10

_CSS = """
:root { --fg: #1d1f23; --muted: #5b6170; --line: #d9dce3; --bg-alt: #f6f7f9; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
       color: var(--fg); margin: 0 auto; padding: 1.5em 2em 4em; max-width: 1180px; }
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
table { border-collapse: collapse; margin: .5em 0 1em; width: 100%; }
th, td { border: 1px solid var(--line); padding: .3em .5em; text-align: left; vertical-align: top; }
th { background: var(--bg-alt); font-weight: 600; }
table.kv { width: auto; }
table.kv th { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.stmt, td.detail { white-space: pre-wrap; }
tr.amend td:first-child { padding-left: 1.6em; }
.amend-note { color: var(--muted); font-size: .9em; }
.badge { display: inline-block; padding: .05em .55em; border-radius: 999px; font-size: .85em;
         font-weight: 600; white-space: nowrap; border: 1px solid transparent; }
.b-confirmed, .b-supports { background: #dcf3e2; color: #12642c; border-color: #9fd8b0; }
.b-refuted, .b-refutes { background: #fde0df; color: #9b1c1c; border-color: #f2a7a4; }
.b-inconclusive, .b-undecided { background: #fff1cc; color: #7a5600; border-color: #ecd27e; }
.b-not-checkable { background: #e8eaee; color: #454b57; border-color: #c5c9d2; }
.b-error { background: #efe0fb; color: #5b1f8c; border-color: #cfa8ee; }
.b-unknown { background: #fff; color: #454b57; border-color: #c5c9d2; }
.muted { color: var(--muted); }
.note { background: #fff8e1; border-left: 4px solid #e0b000; padding: .4em .8em; margin: .6em 0; }
.warn { background: #fdecec; border-left: 4px solid #c62828; padding: .4em .8em; margin: .6em 0; }
.cex { border-left: 4px solid #c62828; background: #fdf3f3; border-radius: 0 4px 4px 0; }
.claim { border-top: 1px solid var(--line); margin-top: 2.5em; padding-top: .5em; }
.claim > h3 { margin-top: .3em; }
.statement { font-size: 1.05em; white-space: pre-wrap; }
.evidence { margin: 1em 0 1em .8em; padding-left: .8em; border-left: 3px solid var(--line); }
.nums div { white-space: nowrap; }
figure { margin: 1em 0; padding: .5em; border: 1px solid var(--line); border-radius: 4px;
         break-inside: avoid; page-break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; margin: 0 auto; }
figcaption { font-size: .92em; color: var(--muted); margin-top: .4em; }
figcaption strong { color: var(--fg); }
nav.toc { background: var(--bg-alt); border: 1px solid var(--line); padding: .4em .8em;
           border-radius: 4px; }
nav.toc a { margin-right: 1em; }
ul.claimlist { columns: 2; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; color: #000; }
  a { color: #000; text-decoration: none; }
  nav.toc { display: none; }
  th { background: #eee !important; }
  pre, .cex, .note, .warn { background: #f4f4f4 !important; border-color: #888 !important;
                            color: #000; }
  .badge { background: #fff !important; color: #000 !important; border: 1px solid #555 !important; }
  .b-confirmed, .b-supports { background: #e6e6e6 !important; }
  .b-refuted, .b-refutes { background: #555 !important; color: #fff !important; }
  .b-inconclusive, .b-undecided { background: #c8c8c8 !important; }
  .b-error { background: #fff !important; border-style: dashed !important; }
  figure, table, pre, .cex { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, h4 { break-after: avoid; page-break-after: avoid; }
  .claim { break-before: auto; }
}
"""


# --------------------------------------------------------------------------- small helpers


def _s(value: object) -> str:
    """Any JSON value as display text (``None`` as the empty string)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple)):
        try:
            return json.dumps(value, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            pass
    try:
        return str(value)
    except Exception:  # noqa: BLE001
        return "<unprintable>"


def _e(value: object) -> str:
    """Escaped display text."""
    return escape(_s(value), quote=True)


def _d(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def _l(value: object) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def _f(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isnan(f) else f


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True or (isinstance(value, (int, float)) and value == 1)


def _status(value: object) -> str:
    return _s(value).strip().lower().replace("_", "-") or "unknown"


def _badge(value: object) -> str:
    v = _status(value)
    cls = v if v in STATUSES or v in OUTCOMES else "unknown"
    return f'<span class="badge b-{escape(cls)}">{escape(v)}</span>'


def _kv_table(d: dict, empty: str = "none") -> str:
    if not d:
        return f'<span class="muted">{escape(empty)}</span>'
    rows = "".join(f"<tr><th>{_e(k)}</th><td>{_e(v)}</td></tr>" for k, v in d.items())
    return f'<table class="kv">{rows}</table>'


class _Ids:
    """Allocates unique, valid HTML ids."""

    _bad = re.compile(r"[^A-Za-z0-9._:-]")

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, base: str) -> str:
        base = self._bad.sub("_", base) or "x"
        ident, n = base, 1
        while ident in self.used:
            n += 1
            ident = f"{base}-{n}"
        self.used.add(ident)
        return ident


_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_SVG_ID = re.compile(r'\bid="([^"]*)"')


def _inline_svg(path: Path, prefix: str, label: str) -> str:
    """The SVG file's markup for inlining: prolog stripped, ids made unique on the page."""
    text = path.read_text(encoding="utf-8")
    text = _PROLOG.sub("", text, count=1)
    ids = set(_SVG_ID.findall(text))
    if ids:
        text = _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
        text = re.sub(
            r'(href=")#([^"]*)"',
            lambda m: f'{m.group(1)}#{prefix}{m.group(2)}"' if m.group(2) in ids else m.group(0),
            text,
        )
        text = re.sub(
            r"url\(#([^)]*)\)",
            lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1) in ids else m.group(0),
            text,
        )
    attrs = f'<svg role="img" aria-label="{escape(label, quote=True)}"'
    text = re.sub(r"<svg\b", lambda _: attrs, text, count=1)
    return text.strip()


# --------------------------------------------------------------------------- the renderer


class _Renderer:
    def __init__(self, results: object, out_dir: Path) -> None:
        self.results = _d(results)
        self.out_dir = out_dir
        self.fig_dir = out_dir / "figures"
        self.ids = _Ids()
        self.figure_files: set[str] = set()
        for fixed in ("top", "summary", "papers", "slowest", "claims"):
            self.ids.new(fixed)
        raw_claims = _l(self.results.get("claims"))
        self.claims: list[dict] = [c for c in raw_claims if isinstance(c, dict)]
        self.skipped_claims = len(raw_claims) - len(self.claims)
        self.anchor: list[str] = []
        self.by_id: dict[str, int] = {}
        for i, c in enumerate(self.claims):
            cid = _s(c.get("id"))
            self.anchor.append(self.ids.new(f"claim-{cid}" if cid else f"claim-unnamed-{i + 1}"))
            if cid and cid not in self.by_id:
                self.by_id[cid] = i
        self.status_anchor = {s: self.ids.new(f"status-{s}") for s in self._all_statuses()}
        self.control_status_anchor = {
            s: self.ids.new(f"status-{s}-controls") for s in self._all_statuses()
        }

    # -- facts about the claims

    def _all_statuses(self) -> list[str]:
        extra = sorted({_status(c.get("status")) for c in self.claims} - set(STATUSES))
        return list(STATUSES) + extra

    def _cid(self, i: int) -> str:
        return _s(self.claims[i].get("id")) or f"(claim {i + 1} without id)"

    def _link(self, i: int) -> str:
        return f'<a href="#{self.anchor[i]}">{escape(self._cid(i))}</a>'

    def _amend_target(self, i: int) -> int | None:
        target = self.claims[i].get("amends")
        if target is None or target == "":
            return None
        j = self.by_id.get(_s(target))
        return None if j is None or j == i else j

    def _amends_html(self, i: int) -> str:
        target = self.claims[i].get("amends")
        j = self._amend_target(i)
        if j is not None:
            return self._link(j)
        return (
            f'<span class="mono">{_e(target)}</span> <span class="muted">(not in this run)</span>'
        )

    # -- page parts

    def header(self) -> str:
        run = _d(self.results.get("run"))
        env = _d(self.results.get("environment"))
        name = _s(run.get("name")) or "verification run"
        out = [f'<header id="top"><h1>Verification report: {escape(name)}</h1>']
        version = self.results.get("schema_version")
        if _s(version) != "1":
            out.append(
                f'<p class="note">results.json schema_version is {_e(version) or "missing"}; '
                "this page was rendered by a version-1 renderer and may be incomplete.</p>"
            )
        rows = [
            ("started", _e(run.get("started")) or '<span class="muted">unknown</span>'),
            ("total seconds", _e(run.get("seconds")) or '<span class="muted">unknown</span>'),
            ("command", f"<code>{_e(run.get('command'))}</code>"),
        ]
        if "quick" in run:
            rows.append(("quick mode", "yes" if _truthy(run.get("quick")) else "no"))
        if "selection" in run:
            sel = run.get("selection")
            sel_s = ", ".join(_s(x) for x in _l(sel)) if isinstance(sel, (list, tuple)) else _s(sel)
            rows.append(("selection", escape(sel_s) or '<span class="muted">all</span>'))
        known_run = {"name", "started", "seconds", "command", "quick", "selection"}
        rows += [(_s(k), _e(v)) for k, v in run.items() if k not in known_run]
        out.append('<table class="kv">')
        out += [f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows]
        out.append("</table>")

        out.append("<h3>Environment</h3>")
        sha = env.get("git_sha")
        libs = env.get("libraries")
        prec = env.get("precision")
        erows = [
            ("python", _e(env.get("python"))),
            ("platform", _e(env.get("platform"))),
            (
                "libraries",
                ", ".join(f"{_e(k)} {_e(v)}" for k, v in libs.items())
                if isinstance(libs, dict)
                else _e(libs),
            ),
            ("git sha", f"<code>{_e(sha)}</code>" if sha else '<span class="muted">unknown</span>'),
            ("seed", _e(env.get("seed"))),
            (
                "precision",
                ", ".join(f"{_e(k)} = {_e(v)}" for k, v in prec.items())
                if isinstance(prec, dict)
                else _e(prec),
            ),
        ]
        known_env = {"python", "platform", "libraries", "git_sha", "seed", "precision"}
        erows += [(_s(k), _e(v)) for k, v in env.items() if k not in known_env]
        out.append('<table class="kv">')
        out += [f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in erows]
        out.append("</table>")
        out.append(
            '<nav class="toc"><a href="#summary">Summary</a><a href="#papers">Claims by paper</a>'
            '<a href="#slowest">Slowest claims</a><a href="#claims">Claim details</a></nav>'
        )
        out.append("</header>")
        return "\n".join(out)

    def summary(self) -> str:
        statuses = self._all_statuses()
        plain = {s: [] for s in statuses}
        controls = {s: [] for s in statuses}
        for i, c in enumerate(self.claims):
            (controls if _truthy(c.get("control")) else plain)[_status(c.get("status"))].append(i)

        def count_cell(idx: list[int], anchor: str) -> str:
            n = len(idx)
            if not n:
                return '<td class="num">0</td>'
            return f'<td class="num"><a href="#{anchor}">{n}</a></td>'

        out = ['<section id="summary"><h2>Summary</h2>']
        out.append(
            '<table class="kv"><tr><th>status</th><th class="num">claims</th>'
            '<th class="num">negative controls</th></tr>'
        )
        for s in statuses:
            out.append(
                f"<tr><td>{_badge(s)}</td>{count_cell(plain[s], self.status_anchor[s])}"
                f"{count_cell(controls[s], self.control_status_anchor[s])}</tr>"
            )
        n_plain = sum(len(v) for v in plain.values())
        n_ctrl = sum(len(v) for v in controls.values())
        out.append(
            f'<tr><th>total</th><th class="num">{n_plain}</th><th class="num">{n_ctrl}</th></tr>'
            "</table>"
        )
        k = len(controls.get("refuted", []))
        cls = "muted" if n_ctrl == 0 else ("ok" if k == n_ctrl else "warn")
        text = (
            "negative controls: none in this run"
            if n_ctrl == 0
            else f"negative controls: {k}/{n_ctrl} refuted as expected"
        )
        out.append(f'<p class="controls-line {cls}"><strong>{escape(text)}</strong></p>')
        missed = [i for s in statuses if s != "refuted" for i in controls[s]]
        if missed:
            items = "".join(
                f"<li>{self._link(i)}: {_badge(self.claims[i].get('status'))}</li>" for i in missed
            )
            out.append(
                '<div class="warn">Negative controls that were <em>not</em> refuted '
                f"(the suite failed to catch a deliberately false claim):<ul>{items}</ul></div>"
            )
        if self.skipped_claims:
            out.append(
                f'<p class="note">{self.skipped_claims} entr'
                f'{"y" if self.skipped_claims == 1 else "ies"} of "claims" '
                "are not objects and were left out.</p>"
            )

        recorded = self.results.get("summary")
        if isinstance(recorded, dict):
            diffs = []
            for s in sorted(set(statuses) | {_status(k) for k in recorded}):
                if s not in recorded and s not in plain:
                    continue
                rv = recorded.get(s)
                have = len(plain.get(s, [])), len(plain.get(s, [])) + len(controls.get(s, []))
                rn = _f(rv)
                if rv is None:
                    if have[1]:
                        diffs.append(f"{s}: missing (claims give {have[1]})")
                elif rn is None or rn not in have:
                    diffs.append(f"{s}: {_s(rv)} (claims give {have[1]})")
            if diffs:
                out.append(
                    '<p class="note">The summary recorded in results.json disagrees with the '
                    "claims; the counts above are computed from the claims. Recorded: "
                    f"{escape('; '.join(diffs))}.</p>"
                )
        elif recorded is not None:
            out.append('<p class="note">The recorded summary is not an object; ignored.</p>')

        for kind, groups, anchors in (
            ("claims", plain, self.status_anchor),
            ("negative controls", controls, self.control_status_anchor),
        ):
            for s in statuses:
                idx = groups[s]
                title = f"{kind.capitalize()}: {s} ({len(idx)})"
                body = (
                    '<ul class="claimlist">'
                    + "".join(
                        f"<li>{self._link(i)} "
                        f'<span class="muted">{_e(self.claims[i].get("where"))}</span></li>'
                        for i in idx
                    )
                    + "</ul>"
                    if idx
                    else '<p class="muted">none</p>'
                )
                out.append(f'<section id="{anchors[s]}"><h4>{escape(title)}</h4>{body}</section>')
        out.append("</section>")
        return "\n".join(out)

    def _ordered(self, members: list[int]) -> list[tuple[int, int]]:
        """Claims of one group with amendments right under the claim they amend: (index, depth)."""
        in_group = set(members)
        children: dict[int, list[int]] = {}
        roots = []
        for i in members:
            j = self._amend_target(i)
            if j is not None and j in in_group:
                children.setdefault(j, []).append(i)
            else:
                roots.append(i)
        out: list[tuple[int, int]] = []
        seen: set[int] = set()

        def walk(i: int, depth: int) -> None:
            if i in seen:
                return
            seen.add(i)
            out.append((i, depth))
            for k in children.get(i, []):
                walk(k, depth + 1)

        for r in roots:
            walk(r, 0)
        for i in members:  # amendment cycles have no root; keep them anyway
            walk(i, 0)
        return out

    def papers(self) -> str:
        groups: dict[str, list[int]] = {}
        controls: list[int] = []
        for i, c in enumerate(self.claims):
            if _truthy(c.get("control")):
                controls.append(i)
            else:
                groups.setdefault(_s(c.get("paper")) or "(no paper)", []).append(i)
        sections = [(f"Paper: {p}", f"paper-{p}", m) for p, m in groups.items()]
        if controls:
            sections.append((CONTROLS_TITLE, "paper-negative-controls", controls))
        out = ['<section id="papers"><h2>Claims by paper</h2>']
        if not sections:
            out.append('<p class="muted">No claims in this run.</p>')
        for title, base, members in sections:
            out.append(f'<section id="{self.ids.new(base)}"><h3>{escape(title)}</h3>')
            out.append(
                "<table><tr><th>id</th><th>where</th><th>statement</th><th>status</th>"
                '<th>strongest tier</th><th class="num">seconds</th></tr>'
            )
            for i, depth in self._ordered(members):
                c = self.claims[i]
                tier = c.get("strongest_tier")
                amend = ""
                cls = ""
                if c.get("amends") not in (None, ""):
                    cls = ' class="amend"'
                    reason = _s(c.get("amend_reason"))
                    amend = (
                        f'<div class="amend-note">&#8627; amends {self._amends_html(i)}'
                        + (f": {escape(reason)}" if reason else "")
                        + "</div>"
                    )
                pad = f' style="padding-left:{0.5 + 1.2 * depth:.1f}em"' if depth else ""
                out.append(
                    f"<tr{cls}><td{pad}>{self._link(i)}{amend}</td><td>{_e(c.get('where'))}</td>"
                    f'<td class="stmt">{_e(c.get("statement"))}</td>'
                    f'<td>{_badge(c.get("status"))}</td>'
                    f"<td>{_e(tier) if tier not in (None, '') else '&#8212;'}</td>"
                    f'<td class="num">{_e(c.get("seconds"))}</td></tr>'
                )
            out.append("</table></section>")
        out.append("</section>")
        return "\n".join(out)

    def slowest(self) -> str:
        timed = [
            (s, i) for i, c in enumerate(self.claims) if (s := _f(c.get("seconds"))) is not None
        ]
        timed.sort(key=lambda t: (-t[0], t[1]))
        out = ['<section id="slowest"><h2>Slowest claims</h2>']
        if not timed:
            out.append('<p class="muted">No claim records its time.</p></section>')
            return "\n".join(out)
        out.append(
            '<table class="kv"><tr><th class="num">#</th><th>claim</th><th>status</th>'
            '<th class="num">seconds</th></tr>'
        )
        for rank, (_, i) in enumerate(timed[:SLOWEST], 1):
            c = self.claims[i]
            out.append(
                f'<tr><td class="num">{rank}</td><td>{self._link(i)}</td>'
                f'<td>{_badge(c.get("status"))}</td>'
                f'<td class="num">{_e(c.get("seconds"))}</td></tr>'
            )
        out.append("</table></section>")
        return "\n".join(out)

    def _counterexample(self, cex: object) -> str:
        if not isinstance(cex, dict):
            return f'<pre class="cex">Falsifying example: {_e(cex)}</pre>'
        at = cex.get("at")
        if isinstance(at, dict):
            where = ", ".join(f"{_s(k)}={_s(v)}" for k, v in at.items()) or "(no parameters)"
        else:
            where = _s(at) or "(no point recorded)"
        lines = [f"Falsifying example: at {where}"]
        obs, claimed, tol = cex.get("observed"), cex.get("claimed"), cex.get("tol")
        line = f"observed {_s(obs) or '?'} vs claimed {_s(claimed) or '?'}"
        if tol not in (None, ""):
            line += f" \u00b1 {_s(tol)}"
        lines.append(line)
        if cex.get("margin") not in (None, ""):
            dps = cex.get("dps")
            lines.append(
                f"high-precision margin {_s(cex.get('margin'))}"
                + (f" ({_s(dps)} digits)" if dps not in (None, "") else "")
            )
        if cex.get("note"):
            lines.append(_s(cex.get("note")))
        return f'<pre class="cex">{escape(chr(10).join(lines))}</pre>'

    def _figure(self, spec: object, n: int, claim_anchor: str) -> str:
        sd = _d(spec)
        fid = _s(sd.get("id")) or f"{claim_anchor}-figure-{n}"
        fname = figure_filename(fid)
        stem = fname[: -len(".svg")]
        base, k = stem, 1
        while fname in self.figure_files:
            k += 1
            stem = f"{base}-{k}"
            fname = stem + ".svg"
        self.figure_files.add(fname)
        title, caption = _s(sd.get("title")), _s(sd.get("caption"))
        notes: list[str] = []
        if k > 1:
            notes.append(f"figure id {fid!r} is used more than once; saved as {fname}")
        try:
            result = draw_figure(spec, self.fig_dir / fname)
        except Exception as exc:  # noqa: BLE001 - draw_figure should not raise; be sure
            result = FigureResult(None, [f"figure could not be drawn ({type(exc).__name__})"])
        notes += result.notes
        body = ""
        if result.path is not None:
            try:
                body = _inline_svg(
                    result.path, self.ids.new(f"svg-{stem}") + "-", title or fid
                )
            except (OSError, UnicodeDecodeError) as exc:
                notes.append(f"figure file could not be read back ({type(exc).__name__})")
        fig_anchor = self.ids.new(f"figure-{stem}")
        cap = [f"<strong>{escape(title or fid)}</strong>"]
        if caption:
            cap.append(f" {escape(caption)}")
        if result.path is not None:
            cap.append(f' <a href="figures/{escape(fname)}">[svg]</a>')
        if notes:
            cap.append(
                '<br><span class="fig-notes">Notes: ' + escape("; ".join(notes)) + ".</span>"
            )
        if not body:
            body = f'<p class="note">Figure {escape(fid)} could not be drawn.</p>'
        return f'<figure id="{fig_anchor}">{body}<figcaption>{"".join(cap)}</figcaption></figure>'

    def _claim(self, i: int) -> str:
        c = self.claims[i]
        a = self.anchor[i]
        out = [f'<section class="claim" id="{a}">']
        ctrl = ""
        if _truthy(c.get("control")):
            ctrl = ' <span class="badge b-unknown">negative control</span>'
        out.append(f"<h3>{escape(self._cid(i))} {_badge(c.get('status'))}{ctrl}</h3>")
        meta = []
        paper, where, url = _s(c.get("paper")), _s(c.get("where")), _s(c.get("url"))
        if paper or where:
            meta.append(escape(", ".join(x for x in (paper, where) if x)))
        if url:
            if re.match(r"https?://", url, re.IGNORECASE):
                meta.append(f'<a href="{escape(url, quote=True)}">source</a>')
            else:
                meta.append(escape(url))
        tier = c.get("strongest_tier")
        meta.append(f"strongest tier: {_e(tier) if tier not in (None, '') else '&#8212;'}")
        if c.get("seconds") not in (None, ""):
            meta.append(f"{_e(c.get('seconds'))} s")
        out.append(f'<p class="muted">{" &middot; ".join(meta)}</p>')
        if _truthy(c.get("control")):
            out.append(
                '<p class="note">Negative control: a deliberately false claim; the suite must '
                "refute it.</p>"
            )
        out.append(f'<p class="statement">{_e(c.get("statement"))}</p>')
        if c.get("asserts") not in (None, ""):
            out.append(f"<h4>Asserts</h4><pre><code>{_e(c.get('asserts'))}</code></pre>")
        hyp = c.get("hypotheses")
        out.append("<h4>Hypotheses</h4>")
        out.append(_kv_table(hyp) if isinstance(hyp, dict) else f"<p>{_e(hyp) or 'none'}</p>")
        if c.get("not_checkable") not in (None, ""):
            out.append(
                '<p class="note"><strong>Not checkable:</strong> '
                f'{_e(c.get("not_checkable"))}</p>'
            )
        if c.get("amends") not in (None, ""):
            reason = _s(c.get("amend_reason"))
            out.append(
                f"<p><strong>Amends</strong> {self._amends_html(i)}"
                + (f": {escape(reason)}" if reason else "")
                + "</p>"
            )
        amended_by = [k for k in range(len(self.claims)) if self._amend_target(k) == i]
        if amended_by:
            out.append(
                "<p><strong>Amended by</strong> "
                + ", ".join(self._link(k) for k in amended_by)
                + "</p>"
            )

        evidence = _l(c.get("evidence"))
        out.append("<h4>Evidence</h4>")
        if not evidence:
            out.append('<p class="muted">No evidence recorded.</p>')
        else:
            ev_anchor = [self.ids.new(f"{a}--ev-{n}") for n in range(1, len(evidence) + 1)]
            out.append(
                "<table><tr><th>check</th><th>tier</th><th>outcome</th><th>detail</th>"
                '<th>key numbers</th><th class="num">seconds</th></tr>'
            )
            for n, ev in enumerate(evidence):
                e = _d(ev)
                if not isinstance(ev, dict):
                    out.append(
                        '<tr><td colspan="6" class="detail">'
                        f"malformed evidence entry: {_e(ev)}</td></tr>"
                    )
                    continue
                nums = e.get("numbers")
                if isinstance(nums, dict) and nums:
                    ncell = '<div class="nums mono">' + "".join(
                        f"<div>{_e(k)} = {_e(v)}</div>" for k, v in nums.items()
                    ) + "</div>"
                else:
                    ncell = _e(nums) if nums not in (None, {}, "") else ""
                check = _s(e.get("check")) or f"evidence {n + 1}"
                out.append(
                    f'<tr><td><a href="#{ev_anchor[n]}">{escape(check)}</a></td>'
                    f"<td>{_e(e.get('tier')) or '&#8212;'}</td><td>{_badge(e.get('outcome'))}</td>"
                    f'<td class="detail">{_e(e.get("detail"))}</td><td>{ncell}</td>'
                    f'<td class="num">{_e(e.get("seconds"))}</td></tr>'
                )
            out.append("</table>")
            for n, ev in enumerate(evidence):
                if not isinstance(ev, dict):
                    continue
                check = _s(ev.get("check")) or f"evidence {n + 1}"
                out.append(
                    f'<div class="evidence" id="{ev_anchor[n]}"><h4>{escape(check)} '
                    f"{_badge(ev.get('outcome'))}</h4>"
                )
                if ev.get("counterexample") is not None:
                    out.append(self._counterexample(ev.get("counterexample")))
                if ev.get("reproduce") not in (None, ""):
                    out.append(
                        f"<p>Reproduce:</p><pre><code>{_e(ev.get('reproduce'))}</code></pre>"
                    )
                figs = ev.get("figures")
                for m, spec in enumerate(_l(figs), 1):
                    out.append(self._figure(spec, m, ev_anchor[n]))
                if figs not in (None, []) and not isinstance(figs, (list, tuple)):
                    out.append('<p class="note">"figures" is not a list; left out.</p>')
                out.append("</div>")
        out.append(
            '<p><a href="#top">&#8593; top</a> &middot; <a href="#papers">claims by paper</a></p>'
        )
        out.append("</section>")
        return "\n".join(out)

    def claims_section(self) -> str:
        out = ['<section id="claims"><h2>Claim details</h2>']
        for i in range(len(self.claims)):
            try:
                out.append(self._claim(i))
            except Exception as exc:  # noqa: BLE001 - one odd claim must not sink the page
                out.append(
                    f'<section class="claim" id="{self.anchor[i]}"><h3>{escape(self._cid(i))}</h3>'
                    f'<p class="warn">This claim could not be rendered '
                    f"({escape(type(exc).__name__)}: {escape(str(exc)[:300])}).</p></section>"
                )
        if not self.claims:
            out.append('<p class="muted">No claims in this run.</p>')
        out.append("</section>")
        return "\n".join(out)

    def page(self) -> str:
        run = _d(self.results.get("run"))
        title = f"Verification report: {_s(run.get('name')) or 'run'}"
        parts = [
            self.header(), self.summary(), self.papers(), self.slowest(), self.claims_section()
        ]
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
            + "\n".join(parts)
            + "\n</body>\n</html>\n"
        )


def render_report(results: dict, out_dir: Path) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/figures/*.svg``; return index.html's path.

    Args:
        results: the parsed contents of a ``results.json`` (schema version 1).
        out_dir: the folder to write into (created if missing).

    Returns:
        The path of the written ``index.html``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = _Renderer(results, out_dir).page()
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8", newline="\n")
    return index
