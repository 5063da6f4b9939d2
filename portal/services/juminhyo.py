"""What a 住民票の写し certifies: the persons of the 住民記録 the request names, as recorded at issue time.

The applicant's answers only choose (scope, members, items); every printed value comes from the record
(the person's and household, :func:`portal.services.certified.certified_household`: the applicant's own, or
those of the person a request on someone's behalf names, whose 本人のみ is that person). The
snapshot keeps only what the certificate prints: an item not requested (続柄, 本籍・筆頭者) is not stored,
the record's ids are not stored, and a マイナンバー or 住民票コード is never part of a record at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from portal.messages import N_, Message
from portal.records.model import Household, Person
from portal.services.certified import record
from portal.workflow import TransitionRefused

# The answers of forms_catalog/juminhyo.yaml that choose what is certified.
SCOPE, MEMBERS, ITEMS = "scope", "members", "items"
SELF, HOUSEHOLD, PART = "self", "household", "partial"  # 本人のみ, 世帯全員, 世帯の一部
OPTIONAL_ITEMS = ("relationship", "honseki")  # 続柄, 本籍・筆頭者: printed only when requested, else 省略
ENTRY_KEYS = {"relationship": "relationship", "honseki": "domicile"}  # each optional item's key in an entry

UNKNOWN_PERSONS = Message(
    N_("請求された方が申請者の世帯の住民記録にないため、証明書を発行できません。申請を差戻してください。")
)


def juminhyo_content(household: Household, person: Person, answers: Mapping[str, Any]) -> dict[str, Any]:
    """``{"record": …, "requested": …}`` for the template from the certified ``person`` and ``household`` as
    recorded, or TransitionRefused when the persons asked for are not in the household."""
    requested = {item: item in (answers.get(ITEMS) or ()) for item in OPTIONAL_ITEMS}  # left empty: None
    return household_content(household, _chosen(household, person, answers.get(SCOPE), answers.get(MEMBERS)), requested)


def household_content(household: Household, persons: Sequence[Person], requested: Mapping[str, bool]) -> dict[str, Any]:
    """What the template prints of ``persons`` of ``household`` (chosen and checked by the caller): an item not
    requested is left out of every entry."""
    omitted = [ENTRY_KEYS[item] for item in OPTIONAL_ITEMS if not requested[item]]
    return {"record": record(household, persons, omitted), "requested": dict(requested)}


def _chosen(household: Household, person: Person, scope: object, members: object) -> list[Person]:
    """本人のみ: the certified person; 世帯全員: every member; 世帯の一部: the chosen record ids. Always in the
    order the record lists the household."""
    if scope == SELF:
        return [person]
    if scope == HOUSEHOLD:
        return list(household.members)
    ids = set(members) if isinstance(members, list) and all(isinstance(m, str) for m in members) else set()
    chosen = [person for person in household.members if person.person_id in ids]
    if scope != PART or not ids or len(chosen) != len(ids):
        raise TransitionRefused(UNKNOWN_PERSONS)
    return chosen
