"""Rules: diagnoses (KAD-DIA-*).

KAD-DIA-001 and KAD-DIA-002 (at least one admission diagnosis; at least one discharge diagnosis
once discharged) are the JSON Schema's ``required``/``minItems`` errors, claimed in the catalogue.
The code checks below are judged once per (system, code) and validity period in a message.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from itertools import repeat

import numpy as np

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
from kad_spec.rules.codes import PeriodVerdicts, admission_ordinals, check_code, taken, text_rows

# The rules this module finds (see their entries in model/rules/).
DIA_003 = "KAD-DIA-003"
DIA_004 = "KAD-DIA-004"
DIA_005 = "KAD-DIA-005"
DIA_006 = "KAD-DIA-006"
DIA_007 = "KAD-DIA-007"
DIA_008 = "KAD-DIA-008"


LIST_OF_SYSTEM = {ICD10: "icd10", ICPC2: "icpc2"}
SYSTEMS = tuple(LIST_OF_SYSTEM)
SYSTEM_NUMBER = {system: number for number, system in enumerate(SYSTEMS)}
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
    days = admission_ordinals(batch, ctx)
    found = []
    for key in DIAGNOSIS_LISTS:
        owners, positions, _ = batch.items(key)
        element = f"opphold.{key}"
        for row, ordinal, verdict in _failing(ctx, batch, key, days[np.array(owners, dtype=np.intp)]):
            i, position, day = owners[row], positions[row], date.fromordinal(ordinal)
            for rule, params in verdict:
                found.append((i, Hit(rule, f"/{key}/{position}/kode", dict(_dated(rule, params, day), element=element))))
    found.sort(key=lambda pair: pair[0])  # per stay: admission diagnoses, then discharge diagnoses
    return found


def _failing(ctx, batch, key: str, on: np.ndarray) -> list[tuple[int, int, tuple]]:
    """(position in the list's items, day ordinal, findings) of every diagnosis with findings, in order.

    A code of another system than ICD-10 and ICPC-2 has none here (the schema's enum finding)."""
    systems = batch.item_column(key, "kodeverk")
    codes = batch.item_column(key, "kode")
    rows = text_rows(systems, codes)  # the schema reports a missing or malformed code or system
    if rows is not None:
        systems, codes, on = taken(systems, rows), taken(codes, rows), on[rows]
    kinds = np.fromiter(map(SYSTEM_NUMBER.get, systems, repeat(-1)), dtype=np.intp, count=len(systems))
    failing, verdicts = _verdicts_of(ctx).failing(codes, on, kinds)
    at = failing if rows is None else rows[failing]
    return list(zip(at.tolist(), on[failing].tolist(), verdicts))


def _verdicts_of(ctx) -> PeriodVerdicts:
    """The verdicts on diagnosis codes, kept per message: most stays share their codes and periods."""
    if ctx.diagnosis_verdicts is None:
        lists = ctx.codelists
        ctx.diagnosis_verdicts = PeriodVerdicts(
            lambda kind, code: _stretches(lists, SYSTEMS[kind], code),
            lambda kind, code, day: _judge_in_message(lists, SYSTEMS[kind], code, day), kinds=len(SYSTEMS))
    return ctx.diagnosis_verdicts


def _stretches(lists: CodeLists, system: str, code: str) -> tuple[list[date], list[bool]]:
    """The periods of the code as it is looked up (no dot, the list's spelling): its validity decides."""
    name = LIST_OF_SYSTEM[system]
    if name not in lists:
        return [], [True]  # no list to look in: the verdict does not depend on the day
    lookup = normalise_icd10(code) if system == ICD10 and "." in code else code
    return lists[name].change_days(official_spelling(lists, name, lookup) or lookup)


def _judge_in_message(lists: CodeLists, system: str, code: str, day: date) -> tuple:
    """First time in a message for a code in a period: judge it, record the edition for the report."""
    if not code:
        return ()  # the schema reports an empty code
    edition, found = _verdict(lists, system, code, day)
    if edition:
        lists[LIST_OF_SYSTEM[system]].used_editions.add(edition)
    return found
