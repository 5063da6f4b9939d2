"""The demo records backend and the resident link, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.demo import load_demo_data
from portal.devidp import demo_users
from portal.identity import resident_profile_from_claims
from portal.models import DemoHousehold, DemoPerson, LinkMethod, Resident, ResidentRecordLink
from portal.records.demo import DemoRecords, store_household
from portal.records.http import HttpRecords
from portal.records.matching import BasicInfo, Outcome
from portal.records.model import Gender, Person
from portal.services.accounts import resident_login
from portal.services.records import find_person
from tests.unit.records.stub_core import unreachable_url

RESIDENT_SCOPES = "openid name address birthdate gender"


@pytest.fixture
def demo(db_session: Session) -> Session:
    load_demo_data(db_session)
    return db_session


def resident(session: Session, sub: str, **claims: Any) -> Resident:
    """A resident logged in with the development provider's claims for ``sub`` (changed by ``claims``)."""
    user = next(user for user in demo_users() if user.sub == sub)
    return resident_login(session, resident_profile_from_claims({**user.claims_for(RESIDENT_SCOPES), **claims}))


def links(session: Session) -> list[tuple[str, int, str, LinkMethod]]:
    return [
        tuple(row)  # type: ignore[misc]
        for row in session.execute(
            select(
                ResidentRecordLink.municipality_code,
                ResidentRecordLink.resident_id,
                ResidentRecordLink.person_id,
                ResidentRecordLink.method,
            ).order_by(ResidentRecordLink.id)
        )
    ]


def table_rows(session: Session) -> tuple[Any, ...]:
    session.expire_all()
    households = session.execute(select(DemoHousehold.__table__).order_by(DemoHousehold.id)).all()
    persons = session.execute(select(DemoPerson.__table__).order_by(DemoPerson.id)).all()
    return tuple(map(tuple, households)), tuple(map(tuple, persons))


def test_loading_the_demo_records_twice_changes_nothing(demo: Session) -> None:
    before = table_rows(demo)
    load_demo_data(demo)
    assert table_rows(demo) == before
    assert len(before[0]) == 8 and len(before[1]) == 17


def test_a_person_and_their_household_as_recorded(demo: Session) -> None:
    records = DemoRecords(demo, "999997")

    yamada = records.person("P0001")
    assert yamada is not None
    assert (yamada.name.full, yamada.name.full_kana, yamada.birthdate) == (
        "山田 太郎",
        "ヤマダ タロウ",
        date(1985, 4, 12),
    )
    assert yamada.address.address == "東京都千代田区千代田一丁目1番"
    assert yamada.domicile and yamada.domicile.hittosha == "山田 太郎" and yamada.foreign is None

    household = records.household(yamada.household_id)
    assert household is not None and household.head_name == "山田 太郎"
    assert [(m.name.full, m.relationship) for m in household.members] == [
        ("山田 太郎", "世帯主"),
        ("山田 優子", "妻"),
        ("山田 翔太", "子"),
        ("山田 美咲", "子"),
        ("山田 大翔", "子"),
    ]
    assert household.members[1].previous_address == "埼玉県さいたま市浦和区高砂三丁目15番1号"


def test_characters_outside_jis_x_0208_survive_the_database(demo: Session) -> None:
    records = DemoRecords(demo, "999997")
    assert records.person("P0006").name.full == "𠮷田 一郎"  # type: ignore[union-attr]
    household = records.household("H0004")
    assert household is not None and household.address.katagaki == "錦町ハイツ305号室"
    assert [m.name.full for m in household.members] == ["髙橋 誠", "山﨑 陽子"]
    assert household.members[1].birthdate == date(1972, 2, 29)


def test_a_foreign_resident(demo: Session) -> None:
    records = DemoRecords(demo, "999989")
    garcia = records.person("P1001")
    assert garcia is not None and garcia.domicile is None and garcia.foreign is not None
    assert (garcia.foreign.nationality, garcia.foreign.residence_status, garcia.foreign.period_of_stay) == (
        "スペイン",
        "技術・人文知識・国際業務",
        "5年",
    )
    assert garcia.foreign.period_expires_on == date(2029, 9, 30)
    kim = records.household("H1002")
    assert kim is not None and kim.head_name == "KIM YOUNGSOO"
    assert kim.members[0].foreign and kim.members[0].foreign.alias == "金田 英秀"
    assert kim.members[0].foreign.residence_status == "" and kim.members[1].foreign is None


def test_each_municipality_sees_only_its_own_records(demo: Session) -> None:
    mihon, shiken = DemoRecords(demo, "999997"), DemoRecords(demo, "999989")
    garcia = BasicInfo("GARCIA Maria", date(1992, 7, 30), Gender.FEMALE, "東京都新宿区西新宿2-8-1")

    assert mihon.person("P1001") is None and mihon.household("H1001") is None
    assert mihon.candidates(garcia) == []
    assert [p.person_id for p in shiken.candidates(garcia)] == ["P1001"]
    assert shiken.person("P0001") is None


