"""One import, planned before anything is written: what it would change, and whether to refuse it.

``plan_import`` reads the download and the list as it is, merges the new edition into a copy
and compares the two (:mod:`kad_spec.codelists.changes`): new codes, ended codes with their
successors, changed texts. The CLI shows that preview, refuses a file that looks partial, and
writes only when asked to (not with ``--dry-run``).

A file looks partial when it has fewer than half as many codes as the list had valid on the
day before the new edition: importing it as a whole edition would end all the others (a
5-row Klass file would end some 350 municipalities). ``--partial`` says the file is only an
update: codes it does not mention stay as they are and go on into the new edition.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from kad_spec.spec.text import Text, pick

from .changes import ListChange, compare_lists
from .importers import add_edition, carried_over, new_codelist, read_input
from .safety import check_list_name, one_line
from .store import CodeList, Edition, read_codelist
from .successors import apply_successors, read_successors

PARTIAL_SHARE = 0.5
SHOWN_PER_KIND = 25


@dataclass
class ImportPlan:
    name: str
    path: Path
    edition: Edition
    after: CodeList
    records: int
    eve_count: int  # codes valid the day before the new edition (0: no earlier edition)
    partial: bool
    changes: list[ListChange] = field(default_factory=list)
    successors: int = 0

    def count(self, check_id: str) -> int:
        return sum(1 for c in self.changes if c.check_id == check_id)

    @property
    def looks_partial(self) -> bool:
        return not self.partial and self.eve_count > 0 and self.records < PARTIAL_SHARE * self.eve_count


def plan_import(file: Path, fmt: str, list_name: str | None, edition: Edition, folder: Path, *,
                partial: bool = False, successors: Path | None = None,
                carry_over: Sequence[str] = ()) -> ImportPlan:
    """``carry_over``: codes the file lacks by a known fault, taken on from the list (the edition's note says why)."""
    name, records = read_input(file, fmt, list_name)
    check_list_name(name)
    records = [replace(r, text=one_line(r.text), note=one_line(r.note)) for r in records]
    path = folder / f"{name}.csv"
    before = read_codelist(path) if path.is_file() else None
    after = copy.deepcopy(before) if before is not None else new_codelist(name)
    if carry_over:
        records += carried_over(after, list(carry_over), edition, edition.provenance_of("note"), records)
    stored = add_edition(after, edition, records, close_missing=not partial)
    linked = apply_successors(after, read_successors(successors), successors) if successors else 0
    eve = stored.valid_from - timedelta(days=1) if stored.valid_from else None
    eve_count = len(before.codes_on(eve)) if before is not None and eve and before.covering_edition(eve) else 0
    plan = ImportPlan(name, path, stored, after, len(records), eve_count, partial, successors=linked)
    plan.changes = compare_lists(name, before, after) if before is not None else []
    return plan


TEXTS = {
    "head": Text("Importen til {name} ({path}), utgave {label}: {new} nye, {ended} avsluttede og {renamed} med ny "
                 "tekst{linked}.",
                 "Import into {name} ({path}), edition {label}: {new} new, {ended} ended and {renamed} with a new "
                 "text{linked}."),
    "linked": Text("; {count} med etterfølger fra filen", "; {count} with successors from the file"),
    "more": Text("  … og {count} til", "  … and {count} more"),
    "kinds": {"DIFF-019": Text("Nye koder", "New codes"), "DIFF-020": Text("Avsluttede koder", "Ended codes"),
              "DIFF-021": Text("Ny tekst", "New text")},
    "partial": Text("{file} har bare {records} koder, men {name} har {eve} koder gyldige dagen før utgaven; importen "
                    "ville avslutte {ended} av dem. Er filen bare en del av kodeverket, bruk --partial (kodene som "
                    "mangler, beholdes), eller --complete hvis den er hele utgaven; ellers hent hele utgaven. "
                    "Ingenting er skrevet.",
                    "{file} has only {records} codes, but {name} has {eve} codes valid the day before the edition; "
                    "the import would end {ended} of them. If the file is only part of the list, use --partial "
                    "(the missing codes are kept), or --complete if it is the whole edition; else get the whole "
                    "edition. Nothing was written."),
    "dry": Text("Prøvekjøring (--dry-run): ingenting er skrevet.", "Dry run (--dry-run): nothing was written."),
}


def text(lang: str) -> dict:
    """The import's texts in one language."""
    return pick(TEXTS, lang)


def render_preview(plan: ImportPlan, lang: str = "nb") -> str:
    """The changes, per kind, at most SHOWN_PER_KIND lines each (the descriptions are in bokmål)."""
    words = text(lang)
    linked = words["linked"].format(count=plan.successors) if plan.successors else ""
    lines = [words["head"].format(name=plan.name, path=plan.path, label=plan.edition.label, new=plan.count("DIFF-019"),
                                  ended=plan.count("DIFF-020"), renamed=plan.count("DIFF-021"), linked=linked)]
    for check_id, heading in words["kinds"].items():
        rows = [c for c in plan.changes if c.check_id == check_id]
        if not rows:
            continue
        lines.append(f"{heading}:")
        lines += [f"  {c.message}" for c in rows[:SHOWN_PER_KIND]]
        if len(rows) > SHOWN_PER_KIND:
            lines.append(words["more"].format(count=len(rows) - SHOWN_PER_KIND))
    return "\n".join(lines)


def partial_message(plan: ImportPlan, file: Path, lang: str = "nb") -> str:
    return text(lang)["partial"].format(file=file, records=plan.records, name=plan.name, eve=plan.eve_count,
                                        ended=plan.count("DIFF-020"))
