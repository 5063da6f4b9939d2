"""罹災証明書 end to end: a resident applies with photos of the damage and the damaged building's address found by
its 〒, a clerk surveys and decides the level of damage, someone else approves, and the 交付 issues a signed
certificate printing the level staff decided (never the applicant's own estimate); rejected and withdrawn cases end
there, and bad answers are refused with nothing stored."""

from __future__ import annotations

import html
import io
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.catalog.datebound import add_months
from portal.japan import jst
from portal.japan.wareki import format_date
from portal.models import Certificate, Municipality, Submission, TransitionRecord
from tests.unit.attachments import files
from tests.web.conftest import PUBLIC_URL, logged_in
from tests.web.journeys import (
    apply,
    csrf_token,
    db_state,
    fill_in,
    fire,
    flashed,
    post_form,
    refused_comment,
    state_of,
    verify_path,
)
from tests.web.test_certificate_verification import pdf_text

CODE = "999997"  # 見本市: the municipality with a signing key in the tests
SLUG = "risai_shomei"
APPLY = f"/{CODE}/procedures/{SLUG}/apply"
DAMAGE, PHOTOS = f"{APPLY}?page=damage", f"{APPLY}?page=photos"

DAMAGED_ON = jst.today() - timedelta(days=3)


def date_inputs(name: str, day: date) -> dict[str, str]:
    """A date field's inputs as the form sends them, in 西暦."""
    parts = {"era": "seireki", "year": str(day.year), "month": str(day.month), "day": str(day.day)}
    return {f"{name}-{part}": value for part, value in parts.items()}


ANSWERS = {
    "family_name": "山田",
    "given_name": "太郎",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "タロウ",
    "postal_code": "100-0001",
    "address": "東京都千代田区千代田1-1",
    "phone": "03-1234-5678",
    "householder": "self",
    "relationship": "owner",
    "cause": "typhoon",
    "disaster_name": "台風第10号",
    **date_inputs("damaged_on", DAMAGED_ON),
    "property_postal_code": "1000005",
    "property_address": "東京都千代田区丸の内1-9-1",
    "building_type": "detached",
    "building_use": "residence",
    "self_assessment": "zenkai",  # the applicant's estimate: the clerk decides otherwise below
    "damage_description": "屋根瓦が飛ばされ、雨漏りで床上まで水に浸かった。",
    "copies": "2",
    "purposes": ["support_grant", "insurance"],
    "receipt_method": "counter",
}


@pytest.fixture
def portal(build_app: Callable[..., Flask], signing_dir: Path, demo: dict[str, Municipality], tmp_path: Path) -> Flask:
    """The portal as the tests run it (the shipped catalog, published by the migration), with its attachments in a
    directory of the test's own, and 罹災証明書 offered by 見本市."""
    app = build_app(SIGNING_DIR=str(signing_dir), PUBLIC_URL=PUBLIC_URL, ATTACHMENT_DIR=str(tmp_path / "attachments"))
    enabled = app.test_cli_runner().invoke(args=["municipality", "enable", CODE, SLUG])
    assert enabled.exit_code == 0, enabled.output
    return app


@pytest.fixture
def resident(portal: Flask) -> FlaskClient:
    return logged_in(portal, "resident", "resident-yamada")


@pytest.fixture
def stored_files(tmp_path: Path) -> Callable[[], list[Path]]:
    return lambda: sorted(p for p in (tmp_path / "attachments").rglob("*") if p.is_file())


def attach(client: FlaskClient, content: bytes, name: str):  # type: ignore[no-untyped-def]
    """次へ on the photos page with this file chosen."""
    form = {"csrf_token": csrf_token(client, PHOTOS), "action": "next", "photos": (io.BytesIO(content), name)}
    return client.post(PHOTOS, data=form, content_type="multipart/form-data")


def field_error(response: Any, field: str) -> str:
    """The error the page shows at ``field``, after checking that the error summary links to it."""
    page = html.unescape(response.text)
    assert f'href="#field-{field}"' in page[page.index('class="error-summary"') :]
    error = re.search(rf'<p class="field__error" id="field-{field}-error">.*?</span>(.*?)</p>', page, re.S)
    assert error, f"no error at {field}"
    return error.group(1)


