"""the queue knows open cases, their 担当 and a search key; assignment history and internal notes

Revision ID: b88c4dd5e52d
Revises: d55125a91125
Create Date: 2026-11-27 22:57:27.715023

COMPATIBILITY: adds three columns to submission (closed, assignee_id, search_key, with server defaults), two new
tables (assignment_record, internal_note, append-only by trigger) and the queue's indexes, replacing
ix_submission_queue by the same columns and id, and ix_submission_due by ix_submission_overdue (open or closed
first, then 期限日 and id: the 期限超過 view is one range of it). Existing rows are filled in: ``closed`` from the final states of
each case's own workflow version, ``search_key`` from its 受付番号 and the applicant's name and フリガナ as answered
(else from the login profile). The previous release reads none of this; while it still runs, the submissions it
makes get an empty search key and the cases it closes keep closed = false, so the new queue would list them as
open: roll the new release out before residents and staff act, or rerun this data step (``flask --app wsgi queue
reindex``) once the last old server is gone. The indexes are built without CONCURRENTLY, blocking writes to
submission while they build (seconds at a million rows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import jaconv
import sqlalchemy as sa
import yaml
from alembic import op

import portal.models.base

revision: str = "b88c4dd5e52d"
down_revision: str | Sequence[str] | None = "d55125a91125"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("assignment_record", "internal_note")
BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "assignment_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column(
            "action",
            sa.Enum("claim", "assign", "release", name="assignmentaction", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("from_staff_id", sa.Integer(), nullable=True),
        sa.Column("from_name", sa.String(length=100), nullable=True),
        sa.Column("to_staff_id", sa.Integer(), nullable=True),
        sa.Column("to_name", sa.String(length=100), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["staff.id"], name=op.f("fk_assignment_record_actor_id_staff")),
        sa.ForeignKeyConstraint(["from_staff_id"], ["staff.id"], name=op.f("fk_assignment_record_from_staff_id_staff")),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_assignment_record_municipality_code_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_assignment_record_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(["to_staff_id"], ["staff.id"], name=op.f("fk_assignment_record_to_staff_id_staff")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignment_record")),
    )
    with op.batch_alter_table("assignment_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assignment_record_submission_id"), ["submission_id"], unique=False)

    op.create_table(
        "internal_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["staff.id"], name=op.f("fk_internal_note_author_id_staff")),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_internal_note_municipality_code_municipality")
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_internal_note_submission_id_submission")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_internal_note")),
        sa.UniqueConstraint("submission_id", "token", name=op.f("uq_internal_note_submission_id_token")),
    )
    with op.batch_alter_table("internal_note", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_internal_note_submission_id"), ["submission_id"], unique=False)

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("search_key", sa.String(length=500), server_default="", nullable=False))
        batch_op.create_foreign_key(batch_op.f("fk_submission_assignee_id_staff"), "staff", ["assignee_id"], ["id"])

    _backfill(op.get_bind())

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_queue")
        batch_op.create_index("ix_submission_queue", ["municipality_code", "state", "submitted_at", "id"], unique=False)
        batch_op.create_index("ix_submission_all", ["municipality_code", "submitted_at", "id"], unique=False)
        batch_op.create_index(
            "ix_submission_assignee",
            ["municipality_code", "closed", "assignee_id", "submitted_at", "id"],
            unique=False,
        )
        batch_op.create_index("ix_submission_open", ["municipality_code", "closed", "submitted_at", "id"], unique=False)
        batch_op.drop_index("ix_submission_due")
        batch_op.create_index("ix_submission_overdue", ["municipality_code", "closed", "due_on", "id"], unique=False)

    _append_only(op.get_bind())


def downgrade() -> None:
    bind = op.get_bind()
    for table in APPEND_ONLY:
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER {table}_append_only ON {table}")
            op.execute(f"DROP FUNCTION {table}_append_only()")
        else:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER {table}_no_{event}")
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_overdue")
        batch_op.create_index("ix_submission_due", ["municipality_code", "due_on"], unique=False)
        batch_op.drop_index("ix_submission_open")
        batch_op.drop_index("ix_submission_assignee")
        batch_op.drop_index("ix_submission_all")
        batch_op.drop_index("ix_submission_queue")
        batch_op.create_index("ix_submission_queue", ["municipality_code", "state", "submitted_at"], unique=False)
        batch_op.drop_constraint(batch_op.f("fk_submission_assignee_id_staff"), type_="foreignkey")
        batch_op.drop_column("search_key")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("closed")

    with op.batch_alter_table("internal_note", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_internal_note_submission_id"))
    op.drop_table("internal_note")
    with op.batch_alter_table("assignment_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignment_record_submission_id"))
    op.drop_table("assignment_record")


def _backfill(bind: sa.Connection) -> None:
    """``closed`` from each workflow version's final states; ``search_key`` for every existing case."""
    workflows = bind.execute(
        sa.text("SELECT id, content FROM catalog_version WHERE kind = 'workflow' AND content IS NOT NULL")
    ).all()
    for version_id, content in workflows:
        states = (yaml.safe_load(content) or {}).get("states") or {}
        final = sorted(key for key, state in states.items() if isinstance(state, dict) and state.get("final"))
        if final:
            bind.execute(
                sa.text(
                    "UPDATE submission SET closed = :closed WHERE workflow_version_id = :id AND state IN :states"
                ).bindparams(sa.bindparam("states", expanding=True)),
                {"closed": True, "id": version_id, "states": final},
            )

    prefills = {}  # definition version id → {claim: field name}
    for version_id, content in bind.execute(
        sa.text("SELECT id, content FROM catalog_version WHERE kind = 'definition' AND content IS NOT NULL")
    ):
        parsed = yaml.safe_load(content) or {}
        fields = [f for page in parsed.get("pages") or [] for f in page.get("fields") or [] if isinstance(f, dict)]
        prefills[version_id] = {f["prefill"]: f["name"] for f in fields if f.get("prefill") and f.get("name")}

    submission = sa.table("submission", sa.column("id", sa.Integer), sa.column("search_key", sa.String))
    last = 0
    while True:
        rows = bind.execute(
            sa.text(
                "SELECT s.id, s.reference, s.definition_version_id, s.answers, r.profile FROM submission s "
                "JOIN resident r ON r.id = s.resident_id WHERE s.id > :last ORDER BY s.id LIMIT :batch"
            ),
            {"last": last, "batch": BATCH},
        ).all()
        if not rows:
            return
        keys = [
            {"row_id": row.id, "key": _search_key(row.reference, prefills.get(row.definition_version_id, {}),
                                                  _json(row.answers), _json(row.profile))}
            for row in rows
        ]  # fmt: skip
        bind.execute(
            submission.update().where(submission.c.id == sa.bindparam("row_id")).values(search_key=sa.bindparam("key")),
            keys,
        )
        last = rows[-1].id


