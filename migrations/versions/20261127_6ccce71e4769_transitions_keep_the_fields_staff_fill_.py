"""transitions keep the fields staff fill; workflows number cases from named series

Revision ID: 6ccce71e4769
Revises: 519c4ecbbf0c
Create Date: 2026-11-27 20:13:35.245803

COMPATIBILITY: adds the table named_sequence and nullable columns (transition_record.inputs,
submission.assigned_number and number_series) and touches no existing row, so the previous release keeps
working: it never reads them, and the rows it writes leave them null (no inputs, no number). Plain ALTER TABLE
on every backend: transition_record is never copied, so its append-only triggers stay.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '6ccce71e4769'
down_revision: str | Sequence[str] | None = '519c4ecbbf0c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'named_sequence',
        sa.Column('municipality_code', sa.String(length=6), nullable=False),
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_value', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ['municipality_code'],
            ['municipality.code'],
            name=op.f('fk_named_sequence_municipality_code_municipality'),
        ),
        sa.PrimaryKeyConstraint('municipality_code', 'name', 'year', name=op.f('pk_named_sequence')),
    )
    op.add_column('submission', sa.Column('assigned_number', sa.String(length=32), nullable=True))
    op.add_column('submission', sa.Column('number_series', sa.String(length=64), nullable=True))
    op.create_index(
        'ux_submission_number', 'submission', ['municipality_code', 'number_series', 'assigned_number'], unique=True
    )
    op.add_column('transition_record', sa.Column('inputs', JSON, nullable=True))


def downgrade() -> None:
    op.drop_column('transition_record', 'inputs')
    op.drop_index('ux_submission_number', table_name='submission')
    op.drop_column('submission', 'number_series')
    op.drop_column('submission', 'assigned_number')
    op.drop_table('named_sequence')
