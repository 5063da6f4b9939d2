"""submissions keep their 期限日 in 開庁日, municipalities their own closures

Revision ID: 3c30caf2be30
Revises: 9c4560dee7f0
Create Date: 2026-11-27 22:58:19.651538

Adds submission.due_on (期限日, indexed with the municipality for the queue's 期限超過) and clock_paused_on (the
day the clock stopped while a case waits for the applicant), and the table municipality_closure (閉庁日 a
municipality sets besides weekends, national holidays and 12/29-1/3).

Backfill: each existing submission is due on the processing_days-th 開庁日 after its submission day (JST), its
processing_days being the municipality's own 標準処理期間 for the procedure where it set one, else that of the
definition version the case was made against. Existing cases were made under workflow versions that declare no
``clock``, so none of them pauses, now or later (a case keeps the rules it was made under); cases submitted from
now on under a newly published workflow do. A submission whose definition version has no readable
processing_days keeps due_on NULL: it shows no 期限日 and is never 期限超過 (none does with the shipped catalog).
The 開庁日 are frozen here as the calendar was on the day of this migration (weekends, the ``holidays`` library's
national holidays, 12/29-1/3; no municipality has closures yet), so replaying it never depends on later code.

COMPATIBILITY: only adds a table and two nullable columns. The previous release neither reads nor writes them; a
submission it makes during the rollout has no 期限日 until the new release next changes its state, which fills
it in from the submission day the same way (SubmissionService).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
import yaml
from alembic import op

revision: str = "3c30caf2be30"
down_revision: str | Sequence[str] | None = "9c4560dee7f0"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JST = ZoneInfo("Asia/Tokyo")
BATCH = 5000


def upgrade() -> None:
    op.create_table(
        "municipality_closure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("municipality_code", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["municipality_code"],
            ["municipality.code"],
            name=op.f("fk_municipality_closure_municipality_code_municipality"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_municipality_closure")),
        sa.UniqueConstraint("municipality_code", "day", name=op.f("uq_municipality_closure_municipality_code_day")),
    )
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("clock_paused_on", sa.Date(), nullable=True))
        batch_op.create_index("ix_submission_due", ["municipality_code", "due_on"], unique=False)
    _backfill(op.get_bind())


def downgrade() -> None:
    with op.batch_alter_table("submission", schema=None) as batch_op:
        batch_op.drop_index("ix_submission_due")
        batch_op.drop_column("clock_paused_on")
        batch_op.drop_column("due_on")

    op.drop_table("municipality_closure")


submission = sa.table(
    "submission",
    sa.column("id", sa.Integer()),
    sa.column("municipality_code", sa.String()),
    sa.column("procedure", sa.String()),
    sa.column("definition_version_id", sa.Integer()),
    sa.column("submitted_at", sa.DateTime(timezone=True)),
    sa.column("due_on", sa.Date()),
)
offer = sa.table(
    "municipality_procedure",
    sa.column("municipality_code", sa.String()),
    sa.column("slug", sa.String()),
    sa.column("processing_days", sa.Integer()),
)
version = sa.table("catalog_version", sa.column("id", sa.Integer()), sa.column("content", sa.Text()))


def _backfill(bind: sa.Connection) -> None:
    own = {
        (row.municipality_code, row.slug): row.processing_days
        for row in bind.execute(sa.select(offer).where(offer.c.processing_days.is_not(None)))
    }
    versions = bind.execute(
        sa.select(submission.c.definition_version_id)
        .where(submission.c.definition_version_id.is_not(None))
        .distinct()
    ).scalars()
    catalog = {version_id: _processing_days(bind, version_id) for version_id in list(versions)}
    rows = bind.execute(
        sa.select(
            submission.c.id,
            submission.c.municipality_code,
            submission.c.procedure,
            submission.c.definition_version_id,
            submission.c.submitted_at,
        ).order_by(submission.c.id)
    ).all()
    update = (
        sa.update(submission)
        .where(submission.c.id == sa.bindparam("submission_id"))
        .values(due_on=sa.bindparam("due"))
    )
    batch: list[dict[str, object]] = []
    for row in rows:
        days = own.get((row.municipality_code, row.procedure)) or catalog.get(row.definition_version_id)
        if days is None or row.submitted_at is None:
            continue  # no readable 標準処理期間: no 期限日 (see above)
        batch.append({"submission_id": row.id, "due": _due(_jst_day(row.submitted_at), days)})
        if len(batch) >= BATCH:
            bind.execute(update, batch)
            batch = []
    if batch:
        bind.execute(update, batch)


def _processing_days(bind: sa.Connection, version_id: int) -> int | None:
    content = bind.execute(sa.select(version.c.content).where(version.c.id == version_id)).scalar()
    try:
        days = (yaml.safe_load(content or "") or {}).get("processing_days")
    except (yaml.YAMLError, AttributeError):
        return None
    return days if isinstance(days, int) and not isinstance(days, bool) and days >= 1 else None


def _jst_day(value: datetime) -> date:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)  # SQLite keeps UTC without an offset
    return aware.astimezone(JST).date()


@cache
def _due(start: date, days: int) -> date:
    """The ``days``-th 開庁日 after ``start`` (portal.japan.business_days as of this migration, no closures)."""
    day = start
    for _ in range(days):
        day += timedelta(days=1)
        while _closed(day):
            day += timedelta(days=1)
    return day


def _closed(day: date) -> bool:
    return (
        day.weekday() >= 5
        or day in _national_holidays(day.year)
        or (day.month, day.day) in {(12, 29), (12, 30), (12, 31), (1, 1), (1, 2), (1, 3)}
    )


@cache
def _national_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Japan(years=year))
