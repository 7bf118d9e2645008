"""The activity report in headless Chromium: it opens from disk with no console errors and no
network requests, and the figures are on the page.

Chromium is driven over the DevTools protocol on ``--remote-debugging-pipe`` (file descriptors
3 and 4, NUL-separated JSON), so no extra Python package is needed. Skips only when
/usr/bin/chromium is absent and the CI environment variable is unset.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from kad_spec.activity import build_report, render_html

CHROMIUM = Path("/usr/bin/chromium")
FIXTURES = Path(__file__).parent / "fixtures" / "activity"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio"]


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} mangler i CI; installer Debian-pakken chromium (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} finnes ikke (installer med `apt-get install -y chromium`); CI er ikke satt")


class Browser:
    """Just enough of the DevTools protocol to open a page and collect what went wrong."""

    def __init__(self, profile: Path):
        commands_r, self._commands = os.pipe()
        self._replies, replies_w = os.pipe()
        # Keep the child's ends above fd 9 so that moving them to 3 and 4 cannot clobber them.
        commands_r, replies_w = (self._high(fd) for fd in (commands_r, replies_w))
        script = f'exec "$0" "$@" 3<&{commands_r} 4>&{replies_w}'
        self.proc = subprocess.Popen(
            ["/bin/bash", "-c", script, str(CHROMIUM), *FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(commands_r, replies_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_r)
        os.close(replies_w)
        self._buffer, self._id, self.events = b"", 0, []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.send(f"{domain}.enable", session=self.session)

    @staticmethod
    def _high(fd: int) -> int:
        high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
        os.close(fd)
        return high

    def _message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("Chromium svarte ikke")
            chunk = os.read(self._replies, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium lukket forbindelsen")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._id += 1
        message = {"id": self._id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + 30
        while True:
            reply = self._message(deadline)
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def open(self, url: str) -> None:
        self.events.clear()
        self.send("Page.navigate", {"url": url}, self.session)
        deadline = time.monotonic() + 30
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            self.events.append(self._message(deadline))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, self.session)
        return result["result"].get("value")

    def problems(self, page_url: str) -> list[str]:
        """Console errors, exceptions, error log entries, failed requests and any request off the page."""
        self.evaluate("1")  # let late events arrive
        found = []
        for event in self.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert", "warning"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in ("error", "warning"):
                found.append(f"log: {params['entry'].get('text')}")
            elif method == "Network.loadingFailed":
                found.append(f"request failed: {params.get('errorText')}")
            elif method == "Network.requestWillBeSent" and params.get("request", {}).get("url") != page_url:
                found.append(f"request: {params['request'].get('url')}")
        return found

    def close(self) -> None:
        try:
            self.send("Browser.close")
        except (RuntimeError, TimeoutError, OSError):
            pass  # already gone; reaped below
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._commands)
        os.close(self._replies)


@pytest.fixture(scope="module")
def browser():
    _require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="kad-activity-chromium-"))
    chromium = Browser(profile)
    try:
        yield chromium
    finally:
        chromium.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("min_cell,lang", [(5, "nb"), (1, "nb"), (5, "en")])
def test_report_opens_without_console_errors_or_requests(browser, tmp_path, min_cell, lang):
    report = build_report(sorted(FIXTURES.glob("*.json")), min_cell=min_cell)
    page = tmp_path / "rapport.html"
    page.write_text(render_html(report, lang), encoding="utf-8")
    url = page.as_uri()
    browser.open(url)
    assert browser.problems(url) == []
    assert browser.evaluate("document.documentElement.lang") == lang
    assert browser.evaluate("document.querySelectorAll('svg').length") >= 4
    # Every chart has drawn something with a size (the SVG is valid and laid out).
    widths = browser.evaluate("[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)")
    assert all(w > 100 for w in widths)
    body = browser.evaluate("document.body.innerText")
    assert ("Opphold per måned" if lang == "nb" else "Stays per month") in body
    hidden = browser.evaluate("[...document.querySelectorAll('td.hidden')].map(td => td.innerText)")
    assert (len(hidden) > 0) == (min_cell == 5)
    assert set(hidden) <= {"<5"}
