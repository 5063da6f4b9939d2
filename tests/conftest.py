"""Database fixtures shared by every test that touches the database.

One database per run, built by ``alembic upgrade head`` (as production is); each test runs inside a
transaction that is rolled back, with the app's own commits turned into savepoints (pypi/warehouse).
``--database=postgresql`` runs the same tests on PostgreSQL; it fails, never skips, when PostgreSQL
is unreachable. Tests marked ``postgresql`` (pg_dump, app servers in processes of their own) exist only there:
a SQLite run deselects them, as it would any test it was not asked for.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from portal.cli import upgrade_database
from portal.database import db, make_engine
from tests import sample_translations as samples
from tests.broker import REDIS_URL, Broker

DEFAULT_POSTGRESQL = "postgresql+psycopg://root@127.0.0.1:5432/postgres"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help=f"backend for database tests (PostgreSQL at $TEST_POSTGRESQL_URL, default {DEFAULT_POSTGRESQL})",
    )
    parser.addoption(
        "--screenshots",
        type=Path,
        metavar="DIR",
        help="save the browser tests' screenshots of each language's pages in DIR, to look at (tests/browser)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--database") == "postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgresql")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with throwaway_database(request.config, tmp_path_factory) as url:
        yield url


@contextmanager
def throwaway_database(config: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database on the chosen backend, dropped afterwards (tests that must really commit use their own)."""
    if config.getoption("--database") == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
        return
    admin_url = make_url(os.environ.get("TEST_POSTGRESQL_URL", DEFAULT_POSTGRESQL))
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = f"madoguchi_test_{uuid.uuid4().hex[:12]}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach PostgreSQL must fail the run loudly
        pytest.fail(f"PostgreSQL is unreachable at {admin_url.render_as_string()}: {exc}", pytrace=False)
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database of its own for a test that migrates step by step (the shared one is already at head)."""
    with throwaway_database(request.config, tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    upgrade_database(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def committing_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A second migrated database for tests that must really commit from several connections (races).

    What they commit (append-only history among it) stays out of the database the other tests share.
    """
    with throwaway_database(request.config, tmp_path_factory) as url:
        upgrade_database(url)
        engine = make_engine(url)
        yield engine
        engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def db_session(connection: Connection) -> Iterator[Session]:
    """The test's session; the app's request sessions share its connection and outer transaction."""
    maker = sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    previous = db.sessionmaker
    db.sessionmaker = maker
    session = maker()
    yield session
    session.close()
    db.sessionmaker = previous


@pytest.fixture
def broker() -> Iterator[Broker]:
    """The real Redis as the Celery broker, under this test's own key prefix (removed afterwards)."""
    store = redis.Redis.from_url(REDIS_URL)
    try:
        store.ping()
    except redis.ConnectionError as exc:
        pytest.fail(f"Redis is unreachable at {REDIS_URL}: {exc}", pytrace=False)
    found = Broker(store, f"madoguchi-test-{uuid.uuid4().hex[:8]}:")
    yield found
    found.clean()


@pytest.fixture(scope="session")
def sample_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """translations/ with every language shipped (tests/sample_translations.py), for an app that speaks them all."""
    return samples.build(tmp_path_factory.mktemp("translations"))


@pytest.fixture(scope="session")
def english_translations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """translations/ with English's catalog alone, as it was before the other languages' translators delivered:
    for an app that offers Japanese and English, whichever other catalogs the repository ships."""
    return samples.build(tmp_path_factory.mktemp("english"), catalogs=())
