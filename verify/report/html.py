"""Render a parsed ``results.json`` (schema version 1) as an HTML report.

:func:`render_report` writes ``out_dir/index.html`` and each figure as
``out_dir/figures/<figure>.png``.  The page needs no network and no script (one short inline
script adds filtering and opens a claim's details when a link points into it).  Its first
screen answers "what failed and why":

1. a one-line verdict, then counts by paper x status (and x strength when the claims carry one);
2. every refuted and error claim in one table: id, one-line reason, counterexample, replay
   command (negative controls in their own table, marked caught or missed);
3. with ``against`` (an older run): claims whose status changed, evidence whose source changed;
4. per paper: a referee's table (locator, typeset statement, status, strength) and each
   claim's details folded in a ``<details>`` (why the status, hypotheses, evidence,
   counterexamples with replay commands, figures);
5. the slowest claims, then what was checked and with what (versions, git sha, seed, precision).

The markup lives in Jinja2 templates (``templates/``) with autoescaping on, so every string
taken from the results is escaped; only typeset maths (sanitised MathML, see ``maths``) and the
page's own CSS are passed through.  The renderer is tolerant: missing keys get defaults, values
of the wrong type are shown as text, a figure that cannot be drawn becomes a note; it raises
only on I/O errors writing ``out_dir``.  The same input gives the same bytes.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .diff import ClaimChange, Comparison, EvidenceChange, compare, evidence_keys
from .figures import FigureResult, draw_figure_cached, figure_filename, predraw
from .maths import MathRenderer, load_conversions, plain_text, save_conversions
from .style import CSS, SCRIPT
from .util import (
    STATUSES, Ids, as_dict, as_float, as_list, badge, present, status_of, text, truthy,
)

SLOWEST = 10
NUMBERS_IN_TABLE = 3
REASON_CHARS = 220
CONTROLS = "negative-controls"
CONTROLS_TITLE = "Negative controls (deliberately false; must be refuted)"
AMENDED = "amended"
FAILED = ("refuted", "error")
STRENGTH_MEANING = {
    "proven": "an exact or certified proof covers the whole class the claim states",
    "proven-on-instances": "exact or certified on the instances listed, not the whole class",
    "sampled": "high precision or float evaluations at finitely many points: not a proof",
}

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called once before the first claim and after each claim."""

