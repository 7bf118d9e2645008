"""Importers, exporters and the `codelists` CLI, on small fixture files in the official formats."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kad_spec.codelists import load_codelists, read_codelist
from kad_spec.cli.codelists import app
from kad_spec.spec.resources import codelists_dir
from conftest import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "codelists"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


@pytest.fixture()
def bundled_copy(tmp_path: Path) -> Path:
    target = tmp_path / "codelists"
    shutil.copytree(codelists_dir(), target)
    return target


def entries_as_tuples(path: Path) -> set[tuple]:
    lst = read_codelist(path)
    return {(e.code, e.text, e.valid_from, e.valid_to) for e in lst.all_entries()}


def test_finnkode_csv_skips_headings_removes_dots_keeps_dates(tmp_path):
    result = invoke("import", FIXTURES / "finnkode-icd10-2027.csv", "--format", "finnkode-csv",
                    "--edition", "2027", "--into", tmp_path)
    assert result.exit_code == 0, result.output
    lst = read_codelist(tmp_path / "icd10.csv")
    assert sorted(lst.codes()) == ["A000", "A009", "B1800", "E702", "J189", "R81", "U071"]
    (covid,) = lst.entries("U071")
    assert covid.valid_from == date(2020, 3, 1) and covid.valid_to == date(2027, 12, 31)
    assert lst.editions[0].label == "2027"


@pytest.mark.parametrize("fixture,fmt,name", [
    ("finnkode-icd10-2027.csv", "finnkode-csv", "icd10"),
    ("finnkode-icd10-2027.json", "finnkode-json", "icd10"),
    ("finnkode-icpc2-2027.csv", "finnkode-csv", "icpc2"),
    ("navikt-icpc2-2027.json", "navikt-json", "icpc2"),
    ("klass-131-2024.csv", "klass-csv", "kommunenummer"),
])
def test_import_then_export_round_trips(tmp_path, fixture, fmt, name):
    first, second = tmp_path / "first", tmp_path / "second"
    options = ["--format", fmt, "--edition", "2027" if name != "kommunenummer" else "2024", "--list", name]
    assert invoke("import", FIXTURES / fixture, *options, "--into", first).exit_code == 0
    exported = tmp_path / f"export.{fmt.split('-')[1]}"
    result = invoke("export", name, "--format", fmt, "--output", exported, "--from", first)
    assert result.exit_code == 0, result.output
    assert invoke("import", exported, *options, "--into", second).exit_code == 0
    assert entries_as_tuples(first / f"{name}.csv") == entries_as_tuples(second / f"{name}.csv")
    assert len(read_codelist(first / f"{name}.csv")) >= 4


def test_process_codes_marked_from_finnkode(tmp_path):
    invoke("import", FIXTURES / "finnkode-icpc2-2027.csv", "--format", "finnkode-csv", "--edition", "2027",
           "--into", tmp_path)
    lst = read_codelist(tmp_path / "icpc2.csv")
    assert lst.entries("-30")[0].kind == "process" and "A" not in lst


def test_new_edition_keeps_old_editions(bundled_copy):
    result = invoke("import", FIXTURES / "finnkode-icd10-2027.csv", "--format", "finnkode-csv",
                    "--edition", "2027", "--into", bundled_copy, "--complete")  # a small sample of an edition
    assert result.exit_code == 0, result.output
    icd10 = read_codelist(bundled_copy / "icd10.csv")
    assert [e.label for e in icd10.editions] == ["2020", "2021", "2022", "2023", "2024", "2025", "2026", "2027"]
    # Present in both editions: one entry, validity extended.
    (j189,) = icd10.entries("J189")
    assert j189.valid_to == date(2027, 12, 31)
    # Missing from 2027: still valid in 2026, not in 2027.
    assert icd10.check("A010", date(2026, 6, 1)).ok
    assert icd10.check("A010", date(2027, 6, 1)).status == "not_valid_on_date"


def test_navikt_import_carries_icpc2_process_codes_forward(bundled_copy):
    invoke("import", FIXTURES / "navikt-icpc2-2027.json", "--format", "navikt-json", "--list", "icpc2",
           "--edition", "2027", "--into", bundled_copy, "--complete")
    icpc2 = read_codelist(bundled_copy / "icpc2.csv")
    assert icpc2.check("-30", date(2027, 6, 1)).ok
    assert icpc2.check("A01", date(2027, 6, 1)).ok
    assert icpc2.check("A02", date(2026, 6, 1)).ok and not icpc2.check("A02", date(2027, 6, 1)).ok


def test_klass_import_adds_municipal_edition(tmp_path):
    folder = tmp_path / "k"
    assert invoke("import", FIXTURES / "klass-131-2020.csv", "--format", "klass-csv", "--edition", "2020",
                  "--into", folder).exit_code == 0
    assert invoke("import", FIXTURES / "klass-131-2024.csv", "--format", "klass-csv", "--edition", "2024",
                  "--into", folder).exit_code == 0
    lst = read_codelist(folder / "kommunenummer.csv")
    assert [(e.label, e.valid_to) for e in lst.editions] == [("2020", date(2023, 12, 31)), ("2024", None)]
    assert lst.check("3001", date(2023, 6, 1)).ok and not lst.check("3001", date(2024, 6, 1)).ok
    assert lst.check("1580", date(2024, 6, 1)).ok and not lst.check("1580", date(2022, 6, 1)).ok
    (oslo,) = lst.entries("0301")
    assert oslo.valid_from == date(2020, 1, 1) and oslo.valid_to is None


def test_import_never_changes_the_input(tmp_path):
    source = FIXTURES / "finnkode-icd10-2027.csv"
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    invoke("import", source, "--format", "finnkode-csv", "--edition", "2027", "--into", tmp_path)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("fixture,fmt,expected", [
    ("bad-finnkode.csv", "finnkode-csv", "bad-finnkode.csv:"),
    ("bad-klass-date.csv", "klass-csv", "bad-klass-date.csv:2"),
    ("missing.csv", "klass-csv", "missing.csv"),
])
def test_bad_input_names_file_and_line_without_traceback(tmp_path, fixture, fmt, expected):
    result = invoke("import", FIXTURES / fixture, "--format", fmt, "--edition", "2027", "--into", tmp_path)
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "kommunenummer.csv").exists()


def test_lookup_reports_period_and_successor():
    result = invoke("lookup", "kommunenummer", "3001", "--date", "2024-03-01")
    assert result.exit_code == 1
    assert "2020-01-01–2023-12-31" in result.output and "3101" in result.output and "Halden" in result.output
    ok = invoke("lookup", "kommunenummer", "3101", "--date", "2024-03-01")
    assert ok.exit_code == 0 and "gyldig" in ok.output
    english = invoke("--lang", "en", "lookup", "icd10", "J18.9", "--date", "2026-02-01")
    assert english.exit_code == 0 and "is valid" in english.output


def test_list_show_and_errors():
    listing = invoke("list")
    assert listing.exit_code == 0 and "kommunenummer" in listing.output and "2.16.578.1.12.4.1.1.3402" in listing.output
    shown = invoke("show", "kjonn")
    assert shown.exit_code == 0 and "Kvinne" in shown.output
    assert invoke("show", "nope").exit_code == 2
    assert invoke("lookup", "kommunenummer", "3001", "--date", "2024-13-01").exit_code == 2


def test_load_codelists_from_imported_folder(tmp_path):
    invoke("import", FIXTURES / "klass-131-2024.csv", "--format", "klass-csv", "--edition", "2024", "--into", tmp_path)
    assert load_codelists(tmp_path)["kommunenummer"].codes_on(date(2025, 1, 1)) == {"0301", "1508", "1580", "3101", "4601"}


def test_language_is_per_call_not_remembered():
    """--lang belongs to one call: an English call leaves the next one in bokmål, in the same process."""
    english = invoke("--lang", "en", "show", "nope")
    assert english.exit_code == 2 and "Unknown code list: nope" in english.output
    after = invoke("show", "nope")
    assert after.exit_code == 2 and "Ukjent kodeverk: nope" in after.output
    via_main = run_cli("codelists", "--lang", "en", "lookup", "kommunenummer", "3001", "--date", "2024-03-01")
    assert via_main[0] == 1 and "exists in kommunenummer but is not valid on 2024-03-01" in via_main[1]
