"""Members of the resident's household as recorded (世帯の一部), chosen with checkboxes.

The choices are not in the definition: they are the household the 住民記録 holds for the logged-in
resident, which the web layer reads and passes in (``validate(..., choices=…)``). This type never asks a
records backend itself. The answer is the list of chosen record person ids, in the record's order.

With ``otherwise: <group>``, a household that cannot be read (no choices supplied) does not leave the field
unanswerable: the repeating group is asked in its place (:func:`not_asked`), and the answer is what was typed
there, which nobody may take for the record (:func:`typed_instead`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import Field

from portal.catalog.fieldtypes.base import Choices, Problem, Raw, Settings, SuppliedChoicesType, Translate, Verbatim
from portal.catalog.fieldtypes.choice import SEPARATOR
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.conditions import ShowIf
    from portal.catalog.model import FieldDef

GROUP = "group"


class HouseholdSettings(Settings):
    otherwise: str | None = Field(
        default=None,
        pattern=r"^[a-z][a-z0-9_]*$",
        description="a group field later on the same page, asked instead when the resident's household cannot be "
        "read from the 住民記録 (and this field then not)",
    )


class HouseholdMembersType(SuppliedChoicesType):
    """Persons of the resident's household as the 住民記録 holds it, chosen with checkboxes (their record ids
    are the answer). Where the household cannot be read, the field cannot be answered; or, with ``otherwise``,
    the repeating group it names is asked instead (氏名, 生年月日… typed), which staff must check at the counter."""

    name = "household_members"
    widget = "household_members"
    settings_model = HouseholdSettings
    required_msgid = N_("%(label)sを選択してください")
    prefillable = False

    def parse_present(self, field: FieldDef, raw: Raw) -> list[str]:
        return list(dict.fromkeys(value.strip() for value in raw.get(field.name, ()) if value.strip()))

    def choose(self, field: FieldDef, value: Any, choices: Choices | None) -> list[str]:
        if choices is None:
            raise self.error(field, N_("住民記録で世帯を確認できないため、%(label)sを選べません"))
        offered = [person_id for person_id, _label in choices]
        if not set(value) <= set(offered):
            raise self.error(field, N_("%(label)sは世帯の方の一覧から選んでください"))
        return [person_id for person_id in offered if person_id in value]

    def to_raw(self, field: FieldDef, value: Any) -> dict[str, list[str]]:
        return {} if value is None else {field.name: list(value)}

    def display(self, field: FieldDef, value: Any, translate: Translate) -> str:
        return self.display_among(field, value, translate, None)

    def sample(self, field: FieldDef) -> list[str]:
        return ["sample-person"]

    def display_among(self, field: FieldDef, value: Any, translate: Translate, choices: Choices | None) -> str:
        """By name; an id the household no longer holds (or a household that cannot be read) as stored."""
        labels = dict(choices or ())
        return Verbatim(translate(SEPARATOR).join(labels.get(person_id, person_id) for person_id in value or ()))

    def check(self, field: FieldDef, fields: Mapping[str, FieldDef]) -> Iterator[Problem]:
        """``otherwise`` names a group without a show_if of its own (it follows this field's), used once; the
        loader checks that it comes later on the same page."""
        name = otherwise(field)
        if name is None:
            return
        group = fields.get(name)
        if group is None or group.type != GROUP:
            groups = ", ".join(n for n, f in fields.items() if f.type == GROUP) or "none"
            what = f"a {group.type} field" if group is not None else "not a field"
            yield ("otherwise",), f"{name!r} is {what}: otherwise names a group field (here: {groups})"
        elif group.show_if is not None:
            yield ("otherwise",), f"{name!r} has a show_if: a group asked otherwise is shown when {field.name!r} is"
        elif [f.name for f in fields.values() if otherwise(f) == name] != [field.name]:
            yield ("otherwise",), f"{name!r} is asked otherwise for more than one field"


def otherwise(field: FieldDef) -> str | None:
    """The group a household_members field asks when the household is unknown, if it names one."""
    return field.settings.otherwise if isinstance(field.field_type, HouseholdMembersType) else None  # type: ignore[attr-defined]


def asked_otherwise(fields: Sequence[FieldDef]) -> dict[str, FieldDef]:
    """Each group some household_members field asks in its place, by name, with that field."""
    return {name: field for field in fields if (name := otherwise(field)) is not None}


def not_asked(fields: Sequence[FieldDef], choices: Mapping[str, Choices] | None) -> frozenset[str]:
    """Fields left out for what is known of the household: a household_members field with ``otherwise`` when its
    choices (the recorded household) are not supplied, and that group when they are."""
    supplied = choices or {}
    return frozenset(
        field.name if supplied.get(field.name) is None else name
        for field in fields
        if (name := otherwise(field)) is not None
    )


def shown_when(field: FieldDef, instead_of: Mapping[str, FieldDef]) -> ShowIf | None:
    """A field's condition: its show_if, or for a group asked otherwise, the show_if of the field it replaces."""
    replaced = instead_of.get(field.name)
    return replaced.show_if if replaced is not None else field.show_if


def typed_instead(fields: Sequence[FieldDef], answers: Mapping[str, Any]) -> tuple[FieldDef, ...]:
    """household_members fields whose persons were typed in their ``otherwise`` group rather than chosen from the
    record (the household was unknown when applying): what they name cannot be certified as recorded."""
    return tuple(
        field
        for field in fields
        if (name := otherwise(field)) is not None and not answers.get(field.name) and answers.get(name)
    )


register(HouseholdMembersType())
