"""results.json (schema version 1): writing and reading.  Every number is a decimal string."""

from __future__ import annotations

import dataclasses
import json
import platform
import subprocess
import sys
from enum import Enum
from importlib import metadata
from pathlib import Path

from verify.runner import ClaimResult
from verify.vocabulary import Status

SCHEMA_VERSION = 1
LIBRARIES = ("sympy", "numpy", "mpmath", "python-flint", "matplotlib", "hypothesis", "tqdm")


def _plain(value):
    """Dataclasses, enums, mappings and tuples to JSON-ready values."""
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def git_sha() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                             cwd=Path(__file__).resolve().parent, timeout=5)
        return out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        return None


def environment(seed: int, dps: int) -> dict:
    libs = {}
    for name in LIBRARIES:
        try:
            libs[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            libs[name] = "not installed"
    return {"python": platform.python_version(), "platform": platform.platform(),
            "libraries": libs, "git_sha": git_sha(), "seed": str(seed),
            "precision": {"mpmath_dps": str(dps), "float": "IEEE 754 binary64",
                          "arb_bits": "128-256"}}


def claim_record(result: ClaimResult) -> dict:
    c = result.claim
    return {
        "id": c.id, "paper": c.ref.paper, "where": c.ref.where, "url": c.ref.url,
        "statement": c.statement, "hypotheses": dict(c.hypotheses), "asserts": c.asserts,
        "status": result.status.value,
        "strongest_tier": result.strongest.value if result.strongest else None,
        "amends": c.amends, "amend_reason": c.amend_reason, "not_checkable": c.not_checkable,
        "control": c.control, "seconds": f"{result.seconds:.3f}",
        "evidence": [_evidence_record(e) for e in result.evidence],
    }


def _evidence_record(evidence) -> dict:
    record = _plain(evidence)
    if record["counterexample"] is not None:  # every number in results.json is a string
        record["counterexample"]["dps"] = str(record["counterexample"]["dps"])
    return record


def build(results: list[ClaimResult], run_info: dict, seed: int, dps: int) -> dict:
    counts = {s.value: 0 for s in Status}
    for r in results:
        if not r.claim.control:
            counts[r.status.value] += 1
    return {"schema_version": SCHEMA_VERSION, "run": run_info,
            "environment": environment(seed, dps),
            "summary": {k: str(v) for k, v in counts.items()},
            "claims": [claim_record(r) for r in results]}


def write(data: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


class ResultsError(ValueError):
    """A results file that cannot be read or is not schema version 1."""


def load(path: Path) -> dict:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ResultsError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("schema_version") != SCHEMA_VERSION \
            or not isinstance(data.get("claims"), list):
        raise ResultsError(f"{path} is not a results.json of schema version {SCHEMA_VERSION}")
    return data
