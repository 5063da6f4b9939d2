"""A submission's history is append-only: neither the ORM nor raw SQL can rewrite it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.demo import load_demo_data
from portal.japan import jst
from portal.models import ActorKind, Resident, Submission, TransitionRecord
from tests.db.signing import version_ids


@pytest.fixture
def record(db_session: Session) -> TransitionRecord:
    load_demo_data(db_session)
    resident = Resident(subject="someone", profile={})
    submission = Submission(
        municipality_code="999997",
        reference="2026-000001",
        procedure="juminhyo",
        resident=resident,
        state="submitted",
        **version_ids(db_session, "juminhyo"),
        answers={},
    )
    entry = TransitionRecord(
        transition="submit",
        to_state="submitted",
        actor_kind=ActorKind.RESIDENT,
        actor_id=1,
        actor_name="山田 太郎",
        created_at=jst.now(),
    )
    submission.history.append(entry)
    db_session.add(submission)
    db_session.flush()
    return entry


def test_the_orm_refuses_to_change_or_delete_a_record(db_session: Session, record: TransitionRecord) -> None:
    record.comment = "書き換え"
    with pytest.raises(ValueError, match="append-only"):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE transition_record SET comment = 'x'", "DELETE FROM transition_record"],
)
def test_the_database_refuses_raw_updates_and_deletes(
    db_session: Session, record: TransitionRecord, statement: str
) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with db_session.begin_nested():
            db_session.execute(text(statement))
    assert db_session.execute(text("SELECT count(*) FROM transition_record")).scalar() == 1
