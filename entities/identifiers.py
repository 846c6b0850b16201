"""Provider and organisation identifiers: NPI, TIN, CCN. Pure functions, no database.

Formats from domain.md section 8.4:
* NPI: 10 digits; the last is a Luhn check digit computed over "80840" + the first 9 digits.
* TIN: 9 digits (EIN or SSN); dashes and spaces are stripped, short numbers are zero-padded.
* CCN: 6 characters, 2-digit state code then a 4-character serial (a letter may sit in
  position 3 for subunits).
Each validator raises Django's ValidationError with a message that names the value.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

NPI_PREFIX = "80840"
_CCN_RE = re.compile(r"^[0-9]{2}[0-9A-Z][0-9A-Z]{3}$")


def luhn_check_digit(digits: str) -> int:
    """The Luhn check digit that completes `digits` (a string of decimal digits)."""
    total = 0
    # Walk from the right: the digit next to the (future) check digit is doubled.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_check_digit(first_nine: str) -> int:
    """The NPI check digit for its first nine digits (Luhn over "80840" + the nine digits)."""
    return luhn_check_digit(NPI_PREFIX + first_nine)


def is_valid_npi(value: str) -> bool:
    return (
        len(value) == 10
        and value.isascii()
        and value.isdigit()
        and int(value[9]) == npi_check_digit(value[:9])
    )


def validate_npi(value: str) -> None:
    """Raise a ValidationError naming the NPI when it is not 10 digits with a valid check digit."""
    if not (len(value) == 10 and value.isascii() and value.isdigit()):
        raise ValidationError(
            "NPI %(npi)s is not valid: an NPI is exactly 10 digits.",
            code="npi_format",
            params={"npi": value},
        )
    if not is_valid_npi(value):
        raise ValidationError(
            "NPI %(npi)s is not valid: its check digit should be %(digit)s (typing error?).",
            code="npi_check_digit",
            params={"npi": value, "digit": npi_check_digit(value[:9])},
        )


def normalize_tin(value: str) -> str:
    """Strip dashes and spaces and zero-pad to 9 digits (CCLF holds TINs in a 10-character field)."""
    cleaned = value.strip().replace("-", "").replace(" ", "")
    if cleaned.isascii() and cleaned.isdigit() and len(cleaned) < 9:
        cleaned = cleaned.zfill(9)
    return cleaned


def validate_tin(value: str) -> None:
    if not (len(value) == 9 and value.isascii() and value.isdigit()):
        raise ValidationError(
            "TIN %(tin)s is not valid: a TIN is 9 digits (an EIN such as 12-3456789, without the dash).",
            code="tin_format",
            params={"tin": value},
        )


def normalize_ccn(value: str) -> str:
    return value.strip().upper()


def validate_ccn(value: str) -> None:
    if not _CCN_RE.match(value):
        raise ValidationError(
            "CCN %(ccn)s is not valid: a CCN is 6 characters, a 2-digit state code then a 4-character "
            "facility number (for example 450001).",
            code="ccn_format",
            params={"ccn": value},
        )
