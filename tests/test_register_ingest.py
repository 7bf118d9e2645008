"""``kad-spec register ingest`` and ``register status`` on SQLite and PostgreSQL, through the real CLI.

N then M replaces a stay, C cancels it; the same file again changes nothing and says so; the same
melding_id with other content is refused; the messages of one call are applied in the order they
were made; a process killed during an ingest leaves the register as it was; no full personal id
is stored or shown; without a key, or with a database that is no register, the command stops.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy

from conftest import ROOT, base_message, invoke
from kad_spec.register import schema
from kad_spec.register.keys import KEY_ENV
from kad_spec.register.store import engine_url

KEY = "5e1d" * 16
UNIT = "310000019"
PERSON_IDS = ("12834041276", "52854721089", "05893823338", "27815510130")  # the base example's (Tenor)


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


def message(folder: Path, name: str, melding_id: str, opprettet: str, stays=(0,), changes=()) -> Path:
    """The base example with its own id and time, the stays named (by index), and changes applied."""
    doc = base_message()
    doc["meldingsinfo"].update(melding_id=melding_id, opprettet=opprettet)
    doc["opphold"] = [doc["opphold"][i] for i in stays]
    for change in changes:
        change(doc)
    path = folder / name
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def set_stay(index: int, **values):
    return lambda doc: doc["opphold"][index].update(values)


def melding_id(n: int) -> str:
    return f"0b5c7f0e-6c1e-4a8e-9a59-3f1f5d1e2b{n:02d}"


def ingest(url: str, *paths, extra=()):
    return invoke("register", "ingest", *paths, "--db", url, *extra)


def ingest_json(url: str, *paths) -> tuple[int, dict]:
    result = ingest(url, *paths, extra=("--format", "json"))
    return result.exit_code, json.loads(result.stdout)


def rows(url: str, table, *where) -> list:
    engine = sqlalchemy.create_engine(engine_url(url))
    try:
        with engine.connect() as connection:
            key = [c for c in table.primary_key.columns]
            return [row._asdict() for row in connection.execute(table.select().where(*where).order_by(*key))]
    finally:
        engine.dispose()


def dump(url: str) -> dict[str, list]:
    """Every row of every table of the register."""
    return {table.name: rows(url, table) for table in schema.TABLES}


def stay(url: str, opphold_id: str) -> dict:
    (found,) = rows(url, schema.opphold, schema.opphold.c.opphold_id == opphold_id)
    return found


def open_rules(url: str) -> list[str]:
    return [r["regel"] for r in rows(url, schema.funn, schema.funn.c.lukket_utc.is_(None))]


# -- N, M, C ------------------------------------------------------------------------------------
def test_a_change_replaces_the_stay(register_url, tmp_path):
    first = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00")
    second = message(tmp_path, "2.json", melding_id(2), "2025-03-06T06:00:00+01:00",
                     changes=[set_stay(0, status="M", utskrivningstidspunkt="2025-03-04T12:30:00")])
    assert ingest(register_url, first).exit_code == 0
    assert ingest(register_url, second).exit_code == 0
    current = stay(register_url, "KAD-2025-000123")
    assert (current["status"], current["utskrevet"], current["utskrevet_utc"]) == ("M", "2025-03-04T12:30:00",
                                                                                    "2025-03-04T11:30:00Z")
    assert current["versjon_utc"] == "2025-03-06T05:00:00Z" and current["annullert"] is False
    versions = rows(register_url, schema.versjon)
    assert [(v["status"], v["handling"], v["regel"]) for v in versions] == [("N", "brukt", None), ("M", "brukt", None)]
    assert open_rules(register_url) == []


def test_a_cancellation_cancels_the_stay(register_url, tmp_path):
    first = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(0, 1))
    second = message(tmp_path, "2.json", melding_id(2), "2025-03-06T06:00:00+01:00", changes=[set_stay(0, status="C")])
    ingest(register_url, first)
    assert ingest(register_url, second).exit_code == 0
    assert stay(register_url, "KAD-2025-000123")["annullert"] is True
    status = json.loads(invoke("register", "status", "--db", register_url, "--format", "json").stdout)
    (unit,) = status["units"]
    assert unit["virksomhet"] == UNIT
    assert unit["stays"] == {"current": 1, "open": 0, "cancelled": 1}
    assert unit["messages"] == {"total": 2, "taken_in": 2, "refused": 0}
    assert unit["last_created"] == "2025-03-06T06:00:00+01:00"


def test_a_stay_the_engine_refuses_is_not_applied_and_stays_on_the_list_until_put_right(register_url, tmp_path):
    good = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00")
    wrong_age = message(tmp_path, "2.json", melding_id(2), "2025-03-06T06:00:00+01:00",
                        changes=[set_stay(0, status="M", utskrivningstidspunkt="2025-03-04T12:30:00"),
                                 lambda doc: doc["opphold"][0]["pasient"].update(alder=60)])
    right = message(tmp_path, "3.json", melding_id(3), "2025-03-07T06:00:00+01:00",
                    changes=[set_stay(0, status="M", utskrivningstidspunkt="2025-03-04T12:30:00")])
    ingest(register_url, good)
    assert ingest(register_url, wrong_age).exit_code == 1
    assert stay(register_url, "KAD-2025-000123")["utskrevet"] == "2025-03-04T10:00:00"  # the version before
    assert open_rules(register_url) == ["KAD-ID-008"]
    assert rows(register_url, schema.versjon)[-1]["handling"] == "avvist"
    assert ingest(register_url, right).exit_code == 0
    assert stay(register_url, "KAD-2025-000123")["utskrevet"] == "2025-03-04T12:30:00"
    (finding,) = rows(register_url, schema.funn)
    (third,) = rows(register_url, schema.melding, schema.melding.c.melding_id == melding_id(3))
    assert (finding["lukket_utc"], finding["lukket_av"]) == ("2025-03-07T05:00:00Z", third["id"])


# -- the same message twice -------------------------------------------------------------------------
def test_the_same_file_again_changes_nothing_and_says_so(register_url, tmp_path):
    path = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(0, 1, 2))
    assert ingest(register_url, path).exit_code == 0
    before = dump(register_url)
    again = ingest(register_url, path)
    assert again.exit_code == 0
    assert "allerede mottatt" in again.stdout and "ingenting er endret" in again.stdout
    assert dump(register_url) == before
    english = ingest(register_url, path, extra=("--lang", "en"))
    assert "already received" in english.stdout and "nothing changed" in english.stdout


def test_the_same_melding_id_with_other_content_is_refused(register_url, tmp_path):
    first = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(0,))
    other = message(tmp_path, "2.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(1,))
    ingest(register_url, first)
    code, report = ingest_json(register_url, other)
    assert code == 1
    (outcome,) = report["messages"]
    assert (outcome["result"], outcome["rule"]) == ("avvist", "KAD-REG-008")
    assert [r["opphold_id"] for r in rows(register_url, schema.opphold)] == ["KAD-2025-000123"]
    assert open_rules(register_url) == ["KAD-REG-008"]
    ingest(register_url, other)  # said again: still one finding on the list
    assert open_rules(register_url) == ["KAD-REG-008"]


# -- order ----------------------------------------------------------------------------------------
def test_the_messages_of_one_call_are_applied_in_the_order_they_were_made(register_url, tmp_path):
    late_made = message(tmp_path, "a-endring.json", melding_id(2), "2025-03-06T06:00:00+01:00",
                        changes=[set_stay(0, status="M", utskrivningstidspunkt="2025-03-04T12:30:00")])
    early_made = message(tmp_path, "b-ny.json", melding_id(1), "2025-03-05T06:00:00+01:00")
    code, report = ingest_json(register_url, late_made, early_made)  # given in the wrong order
    assert code == 0
    assert [m["melding_id"] for m in report["messages"]] == [melding_id(1), melding_id(2)]
    assert stay(register_url, "KAD-2025-000123")["status"] == "M"
    assert open_rules(register_url) == []  # no KAD-REG-001 (change first) nor KAD-REG-003 (late)


# -- a kill -----------------------------------------------------------------------------------------
def kad_spec(*args, env=None) -> subprocess.Popen:
    environment = {**os.environ, KEY_ENV: KEY, **(env or {})}
    return subprocess.Popen([sys.executable, "-m", "kad_spec", *map(str, args)], env=environment, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def big_message(folder: Path, stays: int) -> Path:
    path = folder / "stor.json"
    made = invoke("example", "--count", stays, "--seed", 7, "--year", 2024, "--out", path)
    assert made.exit_code == 0, made.output
    return path


def test_a_kill_after_the_stays_are_written_leaves_the_register_as_before(register_url, tmp_path):
    ingest(register_url, message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00"))
    before = dump(register_url)
    marker = tmp_path / "applied"
    process = kad_spec("register", "ingest", big_message(tmp_path, 3000), "--db", register_url,
                       env={"KAD_SPEC_TEST_PAUSE_BEFORE_COMMIT": str(marker)})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the ingest never reached the point before its commit"
            time.sleep(0.05)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert dump(register_url) == before
    status = invoke("register", "status", "--db", register_url, "--format", "json")  # still a register
    assert json.loads(status.stdout)["units"][0]["messages"]["total"] == 1


def test_a_kill_at_any_moment_leaves_the_register_before_or_after_never_between(register_url, tmp_path):
    path = big_message(tmp_path, 4000)
    ingest(register_url, message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00"))
    before = dump(register_url)
    process = kad_spec("register", "ingest", path, "--db", register_url)
    time.sleep(1.5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    after = dump(register_url)
    if after != before:  # it finished before the kill: all of the message is there
        assert len(after["opphold"]) == len(before["opphold"]) + 4000
        assert len(after["melding"]) == 2


# -- privacy ----------------------------------------------------------------------------------------
DIGEST = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")  # pseudonyms and checksums: no ids


def test_no_full_personal_id_is_stored_or_shown(register_url, tmp_path):
    generated = tmp_path / "generert"
    assert invoke("example", "--count", 300, "--seed", 3, "--year", 2024, "--stays-per-message", 100,
                  "--out", generated).exit_code == 0
    ids = set(PERSON_IDS)
    for path in generated.iterdir():
        ids |= {s["pasient"]["id"] for s in json.loads(path.read_text(encoding="utf-8"))["opphold"]}
    base = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(0, 1, 2, 3))
    wrong = message(tmp_path, "2.json", melding_id(2), "2025-03-06T06:00:00+01:00", stays=(0,),
                    changes=[set_stay(0, status="M"), lambda doc: doc["opphold"][0]["pasient"].update(id="12834041277")])
    outputs = [ingest(register_url, generated, base, wrong).stdout,
               ingest(register_url, base, extra=("--format", "json")).stdout,
               invoke("register", "status", "--db", register_url).stdout,
               invoke("register", "status", "--db", register_url, "--format", "json").stdout]
    stored = json.dumps(dump(register_url), ensure_ascii=False, default=str)
    assert '"KAD-ID-001"' in stored  # the wrong check digit was found, and kept without the number
    for text in [stored, *outputs]:
        assert not [person_id for person_id in ids if person_id in text]
        assert re.findall(r"\d{11,}", DIGEST.sub("", text)) == []


# -- refusals ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang, words", [("nb", "ingen er gitt"), ("en", "none was given")])
def test_without_a_key_the_command_stops_and_says_how_to_make_one(register_url, tmp_path, monkeypatch, lang, words):
    monkeypatch.delenv(KEY_ENV)
    path = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00")
    result = ingest(register_url, path, extra=("--lang", lang))
    assert result.exit_code == 2
    assert words in result.stderr and "kad-spec register key new > register.key" in result.stderr


def test_another_key_than_the_registers_is_refused(register_url, tmp_path, monkeypatch):
    ingest(register_url, message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00"))
    monkeypatch.setenv(KEY_ENV, "a" * 64)
    result = ingest(register_url, message(tmp_path, "2.json", melding_id(2), "2025-03-06T06:00:00+01:00"))
    assert result.exit_code == 2 and "nøkkelen er ikke den registeret" in result.stderr


def test_a_database_that_is_no_register_is_refused_by_name(register_url, tmp_path):
    engine = sqlalchemy.create_engine(engine_url(register_url))
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("CREATE TABLE kunder (id INTEGER)"))
    engine.dispose()
    path = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00")
    for result in (ingest(register_url, path), invoke("register", "status", "--db", register_url)):
        assert result.exit_code == 2
        assert f"{register_url} er ikke et kad-spec-register" in result.stderr


def test_a_file_that_is_no_message_is_not_taken_in(register_url, tmp_path):
    broken = tmp_path / "tull.json"
    broken.write_text("{ikke json", encoding="utf-8")
    result = ingest(register_url, broken)
    assert result.exit_code == 1 and "ikke tatt inn" in result.stdout
    assert rows(register_url, schema.melding) == []


# -- two at once ----------------------------------------------------------------------------------------
def test_two_ingests_at_once_both_finish_and_both_are_in(register_url, tmp_path):
    from kad_spec.register.store import Register

    Register.open(register_url).close()  # made first: the two then only write
    first = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(0, 1))
    second = message(tmp_path, "2.json", melding_id(2), "2025-03-05T07:00:00+01:00", stays=(2, 3),
                     changes=[set_stay(1, status="N")])
    processes = [kad_spec("register", "ingest", path, "--db", register_url) for path in (first, second)]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, (out, err)
    assert [r["opphold_id"] for r in rows(register_url, schema.opphold)] == [
        "KAD-2025-000123", "KAD-2025-000124", "KAD-2025-000125", "KAD-2025-000126"]
    assert len(rows(register_url, schema.melding)) == 2


def test_a_file_cut_short_is_not_received_and_may_come_again_whole(register_url, tmp_path):
    whole = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00")
    cut = tmp_path / "avkortet.json"
    cut.write_bytes(whole.read_bytes()[:-40])
    result = ingest(register_url, cut)
    assert result.exit_code == 1 and "ikke tatt inn" in result.stdout and "KAD-FIL-001" in result.stdout
    assert ingest(register_url, whole).exit_code == 0
    assert [r["opphold_id"] for r in rows(register_url, schema.opphold)] == ["KAD-2025-000123"]


# -- status and --today -------------------------------------------------------------------------------
def test_status_per_unit_in_either_language(register_url, tmp_path):
    other_unit = lambda doc: doc["virksomhet"].update(organisasjonsnummer="310000027")  # noqa: E731
    ingest(register_url, message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(0, 2)),
           message(tmp_path, "2.json", melding_id(2), "2025-03-05T07:00:00+01:00", stays=(3,), changes=[other_unit]))
    text = invoke("register", "status", "--db", register_url).stdout
    assert "Virksomhet 310000019" in text and "Virksomhet 310000027" in text
    assert "opphold: 2 gjeldende, 1 av dem åpne (uten utskrivning), 0 annullert" in text
    assert "åpne funn: 1 (KAD-REG-001: 1)" in text
    english = invoke("register", "status", "--db", register_url, "--unit", "310000027", "--lang", "en").stdout
    assert "Unit 310000027" in english and "310000019" not in english
    assert "open findings: 1 (KAD-REG-001: 1)" in english
    nobody = invoke("register", "status", "--db", register_url, "--unit", "999999999")
    assert nobody.exit_code == 0 and "ingen meldinger fra virksomheten 999999999" in nobody.stdout


def test_today_decides_which_stays_have_been_open_too_long(register_url, tmp_path):
    path = message(tmp_path, "1.json", melding_id(1), "2025-03-05T06:00:00+01:00", stays=(2,))
    assert ingest(register_url, path, extra=("--today", "2025-03-20")).exit_code == 0
    assert open_rules(register_url) == []
    later = message(tmp_path, "2.json", melding_id(2), "2025-03-06T06:00:00+01:00", stays=())
    assert ingest(register_url, later, extra=("--today", "2025-04-10")).exit_code == 0
    (finding,) = rows(register_url, schema.funn)
    assert (finding["regel"], finding["opphold_id"], finding["apnet_utc"]) == (
        "KAD-REG-005", "KAD-2025-000125", "2025-04-09T22:00:00Z")
    assert json.loads(finding["parametre"])["dager"] == 36
    bad = ingest(register_url, later, extra=("--today", "10.04.2025"))
    assert bad.exit_code == 2 and "ÅÅÅÅ-MM-DD" in bad.stderr
