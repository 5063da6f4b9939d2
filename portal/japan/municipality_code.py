"""地方公共団体コード: five digits plus a check digit (総務省 modulus-11 rule)."""

from __future__ import annotations

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    remainder = sum(int(d) * w for d, w in zip(first_five, _WEIGHTS, strict=True)) % 11
    return (11 - remainder) % 10


def is_valid(code: str) -> bool:
    """True for a 6-digit code whose last digit checks (131016 千代田区 is valid, 131017 is not)."""
    return len(code) == 6 and code.isascii() and code.isdigit() and check_digit(code[:5]) == int(code[5])
