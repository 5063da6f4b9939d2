"""Matching a logged-in resident to a person in the 住民記録 by 基本4情報 (氏名, 生年月日, 性別, 住所).

The claims come from the identity provider and the record from the core system; they spell the same
thing differently (full/half width, kana, spaces, 一丁目1番 against 1-1, a JIS X 0208 substitute for
𠮷). Both sides are reduced to the same key here, and a link is made only on exactly one match.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from portal.catalog.normalize import dashes_between_digits, normalise_text
from portal.identity import ResidentProfile
from portal.records.model import Gender, Person

# Characters outside JIS X 0208 that a provider (or an older system) may send as their common form.
# Only the matching keys fold them; the record keeps and prints the character as registered.
VARIANTS = str.maketrans({"𠮷": "吉", "髙": "高", "﨑": "崎", "德": "徳", "黑": "黒", "邊": "辺", "邉": "辺"})

_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_NUMBER = re.compile("[〇一二三四五六七八九十百]+(?=丁目|番|号)")
_CHOME = re.compile(r"(\d+)丁目")
_BANCHI = re.compile(r"(\d+)番地?の?")
_GO = re.compile(r"(\d+)号")
_NO_BETWEEN_DIGITS = re.compile(r"(?<=\d)の(?=\d)")


class Outcome(StrEnum):
    """What finding the person came to; everything but LINKED and MATCHED leaves the resident unlinked."""

    LINKED = "linked"  # an earlier link was followed
    MATCHED = "matched"  # exactly one person matched: a link is made
    NO_MATCH = "no_match"  # nobody matched
    AMBIGUOUS = "ambiguous"  # several persons matched: nobody is linked
    INCOMPLETE = "incomplete"  # the claims lack one of the 基本4情報
    LINK_STALE = "link_stale"  # the linked person is no longer in the records
    UNAVAILABLE = "unavailable"  # the backend could not answer


@dataclass(frozen=True)
class BasicInfo:
    """基本4情報 from verified claims, as the resident's provider spelled them."""

    name: str
    birthdate: date
    gender: Gender
    address: str


def basic_info(profile: ResidentProfile) -> BasicInfo | None:
    """The 基本4情報 of a login, or None when the claims lack (or garble) any of the four."""
    name = f"{profile.family_name} {profile.given_name}"
    return stated_info(name, profile.birthdate, profile.gender, profile.address)


def stated_info(name: str, birthdate: str, gender: str, address: str) -> BasicInfo | None:
    """基本4情報 as stated (claims, or answers naming someone else: ISO date, ``male``/``female``), or None when
    any of the four is missing or garbled."""
    try:
        born = date.fromisoformat(birthdate)
        recorded_gender = Gender(gender)
    except ValueError:
        return None
    if not name.strip() or not address:
        return None
    return BasicInfo(name=name.strip(), birthdate=born, gender=recorded_gender, address=address)


def name_key(name: str) -> str:
    """山田　太郎, 山田太郎 and ﾔﾏﾀﾞ-style widths agree; Latin names ignore case (GARCIA Maria)."""
    return "".join(normalise_text(name).split()).casefold().translate(VARIANTS)


def address_key(address: str) -> str:
    """千代田一丁目1番地の2, 千代田１－１－２ and 千代田1-1-2 agree."""
    text = "".join(normalise_text(address).split()).translate(VARIANTS).replace("ヶ", "ケ")
    text = _KANJI_NUMBER.sub(lambda m: str(_kanji_number(m.group())), text)
    text = _CHOME.sub(r"\1-", text)
    text = _BANCHI.sub(r"\1-", text)
    text = _GO.sub(r"\1", text)
    text = _NO_BETWEEN_DIGITS.sub("-", dashes_between_digits(text))
    return text.rstrip("-")


def matches(person: Person, query: BasicInfo) -> bool:
    """All four agree; the claimed address may or may not include the 方書."""
    address = address_key(person.address.address)
    return (
        person.birthdate == query.birthdate
        and person.gender is query.gender
        and name_key(person.name.full) == name_key(query.name)
        and address_key(query.address) in {address, address + address_key(person.address.katagaki)}
    )


@dataclass(frozen=True)
class Match:
    outcome: Outcome
    person: Person | None = None
    count: int = 0  # how many persons matched (0, 1 or several)


def match(candidates: Iterable[Person], query: BasicInfo) -> Match:
    """MATCHED with the person when exactly one candidate matches; otherwise say which way it failed."""
    matching = [person for person in candidates if matches(person, query)]
    if len(matching) == 1:
        return Match(Outcome.MATCHED, matching[0], 1)
    return Match(Outcome.AMBIGUOUS if matching else Outcome.NO_MATCH, None, len(matching))


def _kanji_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 百五 → 105, 一〇 → 10 (address numbers, not arbitrary numerals)."""
    if "十" not in text and "百" not in text:
        return int("".join(str(_KANJI_DIGITS[c]) for c in text))
    total, digit = 0, 0
    for char in text:
        if char in _KANJI_DIGITS:
            digit = _KANJI_DIGITS[char]
        else:
            total += (digit or 1) * (100 if char == "百" else 10)
            digit = 0
    return total + digit
