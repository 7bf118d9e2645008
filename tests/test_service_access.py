"""The service's access rules and the units' endpoints, on a real server with a register, over HTTP.

Tokens are made with ``kad-spec serve token add`` (a process, as an operator would); the server is
``kad-spec serve --db`` on a free loopback port. The rules: dry-run validation is open; innsending,
status and open findings need a token of the unit (own unit yes, another 403, no token 401,
revoked 401), and a message of another unit is refused and not stored. The JWT path runs on a
second server that trusts a JWKS file made here from a locally generated RSA key: no network.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy
from hostile import EXAMPLES, assert_no_traceback, run_cli
from service_server import running_service
from test_privacy import DNR, FNR, LONG_DIGIT_RUN, made_messages, wrong_check_digit

from kad_spec.ids import orgnr
from kad_spec.register import schema
from kad_spec.register.store import Register, engine_url

SUBMIT = "/api/v1/innsending"
BASE_JSON = (EXAMPLES / "kad-melding.json").read_text(encoding="utf-8")
BASE_XML = (EXAMPLES / "kad-melding.xml").read_text(encoding="utf-8")
BASE_UNIT = "310000019"  # the example's virksomhet
BASE_ID = "0b5c7f0e-6c1e-4a8e-9a59-3f1f5d1e2a10"  # the example's melding_id
UNITS = [str(n) for n in range(310000000, 310002000) if orgnr.is_valid(str(n))]
UNIT_A, UNIT_B, UNIT_C, UNIT_D, UNIT_E, UNIT_F, UNIT_G, UNIT_H = UNITS[1:9]
assert UNIT_A == BASE_UNIT
KEY = "a" * 64
ISSUER = "https://helseid-sts.test.example"
AUDIENCE = "kad-spec:api"
CLAIM = "helseid://claims/client/claims/orgnr_parent"


def message(unit: str = BASE_UNIT, melding_id: str | None = None, text: str = BASE_JSON) -> bytes:
    """The example for ``unit`` (its virksomhet, the first organisation number in it), under a new melding_id."""
    text = text.replace(BASE_UNIT, unit, 1).replace(BASE_ID, melding_id or str(uuid.uuid4()))
    return text.encode("utf-8")


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


def add_token(db: str, unit: str) -> tuple[str, str]:
    """(id, token) from ``kad-spec serve token add``: the token alone on standard output, the id in the note."""
    run = run_cli("serve", "token", "add", "--unit", unit, "--db", db)
    assert run.returncode == 0, run.stderr
    token = run.stdout.strip()
    token_id = re.search(r"token ([0-9a-f]{12}) for virksomhet", run.stderr).group(1)
    return token_id, token


def add_directorate_token(db: str) -> tuple[str, str]:
    """(id, token) from ``kad-spec serve token add --directorate``."""
    run = run_cli("serve", "token", "add", "--directorate", "--db", db)
    assert run.returncode == 0, run.stderr
    token_id = re.search(r"token ([0-9a-f]{12}) for direktoratet", run.stderr).group(1)
    return token_id, run.stdout.strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A server with a register, and a token per unit (A, B, C, D, F, G, H); E's token is revoked.
    Two directorate tokens, the second revoked (G and H are the directorate tests' units)."""
    folder = tmp_path_factory.mktemp("tilgang")
    db = f"sqlite:///{folder / 'register.db'}"
    tokens = {unit: add_token(db, unit) for unit in (UNIT_A, UNIT_B, UNIT_C, UNIT_D, UNIT_E, UNIT_F, UNIT_G, UNIT_H)}
    revoked = run_cli("serve", "token", "revoke", tokens[UNIT_E][0], "--db", db)
    assert revoked.returncode == 0, revoked.stderr
    directorate, directorate_revoked = add_directorate_token(db), add_directorate_token(db)
    assert run_cli("serve", "token", "revoke", directorate_revoked[0], "--db", db).returncode == 0
    with running_service("--db", db, "--workers", "2", env={"KAD_SPEC_REGISTER_KEY": KEY}) as server:
        server.db = db
        server.tokens = {unit: token for unit, (_, token) in tokens.items()}
        server.token_ids = {unit: token_id for unit, (token_id, _) in tokens.items()}
        server.directorate, server.directorate_revoked = directorate[1], directorate_revoked[1]
        server.directorate_ids = (directorate[0], directorate_revoked[0])
        yield server


def submit(server, data: bytes, token: str | None, **params) -> httpx.Response:
    headers = bearer(token) if token else {}
    return httpx.post(server.url + SUBMIT, content=data, params=params, headers=headers, timeout=60)


def unit_get(server, unit: str, what: str, token: str | None, **params) -> httpx.Response:
    headers = bearer(token) if token else {}
    return httpx.get(server.url + f"/api/v1/enheter/{unit}/{what}", params=params, headers=headers, timeout=30)


