"""certificates keep why their last rendering failed

Revision ID: 99ba869980c2
Revises: bd420be03f36
Create Date: 2026-11-27 18:15:23.172894

COMPATIBILITY: adds one nullable column, which only the worker writes (the last rendering failure's class
and template line) and the case page reads. The previous release never touches it.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '99ba869980c2'
down_revision: str | Sequence[str] | None = 'bd420be03f36'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('render_error', sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_column('render_error')
