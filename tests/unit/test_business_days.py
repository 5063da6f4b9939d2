"""開庁日: weekends, national holidays (振替休日, 国民の休日), 年末年始 and a municipality's closures are closed, and
counting in open days is consistent both ways."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.japan.business_days import BusinessCalendar, Closed, national_holidays

NATIONAL = BusinessCalendar()


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        (date(2026, 1, 5), None),  # the first 開庁日 of 2026 (a Monday after 1月3日)
        (date(2026, 1, 3), Closed.WEEKEND),  # a Saturday, and 年末年始 besides
        (date(2027, 1, 4), None),
        (date(2025, 12, 26), None),  # the last Friday before 年末年始
        (date(2025, 12, 29), Closed.YEAR_END),  # a Monday
        (date(2025, 12, 30), Closed.YEAR_END),
        (date(2025, 12, 31), Closed.YEAR_END),
        (date(2026, 1, 1), Closed.HOLIDAY),  # 元日 is a national holiday as well
        (date(2026, 1, 2), Closed.YEAR_END),
        (date(2026, 1, 12), Closed.HOLIDAY),  # 成人の日
        (date(2025, 11, 24), Closed.HOLIDAY),  # 振替休日 for 勤労感謝の日 on a Sunday
        (date(2026, 5, 6), Closed.HOLIDAY),  # 振替休日 for 憲法記念日 on a Sunday, after みどりの日 and こどもの日
        (date(2026, 9, 22), Closed.HOLIDAY),  # 国民の休日 between 敬老の日 and 秋分の日
        (date(2019, 4, 30), Closed.HOLIDAY),  # 国民の休日 of the 2019 enthronement
        (date(2026, 9, 24), None),
        (date(2026, 3, 21), Closed.WEEKEND),  # a Saturday
        (date(2026, 3, 22), Closed.WEEKEND),  # a Sunday
    ],
)
def test_which_days_are_closed(day: date, closed: Closed | None) -> None:
    assert NATIONAL.closed(day) is closed
    assert NATIONAL.is_open(day) is (closed is None)


def test_the_holiday_names_are_japanese() -> None:
    assert national_holidays(2026)[date(2026, 9, 22)] == "国民の休日"
    assert national_holidays(2026)[date(2026, 5, 6)] == "振替休日"
    assert national_holidays(2026)[date(2026, 1, 1)] == "元日"


def test_a_municipalitys_closure_closes_an_otherwise_open_day() -> None:
    calendar = BusinessCalendar.of([date(2026, 6, 10)])
    assert calendar.closed(date(2026, 6, 10)) is Closed.MUNICIPALITY
    assert NATIONAL.is_open(date(2026, 6, 10))
    assert calendar.add_business_days(date(2026, 6, 9), 1) == date(2026, 6, 11)
    assert calendar.business_days_between(date(2026, 6, 8), date(2026, 6, 12)) == 3


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 6, 1), 3, date(2026, 6, 4)),  # Monday + 3 = Thursday: the first day is not counted
        (date(2026, 6, 5), 1, date(2026, 6, 8)),  # Friday + 1 = Monday
        (date(2026, 6, 6), 1, date(2026, 6, 8)),  # applied on a Saturday: Monday is the first day
        (date(2026, 6, 1), 0, date(2026, 6, 1)),
        (date(2025, 12, 26), 1, date(2026, 1, 5)),  # over 年末年始 and a weekend
        (date(2025, 12, 27), 3, date(2026, 1, 7)),  # applied during the holidays
        (date(2026, 12, 28), 1, date(2027, 1, 4)),  # the year boundary of the next year too
        (date(2026, 4, 30), 2, date(2026, 5, 7)),  # over Golden Week: 5/1 open, 5/2-5/6 closed
        (date(2026, 9, 18), 1, date(2026, 9, 24)),  # over 敬老の日, 国民の休日 and 秋分の日
        (date(2025, 11, 21), 1, date(2025, 11, 25)),  # over 勤労感謝の日 (Sunday) and its 振替休日
        (date(2024, 2, 9), 1, date(2024, 2, 13)),  # 建国記念の日 on a Sunday, 振替休日 on Monday
    ],
)
def test_add_business_days(start: date, days: int, due: date) -> None:
    assert NATIONAL.add_business_days(start, days) == due
    assert NATIONAL.business_days_between(start, due) == days


def test_between_counts_after_the_start_up_to_the_end() -> None:
    assert NATIONAL.business_days_between(date(2026, 6, 1), date(2026, 6, 1)) == 0
    assert NATIONAL.business_days_between(date(2026, 6, 1), date(2026, 6, 4)) == 3  # Tue, Wed, Thu
    assert NATIONAL.business_days_between(date(2026, 6, 5), date(2026, 6, 8)) == 1  # Friday to Monday
    assert NATIONAL.business_days_between(date(2025, 12, 26), date(2026, 1, 4)) == 0  # closed all along
    assert (
        NATIONAL.business_days_between(date(2026, 1, 1), date(2026, 12, 31)) == 240
    )  # 261 weekdays, 17 of them holidays, 4 年末年始


def test_counting_backwards_is_refused() -> None:
    with pytest.raises(ValueError, match="forwards only"):
        NATIONAL.add_business_days(date(2026, 6, 1), -1)
    with pytest.raises(ValueError, match="2026-05-31 is before 2026-06-01"):
        NATIONAL.business_days_between(date(2026, 6, 1), date(2026, 5, 31))


def test_years_the_holiday_library_does_not_know_close_weekends_and_the_year_end_only() -> None:
    assert national_holidays(2150) == {}
    assert NATIONAL.is_open(date(2150, 5, 5))  # no こどもの日 known: a Tuesday
    assert NATIONAL.closed(date(2150, 12, 30)) is Closed.YEAR_END


days = st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31))
closures = st.frozensets(st.dates(min_value=date(1990, 1, 1), max_value=date(2091, 12, 31)), max_size=30)


@given(start=days, n=st.integers(min_value=1, max_value=400), closed=closures)
def test_adding_never_lands_on_a_closed_day_and_counting_gives_it_back(
    start: date, n: int, closed: frozenset[date]
) -> None:
    calendar = BusinessCalendar(closed)
    due = calendar.add_business_days(start, n)
    assert calendar.is_open(due)
    assert due > start
    assert calendar.business_days_between(start, due) == n
    assert calendar.business_days_between(start, due - timedelta(days=1)) == n - 1  # and not a day earlier


@given(start=days, a=st.integers(min_value=0, max_value=200), b=st.integers(min_value=0, max_value=200))
def test_adding_in_two_steps_is_adding_once(start: date, a: int, b: int) -> None:
    """A clock that pauses and resumes moves the same as one that counts straight through."""
    assert NATIONAL.add_business_days(NATIONAL.add_business_days(start, a), b) == NATIONAL.add_business_days(
        start, a + b
    )


@given(start=days, length=st.integers(min_value=0, max_value=60))
def test_between_counts_exactly_the_open_days(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    window = [start + timedelta(days=i) for i in range(1, length + 1)]
    assert NATIONAL.business_days_between(start, end) == sum(NATIONAL.is_open(d) for d in window)
    assert all(not NATIONAL.is_open(d) for d in window if (d.month, d.day) in {(12, 29), (1, 2)})
    assert all(not NATIONAL.is_open(d) for d in window if d.weekday() >= 5)
