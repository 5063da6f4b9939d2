"""signed certificates: verification code, revocation, one valid certificate per submission

Revision ID: 99aa136f12fe
Revises: 11c9d806235f
Create Date: 2026-11-27 17:34:17.516548

COMPATIBILITY: adds nullable columns only, and replaces "one certificate per submission" by "one
certificate per submission whose revoked_at is null" (a partial unique index, on SQLite and PostgreSQL).
The previous release keeps issuing (its rows get no verification code, so /verify does not find them)
and keeps serving downloads, except for a submission that the new release has already revoked and
reissued: its one_or_none() then sees two rows. Do not revoke before every server runs this release.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '99aa136f12fe'
down_revision: str | Sequence[str] | None = '11c9d806235f'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verification_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('revoked_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('revocation_reason', sa.Text(), nullable=True))
        batch_op.drop_constraint(batch_op.f('uq_certificate_submission_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_certificate_submission_id'), ['submission_id'], unique=False)
        batch_op.create_index('uq_certificate_valid_per_submission', ['submission_id'], unique=True, sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.create_foreign_key(batch_op.f('fk_certificate_revoked_by_id_staff'), 'staff', ['revoked_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_certificate_revoked_by_id_staff'), type_='foreignkey')
        batch_op.drop_index('uq_certificate_valid_per_submission', sqlite_where=sa.text('revoked_at IS NULL'), postgresql_where=sa.text('revoked_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_certificate_submission_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_certificate_submission_id'), ['submission_id'])
        batch_op.drop_column('revocation_reason')
        batch_op.drop_column('revoked_by_id')
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('verification_code')
