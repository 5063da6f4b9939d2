"""A procedure's 保存期間: written as 5y / 18m / 30d, counted from the JST day its cases reach a final state."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic_core import PydanticCustomError

from portal.catalog.retention import parse_retention


@pytest.mark.parametrize(
    ("written", "closed", "purged_from"),
    [
        ("5y", date(2026, 4, 1), date(2031, 4, 1)),
        ("1y", date(2028, 2, 29), date(2029, 2, 28)),  # no 2月29日 that year: the month's last day
        ("18m", date(2026, 8, 31), date(2028, 2, 29)),
        ("30d", date(2026, 12, 15), date(2027, 1, 14)),
    ],
)
def test_a_case_is_purged_from_the_day_its_period_is_over(written: str, closed: date, purged_from: date) -> None:
    assert parse_retention(written).purge_on(closed) == purged_from


@pytest.mark.parametrize("written", ["1m", "5y", "30d", "18m"])
def test_the_databases_bound_takes_in_every_case_due(written: str) -> None:
    """Every closing day whose case is due on a day is on or before the bound the query narrows by."""
    retention = parse_retention(written)
    for today in (date(2027, 2, 28), date(2027, 3, 31), date(2028, 2, 29), date(2027, 1, 1)):
        bound = retention.closed_by(today)
        for offset in range(0, 800):
            closed = today - timedelta(days=offset)
            if retention.purge_on(closed) <= today:
                assert closed <= bound, (written, today, closed)


@pytest.mark.parametrize("written", ["5 years", "5Y", "y", "-1y", "0d", "101y", "1w", 5, None, ["5y"]])
def test_anything_else_is_refused(written: object) -> None:
    with pytest.raises(PydanticCustomError):
        parse_retention(written)