def stored_message_ids(db: str) -> set[str]:
    engine = sqlalchemy.create_engine(engine_url(db))
    try:
        with engine.connect() as connection:
            return {row[0] for row in connection.execute(sqlalchemy.select(schema.melding.c.melding_id))}
    finally:
        engine.dispose()


def receipt_status(apprec: str) -> str:
    return re.search(r'<Status V="(\d)"', apprec).group(1)


# -- tokens -------------------------------------------------------------------------------------
def test_a_token_is_shown_once_and_kept_only_as_its_hash(tmp_path):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    token_id, token = add_token(db, UNIT_A)
    assert token.startswith("kad_") and len(token) > 40
    stored = (tmp_path / "r.db").read_bytes()
    assert token.encode() not in stored and hashlib.sha256(token.encode()).hexdigest().encode() in stored
    listed = run_cli("serve", "token", "list", "--db", db)
    assert listed.returncode == 0 and token_id in listed.stdout and UNIT_A in listed.stdout
    assert token not in listed.stdout and "gjelder" in listed.stdout
    [listed_token] = json.loads(run_cli("serve", "token", "list", "--db", db, "--format", "json").stdout)["tokens"]
    assert set(listed_token) == {"id", "virksomhet", "direktorat", "opprettet_utc", "tilbakekalt_utc"}
    assert (listed_token["id"], listed_token["virksomhet"], listed_token["direktorat"],
            listed_token["tilbakekalt_utc"]) == (token_id, UNIT_A, False, None)
    assert run_cli("serve", "token", "revoke", token_id, "--db", db).returncode == 0
    assert "tilbakekalt" in run_cli("serve", "token", "list", "--db", db).stdout
    assert run_cli("serve", "token", "revoke", "ukjent", "--db", db).returncode == 2


def test_a_directorate_token_is_made_listed_as_directorate_and_needs_one_of_unit_or_directorate(tmp_path):
    db = f"sqlite:///{tmp_path / 'r.db'}"
    token_id, token = add_directorate_token(db)
    assert token.startswith("kad_") and token_id in run_cli("serve", "token", "list", "--db", db).stdout
    [line] = run_cli("serve", "token", "list", "--db", db).stdout.splitlines()
    assert line.startswith(f"{token_id}  direktorat  laget ") and line.endswith("gjelder") and "virksomhet" not in line
    [listed] = json.loads(run_cli("serve", "token", "list", "--db", db, "--format", "json").stdout)["tokens"]
    assert (listed["id"], listed["virksomhet"], listed["direktorat"]) == (token_id, None, True)
    both = run_cli("serve", "token", "add", "--directorate", "--unit", UNIT_A, "--db", db)
    assert both.returncode == 2 and "sammen" in both.stderr and not both.stdout
    neither = run_cli("serve", "token", "add", "--db", db)
    assert neither.returncode == 2 and "--directorate" in neither.stderr and not neither.stdout
    assert len(json.loads(run_cli("serve", "token", "list", "--db", db, "--format", "json").stdout)["tokens"]) == 1


def test_a_token_id_is_never_a_run_of_digits_the_output_would_mask(tmp_path, monkeypatch):
    """The note of token add goes through the output boundary, which masks nine digits or more in a
    row; an id drawn like that is drawn again, so the operator can read it and revoke the token."""
    from conftest import invoke

    from kad_spec.service import access

    drawn = iter(["123456789012", "a12345678901", "01234567abcd", "1ffc2ee9cd2a"])
    monkeypatch.setattr(access.secrets, "token_hex", lambda n: next(drawn))
    result = invoke("serve", "token", "add", "--unit", UNIT_A, "--db", f"sqlite:///{tmp_path / 'r.db'}")
    assert result.exit_code == 0, result.stderr
    assert "token 01234567abcd for virksomhet" in result.stderr and "revoke 01234567abcd" in result.stderr
    assert next(drawn) == "1ffc2ee9cd2a"  # the two masked ids were drawn again, the third kept


def test_a_token_is_only_made_for_a_valid_organisation_number(tmp_path):
    run = run_cli("serve", "token", "add", "--unit", "123456789", "--db", f"sqlite:///{tmp_path / 'r.db'}")
    assert run.returncode == 2 and "organisasjonsnummer" in run.stderr and not run.stdout


# -- who may do what ----------------------------------------------------------------------------
@pytest.mark.parametrize("what", ["status", "funn"])
def test_own_unit_yes_another_unit_403(site, what):
    own = unit_get(site, UNIT_B, what, site.tokens[UNIT_B])
    assert own.status_code == 200, own.text
    other = unit_get(site, UNIT_A, what, site.tokens[UNIT_B])
    assert other.status_code == 403 and UNIT_A in other.json()["feil"]
    for answer in (own, other):
        assert answer.headers["cache-control"] == "no-store"


