"""Rules: the patient's identity (KAD-ID-*).

One check per stay: the number is classified once and every identity rule reads that result.
Findings never carry the number itself, only its last two digits (``personnr.mask``).
The identifier modules (and python-stdnum with them) load for the first stay the batch check
does not clear: a file of valid numbers never needs them.
"""

from __future__ import annotations


import numpy as np

from kad_spec.ids.weights import K1_WEIGHTS, K2_WEIGHTS
from kad_spec.spec.findings import Hit
from kad_spec.rules import batch_check
from kad_spec.rules.times import stay_times
from kad_spec.message.batch import member

# The rules this module finds (see their entries in model/rules/).
ID_001 = "KAD-ID-001"
ID_002 = "KAD-ID-002"
ID_003 = "KAD-ID-003"
ID_004 = "KAD-ID-004"
ID_005 = "KAD-ID-005"
ID_006 = "KAD-ID-006"
ID_007 = "KAD-ID-007"
ID_008 = "KAD-ID-008"
ID_009 = "KAD-ID-009"

ID_TYPES = frozenset({"FNR", "DNR", "HNR", "FHN", "DUF"})
BIRTH_DATE_KINDS = frozenset({"FNR", "DNR"})  # the kinds whose birth date and sex the rules trust
ALLOWED_IN_TEST = frozenset({"HNR", "FHN"})  # never a real person's national number
CHECK_DIGIT_REASONS = frozenset({"k1", "k2", "checksum"})
AGE_MIN, AGE_MAX = 0, 130  # the model's range for alder

KIND_NAMES = {
    "FNR": ("fødselsnummer", "national identity number"),
    "DNR": ("D-nummer", "D number"),
    "HNR": ("H-nummer", "H number"),
    "FHN": ("FH-nummer", "FH number"),
    "DUF": ("DUF-nummer", "DUF number"),
}
SEX_NAMES = {"1": ("mann", "male"), "2": ("kvinne", "female")}
REASONS = {
    "k1": ("første kontrollsiffer (K1) er feil", "the first check digit (K1) is wrong"),
    "k2": ("andre kontrollsiffer (K2) er feil", "the second check digit (K2) is wrong"),
    "checksum": ("kontrollsifrene er feil", "the check digits are wrong"),
    "day": ("dagen er ikke 01–31 (D-nummer: 41–71)", "the day is not 01–31 (D number: 41–71)"),
    "month": (
        "måneden er ikke 01–12 (H-nummer: 41–52, syntetisk: 81–92), eller dag + 40 og måned + 40 er kombinert",
        "the month is not 01–12 (H number: 41–52, synthetic: 81–92), or day + 40 and month + 40 are combined",
    ),
    "date": ("fødselsdatoen finnes ikke i kalenderen", "the birth date does not exist in the calendar"),
    "century": (
        "individnummeret passer ikke med noe århundre for fødselsåret",
        "the individual number fits no century for the birth year",
    ),
    "year": ("de fire første sifrene er ikke et mulig registreringsår", "the first four digits are not a plausible year of registration"),
}


def form_of(number: str) -> str | None:
    """The id type an 11- or 12-digit number's form says it is, before its check digits are tested.

    None when the form is contradictory (day + 40 and month + 40); the date check reports that.
    """
    if len(number) == 12:
        return "DUF"
    if number[0] in "89":
        return "FHN"
    day = int(number[:2])
    month = int(number[2:4])
    if 41 <= month <= 52:
        return None if day > 40 else "HNR"
    return "DNR" if day > 40 else "FNR"


def _params(id_type: str, number: str, **extra) -> dict:
    from kad_spec.ids import personnr

    nb, en = KIND_NAMES[id_type]
    return {"id_type": id_type, "id_navn": nb, "id_navn_en": en, "id_maskert": personnr.mask(number), **extra}


def _reason(exc) -> tuple[str, str, str]:
    code = getattr(exc, "reason", "format")
    nb, en = REASONS.get(code, (str(exc), str(exc)))
    return code, nb, en


@batch_check
def check_patient(batch, ctx) -> list[tuple[int, Hit]]:
    numbers = batch.column("pasient.id")
    id_types = batch.column("pasient.id_type")
    days = stay_times(batch).day
    patients = batch.column("pasient")
    found = []
    for i in _worth_a_look(batch, numbers, id_types, days, ctx):
        found += [(i, hit) for hit in _check_one(numbers[i], id_types[i], patients[i], days[i], ctx)]
    return found


