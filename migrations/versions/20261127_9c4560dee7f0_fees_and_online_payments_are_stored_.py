"""fees and online payments are stored with submissions

Revision ID: 9c4560dee7f0
Revises: 6ccce71e4769
Create Date: 2026-11-27 20:14:48.423839

COMPATIBILITY: adds three nullable columns to submission (the fee charged, the 受取方法 and 支払方法 chosen)
and a new table, payment. The previous release neither reads nor writes them; submissions it makes meanwhile
keep them null, which the new release shows as made before fees were stored (nothing to pay online).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9c4560dee7f0"
down_revision: str | Sequence[str] | None = "6ccce71e4769"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAID = sa.text("status = 'paid'")


def upgrade() -> None:
    op.create_table(
        "payment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("provider_reference", sa.String(length=128), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("pending", "paid", "cancelled", name="paymentstatus", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_payment_municipality_code_municipality")
        ),
        sa.ForeignKeyConstraint(["submission_id"], ["submission.id"], name=op.f("fk_payment_submission_id_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment")),
        sa.UniqueConstraint("provider", "provider_reference", name=op.f("uq_payment_provider_provider_reference")),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_municipality_code"), ["municipality_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_submission_id"), ["submission_id"], unique=False)
        batch_op.create_index(
            "uq_payment_paid_per_submission", ["submission_id"], unique=True, sqlite_where=PAID, postgresql_where=PAID
        )

    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("fee", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "receipt_method",
                sa.Enum("counter", "mail", "electronic", name="receiptmethod", native_enum=False, length=16),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "payment_method",
                sa.Enum("counter", "postal_order", "online", name="paymentmethod", native_enum=False, length=16),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_column("payment_method")
        batch_op.drop_column("receipt_method")
        batch_op.drop_column("fee")

    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index("uq_payment_paid_per_submission", sqlite_where=PAID, postgresql_where=PAID)
        batch_op.drop_index(batch_op.f("ix_payment_submission_id"))
        batch_op.drop_index(batch_op.f("ix_payment_municipality_code"))

    op.drop_table("payment")