@pytest.mark.parametrize(
    ("sub", "code", "person_id"),
    [
        ("resident-yamada", "999997", "P0001"),
        ("resident-sato", "999997", "P0004"),  # 氏名 unsplit, address as a string
        ("resident-yoshida", "999997", "P0006"),  # 𠮷
        ("resident-garcia", "999989", "P1001"),  # half-width kana, Latin name in another case
    ],
)
def test_a_unique_match_links_the_resident(demo: Session, sub: str, code: str, person_id: str) -> None:
    account = resident(demo, sub)

    found = find_person(demo, DemoRecords(demo, code), account)

    assert (found.outcome, found.person and found.person.person_id) == (Outcome.MATCHED, person_id)
    assert links(demo) == [(code, account.id, person_id, LinkMethod.BASIC_INFO)]
    again = find_person(demo, DemoRecords(demo, code), account)  # the link is followed from now on
    assert (again.outcome, again.person) == (Outcome.LINKED, found.person)
    assert len(links(demo)) == 1


def test_the_link_is_followed_even_when_the_claims_change(demo: Session) -> None:
    account = resident(demo, "resident-yamada")
    find_person(demo, DemoRecords(demo, "999997"), account)
    moved = resident(demo, "resident-yamada", address="東京都千代田区九段南1-2-1")  # same subject, same account

    found = find_person(demo, DemoRecords(demo, "999997"), moved)
    assert (found.outcome, found.person and found.person.person_id) == (Outcome.LINKED, "P0001")


@pytest.mark.parametrize(
    ("sub", "code", "claims", "outcome"),
    [
        ("resident-tanaka", "999997", {}, Outcome.NO_MATCH),
        ("resident-garcia", "999997", {}, Outcome.NO_MATCH),  # recorded in 試験町, not 見本市
        ("resident-yamada", "999997", {"birthdate": "1985-04-13"}, Outcome.NO_MATCH),
        ("resident-yamada", "999997", {"gender": "female"}, Outcome.NO_MATCH),
        ("resident-yamada", "999997", {"address": "東京都千代田区千代田1-2"}, Outcome.NO_MATCH),
        ("resident-yamada", "999997", {"birthdate": None}, Outcome.INCOMPLETE),
        ("resident-yamada", "999997", {"address": None}, Outcome.INCOMPLETE),
        ("resident-yamada", "999997", {"gender": "other"}, Outcome.INCOMPLETE),
    ],
)
def test_no_link_without_a_match(demo: Session, sub: str, code: str, claims: dict, outcome: Outcome) -> None:
    account = resident(demo, sub, **claims)

    found = find_person(demo, DemoRecords(demo, code), account)

    assert (found.outcome, found.person, found.count) == (outcome, None, 0)
    assert links(demo) == []


def test_several_matches_link_nobody(demo: Session) -> None:
    records = DemoRecords(demo, "999997")
    household = records.household("H0001")
    assert household is not None
    twin = replace(household.members[0], person_id="P0099", relationship="兄")  # a data error in the register
    store_household(demo, "999997", replace(household, members=(*household.members, twin)))
    account = resident(demo, "resident-yamada")

    found = find_person(demo, records, account)

    assert (found.outcome, found.person, found.count) == (Outcome.AMBIGUOUS, None, 2)
    assert links(demo) == []


def test_a_linked_person_gone_from_the_records_is_matched_again(demo: Session) -> None:
    """The core system gave the person a new id: the stale link would refuse every 交付 forever."""
    account = resident(demo, "resident-yamada")
    find_person(demo, DemoRecords(demo, "999997"), account)
    demo.execute(ResidentRecordLink.__table__.update().values(person_id="P0404"))

    found = find_person(demo, DemoRecords(demo, "999997"), account)
    assert (found.outcome, found.person and found.person.person_id) == (Outcome.MATCHED, "P0001")
    assert [link[2] for link in links(demo)] == ["P0001"]


def test_a_stale_link_nobody_matches_any_more_is_dropped(demo: Session) -> None:
    account = resident(demo, "resident-yamada")
    find_person(demo, DemoRecords(demo, "999997"), account)
    demo.execute(ResidentRecordLink.__table__.update().values(person_id="P0404"))
    account.profile = {**account.profile, "birthdate": "1901-01-01"}  # no longer anybody in the records

    found = find_person(demo, DemoRecords(demo, "999997"), account)
    assert (found.outcome, found.person) == (Outcome.NO_MATCH, None)
    assert links(demo) == []


def test_records_that_cannot_answer_leave_no_link(demo: Session) -> None:
    account = resident(demo, "resident-yamada")

    found = find_person(demo, HttpRecords("999997", unreachable_url(), "t", timeout=(0.5, 0.5)), account)

    assert (found.outcome, found.person) == (Outcome.UNAVAILABLE, None)
    assert links(demo) == []


class LinkedMeanwhile(DemoRecords):
    """The demo records, while another login of the same resident links them between read and write."""

    def __init__(self, session: Session, code: str, account: Resident) -> None:
        super().__init__(session, code)
        self.account = account

    def candidates(self, query: BasicInfo) -> Sequence[Person]:
        found = super().candidates(query)
        self.session.execute(
            ResidentRecordLink.__table__.insert().values(
                municipality_code=self.municipality_code,
                resident_id=self.account.id,
                person_id="P0001",
                method=LinkMethod.BASIC_INFO.value,
                linked_at=func.now(),
            )
        )
        return found


def test_a_link_made_meanwhile_wins_and_the_login_goes_on(demo: Session) -> None:
    account = resident(demo, "resident-yamada")

    found = find_person(demo, LinkedMeanwhile(demo, "999997", account), account)

    assert found.outcome is Outcome.MATCHED
    assert links(demo) == [("999997", account.id, "P0001", LinkMethod.BASIC_INFO)]
    assert demo.scalar(select(func.count()).select_from(Resident)) == 1  # the session is still usable
