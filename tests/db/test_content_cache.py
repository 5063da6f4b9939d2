"""The content token changes with every flush that changes a municipality, the procedures it offers or the
catalog, and with nothing else; a process reads it once per session and at most once per interval, and at once
after it committed a change itself. What is kept under a token is loaded once for it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from portal.contentcache import ContentCache
from portal.demo import load_demo_data
from portal.models import ContentVersion, Municipality, MunicipalityProcedure, Resident
from tests.statements import statements

MIHON = "999997"


def stored_token(session: Session) -> str:
    return session.scalars(select(ContentVersion.token)).one()


@pytest.fixture
def sessions(connection: Connection) -> Callable[[], Session]:
    """A new session on the test's transaction, as each request has its own."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


def test_a_flush_changing_what_public_pages_show_bumps_the_token_and_nothing_else_does(db_session: Session) -> None:
    load_demo_data(db_session)
    municipality = db_session.get_one(Municipality, MIHON)
    before = stored_token(db_session)

    municipality.name = municipality.name  # assigned, not changed
    db_session.add(Resident(subject="resident-unrelated"))
    db_session.flush()
    assert stored_token(db_session) == before

    changes: list[Callable[[], object]] = [
        lambda: setattr(municipality, "mayor_name", "新市長 花子"),
        lambda: setattr(municipality.procedures[0], "fee", 500),
        lambda: municipality.procedures.append(MunicipalityProcedure(slug="new_procedure")),
        lambda: municipality.procedures.pop(),  # delete-orphan: the row goes
    ]
    seen = {before}
    for change in changes:
        change()
        db_session.flush()
        seen.add(stored_token(db_session))
    assert len(seen) == len(changes) + 1


def test_the_token_is_read_once_per_session_and_at_most_once_an_interval(
    connection: Connection, sessions: Callable[[], Session]
) -> None:
    now = [100.0]
    cache = ContentCache(check_every=1.0, clock=lambda: now[0])
    with statements(connection) as seen:
        request = sessions()
        assert cache.token(request) == cache.token(request)
    assert len(seen) == 1
    with statements(connection) as seen:
        now[0] += 0.9
        cache.token(sessions())  # another request within the interval
    assert seen == []
    with statements(connection) as seen:
        now[0] += 0.1
        cache.token(sessions())
    assert len(seen) == 1


def test_another_servers_change_is_seen_after_the_interval(
    connection: Connection, sessions: Callable[[], Session]
) -> None:
    now = [100.0]
    cache = ContentCache(check_every=1.0, clock=lambda: now[0])
    before = cache.token(sessions())
    connection.execute(ContentVersion.__table__.update().values(token="from-another-server"))
    assert cache.token(sessions()) == before  # within the interval: what this process read last
    now[0] += 1.0
    assert cache.token(sessions()) == "from-another-server"


def test_a_change_committed_here_is_read_at_once_by_every_cache_of_the_process(
    sessions: Callable[[], Session],
) -> None:
    frozen = ContentCache(check_every=3600.0, clock=lambda: 0.0)
    setup = sessions()
    load_demo_data(setup)
    setup.commit()
    reading = sessions()
    before = frozen.token(reading)

    saving = sessions()
    saving.get_one(Municipality, MIHON).mayor_name = "新市長 花子"
    saving.flush()
    assert frozen.token(reading) != before  # a session that read before reads again after a change flushed here
    saving.commit()
    assert frozen.token(sessions()) == stored_token(saving) != before  # a new request, however recent the last read


def test_what_is_kept_is_loaded_once_for_each_token(connection: Connection, sessions: Callable[[], Session]) -> None:
    cache = ContentCache(check_every=0.0)
    loads: list[int] = []

    def load() -> str:
        loads.append(1)
        return f"loaded {len(loads)}"

    assert cache.get(sessions(), "key", load) == cache.get(sessions(), "key", load) == "loaded 1"
    connection.execute(ContentVersion.__table__.update().values(token="changed"))
    assert cache.get(sessions(), "key", load) == "loaded 2"
