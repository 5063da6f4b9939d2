"""``flask audit verify``: every chain walked, its head printed; exit 1 naming the first entry that breaks one."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session

from portal.models import AuditAction, AuditEntry
from portal.services import audit
from portal.services.actors import Administrator
from tests.db.test_audit_chain import past_the_trigger

CODE, OTHER = "999997", "999989"


def entries(session: Session) -> list[AuditEntry]:
    actor = Administrator.command_line("tester")
    made = [
        audit.record(session, actor, AuditAction.PROCEDURE_CHANGED, f"procedure:{CODE}/juminhyo", {"fee": n}, {"fee": n + 1}, CODE)
        for n in range(3)
    ]  # fmt: skip
    audit.record(session, actor, AuditAction.PROCEDURE_CHANGED, f"procedure:{OTHER}/juminhyo", None, {"fee": 1}, OTHER)
    return made


def verify(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_untouched_chains_verify(app: Flask, db_session: Session, demo: Any) -> None:
    made = entries(db_session)
    other = db_session.scalars(text("SELECT hash FROM audit_entry WHERE municipality_code = :c"), {"c": OTHER}).one()
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [  # in order of their names
        f"{OTHER}: 1 entries verified, head {other}",
        f"{CODE}: 3 entries verified, head {made[-1].hash}",
    ]
    assert verify(app, "--municipality", CODE).output == f"{CODE}: 3 entries verified, head {made[-1].hash}\n"


def test_a_changed_entry_fails_naming_it(app: Flask, db_session: Session, demo: Any) -> None:
    made = entries(db_session)
    changed = made[1].id
    with past_the_trigger(db_session):
        db_session.execute(
            text("UPDATE audit_entry SET target = 'procedure:999997/sodai_gomi' WHERE id = :id"), {"id": changed}
        )
    result = verify(app)
    assert result.exit_code == 1
    assert f"{CODE}: entry {changed}: its content does not give its hash: it was changed" in result.output.splitlines()
    assert result.output.splitlines()[0].startswith(f"{OTHER}: 1 entries verified")  # the others still reported


def test_a_deleted_entry_fails_naming_the_next(app: Flask, db_session: Session, demo: Any) -> None:
    made = entries(db_session)
    deleted, after = made[0].id, made[1].id
    with past_the_trigger(db_session):
        db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": deleted})
    result = verify(app, "--municipality", CODE)
    assert result.exit_code == 1
    assert result.output.startswith(f"{CODE}: entry {after}: its previous hash is not the chain's start")


def test_an_unknown_chain_is_refused(app: Flask, db_session: Session, demo: Any) -> None:
    entries(db_session)
    result = verify(app, "--municipality", "999962")
    assert result.exit_code == 1 and "--municipality: no audit chain for '999962'" in result.output
