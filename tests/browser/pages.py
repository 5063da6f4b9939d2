"""Driving the portal in Chromium for the accessibility tests: logging in as anyone, cases in any state (made through
the services in the test's transaction, which the portal's thread shares), the viewport, axe-core and the page's
computed style."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import selenium_axe_python
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from sqlalchemy.orm import Session

from portal.catalog import counter
from portal.certificates import CertificateRenderer
from portal.certificates.signing import CertificateSigning
from portal.config import DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL, ROOT
from portal.models import Municipality, Resident, Staff, Submission
from portal.procedures import Procedures
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from portal.workflow import Condition
from tests.browser.test_resident_form import wait_for
from tests.db.signing import shipped
from tests.web.journeys import COUNTER_APPLICANT, JUMINHYO_ANSWERS, validated

CODE = "999997"
AXE = Path(selenium_axe_python.__file__).parent / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")  # axe's impacts that fail a test; moderate and minor are reported by axe only
DEMO_STAFF = {
    "staff-mihon-clerk": ("窓口 一郎", ["clerk"]),
    "staff-mihon-approver": ("決裁 花子", ["approver"]),
}


# -- people and cases ------------------------------------------------------------------------------------------------


def log_in(driver: WebDriver, portal_url: str, kind: str, sub: str) -> None:
    """Log in through the development provider's pick page as ``sub`` (kind: resident or staff), from no session."""
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
    driver.get(f"{portal_url}/auth/{kind}/login")
    wait_for(driver, lambda d: d.find_elements(By.NAME, "sub"), "the provider's pick page did not appear")
    driver.find_element(By.CSS_SELECTOR, f"button[name='sub'][value='{sub}']").click()
    wait_for(driver, lambda d: urlsplit(d.current_url).netloc == urlsplit(portal_url).netloc, "login did not return")


def procedures() -> Procedures:
    signing = CertificateSigning(ROOT / "instance" / "pki", DEV_CERTIFICATE_HMAC_KEY, DEV_PUBLIC_URL)  # never issues
    return Procedures(CertificateRenderer(), signing)


def resident(db_session: Session, subject: str = "resident-yamada") -> Resident:
    """A resident who has logged in once (the row their login made)."""
    return db_session.query(Resident).filter_by(subject=subject).one()


def staff(db_session: Session, subject: str) -> Staff:
    """A demo member of 見本市's staff, as their first login would have made them."""
    found = db_session.query(Staff).filter_by(municipality_code=CODE, subject=subject).one_or_none()
    if found is None:
        name, roles = DEMO_STAFF[subject]
        found = Staff(municipality_code=CODE, subject=subject, name=name, role_values=roles)
        db_session.add(found)
        db_session.flush()
    return found


def submitted(db_session: Session, applicant: Resident, token: str, **changes: str) -> Submission:
    """A 住民票 application by ``applicant`` (JUMINHYO_ANSWERS with ``changes``)."""
    definition = shipped("juminhyo")
    service = SubmissionService(db_session, procedures(), ActingUser.of_resident(applicant))
    answers = validated(definition, {**JUMINHYO_ANSWERS, **changes})
    return service.submit(db_session.get(Municipality, CODE), definition, answers, token)


def entered_at_counter(db_session: Session, token: str, **changes: str) -> Submission:
    """A 住民票 application 山田 太郎 made at the counter, entered by the clerk (COUNTER_APPLICANT and
    JUMINHYO_ANSWERS with ``changes``)."""
    definition = counter.counter_definition(shipped("juminhyo"))
    service = SubmissionService(db_session, procedures(), ActingUser.of_staff(staff(db_session, "staff-mihon-clerk")))
    entered = counter.split(validated(definition, {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS, **changes}))
    return service.submit_at_counter(db_session.get_one(Municipality, CODE), definition, entered, token)


def decide(db_session: Session, submission: Submission, subject: str, transition: str, comment: str | None = None):  # type: ignore[no-untyped-def]
    """Fire ``transition`` as the demo staff member ``subject``, the 住民記録 taken as matched."""
    service = SubmissionService(db_session, procedures(), ActingUser.of_staff(staff(db_session, subject)))
    return service.fire(submission, transition, comment, frozenset({Condition.RECORD_MATCH}))


