"""The feedback report from the register through the service: the API, the web pages, in Chromium.

A register of two units (``kad-spec example --daily``, ``kad-spec register ingest``) on SQLite and
on PostgreSQL; a token for each unit and one for the directorate from ``kad-spec serve token add``;
``kad-spec serve --db`` on a free loopback port. The unit's report is its own token's or the
directorate's, the national report the directorate's only; the JSON is what ``kad-spec report
--db URL --format json`` gives for the same register; small numbers cannot be shown below the
published limit (min_cell 5); every answer is ``no-store`` and shows no 11-digit number.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import httpx
import pytest
from browser import Tab, artifacts_folder, sized_tab
from hostile import assert_no_traceback, run_cli
from register_stores import STORES, empty_register
from service_server import running_service

from kad_spec.service.headers import CSP

REPO = Path(__file__).resolve().parents[1]
KEY = "5eed" * 16
SEQUENCE = ("--from", "2025-01-01", "--to", "2025-03-31", "--units", "2", "--count", "200", "--seed", "3")
ELEVEN_DIGITS = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
REPORT_CSP = CSP.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
VIEWPORT = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}


def cli(*args, env: dict | None = None):
    run = run_cli(*args, env={"KAD_SPEC_REGISTER_KEY": KEY, **(env or {})}, timeout=180)
    assert run.returncode == 0, run.stderr
    assert_no_traceback(run.stdout, run.stderr)
    return run


def token_for(db: str, *who: str) -> str:
    return cli("serve", "token", "add", *who, "--db", db).stdout.strip()


@pytest.fixture(scope="module", params=STORES)
def site(request, tmp_path_factory):
    """A server on a register of two units, with a token per unit and the directorate's."""
    folder = tmp_path_factory.mktemp("rapport")
    db = empty_register(request, request.param, folder)
    messages = folder / "meldinger"
    cli("example", "--daily", *SEQUENCE, "-o", messages)
    cli("register", "ingest", messages, "--db", db)
    units = sorted(path.name for path in messages.iterdir() if path.is_dir())
    assert len(units) == 2 and all(re.fullmatch(r"[0-9]{9}", unit) for unit in units)
    tokens = {unit: token_for(db, "--unit", unit) for unit in units}
    directorate = token_for(db, "--directorate")
    with running_service("--db", db, "--workers", "1", env={"KAD_SPEC_REGISTER_KEY": KEY}) as server:
        server.db, server.units, server.tokens, server.directorate = db, units, tokens, directorate
        yield server
        assert_no_traceback(server.log())


def checked(answer: httpx.Response) -> httpx.Response:
    """Every answer: no caching, the security headers, no 11-digit number anywhere in it."""
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["x-content-type-options"] == "nosniff" and answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert not ELEVEN_DIGITS.search(answer.text), ELEVEN_DIGITS.search(answer.text).group()
    assert_no_traceback(answer.text)
    return answer


