"""audit entries are chained by hash and name the case read; a chain's head per municipality

Revision ID: cb1386cc74cb
Revises: ceb0a2659ed3
Create Date: 2026-11-28 02:15:58.275002

COMPATIBILITY: adds audit_chain, and to audit_entry the case read (nullable) and the chain's hashes. The existing
entries are chained here, each municipality's in id order and the platform-wide ones apart, from the genesis hash
(64 zeros), so the log is tamper-evident from its first entry rather than from this release on. The hashes are
NOT NULL: the previous release, which writes none, can no longer write audit entries, so its settings changes and
queue exports fail (with nothing changed) until it is gone. Roll the new release out before administrators act.
The append-only triggers are dropped while the hashes are written, and made again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC

import rfc8785
import sqlalchemy as sa
from alembic import op

import portal.models.base

revision: str = "cb1386cc74cb"
down_revision: str | Sequence[str] | None = "ceb0a2659ed3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "audit_entry is append-only"
NOT_A_READ = "action NOT IN ('case_viewed', 'attachment_downloaded', 'certificate_downloaded', 'cases_listed')"
GENESIS = "0" * 64
PLATFORM = "platform"
BATCH = 1000


def upgrade() -> None:
    bind = op.get_bind()
    op.create_table(
        "audit_chain",
        sa.Column("name", sa.String(length=8), nullable=False),
        sa.Column("last_entry_id", sa.Integer(), nullable=True),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_audit_chain")),
    )
    _drop_append_only(bind)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_audit_entry_all_changes",
            ["id"],
            unique=False,
            sqlite_where=sa.text(NOT_A_READ),
            postgresql_where=sa.text(NOT_A_READ),
        )
        batch_op.create_index(
            "ix_audit_entry_changes",
            ["municipality_code", "id"],
            unique=False,
            sqlite_where=sa.text(NOT_A_READ),
            postgresql_where=sa.text(NOT_A_READ),
        )
        batch_op.create_index("ix_audit_entry_submission", ["submission_id", "id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_entry_submission_id_submission"), "submission", ["submission_id"], ["id"]
        )

    _chain(bind)

    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
    _append_only(bind)


def downgrade() -> None:
    bind = op.get_bind()
    _drop_append_only(bind)
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_entry_submission_id_submission"), type_="foreignkey")
        batch_op.drop_index("ix_audit_entry_submission")
        batch_op.drop_index("ix_audit_entry_changes")
        batch_op.drop_index("ix_audit_entry_all_changes")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("submission_id")
    op.drop_table("audit_chain")
    _append_only(bind)


ENTRY = sa.table(
    "audit_entry",
    sa.column("id", sa.Integer),
    sa.column("at", portal.models.base.UTCDateTime()),
    sa.column("actor_kind", sa.String),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("municipality_code", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("before", portal.models.base.JSONType),
    sa.column("after", portal.models.base.JSONType),
    sa.column("submission_id", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _chain(bind: sa.Connection) -> None:
    """Every existing entry chained in id order, per municipality and for the platform; then each chain's head."""
    heads: dict[str, tuple[int, str]] = {}
    last = 0
    while True:
        rows = bind.execute(sa.select(ENTRY).where(ENTRY.c.id > last).order_by(ENTRY.c.id).limit(BATCH)).all()
        if not rows:
            break
        updates = []
        for row in rows:
            chain = row.municipality_code or PLATFORM
            prev = heads[chain][1] if chain in heads else GENESIS
            digest = _hash(row, prev)
            heads[chain] = (row.id, digest)
            updates.append({"row_id": row.id, "prev": prev, "digest": digest})
        bind.execute(
            ENTRY.update()
            .where(ENTRY.c.id == sa.bindparam("row_id"))
            .values(prev_hash=sa.bindparam("prev"), hash=sa.bindparam("digest")),
            updates,
        )
        last = rows[-1].id
    chain = sa.table(
        "audit_chain", sa.column("name", sa.String), sa.column("last_entry_id", sa.Integer),
        sa.column("last_hash", sa.String),
    )  # fmt: skip
    if heads:
        bind.execute(
            chain.insert(),
            [{"name": name, "last_entry_id": entry_id, "last_hash": digest} for name, (entry_id, digest) in heads.items()],
        )


# A frozen copy of portal.services.auditchain.canonical as of this migration, so replaying it never depends on later
# code: the entry's fields and the previous hash, as RFC 8785 JSON.
def _hash(row: sa.Row, prev: str) -> str:
    fields = {
        "at": row.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_kind": row.actor_kind,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "municipality_code": row.municipality_code,
        "action": row.action,
        "target": row.target,
        "submission_id": row.submission_id,
        "before": row.before,
        "after": row.after,
        "prev_hash": prev,
    }
    return hashlib.sha256(rfc8785.dumps(fields)).hexdigest()


def _drop_append_only(bind: sa.Connection) -> None:
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION audit_entry_append_only()")
    else:
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_entry_no_{event}")


def _append_only(bind: sa.Connection) -> None:
    """As the migration that made the table: UPDATE and DELETE refused (SQLite's batch copy dropped its triggers)."""
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            f"BEGIN RAISE EXCEPTION '{MESSAGE}'; END; $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
            "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entry_no_{event.lower()} BEFORE {event} ON audit_entry "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
