"""The service's web pages over HTTP, on the real server: the front page, the upload, the documentation, a unit's page.

The uploads go as a browser sends them, ``multipart/form-data`` from the front page's form
(httpx encodes ``files=`` the same way). The answer page is read with lxml and compared with the
JSON report that ``POST /api/v1/validering`` gives for the same bytes under the same name: the
same findings, in the same order, under their stays. The unit page's access seam is driven in
process (its token check is the access module's to set), against a SQLite register.
"""

from __future__ import annotations

import asyncio
import json
import re
from urllib.parse import urlsplit

import httpx
import lxml.html
import pytest
from hostile import EXAMPLES, run_cli

PERSON_ID = "12834041276"  # a (synthetic) person number in the bundled example
UNIT = "310000019"  # the bundled example's unit
VALID = EXAMPLES / "kad-melding.json"


@pytest.fixture(scope="module")
def defect(tmp_path_factory):
    """A message with one defect (KAD-TID-001), made as a vendor would make one."""
    path = tmp_path_factory.mktemp("defekt") / "f.json"
    run = run_cli("example", "--defect", "KAD-TID-001", "-o", str(path))
    assert run.returncode == 0, run.stderr
    return path


def many_findings() -> bytes:
    """The example with a finding about the message and one in each of two stays."""
    message = json.loads(VALID.read_text(encoding="utf-8"))
    message["opphold"][0]["utskrivningstidspunkt"] = "2025-03-01T10:00:00"  # KAD-TID-001
    message["opphold"][2]["pasient"]["kjonn"] = "7"  # KAD-KL-001
    del message["virksomhet"]["navn"]  # KAD-STR-001, about the message as a whole
    return json.dumps(message, ensure_ascii=False).encode()


def upload(server, data: bytes, name: str = "melding.json", lang: str | None = None, **options) -> httpx.Response:
    params = {"lang": lang} if lang else {}
    return httpx.post(server.url + "/sjekk", params=params, files={"fil": (name, data, "application/json")},
                      timeout=60, **options)


def api_report(server, data: bytes, name: str, lang: str = "nb") -> dict:
    answer = httpx.post(server.url + "/api/v1/validering", content=data,
                        params={"format": "json", "lang": lang, "navn": name}, timeout=60)
    assert answer.status_code == 200
    return answer.json()


def document(answer: httpx.Response):
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    return lxml.html.fromstring(answer.text)


def text_of(element) -> str:
    return " ".join(element.text_content().split())


def page_groups(page) -> list[tuple[str | None, int | None, list[tuple[str, str, str]]]]:
    """Each stay's section on the answer page: its opphold_id and place (None, None: the message), and its
    rows (rule, severity, message)."""
    groups = []
    for section in page.xpath("//section[contains(@class, 'opphold')]"):
        code = section.xpath("./h3/code")
        place = re.search(r"\((?:nr|no)\. (\d+) ", text_of(section.xpath("./h3")[0]))
        rows = [(text_of(row.xpath("./td[2]/a")[0]), row.xpath("./td[1]/span/@class")[0].split("alvor-")[1],
                 text_of(row.xpath("./td[3]")[0])) for row in section.xpath(".//tbody/tr")]
        groups.append((text_of(code[0]) if code else None, int(place.group(1)) if place else None, rows))
    return groups


def facts_of(page) -> dict[str, str]:
    """The summary's terms and values."""
    facts = page.xpath("//dl[@class='fakta']")[0]
    return dict(zip(map(text_of, facts.xpath("./dt")), map(text_of, facts.xpath("./dd"))))


def report_groups(report: dict) -> list[tuple[str | None, int | None, list[tuple[str, str, str]]]]:
    """The same from the JSON report: the message's findings first, then each stay (its id and its place in
    the message, from its JSON pointer) in the order it first appears."""
    groups: dict[tuple, list] = {(None, None): []}
    for finding in report["files"][0]["findings"]:
        place = re.match(r"/opphold/(\d+)", finding["pointer"] or "")
        key = (finding["opphold_id"], int(place.group(1)) + 1 if place else None)
        groups.setdefault(key, []).append((finding["rule_id"], finding["severity"], " ".join(finding["message"].split())))
    return [(*key, rows) for key, rows in groups.items() if rows]