def test_the_directorate_reads_every_units_status_and_findings(site):
    for unit in (UNIT_G, UNIT_H):
        assert submit(site, message(unit), site.tokens[unit]).status_code == 200
    for unit in (UNIT_G, UNIT_H):
        status = unit_get(site, unit, "status", site.directorate)
        assert status.status_code == 200, status.text
        assert status.headers["cache-control"] == "no-store"
        assert status.json() == unit_get(site, unit, "status", site.tokens[unit]).json()
        [facts] = status.json()["units"]
        assert facts["virksomhet"] == unit and facts["stays"]["current"] == 4
        found = unit_get(site, unit, "funn", site.directorate)
        assert found.status_code == 200 and found.json()["virksomhet"] == unit
        assert found.json() == unit_get(site, unit, "funn", site.tokens[unit]).json()
    assert unit_get(site, UNIT_G, "status", site.tokens[UNIT_H]).status_code == 403  # a unit still sees its own only


def test_the_directorate_lists_every_unit_and_a_unit_token_may_not(site):
    for unit in (UNIT_G, UNIT_H):
        assert submit(site, message(unit), site.tokens[unit]).status_code == 200
    answer = httpx.get(site.url + "/api/v1/enheter", headers=bearer(site.directorate), timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body["schema_version"] == schema.SCHEMA_VERSION
    listed = {unit["virksomhet"]: unit for unit in body["units"]}
    assert {UNIT_G, UNIT_H} <= set(listed)
    assert body == json.loads(run_cli("register", "status", "--db", site.db, "--format", "json").stdout)
    assert listed[UNIT_H] == unit_get(site, UNIT_H, "status", site.tokens[UNIT_H]).json()["units"][0]
    refused = httpx.get(site.url + "/api/v1/enheter", headers=bearer(site.tokens[UNIT_G]), timeout=30)
    assert refused.status_code == 403 and "direktoratet" in refused.json()["feil"]
    assert "directorate" in refused.json()["error"]
    assert httpx.get(site.url + "/api/v1/enheter", timeout=30).status_code == 401
    revoked = httpx.get(site.url + "/api/v1/enheter", headers=bearer(site.directorate_revoked), timeout=30)
    assert revoked.status_code == 401


def test_a_revoked_directorate_token_401(site):
    for what in ("status", "funn"):
        answer = unit_get(site, UNIT_G, what, site.directorate_revoked)
        assert answer.status_code == 401 and "tilbakekalt" in answer.json()["feil"]
        assert 'error="invalid_token"' in answer.headers["www-authenticate"]


def test_the_directorate_may_not_submit(site):
    melding_id = str(uuid.uuid4())
    for params in ({}, {"format": "apprec"}):
        answer = submit(site, message(UNIT_G, melding_id), site.directorate, **params)
        assert answer.status_code == 403, answer.text
        assert "direktoratet" in answer.json()["feil"] and "directorate" in answer.json()["error"]
    assert melding_id not in stored_message_ids(site.db)


def test_the_unit_page_shows_any_unit_to_the_directorate(site):
    assert submit(site, message(UNIT_H), site.tokens[UNIT_H]).status_code == 200
    assert "eget token, eller direktoratets, gir dem" in httpx.get(site.url + f"/enheter/{UNIT_G}").text
    for unit in (UNIT_G, UNIT_H):
        page = httpx.post(site.url + f"/enheter/{unit}", data={"token": site.directorate}, timeout=30)
        assert page.status_code == 200 and unit in page.text and "<dl" in page.text
    assert httpx.post(site.url + f"/enheter/{UNIT_G}", data={"token": site.directorate_revoked},
                      timeout=30).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/enheter//status", "/api/v1/enheter//funn", "/api/v1/enheter/status",
                                  "/api/v1/enheter/funn", "/api/v1/enheter///status", "/api/v1/enheter//",
                                  "/enheter//", "/enheter/", "/enheter"])
def test_a_unit_path_without_an_orgnr_is_404(site, path):
    for headers in ({}, bearer(site.tokens[UNIT_A]), bearer(site.directorate)):
        answer = httpx.get(site.url + path, headers=headers, timeout=30, follow_redirects=False)
        assert answer.status_code == 404, (path, answer.status_code, answer.text)
        assert answer.json()["error"] == "not found"


