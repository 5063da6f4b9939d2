"""開庁日: the days a municipal office is open, and counting in them (標準処理期間, 期限日).

A day is closed (閉庁日) when it is a Saturday or Sunday, a national holiday (国民の祝日に関する法律: the
holidays themselves, 振替休日 and 国民の休日, as the maintained ``holidays`` library knows them), one of the year-end
and New Year days 12月29日から1月3日 (地方自治法第4条の2, each municipality's 休日条例), or a day the municipality
closes on its own (庁舎移転, 災害: its ``closures``). Every other day is open.

Counting follows 初日不算入: the day a period starts from is not counted. ``add_business_days(day, 3)`` is the third
open day after ``day``, whatever ``day`` is, and ``business_days_between(a, b)`` counts the open days after ``a`` up
to and including ``b``, so that ``business_days_between(a, add_business_days(a, n)) == n``.

The holiday library knows the years 1949 to 2099; outside them only weekends, the year end and closures close a day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from types import MappingProxyType

import holidays

from portal.messages import N_

ONE_DAY = timedelta(days=1)
# 年末年始: (month, day) from 12月29日 to 1月3日, both ends included.
YEAR_END = frozenset({(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)})


class Closed(StrEnum):
    """Why a day is not a 開庁日, in the order it is told (a holiday on a Sunday is a Sunday)."""

    WEEKEND = "weekend"
    HOLIDAY = "holiday"  # 国民の祝日, 振替休日, 国民の休日
    YEAR_END = "year_end"  # 12月29日〜1月3日
    MUNICIPALITY = "municipality"  # the municipality's own closure


CLOSED_LABELS = {
    Closed.WEEKEND: N_("土曜日・日曜日"),
    Closed.HOLIDAY: N_("国民の祝日・休日"),
    Closed.YEAR_END: N_("年末年始（12月29日〜1月3日）"),
    Closed.MUNICIPALITY: N_("自治体の閉庁日"),
}


@cache
def national_holidays(year: int) -> Mapping[date, str]:
    """The national holidays of ``year`` with their Japanese names (元日, 振替休日, 国民の休日…); empty outside the
    years the library knows. Computed once per year and process, then read by every request and worker."""
    return MappingProxyType(dict(holidays.Japan(years=year, language="ja")))


@dataclass(frozen=True)
class BusinessCalendar:
    """The 開庁日 of one municipality: the national calendar less its own ``closures``."""

    closures: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, closures: Iterable[date] = ()) -> BusinessCalendar:
        return cls(frozenset(closures))

    def closed(self, day: date) -> Closed | None:
        """Why ``day`` is closed, or None on a 開庁日."""
        if day.weekday() >= 5:
            return Closed.WEEKEND
        if day in national_holidays(day.year):
            return Closed.HOLIDAY
        if (day.month, day.day) in YEAR_END:
            return Closed.YEAR_END
        if day in self.closures:
            return Closed.MUNICIPALITY
        return None

    def is_open(self, day: date) -> bool:
        return self.closed(day) is None

    def next_open_day(self, day: date) -> date:
        """``day`` itself when open, else the first open day after it."""
        while not self.is_open(day):
            day += ONE_DAY
        return day

    def add_business_days(self, start: date, days: int) -> date:
        """The ``days``-th 開庁日 after ``start`` (``start`` itself is not counted, open or not); ``start`` for 0."""
        if days < 0:
            raise ValueError(f"cannot add {days} business days: count forwards only")
        day = start
        for _ in range(days):
            day = self.next_open_day(day + ONE_DAY)
        return day

    def business_days_between(self, start: date, end: date) -> int:
        """How many 開庁日 come after ``start`` up to and including ``end`` (0 when ``end`` is ``start``)."""
        if end < start:
            raise ValueError(f"{end.isoformat()} is before {start.isoformat()}")
        count, day = 0, start + ONE_DAY
        while day <= end:
            count += self.is_open(day)
            day += ONE_DAY
        return count
