"""The form as a wizard: one page at a time with a step indicator, 次へ checking only that page, 戻る keeping
what was typed, and a confirmation page whose 変更 links return to the answer's page and back to 確認.

Everything here is plain HTML forms and links: no JavaScript is needed anywhere (tests/browser runs the same
steps in Chromium).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Draft
from tests.web.catalogcopy import edit
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, db_state, fill_in, post_form

CODE = "999997"
APPLY = f"/{CODE}/procedures/juminhyo/apply"
CONFIRM = f"/{CODE}/procedures/juminhyo/confirm"
APPLICANT, REQUEST = f"{APPLY}?page=applicant", f"{APPLY}?page=request"
REQUESTER = f"{APPLY}?page=requester"  # generated from the requester block: whose certificate
METHODS = f"{APPLY}?page=receipt_and_payment"  # generated from receipt_methods and payment_methods
OWN = {"request_by": JUMINHYO_ANSWERS["request_by"], "action": "next"}  # the requester page: the resident's own
PAGE_TWO = {key: JUMINHYO_ANSWERS[key] for key in ("scope", "items", "copies", "purpose")}
PAGE_THREE = {key: JUMINHYO_ANSWERS[key] for key in ("receipt_method", "payment_method")}
PAGE_ONE = {key: value for key, value in JUMINHYO_ANSWERS.items() if key not in {**PAGE_TWO, **PAGE_THREE, **OWN}}


@pytest.fixture
def resident(client: FlaskClient) -> FlaskClient:
    login(client, "resident", "resident-yamada")
    return client


def text_of(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.text)


def current_step(page: str) -> tuple[str, str]:
    """The number and label of the step the indicator marks as current."""
    found = re.search(
        r'aria-current="step">\s*<span class="steps__number"[^>]*>(\d+)</span>\s*<span class="steps__label">([^<]+)',
        page,
    )
    assert found, "no current step"
    return found.group(1), found.group(2)


def summary_links(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    return re.findall(r'href="#(field-[a-z_]+)"', summary.group(0)) if summary else []


def value_of(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else None


def draft_answers(db_session: Session) -> dict[str, list[str]]:
    db_session.expire_all()
    return db_session.scalars(select(Draft.answers)).one()


# -- one page at a time ----------------------------------------------------------------------------


def test_the_form_shows_one_page_with_the_step_indicator(resident: FlaskClient) -> None:
    first = text_of(resident.get(APPLY))
    assert current_step(first) == ("1", "請求者")
    assert re.findall(r'<span class="steps__label">(?:<span[^>]*>[^<]*</span>)?([^<]+)</span>', first) == [
        "請求者",
        "請求の種類",
        "請求内容",
        "受取方法・支払方法",
        "確認",
        "完了",
    ]
    assert 'name="family_name"' in first and 'name="copies"' not in first
    assert ">次へ</button>" in first and ">戻る</button>" not in first  # nothing before the first page
    assert f'action="{APPLICANT}"' in first

    second = text_of(resident.get(REQUEST))
    assert current_step(second) == ("3", "請求内容")
    assert '<span class="visually-hidden">完了：</span>請求者' in second
    assert 'name="copies"' in second and 'name="family_name"' not in second
    assert ">次へ</button>" in second and ">戻る</button>" in second

    third = text_of(resident.get(METHODS))
    assert current_step(third) == ("4", "受取方法・支払方法")
    assert '<span class="visually-hidden">完了：</span>請求内容' in third
    assert 'name="receipt_method"' in third and 'name="copies"' not in third
    assert ">入力内容を確認する</button>" in third and ">戻る</button>" in third


def test_next_and_back_keep_what_was_typed_on_each_page(resident: FlaskClient, db_session: Session) -> None:
    nxt = post_form(resident, APPLICANT, {**PAGE_ONE, "phone": "03-1111-2222", "action": "next"})
    assert nxt.status_code == 302 and nxt.headers["Location"] == REQUESTER
    assert post_form(resident, REQUESTER, OWN).headers["Location"] == REQUEST

    # Half of page three, then 戻る twice: nothing is checked, everything is kept.
    back = post_form(resident, REQUEST, {"copies": "3", "purpose": "other", "action": "back"})
    assert back.status_code == 302 and back.headers["Location"] == REQUESTER
    back = post_form(resident, REQUESTER, {"action": "back"})
    assert back.status_code == 302 and back.headers["Location"] == APPLICANT
    first = text_of(resident.get(back.headers["Location"]))
    assert current_step(first) == ("1", "請求者")
    assert 'class="error-summary"' not in first
    assert value_of(first, "phone") == "03-1111-2222" and value_of(first, "family_name") == "山田"

    post_form(resident, APPLICANT, {**PAGE_ONE, "phone": "03-1111-2222", "action": "next"})
    again = post_form(resident, REQUESTER, OWN)
    second = text_of(resident.get(again.headers["Location"]))
    assert value_of(second, "copies") == "3"
    assert '<option value="other" selected>' in second
    assert draft_answers(db_session)["phone"] == ["03-1111-2222"]

    to_methods = post_form(resident, REQUEST, {**PAGE_TWO, "action": "next"})
    assert to_methods.status_code == 302 and to_methods.headers["Location"] == METHODS
    done = post_form(resident, METHODS, {**PAGE_THREE, "action": "next"})
    assert done.status_code == 302 and done.headers["Location"] == CONFIRM
    confirm = text_of(resident.get(CONFIRM))
    assert "03-1111-2222" in confirm and "勤務先への提出" in confirm


def test_a_page_sends_only_its_own_inputs_and_an_unticked_box_is_cleared(
    resident: FlaskClient, db_session: Session
) -> None:
    assert fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS).headers["Location"] == CONFIRM
    assert draft_answers(db_session)["items"] == ["relationship"]

    # Page two again, 続柄 unticked (a browser then sends nothing for it), and a stray page-one input.
    post_form(resident, REQUEST, {**PAGE_TWO, "items": [], "family_name": "偽名", "action": "next"})

    answers = draft_answers(db_session)
    assert "items" not in answers
    assert answers["family_name"] == ["山田"]  # page one's answer is page one's to change
    assert "続柄" not in text_of(resident.get(CONFIRM))


def test_next_checks_only_that_pages_fields(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    first = post_form(resident, APPLICANT, {**PAGE_ONE, "phone": "12345", "action": "next"})

    assert first.status_code == 200
    assert summary_links(first.text) == ["field-phone"]  # nothing yet about page two's empty fields
    assert current_step(text_of(first)) == ("1", "請求者")
    assert value_of(first.text, "phone") == "12345"  # kept to be corrected
    assert draft_answers(db_session)["phone"] == ["12345"]  # and in the draft

    post_form(resident, APPLICANT, {**PAGE_ONE, "action": "next"})
    second = post_form(resident, REQUEST, {"copies": "0", "action": "next"})
    assert second.status_code == 200
    assert summary_links(second.text) == ["field-scope", "field-copies", "field-purpose"]
    assert db_state(db_session) == before  # no submission was made


def test_back_is_never_checked_and_the_first_page_has_nowhere_to_go_back_to(resident: FlaskClient) -> None:
    back = post_form(resident, REQUEST, {"copies": "abc", "action": "back"})
    assert back.status_code == 302 and back.headers["Location"] == REQUESTER
    assert value_of(resident.get(REQUEST).text, "copies") == "abc"

    stay = post_form(resident, APPLICANT, {**PAGE_ONE, "action": "back"})
    assert stay.status_code == 200 and current_step(text_of(stay)) == ("1", "請求者")


def test_an_unknown_page_is_not_found(resident: FlaskClient, db_session: Session) -> None:
    assert resident.get(f"{APPLY}?page=payment").status_code == 404
    assert post_form(resident, f"{APPLY}?page=payment", PAGE_ONE, token_from=APPLY).status_code == 404
    assert db_session.scalars(select(Draft)).all() == []


def test_the_confirmation_page_sends_an_incomplete_draft_to_its_first_unanswered_page(resident: FlaskClient) -> None:
    post_form(resident, REQUEST, {**PAGE_TWO, "action": "next"})  # page two first, by its address
    sent_back = resident.get(CONFIRM)
    assert sent_back.status_code == 302 and sent_back.headers["Location"] == APPLICANT
    page = text_of(resident.get(APPLICANT))
    assert "まだ入力されていない項目や、正しくない項目があります。" in page


# -- 変更 on the confirmation page ------------------------------------------------------------------


def test_each_answer_has_a_change_link_to_its_page_that_returns_to_the_confirmation(
    resident: FlaskClient, db_session: Session
) -> None:
    fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    confirm = resident.get(CONFIRM).text
    assert current_step(confirm) == ("5", "確認")
    links = dict(re.findall(r'<a href="([^"]+)">変更<span class="visually-hidden">（([^<]+)）</span>', confirm))
    assert len(links) == 15  # every answer of the four pages; members, purpose_detail, 送付先, nobody else asked
    phone = f"{APPLY}?page=applicant&amp;return=confirm#field-phone"
    copies = f"{APPLY}?page=request&amp;return=confirm#field-copies"
    paying = f"{APPLY}?page=receipt_and_payment&amp;return=confirm#field-payment_method"
    assert {phone: "日中連絡先", copies: "必要な通数", paying: "支払方法"}.items() <= links.items()

    change = text_of(resident.get(html.unescape(phone).partition("#")[0]))
    assert current_step(change) == ("1", "請求者")
    assert ">保存して確認画面に戻る</button>" in change and ">次へ</button>" not in change
    assert f'href="{CONFIRM}">変更せずに確認画面に戻る</a>' in change
    action = f"{APPLY}?page=applicant&return=confirm"
    assert f'action="{html.escape(action)}"' in resident.get(action).text

    wrong = post_form(resident, action, {**PAGE_ONE, "phone": "999"})
    assert wrong.status_code == 200 and summary_links(wrong.text) == ["field-phone"]
    assert ">保存して確認画面に戻る</button>" in text_of(wrong)  # still on its way back to 確認

    saved = post_form(resident, action, {**PAGE_ONE, "phone": "090-8765-4321", "action": "next"})
    assert saved.status_code == 302 and saved.headers["Location"] == CONFIRM
    assert "090-8765-4321" in resident.get(CONFIRM).text
    assert draft_answers(db_session)["copies"] == ["2"]  # page two untouched


def test_a_change_that_makes_a_later_question_needed_is_asked_before_confirming(resident: FlaskClient) -> None:
    fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    action = f"{APPLY}?page=request&return=confirm"
    missing = post_form(resident, action, {**PAGE_TWO, "purpose": "other", "action": "next"})
    assert missing.status_code == 200 and summary_links(missing.text) == ["field-purpose_detail"]
    done = post_form(resident, action, {**PAGE_TWO, "purpose": "other", "purpose_detail": "奨学金の申請"})
    assert done.headers["Location"] == CONFIRM
    assert "奨学金の申請" in resident.get(CONFIRM).text


def test_the_confirmation_page_goes_back_to_the_last_page(resident: FlaskClient) -> None:
    fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert f'href="{METHODS}">入力画面に戻る</a>' in resident.get(CONFIRM).text


# -- show_if across pages ----------------------------------------------------------------------------


@pytest.fixture
def asks_email_on_page_two(catalog: Callable[..., Result], sources: Path) -> None:
    """住民票 v2: page one asks how to be contacted, page two asks the e-mail address only for 「メール」."""
    definition = sources / "forms_catalog/juminhyo.yaml"
    edit(
        definition,
        "        help: 市外局番から入力してください（例：03-1234-5678）。\n",
        "        help: 市外局番から入力してください（例：03-1234-5678）。\n"
        "      - name: contact_by\n        type: radio\n        label: 連絡方法\n"
        "        options:\n          - {value: phone, label: 電話}\n          - {value: mail, label: メール}\n",
    )
    edit(
        definition,
        "  - key: request\n    title: 請求内容\n    fields:\n",
        "  - key: request\n    title: 請求内容\n    fields:\n"
        "      - name: email\n        type: email\n        label: メールアドレス\n"
        "        show_if: {field: contact_by, equals: mail}\n",
    )
    result = catalog("publish")
    assert result.exit_code == 0, result.output


@pytest.mark.usefixtures("asks_email_on_page_two")
def test_a_question_shown_for_an_answer_on_an_earlier_page_follows_the_draft(resident: FlaskClient) -> None:
    post_form(resident, APPLICANT, {**PAGE_ONE, "contact_by": "mail", "action": "next"})
    post_form(resident, REQUESTER, OWN)
    second = resident.get(REQUEST).text
    assert 'name="email"' in second
    assert 'data-field="email" data-show-if' not in second  # decided by the server: the script cannot see page one
    refused = post_form(resident, REQUEST, {**PAGE_TWO, "action": "next"})
    assert summary_links(refused.text) == ["field-email"]
    assert post_form(resident, REQUEST, {**PAGE_TWO, "email": "taro@example.jp"}).headers["Location"] == METHODS
    assert post_form(resident, METHODS, {**PAGE_THREE, "action": "next"}).headers["Location"] == CONFIRM
    assert "taro@example.jp" in resident.get(CONFIRM).text

    post_form(resident, APPLICANT, {**PAGE_ONE, "contact_by": "phone", "action": "next"})
    assert 'name="email"' not in resident.get(REQUEST).text
    assert post_form(resident, REQUEST, {**PAGE_TWO, "action": "next"}).headers["Location"] == METHODS
    assert resident.get(CONFIRM).status_code == 200  # page three's answers are still in the draft
    assert "taro@example.jp" not in resident.get(CONFIRM).text  # hidden: neither asked nor sent
