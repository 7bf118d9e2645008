"""What changed between two versions of a code list: used by `kad-spec diff` and by the import preview.

Code lists change on their own yearly rhythm (published 1 October, in force 1 January) and
carry their own dated editions, so their changes are classified for the senders but do not
ask for a new version of the specification (DIFF-013 looks at the model's changes only):

- DIFF-018 a new edition: non-breaking in itself;
- DIFF-019 a code that is new (in a new edition, or valid on more days than before): non-breaking;
- DIFF-020 a code that ends (missing from a new edition, or valid on fewer days): breaking for
  senders from the first day it is no longer valid;
- DIFF-021 a code's text changed: documentation.

Lists mirrored by an enum of the model (``codelist`` annotation on an enum) are left to the
enum checks (DIFF-004/005), which lint keeps in step with the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Iterable

BREAKING, NON_BREAKING, DOCUMENTATION = "breaking", "non-breaking", "documentation"
CHECK_IDS = ("DIFF-018", "DIFF-019", "DIFF-020", "DIFF-021")
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class ListChange:
    check_id: str
    kind: str
    element: str
    message: str
    old: Any = None
    new: Any = None


def compare_folders(old_dir: Path | None, new_dir: Path | None, skip: Iterable[str] = ()) -> list[ListChange]:
    """Every change between the code list files of two folders (a missing folder has no lists)."""
    from kad_spec.codelists import read_codelist

    old_files, new_files = _files(old_dir), _files(new_dir)
    changes: list[ListChange] = []
    for name in sorted((old_files.keys() | new_files.keys()) - set(skip)):
        if name not in new_files:
            changes.append(ListChange("DIFF-020", BREAKING, name, f"Kodeverket {name} er fjernet; koder fra det blir avvist."))
            continue
        new = read_codelist(new_files[name])
        old = read_codelist(old_files[name]) if name in old_files else None
        changes += compare_lists(name, old, new)
    return changes


def _files(folder: Path | None) -> dict[str, Path]:
    if folder is None or not Path(folder).is_dir():
        return {}
    return {p.stem: p for p in sorted(Path(folder).glob("*.csv"))}


def compare_lists(name: str, old, new) -> list[ListChange]:
    changes: list[ListChange] = []
    known = {e.label for e in old.editions} if old is not None else set()
    added = [e for e in new.editions if e.label not in known]
    for edition in added:
        changes.append(ListChange("DIFF-018", NON_BREAKING, f"{name}:{edition.label}",
                                  f"Ny utgave {edition.label} av {name} ({_period(edition.valid_from, edition.valid_to)}).",
                                  new=edition.label))
        if old is not None:
            changes += _edition_codes(name, new, edition)
    if old is not None:
        starts = [e.valid_from for e in added if e.valid_from]
        cutoff = min(starts) if starts else None
        changes += _period_changes(name, old, new, cutoff)
        changes += _text_changes(name, old, new)
    return changes


def _edition_codes(name: str, lst, edition) -> list[ListChange]:
    """Codes new in ``edition`` and codes valid on the eve of it that it no longer has."""
    start = edition.valid_from
    earlier = [e for e in lst.editions if e.valid_from and start and e.valid_from < start]
    if start is None or not earlier:
        return []
    before = lst.codes_on(start - ONE_DAY)
    now = {code for code in lst.codes() if any(e.overlaps(start, edition.valid_to) for e in lst.entries(code))}
    changes = []
    for code in sorted(now - before):
        entry = _first_in(lst.entries(code), start, edition.valid_to)
        changes.append(ListChange("DIFF-019", NON_BREAKING, f"{name}.{code}",
                                  f"Koden {code} ({entry.text}) er ny i {name} fra {entry.valid_from or start} "
                                  f"(utgave {edition.label}).", new=code))
    for code in sorted(before - now):
        entry = lst.lookup(code, start - ONE_DAY)
        changes.append(ListChange("DIFF-020", BREAKING, f"{name}.{code}",
                                  f"Koden {code} ({entry.text}) i {name} er avsluttet {start - ONE_DAY}; brytende for "
                                  f"avsendere fra {start} (utgave {edition.label}){_successors(entry)}.", old=code))
    return changes


def _first_in(entries, start, end):
    return next(e for e in entries if e.overlaps(start, end))


def _successors(entry) -> str:
    return f", etterfølger {' '.join(entry.successor)}" if entry.successor else ""


def _period_changes(name: str, old, new, cutoff: date | None) -> list[ListChange]:
    """Codes valid on fewer or more days than before, outside the new editions (they are above)."""
    changes = []
    for code in sorted(set(old.codes()) | set(new.codes())):
        before, after = _days(old.entries(code), cutoff), _days(new.entries(code), cutoff)
        if before == after:
            continue
        lost, gained = _first_uncovered(before, after), _first_uncovered(after, before)
        if lost is not None:
            entry = old.lookup(code, lost)
            now = new.entries(code)
            how = "er fjernet" if not now else f"er ikke lenger gyldig {lost}"
            successor = _successors(now[-1]) if now else ""
            changes.append(ListChange("DIFF-020", BREAKING, f"{name}.{code}",
                                      f"Koden {code} ({entry.text if entry else ''}) i {name} {how}; brytende for "
                                      f"avsendere fra {lost}{successor}.", old=code))
        if gained is not None:
            entry = new.lookup(code, gained)
            changes.append(ListChange("DIFF-019", NON_BREAKING, f"{name}.{code}",
                                      f"Koden {code} ({entry.text if entry else ''}) i {name} er gyldig fra {gained}, "
                                      f"der den ikke var det før.", new=code))
    return changes


def _days(entries, cutoff: date | None) -> list[tuple[date, date]]:
    """The entries' periods as closed intervals, cut before ``cutoff``, merged."""
    last = cutoff - ONE_DAY if cutoff else date.max
    spans = []
    for e in entries:
        start, end = e.valid_from or date.min, min(e.valid_to or date.max, last)
        if start <= end:
            spans.append((start, end))
    merged: list[tuple[date, date]] = []
    for start, end in sorted(spans):
        if merged and start <= _next(merged[-1][1]):
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _next(day: date) -> date:
    return day if day == date.max else day + ONE_DAY


def _first_uncovered(a: list[tuple[date, date]], b: list[tuple[date, date]]) -> date | None:
    """The first day inside ``a`` and outside ``b`` (both merged and sorted), or None."""
    for start, end in a:
        day = start
        for b_start, b_end in b:
            if b_end < day:
                continue
            if b_start > day:
                break  # day lies in a gap of b
            if b_end >= end:
                day = None
                break
            day = _next(b_end)
        if day is not None:
            return day
    return None


def _text_changes(name: str, old, new) -> list[ListChange]:
    changes = []
    for code in sorted(set(old.codes()) & set(new.codes())):
        a, b = old.entries(code)[-1].text, new.entries(code)[-1].text
        if " ".join(a.split()) != " ".join(b.split()):
            changes.append(ListChange("DIFF-021", DOCUMENTATION, f"{name}.{code}",
                                      f"Teksten for kode {code} i {name} er endret: «{a}» → «{b}».", old=a, new=b))
    return changes


def _period(start: date | None, end: date | None) -> str:
    return f"{start or '…'}–{end or '…'}"
