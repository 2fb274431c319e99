"""A re-run after editing one claim, against a clean run (issue 19: >= 20x faster).

In a copy of this commit's files (``git archive HEAD``), with empty result and figure caches
of its own (``XDG_CACHE_HOME`` in a temporary folder):

1. a clean run, ``python -m verify run [--quick]``: every claim runs and is stored;
2. one claim is edited: the statement of the first claim of ``verify/papers/controls.toml``
   gets a sentence more (its claim hash changes, nothing else does);
3. the same run again: every other claim's record comes from the cache, the edited claim runs
   afresh, and the report is drawn again (its figures from the figure cache).

Prints both walls and CPU times (the run and every process under it), the ratio, and whether
the re-run reused exactly the unedited claims (read from its results.json); asserts nothing.

Usage: ``python benchmarks/rerun_after_edit.py [--quick]``
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.common import Target, machine  # noqa: E402
from benchmarks.whole_runs import export, load, time_run  # noqa: E402

RATIO_BAR = 20.0  # issue 19: a re-run after editing one claim >= 20x faster than a clean run
EDITED = "verify/papers/controls.toml"


def edit_one_claim(tree: Path) -> str:
    """Append a sentence to the first ``statement`` of ``EDITED`` in ``tree``; return the id
    of the claim it belongs to."""
    path = tree / EDITED
    text = path.read_text(encoding="utf-8")
    claim_id = re.search(r'^id\s*=\s*"([^"]+)"', text, re.M).group(1)
    edited, n = re.subn(r'^(statement\s*=\s*")', r"\1(edited for the benchmark) ", text,
                        count=1, flags=re.M)
    if n != 1:
        raise SystemExit(f"no statement to edit in {EDITED}")
    path.write_text(edited, encoding="utf-8")
    return claim_id


def run(quick: bool) -> list[Target]:
    kind = "quick" if quick else "full"
    print(f"A re-run after editing one claim ({kind} run, fresh subprocesses, caches on)")
    with tempfile.TemporaryDirectory(prefix="rerun_") as tmp:
        tree = export("HEAD", Path(tmp) / "tree")
        cache = Path(tmp) / "cache"
        print(f"  load average before the clean run: {load()}")
        clean = time_run(kind, tree, Path(tmp) / "clean", cache_home=cache)
        edited_id = edit_one_claim(tree)
        print(f"  edited: the statement of {edited_id} in {EDITED}")
        print(f"  load average before the re-run: {load()}")
        again = time_run(kind, tree, Path(tmp) / "again", cache_home=cache)
        data = json.loads((Path(tmp) / "again" / "results.json").read_text(encoding="utf-8"))
        fresh = sorted(c["id"] for c in data["claims"] if not c.get("cached"))
        ratio = clean[0] / again[0] if again[0] > 0 else float("inf")
        print(f"\n{'run':<9} | {'wall s':>7} | {'CPU s':>7} | exit")
        print("-" * 40)
        for name, (seconds, code, _, cpu) in (("clean", clean), ("re-run", again)):
            print(f"{name:<9} | {seconds:>7.1f} | {cpu:>7.1f} | {code}")
        print(f"ratio clean / re-run: {ratio:.1f}x wall, "
              f"{clean[3] / again[3] if again[3] else float('inf'):.1f}x CPU "
              f"(bar >= {RATIO_BAR:g}x)")
        print(f"claims run afresh in the re-run: {fresh} "
              f"({'only the edited one' if fresh == [edited_id] else 'NOT only the edited one'})")
        ok = clean[1] in (0, 1) and again[1] in (0, 1) and fresh == [edited_id]
        return [Target(f"re-run after editing one claim ({kind})",
                       f"{ratio:.1f}x faster than clean ({again[0]:.1f} s vs {clean[0]:.1f} s)",
                       f">= {RATIO_BAR:g}x", ok and ratio >= RATIO_BAR)]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick runs instead of full ones")
    args = parser.parse_args()
    print(*machine(), sep="\n")
    for target in run(args.quick):
        print(target)