_ENV = Environment(
    loader=PackageLoader("verify.report", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,  # a template naming a missing field is a bug: fail the tests
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_ENV.filters["badge"] = lambda value: Markup(badge(value))
_ENV.filters["wbr"] = lambda value: Markup(".<wbr>").join(text(value).split("."))


def _http(url: str) -> str:
    """The URL when it is an http(s) link (else ``""``: nothing else becomes an href)."""
    return url if re.match(r"https?://", url, re.IGNORECASE) else ""


def _one_line(s: str, limit: int = REASON_CHARS) -> str:
    """The first line of a detail, cut to ``limit`` characters at a word."""
    line = next((ln.strip() for ln in s.splitlines() if ln.strip()), "")
    if len(line) <= limit:
        return line
    return line[:limit].rsplit(" ", 1)[0] + " \u2026"


def _where(at: object) -> str:
    if isinstance(at, dict):
        return ", ".join(f"{text(k)}={text(v)}" for k, v in at.items()) or "(no parameters)"
    return text(at) or "(no point recorded)"


def _covers(coverage: object) -> str:
    """What a piece of evidence covers, in words (results.json's ``coverage``)."""
    if not isinstance(coverage, dict):
        return "not declared"
    covers = coverage.get("covers")
    where = ", ".join(f"{text(k)} {text(v)}" if text(v)[:1] in "=<>!" else
                      f"{text(k)} in {text(v)}" for k, v in covers.items()) \
        if isinstance(covers, dict) else ""
    scope = text(coverage.get("scope"))
    if scope == "sample":
        words = f"{text(coverage.get('points')) or 'some'} points" + (f" of {where}" if where
                                                                       else "")
    else:
        words = f"{scope}: {where}" if where else scope
    if coverage.get("decides") is False:
        part = text(coverage.get("part"))
        words += f" (proves {'the ' + part if part else 'a side fact'} only)"
    return words


def _evidence_change_words(e: EvidenceChange) -> list[str]:
    words = []
    if e.new_check:
        words.append("new check since the older run")
    if e.code_changed:
        words.append("check code changed since the older run")
    elif e.code_changed is None:
        words.append("check code hash not recorded in one of the runs")
    if e.old_outcome:
        words.append(f"outcome was {e.old_outcome}")
    return words


class _Renderer:
    def __init__(self, results: object, out_dir: Path, against: object = None,
                 progress: Progress | None = None, figure_cache: Path | None = None,
                 converted: dict[str, str] | None = None) -> None:
        self.results = as_dict(results)
        self.fig_dir = Path(out_dir) / "figures"
        self.figure_cache = figure_cache
        self.progress = progress
        self.math = MathRenderer(converted)
        self.ids = Ids()
        self.figure_files: set[str] = set()
        for fixed in ("top", "overview", "summary-table", "strength-table", "failures",
                      "controls-table", "changes", "filter", "papers", "slowest", "about"):
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

    def _cid(self, i: int) -> str:
        return text(self.claims[i].get("id")) or f"(claim {i + 1} without id)"

    def _ref(self, i: int) -> dict:
        return {"anchor": self.anchor[i], "id": self._cid(i), "status": self._status(i)}

    def _amend_target(self, i: int) -> int | None:
        target = self.claims[i].get("amends")
        if not present(target):
            return None
        j = self.by_id.get(text(target))
        return None if j is None or j == i else j

    def _amends(self, i: int) -> dict | None:
        c = self.claims[i]
        if not present(c.get("amends")):
            return None
        j = self._amend_target(i)
        reason = text(c.get("amend_reason"))
        return {"target": self._ref(j) if j is not None else None, "id": text(c.get("amends")),
                "reason": Markup(self.math.prose(reason)) if reason else ""}

    def _change(self, i: int) -> ClaimChange | None:
        if self.cmp is None:
            return None
        return self.cmp.claims.get(text(self.claims[i].get("id")))

    def _change_flags(self, i: int) -> list[tuple[str, str]]:
        """(kind, words) saying how a claim differs from the older run ([] without one)."""
        ch = self._change(i)
        if ch is None:
            return []
        out = []
        if ch.old_status is None:
            out.append(("changed", "new claim"))
        elif ch.status_changed:
            out.append(("changed", f"was {ch.old_status}"))
        if ch.source_changed:
            out.append(("flag", "claim definition changed"))
        n_code = sum(1 for e in ch.evidence.values() if e.code_changed)
        if n_code:
            out.append(("flag", f"check code changed ({n_code})"))
        return out

    def _statement(self, c: dict) -> Markup:
        latex = c.get("latex")
        if isinstance(latex, str) and latex.strip():
            math = self.math.formula(latex.strip().strip("$"), text(c.get("statement")) or latex)
            if math:
                return Markup(math)
        return Markup(self.math.prose(text(c.get("statement"))))

    def _evidence_dicts(self, i: int) -> list[dict]:
        return [e for e in as_list(self.claims[i].get("evidence")) if isinstance(e, dict)]

    # -- the first screen: counts, failures, controls

    def _count_rows(self) -> tuple[list[dict], dict | None, dict]:
        cols = [*self.statuses, AMENDED]

        def row(g: str | None, members: list[int]) -> dict:
            counts = {s: sum(1 for i in members if self._status(i) == s) for s in self.statuses}
            counts[AMENDED] = sum(1 for i in members if present(self.claims[i].get("amends")))
            return {"group": g, "anchor": self.group_anchor.get(g, "papers") if g else "papers",
                    "counts": [(s, counts[s]) for s in cols], "total": len(members)}

        papers = [g for g in self.groups if g != CONTROLS]
        rows = [row(g, self.groups[g]) for g in papers]
        total = row(None, [i for g in papers for i in self.groups[g]])
        controls = row(CONTROLS, self.groups[CONTROLS]) if CONTROLS in self.groups else None
        return rows, controls, total

    def _strength_rows(self) -> list[dict]:
        """Counts by (paper, strength) x status, when the claims record a ``strength``."""
        if not any(present(c.get("strength")) for c in self.claims):
            return []
        rows = []
        for g, members in self.groups.items():
            strengths: dict[str, list[int]] = {}
            for i in members:
                strengths.setdefault(text(self.claims[i].get("strength")) or "(none)",
                                     []).append(i)
            for s, idx in strengths.items():
                rows.append({"group": g, "anchor": self.group_anchor[g], "strength": s,
                             "counts": [(st, sum(1 for i in idx if self._status(i) == st))
                                        for st in self.statuses],
                             "total": len(idx)})
        return rows

    def _failure(self, i: int) -> dict:
        """One row of the failures table: what failed, why in one line, where, how to replay."""
        s = self._status(i)
        evidence = self._evidence_dicts(i)
        wanted = "refutes" if s == "refuted" else "error"
        deciding = [e for e in evidence if status_of(e.get("outcome")) == wanted]
        ev = next((e for e in deciding if e.get("counterexample") is not None),
                  deciding[0] if deciding else {})
        reason = _one_line(text(ev.get("detail")))
        if not reason and s == "error":
            reason = _one_line(text(self.claims[i].get("error")))
        cex = ev.get("counterexample")
        if isinstance(cex, dict):
            cex_line = (f"at {_where(cex.get('at'))}: observed {text(cex.get('observed')) or '?'}"
                        f" vs claimed {text(cex.get('claimed')) or '?'}")
        else:
            cex_line = text(cex)
        return {**self._ref(i), "where": text(self.claims[i].get("where")),
                "check": text(ev.get("check")), "reason": reason or "(no detail recorded)",
                "cex": _one_line(cex_line, 2 * REASON_CHARS),
                "replay": text(ev.get("reproduce"))}

    # -- one claim

    def _why(self, i: int, evidence: list[dict]) -> dict:
        c = self.claims[i]

        def names(outcome: str, attempts: bool | None = None) -> list[tuple[str, str]]:
            return [(text(e.get("check")), text(e.get("tier"))) for e in evidence
                    if status_of(e.get("outcome")) == outcome
                    and (attempts is None or truthy(e.get("attempt")) == attempts)]

        return {
            "status": self._status(i), "strength": text(c.get("strength")),
            "strength_basis": text(c.get("strength_basis")),
            "meaning": STRENGTH_MEANING.get(text(c.get("strength")), ""),
            "refutes": names("refutes"), "errors": names("error"),
            "error_detail": "; ".join(text(e.get("detail")) for e in evidence
                                      if status_of(e.get("outcome")) == "error")[:400],
            "supports": names("supports"),
            "undecided": names("undecided", attempts=False) or names("undecided"),
            "all": [(text(e.get("check")), text(e.get("tier"))) for e in evidence],
            "not_checkable": text(c.get("not_checkable")),
            "passed": names("undecided", attempts=True),
        }

    def _counterexample(self, cex: object) -> dict:
        if not isinstance(cex, dict):
            return {"text": text(cex)}
        where = _where(cex.get("at"))
        line = (f"observed {text(cex.get('observed')) or '?'} vs claimed "
                f"{text(cex.get('claimed')) or '?'}")
        if present(cex.get("tol")):
            line += f" \u00b1 {text(cex.get('tol'))}"
        rows = [("falsifying example", where, True), ("observed vs claimed", line, False)]
        lines = [f"Falsifying example: at {where}", line]
        if present(cex.get("margin")):
            dps = f" ({text(cex.get('dps'))} digits)" if present(cex.get("dps")) else ""
            rows.append(("high-precision margin", text(cex.get("margin")) + dps, True))
            lines.append(f"high-precision margin {text(cex.get('margin'))}{dps}")
        if present(cex.get("note")):
            rows.append(("what fails", text(cex.get("note")), False))
        return {"rows": rows, "plain": "\n".join(lines)}

    def _figure(self, spec: object, n: int, owner: str) -> dict:
        sd = as_dict(spec)
        fid = text(sd.get("id")) or f"{owner}-figure-{n}"
        fname = figure_filename(fid)
        stem, suffix = fname.rsplit(".", 1)
        base, k = stem, 1
        while fname in self.figure_files:
            k += 1
            stem = f"{base}-{k}"
            fname = f"{stem}.{suffix}"
        self.figure_files.add(fname)
        notes: list[str] = []
        if k > 1:
            notes.append(f"figure id {fid!r} is used more than once; saved as {fname}")
        try:
            result = draw_figure_cached(spec, self.fig_dir / fname, self.figure_cache)
        except Exception as exc:  # noqa: BLE001 - draw_figure should not raise; be sure
            result = FigureResult(None, [f"figure could not be drawn ({type(exc).__name__})"])
        notes += result.notes
        title = text(sd.get("title"))
        return {"anchor": self.ids.new(f"figure-{stem}"), "id": fid,
                "src": f"figures/{fname}" if result.path is not None else "",
                "size": result.size, "title": plain_text(title), "label": title or fid,
                "caption": text(sd.get("caption")), "notes": "; ".join(notes)}

    def _evidence(self, i: int, a: str) -> list[dict]:
        evidence = as_list(self.claims[i].get("evidence"))
        ch = self._change(i)
        keys = evidence_keys(evidence)
        out = []
        for n, ev in enumerate(evidence):
            if not isinstance(ev, dict):
                out.append({"malformed": text(ev)})
                continue
            anchor = self.ids.new(f"{a}--ev-{n + 1}")
            nums = ev.get("numbers")
            items = [(text(k), text(v)) for k, v in nums.items()] if isinstance(nums, dict) \
                else []
            # "+1 more" would take the line the one number needs.
            cut = NUMBERS_IN_TABLE if len(items) > NUMBERS_IN_TABLE + 1 else len(items)
            figs = ev.get("figures")
            flags = []
            if ch is not None and keys[n] in ch.evidence:
                flags = _evidence_change_words(ch.evidence[keys[n]])
            out.append({
                "anchor": anchor, "check": text(ev.get("check")) or f"evidence {n + 1}",
                "attempt": truthy(ev.get("attempt")), "flags": flags,
                "tier": text(ev.get("tier")), "outcome": ev.get("outcome"),
                "detail": text(ev.get("detail")), "scope": text(ev.get("scope")),
                "covers": _covers(ev.get("coverage")),
                "numbers": items[:cut], "numbers_more": len(items) - cut,
                "all_numbers": items if len(items) > NUMBERS_IN_TABLE + 1 else [],
                "numbers_text": "" if isinstance(nums, dict) or nums in (None, "", [])
                else text(nums),
                "seconds": text(ev.get("seconds")),
                "counterexample": self._counterexample(ev.get("counterexample"))
                if ev.get("counterexample") is not None else None,
                "reproduce": text(ev.get("reproduce")),
                "figures": [self._figure(s, m, anchor) for m, s in enumerate(as_list(figs), 1)],
                "figures_not_list": figs not in (None, []) and not isinstance(figs, (list,
                                                                                       tuple)),
            })
        return out

    def _claim(self, i: int) -> dict:
        c = self.claims[i]
        a = self.anchor[i]
        g = self._group(i)
        hyp = c.get("hypotheses")
        return {
            **self._ref(i), "group": g, "group_anchor": self.group_anchor[g],
            "control": g == CONTROLS, "paper": text(c.get("paper")),
            "where": text(c.get("where")), "url": text(c.get("url")),
            "href": _http(text(c.get("url"))), "source": text(c.get("source")),
            "strength": text(c.get("strength")),
            "seconds": text(c.get("seconds")), "cached": c.get("cached") is True,
            "caveat": text(c.get("caveat")),
            "flags": self._change_flags(i), "statement": self._statement(c), "statement_plain": text(c.get("statement")),
            "asserts": Markup(self.math.prose(text(c.get("asserts"))))
            if present(c.get("asserts")) else "",
            "hypotheses": [(text(k), Markup(self.math.prose(text(v)))) for k, v in hyp.items()]
            if isinstance(hyp, dict) else None,
            "hypotheses_text": "" if isinstance(hyp, dict) else text(hyp),
            "amends": self._amends(i),
            "amended_by": [self._ref(k) for k in range(len(self.claims))
                           if self._amend_target(k) == i],
            "why": self._why(i, self._evidence_dicts(i)),
            "evidence": self._evidence(i, a),
        }

    def _claim_or_note(self, i: int) -> dict:
        try:
            return self._claim(i)
        except Exception as exc:  # noqa: BLE001 - one odd claim must not sink the page
            g = self._group(i)
            return {**self._ref(i), "group": g, "group_anchor": self.group_anchor[g],
                    "control": g == CONTROLS, "where": "", "flags": [], "amends": None,
                    "statement": "", "tier": "", "seconds": "",
                    "broken": f"{type(exc).__name__}: {str(exc)[:300]}"}

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

    # -- the run

    def _about(self) -> tuple[list[tuple[str, object]], list[tuple[str, object]]]:
        """(what was checked, with what) as (label, value) rows; values are text or dicts."""
        run = as_dict(self.results.get("run"))
        env = as_dict(self.results.get("environment"))
        checked: list[tuple[str, object]] = []
        for g in self.groups:
            if g == CONTROLS:
                continue
            info = as_dict(self.papers_info.get(g))
            checked.append((g, {"citation": text(info.get("citation")),
                                "url": _http(text(info.get("url"))),
                                "anchor": self.group_anchor[g], "n": len(self.groups[g])}))
        files = sorted({text(c.get("source")) for c in self.claims if present(c.get("source"))})
        if files:
            checked.append(("claim files", {"files": files}))
        sel = run.get("selection")
        sel_s = ", ".join(text(x) for x in as_list(sel)) if isinstance(sel, list) else text(sel)
        checked.append(("selection", sel_s or "all registered claims"))
        if "quick" in run:
            checked.append(("budgets", "quick (smaller budgets)" if truthy(run.get("quick"))
                            else "full"))
        for key, label in (("only_check", "only the check"), ("at", "replay point")):
            if present(run.get(key)) and run.get(key) != {}:
                checked.append((label, {"code": text(run.get(key)),
                                        "after": " (a partial replay: statuses rest on it alone)"}))
        checked.append(("command", {"code": text(run.get("command"))}))
        sha = env.get("git_sha")
        libs, prec = env.get("libraries"), env.get("precision")
        with_what: list[tuple[str, object]] = [
            ("started", text(run.get("started")) or None),
            ("run time", f"{text(run.get('seconds'))} s" if present(run.get("seconds")) else None),
            ("git sha", {"code": text(sha), "dirty": env.get("git_dirty") is True}
             if present(sha) else None),
            ("seed", text(env.get("seed")) or None),
            ("precision", ", ".join(f"{text(k)} = {text(v)}" for k, v in prec.items())
             if isinstance(prec, dict) else text(prec) or None),
            ("python", text(env.get("python")) or None),
            ("platform", text(env.get("platform")) or None),
            ("libraries", ", ".join(f"{text(k)} {text(v)}" for k, v in libs.items())
             if isinstance(libs, dict) else text(libs) or None),
        ]
        known = {"python", "platform", "libraries", "git_sha", "git_dirty", "seed", "precision"}
        with_what += [(text(k), text(v)) for k, v in env.items() if k not in known]
        known_run = {"name", "started", "seconds", "command", "quick", "selection", "only_check",
                     "at"}
        with_what += [(text(k), text(v)) for k, v in run.items() if k not in known_run]
        return checked, with_what

    def _recorded_summary_diffs(self) -> list[str] | None:
        """Where the summary stored in results.json disagrees with the claims (None: no
        summary recorded, or not an object)."""
        recorded = self.results.get("summary")
        if not isinstance(recorded, dict):
            return None
        papers = [i for g, m in self.groups.items() if g != CONTROLS for i in m]
        diffs = []
        for s in sorted(set(self.statuses) | {status_of(k) for k in recorded}):
            have = sum(1 for i in papers if self._status(i) == s)
            rv = recorded.get(s)
            if rv is None:
                if have:
                    diffs.append(f"{s}: missing (claims give {have})")
            elif as_float(rv) != have:
                diffs.append(f"{s}: {text(rv)} (claims give {have})")
        return diffs

    def _changes(self) -> dict | None:
        if self.cmp is None:
            return None
        rows = []
        for i in range(len(self.claims)):
            ch = self._change(i)
            if ch is None or not ch.flagged:
                continue
            what: list[tuple[str, object]] = []
            if ch.old_status is None:
                what.append(("text", "new in this run"))
            elif ch.status_changed:
                what.append(("status", (ch.old_status, ch.new_status)))
            if ch.source_changed:
                what.append(("text", "claim definition (statement, hypotheses or check "
                                     "parameters) changed"))
            for (check, k), e in ch.evidence.items():
                what += [("check", (check + (f" #{k}" if k > 1 else ""), w))
                         for w in _evidence_change_words(e)]
            rows.append({**self._ref(i), "what": what})
        old = self.cmp.old_run
        run = as_dict(self.results.get("run"))
        return {"rows": rows, "removed": self.cmp.removed,
                "hashes_recorded": self.cmp.hashes_recorded,
                "old_name": text(old.get("name")), "old_started": text(old.get("started")),
                "old_sha": text(self.cmp.old_environment.get("git_sha")),
                "budgets_differ": "quick" in old and "quick" in run
                and truthy(old.get("quick")) != truthy(run.get("quick"))}

    def page(self) -> str:
        run = as_dict(self.results.get("run"))
        total = len(self.claims)
        if self.progress:
            self.progress(0, total)
        details: dict[int, dict] = {}
        for n, i in enumerate(range(total), 1):
            details[i] = self._claim_or_note(i)
            if self.progress:
                self.progress(n, total)
        papers = [g for g in self.groups if g != CONTROLS]
        plain = [i for g in papers for i in self.groups[g]]
        controls = self.groups.get(CONTROLS, [])
        rows, controls_row, total_row = self._count_rows()
        papers_view = []
        for g, members in self.groups.items():
            papers_view.append({
                "group": g, "anchor": self.group_anchor[g], "title": self._group_title(g),
                "control": g == CONTROLS,
                "rows": [{**details[i], "depth": depth} for i, depth in self._ordered(members)],
            })
        checked, with_what = self._about()
        version = self.results.get("schema_version")
        return _ENV.get_template("index.html").render(
            css=Markup(CSS), script=Markup(SCRIPT),
            name=text(run.get("name")) or "verification run",
            schema_note=None if text(version) == "1" else (text(version) or "missing"),
            n_claims=len(plain), n_papers=len(papers), n_controls=len(controls),
            started=text(run.get("started")), seconds=text(run.get("seconds")),
            status_totals=[(s, sum(1 for i in plain if self._status(i) == s))
                           for s in self.statuses],
            statuses=self.statuses, amended=AMENDED,
            count_rows=rows, controls_row=controls_row, total_row=total_row,
            strength_rows=self._strength_rows(),
            failures=[self._failure(i) for i in plain if self._status(i) in FAILED],
            controls=[{**self._failure(i), "caught": self._status(i) == "refuted"}
                      for i in controls],
            skipped_claims=self.skipped_claims,
            summary_diffs=self._recorded_summary_diffs(),
            changes=self._changes(),
            groups=[(g, "negative controls" if g == CONTROLS else g) for g in self.groups],
            papers=papers_view,
            slowest=self._slowest(),
            checked=checked, with_what=with_what,
        )

    def _slowest(self) -> list[dict]:
        timed = [(s, i) for i, c in enumerate(self.claims)
                 if (s := as_float(c.get("seconds"))) is not None]
        timed.sort(key=lambda t: (-t[0], t[1]))
        return [{**self._ref(i), "seconds": text(self.claims[i].get("seconds"))}
                for _, i in timed[:SLOWEST]]


def _figure_specs(results: dict) -> list:
    """Every figure spec of the results, in page order."""
    return [spec for c in as_list(as_dict(results).get("claims")) if isinstance(c, dict)
            for ev in as_list(c.get("evidence")) if isinstance(ev, dict)
            for spec in as_list(ev.get("figures"))]


def _workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def render_report(results: dict, out_dir: Path, against: dict | None = None,
                  progress: Progress | None = None, figure_cache: Path | None = None,
                  workers: int | None = None, conversions: Path | None = None) -> Path:
    """Write ``out_dir/index.html`` and ``out_dir/figures/*.png``; return index.html's path.

    Args:
        results: the parsed contents of a ``results.json`` (schema version 1).
        out_dir: the folder to write into (created if missing).
        against: the parsed results of an older run; the page then marks claims whose status
            changed and evidence whose check or claim source changed.
        progress: called as ``progress(done, total)`` with the number of claims rendered so
            far (drawing figures is most of the time), once with ``done = 0`` first.
        figure_cache: a folder of PNGs drawn earlier, by a hash of their figure's data
            (:func:`~verify.report.figures.draw_figure_cached`); None draws every figure.
        workers: processes that draw the figures first (default: one per core; 1 draws them
            in this process, as the page is written); the page and PNGs do not depend on it.
        conversions: a file of TeX -> MathML conversions kept from the last report
            (:func:`~verify.report.maths.load_conversions`), read and then replaced by this
            report's; None converts every formula.  The page does not depend on it.

    Returns:
        The path of the written ``index.html``.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    workers = _workers() if workers is None else workers
    # Figures are drawn over the cores first (into the cache, or a folder of this render's
    # own when there is none); the page then takes each PNG from there.
    with contextlib.ExitStack() as stack:
        store = figure_cache
        if workers > 1 and store is None:
            store = Path(stack.enter_context(tempfile.TemporaryDirectory(dir=out_dir,
                                                                          prefix=".figures-")))
        if store is not None and workers > 1:
            predraw(_figure_specs(results), store, workers)
        converted = None if conversions is None else load_conversions(conversions)
        renderer = _Renderer(results, out_dir, against, progress, store, converted)
        page = renderer.page()
    if conversions is not None:
        save_conversions(conversions, renderer.math.conversions)
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8", newline="\n")
    return index
