"""No output shows a full person id, also for hostile files and fuzzed messages.

Every run of 11 or 12 digits in the inputs (file names and contents) is collected; no report
format, no stderr line and no error message may contain any of them. The person numbers are
built at run time from Tenor rules (month + 80), never written here in full.
"""

from __future__ import annotations

import json
import os
import re
import random
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from hostile import BASE_JSON, base, hostile_files, hostile_json, hostile_xml

FORMATS = ("text", "json", "junit", "sarif")
ID_RUN = re.compile(r"(?<!\d)\d{11,12}(?!\d)")
EXAMPLES = int(os.environ.get("KAD_SPEC_FUZZ_EXAMPLES", "20"))


def tenor_person(seed: int) -> str:
    from kad_spec.ids import personnr

    rng = random.Random(seed)
    return personnr.synthetic(date(1950, 1, 1).replace(year=1930 + seed % 70, day=1 + seed % 28), "2", rng)


def ids_in(paths) -> set[str]:
    found = set()
    for path in paths:
        found.update(ID_RUN.findall(path.name))
        if path.is_file():
            found.update(ID_RUN.findall(path.read_bytes().decode("utf-8", "replace")))
            found.update(ID_RUN.findall(path.read_bytes().decode("latin-1")))
    return found


def run_all_formats(paths, tmp_path=None) -> list[str]:
    from kad_spec.cli import app

    outputs = []
    for fmt in FORMATS:
        for lang in ("nb", "en"):
            result = CliRunner().invoke(app, ["validate", "--format", fmt, "--lang", lang, *map(str, paths)],
                                        catch_exceptions=False)
            assert result.exit_code in (0, 1), result.stderr
            outputs += [result.stdout, result.stderr]
    return outputs


def assert_no_ids(outputs, ids):
    assert ids, "the inputs must hold person ids for this test to mean anything"
    for text in outputs:
        for person_id in ids:
            assert person_id not in text, f"output shows {person_id[:2]}…"


@pytest.fixture(scope="module")
def hostile_with_ids(tmp_path_factory):
    """Hostile files that carry a person id: in names, in broken content, at the error position."""
    folder = tmp_path_factory.mktemp("personvern")
    person = tenor_person(7)
    paths = []
    for builder in (hostile_json, hostile_files):
        own = folder / builder.__name__
        own.mkdir()
        for name, path in builder(own).items():
            if path.stat().st_size < (1 << 20):
                target = path.with_name(f"{person}-{name}")
                path.rename(target)
                paths.append(target)
    text = BASE_JSON.read_text(encoding="utf-8")
    extra = {
        "id-ved-syntaksfeil.json": text.replace('"alder": 84', f'"alder": {person}x', 1),
        "id-i-dobbel-nokkel.json": text.replace('"kjonn": "2"', f'"{person}": "2", "{person}": "1"', 1),
        "id-som-nokkel-latin1.json": text.replace('"kjonn": "2"', f'"kjønn{person}": "2"', 1),
        "id-i-xml-entitet.xml": f'<?xml version="1.0"?>\n<!DOCTYPE K [<!ENTITY {person[:3]} "{person}">]><K/>\n',
        "id-i-ukjent-element.xml": f'<KadMelding xmlns="urn:kad-spec:kad-kpr:1"><p{person}>{person}</p{person}></KadMelding>',
    }
    for name, body in extra.items():
        path = folder / name
        path.write_bytes(body.encode("latin-1" if "latin1" in name else "utf-8", "replace"))
        paths.append(path)
    return paths


def test_hostile_files_with_person_ids(hostile_with_ids):
    assert_no_ids(run_all_formats(hostile_with_ids), ids_in(hostile_with_ids))


def test_hostile_xml_is_masked_too(tmp_path):
    paths = list(hostile_xml(tmp_path).values())
    person = tenor_person(11)
    renamed = [p.rename(p.with_name(f"{person}{p.name}")) for p in paths
               if p.suffix == ".xml" and p.stat().st_size < (1 << 20)]
    assert_no_ids(run_all_formats(renamed), ids_in(renamed) | {person})


def test_internal_error_message_is_masked(tmp_path, monkeypatch, capsys):
    """A fault inside kad-spec is reported on stderr, with digits masked."""
    from kad_spec.cli import validate as runner
    from kad_spec.validation.engine import Validator

    person = tenor_person(3)
    path = tmp_path / f"{person}.json"
    path.write_text(BASE_JSON.read_text(encoding="utf-8"), encoding="utf-8")

    def broken(self, doc, result, *args, **kwargs):
        raise RuntimeError(f"fault near {person}")

    monkeypatch.setattr(Validator, "check_document", broken)
    code = runner.run_validation([path], "json", "nb", "error", None, None, None)
    captured = capsys.readouterr()
    assert code == 2
    assert person not in captured.err and person not in captured.out
    assert "intern feil" in captured.err


placements = st.sampled_from([
    ("opphold", 0, "pasient", "id"), ("opphold", 0, "opphold_id"), ("opphold", 0, "pasient", "kjonn"),
    ("opphold", 0, "pasient", "alder"), ("opphold", 0, "innleggelsestidspunkt"),
    ("opphold", 0, "innskrivningsdiagnoser", 0, "kode"), ("virksomhet", "organisasjonsnummer"),
    ("virksomhet", "navn"), ("meldingsinfo", "melding_id"), ("opphold", 1, "henvist_fra", "her_id"),
])


@settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck),
          derandomize=not os.environ.get("KAD_SPEC_FUZZ_RANDOM"))
@given(seed=st.integers(0, 10_000), where=st.lists(placements, min_size=1, max_size=3),
       as_number=st.booleans(), separator=st.sampled_from(["", " ", "-", "."]), as_key=st.booleans())
def test_fuzzed_person_ids_never_shown(seed, where, as_number, separator, as_key):
    person = tenor_person(seed)
    shown = person[:6] + separator + person[6:]
    message = base()
    for path in where:
        node = message
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = int(person) if as_number and not separator else shown
    if as_key:
        message["opphold"][0]["pasient"][shown] = shown
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{shown}.json"
        path.write_text(json.dumps(message, ensure_ascii=False), encoding="utf-8")
        outputs = run_all_formats([path])
    digits = re.compile(r"[^\d\n]{0,3}".join(person))  # the id, also with separators in between
    for text in outputs:
        assert not digits.search(text), f"output shows {person[:2]}…"
