"""Decisions in the browser: irreversible ones ask once more before anything is sent, and the case page shows one
decision at a time, chosen in place."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
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
from tests.browser.pages import decide, log_in, resident, submitted
from tests.browser.test_resident_form import active, log_in_to_form, wait_for
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


# -- the case page's decision panel ------------------------------------------------------------------------------


def _in_review(browser: WebDriver, portal_url: str, db_session: Session) -> Submission:
    """山田's application, which 見本市's clerk (logged in on ``browser``) has started to review."""
    log_in(browser, portal_url, "resident", "resident-yamada")
    submission = submitted(db_session, resident(db_session), "decision-panel")
    decide(db_session, submission, "staff-mihon-clerk", "start_review")
    log_in(browser, portal_url, "staff", "staff-mihon-clerk")
    browser.get(f"{portal_url}/backoffice/submissions/{submission.reference}")
    return submission


def _shown_steps(browser: WebDriver) -> list[str]:
    return [
        step.get_attribute("data-decision-step")
        for step in browser.find_elements(By.CSS_SELECTOR, "[data-decision-step]")
        if step.is_displayed()
    ]


def test_choosing_an_action_shows_its_form_in_place_one_at_a_time(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    _in_review(browser, portal_url, db_session)
    browser.execute_script("window.stillTheSamePage = true;")

    assert _shown_steps(browser) == []
    assert not browser.find_element(By.CSS_SELECTOR, "[data-decision-next]").is_displayed()  # no GET needed
    browser.find_element(By.CSS_SELECTOR, "label[for='action-return_to_applicant']").click()
    assert _shown_steps(browser) == ["return_to_applicant"]
    assert browser.find_element(By.ID, "comment-return_to_applicant").is_displayed()

    ActionChains(browser).send_keys(Keys.ARROW_DOWN).perform()  # the next radio: 却下する
    assert _shown_steps(browser) == ["reject"]
    assert active(browser).get_attribute("id") == "action-reject"  # focus stays in the list
    ActionChains(browser).send_keys(Keys.TAB).perform()
    assert active(browser).get_attribute("id") == "comment-reject"  # then into the chosen form
    assert browser.execute_script("return window.stillTheSamePage === true;")


def test_a_missing_reason_focuses_the_summary_whose_link_focuses_the_textarea(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    submission = _in_review(browser, portal_url, db_session)
    browser.find_element(By.CSS_SELECTOR, "label[for='action-return_to_applicant']").click()
    browser.find_element(By.CSS_SELECTOR, "#decision-return_to_applicant button").click()

    summary = wait_for(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-error-summary]"), "no summary")[0]
    assert active(browser) == summary
    assert _shown_steps(browser) == ["return_to_applicant"]  # the decision stays chosen
    summary.find_element(By.CSS_SELECTOR, "a[href='#comment-return_to_applicant']").click()
    assert active(browser).get_attribute("id") == "comment-return_to_applicant"
    db_session.refresh(submission)
    assert submission.state == "in_review"

    active(browser).send_keys("電話番号をご確認ください。")
    browser.find_element(By.CSS_SELECTOR, "#decision-return_to_applicant button").click()
    wait_for(browser, lambda d: "差戻し中" in d.find_element(By.TAG_NAME, "main").text, "the state did not change")
    db_session.refresh(submission)
    assert submission.state == "returned"


def test_rejecting_from_the_panel_asks_first(browser: WebDriver, portal_url: str, db_session: Session) -> None:
    submission = _in_review(browser, portal_url, db_session)
    browser.find_element(By.CSS_SELECTOR, "label[for='action-reject']").click()
    browser.find_element(By.ID, "comment-reject").send_keys("要件を満たしません。")

    browser.find_element(By.CSS_SELECTOR, "#decision-reject button").click()
    alert = wait_for(browser, expected_conditions.alert_is_present(), "no confirmation was asked")
    assert alert.text == "却下すると元に戻せません。よろしいですか？"
    alert.dismiss()
    db_session.refresh(submission)
    assert submission.state == "in_review"

    browser.find_element(By.CSS_SELECTOR, "#decision-reject button").click()
    wait_for(browser, expected_conditions.alert_is_present(), "no confirmation was asked").accept()
    wait_for(browser, lambda d: "却下" in d.find_element(By.CSS_SELECTOR, ".status-badge").text, "not rejected")
    db_session.refresh(submission)
    assert submission.state == "rejected"
