"""NPI, TIN and CCN formats (domain.md 8.4). Pure functions: no database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from entities.identifiers import (
    is_valid_npi,
    normalize_tin,
    npi_check_digit,
    validate_ccn,
    validate_npi,
    validate_tin,
)


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1003000126"])
def test_it_accepts_npis_with_a_valid_check_digit(npi: str) -> None:
    assert is_valid_npi(npi)
    validate_npi(npi)


def test_it_rejects_an_npi_with_a_wrong_check_digit_and_names_it() -> None:
    assert not is_valid_npi("1234567890")
    with pytest.raises(ValidationError) as excinfo:
        validate_npi("1234567890")
    assert "1234567890" in excinfo.value.messages[0]
    assert "check digit should be 3" in excinfo.value.messages[0]


@pytest.mark.parametrize(
    "npi", ["123456789", "12345678931", "12345A7893", "", "１２３４５６７８９３"]
)
def test_it_rejects_npis_that_are_not_ten_ascii_digits(npi: str) -> None:
    with pytest.raises(ValidationError, match="exactly 10 digits"):
        validate_npi(npi)


def test_the_check_digit_is_luhn_over_80840_plus_the_first_nine_digits() -> None:
    # Equivalent formulation from domain.md 8.4: Luhn over the first nine digits plus 24.
    for first_nine in ("123456789", "124531959", "100300012", "199999999"):
        doubled = 0
        for i, ch in enumerate(reversed(first_nine)):
            d = int(ch) * (2 if i % 2 == 0 else 1)
            doubled += d - 9 if d > 9 else d
        assert npi_check_digit(first_nine) == (10 - (doubled + 24) % 10) % 10


def test_tins_are_nine_digits_after_stripping_dashes_and_padding() -> None:
    assert normalize_tin("12-3456789") == "123456789"
    assert normalize_tin(" 1234567 ") == "001234567"
    validate_tin("123456789")
    with pytest.raises(ValidationError, match="TIN 12345678X"):
        validate_tin("12345678X")


def test_ccns_are_six_characters_with_a_state_code_first() -> None:
    validate_ccn("450001")
    validate_ccn("05T123")
    for bad in ("45001", "4500011", "AB0001"):
        with pytest.raises(ValidationError, match=f"CCN {bad}"):
            validate_ccn(bad)
