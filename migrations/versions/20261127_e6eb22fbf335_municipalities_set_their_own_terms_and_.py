"""municipalities set their own terms and window for each procedure

Revision ID: e6eb22fbf335
Revises: 99ba869980c2
Create Date: 2026-11-27 19:04:37.223709

COMPATIBILITY: adds nullable columns only (a NULL term means the catalog's value, a NULL window end means
open-ended), so existing rows keep offering what they offered; the previous release never reads them.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "e6eb22fbf335"
down_revision: str | Sequence[str] | None = "99ba869980c2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("municipality_procedure", schema=None) as batch_op:
        batch_op.add_column(sa.Column("available_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("available_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("fee", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("processing_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("contact_hours", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("help", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("municipality_procedure", schema=None) as batch_op:
        batch_op.drop_column("help")
        batch_op.drop_column("contact_hours")
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("processing_days")
        batch_op.drop_column("fee")
        batch_op.drop_column("available_until")
        batch_op.drop_column("available_from")
