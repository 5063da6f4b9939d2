"""Jinja filters for certificates: Japanese dates and postal codes, and strict mapping look-ups."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from jinja2 import Undefined, UndefinedError

from portal.japan.wareki import format_date


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


def postal_code(value: str) -> str:
    """1000001 → 100-0001; anything but 7 half-width digits is a bug in the caller's context."""
    _require(value)
    if not (len(value) == 7 and value.isascii() and value.isdigit()):
        raise ValueError(f"postal_code: {value!r} is not 7 half-width digits")
    return f"{value[:3]}-{value[3:]}"


def item(mapping: Mapping[str, Any], key: str) -> Any:
    """``mapping[key]`` strictly: Jinja's ``answers["items"]`` falls back to ``dict.items`` when the key is missing."""
    _require(mapping)
    if key not in mapping:
        raise UndefinedError(f"{key!r} is undefined")
    return mapping[key]
