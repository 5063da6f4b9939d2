"""Alembic owns the schema: the migrations build exactly what the models declare, and unwind cleanly."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, insert, inspect, select, text
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


def _tables_as_of(connection: Connection) -> dict[str, Table]:
    """The tables as the database has them at the revision it is at (the models describe only head)."""
    metadata = MetaData()
    metadata.reflect(connection)
    return dict(metadata.tables)


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = url
    return config


BEFORE_AUDIENCES = "99aa136f12fe"
AUDIENCES = "22e9ead1441c"
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
            tables = _tables_as_of(connection)
            connection.execute(
                insert(tables["municipality"]),
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
                insert(tables["resident"]),
                [dict(id=1, subject="someone", profile={}, last_login_at=now, created_at=now)],
            )
            connection.execute(
                insert(tables["submission"]),
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
                insert(tables["transition_record"]),
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

        command.upgrade(config, AUDIENCES)

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


BEFORE_VERSIONS = "e6eb22fbf335"


def _submissions_of(engine: Engine, procedures: list[str]) -> None:
    """Submissions as the release before published versions wrote them (only a hash of each file)."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        tables = _tables_as_of(connection)
        municipality = dict(code="999997", name="見本市", prefecture="東京都", mayor_title="市長", mayor_name="見本")
        connection.execute(insert(tables["municipality"]), [dict(municipality, seal="s", demo=True, created_at=now)])
        connection.execute(
            insert(tables["resident"]), [dict(id=1, subject="someone", profile={}, last_login_at=now, created_at=now)]
        )
        connection.execute(
            insert(tables["submission"]),
            [
                dict(
                    id=i,
                    municipality_code="999997",
                    reference=f"2026-{i:06d}",
                    procedure=procedure,
                    resident_id=1,
                    state="submitted",
                    definition_version="an old hash",
                    workflow_version="an old hash",
                    answers={},
                    submitted_at=now,
                    updated_at=now,
                    created_at=now,
                )
                for i, procedure in enumerate(procedures, start=1)
            ],
        )


def test_existing_submissions_are_backfilled_with_todays_files_as_version_1(empty_database_url: str) -> None:
    config = _config(empty_database_url)
    command.upgrade(config, BEFORE_VERSIONS)
    engine = create_engine(empty_database_url)
    try:
        _submissions_of(engine, ["juminhyo", "sodai_gomi"])

        command.upgrade(config, "head")

        with engine.connect() as connection:
            tables = _tables_as_of(connection)
            versions = {r.id: r for r in connection.execute(select(tables["catalog_version"]))}
            cases = connection.execute(select(tables["submission"]).order_by(text("id"))).all()
        published = sorted((v.kind, v.name, v.number, v.published_by) for v in versions.values())
        assert published == [
            ("certificate", "juminhyo", 1, "migration c4a1f0d2b7e3"),
            ("certificate", "risai_shomei", 1, "migration c4a1f0d2b7e3"),
            ("definition", "jidou_teate", 1, "migration c4a1f0d2b7e3"),
            ("definition", "juminhyo", 1, "migration c4a1f0d2b7e3"),
            ("definition", "risai_shomei", 1, "migration c4a1f0d2b7e3"),
            ("definition", "sodai_gomi", 1, "migration c4a1f0d2b7e3"),
            ("workflow", "jidou_teate", 1, "migration c4a1f0d2b7e3"),
            ("workflow", "juminhyo", 1, "migration c4a1f0d2b7e3"),
            ("workflow", "risai_shomei", 1, "migration c4a1f0d2b7e3"),
            ("workflow", "sodai_gomi", 1, "migration c4a1f0d2b7e3"),
        ]
        juminhyo, sodai_gomi = cases
        assert (versions[juminhyo.definition_version_id].kind, versions[juminhyo.definition_version_id].name) == (
            "definition",
            "juminhyo",
        )
        assert versions[juminhyo.workflow_version_id].name == "juminhyo"
        assert versions[juminhyo.certificate_version_id].kind == "certificate"
        assert versions[sodai_gomi.workflow_version_id].name == "sodai_gomi"
        assert sodai_gomi.certificate_version_id is None  # 粗大ごみ issues no certificate
        file = (ROOT / "forms_catalog" / "juminhyo.yaml").read_bytes().decode("utf-8")
        assert versions[juminhyo.definition_version_id].content == file

        command.downgrade(config, BEFORE_VERSIONS)  # and back: each case gets the hash of its version again
        with engine.connect() as connection:
            hashes = connection.execute(text("SELECT definition_version FROM submission ORDER BY id")).scalars().all()
        assert hashes == [versions[c.definition_version_id].content_hash for c in cases]
    finally:
        engine.dispose()


