"""Alembic owns the schema: the migrations build exactly what the models declare, and unwind cleanly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, insert, inspect, text
from sqlalchemy.exc import DBAPIError

from portal.cli import upgrade_database
from portal.config import ROOT
from portal.models import Base


def test_models_and_migrated_schema_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_fresh_database_upgrades_to_head_and_downgrades_to_base(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade_database(url)
    engine = create_engine(url)
    try:
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}

        config = _config(url)
        command.downgrade(config, "base")
        assert inspect(engine).get_table_names() == ["alembic_version"]

        command.upgrade(config, "head")  # and back again: the downgrade left nothing behind
        assert set(inspect(engine).get_table_names()) == set(Base.metadata.tables) | {"alembic_version"}
    finally:
        engine.dispose()


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


BEFORE_AUDIENCES = "99aa136f12fe"
# (procedure, transition, actor kind, comment) as the release before comment_visible_to wrote them.
OLD_HISTORY = [
    ("juminhyo", "submit", "resident", None),
    ("juminhyo", "start_review", "staff", None),
    ("juminhyo", "request_approval", "staff", "決裁をお願いします"),
    ("juminhyo", "send_back", "staff", "もう一度確認を"),
    ("juminhyo", "return_to_applicant", "staff", "電話番号をご確認ください"),
    ("juminhyo", "resubmit", "resident", "直しました"),
    ("juminhyo", "reject", "staff", "要件を満たしません"),
    ("juminhyo", "escalate", "staff", "もう定義にない操作"),
    ("retired", "return_to_applicant", "staff", "廃止された手続き"),
]


def test_comment_audience_is_backfilled_from_todays_workflows(empty_database_url: str) -> None:
    config = _config(empty_database_url)
    command.upgrade(config, BEFORE_AUDIENCES)
    engine = create_engine(empty_database_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            connection.execute(
                insert(Base.metadata.tables["municipality"]),
                [
                    dict(
                        code="999997",
                        name="見本市",
                        prefecture="東京都",
                        mayor_title="市長",
                        mayor_name="見本",
                        seal="s",
                        demo=True,
                        created_at=now,
                    )
                ],
            )
            connection.execute(
                insert(Base.metadata.tables["resident"]),
                [dict(id=1, subject="someone", profile={}, last_login_at=now, created_at=now)],
            )
            connection.execute(
                insert(Base.metadata.tables["submission"]),
                [
                    dict(
                        id=i,
                        municipality_code="999997",
                        reference=f"2026-00000{i}",
                        procedure=procedure,
                        resident_id=1,
                        state="submitted",
                        definition_version="d",
                        workflow_version="w",
                        answers={},
                        submitted_at=now,
                        updated_at=now,
                        created_at=now,
                    )
                    for i, procedure in ((1, "juminhyo"), (2, "retired"))
                ],
            )
            connection.execute(
                insert(Base.metadata.tables["transition_record"]),
                [
                    dict(
                        submission_id=1 if procedure == "juminhyo" else 2,
                        transition=transition,
                        to_state="x",
                        actor_kind=kind,
                        actor_id=1,
                        actor_name="名前",
                        comment=comment,
                        created_at=now,
                    )
                    for procedure, transition, kind, comment in OLD_HISTORY
                ],
            )

        command.upgrade(config, "head")

        with engine.connect() as connection:
            audiences = connection.execute(
                text("SELECT transition, comment_visible_to FROM transition_record ORDER BY id")
            ).all()
        assert [tuple(row) for row in audiences] == [
            ("submit", "applicant"),  # the applicant's own rows
            ("start_review", "staff"),
            ("request_approval", "staff"),  # the clerk's note to the approver stays with staff
            ("send_back", "staff"),
            ("return_to_applicant", "applicant"),  # the reason for 差戻し is the applicant's
            ("resubmit", "applicant"),
            ("reject", "applicant"),
            ("escalate", "staff"),  # unknown today: staff, the safe side
            ("return_to_applicant", "staff"),  # procedure no longer in the catalog: staff
        ]
        # The triggers set aside for the backfill are back: history is append-only again.
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text("UPDATE transition_record SET comment_visible_to = 'applicant'"))
    finally:
        engine.dispose()