def _worth_a_look(batch, numbers: list, id_types: list, days: list, ctx) -> list[int]:
    """The stays whose id may give a finding, one by one.

    The usual stay has a valid 11-digit fødselsnummer or D-number whose sex and age agree with
    the stay: those are cleared for the whole batch at once (check digits as two matrix products
    over the digits), and the rest is left to :func:`_check_one`, which words any finding.
    """
    simple = [i for i, (number, id_type) in enumerate(zip(numbers, id_types))
              if id_type in BIRTH_DATE_KINDS and type(number) is str and len(number) == 11
              and number.isascii() and number.isdigit()]
    cleared = _cleared(simple, numbers, id_types, batch, days, ctx) if simple else set()
    return [i for i, (number, id_type) in enumerate(zip(numbers, id_types))
            if type(number) is str and id_type in ID_TYPES and i not in cleared]


# Per digit of an 11-digit number, its weight in: the K1 remainder (weights, K1), the K2
# remainder (weights, K1, K2), day, month, year of century, individual number, and the
# digit that gives the sex. One matrix product reads them all for a batch.
_FIELDS = np.array([
    (*K1_WEIGHTS, 1, 0),
    (*K2_WEIGHTS, 1),
    (10, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0),
    (0, 0, 10, 1, 0, 0, 0, 0, 0, 0, 0),
    (0, 0, 0, 0, 10, 1, 0, 0, 0, 0, 0),
    (0, 0, 0, 0, 0, 0, 100, 10, 1, 0, 0),
    (0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0),
]).T
_ZEROS = 48 * _FIELDS.sum(axis=0)  # what the ASCII "0"s add to each field
# The century of a birth year by the individual number (III) and the year of century (YY), as
# kad_spec.ids.personnr reads it: rows III < 500, 500–749, 750–899, 900–999; columns YY < 40,
# 40–53, 54–99; 0 where no century fits.
_INDIVIDUAL_BANDS, _YEAR_BANDS = np.array((500, 750, 900)), np.array((40, 54))
_CENTURY = np.array(((1900, 1900, 1900), (2000, 0, 1800), (2000, 0, 0), (2000, 1900, 1900)))
_SEX_CODES = {"1": 1, "2": 2}  # Volven 3101 male, female; 0 and 9 say nothing
_LAST_DAY = np.array((0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31) + (0,) * 87)  # 0: no such month


def _cleared(rows: list[int], numbers, id_types, batch, days, ctx) -> set[int]:
    """Of ``rows`` (11 ASCII digits, FNR/DNR ids), those with nothing to report."""
    text = "".join(numbers[i] for i in rows).encode()
    codes = np.frombuffer(text, dtype=np.uint8).reshape(-1, 11).astype(np.int64)
    k1, k2, day, month, yy, individual, sex_digit = (codes @ _FIELDS - _ZEROS).T
    synthetic = month > 80
    month = np.where(synthetic, month - 80, month)
    d_number = day > 40
    day = np.where(d_number, day - 40, day)
    kind_fits = d_number == np.array([id_types[i] == "DNR" for i in rows])
    century = _CENTURY[np.searchsorted(_INDIVIDUAL_BANDS, individual, side="right"),
                       np.searchsorted(_YEAR_BANDS, yy, side="right")]
    year = century + yy
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last_day = _LAST_DAY[month] + ((month == 2) & leap)
    ok = (k1 % 11 == 0) & (k2 % 11 == 0) & (codes[:, 0] < 56) & kind_fits & (day >= 1) & (day <= last_day) & (century > 0)
    ok &= _environment_fits(synthetic, d_number, ctx)
    ok &= _sex_fits(rows, batch, sex_digit % 2 == 1)
    ok &= _age_fits(rows, batch, days, year, month, day)
    return {rows[k] for k in np.flatnonzero(ok).tolist()}


def _environment_fits(synthetic, d_number, ctx):
    miljo = ctx.miljo
    if miljo == "produksjon":
        return ~synthetic
    if miljo == "test":
        return synthetic  # a real person's FNR or DNR in a test message is KAD-ID-006
    return np.ones(len(synthetic), dtype=bool)


def _sex_fits(rows, batch, male):
    sexes = batch.column("pasient.kjonn")
    given = np.array([_SEX_CODES.get(sexes[i], 0) if type(sexes[i]) is str else 0 for i in rows])
    return (given == 0) | (given == np.where(male, 1, 2))


def _age_fits(rows, batch, days, year, month, day):
    ages = batch.column("pasient.alder")
    given = np.array([ages[i] if type(ages[i]) is int and AGE_MIN <= ages[i] <= AGE_MAX else -1 for i in rows])
    floats = np.array([type(ages[i]) is float for i in rows])  # 70.0: one by one
    on = [days[i] for i in rows]
    known = np.array([d is not None for d in on])
    y = np.array([d.year if d is not None else 0 for d in on])
    m = np.array([d.month if d is not None else 0 for d in on])
    d_ = np.array([d.day if d is not None else 0 for d in on])
    computed = y - year - ((m < month) | ((m == month) & (d_ < day)))
    return ~floats & ((given < 0) | ~known | (computed == given))


