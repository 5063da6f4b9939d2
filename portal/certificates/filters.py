"""Jinja filters for certificates: 和暦 dates and 性別 as a 住民票 prints them."""

from __future__ import annotations

from datetime import date, datetime

from jinja2 import Undefined

from portal.japan.wareki import format_date
from portal.records.model import Gender


def _require(value: object) -> None:
    """Undefined only fails when used; a filter that inspects types must trigger Jinja's own error first."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()  # the hook Jinja documents for Undefined subclasses


def wareki(value: date | str) -> str:
    """2026-11-26 (a date or its ISO string, as contexts built from JSON answers carry) → 令和8年11月26日."""
    _require(value)
    if isinstance(value, datetime):
        value = value.date()  # a datetime does not compare with the eras' dates
    elif isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"wareki: {value!r} is not an ISO date") from None
    elif not isinstance(value, date):
        raise TypeError(f"wareki: expected a date or an ISO string, got {type(value).__name__}")
    return format_date(value)


GENDERS = {Gender.MALE: "男", Gender.FEMALE: "女"}  # keyed by the values a stored context holds


def gender(value: str) -> str:
    """male → 男, female → 女, as a 住民票 prints 性別."""
    _require(value)
    try:
        return GENDERS[value]
    except KeyError:
        raise ValueError(f"gender: {value!r} is not a recorded gender") from None
