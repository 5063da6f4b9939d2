"""The audit log is append-only: neither the ORM nor raw SQL can rewrite or remove an entry."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.demo import load_demo_data
from portal.models import AuditAction, AuditEntry
from portal.services import audit
from portal.services.actors import Administrator


@pytest.fixture
def entry(db_session: Session) -> AuditEntry:
    load_demo_data(db_session)
    actor = Administrator.command_line()
    return audit.record(
        db_session,
        actor,
        AuditAction.PROCEDURE_CHANGED,
        "procedure:999997/juminhyo",
        {"fee": None},
        {"fee": 450},
        "999997",
    )


def test_the_orm_refuses_to_change_an_entry(db_session: Session, entry: AuditEntry) -> None:
    entry.after = {"fee": 0}
    with pytest.raises(ValueError, match="append-only"):
        db_session.flush()
    db_session.rollback()


def test_the_orm_refuses_to_delete_an_entry(db_session: Session, entry: AuditEntry) -> None:
    db_session.delete(entry)
    with pytest.raises(ValueError, match="append-only"):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE audit_entry SET actor_name = 'x'", "DELETE FROM audit_entry"])
def test_the_database_refuses_raw_updates_and_deletes(db_session: Session, entry: AuditEntry, statement: str) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with db_session.begin_nested():
            db_session.execute(text(statement))
    assert db_session.execute(text("SELECT count(*), max(actor_name) FROM audit_entry")).one() == (1, entry.actor_name)
