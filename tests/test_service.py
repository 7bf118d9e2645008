"""The validation service (kad-spec serve), started for real and driven over HTTP.

The reports of ``POST /api/v1/validering`` are compared with ``kad-spec validate`` run as a
process on the same bytes under the same name: the same report, byte for byte, but for the
receipt's time and id.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import httpx
import pytest
from hostile import EXAMPLES, run_cli

VALIDATE = "/api/v1/validering"
INVALID = sorted((EXAMPLES / "ugyldig").iterdir())
MESSAGES = [EXAMPLES / "kad-melding.json", EXAMPLES / "kad-melding.xml", EXAMPLES / "konvolutt-kad-melding.xml",
            *INVALID]
FORMATS = ("json", "sarif", "junit", "apprec", "text")
PERSON_ID = "12834041276"  # a (synthetic) person number in the bundled example


def post(server, data: bytes, timeout: float = 60, **params) -> httpx.Response:
    return httpx.post(server.url + VALIDATE, content=data, params=params, timeout=timeout)


def cli_report(path: Path, fmt: str, lang: str, folder: Path, *options) -> str:
    """``kad-spec validate`` in a process, on a copy of ``path`` named as the service names it."""
    copy = folder / path.name
    shutil.copyfile(path, copy)
    run = run_cli("validate", "--format", fmt, "--lang", lang, *options, copy.name, cwd=folder)
    assert run.returncode in (0, 1), run.stderr
    return run.stdout


def without_receipt_time(text: str) -> str:
    """A receipt's time of making and its own id differ from run to run; nothing else may."""
    text = re.sub(r"<GenDate>[^<]*</GenDate>", "<GenDate/>", text, count=1)
    return re.sub(r"(</GenDate>|<GenDate/>)(\s*)<Id>[^<]*</Id>", r"\1\2<Id/>", text, count=1)


def test_health_answers_with_the_versions(service):
    answer = httpx.get(service.url + "/api/v1/helse")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok" and body["tool"]["name"] == "kad-spec"
    assert body["specification_version"] and body["codelist_editions"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "unsafe-inline" not in answer.headers["content-security-policy"]
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", MESSAGES, ids=lambda p: p.name)
def test_the_json_report_is_the_cli_report_byte_for_byte(service, path, tmp_path):
    answer = post(service, path.read_bytes(), format="json", navn=path.name)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.text == cli_report(path, "json", "nb", tmp_path)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ("nb", "en"))
def test_every_format_in_both_languages_is_the_cli_report(service, fmt, lang, tmp_path):
    path = EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.xml"
    answer = post(service, path.read_bytes(), format=fmt, lang=lang, navn=path.name)
    assert answer.status_code == 200, answer.text
    assert answer.headers["kad-resultat"] == "partly_accepted" and answer.headers["kad-feil"] == "1"
    expected = cli_report(path, fmt, lang, tmp_path)
    assert without_receipt_time(answer.text) == without_receipt_time(expected)
    assert ("is not a valid code for" in answer.text) == (lang == "en")
    assert PERSON_ID not in answer.text


def test_the_config_of_the_server_is_applied_as_validate_applies_it(start_service, tmp_path):
    config = EXAMPLES / "kad-spec.yaml"
    server = start_service("--config", config)
    path = EXAMPLES / "ugyldig" / "KAD-STR-002-ukjent-element.json"
    answer = post(server, path.read_bytes(), navn=path.name)
    assert answer.status_code == 200
    assert answer.text == cli_report(path, "json", "nb", tmp_path, "--config", config)
    assert json.loads(answer.text)["summary"]["warnings"] == 1  # KAD-STR-002 made a warning by the config


def test_a_bad_config_stops_the_start(tmp_path):
    config = tmp_path / "feil.yaml"
    config.write_text("severity_overrides: [\n", encoding="utf-8")
    run = run_cli("serve", "--port", "0", "--config", config, timeout=60)
    assert run.returncode == 2 and "feil.yaml" in run.stderr


@pytest.mark.parametrize("accept, fmt, media", [
    ("application/json", "json", "application/json"),
    ("application/sarif+json", "sarif", "application/sarif+json"),
    ("application/junit+xml", "junit", "application/xml"),
    ("application/xml", "apprec", "application/xml"),
    ("text/plain", "text", "text/plain; charset=utf-8"),
    ("text/html;q=0.9, application/sarif+json;q=0.5, application/xml;q=0.8", "apprec", "application/xml"),
    ("*/*", "json", "application/json"),
])
def test_accept_chooses_the_format(service, accept, fmt, media):
    data = (EXAMPLES / "kad-melding.json").read_bytes()
    answer = httpx.post(service.url + VALIDATE, content=data, headers={"accept": accept})
    assert answer.status_code == 200 and answer.headers["content-type"] == media
    by_query = post(service, data, format=fmt)
    assert without_receipt_time(answer.text) == without_receipt_time(by_query.text)


@pytest.mark.parametrize("params, headers, status", [
    ({"lang": "de"}, {}, 400),
    ({"format": "pdf"}, {}, 400),
    ({}, {"accept": "image/png"}, 406),
    ({}, {"content-type": "multipart/form-data; boundary=x"}, 415),
])
def test_what_the_service_cannot_do_is_a_clear_json_error(service, params, headers, status):
    answer = httpx.post(service.url + VALIDATE, content=b"{}", params=params, headers=headers)
    assert answer.status_code == status
    body = answer.json()
    assert body["feil"] and body["error"] and answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/finnes-ikke", 404), ("GET", "/api/v1/enheter/12834041276", 404),
    ("GET", VALIDATE, 405), ("DELETE", "/api/v1/helse", 405),
])
def test_unknown_paths_and_methods_are_json_errors_with_the_headers(service, method, path, status):
    answer = httpx.request(method, service.url + path)
    assert answer.status_code == status
    assert set(answer.json()) == {"feil", "error"}
    assert answer.headers["content-security-policy"].startswith("default-src 'none'")
    assert answer.headers["referrer-policy"] == "no-referrer"


