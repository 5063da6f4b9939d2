"""A repeating group in the browser: portal.js adds and removes rows in the page (renumbering what follows), and
the server reads the rows it sent. Without JavaScript the same buttons are submit buttons (tests/web)."""

from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.test_resident_form import active, press, wait_for

CHILDREN = "/999997/procedures/jidou_teate/apply?page=children"


def rows(driver: WebDriver) -> list[tuple[str, str]]:
    """(heading, 名) of each row shown."""
    return [
        (
            row.find_element(By.CSS_SELECTOR, ".group__heading").text,
            row.find_element(By.CSS_SELECTOR, "input[name$='-given_name']").get_attribute("value") or "",
        )
        for row in driver.find_elements(By.CSS_SELECTOR, "[data-group='children'] > [data-group-row]")
    ]


def type_name(driver: WebDriver, number: int, name: str) -> None:
    driver.find_element(By.ID, f"field-children-{number}-given_name").send_keys(name)


def test_rows_are_added_and_removed_in_the_page_and_sent_renumbered(browser: WebDriver, portal_url: str) -> None:
    browser.get(portal_url + CHILDREN)
    browser.find_element(By.XPATH, "//button[@name='sub'][strong[text()='山田　太郎']]").click()
    wait_for(browser, lambda d: urlsplit(d.current_url).query == "page=children", "login did not return to the form")
    add = browser.find_element(By.CSS_SELECTOR, ".group__add")
    assert rows(browser) == [("児童 1", "")]
    assert not browser.find_element(By.CSS_SELECTOR, ".group__remove").is_displayed()  # the one row it needs

    type_name(browser, 1, "花子")
    add.click()
    assert active(browser).get_attribute("id") == "field-children-2"  # focus on the new row, read by its legend
    type_name(browser, 2, "次郎")
    add.click()
    type_name(browser, 3, "三郎")
    assert rows(browser) == [("児童 1", "花子"), ("児童 2", "次郎"), ("児童 3", "三郎")]
    assert browser.find_element(By.NAME, "children-rows").get_attribute("value") == "3"

    browser.find_element(By.CSS_SELECTOR, "button.group__remove[value='children-2']").click()
    assert rows(browser) == [("児童 1", "花子"), ("児童 2", "三郎")]
    moved = browser.find_element(By.ID, "field-children-2-given_name")
    assert moved.get_attribute("name") == "children-2-given_name" and moved.get_attribute("value") == "三郎"
    label = browser.find_element(By.CSS_SELECTOR, "label[for='field-children-2-given_name']")
    assert label.is_displayed()
    remove = browser.find_element(By.CSS_SELECTOR, "#field-children-2 .group__remove")
    assert remove.get_attribute("value") == "children-2" and remove.text == "児童 2を削除"
    assert browser.find_element(By.NAME, "children-rows").get_attribute("value") == "2"

    press(browser, "次へ")  # the rest of each row is missing: the page comes back with the rows it sent
    assert rows(browser) == [("児童 1", "花子"), ("児童 2", "三郎")]
    links = [a.get_attribute("href").split("#")[1] for a in browser.find_elements(By.CSS_SELECTOR, ".error-summary a")]
    assert "field-children-1-family_name" in links and "field-children-2-family_name" in links
    assert not any("children-3" in link for link in links)
