"""What the applicant typed beside what the 住民記録 holds, item by item, for the clerk's review.

The typed values are the answers of the fields that declare which profile item they ask (``prefill:``);
an item the form does not ask (性別 on the 住民票 form) comes from the login's verified claims instead.
Spellings that differ only in width, spacing, case, kana script or the way an address writes its numbers
(千代田1-1 and 千代田一丁目1番) are the same; anything else is a difference the clerk should see, a variant
character too (吉田 typed, 𠮷田 recorded), because the certificate prints the record, not the typing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

import jaconv

from portal.catalog.model import ProcedureDefinition
from portal.catalog.normalize import normalise_text
from portal.messages import N_
from portal.records.matching import address_key
from portal.records.model import Gender, Person


class Item(StrEnum):
    NAME = "name"
    KANA = "kana"
    BIRTHDATE = "birthdate"
    ADDRESS = "address"
    GENDER = "gender"


LABELS = {
    Item.NAME: N_("氏名"),
    Item.KANA: N_("フリガナ"),
    Item.BIRTHDATE: N_("生年月日"),
    Item.ADDRESS: N_("住所"),
    Item.GENDER: N_("性別"),
}
GENDER_LABELS = {Gender.MALE.value: N_("男"), Gender.FEMALE.value: N_("女")}

# The profile keys (``prefill:``) that make up each item, in the order they are written.
PROFILE_KEYS = {
    Item.NAME: ("family_name", "given_name"),
    Item.KANA: ("family_name_kana", "given_name_kana"),
    Item.BIRTHDATE: ("birthdate",),
    Item.ADDRESS: ("address",),
    Item.GENDER: ("gender",),
}

Shown = str | date  # text as written; a date for 生年月日; a msgid (男, 女) for 性別


@dataclass(frozen=True)
class Compared:
    item: Item
    applied: Shown  # "" when neither the form nor the claims say
    recorded: Shown
    differs: bool
    from_claims: bool = False  # the form does not ask this item: the value is the login's verified claim

    @property
    def label(self) -> str:
        return LABELS[self.item]


def typed_values(definition: ProcedureDefinition, answers: Mapping[str, Any]) -> dict[str, str]:
    """The answers of fields that ask a profile item, by profile key (family_name, address, …)."""
    return {
        field.prefill: str(answers[field.name])
        for field in definition.fields
        if field.prefill and answers.get(field.name) not in (None, "")
    }


def compare(typed: Mapping[str, str], claims: Mapping[str, str], person: Person) -> tuple[Compared, ...]:
    """Each item typed (or, when the form does not ask it, claimed) against the recorded ``person``."""
    recorded = {
        Item.NAME: person.name.full,
        Item.KANA: person.name.full_kana,
        Item.BIRTHDATE: person.birthdate.isoformat(),
        Item.ADDRESS: f"{person.address.address} {person.address.katagaki}".strip(),
        Item.GENDER: person.gender.value,
    }
    # 住所 and 方書 keyed apart: the typed address runs them together (…1-1 錦町ハイツ305号室).
    recorded_keys = {Item.ADDRESS: address_key(person.address.address) + address_key(person.address.katagaki)}
    rows = []
    for item, keys in PROFILE_KEYS.items():
        from_claims = not any(typed.get(key) for key in keys)
        source = claims if from_claims else typed
        applied = " ".join(source[key] for key in keys if source.get(key))
        same = _KEYS[item](applied) == recorded_keys.get(item, _KEYS[item](recorded[item]))
        rows.append(Compared(item, _shown(item, applied), _shown(item, recorded[item]), not same, from_claims))
    return tuple(rows)


def _plain(text: str) -> str:
    return "".join(normalise_text(text).split()).casefold()


def _kana(text: str) -> str:
    return jaconv.hira2kata(_plain(text))


_KEYS: dict[Item, Callable[[str], str]] = {
    Item.NAME: _plain,
    Item.KANA: _kana,
    Item.BIRTHDATE: str.strip,
    Item.ADDRESS: address_key,
    Item.GENDER: str.strip,
}


def _shown(item: Item, value: str) -> Shown:
    if item is Item.BIRTHDATE and value:
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    if item is Item.GENDER:
        return GENDER_LABELS.get(value, value)
    return value