def get(site, path: str, token: str | None = None, headers: dict | None = None, **params) -> httpx.Response:
    sent = {**({"authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    return checked(httpx.get(site.url + path, params=params, headers=sent, timeout=120))


def post(site, path: str, token: str, **params) -> httpx.Response:
    return checked(httpx.post(site.url + path, params=params, data={"token": token}, timeout=120))


def unit_path(unit: str) -> str:
    return f"/api/v1/enheter/{unit}/rapport"


def cli_report(site, *args) -> dict:
    return json.loads(cli("report", "--db", site.db, "--format", "json", *args).stdout)


# -- who may see which report ---------------------------------------------------------------------
def test_a_units_report_is_its_own_tokens_and_the_directorates(site):
    first, second = site.units
    assert get(site, unit_path(first), site.tokens[first]).status_code == 200
    assert get(site, unit_path(second), site.tokens[second]).status_code == 200
    other = get(site, unit_path(second), site.tokens[first])
    assert other.status_code == 403 and {"feil", "error"} <= set(other.json())
    missing = get(site, unit_path(first))
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert get(site, unit_path(first), "kad_ukjent").status_code == 401
    for unit in site.units:
        assert get(site, unit_path(unit), site.directorate).status_code == 200
    assert get(site, "/api/v1/enheter/12345/rapport", site.directorate).status_code == 404


def test_the_national_report_is_the_directorates_only(site):
    assert get(site, "/api/v1/rapport", site.directorate).status_code == 200
    for unit in site.units:
        refused = get(site, "/api/v1/rapport", site.tokens[unit])
        assert refused.status_code == 403 and "direktoratet" in refused.json()["feil"]
    assert get(site, "/api/v1/rapport").status_code == 401


# -- the same report as the CLI's -----------------------------------------------------------------
def test_a_units_json_is_the_clis_for_the_same_register(site):
    for unit in site.units:
        answer = get(site, unit_path(unit), site.tokens[unit])
        assert answer.headers["content-type"] == "application/json"
        document = answer.json()
        assert document == cli_report(site, "--unit", unit)
        assert document["register"]["unit"] == unit and document["min_cell"] == 5
        assert document["reference_day"] == "2025-03-31" and document["stays"]["n"] > 100
        assert get(site, unit_path(unit), site.directorate).json() == document


def test_the_national_json_is_the_clis_with_every_unit(site):
    document = get(site, "/api/v1/rapport", site.directorate).json()
    assert document == cli_report(site)
    assert document["register"]["unit"] is None
    assert len(document["quality_over_time"]["scores"]) == 2
    assert sorted(unit["organisasjonsnummer"] for unit in document["units"]) == site.units


def test_a_period_and_a_higher_min_cell_are_the_clis_too(site):
    unit = site.units[0]
    document = get(site, unit_path(unit), site.tokens[unit], period="2025-02-01..2025-02-28", min_cell="8").json()
    assert document == cli_report(site, "--unit", unit, "--period", "2025-02-01..2025-02-28", "--min-cell", "8")
    assert document["min_cell"] == 8 and document["reference_day"] == "2025-02-28"
    assert document["register"]["period"] == {"from": "2025-02-01", "to": "2025-02-28"}
    open_start = get(site, "/api/v1/rapport", site.directorate, period="..2025-01-31").json()
    assert open_start == cli_report(site, "--period", "..2025-01-31")


@pytest.mark.parametrize("params, status", [
    ({"min_cell": "4"}, 400), ({"min_cell": "1"}, 400), ({"min_cell": "0"}, 400), ({"min_cell": "-5"}, 400),
    ({"min_cell": "fem"}, 400), ({"min_cell": ""}, 400), ({"period": "2025-01-01"}, 400),
    ({"period": "2025-02-30.."}, 400), ({"period": "2025-03-01..2025-01-01"}, 400), ({"lang": "sv"}, 400),
    ({"format": "pdf"}, 400)])
def test_a_lower_min_cell_or_a_bad_parameter_is_refused_in_both_languages(site, params, status):
    unit = site.units[0]
    for path, token in ((unit_path(unit), site.tokens[unit]), ("/api/v1/rapport", site.directorate)):
        answer = get(site, path, token, **params)
        assert answer.status_code == status, answer.text
        assert set(answer.json()) == {"feil", "error"}
    if "min_cell" in params:
        answer = get(site, unit_path(unit), site.tokens[unit], **params).json()
        assert "minst 5" in answer["feil"] and "at least 5" in answer["error"]


def test_a_report_is_read_from_a_snapshot_without_waiting_for_the_write_lock(site):
    """An ingest holding the register's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: the
    advisory lock) does not hold a report up: the report reads what is committed."""
    from kad_spec.register.store import Register

    unit = site.units[0]
    expected = get(site, unit_path(unit), site.tokens[unit]).json()
    with Register.open(site.db) as register, register.transaction():
        answer = get(site, unit_path(unit), site.tokens[unit])
        assert answer.status_code == 200 and answer.json() == expected


# -- the HTML ---------------------------------------------------------------------------------------
def test_the_report_as_html_in_bokmal_and_english_with_its_own_style_allowed(site):
    unit = site.units[0]
    for answer, lang in ((get(site, unit_path(unit), site.tokens[unit], format="html"), "nb"),
                         (get(site, unit_path(unit), site.tokens[unit], headers={"accept": "text/html"}, lang="en"),
                          "en"),
                         (get(site, "/api/v1/rapport", site.directorate, format="html", lang="en"), "en")):
        assert answer.status_code == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
        assert answer.text.startswith("<!DOCTYPE html>") and f'<html lang="{lang}">' in answer.text
        assert answer.headers["content-security-policy"] == REPORT_CSP
    assert "'unsafe-inline'" not in CSP and REPORT_CSP.count("'unsafe-inline'") == 1
    json_answer = get(site, unit_path(unit), site.tokens[unit], headers={"accept": "application/json"})
    assert json_answer.headers["content-type"] == "application/json"
    assert "unsafe-inline" not in json_answer.headers["content-security-policy"]
    assert get(site, unit_path(unit), site.tokens[unit], headers={"accept": "image/png"}).status_code == 406


# -- the web pages ----------------------------------------------------------------------------------
def test_the_report_pages_ask_for_the_token_in_a_form_and_follow_the_access_rules(site):
    first, second = site.units
    page = f"/enheter/{first}/rapport"
    form = get(site, page)
    assert form.status_code == 200 and 'type="password"' in form.text and f'action="{page}"' in form.text
    assert "unsafe-inline" not in form.headers["content-security-policy"]
    english = get(site, page, lang="en", min_cell="6")
    assert '<html lang="en">' in english.text and f'action="{page}?lang=en&amp;min_cell=6"' in english.text
    own = post(site, page, site.tokens[first], lang="en")
    assert own.status_code == 200 and '<html lang="en">' in own.text
    assert own.headers["content-security-policy"] == REPORT_CSP
    assert own.text == get(site, unit_path(first), site.tokens[first], format="html", lang="en").text
    assert post(site, page, site.directorate).status_code == 200
    assert post(site, page, site.tokens[second]).status_code == 403
    assert post(site, page, "kad_ukjent").status_code == 401
    assert post(site, page, "").status_code == 401
    assert post(site, page, site.tokens[first], min_cell="3").status_code == 400
    assert get(site, "/enheter/12345/rapport").status_code == 404
    national = get(site, "/rapport")
    assert national.status_code == 200 and 'action="/rapport"' in national.text
    assert post(site, "/rapport", site.tokens[first]).status_code == 403
    assert post(site, "/rapport", "kad_ukjent").status_code == 401
    shown = post(site, "/rapport", site.directorate)
    assert shown.status_code == 200 and shown.text == get(site, "/api/v1/rapport", site.directorate, format="html").text


def test_the_unit_status_page_links_to_the_units_report(site):
    unit = site.units[0]
    for answer in (get(site, f"/enheter/{unit}"), post(site, f"/enheter/{unit}", site.tokens[unit])):
        assert answer.status_code == 200 and f'href="/enheter/{unit}/rapport"' in answer.text
    assert f'href="/enheter/{unit}/rapport?lang=en"' in get(site, f"/enheter/{unit}", lang="en").text


def test_the_openapi_document_has_the_report_routes_behind_a_token(site):
    document = httpx.get(site.url + "/api/openapi.json").json()
    for path in ("/api/v1/enheter/{orgnr}/rapport", "/api/v1/rapport"):
        operation = document["paths"][path]["get"]
        assert operation["security"] == [{"token": []}] and {"200", "400", "401", "403"} <= set(operation["responses"])
        assert {p["name"] for p in operation["parameters"]} >= {"format", "lang", "min_cell", "period"}


# -- in a browser -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tab():
    with sized_tab("kad-rapport-", VIEWPORT) as tab:
        yield tab


@pytest.fixture(scope="module")
def artifacts() -> Path:
    return artifacts_folder()


def screenshot(tab: Tab, path: Path) -> None:
    height = tab.evaluate("Math.min(document.documentElement.scrollHeight, 4000)")
    tab.call("Emulation.setDeviceMetricsOverride", {**VIEWPORT, "height": int(height)})
    path.write_bytes(base64.b64decode(tab.call("Page.captureScreenshot", {"format": "png"})["data"]))
    tab.call("Emulation.setDeviceMetricsOverride", VIEWPORT)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def sign_in_and_show(tab: Tab, site, page: str, token: str) -> None:
    """The page's form, the token typed in it and sent; back when the report has loaded."""
    tab.open(site.url + page)
    assert tab.problems(warnings=True) == []
    assert tab.evaluate("document.querySelector('input[name=token]').type") == "password"
    tab.call("Runtime.evaluate", {"expression": "document.querySelector('input[name=token]').focus()"})
    tab.call("Input.insertText", {"text": token})
    tab.devtools.events.clear()
    tab.evaluate("document.querySelector('form.token button[type=submit]').click()")
    tab.devtools.wait_for("Page.loadEventFired", tab.session, timeout=120)


def requested(tab: Tab) -> list[str]:
    tab.evaluate("1")
    return [event["params"]["request"]["url"] for event in tab.devtools.events
            if event.get("method") == "Network.requestWillBeSent"]


def test_the_unit_and_national_report_pages_in_chromium(site, tab, artifacts):
    unit = site.units[0]
    sign_in_and_show(tab, site, f"/enheter/{unit}/rapport", site.tokens[unit])
    assert tab.problems(warnings=True) == []
    assert all(url.startswith(site.url + "/") for url in requested(tab)), requested(tab)
    assert tab.evaluate("document.documentElement.lang") == "nb"
    assert unit in tab.evaluate("document.body.innerText")
    assert tab.evaluate("document.querySelectorAll('table').length") > 3
    # the report's own inline style is let in (a blocked one would be a console error above, too)
    assert tab.evaluate("Array.from(document.querySelectorAll('style')).every(s => s.sheet && s.sheet.cssRules.length)")
    screenshot(tab, artifacts / "rapport-enhet.png")
    sign_in_and_show(tab, site, "/rapport?lang=en", site.directorate)
    assert tab.problems(warnings=True) == []
    assert all(url.startswith(site.url + "/") for url in requested(tab)), requested(tab)
    assert tab.evaluate("document.documentElement.lang") == "en"
    assert all(u in tab.evaluate("document.body.innerText") for u in site.units)
    screenshot(tab, artifacts / "rapport-nasjonal.png")
