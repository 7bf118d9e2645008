"""The same sequence of messages gives the same register: on SQLite and PostgreSQL, in one call or
one message at a time (the export, byte for byte); and the register agrees with the truth the
sequence was made with (``kad-spec example --daily`` and its manifest sekvens.jsonl).

The sequence: two units over two months, with corrections, cancellations, forgotten discharges
(stays open more than 30 days at the end), a late message and repeated deliveries.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import invoke
from kad_spec.register import openlist
from kad_spec.register.keys import KEY_ENV
from kad_spec.register.store import Register
from kad_spec.tools.sequence import read_sequence_manifest

KEY = "c0de" * 16
PERIOD = ("--from", "2025-01-01", "--to", "2025-02-28", "--units", "2", "--seed", "1")
FORMATS = ("csv", "jsonl")


@pytest.fixture(autouse=True)
def key(monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)


@pytest.fixture(scope="module")
def sequence(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("sekvens") / "meldinger"
    result = invoke("example", "--daily", *PERIOD, "-o", out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def manifest(sequence) -> dict:
    found = read_sequence_manifest(sequence)
    truths = [unit["fasit"] for unit in found["virksomheter"].values()]
    # What the sequence must hold for the comparisons below to say something.
    assert all(t["annullert"] and t["korrigert"] and t["apne_ved_slutt"] for t in truths)
    assert sum(t["apne_over_30_dogn_ved_slutt"] for t in truths) and sum(t["gjentatt"] for t in truths)
    assert sum(t["forsinket"] for t in truths)
    return found


def delivered(sequence: Path) -> list[Path]:
    """The files in the order they were delivered: unit by unit, in name order."""
    return sorted(path for path in sequence.rglob("*.json"))


def ingest(url: str, *paths) -> dict:
    result = invoke("register", "ingest", *paths, "--db", url, "--format", "json")
    assert result.exit_code == 0, result.stdout[-2000:]
    return json.loads(result.stdout)


def exports(url: str) -> dict[str, bytes]:
    found = {}
    for fmt in FORMATS:
        result = invoke("register", "export", "--db", url, "--format", fmt)
        assert result.exit_code == 0, result.stderr
        found[fmt] = result.stdout_bytes
    return found


@pytest.fixture(scope="module")
def reference(sequence, tmp_path_factory, key_module) -> dict[str, bytes]:
    """The export of the sequence taken into a SQLite register in one call."""
    url = f"sqlite:///{tmp_path_factory.mktemp('referanse') / 'register.db'}"
    ingest(url, sequence)
    return exports(url)


@pytest.fixture(scope="module")
def key_module():
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, KEY)
        yield


def test_the_same_export_in_one_call(register_url, sequence, reference):
    ingest(register_url, sequence)
    found = exports(register_url)
    assert found["csv"].count(b"\n") > 2000
    assert found == reference


def test_the_same_export_one_message_at_a_time(register_url, sequence, reference):
    received = []
    for path in delivered(sequence):
        received += [m["result"] for m in ingest(register_url, path)["messages"]]
    assert received.count("allerede_mottatt") == 2 and set(received) == {"tatt_inn", "allerede_mottatt"}
    assert exports(register_url) == reference


def test_the_register_agrees_with_the_manifest(register_url, sequence, manifest):
    result = ingest(register_url, sequence)
    status = json.loads(invoke("register", "status", "--db", register_url, "--format", "json").stdout)
    units = {unit["virksomhet"]: unit for unit in status["units"]}
    assert sorted(units) == sorted(manifest["virksomheter"])
    for orgnr, planted in manifest["virksomheter"].items():
        truth = planted["fasit"]
        unit = units[orgnr]
        assert unit["messages"] == {"total": truth["meldinger"], "taken_in": truth["meldinger"], "refused": 0}
        assert unit["stays"] == {"current": truth["opphold"] - truth["annullert"], "cancelled": truth["annullert"],
                                 "open": truth["apne_ved_slutt"]}
        assert unit["last_created"] == truth["siste_opprettet"]
        repeats = [m for m in result["messages"] if m["virksomhet"] == orgnr and m["result"] == "allerede_mottatt"]
        assert len(repeats) == truth["gjentatt"]
        open_too_long = sorted(s["opphold_id"] for s in planted["opphold"] if s["apen_over_30_dogn"])
        assert unit["open_findings"] == ({"KAD-REG-005": len(open_too_long)} if open_too_long else {})
        with Register.open(register_url) as register, register.transaction() as connection:
            (listed,) = openlist.unit_lists(connection, orgnr)
        assert [(f.rule_id, f.opphold_id) for f in listed.open] == [("KAD-REG-005", sid) for sid in open_too_long]


def test_the_export_has_the_manifests_stays(register_url, sequence, manifest):
    ingest(register_url, sequence)
    exported = [json.loads(line) for line in exports(register_url)["jsonl"].splitlines()]
    planted = {(s["virksomhet"], s["opphold_id"]): s for unit in manifest["virksomheter"].values()
               for s in unit["opphold"] if not s["annullert"]}
    assert [(s["virksomhet"], s["opphold_id"]) for s in exported] == sorted(planted)
    pseudonyms: dict[str, str] = {}
    for stay in exported:
        truth = planted[(stay["virksomhet"], stay["opphold_id"])]
        assert (stay["innlagt"], stay["utskrevet"]) == (truth["innlagt"], truth["utskrevet"])
        assert stay["status"] == ("N" if truth["sendt"][-1][0] == "N" else "M")
        assert pseudonyms.setdefault(truth["person"], stay["person"]) == stay["person"]
    assert len(set(pseudonyms.values())) == len(pseudonyms)  # one pseudonym per person, and one person per pseudonym


def outcomes(report: dict) -> list:
    return [{k: v for k, v in m.items() if k != "path"} | {"file": Path(m["path"]).name} for m in report["messages"]]


def test_validating_ahead_in_a_second_process_changes_nothing(register_url, sequence, reference, monkeypatch,
                                                              tmp_path):
    """A call of many messages validates the next one in a second process (ingest.Ahead); the
    same call with every message validated in this process gives the same outcomes and register."""
    from kad_spec.register import ingest as module

    if module._cores() < 2:
        pytest.skip("one core: no second process")
    ahead = ingest(register_url, sequence)
    monkeypatch.setattr(module, "AHEAD_MIN_FILES", 10**9)
    here = ingest(f"sqlite:///{tmp_path / 'her.db'}", sequence)
    assert outcomes(here) == outcomes(ahead)
    assert exports(register_url) == reference


def test_a_second_process_that_fails_leaves_the_message_to_this_one(register_url, sequence, reference, monkeypatch):
    import os

    from kad_spec.register import ingest as module

    parent, validate = os.getpid(), module.validate

    def failing_elsewhere(*args):
        if os.getpid() != parent:
            raise RuntimeError("the second process fails")
        return validate(*args)

    monkeypatch.setattr(module, "validate", failing_elsewhere)
    report = ingest(register_url, sequence)
    assert {m["result"] for m in report["messages"]} == {"tatt_inn", "allerede_mottatt"}
    assert exports(register_url) == reference
