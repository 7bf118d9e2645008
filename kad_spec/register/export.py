"""The register's stays for analysis: the current version of every stay that is not cancelled.

One row (CSV) or line (JSON Lines) per stay, ordered by (``virksomhet``, ``opphold_id``) in
code-point order on every store, so that the same register gives the same bytes on SQLite and
PostgreSQL. A row has the unit's organisation number, the stay's id and status, the times (as
written and in UTC), the version's time (its message's ``opprettet`` in UTC), what the id told
at ingest (id type, birth year, sex), age, municipality, where the patient came from and went,
the diagnoses, and the person's pseudonym: never the id, which the register does not have.
The register's own bookkeeping (when a message was received) is left out, so that the export
depends only on the messages.

A field the unit wrote freely (``opphold_id``, a HER-id, a code) in which a valid person number
or DUF-nummer stands is masked as every output masks one (kad_spec.output.mask); the rest is
written as it is, data, not a report.
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import BinaryIO, Iterator

import orjson

from kad_spec.register import schema

CSV, JSONL = "csv", "jsonl"
FORMATS = (CSV, JSONL)
PLACES = ("henvist_fra", "utskrevet_til")
PLACE_FIELDS = ("kategori", "organisasjonsnummer", "her_id")
COLUMNS = (
    "virksomhet", "opphold_id", "status", "innlagt", "innlagt_utc", "utskrevet", "utskrevet_utc", "versjon_utc",
    "id_type", "fodselsar", "kjonn", "alder", "bostedskommune",
    *(f"{place}_{name}" for place in PLACES for name in PLACE_FIELDS),
    "innskrivningsdiagnoser", "utskrivningsdiagnoser", "person",
)
FREE_TEXT = ("opphold_id", "bostedskommune", *(f"{place}_{name}" for place in PLACES for name in PLACE_FIELDS))
DIAGNOSES = ("innskrivningsdiagnoser", "utskrivningsdiagnoser")
READ_ROWS = 2000  # rows fetched from the store at a time: memory stays flat however many stays there are

# Eleven or more digits held together by at most four separators: where an id could stand.
_DIGITS = re.compile(r"\d(?:[^0-9A-Za-z\n]{0,4}\d){10,}")


def current_stays(connection, unit: str | None = None) -> Iterator:
    """The current version of every stay not cancelled (of ``unit``, or of every unit), in export order."""
    import sqlalchemy

    o = schema.opphold
    in_order = [o.c.virksomhet, o.c.opphold_id]
    if connection.dialect.name != "sqlite":  # SQLite compares text by its bytes already
        in_order = [column.collate("C") for column in in_order]
    query = sqlalchemy.select(o).where(o.c.annullert.is_(False))
    if unit is not None:
        query = query.where(o.c.virksomhet == unit)
    yield from connection.execution_options(yield_per=READ_ROWS).execute(query.order_by(*in_order))


def record(row) -> dict:
    """One stay as the export has it: the columns of COLUMNS, diagnoses as lists of (kodeverk, kode)."""
    values = {name: getattr(row, name) for name in COLUMNS if name not in ("fodselsar", *DIAGNOSES)}
    values["fodselsar"] = int(row.fodselsdato[:4]) if row.fodselsdato else None
    for name in FREE_TEXT:
        values[name] = guarded(values[name])
    for name in DIAGNOSES:
        text = getattr(row, name)
        values[name] = None if text is None else [(guarded(system), guarded(code)) for system, code in json.loads(text)]
    return {name: values[name] for name in COLUMNS}


def as_message_stay(row) -> dict:
    """A stay of ``current_stays`` in the shape a message gives it (the fields the register keeps,
    the person without id), for code that reads stays from messages: the activity report."""
    diagnoses = {name: None if getattr(row, name) is None else
                 [{"kodeverk": system, "kode": code} for system, code in json.loads(getattr(row, name))]
                 for name in DIAGNOSES}
    places = {}
    for place in PLACES:
        values = {name: getattr(row, f"{place}_{name}") for name in PLACE_FIELDS}
        places[place] = {name: value for name, value in values.items() if value is not None} or None
    return {
        "opphold_id": row.opphold_id, "status": row.status,
        "pasient": {"id_type": row.id_type, "kjonn": row.kjonn, "alder": row.alder, "bostedskommune": row.bostedskommune},
        "innleggelsestidspunkt": row.innlagt, "utskrivningstidspunkt": row.utskrevet,
        **diagnoses, **places,
    }


def version_counts(connection, unit: str | None = None) -> tuple[int, int]:
    """(versions of stays received, stays they are versions of): every version the register took
    in, kept out or refused, not the messages it had received before."""
    import sqlalchemy

    v = schema.versjon
    where = [v.c.virksomhet == unit] if unit is not None else []
    versions = connection.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(v).where(*where)).scalar()
    stays = sqlalchemy.select(v.c.virksomhet, v.c.opphold_id).where(*where).distinct().subquery()
    return versions, connection.execute(sqlalchemy.select(sqlalchemy.func.count()).select_from(stays)).scalar()


def guarded(value):
    """``value``, masked if a valid person number or DUF-nummer stands in it."""
    if type(value) is not str or _DIGITS.search(value) is None or not _holds_id(value):
        return value
    from kad_spec.output import mask

    return mask(value)


def _holds_id(value: str) -> bool:
    from kad_spec.ids import duf, personnr

    for group in _DIGITS.finditer(value):
        digits = re.sub(r"\D", "", group.group(0))
        if any(personnr.is_valid(digits[i:i + 11]) for i in range(len(digits) - 10)):
            return True
        if any(duf.is_valid(digits[i:i + 12]) for i in range(len(digits) - 11)):
            return True
    return False


def write_export(connection, out: BinaryIO, fmt: str, unit: str | None = None) -> int:
    """Write the export to the binary stream ``out``; the number of stays written."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    rows = (record(row) for row in current_stays(connection, unit))
    return _write_csv(rows, out) if fmt == CSV else _write_jsonl(rows, out)


def _write_jsonl(records: Iterator[dict], out: BinaryIO) -> int:
    written = 0
    for values in records:
        for name in DIAGNOSES:
            if values[name] is not None:
                values[name] = [{"kodeverk": system, "kode": code} for system, code in values[name]]
        out.write(orjson.dumps(values) + b"\n")
        written += 1
    return written


def _write_csv(records: Iterator[dict], out: BinaryIO) -> int:
    """A header, then one row per stay; no value is "" for none; diagnoses ``kodeverk:kode;…``."""
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    try:
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(COLUMNS)
        written = 0
        for values in records:
            for name in DIAGNOSES:
                if values[name] is not None:
                    values[name] = ";".join(f"{system or ''}:{code or ''}" for system, code in values[name])
            writer.writerow(["" if values[name] is None else values[name] for name in COLUMNS])
            written += 1
        text.flush()
    finally:
        text.detach()  # the caller's stream stays open, also when writing to it failed
    return written
