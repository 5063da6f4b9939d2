"""How long a procedure's cases are kept once they reach a final state (保存期間), as a definition writes it.

``retention: 5y`` (years), ``18m`` (months) or ``30d`` (days), counted from the JST day the case reached its final
state: a case closed on 2026-04-01 with ``5y`` is purged from 2031-04-01 on. Months and years land on the same day
of the month, or on the month's last day when it has none. A definition without it keeps its cases for good.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from portal.catalog.datebound import add_months

_FORM = re.compile(r"([0-9]{1,4})([dmy])")
_LIMITS = {"d": 36_500, "m": 1_200, "y": 100}  # a century at most, whatever the unit
FORMS = "5y（年）、18m（月）、30d（日）のような、数と単位 y・m・d"


@dataclass(frozen=True)
class Retention:
    """``amount`` of ``unit`` (d, m, y), as written in ``text``."""

    text: str
    amount: int
    unit: str

    def purge_on(self, closed_on: date) -> date:
        """The first day a case that reached its final state on ``closed_on`` (JST) may be purged."""
        if self.unit == "d":
            return closed_on + timedelta(days=self.amount)
        return add_months(closed_on, self.amount * (12 if self.unit == "y" else 1))

    def closed_by(self, today: date) -> date:
        """A day on or before which every case due on ``today`` closed: a bound for the database to narrow by.
        Months are not all alike (1月29日〜31日 +1m are all 2月28日), so some closed by then may not be due yet:
        :meth:`purge_on` decides each."""
        if self.unit == "d":
            return today - timedelta(days=self.amount)
        return add_months(today, -self.amount * (12 if self.unit == "y" else 1)) + timedelta(days=3)

    def __str__(self) -> str:
        return self.text


def parse_retention(value: Any) -> Retention:
    """A period as YAML gives it; anything else is an error naming the accepted forms."""
    if isinstance(value, Retention):
        return value
    if isinstance(value, str) and (match := _FORM.fullmatch(value)):
        amount, unit = int(match.group(1)), match.group(2)
        if not 1 <= amount <= _LIMITS[unit]:
            raise PydanticCustomError(
                "retention", "保存期間は1日から100年までにしてください（{value}）", {"value": repr(value)}
            )
        return Retention(value, amount, unit)
    raise PydanticCustomError(
        "retention",
        "{value} は保存期間として読めません。{forms} で書いてください",
        {"value": repr(value), "forms": FORMS},
    )


Period = Annotated[
    Retention,
    PlainValidator(parse_retention),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{1,4}[dmy]$",
            "description": "a period: 5y (years), 18m (months), 30d (days)",
        }
    ),
]
