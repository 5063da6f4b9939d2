"""Every language in a real browser (the portal speaks them all here: tests/sample_translations.py): やさしい日本語's
furigana are read once by screen readers and drawn over their kanji, each script has a face that draws it, and
the translated pages pass axe and reflow at 320 CSS pixels with the nine-language switch in the header."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.pages import CODE, Audit, log_in, scroll_width, undrawn_text, viewport
from tests.browser.test_accessibility import go

pytestmark = pytest.mark.browser

PROCEDURE = f"/{CODE}/procedures/juminhyo"
# What each language's sample catalog calls juminhyo, and a script the page must draw without tofu.
TITLES = {
    "ja-x-easy": "住民票の写しを もらう",
    "zh-Hans": "申请住民票副本",
    "ko": "주민표 사본 교부 청구",
    "vi": "Yêu cầu cấp bản sao phiếu cư trú",
    "pt-BR": "Pedido de cópia do registro de residente",
    "fil": "Kahilingan ng kopya ng jūminhyō",
    "ne": "जुमिन्ह्यो प्रतिलिपि अनुरोध",
}


def test_screen_readers_read_the_furigana_pages_base_text_once(browser: WebDriver, portal_url: str) -> None:
    go(browser, f"{portal_url}{PROCEDURE}?lang=ja-x-easy")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert heading.find_elements(By.TAG_NAME, "ruby")  # readings are there to see
    assert heading.accessible_name == "住民票の写しを もらう"  # …and not read: no じゅうみんひょう, no parentheses
    skip = browser.find_element(By.CSS_SELECTOR, "a.skip-link")
    assert skip.accessible_name == "本文へ とぶ"
    home = browser.find_element(By.CSS_SELECTOR, ".breadcrumbs a, nav[aria-label] a[href$='/999997/']")
    assert "（" not in home.accessible_name and "みほん" not in home.accessible_name


def test_readings_are_drawn_over_their_kanji(browser: WebDriver, portal_url: str) -> None:
    go(browser, f"{portal_url}{PROCEDURE}?lang=ja-x-easy")
    ruby = browser.find_element(By.CSS_SELECTOR, "h1 ruby")
    reading = ruby.find_element(By.TAG_NAME, "rt")
    assert reading.is_displayed() and reading.text == "じゅうみんひょう"
    assert not [p for p in ruby.find_elements(By.TAG_NAME, "rp") if p.is_displayed()]  # no parentheses drawn
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(), t = arguments[1].getBoundingClientRect();"
        "return [r.top, r.bottom, t.top, t.bottom];",
        ruby,
        reading,
    )
    ruby_top, _ruby_bottom, reading_top, reading_bottom = box
    assert reading_top <= ruby_top + 1 and reading_bottom < box[1]  # above the base text, inside the ruby box


@pytest.mark.parametrize("code", TITLES)
def test_each_language_is_drawn_in_a_face_that_has_its_script(browser: WebDriver, portal_url: str, code: str) -> None:
    go(browser, f"{portal_url}{PROCEDURE}?lang={code}")
    heading = browser.find_element(By.TAG_NAME, "h1")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == code
    if code != "ja-x-easy":
        assert heading.text == TITLES[code]
    family = browser.execute_script("return getComputedStyle(arguments[0]).fontFamily;", heading)
    expected = {"zh-Hans": "Noto Sans CJK SC", "ko": "Noto Sans CJK KR", "ne": "Noto Sans Devanagari"}
    assert expected.get(code, "Noto Sans") in family
    assert not undrawn_text(browser), code


def test_translated_pages_pass_axe_and_reflow_at_320px(browser: WebDriver, portal_url: str, audit: Audit) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    for code in TITLES:
        for path in (f"/{CODE}/", PROCEDURE, f"{PROCEDURE}/apply"):
            go(browser, f"{portal_url}{path}?lang={code}")
            audit.check(f"{path} in {code}", resident=True)
            with viewport(browser, 320):
                assert scroll_width(browser) <= 320, (code, path)
    audit.assert_clean()
