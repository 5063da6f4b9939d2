"""The portal app, a test client, the development identity provider on a loopback port, and logins."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from portal.database import db
from portal.demo import load_demo_data
from portal.devidp import RunningServer, create_idp_app, default_clients, serve_in_thread
from portal.models import Municipality

PORTAL_URL = "http://localhost"  # what the Flask test client calls itself


@pytest.fixture(scope="session")
def idp() -> Iterator[RunningServer]:
    running = serve_in_thread(None)
    running.mount(create_idp_app(issuer=running.url, clients=default_clients(PORTAL_URL), environment="testing"))
    yield running
    running.shutdown()


@pytest.fixture(scope="session")
def app(idp: RunningServer, database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    settings = load_settings(
        {
            "MADOGUCHI_ENV": "testing",
            "DATABASE_URL": database_url,
            "SESSION_DIR": str(tmp_path_factory.mktemp("sessions")),
            "DEV_IDP_URL": idp.url,
        }
    )
    return create_app(settings)


@pytest.fixture
def build_app(
    idp: RunningServer, database_url: str, engine: object, tmp_path: Path, db_session: Session
) -> Callable[..., Flask]:
    """``build_app(**env)``: another portal, with these settings over the test ones, in the test's transaction."""

    def build(**env: str) -> Flask:
        base = {"MADOGUCHI_ENV": "testing", "DATABASE_URL": database_url, "SESSION_DIR": str(tmp_path)}
        settings = load_settings({**base, "DEV_IDP_URL": idp.url, **env})
        test_sessions = db.sessionmaker  # create_app binds a new engine: keep the test's rolled-back session
        built = create_app(settings)
        db.sessionmaker = test_sessions
        return built

    return build


@pytest.fixture
def demo(db_session: Session) -> dict[str, Municipality]:
    return {m.code: m for m in load_demo_data(db_session)}


@pytest.fixture
def client(app: Flask, db_session: Session, demo: dict[str, Municipality]) -> FlaskClient:
    return app.test_client()


def login(client: FlaskClient, kind: str, sub: str, next_path: str | None = None):  # type: ignore[no-untyped-def]
    """The real OIDC exchange: portal → provider's login page → pick ``sub`` → callback → portal."""
    query = {"next": next_path} if next_path else {}
    start = client.get(f"/auth/{kind}/login", query_string=query)
    assert start.status_code == 302, start.text
    authorize_url = start.headers["Location"]
    picked = requests.post(authorize_url, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert picked.status_code == 302, picked.text
    callback = urlsplit(picked.headers["Location"])
    assert callback.path == f"/auth/{kind}/callback"
    return client.get(f"{callback.path}?{callback.query}")


@pytest.fixture
def make_client(app: Flask, db_session: Session, demo: dict[str, Municipality]):  # type: ignore[no-untyped-def]
    """``make_client(kind, sub)``: a separate browser already logged in as that demo user."""

    def make(kind: str, sub: str) -> FlaskClient:
        browser = app.test_client()
        response = login(browser, kind, sub)
        assert response.status_code == 302, response.text
        return browser

    return make
