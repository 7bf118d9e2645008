"""A mutated corpus of KAD messages in which every catalogued rule's defect occurs, and its report.

The corpus proves that two versions of the validation engine report the same findings: it is
generated deterministically (same stays and seed, same bytes), validated with
``kad-spec validate --format json``, and the report is reduced to a canonical, order-independent
list of findings that can be compared or hashed.

    python benchmarks/corpus.py --stays 4000 --seed 14 -o corpus/        # the whole corpus (a folder)
    python benchmarks/corpus.py --stays 1000 --seed 14 -o m.json          # one mutated message
    python benchmarks/corpus.py --stays 1000 --seed 14 -o m.xml --format xml
    python benchmarks/corpus.py --write-expected                          # tests/fixtures/corpus/expected-4000.json
    python benchmarks/corpus.py --stays 100000 --save-reference benchmarks/data/corpus-reference
    python benchmarks/corpus.py --stays 100000 --compare                  # validate again, compare

``--compare`` compares with the full canonical report saved by ``--save-reference`` (in
``--reference``, default ``benchmarks/data/corpus-reference``, not in git) line by line, or, without
it, with the per-rule counts and sha256 in ``tests/fixtures/corpus/reference-100k.json``.
``--kad-spec PATH`` validates with another kad-spec executable, for example one installed from an
earlier commit: if the corpus itself has to change, the earlier engine writes the new reference.
The corpus (default ``benchmarks/data/corpus-N-SEED``, see ``--work``) is rewritten on every run.

The corpus folder holds:

- ``m-*``: the main messages (generated stays of 2025, a quarter of them mutated): an indented
  JSON file, the same kind of message as XML (a quarter of ``--stays``) and as one-line JSON
  (a tenth). Each mutation is a catalogue example's patch moved to that stay or a hand-written
  defect of the same kind (see ``STAY_MUTATIONS``).
- ``h-*``: smaller messages with a defect in the header (one kind each) or from another year
  (2017, 2019, 2022), whose stays are mutated as well.
- ``c-*``: every failing catalogue example as its own file (patches, raw files, envelopes).
- ``f-*``: files that cannot be read as a KAD message (empty, binary, truncated, wrong encoding).
- ``k-*``: a mutated message in a MsgHead envelope.

The report is made with every finding listed (``--max-findings`` 10⁹) and default options otherwise.
The canonical form keeps, per file, its name, format, stays, errors and warnings, and per finding the
file name, rule id, severity, pointer, XPath, line, column, opphold_id and message (bokmål).
Today's date, which KAD-MLD-002 quotes, is replaced by ``<i dag>``.
"""

from __future__ import annotations

import argparse
import copy
import gzip
import hashlib
import json
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

import orjson

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "corpus"
DATA = ROOT / "benchmarks" / "data"
SMALL_STAYS = 4000
DEFAULT_SEED = 14
CORPUS_YEAR = 2025
MUTATED_SHARE = 0.25
CORPUS_MARKER = ".kad-spec-corpus"  # a folder with it may be emptied by the next run
MAX_FINDINGS = "1000000000"  # every finding is listed, none only counted
TODAY_IN_MESSAGE = re.compile(r"\(i dag er \d{4}-\d{2}-\d{2}\)")


# --- one stay, perhaps with a defect the dict cannot carry ---------------------------------------


@dataclass
class Entry:
    """A stay as it is written: ``duplicate`` repeats a member (JSON text, XML element);
    ``reorder`` swaps two members (a finding only in XML, where order counts)."""

    stay: dict
    duplicate: tuple[str, Any] | None = None
    reorder: bool = False


@dataclass
class Mutator:
    rng: random.Random
    opprettet: str
    year: int
    history: list[dict] = field(default_factory=list)  # recent unmutated-or-mutated stays, for pairs

    def earlier(self) -> dict | None:
        return self.rng.choice(self.history) if self.history else None


Mutation = Callable[[dict, Mutator], "list[Entry] | None"]


