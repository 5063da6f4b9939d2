"""one submission per confirmation token

Revision ID: 11c9d806235f
Revises: 3bb98aaab174
Create Date: 2026-11-27 17:33:02.000000

COMPATIBILITY: adds a nullable column and a unique index over it. The previous release never writes the
column, so its submissions get NULL tokens, which the unique index lets repeat; it keeps working. Rows made
before this migration keep NULL (they were never tied to a confirmation page).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '11c9d806235f'
down_revision: str | Sequence[str] | None = '3bb98aaab174'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_token', sa.String(length=64), nullable=True))
        batch_op.create_index(
            'ux_submission_token', ['municipality_code', 'resident_id', 'submission_token'], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table('submission', schema=None) as batch_op:
        batch_op.drop_index('ux_submission_token')
        batch_op.drop_column('submission_token')