def _check_one(number, id_type, patient, day, ctx) -> list[Hit]:
    # Wrong shape or an unknown id_type are the schema's findings; nothing more to say here.
    if id_type not in ID_TYPES or not isinstance(number, str) or len(number) not in (11, 12):
        return []
    if not (number.isascii() and number.isdigit()):
        return []
    from kad_spec.ids import personnr
    from kad_spec.ids.exceptions import ValidationError

    if id_type == "DUF" or len(number) == 12:
        form = form_of(number)
        if form is not None and form != id_type:
            return [_mismatch(id_type, form, number)]
        return _check_duf(number, ctx)  # an 11-digit number of no form is no DUF number either
    try:
        person = personnr.classify(number)
    except ValidationError as exc:
        # An invalid number: if its form says another type, that is the clearer finding.
        form = form_of(number)
        if form is not None and form != id_type:
            return [_mismatch(id_type, form, number)]
        code, nb, en = _reason(exc)
        rule = ID_001 if code in CHECK_DIGIT_REASONS else ID_002
        return [Hit(rule, "/pasient/id", _params(id_type, number, arsak=nb, arsak_en=en))]
    if person.kind != id_type:
        return [_mismatch(id_type, person.kind, number)]
    hits = _environment(person.synthetic, id_type, number, ctx)
    if person.kind in BIRTH_DATE_KINDS:
        _sex_and_age(person, patient, day, number, hits)
    return hits


def _mismatch(id_type: str, form: str, number: str) -> Hit:
    form_nb, form_en = KIND_NAMES[form]
    return Hit(ID_003, "/pasient/id_type", _params(id_type, number, form=form_nb, form_en=form_en))


def _check_duf(number: str, ctx) -> list[Hit]:
    from kad_spec.ids import duf
    from kad_spec.ids.exceptions import ValidationError

    try:
        # Year and check digits (weights 4,6,3,2,4,6,3,2,7,5; sum mod 11 as 00–10), see kad_spec.ids.duf.
        duf.validate(number)
    except ValidationError as exc:
        _, nb, en = _reason(exc)
        return [Hit(ID_004, "/pasient/id", _params("DUF", number, arsak=nb, arsak_en=en))]
    return _environment(False, "DUF", number, ctx)


def _environment(synthetic: bool, id_type: str, number: str, ctx) -> list[Hit]:
    """Synthetic persons only in test; real persons only in production."""
    miljo = ctx.miljo
    if synthetic and miljo == "produksjon":
        return [Hit(ID_005, "/pasient/id", _params(id_type, number))]
    if not synthetic and miljo == "test" and id_type not in ALLOWED_IN_TEST:
        return [Hit(ID_006, "/pasient/id", _params(id_type, number))]
    return []


def _sex_and_age(person, patient: dict, day, number: str, hits: list[Hit]) -> None:
    sex = member(patient, "kjonn")
    # 2032-scheme numbers carry no sex (person.sex is None); 0 and 9 say "not known".
    if person.sex is not None and sex in ("1", "2") and sex != person.sex:
        hits.append(Hit(ID_007, "/pasient/kjonn", _params(
            person.kind, number, kjonn=sex, kjonn_id=person.sex,
            kjonn_tekst=SEX_NAMES[sex][0], kjonn_tekst_en=SEX_NAMES[sex][1],
            kjonn_id_tekst=SEX_NAMES[person.sex][0], kjonn_id_tekst_en=SEX_NAMES[person.sex][1])))
    age = member(patient, "alder")
    if type(age) is float and age.is_integer():
        age = int(age)  # 70.0 is the integer 70, as JSON Schema's "integer" has it: the same check
    born = person.birth_date
    # An age outside 0–130 is the schema's range finding (KAD-STR-005); one finding is enough.
    # No birth date (a Tenor or 2032 number whose individual number gives no century): nothing to say.
    if type(age) is not int or not AGE_MIN <= age <= AGE_MAX or day is None or born is None:
        return
    computed = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if computed != age:
        hits.append(Hit(_age_rule(person), "/pasient/alder", _params(
            person.kind, number, alder=age, beregnet=computed, dato=day.isoformat())))


def _age_rule(person) -> str:
    """KAD-ID-008 (error) for a classic fødselsnummer, whose date is the birth date.

    A D-number may be built on another date (UDI: the registration date, when no number is free
    for the birth date), and from 2032 any new number may: then a mismatch is KAD-ID-009, a warning.
    """
    return ID_008 if person.kind == "FNR" and person.scheme == "classic" else ID_009
