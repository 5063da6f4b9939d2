"""A resident's person is looked up in a municipality's records when they deal with that municipality —
never at login, which would send their 基本4情報 to every core system in the deployment."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import LinkMethod, Resident, ResidentRecordLink
from portal.records.registry import RecordsSource, build_directory
from portal.web.access import RESIDENT_KEY
from portal.web.current import RECORDS_EXTENSION
from tests.unit.records.stub_core import unreachable_url
from tests.web.conftest import login


def links_of(db_session: Session, sub: str) -> dict[str, tuple[str, LinkMethod]]:
    db_session.expire_all()
    rows = db_session.execute(
        select(ResidentRecordLink.municipality_code, ResidentRecordLink.person_id, ResidentRecordLink.method)
        .join(Resident, Resident.id == ResidentRecordLink.resident_id)
        .where(Resident.subject == sub)
    )
    return {code: (person_id, method) for code, person_id, method in rows}


def logged_in(client: FlaskClient) -> bool:
    with client.session_transaction() as session:
        return RESIDENT_KEY in session


FORM = "/{code}/procedures/juminhyo/apply?page=request"  # asks for household members: reads the recorded household


def test_login_asks_no_records_and_the_first_form_links_in_that_municipality_only(
    client: FlaskClient, db_session: Session
) -> None:
    assert login(client, "resident", "resident-yamada").status_code == 302
    assert links_of(db_session, "resident-yamada") == {}

    assert client.get(FORM.format(code="999997")).status_code == 200
    assert links_of(db_session, "resident-yamada") == {"999997": ("P0001", LinkMethod.BASIC_INFO)}
    assert client.get(FORM.format(code="999997")).status_code == 200  # the link is followed, not made again
    assert links_of(db_session, "resident-yamada") == {"999997": ("P0001", LinkMethod.BASIC_INFO)}


@pytest.mark.parametrize(
    ("sub", "code", "person"),
    [("resident-garcia", "999989", "P1001"), ("resident-yoshida", "999997", "P0006")],
)
def test_other_demo_residents_are_linked_where_they_live(
    client: FlaskClient, db_session: Session, sub: str, code: str, person: str
) -> None:
    assert login(client, "resident", sub).status_code == 302
    assert client.get(FORM.format(code=code)).status_code == 200
    assert {c: p for c, (p, _) in links_of(db_session, sub).items()} == {code: person}


def test_a_resident_nobody_matches_stays_unlinked(client: FlaskClient, db_session: Session) -> None:
    assert login(client, "resident", "resident-tanaka").status_code == 302 and logged_in(client)
    assert client.get(FORM.format(code="999997")).status_code == 200
    assert links_of(db_session, "resident-tanaka") == {}


def test_records_that_cannot_answer_stop_neither_the_login_nor_the_form(
    app: Flask, client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = build_directory({"999997": RecordsSource("http", unreachable_url(), "t")})
    monkeypatch.setitem(app.extensions, RECORDS_EXTENSION, down)

    assert login(client, "resident", "resident-yamada").status_code == 302 and logged_in(client)
    assert client.get(FORM.format(code="999997")).status_code == 200
    assert links_of(db_session, "resident-yamada") == {}
