"""Dependencies point one way (DESIGN.md): proofs/numerics never import verify; the report
renderer never imports the math stack.  Checked by parsing imports, not by running code."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MATH_STACK = {"numpy", "sympy", "mpmath", "flint", "scipy"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", files("proofs") + files("numerics"), ids=lambda p: p.name)
def test_engines_never_import_verify(path):
    assert not any(m == "verify" or m.startswith("verify.") for m in imported_modules(path))


@pytest.mark.parametrize("path", files("numerics"), ids=lambda p: p.name)
def test_numerics_never_import_sympy(path):
    assert "sympy" not in {m.split(".")[0] for m in imported_modules(path)}


@pytest.mark.parametrize("path", files("verify/report"), ids=lambda p: p.name)
def test_report_reads_only_results(path):
    roots = {m.split(".")[0] for m in imported_modules(path)}
    assert not roots & MATH_STACK
    others = {m for m in imported_modules(path) if m.startswith("verify")}
    assert all(m.startswith("verify.report") for m in others)
