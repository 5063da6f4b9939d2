"""How many of each item (粗大ごみの品目ごとの個数): one small number input per item."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import Field

from portal.catalog.fieldtypes.base import FieldType, Raw, Settings, Translate
from portal.catalog.fieldtypes.choice import SEPARATOR, Options
from portal.catalog.fieldtypes.number import parse_int
from portal.catalog.registry import register
from portal.messages import N_, Message

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef


_COUNT = N_("%(item)s %(count)d点")


class ItemCountsSettings(Settings):
    items: Options
    max_each: int = Field(default=10, ge=1)


class ItemCountsType(FieldType[ItemCountsSettings]):
    """Stored as ``{item value: count}`` without zero counts; required means at least one item."""

    name = "item_counts"
    widget = "item_counts"
    settings_model = ItemCountsSettings
    required_msgid = N_("%(label)sを1つ以上入力してください")
    prefillable = False
    adds_up = True  # the total of every item's count

    def amount(self, field: FieldDef, value: Any) -> int:
        return sum(value.values())

    def sample(self, field: FieldDef) -> dict[str, int]:
        return {self.settings(field).items[0].value: 1}

    def input_names(self, field: FieldDef) -> tuple[str, ...]:
        return tuple(f"{field.name}-{item.value}" for item in self.settings(field).items)

    def is_empty(self, field: FieldDef, raw: Raw) -> bool:
        return all(parse_int(self, field, self.first(raw, name) or "0") == 0 for name in self.input_names(field))

    def parse_present(self, field: FieldDef, raw: Raw) -> dict[str, int]:
        settings = self.settings(field)
        counts: dict[str, int] = {}
        for item, name in zip(settings.items, self.input_names(field), strict=True):
            count = parse_int(self, field, self.first(raw, name) or "0")
            if count is None or not 0 <= count <= settings.max_each:
                raise self.error(
                    field,
                    N_("%(label)sの「%(item)s」は0から%(max)dまでの数を入力してください"),
                    item=Message(item.label),
                    max=settings.max_each,
                )
            if count:
                counts[item.value] = count
        return counts

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        counts = value or {}
        return {
            name: [str(counts[item.value])]
            for item, name in zip(self.settings(field).items, self.input_names(field), strict=True)
            if item.value in counts
        }

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        labels = {item.value: translate(item.label) for item in self.settings(field).items}
        return translate(SEPARATOR).join(
            Message(_COUNT, {"item": labels.get(key, key), "count": count}).render(translate)
            for key, count in (value or {}).items()
        )


register(ItemCountsType())
