"""The 住民票の写し certifies the 住民記録 as it stands at issue time, never what the applicant typed.

End to end through the real login, the back office's decisions and the issued, signed PDF read back with
pdftotext; refusals show the clerk why and leave everything as it was.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Certificate, Resident, ResidentRecordLink
from tests.unit.test_certificates_render import flat, pdf_pages
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    apply,
    approve_juminhyo,
    break_template,
    db_state,
    decide_juminhyo,
    fire,
    flashed,
    post_form,
    state_of,
)

MIHON = "999997"
ADMIN = "staff-mihon-admin"
STAFF = {"clerk": "staff-mihon-clerk", "approver": "staff-mihon-approver"}
# The default answers: the optional 記載事項 (items) left empty, as most residents leave it.
DEFAULTS = {key: value for key, value in JUMINHYO_ANSWERS.items() if key != "items"}
CERTIFICATION = "この写しは、住民票の原本と相違ないことを証明する。"


def issue(client: FlaskClient, make_client: Any, db_session: Session, sub: str, **answers: Any) -> Certificate:
    """``sub`` applies with the default answers changed by ``answers``; staff review, approve and issue."""
    login(client, "resident", sub)
    reference = apply(client, MIHON, "juminhyo", {**DEFAULTS, **answers})
    _, response = decide_juminhyo(make_client, reference, **STAFF)
    assert response.status_code == 302
    assert state_of(db_session, MIHON, reference) == "issued"
    return db_session.scalars(select(Certificate).order_by(Certificate.id.desc())).first()


def test_a_typed_name_that_differs_from_the_record_gets_the_records_name(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    certificate = issue(client, make_client, db_session, "resident-yamada", family_name="山本", given_name="次郎")

    [page] = pdf_pages(certificate.pdf, tmp_path)
    text = flat(page)
    assert "山田太郎" in text and "ヤマダタロウ" in text and "昭和60年4月12日生" in text
    assert "山本" not in text and "次郎" not in text
    assert "東京都千代田区千代田一丁目1番" in text  # the recorded address, not the typed 千代田1-1
    assert CERTIFICATION in text and certificate.issue_number in text
    # What was printed is what is kept, and what the QR code's page masks.
    assert certificate.context["record"]["persons"][0]["name"]["family"] == "山田"
    assert certificate.context["verify_url"] in page
    shown = client.application.test_client().get(certificate.context["verify_url"].removeprefix("http://localhost"))
    assert shown.status_code == 200 and "山田 ＊＊" in shown.text and "山本" not in shown.text


def test_relationship_and_domicile_print_only_when_requested(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    """Left empty, 記載事項 no longer crashes 交付: 続柄, 本籍 and 筆頭者 print 省略 in their places."""
    omitted = issue(client, make_client, db_session, "resident-yamada")
    requested = issue(client, make_client, db_session, "resident-yamada", items=["honseki", "relationship"])

    omitted_text, requested_text = (flat(pdf_pages(c.pdf, tmp_path)[0]) for c in (omitted, requested))
    assert omitted_text.count("省略") == 3  # 続柄, 本籍, 筆頭者
    assert omitted_text.count("山田太郎") == 2  # 世帯主 and 氏名
    assert "省略" not in requested_text
    assert requested_text.count("山田太郎") == 3  # 世帯主, 氏名 and 筆頭者
    assert "relationship" not in omitted.context["record"]["persons"][0]
    assert "domicile" not in omitted.context["record"]["persons"][0]


def test_request_details_are_not_printed(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    certificate = issue(client, make_client, db_session, "resident-yamada", copies="7", purpose="employment")

    text = flat(pdf_pages(certificate.pdf, tmp_path)[0])
    for detail in ("使用目的", "使いみち", "勤務先への提出", "交付通数", "7通", "本人のみ", "03-1234-5678", "受付番号"):
        assert detail not in text, detail
    assert not {"answers", "answer_text", "reference"} & set(certificate.context)


def test_the_whole_household_of_five_prints_two_pages(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    """山田 太郎's demo household has five persons: four entries, then one with the 認証文."""
    certificate = issue(client, make_client, db_session, "resident-yamada", scope="household", items=["relationship"])

    first, last = pdf_pages(certificate.pdf, tmp_path)
    for number, page in enumerate((first, last), 1):
        assert f"発行番号{certificate.issue_number}" in flat(page), f"page {number}"
        assert f"{number}/2" in flat(page), f"page {number} lacks {number} / 2"
    members = ["山田優子", "山田翔太", "山田美咲", "山田大翔"]
    assert [name for name in members if name in flat(first)] == members[:3]
    assert [name for name in members if name in flat(last)] == members[3:]
    assert "以下余白" not in flat(first) and flat(last).count("以下余白") == 1
    assert "証明する" not in flat(first) and "見本市長" not in flat(first)
    assert "この写しは、世帯全員の住民票の原本と相違ないことを証明する。" in flat(last)
    assert [p["relationship"] for p in certificate.context["record"]["persons"]] == ["世帯主", "妻", "子", "子", "子"]


def test_a_reissue_for_an_applicant_the_records_no_longer_know_is_refused_and_nothing_changes(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    """A reissue has no review against the record to guard it: the 交付's own reading of the record refuses."""
    certificate = issue(client, make_client, db_session, "resident-yamada")
    page = f"/backoffice/submissions/{certificate.submission.reference}"
    admin = make_client("staff", ADMIN)
    revoke = f"{page}/certificates/{certificate.issue_number}/revoke"
    assert post_form(admin, revoke, {"reason": "転出"}, token_from=page).status_code == 302
    link = db_session.scalars(select(ResidentRecordLink).filter_by(resident_id=certificate.submission.resident_id))
    link.one().person_id = "P9999"  # the person the resident was linked to is no longer in the records
    resident = db_session.get(Resident, certificate.submission.resident_id)
    resident.profile = {**resident.profile, "birthdate": "1901-01-01"}  # and nobody else matches them now
    db_session.flush()
    before = db_state(db_session)

    refused = post_form(admin, f"{page}/certificates/reissue", {}, token_from=page)

    assert "申請者を住民記録で確認できないため、証明書を発行できません。" in flashed(admin, refused)
    assert db_state(db_session) == before


@pytest.fixture
def broken_template(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    break_template(app, monkeypatch)


def test_a_template_error_at_issue_time_tells_the_clerk_and_changes_nothing(
    client: FlaskClient, make_client: Any, db_session: Session, broken_template: None, caplog: Any
) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply(client, MIHON, "juminhyo", DEFAULTS)
    clerk = approve_juminhyo(make_client, reference, **STAFF)
    before = db_state(db_session)
    caplog.set_level(logging.ERROR, logger="portal.services.certificates")

    refused = fire(clerk, reference, "issue")

    assert refused.status_code == 303
    assert "証明書を作成できなかったため、交付できませんでした。申請は変更されていません。" in flashed(clerk, refused)
    assert state_of(db_session, MIHON, reference) == "approved"
    assert db_state(db_session) == before and db_session.scalars(select(Certificate)).all() == []
    [record] = [r for r in caplog.records if r.name == "portal.services.certificates"]
    assert record.getMessage().endswith("not reserved: ValueError in juminhyo.html line 1")
    for personal in ("山田", "太郎", "1985"):
        assert personal not in record.getMessage()
    assert record.exc_info is None  # a traceback would quote the data the template choked on
