"""Free text: one line (text, address) or several (textarea)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import Field, field_validator, model_validator

from portal.catalog.fieldtypes.base import FieldType, Raw, Settings
from portal.catalog.normalize import dashes_between_digits, normalise_lines, normalise_text
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef


class TextSettings(Settings):
    max_length: int = Field(default=100, ge=1)
    min_length: int | None = Field(default=None, ge=1)
    pattern: str | None = None  # a regular expression the whole normalised answer must match
    pattern_message: str | None = None  # msgid; may use %(label)s

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"invalid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _consistent(self) -> TextSettings:
        if self.min_length is not None and self.min_length > self.max_length:
            raise ValueError("min_length is greater than max_length")
        if self.pattern_message is not None and self.pattern is None:
            raise ValueError("pattern_message needs a pattern")
        return self


class TextareaSettings(Settings):
    max_length: int = Field(default=2000, ge=1)
    rows: int = Field(default=5, ge=1, le=50)


class AddressSettings(Settings):
    max_length: int = Field(default=200, ge=1)


class TextType(FieldType[TextSettings]):
    name = "text"
    widget = "text"
    settings_model = TextSettings
    printed = True

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        settings = self.settings(field)
        text = normalise_text(self.first(raw, field.name))
        self.check_length(field, text, settings.max_length)
        if settings.min_length is not None and len(text) < settings.min_length:
            raise self.error(field, N_("%(label)sは%(min)d文字以上で入力してください"), min=settings.min_length)
        if settings.pattern is not None and not re.fullmatch(settings.pattern, text):
            raise self.error(field, settings.pattern_message or N_("%(label)sの形式が正しくありません"))
        return text

    def sample(self, field: FieldDef) -> str:
        return field.label[: self.settings(field).max_length]


class TextareaType(FieldType[TextareaSettings]):
    name = "textarea"
    widget = "textarea"
    settings_model = TextareaSettings
    multiline = True
    printed = True

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        settings = self.settings(field)
        return self.check_length(field, normalise_lines(self.first(raw, field.name)), settings.max_length)

    def sample(self, field: FieldDef) -> str:
        return field.label[: self.settings(field).max_length]


class AddressType(FieldType[AddressSettings]):
    name = "address"
    widget = "address"
    settings_model = AddressSettings
    printed = True

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        settings = self.settings(field)
        text = dashes_between_digits(normalise_text(self.first(raw, field.name)))
        return self.check_length(field, text, settings.max_length)

    def sample(self, field: FieldDef) -> str:
        return "東京都千代田区霞が関1丁目1番1号"


class AnyScriptTextType(TextType):
    """One line in any language's script (a municipality's name in Korean or Nepali): it is shown on pages and never
    printed on a certificate, so the certificate fonts do not limit its characters (control characters are still
    refused)."""

    name = "any_script_text"
    printed = False


register(TextType())
register(AnyScriptTextType())
register(TextareaType())
register(AddressType())
