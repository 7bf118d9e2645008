"""Tests for kad_spec.ids.duf, .orgnr and .herid. Test orgnr values start with 3."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
    ValidationError,
)

from kad_spec.ids import duf, herid, orgnr

# --- DUF ------------------------------------------------------------------------

DUF_WEIGHTS = (4, 6, 3, 2, 4, 6, 3, 2, 7, 5)


def duf_check(first_ten: str) -> str:
    """Independent: weighted sum mod 11, as two digits."""
    return f"{sum(int(c) * w for c, w in zip(first_ten, DUF_WEIGHTS)) % 11:02d}"


VALID_DUF = ["201912345606", "200100000104", "201576543207", "202000000810"]


@pytest.mark.parametrize("number", VALID_DUF)
def test_duf_known_values(number):
    assert duf_check(number[:10]) == number[10:]
    assert duf.validate(number) == number
    assert duf.is_valid(number)


def test_duf_remainder_ten_is_written_10():
    assert duf.calc_check_digits("2020000008") == "10"


def test_duf_compact_strips_separators():
    assert duf.validate(" 2019 123456 06 ") == "201912345606"
    assert duf.validate("2019-123456-06") == "201912345606"


@pytest.mark.parametrize(
    ("value", "exc", "reason"),
    [
        ("20191234560", InvalidLength, "length"),
        ("2019123456060", InvalidLength, "length"),
        ("20191234560x", InvalidFormat, "format"),
        ("", InvalidLength, "length"),
        (None, InvalidFormat, "format"),
        ("189912345600", InvalidComponent, "year"),
        (f"{date.today().year + 1}12345600", InvalidComponent, "year"),
        ("201912345607", InvalidChecksum, "checksum"),
    ],
)
def test_duf_errors(value, exc, reason):
    with pytest.raises(exc) as info:
        duf.validate(value)
    assert info.value.reason == reason
    assert str(info.value)
    assert not duf.is_valid(value)


def test_duf_shape_only_when_check_digits_are_switched_off():
    assert duf.is_valid("201912345607", check_digits=False)
    assert not duf.is_valid("189912345600", check_digits=False)
    assert not duf.is_valid("20191234560", check_digits=False)


@given(st.integers(0, 2**32))
def test_duf_synthetic_is_valid(seed):
    number = duf.synthetic(random.Random(seed))
    assert duf.is_valid(number)
    assert duf_check(number[:10]) == number[10:]
    assert duf.synthetic(random.Random(seed), year=2010).startswith("2010")


# --- organisasjonsnummer --------------------------------------------------------

VALID_ORGNR = ["310000000", "312345676", "399999995", "300000010"]


@pytest.mark.parametrize("number", VALID_ORGNR)
def test_orgnr_known_values(number):
    assert orgnr.validate(number) == number
    assert orgnr.is_valid(number)


def test_orgnr_format_and_compact():
    assert orgnr.format("312345676") == "312 345 676"
    assert orgnr.validate(" 312 345 676 ") == "312345676"


@pytest.mark.parametrize(
    ("value", "exc", "reason"),
    [
        ("312345677", InvalidChecksum, "checksum"),
        ("31234567", InvalidLength, "length"),
        ("", InvalidLength, "length"),
        ("3123456760", InvalidLength, "length"),
        ("31234567x", InvalidFormat, "format"),
        (312345676, InvalidFormat, "format"),
    ],
)
def test_orgnr_errors(value, exc, reason):
    with pytest.raises(exc) as info:
        orgnr.validate(value)
    assert info.value.reason == reason
    assert isinstance(info.value, ValidationError)
    assert not orgnr.is_valid(value)


def test_orgnr_every_wrong_check_digit_is_rejected():
    for last in "0123456789":
        assert orgnr.is_valid("31234567" + last) == (last == "6")


@given(st.integers(0, 2**32))
def test_orgnr_synthetic_starts_with_3_and_is_valid(seed):
    number = orgnr.synthetic(random.Random(seed))
    assert number.startswith("3")
    assert len(number) == 9
    assert orgnr.is_valid(number)


# --- HER-id ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "79768", "8090923", "999999999", 8090923, " 123 "])
def test_herid_valid(value):
    assert herid.is_valid(value)
    assert herid.validate(value) == str(value).strip()


@pytest.mark.parametrize(
    ("value", "exc", "reason"),
    [
        ("0", InvalidComponent, "leading_zero"),
        ("0123", InvalidComponent, "leading_zero"),
        ("", InvalidLength, "length"),
        ("1000000000", InvalidLength, "length"),
        ("12a", InvalidFormat, "format"),
        ("-5", InvalidFormat, "format"),
        ("1 2", InvalidFormat, "format"),
        (-5, InvalidFormat, "format"),
        (True, InvalidFormat, "format"),
        (None, InvalidFormat, "format"),
        (1.5, InvalidFormat, "format"),
    ],
)
def test_herid_invalid(value, exc, reason):
    with pytest.raises(exc) as info:
        herid.validate(value)
    assert info.value.reason == reason
    assert not herid.is_valid(value)


def test_package_exports_all_modules():
    import kad_spec.ids as ids

    for name in ("duf", "exceptions", "herid", "orgnr", "personnr"):
        assert hasattr(ids, name)
    assert ids.exceptions.ValidationError is ValidationError
