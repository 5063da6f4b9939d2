"""case conversations, the notification outbox and residents' mail settings

Revision ID: d55125a91125
Revises: 3c30caf2be30
Create Date: 2026-11-27 22:58:25.177896

COMPATIBILITY: adds three tables and touches no existing one, so the previous release keeps working: it never
reads them, writes no message and no notification. case_message refuses UPDATE and DELETE by trigger, like
transition_record.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d55125a91125"
down_revision: str | Sequence[str] | None = "3c30caf2be30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "case_message is append-only"
PENDING = sa.text("state = 'pending'")
ACTOR_KIND = sa.Enum("resident", "staff", name="actorkind", native_enum=False, length=16)


def upgrade() -> None:
    op.create_table(
        "resident_mail",
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("pending_address", sa.String(length=254), nullable=True),
        sa.Column("pending_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"], name=op.f("fk_resident_mail_resident_id_resident")),
        sa.PrimaryKeyConstraint("resident_id", name=op.f("pk_resident_mail")),
    )
    op.create_table(
        "case_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("author_kind", ACTOR_KIND, nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_case_message_municipality_code_municipality")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_case_message_submission_id_submission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_message")),
        sa.UniqueConstraint("submission_id", "token", name=op.f("uq_case_message_submission_id_token")),
    )
    with op.batch_alter_table("case_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_message_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", ACTOR_KIND, nullable=False),
        sa.Column("recipient_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "received",
                "returned",
                "issued",
                "completed",
                "rejected",
                "staff_message",
                "confirm_address",
                "resident_message",
                "resubmitted",
                name="notificationkind",
                native_enum=False,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("municipality_code", sa.String(length=6), nullable=True),
        sa.Column("submission_id", sa.Integer(), nullable=True),
        sa.Column("transition_record_id", sa.Integer(), nullable=True),
        sa.Column("case_message_id", sa.Integer(), nullable=True),
        sa.Column(
            "state",
            sa.Enum("pending", "sent", "failed", "skipped", name="notificationstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_message_id"], ["case_message.id"], name=op.f("fk_notification_case_message_id_case_message")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_notification_municipality_code_municipality")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_notification_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(
            ["transition_record_id"],
            ["transition_record.id"],
            name=op.f("fk_notification_transition_record_id_transition_record"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_pending", ["created_at"], unique=False, sqlite_where=PENDING, postgresql_where=PENDING
        )
        batch_op.create_index(batch_op.f("ix_notification_submission_id"), ["submission_id"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION case_message_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}';
            END;
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER case_message_append_only BEFORE UPDATE OR DELETE ON case_message "
            "FOR EACH ROW EXECUTE FUNCTION case_message_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER case_message_no_{event.lower()} BEFORE {event} ON case_message "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER case_message_append_only ON case_message")
        op.execute("DROP FUNCTION case_message_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER case_message_no_{event}")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_submission_id"))
        batch_op.drop_index("ix_notification_pending", sqlite_where=PENDING, postgresql_where=PENDING)
    op.drop_table("notification")
    with op.batch_alter_table("case_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_message_submission_id"))
    op.drop_table("case_message")
    op.drop_table("resident_mail")
