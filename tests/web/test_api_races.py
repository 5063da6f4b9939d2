"""A client retrying a POST while the first is still running, through the real app and its own connections: the
Idempotency-Key makes it fire once, and both answers are the first one's (tests/web/test_races.py's set-up)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.models import Submission
from portal.roles import Role
from tests.web import queuecases
from tests.web.apiclients import CODE, bearer, token
from tests.web.test_races import _together, race_app  # noqa: F401 - the fixture committing for real


def test_two_retries_with_one_idempotency_key_at_the_same_moment_fire_once(
    race_app: Flask,  # noqa: F811
    committing_engine: Engine,
) -> None:
    with Session(committing_engine) as session:
        reference = queuecases.submit(race_app, session, CODE, "sodai_gomi").reference
        headers = {
            **bearer(token(session, "write", CODE, "基幹システム連携", Role.CLERK)),
            "Idempotency-Key": "retry-at-once",
        }
        session.commit()
    path = f"/api/v1/cases/{reference}/transitions/reject"

    def send():  # type: ignore[no-untyped-def]
        return race_app.test_client().post(path, json={"comment": "対象外の品目です。"}, headers=headers)

    first, second = _together(send, send)

    assert first.status_code == second.status_code == 200, (first.json, second.json)
    assert first.json == second.json
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in (first, second)) == ["", "true"]
    with Session(committing_engine) as session:
        submission = session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()
        assert [r.transition for r in submission.history] == ["submit", "reject"]
