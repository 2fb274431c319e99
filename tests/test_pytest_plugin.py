"""The pytest plugin: claim files collected as tests in a reviewer's own project.

Each test runs pytest in a subprocess on a throwaway project, with entry-point autoloading off
and the plugin named explicitly (``-p verify.pytest_plugin``), so it tests this checkout whether
or not the installed package's entry point is current.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "claims.toml"


def _tables(*ids: str) -> str:
    """The ``[[claim]]`` tables of examples/claims.toml with these ids."""
    tables = EXAMPLE.read_text().split("[[claim]]")[1:]
    chosen = [t for t in tables if any(f'id = "{i}"\n' in t for i in ids)]
    assert len(chosen) == len(ids)
    return "".join("[[claim]]" + t for t in chosen)


def _pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONPATH": str(ROOT),
           "XDG_CACHE_HOME": str(project / ".cache")}
    env.pop("PYTEST_ADDOPTS", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "verify.pytest_plugin",
                           "-p", "no:cacheprovider", "-q", "-rf", *args],
                          cwd=project, env=env, capture_output=True, text=True, timeout=600)


def test_true_claim_passes_false_claim_fails_with_its_counterexample(tmp_path):
    (tmp_path / "claims_demo.toml").write_text(_tables("example.am-gm", "example.am-gm-strict"))
    (tmp_path / "notes.toml").write_text("not = 'a claim file'\n")  # not collected
    proc = _pytest(tmp_path, "--verify-quick", "--verify-seed", "3")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed" in out
    assert "FAILED claims_demo.toml::example.am-gm-strict" in out
    assert "Falsifying example: a=1" in out
    assert "lhs - rhs = 0" in out
    assert ("replay: python -m verify check" in out and "example.am-gm-strict --check "
            "inequality_search --seed 3 --at a=1.0 --quick" in out)
    assert "Traceback" not in out


def test_unusable_claim_file_is_a_collection_error_with_its_message(tmp_path):
    (tmp_path / "claims_bad.toml").write_text("[[claim]\nid = 1\n")
    proc = _pytest(tmp_path)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 2, out
    assert "ERROR collecting claims_bad.toml" in out and "claims_bad.toml" in out
    assert "line 1" in out  # the TOML parser's location, from the file's message
    assert "Traceback" not in out and "verify/userclaims" not in out


def test_patterns_come_from_the_ini_option(tmp_path):
    (tmp_path / "pytest.ini").write_text("[pytest]\nverify_claim_files = review/*.toml\n")
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "one.toml").write_text(_tables("example.am-gm"))
    (tmp_path / "claims_demo.toml").write_text(_tables("example.am-gm-strict"))  # not matched
    proc = _pytest(tmp_path, "--verify-quick")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "1 passed" in out and "failed" not in out


def test_a_run_does_not_import_pytest():
    """Every process of a run imports the whole suite, this plugin included: it imports pytest
    only when pytest collects a claim file (~0.13 s off the start of every run)."""
    code = ("import sys; from verify.parallel import load_suite; load_suite(); "
            "print('pytest' in sys.modules, '_pytest' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.stdout.split() == ["False", "False"], proc.stderr
