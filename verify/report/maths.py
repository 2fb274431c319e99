"""Mathematics in statements, typeset offline as inline SVG by matplotlib's mathtext.

Statements are plain text as printed, with TeX-like fragments (``|x|^{3/2}``, ``delta^2/4``,
``x[0]^{L-2} < 2/(L delta)``).  :meth:`MathRenderer.prose` turns such a text into HTML:

- text with ``$...$`` segments: those segments are TeX and are typeset as they are;
- otherwise each word that carries a superscript or a subscript (``^``, or ``_`` after a
  single letter or a Greek name) is translated to mathtext (``delta`` to ``\\delta``,
  ``^(1/L)`` to ``^{1/L}``, ``<=`` to ``\\leq``, ...) and typeset; Greek names elsewhere are
  shown as Greek letters.

Whatever mathtext cannot parse stays plain text, so odd input never fails the page.  Each
typeset formula keeps its source in ``aria-label`` and ``<title>``.  Glyph outlines are shared:
every glyph is defined once in :meth:`MathRenderer.glyph_defs` and formulas ``<use>`` them, which
keeps a page with hundreds of formulas small.
"""

from __future__ import annotations

import re
import warnings
from html import escape

import matplotlib

matplotlib.use("Agg")  # headless; harmless when pyplot is never imported

from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.textpath import text_to_path  # noqa: E402

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
GLYPH_PREFIX = "mg-"
SIZE_PT = 11.5
RC = {"mathtext.fontset": "cm", "svg.fonttype": "path", "svg.hashsalt": "verify-report-math"}

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
         "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi",
         "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Phi", "Psi", "Omega")
_GREEK_CHARS = dict(zip(GREEK, "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΦΨΩ"))
_ALIASES = {"lam": "lambda", "eps": "epsilon"}  # the suite's own short names
_GREEK_WORD = re.compile(
    r"(?<![A-Za-z\\])(" + "|".join(sorted([*GREEK, *_ALIASES], key=len, reverse=True))
    + r")(?![A-Za-z])"
)
_OPERATORS = {"sum": r"\sum", "prod": r"\prod", "sqrt": r"\sqrt", "log": r"\log",
              "exp": r"\exp", "min": r"\min", "max": r"\max", "inf": r"\infty", "oo": r"\infty"}
_OPERATOR_WORD = re.compile(r"(?<![A-Za-z\\{])(" + "|".join(_OPERATORS) + r")(?![A-Za-z])")
_RELATIONS = (("<=>", r"\Leftrightarrow"), ("=>", r"\Rightarrow"), ("<=", r"\leq"),
              (">=", r"\geq"), ("!=", r"\neq"), ("->", r"\to"), ("+-", r"\pm"))
_SUBSCRIPT_WORD = re.compile(
    r"(?<![A-Za-z])([A-Za-z]|" + "|".join([*GREEK, *_ALIASES]) + r")_[{\w]"
)


def _group(s: str, i: int) -> int:
    """Index just past the bracket group opening at ``s[i]`` (or ``-1`` when unbalanced)."""
    close = {"(": ")", "{": "}", "[": "]"}[s[i]]
    depth = 0
    for j in range(i, len(s)):
        if s[j] == s[i]:
            depth += 1
        elif s[j] == close:
            depth -= 1
            if depth == 0:
                return j + 1
    return -1


def _scripts(s: str) -> str:
    """``^x`` and ``_x`` arguments as TeX groups: ``^(1/L)`` -> ``^{1/L}``, ``^10`` -> ``^{10}``."""
    out, i = [], 0
    while i < len(s):
        ch = s[i]
        if ch in "^_" and i + 1 < len(s):
            nxt = s[i + 1]
            if nxt in "({":
                end = _group(s, i + 1)
                if end > 0:
                    inner = _scripts(s[i + 2:end - 1])
                    out.append(f"{ch}{{{inner}}}")
                    i = end
                    continue
            m = re.match(r"-?[A-Za-z0-9.*]+", s[i + 1:])
            if m:
                arg = m.group(0)
                if ch == "_" and len(arg) > 1 and arg.isalpha() and arg not in GREEK:
                    arg = rf"\mathrm{{{arg}}}"  # lambda_max: an upright label, not a product
                out.append(f"{ch}{{{arg}}}")
                i += 1 + len(m.group(0))
                continue
        if ch == "{":  # a brace that opens no script is a set brace: {0, delta^2, ...}
            end = _group(s, i)
            if end > 0:
                out.append(r"\{" + _scripts(s[i + 1:end - 1]) + r"\}")
                i = end
                continue
        out.append(ch)
        i += 1
    return "".join(out)


