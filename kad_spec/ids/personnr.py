"""Norwegian 11-digit person numbers: fødselsnummer, D-, H- and FH-nummer.

Layout: ``DDMMYY III K1 K2`` (birth date, individual number, two check digits).

Kinds (``PersonId.kind``, Volven 8116 codes):

* ``FNR`` fødselsnummer: day 01–31, month 01–12.
* ``DNR`` D-nummer: day + 40 (41–71).
* ``HNR`` H-nummer (local help number): month + 40 (41–52).
* ``FHN`` FH-nummer: first digit 8 or 9; the other digits carry no meaning,
  so there is no birth date and no sex.

Skatteetaten's Tenor test persons add 80 to the month of an FNR or a DNR
(``PersonId.synthetic``); they are valid numbers here, and whether one is
acceptable in a given environment (``miljo``) is for the validator's rules to
decide. A number with both day + 40 and month + 40 is
rejected: no issuer uses that combination, and it is more likely a typo.

Check digits, weights K1 = 3,7,6,1,8,9,4,5,2 over the first nine digits and
K2 = 5,4,3,2,7,6,5,4,3,2 over the first nine digits and K1. Written as a
remainder: ``r1 = (weighted sum of the first nine + K1) mod 11`` and
``r2 = (weighted sum of the first ten + K2) mod 11``.

* classic scheme: r1 == 0 and r2 == 0 (equivalently K = 11 − sum mod 11,
  11 → 0, 10 → no valid number).
* 2032 scheme (numbers issued from 1.1.2032): K1 may be any digit with
  r1 in {0, 1, 2, 3}; K2 is still computed from the actual K1 (r2 == 0).

How a 2032-scheme number is recognised: r1 in {1, 2, 3} with r2 == 0. Such a
number fails the classic K1 test, so the two schemes never overlap and every
classic number is reported as ``classic`` (a number issued after 2032 that
happens to have r1 == 0 cannot be told apart; it is reported as classic).
The 2032 scheme is Skatteetaten's, so it is accepted for FNR and DNR (Tenor
synthetic ones included) only; H- and FH-numbers must pass the classic test.
Sex cannot be read from a 2032-scheme number, so ``sex`` is ``None`` for one.

Century from the individual number III: 000–499 → 1900–1999; 500–749 with
YY 54–99 → 1854–1899; 500–999 with YY 00–39 → 2000–2039; 900–999 with
YY 40–99 → 1940–1999. The table describes numbers issued to real persons
before 2032, so any other combination is invalid for a classic FNR, DNR or
HNR, but not for Tenor synthetic numbers nor 2032-scheme numbers (from 2032
"the individual number no longer gives the century"): those are valid with
``birth_date`` and ``sex`` None, as Skatteetaten's reference validator and
test vectors have it (D-numbers 41819077906, 41819077302). After removing the
offsets the birth date must be a real calendar date. A birth date in the
future is not rejected here: whether that is wrong depends on the message
date, which the validator knows and this module does not.

Sex (Volven 3101): the third individual digit odd → ``"1"`` (mann), even →
``"2"`` (kvinne).

Performance: ``classify`` runs on the validation hot path, so it uses plain
int arithmetic on the digits and raises no exception for a valid number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from kad_spec.ids.weights import K1_WEIGHTS, K2_WEIGHTS
from kad_spec.ids.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
    error,
)

__all__ = [
    "PersonId",
    "compact",
    "validate",
    "is_valid",
    "classify",
    "age_on",
    "mask",
    "synthetic",
    "synthetic_fh",
]


# Separators people type inside a number; deleted by compact().
_SEPARATORS = str.maketrans("", "", " -:.\t")
# Maps ASCII '0'..'9' to byte values 0..9, so a whole number unpacks to ints
# in one C call instead of eleven int() calls.
_ASCII_TO_DIGIT = bytes.maketrans(b"0123456789", bytes(range(10)))
_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


@dataclass(frozen=True, slots=True)
class PersonId:
    """What an 11-digit person number says about itself (never the number)."""

    kind: str  # "FNR" | "DNR" | "HNR" | "FHN"
    synthetic: bool  # Tenor test person (month + 80)
    scheme: str  # "classic" | "2032"
    birth_date: date | None  # None for FHN, and when the individual number gives no century
    sex: str | None  # Volven 3101 "1"/"2"; None for FHN, the 2032 scheme and without a birth date


_FH = PersonId(kind="FHN", synthetic=False, scheme="classic", birth_date=None, sex=None)


def compact(number: str) -> str:
    """Strip surrounding whitespace and the separators ' ', '-', ':', '.'."""
    if not isinstance(number, str):
        raise error(InvalidFormat, "format", "A person number must be given as text.")
    return number.strip().translate(_SEPARATORS)


def classify(number: str) -> PersonId:
    """Validate a person number and tell what it is; raises ValidationError."""
    result = _analyse(compact(number))
    if type(result) is PersonId:
        return result
    raise error(*result)


def validate(number: str) -> str:
    """Return the compact number if valid; raise a ValidationError if not."""
    number = compact(number)
    result = _analyse(number)
    if type(result) is PersonId:
        return number
    raise error(*result)


def is_valid(number: str) -> bool:
    """True when the number is a valid person number of any kind."""
    if not isinstance(number, str):
        return False
    return type(_analyse(compact(number))) is PersonId


def age_on(number: str, day: date) -> int | None:
    """Completed years on ``day``; None when the number gives no birth date (FH-number, or a
    Tenor/2032-scheme number whose individual number fits no century).

    Raises ValidationError for an invalid number. A day before the birth date
    gives a negative number, so a caller can tell "born after" from "age 0".
    Someone born on 29 February turns a year older on 1 March in other years.
    """
    born = classify(number).birth_date
    if born is None:
        return None
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask(number: object) -> str:
    """Hide all but the last two characters: '*********45'. Never raises."""
    if number is None:
        return ""
    text = number.strip() if isinstance(number, str) else str(number).strip()
    if len(text) <= 2:
        return "*" * len(text)
    return "*" * (len(text) - 2) + text[-2:]


# --------------------------------------------------------------------------
# Core check. Returns a PersonId, or the (exception class, reason, message)
# to raise, so that is_valid() needs no try/except.


def _analyse(number: str):
    if len(number) != 11:
        if not number or (number.isascii() and number.isdigit()):
            return (InvalidLength, "length", f"A person number has 11 digits, not {len(number)}.")
        return (InvalidFormat, "format", "A person number has 11 digits and nothing else.")
    if not (number.isascii() and number.isdigit()):
        return (InvalidFormat, "format", "A person number has 11 digits and nothing else.")

    d0, d1, d2, d3, d4, d5, d6, d7, d8, d9, d10 = number.encode().translate(_ASCII_TO_DIGIT)
    r1 = (3 * d0 + 7 * d1 + 6 * d2 + d3 + 8 * d4 + 9 * d5 + 4 * d6 + 5 * d7 + 2 * d8 + d9) % 11
    r2 = (
        5 * d0 + 4 * d1 + 3 * d2 + 2 * d3 + 7 * d4 + 6 * d5 + 5 * d6 + 4 * d7 + 3 * d8 + 2 * d9 + d10
    ) % 11

    if d0 >= 8:  # FH-number: only the check digits mean anything
        if r1:
            return (InvalidChecksum, "k1", "The first check digit (K1) of the FH-number is wrong.")
        if r2:
            return (InvalidChecksum, "k2", "The second check digit (K2) of the FH-number is wrong.")
        return _FH

    day = d0 * 10 + d1
    month = d2 * 10 + d3
    kind = "FNR"
    synthetic = False
    if month > 80:
        month -= 80
        synthetic = True
    elif month > 40:
        month -= 40
        kind = "HNR"
    if day > 40:
        if kind == "HNR":
            return (
                InvalidComponent,
                "month",
                "Day + 40 (D-number) and month + 40 (H-number) cannot be combined.",
            )
        day -= 40
        kind = "DNR"

    if r1 > 3 or (r1 and kind == "HNR"):
        return (InvalidChecksum, "k1", "The first check digit (K1) is wrong.")
    if r2:
        return (InvalidChecksum, "k2", "The second check digit (K2) is wrong.")

    if not 1 <= month <= 12:
        return (InvalidComponent, "month", "The month is not 01–12, +40 (H-number) or +80 (Tenor).")
    if not 1 <= day <= 31:
        return (InvalidComponent, "day", "The day is not 01–31 or +40 (D-number).")
    year = _year(d4 * 10 + d5, d6 * 100 + d7 * 10 + d8)
    if year is None:
        if synthetic or r1:
            return _without_birth_year(kind, synthetic, "2032" if r1 else "classic", day, month)
        return (
            InvalidComponent,
            "century",
            "The individual number does not fit any century for this birth year.",
        )
    if day > _DAYS_IN_MONTH[month] and not (
        month == 2 and day == 29 and year % 4 == 0 and (year % 100 or year % 400 == 0)
    ):
        return (InvalidComponent, "date", "The birth date does not exist in the calendar.")

    if r1:
        return PersonId(kind, synthetic, "2032", date(year, month, day), None)
    return PersonId(kind, synthetic, "classic", date(year, month, day), "1" if d8 & 1 else "2")


def _without_birth_year(kind: str, synthetic: bool, scheme: str, day: int, month: int):
    """A Tenor or 2032-scheme number whose individual number fits no century: valid, no birth date.

    The century table describes numbers issued to real persons before 2032; Skatteetaten's own
    validator accepts such synthetic numbers (e.g. the test vectors 41819077906, 41819077302).
    Without a year there is nothing to check sex or age against, so both are None.
    """
    if day > _DAYS_IN_MONTH[month] and not (month == 2 and day == 29):
        return (InvalidComponent, "date", "The birth date does not exist in the calendar.")
    return PersonId(kind, synthetic, scheme, None, None)


def _year(yy: int, individual: int) -> int | None:
    """Four-digit birth year from YY and the individual number, or None."""
    if individual < 500:
        return 1900 + yy
    if individual < 750 and yy >= 54:
        return 1800 + yy
    if yy < 40:
        return 2000 + yy
    if individual >= 900:
        return 1900 + yy
    return None


# --------------------------------------------------------------------------
# Test data generators (synthetic persons only).


def _classic_check_digit(digits: str, weights: tuple[int, ...]) -> int | None:
    """11 − (weighted sum mod 11), 11 → 0; None when that would be 10."""
    check = (11 - sum(w * int(c) for w, c in zip(weights, digits)) % 11) % 11
    return None if check == 10 else check


def _individual_ranges(year: int) -> tuple[tuple[int, int], ...]:
    if 1854 <= year <= 1899:
        return ((500, 749),)
    if 1900 <= year <= 1939:
        return ((0, 499),)
    if 1940 <= year <= 1999:
        return ((0, 499), (900, 999))
    if 2000 <= year <= 2039:
        return ((500, 999),)
    raise ValueError(f"Birth year {year} cannot be written in a person number (1854–2039).")


def synthetic(
    birth_date: date,
    sex: str,
    rng: random.Random,
    d_number: bool = False,
    scheme: str = "classic",
) -> str:
    """A valid Tenor synthetic number (month + 80) for the given person.

    ``sex`` is "1" (mann) or "2" (kvinne) and sets the parity of the third
    individual digit. ``d_number`` adds 40 to the day. ``scheme="2032"``
    draws K1 so that its remainder is 1–3 (then sex cannot be read back).
    """
    if sex not in ("1", "2"):
        raise ValueError('sex must be "1" (mann) or "2" (kvinne)')
    if scheme not in ("classic", "2032"):
        raise ValueError('scheme must be "classic" or "2032"')
    ranges = _individual_ranges(birth_date.year)
    day = birth_date.day + (40 if d_number else 0)
    prefix = f"{day:02d}{birth_date.month + 80:02d}{birth_date.year % 100:02d}"
    odd = 1 if sex == "1" else 0
    while True:  # about 1 in 5 draws is rejected for a check digit of 10
        low, high = rng.choice(ranges)
        # Ranges start even and end odd, so fixing the parity stays inside.
        individual = (rng.randint(low, high) & ~1) | odd
        nine = f"{prefix}{individual:03d}"
        k1 = _pick_k1(nine, scheme, rng)
        if k1 is None:
            continue
        k2 = _classic_check_digit(nine + str(k1), K2_WEIGHTS)
        if k2 is not None:
            return f"{nine}{k1}{k2}"


def _pick_k1(nine: str, scheme: str, rng: random.Random) -> int | None:
    if scheme == "classic":
        return _classic_check_digit(nine, K1_WEIGHTS)
    weighted = sum(w * int(c) for w, c in zip(K1_WEIGHTS, nine))
    choices = [k for k in range(10) if (weighted + k) % 11 in (1, 2, 3)]
    return rng.choice(choices) if choices else None


def synthetic_fh(rng: random.Random) -> str:
    """A valid FH-number: first digit 8 or 9, random digits, check digits."""
    while True:
        nine = str(rng.choice((8, 9))) + "".join(str(rng.randrange(10)) for _ in range(8))
        k1 = _classic_check_digit(nine, K1_WEIGHTS)
        if k1 is None:
            continue
        k2 = _classic_check_digit(nine + str(k1), K2_WEIGHTS)
        if k2 is not None:
            return f"{nine}{k1}{k2}"
