"""The migration that gives the queue its columns fills them in for the cases already there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import create_engine, insert, inspect, select, text
from sqlalchemy.exc import DBAPIError

from tests.db.test_migrations import _config, _tables_as_of

BEFORE = "d55125a91125"  # the migration this one follows (messages and notifications)
QUEUE = "b88c4dd5e52d"


def test_existing_cases_get_closed_from_their_workflow_and_a_search_key(empty_database_url: str) -> None:
    config = _config(empty_database_url)
    command.upgrade(config, BEFORE)
    engine = create_engine(empty_database_url)
    now = datetime.now(UTC)
    try:
        with engine.begin() as connection:
            tables = _tables_as_of(connection)
            versions = {
                (row.kind, row.name): row.id
                for row in connection.execute(select(tables["catalog_version"].c.id, text("kind"), text("name")))
            }
            municipality = dict(
                code="999997", name="見本市", prefecture="東京都", mayor_title="市長", mayor_name="見本"
            )
            connection.execute(
                insert(tables["municipality"]), [dict(municipality, seal="s", demo=True, created_at=now)]
            )
            profile = {
                "family_name": "佐藤",
                "given_name": "花子",
                "family_name_kana": "サトウ",
                "given_name_kana": "ハナコ",
            }
            connection.execute(
                insert(tables["resident"]),
                [dict(id=1, subject="someone", profile=profile, last_login_at=now, created_at=now)],
            )
            answered = {
                "family_name": "山田",
                "given_name": "太郎",
                "family_name_kana": "ヤマダ",
                "given_name_kana": "タロウ",
            }
            cases = [
                ("juminhyo", "issued", answered),  # final in the juminhyo workflow
                ("juminhyo", "in_review", answered),
                ("sodai_gomi", "completed", {"family_name": "佐藤", "given_name": "花子"}),  # no フリガナ asked
                ("sodai_gomi", "received", {}),  # nothing answered: the login profile's names
            ]
            connection.execute(
                insert(tables["submission"]),
                [
                    dict(
                        id=i,
                        municipality_code="999997",
                        reference=f"2026-{i:06d}",
                        procedure=slug,
                        resident_id=1,
                        state=state,
                        definition_version_id=versions["definition", slug],
                        workflow_version_id=versions["workflow", slug],
                        answers=answers,
                        submitted_at=now,
                        updated_at=now,
                        created_at=now,
                    )
                    for i, (slug, state, answers) in enumerate(cases, start=1)
                ],
            )

        command.upgrade(config, QUEUE)

        with engine.connect() as connection:
            rows = connection.execute(text("SELECT closed, assignee_id, search_key FROM submission ORDER BY id")).all()
        assert [(bool(closed), assignee, key) for closed, assignee, key in rows] == [
            (True, None, "2026-000001|山田太郎|ヤマダタロウ"),
            (False, None, "2026-000002|山田太郎|ヤマダタロウ"),
            (True, None, "2026-000003|佐藤花子|サトウハナコ"),  # the form asks no フリガナ: the profile's
            (False, None, "2026-000004|佐藤花子|サトウハナコ"),
        ]
        with engine.begin() as connection:
            tables = _tables_as_of(connection)
            staff = dict(
                id=1, municipality_code="999997", subject="clerk", name="窓口", email="", role_values=["clerk"]
            )
            connection.execute(insert(tables["staff"]), [dict(staff, last_login_at=now, created_at=now)])
            by = dict(submission_id=2, municipality_code="999997")
            connection.execute(
                insert(tables["assignment_record"]),
                [dict(by, action="claim", to_staff_id=1, to_name="窓口", actor_id=1, actor_name="窓口", at=now)],
            )
            connection.execute(
                insert(tables["internal_note"]),
                [dict(by, author_id=1, author_name="窓口", body="メモ", token="t", created_at=now)],
            )
        for table, change in (("assignment_record", "actor_name = 'x'"), ("internal_note", "body = 'x'")):
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(f"UPDATE {table} SET {change}"))
            with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
                connection.execute(text(f"DELETE FROM {table}"))

        command.downgrade(config, BEFORE)
        with engine.connect() as connection:
            columns = {column["name"] for column in inspect(connection).get_columns("submission")}
            assert not {"closed", "assignee_id", "search_key"} & columns
            assert not {"assignment_record", "internal_note"} & set(inspect(connection).get_table_names())
    finally:
        engine.dispose()
