"""What an import may write: list names that stay inside the folder, header fields that cannot
add header lines, and CSV cells a spreadsheet will not run as formulas.

Spreadsheet cells (OWASP "CSV injection"): a cell that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return is written with a leading apostrophe (``'=1+2``), which spreadsheets
show as text. A plain number is left as it is: a spreadsheet reads ``-30`` as the number -30,
not as a formula, and ICPC-2 process codes (``-30`` … ``-69``) must round-trip unchanged.
The importers remove such an apostrophe again, so an exported file imports to the same list.
Only the CSV exports (``finnkode-csv``, ``klass-csv``) are treated: JSON is not opened in a
spreadsheet, and the list files in ``codelists/`` are the project's own data.
"""

from __future__ import annotations

import re

LIST_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+([.,][0-9]+)?$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\x85]")


class UnsafeValue(ValueError):
    """A name or header field that would escape its folder or its header line."""


def check_list_name(name: str) -> str:
    """A list name is a file name in the code list folder: lower-case letters, digits, ``_``."""
    if not LIST_NAME.match(name or ""):
        raise UnsafeValue(
            f"ugyldig kodeverksnavn {name!r}: bare små bokstaver a–z, sifre og _ (det blir filnavnet i kodeverksmappen)")
    return name


def check_header_field(option: str, value: str | None, *, edition_part: bool = False) -> str | None:
    """No line breaks or control characters; edition fields also no ``|`` (their separator)."""
    if value is None:
        return None
    if _CONTROL.search(value):
        raise UnsafeValue(f"{option} kan ikke ha linjeskift eller kontrolltegn: {value!r}")
    if edition_part and "|" in value:
        raise UnsafeValue(f"{option} kan ikke ha tegnet | (det skiller feltene i utgavelinjen): {value!r}")
    return value


def one_line(text: str) -> str:
    """Code texts from a download on one line: control characters and runs of spaces become one space."""
    return " ".join(_CONTROL.sub(" ", text).split())


def spreadsheet_cell(value: str) -> str:
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def from_spreadsheet_cell(value: str) -> str:
    """Undo :func:`spreadsheet_cell` on import."""
    if value.startswith("'") and value[1:].startswith(FORMULA_START):
        return value[1:]
    return value