def to_mathtext(fragment: str) -> str:
    """Translate a plain-text formula (``x[0]^{L-2}``, ``|lam|^(1/L)``) to mathtext."""
    s = fragment.replace("**", "^").replace("...", r"\ldots ")
    for plain, tex in _RELATIONS:
        s = s.replace(plain, f" {tex} ")
    s = re.sub(r"([#%&])", r"\\\1", s)
    s = re.sub(r"\*(?=[A-Za-z0-9(])", r" \\cdot ", s)  # 2*x: a product
    s = s.replace("*", "^{*}")  # w_i*, x1*: a starred (optimal) value
    s = _scripts(s)
    s = _GREEK_WORD.sub(lambda m: "\\" + _ALIASES.get(m.group(1), m.group(1)) + " ", s)
    s = _OPERATOR_WORD.sub(lambda m: _OPERATORS[m.group(1)] + " ", s)
    s = re.sub(r"(?<![A-Za-z\\])([A-Za-z])(\d)(?![\d.])", r"\1_\2", s)  # x0 -> x_0
    return re.sub(r" +", " ", s).strip()


_PLAIN_RELATIONS = (("<=>", "\u21d4"), ("=>", "\u21d2"), ("<=", "\u2264"), (">=", "\u2265"),
                    ("!=", "\u2260"), ("->", "\u2192"), ("+-", "\u00b1"))


def plain_text(s: str) -> str:
    """Running text with Greek names as letters (``delta`` -> δ) and ``<=`` as ≤."""
    for ascii_, char in _PLAIN_RELATIONS:
        s = s.replace(ascii_, char)
    return _GREEK_WORD.sub(lambda m: _GREEK_CHARS[_ALIASES.get(m.group(1), m.group(1))], s)


def _looks_like_math(core: str) -> bool:
    return "^" in core or bool(_SUBSCRIPT_WORD.search(core))


_ATOM = re.compile(
    r"(?:[-+*/=<>!|()\[\]{}.,0-9']|(?<![A-Za-z])(?:[A-Za-z]|"
    + "|".join(sorted([*GREEK, *_ALIASES, *_OPERATORS], key=len, reverse=True))
    + r")(?![A-Za-z]))+"
)


_OPERATOR_ONLY = re.compile(r"[-+*/=<>!|,.:;]+")


def _formula_run(words: list[str], k: int) -> int:
    """The last index of a formula spread over several words from ``words[k]``, else ``k - 1``.

    A run joins words that are formula atoms (operators, numbers, single letters, Greek names:
    ``<``, ``(2/L``, ``delta)``) or carry a script (``x[0]^{L-2}``), holds at least one of the
    latter, and stops after a word that ends a sentence or clause (``.``, ``;``, ``:``).
    """
    if k % 2 or _OPERATOR_ONLY.fullmatch(words[k]):  # a formula does not start with "->"
        return k - 1
    last, scripted, j = k - 1, False, k
    while j < len(words):
        word = words[j]
        core = word.rstrip(",.;:")
        if not core or not (_looks_like_math(core) or _ATOM.fullmatch(core)):
            break
        scripted = scripted or _looks_like_math(core)
        if scripted and not _OPERATOR_ONLY.fullmatch(core):  # nor ends with "/"
            last = j
        if word[len(core):].strip(","):  # the clause ends here
            break
        j += 2
    if last <= k or not _balanced(_split_word("".join(words[k:last + 1]))[1]):
        return k - 1
    return last


def _balanced(s: str) -> bool:
    """Whether every bracket in ``s`` closes, in order."""
    stack = []
    for ch in s:
        if ch in "([{":
            stack.append(")]}"["([{".index(ch)])
        elif ch in ")]}":
            if not stack or stack.pop() != ch:
                return False
    return not stack


def _split_word(word: str) -> tuple[str, str, str]:
    """(lead, core, tail): punctuation around a word that does not belong to its formula."""
    tail = ""
    while word and (word[-1] in ",.;:" or (word[-1] in ")]" and word.count(word[-1])
                                               > word.count("(" if word[-1] == ")" else "["))):
        tail = word[-1] + tail
        word = word[:-1]
    lead = ""
    while word and word[0] in "([" and word.count(word[0]) > word.count(
            ")" if word[0] == "(" else "]"):
        lead += word[0]
        word = word[1:]
    return lead, word, tail


_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]")
_SVG_COMMANDS = {1: "M", 2: "L", 3: "Q", 4: "C"}  # matplotlib Path codes; 79 closes


def _path_data(vertices, codes) -> str:
    """SVG path data for a matplotlib (vertices, codes) outline.

    matplotlib's SVG backend does this in private C++ code; glyph outlines only use move, line,
    quadratic, cubic and close, each code repeated for each of its control points.
    """
    out, k, n = [], 0, len(codes)
    while k < n:
        code = int(codes[k])
        if code == 79:  # CLOSEPOLY (its vertex is ignored)
            out.append("z")
            k += 1
            continue
        points = {1: 1, 2: 1, 3: 2, 4: 3}.get(code, 1)
        coords = " ".join(f"{float(c):.6g}" for v in vertices[k:k + points] for c in v)
        out.append(f"{_SVG_COMMANDS.get(code, 'L')} {coords}")
        k += points
    return " ".join(out)


