"""Dates entered the way Japanese paper forms ask for them: 元号 + 年 + 月 + 日 (or 西暦).

Stored as ISO ``YYYY-MM-DD``; shown as 令和6年（2024年）4月1日. Bounds (``min``/``max``) are ISO dates, ``today``
or offsets from today (:mod:`portal.catalog.datebound`), resolved when the answer is checked.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from pydantic import model_validator

from portal.catalog.datebound import Bound
from portal.catalog.fieldtypes.base import FieldType, Raw, Settings, Translate
from portal.catalog.normalize import half_width_ascii
from portal.catalog.registry import register
from portal.japan import jst
from portal.japan.wareki import ERAS, ERAS_BY_KEY, era_end, era_year, format_date
from portal.messages import N_, Message

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

SEIREKI = "seireki"
# The era select: 西暦, then the eras newest first (input value, label msgid). Follows ERAS, so a new
# era needs no change here or in the templates.
ERA_CHOICES: tuple[tuple[str, str], ...] = (
    (SEIREKI, N_("西暦")),
    *((era.key, era.name) for era in reversed(ERAS)),
)
_PARTS = ("era", "year", "month", "day")
_MAX_DIGITS = 4  # a year of 西暦; months, days and years of an era need fewer
_NOT_BEFORE = N_("%(label)sは%(date)s以降の日付を入力してください")


class DateAnswer(str):
    """A date answer as text: 和暦 with the 西暦 year, as certificates, exports and Japanese pages write it. ``day``
    lets a page in another language write it in its reader's format instead (the template test ``date_answer``)."""

    day: date

    def __new__(cls, day: date) -> DateAnswer:
        answer = super().__new__(cls, format_date(day, with_seireki=True))
        answer.day = day
        return answer


class DateSettings(Settings):
    min: Bound | None = None
    max: Bound | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DateSettings:
        if self.min is not None and self.max is not None and self.min.always_later_than(self.max):
            raise ValueError(f"min（{self.min}）が max（{self.max}）より後の日付なので、どの日も入力できません")
        return self


class DateType(FieldType[DateSettings]):
    """元号・年・月・日. ``min`` and ``max`` take a date (``2024-04-01``), ``today``, or an offset from today:
    ``-1y``, ``+30d``, ``-6w``, ``+2m`` (months and years keep the day, or end on the month's last day)."""

    name = "date"
    widget = "date"
    settings_model = DateSettings

    def input_names(self, field: FieldDef) -> tuple[str, ...]:
        return tuple(f"{field.name}-{part}" for part in _PARTS)

    def is_empty(self, field: FieldDef, raw: Raw) -> bool:
        # The era select always sends a value; the date is empty when nothing was typed.
        return all(not self.first(raw, f"{field.name}-{part}").strip() for part in _PARTS[1:])

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        era_key, *numbers = (half_width_ascii(self.first(raw, name)).strip() for name in self.input_names(field))
        if not all(numbers):
            raise self.error(field, N_("%(label)sの年・月・日をすべて入力してください"))
        if not all(number.isascii() and number.isdigit() for number in numbers):
            raise self.error(field, N_("%(label)sの年・月・日は数字で入力してください"))
        year, month, day = (int(self.check_digits(field, number, _MAX_DIGITS)) for number in numbers)
        result = self._to_date(field, era_key, year, month, day)
        settings = self.settings(field)
        today = jst.today()
        if settings.min is not None and result < (earliest := settings.min.resolve(today)):
            raise self.error(field, _NOT_BEFORE, date=format_date(earliest))
        if settings.max is not None and result > (latest := settings.max.resolve(today)):
            raise self.error(field, N_("%(label)sは%(date)s以前の日付を入力してください"), date=format_date(latest))
        return result.isoformat()

    def _to_date(self, field: FieldDef, era_key: str, year: int, month: int, day: int) -> date:
        if not era_key and year >= ERAS[0].start.year:  # a browser's autofill types 1985 and no era
            era_key = SEIREKI
        era = ERAS_BY_KEY.get(era_key)
        if era is None and era_key != SEIREKI:
            raise self.error(field, N_("%(label)sの元号を選択してください"))
        try:
            result = date(year if era is None else era.start.year + year - 1, month, day)
        except (ValueError, OverflowError):  # 2月30日, or a year too large for any calendar
            raise self.error(field, N_("%(label)sに存在しない日付が入力されています")) from None
        if era is not None:  # a real day, but is it in the era? Say where the era starts or ends.
            end = era_end(era)
            if result < era.start:
                raise self.error(
                    field,
                    N_("%(label)sの%(era)sは%(date)sからです"),
                    era=Message(era.name),
                    date=format_date(era.start),
                )
            if end is not None and result > end:
                raise self.error(
                    field, N_("%(label)sの%(era)sは%(date)sまでです"), era=Message(era.name), date=format_date(end)
                )
        if result < ERAS[0].start:  # no 和暦 to show it in
            raise self.error(field, _NOT_BEFORE, date=format_date(ERAS[0].start))
        return result

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        if value is None:
            return {}
        day = date.fromisoformat(value)
        era, year = era_year(day)
        parts = (era.key, str(year), str(day.month), str(day.day))
        return {name: [part] for name, part in zip(self.input_names(field), parts, strict=True)}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return "" if value is None else DateAnswer(date.fromisoformat(value))

    def sample(self, field: FieldDef) -> str:
        """Today, or the nearest day the bounds allow."""
        settings, today = self.settings(field), jst.today()
        if settings.min is not None and today < (earliest := settings.min.resolve(today)):
            return earliest.isoformat()
        if settings.max is not None and today > (latest := settings.max.resolve(today)):
            return latest.isoformat()
        return today.isoformat()


register(DateType())
