"""The JSON form of a record: the http contract and the snapshot shape, checked item by item."""

from __future__ import annotations

import copy
from dataclasses import fields
from typing import Any

import pytest

from portal.demo import demo_households
from portal.records.model import (
    Person,
    RecordFormatError,
    household_from_json,
    household_to_json,
    person_from_json,
    person_to_json,
)


def every_household() -> list[Any]:
    return [household for households in demo_households().values() for household in households]


def test_every_demo_household_survives_the_round_trip() -> None:
    for household in every_household():
        assert household_from_json(household_to_json(household)) == household


def test_the_demo_records_cover_what_the_standard_prints() -> None:
    people = [member for household in every_household() for member in household.members]
    assert 8 <= len(every_household()) <= 10
    foreign = [p for p in people if p.foreign]
    assert foreign and all(p.domicile is None for p in foreign)
    assert any(p.foreign.alias for p in foreign) and any(p.foreign.period_expires_on for p in foreign)
    assert all(p.domicile for p in people if not p.foreign)
    assert any(p.previous_address for p in people)
    assert {"𠮷", "髙", "﨑"} <= {char for p in people for char in p.name.full}
    assert any(p.address.katagaki for p in people)


def test_no_field_could_hold_a_my_number_or_resident_code() -> None:
    names = {f.name for f in fields(Person)}
    assert not {n for n in names if "number" in n or "code" in n or "juminhyo" in n}


YAMADA_JSON = person_to_json(every_household()[0].members[0])


def test_keys_outside_the_contract_are_dropped_not_kept() -> None:
    sent = {**YAMADA_JSON, "my_number": "123456789012", "resident_code": "12345678901"}
    person = person_from_json(sent)
    assert person == person_from_json(YAMADA_JSON)
    assert "123456789012" not in repr(person) and "12345678901" not in repr(person)


@pytest.mark.parametrize(
    ("path", "value", "named"),
    [
        (("person_id",), "", "person_id"),
        (("person_id",), 17, "person_id"),
        (("name",), "山田 太郎", "name"),
        (("name", "family"), None, "family"),
        (("birthdate",), "1985/04/12", "birthdate"),
        (("birthdate",), None, "birthdate"),
        (("gender",), "男", "gender"),
        (("address",), None, "address"),
        (("address", "address"), "", "address"),
        (("domicile",), {"honseki": "東京都"}, "hittosha"),
        (("foreign",), {"nationality": "スペイン"}, "category"),
    ],
)
def test_a_malformed_person_names_the_item(path: tuple[str, ...], value: Any, named: str) -> None:
    data = copy.deepcopy(YAMADA_JSON)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(RecordFormatError, match=named):
        person_from_json(data)


@pytest.mark.parametrize("members", [None, [], "P0001"])
def test_a_household_needs_members(members: Any) -> None:
    data = household_to_json(every_household()[0])
    with pytest.raises(RecordFormatError, match="members"):
        household_from_json({**data, "members": members})


def test_not_an_object_at_all() -> None:
    with pytest.raises(RecordFormatError, match="person"):
        person_from_json(["P0001"])
