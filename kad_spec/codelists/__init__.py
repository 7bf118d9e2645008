"""Code lists for kad-spec: versioned by date, with provenance; loaded lazily and cached.

    from kad_spec.codelists import load_codelists
    lst = load_codelists()["kommunenummer"]
    lst.check("3001", date(2024, 3, 1)).status   # 'not_valid_on_date'
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from .diagnosis import ICD10, ICPC2, is_chapter_process_code, looks_like, normalise_icd10, official_spelling
from .store import (
    STATUS_NOT_IN_NEAREST_EDITION,
    STATUS_NOT_VALID_ON_DATE,
    STATUS_UNKNOWN,
    STATUS_VALID,
    CodeCheck,
    CodeEntry,
    CodeList,
    CodeListFormatError,
    CodeLists,
    Edition,
    read_codelist,
    write_codelist,
)

__all__ = [
    "ICD10", "ICPC2", "STATUS_NOT_IN_NEAREST_EDITION", "STATUS_NOT_VALID_ON_DATE", "STATUS_UNKNOWN",
    "STATUS_VALID", "CodeCheck", "CodeEntry", "CodeList", "CodeListFormatError", "CodeLists", "Edition",
    "is_chapter_process_code", "load_codelists", "looks_like", "normalise_icd10", "official_spelling", "read_codelist", "write_codelist",
]


def load_codelists(folder: Path | str | None = None) -> CodeLists:
    """The lists in ``folder`` (default: the bundled ones). Cached per folder; lists parse lazily."""
    if folder is None:
        return _bundled()  # asked for once per message: no path resolution each time
    return _load(Path(folder).resolve())


@cache
def _bundled() -> CodeLists:
    from kad_spec.spec.resources import codelists_dir

    return _load(codelists_dir().resolve())


@cache
def _load(folder: Path) -> CodeLists:
    return CodeLists(folder)


def clear_cache() -> None:
    """Forget loaded lists (after an import into the bundled folder)."""
    _bundled.cache_clear()
    _load.cache_clear()
