"""Answers chosen from a list: select, radio, checkboxes, and the single consent checkbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, TypeVar

from pydantic import AfterValidator, Field

from portal.catalog.fieldtypes.base import FieldType, NoSettings, Raw, Settings, Translate
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

# Joins several answers for display; a msgid so English can use ", ".
SEPARATOR = N_("、")


class Option(Settings):
    value: str = Field(pattern=r"^[a-z0-9_]+$")
    label: str = Field(min_length=1)


def _unique_values(options: tuple[Option, ...]) -> tuple[Option, ...]:
    """Option values identify answers, so each must be unique."""
    seen: set[str] = set()
    for option in options:
        if option.value in seen:
            raise ValueError(f"duplicate option value {option.value!r}")
        seen.add(option.value)
    return options


Options = Annotated[tuple[Option, ...], Field(min_length=1), AfterValidator(_unique_values)]


class ChoiceSettings(Settings):
    options: Options


class CheckboxesSettings(ChoiceSettings):
    min_selected: int | None = Field(default=None, ge=1)


CS = TypeVar("CS", bound=ChoiceSettings)


class _Choice(FieldType[CS]):
    required_msgid = N_("%(label)sを選択してください")

    def option_values(self, field: FieldDef) -> tuple[str, ...]:
        return tuple(option.value for option in self.settings(field).options)

    def label_of(self, field: FieldDef, value: str, translate: Translate) -> str:
        # A value no longer offered (the definition changed after submission) is shown as stored.
        return next((translate(o.label) for o in self.settings(field).options if o.value == value), value)

    def unknown_option(self, field: FieldDef) -> Exception:
        return self.error(field, N_("%(label)sは選択肢から選んでください"))

    def sample(self, field: FieldDef) -> Any:
        return self.option_values(field)[0]


class SelectType(_Choice[ChoiceSettings]):
    name = "select"
    widget = "select"
    settings_model = ChoiceSettings

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        value = self.first(raw, field.name).strip()
        if value not in self.option_values(field):
            raise self.unknown_option(field)
        return value

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return "" if value is None else self.label_of(field, value, translate)


class RadioType(SelectType):
    name = "radio"
    widget = "radio"


class CheckboxesType(_Choice[CheckboxesSettings]):
    name = "checkboxes"
    widget = "checkboxes"
    settings_model = CheckboxesSettings
    prefillable = False

    def parse_present(self, field: FieldDef, raw: Raw) -> list[str]:
        chosen = {value.strip() for value in raw.get(field.name, ()) if value.strip()}
        allowed = self.option_values(field)
        if not chosen <= set(allowed):
            raise self.unknown_option(field)
        minimum = self.settings(field).min_selected
        if minimum is not None and len(chosen) < minimum:
            raise self.error(field, N_("%(label)sは%(min)d個以上選択してください"), min=minimum)
        return [value for value in allowed if value in chosen]  # in the order of the options

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        return {} if value is None else {field.name: list(value)}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return translate(SEPARATOR).join(self.label_of(field, item, translate) for item in value or ())

    def sample(self, field: FieldDef) -> list[str]:
        return list(self.option_values(field)[: self.settings(field).min_selected or 1])


class CheckboxType(FieldType[NoSettings]):
    """A single yes/no, typically consent; ``required`` means it must be ticked."""

    name = "checkbox"
    widget = "checkbox"
    required_msgid = N_("%(label)sにチェックを入れてください")
    prefillable = False
    CHECKED = "on"  # what browsers send for a ticked box without a value attribute

    def parse_present(self, field: FieldDef, raw: Raw) -> bool:
        return True  # any non-empty value is a tick

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        return {field.name: [self.CHECKED]} if value else {}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return translate(N_("はい")) if value else translate(N_("いいえ"))

    def option_values(self, field: FieldDef) -> tuple[str, ...]:
        return ("true",)  # an unticked box has no answer

    def sample(self, field: FieldDef) -> bool:
        return True


register(SelectType())
register(RadioType())
register(CheckboxesType())
register(CheckboxType())
