"""certificates rendered off the request: the stored context, no PDF until rendered

Revision ID: bd420be03f36
Revises: fbbd0bac31c7
Create Date: 2026-11-27 18:02:00.728974

COMPATIBILITY: adds nullable columns and lets sha256 be null (pdf already may be); existing certificates
are rendered, so their rendered_at is set to when they were issued. The previous release keeps rendering
inside the 交付 request and leaves rendered_at null: the new worker only stamps such a row (it has its
PDF, which is never rendered again), so certificates issued during the roll-out stay byte for byte. An
old server asked to download a certificate the new release has reserved but not yet rendered answers an
empty file; roll the app servers before the workers start taking 交付 traffic.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = 'bd420be03f36'
down_revision: str | Sequence[str] | None = 'fbbd0bac31c7'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('context', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        batch_op.add_column(sa.Column('rendered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('sha256', existing_type=sa.VARCHAR(length=64), nullable=True)
        batch_op.create_index('ix_certificate_unrendered', ['created_at'], unique=False, sqlite_where=sa.text('rendered_at IS NULL'), postgresql_where=sa.text('rendered_at IS NULL'))
    op.execute("UPDATE certificate SET rendered_at = created_at WHERE pdf IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_unrendered', sqlite_where=sa.text('rendered_at IS NULL'), postgresql_where=sa.text('rendered_at IS NULL'))
        batch_op.alter_column('sha256', existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_column('rendered_at')
        batch_op.drop_column('context')