def test_the_content_type_is_not_trusted_the_engine_sniffs(service):
    data = (EXAMPLES / "kad-melding.xml").read_bytes()
    answer = httpx.post(service.url + VALIDATE, content=data, headers={"content-type": "application/json"})
    assert answer.status_code == 200 and answer.json()["files"][0]["format"] == "xml"


def test_the_log_shows_counts_and_routes_never_content_names_or_ids(service):
    data = (EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.json").read_bytes()
    assert post(service, data, navn=f"{PERSON_ID}.json").status_code == 200
    httpx.get(service.url + f"/api/v1/enheter/{PERSON_ID}/status")
    log = service.log()
    assert "validering: json" in log and "POST /api/v1/validering 200" in log
    for secret in (PERSON_ID, "0b5c7f0e", "KAD-2025-000123", "Nedre Glomma", "navn="):
        assert secret not in log
    assert "Traceback" not in log


NOT_IN_THE_API_DOCUMENT = {("/api/docs.css", "get")}  # the docs page's stylesheet: part of the page, not the API


def api_routes() -> set[tuple[str, str]]:
    """Every (path, method) of the app's routes under /api/ (HEAD aside: Starlette adds it to GET)."""
    from starlette.routing import Route

    from kad_spec.service import ServiceSettings
    from kad_spec.service.app import create_app

    routes = create_app(ServiceSettings()).routes
    assert all(isinstance(route, Route) for route in routes)  # no Mount whose routes this would miss
    return {(route.path, method.lower()) for route in routes if route.path.startswith("/api/")
            for method in route.methods - {"HEAD"}}


def test_the_openapi_document_is_valid_3_1_and_covers_every_api_route(service):
    from openapi_spec_validator import validate

    answer = httpx.get(service.url + "/api/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    validate(document)
    assert document["openapi"] == "3.1.0"
    routes = api_routes()
    assert NOT_IN_THE_API_DOCUMENT <= routes  # the exception is a route, or it would hide nothing
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes - NOT_IN_THE_API_DOCUMENT - described == set(), "routes the document does not describe"
    assert described - routes == set(), "operations in the document the app has no route for"
    for path in ("/api/v1/innsending", "/api/v1/enheter", "/api/v1/enheter/{orgnr}/status",
                 "/api/v1/enheter/{orgnr}/funn"):
        assert all(op["security"] == [{"token": []}] for op in document["paths"][path].values())
        assert {"401", "403"} <= set(next(iter(document["paths"][path].values()))["responses"])


def test_every_operation_in_the_served_document_is_answered_by_the_server(service):
    """Each path and method of /api/openapi.json, asked of the server: never 404 or 405, the code
    the document gives for it (the server has no register: 503 for the units' data)."""
    document = httpx.get(service.url + "/api/openapi.json").json()
    asked = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            address = path.replace("{orgnr}", "310000019")
            answer = httpx.request(method.upper(), service.url + address, content=b"{}" if method == "post" else None,
                                   timeout=60)
            assert answer.status_code not in (404, 405), (method, path, answer.status_code)
            assert str(answer.status_code) in operation["responses"], (method, path, answer.status_code)
            asked += 1
    assert asked == len(api_routes() - NOT_IN_THE_API_DOCUMENT)
    for path, method in NOT_IN_THE_API_DOCUMENT:
        assert httpx.request(method.upper(), service.url + path).status_code == 200


def test_the_api_docs_page_is_plain_html_with_no_script_and_no_outside_resource(service):
    answer = httpx.get(service.url + "/api/docs")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    page = answer.text
    for path in ("/api/v1/validering", "/api/v1/innsending", "/api/v1/enheter/{orgnr}/funn", "/api/v1/helse"):
        assert path in page
    assert "<script" not in page and "style=" not in page and "<style" not in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)  # nothing from elsewhere
    css = httpx.get(service.url + "/api/docs.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert 'href="/api/docs.css"' in page


UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_id_echoed_by_a_finding_is_masked_in_every_format(service, fmt):
    from conftest import base_message

    message = base_message()
    message["opphold"][0]["pasient"]["id"] = "12834041277"  # a wrong check digit: the finding quotes it
    data = json.dumps(message, ensure_ascii=False).encode()
    answer = post(service, data, format=fmt, navn="12834041277.json")
    assert answer.status_code == 200 and int(answer.headers["kad-feil"]) >= 1
    # A receipt's own UUIDs are random hex, and can hold eleven digits in a row: they are no id.
    assert not re.search(r"\d{11}", UUID.sub("<uuid>", answer.text)), fmt
    assert "12834041277" not in answer.text and "12834041277" not in service.log()


def test_a_worker_keeps_its_reports_in_memory_never_in_a_temporary_file(monkeypatch):
    import tempfile

    from kad_spec.reports import ReportWriter, writer_for
    from kad_spec.service import jobs

    monkeypatch.setattr(ReportWriter, "spool_bytes", ReportWriter.spool_bytes)  # undone after the test
    jobs.setup(None)
    for fmt in ("json", "sarif", "junit", "text"):
        writer = writer_for(fmt, "nb")
        spools = [writer.body, *([writer.artifacts] if fmt == "sarif" else [])]
        for spool in spools:
            spool.write("x" * (8 << 20))  # twice the size at which the CLI's spool moves to a file
            assert isinstance(spool, tempfile.SpooledTemporaryFile) and not spool._rolled
            spool.close()
