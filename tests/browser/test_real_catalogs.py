"""The translators' catalogs (translations/) in a real browser: in each language but Japanese, a resident applies for a
住民票 and starts a 粗大ごみ request, and every page on the way passes axe, keeps its text at 16px or more, reflows at
320 CSS pixels, has a face for every character it draws, and keeps Japanese only where it is marked ``lang="ja"``.

``--screenshots DIR`` also saves the procedure page and the first form page of each language at 320 and 1280 CSS
pixels, to look at.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from portal.languages import JAPANESE, LANGUAGES, Language
from tests import sample_translations as catalogs
from tests.browser.conftest import Site, serving
from tests.browser.pages import (
    CODE,
    Audit,
    log_in,
    screenshot,
    scroll_width,
    sticking_out,
    undrawn_text,
    unmarked_japanese,
    viewport,
)
from tests.browser.test_accessibility import click, fill_request_page, go

pytestmark = pytest.mark.browser

TRANSLATED = [language for language in LANGUAGES if language is not JAPANESE]
PROCEDURE = f"/{CODE}/procedures/juminhyo"
SHOTS = {"procedure": "juminhyo", "juminhyo: applicant": "juminhyo-applicant"}  # page state: file name
NEXT = ".form-actions button[value='next']"


@pytest.fixture(scope="module")
def site(database_url: str, engine: object, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The portal speaking the translators' catalogs, compiled afresh, instead of the samples of the other browser
    tests: this module's ``portal_url`` is this one's."""
    translations = catalogs.shipped(tmp_path_factory.mktemp("translations"))
    with serving(database_url, tmp_path_factory.mktemp("browser-sessions"), translations) as running:
        yield running


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path | None:
    directory: Path | None = request.config.getoption("--screenshots")
    if directory is not None:
        directory.mkdir(parents=True, exist_ok=True)
    return directory


class Reader:
    """Each page state checked as a reader of ``language`` sees it; its problems are gathered in ``audit``."""

    def __init__(self, driver: WebDriver, audit: Audit, language: Language, shots: Path | None) -> None:
        self.driver, self.audit, self.language, self.shots = driver, audit, language, shots

    def look(self, state: str) -> None:
        driver = self.driver
        lang = driver.find_element(By.TAG_NAME, "html").get_attribute("lang")
        assert lang == self.language.code, f"{state}: the page is in {lang}"
        self.audit.check(state, resident=True)
        problems = undrawn_text(driver)
        if not self.language.japanese:
            han = self.language.formats.startswith("zh")  # Chinese is written in Han characters too
            problems += [f"Japanese not marked lang=ja: {text}" for text in unmarked_japanese(driver, han)]
        with viewport(driver, 320):
            if (width := scroll_width(driver)) > 320:
                problems.append(f"{width}px wide at 320px: {sticking_out(driver, 320)}")
        self.audit.add(state, problems)
        if self.shots is not None and state in SHOTS:
            for width in (320, 1280):
                screenshot(driver, width, self.shots / f"{self.language.code}-{SHOTS[state]}-{width}.png")


@pytest.mark.parametrize("language", TRANSLATED, ids=[language.code for language in TRANSLATED])
def test_every_main_page_reads_right_in_each_language(
    browser: WebDriver, portal_url: str, audit: Audit, shots: Path | None, language: Language
) -> None:
    reader = Reader(browser, audit, language, shots)
    log_in(browser, portal_url, "resident", "resident-yamada")
    go(browser, f"{portal_url}/{CODE}/?lang={language.code}")  # remembered from here on (the language cookie)
    reader.look("municipality")
    go(browser, portal_url + PROCEDURE)
    reader.look("procedure")

    go(browser, f"{portal_url}{PROCEDURE}/apply")
    reader.look("juminhyo: applicant")
    browser.find_element(By.ID, "field-phone").send_keys("03-1234-5678")
    click(browser, NEXT)
    reader.look("juminhyo: requester")
    browser.find_element(By.CSS_SELECTOR, "label[for='field-request_by']").click()  # the applicant themself
    click(browser, NEXT)
    click(browser, NEXT)  # nothing chosen: the request page says what is missing
    reader.look("juminhyo: request with errors")
    fill_request_page(browser)
    click(browser, NEXT)
    reader.look("juminhyo: receipt and payment")
    browser.find_element(By.CSS_SELECTOR, "label[for='field-receipt_method']").click()  # at the counter
    browser.find_element(By.CSS_SELECTOR, "label[for='field-payment_method']").click()
    click(browser, NEXT)
    reader.look("confirm")
    click(browser, ".form-actions form button")  # 申請する
    reader.look("receipt")

    go(browser, f"{portal_url}/{CODE}/procedures/sodai_gomi/apply")
    reader.look("sodai_gomi: applicant")
    click(browser, NEXT)  # the phone missing: kept as a draft
    go(browser, f"{portal_url}/{CODE}/procedures/sodai_gomi/apply?page=collection")
    reader.look("sodai_gomi: collection")
    go(browser, f"{portal_url}/{CODE}/applications")
    reader.look("my applications: a draft and an open application")

    audit.assert_clean()


def test_the_checks_find_tofu_and_japanese_left_unmarked(browser: WebDriver, portal_url: str) -> None:
    """The harness itself: a character no face draws, and Japanese on an English page outside ``lang="ja"``, are
    reported; a Japanese term in brackets beside its translation, and Japanese marked as such, are not."""
    go(browser, f"{portal_url}/{CODE}/?lang=en")
    spoilt = '<p id="tofu">A\U0010fffc</p><p id="plain">申請</p><p>Resident record (住民票)</p><p lang="ja">申請</p>'
    browser.execute_script("document.querySelector('main').insertAdjacentHTML('beforeend', arguments[0]);", spoilt)

    assert undrawn_text(browser) == ["p#tofu. 「A\U0010fffc」 has no face for \U0010fffc"]
    assert unmarked_japanese(browser, han=False) == ["p#plain. 「申請」"]
