"""`kad-spec codelists import`: preview before writing, partial files, successors, safe names
and header fields, and spreadsheet-safe CSV exports; all through the real CLI."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest

from conftest import invoke
from kad_spec.codelists import read_codelist
from kad_spec.spec.resources import codelists_dir

KLASS_HEADER = '"code";"parentCode";"level";"name";"shortName";"notes";"validFrom";"validTo"\n'


@pytest.fixture()
def lists(tmp_path: Path) -> Path:
    target = tmp_path / "proj" / "codelists"
    shutil.copytree(codelists_dir(), target)
    return target


def klass_file(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text(KLASS_HEADER + "".join(f'"{c}";"";"1";"{n}";"";"";"";""\n' for c, n in rows), encoding="utf-8")
    return path


def current_municipalities(lists: Path) -> list[tuple[str, str]]:
    lst = read_codelist(lists / "kommunenummer.csv")
    return sorted((c, lst.lookup(c, date(2026, 6, 1)).text) for c in lst.codes_on(date(2026, 6, 1)))


def test_a_five_row_file_is_refused_and_nothing_is_written(lists, tmp_path):
    before = (lists / "kommunenummer.csv").read_bytes()
    small = klass_file(tmp_path / "fem.csv", current_municipalities(lists)[:5])
    result = invoke("codelists", "import", small, "--format", "klass-csv", "--edition", "2027", "--into", lists)
    assert result.exit_code == 2
    assert "--partial" in result.stderr and "bare 5 koder" in result.stderr
    assert "Importerte" not in result.output
    assert (lists / "kommunenummer.csv").read_bytes() == before


def test_partial_file_keeps_the_other_codes(lists, tmp_path):
    rows = current_municipalities(lists)
    small = klass_file(tmp_path / "fem.csv", [(rows[0][0], "Nytt navn"), *rows[1:5]])
    result = invoke("codelists", "import", small, "--format", "klass-csv", "--edition", "2027", "--into", lists,
                    "--partial")
    assert result.exit_code == 0, result.output
    assert "0 avsluttede" in result.stdout and "1 med ny tekst" in result.stdout
    lst = read_codelist(lists / "kommunenummer.csv")
    assert lst.codes_on(date(2027, 6, 1)) == {c for c, _ in rows}
    assert lst.lookup(rows[0][0], date(2027, 6, 1)).text == "Nytt navn"


def test_preview_lists_new_ended_and_renamed_codes_and_dry_run_writes_nothing(lists, tmp_path):
    rows = current_municipalities(lists)
    gone, renamed = rows[0][0], rows[1][0]
    edition = [(renamed, "Omdøpt kommune"), *rows[2:], ("5699", "Ny kommune")]
    full = klass_file(tmp_path / "2027.csv", edition)
    before = (lists / "kommunenummer.csv").read_bytes()
    result = invoke("codelists", "import", full, "--format", "klass-csv", "--edition", "2027", "--into", lists,
                    "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "1 nye, 1 avsluttede og 1 med ny tekst" in out
    assert "Koden 5699 (Ny kommune) er ny i kommunenummer fra 2027-01-01" in out
    assert f"Koden {gone} ({rows[0][1]}) i kommunenummer er avsluttet 2026-12-31" in out
    assert f"Teksten for kode {renamed}" in out and "Omdøpt kommune" in out
    assert "ingenting er skrevet" in out
    assert (lists / "kommunenummer.csv").read_bytes() == before


@pytest.mark.parametrize("table", [
    "old,new\n{gone},5699\n{gone},{other}\n",
    '"oldCode";"oldName";"oldShortName";"newCode";"newName";"newShortName";"changeOccurred"\n'
    '"{gone}";"Gammel";"";"5699";"Ny kommune";"";"2027-01-01"\n'
    '"{gone}";"Gammel";"";"{other}";"Nabo";"";"2027-01-01"\n',
], ids=["csv-old-new", "klass-changes"])
def test_successors_from_a_table_are_recorded_and_shown(lists, tmp_path, table):
    rows = current_municipalities(lists)
    gone, other = rows[0][0], rows[1][0]
    full = klass_file(tmp_path / "2027.csv", [*rows[1:], ("5699", "Ny kommune")])
    links = tmp_path / "etterfolgere.csv"
    links.write_text(table.format(gone=gone, other=other), encoding="utf-8")
    result = invoke("codelists", "import", full, "--format", "klass-csv", "--edition", "2027", "--into", lists,
                    "--successors", links)
    assert result.exit_code == 0, result.output
    assert f"etterfølger 5699 {other}" in result.stdout and "1 med etterfølger fra filen" in result.stdout
    (ended,) = [e for e in read_codelist(lists / "kommunenummer.csv").entries(gone) if e.valid_to == date(2026, 12, 31)]
    assert ended.successor == ("5699", other)
    lookup = invoke("codelists", "lookup", "kommunenummer", gone, "--date", "2027-03-01", "--from", lists)
    assert lookup.exit_code == 1 and f"etterfølger 5699, {other}" in lookup.stdout


def test_a_successor_for_a_code_that_goes_on_is_an_error_naming_the_line(lists, tmp_path):
    rows = current_municipalities(lists)
    full = klass_file(tmp_path / "2027.csv", rows)
    links = tmp_path / "feil.csv"
    links.write_text(f"old,new\n{rows[0][0]},{rows[1][0]}\n", encoding="utf-8")
    before = (lists / "kommunenummer.csv").read_bytes()
    result = invoke("codelists", "import", full, "--format", "klass-csv", "--edition", "2027", "--into", lists,
                    "--successors", links)
    assert result.exit_code == 2 and f"{links}:2" in result.stderr
    assert (lists / "kommunenummer.csv").read_bytes() == before


def test_list_name_cannot_leave_the_folder(lists, tmp_path):
    sample = klass_file(tmp_path / "k.csv", [("0301", "Oslo")])
    result = invoke("codelists", "import", sample, "--format", "klass-csv", "--edition", "2027",
                    "--list", "../../escaped", "--into", lists)
    assert result.exit_code == 2 and "ugyldig kodeverksnavn" in result.stderr
    assert not list(tmp_path.rglob("escaped*"))


@pytest.mark.parametrize("option,value", [
    ("--edition", "2027\n# oid: 9.9.9"),
    ("--edition", "2027 | 2020-01-01 | | forfalsket"),
    ("--source", "kilde\n# edition: X | 2020-01-01 | | y"),
    ("--licence", "MIT\r# oid: 9.9.9"),
])
def test_header_fields_cannot_add_or_forge_header_lines(lists, tmp_path, option, value):
    sample = klass_file(tmp_path / "k.csv", current_municipalities(lists))
    before = (lists / "kommunenummer.csv").read_bytes()
    args = ["--edition", "2027"] if option != "--edition" else []
    result = invoke("codelists", "import", sample, "--format", "klass-csv", *args, option, value,
                    "--valid-from", "2027-01-01", "--into", lists)
    assert result.exit_code == 2, result.output
    assert option in result.stderr and ("linjeskift" in result.stderr or "tegnet |" in result.stderr)
    assert (lists / "kommunenummer.csv").read_bytes() == before
    assert read_codelist(lists / "kommunenummer.csv").oid == "2.16.578.1.12.4.1.1.3402"


def test_csv_exports_cannot_run_as_formulas_and_process_codes_stay_numbers(tmp_path):
    folder = tmp_path / "lists"
    hostile = klass_file(tmp_path / "k.csv", [("0301", "=HYPERLINK(1)"), ("0302", "+1+2"),
                                              ("0303", "@SUM(A1)"), ("0304", "-2+3+cmd"), ("0305", "Vanlig")])
    assert invoke("codelists", "import", hostile, "--format", "klass-csv", "--edition", "2027", "--into",
                  folder).exit_code == 0
    out = tmp_path / "ut.csv"
    assert invoke("codelists", "export", "kommunenummer", "--format", "klass-csv", "--from", folder, "-o", out).exit_code == 0
    names = {row["code"]: row["name"] for row in csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")), delimiter=";")}
    assert names == {"0301": "'=HYPERLINK(1)", "0302": "'+1+2", "0303": "'@SUM(A1)", "0304": "'-2+3+cmd",
                     "0305": "Vanlig"}
    again = tmp_path / "igjen"
    assert invoke("codelists", "import", out, "--format", "klass-csv", "--edition", "2027", "--into", again).exit_code == 0
    assert read_codelist(again / "kommunenummer.csv").lookup("0301", date(2027, 1, 1)).text == "=HYPERLINK(1)"
    icpc = tmp_path / "icpc2.csv"
    assert invoke("codelists", "export", "icpc2", "--format", "finnkode-csv", "-o", icpc).exit_code == 0
    codes = [row["Kode"] for row in csv.DictReader(io.StringIO(icpc.read_text(encoding="utf-8")), delimiter=";")]
    assert "-30" in codes and not any(c.startswith("'") for c in codes)


def test_without_into_the_import_writes_to_the_project_you_stand_in(lists, tmp_path, monkeypatch):
    project = lists.parent
    (project / "model").mkdir()
    (project / "model" / "kad.yaml").write_text("name: x\n", encoding="utf-8")
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    bundled = (codelists_dir() / "kommunenummer.csv").read_bytes()
    rows = current_municipalities(lists)
    full = klass_file(tmp_path / "2027.csv", [*rows, ("5699", "Ny kommune")])
    monkeypatch.chdir(project)
    result = invoke("codelists", "import", full, "--format", "klass-csv", "--edition", "2027")
    assert result.exit_code == 0, result.output
    assert str(lists / "kommunenummer.csv") in result.stdout
    assert "5699" in read_codelist(lists / "kommunenummer.csv")
    assert (codelists_dir() / "kommunenummer.csv").read_bytes() == bundled
