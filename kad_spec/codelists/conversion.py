"""Conversion tables between ICPC-2 and ICD-10 (the directorate's 2019 "Konverteringsfil").

The proposal notes that the official tables can enrich KAD data with a common diagnosis code.
Each direction is one CSV file in ``codelists/konvertering/`` (format in codelists/README.md):

    # name: icpc2-icd10
    # title_nb: …
    # edition: 2019 | | | source | repository=… | path=… | commit=… | licence=… | sha256=…
    code,text,targets
    R81,Lungebetennelse,J189

``targets`` holds one or more codes of the other system, space-separated. Look-ups ignore the
letter case of the code asked for and answer in the official spelling.

    from kad_spec.codelists.conversion import icd10_for
    icd10_for("ICPC-2", "R81")   # ('J189',)
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from .diagnosis import ICD10, ICPC2
from .store import CodeListFormatError, Edition, _read_header, edition_line

FOLDER = "konvertering"
COLUMNS = ("code", "text", "targets")
SYSTEM_OF_LIST = {"icd10": ICD10, "icpc2": ICPC2}
TITLES = {
    "icpc2-icd10": ("Konvertering ICPC-2 til ICD-10", "Conversion ICPC-2 to ICD-10"),
    "icd10-icpc2": ("Konvertering ICD-10 til ICPC-2", "Conversion ICD-10 to ICPC-2"),
}
_NEGATIVE = re.compile(r"NEGATIVE_([3-6][0-9])")  # NAV's spelling of the process code -30 … -69


@dataclass
class Conversion:
    """One direction of a conversion table: code of ``source`` -> codes of ``target``."""

    name: str
    source: str  # list name, "icpc2" or "icd10"
    target: str
    title_nb: str = ""
    title_en: str = ""
    licence: str = ""
    editions: list[Edition] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    targets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    _by_upper: dict[str, str] = field(default_factory=dict, repr=False)

    def lookup(self, code: str) -> tuple[str, ...]:
        """The target codes for ``code`` (any letter case, ICD-10 with or without the dot); () if none."""
        key = code.strip().replace(".", "") if self.source == "icd10" else code.strip()
        official = key if key in self.targets else self._upper_index().get(key.upper())
        return self.targets.get(official, ()) if official else ()

    def _upper_index(self) -> dict[str, str]:
        if not self._by_upper:
            self._by_upper = {code.upper(): code for code in self.targets}
        return self._by_upper

    @property
    def edition(self) -> Edition | None:
        return self.editions[-1] if self.editions else None


def conversions_dir(codelists_folder: Path | None = None) -> Path:
    if codelists_folder is None:
        from kad_spec.spec.resources import codelists_dir

        codelists_folder = codelists_dir()
    return Path(codelists_folder) / FOLDER


def read_conversion(path: Path) -> Conversion:
    """Parse one conversion file; CodeListFormatError names the file and line on bad input."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as exc:
        raise CodeListFormatError(f"{path}: not UTF-8 ({exc})") from None
    meta, editions, first = _read_header(lines, path)
    reader = csv.reader(lines[first:])
    if next(reader, None) != list(COLUMNS):
        raise CodeListFormatError(f"{path}:{first + 1}: column line must be {','.join(COLUMNS)}")
    name = meta.get("name") or path.stem
    source, _, target = name.partition("-")
    if source not in SYSTEM_OF_LIST or target not in SYSTEM_OF_LIST:
        raise CodeListFormatError(f"{path}:1: name must be icpc2-icd10 or icd10-icpc2, not {name!r}")
    conversion = Conversion(name, source, target, meta.get("title_nb", ""), meta.get("title_en", ""),
                            meta.get("licence", ""), editions)
    for line_no, values in enumerate(reader, start=first + 2):
        if len(values) != len(COLUMNS) or not values[0] or not values[2].split():
            raise CodeListFormatError(f"{path}:{line_no}: expected code,text,targets with at least one target")
        conversion.texts[values[0]] = values[1]
        conversion.targets[values[0]] = tuple(values[2].split())
    return conversion


def write_conversion(conversion: Conversion, path: Path) -> None:
    out = io.StringIO()
    for key in ("name", "title_nb", "title_en", "licence"):
        value = conversion.name if key == "name" else getattr(conversion, key)
        out.write(f"# {key}: {value}\n")
    for edition in conversion.editions:
        out.write(f"# edition: {edition_line(edition)}\n")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for code in sorted(conversion.targets):
        writer.writerow([code, conversion.texts.get(code, ""), " ".join(conversion.targets[code])])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    tmp.write_text(out.getvalue(), encoding="utf-8")
    tmp.replace(path)


def read_navikt_conversion(path: Path, source: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """NAV's export: [{"code", "text", "mapsTo:" (or "mapsTo"): [codes]}]; NEGATIVE_30 is -30."""
    from .importers import ImportError_, _json_records, normalise

    target = "icd10" if source == "icpc2" else "icpc2"
    texts: dict[str, str] = {}
    targets: dict[str, tuple[str, ...]] = {}
    for index, record in enumerate(_json_records(path), start=1):
        code = normalise(str(record.get("code") or "").strip(), source)
        mapped = record.get("mapsTo:", record.get("mapsTo"))
        if not code or not isinstance(mapped, list) or not mapped:
            raise ImportError_(f"{path}: post {index}: needs 'code' and a non-empty 'mapsTo' list")
        codes = [normalise(_NEGATIVE.sub(r"-\1", str(m).strip()), target) for m in mapped]
        texts[code] = str(record.get("text") or "").strip()
        targets[code] = tuple(dict.fromkeys(c for c in codes if c))
    return texts, targets


@cache
def _bundled(folder: Path, name: str) -> Conversion | None:
    path = folder / f"{name}.csv"
    return read_conversion(path) if path.is_file() else None


def load_conversion(source: str, target: str, folder: Path | None = None) -> Conversion | None:
    """The bundled (or ``folder``'s) table from list ``source`` to ``target``; None when absent."""
    return _bundled(conversions_dir(folder).resolve(), f"{source}-{target}")


def icd10_for(system: str, code: str) -> tuple[str, ...]:
    """The ICD-10 code(s) for a diagnosis: an ICD-10 code itself, an ICPC-2 code through the 2019
    conversion; () when the conversion has no counterpart (or the system is neither)."""
    if system == ICD10:
        return (code.strip().replace(".", ""),)
    if system == ICPC2:
        conversion = load_conversion("icpc2", "icd10")
        return conversion.lookup(code) if conversion else ()
    return ()


def clear_cache() -> None:
    _bundled.cache_clear()

