"""Headless Chromium for the browser tests, driven over the DevTools protocol.

Chromium speaks the protocol on ``--remote-debugging-pipe`` (file descriptors 3 and 4,
NUL-separated JSON), so no extra Python package is needed. :func:`chromium_tab` skips only
when /usr/bin/chromium is absent and the CI environment variable is unset; in CI a missing
browser is a failure.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars"]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI"):
        pytest.fail(f"{CHROMIUM} mangler i CI; installer Debian-pakken chromium (apt-get install -y chromium)")
    pytest.skip(f"{CHROMIUM} finnes ikke (installer med `apt-get install -y chromium`); CI er ikke satt")


def _high_fd(fd: int) -> int:
    high = fcntl.fcntl(fd, fcntl.F_DUPFD, 10)
    os.close(fd)
    return high


class DevTools:
    """A minimal DevTools-protocol client over Chromium's --remote-debugging-pipe."""

    def __init__(self, profile: Path):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()
        # Move the browser's ends above fd 9 so the redirections below cannot clobber them (bash,
        # unlike dash, accepts such fd numbers).
        to_browser_r, from_browser_w = _high_fd(to_browser_r), _high_fd(from_browser_w)
        # Chromium reads commands on fd 3 and writes replies on fd 4.
        script = f'exec "$0" "$@" 3<&{to_browser_r} 4>&{from_browser_w}'
        self.proc = subprocess.Popen(
            ["/bin/bash", "-c", script, str(CHROMIUM), *FLAGS, "--remote-debugging-pipe",
             f"--user-data-dir={profile}", "about:blank"],
            pass_fds=(to_browser_r, from_browser_w), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []

    def close(self) -> None:
        try:
            self.send("Browser.close", timeout=5)
        except Exception:  # the browser may already be gone; we still reap it below
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if time.monotonic() > deadline:
                raise TimeoutError("ingen svar fra Chromium")
            chunk = os.read(self._from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("Chromium lukket forbindelsen")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method: str, params: dict | None = None, session: str | None = None, timeout: float = 30) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, session: str, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for index, event in enumerate(self.events):
            if event.get("method") == method and event.get("sessionId") == session:
                return self.events.pop(index)
        while True:
            event = self._read_message(deadline)
            if event.get("method") == method and event.get("sessionId") == session:
                return event
            self.events.append(event)


class Tab:
    """One page in the browser, with what it logged and requested since the last :meth:`open`."""

    def __init__(self, devtools: DevTools):
        self.devtools = devtools
        target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, params: dict | None = None) -> dict:
        return self.devtools.send(method, params, self.session)

    def open(self, url: str) -> None:
        self.devtools.events.clear()
        self.call("Page.navigate", {"url": url})
        self.devtools.wait_for("Page.loadEventFired", self.session)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            raise AssertionError(f"JavaScript-feil: {result['exceptionDetails']}")
        return result["result"].get("value")

    def problems(self, *, warnings: bool = False, only_url: str | None = None) -> list[str]:
        """Console errors, uncaught exceptions, error log entries, failed requests and HTTP errors
        since the last open(); with ``warnings`` also console and log warnings, and with
        ``only_url`` also every request for any other address."""
        self.evaluate("1")  # flush events that arrived after the load event
        console_types = ("error", "assert", "warning") if warnings else ("error", "assert")
        log_levels = ("error", "warning") if warnings else ("error",)
        found = []
        for event in self.devtools.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in console_types:
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") in log_levels:
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                found.append(f"request failed: {params.get('errorText')} {params.get('type')}")
            elif method == "Network.responseReceived" and params.get("response", {}).get("status", 200) >= 400:
                found.append(f"HTTP {params['response']['status']}: {params['response'].get('url')}")
            elif (only_url is not None and method == "Network.requestWillBeSent"
                  and params.get("request", {}).get("url") != only_url):
                found.append(f"request: {params['request'].get('url')}")
        return found


@contextmanager
def chromium_tab(profile_prefix: str) -> Iterator[Tab]:
    """A tab in a fresh headless Chromium with its own throwaway profile; closed afterwards."""
    require_chromium()
    profile = Path(tempfile.mkdtemp(prefix=profile_prefix))
    devtools = DevTools(profile)
    try:
        yield Tab(devtools)
    finally:
        devtools.close()
        shutil.rmtree(profile, ignore_errors=True)


@contextmanager
def sized_tab(profile_prefix: str, viewport: dict) -> Iterator[Tab]:
    """A Chromium tab (chromium_tab) with the window size and scale of ``viewport``."""
    with chromium_tab(profile_prefix) as tab:
        tab.call("Emulation.setDeviceMetricsOverride", viewport)
        yield tab


def artifacts_folder() -> Path:
    """Where the browser tests leave their screenshots: $KAD_ARTIFACTS, or test-artifacts/ in the repository."""
    folder = Path(os.environ.get("KAD_ARTIFACTS") or Path(__file__).resolve().parents[1] / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