def applied(client: FlaskClient, answers: dict[str, Any] = ANSWERS) -> str:
    """Answer every page, attaching one photo of the damage on the way; the 受付番号."""
    at_photos = fill_in(client, CODE, SLUG, answers)
    assert at_photos.status_code == 200 and "被害の写真のファイルを添付してください" in html.unescape(at_photos.text)
    attached = attach(client, files.jpeg_with_gps(), "屋根.jpg")
    assert attached.status_code == 302, attached.text
    return apply(client, CODE, SLUG, answers)


def decision(**changes: str) -> dict[str, str]:
    """The 判定's fields as the case page sends them."""
    return {
        "damage_level": "chukibo_hankai",
        **date_inputs("surveyed_on", jst.today()),
        "survey_method": "exterior",
        "flooding": "above_floor",
        **changes,
    }


def text_of(pdf: bytes) -> str:
    """The PDF's text without the spaces its letter-spacing comes out as."""
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))


# -- the journey --------------------------------------------------------------------------------------


def test_photos_and_an_address_by_postal_code_through_survey_and_approval_to_a_signed_certificate(
    portal: Flask,
    resident: FlaskClient,
    db_session: Session,
    stored_files: Callable[[], list[Path]],
    tmp_path: Path,
) -> None:
    about = html.unescape(resident.get(f"/{CODE}/procedures/{SLUG}").text)
    assert "罹災証明書の交付申請" in about and "30日" in about and "無料" in about

    form = resident.get(APPLY).text
    assert 'value="山田"' in form and 'value="ヤマダ"' in form  # prefilled from the identity claims

    # On the damage page, 「住所を検索」 fills the building's address from its 〒 without JavaScript.
    before = db_state(db_session)
    lookup = post_form(
        resident,
        DAMAGE,
        {**ANSWERS, "property_postal_code": "100-0005", "property_address": "", "lookup": "property_postal_code"},
    )
    assert lookup.status_code == 200
    assert 'value="東京都千代田区丸の内"' in lookup.text and "郵便番号から住所を入力しました" in lookup.text
    assert 'class="error-summary"' not in lookup.text  # looking up is not submitting
    assert db_state(db_session) == before

    # The photo is stored without its camera data; the confirmation page lists it.
    reference = applied(resident)
    [photo] = stored_files()
    with Image.open(photo) as image:
        assert image.format == "JPEG" and not image.getexif()
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.state == "received"
    answers = submission.answers
    assert (answers["damaged_on"], answers["property_address"], answers["self_assessment"]) == (
        DAMAGED_ON.isoformat(),
        "東京都千代田区丸の内1-9-1",
        "zenkai",
    )
    [ref] = answers["photos"]
    assert (ref["name"], ref["media_type"], ref["key"]) == ("屋根.jpg", "image/jpeg", photo.name)
    assert submission.fee == 0

    # The clerk sees the photo and the applicant's estimate, goes to survey and decides another level.
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    case = html.unescape(clerk.get(f"/backoffice/submissions/{reference}").text)
    assert "屋根.jpg" in case and f"/backoffice/submissions/{reference}/attachments/{ref['key']}" in case
    assert "被害の程度（申請者の見立て）" in case and "全壊" in case
    visit = "9月10日の午前中に伺います。"
    assert fire(clerk, reference, "start_investigation", visit).status_code == 302
    assert visit in html.unescape(resident.get(f"/{CODE}/applications/{reference}").text)
    assert fire(clerk, reference, "decide", "外壁・屋根の損傷と床上浸水を確認。", **decision()).status_code == 302
    assert state_of(db_session, CODE, reference) == "decided"

    # Someone else approves the decision (see the next test), then the clerk issues the certificate.
    approver = logged_in(portal, "staff", "staff-mihon-approver")
    assert fire(approver, reference, "approve").status_code == 302
    assert state_of(db_session, CODE, reference) == "approved"
    assert fire(clerk, reference, "issue").status_code == 302
    assert state_of(db_session, CODE, reference) == "issued"

    history = db_session.scalars(select(TransitionRecord).order_by(TransitionRecord.id)).all()
    assert [(r.transition, r.to_state) for r in history] == [
        ("submit", "received"),
        ("start_investigation", "investigating"),
        ("decide", "decided"),
        ("approve", "approved"),
        ("issue", "issued"),
    ]
    assert history[2].inputs == {
        "damage_level": "chukibo_hankai",
        "surveyed_on": jst.today().isoformat(),
        "survey_method": "exterior",
        "flooding": "above_floor",
    }
    number = f"{jst.today().year}-00001"
    db_session.expire_all()
    assert db_session.scalars(select(Submission.assigned_number).filter_by(reference=reference)).one() == number

    # The certificate: signed, tagged, verifiable, printing what staff decided and the building's address.
    certificate = db_session.scalars(select(Certificate)).one()
    download = resident.get(f"/{CODE}/applications/{reference}/certificate.pdf")
    assert download.status_code == 200 and download.data == certificate.pdf
    assert clerk.get(f"/backoffice/submissions/{reference}/certificate.pdf").data == certificate.pdf
    report = pdf_text(certificate.pdf, tmp_path, "pdfsig")
    assert "Signature Validation: Signature is Valid." in report
    text = text_of(certificate.pdf)
    assert "罹災証明書" in text and f"第{number}号" in text
    assert "世帯主氏名山田太郎" in text and "世帯主住所東京都千代田区千代田1-1" in text
    assert f"罹災原因{format_date(DAMAGED_ON)}の台風第10号による被害" in text
    assert "被災住家の所在地東京都千代田区丸の内1-9-1" in text
    assert "■中規模半壊" in text and text.count("■") == 2 and "■床上浸水" in text  # the level staff decided
    assert "□全壊" in text  # never the applicant's estimate
    assert "上記のとおり相違ないことを証明します。" in text and format_date(jst.today()) in text
    assert certificate.issue_number in text
    assert resident.application.test_client().get(verify_path(certificate)).status_code == 200


