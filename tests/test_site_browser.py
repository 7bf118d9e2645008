"""The documentation site in headless Chromium: every page loads cleanly, search works.

Chromium is driven by tests/browser.py. The site is served from a local http.server on
127.0.0.1 with a random port.

Skips only when /usr/bin/chromium is absent and the CI environment variable is unset; in CI
a missing browser is a failure.
"""

from __future__ import annotations

import base64
import functools
import http.server
import json
import re
import threading
from pathlib import Path

import pytest

from browser import Tab, artifacts_folder, sized_tab
from kad_spec.site import build_site

VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def screenshot(tab: Tab, path: Path) -> None:
    """The whole page (up to 4000 px high) as PNG; the viewport is put back afterwards."""
    height = tab.evaluate("Math.min(document.documentElement.scrollHeight, 4000)")
    tab.call("Emulation.setDeviceMetricsOverride", {**VIEWPORT, "height": int(height)})
    data = tab.call("Page.captureScreenshot", {"format": "png"})["data"]
    path.write_bytes(base64.b64decode(data))
    tab.call("Emulation.setDeviceMetricsOverride", VIEWPORT)


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
    with sized_tab("kad-chromium-", VIEWPORT) as tab:
        yield tab


@pytest.fixture(scope="module")
def artifacts() -> Path:
    return artifacts_folder()


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
    assert "2020-01-01" in rows[0] and "2026-12-31" in rows[0]  # one period over the editions 2020–2026
    dotted = _search(tab, server, "kodeverk/icd10.html", "J18.9")
    assert dotted and dotted[0].startswith("J189")
    by_text = _search(tab, server, "kodeverk/icd10.html", "pneumoni")
    assert any(row.startswith("J18") for row in by_text), "tekstsøk skal gi treff"


@pytest.mark.parametrize("query", ["I210a", "I210A", "i21.0a"])
def test_icd10_search_finds_the_official_lower_case_spelling(server, tab, query):
    rows = _search(tab, server, "kodeverk/icd10.html", query)
    assert rows and rows[0].startswith("I210a") and "type 4a" in rows[0]


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
        screenshot(tab, target)
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