@pytest.mark.parametrize("orgnr", ["12345", "abcdefghi", "3100000190", "31000001x", "%20", "31000 019", FNR])
@pytest.mark.parametrize("what", ["status", "funn"])
def test_an_orgnr_that_is_not_nine_digits_is_404_and_not_echoed(site, orgnr, what):
    for headers in ({}, bearer(site.tokens[UNIT_A]), bearer(site.directorate), bearer("kad_ukjent")):
        answer = httpx.get(site.url + f"/api/v1/enheter/{orgnr}/{what}", headers=headers, timeout=30)
        assert answer.status_code == 404, (orgnr, answer.text)
        assert answer.json() == {"feil": "finnes ikke: {orgnr} i stien må være et organisasjonsnummer på ni sifre",
                                 "error": "not found: {orgnr} in the path must be an organisation number of "
                                          "nine digits"}
        assert "www-authenticate" not in answer.headers and answer.headers["cache-control"] == "no-store"
    assert FNR not in site.log()


@pytest.mark.parametrize("method, path", [("GET", "status"), ("GET", "funn"), ("POST", None)])
def test_no_token_401_with_a_bearer_challenge(site, method, path):
    url = site.url + (SUBMIT if path is None else f"/api/v1/enheter/{UNIT_A}/{path}")
    answer = httpx.request(method, url, content=message() if method == "POST" else None)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == 'Bearer realm="kad-spec"'
    assert set(answer.json()) == {"feil", "error"} and answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("authorization", ["Bearer kad_ukjent", "Bearer", "Basic dXNlcjpwYXNz", "kad_ukjent"])
def test_an_unknown_token_or_another_scheme_401(site, authorization):
    answer = httpx.get(site.url + f"/api/v1/enheter/{UNIT_A}/status", headers={"authorization": authorization})
    assert answer.status_code == 401 and answer.headers["www-authenticate"].startswith("Bearer")


def test_a_revoked_token_401_at_once_also_while_the_server_runs(site):
    answer = unit_get(site, UNIT_E, "status", site.tokens[UNIT_E])
    assert answer.status_code == 401 and "tilbakekalt" in answer.json()["feil"]
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    token_id, token = add_token(site.db, UNIT_E)
    assert unit_get(site, UNIT_E, "status", token).status_code == 200
    assert run_cli("serve", "token", "revoke", token_id, "--db", site.db).returncode == 0
    assert unit_get(site, UNIT_E, "status", token).status_code == 401  # no cache of tokens in the server
    assert submit(site, message(UNIT_E), token).status_code == 401


def test_validation_stays_open_without_a_token(site):
    answer = httpx.post(site.url + "/api/v1/validering", content=message())
    assert answer.status_code == 200


# -- innsending ---------------------------------------------------------------------------------
def test_innsending_then_status_and_funn_show_it(site):
    melding_id = str(uuid.uuid4())
    answer = submit(site, message(UNIT_A, melding_id), site.tokens[UNIT_A])
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json" and answer.headers["cache-control"] == "no-store"
    assert answer.headers["kad-register"] == "tatt_inn" and answer.headers["kad-resultat"] == "accepted"
    body = answer.json()
    assert body["register"]["result"] == "tatt_inn" and body["register"]["melding_id"] == melding_id
    assert body["register"]["applied"] == 4 and body["register"]["virksomhet"] == UNIT_A
    assert [f["rule_id"] for f in body["register"]["history"]] == ["KAD-REG-001"]  # an M for a stay it did not know
    assert receipt_status(body["apprec"]) == "1"
    assert body["rapport"]["files"][0]["path"] == "melding" and body["rapport"]["summary"]["errors"] == 0

    status = unit_get(site, UNIT_A, "status", site.tokens[UNIT_A]).json()
    assert status["schema_version"] == schema.SCHEMA_VERSION
    [facts] = status["units"]
    assert facts["virksomhet"] == UNIT_A and facts["messages"]["taken_in"] >= 1 and facts["stays"]["current"] == 4
    assert facts["open_findings"].get("KAD-REG-001") == 1
    cli = run_cli("register", "status", "--db", site.db, "--unit", UNIT_A, "--format", "json")
    assert status == json.loads(cli.stdout)  # the counts kad-spec register status gives

    found = unit_get(site, UNIT_A, "funn", site.tokens[UNIT_A], lang="en").json()
    assert found["virksomhet"] == UNIT_A and found["open_findings"] == len(found["findings"])
    [reg_001] = [f for f in found["findings"] if f["rule_id"] == "KAD-REG-001"]
    assert reg_001["opphold_id"] == "KAD-2025-000126" and reg_001["melding_id"] == melding_id
    assert reg_001["severity"] == "warning" and "no earlier version" in reg_001["message"]


def test_another_units_message_is_refused_and_not_stored(site):
    melding_id = str(uuid.uuid4())
    for text in (BASE_JSON, BASE_XML):
        answer = submit(site, message(UNIT_A, melding_id, text), site.tokens[UNIT_B])
        assert answer.status_code == 403, answer.text
        assert UNIT_B in answer.json()["feil"] and "ikke lagret" in answer.json()["feil"]
    assert melding_id not in stored_message_ids(site.db)
    assert unit_get(site, UNIT_A, "status", site.tokens[UNIT_B]).status_code == 403


