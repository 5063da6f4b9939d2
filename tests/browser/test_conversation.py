"""The conversation and the notification settings in a real browser: they reflow at 320 px, a refused message is
marked on its field and keeps its focus ring, and axe-core finds no serious or critical violation in them.

This module runs its own portal with email on (the session's browser portal has none), sending to a mail sink.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import selenium_axe_python
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session

from portal import create_app
from portal.certificates import CertificateRenderer
from portal.certificates.signing import CertificateSigning
from portal.config import DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL, ROOT, load_settings
from portal.demo import load_demo_data
from portal.devidp import create_idp_app, default_clients, serve_in_thread
from portal.devtools.mailsink import start_mail_sink
from portal.models import Municipality, Resident, Submission
from portal.procedures import Procedures
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from tests.browser.conftest import _one_request_at_a_time
from tests.browser.test_resident_form import log_in_to_form, wait_for
from tests.db.signing import shipped
from tests.web.journeys import JUMINHYO_ANSWERS, validated

pytestmark = pytest.mark.browser

AXE = Path(selenium_axe_python.__file__).parent / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")


@pytest.fixture(scope="module")
def mail_site(database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sink = start_mail_sink(tmp_path_factory.mktemp("browser-mail"), port=0, environment="testing")
    portal = serve_in_thread(None)
    idp = serve_in_thread(None)
    idp.mount(create_idp_app(issuer=idp.url, clients=default_clients(portal.url), environment="testing"))
    settings = load_settings(
        {
            "MADOGUCHI_ENV": "testing",
            "DATABASE_URL": database_url,
            "SESSION_DIR": str(tmp_path_factory.mktemp("browser-mail-sessions")),
            "DEV_IDP_URL": idp.url,
            "SMTP_URL": sink.url,
            "MAIL_SINK_DIR": str(sink.directory),
        }
    )
    portal.mount(_one_request_at_a_time(create_app(settings)))
    yield portal.url
    portal.shutdown()
    idp.shutdown()
    sink.stop()


@pytest.fixture
def site_url(mail_site: str, db_session: Session) -> str:
    load_demo_data(db_session)
    return mail_site


def submitted(db_session: Session) -> Submission:
    signing = CertificateSigning(ROOT / "instance" / "pki", DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL)  # never issues
    procedures = Procedures(CertificateRenderer(), signing)
    resident = db_session.query(Resident).one()
    definition = shipped("juminhyo")
    service = SubmissionService(db_session, procedures, ActingUser.of_resident(resident))
    return service.submit(
        db_session.get(Municipality, "999997"), definition, validated(definition, JUMINHYO_ANSWERS), "browser-mail"
    )


def axe_violations(driver: WebDriver, include: str | None = None) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (or in ``include``), injected past the CSP (the
    page was loaded with the browser's CSP bypass on: see ``bypass_csp``)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    context = {"include": [[include]]} if include else {"exclude": []}
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(arguments[0], {resultTypes: ['violations']}).then(done, e => done({error: String(e)}));",
        context,
    )
    assert "error" not in result, result
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]


@pytest.fixture
def bypass_csp(browser: WebDriver) -> Iterator[WebDriver]:
    """Tests only: pages load with the browser's CSP bypass, so axe-core can be injected into them."""
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    yield browser
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})


def reflows(driver: WebDriver) -> bool:
    """Nothing wider than the viewport: no sideways scrolling (WCAG 1.4.10)."""
    return bool(driver.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_conversation_reflows_marks_a_refused_message_and_passes_axe(
    bypass_csp: WebDriver, site_url: str, db_session: Session
) -> None:
    browser = bypass_csp
    log_in_to_form(browser, site_url)
    submission = submitted(db_session)
    page = f"{site_url}/999997/applications/{submission.reference}"
    browser.set_window_size(320, 900)
    try:
        browser.get(page)
        assert reflows(browser)
        browser.find_element(By.CSS_SELECTOR, "#conversation button[type=submit]").click()  # nothing typed
        wait_for(browser, lambda d: d.find_elements(By.ID, "message-body-error"), "the refusal was not shown")
        body = browser.find_element(By.ID, "message-body")
        assert body.get_attribute("aria-invalid") == "true"
        body.click()
        ring = browser.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth];", body
        )
        assert ring[0] != "none" and ring[1] != "0px"  # the focus ring stays visible on the marked field
        assert axe_violations(browser, "#conversation") == []

        body.send_keys("長い URL も折り返します: https://example.jp/" + "a" * 120)
        browser.find_element(By.CSS_SELECTOR, "#conversation button[type=submit]").click()
        wait_for(
            browser, lambda d: "メッセージを送信しました。" in d.find_element(By.TAG_NAME, "main").text, "not sent"
        )
        assert urlsplit(browser.current_url).fragment == "conversation"
        assert reflows(browser)
        assert axe_violations(browser, "#conversation") == []
    finally:
        browser.set_window_size(1280, 1000)


def test_the_notification_settings_reflow_and_pass_axe(
    bypass_csp: WebDriver, site_url: str, db_session: Session
) -> None:
    browser = bypass_csp
    log_in_to_form(browser, site_url)
    browser.set_window_size(320, 900)
    try:
        browser.get(f"{site_url}/account/notifications")
        assert reflows(browser)
        assert axe_violations(browser) == []
        browser.find_element(By.ID, "field-address").send_keys("yamada@@example")
        browser.find_element(By.CSS_SELECTOR, "form[action$='/address'] button").click()
        wait_for(browser, lambda d: d.find_elements(By.ID, "field-address-error"), "the refusal was not shown")
        assert reflows(browser)
        assert axe_violations(browser) == []
    finally:
        browser.set_window_size(1280, 1000)
