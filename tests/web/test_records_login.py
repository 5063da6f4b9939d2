"""A resident's login (the real OIDC exchange) finds and links their person in each municipality's records."""

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


def test_yamada_is_linked_in_mihon_at_login(client: FlaskClient, db_session: Session) -> None:
    assert login(client, "resident", "resident-yamada").status_code == 302

    assert links_of(db_session, "resident-yamada") == {"999997": ("P0001", LinkMethod.BASIC_INFO)}
    assert login(client, "resident", "resident-yamada").status_code == 302  # a second login keeps the one link
    assert links_of(db_session, "resident-yamada") == {"999997": ("P0001", LinkMethod.BASIC_INFO)}


@pytest.mark.parametrize(
    ("sub", "expected"),
    [("resident-garcia", {"999989": "P1001"}), ("resident-yoshida", {"999997": "P0006"})],
)
def test_other_demo_residents_are_linked_where_they_live(
    client: FlaskClient, db_session: Session, sub: str, expected: dict[str, str]
) -> None:
    assert login(client, "resident", sub).status_code == 302
    assert {code: person for code, (person, _) in links_of(db_session, sub).items()} == expected


def test_a_resident_nobody_matches_logs_in_unlinked(client: FlaskClient, db_session: Session) -> None:
    response = login(client, "resident", "resident-tanaka")

    assert response.status_code == 302 and logged_in(client)
    assert links_of(db_session, "resident-tanaka") == {}


def test_records_that_cannot_answer_do_not_stop_the_login(
    app: Flask, client: FlaskClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    down = build_directory({"999997": RecordsSource("http", unreachable_url(), "t")})
    monkeypatch.setitem(app.extensions, RECORDS_EXTENSION, down)

    response = login(client, "resident", "resident-yamada")

    assert response.status_code == 302 and logged_in(client)
    assert links_of(db_session, "resident-yamada") == {}
