"""Every language of portal.languages, as the portal offers them once their catalogs ship (here: English's and a few
texts of each other language, tests/web/conftest.py's sample_translations): the switch, the codes in URLs, cookie
and Accept-Language, translations and formats, the Japanese kept as it is, and emails in the recipient's language.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.devtools.mailsink import MailSink
from portal.japan import jst, wareki
from portal.languages import LANGUAGES
from portal.models import MailSettings, Municipality, Resident
from portal.services.actors import Administrator
from portal.services.municipalities import Details, update_municipality
from tests.web.conftest import PUBLIC_URL, login
from tests.web.dom import parse
from tests.web.journeys import JUMINHYO_ANSWERS, apply
from tests.web.mailbox import Mailbox

CODE = "999997"
PROCEDURE = f"/{CODE}/procedures/juminhyo"
TITLES = {
    "ja": "住民票の写しの交付請求",
    "ja-x-easy": "住民票の写しを もらう",
    "en": "Request for a copy of the resident record (jūminhyō)",
    "zh-Hans": "申请住民票副本",
    "ko": "주민표 사본 교부 청구",
    "vi": "Yêu cầu cấp bản sao phiếu cư trú",
    "pt-BR": "Pedido de cópia do registro de residente",
    "fil": "Kahilingan ng kopya ng jūminhyō",
    "ne": "जुमिन्ह्यो प्रतिलिपि अनुरोध",
}


def shown_language(page: str) -> str:
    return parse(page).one("html")["lang"] or ""


def h1_text(page: str) -> str:
    """The heading as read (ruby readings left out)."""
    return re.sub(r"<rp[^>]*>.*?</rp>|<rt[^>]*>.*?</rt>|<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S)[1])


def test_the_switch_lists_every_language_in_its_own_name(polyglot: FlaskClient) -> None:
    switch = parse(polyglot.get(PROCEDURE).text).one("nav", aria_label="言語の切り替え")
    links = switch.find_all("a")
    assert [(a.text(), a["lang"], a["hreflang"]) for a in links] == [
        ("日本語", "ja", "ja"),
        ("やさしい日本語", "ja-x-easy", "ja-x-easy"),
        ("English", "en", "en"),
        ("简体中文", "zh-Hans", "zh-Hans"),
        ("한국어", "ko", "ko"),
        ("Tiếng Việt", "vi", "vi"),
        ("Português", "pt-BR", "pt-BR"),
        ("Filipino", "fil", "fil"),
        ("नेपाली", "ne", "ne"),
    ]
    assert [a["href"] for a in links] == [f"{PROCEDURE}?lang={language.code}" for language in LANGUAGES]
    assert [a.attrs.get("aria-current") for a in links] == ["true"] + [None] * 8


@pytest.mark.parametrize("code", TITLES)
def test_each_language_by_its_code_in_the_url_then_the_cookie(polyglot: FlaskClient, code: str) -> None:
    page = polyglot.get(PROCEDURE, query_string={"lang": code})
    assert shown_language(page.text) == code
    assert h1_text(page.text) == TITLES[code]
    assert f"lang={code};" in page.headers["Set-Cookie"]  # the code only

    remembered = polyglot.get(PROCEDURE)
    assert shown_language(remembered.text) == code and "Cookie" in remembered.headers["Vary"]


@pytest.mark.parametrize(
    ("accept", "code"),
    [
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-Hans-CN", "zh-Hans"),
        ("zh-TW,en;q=0.5", "en"),  # Traditional Chinese is another script: the next preference
        ("zh-HK", "ja"),
        ("pt", "pt-BR"),
        ("pt-PT,pt;q=0.8", "pt-BR"),
        ("tl", "fil"),
        ("fil-PH", "fil"),
        ("ko-KR,ko;q=0.9,en-US;q=0.8", "ko"),
        ("vi-VN", "vi"),
        ("ne-NP", "ne"),
        ("en-GB", "en"),
        ("ja-JP,en;q=0.5", "ja"),  # never やさしい日本語 for a browser that reads Japanese
        ("ja-x-easy", "ja-x-easy"),  # unless it asks by its code
        ("fr-FR,de;q=0.5", "ja"),
        ("*", "ja"),
        ("x-klingon,;q=,en-", "ja"),
    ],
)
def test_the_browsers_preference_chooses_among_the_languages(polyglot: FlaskClient, accept: str, code: str) -> None:
    page = polyglot.get(PROCEDURE, headers={"Accept-Language": accept})
    assert shown_language(page.text) == code
    assert {"Cookie", "Accept-Language"} <= set(page.headers["Vary"].replace(" ", "").split(","))
    assert "Set-Cookie" not in page.headers  # nothing remembered that the visitor did not choose


@pytest.mark.parametrize(
    ("asked", "code"), [("tl", "fil"), ("zh-cn", "zh-Hans"), ("PT", "pt-BR"), ("JA-X-EASY", "ja-x-easy")]
)
def test_a_code_in_the_url_is_read_like_the_browsers_and_remembered_as_the_languages(
    polyglot: FlaskClient, asked: str, code: str
) -> None:
    page = polyglot.get(PROCEDURE, query_string={"lang": asked})
    assert shown_language(page.text) == code
    assert f"lang={code};" in page.headers["Set-Cookie"]


def test_an_unknown_code_changes_nothing(polyglot: FlaskClient) -> None:
    polyglot.get(PROCEDURE, query_string={"lang": "ko"})
    page = polyglot.get(PROCEDURE, query_string={"lang": "xx-unknown"})
    assert shown_language(page.text) == "ko" and "Set-Cookie" not in page.headers


@pytest.fixture
def english_only(
    build_app: Callable[..., Flask], english_translations: Path, mail_sink: MailSink, demo: dict[str, Municipality]
) -> FlaskClient:
    """The portal before the other languages' translators delivered: English's catalog alone ships."""
    app = build_app(
        {"BABEL_TRANSLATION_DIRECTORIES": str(english_translations)},
        PUBLIC_URL=PUBLIC_URL,
        SMTP_URL=mail_sink.url,
        MAIL_SINK_DIR=str(mail_sink.directory),
    )
    return app.test_client()


def test_a_language_is_offered_only_once_its_catalog_ships(english_only: FlaskClient) -> None:
    switch = parse(english_only.get(PROCEDURE).text).one("nav", aria_label="言語の切り替え")
    assert [a["lang"] for a in switch.find_all("a")] == ["ja", "en"]
    assert shown_language(english_only.get(PROCEDURE, query_string={"lang": "ko"}).text) == "ja"
    assert shown_language(english_only.get(PROCEDURE, headers={"Accept-Language": "ko"}).text) == "ja"


def test_dates_and_fees_in_each_languages_own_format(polyglot: FlaskClient) -> None:
    login(polyglot, "resident", "resident-yamada")
    reference = apply(polyglot, CODE, "juminhyo", JUMINHYO_ANSWERS)
    today = jst.today()
    application = f"/{CODE}/applications/{reference}"
    seireki = f"{wareki.format_date(today).split('年')[0]}年（{today.year}年）"
    for code in ("ja", "ja-x-easy"):
        page = polyglot.get(application, query_string={"lang": code}).text
        assert seireki in re.sub(r"<rp[^>]*>.*?</rp>|<rt[^>]*>.*?</rt>|<[^>]+>", "", page)  # 令和8年（2026年）
        assert "600円" in page or "600<ruby>円" in page  # 300円 × 2通
        assert "昭和60年（1985年）4月12日" in re.sub(r"<rp[^>]*>.*?</rp>|<rt[^>]*>.*?</rt>|<[^>]+>", "", page)  # born
    english = polyglot.get(application, query_string={"lang": "en"}).text
    assert f"{today:%B} {today.day}, {today.year}" in english and "¥600" in english and "令和" not in english
    assert "April 12, 1985" in english and "昭和" not in english  # the answers' dates too
    korean = polyglot.get(application, query_string={"lang": "ko"}).text
    assert f"{today.year}년 {today.month}월 {today.day}일" in korean and "JP¥600" in korean
    assert "1985년 4월 12일" in korean
    vietnamese = polyglot.get(application, query_string={"lang": "vi"}).text
    assert "600\xa0¥" in vietnamese and f"{today.day} tháng {today.month}, {today.year}" in vietnamese


def test_a_municipality_is_named_in_each_language_its_administrator_set(
    polyglot: FlaskClient, db_session: Session
) -> None:
    mihon = db_session.get_one(Municipality, CODE)
    details = Details(mihon.name, mihon.prefecture, mihon.mayor_title, mihon.mayor_name, {"name_en": "Mihon City"})
    update_municipality(db_session, Administrator.command_line(), CODE, details)

    english = parse(polyglot.get(f"/{CODE}/", query_string={"lang": "en"}).text)
    assert english.one("span", class_="site-header__municipality").text() == "Mihon City"
    assert "Mihon City" in english.one("title").text()

    korean = parse(polyglot.get(f"/{CODE}/", query_string={"lang": "ko"}).text)
    kept = korean.one("span", class_="site-header__municipality").one("span", lang="ja")  # not named in Korean
    assert kept.text() == "見本市"
    assert "<" not in korean.one("title").text() and "見本市" in korean.one("title").text()

    japanese = parse(polyglot.get(f"/{CODE}/", query_string={"lang": "ja"}).text)
    assert japanese.one("span", class_="site-header__municipality").text() == "見本市"


def test_a_text_without_a_translation_stays_japanese_and_says_so(polyglot: FlaskClient) -> None:
    """The sample Korean catalog has juminhyo's title and not sodai_gomi's (as a municipality's own procedure)."""
    page = parse(polyglot.get(f"/{CODE}/", query_string={"lang": "ko"}).text)
    titles = {card.text().strip(): card for card in page.find_all("h2", class_="card__title")}
    assert "주민표 사본 교부 청구" in titles
    untranslated = next(card for text, card in titles.items() if "粗大ごみ収集の申込" in text)
    assert untranslated.one("span", lang="ja").text() == "粗大ごみ収集の申込"
    assert untranslated.one("span", class_="japanese-only").text() == "(일본어만)"

    easy = parse(polyglot.get(f"/{CODE}/", query_string={"lang": "ja-x-easy"}).text)
    assert not easy.find_all("span", class_="japanese-only")  # Japanese is no foreign text there


def test_names_and_addresses_stay_japanese_on_every_page(polyglot: FlaskClient) -> None:
    login(polyglot, "resident", "resident-yamada")
    reference = apply(polyglot, CODE, "juminhyo", JUMINHYO_ANSWERS)
    for code in ("en", "ko", "ja-x-easy"):
        page = parse(polyglot.get(f"/{CODE}/applications/{reference}", query_string={"lang": code}).text)
        user = page.one("p", class_="site-header__user").one("span", lang="ja")
        assert user.text() == "山田 太郎"  # as the login profile has it
        kept = {span.text() for span in page.find_all("span", lang="ja")}
        assert {"山田", "太郎", "東京都千代田区千代田1-1"} <= kept
        receipt = parse(polyglot.get(f"/{CODE}/applications/{reference}/receipt", query_string={"lang": code}).text)
        assert (
            receipt.one("p", class_="print-only receipt-title").one("span", lang="ja").text() == "見本市"
        )  # on the paper slip
    form = parse(polyglot.get(f"{PROCEDURE}/apply", query_string={"page": "request", "lang": "en"}).text)
    household = {label.text() for label in form.find_all("label", class_="choice__label", lang="ja")}
    assert {"山田 太郎 (世帯主)", "山田 優子 (妻)"} <= household  # the household as recorded, 続柄 and all


def test_emails_come_in_the_recipients_language_with_the_municipalitys_name_in_it(
    polyglot: FlaskClient, db_session: Session, mailbox: Mailbox
) -> None:
    mihon = db_session.get_one(Municipality, CODE)
    details = Details(mihon.name, mihon.prefecture, mihon.mayor_title, mihon.mayor_name, {"name_ko": "미혼시"})
    update_municipality(db_session, Administrator.command_line(), CODE, details)
    login(polyglot, "resident", "resident-yamada")
    resident = db_session.query(Resident).one()
    db_session.add(
        MailSettings(resident_id=resident.id, address="yamada@example.jp", confirmed_at=jst.now(), language="ko")
    )
    db_session.flush()

    reference = apply(polyglot, CODE, "juminhyo", JUMINHYO_ANSWERS)

    (email,) = mailbox.received()
    assert email.subject == f"[미혼시] 신청을 접수했습니다 (접수 번호 {reference})"
    assert all(link.endswith("lang=ko") for link in email.links)


def test_an_email_language_no_longer_offered_falls_back_to_japanese(
    english_only: FlaskClient, db_session: Session, mailbox: Mailbox
) -> None:
    login(english_only, "resident", "resident-yamada")
    resident = db_session.query(Resident).one()
    db_session.add(
        MailSettings(resident_id=resident.id, address="yamada@example.jp", confirmed_at=jst.now(), language="ne")
    )
    db_session.flush()

    reference = apply(english_only, CODE, "juminhyo", JUMINHYO_ANSWERS)

    (email,) = mailbox.received()
    assert email.subject == f"【見本市】申請を受け付けました（受付番号 {reference}）"
    assert not [link for link in email.links if "lang=" in link]


def test_the_email_language_is_chosen_among_the_languages_offered(polyglot: FlaskClient, db_session: Session) -> None:
    login(polyglot, "resident", "resident-yamada")
    page = parse(polyglot.get("/account/notifications", query_string={"lang": "vi"}).text)
    choices = page.find_all("input", name="language")
    assert [choice["value"] for choice in choices] == [language.code for language in LANGUAGES]
    assert [choice["value"] for choice in choices if "checked" in choice.attrs] == ["vi"]  # the page's, at first


def test_a_municipalitys_own_words_stay_japanese_on_other_languages_pages(
    polyglot: FlaskClient, db_session: Session
) -> None:
    offer = db_session.get_one(Municipality, CODE).procedure("juminhyo")
    assert offer is not None
    offer.help, offer.contact_name, offer.contact_hours = "郵送でも請求できます。", "市民課", "平日 8:30〜17:15"
    db_session.flush()
    for code, marked in (("ja", False), ("ja-x-easy", False), ("en", True), ("ne", True)):
        page = parse(polyglot.get(PROCEDURE, query_string={"lang": code}).text)
        assert (page.one("div", id="municipality-help").attrs.get("lang") == "ja") is marked
        contact = page.one("dl", id="contact")
        japanese = "ja" if marked else None  # 窓口 and hours stay Japanese; the municipality's 代表電話 is digits
        assert [dd.attrs.get("lang") for dd in contact.find_all("dd")] == [japanese, None, japanese]


@pytest.mark.parametrize("code", ["ko", "ja-x-easy", "ja"])
def test_logging_in_asks_the_provider_for_the_pages_language(polyglot: FlaskClient, code: str) -> None:
    polyglot.get(PROCEDURE, query_string={"lang": code})
    start = polyglot.get("/auth/resident/login")
    assert start.status_code == 302 and f"ui_locales={code}&" in start.headers["Location"]
