"""What only a browser shows on the resident form: portal.js's enhancements and keyboard behaviour.

The server-side behaviour of the same form (validation, the no-JavaScript postal lookup) is tested
through the Flask test client in tests/web; here Chromium runs the real script and CSS.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

pytestmark = pytest.mark.browser

FORM_PATH = "/999997/procedures/juminhyo/apply"
REQUEST_PAGE = f"{FORM_PATH}?page=request"
WAIT_SECONDS = 5
POLL_SECONDS = 0.05  # Selenium's default is half a second, paid after nearly every click that loads a page

T = TypeVar("T")


def wait_for(driver: WebDriver, condition: Callable[[WebDriver], T], message: str) -> T:
    """Poll until ``condition`` holds; an element that goes stale because the page is navigating is polled again."""
    wait = WebDriverWait(driver, WAIT_SECONDS, POLL_SECONDS, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(condition, message)


def log_in_to_form(driver: WebDriver, portal_url: str) -> None:
    """Open the form, get sent to the provider's pick page, choose 山田　太郎 and come back to the form."""
    driver.get(portal_url + FORM_PATH)
    wait_for(driver, lambda d: d.find_elements(By.NAME, "sub"), "the provider's pick page did not appear")
    driver.find_element(By.XPATH, "//button[@name='sub'][strong[text()='山田　太郎']]").click()
    wait_for(driver, lambda d: urlsplit(d.current_url).path == FORM_PATH, "login did not return to the form")


def active(driver: WebDriver) -> WebElement:
    return driver.switch_to.active_element


def field(driver: WebDriver, name: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f'[data-field="{name}"]')


@pytest.fixture
def form(browser: WebDriver, portal_url: str) -> WebDriver:
    log_in_to_form(browser, portal_url)
    return browser


def test_login_through_the_provider_lands_on_the_prefilled_form(browser: WebDriver, portal_url: str) -> None:
    log_in_to_form(browser, portal_url)

    assert browser.current_url == portal_url + FORM_PATH
    assert browser.find_element(By.TAG_NAME, "h1").text == "住民票の写しの交付請求"
    assert browser.find_element(By.ID, "field-family_name").get_attribute("value") == "山田"
    assert browser.find_element(By.ID, "field-given_name").get_attribute("value") == "太郎"
    assert browser.find_element(By.CLASS_NAME, "site-header__user").text.startswith("ログイン中：山田")


def step(driver: WebDriver) -> str:
    """The label of the step the indicator marks as current."""
    return driver.find_element(By.CSS_SELECTOR, '.steps [aria-current="step"] .steps__label').text


