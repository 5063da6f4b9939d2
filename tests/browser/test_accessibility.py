"""Accessibility in a real browser: axe-core over every resident and back-office page state with no serious or
critical violation, resident text at 16px or more, the focus ring kept in error states, and pages that reflow at
320 CSS pixels (WCAG 1.4.10) instead of scrolling sideways."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.select import Select
from sqlalchemy.orm import Session

from tests.browser.pages import (
    CODE,
    Audit,
    decide,
    entered_at_counter,
    focus_ring,
    log_in,
    resident,
    scroll_width,
    submitted,
    viewport,
)
from tests.browser.test_resident_form import FORM_PATH, press, wait_for
from tests.web.test_proxy_requests import THIRD_PARTY

pytestmark = pytest.mark.browser

FOCUS_COLOUR = "rgb(8, 119, 215)"  # --color-focus
REASON = "電話番号が確認できません。日中に連絡のつく番号に直してください。"


def go(driver: WebDriver, url: str) -> None:
    driver.get(url)
    wait_for(driver, lambda d: d.execute_script("return document.readyState") == "complete", f"{url} did not load")


def click(driver: WebDriver, selector: str) -> None:
    """Press a submit button (or follow a link) and wait for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.CSS_SELECTOR, selector).click()
    wait_for(driver, lambda d: old != d.find_element(By.TAG_NAME, "html"), f"{selector} led to no new page")


def fill_request_page(driver: WebDriver) -> None:
    driver.find_element(By.CSS_SELECTOR, "label[for='field-scope']").click()  # 本人のみ
    copies = driver.find_element(By.ID, "field-copies")
    copies.clear()
    copies.send_keys("2")
    Select(driver.find_element(By.ID, "field-purpose")).select_by_value("employment")


# -- axe over every page state ------------------------------------------------------------------------------------


