"""The activity report in headless Chromium: it opens from disk with no console errors and no
network requests, and the figures are on the page.

Chromium is driven by tests/browser.py. Skips only when /usr/bin/chromium is absent and the CI
environment variable is unset.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from browser import chromium_tab
from conftest import invoke
from kad_spec.activity import build_report, render_html

FIXTURES = Path(__file__).parent / "fixtures" / "activity"


@pytest.fixture(scope="module")
def browser():
    with chromium_tab("kad-activity-chromium-") as tab:
        yield tab


@pytest.mark.parametrize("min_cell,lang", [(5, "nb"), (1, "nb"), (5, "en")])
def test_report_opens_without_console_errors_or_requests(browser, tmp_path, min_cell, lang):
    report = build_report(sorted(FIXTURES.glob("*.json")), min_cell=min_cell)
    page = tmp_path / "rapport.html"
    page.write_text(render_html(report, lang), encoding="utf-8")
    url = page.as_uri()
    browser.open(url)
    assert browser.problems(warnings=True, only_url=url) == []
    assert browser.evaluate("document.documentElement.lang") == lang
    assert browser.evaluate("document.querySelectorAll('svg').length") >= 4
    # Every chart has drawn something with a size (the SVG is valid and laid out).
    widths = browser.evaluate("[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)")
    assert all(w > 100 for w in widths)
    body = browser.evaluate("document.body.innerText")
    assert ("Opphold per måned" if lang == "nb" else "Stays per month") in body
    hidden = browser.evaluate("[...document.querySelectorAll('td.hidden')].map(td => td.innerText)")
    assert (len(hidden) > 0) == (min_cell == 5)
    assert set(hidden) <= {"skjult" if lang == "nb" else "suppressed"}


def test_the_case_of_small_numbers_in_the_browser(browser, tmp_path):
    """The file report of `example --count 2000 --seed 4` at threshold 5: no console errors, every
    suppressed cell reads "skjult" on the page, and a screenshot of the page for the record."""
    messages, page = tmp_path / "f.json", tmp_path / "rapport.html"
    assert invoke("example", "--count", "2000", "--seed", "4", "-o", messages).exit_code == 0
    assert invoke("report", str(messages), "--min-cell", "5", "--out", page).exit_code == 0
    browser.open(page.as_uri())
    assert browser.problems(warnings=True, only_url=page.as_uri()) == []
    hidden = browser.evaluate("[...document.querySelectorAll('td.hidden')].map(td => td.innerText)")
    assert hidden and set(hidden) == {"skjult"}
    # Every chart takes the full width of the text column, not a fixed part of it.
    widths = browser.evaluate("[...document.querySelectorAll('svg')].map(s => s.getBoundingClientRect().width)")
    column = browser.evaluate("document.querySelector('main').clientWidth - 48")  # less main's padding
    assert widths and all(abs(w - column) < 2 for w in widths), (widths, column)
    folder = Path(os.environ.get("KAD_ARTIFACTS") or Path(__file__).resolve().parents[1] / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    height = browser.evaluate("Math.min(document.documentElement.scrollHeight, 6000)")
    browser.call("Emulation.setDeviceMetricsOverride",
                 {"width": 1100, "height": int(height), "deviceScaleFactor": 1, "mobile": False})
    shot = folder / "aktivitetsrapport-filer.png"
    shot.write_bytes(base64.b64decode(browser.call("Page.captureScreenshot", {"format": "png"})["data"]))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
