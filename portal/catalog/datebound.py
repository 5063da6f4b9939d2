"""The earliest or latest day a date field accepts: a fixed date, ``today``, or an offset from today.

Written in YAML as ``2024-04-01``, ``today`` or ``-1y`` / ``+30d`` / ``-6w`` / ``+2m`` and resolved against the JST
today whenever an answer is checked, so ``max: +3m`` moves with the calendar. Months and years land on the same
day of the month, or on the month's last day when it has no such day (3月31日 −1m → 2月28日 or 29日).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from portal.japan.wareki import ERAS

TODAY = "today"
_OFFSET = re.compile(r"([+-])([0-9]{1,5})([dwmy])")
# At most 150 years either way: enough for a birthdate, and never before 明治 (a bound is shown in 和暦).
_LIMITS = {"d": 54_750, "w": 7_800, "m": 1_800, "y": 150}
_LIMITS_TEXT = "、".join(f"{unit} は {limit} まで" for unit, limit in _LIMITS.items())
FORMS = "2024-04-01 のような日付、today（今日）、または今日からの日数・週数・月数・年数（-1y、+30d、-14d、+2m、-6w）"


@dataclass(frozen=True)
class DateBound:
    """``text`` as written; a fixed ``day``, or ``amount`` of ``unit`` (d, w, m, y) from today (0 = today)."""

    text: str
    day: date | None = None
    amount: int = 0
    unit: str = "d"

    @property
    def relative(self) -> bool:
        return self.day is None

    def resolve(self, today: date) -> date:
        """The bound on the day ``today`` (the JST today when an answer is checked)."""
        if self.day is not None:
            return self.day
        if self.unit == "d":
            return today + timedelta(days=self.amount)
        if self.unit == "w":
            return today + timedelta(weeks=self.amount)
        return add_months(today, self.amount * (12 if self.unit == "y" else 1))

    def always_later_than(self, other: DateBound) -> bool:
        """Whether this bound falls after ``other`` whatever today is (so min and max leave no day)."""
        if self.day is not None and other.day is not None:
            return self.day > other.day
        if self.relative and other.relative:
            (unit, amount), (other_unit, other_amount) = self._span(), other._span()
            if unit == other_unit or 0 in (amount, other_amount):
                return amount > other_amount
        return False  # a fixed date and an offset, or days and months: it depends on the day

    def _span(self) -> tuple[str, int]:
        """The offset in days (d, w) or in months (m, y), which compare with their own kind only."""
        factor = {"d": 1, "w": 7, "m": 1, "y": 12}[self.unit]
        return ("days" if self.unit in "dw" else "months"), self.amount * factor

    def __str__(self) -> str:
        return self.text


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole months, kept within the target month (1月31日 +1m → 2月28日 or 29日)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parse_bound(value: Any) -> DateBound:
    """A bound as YAML gives it (a date, or text); anything else is an error naming the accepted forms."""
    if isinstance(value, DateBound):
        return value
    if isinstance(value, date) and not isinstance(value, datetime):
        return _fixed(value)
    if isinstance(value, str):
        if value == TODAY:
            return DateBound(TODAY)
        if match := _OFFSET.fullmatch(value):
            sign, digits, unit = match.groups()
            amount = int(digits)
            if amount > _LIMITS[unit]:
                raise PydanticCustomError("date_bound", f"今日から150年以内にしてください（{_LIMITS_TEXT}）")
            return DateBound(value, amount=-amount if sign == "-" else amount, unit=unit)
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            return _fixed(day)
    raise PydanticCustomError(
        "date_bound",
        "{value} は日付の範囲として読めません。{forms} で書いてください",
        {"value": repr(value), "forms": FORMS},
    )


def _fixed(day: date) -> DateBound:
    if day < ERAS[0].start:
        raise PydanticCustomError("date_bound", f"{ERAS[0].start.isoformat()}（明治元年）以降の日付にしてください")
    return DateBound(day.isoformat(), day=day)


Bound = Annotated[
    DateBound,
    PlainValidator(parse_bound),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(today|[+-][0-9]{1,5}[dwmy]|[0-9]{4}-[0-9]{2}-[0-9]{2})$",
            "description": "a date (2024-04-01), today, or an offset from today: -1y, +30d, -6w, +2m",
        }
    ),
]
