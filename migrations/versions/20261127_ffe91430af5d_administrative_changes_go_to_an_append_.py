"""administrative changes go to an append-only audit log; uploaded seals wait for confirmation

Revision ID: ffe91430af5d
Revises: c4a1f0d2b7e3
Create Date: 2026-11-27 19:35:33.616780

COMPATIBILITY: adds two tables and touches no existing one, so the previous release keeps working (it never
reads them; its `flask municipality` commands write no audit entries). audit_entry refuses UPDATE and DELETE
by trigger, like transition_record.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ffe91430af5d"
down_revision: str | Sequence[str] | None = "c4a1f0d2b7e3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_entry is append-only"
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "actor_kind",
            sa.Enum("staff", "command_line", name="auditactorkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=True),
        sa.Column(
            "action",
            sa.Enum(
                "municipality_added",
                "municipality_changed",
                "seal_replaced",
                "procedure_enabled",
                "procedure_disabled",
                "procedure_changed",
                name="auditaction",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("target", sa.String(length=200), nullable=False),
        sa.Column("before", JSON, nullable=True),
        sa.Column("after", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_audit_entry_municipality_code_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entry")),
    )
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entry_municipality", ["municipality_code", "id"], unique=False)

    op.create_table(
        "pending_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_pending_seal_municipality_code_municipality")
        ),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_pending_seal_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_seal")),
        sa.UniqueConstraint("token", name=op.f("uq_pending_seal_token")),
    )
    with op.batch_alter_table("pending_seal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pending_seal_municipality_code"), ["municipality_code"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER audit_entry_no_{event}")
    with op.batch_alter_table("pending_seal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pending_seal_municipality_code"))
    op.drop_table("pending_seal")
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entry_municipality")
    op.drop_table("audit_entry")
