"""The documentation site in headless Chromium: every page loads cleanly, search works.

Chromium is driven over the DevTools protocol on ``--remote-debugging-pipe`` (file
descriptors 3 and 4, NUL-separated JSON), so no extra Python package is needed. The site is
served from a local http.server on 127.0.0.1 with a random port.

Skips only when /usr/bin/chromium is absent and the CI environment variable is unset; in CI
a missing browser is a failure.
"""

from __future__ import annotations

import base64
import fcntl
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from kad_spec.site import build_site

CHROMIUM = Path("/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[1]
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars"]


def _require_chromium() -> None:
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
    def __init__(self, devtools: DevTools):
        self.devtools = devtools
        target = devtools.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = devtools.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})

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

    def problems(self) -> list[str]:
        """Console errors, uncaught exceptions, failed and refused requests since the last open()."""
        self.evaluate("1")  # flush events that arrived after the load event
        found = []
        for event in self.devtools.events:
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append(f"console.{params['type']}: {params.get('args')}")
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
            elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
            elif method == "Network.loadingFailed":
                found.append(f"request failed: {params.get('errorText')} {params.get('type')}")
            elif method == "Network.responseReceived" and params.get("response", {}).get("status", 200) >= 400:
                found.append(f"HTTP {params['response']['status']}: {params['response'].get('url')}")
        return found

    def screenshot(self, path: Path) -> None:
        height = self.evaluate("Math.min(document.documentElement.scrollHeight, 4000)")
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": int(height), "deviceScaleFactor": 1, "mobile": False})
        data = self.call("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # keep the test output clean
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("nettsted") / "site").out


@pytest.fixture(scope="module")
def server(site):
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def tab():
    _require_chromium()
    profile = Path(tempfile.mkdtemp(prefix="kad-chromium-"))
    devtools = DevTools(profile)
    try:
        yield Tab(devtools)
    finally:
        devtools.close()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("KAD_ARTIFACTS") or REPO / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_every_page_loads_without_console_errors_or_failed_requests(site, server, tab):
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    assert len(pages) > 40
    problems = {}
    for page in pages:
        tab.open(f"{server}/{page}")
        title = tab.evaluate("document.title")
        assert title and "KAD" in title, page
        found = tab.problems()
        if found:
            problems[page] = found
    assert problems == {}


def _search(tab: Tab, server: str, page: str, query: str) -> list[str]:
    tab.open(f"{server}/{page}")
    rows = tab.evaluate(f"""(async () => {{
        const input = document.querySelector('.kodesok input');
        input.value = {json.dumps(query)};
        input.dispatchEvent(new Event('input', {{bubbles: true}}));
        await new Promise(r => setTimeout(r, 50));
        return Array.from(document.querySelectorAll('.kodesok tbody tr')).map(tr => tr.innerText);
    }})()""")
    assert tab.problems() == []
    return rows


def test_municipality_search_finds_halden_with_its_codes(server, tab):
    rows = _search(tab, server, "kodeverk/kommunenummer.html", "Halden")
    assert len(rows) == 3
    assert all("Halden" in row for row in rows)
    assert any(row.startswith("3101") for row in rows)
    assert any("3001" in row and "2023-12-31" in row and "3101" in row for row in rows)


def test_icd10_search_finds_j189_and_searches_text(server, tab):
    rows = _search(tab, server, "kodeverk/icd10.html", "J189")
    assert rows and rows[0].startswith("J189")
    assert "2026-01-01" in rows[0]
    dotted = _search(tab, server, "kodeverk/icd10.html", "J18.9")
    assert dotted and dotted[0].startswith("J189")
    by_text = _search(tab, server, "kodeverk/icd10.html", "pneumoni")
    assert any(row.startswith("J18") for row in by_text), "tekstsøk skal gi treff"


def test_icpc2_search_and_empty_result(server, tab):
    assert _search(tab, server, "kodeverk/icpc2.html", "R81")[0].startswith("R81")
    assert _search(tab, server, "kodeverk/icpc2.html", "finnes-ikke-xyz") == []
    status = tab.evaluate("document.querySelector('.kodesok .treff').textContent")
    assert status.startswith("0 treff")


def test_site_works_from_disk(site, tab):
    tab.open((site / "kodeverk" / "kommunenummer.html").as_uri())
    rows = tab.evaluate("""(() => {
        const input = document.querySelector('.kodesok input');
        input.value = 'Halden';
        input.dispatchEvent(new Event('input'));
        return document.querySelectorAll('.kodesok tbody tr').length;
    })()""")
    assert rows == 3
    assert tab.problems() == []


def test_screenshots_of_front_page_and_a_class_page(server, tab, artifacts):
    for page, name in (("index.html", "nettsted-forside.png"), ("klasser/opphold.html", "nettsted-opphold.png")):
        tab.open(f"{server}/{page}")
        target = artifacts / name
        tab.screenshot(target)
        assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert target.stat().st_size > 10_000


def test_print_page_prints_to_pdf_without_the_menu(server, tab, artifacts):
    tab.open(f"{server}/utskrift.html")
    tab.call("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert tab.evaluate("getComputedStyle(document.querySelector('header.topp')).display") == "none"
    finally:
        tab.call("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(tab.call("Page.printToPDF", {"printBackground": False})["data"])
    assert pdf.startswith(b"%PDF")
    (artifacts / "nettsted-utskrift.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages >= 10, "hele spesifikasjonen skal gi et dokument over mange sider"
