"""The grep-level test of issue 17: a paper module (``verify/papers/*.py``) builds claims from
check factories and prose; it computes no bound.  A bound is data (``verify/papers/*.toml``) or
lives in a named factory, never in arithmetic or SymPy/numpy/mpmath calls inside a paper module.

Parsed, not run.  String building (``"L in " + str(depths)``, ``%`` formatting, f-strings) is
prose and allowed.  Modules that still compute bounds are listed with the reason they cannot
move yet; they are strict expected failures, so the day one is cleaned up the test says so and
its entry must go.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PAPERS = Path(__file__).resolve().parents[1] / "verify" / "papers"
MATH_MODULES = {"sp", "sympy", "np", "numpy", "mpmath", "math", "flint"}
ARITHMETIC = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Pow, ast.MatMult)

# Modules that still hold bounds, and why (closing notes of issue 17 give the details).
STILL_COMPUTING: dict[str, str] = {}


def _is_prose(node: ast.AST) -> bool:
    """A string expression: a str constant, an f-string or str(...), or + of such."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "str":
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
            and node.func.attr in {"join", "format"}:
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_prose(node.left) or _is_prose(node.right)
    return False


def computations(path: Path) -> list[str]:
    """Each place in ``path`` that computes: arithmetic on non-strings, or a call into a math
    library."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ARITHMETIC) \
                and not _is_prose(node):
            found.append(f"line {node.lineno}: {ast.unparse(node)[:60]}")
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                and node.value.id in MATH_MODULES:
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            if any(n.split(".")[0] in {"sympy", "numpy", "mpmath", "flint"} for n in names):
                found.append(f"line {node.lineno}: imports {', '.join(filter(None, names))}")
    return found


def _cases():
    for path in sorted(PAPERS.glob("*.py")):
        reason = STILL_COMPUTING.get(path.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(path, marks=marks, id=path.name)


@pytest.mark.parametrize("path", list(_cases()))
def test_paper_module_computes_no_bound(path):
    found = computations(path)
    assert not found, f"{path.name} computes bounds outside its data: " + "; ".join(found[:8])


def test_the_detector_sees_a_bound_and_passes_prose(tmp_path):
    bound = tmp_path / "bound.py"
    bound.write_text("import sympy as sp\nL = 3\nBOUND = (2 / L) ** (L / (2 * L - 2))\n")
    assert len(computations(bound)) >= 3  # the import, the division, the power
    prose = tmp_path / "prose.py"
    prose.write_text("depths = (2, 3)\nTEXT = 'L in ' + str(depths) + f' ({len(depths)})'\n"
                     "MORE = '%s' % 'x'\n")
    assert computations(prose) == []


def test_every_listed_module_exists():
    assert all((PAPERS / name).exists() for name in STILL_COMPUTING)
