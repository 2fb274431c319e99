"""Render a parsed ``results.json`` (schema version 1) as one self-contained HTML page.

:func:`render_report` writes ``out_dir/index.html`` (and each figure also as
``out_dir/figures/<figure>.svg``).  The page stands alone: inline CSS, figures and typeset
formulas inlined as SVG, one short inline script (filtering; everything works without it), no
network.  It answers, for each claim, "does it hold, how do you know, how do I re-check it":

1. header: what was checked (papers, claim files, selection) and with what (versions, git sha,
   seed, precision, run time);
2. summary by paper: counts per status, each a link to the list of those claims;
3. with ``against`` (an older run): claims whose status changed, evidence whose source changed;
4. a referee's table per paper: locator, statement, status, strongest tier, amendments beneath
   the claim they amend;
5. the ten slowest claims;
6. a section per claim: statement, hypotheses, why the status, evidence table, counterexamples
   with replay commands, figures.

Every string taken from the results is escaped.  The renderer is tolerant: missing keys get
defaults, values of the wrong type are shown as text, a figure that cannot be drawn becomes a
note; it raises only on I/O errors writing ``out_dir``.  The same input gives the same bytes.
"""

from __future__ import annotations

import re
from html import escape
from pathlib import Path

from .diff import ClaimChange, Comparison, EvidenceChange, compare, evidence_keys
from .figures import FigureResult, draw_figure, figure_filename
from .maths import MathRenderer
from .style import CSS, SCRIPT
from .util import (
    STATUSES, Ids, as_dict, as_float, as_list, badge, esc, present, status_of, text, truthy,
)

SLOWEST = 10
NUMBERS_IN_TABLE = 3
CONTROLS = "negative-controls"
CONTROLS_TITLE = "Negative controls (deliberately false; must be refuted)"
AMENDED = "amended"
TIER_MEANING = {
    "symbolic": "exact (SymPy) for every member of the family it names",
    "certified": "proved on a whole box with ball arithmetic (Arb)",
    "precise": "mpmath at high precision on a finite set of cases",
    "empirical": "float64 gradient-descent runs (can refute, never prove)",
}

_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_SVG_ID = re.compile(r'\bid="([^"]*)"')
_DASH = "&#8212;"


def _inline_svg(path: Path, prefix: str, label: str) -> str:
    """The SVG file's markup for inlining: prolog stripped, ids made unique on the page."""
    svg = _PROLOG.sub("", path.read_text(encoding="utf-8"), count=1)
    ids = set(_SVG_ID.findall(svg))
    if ids:
        svg = _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', svg)
        svg = re.sub(
            r'(href=")#([^"]*)"',
            lambda m: f'{m.group(1)}#{prefix}{m.group(2)}"' if m.group(2) in ids else m.group(0),
            svg,
        )
        svg = re.sub(
            r"url\(#([^)]*)\)",
            lambda m: f"url(#{prefix}{m.group(1)})" if m.group(1) in ids else m.group(0),
            svg,
        )
    attrs = f'<svg role="img" aria-label="{escape(label, quote=True)}"'
    return re.sub(r"<svg\b", lambda _: attrs, svg, count=1).strip()


def _kv(rows: list[tuple[str, str]]) -> str:
    """A two-column table; values are HTML already."""
    body = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _unknown(value: object) -> str:
    return esc(value) if present(value) else '<span class="muted">unknown</span>'


