"""Elderly residents: every resident page usable at 200 % zoom and with the browser's largest text (nothing
scrolls sideways, no control is cut off or runs out of the page), and the receipt printed as a 受付票 (Chromium's
print to PDF, read back with pdftotext: the 受付番号 large, the phone number there, the navigation not)."""

from __future__ import annotations

import base64
import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver
from sqlalchemy.orm import Session

from tests.browser.pages import CODE, decide, log_in, resident, scroll_width, submitted
from tests.browser.test_accessibility import go
from tests.browser.test_resident_form import press

pytestmark = pytest.mark.browser

WIDTH = 1280  # the window (tests/browser/conftest.py)
LARGEST_TEXT = 32  # px: twice the 16px default, beyond Chromium's 「特大」 (24px)

# Every control on the page whose box leaves the viewport, or whose text does not fit its own box.
CLIPPED = """
const width = document.documentElement.clientWidth, clipped = [];
for (const e of document.querySelectorAll("a, button, input, select, textarea, label, summary, .reference")) {
  if (!e.checkVisibility() || e.closest(".visually-hidden, .skip-link, .site-header__tools")) continue;
  const box = e.getBoundingClientRect();
  if (box.width === 0) continue;
  const name = `${e.tagName.toLowerCase()}#${e.id}.${e.className} 「${(e.textContent || e.value || "").trim().slice(0, 15)}」`;
  if (box.left < -0.5 || box.right > width + 0.5) clipped.push(`${name} outside the page (${box.left}–${box.right})`);
  else if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible")
    clipped.push(`${name} cut off (${e.scrollWidth} > ${e.clientWidth})`);
}
return clipped;
"""


