"""drafts kept in the database per resident, municipality and procedure

Revision ID: 519c4ecbbf0c
Revises: ffe91430af5d
Create Date: 2026-11-27 20:12:22.833317

COMPATIBILITY: adds one table and touches no existing one. The previous release keeps its drafts in the
session and never reads this table; a draft begun on it is not carried over (it lives only in that session).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "519c4ecbbf0c"
down_revision: str | Sequence[str] | None = "ffe91430af5d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("procedure", sa.String(length=64), nullable=False),
        sa.Column("definition_version_id", sa.Integer(), nullable=False),
        sa.Column("answers", JSON, nullable=False),
        sa.Column("page", sa.String(length=64), nullable=False),
        sa.Column("submission_token", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_version_id"],
            ["catalog_version.id"],
            name=op.f("fk_draft_definition_version_id_catalog_version"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_draft_municipality_code_municipality")
        ),
        sa.ForeignKeyConstraint(["resident_id"], ["resident.id"], name=op.f("fk_draft_resident_id_resident")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_draft")),
        sa.UniqueConstraint(
            "resident_id",
            "municipality_code",
            "procedure",
            name=op.f("uq_draft_resident_id_municipality_code_procedure"),
        ),
    )
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_updated_at"), ["updated_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draft", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_updated_at"))
    op.drop_table("draft")
