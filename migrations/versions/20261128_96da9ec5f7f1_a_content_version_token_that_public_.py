"""a content version token that public pages' in-process caches are checked against

Revision ID: 96da9ec5f7f1
Revises: 74077f20c1e2
Create Date: 2026-11-28 02:10:18.857614

COMPATIBILITY: adds the table content_version with its one row (portal.models.content). The previous release
neither reads nor writes it, so a municipality's settings changed or a catalog published by an old app server
during the roll-out does not change the token, and new servers keep showing what they cached before until the
next change: make no settings change and publish nothing while both releases run (or save any setting once
after the roll-out).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "96da9ec5f7f1"
down_revision: str | Sequence[str] | None = "74077f20c1e2"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    table = op.create_table(
        "content_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_version")),
    )
    op.bulk_insert(table, [{"id": 1, "token": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("content_version")