def test_every_resident_page_state_passes_axe_with_16px_text(
    browser: WebDriver, portal_url: str, db_session: Session, audit: Audit
) -> None:
    for path, state in (
        ("/", "home"),
        (f"/{CODE}/", "municipality"),
        (f"/{CODE}/procedures/juminhyo", "procedure"),
        (f"/opendata/{CODE}/", "open data"),
    ):
        go(browser, portal_url + path)
        audit.check(state, resident=True)

    log_in(browser, portal_url, "resident", "resident-yamada")
    go(browser, portal_url + FORM_PATH)
    audit.check("form: applicant", resident=True)
    browser.find_element(By.ID, "field-family_name").clear()
    press(browser, "次へ")
    audit.check("form: applicant with errors", resident=True)
    browser.find_element(By.ID, "field-family_name").send_keys("山田")
    browser.find_element(By.ID, "field-phone").send_keys("03-1234-5678")
    press(browser, "次へ")
    audit.check("form: requester", resident=True)
    browser.find_element(By.CSS_SELECTOR, "label[for='field-request_by-2']").click()  # 代理人: the person asked
    audit.check("form: requester for someone else", resident=True)
    press(browser, "次へ")
    audit.check("form: requester for someone else with errors (file, date, radios)", resident=True)
    browser.find_element(By.CSS_SELECTOR, "label[for='field-request_by']").click()  # ご本人
    press(browser, "次へ")
    audit.check("form: request", resident=True)
    press(browser, "次へ")
    audit.check("form: request with errors (radios, select, number)", resident=True)
    fill_request_page(browser)
    browser.find_element(By.CSS_SELECTOR, "label[for='field-scope-3']").click()  # 世帯の一部: the household
    audit.check("form: request choosing household members", resident=True)
    browser.find_element(By.CSS_SELECTOR, "label[for='field-scope']").click()
    press(browser, "次へ")
    audit.check("form: receipt and payment", resident=True)
    browser.find_element(By.CSS_SELECTOR, "label[for='field-receipt_method-2']").click()  # 郵送: the address asked
    browser.find_element(By.ID, "field-delivery_address").clear()
    press(browser, "入力内容を確認する")
    audit.check("form: receipt and payment with errors", resident=True)
    browser.find_element(By.CSS_SELECTOR, "label[for='field-receipt_method']").click()  # 窓口
    browser.find_element(By.CSS_SELECTOR, "label[for='field-payment_method']").click()
    press(browser, "入力内容を確認する")
    audit.check("confirm", resident=True)
    click(browser, ".form-actions form button")  # 申請する
    audit.check("receipt", resident=True)

    applicant = resident(db_session)
    returned = submitted(db_session, applicant, "browser-returned")
    decide(db_session, returned, "staff-mihon-clerk", "start_review")
    decide(db_session, returned, "staff-mihon-clerk", "return_to_applicant", REASON)
    paying = submitted(db_session, applicant, "browser-paying", payment_method="online")
    decide(db_session, paying, "staff-mihon-clerk", "start_review")
    decide(db_session, paying, "staff-mihon-clerk", "request_approval")
    decide(db_session, paying, "staff-mihon-approver", "approve")
    rejected = submitted(db_session, applicant, "browser-rejected")
    decide(db_session, rejected, "staff-mihon-clerk", "start_review")
    decide(db_session, rejected, "staff-mihon-clerk", "reject", "要件を満たしません。")
    go(browser, f"{portal_url}/{CODE}/procedures/sodai_gomi/apply")
    audit.check("sodai_gomi form: applicant", resident=True)
    press(browser, "次へ")  # with errors, kept as a draft
    go(browser, f"{portal_url}/{CODE}/applications")
    audit.check("my applications: draft, open and finished", resident=True)
    go(browser, f"{portal_url}/{CODE}/applications/{returned.reference}")
    audit.check("application returned (差戻し)", resident=True)
    click(browser, "#returned a")
    audit.check("correction form", resident=True)
    browser.find_element(By.ID, "field-phone").clear()
    click(browser, ".form-actions button")
    audit.check("correction form with errors", resident=True)
    go(browser, f"{portal_url}/{CODE}/applications/{paying.reference}")
    audit.check("application awaiting online payment", resident=True)
    go(browser, f"{portal_url}/{CODE}/applications/{rejected.reference}")
    audit.check("application rejected", resident=True)
    go(browser, f"{portal_url}/{CODE}/applications/{paying.reference}?lang=en")
    audit.check("application in English", resident=True)
    go(browser, f"{portal_url}/{CODE}/applications/2000-00000?lang=ja")
    audit.check("page not found", resident=True)

    audit.assert_clean()