def assert_plain_page(answer: httpx.Response) -> None:
    """No script, no inline style, nothing from another site; the service's headers."""
    page = document(answer)
    assert not page.xpath("//script") and not page.xpath("//*[@style]") and not page.xpath("//style")
    for link in page.xpath("//@href | //@src | //@action"):
        assert not urlsplit(link).netloc, link
    policy = answer.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"


# -- the front page ------------------------------------------------------------------------------
def test_the_front_page_is_a_plain_form_in_bokmaal(service):
    answer = httpx.get(service.url + "/")
    assert answer.status_code == 200
    assert_plain_page(answer)
    page = document(answer)
    assert page.get("lang") == "nb" and "Valider en KAD-melding" in text_of(page.xpath("//h1")[0])
    form = page.xpath("//form[@class='opplasting']")[0]
    assert (form.get("method"), form.get("action"), form.get("enctype")) == ("post", "/sjekk", "multipart/form-data")
    field = form.xpath(".//input[@type='file']")[0]
    assert field.get("name") == "fil" and field.get("required") is not None
    assert form.xpath(f".//label[@for='{field.get('id')}']"), "the file field has a label"
    assert form.xpath(".//button[@type='submit']")
    skip = page.xpath("//body/*[1]")[0]
    assert skip.tag == "a" and skip.get("href") == "#innhold" and page.xpath("//main[@id='innhold']")
    assert page.xpath("//link[@rel='stylesheet']/@href") == ["/static/tjeneste.css"]
    assert page.xpath("//a[@hreflang='en']/@href") == ["/?lang=en"]


def test_the_front_page_in_english(service):
    page = document(httpx.get(service.url + "/", params={"lang": "en"}))
    assert page.get("lang") == "en" and "Validate a KAD message" in text_of(page.xpath("//h1")[0])
    assert page.xpath("//form[@class='opplasting']/@action") == ["/sjekk?lang=en"]
    assert page.xpath("//a[@hreflang='nb']/@href") == ["/"]
    assert "Valider" not in text_of(page.xpath("//main")[0])


