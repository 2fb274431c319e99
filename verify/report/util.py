"""Tolerant accessors for parsed results.json values, HTML escaping and unique element ids.

The renderer never trusts the shape of its input: these helpers turn whatever a key holds into
display text, a dict, a list or a float, so one odd value cannot sink the page.
"""

from __future__ import annotations

import json
import math
import re
from html import escape

STATUSES = ("confirmed", "refuted", "inconclusive", "not-checkable", "error")
OUTCOMES = ("supports", "refutes", "undecided", "error")


def text(value: object) -> str:
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
    except Exception:  # noqa: BLE001 - a hostile __str__ must not sink the page
        return "<unprintable>"


def esc(value: object) -> str:
    """Escaped display text."""
    return escape(text(value), quote=True)


def as_dict(value: object) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list:
    return list(value) if isinstance(value, (list, tuple)) else []


def as_float(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value.strip() if isinstance(value, str) else value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    return None if math.isnan(f) else f


def truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return value is True or (isinstance(value, (int, float)) and value == 1)


def status_of(value: object) -> str:
    """A status or outcome as its canonical lower-case, hyphenated name."""
    return text(value).strip().lower().replace("_", "-") or "unknown"


def present(value: object) -> bool:
    return value not in (None, "")


def badge(value: object, extra: str = "") -> str:
    v = status_of(value)
    cls = v if v in STATUSES or v in OUTCOMES else "unknown"
    return f'<span class="badge b-{escape(cls)}{extra}">{escape(v)}</span>'


class Ids:
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
