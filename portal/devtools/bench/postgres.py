"""A throwaway PostgreSQL database for a benchmark: created on the server at $BENCH_POSTGRESQL_URL (else
$TEST_POSTGRESQL_URL, else the test default), migrated to head, dropped afterwards whatever happened."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

DEFAULT_ADMIN_URL = "postgresql+psycopg://root@127.0.0.1:5432/postgres"


@contextmanager
def throwaway_database(benchmark: str) -> Iterator[str]:
    """The URL of a new migrated database; ``benchmark`` names the subcommand in the error when PostgreSQL is
    not there."""
    from portal.cli import upgrade_database

    admin_url = make_url(
        os.environ.get("BENCH_POSTGRESQL_URL") or os.environ.get("TEST_POSTGRESQL_URL") or DEFAULT_ADMIN_URL
    )
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"madoguchi_bench_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - say where PostgreSQL was looked for
        raise SystemExit(
            f"scripts/bench {benchmark} needs PostgreSQL at {admin_url.render_as_string()}: {exc}"
        ) from exc
    try:
        created = admin_url.set(database=name).render_as_string(hide_password=False)
        upgrade_database(created)
        yield created
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