def test_a_message_received_before_under_another_unit_is_not_judged_for_the_caller(site):
    """Same melding_id as a message of unit A, other content, sent by B: refused for its header (403),
    and no KAD-REG-008 is put on either unit's open list."""
    melding_id = str(uuid.uuid4())
    assert submit(site, message(UNIT_A, melding_id), site.tokens[UNIT_A]).status_code == 200
    answer = submit(site, message(UNIT_A, melding_id).replace(b"Kari", b"Kaja"), site.tokens[UNIT_B])
    assert answer.status_code == 403
    for unit in (UNIT_A, UNIT_B):
        found = unit_get(site, unit, "funn", site.tokens[unit]).json()["findings"]
        assert "KAD-REG-008" not in {f["rule_id"] for f in found}


def test_the_apprec_alone_by_format_or_accept(site):
    for params, headers in (({"format": "apprec"}, {}), ({}, {"accept": "application/xml"})):
        answer = httpx.post(site.url + SUBMIT, content=message(UNIT_C), params=params,
                            headers={**bearer(site.tokens[UNIT_C]), **headers}, timeout=60)
        assert answer.status_code == 200 and answer.headers["content-type"] == "application/xml"
        assert answer.text.startswith("<?xml") and "<AppRec" in answer.text and receipt_status(answer.text) == "1"
    refused = httpx.post(site.url + SUBMIT, content=message(UNIT_C), params={"format": "sarif"},
                         headers=bearer(site.tokens[UNIT_C]))
    assert refused.status_code == 400
    assert httpx.post(site.url + SUBMIT, content=message(UNIT_C), headers={**bearer(site.tokens[UNIT_C]),
                                                                           "accept": "text/plain"}).status_code == 406


def test_the_same_message_again_is_already_received_and_another_under_its_id_is_refused(site):
    melding_id = str(uuid.uuid4())
    data = message(UNIT_D, melding_id)
    assert submit(site, data, site.tokens[UNIT_D]).json()["register"]["result"] == "tatt_inn"
    again = submit(site, data, site.tokens[UNIT_D])
    assert again.status_code == 200 and again.json()["register"]["result"] == "allerede_mottatt"
    assert receipt_status(again.json()["apprec"]) == "1"
    other = submit(site, data.replace(b"Kari", b"Kaja"), site.tokens[UNIT_D])
    body = other.json()
    assert body["register"]["result"] == "avvist" and body["register"]["rule"] == "KAD-REG-008"
    assert receipt_status(body["apprec"]) == "2" and "KAD-REG-008" in body["apprec"]  # the register's refusal
    assert other.headers["kad-resultat"] == "rejected"


def test_a_stay_the_history_rules_refuse_makes_the_receipt_partly_accepted(site):
    """A later message gives two stays each other's patient: KAD-REG-004 refuses both; the receipt says so."""
    first = json.loads(message(UNIT_F))
    assert submit(site, json.dumps(first).encode(), site.tokens[UNIT_F]).status_code == 200
    later = json.loads(json.dumps(first))
    later["meldingsinfo"].update(melding_id=str(uuid.uuid4()), opprettet="2025-03-06T06:00:00+01:00")
    stays = later["opphold"]
    stays[0]["pasient"], stays[1]["pasient"] = stays[1]["pasient"], stays[0]["pasient"]
    for stay in stays:
        stay["status"] = "M"
    answer = submit(site, json.dumps(later).encode(), site.tokens[UNIT_F], lang="en")
    body = answer.json()
    assert body["register"]["refused"] == 2 and body["register"]["result"] == "tatt_inn"
    assert receipt_status(body["apprec"]) == "3" and body["apprec"].count("KAD-REG-004") >= 2
    assert answer.headers["kad-resultat"] == "partly_accepted"
    rules = {f["rule_id"] for f in unit_get(site, UNIT_F, "funn", site.tokens[UNIT_F]).json()["findings"]}
    assert "KAD-REG-004" in rules


def test_innsending_checks_its_query_and_its_body(site):
    token = site.tokens[UNIT_C]
    assert submit(site, message(UNIT_C), token, lang="de").status_code == 400
    form = httpx.post(site.url + SUBMIT, content=b"x", headers={**bearer(token), "content-type": "multipart/form-data"})
    assert form.status_code == 415
    broken = submit(site, b"{\"meldingsinfo\": ", token)
    assert broken.status_code == 200 and broken.json()["register"]["result"] == "ikke_lagret"
    assert receipt_status(broken.json()["apprec"]) == "2"


