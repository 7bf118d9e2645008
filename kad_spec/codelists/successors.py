"""Successor links for ended codes: which code(s) took over (KAD-KL-002 names them).

Accepted files (CSV; delimiter ``;``, ``,`` or tab, found from the header):

- SSB Klass change tables / ``changes`` exports: ``oldCode``, ``newCode`` and, when present,
  ``changeOccurred`` (the day the new code took over), among other columns;
- a small table of your own: ``old,new`` (or ``gammel,ny``), one pair a line; an old code split
  into several new ones has one line per new code, the main one first.

Each link goes on the ended period of the old code (the one ending the day before
``changeOccurred`` where that is given, else the latest ended period). A link to a code that is
not ended, or to a new code that is not in the list, is an error naming the line.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

from .store import CodeList

COLUMN_PAIRS = (("oldCode", "newCode"), ("old", "new"), ("gammel", "ny"))


class SuccessorError(ValueError):
    """A successor file that cannot be used; the message names the file and line."""


def read_successors(path: Path) -> list[tuple[int, str, str, date | None]]:
    """(line, old code, new code, day of change or None) for every link in the file."""
    from .importers import ImportError_, _csv_rows, _parse_flexible_date

    try:
        header, rows = _csv_rows(path)
    except (ImportError_, OSError) as exc:
        raise SuccessorError(str(exc)) from None
    pair = next(((a, b) for a, b in COLUMN_PAIRS if a in header and b in header), None)
    if pair is None:
        raise SuccessorError(f"{path}:1: expected the columns oldCode and newCode (Klass) or old,new")
    links = []
    for line, row in rows:
        old, new = row[pair[0]].strip(), row[pair[1]].strip()
        if not old or not new:
            raise SuccessorError(f"{path}:{line}: both the old and the new code are needed")
        try:
            when = _parse_flexible_date(row.get("changeOccurred"), path, str(line))
        except ImportError_ as exc:
            raise SuccessorError(str(exc)) from None
        if old != new:  # a change of name only is no successor
            links.append((line, old, new, when))
    return links


def apply_successors(codelist: CodeList, links, path: Path) -> int:
    """Put the links on the ended periods; returns how many periods got successors."""
    wanted: dict[tuple[str, date | None], list[str]] = {}
    for line, old, new, when in links:
        if new not in codelist:
            raise SuccessorError(f"{path}:{line}: the new code {new} is not in {codelist.name}")
        if _ended(codelist, old, when) is None:
            raise SuccessorError(
                f"{path}:{line}: the code {old} has no period that ends"
                f"{f' on {when - timedelta(days=1)}' if when else ''} in {codelist.name}, so it cannot have a successor")
        codes = wanted.setdefault((old, when), [])
        if new not in codes:
            codes.append(new)
    for (old, when), codes in wanted.items():
        ended = _ended(codelist, old, when)
        codelist.set_entries(old, [replace(e, successor=tuple(codes)) if e is ended else e for e in codelist.entries(old)])
    return len(wanted)


def _ended(codelist: CodeList, code: str, when: date | None):
    ended = [e for e in codelist.entries(code)
             if e.valid_to is not None and codelist.lookup(code, e.valid_to + timedelta(days=1)) is None]
    if when is not None:
        ended = [e for e in ended if e.valid_to == when - timedelta(days=1)]
    return ended[-1] if ended else None
