"""municipalities are named in each language; the email language takes longer codes

Revision ID: a9570fcebd22
Revises: fd577df597d9
Create Date: 2026-11-28 02:07:19.851977

COMPATIBILITY: adds municipality.names (JSON, server default {}: every municipality keeps its Japanese name
everywhere until its administrator names it in another language) and widens resident_mail.language from 8 to 16
characters for codes such as ja-x-easy. The previous release reads neither change: it ignores the new column and
its codes all fit. On PostgreSQL widening a varchar rewrites nothing; SQLite copies the table (batch mode).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a9570fcebd22"
down_revision: str | Sequence[str] | None = "fd577df597d9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.add_column(sa.Column("names", JSON, server_default="{}", nullable=False))
    with op.batch_alter_table("resident_mail", schema=None) as batch_op:
        batch_op.alter_column(
            "language", existing_type=sa.VARCHAR(length=8), type_=sa.String(length=16), existing_nullable=False
        )


def downgrade() -> None:
    """Codes longer than 8 characters (ja-x-easy) fall back to Japanese, the default, before narrowing."""
    op.execute("UPDATE resident_mail SET language = 'ja' WHERE length(language) > 8")
    with op.batch_alter_table("resident_mail", schema=None) as batch_op:
        batch_op.alter_column(
            "language", existing_type=sa.String(length=16), type_=sa.VARCHAR(length=8), existing_nullable=False
        )
    with op.batch_alter_table("municipality", schema=None) as batch_op:
        batch_op.drop_column("names")