# -- no personal id anywhere --------------------------------------------------------------------
UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def assert_no_person_id(text: str, ids: set[str]) -> None:
    """No run of 11 digits or more (a receipt's and a message's UUIDs aside: random hex can hold one)."""
    runs = LONG_DIGIT_RUN.findall(UUID.sub("<uuid>", text))
    assert not runs, runs
    for person_id in ids:
        assert person_id not in text


def test_no_personal_id_in_any_answer_or_in_the_log(site):
    ids = {FNR, DNR, wrong_check_digit(FNR), wrong_check_digit(DNR)}
    token = site.tokens[UNIT_C]
    for name, text in sorted(made_messages().items()):
        for fmt in ("json", "apprec"):
            answer = submit(site, message(UNIT_C, text=text), token, format=fmt, navn=name,
                            lang="en" if "xml" in name else "nb")
            assert answer.status_code in (200, 403), (name, answer.text)
            assert_no_person_id(answer.text, ids)
            assert_no_person_id(json.dumps(dict(answer.headers)), ids)
    for what in ("status", "funn"):
        assert_no_person_id(unit_get(site, UNIT_C, what, token).text, ids)
        assert_no_person_id(unit_get(site, FNR, what, token).text, ids)  # a 403 naming the path's id
    log = site.log()
    assert_no_person_id(log, ids)
    for unit, secret in site.tokens.items():
        assert secret not in log
    assert_no_traceback(log)


def test_without_a_register_the_units_endpoints_say_so(service):
    answer = httpx.get(service.url + f"/api/v1/enheter/{UNIT_A}/status", headers=bearer("kad_x"))
    assert answer.status_code == 503 and "--db" in answer.json()["feil"] and "retry-after" not in answer.headers
    assert httpx.post(service.url + SUBMIT, content=message()).status_code == 503


def test_a_register_without_its_key_stops_the_start(tmp_path):
    run = run_cli("serve", "--port", "0", "--db", f"sqlite:///{tmp_path / 'r.db'}",
                  env={"KAD_SPEC_REGISTER_KEY": ""}, timeout=60)
    assert run.returncode == 2 and "nøkkel" in run.stderr


# -- both stores --------------------------------------------------------------------------------
def test_innsending_and_tokens_on_both_stores(register_url, start_service):
    token_id, token = add_token(register_url, UNIT_B)
    server = start_service("--db", register_url, "--workers", "1", env={"KAD_SPEC_REGISTER_KEY": KEY})
    answer = submit(server, message(UNIT_B), token)
    assert answer.status_code == 200 and answer.json()["register"]["result"] == "tatt_inn", answer.text
    assert unit_get(server, UNIT_B, "status", token).json()["units"][0]["stays"]["current"] == 4
    assert submit(server, message(UNIT_A), token).status_code == 403
    assert run_cli("serve", "token", "revoke", token_id, "--db", register_url).returncode == 0
    assert unit_get(server, UNIT_B, "funn", token).status_code == 401


def test_a_register_of_schema_0001_is_upgraded_with_the_token_table(register_url):
    from alembic import command
    from alembic.config import Config

    from kad_spec.register.store import MIGRATIONS

    engine = sqlalchemy.create_engine(engine_url(register_url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    engine.dispose()
    with Register.open(register_url) as register, register.transaction() as connection:
        assert connection.execute(sqlalchemy.text("SELECT version_num FROM alembic_version")).scalar_one() == schema.SCHEMA_VERSION  # the newest migration
        assert "token" in sqlalchemy.inspect(connection).get_table_names()


# -- JWTs (HelseID): a local key and a JWKS file, no network ------------------------------------
def rsa_key():
    from cryptography.hazmat.primitives.asymmetric import rsa

    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_jwks(path: Path, keys: dict) -> None:
    from jwt.algorithms import RSAAlgorithm

    entries = []
    for kid, private in keys.items():
        jwk = json.loads(RSAAlgorithm.to_jwk(private.public_key()))
        entries.append({**jwk, "kid": kid, "use": "sig", "alg": "RS256"})
    path.write_text(json.dumps({"keys": entries}), encoding="utf-8")


def signed(private, kid: str = "k1", unit: str | None = UNIT_A, algorithm: str = "RS256", **claims) -> str:
    import jwt

    now = int(time.time())
    payload = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "nbf": now, "exp": now + 300, "sub": "klient",
               "scope": "kad-spec:api/innsending"}
    if unit is not None:
        payload[CLAIM] = unit
    payload.update(claims)
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, private, algorithm=algorithm,
                      headers={"kid": kid})