def _json(value: object) -> dict:
    if isinstance(value, str):
        value = json.loads(value)
    return value if isinstance(value, dict) else {}


# Frozen copies of portal.services.queue.search_key and portal.catalog.normalize.search_folded as of this
# migration, so that replaying it never depends on later code.
def _search_key(reference: str, by_claim: dict, answers: dict, profile: dict) -> str:
    def joined(claims: tuple[str, ...]) -> str:
        answered = "".join(str(answers.get(by_claim[c]) or "") for c in claims if c in by_claim)
        return answered or "".join(str(profile.get(c) or "") for c in claims)

    parts = (reference, joined(("family_name", "given_name")), joined(("family_name_kana", "given_name_kana")))
    return "|".join(_folded(part) for part in parts)[:500]


def _folded(text: str) -> str:
    half = jaconv.z2h(text, kana=False, ascii=True, digit=True)
    folded = jaconv.hira2kata(jaconv.h2z(half, kana=True, ascii=False, digit=False)).casefold()
    return "".join(re.sub("(?<=[0-9])[－−‐‑‒–—―ーｰ](?=[0-9])", "-", folded).split())


def _append_only(bind: sa.Connection) -> None:
    for table in APPEND_ONLY:
        message = f"{table} is append-only"
        if bind.dialect.name == "postgresql":
            op.execute(
                f"CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
                f"BEGIN RAISE EXCEPTION '{message}'; END; $$"
            )
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
            )
        else:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
                )