def press(driver: WebDriver, label: str) -> None:
    """Press the form's button ``label`` and wait for the next page."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(By.XPATH, f"//div[@class='form-actions']/button[normalize-space()='{label}']").click()
    wait_for(driver, lambda d: old != d.find_element(By.TAG_NAME, "html"), f"{label} led to no new page")


def test_next_and_back_move_between_pages_keeping_what_was_typed(form: WebDriver) -> None:
    assert step(form) == "請求者"
    phone = form.find_element(By.ID, "field-phone")
    phone.send_keys("03-1234-5678")

    press(form, "次へ")
    assert step(form) == "請求の種類" and urlsplit(form.current_url).query == "page=requester"
    form.find_element(By.CSS_SELECTOR, 'label[for="field-request_by"]').click()  # ご本人
    press(form, "次へ")
    assert step(form) == "請求内容" and urlsplit(form.current_url).query == "page=request"
    copies = form.find_element(By.ID, "field-copies")
    copies.clear()
    copies.send_keys("4")

    press(form, "戻る")
    press(form, "戻る")
    assert step(form) == "請求者"
    assert form.find_element(By.ID, "field-phone").get_attribute("value") == "03-1234-5678"
    assert not form.find_elements(By.CSS_SELECTOR, "[data-error-summary]")  # going back checks nothing

    press(form, "次へ")
    press(form, "次へ")
    assert form.find_element(By.ID, "field-copies").get_attribute("value") == "4"


def test_conditional_fields_are_shown_only_for_the_answer_that_needs_them(form: WebDriver) -> None:
    form.get(form.current_url.replace(FORM_PATH, REQUEST_PAGE))
    members, detail = field(form, "members"), field(form, "purpose_detail")
    # The server renders them (for readers without JavaScript); portal.js hides them.
    assert members.get_attribute("hidden") is not None and not members.is_displayed()
    assert detail.get_attribute("hidden") is not None and not detail.is_displayed()

    form.find_element(By.CSS_SELECTOR, 'label[for="field-scope-3"]').click()  # 世帯の一部
    assert members.is_displayed()
    form.find_element(By.CSS_SELECTOR, 'label[for="field-scope-2"]').click()  # 世帯全員
    assert not members.is_displayed()

    purpose = Select(form.find_element(By.ID, "field-purpose"))
    purpose.select_by_visible_text("年金")
    assert not detail.is_displayed()
    purpose.select_by_visible_text("その他")
    assert detail.is_displayed()
    assert form.find_element(By.ID, "field-purpose_detail").is_enabled()


def test_postal_lookup_fills_the_address_without_reloading_and_announces_it(form: WebDriver) -> None:
    address = form.find_element(By.ID, "field-address")
    postal = form.find_element(By.ID, "field-postal_code")
    status = form.find_element(By.ID, "field-postal_code-status")
    address.clear()
    postal.clear()
    postal.send_keys("1000005")
    form.execute_script("window.stillTheSamePage = true;")

    form.find_element(By.CSS_SELECTOR, "[data-postal-lookup]").click()

    wait_for(form, lambda d: address.get_attribute("value") == "東京都千代田区丸の内", "the address was not filled")
    assert form.execute_script("return window.stillTheSamePage === true;"), "the page was reloaded"
    assert status.get_attribute("aria-live") == "polite"
    wait_for(
        form, lambda d: status.text == "住所を入力しました。番地以降を続けて入力してください。", "nothing announced"
    )
    assert active(form) == address


def test_an_invalid_postal_code_is_announced_and_focused_without_a_request(form: WebDriver) -> None:
    postal = form.find_element(By.ID, "field-postal_code")
    postal.clear()
    postal.send_keys("12345")
    form.execute_script("window.stillTheSamePage = true;")

    form.find_element(By.CSS_SELECTOR, "[data-postal-lookup]").click()

    status = form.find_element(By.ID, "field-postal_code-status")
    wait_for(form, lambda d: status.text == "郵便番号は7桁の数字で入力してください。", "nothing announced")
    assert form.execute_script("return window.stillTheSamePage === true;"), "the form was submitted"
    assert active(form) == postal


def test_errors_focus_the_summary_whose_links_focus_the_fields(form: WebDriver) -> None:
    form.find_element(By.ID, "field-family_name").clear()
    form.find_element(By.CSS_SELECTOR, ".form-actions button").click()  # 次へ
    summary = wait_for(
        form, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-error-summary]"), "no error summary after submitting"
    )[0]

    assert active(form) == summary
    links = summary.find_elements(By.TAG_NAME, "a")
    targets = [link.get_attribute("href").partition("#")[2] for link in links]
    assert "field-family_name" in targets and "field-phone" in targets and "field-birthdate" not in targets
    for target in targets:
        assert form.find_elements(By.ID, target), f"error link #{target} points at no element"

    links[targets.index("field-phone")].click()
    assert active(form).get_attribute("id") == "field-phone"

    for input_id in ("field-family_name", "field-phone"):
        assert form.find_element(By.ID, input_id).get_attribute("aria-invalid") == "true", input_id
    assert form.find_element(By.ID, "field-given_name").get_attribute("aria-invalid") is None

    form.get(form.current_url.split("?")[0] + "?page=request")
    form.find_element(By.CSS_SELECTOR, ".form-actions button").click()  # 次へ, nothing chosen
    summary = wait_for(form, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-error-summary]"), "no summary")[0]
    scope = summary.find_element(By.CSS_SELECTOR, 'a[href="#field-scope"]')
    scope.click()
    assert active(form).get_attribute("id") == "field-scope"  # the first radio of the group
    for input_id in ("field-copies", "field-purpose"):
        assert form.find_element(By.ID, input_id).get_attribute("aria-invalid") == "true", input_id


def tab_until(driver: WebDriver, selector: str, most: int = 40) -> WebElement:
    """Press Tab (a real key event, so :focus-visible applies) until the focused element matches."""
    for _ in range(most):
        ActionChains(driver).send_keys(Keys.TAB).perform()
        if driver.execute_script("return document.activeElement.matches(arguments[0]);", selector):
            return active(driver)
    raise AssertionError(f"{most} presses of Tab never reached {selector}")


def outline(driver: WebDriver) -> tuple[str, str]:
    """The focused element's computed outline width and style."""
    width, style = driver.execute_script(
        "const style = getComputedStyle(document.activeElement); return [style.outlineWidth, style.outlineStyle];"
    )
    return width, style


def test_keyboard_focus_shows_a_4px_ring_on_buttons_and_inputs(form: WebDriver) -> None:
    form.get(form.current_url)  # start again from the top with nothing focused

    tab_until(form, "button")
    assert outline(form) == ("4px", "solid")

    focused = tab_until(form, 'input[type="text"]')
    assert focused.get_attribute("id") == "field-family_name"
    assert outline(form) == ("4px", "solid")


def test_the_language_switch_turns_the_page_into_english(form: WebDriver) -> None:
    html = form.find_element(By.TAG_NAME, "html")
    assert html.get_attribute("lang") == "ja"

    form.find_element(By.CSS_SELECTOR, '.language-switch a[hreflang="en"]').click()

    wait_for(form, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "lang is not en")
    assert urlsplit(form.current_url).path == FORM_PATH
    label = form.find_element(By.CSS_SELECTOR, 'label[for="field-family_name"]').text
    assert label and label.isascii(), f"label not translated: {label!r}"
