"""Render a report page to a PNG with headless Chromium (via Playwright), to look at it without
a browser.

Usage::

    python scripts/screenshot.py reports/NAME/index.html out.png [--width 1280] [--viewport]
                                 [--open-details]

The whole page is captured unless ``--viewport`` asks for the first screen only;
``--open-details`` unfolds every claim first.  Console errors and network requests seen while
loading are printed (a report should have none).  Playwright drives the system's Chromium
(``/usr/bin/chromium``, or ``$CHROMIUM``); it downloads no browser.
Exit status: 0 on success, 2 when the page or Chromium cannot be used.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def find_chromium() -> str | None:
    """The Chromium to drive: ``$CHROMIUM``, else Debian's ``chromium`` on the PATH."""
    for candidate in (os.environ.get("CHROMIUM"), shutil.which("chromium"),
                      shutil.which("chromium-browser"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


@contextmanager
def chromium():
    """A Playwright ``Browser`` on the system Chromium (raises RuntimeError without one)."""
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if path is None:
        raise RuntimeError("no Chromium found; install Debian's 'chromium' package or set "
                           "CHROMIUM=/path/to/chrome")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page that records console errors, page errors and requests leaving the file system."""

    def __init__(self, browser, width: int = 1280, height: int = 900) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url)
                     if not r.url.startswith(("file:", "data:", "about:")) else None)

    def load(self, path: Path) -> Watched:
        self.page.goto(Path(path).resolve().as_uri(), wait_until="load")
        return self


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("page", type=Path, help="the report's index.html")
    parser.add_argument("out", type=Path, help="the PNG to write")
    parser.add_argument("--width", type=int, default=1280, help="window width in CSS pixels")
    parser.add_argument("--height", type=int, default=900, help="window height in CSS pixels")
    parser.add_argument("--viewport", action="store_true", help="only the first screen")
    parser.add_argument("--open-details", action="store_true", help="unfold every claim first")
    args = parser.parse_args(argv)
    if not args.page.is_file():
        print(f"screenshot: no such file {args.page}", file=sys.stderr)
        return 2
    try:
        with chromium() as browser:
            watched = Watched(browser, args.width, args.height).load(args.page)
            page = watched.page
            if args.open_details:
                page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            # Lazy images below the first screen load only when scrolled to: load them all.
            page.evaluate("document.querySelectorAll('img').forEach(i => i.loading = 'eager')")
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(args.out), full_page=not args.viewport)
    except Exception as exc:  # noqa: BLE001 - Playwright's errors, a missing browser, I/O
        print(f"screenshot: {exc}", file=sys.stderr)
        return 2
    for problem in watched.errors:
        print(f"console error: {problem}", file=sys.stderr)
    for url in watched.requests:
        print(f"network request: {url}", file=sys.stderr)
    print(f"screenshot: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