# -- the viewport and computed style ------------------------------------------------------------------------------


@contextmanager
def viewport(driver: WebDriver, width: int, height: int = 800) -> Iterator[None]:
    """Lay pages out ``width`` CSS pixels wide (as a phone, or 400% zoom of 1280), whatever the window."""
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def scroll_width(driver: WebDriver) -> int:
    return int(driver.execute_script("return document.documentElement.scrollWidth;"))


# An element as the checks below report it: tag#id.classes
NAMED = """
const named = (e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${e.className}`;
"""

WIDER = (
    NAMED
    + """
const width = arguments[0], right = (e) => e.getBoundingClientRect().right;
return [...document.body.querySelectorAll("*")]
  .filter((e) => right(e) > width + 0.5 && ![...e.children].some((child) => right(child) > width + 0.5))
  .map((e) => `${named(e)} (to ${Math.round(right(e))}px)`);
"""
)


def sticking_out(driver: WebDriver, width: int) -> list[str]:
    """The innermost elements reaching past ``width`` CSS pixels: what makes a page scroll sideways."""
    return list(driver.execute_script(WIDER, width))


SMALL_TEXT = """
const least = arguments[0], small = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const text = walker.currentNode.textContent.trim();
  const element = walker.currentNode.parentElement;
  if (!text || !element.checkVisibility() || element.closest("rt")) continue;  // furigana: annotations, smaller
  const size = parseFloat(getComputedStyle(element).fontSize);
  if (size < least) small.push(`${element.tagName.toLowerCase()}.${element.className} ${size}px 「${text.slice(0, 20)}」`);
}
return small;
"""


def text_smaller_than(driver: WebDriver, pixels: int) -> list[str]:
    """Every visible piece of text on the page set in less than ``pixels`` (its element, size and start)."""
    return list(driver.execute_script(SMALL_TEXT, pixels))


# Every text the page can draw: its text nodes (shown or hidden, as a conditional field is until asked), what CSS
# writes before and after elements (the cards' labels at 320px) and the inputs' values and placeholders.
TEXTS = (
    NAMED
    + """
const texts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const element = walker.currentNode.parentElement;
  if (!element.closest("script, style, template, noscript") && walker.currentNode.textContent.trim())
    texts.push([element, walker.currentNode.textContent]);
}
for (const element of document.body.querySelectorAll("*")) {
  for (const pseudo of ["::before", "::after"])
    for (const quoted of getComputedStyle(element, pseudo).content.match(/"(?:[^"\\\\]|\\\\.)*"/g) || [])
      texts.push([element, JSON.parse(quoted)]);
  if (element.matches("input:not([type=hidden]), textarea"))
    texts.push([element, element.value + (element.placeholder || ""), "typed"]);
}
"""
)

UNDRAWN = (
    TEXTS
    + """
const canvas = document.createElement("canvas");
canvas.width = 96; canvas.height = 64;
const context = canvas.getContext("2d", {willReadFrequently: true});
const picture = (font, character) => {
  context.font = font; context.clearRect(0, 0, 96, 64); context.fillText(character, 8, 44);
  return context.getImageData(0, 0, 96, 64).data;
};
const same = (a, b) => a.every((value, i) => value === b[i]);
const boxes = new Map(), drawn = new Map(), undrawn = [];
for (const [element, text] of texts) {
  const style = getComputedStyle(element);
  const font = `${style.fontStyle} ${style.fontWeight} 32px ${style.fontFamily}`;
  if (!boxes.has(font)) boxes.set(font, picture(font, "\\u{10FFFD}"));  // no face has it: the tofu box
  const missing = [...new Set(text.replace(/[\\s\\p{Cf}]/gu, ""))].filter((character) => {
    const key = font + character;
    if (!drawn.has(key)) drawn.set(key, !same(picture(font, character), boxes.get(font)));
    return !drawn.get(key);
  });
  if (missing.length)
    undrawn.push(`${named(element)} 「${text.trim().slice(0, 30)}」 has no face for ${missing.join(" ")}`);
}
return undrawn;
"""
)


