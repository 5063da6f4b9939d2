"""Members of the resident's household as recorded (世帯の一部), chosen with checkboxes.

The choices are not in the definition: they are the household the 住民記録 holds for the logged-in
resident, which the web layer reads and passes in (``validate(..., choices=…)``). This type never asks a
records backend itself. The answer is the list of chosen record person ids, in the record's order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from portal.catalog.fieldtypes.base import Choices, Raw, SuppliedChoicesType, Translate
from portal.catalog.fieldtypes.choice import SEPARATOR
from portal.catalog.registry import register
from portal.messages import N_

if TYPE_CHECKING:
    from portal.catalog.model import FieldDef


class HouseholdMembersType(SuppliedChoicesType):
    name = "household_members"
    widget = "household_members"
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
        return translate(SEPARATOR).join(labels.get(person_id, person_id) for person_id in value or ())


register(HouseholdMembersType())
