"""Headless Chromium against the portal and its own development provider, both on loopback ports.

One browser for the whole run (starting Chromium costs about a second); each test gets fresh cookies
and its own rolled-back transaction, which the portal's server thread shares through
``db.sessionmaker`` (see tests/conftest.py). Selenium uses Debian's chromium and chromedriver and never
downloads a driver: scripts/install-system-packages installs both.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session

from portal import create_app
from portal.config import load_settings
from portal.demo import load_demo_data
from portal.devidp import create_idp_app, default_clients, serve_in_thread
from portal.web import limits
from tests.browser.pages import Audit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1000",
    "--lang=ja",
)


def _one_request_at_a_time(app: WSGIApplication) -> WSGIApplication:
    """Serialise requests: every one uses the test's single database connection, and a browser fetches a
    page's stylesheet, script and favicon in parallel."""
    lock = threading.Lock()

    def serve(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        with lock:
            body = app(environ, start_response)
            try:
                return list(body)
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()

    return serve


@dataclass(frozen=True)
class Site:
    url: str
    app: Flask


@contextmanager
def serving(database_url: str, sessions: Path, translations: Path) -> Iterator[Site]:
    """The portal, speaking the catalogs compiled in ``translations``, and its development provider, each on a
    loopback port. Both servers start empty: each app needs the other's real port."""
    portal = serve_in_thread(None)
    idp = serve_in_thread(None)
    idp.mount(create_idp_app(issuer=idp.url, clients=default_clients(portal.url), environment="testing"))
    settings = load_settings(
        {"MADOGUCHI_ENV": "testing", "DATABASE_URL": database_url, "SESSION_DIR": str(sessions), "DEV_IDP_URL": idp.url}
    )
    app = create_app(settings, {"BABEL_TRANSLATION_DIRECTORIES": str(translations)})
    portal.mount(_one_request_at_a_time(app))
    try:
        yield Site(portal.url, app)
    finally:
        portal.shutdown()
        idp.shutdown()


@pytest.fixture(scope="session")
def site(
    database_url: str, engine: object, sample_translations: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The portal speaking every language in a few texts (tests/sample_translations.py); a module may override it
    (tests/browser/test_real_catalogs.py speaks the translators' catalogs)."""
    with serving(database_url, tmp_path_factory.mktemp("browser-sessions"), sample_translations) as running:
        yield running


@pytest.fixture
def portal_url(site: Site, db_session: Session) -> str:
    """The portal with the demo municipalities loaded in this test's transaction, and its rate limits unspent, as
    a fresh portal's would be (every test's browser comes from one address, and the limits stay on: a run of tests
    that log in often would otherwise be refused its logins)."""
    site.app.extensions[limits.EXTENSION].reset()
    load_demo_data(db_session)
    return site.url


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    for required in (CHROMIUM, CHROMEDRIVER):
        if not required.exists():
            pytest.fail(
                f"{required} is missing: the browser tests need Debian's chromium and chromium-driver; "
                "run scripts/install-system-packages",
                pytrace=False,
            )
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (*CHROMIUM_ARGUMENTS, f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(argument)
    # Japanese first, as a resident's browser would ask: the portal picks its language from this.
    options.add_experimental_option("prefs", {"intl.accept_languages": "ja,en"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium: WebDriver) -> WebDriver:
    """The shared browser with no cookies left from an earlier test, on a blank page."""
    chromium.get("about:blank")
    chromium.execute_cdp_cmd("Network.clearBrowserCookies", {})
    return chromium


@pytest.fixture
def audit(browser: WebDriver) -> Iterator[Audit]:
    """axe-core over the pages the test visits (tests/browser/pages.py), under the browser's CSP bypass."""
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    try:
        yield Audit(browser)
    finally:
        browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
