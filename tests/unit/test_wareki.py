"""和暦: formatting, conversion and the boundaries between eras."""

from __future__ import annotations

from datetime import date

import pytest

from portal.japan.wareki import ERAS_BY_KEY, WarekiError, era_end, era_year, format_date, to_date


@pytest.mark.parametrize(
    ("day", "text"),
    [
        (date(2019, 4, 30), "平成31年4月30日"),
        (date(2019, 5, 1), "令和元年5月1日"),
        (date(1989, 1, 7), "昭和64年1月7日"),
        (date(1989, 1, 8), "平成元年1月8日"),
        (date(1926, 12, 25), "昭和元年12月25日"),
        (date(1912, 7, 30), "大正元年7月30日"),
        (date(2024, 4, 1), "令和6年4月1日"),
    ],
)
def test_format_date_and_back(day: date, text: str) -> None:
    assert format_date(day) == text
    era, year = era_year(day)
    assert to_date(era.key, year, day.month, day.day) == day


def test_format_with_seireki() -> None:
    assert format_date(date(2024, 4, 1), with_seireki=True) == "令和6年（2024年）4月1日"


@pytest.mark.parametrize(
    ("era", "year", "month", "day"),
    [
        ("heisei", 32, 1, 1),  # 平成 ended in its 31st year
        ("heisei", 31, 5, 1),  # already 令和
        ("reiwa", 1, 4, 30),  # still 平成
        ("showa", 1, 12, 24),  # still 大正
        ("reiwa", 6, 2, 30),
        ("reiwa", 0, 6, 1),
        ("kouka", 1, 1, 1),
    ],
)
def test_impossible_wareki_dates(era: str, year: int, month: int, day: int) -> None:
    with pytest.raises(WarekiError):
        to_date(era, year, month, day)


def test_era_end() -> None:
    assert era_end(ERAS_BY_KEY["heisei"]) == date(2019, 4, 30)
    assert era_end(ERAS_BY_KEY["reiwa"]) is None


def test_before_meiji_is_unsupported() -> None:
    with pytest.raises(WarekiError):
        format_date(date(1868, 1, 24))
