"""The activity report in headless Chromium: it opens from disk with no console errors and no
network requests, and the figures are on the page.

Chromium is driven by tests/browser.py. Skips only when /usr/bin/chromium is absent and the CI
environment variable is unset.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from browser import chromium_tab
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
    assert set(hidden) <= {"<5"}
