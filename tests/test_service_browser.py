"""The service's web pages in headless Chromium, on the real server: upload through the form, see the findings.

Chromium is driven by tests/browser.py, as the documentation site's tests drive it; the file is
chosen in the form's file field (DOM.setFileInputFiles, what the file dialog does) and the form
is sent from the keyboard. Every page must load with no console error, no blocked or failed
request, and no request to any other address than the service's. Screenshots go to
test-artifacts/ (or $KAD_ARTIFACTS).

Skips only when /usr/bin/chromium is absent and the CI environment variable is unset; in CI
a missing browser is a failure.
"""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
import pytest
from browser import Tab, artifacts_folder, sized_tab
from hostile import EXAMPLES, run_cli

VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
KEYS = {"Tab": 9, "Enter": 13}


@pytest.fixture(scope="module")
def tab():
    with sized_tab("kad-tjeneste-", VIEWPORT) as tab:
        yield tab


@pytest.fixture(scope="module")
def artifacts() -> Path:
    return artifacts_folder()


@pytest.fixture(scope="module")
def defect(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("defekt") / "f.json"
    run = run_cli("example", "--defect", "KAD-TID-001", "-o", str(path))
    assert run.returncode == 0, run.stderr
    return path


def screenshot(tab: Tab, path: Path) -> None:
    """The whole page (up to 4000 px high) as PNG; the viewport is put back afterwards."""
    height = tab.evaluate("Math.min(document.documentElement.scrollHeight, 4000)")
    tab.call("Emulation.setDeviceMetricsOverride", {**VIEWPORT, "height": int(height)})
    path.write_bytes(base64.b64decode(tab.call("Page.captureScreenshot", {"format": "png"})["data"]))
    tab.call("Emulation.setDeviceMetricsOverride", VIEWPORT)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def press(tab: Tab, key: str) -> None:
    for kind in ("keyDown", "keyUp"):
        tab.call("Input.dispatchKeyEvent", {"type": kind, "key": key, "code": key, "windowsVirtualKeyCode": KEYS[key],
                                            **({"text": "\r"} if key == "Enter" and kind == "keyDown" else {})})


def focused(tab: Tab) -> str:
    return tab.evaluate("(e => e.tagName.toLowerCase() + (e.type ? ':' + e.type : '') + (e.id ? '#' + e.id : ''))"
                        "(document.activeElement)")


def tab_to(tab: Tab, wanted: str, most: int = 20) -> None:
    """Press Tab until ``wanted`` (as :func:`focused` names it) has the focus."""
    for _ in range(most):
        press(tab, "Tab")
        if focused(tab) == wanted:
            return
    raise AssertionError(f"{wanted} is not reached by the keyboard (last: {focused(tab)})")


def choose_file(tab: Tab, path: Path) -> None:
    """What the file dialog does: the file put in the form's file field."""
    root = tab.call("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = tab.call("DOM.querySelector", {"nodeId": root, "selector": "input[type=file]"})["nodeId"]
    tab.call("DOM.setFileInputFiles", {"files": [str(path)], "nodeId": node})


def drop_file(tab: Tab, path: Path) -> None:
    """A file dragged from the desktop and dropped on the file field (no script on the page takes it: the field does)."""
    box = tab.evaluate("(r => [r.x + r.width / 2, r.y + r.height / 2])"
                       "(document.querySelector('input[type=file]').getBoundingClientRect())")
    data = {"items": [], "files": [str(path)], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        tab.call("Input.dispatchDragEvent", {"type": kind, "x": box[0], "y": box[1], "data": data})
    assert tab.evaluate("document.querySelector('input[type=file]').files.length") == 1


def send_by_keyboard(tab: Tab) -> None:
    """From the file field, Tab to the button and press Enter; back when the answer has loaded."""
    tab.evaluate("document.querySelector('input[type=file]').focus()")
    tab_to(tab, "button:submit")
    tab.devtools.events.clear()
    press(tab, "Enter")
    tab.devtools.wait_for("Page.loadEventFired", tab.session, timeout=60)


def requests(tab: Tab) -> list[str]:
    tab.evaluate("1")
    return [event["params"]["request"]["url"] for event in tab.devtools.events
            if event.get("method") == "Network.requestWillBeSent"]


def assert_clean(tab: Tab, server) -> None:
    assert tab.problems(warnings=True) == []
    assert all(url.startswith(server.url + "/") for url in requests(tab)), requests(tab)


def upload(tab: Tab, server, path: Path, lang: str = "nb", put=choose_file) -> None:
    tab.open(server.url + ("/?lang=en" if lang == "en" else "/"))
    assert_clean(tab, server)
    put(tab, path)
    send_by_keyboard(tab)
    assert_clean(tab, server)


def test_the_front_page_loads_cleanly_and_works_from_the_keyboard(service, tab, artifacts):
    tab.open(service.url + "/")
    assert_clean(tab, service)
    assert tab.evaluate("document.title").startswith("Valider en KAD-melding")
    press(tab, "Tab")
    assert focused(tab) == "a" and tab.evaluate("document.activeElement.getAttribute('href')") == "#innhold"
    assert tab.evaluate("document.activeElement.getBoundingClientRect().top") >= 0, "the skip link shows when focused"
    press(tab, "Enter")
    assert focused(tab) == "main#innhold"
    tab_to(tab, "input:file#fil")
    style = tab.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert style == "solid", "the focused field has a visible outline"
    tab.open(service.url + "/")
    screenshot(tab, artifacts / "tjeneste-forside.png")


def test_the_valid_example_through_the_form_is_accepted(service, tab, artifacts):
    upload(tab, service, EXAMPLES / "kad-melding.json")
    assert tab.evaluate("document.title").startswith("Resultat for kad-melding.json")
    assert tab.evaluate("document.querySelector('.utfall').textContent") == "Godkjent"
    assert tab.evaluate("!!document.querySelector('.ingen-funn')")
    screenshot(tab, artifacts / "tjeneste-gyldig.png")


def test_a_defect_file_through_the_form_shows_its_finding_and_rule(service, tab, artifacts, defect):
    upload(tab, service, defect)
    expected = httpx.post(service.url + "/api/v1/validering", content=defect.read_bytes(),
                          params={"navn": defect.name}).json()["files"][0]["findings"]
    rows = tab.evaluate("""Array.from(document.querySelectorAll('section.opphold')).map(s => ({
        stay: s.querySelector('h3 code') && s.querySelector('h3 code').textContent,
        rows: Array.from(s.querySelectorAll('tbody tr')).map(r => [r.cells[1].querySelector('a').textContent,
                                                                     r.cells[2].textContent])}))""")
    assert rows == [{"stay": "KAD-2025-000123", "rows": [[f["rule_id"], f["message"]] for f in expected]}]
    screenshot(tab, artifacts / "tjeneste-funn.png")
    tab.devtools.events.clear()
    tab.evaluate("document.querySelector('section.opphold a').click()")
    tab.devtools.wait_for("Page.loadEventFired", tab.session)
    assert tab.evaluate("location.pathname") == "/dokumentasjon/regler/kad-tid-001.html"
    assert "KAD-TID-001" in tab.evaluate("document.title")
    assert_clean(tab, service)


def test_a_file_dropped_on_the_field_in_english(service, tab, artifacts, defect):
    upload(tab, service, defect, lang="en", put=drop_file)
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert tab.evaluate("document.title").startswith("Result for f.json")
    expected = httpx.post(service.url + "/api/v1/validering", content=defect.read_bytes(),
                          params={"navn": defect.name, "lang": "en"}).json()["files"][0]["findings"]
    message = tab.evaluate("document.querySelector('section.opphold tbody td:nth-child(3)').textContent")
    assert message == expected[0]["message"] and "before" in message
    screenshot(tab, artifacts / "tjeneste-funn-en.png")


def test_the_unit_page_and_the_documentation_load_cleanly(service, tab, artifacts):
    tab.open(service.url + "/enheter/310000019")
    assert_clean(tab, service)
    assert tab.evaluate("document.querySelector('input[name=token]').type") == "password"
    screenshot(tab, artifacts / "tjeneste-enhet.png")
    for page in ("/dokumentasjon/", "/dokumentasjon/modell.html", "/dokumentasjon/kodeverk/kommunenummer.html"):
        tab.open(service.url + page)
        assert_clean(tab, service)
    rows = tab.evaluate("""(async () => {
        const input = document.querySelector('.kodesok input');
        input.value = 'Halden';
        input.dispatchEvent(new Event('input', {bubbles: true}));
        await new Promise(r => setTimeout(r, 50));
        return document.querySelectorAll('.kodesok tbody tr').length;
    })()""")
    assert rows == 3, "the documentation's search script runs under the service's policy"
