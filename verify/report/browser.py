"""Look at a report in headless Chromium, as a reader would: load it, watch the console and the
network, ask the page questions, take a screenshot.

Chromium is driven over the Chrome DevTools Protocol through ``--remote-debugging-pipe``: the
browser reads commands on its file descriptor 3 and writes replies on 4, as NUL-terminated JSON.
That needs only the standard library (no websocket client, no webdriver); :func:`find_chromium`
returns ``None`` when no browser is installed, and callers skip.

Used by ``tests/test_browser.py`` and ``scripts/screenshot.py``.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
"""Executable names tried in order (after the ``CHROMIUM`` environment variable)."""

FLAGS = (
    "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
    "--disable-extensions", "--disable-background-networking", "--disable-sync",
    "--disable-component-update", "--disable-default-apps", "--mute-audio",
    "--hide-scrollbars", "--remote-debugging-pipe",
)


# Puts the pipe ends on the descriptors Chromium expects (3: commands in, 4: replies out), then
# becomes Chromium.  POSIX sh cannot name descriptors above 9, so a shell would not do.
_TRAMPOLINE = (
    "import os, sys; r, w = int(sys.argv[1]), int(sys.argv[2]); "
    "os.dup2(r, 3); os.dup2(w, 4); os.close(r); os.close(w); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)


def _high_fd(fd: int) -> int:
    """A duplicate of ``fd`` numbered 10 or more (the original is closed)."""
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class BrowserError(RuntimeError):
    """Chromium could not be started, or did not answer in time."""


def find_chromium() -> str | None:
    """The path of a Chromium/Chrome executable, or ``None``."""
    env = os.environ.get("CHROMIUM")
    if env and shutil.which(env):
        return shutil.which(env)
    for name in CANDIDATES:
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageLoad:
    """What happened while a page loaded.

    Attributes:
        console: console messages as ``(level, text)``; ``level`` is the console API type
            (``log``, ``warning``, ``error``, ...) or ``exception`` for an uncaught error.
        log: browser log entries as ``(level, text)`` (failed loads, CSP and the like).
        requests: every URL the page requested, except the page itself and ``data:`` URLs
            (images inlined in the page, which need no network).
    """

    url: str
    console: list[tuple[str, str]] = field(default_factory=list)
    log: list[tuple[str, str]] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and error-level log entries."""
        bad = [t for lvl, t in self.console if lvl in ("error", "assert", "exception")]
        return bad + [t for lvl, t in self.log if lvl == "error"]


