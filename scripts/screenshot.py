"""Render a report page to a PNG with headless Chromium, to look at it without a browser.

Usage::

    python scripts/screenshot.py reports/NAME/index.html out.png [--width 1280] [--viewport]

The whole page is captured unless ``--viewport`` asks for the first screen only.  Console
errors and network requests seen while loading are printed (a report should have none).
Exit status: 0 on success, 2 when the page or Chromium cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from verify.report.browser import BrowserError, Chromium, find_chromium  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the report's index.html")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels")
    parser.add_argument("--height", type=int, default=900, help="window height in CSS pixels")
    parser.add_argument("--viewport", action="store_true", help="only the first screen")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"screenshot: no such file {args.page}", file=sys.stderr)
        return 2
    if find_chromium() is None:
        print("screenshot: no Chromium found; install Debian's 'chromium' package or set "
              "CHROMIUM=/path/to/chrome", file=sys.stderr)
        return 2
    try:
        with Chromium(width=args.width, height=args.height) as browser:
            load = browser.load(args.page)
            browser.screenshot(args.out, full_page=not args.viewport)
    except (BrowserError, OSError) as exc:
        print(f"screenshot: {exc}", file=sys.stderr)
        return 2
    for problem in load.errors:
        print(f"console error: {problem}", file=sys.stderr)
    for url in load.requests:
        print(f"network request: {url}", file=sys.stderr)
    print(f"screenshot: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
