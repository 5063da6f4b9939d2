"""published catalog versions, and submissions that reference the versions they were made against

Revision ID: c4a1f0d2b7e3
Revises: e6eb22fbf335
Create Date: 2026-11-27 20:10:00

Backfill: every file of today's catalog (CATALOG_DIR, WORKFLOWS_DIR, CERTIFICATES_DIR, default the
repository's directories) becomes version 1, and each existing submission references the version of its
procedure, of the workflow and of the certificate template that procedure names today: the best record there
is of what old cases were made against (until now only a hash was kept, of files that may have changed
since). A submission whose procedure file is gone stops the upgrade, before any change, naming the file to restore.

COMPATIBILITY: the previous release writes submissions with the two hash columns this drops: stop it before
upgrading (a catalog change is a release of its own from now on: ``flask catalog publish``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

from portal.config import ROOT
from portal.definitions import Kind, SourceDirs, read_sources

revision: str = "c4a1f0d2b7e3"
down_revision: str | Sequence[str] | None = "e6eb22fbf335"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLISHED_BY = "migration c4a1f0d2b7e3"


def _dirs() -> SourceDirs:
    def directory(name: str, default: str) -> Path:
        return Path(os.environ.get(name) or ROOT / default)

    return SourceDirs(
        directory("CATALOG_DIR", "forms_catalog"),
        directory("WORKFLOWS_DIR", "workflows"),
        directory("CERTIFICATES_DIR", "certificate_templates"),
    )


def upgrade() -> None:
    bind = op.get_bind()
    sources = read_sources(_dirs())
    procedures = bind.execute(sa.text("SELECT DISTINCT procedure FROM submission ORDER BY procedure")).scalars()
    # Before any change: SQLite does not roll DDL back, so a refusal must come first.
    if missing := [slug for slug in procedures if (Kind.DEFINITION, slug) not in sources]:
        raise RuntimeError(
            f"submissions of {', '.join(missing)} need their definition files: restore "
            f"{', '.join(f'{slug}.yaml' for slug in missing)} in the catalog directory (CATALOG_DIR) and upgrade again"
        )
    versions = op.create_table(
        "catalog_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("definition", "workflow", "certificate", name="kind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_version")),
        sa.UniqueConstraint("kind", "name", "number", name=op.f("uq_catalog_version_kind_name_number")),
    )
    op.create_index("ix_catalog_version_content", "catalog_version", ["kind", "name", "content_hash"], unique=False)
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("definition_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("workflow_version_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("certificate_version_id", sa.Integer(), nullable=True))

    now = datetime.now(UTC)
    op.bulk_insert(
        versions,
        [
            {
                "kind": kind.value,
                "name": name,
                "number": 1,
                "content": source.content,
                "content_hash": source.hash,
                "published_by": PUBLISHED_BY,
                "published_at": now,
            }
            for (kind, name), source in sources.items()
        ],
    )
    ids = {(kind, name): id_ for id_, kind, name in bind.execute(sa.text("SELECT id, kind, name FROM catalog_version"))}
    submission = sa.table(
        "submission",
        sa.column("procedure", sa.String),
        sa.column("definition_version_id", sa.Integer),
        sa.column("workflow_version_id", sa.Integer),
        sa.column("certificate_version_id", sa.Integer),
    )
    for (slug,) in bind.execute(sa.text("SELECT DISTINCT procedure FROM submission")):
        named = yaml.safe_load(sources[Kind.DEFINITION, slug].content)
        bind.execute(
            submission.update()
            .where(submission.c.procedure == slug)
            .values(
                definition_version_id=ids["definition", slug],
                workflow_version_id=ids["workflow", named["workflow"]],
                certificate_version_id=ids.get(("certificate", named.get("certificate"))),
            )
        )

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("definition_version_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("workflow_version_id", existing_type=sa.Integer(), nullable=False)
        for column in ("definition_version_id", "workflow_version_id", "certificate_version_id"):
            batch_op.create_foreign_key(
                op.f(f"fk_submission_{column}_catalog_version"),
                "catalog_version",
                [column],
                ["id"],
                ondelete="RESTRICT",
            )
        batch_op.drop_column("definition_version")
        batch_op.drop_column("workflow_version")


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("definition_version", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("workflow_version", sa.String(length=64), nullable=True))
    for column in ("definition_version", "workflow_version"):
        op.execute(
            f"UPDATE submission SET {column} = "
            f"(SELECT content_hash FROM catalog_version WHERE catalog_version.id = submission.{column}_id)"
        )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.alter_column("definition_version", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("workflow_version", existing_type=sa.String(length=64), nullable=False)
        for column in ("definition_version_id", "workflow_version_id", "certificate_version_id"):
            batch_op.drop_constraint(op.f(f"fk_submission_{column}_catalog_version"), type_="foreignkey")
            batch_op.drop_column(column)
    op.drop_index("ix_catalog_version_content", table_name="catalog_version")
    op.drop_table("catalog_version")
