"""Engine and per-request session.

Services flush but never commit: the request boundary decides. A response below 400 commits, anything
else (including an exception) rolls back, so a refused action leaves no trace.
"""

from __future__ import annotations

from flask import Flask, Response, g, got_request_exception
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str) -> Engine:
    """``hide_parameters``: a database error (and SQL echo) must not print the values, i.e. answers and names."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not pysqlite, start transactions: SAVEPOINTs then work as documented.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


class Database:
    """Flask extension in the init_app style; ``db.session`` is the request's session."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.sessionmaker: sessionmaker[Session] | None = None

    def init_app(self, app: Flask, engine: Engine | None = None) -> None:
        self.engine = engine or make_engine(app.config["DATABASE_URL"])
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        app.extensions["database"] = self
        got_request_exception.connect(self._rollback, app)
        app.after_request(self._finish)
        app.teardown_appcontext(self._close)

    @property
    def session(self) -> Session:
        if "db_session" not in g:
            assert self.sessionmaker is not None, "Database.init_app was not called"
            g.db_session = self.sessionmaker()
        return g.db_session

    def _rollback(self, _app: Flask, **_extra: object) -> None:
        """Before the error page renders: after a failed flush the session would refuse even to load its frame."""
        session: Session | None = g.get("db_session")
        if session is not None:
            session.rollback()

    def _finish(self, response: Response) -> Response:
        session: Session | None = g.get("db_session")
        if session is not None and session.in_transaction():  # else nothing was read or written
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    def _close(self, _exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()  # a no-op after commit; undoes work when the handler raised
            session.close()


db = Database()