def test_every_back_office_page_state_passes_axe(
    browser: WebDriver, portal_url: str, db_session: Session, audit: Audit
) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    applicant = resident(db_session)
    case = submitted(db_session, applicant, "browser-case")
    finished = submitted(db_session, applicant, "browser-finished")
    decide(db_session, finished, "staff-mihon-clerk", "start_review")
    decide(db_session, finished, "staff-mihon-clerk", "reject", "要件を満たしません。")

    log_in(browser, portal_url, "staff", "staff-mihon-clerk")
    go(browser, f"{portal_url}/backoffice/")
    audit.check("queue")
    go(browser, f"{portal_url}/backoffice/?view=done")
    audit.check("queue: finished cases")
    go(browser, f"{portal_url}/backoffice/?view=overdue")
    audit.check("queue: nothing overdue")
    go(browser, f"{portal_url}/backoffice/?view=all&from=2026-04-02&to=2026-04-01")
    audit.check("queue: a filter marked as wrong")
    case_url = f"{portal_url}/backoffice/submissions/{case.reference}"
    go(browser, case_url)
    audit.check("case page: one action")
    click(browser, "#assignment form[action$='/assignment/claim'] button")
    audit.check("case page: handled by me")
    click(browser, "#notes button")
    audit.check("case page: an empty note marked")
    click(browser, "#decision-start_review button")
    audit.check("case page: choosing among actions")
    browser.find_element(By.CSS_SELECTOR, "label[for='action-return_to_applicant']").click()
    audit.check("case page: an action chosen in place")
    click(browser, "#decision-return_to_applicant button")
    audit.check("case page: a missing reason")
    go(browser, f"{case_url}?action=reject")
    audit.check("case page: an action chosen without JavaScript")
    go(browser, f"{portal_url}/backoffice/submissions/{finished.reference}")
    audit.check("case page: finished")
    on_behalf = submitted(db_session, applicant, "browser-on-behalf", **THIRD_PARTY, items=[])  # basic items only
    decide(db_session, on_behalf, "staff-mihon-clerk", "start_review")
    go(browser, f"{portal_url}/backoffice/submissions/{on_behalf.reference}?action=request_approval")
    audit.check("case page: a request for someone else, its check asked")
    click(browser, "#decision-request_approval button")
    audit.check("case page: the requester's check missing")
    go(browser, f"{portal_url}/backoffice/notices/")
    audit.check("本人通知")
    click(browser, "form.procedure-form .form-actions button")
    audit.check("本人通知: a registration with errors")
    go(browser, f"{portal_url}/backoffice/submissions/2000-00000")
    audit.check("back office: page not found")

    go(browser, f"{portal_url}/backoffice/counter/")
    audit.check("counter: procedures")
    go(browser, f"{portal_url}/backoffice/counter/juminhyo/apply")
    audit.check("counter: the applicant's page")
    press(browser, "次へ")
    audit.check("counter: the applicant's page with errors")
    at_counter = entered_at_counter(db_session, "browser-counter", counter_notify="email", counter_email="a@example.jp")
    decide(db_session, at_counter, "staff-mihon-clerk", "start_review")
    decide(db_session, at_counter, "staff-mihon-clerk", "return_to_applicant", REASON)
    go(browser, f"{portal_url}/backoffice/submissions/{at_counter.reference}")
    audit.check("case page: returned, entered at the counter")
    go(browser, f"{portal_url}/backoffice/submissions/{at_counter.reference}/correct")
    browser.find_element(By.ID, "field-phone").clear()
    click(browser, ".form-actions button")
    audit.check("counter: correction with errors")

    log_in(browser, portal_url, "staff", "staff-mihon-admin")
    admin = f"{portal_url}/backoffice/admin"
    for path, state in (
        ("/", "admin: index"),
        (f"/municipalities/{CODE}/", "admin: municipality"),
        (f"/municipalities/{CODE}/procedures/", "admin: procedures"),
        (f"/municipalities/{CODE}/procedures/juminhyo", "admin: procedure"),
        (f"/municipalities/{CODE}/audit", "admin: municipality audit"),
        (f"/municipalities/{CODE}/statistics", "admin: statistics"),
    ):
        go(browser, admin + path)
        audit.check(state)
    go(browser, f"{admin}/municipalities/{CODE}/")
    browser.find_element(By.CSS_SELECTOR, "form.procedure-form input.input[type='text']").clear()
    click(browser, "form.procedure-form .form-actions button")
    audit.check("admin: municipality with errors")

    log_in(browser, portal_url, "staff", "staff-platform-operator")
    for path, state in (
        ("/", "admin: platform"),
        ("/municipalities/new", "admin: new municipality"),
        ("/audit", "admin: platform audit"),
        ("/catalog/", "catalog: sources"),
        ("/catalog/definition/juminhyo/", "catalog: history"),
        ("/catalog/definition/juminhyo/versions/1/preview", "catalog: preview"),
    ):
        go(browser, admin + path)
        audit.check(state)
    go(browser, f"{admin}/municipalities/new")
    click(browser, "form.procedure-form .form-actions button")
    audit.check("admin: new municipality with errors")

    audit.assert_clean()


def test_the_audit_fails_naming_each_violation_and_its_page(browser: WebDriver, portal_url: str, audit: Audit) -> None:
    """The harness itself: a page made inaccessible on purpose is reported, rule, impact, element and page."""
    go(browser, f"{portal_url}/{CODE}/")
    browser.execute_script(
        "document.querySelector('main').insertAdjacentHTML('beforeend',"
        ' \'<input type="text" id="unlabelled"><p id="tiny" style="font-size: 12px">小さな字</p>\');'
    )

    audit.check("spoilt on purpose", resident=True)

    with pytest.raises(AssertionError) as caught:
        audit.assert_clean()
    report = str(caught.value)
    assert "problems on 1 page states" in report
    assert "spoilt on purpose (/999997/): label [critical]" in report and "#unlabelled" in report
    assert "text below 16px: p. 12px 「小さな字」" in report


