"""transition history is append-only in the database

Revision ID: 3bb98aaab174
Revises: a2e7e58c6e19
Create Date: 2026-11-26 11:39:21.233108

COMPATIBILITY: adds triggers only. Running code never updates or deletes history rows (the ORM refuses
too), so the previous release keeps working. A raw UPDATE or DELETE of transition_record now fails.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op


revision: str = '3bb98aaab174'
down_revision: str | Sequence[str] | None = 'a2e7e58c6e19'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


MESSAGE = "transition_record is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION transition_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER transition_record_append_only BEFORE UPDATE OR DELETE ON transition_record "
            "FOR EACH ROW EXECUTE FUNCTION transition_record_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER transition_record_no_{event.lower()} BEFORE {event} ON transition_record "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER transition_record_append_only ON transition_record")
        op.execute("DROP FUNCTION transition_record_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER transition_record_no_{event}")
