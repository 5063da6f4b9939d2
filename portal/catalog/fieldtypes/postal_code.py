"""郵便番号: stored as seven digits; ``fills:`` names the address field a lookup completes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from portal.catalog.fieldtypes.base import FieldType, Problem, Raw, Settings, Translate
from portal.catalog.postal import normalise_postal_code
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef


class PostalCodeSettings(Settings):
    fills: str | None = None  # name of the address field the web form completes from the code


class PostalCodeType(FieldType[PostalCodeSettings]):
    name = "postal_code"
    widget = "postal_code"
    settings_model = PostalCodeSettings

    def parse_present(self, field: FieldDef, raw: Raw) -> str:
        code = normalise_postal_code(self.first(raw, field.name))
        if code is None:
            raise self.error(field, N_("%(label)sは7桁の数字で入力してください"))
        return code

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return "" if value is None else f"〒{value[:3]}-{value[3:]}"

    def sample(self, field: FieldDef) -> str:
        return "1000013"

    def check(self, field: FieldDef, fields: Mapping[str, FieldDef]) -> Iterator[Problem]:
        target = self.settings(field).fills
        if target is not None and (target not in fields or fields[target].type != "address"):
            yield ("fills",), f"{target!r} is not an address field of this procedure"


register(PostalCodeType())
