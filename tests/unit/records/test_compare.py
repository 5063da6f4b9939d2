"""The clerk's comparison of an application with the recorded person: spellings agree, real differences show."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from portal.catalog import load_definition
from portal.records.compare import Item, compare, typed_values
from portal.records.model import Address, Name, Person
from tests.unit.records.people import YAMADA

TYPED = {
    "family_name": "山田",
    "given_name": "太郎",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "タロウ",
    "birthdate": "1985-04-12",
    "address": "東京都千代田区千代田1-1",
}
CLAIMS = {"gender": "male"}


def differing(typed: dict[str, str], claims: dict[str, str] = CLAIMS, person: Person = YAMADA) -> set[Item]:
    return {row.item for row in compare(typed, claims, person) if row.differs}


def test_the_same_person_typed_the_usual_ways_differs_in_nothing() -> None:
    assert differing(TYPED) == set()
    spelled = {**TYPED, "family_name": "山田　", "given_name_kana": "たろう", "address": "東京都千代田区千代田１－１"}
    assert differing(spelled) == set()


@pytest.mark.parametrize(
    ("change", "item"),
    [
        ({"given_name": "太朗"}, Item.NAME),
        ({"family_name_kana": "ヤマタ"}, Item.KANA),
        ({"birthdate": "1985-04-21"}, Item.BIRTHDATE),
        ({"address": "東京都千代田区千代田1-2"}, Item.ADDRESS),
    ],
)
def test_each_typed_difference_is_marked_on_its_own_item(change: dict[str, str], item: Item) -> None:
    assert differing({**TYPED, **change}) == {item}


def test_addresses_agree_however_the_numbers_are_written() -> None:
    for spelling in ("東京都千代田区千代田一丁目1番", "東京都千代田区千代田1丁目1番地", "東京都 千代田区 千代田1ー1"):
        assert differing({**TYPED, "address": spelling}) == set(), spelling


def test_the_katagaki_is_part_of_the_recorded_address() -> None:
    heights = Person(**{**vars(YAMADA), "address": Address("東京都千代田区神田錦町三丁目1番", "錦町ハイツ305号室")})
    rows = {row.item: row for row in compare({**TYPED, "address": "東京都千代田区神田錦町3-1"}, CLAIMS, heights)}
    assert rows[Item.ADDRESS].recorded == "東京都千代田区神田錦町三丁目1番 錦町ハイツ305号室"
    assert rows[Item.ADDRESS].differs  # the resident left the room out: the clerk sees it
    assert differing({**TYPED, "address": "東京都千代田区神田錦町3-1 錦町ハイツ305号室"}, person=heights) == set()


def test_a_variant_character_is_a_difference_the_clerk_sees() -> None:
    yoshida = Person(**{**vars(YAMADA), "name": Name("𠮷田", "太郎", "ヨシダ", "タロウ")})
    rows = {
        row.item: row
        for row in compare({**TYPED, "family_name": "吉田", "family_name_kana": "ヨシダ"}, CLAIMS, yoshida)
    }
    assert rows[Item.NAME].differs and (rows[Item.NAME].applied, rows[Item.NAME].recorded) == ("吉田 太郎", "𠮷田 太郎")


def test_what_the_form_does_not_ask_comes_from_the_verified_claims() -> None:
    rows = {row.item: row for row in compare(TYPED, {"gender": "female", "family_name": "別人"}, YAMADA)}
    assert rows[Item.GENDER].from_claims and rows[Item.GENDER].differs
    assert (rows[Item.GENDER].applied, rows[Item.GENDER].recorded) == ("女", "男")  # msgids, translated on screen
    assert not rows[Item.NAME].from_claims and not rows[Item.NAME].differs  # typed, so the claim is not used


def test_dates_are_dates_for_the_page_to_write_in_wareki() -> None:
    rows = {row.item: row for row in compare(TYPED, CLAIMS, YAMADA)}
    assert rows[Item.BIRTHDATE].applied == rows[Item.BIRTHDATE].recorded == date(1985, 4, 12)


def test_typed_values_follow_the_fields_prefill_keys() -> None:
    juminhyo = load_definition(Path(__file__).resolve().parents[3] / "forms_catalog" / "juminhyo.yaml")
    answers = {"family_name": "山田", "given_name": "太郎", "birthdate": "1985-04-12", "phone": "03-1234-5678"}
    assert typed_values(juminhyo, {**answers, "postal_code": None}) == {
        "family_name": "山田",
        "given_name": "太郎",
        "birthdate": "1985-04-12",
    }
