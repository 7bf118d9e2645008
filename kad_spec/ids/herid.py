"""HER-id: the id of a communication party in Adresseregisteret (Norsk helsenett).

A HER-id is a positive integer without a check digit, so only its shape can
be checked: digits only, no leading zero, 1 to 9 digits. The upper bound of
9 digits keeps every HER-id within a signed 32-bit integer (the largest
9-digit number, 999 999 999, is below 2 147 483 647), which is how systems
that exchange HER-ids store them; ids in use today have 5 to 8 digits.
"""

from __future__ import annotations

from kad_spec.ids.exceptions import InvalidComponent, InvalidFormat, InvalidLength, error

__all__ = ["compact", "validate", "is_valid", "MAX_DIGITS"]

MAX_DIGITS = 9


def compact(number: str | int) -> str:
    """Strip surrounding whitespace; an int (as JSON may carry it) becomes text."""
    if isinstance(number, bool) or not isinstance(number, (str, int)):
        raise error(InvalidFormat, "format", "A HER-id must be given as text or an integer.")
    return str(number).strip()


def validate(number: str | int) -> str:
    """Return the compact HER-id if valid; raise a ValidationError if not."""
    number = compact(number)
    if number and not (number.isascii() and number.isdigit()):
        raise error(InvalidFormat, "format", "A HER-id has digits only.")
    if not 1 <= len(number) <= MAX_DIGITS:
        raise error(
            InvalidLength, "length", f"A HER-id has 1 to {MAX_DIGITS} digits, not {len(number)}."
        )
    if number[0] == "0":
        raise error(InvalidComponent, "leading_zero", "A HER-id is a positive number without leading zeros.")
    return number


def is_valid(number: str | int) -> bool:
    """True when the value has the shape of a HER-id."""
    try:
        validate(number)
    except ValueError:  # ValidationError is a ValueError
        return False
    return True