def test_a_submission_whose_definition_file_is_gone_stops_the_upgrade_and_changes_nothing(
    empty_database_url: str,
) -> None:
    config = _config(empty_database_url)
    command.upgrade(config, BEFORE_VERSIONS)
    engine = create_engine(empty_database_url)
    try:
        _submissions_of(engine, ["juminhyo", "retired"])

        with pytest.raises(RuntimeError, match="restore retired.yaml in the catalog directory"):
            command.upgrade(config, "head")

        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar() == BEFORE_VERSIONS
            assert "catalog_version" not in inspect(connection).get_table_names()
            columns = {c["name"] for c in inspect(connection).get_columns("submission")}
        assert "definition_version" in columns and "definition_version_id" not in columns
    finally:
        engine.dispose()


BEFORE_DUE = "9c4560dee7f0"


def test_existing_submissions_get_their_due_date_in_business_days(empty_database_url: str) -> None:
    """From the JST day of submission, the municipality's own 標準処理期間 first, else the case's definition
    version's; a version without a readable one leaves the 期限日 unknown."""
    config = _config(empty_database_url)
    command.upgrade(config, BEFORE_DUE)
    engine = create_engine(empty_database_url)
    now = datetime.now(UTC)
    # 2026-06-04 16:30 UTC is Friday 2026-06-05 01:30 in Japan: the JST day counts.
    friday_night = datetime(2026, 6, 4, 16, 30, tzinfo=UTC)
    # Saturday 2025-12-27 in Japan, in the 年末年始.
    year_end = datetime(2025, 12, 27, 3, 0, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            tables = _tables_as_of(connection)
            municipality = dict(
                code="999997", name="見本市", prefecture="東京都", mayor_title="市長", mayor_name="見本"
            )
            connection.execute(
                insert(tables["municipality"]), [dict(municipality, seal="s", demo=True, created_at=now)]
            )
            connection.execute(
                insert(tables["municipality_procedure"]),
                [dict(municipality_code="999997", slug="sodai_gomi", enabled=True, processing_days=10)],
            )
            connection.execute(
                insert(tables["resident"]),
                [dict(id=1, subject="someone", profile={}, last_login_at=now, created_at=now)],
            )
            versions = {
                (row.kind, row.name): row.id for row in connection.execute(select(tables["catalog_version"])).all()
            }
            retired = connection.execute(
                insert(tables["catalog_version"]).values(
                    kind="definition",
                    name="retired",
                    number=1,
                    content="title: もうない手続き\n",
                    content_hash="x" * 64,
                    published_by="test",
                    published_at=now,
                )  # fmt: skip
            ).inserted_primary_key[0]
            cases = [
                (1, "juminhyo", versions["definition", "juminhyo"], friday_night),  # 3 days
                (2, "sodai_gomi", versions["definition", "sodai_gomi"], friday_night),  # the municipality's 10
                (3, "juminhyo", versions["definition", "juminhyo"], year_end),
                (4, "retired", retired, friday_night),
            ]
            connection.execute(
                insert(tables["submission"]),
                [
                    dict(
                        id=i,
                        municipality_code="999997",
                        reference=f"2026-{i:06d}",
                        procedure=procedure,
                        resident_id=1,
                        state="submitted",
                        definition_version_id=definition,
                        workflow_version_id=versions["workflow", "juminhyo"],
                        answers={},
                        submitted_at=submitted,
                        updated_at=now,
                        created_at=now,
                    )
                    for i, procedure, definition, submitted in cases
                ],
            )

        command.upgrade(config, "head")

        with engine.connect() as connection:
            due = connection.execute(text("SELECT due_on, clock_paused_on FROM submission ORDER BY id")).all()
        assert [(str(d) if d else None, p) for d, p in due] == [
            ("2026-06-10", None),  # Friday 6/5 + 3: Mon 8, Tue 9, Wed 10 (from the UTC day it would be the 9th)
            ("2026-06-19", None),  # + 10 of 見本市's own
            ("2026-01-07", None),  # 1/5, 1/6, 1/7 after 年末年始
            (None, None),  # no processing_days to count
        ]
    finally:
        engine.dispose()
