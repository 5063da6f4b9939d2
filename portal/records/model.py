"""The 住民記録 as the portal reads it: typed, immutable values, whichever backend they came from.

Fields follow the 住民票 items of 住民基本台帳法 (第7条, 第30条の45 for foreign residents). A マイナンバー
or 住民票コード is deliberately absent: the portal never stores or prints either. The JSON form
(:func:`person_from_json`, :func:`household_from_json` and their inverses) is both the ``http`` backend's
contract and the shape a snapshot is stored in, so the two can never drift apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any


class Gender(StrEnum):
    """性別 as the record holds it; values are the OIDC ``gender`` claim's, so claims compare directly."""

    MALE = "male"
    FEMALE = "female"


@dataclass(frozen=True)
class Name:
    """氏名 and its フリガナ (full-width katakana). A foreign resident's 氏名 is in the Latin alphabet."""

    family: str
    given: str = ""
    family_kana: str = ""
    given_kana: str = ""

    @property
    def full(self) -> str:
        return f"{self.family} {self.given}".strip()

    @property
    def full_kana(self) -> str:
        return f"{self.family_kana} {self.given_kana}".strip()


@dataclass(frozen=True)
class Address:
    """住所 and 方書 (the building and room, printed after the address)."""

    address: str
    katagaki: str = ""
    postal_code: str = ""  # 7 half-width digits, or ""


@dataclass(frozen=True)
class Domicile:
    """本籍 and 筆頭者: printed only when the applicant asks for them."""

    honseki: str
    hittosha: str


@dataclass(frozen=True)
class ForeignResidentStatus:
    """The items a foreign resident's 住民票 carries instead of 本籍 (住民基本台帳法 第30条の45)."""

    nationality: str  # 国籍・地域
    category: str  # 第30条の45に規定する区分: 中長期在留者, 特別永住者, …
    residence_status: str = ""  # 在留資格 ("" for a 特別永住者)
    period_of_stay: str = ""  # 在留期間, as the card states it: 3年, 6月, …
    period_expires_on: date | None = None  # 在留期間の満了の日
    alias: str = ""  # 通称
    alias_kana: str = ""


@dataclass(frozen=True)
class Person:
    """One person's entry (個人票). ``person_id`` is the core system's opaque id (宛名番号), never a
    住民票コード or マイナンバー."""

    person_id: str
    household_id: str
    name: Name
    birthdate: date
    gender: Gender
    relationship: str  # 続柄 to the 世帯主: 世帯主, 妻, 子, …
    address: Address
    became_resident_on: date  # 住民となった年月日
    address_set_on: date  # 住所を定めた年月日
    previous_address: str = ""  # 転入前住所 ("" unless they moved in from another municipality)
    domicile: Domicile | None = None  # None for foreign residents
    foreign: ForeignResidentStatus | None = None


@dataclass(frozen=True)
class Household:
    """A 世帯 as recorded: its 世帯主 and members in the order the record lists them."""

    household_id: str
    head_name: str  # 世帯主の氏名
    address: Address
    members: tuple[Person, ...]


class RecordFormatError(ValueError):
    """A record in JSON form lacks an item or holds one of the wrong type; the message names the item."""


def person_to_json(person: Person) -> dict[str, Any]:
    return {
        "person_id": person.person_id,
        "household_id": person.household_id,
        "name": _fields(person.name),
        "birthdate": person.birthdate.isoformat(),
        "gender": person.gender.value,
        "relationship": person.relationship,
        "address": _fields(person.address),
        "became_resident_on": person.became_resident_on.isoformat(),
        "address_set_on": person.address_set_on.isoformat(),
        "previous_address": person.previous_address,
        "domicile": _fields(person.domicile) if person.domicile else None,
        "foreign": _foreign_to_json(person.foreign) if person.foreign else None,
    }


def household_to_json(household: Household) -> dict[str, Any]:
    return {
        "household_id": household.household_id,
        "head_name": household.head_name,
        "address": _fields(household.address),
        "members": [person_to_json(member) for member in household.members],
    }


def person_from_json(data: Any) -> Person:
    """Read one person; unknown keys (a core system may send more) are ignored, never kept."""
    data = _mapping(data, "person")
    foreign = data.get("foreign")
    domicile = data.get("domicile")
    return Person(
        person_id=_str(data, "person_id", required=True),
        household_id=_str(data, "household_id", required=True),
        name=_name(_mapping(data.get("name"), "name")),
        birthdate=_date(data, "birthdate"),
        gender=_gender(data.get("gender")),
        relationship=_str(data, "relationship", required=True),
        address=_address(_mapping(data.get("address"), "address")),
        became_resident_on=_date(data, "became_resident_on"),
        address_set_on=_date(data, "address_set_on"),
        previous_address=_str(data, "previous_address"),
        domicile=_domicile(_mapping(domicile, "domicile")) if domicile is not None else None,
        foreign=_foreign(_mapping(foreign, "foreign")) if foreign is not None else None,
    )


def household_from_json(data: Any) -> Household:
    data = _mapping(data, "household")
    members = data.get("members")
    if not isinstance(members, list) or not members:
        raise RecordFormatError("members: a non-empty list is required")
    return Household(
        household_id=_str(data, "household_id", required=True),
        head_name=_str(data, "head_name", required=True),
        address=_address(_mapping(data.get("address"), "address")),
        members=tuple(person_from_json(member) for member in members),
    )


def _fields(value: Name | Address | Domicile) -> dict[str, str]:
    return dict(vars(value))


def _foreign_to_json(foreign: ForeignResidentStatus) -> dict[str, Any]:
    data: dict[str, Any] = dict(vars(foreign))
    data["period_expires_on"] = foreign.period_expires_on.isoformat() if foreign.period_expires_on else None
    return data


def _mapping(value: Any, item: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise RecordFormatError(f"{item}: an object is required")
    return value


def _str(data: Mapping[str, Any], key: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise RecordFormatError(f"{key}: {'a non-empty ' if required else 'a '}string is required")
    return value.strip()


def _date(data: Mapping[str, Any], key: str) -> date:
    value = data.get(key)
    try:
        return date.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RecordFormatError(f"{key}: an ISO 8601 date (YYYY-MM-DD) is required") from None


def _gender(value: Any) -> Gender:
    try:
        return Gender(value)
    except ValueError:
        raise RecordFormatError("gender: one of " + ", ".join(g.value for g in Gender) + " is required") from None


def _name(data: Mapping[str, Any]) -> Name:
    return Name(
        family=_str(data, "family", required=True),
        given=_str(data, "given"),
        family_kana=_str(data, "family_kana"),
        given_kana=_str(data, "given_kana"),
    )


def _address(data: Mapping[str, Any]) -> Address:
    return Address(
        address=_str(data, "address", required=True),
        katagaki=_str(data, "katagaki"),
        postal_code=_str(data, "postal_code"),
    )


def _domicile(data: Mapping[str, Any]) -> Domicile:
    return Domicile(honseki=_str(data, "honseki", required=True), hittosha=_str(data, "hittosha", required=True))


def _foreign(data: Mapping[str, Any]) -> ForeignResidentStatus:
    expires = data.get("period_expires_on")
    return ForeignResidentStatus(
        nationality=_str(data, "nationality", required=True),
        category=_str(data, "category", required=True),
        residence_status=_str(data, "residence_status"),
        period_of_stay=_str(data, "period_of_stay"),
        period_expires_on=_date(data, "period_expires_on") if expires is not None else None,
        alias=_str(data, "alias"),
        alias_kana=_str(data, "alias_kana"),
    )
