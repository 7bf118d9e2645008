"""Every JSON activity report, from files and from the register (all units and one unit), validates
against the published schema in generated/jsonschema/aktivitetsrapport.schema.json, with formats
checked. The schema is closed: a key the report gains without the schema knowing it fails here."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import invoke
from kad_spec.register.keys import KEY_ENV

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "generated" / "jsonschema" / "aktivitetsrapport.schema.json").read_text("utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def errors_of(document: dict) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in VALIDATOR.iter_errors(document)]


def report(*args) -> dict:
    result = invoke("report", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_the_schema_is_a_valid_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("min_cell", ["1", "5"])
def test_the_file_report_of_the_examples_validates(min_cell):
    document = report(str(ROOT / "examples"), "--min-cell", min_cell)
    assert document["stays"]["suppressed"] or document["stays"]["n"] > 0
    assert errors_of(document) == []


@pytest.fixture(scope="module")
def register(tmp_path_factory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("skjema")
    messages = folder / "meldinger"
    made = invoke("example", "--daily", "--from", "2024-11-01", "--to", "2025-02-28", "--units", "3",
                  "--count", "4", "--seed", "3", "-o", messages)
    assert made.exit_code == 0, made.stderr
    url = f"sqlite:///{folder / 'register.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(KEY_ENV, "5eed" * 16)
        taken = invoke("register", "ingest", str(messages), "--db", url)
    assert taken.exit_code in (0, 1), taken.stderr  # 1: some stays got findings (the planted history)
    return url, messages


def test_the_report_of_all_units_and_of_every_unit_from_the_register_validate(register):
    url, messages = register
    assert errors_of(report("--db", url, "--min-cell", "5")) == []
    units = sorted(folder.name for folder in messages.iterdir() if folder.is_dir())
    assert len(units) == 3
    for orgnr in units:
        document = report("--db", url, "--unit", orgnr, "--min-cell", "1")
        assert document["stays"]["n"] > 0
        assert errors_of(document) == []


def test_a_report_with_an_unknown_key_is_refused_by_the_schema():
    document = report(str(ROOT / "examples"))
    document["data_quality"]["extra"] = 1
    assert any("extra" in e for e in errors_of(document))