class _Renderer:
    def __init__(self, results: object, out_dir: Path, against: object = None) -> None:
        self.results = as_dict(results)
        self.fig_dir = Path(out_dir) / "figures"
        self.math = MathRenderer()
        self.ids = Ids()
        self.figure_files: set[str] = set()
        for fixed in ("top", "summary", "lists", "changes", "filter", "papers", "slowest",
                      "claims", "summary-table"):
            self.ids.new(fixed)
        raw = as_list(self.results.get("claims"))
        self.claims: list[dict] = [c for c in raw if isinstance(c, dict)]
        self.skipped_claims = len(raw) - len(self.claims)
        self.anchor: list[str] = []
        self.by_id: dict[str, int] = {}
        for i, c in enumerate(self.claims):
            cid = text(c.get("id"))
            self.anchor.append(self.ids.new(f"claim-{cid}" if cid else f"claim-unnamed-{i + 1}"))
            if cid and cid not in self.by_id:
                self.by_id[cid] = i
        self.papers_info = as_dict(self.results.get("papers"))
        # Groups: one per paper key in order of appearance, negative controls last.
        self.groups: dict[str, list[int]] = {}
        for i in range(len(self.claims)):
            self.groups.setdefault(self._group(i), []).append(i)
        if CONTROLS in self.groups:
            self.groups[CONTROLS] = self.groups.pop(CONTROLS)
        self.statuses = list(STATUSES) + sorted(
            {status_of(c.get("status")) for c in self.claims} - set(STATUSES))
        self.group_anchor = {g: self.ids.new(f"paper-{g}") for g in self.groups}
        self.status_anchor = {s: self.ids.new(f"status-{s}") for s in [*self.statuses, AMENDED]}
        self.list_anchor = {(g, s): self.ids.new(f"list-{g}-{s}")
                            for g in self.groups for s in [*self.statuses, AMENDED]}
        self.cmp: Comparison | None = None
        if isinstance(against, dict):
            self.cmp = compare(self.results, against)

    # -- facts about the claims

    def _group(self, i: int) -> str:
        c = self.claims[i]
        if truthy(c.get("control")):
            return CONTROLS
        return text(c.get("paper")) or "(no paper)"

    def _group_title(self, g: str) -> str:
        if g == CONTROLS:
            return CONTROLS_TITLE
        citation = text(as_dict(self.papers_info.get(g)).get("citation"))
        return f"{g}: {citation}" if citation else g

    def _status(self, i: int) -> str:
        return status_of(self.claims[i].get("status"))

    def _count(self, s: str, groups: list[str]) -> int:
        """How many claims of these groups have status ``s``."""
        return sum(1 for g in groups for i in self.groups[g] if self._status(i) == s)

    def _cid(self, i: int) -> str:
        return text(self.claims[i].get("id")) or f"(claim {i + 1} without id)"

    def _link(self, i: int) -> str:
        return f'<a href="#{self.anchor[i]}">{escape(self._cid(i))}</a>'

    def _amend_target(self, i: int) -> int | None:
        target = self.claims[i].get("amends")
        if not present(target):
            return None
        j = self.by_id.get(text(target))
        return None if j is None or j == i else j

    def _amends_html(self, i: int) -> str:
        j = self._amend_target(i)
        if j is not None:
            return self._link(j)
        target = self.claims[i].get("amends")
        return (f'<span class="mono">{esc(target)}</span> '
                '<span class="muted">(not in this run)</span>')

    def _amendments(self, g: str) -> list[int]:
        return [i for i in self.groups.get(g, []) if present(self.claims[i].get("amends"))]

    def _change(self, i: int) -> ClaimChange | None:
        if self.cmp is None:
            return None
        return self.cmp.claims.get(text(self.claims[i].get("id")))

    def _change_flags(self, i: int) -> str:
        """Badges saying how a claim differs from the older run (empty without one)."""
        ch = self._change(i)
        if ch is None:
            return ""
        out = []
        if ch.old_status is None:
            out.append('<span class="badge b-changed">new claim</span>')
        elif ch.status_changed:
            out.append(f'<span class="badge b-changed">was {escape(ch.old_status)}</span>')
        if ch.source_changed:
            out.append('<span class="flag">claim definition changed</span>')
        n_code = sum(1 for e in ch.evidence.values() if e.code_changed)
        if n_code:
            out.append(f'<span class="flag">check code changed ({n_code})</span>')
        return " " + " ".join(out) if out else ""

    # -- header

    def header(self) -> str:
        run = as_dict(self.results.get("run"))
        env = as_dict(self.results.get("environment"))
        name = text(run.get("name")) or "verification run"
        out = [f'<header id="top"><h1>Verification report: {escape(name)}</h1>']
        version = self.results.get("schema_version")
        if text(version) != "1":
            out.append(
                f'<p class="note">results.json schema_version is {esc(version) or "missing"}; '
                "this page was rendered by a version-1 renderer and may be incomplete.</p>"
            )
        n_claims = sum(len(m) for g, m in self.groups.items() if g != CONTROLS)
        n_ctrl = len(self.groups.get(CONTROLS, []))
        papers = [g for g in self.groups if g != CONTROLS]
        counts = ", ".join(
            f"{n} {s}" for s in self.statuses
            if (n := self._count(s, papers))
        )
        out.append(
            f'<p class="lead">{n_claims} claim{"s" * (n_claims != 1)} from {len(papers)} '
            f'source{"s" * (len(papers) != 1)}'
            + (f" and {n_ctrl} negative control{'s' * (n_ctrl != 1)}" if n_ctrl else "")
            + f", checked {_unknown(run.get('started'))} in {_unknown(run.get('seconds'))} s"
            + (f": {escape(counts)}." if counts else ".")
            + "</p>"
        )
        checked = []
        for g in papers:
            info = as_dict(self.papers_info.get(g))
            url = text(info.get("url"))
            cite = esc(info.get("citation"))
            if re.match(r"https?://", url, re.IGNORECASE):
                cite += f' <a href="{escape(url, quote=True)}">{escape(url)}</a>'
            checked.append((g, f'{cite} &middot; <a href="#{self.group_anchor[g]}">'
                               f"{len(self.groups[g])} claim{'s' * (len(self.groups[g]) != 1)}"
                               "</a>"))
        files = sorted({text(c.get("source")) for c in self.claims if present(c.get("source"))})
        if files:
            checked.append(("claim files", ", ".join(f"<code>{escape(f)}</code>" for f in files)))
        sel = run.get("selection")
        sel_s = ", ".join(text(x) for x in as_list(sel)) if isinstance(sel, list) else text(sel)
        checked.append(("selection", escape(sel_s) or "all registered claims"))
        if "quick" in run:
            checked.append(("budgets", "quick (smaller budgets)" if truthy(run.get("quick"))
                            else "full"))
        for key, label in (("only_check", "only the check"), ("at", "replay point")):
            if present(run.get(key)) and run.get(key) != {}:
                checked.append((label, f"<code>{esc(run.get(key))}</code> (a partial replay: "
                                       "statuses rest on it alone)"))
        checked.append(("command", f"<code>{esc(run.get('command'))}</code>"))
        out.append("<h3>What was checked</h3>" + _kv(checked))

        sha = env.get("git_sha")
        sha_html = f"<code>{esc(sha)}</code>" if present(sha) else _unknown(sha)
        if env.get("git_dirty") is True:
            sha_html += ' <span class="flag">uncommitted changes</span>'
        libs, prec = env.get("libraries"), env.get("precision")
        with_what = [
            ("started", _unknown(run.get("started"))),
            ("run time", f"{_unknown(run.get('seconds'))} s"),
            ("git sha", sha_html),
            ("seed", _unknown(env.get("seed"))),
            ("precision", ", ".join(f"{esc(k)} = {esc(v)}" for k, v in prec.items())
             if isinstance(prec, dict) else _unknown(prec)),
            ("python", _unknown(env.get("python"))),
            ("platform", _unknown(env.get("platform"))),
            ("libraries", ", ".join(f"{esc(k)} {esc(v)}" for k, v in libs.items())
             if isinstance(libs, dict) else _unknown(libs)),
        ]
        known = {"python", "platform", "libraries", "git_sha", "git_dirty", "seed", "precision"}
        with_what += [(text(k), esc(v)) for k, v in env.items() if k not in known]
        known_run = {"name", "started", "seconds", "command", "quick", "selection", "only_check",
                     "at"}
        with_what += [(text(k), esc(v)) for k, v in run.items() if k not in known_run]
        out.append("<h3>With what</h3>" + _kv(with_what))
        if self.cmp is not None:
            old = self.cmp.old_run
            old_sha = text(self.cmp.old_environment.get("git_sha"))
            out.append(
                f'<p class="note">Compared with the older run <strong>{esc(old.get("name"))}'
                f"</strong> (started {_unknown(old.get('started'))}, git sha "
                f"<code>{escape(old_sha) or 'unknown'}</code>): see "
                '<a href="#changes">Changes since the older run</a>.'
                + (" The two runs used different budgets (quick and full), so outcomes may "
                   "differ for that reason alone."
                   if "quick" in old and "quick" in run
                   and truthy(old.get("quick")) != truthy(run.get("quick")) else "")
                + "</p>"
            )
        toc = [("summary", "Summary"), ("papers", "Claims by paper"),
               ("slowest", "Slowest claims"), ("claims", "Claim details")]
        if self.cmp is not None:
            toc.insert(1, ("changes", "Changes"))
        out.append('<nav class="toc">' + "".join(f'<a href="#{a}">{t}</a>' for a, t in toc)
                   + "</nav></header>")
        return "\n".join(out)

    # -- summary by paper, and the lists it links to

    def summary(self) -> str:
        cols = [*self.statuses, AMENDED]
        head = "".join(f'<th class="num">{badge(s) if s != AMENDED else _amended_badge()}</th>'
                       for s in cols)
        out = ['<section id="summary"><h2>Summary by paper</h2>',
               f'<table id="summary-table"><tr><th>paper</th>{head}'
               '<th class="num">total</th></tr>']

        def members(g: str, s: str) -> list[int]:
            if s == AMENDED:
                return self._amendments(g)
            return [i for i in self.groups[g] if self._status(i) == s]

        def cell(idx: list[int], anchor: str, s: str) -> str:
            if not idx:
                return f'<td class="num zero" data-count="{escape(s)}">0</td>'
            return (f'<td class="num" data-count="{escape(s)}"><a href="#{anchor}">'
                    f"{len(idx)}</a></td>")

        papers = [g for g in self.groups if g != CONTROLS]
        for g in papers:
            cells = "".join(cell(members(g, s), self.list_anchor[(g, s)], s) for s in cols)
            out.append(f'<tr class="paper" data-group="{escape(g)}"><td>'
                       f'<a href="#{self.group_anchor[g]}">{escape(g)}</a></td>{cells}'
                       f'<td class="num">{len(self.groups[g])}</td></tr>')
        totals = "".join(
            cell([i for g in papers for i in members(g, s)], self.status_anchor[s], s)
            for s in cols
        )
        n_plain = sum(len(self.groups[g]) for g in papers)
        out.append(f'<tr class="total"><th>all papers</th>{totals}'
                   f'<th class="num">{n_plain}</th></tr>')
        if CONTROLS in self.groups:
            cells = "".join(cell(members(CONTROLS, s), self.list_anchor[(CONTROLS, s)], s)
                            for s in cols)
            out.append(f'<tr class="controls" data-group="{CONTROLS}"><td><a href="#'
                       f'{self.group_anchor[CONTROLS]}">negative controls</a></td>{cells}'
                       f'<td class="num">{len(self.groups[CONTROLS])}</td></tr>')
        out.append("</table>")
        out.append(f'<p class="muted">{_amended_badge()} counts the claims that correct a '
                   "printed claim; each is also counted under its own status. Every count "
                   "links to the list of those claims.</p>")
        out.append(self._controls_line())
        out.append(self._recorded_summary_check(papers))
        out.append(self._lists(cols, members))
        out.append("</section>")
        return "\n".join(x for x in out if x)

    def _controls_line(self) -> str:
        ctrl = self.groups.get(CONTROLS, [])
        if not ctrl:
            return '<p class="controls-line muted">negative controls: none in this run</p>'
        k = sum(1 for i in ctrl if self._status(i) == "refuted")
        out = [f'<p class="controls-line"><strong>negative controls: {k}/{len(ctrl)} refuted as '
               "expected</strong></p>"]
        missed = [i for i in ctrl if self._status(i) != "refuted"]
        if missed:
            items = "".join(f"<li>{self._link(i)}: {badge(self._status(i))}</li>" for i in missed)
            out.append('<div class="warn">Negative controls that were <em>not</em> refuted '
                       f"(the suite failed to catch a deliberately false claim):<ul>{items}</ul>"
                       "</div>")
        if self.skipped_claims:
            out.append(f'<p class="note">{self.skipped_claims} entr'
                       f'{"y" if self.skipped_claims == 1 else "ies"} of "claims" are not '
                       "objects and were left out.</p>")
        return "".join(out)

    def _recorded_summary_check(self, papers: list[str]) -> str:
        """A note when the summary stored in results.json disagrees with the claims."""
        recorded = self.results.get("summary")
        if recorded is None:
            return ""
        if not isinstance(recorded, dict):
            return '<p class="note">The recorded summary is not an object; ignored.</p>'
        diffs = []
        for s in sorted(set(self.statuses) | {status_of(k) for k in recorded}):
            have = self._count(s, papers)
            rv = recorded.get(s)
            if rv is None:
                if have:
                    diffs.append(f"{s}: missing (claims give {have})")
            elif as_float(rv) != have:
                diffs.append(f"{s}: {text(rv)} (claims give {have})")
        if not diffs:
            return ""
        return ('<p class="note">The summary recorded in results.json disagrees with the claims; '
                "the counts above are computed from the claims. Recorded: "
                f"{escape('; '.join(diffs))}.</p>")

    def _lists(self, cols: list[str], members) -> str:
        """Per status, the claims of each paper; the "all papers" count links to the papers'
        lists together, the controls' own list sits apart (as in the summary table)."""
        out = ['<section id="lists" class="lists"><h3>Claims by status</h3>']
        for s in cols:
            groups = [g for g in self.groups if members(g, s)]
            n = sum(len(members(g, s)) for g in groups if g != CONTROLS)
            n_ctrl = len(members(CONTROLS, s)) if CONTROLS in self.groups else 0
            title = badge(s) if s != AMENDED else _amended_badge()
            count = f"{n} claim{'s' * (n != 1)}" + (
                f", {n_ctrl} negative control{'s' * (n_ctrl != 1)}" if n_ctrl else "")
            out.append(f"<section><h4>{title} {count if groups else 'none'}</h4>"
                       f'<div id="{self.status_anchor[s]}">')
            for g in groups:
                if g == CONTROLS:
                    out.append("</div>")  # the controls' list is not part of "all papers"
                items = []
                for i in members(g, s):
                    c = self.claims[i]
                    extra = f' <span class="muted">{esc(c.get("where"))}</span>'
                    if s == AMENDED:
                        extra += (f" &#8212; amends {self._amends_html(i)}, "
                                  f"now {badge(self._status(i))}")
                    items.append(f"<li>{self._link(i)}{extra}</li>")
                out.append(f'<div id="{self.list_anchor[(g, s)]}"><p><strong>'
                           f"{escape(self._group_title(g))}</strong></p>"
                           f'<ul class="claimlist">{"".join(items)}</ul></div>')
            if CONTROLS not in groups:
                out.append("</div>")
            out.append("</section>")
        out.append("</section>")
        return "\n".join(out)

    # -- changes since an older run

    def changes(self) -> str:
        if self.cmp is None:
            return ""
        cmp = self.cmp
        out = ['<section id="changes"><h2>Changes since the older run</h2>']
        if not cmp.hashes_recorded:
            out.append('<p class="note">The older run recorded no source hashes, so changed '
                       "check or claim sources cannot be told apart; only statuses and outcomes "
                       "are compared.</p>")
        rows = []
        for i in range(len(self.claims)):
            ch = self._change(i)
            if ch is None or not ch.flagged:
                continue
            what = []
            if ch.old_status is None:
                what.append("new in this run")
            elif ch.status_changed:
                what.append(f"status {badge(ch.old_status)} &#8594; {badge(ch.new_status)}")
            if ch.source_changed:
                what.append("claim definition (statement, hypotheses or check parameters) "
                            "changed")
            for (check, k), e in ch.evidence.items():
                what += [f"<code>{escape(check)}</code>{f' #{k}' if k > 1 else ''}: {w}"
                         for w in _evidence_change_words(e)]
            rows.append(f"<tr><td>{self._link(i)}</td><td>{'<br>'.join(what)}</td></tr>")
        if rows:
            out.append("<table><tr><th>claim</th><th>what changed</th></tr>" + "".join(rows)
                       + "</table>")
        else:
            out.append("<p>No claim changed status, and no check or claim source changed.</p>")
        if cmp.removed:
            items = "".join(f"<li><code>{escape(cid)}</code> (was {badge(s)})</li>"
                            for cid, s in cmp.removed)
            out.append(f"<p>Claims of the older run that are not in this one:</p><ul>{items}</ul>")
        out.append("</section>")
        return "\n".join(out)

    # -- filter form (scripts only) and the referee's tables

    def filter_form(self) -> str:
        status_opts = "".join(f'<option value="{escape(s)}">{escape(s)}</option>'
                              for s in self.statuses)
        paper_opts = "".join(
            f'<option value="{escape(g)}">{escape("negative controls" if g == CONTROLS else g)}'
            "</option>" for g in self.groups)
        return ('<form id="filter" class="filter" hidden><strong>Show</strong> '
                f'<label>status <select name="status"><option value="">any</option>{status_opts}'
                f'</select></label><label>paper <select name="paper"><option value="">any'
                f"</option>{paper_opts}</select></label>"
                '<button type="reset">show all</button></form>')

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

    def _statement_html(self, c: dict) -> str:
        latex = c.get("latex")
        if isinstance(latex, str) and latex.strip():
            svg = self.math.formula(latex.strip().strip("$"), text(c.get("statement")) or latex)
            if svg:
                return svg
        return self.math.prose(text(c.get("statement")))

    def papers(self) -> str:
        out = ['<section id="papers"><h2>Claims by paper</h2>']
        if not self.groups:
            out.append('<p class="muted">No claims in this run.</p>')
        for g, members in self.groups.items():
            out.append(f'<section id="{self.group_anchor[g]}"><h3>'
                       f"{escape(self._group_title(g))}</h3>")
            out.append('<table class="referee"><tr><th>where (claim)</th><th>statement</th>'
                       '<th>status</th><th>strongest tier</th><th class="num">seconds</th></tr>')
            for i, depth in self._ordered(members):
                c = self.claims[i]
                amend, cls = "", ""
                if present(c.get("amends")):
                    cls = ' class="amend"'
                    reason = text(c.get("amend_reason"))
                    amend = (f'<div class="amend-note">&#8627; amends {self._amends_html(i)}'
                             + (f": {self.math.prose(reason)}" if reason else "") + "</div>")
                pad = f' style="padding-left:{0.5 + 1.2 * depth:.1f}em"' if depth else ""
                tier = c.get("strongest_tier")
                where = esc(c.get("where")) or escape(self._cid(i))
                # The id breaks after its dots in a narrow column.
                cid = escape(self._cid(i)).replace(".", ".<wbr>")
                out.append(
                    f'<tr{cls} data-status="{escape(self._status(i))}" '
                    f'data-paper="{escape(g)}"><td class="loc"{pad}>'
                    f'<a href="#{self.anchor[i]}">{where}</a><div class="cid">{cid}</div></td>'
                    f'<td class="stmt">{amend}{self._statement_html(c)}</td>'
                    f"<td>{badge(self._status(i))}{self._change_flags(i)}</td>"
                    f"<td>{esc(tier) if present(tier) else _DASH}</td>"
                    f'<td class="num">{esc(c.get("seconds"))}</td></tr>'
                )
            out.append("</table></section>")
        out.append("</section>")
        return "\n".join(out)

    def slowest(self) -> str:
        timed = [(s, i) for i, c in enumerate(self.claims)
                 if (s := as_float(c.get("seconds"))) is not None]
        timed.sort(key=lambda t: (-t[0], t[1]))
        out = ['<section id="slowest"><h2>Slowest claims</h2>']
        if not timed:
            out.append('<p class="muted">No claim records its time.</p></section>')
            return "\n".join(out)
        out.append('<table class="kv"><tr><th class="num">#</th><th>claim</th><th>status</th>'
                   '<th class="num">seconds</th></tr>')
        for rank, (_, i) in enumerate(timed[:SLOWEST], 1):
            out.append(f'<tr><td class="num">{rank}</td><td>{self._link(i)}</td>'
                       f"<td>{badge(self._status(i))}</td>"
                       f'<td class="num">{esc(self.claims[i].get("seconds"))}</td></tr>')
        out.append("</table></section>")
        return "\n".join(out)

    # -- one claim

    def _why(self, i: int, evidence: list[dict]) -> str:
        """One paragraph: the status and the evidence it rests on, in words."""
        c = self.claims[i]
        s = self._status(i)

        def names(outcome: str, attempts: bool | None = None) -> list[dict]:
            return [e for e in evidence if status_of(e.get("outcome")) == outcome
                    and (attempts is None or truthy(e.get("attempt")) == attempts)]

        def listing(evs: list[dict]) -> str:
            return ", ".join(f"<code>{esc(e.get('check'))}</code> ({esc(e.get('tier'))})"
                             for e in evs)

        tier = text(c.get("strongest_tier"))
        meaning = TIER_MEANING.get(tier, "")
        if s == "refuted":
            refs = names("refutes")
            line = (f"<strong>Refuted.</strong> {listing(refs)} found a counterexample, "
                    "re-evaluated at high precision (below, with the command that replays it).")
        elif s == "error":
            errs = names("error")
            line = (f"<strong>Error.</strong> {listing(errs)} raised; no verdict. "
                    + escape("; ".join(text(e.get("detail")) for e in errs)[:400]))
        elif s == "not-checkable":
            line = (f"<strong>Not checkable as printed:</strong> {esc(c.get('not_checkable'))}. "
                    + (f"Reduced check{'s' * (len(evidence) != 1)} run instead: "
                       f"{listing(evidence)}." if evidence else "No reduced check was run."))
        elif s == "confirmed":
            sup = names("supports")
            line = (f"<strong>Confirmed.</strong> Every check supports it ({listing(sup)}); the "
                    f"strongest is <em>{escape(tier)}</em>"
                    + (f": {escape(meaning)}." if meaning else "."))
        elif s == "inconclusive":
            und = names("undecided", attempts=False) or names("undecided")
            line = (f"<strong>Inconclusive.</strong> {listing(und) or 'no check'} could not "
                    "decide; nothing refutes it.")
        else:
            line = f"Status <strong>{escape(s)}</strong>."
        passed = names("undecided", attempts=True)
        if passed and s != "inconclusive":
            line += (f" Undecided proof attempt{'s' * (len(passed) != 1)} passed over: "
                     f"{listing(passed)}.")
        return f'<p class="why">{line}</p>'

    def _counterexample(self, cex: object) -> str:
        if not isinstance(cex, dict):
            return f'<div class="cex"><p>Falsifying example: {esc(cex)}</p></div>'
        at = cex.get("at")
        if isinstance(at, dict):
            where = ", ".join(f"{text(k)}={text(v)}" for k, v in at.items()) or "(no parameters)"
        else:
            where = text(at) or "(no point recorded)"
        line = f"observed {text(cex.get('observed')) or '?'} vs claimed " \
               f"{text(cex.get('claimed')) or '?'}"
        if present(cex.get("tol")):
            line += f" \u00b1 {text(cex.get('tol'))}"
        rows = [("falsifying example", f"<code>{escape(where)}</code>"),
                ("observed vs claimed", escape(line))]
        if present(cex.get("margin")):
            dps = cex.get("dps")
            rows.append(("high-precision margin",
                         f"<code>{esc(cex.get('margin'))}</code>"
                         + (f" ({esc(dps)} digits)" if present(dps) else "")))
        if present(cex.get("note")):
            rows.append(("what fails", esc(cex.get("note"))))
        lines = [f"Falsifying example: at {where}", line]
        if present(cex.get("margin")):
            lines.append(f"high-precision margin {text(cex.get('margin'))}"
                         + (f" ({text(cex.get('dps'))} digits)" if present(cex.get("dps")) else ""))
        # The table reads well; the plain lines are what a reviewer pastes into a review.
        return (f'<div class="cex"><h5>Counterexample</h5>{_kv(rows)}'
                "<details><summary>as text, for a review</summary>"
                f'<pre class="plain">{escape(chr(10).join(lines))}</pre></details></div>')

    def _figure(self, spec: object, n: int, claim_anchor: str) -> str:
        sd = as_dict(spec)
        fid = text(sd.get("id")) or f"{claim_anchor}-figure-{n}"
        fname = figure_filename(fid)
        stem = fname[: -len(".svg")]
        base, k = stem, 1
        while fname in self.figure_files:
            k += 1
            stem = f"{base}-{k}"
            fname = stem + ".svg"
        self.figure_files.add(fname)
        title, caption = text(sd.get("title")), text(sd.get("caption"))
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
                body = _inline_svg(result.path, self.ids.new(f"svg-{stem}") + "-", title or fid)
            except (OSError, UnicodeDecodeError) as exc:
                notes.append(f"figure file could not be read back ({type(exc).__name__})")
        fig_anchor = self.ids.new(f"figure-{stem}")
        cap = [f"<strong>{escape(title or fid)}</strong>"]
        if caption:
            cap.append(f" {escape(caption)}")
        if notes:
            cap.append(f'<br><span class="fig-notes">Notes: {escape("; ".join(notes))}.</span>')
        if not body:
            body = f'<p class="note">Figure {escape(fid)} could not be drawn.</p>'
        return f'<figure id="{fig_anchor}">{body}<figcaption>{"".join(cap)}</figcaption></figure>'

    def _numbers_cell(self, nums: object, detail_anchor: str) -> str:
        if not isinstance(nums, dict):
            return esc(nums) if nums not in (None, {}, "", []) else ""
        items = list(nums.items())
        # "+1 more" would take the line the one number needs.
        cut = NUMBERS_IN_TABLE if len(items) > NUMBERS_IN_TABLE + 1 else len(items)
        shown = "".join(f"<div>{esc(k)} = {esc(v)}</div>" for k, v in items[:cut])
        more = len(items) - cut
        if more > 0:
            shown += f'<div><a href="#{detail_anchor}">+{more} more</a></div>'
        return f'<div class="nums mono">{shown}</div>'

    def _evidence(self, i: int, evidence: list, a: str) -> list[str]:
        out = ["<h4>Evidence</h4>"]
        if not evidence:
            out.append('<p class="muted">No evidence recorded.</p>')
            return out
        ch = self._change(i)
        keys = evidence_keys(evidence)
        ev_anchor = [self.ids.new(f"{a}--ev-{n}") for n in range(1, len(evidence) + 1)]
        out.append("<table><tr><th>check</th><th>tier</th><th>outcome</th><th>detail</th>"
                   '<th>key numbers</th><th class="num">seconds</th></tr>')
        for n, ev in enumerate(evidence):
            if not isinstance(ev, dict):
                out.append(f'<tr><td colspan="6" class="detail">malformed evidence entry: '
                           f"{esc(ev)}</td></tr>")
                continue
            check = text(ev.get("check")) or f"evidence {n + 1}"
            flags = ""
            if ch is not None and keys[n] in ch.evidence:
                words = _evidence_change_words(ch.evidence[keys[n]])
                flags = "".join(f'<br><span class="flag">{w}</span>' for w in words)
            attempt = ' <span class="muted">(proof attempt)</span>' if truthy(ev.get("attempt")) \
                else ""
            out.append(
                f'<tr><td><a href="#{ev_anchor[n]}">{escape(check)}</a>{attempt}{flags}</td>'
                f"<td>{esc(ev.get('tier')) or _DASH}</td><td>{badge(ev.get('outcome'))}</td>"
                f'<td class="detail">{esc(ev.get("detail"))}</td>'
                f'<td class="numbers">{self._numbers_cell(ev.get("numbers"), ev_anchor[n])}</td>'
                f'<td class="num">{esc(ev.get("seconds"))}</td></tr>'
            )
        out.append("</table>")
        for n, ev in enumerate(evidence):
            if not isinstance(ev, dict):
                continue
            check = text(ev.get("check")) or f"evidence {n + 1}"
            out.append(f'<div class="evidence" id="{ev_anchor[n]}"><h4>{escape(check)} '
                       f"{badge(ev.get('outcome'))} "
                       f'<span class="muted">{esc(ev.get("tier"))}</span></h4>')
            if present(ev.get("scope")):
                out.append(f'<p class="muted">Scope: {esc(ev.get("scope"))}</p>')
            nums = ev.get("numbers")
            if isinstance(nums, dict) and len(nums) > NUMBERS_IN_TABLE + 1:
                out.append("<details><summary>all key numbers</summary>"
                           + _kv([(text(k), esc(v)) for k, v in nums.items()]) + "</details>")
            if ev.get("counterexample") is not None:
                out.append(self._counterexample(ev.get("counterexample")))
            if present(ev.get("reproduce")):
                label = "Replay this counterexample" if ev.get("counterexample") is not None \
                    else "Re-run this check"
                out.append(f'<p class="cmd-label">{label}:</p>'
                           f'<pre class="cmd"><code>{esc(ev.get("reproduce"))}</code></pre>')
            figs = ev.get("figures")
            for m, spec in enumerate(as_list(figs), 1):
                out.append(self._figure(spec, m, ev_anchor[n]))
            if figs not in (None, []) and not isinstance(figs, (list, tuple)):
                out.append('<p class="note">"figures" is not a list; left out.</p>')
            out.append("</div>")
        return out

    def _claim(self, i: int) -> str:
        c = self.claims[i]
        a = self.anchor[i]
        g = self._group(i)
        out = [f'<section class="claim" id="{a}" data-status="{escape(self._status(i))}" '
               f'data-paper="{escape(g)}">']
        ctrl = ' <span class="badge b-unknown">negative control</span>' if g == CONTROLS else ""
        out.append(f"<h3>{escape(self._cid(i))} {badge(self._status(i))}{ctrl}"
                   f"{self._change_flags(i)}</h3>")
        meta = []
        paper, where, url = text(c.get("paper")), text(c.get("where")), text(c.get("url"))
        if paper or where:
            meta.append(escape(", ".join(x for x in (paper, where) if x)))
        if url:
            meta.append(f'<a href="{escape(url, quote=True)}">{escape(url)}</a>'
                        if re.match(r"https?://", url, re.IGNORECASE) else escape(url))
        if present(c.get("source")):
            meta.append(f"claim file <code>{esc(c.get('source'))}</code>")
        tier = c.get("strongest_tier")
        meta.append(f"strongest tier: {esc(tier) if present(tier) else _DASH}")
        if present(c.get("seconds")):
            meta.append(f"{esc(c.get('seconds'))} s")
        out.append(f'<p class="muted">{" &middot; ".join(meta)}</p>')
        if g == CONTROLS:
            out.append('<p class="note">Negative control: a deliberately false claim; the suite '
                       "must refute it.</p>")
        evidence = as_list(c.get("evidence"))
        out.append(self._why(i, [e for e in evidence if isinstance(e, dict)]))
        out.append("<h4>Statement as printed</h4>")
        out.append(f'<blockquote class="statement">{self._statement_html(c)}</blockquote>')
        if present(c.get("statement")):
            out.append("<details><summary>plain text</summary>"
                       f"<pre>{esc(c.get('statement'))}</pre></details>")
        if present(c.get("asserts")):
            out.append(f"<h4>Asserts</h4><p>{self.math.prose(text(c.get('asserts')))}</p>")
        hyp = c.get("hypotheses")
        out.append("<h4>Hypotheses</h4>")
        if isinstance(hyp, dict):
            out.append(_kv([(text(k), self.math.prose(text(v))) for k, v in hyp.items()])
                       if hyp else '<p class="muted">none</p>')
        else:
            out.append(f"<p>{esc(hyp) or 'none'}</p>")
        if present(c.get("amends")):
            reason = text(c.get("amend_reason"))
            out.append(f"<p><strong>Amends</strong> {self._amends_html(i)}"
                       + (f": {self.math.prose(reason)}" if reason else "") + "</p>")
        amended_by = [k for k in range(len(self.claims)) if self._amend_target(k) == i]
        if amended_by:
            out.append("<p><strong>Amended by</strong> "
                       + ", ".join(f"{self._link(k)} ({badge(self._status(k))})"
                                   for k in amended_by) + "</p>")
        out += self._evidence(i, evidence, a)
        out.append('<p class="no-print"><a href="#top">&#8593; top</a> &middot; '
                   f'<a href="#{self.group_anchor[g]}">{escape(g if g != CONTROLS else "controls")}'
                   "</a></p></section>")
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
        run = as_dict(self.results.get("run"))
        title = f"Verification report: {text(run.get('name')) or 'run'}"
        parts = [self.header(), self.summary(), self.changes(), self.filter_form(),
                 self.papers(), self.slowest(), self.claims_section()]
        return (
            "<!DOCTYPE html>\n"
            '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
            + self.math.glyph_defs() + "\n"
            + "\n".join(p for p in parts if p)
            + f"\n<script>{SCRIPT}</script>\n</body>\n</html>\n"
        )


def _amended_badge() -> str:
    return f'<span class="badge b-{AMENDED}">{AMENDED}</span>'


def _evidence_change_words(e: EvidenceChange) -> list[str]:
    words = []
    if e.new_check:
        words.append("new check since the older run")
    if e.code_changed:
        words.append("check code changed since the older run")
    elif e.code_changed is None:
        words.append("check code hash not recorded in one of the runs")
    if e.old_outcome:
        words.append(f"outcome was {escape(e.old_outcome)}")
    return words


def render_report(results: dict, out_dir: Path, against: dict | None = None) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/figures/*.svg``; return index.html's path.

    Args:
        results: the parsed contents of a ``results.json`` (schema version 1).
        out_dir: the folder to write into (created if missing).
        against: the parsed results of an older run; the page then marks claims whose status
            changed and evidence whose check or claim source changed.

    Returns:
        The path of the written ``index.html``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    page = _Renderer(results, out_dir, against).page()
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8", newline="\n")
    return index
