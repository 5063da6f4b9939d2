"""counter applications: a channel, who entered it and the applicant as entered; clerks' drafts

Revision ID: ceb0a2659ed3
Revises: a9570fcebd22
Create Date: 2026-11-28 02:19:13.357028

COMPATIBILITY: adds submission.channel ('online' by server default, so every existing case and every case the
previous release makes is online), entered_by_id, entered_identity and notify_email (nullable), a unique index on
(municipality_code, entered_by_id, submission_token) and a check that an online case names a resident and a counter
case the clerk who entered it; and draft.staff_id (nullable), with a check that a draft has exactly one owner. It
makes submission.resident_id and draft.resident_id nullable: the previous release never writes a NULL there, but
it would fail on reading a counter case (its queue and case page read the resident): roll the new release out
before clerks enter counter applications. On SQLite, both tables are copied to change the columns.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ceb0a2659ed3"
down_revision: str | Sequence[str] | None = "a9570fcebd22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
CHANNEL_APPLICANT = (
    "(channel = 'online' AND resident_id IS NOT NULL AND entered_by_id IS NULL)"
    " OR (channel = 'counter' AND resident_id IS NULL AND entered_by_id IS NOT NULL)"
)
ONE_OWNER = "(resident_id IS NULL) <> (staff_id IS NULL)"


def upgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("staff_id", sa.Integer(), nullable=True))
        batch_op.alter_column("resident_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_draft_staff_id_municipality_code_procedure"), ["staff_id", "municipality_code", "procedure"]
        )
        batch_op.create_foreign_key(batch_op.f("fk_draft_staff_id_staff"), "staff", ["staff_id"], ["id"])
        batch_op.create_check_constraint(batch_op.f("ck_draft_one_owner"), ONE_OWNER)

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel",
                sa.Enum("online", "counter", name="channel", native_enum=False, length=16),
                server_default="online",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("entered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("entered_identity", JSON, nullable=True))
        batch_op.add_column(sa.Column("notify_email", sa.String(length=254), nullable=True))
        batch_op.alter_column("resident_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            "ux_submission_counter_token", ["municipality_code", "entered_by_id", "submission_token"], unique=True
        )
        batch_op.create_foreign_key(batch_op.f("fk_submission_entered_by_id_staff"), "staff", ["entered_by_id"], ["id"])
        batch_op.create_check_constraint(batch_op.f("ck_submission_channel_applicant"), CHANNEL_APPLICANT)


def downgrade() -> None:
    """Only while no counter case or clerk's draft exists: their rows cannot be made to name a resident."""
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_submission_channel_applicant"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_submission_entered_by_id_staff"), type_="foreignkey")
        batch_op.drop_index("ux_submission_counter_token")
        batch_op.alter_column("resident_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("notify_email")
        batch_op.drop_column("entered_identity")
        batch_op.drop_column("entered_by_id")
        batch_op.drop_column("channel")

    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_draft_one_owner"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_draft_staff_id_staff"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("uq_draft_staff_id_municipality_code_procedure"), type_="unique")
        batch_op.alter_column("resident_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("staff_id")
