"""児童手当 認定請求 end to end: 山田 太郎 applies for two of his children with a bank account and a scan of his
health insurance card; a clerk reviews it and another staff member 認定s it with the 支給開始月 and 月額, and the case
takes its 受給者番号. No certificate: the 認定通知書 is mailed. Bad answers are refused with nothing submitted."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.japan.wareki import format_date
from portal.models import Certificate, Submission, TransitionRecord
from tests.unit.attachments import files
from tests.web.conftest import logged_in
from tests.web.journeys import apply, csrf_token, db_state, fill_in, fire, flashed, state_of

CODE = "999997"
SLUG = "jidou_teate"
APPLY = f"/{CODE}/procedures/{SLUG}/apply"
DOCUMENTS = f"{APPLY}?page=documents"

# 山田 太郎 (resident-yamada) and two of the children recorded in his household (demo_records.yaml).
ANSWERS: dict[str, Any] = {
    "family_name": "山田",
    "given_name": "太郎",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "タロウ",
    "birthdate-era": "showa",
    "birthdate-year": "60",
    "birthdate-month": "4",
    "birthdate-day": "12",
    "postal_code": "100-0001",
    "address": "東京都千代田区千代田1-1",
    "phone": "03-1234-5678",
    "occupation": "employee",
    "spouse": "yes",
    "spouse_name": "山田 優子",
    "children-rows": "2",
    "children-1-family_name": "山田",
    "children-1-given_name": "翔太",
    "children-1-kana": "やまだ　しょうた",
    "children-1-birth_date-era": "heisei",
    "children-1-birth_date-year": "30",
    "children-1-birth_date-month": "5",
    "children-1-birth_date-day": "5",
    "children-1-relationship": "child",
    "children-1-living": "together",
    "children-2-family_name": "山田",
    "children-2-given_name": "美咲",
    "children-2-kana": "ヤマダ ミサキ",
    "children-2-birth_date-era": "seireki",
    "children-2-birth_date-year": "2020",
    "children-2-birth_date-month": "6",
    "children-2-birth_date-day": "1",
    "children-2-relationship": "child",
    "children-2-living": "together",
    "account-bank": "０００１",  # full-width, as some keyboards type it
    "account-branch": "001",
    "account-kind": "1",
    "account-number": "123-4567",
    "account-holder": "ﾔﾏﾀﾞ ﾀﾛｳ",
    "delivery_postal_code": "1000001",
    "delivery_address": "東京都千代田区千代田1-1",
}
ACCOUNT_SHOWN = "みずほ銀行 東京営業部 普通 1234567 ヤマダ　タロウ"


@pytest.fixture
def portal(build_app: Callable[..., Flask], demo: Any, tmp_path: Path) -> Flask:
    """The portal with the shipped catalog (見本市 offers 児童手当), its attachments in a directory of the test."""
    return build_app(ATTACHMENT_DIR=str(tmp_path / "attachments"))


@pytest.fixture
def yamada(portal: Flask) -> FlaskClient:
    return logged_in(portal, "resident", "resident-yamada")


def attach_card(client: FlaskClient, content: bytes, name: str):  # type: ignore[no-untyped-def]
    """次へ on the 添付書類 page with the health insurance card's scan chosen."""
    form = {
        "csrf_token": csrf_token(client, DOCUMENTS),
        "action": "next",
        "insurance_card": (io.BytesIO(content), name),
    }
    return client.post(DOCUMENTS, data=form, content_type="multipart/form-data")


def text_of(response: Any) -> str:
    return html.unescape(response.text)


