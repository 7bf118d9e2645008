"""DUF-nummer: the case number UDI gives everyone who applies to stay in Norway.

Shape: 12 digits, ``YYYY NNNNNN CC``: the four-digit year of registration,
a six-digit serial number and two check digits.

Check digits: UDI publishes no specification. The algorithm used here is the
one in Statistics Norway's public KOSTRA validators (barnevern, sosialhjelp),
which check real DUF-numbers: the first ten digits are weighted
4,6,3,2,4,6,3,2,7,5, and the weighted sum mod 11, written with two digits
(00–10), must equal the last two digits. Because that source is a consumer
and not the issuer, the check can be switched off (``check_digits=False``)
so that a rule can fall back to the shape test alone.

The year must be plausible: 1900 up to the current year.
"""

from __future__ import annotations

import random
from datetime import date

from kad_spec.ids.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength, error

__all__ = ["compact", "validate", "is_valid", "synthetic", "WEIGHTS", "FIRST_YEAR"]

WEIGHTS = (4, 6, 3, 2, 4, 6, 3, 2, 7, 5)
FIRST_YEAR = 1900
_SEPARATORS = str.maketrans("", "", " -:.\t")


def compact(number: str) -> str:
    """Strip surrounding whitespace and the separators ' ', '-', ':', '.'."""
    if not isinstance(number, str):
        raise error(InvalidFormat, "format", "A DUF-number must be given as text.")
    return number.strip().translate(_SEPARATORS)


def calc_check_digits(first_ten: str) -> str:
    """The two check digits for the first ten digits: weighted sum mod 11."""
    return "%02d" % (sum(w * int(c) for w, c in zip(WEIGHTS, first_ten)) % 11)


def validate(number: str, *, check_digits: bool = True) -> str:
    """Return the compact number if valid; raise a ValidationError if not."""
    number = compact(number)
    if number and not (number.isascii() and number.isdigit()):
        raise error(InvalidFormat, "format", "A DUF-number has 12 digits and nothing else.")
    if len(number) != 12:
        raise error(InvalidLength, "length", f"A DUF-number has 12 digits, not {len(number)}.")
    year = int(number[:4])
    if not FIRST_YEAR <= year <= date.today().year:
        raise error(
            InvalidComponent,
            "year",
            f"The first four digits ({year}) are not a plausible year of registration.",
        )
    if check_digits and number[10:] != calc_check_digits(number[:10]):
        raise error(InvalidChecksum, "checksum", "The check digits (the last two) are wrong.")
    return number


def is_valid(number: str, *, check_digits: bool = True) -> bool:
    """True when the number is a valid DUF-number."""
    try:
        validate(number, check_digits=check_digits)
    except (ValueError, TypeError):  # ValidationError is a ValueError
        return False
    return True


def synthetic(rng: random.Random, year: int | None = None) -> str:
    """A DUF-number with valid check digits, for test data."""
    if year is None:
        year = rng.randint(2000, date.today().year)
    first_ten = f"{year:04d}{rng.randrange(1_000_000):06d}"
    return first_ten + calc_check_digits(first_ten)