def undrawn_text(driver: WebDriver) -> list[str]:
    """Every text with a character that no face draws (tofu: the box a face draws for what it lacks), drawn on a
    canvas in its element's font. ``document.fonts.check`` cannot tell: it answers true whenever no web font is
    left to load, glyph or not."""
    return list(driver.execute_script(UNDRAWN))


UNMARKED_JAPANESE = (
    TEXTS
    + """
const japanese = new RegExp(arguments[0], "u"), page = document.documentElement.lang;
const glosses = /[（(][^（()）]*[)）]/g;  // 주민표 사본(住民票の写し): the Japanese term beside its translation
return texts.filter(([element, text, typed]) => !typed && element.closest("[lang]").lang === page
    && japanese.test(text.replace(glosses, "")))
  .map(([element, text]) => `${named(element)} 「${text.trim().slice(0, 60)}」`);
"""
)


def unmarked_japanese(driver: WebDriver, han: bool) -> list[str]:
    """Every text in kana (and kanji unless ``han`` is the page's own script) in the page's language, as its ``lang``
    says: an untranslated text, or Japanese a screen reader would read in the wrong voice. What a resident typed,
    and a Japanese term in brackets beside its translation, are not counted."""
    script = "[\\p{sc=Hiragana}\\p{sc=Katakana}" + ("]" if han else "\\p{sc=Han}]")
    return list(driver.execute_script(UNMARKED_JAPANESE, script))


def screenshot(driver: WebDriver, width: int, path: Path) -> None:
    """The whole page, ``width`` CSS pixels wide, as a PNG at ``path``."""
    with viewport(driver, width):
        height = int(driver.execute_script("return document.documentElement.scrollHeight;"))
        clip = {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
        )
    path.write_bytes(base64.b64decode(shot["data"]))


def focus_ring(driver: WebDriver, element: WebElement) -> dict[str, str]:
    """The computed outline of ``element`` once focused, and whether the browser counts the focus as visible."""
    return dict(
        driver.execute_script(
            "const e = arguments[0]; e.focus(); const s = getComputedStyle(e);"
            "return {visible: String(e.matches(':focus-visible')), width: s.outlineWidth, style: s.outlineStyle,"
            " color: s.outlineColor};",
            element,
        )
    )


# -- axe-core ---------------------------------------------------------------------------------------------------------

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (results) => done(results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(" "))
  }))),
  (error) => done({error: String(error)}),
);
"""


class Audit:
    """axe-core run over page states one after another; the serious and critical violations are collected with the
    state they were found in, so one test reports every page's at once. Resident pages are also held to 16px text.

    axe is injected into each page by the driver, under the browser's CSP bypass (the portal's CSP allows no
    script of another origin nor inline): ``Page.setBypassCSP`` on for the audit, off again after it."""

    def __init__(self, driver: WebDriver) -> None:
        self.driver = driver
        self.states: list[str] = []
        self.problems: list[str] = []
        self.source = AXE.read_text(encoding="utf-8")

    def check(self, state: str, *, resident: bool = False) -> None:
        self.driver.execute_script(self.source)
        violations = self.driver.execute_async_script(RUN_AXE)
        assert not isinstance(violations, dict), f"{state}: axe failed: {violations}"
        self.states.append(state)
        for v in violations:
            if v["impact"] in BLOCKING:
                self.problems.append(f"{state} ({self.path()}): {v['id']} [{v['impact']}] {v['help']} — {v['nodes']}")
        if resident:
            self.add(state, [f"text below 16px: {small}" for small in text_smaller_than(self.driver, 16)])

    def add(self, state: str, problems: list[str]) -> None:
        """Problems other checks found in the page state the last ``check`` audited, reported with axe's."""
        self.problems += [f"{state} ({self.path()}): {problem}" for problem in problems]

    def path(self) -> str:
        parts = urlsplit(self.driver.current_url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(
            [f"{len(self.problems)} problems on {len(self.states)} page states:", *self.problems]
        )

    def __repr__(self) -> str:
        return json.dumps(self.states, ensure_ascii=False)
