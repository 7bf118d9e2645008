"""Read official downloads into code list editions, and write lists back out in those formats.

Formats:
  finnkode-csv / finnkode-json  FinnKode download of ICD-10 or ICPC-2 (chapter/block rows skipped)
  klass-csv                     SSB Klass CSV export (code;parentCode;level;name;...;validFrom;validTo)
  navikt-json                   @navikt/diagnosekoder JSON ([{"code", "text"}])

Importing an edition ADDS it: older editions stay, codes present in both get their validity
extended, codes missing from the new edition keep (or get) an end date before it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from .diagnosis import is_chapter_process_code
from .safety import from_spreadsheet_cell, spreadsheet_cell
from .store import CodeEntry, CodeList, Edition, format_date

FORMATS = ("finnkode-csv", "finnkode-json", "klass-csv", "navikt-json")

FINNKODE_COLUMNS = ["Kode", "Tekst_med_maksimalt_60_tegn", "Tekst_uten_lengdebegrensning", "Foreldrekode",
                    "Gyldig_fra", "Gyldig_til", "Foreldrekodetekst"]
FINNKODE_ICD10_EXTRA = ["Rapporteres_til_NPR", "NPR_Gyldig_fra", "NPR_Gyldig_til", "Stjernekode",
                        "Tilleggskode", "Kjønn", "Uspesifikk_kode"]
FINNKODE_ICPC2_EXTRA = ["Kodeverk", "Tilhørighet_i_ICPC-2B"]
KLASS_COLUMNS = ["code", "parentCode", "level", "name", "shortName", "notes", "validFrom", "validTo"]

# Metadata for lists created by an import into an empty folder.
KNOWN_LISTS = {
    "icd10": dict(title_nb="ICD-10 (norsk utgave)", title_en="ICD-10 (Norwegian edition)",
                  oid="2.16.578.1.12.4.1.1.7110"),
    "icpc2": dict(title_nb="ICPC-2 (norsk utgave)", title_en="ICPC-2 (Norwegian edition)",
                  oid="2.16.578.1.12.4.1.1.7170"),
    "kommunenummer": dict(title_nb="Kommunenummer", title_en="Municipality numbers",
                          oid="2.16.578.1.12.4.1.1.3402"),
}

_NOT_REPORTABLE = {"nei", "n", "false", "0", "no"}
_ROMAN = re.compile(r"[IVXL]+")


class ImportError_(ValueError):
    """Bad input file; the message names the file and, where known, the line."""


@dataclass(frozen=True)
class ImportedCode:
    code: str
    text: str
    valid_from: date | None = None
    valid_to: date | None = None
    kind: str = ""
    note: str = ""


# -- reading helpers -------------------------------------------------------------------
def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_(f"{path}: cannot decode the file as UTF-8 or Windows-1252")


def _parse_flexible_date(value: str | None, path: Path, where: str) -> date | None:
    """ISO (with or without time) or dd.mm.yyyy; empty -> None."""
    text = (value or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise ImportError_(f"{path}:{where}: cannot read date {text!r} (expected YYYY-MM-DD or DD.MM.YYYY)")


def _csv_rows(path: Path) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    text = _read_text(path)
    first_line = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in next(reader, [])]
    rows = []
    for index, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            raise ImportError_(f"{path}:{index}: expected {len(header)} fields, found {len(values)}")
        rows.append((index, dict(zip(header, map(from_spreadsheet_cell, values)))))
    return header, rows


def _json_records(path: Path) -> list[dict]:
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise ImportError_(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list)]
        if len(lists) != 1:
            raise ImportError_(f"{path}: expected a JSON list of codes (or an object holding one list)")
        data = lists[0]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise ImportError_(f"{path}: expected a JSON list of objects")
    return data


def _require(header: list[str], columns: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in header]
    if missing:
        raise ImportError_(f"{path}:1: missing columns: {', '.join(missing)}")


# -- FinnKode ----------------------------------------------------------------------------
def _is_chapter_or_block(code: str) -> bool:
    """'I', 'XXI', 'A' (ICPC-2 chapter) and 'A00-A09' are grouping rows, not codes."""
    return bool(_ROMAN.fullmatch(code)) or len(code) == 1 or "-" in code[1:]


def detect_diagnosis_list(header: list[str]) -> str | None:
    if "Rapporteres_til_NPR" in header:
        return "icd10"
    if "Kodeverk" in header or "Tilhørighet_i_ICPC-2B" in header:
        return "icpc2"
    return None


def _finnkode_record(row: dict[str, str], list_name: str, path: Path, where: str) -> ImportedCode | None:
    code = (row.get("Kode") or "").strip()  # official spelling kept: ICD-10 has I210a, V0n0a, T4n
    if not code or _is_chapter_or_block(code.upper()) or (list_name == "icpc2" and is_chapter_process_code(code)):
        return None
    if list_name == "icd10" and (row.get("Rapporteres_til_NPR") or "").strip().lower() in _NOT_REPORTABLE:
        return None
    text = (row.get("Tekst_uten_lengdebegrensning") or row.get("Tekst_med_maksimalt_60_tegn") or "").strip()
    if not text:
        raise ImportError_(f"{path}:{where}: code {code} has no text")
    return ImportedCode(
        code=code.replace(".", ""),
        text=text,
        valid_from=_parse_flexible_date(row.get("Gyldig_fra"), path, where),
        valid_to=_parse_flexible_date(row.get("Gyldig_til"), path, where),
        kind="process" if code.startswith("-") else "",
    )


def read_finnkode(path: Path, fmt: str, list_name: str | None) -> tuple[str, list[ImportedCode]]:
    if fmt == "finnkode-csv":
        header, rows = _csv_rows(path)
        numbered = [(str(n), r) for n, r in rows]
    else:
        records = _json_records(path)
        header = list(records[0]) if records else []
        numbered = [(f"post {i}", {k: "" if v is None else str(v) for k, v in r.items()}) for i, r in
                    enumerate(records, start=1)]
    _require(header, ["Kode", "Gyldig_fra", "Gyldig_til"], path)
    if "Tekst_uten_lengdebegrensning" not in header and "Tekst_med_maksimalt_60_tegn" not in header:
        raise ImportError_(f"{path}:1: missing a text column (Tekst_uten_lengdebegrensning)")
    name = list_name or detect_diagnosis_list(header)
    if name not in ("icd10", "icpc2"):
        raise ImportError_(f"{path}: cannot tell ICD-10 from ICPC-2; give --list icd10 or --list icpc2")
    codes = [rec for where, row in numbered if (rec := _finnkode_record(row, name, path, where))]
    return name, codes


# -- navikt ------------------------------------------------------------------------------
def read_navikt(path: Path, list_name: str | None) -> tuple[str, list[ImportedCode]]:
    records = _json_records(path)
    name = list_name or ("icd10" if "icd" in path.name.lower() else "icpc2" if "icpc" in path.name.lower() else None)
    if name not in ("icd10", "icpc2"):
        raise ImportError_(f"{path}: cannot tell ICD-10 from ICPC-2; give --list icd10 or --list icpc2")
    codes = []
    for index, record in enumerate(records, start=1):
        code, text = str(record.get("code") or "").strip(), str(record.get("text") or "").strip()
        if not code or not text:
            raise ImportError_(f"{path}: post {index}: needs both 'code' and 'text'")
        code = normalise(code, name)
        if name == "icpc2" and is_chapter_process_code(code):
            continue  # e.g. R33 in the 2022 export: the process code -33 in chapter R, not a diagnosis
        codes.append(ImportedCode(code=code, text=text, kind="process" if code.startswith("-") else ""))
    return name, codes


def normalise(code: str, list_name: str) -> str:
    """Dots removed from ICD-10; the letter case is the directorate's (I210a) and is kept."""
    return code.replace(".", "") if list_name == "icd10" else code.upper()



