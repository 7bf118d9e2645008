"""Rules: diagnoses (KAD-DIA-*).

KAD-DIA-001 and KAD-DIA-002 (at least one admission diagnosis; at least one discharge diagnosis
once discharged) are the JSON Schema's ``required``/``minItems`` errors, claimed in the catalogue.
The code checks below run per diagnosis, cached on (system, code, date).
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from kad_spec.codelists import (
    ICD10,
    ICPC2,
    STATUS_NOT_IN_NEAREST_EDITION,
    CodeLists,
    is_chapter_process_code,
    looks_like,
    normalise_icd10,
    official_spelling,
)
from kad_spec.spec.findings import Hit
from kad_spec.rules import batch_check
from kad_spec.rules.codes import VERDICTS_KEPT, admission_days, check_code

# The rules this module finds (see their entries in model/rules/).
DIA_003 = "KAD-DIA-003"
DIA_004 = "KAD-DIA-004"
DIA_005 = "KAD-DIA-005"
DIA_006 = "KAD-DIA-006"
DIA_007 = "KAD-DIA-007"
DIA_008 = "KAD-DIA-008"


LIST_OF_SYSTEM = {ICD10: "icd10", ICPC2: "icpc2"}
PROCESS_CODE = re.compile(r"-[3-6][0-9]")  # ICPC-2 process codes -30 … -69
DIAGNOSIS_LISTS = ("innskrivningsdiagnoser", "utskrivningsdiagnoser")



def diagnosis_findings(codelists: CodeLists, system: str, code: str, on: date) -> list[tuple[str, dict]]:
    """(rule id, params) for one diagnosis code declared in ``system`` on ``on``; [] when it is fine."""
    return [(rule, _dated(rule, params, on)) for rule, params in _verdict(codelists, system, code, on)[1]]


DATED = (DIA_003, DIA_004)  # their findings name the date the code was checked on


def _dated(rule: str, params: tuple, on: date) -> dict:
    found = dict(params)
    if rule in DATED:
        found["dato"] = on.isoformat()
    return found


@lru_cache(maxsize=16384)
def _verdict(codelists: CodeLists, system: str, code: str, on: date) -> tuple[str, tuple]:
    """(edition used, findings as (rule id, params as pairs)); hashable so that it can be cached.

    The same for every day of a code list's period (CodeList.period_of): the date a finding names
    is added by the caller (``_dated``)."""
    if system not in LIST_OF_SYSTEM:
        return "", ()  # unknown code system: the schema's enum finding
    if PROCESS_CODE.fullmatch(code):
        return "", (_process_code(code, system),)
    found: list = []
    lookup = code
    if system == ICD10 and "." in code:
        lookup = normalise_icd10(code)
        found.append((DIA_006, (("kode", code), ("kanonisk", lookup))))
    official = official_spelling(codelists, LIST_OF_SYSTEM[system], lookup)
    if system == ICPC2 and official is None and is_chapter_process_code(lookup.upper()):
        # K45 is -45 within chapter K. (As ICD-10, A30 etc. are ICD-10 categories: judged as such.)
        return "", (*found, _process_code(code, system))
    if official is not None and official != lookup:
        found.append((DIA_008, (("kode", lookup), ("offisiell", official), ("kodeverk", system))))
        lookup = official
    check = check_code(codelists, LIST_OF_SYSTEM[system], lookup, on)
    if check is None:
        return "", tuple(found)
    if check.ok:
        return check.edition, tuple(found)
    # A code of the declared system in another edition (A191 in ICPC-2 before 2024) is not valid on
    # the date (KAD-DIA-003, naming the edition), even when the other system has it too.
    other = _other_system_having(codelists, system, code) if official is None else None
    if other is not None:
        found.append((DIA_005, (("kode", code), ("kodeverk", system), ("ligner", other))))
    elif check.status == STATUS_NOT_IN_NEAREST_EDITION:
        found.append((DIA_004, (("kode", lookup), ("kodeverk", system), ("utgave", check.edition))))
    else:
        found.append((DIA_003, (("kode", lookup), ("kodeverk", system), ("utgave", check.edition))))
    return check.edition, tuple(found)


def _process_code(code: str, system: str) -> tuple:
    return (DIA_007, (("kode", code), ("kodeverk", system)))


def _other_system_having(codelists: CodeLists, system: str, code: str) -> str | None:
    """The other code system, when the code is one of its codes (any edition); else None.

    Membership decides, not shape: a code in neither list is simply unknown in the declared one.
    ``looks_like`` resolves codes in both lists (R81); those never get here, being valid as declared.
    """
    other = ICPC2 if system == ICD10 else ICD10
    candidate = code if other == ICPC2 else normalise_icd10(code)
    if official_spelling(codelists, LIST_OF_SYSTEM[other], candidate) is None:
        return None
    return looks_like(code, codelists) or other


@batch_check
def check_diagnoses(batch, ctx) -> list[tuple[int, Hit]]:
    days = admission_days(batch, ctx)
    verdicts = ctx.diagnosis_verdicts
    if len(verdicts) >= VERDICTS_KEPT:
        verdicts.clear()  # bounded memory for a long backfill, as for the other codes
    found = []
    for key in DIAGNOSIS_LISTS:
        owners, positions, _ = batch.items(key)
        systems = batch.item_column(key, "kodeverk")
        codes = batch.item_column(key, "kode")
        element = f"opphold.{key}"
        for i, position, system, code in zip(owners, positions, systems, codes):
            day = days[i]
            if day is None or type(code) is not str or type(system) is not str:
                continue  # the schema reports a missing or malformed code
            verdict = verdicts.get((system, code, day))  # hot path: one dict look-up per diagnosis
            if verdict is None:
                verdict = _judge_in_message(ctx, verdicts, system, code, day)
            for rule, params in verdict:
                found.append((i, Hit(rule, f"/{key}/{position}/kode", dict(_dated(rule, params, day), element=element))))
    found.sort(key=lambda pair: pair[0])  # per stay: admission diagnoses, then discharge diagnoses
    return found


def _judge_in_message(ctx, verdicts: dict, system, code, day: date) -> tuple:
    """First time in a message for (system, code, day): judge it, record the edition for the report."""
    if not isinstance(code, str) or not isinstance(system, str) or not code:
        return ()  # the schema reports a missing or malformed code
    lists = ctx.codelists
    name = LIST_OF_SYSTEM.get(system)
    if name in lists:
        # The code as it is looked up (no dot, the list's spelling): its validity decides the period.
        lookup = normalise_icd10(code) if system == ICD10 and "." in code else code
        period = lists[name].period_of(official_spelling(lists, name, lookup) or lookup, day)
    else:
        period = day
    found = verdicts.get((system, code, period))
    if found is None:
        edition, found = _verdict(lists, system, code, day)
        if edition:
            lists[name].used_editions.add(edition)
        verdicts[(system, code, period)] = found
    verdicts[(system, code, day)] = found
    return found