@pytest.fixture(scope="module")
def oidc(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jwt")
    key = rsa_key()
    jwks = folder / "jwks.json"
    write_jwks(jwks, {"k1": key})
    db = f"sqlite:///{folder / 'register.db'}"
    with running_service("--db", db, "--workers", "1", "--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE,
                         "--jwt-jwks", jwks, env={"KAD_SPEC_REGISTER_KEY": KEY}) as server:
        server.key, server.jwks, server.db = key, jwks, db
        yield server


@pytest.mark.parametrize("claims", [{"scope": "kad-spec:api/innsending kad-spec:direktorat"},
                                    {"scope": None, "scp": ["openid", "kad-spec:direktorat"]},
                                    {"scope": "kad-spec:direktorat", "unit": None}])
def test_a_jwt_with_the_directorate_scope_reads_every_unit_but_does_not_submit(oidc, claims):
    unit = claims.pop("unit", UNIT_C)
    token = signed(oidc.key, unit=unit, **claims)
    for other in (UNIT_A, UNIT_B):
        for what in ("status", "funn"):
            answer = unit_get(oidc, other, what, token)
            assert answer.status_code == 200, answer.text
    assert httpx.get(oidc.url + "/api/v1/enheter", headers=bearer(token), timeout=30).status_code == 200
    answer = submit(oidc, message(UNIT_C), token)
    assert answer.status_code == 403 and "direktoratet" in answer.json()["feil"]


@pytest.mark.parametrize("scope", ["kad-spec:direktorat-lese", "kad-spec:DIREKTORAT", "x kad-spec:direktoratx"])
def test_a_jwt_without_the_exact_directorate_scope_is_a_unit_only(oidc, scope):
    token = signed(oidc.key, unit=UNIT_C, scope=scope)
    assert unit_get(oidc, UNIT_C, "status", token).status_code == 200
    assert unit_get(oidc, UNIT_A, "status", token).status_code == 403
    assert httpx.get(oidc.url + "/api/v1/enheter", headers=bearer(token), timeout=30).status_code == 403


def test_the_directorate_scope_is_configurable(tmp_path):
    key = rsa_key()
    jwks = tmp_path / "jwks.json"
    write_jwks(jwks, {"k1": key})
    with running_service("--db", f"sqlite:///{tmp_path / 'r.db'}", "--workers", "1", "--jwt-issuer", ISSUER,
                         "--jwt-audience", AUDIENCE, "--jwt-jwks", jwks, "--jwt-directorate-scope", "hdir:kpr",
                         env={"KAD_SPEC_REGISTER_KEY": KEY}) as server:
        assert unit_get(server, UNIT_A, "status", signed(key, unit=None, scope="hdir:kpr")).status_code == 200
        assert unit_get(server, UNIT_A, "status", signed(key, unit=None, scope="kad-spec:direktorat")).status_code == 403


def test_a_valid_jwt_gives_its_own_unit_and_only_that(oidc):
    token = signed(oidc.key)
    assert unit_get(oidc, UNIT_A, "status", token).status_code == 200
    assert unit_get(oidc, UNIT_B, "status", token).status_code == 403
    answer = submit(oidc, message(UNIT_A), token)
    assert answer.status_code == 200 and answer.json()["register"]["result"] == "tatt_inn"
    assert submit(oidc, message(UNIT_B), token).status_code == 403


@pytest.mark.parametrize("case", ["other key", "expired", "audience", "issuer", "unknown kid", "no exp",
                                  "hs256 with the public key", "not a jwt", "a table token"])
def test_a_jwt_that_does_not_hold_is_401(oidc, case, tmp_path):
    from cryptography.hazmat.primitives import serialization

    if case == "other key":
        token = signed(rsa_key())
    elif case == "expired":
        token = signed(oidc.key, exp=int(time.time()) - 3600)
    elif case == "audience":
        token = signed(oidc.key, aud="en-annen-tjeneste")
    elif case == "issuer":
        token = signed(oidc.key, iss="https://falsk.example")
    elif case == "unknown kid":
        token = signed(oidc.key, kid="k9")
    elif case == "no exp":
        token = signed(oidc.key, exp=None)
    elif case == "hs256 with the public key":
        import hmac as hmac_module
        import base64
        import hashlib

        pem = oidc.key.public_key().public_bytes(serialization.Encoding.PEM,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)

        def part(data: dict) -> bytes:
            return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=")

        head = part({"alg": "HS256", "typ": "JWT", "kid": "k1"}) + b"." + part(
            {"iss": ISSUER, "aud": AUDIENCE, "exp": int(time.time()) + 300, CLAIM: UNIT_A})
        mac = base64.urlsafe_b64encode(hmac_module.new(pem, head, hashlib.sha256).digest()).rstrip(b"=")
        token = (head + b"." + mac).decode()
    elif case == "not a jwt":
        token = "abc.def"
    else:
        token = add_token(oidc.db, UNIT_A)[1]  # the token table is not asked when JWTs are configured
    answer = unit_get(oidc, UNIT_A, "status", token)
    assert answer.status_code == 401, answer.text
    assert 'error="invalid_token"' in answer.headers["www-authenticate"]
    assert submit(oidc, message(UNIT_A), token).status_code == 401


@pytest.mark.parametrize("unit", [None, "123456789", 310000019])
def test_a_valid_jwt_without_a_unit_403(oidc, unit):
    answer = unit_get(oidc, UNIT_A, "status", signed(oidc.key, unit=unit))
    assert answer.status_code == 403 and CLAIM in answer.json()["feil"]


def test_a_rotated_key_is_taken_from_the_jwks_file_without_a_restart(oidc):
    new_key = rsa_key()
    old = oidc.jwks.read_text(encoding="utf-8")
    try:
        write_jwks(oidc.jwks, {"k1": oidc.key, "k2": new_key})
        assert unit_get(oidc, UNIT_A, "status", signed(new_key, kid="k2")).status_code == 200
    finally:
        oidc.jwks.write_text(old, encoding="utf-8")
    assert unit_get(oidc, UNIT_A, "status", signed(new_key, kid="k2")).status_code == 401


def test_jwt_options_go_together_and_the_jwks_must_be_readable(tmp_path):
    partial = run_cli("serve", "--port", "0", "--jwt-issuer", ISSUER, timeout=60)
    assert partial.returncode == 2 and "--jwt-audience" in partial.stderr
    missing = run_cli("serve", "--port", "0", "--jwt-issuer", ISSUER, "--jwt-audience", AUDIENCE,
                      "--jwt-jwks", tmp_path / "finnes-ikke.json", timeout=60)
    assert missing.returncode == 2 and "JWKS" in missing.stderr


# -- hostile files ------------------------------------------------------------------------------
def test_hostile_files_sent_in_give_an_answer_never_a_5xx(site, tmp_path):
    """The classes the CLI survives, sent in for the unit they name: a receipt, a 403 or a 413, never a
    5xx; nothing of the entity target read; no traceback."""
    from hostile import SECRET, hostile_json, hostile_xml

    paths = {**hostile_xml(tmp_path), **hostile_json(tmp_path)}
    paths.pop("hemmelig.txt", None)
    for name, path in sorted(paths.items()):
        answer = submit(site, path.read_bytes(), site.tokens[UNIT_A], navn=name)
        assert answer.status_code in (200, 403, 413), (name, answer.text[:500])
        assert SECRET not in answer.text, name
        if answer.status_code == 200:
            assert answer.json()["register"]["result"] in ("tatt_inn", "avvist", "allerede_mottatt", "ikke_lagret")
    assert_no_traceback(site.log())
    assert SECRET not in site.log()


def test_the_unit_page_checks_its_token_as_the_unit_api_does(site):
    page = site.url + f"/enheter/{UNIT_A}"
    own = httpx.post(page, data={"token": site.tokens[UNIT_A]}, timeout=30)
    assert own.status_code == 200 and UNIT_A in own.text
    assert httpx.post(page, data={"token": site.tokens[UNIT_B]}, timeout=30).status_code == 403
    assert httpx.post(page, data={"token": site.tokens[UNIT_E]}, timeout=30).status_code == 401  # revoked
    assert httpx.post(page, data={"token": "kad_ukjent"}, timeout=30).status_code == 401


def test_beyond_the_waiting_places_a_submission_gets_503_at_once_as_validering(tmp_path, start_service):
    """innsending shares the waiting places with validering: with one worker and none to wait in,
    a submission while a large validation runs is refused before its body is read, and nothing is stored."""
    from hostile import one_line_message

    db = f"sqlite:///{tmp_path / 'r.db'}"
    _, token = add_token(db, UNIT_A)
    slow = one_line_message(tmp_path / "stor.json", stays=100_000).read_bytes()
    server = start_service("--db", db, "--workers", "1", "--max-waiting", "0", "--queue-time", "60",
                           env={"KAD_SPEC_REGISTER_KEY": KEY})
    from concurrent.futures import ThreadPoolExecutor

    first = ThreadPoolExecutor(1).submit(httpx.post, server.url + "/api/v1/validering", content=slow, timeout=120)
    time.sleep(0.5)  # the first is being read or validated
    melding_id = str(uuid.uuid4())
    started = time.monotonic()
    refused = submit(server, message(UNIT_A, melding_id), token)
    assert refused.status_code == 503 and refused.headers["retry-after"], refused.text
    assert time.monotonic() - started < 1
    assert first.result().status_code == 200
    assert melding_id not in stored_message_ids(db)
    assert submit(server, message(UNIT_A, melding_id), token).status_code == 200
