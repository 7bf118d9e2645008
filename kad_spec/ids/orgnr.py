"""Organisasjonsnummer (Enhetsregisteret): 9 digits, mod-11 check digit.

Validation is python-stdnum's ``stdnum.no.orgnr``; this module adds reason
codes to its exceptions and a generator for test organisations. Test data use
numbers starting with 3, the series Tenor-style test organisations use, which
is outside the ranges Enhetsregisteret hands out (8 and 9).

python-stdnum loads when a number has to be compacted, explained or formatted: ``is_valid``
on nine digits (every organisation number of a validation run) is the same mod-11 sum as
stdnum's, reckoned here.
"""

from __future__ import annotations

import random

__all__ = ["compact", "validate", "is_valid", "format", "calc_check_digit", "synthetic"]

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def _stdnum_orgnr():
    from stdnum.no import orgnr

    return orgnr


def compact(number: str) -> str:
    """Strip whitespace (as stdnum does)."""
    from kad_spec.ids.exceptions import InvalidFormat, error

    if not isinstance(number, str):
        raise error(InvalidFormat, "format", "An organisation number must be given as text.")
    return _stdnum_orgnr().compact(number)


def validate(number: str) -> str:
    """Return the compact number if valid; raise a ValidationError if not."""
    from kad_spec.ids.exceptions import InvalidChecksum, InvalidFormat, InvalidLength, error

    number = compact(number)
    if not number:
        raise error(InvalidLength, "length", "An organisation number has 9 digits, not 0.")
    try:
        return _stdnum_orgnr().validate(number)
    except InvalidLength:
        raise error(
            InvalidLength, "length", f"An organisation number has 9 digits, not {len(number)}."
        ) from None
    except InvalidFormat:
        raise error(
            InvalidFormat, "format", "An organisation number has 9 digits and nothing else."
        ) from None
    except InvalidChecksum:
        raise error(
            InvalidChecksum, "checksum", "The check digit (the last digit) is wrong."
        ) from None


def is_valid(number: str) -> bool:
    """True when the number is a valid organisation number."""
    if not isinstance(number, str):
        return False
    if len(number) == 9 and number.isascii() and number.isdigit():
        # stdnum's test: the weighted sum of all nine digits (weights WEIGHTS, 1) is 0 mod 11.
        return calc_check_digit(number[:8]) == number[8]
    return _stdnum_orgnr().is_valid(number)


def format(number: str) -> str:  # noqa: A001 - stdnum's name
    """Print form: '123 456 789'."""
    return _stdnum_orgnr().format(number)


def calc_check_digit(first_eight: str) -> str | None:
    """11 − (weighted sum mod 11), 11 → 0; None when that would be 10."""
    check = (11 - sum(w * int(c) for w, c in zip(WEIGHTS, first_eight)) % 11) % 11
    return None if check == 10 else str(check)


def synthetic(rng: random.Random) -> str:
    """A valid test organisation number starting with 3."""
    while True:
        first_eight = "3" + "".join(str(rng.randrange(10)) for _ in range(7))
        check = calc_check_digit(first_eight)
        if check is not None:
            return first_eight + check