# -- the focus ring in error states ----------------------------------------------------------------------------------


def test_every_invalid_input_keeps_the_focus_ring(browser: WebDriver, portal_url: str) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    go(browser, f"{portal_url}{FORM_PATH}?page=request")
    browser.find_element(By.ID, "field-copies").clear()
    press(browser, "次へ")  # nothing chosen: the radios, the number and the select in error
    invalid = browser.find_elements(By.CSS_SELECTOR, ".field--error input, .field--error select, [aria-invalid='true']")
    kinds = {(e.tag_name, e.get_attribute("type") or "") for e in invalid}
    assert {("input", "radio"), ("input", "number"), ("select", "select-one")} <= kinds
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)  # keyboard use: focus is shown from now on

    for element in invalid:
        ring = focus_ring(browser, element)
        name = f"{element.tag_name} {element.get_attribute('type')} #{element.get_attribute('id')}"
        assert ring == {"visible": "true", "width": "4px", "style": "solid", "color": FOCUS_COLOUR}, name


def test_an_invalid_radio_is_marked_in_red_until_focused(browser: WebDriver, portal_url: str) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    go(browser, f"{portal_url}{FORM_PATH}?page=request")
    press(browser, "次へ")
    radio = browser.find_element(By.ID, "field-scope")

    unfocused = browser.execute_script(
        "const s = getComputedStyle(arguments[0]); return [s.outlineWidth, s.outlineStyle, s.outlineColor];", radio
    )
    assert unfocused == ["2px", "solid", "rgb(236, 0, 0)"]  # --color-error, beside the error text


# -- reflow at 320 CSS pixels ----------------------------------------------------------------------------------------


def test_my_applications_and_the_queue_reflow_at_320px(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    applicant = resident(db_session)
    open_case = submitted(db_session, applicant, "narrow-open")
    finished = submitted(db_session, applicant, "narrow-finished")
    decide(db_session, finished, "staff-mihon-clerk", "start_review")
    decide(db_session, finished, "staff-mihon-clerk", "return_to_applicant", REASON)
    go(browser, f"{portal_url}/{CODE}/procedures/sodai_gomi/apply")
    press(browser, "次へ")  # a draft
    resident_pages = [
        f"/{CODE}/applications",
        f"/{CODE}/applications/{finished.reference}",
        f"/{CODE}/applications/{open_case.reference}/receipt",
    ]
    with viewport(browser, 320):
        for path in resident_pages:
            go(browser, portal_url + path)
            assert scroll_width(browser) <= 320, path

    log_in(browser, portal_url, "staff", "staff-mihon-clerk")
    with viewport(browser, 320):
        for path in ("/backoffice/", f"/backoffice/submissions/{open_case.reference}"):
            go(browser, portal_url + path)
            assert scroll_width(browser) <= 320, path
        go(browser, portal_url + "/backoffice/")
        region = browser.find_element(By.CSS_SELECTOR, ".table-scroll")
        assert region.get_attribute("tabindex") == "0" and region.get_attribute("role") == "region"


def test_my_applications_become_cards_with_each_value_named(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    submitted(db_session, resident(db_session), "cards")
    with viewport(browser, 320):
        go(browser, f"{portal_url}/{CODE}/applications")
        row = browser.find_element(By.CSS_SELECTOR, "#open-applications tbody tr")
        cell = row.find_element(By.CSS_SELECTOR, "td")
        shown = browser.execute_script(
            "const c = arguments[0]; return [getComputedStyle(c).display, getComputedStyle(c, '::before').content];",
            cell,
        )
        assert shown == ["block", '"受付番号"']
        header = browser.find_element(By.CSS_SELECTOR, "#open-applications thead")
        assert header.size["width"] <= 1  # off screen, still read
    go(browser, f"{portal_url}/{CODE}/applications")
    cell = browser.find_element(By.CSS_SELECTOR, "#open-applications tbody td")
    assert browser.execute_script("return getComputedStyle(arguments[0]).display;", cell) == "table-cell"