def test_an_approver_who_decided_cannot_approve_their_own_decision(
    portal: Flask, resident: FlaskClient, db_session: Session
) -> None:
    reference = applied(resident)
    both = logged_in(portal, "staff", "staff-mihon-both")  # a clerk and an approver
    assert fire(both, reference, "start_investigation").status_code == 302
    assert fire(both, reference, "decide", **decision()).status_code == 302
    before = db_state(db_session)
    own = flashed(both, fire(both, reference, "approve"))
    assert "この申請の審査などを行った職員は、この操作を行えません。別の職員が行ってください。" in own
    assert state_of(db_session, CODE, reference) == "decided"
    assert db_state(db_session) == before
    approver = logged_in(portal, "staff", "staff-mihon-approver")
    assert fire(approver, reference, "approve").status_code == 302


# -- the other final states -----------------------------------------------------------------------------


def test_a_clerk_rejects_after_the_survey_with_a_reason_the_resident_reads(
    portal: Flask, resident: FlaskClient, db_session: Session
) -> None:
    reference = applied(resident)
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    assert fire(clerk, reference, "start_investigation").status_code == 302
    before = db_state(db_session)
    assert (
        refused_comment(fire(clerk, reference, "reject", ""), "reject")
        == "この操作には理由（コメント）の入力が必要です。"
    )
    assert db_state(db_session) == before

    reason = "被害を受けた建物は店舗のみで、住家ではありませんでした。被災証明書を窓口で申請してください。"
    assert fire(clerk, reference, "reject", reason).status_code == 302
    assert state_of(db_session, CODE, reference) == "rejected"
    page = html.unescape(resident.get(f"/{CODE}/applications/{reference}").text)
    assert "却下" in page and reason in page and "取り下げる" not in page
    assert db_session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_the_resident_withdraws_before_the_survey(resident: FlaskClient, db_session: Session) -> None:
    reference = applied(resident)
    page = f"/{CODE}/applications/{reference}"
    assert post_form(resident, f"{page}/transitions/withdraw", {}, token_from=page).status_code == 302
    assert state_of(db_session, CODE, reference) == "withdrawn"
    assert "取下げ" in html.unescape(resident.get(page).text)


