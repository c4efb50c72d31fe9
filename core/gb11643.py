"""Citizen identity numbers (公民身份号码, GB 11643-1999): the shape and the check digit (ISO 7064
MOD 11-2), in one place for the card reader driver, the kiosk's query and the county's case store."""

from __future__ import annotations

import re

_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))  # 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2
_CHECK_CHARS = "10X98765432"  # indexed by (weighted sum mod 11)
ID_NUMBER_PATTERN = r"^[0-9]{17}[0-9X]$"  # upper-case X; models upper-case before they check
_SHAPE = re.compile(ID_NUMBER_PATTERN)


def check_digit(first17: str) -> str:
    """The 18th character for 17 digits: '0'-'9' or 'X'."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("an ID number's body is exactly 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid(id_number: str) -> bool:
    """18 characters, 17 digits then a digit or X, and the check digit holds (lower-case x and
    surrounding blanks accepted)."""
    number = id_number.strip().upper()
    if not _SHAPE.fullmatch(number):
        return False
    return check_digit(number[:17]) == number[17]


def with_check_digit(first17: str) -> str:
    return first17 + check_digit(first17)
