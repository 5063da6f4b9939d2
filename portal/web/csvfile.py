"""CSV downloads for Excel: UTF-8 with a byte order mark (without it Excel reads Japanese as mojibake), CRLF lines,
and no cell Excel would run as a formula (one starting =, +, -, @, a tab or a carriage return is prefixed with ')."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def line(values: Iterable[object]) -> str:
    """One CSV line; numbers and None (an empty cell) as they are, text made formula-safe."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([_safe(value) for value in values])
    return out.getvalue()


def _safe(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return "" if value is None else value
