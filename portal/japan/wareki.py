"""和暦 (Japanese era) dates.

Data stays ISO; people read 和暦. The era table is data: a new era is one line in ``ERAS``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.messages import N_


@dataclass(frozen=True)
class Era:
    key: str  # stable identifier used in form inputs
    name: str  # 令和 (a msgid: English pages show it translated)
    romaji: str  # Reiwa
    start: date  # first day of the era (元年)


# Newest last. An era runs from its start until the day before the next one starts.
ERAS: tuple[Era, ...] = (
    Era("meiji", N_("明治"), "Meiji", date(1868, 1, 25)),
    Era("taisho", N_("大正"), "Taisho", date(1912, 7, 30)),
    Era("showa", N_("昭和"), "Showa", date(1926, 12, 25)),
    Era("heisei", N_("平成"), "Heisei", date(1989, 1, 8)),
    Era("reiwa", N_("令和"), "Reiwa", date(2019, 5, 1)),
)

ERAS_BY_KEY = {era.key: era for era in ERAS}


class WarekiError(ValueError):
    """The 和暦 date does not exist (year outside its era, or an impossible day)."""


def era_of(day: date) -> Era:
    for era in reversed(ERAS):
        if day >= era.start:
            return era
    raise WarekiError(f"{day.isoformat()} is before the first supported era")


def era_end(era: Era) -> date | None:
    """The last day of ``era``, or None for the current one."""
    index = ERAS.index(era)
    if index + 1 < len(ERAS):
        return date.fromordinal(ERAS[index + 1].start.toordinal() - 1)
    return None


def era_year(day: date) -> tuple[Era, int]:
    era = era_of(day)
    return era, day.year - era.start.year + 1


def format_year(era: Era, year: int) -> str:
    return f"{era.name}{'元' if year == 1 else year}年"


def format_date(day: date, *, with_seireki: bool = False) -> str:
    """2019-05-01 → 令和元年5月1日; with_seireki gives the 西暦 year beside the era's: 令和元年（2019年）5月1日."""
    era, year = era_year(day)
    seireki = f"（{day.year}年）" if with_seireki else ""
    return f"{format_year(era, year)}{seireki}{day.month}月{day.day}日"


def to_date(era_key: str, year: int, month: int, day: int) -> date:
    """A 和暦 date to a real date, refusing days outside the era (平成32年, 令和元年4月1日)."""
    era = ERAS_BY_KEY.get(era_key)
    if era is None:
        raise WarekiError(f"unknown era {era_key!r}")
    if year < 1:
        raise WarekiError("the year must be 1 (元年) or later")
    try:
        result = date(era.start.year + year - 1, month, day)
    except ValueError as exc:
        raise WarekiError(str(exc)) from None
    end = era_end(era)
    if result < era.start or (end is not None and result > end):
        raise WarekiError(f"{result.isoformat()} is not in {era.romaji}")
    return result
