"""Code lists: the in-memory model and the CSV file format (see codelists/README.md).

Loading must stay cheap (it happens on every validation run), so this module uses only the
standard library and parses each list lazily, the first time it is asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Iterable, Iterator

from kad_spec.spec.text import Text

COLUMNS = ("code", "text", "text_en", "valid_from", "valid_to", "successor", "kind", "note")
REQUIRED_COLUMNS = ("code", "text", "valid_from", "valid_to", "successor")
PROVENANCE_KEYS = ("repository", "path", "commit", "licence", "sha256", "note")
METADATA_KEYS = ("name", "title_nb", "title_en", "oid", "source", "licence", "retrieved")

STATUS_VALID = "valid"
STATUS_UNKNOWN = "unknown"
STATUS_NOT_VALID_ON_DATE = "not_valid_on_date"
STATUS_NOT_IN_NEAREST_EDITION = "not_in_nearest_edition"


class CodeListFormatError(ValueError):
    """A code list file that does not follow the format; the message names file and line."""


def parse_date(text: str) -> date | None:
    text = text.strip()
    return date.fromisoformat(text) if text else None


def format_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def _starts_by(start: date | None, on: date) -> bool:
    return start is None or start <= on


def _ends_after(end: date | None, on: date) -> bool:
    return end is None or on <= end


@dataclass(frozen=True, slots=True)
class Edition:
    """One published edition of a list and the period it covers (open end = still current)."""

    label: str
    valid_from: date | None
    valid_to: date | None
    source: str = ""
    # Provenance as (key, value) pairs in PROVENANCE_KEYS order: repository, path, commit, licence,
    # sha256 of the imported file, note (e.g. a fault in the upstream export and how it was handled).
    provenance: tuple[tuple[str, str], ...] = ()

    def provenance_of(self, key: str) -> str:
        return dict(self.provenance).get(key, "")

    def covers(self, on: date) -> bool:
        return _starts_by(self.valid_from, on) and _ends_after(self.valid_to, on)

    def distance(self, on: date) -> int:
        if self.valid_from and on < self.valid_from:
            return (self.valid_from - on).days
        if self.valid_to and on > self.valid_to:
            return (on - self.valid_to).days
        return 0


@dataclass(frozen=True, slots=True)
class CodeEntry:
    """One code in one validity period. A code may have several entries (e.g. re-established)."""

    code: str
    text: str
    text_en: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    successor: tuple[str, ...] = ()
    kind: str = ""
    note: str = ""

    def valid_on(self, on: date) -> bool:
        return _starts_by(self.valid_from, on) and _ends_after(self.valid_to, on)

    def overlaps(self, start: date | None, end: date | None) -> bool:
        starts_before_end = end is None or self.valid_from is None or self.valid_from <= end
        ends_after_start = start is None or self.valid_to is None or self.valid_to >= start
        return starts_before_end and ends_after_start

    def period_text(self) -> str:
        start = format_date(self.valid_from) or "…"
        end = format_date(self.valid_to) or "…"
        return f"{start}–{end}"


@dataclass(frozen=True, slots=True)
class CodeCheck:
    """The outcome of checking one code against a list on one date."""

    status: str
    code: str
    list_name: str
    on: date
    edition: str
    entry: CodeEntry | None = None
    entries: tuple[CodeEntry, ...] = ()
    outside_coverage: bool = False

    @property
    def ok(self) -> bool:
        return self.status == STATUS_VALID

    def describe(self, lang: str = "nb") -> str:
        """A one-line explanation for reports and the CLI."""
        return _describe(self, lang)


DESCRIPTIONS = {
    "successor": Text(", etterfølger {codes}", ", successor {codes}"),
    "outside": Text(" – datoen er utenfor alle utgaver, sjekket mot nærmeste utgave",
                    " – the date is outside every edition, checked against the nearest one"),
    STATUS_VALID: Text("{code} {text} er gyldig {day} i {where}{note}", "{code} {text} is valid on {day} in {where}{note}"),
    STATUS_NOT_VALID_ON_DATE: Text("{code} finnes i {list_name}, men er ikke gyldig {day}: gyldig {periods}",
                                   "{code} exists in {list_name} but is not valid on {day}: valid {periods}"),
    STATUS_NOT_IN_NEAREST_EDITION: Text("{code} finnes ikke i nærmeste utgave {where}; ingen utgave dekker {day}",
                                        "{code} is not in the nearest edition {where}; no edition covers {day}"),
    STATUS_UNKNOWN: Text("{code} er ikke en kode i {list_name}", "{code} is not a code in {list_name}"),
}


def _successor_text(entry: CodeEntry, lang: str) -> str:
    if not entry.successor:
        return ""
    return DESCRIPTIONS["successor"].format(lang, codes=", ".join(entry.successor))


def _periods_text(entries: Iterable[CodeEntry], lang: str) -> str:
    parts = [f"{e.text} {e.period_text()}{_successor_text(e, lang)}" for e in entries]
    return "; ".join(parts)


def _describe(check: CodeCheck, lang: str) -> str:
    values = {"code": check.code, "list_name": check.list_name, "where": f"{check.list_name} ({check.edition})",
              "day": check.on.isoformat()}
    if check.status == STATUS_VALID:
        note = DESCRIPTIONS["outside"].get(lang) if check.outside_coverage else ""
        text = check.entry.text if check.entry else ""
        return DESCRIPTIONS[STATUS_VALID].format(lang, text=text, note=note, **values)
    if check.status == STATUS_NOT_VALID_ON_DATE:
        return DESCRIPTIONS[check.status].format(lang, periods=_periods_text(check.entries, lang), **values)
    if check.status == STATUS_NOT_IN_NEAREST_EDITION:
        return DESCRIPTIONS[check.status].format(lang, **values)
    return DESCRIPTIONS[STATUS_UNKNOWN].format(lang, **values)


@dataclass
class CodeList:
    """One code list with all its editions and all validity periods of every code."""

    name: str
    title_nb: str = ""
    title_en: str = ""
    oid: str = ""
    source: str = ""
    licence: str = ""
    retrieved: str = ""
    editions: list[Edition] = field(default_factory=list)
    _by_code: dict[str, tuple[CodeEntry, ...]] = field(default_factory=dict, repr=False)
    used_editions: set[str] = field(default_factory=set, compare=False, repr=False)
    # Codes spelt with lower-case letters, by their upper-case form (the few official_spelling needs).
    _by_upper: dict[str, str] | None = field(default=None, compare=False, repr=False)
    # Compiled rows (see compiled_form) not yet made into entries: a run that checks a handful of
    # codes makes a handful of entries, not 20 000. While set, it holds every code in file order.
    _rows: dict[str, bytes | tuple] | None = field(default=None, compare=False, repr=False)
    # Per code, the days its check may answer otherwise than the day before (see change_days).
    _change_days: dict[str, tuple[list[date], list[bool]]] = field(default_factory=dict, compare=False, repr=False)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CodeList):
            return NotImplemented
        mine, theirs = self._all_entries(), other._all_entries()
        return (mine == theirs and self.editions == other.editions
                and all(getattr(self, key) == getattr(other, key) for key in METADATA_KEYS))

    # -- reading -----------------------------------------------------------------------
    def change_days(self, code: str) -> tuple[list[date], list[bool]]:
        """Where :meth:`check` may answer otherwise for ``code`` than the day before, and whether
        an edition covers the days in between.

        The answer changes only where an edition or one of the code's validity periods starts or
        ends (the day after its last); those days, sorted, part the calendar into stretches: the
        one before the first day, then one from each. Per stretch, whether an edition covers it
        (always, for a list without editions): within coverage every day of a stretch is answered
        alike; outside it the nearest edition depends on the distance, so every day differs.
        Rules judge a code once per stretch, not per day (kad_spec.rules.codes.PeriodVerdicts).
        """
        found = self._change_days.get(code)
        if found is None:
            days: set[date] = set()
            for item in (*self.editions, *self._entries_of(code)):
                if item.valid_from is not None:
                    days.add(item.valid_from)
                if item.valid_to is not None:
                    days.add(item.valid_to + timedelta(days=1))
            changes = sorted(days)
            covered = [not self.editions or self.covering_edition(start) is not None for start in (date.min, *changes)]
            found = self._change_days[code] = (changes, covered)
        return found

    def _codes(self) -> dict:
        """Every code (as keys), in file order, without making entries."""
        return self._by_code if self._rows is None else self._rows

    def _entries_of(self, code: str) -> tuple[CodeEntry, ...]:
        found = self._by_code.get(code)
        if found is None and self._rows is not None and code in self._rows:
            found = self._by_code[code] = _entries_from_rows(code, self._rows[code])
        return found or ()

    def _all_entries(self) -> dict[str, tuple[CodeEntry, ...]]:
        if self._rows is not None:
            made = self._by_code
            self._by_code = {code: made.get(code) or _entries_from_rows(code, rows) for code, rows in self._rows.items()}
            self._rows = None
        return self._by_code

    def __len__(self) -> int:
        return len(self._codes())

    def __contains__(self, code: str) -> bool:
        return code in self._codes()

    def codes(self) -> list[str]:
        return list(self._codes())

    def all_entries(self) -> Iterator[CodeEntry]:
        for entries in self._all_entries().values():
            yield from entries

    def entries(self, code: str) -> list[CodeEntry]:
        return list(self._entries_of(code))

    def official_spelling(self, code: str) -> str | None:
        """The code as the list spells it, matched without regard to letter case ('I210A' -> 'I210a').

        Norwegian ICD-10 spells some codes with lower-case letters (I210a, V0n0a, T4n); no two codes
        differ by case alone, so the match is unique. None when the list has no such code.
        """
        codes = self._codes()
        if code in codes:
            return code
        upper = code.upper()
        if upper in codes:
            return upper
        return self._lower_case_codes().get(upper)

    def _lower_case_codes(self) -> dict[str, str]:
        if self._by_upper is None:
            self._by_upper = _lower_case_codes(self._codes())
        return self._by_upper

    def lookup(self, code: str, on: date) -> CodeEntry | None:
        for entry in self._entries_of(code):
            if entry.valid_on(on):
                return entry
        return None

    def codes_on(self, on: date) -> set[str]:
        return {code for code, entries in self._all_entries().items() if any(e.valid_on(on) for e in entries)}

    def covering_edition(self, on: date) -> Edition | None:
        covering = [e for e in self.editions if e.covers(on)]
        return covering[-1] if covering else None

    def nearest_edition(self, on: date) -> Edition | None:
        if not self.editions:
            return None
        # Ties go to the later edition: a newer list is the better guess.
        ranked = sorted(enumerate(self.editions), key=lambda ie: (ie[1].distance(on), -ie[0]))
        return ranked[0][1]

    def edition_label(self, on: date) -> str:
        edition = self.covering_edition(on) or self.nearest_edition(on)
        return edition.label if edition else ""

    def check(self, code: str, on: date) -> CodeCheck:
        entries = self._entries_of(code)
        covering = self.covering_edition(on)
        if covering or not self.editions:
            label = covering.label if covering else ""
            self.used_editions.add(label)
            entry = self.lookup(code, on)
            if entry:
                return CodeCheck(STATUS_VALID, code, self.name, on, label, entry, entries)
            status = STATUS_NOT_VALID_ON_DATE if entries else STATUS_UNKNOWN
            return CodeCheck(status, code, self.name, on, label, None, entries)
        return self._check_outside_coverage(code, on, entries)

    def _check_outside_coverage(self, code: str, on: date, entries: tuple[CodeEntry, ...]) -> CodeCheck:
        nearest = self.nearest_edition(on)
        assert nearest is not None
        self.used_editions.add(nearest.label)
        in_nearest = [e for e in entries if e.overlaps(nearest.valid_from, nearest.valid_to)]
        if in_nearest:
            return CodeCheck(STATUS_VALID, code, self.name, on, nearest.label, in_nearest[-1], entries, True)
        return CodeCheck(STATUS_NOT_IN_NEAREST_EDITION, code, self.name, on, nearest.label, None, entries, True)

    # -- changing ----------------------------------------------------------------------
    def set_entries(self, code: str, entries: Iterable[CodeEntry]) -> None:
        self._change_days = {}
        ordered = tuple(sorted(entries, key=lambda e: e.valid_from or date.min))
        by_code = self._all_entries()
        if ordered:
            by_code[code] = ordered
        else:
            by_code.pop(code, None)
        self._by_upper = None

    def add_edition(self, edition: Edition) -> Edition:
        """Add (or replace, same label) an edition; close an open predecessor; return it as stored."""
        self._change_days = {}
        others = [e for e in self.editions if e.label != edition.label]
        later = [e for e in others if e.valid_from and edition.valid_from and e.valid_from > edition.valid_from]
        if edition.valid_to is None and later:
            first_later = min(e.valid_from for e in later if e.valid_from)
            edition = replace(edition, valid_to=first_later - timedelta(days=1))
        closed = []
        for other in others:
            starts_before = other.valid_from is None or (edition.valid_from and other.valid_from < edition.valid_from)
            if other.valid_to is None and edition.valid_from and starts_before:
                other = replace(other, valid_to=edition.valid_from - timedelta(days=1))
            closed.append(other)
        self.editions = sorted([*closed, edition], key=lambda e: e.valid_from or date.min)
        return edition


# -- file format -----------------------------------------------------------------------
def _split_edition(value: str, path: Path, line_no: int) -> Edition:
    parts = [p.strip() for p in value.split("|")]
    if len(parts) < 3:
        raise CodeListFormatError(f"{path}:{line_no}: 'edition' needs 'label | from | to | source'")
    provenance = []
    for part in parts[4:]:
        key, sep, text = part.partition("=")
        if not sep or key.strip() not in PROVENANCE_KEYS:
            raise CodeListFormatError(f"{path}:{line_no}: edition field {part!r} must be 'key=value' with key one of "
                                      f"{', '.join(PROVENANCE_KEYS)}")
        provenance.append((key.strip(), text.strip()))
    try:
        return Edition(parts[0], parse_date(parts[1]), parse_date(parts[2]), parts[3] if len(parts) > 3 else "",
                       tuple(provenance))
    except ValueError as exc:
        raise CodeListFormatError(f"{path}:{line_no}: bad date in edition: {exc}") from None


def edition_line(ed: Edition) -> str:
    """The header line of one edition: 'label | from | to | source[ | key=value ...]'."""
    fields = [ed.label, format_date(ed.valid_from), format_date(ed.valid_to), ed.source]
    fields += [f"{key}={value}" for key, value in ed.provenance if value]
    return " | ".join(fields)


def _read_header(lines: list[str], path: Path) -> tuple[dict[str, str], list[Edition], int]:
    meta: dict[str, str] = {}
    editions: list[Edition] = []
    index = 0
    while index < len(lines) and lines[index].startswith("#"):
        key, sep, value = lines[index][1:].partition(":")
        if not sep:
            raise CodeListFormatError(f"{path}:{index + 1}: header line must be '# key: value'")
        key, value = key.strip(), value.strip()
        if key == "edition":
            editions.append(_split_edition(value, path, index + 1))
        else:
            meta[key] = value
        index += 1
    return meta, editions, index


def _row_parser(columns: list[str], path: Path):
    """A fast row -> CodeEntry function for this column order (ICD-10 has ~20 000 rows)."""
    index = {name: columns.index(name) for name in COLUMNS if name in columns}
    dates: dict[str, date | None] = {"": None}  # few distinct dates: parse each once

    def day(text: str, line_no: int) -> date | None:
        if text not in dates:
            try:
                dates[text] = date.fromisoformat(text)
            except ValueError as exc:
                raise CodeListFormatError(f"{path}:{line_no}: bad date: {exc}") from None
        return dates[text]

    def optional(values: list[str], name: str) -> str:
        return values[index[name]] if name in index else ""

    def parse(values: list[str], line_no: int) -> CodeEntry:
        successor = values[index["successor"]]
        return CodeEntry(values[index["code"]], values[index["text"]], optional(values, "text_en"),
                         day(values[index["valid_from"]], line_no), day(values[index["valid_to"]], line_no),
                         tuple(successor.split()) if successor else (), optional(values, "kind"),
                         optional(values, "note"))

    return parse


def read_codelist(path: Path) -> CodeList:
    """Parse one list file; raise CodeListFormatError naming the file and line on bad input."""
    return parse_codelist(_decoded(path.read_bytes(), path), path)


def _decoded(content: bytes, path: Path) -> str:
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CodeListFormatError(f"{path}: not UTF-8 ({exc})") from None


def parse_codelist(text: str, path: Path) -> CodeList:
    """Parse the text of list file ``path`` (named in errors and giving the default list name)."""
    import csv  # only to parse: a run with compiled lists never needs it

    lines = text.splitlines()
    meta, editions, first = _read_header(lines, path)
    reader = csv.reader(lines[first:])
    columns = next(reader, None)
    if not columns or any(c not in columns for c in REQUIRED_COLUMNS):
        raise CodeListFormatError(f"{path}:{first + 1}: column line must contain {', '.join(REQUIRED_COLUMNS)}")
    parse = _row_parser(columns, path)
    width = len(columns)
    by_code: dict[str, list[CodeEntry]] = {}
    for line_no, values in enumerate(reader, start=first + 2):
        if len(values) != width:
            raise CodeListFormatError(f"{path}:{line_no}: expected {width} fields, found {len(values)}")
        entry = parse(values, line_no)
        by_code.setdefault(entry.code, []).append(entry)
    codelist = CodeList(name=meta.get("name") or path.stem, editions=editions,
                        **{k: meta.get(k, "") for k in METADATA_KEYS if k != "name"})
    codelist._by_code = {code: tuple(entries) for code, entries in by_code.items()}
    return codelist


# -- compiled form ---------------------------------------------------------------------
# A list as plain values for kad_spec.spec.compiled: (metadata, editions, rows by code, the codes
# spelt with lower-case letters by their upper-case form). The rows of
# one code are one UTF-8 byte string, fields split by US and rows by RS (ASCII unit and record
# separators): loading 20 000 byte strings is a copy, while 20 000 nested tuples of text take
# several times longer, and a run decodes only the few codes it checks. A code whose text holds
# either separator keeps its rows as tuples instead.
_FIELD, _ROW = "\x1f", "\x1e"


def _packed(entries: tuple[CodeEntry, ...]) -> bytes | tuple[tuple[str, ...], ...]:
    rows = tuple((e.text, e.text_en, format_date(e.valid_from), format_date(e.valid_to), " ".join(e.successor),
                  e.kind, e.note) for e in entries)
    if any(_FIELD in value or _ROW in value for row in rows for value in row):
        return rows
    return _ROW.join(_FIELD.join(row) for row in rows).encode("utf-8")


def _lower_case_codes(codes) -> dict[str, str]:
    return {upper: code for code in codes if (upper := code.upper()) != code}


def compiled_form(codelist: CodeList) -> tuple:
    metadata = {key: getattr(codelist, key) for key in METADATA_KEYS}
    editions = tuple((e.label, format_date(e.valid_from), format_date(e.valid_to), e.source, e.provenance)
                     for e in codelist.editions)
    rows = {code: _packed(entries) for code, entries in codelist._all_entries().items()}
    return metadata, editions, rows, _lower_case_codes(rows)


_DAYS: dict[str, date | None] = {"": None}  # few distinct dates: parse each once


def _day(text: str) -> date | None:
    found = _DAYS.get(text, False)
    if found is False:
        found = _DAYS[text] = date.fromisoformat(text)
    return found


def _entries_from_rows(code: str, packed: bytes | tuple[tuple[str, ...], ...]) -> tuple[CodeEntry, ...]:
    rows = [row.split(_FIELD) for row in packed.decode("utf-8").split(_ROW)] if isinstance(packed, bytes) else packed
    return tuple(CodeEntry(code, text, text_en, _day(start), _day(end), tuple(successor.split()), kind, note)
                 for text, text_en, start, end, successor, kind, note in rows)


def from_compiled(data: tuple) -> CodeList:
    metadata, editions, rows, lower_case = data
    if not isinstance(rows, dict) or not isinstance(lower_case, dict):
        raise TypeError("compiled rows and lower-case codes must be dicts")
    codelist = CodeList(**metadata, editions=[
        Edition(label, _day(start), _day(end), source, provenance)
        for label, start, end, source, provenance in editions])
    codelist._rows = rows
    codelist._by_upper = lower_case
    return codelist


def load_codelist(path: Path) -> CodeList:
    """:func:`read_codelist` through the per-user cache of compiled lists (see kad_spec.spec.compiled)."""
    from kad_spec.spec.compiled import load_compiled

    def compile_list(contents: list[bytes]) -> tuple:
        return compiled_form(parse_codelist(_decoded(contents[0], path), path))

    return load_compiled("codelist", [path], compile_list, decode=from_compiled)


def _refuse_broken_header(codelist: CodeList, path: Path) -> None:
    """A header field with a line break would add header lines (a forged edition, another OID)."""
    fields = [getattr(codelist, key) for key in METADATA_KEYS]
    for ed in codelist.editions:
        if "|" in ed.label or "|" in ed.source:
            raise CodeListFormatError(f"{path}: the edition field {ed.label!r} / {ed.source!r} contains '|'")
        fields += [ed.label, ed.source]
    for value in fields:
        if any(ch in str(value) for ch in "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
            raise CodeListFormatError(f"{path}: a header field contains a line break: {value!r}")


def write_codelist(codelist: CodeList, path: Path) -> None:
    """Write a list in the documented format (sorted by code, then period)."""
    import csv
    import io

    _refuse_broken_header(codelist, path)
    out = io.StringIO()
    for key in METADATA_KEYS:
        out.write(f"# {key}: {getattr(codelist, key)}\n")
    for ed in codelist.editions:
        out.write(f"# edition: {edition_line(ed)}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for code in sorted(codelist.codes()):
        for e in codelist.entries(code):
            writer.writerow([e.code, e.text, e.text_en, format_date(e.valid_from), format_date(e.valid_to),
                             " ".join(e.successor), e.kind, e.note])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    tmp.replace(path)


class CodeLists:
    """All lists in one folder, each parsed on first use and then kept."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._loaded: dict[str, CodeList] = {}

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.folder.glob("*.csv"))

    def __contains__(self, name: str) -> bool:
        return name in self._loaded or (self.folder / f"{name}.csv").is_file()

    def __getitem__(self, name: str) -> CodeList:
        if name not in self._loaded:
            path = self.folder / f"{name}.csv"
            if not path.is_file():
                raise KeyError(name)
            self._loaded[name] = load_codelist(path)
        return self._loaded[name]

    def get(self, name: str) -> CodeList | None:
        try:
            return self[name]
        except KeyError:
            return None

    def loaded(self) -> list[str]:
        return sorted(self._loaded)

    def editions_used(self) -> dict[str, str]:
        """List name -> edition label(s) actually used by check() so far (for reports)."""
        return {name: ", ".join(sorted(lst.used_editions)) for name, lst in sorted(self._loaded.items())
                if lst.used_editions}

    def reset_usage(self) -> None:
        for lst in self._loaded.values():
            lst.used_editions.clear()
