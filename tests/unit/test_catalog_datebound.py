"""Date bounds relative to today: the forms written in YAML, month-end clamping, and the boundary days."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest
from pydantic_core import PydanticCustomError

from portal.catalog import DefinitionError, FieldDef, FieldError, load_definition
from portal.catalog.datebound import DateBound, add_months, parse_bound
from portal.japan import jst


@pytest.mark.parametrize(
    ("written", "today", "resolved"),
    [
        ("today", date(2024, 3, 31), date(2024, 3, 31)),
        ("+30d", date(2024, 3, 31), date(2024, 4, 30)),
        ("-14d", date(2024, 3, 1), date(2024, 2, 16)),
        ("+0d", date(2024, 3, 1), date(2024, 3, 1)),
        ("-6w", date(2024, 3, 31), date(2024, 2, 18)),
        ("+2m", date(2024, 1, 15), date(2024, 3, 15)),
        ("-1y", date(2025, 6, 1), date(2024, 6, 1)),
        ("2024-04-01", date(2030, 1, 1), date(2024, 4, 1)),
        (date(2024, 4, 1), date(2030, 1, 1), date(2024, 4, 1)),  # YAML reads an unquoted date as a date
    ],
)
def test_bounds_resolve_against_the_day_they_are_checked(written: str | date, today: date, resolved: date) -> None:
    assert parse_bound(written).resolve(today) == resolved


@pytest.mark.parametrize(
    ("written", "today", "resolved"),
    [
        ("-1m", date(2024, 3, 31), date(2024, 2, 29)),  # leap year
        ("-1m", date(2023, 3, 31), date(2023, 2, 28)),
        ("+1m", date(2024, 1, 31), date(2024, 2, 29)),
        ("+1m", date(2024, 3, 31), date(2024, 4, 30)),
        ("-1y", date(2024, 2, 29), date(2023, 2, 28)),
        ("+4y", date(2024, 2, 29), date(2028, 2, 29)),
        ("+1m", date(2024, 12, 31), date(2025, 1, 31)),  # across the year
        ("-13m", date(2024, 1, 31), date(2022, 12, 31)),
    ],
)
def test_months_and_years_clamp_to_the_end_of_a_shorter_month(written: str, today: date, resolved: date) -> None:
    assert parse_bound(written).resolve(today) == resolved


def test_add_months_keeps_the_day_when_the_month_has_it() -> None:
    assert add_months(date(2024, 5, 15), -5) == date(2023, 12, 15)
    assert add_months(date(2024, 5, 15), 0) == date(2024, 5, 15)


def test_a_bound_keeps_the_text_it_was_written_as() -> None:
    assert [str(parse_bound(text)) for text in ("today", "-1y", "+30d")] == ["today", "-1y", "+30d"]
    assert str(parse_bound(date(2024, 4, 1))) == "2024-04-01"
    assert parse_bound("today").relative and not parse_bound("2024-04-01").relative


@pytest.mark.parametrize(
    ("written", "error"),
    [
        ("yesterday", "'yesterday' は日付の範囲として読めません。"),
        ("today-365", "'today-365' は日付の範囲として読めません。"),
        ("30d", "'30d' は日付の範囲として読めません。"),  # the sign says which way
        ("+1q", "'+1q' は日付の範囲として読めません。"),
        ("+ 1d", "'+ 1d' は日付の範囲として読めません。"),
        (365, "365 は日付の範囲として読めません。"),
        ("+151y", "今日から150年以内にしてください（d は 54750 まで、w は 7800 まで、m は 1800 まで、y は 150 まで）"),
        ("-54751d", "今日から150年以内にしてください"),
        ("1868-01-24", "1868-01-25（明治元年）以降の日付にしてください"),
    ],
)
def test_bad_bounds_name_the_accepted_forms(written: object, error: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        parse_bound(written)
    assert str(caught.value).startswith(error)
    if "読めません" in error:
        assert str(caught.value).endswith(
            "2024-04-01 のような日付、today（今日）、または今日からの日数・週数・月数・年数"
            "（-1y、+30d、-14d、+2m、-6w） で書いてください"
        )


def test_the_furthest_bounds_stay_in_eras_a_date_can_be_shown_in() -> None:
    for furthest in ("-150y", "-1800m", "-7800w", "-54750d"):
        assert parse_bound(furthest).resolve(date(2019, 5, 1)) > date(1868, 1, 25)


@pytest.mark.parametrize(
    ("low", "high", "empty"),
    [
        ("2024-04-02", "2024-04-01", True),
        ("2024-04-01", "2024-04-01", False),
        ("+1d", "today", True),
        ("-1y", "-13m", True),
        ("-1y", "-11m", False),
        ("-11m", "-1y", True),
        ("-6w", "-41d", False),
        ("-6w", "-43d", True),
        ("today", "-1m", True),
        ("-1m", "-30d", False),  # months and days compare differently from day to day: not refused
        ("2024-04-01", "today", False),  # depends on the day
    ],
)
def test_min_after_max_is_refused_when_it_is_so_every_day(low: str, high: str, empty: bool) -> None:
    assert parse_bound(low).always_later_than(parse_bound(high)) is empty
    if empty:
        message = f"min（{low}）が max（{high}）より後の日付なので、どの日も入力できません"
        with pytest.raises(ValueError, match=re.escape(message)):
            FieldDef.model_validate({"name": "day", "type": "date", "label": "日", "min": low, "max": high})


# --- through the date type, on a fixed today -------------------------------------------------------------


@pytest.fixture
def on_march_31_2024(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(jst, "today", lambda: date(2024, 3, 31))


def answer(field: FieldDef, day: date) -> str:
    return field.field_type.parse(field, field.field_type.to_raw(field, day.isoformat()))


def refused(field: FieldDef, day: date) -> str:
    with pytest.raises(FieldError) as caught:
        answer(field, day)
    return str(caught.value.message)


@pytest.mark.usefixtures("on_march_31_2024")
def test_the_boundary_days_are_accepted_and_the_next_ones_refused_in_wareki() -> None:
    field = FieldDef.model_validate({"name": "day", "type": "date", "label": "発生日", "min": "-1m", "max": "+30d"})
    assert answer(field, date(2024, 2, 29)) == "2024-02-29"  # 3月31日 −1m: the end of February
    assert answer(field, date(2024, 4, 30)) == "2024-04-30"
    assert refused(field, date(2024, 2, 28)) == "発生日は令和6年2月29日以降の日付を入力してください"
    assert refused(field, date(2024, 5, 1)) == "発生日は令和6年4月30日以前の日付を入力してください"


@pytest.mark.usefixtures("on_march_31_2024")
def test_today_is_the_jst_day_of_the_check() -> None:
    field = FieldDef.model_validate({"name": "day", "type": "date", "label": "希望日", "min": "today"})
    assert answer(field, date(2024, 3, 31)) == "2024-03-31"
    assert refused(field, date(2024, 3, 30)) == "希望日は令和6年3月31日以降の日付を入力してください"


# --- load errors with file and line ------------------------------------------------------------------------

DEFINITION = """\
title: テスト手続き
summary: 概要
description: 説明
fee: 0
processing_days: 1
workflow: simple
pages:
  - key: main
    title: 入力
    fields:
      - name: day
        type: date
        label: 日
        min: {low}
        max: {high}
"""


def test_a_bad_bound_is_a_load_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "proc.yaml"
    path.write_text(dedent(DEFINITION.format(low="-1y", high="+30days")), encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        load_definition(path)
    assert str(caught.value).startswith(
        f"{tmp_path.name}/proc.yaml:15: pages[0].fields[0].max: '+30days' は日付の範囲として読めません。"
    )


def test_a_definition_with_relative_bounds_loads_them(tmp_path: Path) -> None:
    path = tmp_path / "proc.yaml"
    path.write_text(dedent(DEFINITION.format(low="-1y", high="2030-04-01")), encoding="utf-8")
    settings = load_definition(path).field("day").settings
    assert settings.min == DateBound("-1y", amount=-1, unit="y")
    assert settings.max == DateBound("2030-04-01", day=date(2030, 4, 1))
