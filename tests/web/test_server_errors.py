"""An unexpected error, a database error included, still gives the styled 500 page, which reads nothing
from the database; the failed request's work is rolled back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, event, func, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from portal.database import db
from portal.models import Municipality
from portal.web.access import current_resident
from tests.web.conftest import login
from tests.web.journeys import db_state

broken = Blueprint("broken", __name__, url_prefix="/test-only")


def _municipality(code: str) -> Municipality:
    return Municipality(
        code=code, name="試験市", prefecture="東京都", mayor_title="市長", mayor_name="窓口 太郎", seal="x.png"
    )


@broken.get("/database-error")
def database_error() -> str:
    """Loads the person (as every page frame does), changes something, then fails in the database."""
    assert current_resident() is not None
    db.session.add(_municipality("999980"))
    db.session.flush()
    db.session.add(_municipality("999997"))  # exists: IntegrityError, and the session refuses every query
    db.session.flush()  # until it is rolled back
    return "unreachable"


@broken.get("/unexpected")
def unexpected() -> str:
    raise RuntimeError("a bug")


@pytest.fixture(scope="module")
def broken_app(database_url: str, idp: Any, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The portal with test-only failing routes, errors handled as in production (not propagated to the test).
    Module scope: created before db_session points the shared ``db`` at the test's transaction."""
    settings = load_settings(
        {
            "MADOGUCHI_ENV": "testing",
            "DATABASE_URL": database_url,
            "SESSION_DIR": str(tmp_path_factory.mktemp("broken-sessions")),
            "DEV_IDP_URL": idp.url,
        }
    )
    app = create_app(settings, {"PROPAGATE_EXCEPTIONS": False})
    app.register_blueprint(broken)
    return app


@pytest.fixture
def statements(connection: Connection) -> Iterator[list[str]]:
    """Every SQL statement run on the test's connection (the requests' sessions share it)."""
    executed: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        executed.append(statement)

    event.listen(connection, "before_cursor_execute", record)
    yield executed
    event.remove(connection, "before_cursor_execute", record)


@pytest.fixture
def browser(broken_app: Flask, db_session: Session, demo: Any) -> FlaskClient:
    client = broken_app.test_client()
    assert login(client, "resident", "resident-yamada").status_code == 302
    return client


def test_a_database_error_renders_the_500_page_without_the_database(
    browser: FlaskClient, db_session: Session, statements: list[str]
) -> None:
    before = db_state(db_session)
    statements.clear()
    response = browser.get("/test-only/database-error")

    assert response.status_code == 500
    assert "システムエラーが発生しました" in response.text
    assert '<link rel="stylesheet" href="/static/css/portal.css">' in response.text  # the styled page
    assert "no-store" in response.cache_control  # served to a logged-in person
    failed_at = max(i for i, s in enumerate(statements) if s.startswith("INSERT INTO municipality"))
    after_failure = statements[failed_at + 1 :]
    assert all(s.upper().startswith(("ROLLBACK", "RELEASE", "SAVEPOINT")) for s in after_failure), after_failure
    assert any(s.upper().startswith("ROLLBACK") for s in after_failure)  # the failed work is undone
    db_session.expire_all()
    assert db_session.scalar(select(func.count()).where(Municipality.code == "999980")) == 0
    assert db_state(db_session) == before
    # The next request of the same person works normally.
    assert browser.get("/999997/applications").status_code == 200


def test_an_unexpected_exception_renders_the_styled_500_page(browser: FlaskClient) -> None:
    response = browser.get("/test-only/unexpected", query_string={"lang": "en"})
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.text
    assert '<html lang="en">' in response.text
    assert "no-store" in response.cache_control
