"""Packaging metadata: the listed packages are the tree's, the worked claim file and the licence
ship, the console script and the pytest entry point are declared.  Building a wheel (slow, and it
needs setuptools from the package index) is the ``slow`` test."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
SETUPTOOLS = PYPROJECT["tool"]["setuptools"]


def _tree_packages() -> set[str]:
    found = set()
    for top in ("verify", "proofs", "numerics"):
        for init in (ROOT / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    return found


def test_package_list_names_every_package_of_the_tree():
    listed = set(SETUPTOOLS["packages"])
    mapped = set(SETUPTOOLS.get("package-dir", {}))
    assert listed - mapped == _tree_packages()
    for package, folder in SETUPTOOLS["package-dir"].items():
        assert package in listed and (ROOT / folder).is_dir()
        for pattern in SETUPTOOLS["package-data"][package]:
            assert list((ROOT / folder).glob(pattern)), (package, pattern)


def test_metadata():
    project = PYPROJECT["project"]
    assert project["license"] == "MIT" and (ROOT / "LICENSE").read_text().startswith("MIT")
    assert project["scripts"]["verify"] == "verify.cli:main"
    assert project["entry-points"]["pytest11"]["stepsize-verify"] == "verify.pytest_plugin"
    assert "Framework :: Pytest" in project["classifiers"]


@pytest.mark.slow
def test_wheel_ships_the_example_and_the_licence(tmp_path):
    # Built from a copy: setuptools leaves build/ and *.egg-info beside the sources.
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
        ".git", ".venv", "reports", "build", "*.egg-info", "__pycache__", ".hypothesis",
        ".pytest_cache"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps",
                           "-w", str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (wheel,) = tmp_path.glob("stepsize_verify-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"verify/examples/claims.toml", "verify/examples/__init__.py"} <= names
    # The registry's paper data files and the report's templates are package data too.
    assert {"verify/papers/controls.toml", "verify/papers/TEMPLATE.toml.example",
            "verify/report/templates/index.html"} <= names
    assert "verify/pytest_plugin.py" in names and "numerics/certified/__init__.py" in names
    assert any(n.endswith("licenses/LICENSE") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "stepsize-verify = verify.pytest_plugin" in zipfile.ZipFile(wheel).read(
        entry_points).decode()
