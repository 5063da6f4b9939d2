"""certificates keep the context they are rendered from

Revision ID: bafc10f2f06e
Revises: fbbd0bac31c7
Create Date: 2026-11-27 17:59:55.915045

COMPATIBILITY: adds one nullable column. The previous release keeps issuing (its certificates get no
stored context, as every certificate issued before this one) and never reads the column.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'bafc10f2f06e'
down_revision: str | Sequence[str] | None = 'fbbd0bac31c7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('context')
