"""The ``demo`` backend: 住民記録 kept in the portal's own tables (development, tests, demonstrations).

It reads through the session it is opened with, always within its municipality.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from portal.models import DemoHousehold, DemoPerson
from portal.records.matching import BasicInfo
from portal.records.model import Address, Domicile, ForeignResidentStatus, Household, Name, Person
from portal.records.registry import Opener, RecordsSource, register

HEAD_OF_HOUSEHOLD = "世帯主"


class DemoRecords:
    def __init__(self, session: Session, municipality_code: str) -> None:
        self.session = session
        self.municipality_code = municipality_code

    def person(self, person_id: str) -> Person | None:
        row = self.session.scalars(
            select(DemoPerson)
            .filter_by(municipality_code=self.municipality_code, person_id=person_id)
            .options(selectinload(DemoPerson.household))
        ).one_or_none()
        return _person(row) if row else None

    def candidates(self, query: BasicInfo) -> Sequence[Person]:
        """Everyone born that day: a handful of rows, which the portal's matching then narrows."""
        rows = self.session.scalars(
            select(DemoPerson)
            .filter_by(municipality_code=self.municipality_code, birthdate=query.birthdate)
            .options(selectinload(DemoPerson.household))
            .order_by(DemoPerson.person_id)
        )
        return [_person(row) for row in rows]

    def household(self, household_id: str) -> Household | None:
        row = self.session.scalars(
            select(DemoHousehold)
            .filter_by(municipality_code=self.municipality_code, household_id=household_id)
            .options(selectinload(DemoHousehold.members))
        ).one_or_none()
        if row is None:
            return None
        members = tuple(_person(member) for member in row.members)
        head = next((m for m in members if m.relationship == HEAD_OF_HOUSEHOLD), members[0])
        return Household(row.household_id, head.name.full, _address(row), members)


@register("demo")
def _open_demo(municipality_code: str, source: RecordsSource) -> Opener:
    return lambda session: DemoRecords(session, municipality_code)


def store_household(session: Session, municipality_code: str, household: Household) -> None:
    """Create or refresh one demo household and its members; storing the same household twice changes nothing."""
    row = session.scalars(
        select(DemoHousehold).filter_by(municipality_code=municipality_code, household_id=household.household_id)
    ).one_or_none() or DemoHousehold(municipality_code=municipality_code, household_id=household.household_id)
    row.address = household.address.address
    row.katagaki = household.address.katagaki
    row.postal_code = household.address.postal_code
    existing = {member.person_id: member for member in row.members}
    row.members = [
        _store_person(existing.get(person.person_id) or DemoPerson(municipality_code=municipality_code), person, i)
        for i, person in enumerate(household.members)
    ]
    session.add(row)


def _store_person(row: DemoPerson, person: Person, position: int) -> DemoPerson:
    foreign = person.foreign
    domicile = person.domicile
    values = {
        "person_id": person.person_id,
        "position": position,
        "family_name": person.name.family,
        "given_name": person.name.given,
        "family_name_kana": person.name.family_kana,
        "given_name_kana": person.name.given_kana,
        "birthdate": person.birthdate,
        "gender": person.gender,
        "relation_to_head": person.relationship,
        "became_resident_on": person.became_resident_on,
        "address_set_on": person.address_set_on,
        "previous_address": person.previous_address,
        "honseki": domicile.honseki if domicile else None,
        "hittosha": domicile.hittosha if domicile else None,
        "nationality": foreign.nationality if foreign else None,
        "foreign_category": foreign.category if foreign else None,
        "residence_status": foreign.residence_status if foreign else None,
        "period_of_stay": foreign.period_of_stay if foreign else None,
        "period_expires_on": foreign.period_expires_on if foreign else None,
        "alias": foreign.alias if foreign else None,
        "alias_kana": foreign.alias_kana if foreign else None,
    }
    for key, value in values.items():
        setattr(row, key, value)
    return row


def _address(household: DemoHousehold) -> Address:
    return Address(household.address, household.katagaki, household.postal_code)


def _person(row: DemoPerson) -> Person:
    return Person(
        person_id=row.person_id,
        household_id=row.household.household_id,
        name=Name(row.family_name, row.given_name, row.family_name_kana, row.given_name_kana),
        birthdate=row.birthdate,
        gender=row.gender,
        relationship=row.relation_to_head,
        address=_address(row.household),
        became_resident_on=row.became_resident_on,
        address_set_on=row.address_set_on,
        previous_address=row.previous_address,
        domicile=Domicile(row.honseki, row.hittosha or "") if row.honseki is not None else None,
        foreign=ForeignResidentStatus(
            nationality=row.nationality,
            category=row.foreign_category or "",
            residence_status=row.residence_status or "",
            period_of_stay=row.period_of_stay or "",
            period_expires_on=row.period_expires_on,
            alias=row.alias or "",
            alias_kana=row.alias_kana or "",
        )
        if row.nationality is not None
        else None,
    )