def test_the_stylesheet_and_the_icon_are_files_of_the_service(service):
    css = httpx.get(service.url + "/static/tjeneste.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert ":focus-visible" in css.text and "@import" not in css.text and "url(" not in css.text
    icon = httpx.get(service.url + "/static/ikon.svg")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    assert httpx.get(service.url + "/static/finnes-ikke.css").status_code == 404


# -- the upload ----------------------------------------------------------------------------------
def test_a_valid_message_is_accepted_with_no_findings(service):
    answer = upload(service, VALID.read_bytes(), "kad-melding.json")
    assert answer.status_code == 200
    assert_plain_page(answer)
    assert answer.headers["cache-control"] == "no-store"
    page = document(answer)
    assert "kad-melding.json" in text_of(page.xpath("//h1")[0])
    assert facts_of(page) == {"Utfall": "Godkjent", "Format": "JSON", "Opphold": "4", "Feil": "0", "Advarsler": "0"}
    assert page.xpath("//p[@class='ingen-funn']") and not page.xpath("//section[contains(@class, 'opphold')]")


def test_a_defect_is_shown_under_its_stay_with_a_link_to_its_rule(service, defect):
    answer = upload(service, defect.read_bytes(), "f.json")
    assert answer.status_code == 200
    page = document(answer)
    assert page_groups(page) == report_groups(api_report(service, defect.read_bytes(), "f.json"))
    section = page.xpath("//section[contains(@class, 'opphold')]")[0]
    assert text_of(section.xpath("./h3")[0]).startswith("Opphold KAD-2025-000123 (nr. 1 i meldingen)")
    assert section.xpath(".//a/@href") == ["/dokumentasjon/regler/kad-tid-001.html"]
    assert facts_of(page)["Utfall"].startswith("Delvis godkjent") and facts_of(page)["Feil"] == "1"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_findings_are_grouped_by_stay_as_the_api_reports_them(service, lang):
    data = many_findings()
    page = document(upload(service, data, "mange.json", lang=lang))
    expected = report_groups(api_report(service, data, "mange.json", lang))
    assert [(stay, place) for stay, place, _ in expected] == [(None, None), ("KAD-2025-000123", 1), ("KAD-2025-000125", 3)]
    assert page_groups(page) == expected
    assert page.get("lang") == lang
    heading = text_of(page.xpath("//section[contains(@class, 'opphold')]/h3")[0])
    assert heading.startswith("The message as a whole" if lang == "en" else "Meldingen som helhet")


def test_every_rule_link_on_the_answer_leads_to_the_rule_page(service):
    page = document(upload(service, many_findings(), "mange.json"))
    links = page.xpath("//section[contains(@class, 'opphold')]//a/@href")
    assert len(links) == 3
    for link in links:
        target = httpx.get(service.url + link)
        assert target.status_code == 200, link
        assert link.rsplit("/", 1)[1].removesuffix(".html").upper() in target.text


def test_findings_over_the_limit_per_rule_are_counted_under_their_stays(service):
    run = run_cli("example", "-n", "1004")
    message = json.loads(run.stdout)
    for stay in message["opphold"]:
        stay["pasient"]["kjonn"] = "7"  # KAD-KL-001 in every stay: 4 more than the report shows
    data = json.dumps(message).encode()
    page = document(upload(service, data, "mange.json"))
    report = api_report(service, data, "mange.json")
    omitted = sum(item["count"] for item in report["files"][0]["omitted"])
    assert omitted == 4 and facts_of(page)["Ikke vist (over grensen per regel)"] == "4"
    rows = page.xpath("//tr[@class='utelatt']")
    assert len(rows) == len(report["files"][0]["omitted"]) == 1
    assert "4 funn til etter regel KAD-KL-001" in text_of(rows[0])
    assert page.xpath("//section[contains(@class, 'counted')]//tr[@class='utelatt']") == rows
    # a stay per section, though the output boundary masks some of their ids alike (KAD-2025-0000001 …)
    assert len(page.xpath("//section[contains(@class, 'stay')]")) == 1000
    assert page_groups(page)[:-1] == report_groups(report)


def test_a_waiver_of_the_servers_config_is_shown_with_its_reason(start_service):
    server = start_service("--config", EXAMPLES / "kad-spec.yaml")
    message = json.loads(VALID.read_text(encoding="utf-8"))
    message["opphold"][1]["pasient"]["kjonn"] = "7"  # KAD-KL-001 in KAD-2025-000124: waived by the config
    data = json.dumps(message).encode()
    page = document(upload(server, data, "unntak.json"))
    report = api_report(server, data, "unntak.json")
    assert report["summary"]["waived"] == 1
    assert facts_of(page)["Unntatt"] == "1"
    row = text_of(page.xpath("//section[contains(@class, 'opphold')]//tbody/tr")[0])
    assert "unntatt: Statuskoden rettes i fagsystemet" in row


def test_no_person_id_is_shown_not_even_in_the_file_name(service):
    path = EXAMPLES / "ugyldig" / "KAD-KL-001-ukjent-kjonn.json"
    broken_id = run_cli("example", "--defect", "KAD-ID-001")  # a message whose finding quotes a person number
    assert broken_id.returncode == 0
    for data in (path.read_bytes(), broken_id.stdout.encode()):
        ids = set(re.findall(rb"\d{11}", data))
        assert ids
        answer = upload(service, data, f"{PERSON_ID}.json")
        assert answer.status_code == 200
        for person in ids:
            assert person.decode() not in answer.text
        assert "*********76.json" in answer.text  # the file name, masked as every report masks it


def test_the_log_has_counts_never_the_name_or_the_content(service):
    upload(service, many_findings(), f"{PERSON_ID}.json")
    log = service.log()
    assert "validering (side):" in log and "POST /sjekk 200" in log
    for secret in (PERSON_ID, "KAD-2025-000123", "Nedre Glomma", "mange.json"):
        assert secret not in log


@pytest.mark.parametrize("name", ["KAD-FIL-001-avkortet.json", "KAD-FIL-001-avkortet.xml"])
def test_a_file_that_is_not_a_message_gets_a_finding_not_an_error(service, name):
    answer = upload(service, (EXAMPLES / "ugyldig" / name).read_bytes(), name)
    assert answer.status_code == 200
    assert "KAD-FIL-001" in text_of(document(answer).xpath("//section[contains(@class, 'opphold')]")[0])


def test_random_bytes_are_a_finding_too(service):
    answer = upload(service, bytes(range(256)) * 40, "tilfeldig.bin")
    assert answer.status_code == 200 and "KAD-FIL-" in answer.text


def test_no_file_chosen_gives_the_form_again_with_a_message(service):
    answer = httpx.post(service.url + "/sjekk", files={"fil": ("", b"", "application/octet-stream")})
    assert answer.status_code == 400
    page = document(answer)
    assert "Velg en fil" in text_of(page.xpath("//*[@role='alert']")[0])
    assert page.xpath("//form[@class='opplasting']//input[@type='file']")


@pytest.mark.parametrize("body, content_type", [
    (b'{"a": 1}', "application/json"),
    (b"--x\r\nContent-Disposition: form-data; name=\"fil\"; filename=\"a.json\"\r\n\r\n{", "multipart/form-data; boundary=x"),
    (b"", "multipart/form-data; boundary=x"),
])
def test_what_is_not_the_pages_form_is_a_400_page(service, body, content_type):
    answer = httpx.post(service.url + "/sjekk", content=body, headers={"content-type": content_type})
    assert answer.status_code == 400
    assert "Skjemaet kom ikke fram" in answer.text and "Traceback" not in answer.text


def test_the_answer_address_sends_a_reload_to_the_front_page(service):
    answer = httpx.get(service.url + "/sjekk", params={"lang": "en"})
    assert answer.status_code == 303 and answer.headers["location"] == "/?lang=en"


def test_the_size_limit_holds_for_the_form_as_for_the_api(start_service):
    server = start_service("--max-body-mb", "0.01")
    small = upload(server, VALID.read_bytes()[:2000], "liten.json")
    assert small.status_code == 200
    big = upload(server, b" " * 20_000 + VALID.read_bytes(), "stor.json", lang="en")
    assert big.status_code == 413
    assert "larger than the limit of 0.01 MB" in big.text
    assert document(big).xpath("//form[@class='opplasting']")


# -- the documentation -------------------------------------------------------------------------
def test_the_documentation_site_is_served_under_its_own_path(service):
    folder = httpx.get(service.url + "/dokumentasjon")
    assert folder.status_code == 308 and folder.headers["location"] == "/dokumentasjon/"
    front = httpx.get(service.url + "/dokumentasjon/")
    assert front.status_code == 200 and "<html" in front.text
    assert front.headers["cache-control"].startswith("public")
    policy = front.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "script-src 'self'" in policy and policy.startswith("default-src 'none'")
    rules = httpx.get(service.url + "/dokumentasjon/regler")
    assert rules.status_code == 308 and rules.headers["location"] == "/dokumentasjon/regler/"
    css = httpx.get(service.url + "/dokumentasjon/ressurser/stil.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    script = httpx.get(service.url + "/dokumentasjon/ressurser/sok.js")
    assert script.headers["content-type"].startswith("text/javascript")
    example = httpx.get(service.url + "/dokumentasjon/nedlasting/eksempler/kad-melding.json")
    assert example.content == VALID.read_bytes()
    for missing in ("/dokumentasjon/finnes-ikke.html", "/dokumentasjon/.kad-spec-site", "/dokumentasjon/../pyproject.toml"):
        answer = httpx.get(service.url + missing)
        assert answer.status_code == 404, missing


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_front_pages_links_lead_somewhere(service, lang):
    page = document(httpx.get(service.url + "/", params={"lang": lang}))
    for link in set(page.xpath("//a/@href")) - {"#innhold"}:
        address, _, fragment = link.partition("#")
        target = httpx.get(service.url + address, follow_redirects=True)
        assert target.status_code == 200, link
        assert not fragment or f'id="{fragment}"' in target.text, link


# -- a unit's page -------------------------------------------------------------------------------
def test_the_unit_page_asks_for_the_token_in_a_form_never_in_the_address(service):
    answer = httpx.get(service.url + f"/enheter/{UNIT}")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    assert_plain_page(answer)
    form = document(answer).xpath("//form[@class='token']")[0]
    assert form.get("method") == "post" and form.get("action") == f"/enheter/{UNIT}"
    field = form.xpath(".//input[@name='token']")[0]
    assert field.get("type") == "password" and field.get("autocomplete") == "off"


def test_without_an_access_check_the_unit_page_refuses_every_token(service):
    answer = httpx.post(service.url + f"/enheter/{UNIT}", data={"token": "hva-som-helst"})
    assert answer.status_code == 503 and "ikke satt opp" in answer.text
    assert httpx.post(service.url + f"/enheter/{UNIT}", data={"token": ""}).status_code == 401
    assert httpx.get(service.url + "/enheter/12345").status_code == 404
    assert "hva-som-helst" not in service.log()


@pytest.fixture(scope="module")
def register_url(tmp_path_factory) -> str:
    """A SQLite register with the bundled example taken in."""
    from kad_spec.register.ingest import ingest
    from kad_spec.register.store import Register

    folder = tmp_path_factory.mktemp("register")
    url = f"sqlite:///{folder / 'kad.db'}"
    message = json.loads(VALID.read_text(encoding="utf-8"))
    del message["opphold"][3]["utskrivningstidspunkt"]  # an open stay
    message["opphold"][1]["pasient"]["kjonn"] = "7"  # a stay the engine refuses, with an open finding
    path = folder / "melding.json"
    path.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
    with Register.open(url) as register:
        ingest([path], register, b"k" * 32)
    return url


class InProcess:
    """The app driven in this process over ASGI (its lifespan not run: the unit page needs no worker process)."""

    def __init__(self, app):
        self.app = app

    def post(self, path: str, data: dict) -> httpx.Response:
        async def send():
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
                return await client.post(path, data=data)

        return asyncio.run(send())


@pytest.fixture
def unit_client(register_url, monkeypatch):
    """The app with the register, its access check a table of two tokens."""
    from kad_spec.service import ServiceSettings, create_app

    monkeypatch.setenv("KAD_SPEC_REGISTER_KEY", "0123456789abcdef" * 4)  # a test key, as the operator sets one
    app = create_app(ServiceSettings(db_url=register_url))
    app.state.unit_of_token = {"eget": UNIT, "annet": "974600951"}.get
    return InProcess(app)


def status_in_register(url: str) -> dict:
    from kad_spec.register import store

    with store.Register.open(url) as register, register.transaction() as connection:
        return store.unit_status(connection, UNIT)[0]


def test_the_unit_page_shows_the_units_status_for_its_own_token(unit_client, register_url):
    expected = status_in_register(register_url)
    answer = unit_client.post(f"/enheter/{UNIT}", data={"token": "eget"})
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    page = document(answer)
    facts = facts_of(page)
    assert facts["Meldinger"] == "1 (1 tatt inn, 0 avvist)"
    assert facts["Opphold"].startswith(f"{expected['stays']['current']} gjeldende, {expected['stays']['open']} av dem åpne")
    assert facts["Siste melding opprettet"] == expected["last_created"]
    rules = [text_of(a) for a in page.xpath("//table[@class='funn']//a")]
    assert rules == list(expected["open_findings"]) and "KAD-KL-001" in rules
    counts = [text_of(td) for td in page.xpath("//table[@class='funn']//td[2]")]
    assert counts == [str(n) for n in expected["open_findings"].values()]
    english = document(unit_client.post(f"/enheter/{UNIT}?lang=en", data={"token": "eget"}))
    assert facts_of(english)["Stays"].startswith(f"{expected['stays']['current']} current, {expected['stays']['open']} of them open")


@pytest.mark.parametrize("token, status", [("annet", 403), ("ukjent", 401), ("", 401)])
def test_the_unit_page_refuses_another_units_token_and_an_unknown_one(unit_client, token, status):
    answer = unit_client.post(f"/enheter/{UNIT}", data={"token": token})
    assert answer.status_code == status
    assert not document(answer).xpath("//dl[@class='fakta']")
    assert document(answer).xpath("//form[@class='token']")


def test_a_unit_without_messages_is_said_so(unit_client):
    unit_client.app.state.unit_of_token = {"eget": "974600951"}.get
    answer = unit_client.post("/enheter/974600951", data={"token": "eget"})
    assert answer.status_code == 200 and "ingen meldinger fra virksomheten" in answer.text
