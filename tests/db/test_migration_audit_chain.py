"""The migration that chains the audit log chains the entries already there, as the live code would have."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.models.audit import PLATFORM
from portal.services import auditchain
from tests.db.test_migrations import _config, _tables_as_of

BEFORE = "b88c4dd5e52d"  # the queue's migration
CHAIN = "cb1386cc74cb"


def test_existing_entries_are_chained_per_municipality_and_verify(empty_database_url: str) -> None:
    config = _config(empty_database_url)
    command.upgrade(config, BEFORE)
    engine = create_engine(empty_database_url)
    now = datetime(2026, 11, 27, 10, 0, 0, 123456, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            tables = _tables_as_of(connection)
            municipality = dict(
                code="999997", name="見本市", prefecture="見本県", mayor_title="市長", mayor_name="見本"
            )
            connection.execute(
                insert(tables["municipality"]), [dict(municipality, seal="s", demo=True, created_at=now)]
            )
            by = dict(actor_kind="command_line", actor_id=None, actor_name="operator")
            connection.execute(
                insert(tables["audit_entry"]),
                [
                    dict(by, at=now, municipality_code="999997", action="municipality_added", target="municipality:999997", before=None, after={"name": "見本市"}),
                    dict(by, at=now + timedelta(seconds=1), municipality_code=None, action="catalog_published", target="definition:juminhyo", before=None, after={"version": 1}),
                    dict(by, at=now + timedelta(seconds=2), municipality_code="999997", action="procedure_changed", target="procedure:999997/juminhyo", before={"fee": None}, after={"fee": 450}),
                ],
            )  # fmt: skip

        command.upgrade(config, CHAIN)

        with Session(engine) as session:
            assert auditchain.chains(session) == ["999997", PLATFORM]
            outcomes = [auditchain.verify(session, name) for name in ("999997", PLATFORM)]
        assert [(type(o), o.entries) for o in outcomes] == [(auditchain.Verified, 2), (auditchain.Verified, 1)]  # type: ignore[union-attr]
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE audit_entry SET actor_name = 'x'"))

        command.downgrade(config, BEFORE)
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM audit_entry")).scalar() == 3
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("DELETE FROM audit_entry"))
    finally:
        engine.dispose()