def summary_links(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary"
    return re.findall(r'href="#([^"]+)"', summary.group(0))


def first_of_next_month() -> date:
    today = jst.today()
    return date(today.year + today.month // 12, today.month % 12 + 1, 1)


def test_a_parent_applies_and_another_staff_member_certifies(
    portal: Flask, yamada: FlaskClient, db_session: Session, tmp_path: Path
) -> None:
    assert "児童手当 認定請求" in yamada.get(f"/{CODE}/").text
    about = text_of(yamada.get(f"/{CODE}/procedures/{SLUG}"))
    assert (
        "<p>審査の後、認定通知書（認められないときは却下通知書）を郵送します。証明書の交付はありません。</p>" in about
    )
    first = text_of(yamada.get(APPLY))
    assert 'value="山田"' in first and "公務員の方（独立行政法人などの職員を除く）" in first

    attached = attach_card(yamada, files.pdf(), "保険証.pdf")
    assert attached.status_code == 302, text_of(attached)
    confirm = fill_in(yamada, CODE, SLUG, ANSWERS)
    assert confirm.headers["Location"] == f"/{CODE}/procedures/{SLUG}/confirm", text_of(confirm)
    summary = text_of(yamada.get(confirm.headers["Location"]))
    for shown in (
        ACCOUNT_SHOWN,
        "翔太",
        "美咲",
        "ヤマダ　ショウタ",
        "保険証.pdf",
        "会社員・団体職員など（厚生年金に加入）",
    ):
        assert shown in summary, shown

    reference = apply(yamada, CODE, SLUG, ANSWERS)
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    answers = submission.answers
    assert (submission.state, submission.fee) == ("received", 0)
    assert answers["account"] == {
        "bank": "0001",
        "branch": "001",
        "kind": "1",
        "number": "1234567",
        "holder": "ヤマダ\u3000タロウ",
    }
    assert [(c["given_name"], c["kana"], c["birth_date"], c["living"]) for c in answers["children"]] == [
        ("翔太", "ヤマダ\u3000ショウタ", "2018-05-05", "together"),
        ("美咲", "ヤマダ\u3000ミサキ", "2020-06-01", "together"),
    ]
    [card] = answers["insurance_card"]
    assert card["name"] == "保険証.pdf" and card["media_type"] == "application/pdf"
    assert (tmp_path / "attachments").is_dir() and any(
        p.name == card["key"] for p in (tmp_path / "attachments").rglob("*")
    )

    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    case = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert ACCOUNT_SHOWN in case and "美咲" in case and "保険証.pdf" in case
    assert f"/backoffice/submissions/{reference}/attachments/{card['key']}" in case
    for transition in ("start_review", "request_approval"):
        assert fire(clerk, reference, transition).status_code == 302, transition
    assert state_of(db_session, CODE, reference) == "awaiting_approval"

    approver = logged_in(portal, "staff", "staff-mihon-approver")
    start = first_of_next_month()
    parts = {"era": "seireki", "year": str(start.year), "month": str(start.month), "day": "1"}
    inputs = {f"payment_from-{part}": value for part, value in parts.items()}
    note = "認定通知書を本日郵送しました。"
    assert fire(approver, reference, "certify", note, monthly_amount="20,000", **inputs).status_code == 302
    assert state_of(db_session, CODE, reference) == "certified"
    number = f"{jst.today().year}-00001"
    assert db_session.scalars(select(Submission.assigned_number).filter_by(reference=reference)).one() == number
    history = db_session.scalars(
        select(TransitionRecord)
        .join(Submission)
        .filter(Submission.reference == reference)
        .order_by(TransitionRecord.id)
    ).all()
    assert [(r.transition, r.to_state, r.inputs) for r in history] == [
        ("submit", "received", None),
        ("start_review", "in_review", None),
        ("request_approval", "awaiting_approval", None),
        ("certify", "certified", {"payment_from": start.isoformat(), "monthly_amount": 20000}),
    ]
    assert db_session.scalar(select(func.count()).select_from(Certificate)) == 0

    detail = text_of(yamada.get(f"/{CODE}/applications/{reference}"))
    assert "認定" in detail and note in detail
    assert "受給者番号" in detail and number in detail
    assert "支給開始月" in detail and format_date(start, with_seireki=True) in detail and "20000" in detail
    assert "取り下げる" not in detail  # final: nothing left to do
    assert yamada.get(f"/{CODE}/applications/{reference}/certificate.pdf").status_code == 404


def test_the_reviewer_cannot_certify_and_certifying_needs_the_amount(
    portal: Flask, yamada: FlaskClient, db_session: Session
) -> None:
    attach_card(yamada, files.pdf(), "保険証.pdf")
    reference = apply(yamada, CODE, SLUG, ANSWERS)
    both = logged_in(portal, "staff", "staff-mihon-both")  # clerk and approver
    for transition in ("start_review", "request_approval"):
        assert fire(both, reference, transition).status_code == 302
    before = db_state(db_session)
    refused = fire(both, reference, "certify", **{"monthly_amount": "20000", "payment_from-era": "seireki"})
    assert "この申請の審査などを行った職員は、この操作を行えません" in flashed(both, refused)
    assert db_state(db_session) == before

    approver = logged_in(portal, "staff", "staff-mihon-approver")
    start = first_of_next_month()
    inputs = {"payment_from-era": "seireki", "payment_from-year": str(start.year)}
    inputs |= {"payment_from-month": str(start.month), "payment_from-day": "1"}
    missing = fire(approver, reference, "certify", **inputs)
    assert missing.status_code == 200 and "支給月額（円）を入力してください" in text_of(missing)
    too_little = fire(approver, reference, "certify", monthly_amount="5000", **inputs)
    assert too_little.status_code == 200 and 'href="#field-certify-monthly_amount"' in too_little.text
    assert db_state(db_session) == before and state_of(db_session, CODE, reference) == "awaiting_approval"


# -- bad answers: the error at its input, linked from the summary, and nothing submitted -------------------------

BAD: dict[str, tuple[dict[str, str], str, str]] = {
    "unknown bank": (
        {"account-bank": "0999"},
        "受取口座の金融機関コード0999の金融機関が見つかりません",
        "field-account",
    ),
    "branch of another bank": (
        {"account-branch": "999"},
        "受取口座の支店コード999はみずほ銀行の支店にありません",
        "field-account-branch",
    ),
    "passbook 記号・番号 of ゆうちょ銀行": (
        {"account-bank": "9900", "account-branch": "018", "account-number": "10180-12345671"},
        "受取口座には、ゆうちょ銀行の通帳の記号・番号ではなく、振込用の店番（3桁）と口座番号（7桁）を入力してください",
        "field-account-number",
    ),
    "holder in kanji": (
        {"account-holder": "山田太郎"},
        "受取口座の口座名義は全角カタカナで入力してください",
        "field-account-holder",
    ),
}

INVALID_INPUT = {
    "field-account": "account-bank",
    "field-account-branch": "account-branch",
    "field-account-number": "account-number",
    "field-account-holder": "account-holder",
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_bad_account_is_refused_at_the_input_it_is_about(case: str, yamada: FlaskClient, db_session: Session) -> None:
    attach_card(yamada, files.pdf(), "保険証.pdf")
    before = db_state(db_session)
    changed, message, input_id = BAD[case]
    refused = fill_in(yamada, CODE, SLUG, {**ANSWERS, **changed})
    page = text_of(refused)
    assert refused.status_code == 200 and message in page
    assert summary_links(page) == [input_id]
    invalid = re.findall(r'name="(account-[a-z]+)"[^>]*aria-invalid="true"', page)
    assert invalid == [INVALID_INPUT[input_id]]  # only the input the error is about
    assert db_state(db_session) == before


def test_a_child_born_in_the_future_is_refused(yamada: FlaskClient, db_session: Session) -> None:
    attach_card(yamada, files.pdf(), "保険証.pdf")
    before = db_state(db_session)
    future = {"children-2-birth_date-year": str(jst.today().year + 1)}
    refused = fill_in(yamada, CODE, SLUG, {**ANSWERS, **future})
    page = text_of(refused)
    assert refused.status_code == 200
    assert summary_links(page) == ["field-children-2-birth_date"]
    assert f"児童 2：生年月日は{format_date(jst.today())}以前の日付を入力してください" in page
    assert db_state(db_session) == before


def test_an_application_without_children_is_refused(yamada: FlaskClient, db_session: Session) -> None:
    attach_card(yamada, files.pdf(), "保険証.pdf")
    before = db_state(db_session)
    blank = {name: "" for name in ANSWERS if name.startswith("children-") and name != "children-rows"}
    for rows in ({"children-rows": "0"}, {"children-rows": "2", **blank}):
        refused = fill_in(yamada, CODE, SLUG, {**ANSWERS, **blank, **rows})
        page = text_of(refused)
        assert refused.status_code == 200, rows
        assert summary_links(page) == ["field-children"], rows
        assert "対象となる児童を入力してください" in page
    assert db_state(db_session) == before


def test_the_card_is_required_and_must_be_an_image_or_pdf(yamada: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    refused = fill_in(yamada, CODE, SLUG, ANSWERS)
    assert refused.status_code == 200 and "健康保険証の写しのファイルを添付してください" in text_of(refused)
    wrong = attach_card(yamada, files.small_zip(), "保険証.zip")
    assert wrong.status_code == 200 and "「保険証.zip」" in text_of(wrong)
    assert db_state(db_session) == before
