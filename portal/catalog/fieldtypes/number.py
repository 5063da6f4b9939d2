"""Whole numbers (部数, 人数), typed with half- or full-width digits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import model_validator

from portal.catalog.fieldtypes.base import FieldType, Raw, Settings
from portal.catalog.normalize import half_width_ascii
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef


class NumberSettings(Settings):
    min: int | None = None
    max: int | None = None

    @model_validator(mode="after")
    def _ordered(self) -> NumberSettings:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


# Every count or amount a form asks for, and still exact as a JSON number in any language (< 2**53).
MAX_DIGITS = 15


def parse_int(field_type: FieldType[Any], field: FieldDef, text: str) -> int | None:
    """``１,０００`` → 1000; None when the text is not a whole number; FieldError past MAX_DIGITS digits."""
    text = half_width_ascii(text).strip().replace(",", "")
    digits = text.removeprefix("-")
    if not (digits.isascii() and digits.isdigit()):
        return None
    field_type.check_digits(field, digits, MAX_DIGITS)
    return int(text)


class NumberType(FieldType[NumberSettings]):
    name = "number"
    widget = "number"
    settings_model = NumberSettings
    adds_up = True

    def amount(self, field: FieldDef, value: Any) -> int:
        return int(value)

    def parse_present(self, field: FieldDef, raw: Raw) -> int:
        settings = self.settings(field)
        number = parse_int(self, field, self.first(raw, field.name))
        if number is None:
            raise self.error(field, N_("%(label)sは数字で入力してください"))
        low, high = settings.min, settings.max
        if (low is not None and number < low) or (high is not None and number > high):
            if low is not None and high is not None:
                raise self.error(
                    field, N_("%(label)sは%(min)dから%(max)dまでの数を入力してください"), min=low, max=high
                )
            if low is not None:
                raise self.error(field, N_("%(label)sは%(min)d以上の数を入力してください"), min=low)
            raise self.error(field, N_("%(label)sは%(max)d以下の数を入力してください"), max=high)
        return number

    def sample(self, field: FieldDef) -> int:
        low, high = self.settings(field).min, self.settings(field).max
        return low if low is not None else 1 if high is None or high >= 1 else high


register(NumberType())
