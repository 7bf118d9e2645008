"""Chapters of ICD-10 and ICPC-2, for asking whether a diagnosis changed "in kind"."""

from __future__ import annotations

from bisect import bisect_right

# ICD-10 chapters by the first code of each range (WHO ICD-10, as in the Norwegian edition).
# Sorted by code; V00 starts chapter XX (V01–Y98) so that U codes stay in XXII.
_ICD10_STARTS = (
    ("A00", "I"), ("C00", "II"), ("D50", "III"), ("E00", "IV"), ("F00", "V"), ("G00", "VI"),
    ("H00", "VII"), ("H60", "VIII"), ("I00", "IX"), ("J00", "X"), ("K00", "XI"), ("L00", "XII"),
    ("M00", "XIII"), ("N00", "XIV"), ("O00", "XV"), ("P00", "XVI"), ("Q00", "XVII"), ("R00", "XVIII"),
    ("S00", "XIX"), ("U00", "XXII"), ("V00", "XX"), ("Z00", "XXI"),
)
_ICD10_KEYS = [start for start, _ in _ICD10_STARTS]
_ICPC2_CHAPTERS = set("ABDFHKLNPRSTUWXYZ")


def icd10_chapter(code: str) -> str | None:
    """'J189' -> 'X'; 'T4n' -> 'XIX'; None for something that is not an ICD-10 code shape.

    Norwegian ICD-10 writes some categories with a lower-case letter (T4n, V0n0a): the letter stands
    for a group of categories within the same chapter, so it sorts like the digit 0.
    """
    head = code[:3].upper()
    if len(head) < 3 or not head[0].isalpha() or not head[1].isdigit():
        return None
    if not head[2].isdigit():
        if not code[2].islower():
            return None
        head = head[:2] + "0"
    index = bisect_right(_ICD10_KEYS, head) - 1
    return _ICD10_STARTS[index][1] if index >= 0 else None


def icpc2_chapter(code: str) -> str | None:
    """'R81' -> 'R'; process codes (-30 … -69) are no diagnosis and have no chapter."""
    letter = code[:1]
    return letter if letter in _ICPC2_CHAPTERS and len(code) >= 3 else None


def chapter(system: str, code: str) -> str | None:
    if system == "ICD-10":
        return icd10_chapter(code)
    if system == "ICPC-2":
        return icpc2_chapter(code)
    return None
