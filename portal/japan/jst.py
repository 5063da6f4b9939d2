"""Japan Standard Time: municipalities number and date documents by the local calendar day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")


def now() -> datetime:
    return datetime.now(JST)


def today() -> date:
    return now().date()