# -- SSB Klass -------------------------------------------------------------------------
def read_klass(path: Path, list_name: str | None) -> tuple[str, list[ImportedCode]]:
    header, rows = _csv_rows(path)
    _require(header, ["code", "name"], path)
    codes = []
    for line, row in rows:
        if (row.get("level") or "1").strip() not in ("", "1"):
            continue
        code = row["code"].strip()
        if not code:
            raise ImportError_(f"{path}:{line}: empty code")
        codes.append(ImportedCode(
            code=code,
            text=row["name"].strip(),
            valid_from=_parse_flexible_date(row.get("validFrom"), path, str(line)),
            valid_to=_parse_flexible_date(row.get("validTo"), path, str(line)),
            note=(row.get("notes") or "").strip(),
        ))
    return list_name or "kommunenummer", codes


def read_input(path: Path, fmt: str, list_name: str | None) -> tuple[str, list[ImportedCode]]:
    if not path.is_file():
        raise ImportError_(f"{path}: file not found")
    if fmt in ("finnkode-csv", "finnkode-json"):
        return read_finnkode(path, fmt, list_name)
    if fmt == "navikt-json":
        return read_navikt(path, list_name)
    if fmt == "klass-csv":
        return read_klass(path, list_name)
    raise ImportError_(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# -- merging an edition into a list ---------------------------------------------------------
def _touches(entry: CodeEntry, start: date | None, end: date | None) -> bool:
    """Overlapping or directly adjacent periods join into one entry."""
    before = start - timedelta(days=1) if start else None
    after = end + timedelta(days=1) if end else None
    return entry.overlaps(before, after)


def _latest(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else max(a, b)


def _earliest(a: date | None, b: date | None) -> date | None:
    return None if a is None or b is None else min(a, b)


def _merge_code(codelist: CodeList, rec: ImportedCode, start: date | None, end: date | None) -> None:
    rec_from = rec.valid_from or start
    rec_to = rec.valid_to if rec.valid_to else end
    existing = codelist.entries(rec.code)
    joined = [e for e in existing if _touches(e, rec_from, rec_to)]
    kept = [e for e in existing if e not in joined]
    merged = CodeEntry(rec.code, rec.text, valid_from=rec_from, valid_to=rec_to, kind=rec.kind, note=rec.note)
    for old in joined:
        merged = replace(merged, valid_from=_earliest(old.valid_from, merged.valid_from),
                         valid_to=_latest(old.valid_to, merged.valid_to),
                         text_en=old.text_en, successor=old.successor if merged.valid_to else (),
                         kind=merged.kind or old.kind, note=merged.note or old.note)
    codelist.set_entries(rec.code, [*kept, merged])


def _close_removed(codelist: CodeList, present: set[str], start: date, carry_process: bool,
                   end: date | None) -> None:
    """Codes missing from the new edition end the day before it (unless they already ended)."""
    for code in codelist.codes():
        if code in present:
            continue
        changed = []
        for entry in codelist.entries(code):
            open_into_edition = entry.valid_to is None or entry.valid_to >= start
            started_before = entry.valid_from is None or entry.valid_from < start
            if carry_process and entry.kind == "process":
                # Sources without process codes (navikt, some downloads) must not drop them.
                entry = replace(entry, valid_to=_latest(entry.valid_to, end))
            elif open_into_edition and started_before and entry.kind != "special":
                entry = replace(entry, valid_to=start - timedelta(days=1))
            changed.append(entry)
        codelist.set_entries(code, changed)


def carried_over(codelist: CodeList, codes: list[str], edition: Edition, note: str,
                 records: list[ImportedCode]) -> list[ImportedCode]:
    """Records for codes an edition's file lacks by a known fault, taken from the list as it stands.

    Each must be in the list already (valid the day before the edition) and absent from the file;
    its row gets ``note``, so the list says why the code is valid in that edition.
    """
    present = {r.code for r in records}
    day_before = edition.valid_from - timedelta(days=1) if edition.valid_from else None
    carried = []
    for code in codes:
        entry = codelist.lookup(code, day_before) if day_before else None
        if code in present or entry is None:
            why = "is in the file" if code in present else f"is not valid on {format_date(day_before)} in the list"
            raise ImportError_(f"--carry-over {code}: cannot carry the code over, it {why}")
        carried.append(ImportedCode(code, entry.text, kind=entry.kind, note=note))
    return carried


def _carry_forward(codelist: CodeList, present: set[str], start: date, end: date | None) -> None:
    """A partial file: codes it does not mention and that were valid on the eve go on into the edition."""
    eve = start - timedelta(days=1)
    for code in codelist.codes():
        if code in present:
            continue
        entries = codelist.entries(code)
        codelist.set_entries(code, [replace(e, valid_to=end) if e.valid_to == eve else e for e in entries])


def add_edition(codelist: CodeList, edition: Edition, records: list[ImportedCode], *,
                close_missing: bool = True) -> Edition:
    """Merge one imported edition into the list (see module docstring); returns the stored edition.

    ``close_missing=False`` (a partial file): codes missing from the file are left as they are.
    """
    stored = codelist.add_edition(edition)
    has_process = any(r.kind == "process" for r in records)
    if stored.valid_from and close_missing:
        _close_removed(codelist, {r.code for r in records}, stored.valid_from,
                       carry_process=not has_process, end=stored.valid_to)
    elif stored.valid_from:
        _carry_forward(codelist, {r.code for r in records}, stored.valid_from, stored.valid_to)
    for rec in records:
        _merge_code(codelist, rec, stored.valid_from, stored.valid_to)
    return stored


def new_codelist(name: str) -> CodeList:
    return CodeList(name=name, **KNOWN_LISTS.get(name, {}))


# -- export -----------------------------------------------------------------------------
def _dotted(code: str) -> str:
    return code if len(code) <= 3 or code.startswith("-") else f"{code[:3]}.{code[3:]}"


def _finnkode_rows(codelist: CodeList, entries: list[CodeEntry]) -> list[dict[str, str]]:
    is_icd = codelist.name == "icd10"
    extra = FINNKODE_ICD10_EXTRA if is_icd else FINNKODE_ICPC2_EXTRA
    rows = []
    for entry in entries:
        row = dict.fromkeys(FINNKODE_COLUMNS + extra, "")
        row.update({
            "Kode": _dotted(entry.code) if is_icd else entry.code,
            "Tekst_med_maksimalt_60_tegn": entry.text[:60],
            "Tekst_uten_lengdebegrensning": entry.text,
            "Gyldig_fra": format_date(entry.valid_from),
            "Gyldig_til": format_date(entry.valid_to),
        })
        if is_icd:
            row["Rapporteres_til_NPR"] = "Ja"
        else:
            row["Kodeverk"] = "ICPC-2"
        rows.append(row)
    return rows


def export(codelist: CodeList, fmt: str, on: date | None = None) -> str:
    """The list in one of FORMATS, as text (UTF-8 when written); with ``on``, only the codes valid that day."""
    entries = sorted((e for e in codelist.all_entries() if on is None or e.valid_on(on)),
                     key=lambda e: (e.code, e.valid_from or date.min))
    if fmt in ("finnkode-csv", "finnkode-json"):
        rows = _finnkode_rows(codelist, entries)
        if fmt == "finnkode-json":
            return json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
        out = io.StringIO()
        columns = list(rows[0]) if rows else FINNKODE_COLUMNS
        writer = csv.DictWriter(out, fieldnames=columns, delimiter=";", lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: spreadsheet_cell(v) for k, v in row.items()} for row in rows)
        return out.getvalue()
    if fmt == "navikt-json":
        records = [{"code": e.code, "text": e.text} for e in entries if e.kind != "process"]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    if fmt == "klass-csv":
        out = io.StringIO()
        writer = csv.writer(out, delimiter=";", lineterminator="\n", quoting=csv.QUOTE_ALL)
        writer.writerow(KLASS_COLUMNS)
        for entry in entries:
            writer.writerow([spreadsheet_cell(cell) for cell in (entry.code, "", "1", entry.text, "", entry.note,
                             format_date(entry.valid_from), format_date(entry.valid_to))])
        return out.getvalue()
    raise ImportError_(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
