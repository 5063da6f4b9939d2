"""cases keep a legal hold and when they were purged; a purged case's history, messages and notes may be blanked

Revision ID: 8d94d7352f49
Revises: cb1386cc74cb
Create Date: 2026-11-28 03:02:41.551230

COMPATIBILITY: adds two nullable columns to submission (legal_hold, purged_at), which the previous release never
reads: it shows a purged case with no answers and its history without comments. The append-only triggers of
transition_record, case_message and internal_note now let one UPDATE through: blanking the personal text of a
purged case (comment and inputs to NULL, a body to '', the applicant's own name where they acted or wrote to ''),
every other column unchanged; everything else is refused as before. The previous release never updates these rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "8d94d7352f49"
down_revision: str | Sequence[str] | None = "cb1386cc74cb"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table → (the blanked columns as the purge leaves them, the author's name and kind columns (a resident's name may be
# blanked too, a staff member's stays), the columns that must not change: SQLite lists them, while PostgreSQL compares
# the whole row but the blanked ones, which covers columns added later too)
REDACTED = {
    "transition_record": (
        {"comment": "NULL", "inputs": "NULL"},
        ("actor_name", "actor_kind"),
        ("id", "submission_id", "transition", "from_state", "to_state", "actor_kind", "actor_id", "created_at",
         "comment_visible_to"),
    ),
    "case_message": (
        {"body": "''"},
        ("author_name", "author_kind"),
        ("id", "submission_id", "municipality_code", "author_kind", "author_id", "token", "created_at"),
    ),
    "internal_note": (
        {"body": "''"},
        None,  # staff only
        ("id", "submission_id", "municipality_code", "author_id", "author_name", "token", "created_at"),
    ),
}  # fmt: skip
PURGED = "EXISTS (SELECT 1 FROM submission WHERE submission.id = OLD.submission_id AND submission.purged_at IS NOT NULL)"


def upgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("legal_hold", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("purged_at", portal.models.base.UTCDateTime(timezone=True), nullable=True))
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table, (blanked, author, kept) in REDACTED.items():
        message = f"{table} is append-only"
        conditions = [_blank(column, value) for column, value in blanked.items()]
        if author is not None:
            name, kind = author
            conditions.append(f"(NEW.{name} = OLD.{name} OR (OLD.{kind} = 'resident' AND NEW.{name} = ''))")
        if postgresql:
            changing = [*blanked, *(author[:1] if author else ())]
            unchanged = " - ".join(["to_jsonb(NEW)", *(f"'{c}'" for c in changing)])
            before = " - ".join(["to_jsonb(OLD)", *(f"'{c}'" for c in changing)])
            allowed = " AND ".join([f"({unchanged}) = ({before})", *conditions, PURGED])
            op.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF TG_OP = 'UPDATE' AND {allowed} THEN RETURN NEW; END IF; RAISE EXCEPTION '{message}'; END; $$"
            )
        else:
            allowed = " AND ".join([*conditions, *(f"NEW.{column} IS OLD.{column}" for column in kept), PURGED])
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} WHEN NOT ({allowed}) "
                f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in REDACTED:
        message = f"{table} is append-only"
        if postgresql:
            op.execute(
                f"CREATE OR REPLACE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END; $$"
            )
        else:
            op.execute(f"DROP TRIGGER {table}_no_update")
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"
            )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
        batch_op.drop_column("legal_hold")


def _blank(column: str, value: str) -> str:
    return f"NEW.{column} IS NULL" if value == "NULL" else f"NEW.{column} = {value}"