def test_a_returned_application_is_corrected_and_surveyed_again(
    portal: Flask, resident: FlaskClient, db_session: Session
) -> None:
    reference = applied(resident)
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    reason = "建物の所在地に部屋番号がありません。集合住宅の部屋番号まで入力してください。"
    assert fire(clerk, reference, "return_to_applicant", reason).status_code == 302
    assert state_of(db_session, CODE, reference) == "returned"
    correction = f"/{CODE}/applications/{reference}/correct"
    assert reason in html.unescape(resident.get(correction).text)
    corrected = {**ANSWERS, "building_type": "apartment", "property_address": "東京都千代田区丸の内1-9-1 見本ハイツ203"}
    assert post_form(resident, correction, corrected).status_code == 302
    assert state_of(db_session, CODE, reference) == "received"
    answers = db_session.scalars(select(Submission.answers).filter_by(reference=reference)).one()
    assert answers["property_address"] == "東京都千代田区丸の内1-9-1 見本ハイツ203"
    assert [ref["name"] for ref in answers["photos"]] == ["屋根.jpg"]  # the photos stay those submitted


# -- bad inputs: the field's error, nothing stored -------------------------------------------------------


def test_a_damage_in_the_future_or_over_a_year_ago_is_refused(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    tomorrow = jst.today() + timedelta(days=1)
    future = fill_in(resident, CODE, SLUG, {**ANSWERS, **date_inputs("damaged_on", tomorrow)})
    assert future.status_code == 200
    latest = format_date(jst.today())
    assert field_error(future, "damaged_on") == f"被害を受けた日は{latest}以前の日付を入力してください"

    long_ago = add_months(jst.today(), -12) - timedelta(days=1)
    old = fill_in(resident, CODE, SLUG, {**ANSWERS, **date_inputs("damaged_on", long_ago)})
    earliest = format_date(add_months(jst.today(), -12))
    assert field_error(old, "damaged_on") == f"被害を受けた日は{earliest}以降の日付を入力してください"
    assert db_state(db_session) == before


def test_no_photo_or_a_file_that_is_not_a_photo_is_refused(
    resident: FlaskClient, db_session: Session, stored_files: Callable[[], list[Path]]
) -> None:
    before = db_state(db_session)
    at_photos = fill_in(resident, CODE, SLUG, ANSWERS)
    assert field_error(at_photos, "photos") == "被害の写真のファイルを添付してください"
    pdf = attach(resident, files.pdf(), "見積書.pdf")
    assert pdf.status_code == 200
    assert (
        field_error(pdf, "photos")
        == "「見積書.pdf」は添付できない種類のファイルです。添付できるのは JPEG / PNG のファイルです"
    )
    assert stored_files() == []
    # Submitting without a photo goes back to the photos page: no application is made.
    confirm = f"/{CODE}/procedures/{SLUG}/confirm"
    assert resident.get(confirm).headers["Location"] == PHOTOS
    assert db_state(db_session) == before


def test_an_other_disaster_needs_its_name(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    unnamed = fill_in(resident, CODE, SLUG, {**ANSWERS, "cause": "other", "disaster_name": ""})
    message = "災害の種類が「その他の災害」の場合は、災害の名称を入力してください。"
    assert field_error(unnamed, "disaster_name") == message
    assert db_state(db_session) == before


def test_a_decision_must_be_a_level_the_workflow_offers_surveyed_by_today(
    portal: Flask, resident: FlaskClient, db_session: Session
) -> None:
    reference = applied(resident)
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    assert fire(clerk, reference, "start_investigation").status_code == 302
    before = db_state(db_session)
    for changes, field, message in (
        ({"damage_level": "total"}, "damage_level", "被害の程度は選択肢から選んでください"),
        ({"damage_level": ""}, "damage_level", "被害の程度を選択してください"),
        (
            date_inputs("surveyed_on", jst.today() + timedelta(days=1)),
            "surveyed_on",
            f"調査日は{format_date(jst.today())}以前の日付を入力してください",
        ),
    ):
        refused = fire(clerk, reference, "decide", **decision(**changes))
        assert refused.status_code == 200, changes
        assert message in html.unescape(refused.text), changes
        assert f'id="field-decide-{field}"' in refused.text
        assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "investigating"
