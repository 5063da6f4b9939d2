"""Counting the SQL statements a piece of code runs: query-count tests assert a page costs a fixed number."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, event


@contextmanager
def statements(connection: Connection) -> Iterator[list[str]]:
    """Every SQL statement run on the test's connection (which the app's requests share) meanwhile, savepoints
    left out (the test's transaction makes them, not the page)."""
    seen: list[str] = []

    def count(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", count)