class MathRenderer:
    """Typesets formulas as inline SVG, sharing glyph outlines across the page."""

    def __init__(self, size_pt: float = SIZE_PT) -> None:
        self.size_pt = size_pt
        self.glyphs: dict[str, str] = {}
        self._cache: dict[str, str | None] = {}

    # -- one formula

    def formula(self, tex: str, label: str | None = None) -> str | None:
        """Inline ``<svg>`` for the mathtext ``tex`` (without ``$``), or ``None`` if it fails."""
        if tex not in self._cache:
            self._cache[tex] = self._typeset(tex)
        body = self._cache[tex]
        if body is None:
            return None
        label = escape(label if label is not None else tex, quote=True)
        body = body.replace("<title></title>", f"<title>{label}</title>", 1)
        return f'<svg class="math" role="img" aria-label="{label}" {body}'

    def _typeset(self, tex: str) -> str | None:
        """The attributes and body of the formula's ``<svg>`` (without its opening ``<svg``)."""
        if not tex.strip() or len(tex) > 2000:
            return None
        size = self.size_pt
        # The math font is a property of the FontProperties (read when it is made), not only rc.
        prop = FontProperties(size=size, math_fontfamily=RC["mathtext.fontset"])
        probe = prop.copy()
        probe.set_size(text_to_path.FONT_SCALE)
        try:
            with warnings.catch_warnings(), matplotlib.rc_context(RC):
                warnings.simplefilter("ignore")
                # Metrics and glyphs as matplotlib's SVG backend gets them (one parse: the
                # second call finds the first in the parser's cache), at 100 pt, scaled down.
                width, height, depth, _, _ = text_to_path.mathtext_parser.parse(
                    f"${tex}$", text_to_path.DPI, probe)
                glyphs, outlines, rects = text_to_path.get_glyphs_mathtext(prop, f"${tex}$")
        except Exception:  # noqa: BLE001 - mathtext raises ValueError and more; fall back
            return None
        if width <= 0 or height <= 0:
            return None
        for glyph_id, (vertices, codes) in outlines.items():
            gid = GLYPH_PREFIX + _ID_UNSAFE.sub("_", glyph_id)
            # Outlines in FreeType's integral units (x64), as matplotlib's SVG backend writes.
            self.glyphs.setdefault(gid, f'<path id="{gid}" transform="scale(0.015625)" '
                                        f'd="{_path_data(vertices * 64, codes)}"/>')
        uses = "".join(
            f'<use xlink:href="#{GLYPH_PREFIX}{_ID_UNSAFE.sub("_", gid)}" '
            f'transform="translate({x:.3f} {y:.3f}) scale({scale:.4g})"/>'
            for gid, x, y, scale in glyphs)
        bars = "".join(f'<path d="{_path_data(v, c)}"/>' for v, c in rects)
        k = size / text_to_path.FONT_SCALE
        w, h, d = width * k, height * k, depth * k
        return (f'width="{w:.2f}pt" height="{h:.2f}pt" viewBox="0 0 {w:.2f} {h:.2f}" '
                f'style="vertical-align:-{d:.2f}pt" xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}">'
                f'<title></title><g transform="translate(0 {h - d:.3f}) scale({k:.5g} {-k:.5g})">'
                f"{uses}{bars}</g></svg>")

    # -- running text

    def prose(self, s: str) -> str:
        """HTML for a statement: formulas typeset, everything else escaped text."""
        if "$" in s:
            parts = re.split(r"(?<!\\)\$", s)
            if len(parts) % 2 == 1:  # balanced: odd parts are TeX
                out = []
                for k, part in enumerate(parts):
                    if k % 2:
                        svg = self.formula(part, f"${part}$")
                        out.append(svg if svg else f"<code>${escape(part)}$</code>")
                    else:
                        out.append(escape(part))
                return "".join(out)
            return escape(s)
        words = re.split(r"(\s+)", s)  # words at even indices, whitespace at odd ones
        out, k = [], 0
        while k < len(words):
            end = _formula_run(words, k)
            if end > k:
                run = "".join(words[k:end + 1])
                lead, core, tail = _split_word(run)
                svg = self.formula(to_mathtext(core), core)
                if svg:
                    out.append(f"{escape(plain_text(lead))}{svg}{escape(plain_text(tail))}")
                    k = end + 1
                    continue
            out.append(self._word(words[k]) if k % 2 == 0 else words[k])
            k += 1
        return "".join(out)

    def _word(self, word: str) -> str:
        lead, core, tail = _split_word(word)
        svg = self.formula(to_mathtext(core), core) if core and _looks_like_math(core) else None
        if svg:
            return f"{escape(plain_text(lead))}{svg}{escape(plain_text(tail))}"
        return escape(plain_text(word))

    def glyph_defs(self) -> str:
        """One hidden ``<svg>`` defining every glyph the page's formulas use."""
        if not self.glyphs:
            return ""
        body = "".join(self.glyphs[k] for k in sorted(self.glyphs))
        return (f'<svg class="glyphs" xmlns="{SVG_NS}" xmlns:xlink="{XLINK_NS}" width="0" '
                f'height="0" aria-hidden="true" focusable="false"><defs>{body}</defs></svg>')
