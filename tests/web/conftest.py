"""The portal app, a test client, the development identity provider on a loopback port, logins, and a copy of
the catalog to publish."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal import create_app
from portal.certificates.devpki import create_dev_pki
from portal.config import DEV_PAYMENT_KEY, ROOT, load_settings
from portal.database import db
from portal.demo import load_demo_data
from portal.devidp import RunningServer, create_idp_app, default_clients, serve_in_thread
from portal.devpay import create_payment_app
from portal.devtools.mailsink import MailSink, start_mail_sink
from portal.japan import jst
from portal.models import Municipality
from portal.web import limits
from tests.web.catalogcopy import DIRECTORIES
from tests.web.mailbox import Mailbox

PORTAL_URL = "http://localhost"  # what the Flask test client calls itself
PUBLIC_URL = PORTAL_URL  # where browsers reach the portal: redirect URIs and the certificates' verify URL
SIGNING_CODE = "999997"


@pytest.fixture(scope="session")
def idp() -> Iterator[RunningServer]:
    running = serve_in_thread(None)
    running.mount(create_idp_app(issuer=running.url, clients=default_clients(PORTAL_URL), environment="testing"))
    yield running
    running.shutdown()


@pytest.fixture(scope="session")
def payment_provider() -> Iterator[RunningServer]:
    """The development payment provider on a loopback port, as scripts/dev runs it beside the portal."""
    running = serve_in_thread(create_payment_app(api_key=DEV_PAYMENT_KEY, environment="testing"))
    yield running
    running.shutdown()


@pytest.fixture(scope="session")
def mail_sink(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MailSink]:
    """The development mail sink on a loopback port, as scripts/dev runs it: the portal's SMTP server in tests."""
    sink = start_mail_sink(tmp_path_factory.mktemp("mail"), port=0, environment="testing")
    yield sink
    sink.stop()


@pytest.fixture
def mailbox(mail_sink: MailSink) -> Mailbox:
    """What the mail sink receives during this test (emptied first)."""
    found = Mailbox(mail_sink.directory)
    found.clear()
    return found


def create_testing_app(
    idp: RunningServer, database_url: str, overrides: Mapping[str, Any] | None = None, **settings: str
) -> Flask:
    """A portal in the testing environment with these settings (variable → value) and Flask config besides.

    Create it in a fixture of module or session scope: create_app points the shared ``db`` at the app's
    engine, which must happen before the test's db_session fixture points it at the test transaction.
    """
    env = {"MADOGUCHI_ENV": "testing", "DATABASE_URL": database_url, "DEV_IDP_URL": idp.url, **settings}
    return create_app(load_settings(env), overrides)


@pytest.fixture(scope="session")
def signing_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The development CA and a signing key for 見本市 only: 試験町 (999989) has none, so it cannot issue."""
    directory = tmp_path_factory.mktemp("pki")
    create_dev_pki(directory, [(SIGNING_CODE, "見本県見本市")])
    return directory


@pytest.fixture(scope="session")
def app(
    idp: RunningServer,
    payment_provider: RunningServer,
    mail_sink: MailSink,
    database_url: str,
    engine: object,
    signing_dir: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    """Notifications are sent (by the task, in this process, after each commit) to the mail sink."""
    return create_testing_app(
        idp,
        database_url,
        SESSION_DIR=str(tmp_path_factory.mktemp("sessions")),
        SIGNING_DIR=str(signing_dir),
        PUBLIC_URL=PUBLIC_URL,
        PAYMENT_PROVIDER_URL=payment_provider.url,
        SMTP_URL=mail_sink.url,
        MAIL_SINK_DIR=str(mail_sink.directory),
    )


@pytest.fixture
def build_app(
    idp: RunningServer,
    payment_provider: RunningServer,
    database_url: str,
    engine: object,
    tmp_path: Path,
    db_session: Session,
) -> Callable[..., Flask]:
    """``build_app(overrides, **env)``: another portal built inside a test (see create_testing_app), in its
    transaction."""

    def build(overrides: Mapping[str, Any] | None = None, **env: str) -> Flask:
        test_sessions = db.sessionmaker  # create_app binds a new engine: keep the test's rolled-back session
        defaults = {"SESSION_DIR": str(tmp_path), "PAYMENT_PROVIDER_URL": payment_provider.url}
        built = create_testing_app(idp, database_url, overrides, **{**defaults, **env})
        db.sessionmaker = test_sessions
        return built

    return build


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A copy of the shipped catalog (published as version 1 by the migration) that a test may change."""
    for directory in DIRECTORIES.values():
        shutil.copytree(ROOT / directory, tmp_path / directory)
    return tmp_path


@pytest.fixture
def catalog(build_app: Callable[..., Flask], sources: Path) -> Callable[..., Result]:
    """``catalog("publish")``: the command run on the copy, in the test's transaction."""
    app = build_app(**{variable: str(sources / directory) for variable, directory in DIRECTORIES.items()})

    def run(*args: str) -> Result:
        return app.test_cli_runner().invoke(args=["catalog", *args])

    return run


@pytest.fixture
def demo(db_session: Session) -> dict[str, Municipality]:
    return {m.code: m for m in load_demo_data(db_session)}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """``clock(day, hour=10)``: from now on it is that hour of ``day`` in Japan, for the portal and its services."""

    def travel(day: date, hour: int = 10) -> None:
        monkeypatch.setattr(jst, "now", lambda: datetime.combine(day, time(hour), jst.JST))

    return travel


@pytest.fixture
def unspent_limits(app: Flask) -> None:
    """Rate limits stay on in tests, but each test starts with unspent ones, as it would on a fresh app: the
    app lives for the whole run and every test client comes from one address."""
    app.extensions[limits.EXTENSION].reset()


@pytest.fixture
def client(app: Flask, db_session: Session, demo: dict[str, Municipality], unspent_limits: None) -> FlaskClient:
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


def logged_in(app: Flask, kind: str, sub: str) -> FlaskClient:
    """A separate browser of ``app`` already logged in as that demo user."""
    browser = app.test_client()
    response = login(browser, kind, sub)
    assert response.status_code == 302, response.text
    return browser


@pytest.fixture
def make_client(app: Flask, db_session: Session, demo: dict[str, Municipality], unspent_limits: None):  # type: ignore[no-untyped-def]
    """``make_client(kind, sub)``: a separate browser already logged in as that demo user."""

    def make(kind: str, sub: str) -> FlaskClient:
        return logged_in(app, kind, sub)

    return make


@pytest.fixture(scope="session")
def polyglot_app(
    idp: RunningServer,
    payment_provider: RunningServer,
    mail_sink: MailSink,
    database_url: str,
    engine: object,
    sample_translations: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Flask:
    """The portal speaking every language of portal.languages (from sample_translations)."""
    return create_testing_app(
        idp,
        database_url,
        {"BABEL_TRANSLATION_DIRECTORIES": str(sample_translations)},
        SESSION_DIR=str(tmp_path_factory.mktemp("polyglot-sessions")),
        PUBLIC_URL=PUBLIC_URL,
        PAYMENT_PROVIDER_URL=payment_provider.url,
        SMTP_URL=mail_sink.url,
        MAIL_SINK_DIR=str(mail_sink.directory),
    )


@pytest.fixture
def polyglot(polyglot_app: Flask, db_session: Session, demo: dict[str, Municipality]) -> FlaskClient:
    polyglot_app.extensions[limits.EXTENSION].reset()
    return polyglot_app.test_client()
