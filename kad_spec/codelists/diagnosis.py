"""Which diagnosis code system a code belongs to: by list membership first, then by shape."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .store import CodeLists

ICD10 = "ICD-10"
ICPC2 = "ICPC-2"

# ICPC-2 chapters; ICD-10 also uses C, E, G, I, J, M, O, Q, V, which ICPC-2 does not.
_ICPC2_CHAPTERS = set("ABDFHKLNPRSTUWXYZ")
_ICPC2_PROCESS = re.compile(r"-[3-6][0-9]")
_LETTER_TWO_DIGITS = re.compile(r"[A-Z][0-9]{2}")
_ICD10_SHAPE = re.compile(r"[A-Z][0-9]{2}(\.?[0-9A-Z]{1,2})?")
_CHAPTER_PROCESS = re.compile(r"[ABDFHKLNPRSTUWXYZ][3-6][0-9]")


def is_chapter_process_code(code: str) -> bool:
    """ICPC-2 A30 … Z69: a process code (-30 … -69) written with a chapter letter; never a diagnosis.

    ICPC-2 numbers components 01–29 symptoms, 30–69 process, 70–99 diagnoses, so the shape decides.
    """
    return bool(_CHAPTER_PROCESS.fullmatch(code))


def process_code_of(code: str) -> str | None:
    """'-45' for -45 and K45 (the process code a chapter-bound one stands for); None for other codes."""
    if _ICPC2_PROCESS.fullmatch(code):
        return code
    return f"-{code[1:]}" if is_chapter_process_code(code) else None


def normalise_icd10(code: str) -> str:
    """NPR wants ICD-10 codes undotted: 'E70.2' -> 'E702'. The letter case is left as written:
    the official spelling has lower-case letters (I210a), see ``official_spelling``."""
    return code.strip().replace(".", "")


def official_spelling(codelists: "CodeLists | None", name: str, code: str) -> str | None:
    """The code as list ``name`` spells it, whatever the case written ('i210A' -> 'I210a'); None if absent."""
    if codelists is None or name not in codelists:
        return None
    return codelists[name].official_spelling(code)


def _in_list(codelists: "CodeLists | None", name: str, code: str) -> bool:
    return official_spelling(codelists, name, code) is not None


def _by_shape(code: str) -> str | None:
    if _ICPC2_PROCESS.fullmatch(code):
        return ICPC2
    if "." in code:
        return ICD10 if _ICD10_SHAPE.fullmatch(code) else None
    if _LETTER_TWO_DIGITS.fullmatch(code):
        # Letter + two digits is valid in both systems unless the letter is not an ICPC-2 chapter.
        return None if code[0] in _ICPC2_CHAPTERS else ICD10
    if _ICD10_SHAPE.fullmatch(code):
        return ICD10
    return None


def looks_like(code: str, codelists: "CodeLists | None" = None) -> str | None:
    """'ICD-10', 'ICPC-2' or None (unknown or ambiguous).

    Membership in the bundled lists (any edition) decides first; a code in both lists (e.g. R81)
    is reported as ICPC-2 when undotted with three characters, else ICD-10. Codes in neither list
    are judged by shape. Pass ``codelists`` (default: the bundled lists).
    """
    if codelists is None:
        from . import load_codelists

        codelists = load_codelists()
    raw = code.strip()
    in_icpc = _in_list(codelists, "icpc2", raw)
    in_icd = _in_list(codelists, "icd10", normalise_icd10(raw))
    if in_icpc and in_icd:
        return ICPC2 if len(raw) == 3 else ICD10
    if in_icpc:
        return ICPC2
    if in_icd:
        return ICD10
    return _by_shape(raw.upper())
