"""Mathematics in statements, typeset as MathML (copyable, searchable, zoomable text).

Statements are plain text as printed, with TeX-like fragments (``|x|^{3/2}``, ``delta^2/4``,
``x[0]^{L-2} < 2/(L delta)``, ``sum_i``, ``||grad_L R||_F^2``).  :meth:`MathRenderer.prose`
turns such a text into HTML:

- text with ``$...$`` segments: those segments are TeX and are converted as they are;
- otherwise runs of words that form a formula (a word with a superscript or a subscript, a
  relation between formula atoms) are translated to TeX (``delta`` to ``\\delta``, ``^(1/L)`` to
  ``^{1/L}``, ``<=`` to ``\\leq``, ``f_hat`` to ``\\hat{f}``, ...) and converted; Greek names
  elsewhere are shown as Greek letters.

TeX becomes MathML with ``latex2mathml`` (pure Python, maintained, no network, no JavaScript):
MathML is rendered natively by current browsers, and unlike pictures of formulas it can be
selected, copied and searched.  SymPy's MathML printer is not an option here: the report layer
never imports the math stack (DESIGN.md), and the statements are text, not SymPy expressions.
The converter's output is parsed back and rebuilt from a white list of MathML elements and
attributes, so no input (claim files are untrusted) can smuggle markup into the page; whatever
cannot be converted stays escaped plain text.  Each formula keeps its source in ``alttext``.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from html import escape
from pathlib import Path

from latex2mathml.converter import convert

MATHML_NS = "http://www.w3.org/1998/Math/MathML"
MAX_TEX = 2000
"""Longer fragments stay text: a pathological input must not stall the page."""

# MathML Core's presentation elements (what latex2mathml emits and browsers render).
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace msub msup msubsup munder mover munderover mfrac msqrt "
    "mroot mstyle merror mpadded mphantom menclose mtable mtr mtd semantics annotation "
    "mmultiscripts mprescripts none".split())
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence separator accent accentunder movablelimits largeop "
    "symmetric lspace rspace minsize maxsize form linethickness columnalign rowalign "
    "columnspacing rowspacing columnlines rowlines frame width height depth notation "
    "displaystyle scriptlevel open close separators encoding".split())

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
              "exp": r"\exp", "min": r"\min", "max": r"\max", "inf": r"\infty", "oo": r"\infty",
              "grad": r"\nabla", "diag": r"\operatorname{diag}", "det": r"\det",
              "tr": r"\operatorname{tr}"}
_OPERATOR_WORD = re.compile(r"(?<![A-Za-z\\{])(" + "|".join(_OPERATORS) + r")(?![A-Za-z])")
_RELATIONS = (("<=>", r"\Leftrightarrow"), ("=>", r"\Rightarrow"), ("<=", r"\leq"),
              (">=", r"\geq"), ("!=", r"\neq"), ("->", r"\to"), ("+-", r"\pm"),
              ("≤", r"\leq"), ("≥", r"\geq"), ("≠", r"\neq"), ("→", r"\to"))
_SUBSCRIPT_WORD = re.compile(r"(?:(?<![A-Za-z])[A-Za-z]+~?|[)\]|])_[{(\w+-]")
_ACCENTS = {"hat": r"\hat", "bar": r"\bar", "tilde": r"\tilde", "dot": r"\dot"}


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


def _script_arg(ch: str, arg: str) -> str:
    if ch == "_" and len(arg) > 1 and arg.isalpha() and arg not in GREEK \
            and arg not in _ALIASES:
        return rf"\mathrm{{{arg}}}"  # lambda_max: an upright label, not a product
    return arg


def _scripts(s: str) -> str:
    """``^x`` and ``_x`` arguments as TeX groups: ``^(1/L)`` -> ``^{1/L}``, ``^10`` -> ``^{10}``.

    A second subscript joins the first (``f_hat_odd``: one subscript ``hat,odd``), since TeX
    allows one; ``^+`` and ``_+`` (a positive part) are scripts too.
    """
    out: list[str] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch in "^_" and i + 1 < len(s):
            nxt = s[i + 1]
            arg, end = None, -1
            if nxt in "({":
                end = _group(s, i + 1)
                if end > 0:
                    arg = _scripts(s[i + 2:end - 1])
                    if ch == "^" or "," not in arg:
                        arg = re.sub(r"(?<=\w) x (?=\w)", r" \\times ", arg)  # R^{n x m}
            else:
                m = re.match(r"-?[A-Za-z0-9.*]+|[+*-](?![\w(])", s[i + 1:])
                if m:
                    arg, end = _script_arg(ch, m.group(0)), i + 1 + len(m.group(0))
            if arg is not None:
                if ch == "_" and out and out[-1].startswith("_{"):
                    out[-1] = out[-1][:-1] + "," + arg + "}"  # a double subscript joined
                else:
                    out.append(f"{ch}{{{arg}}}")
                i = end
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


def _sqrt_groups(s: str) -> str:
    """``sqrt(x)`` and ``sqrt x`` as ``\\sqrt{x}``."""
    out, i = [], 0
    for m in re.finditer(r"(?<![A-Za-z\\])sqrt\s*", s):
        if m.start() < i:
            continue
        j = m.end()
        if j < len(s) and s[j] == "(":
            end = _group(s, j)
            if end > 0:
                out.append(s[i:m.start()] + r"\sqrt{" + _sqrt_groups(s[j + 1:end - 1]) + "}")
                i = end
                continue
        arg = re.match(r"[A-Za-z0-9.]+", s[j:])
        if arg:
            out.append(s[i:m.start()] + r"\sqrt{" + arg.group(0) + "}")
            i = j + arg.end()
    return "".join(out) + s[i:]


def to_tex(fragment: str) -> str:
    """Translate a plain-text formula (``x[0]^{L-2}``, ``|lam|^(1/L)``) to TeX."""
    s = fragment.replace("**", "^").replace("...", r"\ldots ").replace("||", r"\| ")
    for plain, tex in _RELATIONS:
        s = s.replace(plain, f" {tex} ")
    s = re.sub(r"([#%&$])", r"\\\1", s)
    # Accents: f_hat, W~ (a tilde after a letter: a modified quantity, R~ in wu2019zas).
    s = re.sub(r"(?<![A-Za-z\\])([A-Za-z])_(" + "|".join(_ACCENTS) + r")(?![A-Za-z])",
               lambda m: _ACCENTS[m.group(2)] + "{" + m.group(1) + "}", s)
    s = re.sub(r"(?<![A-Za-z\\])([A-Za-z])~", r"\\tilde{\1}", s)
    s = re.sub(r"\*(?=[A-Za-z0-9(])", r" \\cdot ", s)  # 2*x: a product
    s = s.replace("*", "^{*}")  # w_i*, x1*: a starred (optimal) value
    s = re.sub(r"\^\{\*\}\^", "^{*}{}^", s)
    s = _scripts(s)
    s = _sqrt_groups(s)
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
    """A script (``x^2``, ``W_l``, ``(..)_+``) or a norm (``||x||``) marks a formula."""
    return "^" in core or "||" in core or bool(_SUBSCRIPT_WORD.search(core))


_ATOM = re.compile(
    r"(?:[-+*/=<>!|()\[\]{}.,0-9'~≤≥≠→:\u0391-\u03c9]|(?<![A-Za-z])(?:[A-Za-z]|"
    + "|".join(sorted([*GREEK, *_ALIASES, *_OPERATORS], key=len, reverse=True))
    + r")(?![A-Za-z]))+"
)
_OPERATOR_ONLY = re.compile(r"[-+*/=<>!|,.:;≤≥≠→]+")
_RELATION_ONLY = re.compile(r"(<=>|=>|<=|>=|!=|:=|->|[<>=≤≥≠→])")


def _formula_run(words: list[str], k: int) -> int:
    """The last index of a formula spread over several words from ``words[k]``, else ``k - 1``.

    A run joins words that are formula atoms (operators, numbers, single letters, Greek names:
    ``<``, ``(2/L``, ``delta)``) or carry a script (``x[0]^{L-2}``), and holds at least one of
    the latter or a relation with atoms on both sides (``delta < 2/lambda``); it stops after a
    word that ends a sentence or clause (``.``, ``;``, ``:``).
    """
    if k % 2 or _OPERATOR_ONLY.fullmatch(words[k]):  # a formula does not start with "->"
        return k - 1
    last, mathy, j, atoms_before = k - 1, False, k, 0
    while j < len(words):
        word = words[j]
        core = word.rstrip(",.;:")
        if not core or not (_looks_like_math(core) or _ATOM.fullmatch(core)):
            break
        if _looks_like_math(core):
            mathy = True
        elif _RELATION_ONLY.fullmatch(core) and atoms_before:
            mathy = mathy or "relation"
        if not _OPERATOR_ONLY.fullmatch(core):
            atoms_before += 1
            if mathy:
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


def _clean(node: ET.Element) -> ET.Element | None:
    """A copy of a converted MathML tree holding only white-listed elements and attributes."""
    tag = node.tag.split("}", 1)[-1] if node.tag.startswith("{" + MATHML_NS + "}") else None
    if tag not in _ELEMENTS:
        return None
    out = ET.Element(f"{{{MATHML_NS}}}{tag}",
                     {k: v for k, v in node.attrib.items() if k in _ATTRIBUTES})
    out.text, out.tail = node.text, node.tail
    for child in node:
        kept = _clean(child)
        if kept is None:
            return None
        # An <mrow> around one element groups nothing (the converter wraps every TeX group).
        if kept.tag.endswith("}mrow") and len(kept) == 1 and not (kept.text or "").strip() \
                and not kept.attrib:
            inner, inner.tail = kept[0], kept.tail
            kept = inner
        out.append(kept)
    return out


ET.register_namespace("", MATHML_NS)


class MathRenderer:
    """Typesets formulas as inline MathML; remembers each conversion (statements repeat).

    ``converted`` holds the converter's raw output for TeX an earlier report typeset (see
    :func:`load_conversions`): converting is most of the time a report of cached claims takes,
    and the raw output is white-listed (``_clean``) on every use, so a damaged or doctored
    entry can put nothing but MathML into a page.  :attr:`conversions` is what this report
    converted or reused, for the next one.
    """

    def __init__(self, converted: dict[str, str] | None = None) -> None:
        self._cache: dict[str, str | None] = {}
        self._earlier = converted or {}
        self.conversions: dict[str, str] = {}
        self.formulas = 0
        self.failures = 0

    def formula(self, tex: str, label: str | None = None) -> str | None:
        """Inline ``<math>`` for ``tex`` (without ``$``), or ``None`` if it cannot be converted."""
        if tex not in self._cache:
            self._cache[tex] = self._convert(tex)
        body = self._cache[tex]
        if body is None:
            self.failures += 1
            return None
        self.formulas += 1
        label = escape(label if label is not None else tex, quote=True)
        return f'<math alttext="{label}"' + body[len("<math"):]

    def _convert(self, tex: str) -> str | None:
        if not tex.strip() or len(tex) > MAX_TEX:
            return None
        try:
            raw = self._earlier.get(tex) or convert(tex, display="inline")
            tree = ET.fromstring(raw)
        except Exception:  # noqa: BLE001 - the converter raises many kinds; fall back to text
            return None
        self.conversions[tex] = raw
        clean = _clean(tree)
        if clean is None:
            return None
        clean.attrib.pop("display", None)
        return ET.tostring(clean, encoding="unicode", short_empty_elements=True)

    # -- running text

    def prose(self, s: str) -> str:
        """HTML for a statement: formulas typeset, everything else escaped text."""
        if "$" in s:
            parts = re.split(r"(?<!\\)\$", s)
            if len(parts) % 2 == 1:  # balanced: odd parts are TeX
                out = []
                for k, part in enumerate(parts):
                    if k % 2:
                        math = self.formula(part, f"${part}$")
                        out.append(math if math else f"<code>${escape(part)}$</code>")
                    else:
                        out.append(self._plain_prose(part))
                return "".join(out)
            return escape(s)
        return self._plain_prose(s)

    def _plain_prose(self, s: str) -> str:
        words = re.split(r"(\s+)", s)  # words at even indices, whitespace at odd ones
        out, k = [], 0
        while k < len(words):
            end = _formula_run(words, k)
            if end > k:
                run = "".join(words[k:end + 1])
                lead, core, tail = _split_word(run)
                math = self.formula(to_tex(core), core)
                if math:
                    out.append(f"{escape(plain_text(lead))}{math}{escape(plain_text(tail))}")
                    k = end + 1
                    continue
            out.append(self._word(words[k]) if k % 2 == 0 else words[k])
            k += 1
        return "".join(out)

    def _word(self, word: str) -> str:
        lead, core, tail = _split_word(word)
        math = self.formula(to_tex(core), core) if core and _looks_like_math(core) else None
        if math:
            return f"{escape(plain_text(lead))}{math}{escape(plain_text(tail))}"
        return escape(plain_text(word))


# -- conversions kept between reports

def _converter_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("latex2mathml")
    except metadata.PackageNotFoundError:
        return "unknown"


def load_conversions(path: Path) -> dict[str, str]:
    """The converter's outputs stored at ``path`` by :func:`save_conversions`, if written by
    this version of the converter; anything unreadable is an empty store, never an error."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        entries = data["entries"] if data.get("converter") == _converter_version() else {}
        return {k: v for k, v in entries.items() if isinstance(k, str) and isinstance(v, str)}
    except (OSError, ValueError, TypeError, AttributeError, KeyError):
        return {}


def save_conversions(path: Path, conversions: dict[str, str]) -> None:
    """Store ``conversions`` (one report's: the store never grows past what a report uses),
    replacing the file in one step; a failure to write is ignored (a cache)."""
    path = Path(path)
    text = json.dumps({"converter": _converter_version(), "entries": conversions},
                      sort_keys=True)
    try:  # in one step, so two runs at once never leave half a file (the report's layering
        path.parent.mkdir(parents=True, exist_ok=True)  # keeps verify.runfolder out of here)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent,
                                         prefix=f".{path.name}.", delete=False) as tmp:
            tmp.write(text)
        os.replace(tmp.name, path)
    except OSError:
        pass
