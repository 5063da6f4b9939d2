"""API tokens, idempotent requests, webhook subscriptions and their delivery outbox

Revision ID: fd577df597d9
Revises: b88c4dd5e52d
Create Date: 2026-11-28 02:14:13.805266

COMPATIBILITY: four new tables (api_token, api_idempotent_request, webhook_subscription, webhook_delivery) that
the previous release neither reads nor writes, and one index on submission (municipality_code, updated_at, id) for
the API's list, built without CONCURRENTLY (it blocks writes to submission for the seconds it takes at a million
rows). While the previous release still serves requests, the transitions it makes write no webhook deliveries:
subscriptions are made after the rollout, so nothing is lost.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import portal.models.base

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")

revision: str = "fd577df597d9"
down_revision: str | Sequence[str] | None = "b88c4dd5e52d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("scope", sa.Enum("read", "write", name="apiscope", native_enum=False, length=16), nullable=False),
        sa.Column("role_values", JSON, nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("revoked_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_api_token_municipality_code_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_municipality_code"), ["municipality_code"], unique=False)

    op.create_table(
        "webhook_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("event_values", JSON, nullable=False),
        sa.Column("procedures", JSON, nullable=False),
        sa.Column("removed_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_webhook_subscription_municipality_code_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_subscription")),
    )
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_subscription_municipality_code"), ["municipality_code"], unique=False
        )

    op.create_table(
        "api_idempotent_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("response", JSON, nullable=False),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"], ["api_token.id"], name=op.f("fk_api_idempotent_request_token_id_api_token")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotent_request")),
        sa.UniqueConstraint("token_id", "key", name=op.f("uq_api_idempotent_request_token_id_key")),
    )
    with op.batch_alter_table("api_idempotent_request", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_idempotent_request_created_at"), ["created_at"], unique=False)

    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column(
            "event",
            sa.Enum("case.submitted", "case.transitioned", name="webhookevent", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("payload", JSON, nullable=False),
        sa.Column(
            "state",
            sa.Enum("pending", "delivered", "dead", name="deliverystate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", portal.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.Column("created_at", portal.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_webhook_delivery_municipality_code_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submission.id"], name=op.f("fk_webhook_delivery_submission_id_submission")
        ),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscription.id"],
            name=op.f("fk_webhook_delivery_subscription_id_webhook_subscription"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
        sa.UniqueConstraint("event_id", name=op.f("uq_webhook_delivery_event_id")),
    )
    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.create_index(
            "ix_webhook_delivery_due",
            ["next_attempt_at"],
            unique=False,
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )
        batch_op.create_index("ix_webhook_delivery_state", ["municipality_code", "state", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_delivery_submission_id"), ["submission_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_webhook_delivery_subscription_id"), ["subscription_id"], unique=False)

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.create_index("ix_submission_updated", ["municipality_code", "updated_at", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_updated")

    with op.batch_alter_table("webhook_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_subscription_id"))
        batch_op.drop_index(batch_op.f("ix_webhook_delivery_submission_id"))
        batch_op.drop_index("ix_webhook_delivery_state")
        batch_op.drop_index(
            "ix_webhook_delivery_due",
            sqlite_where=sa.text("state = 'pending'"),
            postgresql_where=sa.text("state = 'pending'"),
        )

    op.drop_table("webhook_delivery")
    with op.batch_alter_table("api_idempotent_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_idempotent_request_created_at"))

    op.drop_table("api_idempotent_request")
    with op.batch_alter_table("webhook_subscription", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_subscription_municipality_code"))

    op.drop_table("webhook_subscription")
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_municipality_code"))

    op.drop_table("api_token")
