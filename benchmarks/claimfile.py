"""How long a claim file of 20 scalar claims takes with ``--quick`` (issue bar: < 2 minutes).

Builds the file from the shipped example (every kind, true and false claims), varying the
boxes, and times ``python -m verify check FILE --quick`` in-process.  Prints; asserts nothing.

    python benchmarks/claimfile.py
"""

from __future__ import annotations

import os
import platform
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from verify.cli import main  # noqa: E402


def twenty_claims() -> str:
    tables = (ROOT / "examples" / "claims.toml").read_text().split("[[claim]]")[1:]
    out = []
    for k in range(20):
        table = tables[k % len(tables)]
        table = re.sub(r'id = "([^"]+)"', rf'id = "\1-{k}"', table, count=1)
        if k >= len(tables):  # a second copy with a narrower step box
            table = table.replace("delta = [0.01,", "delta = [0.02,")
        out.append("[[claim]]" + table)
    return "\n".join(out)


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "twenty.toml"
        path.write_text(twenty_claims())
        start = time.perf_counter()
        code = main(["check", str(path), "--quick", "--no-progress", "--out", str(Path(tmp) / "r")])
        seconds = time.perf_counter() - start
    print(f"machine: {platform.platform()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}")
    print(f"20 scalar claims, --quick: {seconds:.1f} s (exit status {code}; bar: < 120 s)")


if __name__ == "__main__":
    run()
