"""Irreversible decisions ask once more in the browser before anything is sent."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from sqlalchemy.orm import Session

from portal.certificates import CertificateRenderer
from portal.certificates.signing import CertificateSigning
from portal.config import DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL, ROOT
from portal.models import Municipality, Resident, Submission
from portal.procedures import Procedures
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from tests.browser.test_resident_form import log_in_to_form, wait_for
from tests.db.signing import shipped
from tests.web.journeys import JUMINHYO_ANSWERS, validated

pytestmark = pytest.mark.browser


def _submitted(db_session: Session, procedures: Procedures) -> Submission:
    resident = db_session.query(Resident).one()
    definition = shipped("juminhyo")
    service = SubmissionService(db_session, procedures, ActingUser.of_resident(resident))
    return service.submit(
        db_session.get(Municipality, "999997"), definition, validated(definition, JUMINHYO_ANSWERS), "browser-test"
    )


def test_withdrawing_asks_first_and_cancelling_sends_nothing(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    log_in_to_form(browser, portal_url)
    signing = CertificateSigning(ROOT / "instance" / "pki", DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL)  # never issues
    procedures = Procedures(CertificateRenderer(), signing)
    submission = _submitted(db_session, procedures)
    browser.get(f"{portal_url}/999997/applications/{submission.reference}")
    withdraw = browser.find_element(By.CSS_SELECTOR, "form[action$='/transitions/withdraw'] button")

    withdraw.click()
    alert = wait_for(browser, expected_conditions.alert_is_present(), "no confirmation was asked")
    assert alert.text == "申請を取り下げると元に戻せません。よろしいですか？"
    alert.dismiss()
    db_session.refresh(submission)
    assert submission.state == "submitted"

    browser.find_element(By.CSS_SELECTOR, "form[action$='/transitions/withdraw'] button").click()
    wait_for(browser, expected_conditions.alert_is_present(), "no confirmation was asked").accept()
    wait_for(browser, lambda d: "取下げ" in d.find_element(By.TAG_NAME, "main").text, "the state did not change")
    db_session.refresh(submission)
    assert submission.state == "withdrawn"
