"""What a procedure costs: a flat fee, a unit price times a number answered, or a price per item.

Written as ``fee: 300``, ``fee: {per: copies, unit: 300}`` or ``fee: {items: items, prices: {sofa: 1000, …}}``.
The total is computed from validated answers in whole yen and stored with the submission, so what a
resident was charged never changes when the definition does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictInt, Tag

from portal.catalog.fieldtypes.item_counts import ItemCountsType
from portal.catalog.fieldtypes.number import NumberType

if TYPE_CHECKING:
    from portal.catalog.fieldtypes.base import Problem
    from portal.catalog.model import FieldDef, ProcedureDefinition

Yen = Annotated[StrictInt, Field(ge=0)]
FieldName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PerCount(_Frozen):
    """``unit`` yen times the number answered in the number field ``per`` (300円 × 通数)."""

    per: FieldName = Field(description="a number field: how many are charged (通数)")
    unit: Yen = Field(description="yen for each one")


class PriceTable(_Frozen):
    """A price for each item of the item_counts field ``items``, times its count (粗大ごみの品目ごとの手数料)."""

    items: FieldName = Field(description="an item_counts field")
    prices: dict[str, Yen] = Field(min_length=1, description="yen for one of each of its items, every item priced")


# pydantic puts the tag in an error's location; the loader drops these to get back the path in the YAML.
TAGS = {"flat fee": None, "fee per count": PerCount, "price table": PriceTable}


def _kind(value: Any) -> str | None:
    if isinstance(value, PerCount) or (isinstance(value, Mapping) and "per" in value):
        return "fee per count"
    if isinstance(value, PriceTable) or (isinstance(value, Mapping) and "items" in value):
        return "price table"
    return None if isinstance(value, Mapping) else "flat fee"


Fee = Annotated[
    Annotated[Yen, Tag("flat fee")]
    | Annotated[PerCount, Tag("fee per count")]
    | Annotated[PriceTable, Tag("price table")],
    Discriminator(
        _kind,
        custom_error_type="fee",
        custom_error_message="write yen (300), {per: <number field>, unit: <yen>} "
        "or {items: <item_counts field>, prices: {<item>: <yen>, ...}}",
    ),
]


def total(definition: ProcedureDefinition, values: Mapping[str, Any]) -> int:
    """The fee in yen for validated ``values``; a hidden or empty counted field counts 0."""
    fee = definition.fee
    if isinstance(fee, PerCount):
        return fee.unit * (values.get(fee.per) or 0)
    if isinstance(fee, PriceTable):
        counts = values.get(fee.items) or {}
        return sum(fee.prices.get(item, 0) * count for item, count in counts.items())
    return fee


def with_own_fee(fee: int | PerCount | PriceTable, own: int) -> int | PerCount | PriceTable:
    """A municipality's own fee: the unit price of a fee per count, otherwise a flat fee replacing the catalog's."""
    return fee.model_copy(update={"unit": own}) if isinstance(fee, PerCount) else own


def problems(definition: ProcedureDefinition) -> Iterator[Problem]:
    """The fee's references to fields, checked against the definition (paths from the definition's root)."""
    fee = definition.fee
    fields = {field.name: field for field in definition.fields}
    if isinstance(fee, PerCount):
        field = fields.get(fee.per)
        if field is None or not isinstance(field.field_type, NumberType):
            yield ("fee", "per"), _not_a(fee.per, field, "number", fields)
            return
        low, high = getattr(field.settings, "min", None), getattr(field.settings, "max", None)
        if low is None or low < 0 or high is None:
            yield ("fee", "per"), f"{fee.per!r} is counted for the fee: give it min (0 or more) and max"
    elif isinstance(fee, PriceTable):
        field = fields.get(fee.items)
        if field is None or not isinstance(field.field_type, ItemCountsType):
            yield ("fee", "items"), _not_a(fee.items, field, "item_counts", fields)
            return
        items = [item.value for item in getattr(field.settings, "items", ())]
        for value in fee.prices:
            if value not in items:
                yield ("fee", "prices", value), f"{value!r} is not an item of {fee.items!r} (items: {', '.join(items)})"
        if missing := [item for item in items if item not in fee.prices]:
            yield (
                ("fee", "prices"),
                f"no price for {', '.join(map(repr, missing))} (every item of {fee.items!r} needs one)",
            )


def _not_a(name: str, field: FieldDef | None, type_name: str, fields: Mapping[str, FieldDef]) -> str:
    candidates = ", ".join(n for n, f in fields.items() if f.type == type_name) or "none"
    what = f"a {field.type} field" if field is not None else "not a field"
    return f"{name!r} is {what}: the fee needs a field of type {type_name} (here: {candidates})"