class Chromium:
    """A headless Chromium with one page, driven over the DevTools pipe.

    Use as a context manager::

        with Chromium() as browser:
            load = browser.load(Path("report/index.html"))
            title = browser.evaluate("document.title")
    """

    def __init__(self, executable: str | None = None, width: int = 1280, height: int = 900,
                 timeout: float = 60.0) -> None:
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("no Chromium found (install Debian's 'chromium' or set CHROMIUM)")
        self.width, self.height, self.timeout = width, height, timeout
        self._next_id = 0
        self._buffer = b""
        self._events: list[dict] = []
        self._proc: subprocess.Popen | None = None
        self._profile: tempfile.TemporaryDirectory | None = None
        self.session: str | None = None

    # -- process and pipe

    def __enter__(self) -> Chromium:
        self._profile = tempfile.TemporaryDirectory(prefix="verify-chromium-")
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # The child's ends move above 4 so that putting them on 3 and 4 cannot clobber either.
        to_browser_r, from_browser_w = (_high_fd(to_browser_r), _high_fd(from_browser_w))
        args = [self.executable, *FLAGS, f"--user-data-dir={self._profile.name}",
                f"--window-size={self.width},{self.height}"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.append("--no-sandbox")  # Chromium refuses to sandbox as root (CI containers)
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-c", _TRAMPOLINE, str(to_browser_r), str(from_browser_w),
                 *args],
                pass_fds=(to_browser_r, from_browser_w), stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            self._cleanup()
            raise BrowserError(f"cannot start {self.executable}: {exc}") from None
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        try:
            target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
            self.session = self._send("Target.attachToTarget",
                                      {"targetId": target, "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                self._send(f"{domain}.enable")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self._proc is not None and self._proc.poll() is None:
            try:
                self._send("Browser.close", timeout=5)
            except (BrowserError, OSError):
                pass
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._cleanup()

    def _cleanup(self) -> None:
        for fd in ("_to_browser", "_from_browser"):
            if hasattr(self, fd):
                try:
                    os.close(getattr(self, fd))
                except OSError:
                    pass
                delattr(self, fd)
        if self._profile is not None:
            self._profile.cleanup()
            self._profile = None

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if ready:
                chunk = os.read(self._from_browser, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed the DevTools pipe (did it crash?)")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _send(self, method: str, params: dict | None = None,
              timeout: float | None = None) -> dict:
        """Send one command and wait for its reply; events that arrive meanwhile are kept."""
        self._next_id += 1
        msg = {"id": self._next_id, "method": method, "params": params or {}}
        if self.session:
            msg["sessionId"] = self.session
        os.write(self._to_browser, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def _wait_event(self, method: str, deadline: float) -> dict:
        while True:
            for k, ev in enumerate(self._events):
                if ev.get("method") == method:
                    return self._events.pop(k)
            self._events.append(self._read_message(deadline))

    # -- what a reader does

    def load(self, path_or_url: Path | str, settle: float = 0.3) -> PageLoad:
        """Open a file or URL and wait for its load event; report console and requests."""
        url = path_or_url if isinstance(path_or_url, str) else Path(path_or_url).resolve().as_uri()
        self._events.clear()
        self._send("Page.navigate", {"url": url})
        deadline = time.monotonic() + self.timeout
        self._wait_event("Page.loadEventFired", deadline)
        # Late console messages and requests (scripts run at the end of the body) get a moment.
        self.evaluate(f"new Promise(r => setTimeout(r, {int(settle * 1000)}))")
        result = PageLoad(url)
        for ev in self._events:
            method, p = ev.get("method"), ev.get("params", {})
            if method == "Runtime.consoleAPICalled":
                texts = [str(a.get("value", a.get("description", ""))) for a in p.get("args", [])]
                result.console.append((p.get("type", ""), " ".join(texts)))
            elif method == "Runtime.exceptionThrown":
                d = p.get("exceptionDetails", {})
                desc = d.get("exception", {}).get("description") or d.get("text", "")
                result.console.append(("exception", desc))
            elif method == "Log.entryAdded":
                e = p.get("entry", {})
                result.log.append((e.get("level", ""), f"{e.get('text', '')} {e.get('url', '')}"))
            elif method == "Network.requestWillBeSent":
                req_url = p.get("request", {}).get("url", "")
                if req_url.split("#")[0] != url.split("#")[0] and not req_url.startswith("data:"):
                    result.requests.append(req_url)
        self._events.clear()
        return result

    def evaluate(self, expression: str):
        """The value of a JavaScript expression in the page (promises are awaited)."""
        reply = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": True})
        if "exceptionDetails" in reply:
            d = reply["exceptionDetails"]
            raise BrowserError("page script failed: "
                               + (d.get("exception", {}).get("description") or d.get("text", "")))
        return reply.get("result", {}).get("value")

    def emulate_media(self, media: str) -> None:
        """Render as for ``media`` (``"print"`` or ``"screen"``): checks the print stylesheet."""
        self._send("Emulation.setEmulatedMedia", {"media": media})

    def screenshot(self, out: Path, full_page: bool = True) -> Path:
        """Save a PNG of the page (all of it when ``full_page``)."""
        params: dict = {"format": "png"}
        if full_page:
            size = self._send("Page.getLayoutMetrics")["cssContentSize"]
            params.update(captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": size["width"],
                                "height": size["height"], "scale": 1})
        data = self._send("Page.captureScreenshot", params)["data"]
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))
        return out