@contextmanager
def zoomed(driver: WebDriver, factor: int) -> Iterator[None]:
    """Browser zoom: the window's width in CSS pixels divided by ``factor``, each CSS pixel ``factor`` device pixels."""
    metrics = {"width": WIDTH // factor, "height": 1000 // factor, "deviceScaleFactor": factor, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@contextmanager
def large_text(driver: WebDriver, pixels: int) -> Iterator[None]:
    """The browser's default font size (設定 → デザイン → フォントサイズ), as a resident with poor sight sets it."""
    driver.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": pixels, "fixed": pixels}})
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Page.setFontSizes", {"fontSizes": {"standard": 16, "fixed": 13}})


def problems(driver: WebDriver, path: str, viewport: int) -> list[str]:
    found = [f"{path}: {problem}" for problem in driver.execute_script(CLIPPED)]
    if scroll_width(driver) > viewport:
        found.append(f"{path}: scrolls sideways ({scroll_width(driver)} > {viewport})")
    return found


def resident_pages(driver: WebDriver, portal_url: str, db_session: Session) -> list[str]:
    """The main resident pages, with a case in each state a resident sees: logged in as 山田 太郎."""
    log_in(driver, portal_url, "resident", "resident-yamada")
    applicant = resident(db_session)
    received = submitted(db_session, applicant, "zoom-received")
    returned = submitted(db_session, applicant, "zoom-returned")
    decide(db_session, returned, "staff-mihon-clerk", "start_review")
    decide(db_session, returned, "staff-mihon-clerk", "return_to_applicant", "電話番号を確認してください。")
    form = f"/{CODE}/procedures/juminhyo/apply"
    return [
        "/",
        f"/{CODE}/",
        f"/{CODE}/procedures/juminhyo",
        f"{form}?page=applicant",
        f"{form}?page=requester",
        f"{form}?page=request",
        f"{form}?page=receipt_and_payment",
        f"/{CODE}/applications",
        f"/{CODE}/applications/{received.reference}",
        f"/{CODE}/applications/{received.reference}/receipt",
        f"/{CODE}/applications/{returned.reference}",
        f"/{CODE}/applications/{returned.reference}/correct",
        "/account/notifications",
    ]


def test_every_resident_page_is_usable_at_200_percent_zoom(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    found = []
    pages = resident_pages(browser, portal_url, db_session)
    with zoomed(browser, 2):
        for path in pages:
            go(browser, portal_url + path)
            found += problems(browser, path, WIDTH // 2)
        go(browser, f"{portal_url}/{CODE}/procedures/juminhyo/apply?page=requester")
        browser.find_element("css selector", "label[for='field-request_by-2']").click()  # every question shown
        press(browser, "次へ")  # and every one in error
        found += problems(browser, "requester page with errors", WIDTH // 2)
    assert not found, "\n".join(found)


def test_every_resident_page_follows_the_browsers_largest_text(
    browser: WebDriver, portal_url: str, db_session: Session
) -> None:
    found = []
    pages = resident_pages(browser, portal_url, db_session)
    with large_text(browser, LARGEST_TEXT):
        for path in pages:
            go(browser, portal_url + path)
            size = browser.execute_script("return parseFloat(getComputedStyle(document.body).fontSize);")
            if size < LARGEST_TEXT:
                found.append(f"{path}: body text {size}px ignores the browser's {LARGEST_TEXT}px")
            found += problems(browser, path, WIDTH)
        with zoomed(browser, 2):  # both at once: large text at 200 %
            for path in pages:
                go(browser, portal_url + path)
                found += problems(browser, f"{path} (200 %)", WIDTH // 2)
    assert not found, "\n".join(found)


# -- the receipt on paper --------------------------------------------------------------------------------------------


def printed(driver: WebDriver, tmp_path: Path) -> Path:
    """The page as Chromium prints it (A4, its print stylesheet)."""
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": False}
    )
    path = tmp_path / "printed.pdf"
    path.write_bytes(base64.b64decode(pdf["data"]))
    return path


def words(pdf: Path) -> list[tuple[str, float]]:
    """Each word pdftotext finds, with its height in points (the size it is printed at)."""
    boxes = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [
        (word, float(y_max) - float(y_min))
        for y_min, y_max, word in re.findall(
            r'<word xMin="[^"]+" yMin="([^"]+)" xMax="[^"]+" yMax="([^"]+)">([^<]*)</word>', boxes
        )
    ]


def test_the_printed_receipt_is_a_slip_with_the_number_large_and_where_to_ask(
    browser: WebDriver, portal_url: str, db_session: Session, tmp_path: Path
) -> None:
    log_in(browser, portal_url, "resident", "resident-yamada")
    case = submitted(db_session, resident(db_session), "printed")
    go(browser, f"{portal_url}/{CODE}/applications/{case.reference}/receipt")
    assert browser.find_element("css selector", "[data-print]").is_displayed()  # 「受付票を印刷する」, with JavaScript

    pdf = printed(browser, tmp_path)

    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    flat = re.sub(r"\s+", "", text)
    assert case.reference in text
    assert "受付票：見本市住民票の写しの交付請求" in flat  # the slip's own title, on paper only
    assert "099-000-0000" in text and "平日8時30分〜17時15分" in flat  # where to ask
    assert "これからの流れ" in flat and "審査" in flat  # the next steps
    for navigation in (
        "本文へスキップ",
        "English",
        "ログアウト",
        "請求の種類",
        "申請内容と状況を見る",
        "受付票を印刷する",
    ):
        assert navigation not in flat, navigation  # skip link, language switch, account, steps, links, button
    sizes = dict(words(pdf))
    body = sizes["受付番号はお問い合わせの際に必要です。"]
    assert sizes[case.reference] >= 2.5 * body, (sizes[case.reference], body)  # 32pt against 10.5pt


def test_the_check_finds_a_page_that_overflows_and_a_control_cut_off(browser: WebDriver, portal_url: str) -> None:
    """The harness itself: a page spoilt on purpose (inline styles, which the portal's CSP would refuse) is
    reported, element by element."""
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    with zoomed(browser, 2):
        go(browser, f"{portal_url}/{CODE}/")
        browser.execute_script(
            "document.querySelector('main').insertAdjacentHTML('beforeend',"
            ' \'<p style="width: 900px">広すぎる段落</p>'
            '<button id="narrow" style="width: 3em; overflow: hidden; white-space: nowrap">申請をはじめる</button>\');'
        )
        found = problems(browser, "spoilt", WIDTH // 2)
    browser.execute_cdp_cmd("Page.setBypassCSP", {"enabled": False})
    assert any("button#narrow" in problem and "cut off" in problem for problem in found), found
    assert any("scrolls sideways" in problem for problem in found), found