def _check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """Modulus 11 as person and organisation numbers use it; None where no digit fits."""
    remainder = sum(int(d) * w for d, w in zip(digits, weights)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def _with_check_digits(nine: str) -> str | None:
    from kad_spec.ids.personnr import K1_WEIGHTS, K2_WEIGHTS

    k1 = _check_digit(nine, K1_WEIGHTS)
    if k1 is None:
        return None
    k2 = _check_digit(nine + str(k1), K2_WEIGHTS)
    return None if k2 is None else f"{nine}{k1}{k2}"


def _number_with_digits(rng: random.Random, prefix: str) -> str:
    """An 11-digit number starting with the six digits ``prefix`` and correct check digits."""
    while True:
        number = _with_check_digits(f"{prefix}{rng.randrange(1000):03d}")
        if number is not None:
            return number


def _duf(rng: random.Random, year: int, valid: bool = True) -> str:
    from kad_spec.ids.duf import calc_check_digits

    first_ten = f"{year:04d}{rng.randrange(10 ** 6):06d}"
    check = calc_check_digits(first_ten)
    if not valid:
        check = f"{(int(check) + 1) % 100:02d}"
    return first_ten + check


def _parent(stay: dict, path: str) -> tuple[dict | None, str]:
    """The object that holds the member at ``path`` (slash-separated), and the member's name."""
    node = stay
    *parents, last = path.split("/")
    for key in parents:
        node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            return None, last
    return node, last


def _set(path: str, value: Any) -> Mutation:
    def mutate(stay: dict, m: Mutator) -> list[Entry] | None:
        node, last = _parent(stay, path)
        if node is None:
            return None
        node[last] = copy.deepcopy(value)
        return [Entry(stay)]
    return mutate


def _drop(path: str) -> Mutation:
    def mutate(stay: dict, m: Mutator) -> list[Entry] | None:
        node, last = _parent(stay, path)
        if node is None or last not in node:
            return None
        del node[last]
        return [Entry(stay)]
    return mutate


def _diagnosis(which: str, index: int, member: str, value: Any) -> Mutation:
    def mutate(stay: dict, m: Mutator) -> list[Entry] | None:
        found = stay.get(which)
        if not isinstance(found, list) or len(found) <= index:
            return None
        found[index][member] = value
        return [Entry(stay)]
    return mutate


def _code(which: str, kodeverk: str, code: str) -> Mutation:
    def mutate(stay: dict, m: Mutator) -> list[Entry] | None:
        found = stay.get(which)
        if not isinstance(found, list) or not found:
            return None
        found[m.rng.randrange(len(found))] = {"kodeverk": kodeverk, "kode": code}
        return [Entry(stay)]
    return mutate


# --- identity ------------------------------------------------------------------------------------


def wrong_check_digit(stay: dict, m: Mutator) -> list[Entry]:
    number = stay["pasient"]["id"]
    position = m.rng.choice((9, 10))
    digit = (int(number[position]) + m.rng.randint(1, 9)) % 10
    stay["pasient"]["id"] = number[:position] + str(digit) + number[position + 1:]
    return [Entry(stay)]


def impossible_birth_date(stay: dict, m: Mutator) -> list[Entry]:
    day, month = m.rng.choice(((72, 83), (32, 81), (30, 82), (0, 85), (15, 93), (31, 84)))
    stay["pasient"]["id"] = _number_with_digits(m.rng, f"{day:02d}{month:02d}{m.rng.randrange(100):02d}")
    if day > 40:  # a D-number's day, as in the catalogue's example: only the date is wrong
        stay["pasient"]["id_type"] = "DNR"
    return [Entry(stay)]


def wrong_id_type(stay: dict, m: Mutator) -> list[Entry]:
    current = stay["pasient"]["id_type"]
    stay["pasient"]["id_type"] = m.rng.choice([t for t in ("FNR", "DNR", "HNR", "FHN", "DUF") if t != current])
    return [Entry(stay)]


def invalid_duf(stay: dict, m: Mutator) -> list[Entry]:
    stay["pasient"]["id_type"] = "DUF"
    stay["pasient"]["id"] = m.rng.choice((
        "185012345678", _duf(m.rng, 2019, valid=False), _duf(m.rng, 2099), "20192495230", "2019249523x6"))
    return [Entry(stay)]


def valid_duf(stay: dict, m: Mutator) -> list[Entry]:
    stay["pasient"]["id_type"] = "DUF"
    stay["pasient"]["id"] = _duf(m.rng, m.rng.randint(2000, 2020))
    return [Entry(stay)]


def other_valid_number(stay: dict, m: Mutator) -> list[Entry]:
    """H-, FH- and 2032-scheme numbers: valid, so only sex and age checks may differ."""
    from kad_spec.ids import personnr

    kind = m.rng.choice(("HNR", "FHN", "2032"))
    patient = stay["pasient"]
    if kind == "HNR":
        patient["id_type"] = "HNR"
        patient["id"] = _number_with_digits(m.rng, f"{m.rng.randint(1, 28):02d}{m.rng.randint(41, 52):02d}{m.rng.randrange(100):02d}")
    elif kind == "FHN":
        patient["id_type"] = "FHN"
        patient["id"] = personnr.synthetic_fh(m.rng)
    else:
        birth = date(m.rng.randint(1925, 2010), m.rng.randint(1, 12), m.rng.randint(1, 28))
        patient["id"] = personnr.synthetic(birth, patient["kjonn"] if patient["kjonn"] in ("1", "2") else "1",
                                           m.rng, d_number=patient["id_type"] == "DNR", scheme="2032")
    return [Entry(stay)]


def flip_sex(stay: dict, m: Mutator) -> list[Entry]:
    stay["pasient"]["kjonn"] = {"1": "2", "2": "1"}.get(stay["pasient"]["kjonn"], "1")
    return [Entry(stay)]


def wrong_age(stay: dict, m: Mutator) -> list[Entry]:
    stay["pasient"]["alder"] = max(0, stay["pasient"]["alder"] + m.rng.choice((-7, -1, 1, 2, 12)))
    return [Entry(stay)]


def d_number_wrong_age(stay: dict, m: Mutator) -> list[Entry]:
    from kad_spec.ids import personnr

    patient = stay["pasient"]
    admitted = date.fromisoformat(stay["innleggelsestidspunkt"][:10])
    birth = date(admitted.year - patient["alder"], m.rng.randint(1, 12), m.rng.randint(1, 28))
    patient["id_type"] = "DNR"
    patient["id"] = personnr.synthetic(birth, patient["kjonn"] if patient["kjonn"] in ("1", "2") else "1", m.rng, d_number=True)
    patient["alder"] = patient["alder"] + m.rng.choice((-3, 2, 5))
    return [Entry(stay)]


# --- times ---------------------------------------------------------------------------------------


def _shift(text: str, **delta) -> str:
    return (datetime.fromisoformat(text[:19]) + timedelta(**delta)).isoformat(timespec="seconds")


def discharge_before_admission(stay: dict, m: Mutator) -> list[Entry] | None:
    stay["utskrivningstidspunkt"] = _shift(stay["innleggelsestidspunkt"], hours=-m.rng.randint(1, 30))
    stay.setdefault("utskrivningsdiagnoser", [dict(stay["innskrivningsdiagnoser"][0])])
    stay.setdefault("utskrevet_til", {"kategori": "1"})
    return [Entry(stay)]


def after_creation(stay: dict, m: Mutator) -> list[Entry]:
    later = _shift(m.opprettet, hours=m.rng.randint(1, 72))
    if m.rng.random() < 0.5 or "utskrivningstidspunkt" not in stay:
        stay["innleggelsestidspunkt"] = later
        stay.pop("utskrivningstidspunkt", None)
        stay.pop("utskrivningsdiagnoser", None)
        stay.pop("utskrevet_til", None)
    else:
        stay["utskrivningstidspunkt"] = later
    return [Entry(stay)]


def before_2017(stay: dict, m: Mutator) -> list[Entry]:
    admitted = datetime(2016, 12, m.rng.randint(1, 31), m.rng.randint(0, 23), 0)
    stay["innleggelsestidspunkt"] = admitted.isoformat(timespec="seconds")
    if m.rng.random() < 0.3:
        stay["innleggelsestidspunkt"] = "2016-12-31T22:30:00Z"  # 23:30 in Oslo: still 2016
    if "utskrivningstidspunkt" in stay:
        stay["utskrivningstidspunkt"] = (admitted + timedelta(days=2)).isoformat(timespec="seconds")
    return [Entry(stay)]


def summer_time_gap(stay: dict, m: Mutator) -> list[Entry]:
    day = {2017: 26, 2019: 31, 2022: 27, 2025: 30}.get(m.year, 30)
    moment = f"{m.year}-03-{day:02d}T02:{m.rng.randrange(0, 60, 5):02d}:00"
    return [Entry(_set_time(stay, moment, m))]


def summer_time_fold(stay: dict, m: Mutator) -> list[Entry]:
    day = {2017: 29, 2019: 27, 2022: 30, 2025: 26}.get(m.year, 26)
    moment = f"{m.year}-10-{day:02d}T02:{m.rng.randrange(0, 60, 5):02d}"
    return [Entry(_set_time(stay, moment, m))]


def _set_time(stay: dict, moment: str, m: Mutator) -> dict:
    if "utskrivningstidspunkt" in stay and m.rng.random() < 0.5:
        stay["utskrivningstidspunkt"] = moment
        stay["innleggelsestidspunkt"] = _shift(moment, days=-2)
    else:
        stay["innleggelsestidspunkt"] = moment
        if "utskrivningstidspunkt" in stay:
            stay["utskrivningstidspunkt"] = _shift(moment, days=2)
    return stay


def long_stay(stay: dict, m: Mutator) -> list[Entry]:
    stay["innleggelsestidspunkt"] = _shift(stay["innleggelsestidspunkt"], days=-m.rng.randint(31, 90))
    return [Entry(stay)]


def impossible_time(stay: dict, m: Mutator) -> list[Entry]:
    key = "utskrivningstidspunkt" if "utskrivningstidspunkt" in stay and m.rng.random() < 0.4 else "innleggelsestidspunkt"
    stay[key] = m.rng.choice((f"{m.year}-02-30T10:00", f"{m.year}-04-31T08:15:00", f"{m.year}-06-01T24:00",
                              f"{m.year}-13-01T10:00:00", f"{m.year}-05-05T10:61", f"{m.year}-02-29T12:00:00"))
    return [Entry(stay)]


def unreadable_time(stay: dict, m: Mutator) -> list[Entry]:
    key = "utskrivningstidspunkt" if "utskrivningstidspunkt" in stay and m.rng.random() < 0.4 else "innleggelsestidspunkt"
    stay[key] = m.rng.choice(("i går", f"{m.year}-03-01 14:35", f"01.03.{m.year} 14:35", f"{m.year}-03-01",
                              f"{m.year}-03-01T14:35:00+1", f"{m.year}-03-01T14:35:00.1234567", "", 20250301))
    return [Entry(stay)]


def other_time_forms(stay: dict, m: Mutator) -> list[Entry]:
    """Valid forms the parser must read alike: offsets, Z, fractions, no seconds."""
    for key in ("innleggelsestidspunkt", "utskrivningstidspunkt"):
        if key in stay:
            local = datetime.fromisoformat(stay[key][:19])
            form = m.rng.randrange(4)
            if form == 0:
                stay[key] = local.isoformat(timespec="minutes")
            elif form == 1:
                from kad_spec.spec.timeutil import OSLO

                stay[key] = local.replace(tzinfo=OSLO).isoformat(timespec="seconds")
            elif form == 2:
                from kad_spec.spec.timeutil import OSLO

                utc = local.replace(tzinfo=OSLO).astimezone(timezone.utc)
                stay[key] = utc.strftime("%Y-%m-%dT%H:%M:%SZ")
            else:
                stay[key] = local.isoformat(timespec="seconds") + ".5"
    return [Entry(stay)]


# --- stays in pairs ------------------------------------------------------------------------------


def repeated_id(stay: dict, m: Mutator) -> list[Entry] | None:
    other = m.earlier()
    if other is None or not isinstance(other.get("opphold_id"), str):
        return None
    stay["opphold_id"] = other["opphold_id"]
    return [Entry(stay)]


def cancelled_and_sent(stay: dict, m: Mutator) -> list[Entry]:
    cancel = copy.deepcopy(stay)
    cancel["status"] = "C"
    pair = [Entry(stay), Entry(cancel)]
    return pair if m.rng.random() < 0.5 else pair[::-1]


def cancel_earlier(stay: dict, m: Mutator) -> list[Entry] | None:
    other = m.earlier()
    if other is None or not isinstance(other.get("opphold_id"), str):
        return None
    stay["opphold_id"] = other["opphold_id"]
    stay["status"] = "C"
    return [Entry(stay)]


def overlapping_patient(stay: dict, m: Mutator) -> list[Entry] | None:
    other = m.earlier()
    if other is None or not isinstance(other.get("pasient"), dict) or not isinstance(other.get("innleggelsestidspunkt"), str):
        return None
    try:
        start = datetime.fromisoformat(other["innleggelsestidspunkt"][:19])
    except ValueError:
        return None
    stay["pasient"] = copy.deepcopy(other["pasient"])
    stay["innleggelsestidspunkt"] = (start + timedelta(hours=m.rng.choice((0, 1, 5, 20)))).isoformat(timespec="seconds")
    if "utskrivningstidspunkt" in stay:
        stay["utskrivningstidspunkt"] = _shift(stay["innleggelsestidspunkt"], days=m.rng.randint(1, 3))
    return [Entry(stay)]


# --- discharge information -----------------------------------------------------------------------


def discharge_without_time(stay: dict, m: Mutator) -> list[Entry] | None:
    if "utskrivningstidspunkt" not in stay:
        stay["utskrevet_til"] = {"kategori": "1"}
        return [Entry(stay)]
    del stay["utskrivningstidspunkt"]
    if m.rng.random() < 0.5:
        stay.pop("utskrevet_til", None)
    return [Entry(stay)]


# --- structure -----------------------------------------------------------------------------------


def duplicate_member(stay: dict, m: Mutator) -> list[Entry]:
    key = m.rng.choice(("status", "opphold_id", "innleggelsestidspunkt", "henvist_fra"))
    return [Entry(stay, duplicate=(key, stay.get(key, "N")))]


def swapped_members(stay: dict, m: Mutator) -> list[Entry]:
    return [Entry(stay, reorder=True)]


def extra_member(stay: dict, m: Mutator) -> list[Entry]:
    where, key, value = m.rng.choice((
        ("", "kommentar", "ring pårørende"), ("pasient", "navn", "Ola"), ("henvist_fra", "lege", "Dr. Test"),
        ("", "a/b~c", 1), ("pasient", "fodselsdato", "1940-03-12")))
    node = stay if not where else stay[where]
    node[key] = value
    return [Entry(stay)]


def wrong_type(stay: dict, m: Mutator) -> list[Entry]:
    choice = m.rng.randrange(9)
    patient = stay["pasient"]
    if choice == 0:
        patient["alder"] = str(patient["alder"])
    elif choice == 1:
        patient["kjonn"] = int(patient["kjonn"])
    elif choice == 2:
        patient["bostedskommune"] = int(patient["bostedskommune"])
    elif choice == 3:
        stay["opphold_id"] = m.rng.randint(1, 10 ** 6)
    elif choice == 4:
        stay["innskrivningsdiagnoser"] = stay["innskrivningsdiagnoser"][0]
    elif choice == 5:
        stay["pasient"] = [patient]
    elif choice == 6:
        patient["alder"] = patient["alder"] + 0.5
    elif choice == 7:
        stay["henvist_fra"] = None
    else:
        patient["id"] = True
    return [Entry(stay)]


def out_of_range(stay: dict, m: Mutator) -> list[Entry]:
    stay["pasient"]["alder"] = m.rng.choice((-1, 131, 150, 10 ** 6))
    return [Entry(stay)]


def bad_form(stay: dict, m: Mutator) -> list[Entry]:
    choice = m.rng.randrange(5)
    if choice == 0:
        stay["opphold_id"] = ""
    elif choice == 1:
        stay["pasient"]["bostedskommune"] = m.rng.choice(("31O7", "310", "03107"))
    elif choice == 2:
        stay["pasient"]["id"] = stay["pasient"]["id"][:10]
    elif choice == 3:
        stay["innskrivningsdiagnoser"][0]["kode"] = m.rng.choice(("", "J 18", "J189\n", "ÆØÅ"))
    else:
        stay["opphold_id"] = "x" * 300
    return [Entry(stay)]


def missing_member(stay: dict, m: Mutator) -> list[Entry] | None:
    path = m.rng.choice((
        "opphold_id", "status", "pasient", "pasient/id", "pasient/id_type", "pasient/kjonn", "pasient/alder",
        "pasient/bostedskommune", "innleggelsestidspunkt", "henvist_fra"))
    return _drop(path)(stay, m)


def unknown_code(stay: dict, m: Mutator) -> list[Entry] | None:
    path, value = m.rng.choice((
        ("status", "X"), ("pasient/kjonn", "3"), ("pasient/kjonn", "0"), ("pasient/id_type", "PNR"),
        ("henvist_fra/kategori", "999"), ("utskrevet_til/kategori", "0"), ("status", "n")))
    return _set(path, value)(stay, m)


def wrong_code_system(stay: dict, m: Mutator) -> list[Entry] | None:
    which = "utskrivningsdiagnoser" if "utskrivningsdiagnoser" in stay and m.rng.random() < 0.5 else "innskrivningsdiagnoser"
    found = stay[which]
    index = m.rng.randrange(len(found))
    if m.rng.random() < 0.2:
        found[index]["kodeverk"] = "ICD-9"
    else:
        found[index]["kodeverk"] = {"ICD-10": "ICPC-2", "ICPC-2": "ICD-10"}[found[index]["kodeverk"]]
    return [Entry(stay)]


def diagnosis_lists(stay: dict, m: Mutator) -> list[Entry] | None:
    choice = m.rng.randrange(4)
    if choice == 0:
        stay["innskrivningsdiagnoser"] = []
    elif choice == 1:
        del stay["innskrivningsdiagnoser"]
    elif "utskrivningstidspunkt" in stay:
        if choice == 2:
            stay["utskrivningsdiagnoser"] = []
        else:
            stay.pop("utskrivningsdiagnoser", None)
    else:
        return None
    return [Entry(stay)]


def organisation_ids(stay: dict, m: Mutator) -> list[Entry] | None:
    which = "utskrevet_til" if "utskrevet_til" in stay and m.rng.random() < 0.5 else "henvist_fra"
    choice = m.rng.randrange(4)
    if choice == 0:
        stay[which]["organisasjonsnummer"] = m.rng.choice(("310000018", "310000026", "999999999"))
    elif choice == 1:
        stay[which]["her_id"] = m.rng.choice(("090123", "8123456789", "0", "-5", "12a"))
    elif choice == 2:
        stay[which].pop("kategori", None)
        stay[which].setdefault("organisasjonsnummer", "310000027")
    else:
        stay[which]["organisasjonsnummer"] = "31000002"
    return [Entry(stay)]


def code_by_date(stay: dict, m: Mutator) -> list[Entry]:
    stay["pasient"]["bostedskommune"] = m.rng.choice(("1201", "3001", "4699", "1580", "2599", "9999", "2100"))
    return [Entry(stay)]


# The catalogue's failing examples that touch one stay only, moved to the stay being mutated.
def catalogue_stay_patches() -> list[tuple[str, list[dict]]]:
    from kad_spec.spec.catalogue import catalogue

    found = []
    for rule_id, rule in sorted(catalogue().items()):
        for example in rule.examples:
            if example.expect != "fail" or not example.patch or example.raw is not None:
                continue
            indices = {_stay_index(op.get("path", "")) for op in example.patch}
            if len(indices) == 1 and None not in indices:
                index = indices.pop()
                found.append((rule_id, [{**op, "path": "/opphold/0" + op["path"][len(f"/opphold/{index}"):]}
                                        for op in example.patch]))
    return sorted(found, key=lambda item: json.dumps(item, sort_keys=True, ensure_ascii=False))


def _stay_index(path: str) -> int | None:
    match = re.match(r"^/opphold/(\d+)/", path)
    return int(match.group(1)) if match else None


def _patch_mutation(patch: list[dict]) -> Mutation:
    def mutate(stay: dict, m: Mutator) -> list[Entry] | None:
        from kad_spec.spec.patch import PatchError, apply_patch

        try:
            return [Entry(apply_patch({"opphold": [stay]}, patch)["opphold"][0])]
        except (PatchError, KeyError, IndexError, TypeError):
            return None
    return mutate


STAY_MUTATIONS: list[tuple[str, Mutation]] = [
    ("wrong check digit", wrong_check_digit),
    ("impossible birth date", impossible_birth_date),
    ("wrong id_type", wrong_id_type),
    ("invalid DUF number", invalid_duf),
    ("valid DUF number", valid_duf),
    ("H-, FH- or 2032 number", other_valid_number),
    ("sex flipped", flip_sex),
    ("wrong age", wrong_age),
    ("D number, wrong age", d_number_wrong_age),
    ("discharge before admission", discharge_before_admission),
    ("time after opprettet", after_creation),
    ("admission before 2017", before_2017),
    ("summer time gap", summer_time_gap),
    ("summer time fold", summer_time_fold),
    ("stay over 30 days", long_stay),
    ("time that does not exist", impossible_time),
    ("unreadable time", unreadable_time),
    ("other valid time forms", other_time_forms),
    ("repeated opphold_id", repeated_id),
    ("cancelled and sent again", cancelled_and_sent),
    ("cancellation of an earlier id", cancel_earlier),
    ("overlap of one person", overlapping_patient),
    ("discharge information without time", discharge_without_time),
    ("duplicate member", duplicate_member),
    ("members swapped", swapped_members),
    ("extra member", extra_member),
    ("wrong type", wrong_type),
    ("number out of range", out_of_range),
    ("wrong form", bad_form),
    ("missing member", missing_member),
    ("unknown code", unknown_code),
    ("wrong code system", wrong_code_system),
    ("empty or missing diagnosis list", diagnosis_lists),
    ("organisation ids", organisation_ids),
    ("municipality by date", code_by_date),
    ("unknown ICD-10 code", _code("utskrivningsdiagnoser", "ICD-10", "J999")),
    ("unknown ICPC-2 code", _code("innskrivningsdiagnoser", "ICPC-2", "Z99")),
    ("ICD-10 with a dot", _code("utskrivningsdiagnoser", "ICD-10", "J18.9")),
    ("ICD-10 with a dot, at admission", _code("innskrivningsdiagnoser", "ICD-10", "I50.9")),
    ("process code", _code("innskrivningsdiagnoser", "ICPC-2", "-30")),
    ("chapter process code", _code("innskrivningsdiagnoser", "ICPC-2", "K45")),
    ("ICD-10 letter case", _code("utskrivningsdiagnoser", "ICD-10", "I210A")),
    ("ICPC-2 letter case", _code("innskrivningsdiagnoser", "ICPC-2", "r81")),
    ("code of 2025 in 2022", _code("utskrivningsdiagnoser", "ICD-10", "K6380")),
    ("ICPC-2 code of 2024 in 2022", _code("innskrivningsdiagnoser", "ICPC-2", "A191")),
    ("R33 in 2022", _code("innskrivningsdiagnoser", "ICPC-2", "R33")),
    ("code gone in 2026", _code("utskrivningsdiagnoser", "ICD-10", "M1906")),
    ("diagnosis without kode", _diagnosis("innskrivningsdiagnoser", 0, "kode", None)),
    ("diagnosis with text", _diagnosis("innskrivningsdiagnoser", 0, "tekst", "lungebetennelse")),
]


# For the messages of other years: codes and times whose verdict depends on the year.
YEAR_MUTATIONS: list[tuple[str, Mutation]] = [
    (name, mutate) for name, mutate in STAY_MUTATIONS
    if name.startswith(("unknown IC", "ICD-10 with", "process code", "chapter", "ICD-10 letter", "ICPC-2 letter",
                        "code ", "ICPC-2 code", "R33", "municipality", "summer time", "admission before"))
] + [
    ("municipality of a later year", lambda stay, m: _set("pasient/bostedskommune", m.rng.choice(("4601", "3107", "5001", "1508")))(stay, m)),
    ("service codes of a later year", lambda stay, m: _set("henvist_fra/kategori", m.rng.choice(("88", "44", "42")))(stay, m)),
]


def stay_mutations() -> list[tuple[str, Mutation]]:
    patches = [(f"catalogue {rule_id}", _patch_mutation(patch)) for rule_id, patch in catalogue_stay_patches()]
    return STAY_MUTATIONS + patches


def mutated_entries(stays: Iterable[dict], rng: random.Random, opprettet: str, year: int,
                    share: float = MUTATED_SHARE, mutations: list[tuple[str, Mutation]] | None = None) -> Iterator[Entry]:
    """The stays, a ``share`` of them with a defect; a mutation that does not fit is replaced by another."""
    mutations = mutations or stay_mutations()
    m = Mutator(rng, opprettet, year)
    for stay in stays:
        entries = None
        if rng.random() < share:
            for _ in range(8):
                _, mutate = mutations[rng.randrange(len(mutations))]
                entries = mutate(copy.deepcopy(stay), m)
                if entries:
                    break
        for entry in entries or [Entry(stay)]:
            yield entry
            m.history.append(entry.stay)
        if len(m.history) > 64:
            del m.history[:32]


# --- writing messages ----------------------------------------------------------------------------


def _json_entry(entry: Entry, one_line: bool) -> bytes:
    option = 0 if one_line else orjson.OPT_INDENT_2
    text = orjson.dumps(entry.stay, option=option)
    if entry.reorder:
        text = orjson.dumps(dict(reversed(list(entry.stay.items()))), option=option)
    if entry.duplicate is not None:
        key, value = entry.duplicate
        member = orjson.dumps(key) + b": " + orjson.dumps(value) + b","
        text = b"{" + (member if one_line else b"\n  " + member) + text[1:]
    return text if one_line else b"    " + text.replace(b"\n", b"\n    ")


def write_json(path: Path, header: dict, entries: Iterable[Entry], one_line: bool = False,
               edit_header: Callable[[bytes], bytes] | None = None) -> int:
    head = orjson.dumps(header, option=0 if one_line else orjson.OPT_INDENT_2)
    if edit_header is not None:
        head = edit_header(head)
    count = 0
    with path.open("wb") as out:
        out.write(head[:-1] + b',"opphold":[' if one_line else head[:-2] + b',\n  "opphold": [\n')
        for entry in entries:
            if count:
                out.write(b"," if one_line else b",\n")
            out.write(_json_entry(entry, one_line))
            count += 1
        out.write(b"]}\n" if one_line else b"\n  ]\n}\n")
    return count


def _xml_names(value: Any) -> Any:
    """Members named so that XML can carry them: a JSON key such as "a/b~c" is no element name."""
    if isinstance(value, dict):
        return {re.sub(r"[^A-Za-z0-9_.-]", "_", key): _xml_names(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_names(item) for item in value]
    return value


def _xml_entry(entry: Entry) -> bytes:
    from lxml import etree

    from kad_spec.tools.example import permissive_xml

    root = etree.fromstring(permissive_xml({"opphold": [_xml_names(entry.stay)]}))
    stay = root[0]
    if entry.duplicate is not None:
        name = stay[0].tag.rsplit("}", 1)[0] + "}" + entry.duplicate[0]
        first = stay.find(name)
        if first is not None:
            first.addnext(copy.deepcopy(first))
    if entry.reorder and len(stay) > 2:
        second = stay[2]
        stay.remove(second)
        stay.insert(0, second)
    stay.tail = None
    text = etree.tostring(stay, encoding="UTF-8")
    return b"  " + text.replace(b' xmlns="' + root.nsmap[None].encode() + b'"', b"", 1) + b"\n"


def write_xml(path: Path, header: dict, entries: Iterable[Entry]) -> int:
    from kad_spec.spec.model import model
    from kad_spec.tools.example import permissive_xml

    m = model()
    closing = f"</{m.root.name}>\n".encode()
    head = permissive_xml(header)
    count = 0
    with path.open("wb") as out:
        out.write(head[: -len(closing)])
        for entry in entries:
            out.write(_xml_entry(entry))
            count += 1
        out.write(closing)
    return count


def _plan(stays: int, seed: int, year: int, until: datetime | None = None):
    from kad_spec.tools.example import ExampleOptions, plan

    return plan(ExampleOptions(count=stays, seed=seed, year=year, until=until))


@dataclass(frozen=True)
class Variant:
    """How a message differs from the main ones: its year, header, header text or mutations."""

    name: str
    header_edit: Callable[[dict], None] | None = None
    year: int = CORPUS_YEAR
    until: datetime | None = None  # the message's opprettet (local time), when not the year's end
    text_edit: Callable[[bytes], bytes] | None = None
    mutations: list[tuple[str, Mutation]] | None = None
    share: float = MUTATED_SHARE


MAIN = Variant("m")


def write_message(path: Path, stays: int, seed: int, fmt: str = "json", variant: Variant = MAIN,
                  one_line: bool = False) -> int:
    """One mutated message of ``stays`` generated stays; returns the number of stays written."""
    p = _plan(stays, seed, variant.year, variant.until)
    header = p.header()
    opprettet = header["meldingsinfo"]["opprettet"]
    if variant.header_edit is not None:
        variant.header_edit(header)
    rng = random.Random(f"kad-spec-corpus:{seed}:{variant.year}:{stays}:{fmt}:{one_line}")
    entries = mutated_entries(p.stays(0, stays), rng, opprettet, variant.year, variant.share, variant.mutations)
    if fmt == "xml":
        return write_xml(path, header, entries)
    return write_json(path, header, entries, one_line=one_line, edit_header=variant.text_edit)


# --- the header variants and the other files -----------------------------------------------------


def _header_setter(*path: str, value: Any) -> Callable[[dict], None]:
    def edit(header: dict) -> None:
        node = header
        for key in path[:-1]:
            node = node[key]
        if value is _REMOVE:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(value)
    return edit


def _both(*edits: Callable[[dict], None]) -> Callable[[dict], None]:
    def edit(header: dict) -> None:
        for one in edits:
            one(header)
    return edit


_REMOVE = object()

def _duplicate_header_key(head: bytes) -> bytes:
    return head.replace(b'"tjenestekommuner":', b'"tjenestekommuner": ["3107"],\n    "tjenestekommuner":', 1)


def _more_service_municipalities(header: dict) -> None:
    header["virksomhet"]["tjenestekommuner"] = ["3001", *header["virksomhet"]["tjenestekommuner"]]


# Each is a message of its own (a JSON file, unless named .xml) with mutated stays.
HEADER_VARIANTS: list[Variant] = [
    Variant("h-produksjon.json", _header_setter("meldingsinfo", "miljo", value="produksjon")),
    Variant("h-versjon.json", _header_setter("meldingsinfo", "spesifikasjonsversjon", value="2.0.0")),
    Variant("h-fremtid.json", _header_setter("meldingsinfo", "opprettet", value="2099-01-01T06:00:00+01:00")),
    Variant("h-ukjent-miljo.json", _header_setter("meldingsinfo", "miljo", value="demo")),
    Variant("h-virksomhet.json", _both(
        _header_setter("virksomhet", "organisasjonsnummer", value="310000018"),
        _header_setter("virksomhet", "her_id", value="081234"),
        _header_setter("virksomhet", "adresse", "postnummer", value="182"))),
    Variant("h-tjenestekommuner.json", _header_setter("virksomhet", "tjenestekommuner", value=["3001", "9999", "2599", "3107"])),
    Variant("h-tom-tjenestekommuner.json", _header_setter("virksomhet", "tjenestekommuner", value=[])),
    Variant("h-struktur.json", _both(
        _header_setter("virksomhet", "navn", value=_REMOVE),
        _header_setter("meldingsinfo", "kommentar", value="ekstra"),
        _header_setter("meldingsinfo", "melding_id", value=12345))),
    Variant("h-opprettet-sommertid.json", _header_setter("meldingsinfo", "opprettet", value="2025-03-30T02:30:00"),
            until=datetime(2025, 3, 30, 2, 30)),
    Variant("h-opprettet-vintertid.xml", _header_setter("meldingsinfo", "opprettet", value="2025-10-26T02:30:00"),
            until=datetime(2025, 10, 26, 2, 30)),
    Variant("h-opprettet-finnes-ikke.json", _header_setter("meldingsinfo", "opprettet", value="2025-12-32T06:00:00+01:00")),
    Variant("h-uten-kontaktperson.json", _header_setter("meldingsinfo", "kontaktperson", value=_REMOVE)),
    Variant("h-dobbel-nokkel.json", text_edit=_duplicate_header_key),
    Variant("h-tjenestekommune-endret.json", _more_service_municipalities),
    Variant("h-2017.json", year=2017, mutations=YEAR_MUTATIONS, share=0.5),
    Variant("h-2019.json", year=2019, mutations=YEAR_MUTATIONS, share=0.5),
    Variant("h-2022.json", year=2022, mutations=YEAR_MUTATIONS, share=0.5),
]


def write_header_variants(directory: Path, stays: int, seed: int) -> list[Path]:
    written = []
    for number, variant in enumerate(HEADER_VARIANTS):
        path = directory / variant.name
        write_message(path, stays, seed + 1000 + number, path.suffix[1:], variant)
        written.append(path)
    path = directory / "h-uten-opphold.json"
    p = _plan(0, seed + 2000, CORPUS_YEAR)
    header = p.header()
    _more_service_municipalities(header)
    write_json(path, header, [])
    written.append(path)
    return written


def _example_key(example) -> str:
    """A name from the example's content, so that reordering the catalogue renames no file."""
    content = json.dumps([example.patch, example.raw, example.format, example.encoding, example.envelope],
                         sort_keys=True, ensure_ascii=False, default=list)
    return hashlib.sha256(content.encode("utf-8")).hexdigest()[:8]


def write_catalogue_examples(directory: Path) -> list[Path]:
    """Every failing catalogue example as the file the catalogue describes."""
    from kad_spec.spec.catalogue import catalogue
    from kad_spec.message.envelope import apply_edits
    from kad_spec.spec.resources import examples_dir
    from kad_spec.spec.patch import apply_patch

    base = orjson.loads((examples_dir() / "kad-melding.json").read_bytes())
    envelope = (examples_dir() / "konvolutt-kad-melding.xml").read_bytes()
    written = []
    for rule_id, rule in sorted(catalogue().items()):
        for example in (ex for ex in rule.examples if ex.expect == "fail" and ex.sequence is None):
            stem = f"c-{rule_id.lower()}-{_example_key(example)}"
            if example.envelope is not None:
                path, data = directory / f"{stem}.xml", apply_edits(envelope, example.envelope)
            elif example.raw is not None:
                path, data = directory / f"{stem}.{example.format}", example.file_bytes()
            else:
                path = directory / f"{stem}.json"
                data = orjson.dumps(apply_patch(base, example.patch), option=orjson.OPT_INDENT_2)
            path.write_bytes(data)
            written.append(path)
    return written


def write_unreadable_files(directory: Path, seed: int) -> list[Path]:
    """Files that stop before the stays: empty, binary, truncated, wrong encoding, not KAD."""
    small = directory / "f-kilde.json"
    write_message(small, 8, seed + 3000)
    text = small.read_bytes()
    small.unlink()
    files = {
        "f-tom.json": b"",
        "f-bare-mellomrom.json": b"  \n\t\n",
        "f-binaer.json": bytes(range(256)) * 4,
        "f-avkortet.json": text[: len(text) // 2],
        "f-latin1.json": text.decode("utf-8").encode("latin-1", errors="replace"),
        "f-utf16.json": text.decode("utf-8").encode("utf-16"),
        "f-bom.json": b"\xef\xbb\xbf" + text,
        "f-liste.json": b"[1, 2, 3]\n",
        "f-tall.json": b"42\n",
        "f-annet-objekt.json": b'{"melding": {}}\n',
        "f-etterslep.json": text + b"{}\n",
        "f-syntaks.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n<KadMelding xmlns="urn:kad-spec:kad-kpr:1"><meldingsinfo>\n',
        "f-annen-rot.xml": b'<?xml version="1.0" encoding="UTF-8"?>\n<Melding xmlns="urn:annet"/>\n',
        "f-doctype.xml": b'<?xml version="1.0"?>\n<!DOCTYPE KadMelding [<!ENTITY e "x">]>\n<KadMelding xmlns="urn:kad-spec:kad-kpr:1">&e;</KadMelding>\n',
        "f-latin1.xml": '<?xml version="1.0" encoding="UTF-8"?>\n<KadMelding xmlns="urn:kad-spec:kad-kpr:1"><virksomhet><navn>døgn</navn></virksomhet></KadMelding>\n'.encode("latin-1"),
    }
    written = []
    for name, data in files.items():
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


def write_envelope(directory: Path, stays: int, seed: int) -> list[Path]:
    """A mutated message in a MsgHead envelope: the body's findings are reported as in a bare file."""
    from lxml import etree

    from kad_spec.message.envelope import wrap

    body = directory / "k-innhold.xml"
    write_message(body, stays, seed + 4000, "xml")
    p = _plan(stays, seed + 4000, CORPUS_YEAR)  # the body's header, so that the envelope matches it
    message = {**p.header(), "opphold": list(p.stays(0, 1))}
    envelope = etree.fromstring(wrap(message))
    content = envelope.find(".//{*}Content")
    content.remove(content[0])
    content.append(etree.parse(str(body)).getroot())
    body.unlink()
    path = directory / "k-konvolutt.xml"
    path.write_bytes(b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(envelope, encoding="UTF-8") + b"\n")
    return [path]


@dataclass(frozen=True)
class CorpusLayout:
    json_stays: int
    xml_stays: int
    one_line_stays: int
    side_stays: int  # each header variant and the envelope

    @classmethod
    def for_stays(cls, stays: int) -> "CorpusLayout":
        return cls(json_stays=stays, xml_stays=max(1, stays // 4), one_line_stays=max(1, stays // 10),
                   side_stays=max(40, stays // 100))


def write_corpus(directory: Path, stays: int = SMALL_STAYS, seed: int = DEFAULT_SEED) -> list[Path]:
    """The whole corpus in ``directory``: a new or empty folder, or one an earlier run wrote (replaced)."""
    marker = directory / CORPUS_MARKER
    if directory.exists() and any(directory.iterdir()) and not marker.exists():
        raise SystemExit(f"{directory} is not empty and holds no corpus; choose a new or empty folder")
    directory.mkdir(parents=True, exist_ok=True)
    marker.write_text("written by benchmarks/corpus.py; the .json and .xml files here are replaced on the next run\n")
    for old in directory.iterdir():
        if old.is_file() and old.suffix in (".json", ".xml"):
            old.unlink()
    layout = CorpusLayout.for_stays(stays)
    written = []
    for name, count, fmt, one_line in (("m-opphold.json", layout.json_stays, "json", False),
                                       ("m-opphold.xml", layout.xml_stays, "xml", False),
                                       ("m-en-linje.json", layout.one_line_stays, "json", True)):
        path = directory / name
        write_message(path, count, seed, fmt, one_line=one_line)
        written.append(path)
    written += write_header_variants(directory, layout.side_stays, seed)
    written += write_catalogue_examples(directory)
    written += write_unreadable_files(directory, seed)
    written += write_envelope(directory, layout.side_stays, seed)
    return sorted(written)


def corpus_digest(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


# --- validating and the canonical report ---------------------------------------------------------


def kad_spec_command(executable: str | None = None) -> list[str]:
    """The kad-spec that validates: a given executable (another version's), else this Python's."""
    return [executable] if executable else [sys.executable, "-m", "kad_spec"]


def validate(directory: Path, extra: Iterable[str] = (), executable: str | None = None) -> dict:
    """``kad-spec validate --format json --lang nb`` on the corpus folder; the parsed report."""
    command = [*kad_spec_command(executable), "validate", "--format", "json", "--lang", "nb",
               "--max-findings", MAX_FINDINGS, *extra, str(directory)]
    done = subprocess.run(command, capture_output=True, cwd=directory)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"kad-spec validate gave exit code {done.returncode}: {done.stderr.decode(errors='replace')[-2000:]}")
    return json.loads(done.stdout)


def canonical(report: dict) -> dict:
    """Files and findings in a fixed order, without versions, paths or today's date."""
    files, findings = [], []
    for file in report["files"]:
        name = Path(file["path"]).name
        files.append([name, file["format"], file["stays"], file["errors"], file["warnings"]])
        for f in file["findings"]:
            message = f["message"]
            if f["rule_id"] == "KAD-MLD-002":
                message = TODAY_IN_MESSAGE.sub("(i dag er <i dag>)", message)
            findings.append([name, f["rule_id"], f["severity"], f["pointer"], f["xpath"], f["line"], f["column"],
                             f["opphold_id"], message])
    key = lambda row: json.dumps(row, ensure_ascii=False)  # noqa: E731 - a sort key for mixed types
    return {"files": sorted(files, key=key), "findings": sorted(findings, key=key)}


def canonical_bytes(form: dict) -> bytes:
    return json.dumps(form, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def rule_counts(form: dict) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in form["findings"]:
        counts[row[1]] = counts.get(row[1], 0) + 1
    return dict(sorted(counts.items()))


def summary(form: dict, stays: int, seed: int, digest: str) -> dict:
    return {
        "stays": stays, "seed": seed, "corpus_sha256": digest,
        "canonical_sha256": hashlib.sha256(canonical_bytes(form)).hexdigest(),
        "files": len(form["files"]), "stays_validated": sum(f[2] for f in form["files"]),
        "findings": len(form["findings"]), "rule_counts": rule_counts(form),
    }


def differences(expected: dict, actual: dict, limit: int = 20) -> list[str]:
    """Rows in one form and not the other (files and findings), at most ``limit`` of each."""
    lines = []
    for part in ("files", "findings"):
        want = {json.dumps(r, ensure_ascii=False) for r in expected[part]}
        have = {json.dumps(r, ensure_ascii=False) for r in actual[part]}
        for sign, rows in (("-", sorted(want - have)), ("+", sorted(have - want))):
            lines += [f"{sign} {part[:-1]} {row}" for row in rows[:limit]]
            if len(rows) > limit:
                lines.append(f"{sign} … {len(rows) - limit} more {part}")
    return lines


def expected_path(stays: int = SMALL_STAYS) -> Path:
    return FIXTURES / f"expected-{stays}.json"


def form_text(form: dict, head: dict | None = None) -> bytes:
    """The canonical form as JSON with one file or finding a line, so that a change reads as a diff."""
    parts = [] if head is None else [f'"summary": {json.dumps(head, ensure_ascii=False)}']
    for part in ("files", "findings"):
        rows = ",\n".join(json.dumps(row, ensure_ascii=False) for row in form[part])
        parts.append(f'"{part}": [\n{rows}\n]')
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8")


def write_form(path: Path, form: dict, head: dict | None = None) -> None:
    """Plain JSON, or gzip when the name ends in .gz (mtime 0: the same bytes for the same report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = form_text(form, head)
    if path.suffix == ".gz":
        with gzip.GzipFile(path, "wb", mtime=0) as out:
            out.write(data)
    else:
        path.write_bytes(data)


def read_form(path: Path) -> dict:
    data = path.read_bytes()
    return json.loads(gzip.decompress(data) if path.suffix == ".gz" else data)


def print_counts(reference: dict[str, int], now: dict[str, int] | None = None) -> None:
    from kad_spec.spec.catalogue import catalogue

    for rule_id in sorted(set(catalogue()) | set(reference) | set(now or {})):
        line = f"  {rule_id:<13} {reference.get(rule_id, 0):>8}"
        if now is not None:
            mark = "" if now.get(rule_id, 0) == reference.get(rule_id, 0) else "  <- differs"
            line += f" {now.get(rule_id, 0):>8}{mark}"
        print(line)


# --- the command line ----------------------------------------------------------------------------


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stays", type=int, default=SMALL_STAYS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("-o", "--out", type=Path, help="a .json/.xml file (one message) or a folder (the corpus)")
    parser.add_argument("--format", choices=("json", "xml"), help="format of the one message (default: the suffix)")
    parser.add_argument("--write-expected", action="store_true", help="validate the corpus and write tests/fixtures/corpus/expected-N.json")
    parser.add_argument("--save-reference", type=Path, metavar="DIR", help="validate the corpus and keep its canonical report in DIR")
    parser.add_argument("--summary", type=Path, metavar="FILE", help="with --save-reference: write the counts and sha256 to FILE too")
    parser.add_argument("--compare", action="store_true", help="validate the corpus and compare with the saved reference")
    parser.add_argument("--reference", type=Path, default=DATA / "corpus-reference", metavar="DIR")
    parser.add_argument("--kad-spec", dest="executable", metavar="PATH",
                        help="the kad-spec executable that validates (for example an older version's); default: this Python's")
    parser.add_argument("--jobs", help="passed to kad-spec validate --jobs (default: its own default)")
    parser.add_argument("--work", type=Path, default=None, help="folder for the generated corpus (default: benchmarks/data/corpus-N-SEED)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_arguments(argv)
    if args.out is not None and not (args.write_expected or args.save_reference or args.compare):
        return _write_only(args)
    if args.write_expected:
        with tempfile.TemporaryDirectory(prefix="kad-corpus-") as tmp:
            form, digest = _build_and_report(args, Path(tmp))
        write_form(expected_path(args.stays), form, summary(form, args.stays, args.seed, digest))
        print(f"wrote {expected_path(args.stays)}")
        print_counts(rule_counts(form))
        return 0
    form, digest = _build_and_report(args, args.work or DATA / f"corpus-{args.stays}-{args.seed}")
    result = summary(form, args.stays, args.seed, digest)
    if args.save_reference:
        return _save_reference(args, form, result)
    return _compare(args, form, result)


def _build_and_report(args: argparse.Namespace, work: Path) -> tuple[dict, str]:
    extra = ["--jobs", args.jobs] if args.jobs else []
    started = time.perf_counter()
    files = write_corpus(work, args.stays, args.seed)
    generated = time.perf_counter()
    form = canonical(validate(work, extra, args.executable))
    print(f"corpus {work}: {len(form['files'])} files, {sum(f[2] for f in form['files'])} stays, "
          f"{len(form['findings'])} findings (generated in {generated - started:.1f} s, "
          f"validated in {time.perf_counter() - generated:.1f} s)")
    return form, corpus_digest(files)


def _save_reference(args: argparse.Namespace, form: dict, result: dict) -> int:
    args.save_reference.mkdir(parents=True, exist_ok=True)
    stem = f"corpus-{args.stays}-{args.seed}"
    write_form(args.save_reference / f"{stem}.canonical.json.gz", form)
    text = json.dumps(result, indent=2) + "\n"
    (args.save_reference / f"{stem}.summary.json").write_text(text, encoding="utf-8")
    if args.summary:
        args.summary.write_text(text, encoding="utf-8")
    print(f"saved the reference in {args.save_reference}; canonical sha256 {result['canonical_sha256']}")
    print_counts(result["rule_counts"])
    return 0


def _write_only(args) -> int:
    if args.out.suffix in (".json", ".xml"):
        fmt = args.format or args.out.suffix[1:]
        count = write_message(args.out, args.stays, args.seed, fmt)
        print(f"wrote {args.out}: {count} stays ({fmt})")
    else:
        files = write_corpus(args.out, args.stays, args.seed)
        print(f"wrote {len(files)} files in {args.out}; corpus sha256 {corpus_digest(files)}")
    return 0


def _compare(args, form: dict, result: dict) -> int:
    stem = f"corpus-{args.stays}-{args.seed}"
    full = args.reference / f"{stem}.canonical.json.gz"
    committed = FIXTURES / f"reference-{args.stays // 1000}k.json"
    reference = json.loads(committed.read_text(encoding="utf-8")) if committed.exists() else None
    if reference is not None and reference["corpus_sha256"] != result["corpus_sha256"]:
        print(f"the generated corpus differs from the one {committed} describes: the generator or its inputs changed")
    if full.exists():
        saved = read_form(full)
        diff = differences(saved, form)
        print(f"reference {full}")
        print_counts(rule_counts(saved), result["rule_counts"])
        for line in diff:
            print(line)
        print("identical" if not diff else f"{len(diff)} difference line(s)")
        return 0 if not diff else 1
    if reference is None:
        print(f"no reference: neither {full} nor {committed}; run --save-reference first")
        return 2
    print(f"reference {committed} (counts and sha256 only)")
    print_counts(reference["rule_counts"], result["rule_counts"])
    same = reference["canonical_sha256"] == result["canonical_sha256"]
    print("identical (sha256 of the canonical report)" if same else "the canonical report differs")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
