"""Immutable procedure definitions, as administrators write them in forms_catalog/*.yaml.

The models validate everything that can be checked one value at a time (names, types, type-specific keys,
profile keys); checks that relate fields to each other live in :mod:`portal.catalog.loader`, which reports
them with the line of the offending key.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from portal.catalog import registry
from portal.catalog.conditions import Frozen, Identifier, ShowIf
from portal.catalog.fees import Fee
from portal.catalog.fieldtypes.base import FieldType, Settings
from portal.catalog.fieldtypes.group import GroupSettings
from portal.catalog.methods import PaymentMethod, ReceiptMethod
from portal.catalog.requester import Requester
from portal.catalog.retention import Period
from portal.catalog.rules import Rule
from portal.identity import PROFILE_KEYS

Slug = Annotated[str, Field(pattern=r"^[a-z0-9_-]+$")]
Text = Annotated[str, Field(min_length=1)]


class FieldDef(Frozen):
    """One question. Keys other than the common ones are the type's settings (``options``, ``max``…)."""

    name: Identifier
    type: str
    label: Text
    help: str | None = None
    required: bool = True
    prefill: str | None = None
    show_if: ShowIf | None = None
    settings: Settings  # validated by the field type's settings model

    @model_validator(mode="before")
    @classmethod
    def _gather_settings(cls, data: Any) -> Any:
        """Type-specific keys sit inline in YAML; collect them for the type to validate."""
        if not isinstance(data, Mapping) or isinstance(data.get("settings"), Settings):
            return data
        common = set(cls.model_fields) - {"settings"}
        return {
            **{key: value for key, value in data.items() if key in common},
            "settings": {key: value for key, value in data.items() if key not in common},
        }

    @field_validator("type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in registry.field_types():
            known = ", ".join(sorted(registry.field_types()))
            raise PydanticCustomError(
                "unknown_field_type",
                "unknown field type '{type}'; known types: {known}",
                {"type": value, "known": known},
            )
        return value

    @field_validator("prefill")
    @classmethod
    def _known_profile_key(cls, value: str | None) -> str | None:
        if value is not None and value not in PROFILE_KEYS:
            raise PydanticCustomError(
                "unknown_profile_key",
                "unknown profile key '{key}'; known keys: {known}",
                {"key": value, "known": ", ".join(sorted(PROFILE_KEYS))},
            )
        return value

    @field_validator("settings", mode="plain")
    @classmethod
    def _type_settings(cls, value: Any, info: ValidationInfo) -> Settings | None:
        type_name = info.data.get("type")
        if type_name is None:  # the type itself was invalid and is reported already
            return None
        model = registry.get(type_name).settings_model
        return value if isinstance(value, model) else model.model_validate(value)

    @model_validator(mode="after")
    def _prefill_supported(self) -> FieldDef:
        if self.prefill is not None and not self.field_type.prefillable:
            raise PydanticCustomError("prefill", "a {type} field cannot be prefilled", {"type": self.type})
        return self

    @property
    def field_type(self) -> FieldType[Any]:
        return registry.get(self.type)


# A repeating group's settings hold fields: resolved now that FieldDef exists.
GroupSettings.model_rebuild(_types_namespace={"FieldDef": FieldDef})


class Page(Frozen):
    """One step of the form wizard."""

    key: Identifier
    title: Text
    help: str | None = None
    fields: tuple[FieldDef, ...] = Field(min_length=1)


class ProcedureDefinition(Frozen):
    """A procedure residents can apply for: what it is, what it costs, and the questions it asks."""

    slug: Slug  # the file stem
    title: Text
    summary: Text
    description: Text
    requirements: tuple[Text, ...] = ()
    fee: Fee = Field(description="yen (0 = free), or computed from the answers: see fee below")
    fee_note: str | None = None
    receipt_methods: tuple[ReceiptMethod, ...] = Field(
        default=(ReceiptMethod.COUNTER,), min_length=1, description="受取方法 offered; asked when more than one"
    )
    payment_methods: tuple[PaymentMethod, ...] = Field(
        default=(PaymentMethod.COUNTER,), min_length=1, description="支払方法 offered; asked when more than one"
    )
    processing_days: int = Field(
        ge=1,
        description="標準処理期間 in 開庁日 (days the office is open: not weekends, national holidays, 12/29-1/3 or "
        "the municipality's closures); a case is due on the processing_days-th 開庁日 after it was submitted",
    )
    retention: Period | None = Field(
        default=None,
        description="保存期間: how long a case is kept once in a final state, 5y / 18m / 30d from the JST day it got "
        "there; then beat purges its answers, attachments and certificate PDFs, keeping a stub (受付番号, procedure, "
        "dates, final state), its history's states and its audit entries. The current version of the definition "
        "decides, for every case of the procedure. Without it, cases are kept for good",
    )
    workflow: Slug  # workflows/<name>.yaml
    certificate: Slug | None = None  # a certificate template, or none
    certified_persons: Identifier | None = Field(
        default=None,
        description="a household_members field: the certificate prints the persons chosen there as the 住民記録 "
        "holds them when it is issued (the template's record)",
    )
    requester: Requester | None = Field(
        default=None,
        description="lets a resident request for someone else (代理人, 法定代理人, 第三者): see requester below",
    )
    pages: tuple[Page, ...] = Field(min_length=1)
    rules: tuple[Rule, ...] = Field(default=(), description="checks relating fields to each other (see Rules)")
    version: str  # sha256 of the file: submissions record the definition they answered

    @property
    def fields(self) -> tuple[FieldDef, ...]:
        return tuple(field for page in self.pages for field in page.fields)

    def field(self, name: str) -> FieldDef:
        for field in self.fields:
            if field.name == name:
                return field
        raise KeyError(f"{self.slug} has no field {name!r}")

    def page(self, key: str) -> Page:
        for page in self.pages:
            if page.key == key:
                return page
        raise KeyError(f"{self.slug} has no page {key!r}")


class Catalog(Mapping[str, ProcedureDefinition]):
    """The loaded procedures by slug, iterating in title order (then slug) as residents see them."""

    def __init__(self, definitions: Mapping[str, ProcedureDefinition] | None = None) -> None:
        ordered = sorted((definitions or {}).values(), key=lambda d: (d.title, d.slug))
        self._definitions = MappingProxyType({d.slug: d for d in ordered})

    def __getitem__(self, slug: str) -> ProcedureDefinition:
        return self._definitions[slug]

    def __iter__(self) -> Iterator[str]:
        return iter(self._definitions)

    def __len__(self) -> int:
        return len(self._definitions)

    def __repr__(self) -> str:
        return f"Catalog({list(self._definitions)})"
