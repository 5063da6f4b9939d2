"""Alembic environment: the models' metadata, the URL from DATABASE_URL (or a connection from tests)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from portal.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    from portal.config import ROOT, _database_url

    url = (
        config.attributes.get("database_url")
        or os.environ.get("DATABASE_URL")
        or f"sqlite:///{ROOT / 'instance' / 'madoguchi.db'}"
    )
    return _database_url(url, problems=[])


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # tests hand us theirs
        _run(connection)
        return
    engine = create_engine(_url(), hide_parameters=True)  # a failed data migration prints no values
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
