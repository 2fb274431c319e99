"""Replay points (``--at NAME=VALUE,...``): parsed and validated before any check sees them.

A replay value is untrusted command-line text, so it goes through the same safe expression
parser as claim files (:func:`proofs.expressions.parse_number`; nothing is evaluated as code) and
must be finite.  Accepted values:

* a number: ``0.5``, ``-1e-3``, ``1/3``, ``sqrt(2)/2`` (exact; an irrational value is passed on as
  a 60-digit decimal, since the engines read decimal or ``p/q`` strings);
* a matrix of numbers: ``[[1, 0], [0, -1]]``;
* a list of numbers separated by ``;``: ``1;0.5;2`` (an eigenvalue spectrum);
* a label of letters, digits and ``_.-`` (a named sample such as ``s3``).

Commas inside brackets do not split pairs, so a matrix value needs no quoting beyond the shell's.
For a claim with a declared box (claim files), every name must be one of its free parameters and
every value must lie in its interval (a declared matrix of free size takes a matrix value).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import sympy as sp

from proofs.expressions import ExpressionError, parse_number

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_LABEL = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}\Z")
_LITERAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?(/\d{1,400})?\Z")
_NOT_FINITE = {"nan", "inf", "infinity", "oo"}
MAX_TEXT = 10_000


class ReplayError(ValueError):
    """A ``--at`` point that cannot be used: the message names the pair and the problem."""


class ReplayPoint(dict):
    """The validated point; asking for a name it lacks says so (instead of a bare KeyError)."""

    def __missing__(self, key: str):
        given = ", ".join(self) or "nothing"
        raise ReplayError(f"--at must give {key} for this check (given: {given})")


def parse_at(text: str) -> ReplayPoint:
    """``NAME=VALUE,...`` -> a validated point (values normalised to decimal/``p/q`` text).

    Raises:
        ReplayError: malformed pairs, a repeated name, or a value that is not one of the
            accepted forms or not finite.
    """
    if not isinstance(text, str) or not text.strip():
        raise ReplayError("--at wants NAME=VALUE pairs separated by commas")
    if len(text) > MAX_TEXT:
        raise ReplayError(f"--at text is {len(text)} characters long (at most {MAX_TEXT})")
    point = ReplayPoint()
    for part in _split_top_level(text):
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise ReplayError(f"--at wants NAME=VALUE pairs separated by commas, got {part!r}")
        if not _NAME.match(name):
            raise ReplayError(f"--at: {name!r} is not a name (letters, digits and _)")
        if name in point:
            raise ReplayError(f"--at: {name} is given twice")
        point[name] = _value(name, value)
    return point


def check_in_box(point: Mapping[str, str], box: Mapping[str, tuple[str, str]]) -> None:
    """Every name a free parameter of ``box`` and every value inside its closed interval.

    Raises:
        ReplayError: naming the parameter, its value and the interval.
    """
    for name, value in point.items():
        if name not in box:
            known = ", ".join(sorted(box)) or "none"
            raise ReplayError(f"--at: {name} is not a free parameter of this claim "
                              f"(free parameters: {known})")
        if box[name][0] == "matrix":  # a matrix of a claim over matrices of free size
            if not value.startswith("["):
                raise ReplayError(f"--at: {name} is declared {box[name][1]}: give it as a "
                                  "matrix [[a, b], [c, d]]")
            continue
        lo, hi = (sp.Rational(v) for v in box[name])
        number = _exact(value)
        if number is None:
            raise ReplayError(f"--at: {name}={value} is not a number")
        if not lo <= number <= hi:
            raise ReplayError(f"--at: {name}={value} lies outside the claim's interval "
                              f"[{box[name][0]}, {box[name][1]}]")


def _split_top_level(text: str) -> list[str]:
    """Split at commas that are not inside brackets or parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
            if depth < 0:
                raise ReplayError(f"--at: unbalanced brackets in {text!r}")
        elif ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    if depth:
        raise ReplayError(f"--at: unbalanced brackets in {text!r}")
    parts.append(text[start:])
    return parts


def _value(name: str, text: str) -> str:
    if text.lower().lstrip("+-") in _NOT_FINITE:
        raise ReplayError(f"--at: {name}={text} is not finite")
    if text.startswith("["):
        return _matrix(name, text)
    if ";" in text:
        return ";".join(_number(name, v.strip()) for v in text.split(";"))
    if _LABEL.match(text) and not _looks_numeric(text):
        return text
    return _number(name, text)


def _number(name: str, text: str) -> str:
    try:
        value = parse_number(text)
    except ExpressionError as exc:
        raise ReplayError(f"--at: {name}={text}: {exc}") from None
    if _LITERAL.match(text):  # the engines read decimal and p/q text as it is
        return text
    if value.is_Rational:
        return str(value)
    return str(sp.N(value, 60))


def _matrix(name: str, text: str) -> str:
    rows = [r for r in re.findall(r"\[([^\[\]]*)\]", text[1:-1])] if text.endswith("]") else []
    rebuilt = "[" + ", ".join(f"[{r}]" for r in rows) + "]"
    if not rows or re.sub(r"\s", "", rebuilt) != re.sub(r"\s", "", text):
        raise ReplayError(f"--at: {name}={text} is not a matrix [[a, b], [c, d]] of numbers")
    entries = [[_number(name, v.strip()) for v in r.split(",")] for r in rows]
    if len({len(r) for r in entries}) != 1:
        raise ReplayError(f"--at: {name}={text}: rows of different lengths")
    return "[" + ", ".join("[" + ", ".join(r) + "]" for r in entries) + "]"


def _looks_numeric(text: str) -> bool:
    return bool(re.match(r"[+-]?[\d.]", text))


def _exact(value: str) -> sp.Rational | None:
    try:
        return sp.Rational(value)
    except (TypeError, ValueError):
        return None


def parse_matrix(text: str) -> sp.Matrix:
    """An exact matrix from a validated replay value (``[[1, 0], [0, 1/2]]``)."""
    checked = _matrix("matrix", text.strip())
    rows = re.findall(r"\[([^\[\]]*)\]", checked[1:-1])
    return sp.Matrix([[sp.Rational(v.strip()) for v in r.split(",")] for r in rows])
