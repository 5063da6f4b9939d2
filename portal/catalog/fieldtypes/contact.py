"""How to reach the resident: email address and telephone number."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from portal.catalog.fieldtypes.base import FieldType, NoSettings, Raw
from portal.catalog.normalize import digits_and_hyphens, half_width_ascii
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef

_PHONE_CHARACTERS = re.compile(r"\+?[0-9()-]+")


class EmailType(FieldType[NoSettings]):
    name = "email"
    widget = "email"

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        text = half_width_ascii(self.first(raw, field.name)).strip()
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            raise self.error(field, N_("%(label)sはメールアドレスの形式で入力してください")) from None

    def sample(self, field: FieldDef) -> str:
        return "resident@example.jp"


class PhoneType(FieldType[NoSettings]):
    """Kept as the resident wrote it (03-1234-5678 reads better than +81312345678), half-width."""

    name = "phone"
    widget = "phone"

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        text = digits_and_hyphens(self.first(raw, field.name))
        invalid = self.error(field, N_("%(label)sは市外局番から正しい電話番号を入力してください"))
        if not _PHONE_CHARACTERS.fullmatch(text):
            raise invalid
        try:
            number = phonenumbers.parse(text, "JP")
        except phonenumbers.NumberParseException:
            raise invalid from None
        if not phonenumbers.is_valid_number(number):
            raise invalid
        return text

    def sample(self, field: FieldDef) -> str:
        return "03-1234-5678"


register(EmailType())
register(PhoneType())
