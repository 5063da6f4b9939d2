"""resident records: demo tables and the resident link

Revision ID: fbbd0bac31c7
Revises: 22e9ead1441c
Create Date: 2026-11-27 17:35:43.735951

COMPATIBILITY: adds three tables and touches no existing one, so the previous release keeps working
(it never reads them). The demo tables stay empty unless demo data is loaded.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "fbbd0bac31c7"
down_revision: str | Sequence[str] | None = "22e9ead1441c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "demo_household",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("household_id", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=200), nullable=False),
        sa.Column("katagaki", sa.String(length=100), nullable=False),
        sa.Column("postal_code", sa.String(length=7), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_demo_household_municipality_code_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_household")),
        sa.UniqueConstraint(
            "municipality_code", "household_id", name=op.f("uq_demo_household_municipality_code_household_id")
        ),
    )
    op.create_table(
        "resident_record_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("resident_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("method", sa.Enum("basic_info", name="linkmethod", native_enum=False, length=16), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_resident_record_link_municipality_code_municipality"),
        ),
        sa.ForeignKeyConstraint(
            ["resident_id"], ["resident.id"], name=op.f("fk_resident_record_link_resident_id_resident")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resident_record_link")),
        sa.UniqueConstraint(
            "municipality_code", "resident_id", name=op.f("uq_resident_record_link_municipality_code_resident_id")
        ),
    )
    with op.batch_alter_table("resident_record_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_resident_record_link_resident_id"), ["resident_id"], unique=False)

    op.create_table(
        "demo_person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("household_pk", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("family_name", sa.String(length=100), nullable=False),
        sa.Column("given_name", sa.String(length=100), nullable=False),
        sa.Column("family_name_kana", sa.String(length=100), nullable=False),
        sa.Column("given_name_kana", sa.String(length=100), nullable=False),
        sa.Column("birthdate", sa.Date(), nullable=False),
        sa.Column("gender", sa.Enum("male", "female", name="gender", native_enum=False, length=16), nullable=False),
        sa.Column("relation_to_head", sa.String(length=50), nullable=False),
        sa.Column("became_resident_on", sa.Date(), nullable=False),
        sa.Column("address_set_on", sa.Date(), nullable=False),
        sa.Column("previous_address", sa.String(length=200), nullable=False),
        sa.Column("honseki", sa.String(length=200), nullable=True),
        sa.Column("hittosha", sa.String(length=100), nullable=True),
        sa.Column("nationality", sa.String(length=100), nullable=True),
        sa.Column("foreign_category", sa.String(length=50), nullable=True),
        sa.Column("residence_status", sa.String(length=50), nullable=True),
        sa.Column("period_of_stay", sa.String(length=50), nullable=True),
        sa.Column("period_expires_on", sa.Date(), nullable=True),
        sa.Column("alias", sa.String(length=100), nullable=True),
        sa.Column("alias_kana", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["household_pk"], ["demo_household.id"], name=op.f("fk_demo_person_household_pk_demo_household")
        ),
        sa.ForeignKeyConstraint(
            ["municipality_code"], ["municipality.code"], name=op.f("fk_demo_person_municipality_code_municipality")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_demo_person")),
        sa.UniqueConstraint("municipality_code", "person_id", name=op.f("uq_demo_person_municipality_code_person_id")),
    )
    with op.batch_alter_table("demo_person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_demo_person_household_pk"), ["household_pk"], unique=False)
        batch_op.create_index(
            "ix_demo_person_municipality_code_birthdate", ["municipality_code", "birthdate"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("demo_person", schema=None) as batch_op:
        batch_op.drop_index("ix_demo_person_municipality_code_birthdate")
        batch_op.drop_index(batch_op.f("ix_demo_person_household_pk"))

    op.drop_table("demo_person")
    with op.batch_alter_table("resident_record_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_resident_record_link_resident_id"))

    op.drop_table("resident_record_link")
    op.drop_table("demo_household")
