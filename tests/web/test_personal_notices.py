"""本人通知制度 end to end: staff register a person; a certificate of theirs issued to a 代理人 or a third party tells
them, by email when they are a portal user with a confirmed address, else by a letter staff post and mark posted.
Once per case however often 交付 is pressed, never another municipality's, never a word of the case in the email."""

from __future__ import annotations

import html
import logging
import re
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import (
    AuditAction,
    AuditEntry,
    NoticeChannel,
    NoticeRegistration,
    Notification,
    NotificationKind,
    PersonalNotice,
)
from tests.web.conftest import login
from tests.web.journeys import date_inputs, fire, flashed, post_form
from tests.web.mailbox import Mailbox, register_address
from tests.web.test_proxy_requests import DELEGATE, MIHON, THIRD_PARTY, apply_for, approve, pdf_upload

NOTICES = "/backoffice/notices/"
YAMADA_MAIL = "taro@example.jp"
# 山田 太郎 (P0001) as staff type him at the counter.
YAMADA = {
    "family_name": "山田",
    "given_name": "太郎",
    **date_inputs("birthdate", date(1985, 4, 12)),
    "gender": "male",
    "address": "東京都千代田区千代田一丁目1番",
}


def text_of(response: Any) -> str:
    return html.unescape(response.text)


def linked(resident: FlaskClient) -> None:
    """The resident deals with 見本市 (his household is read for the form), which links his account to his record."""
    assert resident.get(f"/{MIHON}/procedures/juminhyo/apply?page=request").status_code == 200


def register(staff: FlaskClient, person: dict[str, str] = YAMADA):  # type: ignore[no-untyped-def]
    return post_form(staff, f"{NOTICES}registrations", person, token_from=NOTICES)


def count(db_session: Session, model: Any) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def issued_on_behalf(
    client: FlaskClient, make_client: Any, requester: dict[str, Any] = DELEGATE, **uploads: Any
) -> tuple[str, FlaskClient]:
    """佐藤 花子 asks for 山田 太郎's 住民票 and it is issued; returns the 受付番号 and the clerk."""
    login(client, "resident", "resident-sato")
    reference = apply_for(client, requester, **uploads)
    clerk = approve(make_client, reference)
    assert fire(clerk, reference, "issue").status_code == 302
    return reference, clerk


def test_a_registered_portal_user_is_told_by_email_of_nothing_but_the_issue(
    client: FlaskClient, make_client: Any, mailbox: Mailbox, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clerk = make_client("staff", "staff-mihon-clerk")
    assert register(clerk).status_code == 303
    yamada = make_client("resident", "resident-yamada")
    linked(yamada)
    register_address(yamada, mailbox, YAMADA_MAIL)
    mailbox.clear()

    reference, clerk = issued_on_behalf(client, make_client, power_of_attorney=pdf_upload())

    [notice] = mailbox.to(YAMADA_MAIL)
    assert notice.subject == "【見本市】本人通知：あなたの証明書を交付しました"
    assert "代理人または第三者に交付しました" in notice.body
    assert "住民票の写しの交付請求" in notice.body and "099-000-0000" in notice.body and "平日 8時30分" in notice.body
    db_session.expire_all()
    [row] = db_session.scalars(select(PersonalNotice)).all()
    assert row.channel is NoticeChannel.EMAIL and row.addressee is None and row.address is None
    text = notice.everything()
    for secret in (reference, "佐藤", "花子", "山田", "太郎", "千代田", "丸の内", "知人", "/applications/", "委任状"):
        assert secret not in text, secret
    assert YAMADA_MAIL not in "\n".join(record.getMessage() for record in caplog.records)

    case = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert "本人通知" in case and "対象の方にメールで通知しました。" in case
    own = text_of(client.get(f"/{MIHON}/applications/{reference}"))
    assert "本人通知" not in own and "通知しました" not in own  # the requester is never told


def test_someone_without_an_address_gets_a_letter_staff_post_once(
    client: FlaskClient, make_client: Any, mailbox: Mailbox, db_session: Session
) -> None:
    clerk = make_client("staff", "staff-mihon-clerk")
    register(clerk)
    mailbox.clear()
    reference, clerk = issued_on_behalf(client, make_client, THIRD_PARTY)

    assert [mail for mail in mailbox.received() if "本人通知" in mail.subject] == []
    listed = text_of(clerk.get(NOTICES))
    letters = re.search(r'<table class="data-table data-table--cards" id="letters-to-post">.*?</table>', listed, re.S)
    assert letters, "no letters to post"
    for shown in ("〒100-0001", "東京都千代田区千代田一丁目1番", "山田 太郎 様", reference, "住民票の写しの交付請求"):
        assert shown in letters.group(0), shown
    case = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert "対象の方への通知を郵送します" in case

    [notice_id] = re.findall(r"/backoffice/notices/(\d+)/posted", letters.group(0))
    posted = post_form(clerk, f"{NOTICES}{notice_id}/posted", {}, token_from=NOTICES)
    assert "郵送済みにしました。" in flashed(clerk, posted)
    assert "郵送待ちの本人通知はありません。" in text_of(clerk.get(NOTICES))
    assert "対象の方への通知を郵送しました" in text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    db_session.expire_all()
    [entry] = db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.NOTICE_POSTED)).all()
    assert (entry.target, entry.before, entry.after, entry.actor_name) == (
        f"personal_notice:{notice_id}",
        {"posted": False},
        {"posted": True},
        "窓口 一郎",
    )
    admin = make_client("staff", "staff-mihon-admin")
    log = text_of(admin.get(f"/backoffice/admin/municipalities/{MIHON}/audit"))
    assert "本人通知の郵送" in log and f"本人通知（番号 {notice_id}）" in log and "山田" not in log
    before = count(db_session, AuditEntry)

    again = post_form(clerk, f"{NOTICES}{notice_id}/posted", {}, token_from=NOTICES)

    assert "この本人通知は既に郵送済みです。" in flashed(clerk, again)
    assert count(db_session, AuditEntry) == before


def test_a_legal_representative_or_an_unregistered_person_causes_no_notice(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    issued_on_behalf(client, make_client, power_of_attorney=pdf_upload())  # 山田 太郎 is not registered
    assert count(db_session, PersonalNotice) == 0

    login(client, "resident", "resident-yamada")
    son = {
        "request_by": "legal_representative",
        "representative_kind": "parent",
        "person_family_name": "山田",
        "person_given_name": "翔太",
        **date_inputs("person_birthdate", date(2018, 5, 5)),
        "person_gender": "male",
        "person_postal_code": "1000001",
        "person_address": "東京都千代田区千代田一丁目1番",
    }
    son_at_the_counter = {**YAMADA, "given_name": "翔太", **date_inputs("birthdate", date(2018, 5, 5))}
    assert register(make_client("staff", "staff-mihon-clerk"), son_at_the_counter).status_code == 303
    reference = apply_for(client, son, representation_document=pdf_upload("koseki.pdf"))
    assert fire(approve(make_client, reference), reference, "issue").status_code == 302
    assert count(db_session, PersonalNotice) == 0  # 法定代理人 requests as the person would


def test_a_double_press_and_a_reissue_notify_once(
    client: FlaskClient, make_client: Any, mailbox: Mailbox, db_session: Session
) -> None:
    register(make_client("staff", "staff-mihon-clerk"))
    yamada = make_client("resident", "resident-yamada")
    linked(yamada)
    register_address(yamada, mailbox, YAMADA_MAIL)
    reference, clerk = issued_on_behalf(client, make_client, power_of_attorney=pdf_upload())

    second = fire(clerk, reference, "issue")
    assert "この申請は既に完了しているため" in flashed(clerk, second)
    admin, page = make_client("staff", "staff-mihon-admin"), f"/backoffice/submissions/{reference}"
    [number] = re.findall(r"/certificates/([0-9-]+)/revoke", admin.get(page).text)
    assert (
        post_form(admin, f"{page}/certificates/{number}/revoke", {"reason": "記載誤り"}, token_from=page).status_code
        == 302
    )
    assert post_form(admin, f"{page}/certificates/reissue", {}, token_from=page).status_code == 302

    assert count(db_session, PersonalNotice) == 1
    kinds = db_session.scalars(select(Notification.kind)).all()
    assert kinds.count(NotificationKind.PERSONAL_NOTICE) == 1
    assert len([mail for mail in mailbox.to(YAMADA_MAIL) if "本人通知" in mail.subject]) == 1


# -- registrations --------------------------------------------------------------------------------------------------


def test_registering_finds_the_person_in_the_records_and_refuses_what_it_cannot(
    make_client: Any, db_session: Session
) -> None:
    clerk = make_client("staff", "staff-mihon-clerk")
    assert register(clerk).status_code == 303
    listed = text_of(clerk.get(NOTICES))
    assert "山田 太郎" in listed and "窓口 一郎" in listed
    [registration] = db_session.scalars(select(NoticeRegistration)).all()
    assert (registration.municipality_code, registration.person_id) == (MIHON, "P0001")
    before = (count(db_session, NoticeRegistration), count(db_session, AuditEntry))

    twice = register(clerk)
    nobody = register(clerk, {**YAMADA, "given_name": "次郎"})
    empty = register(clerk, {**YAMADA, "gender": ""})

    assert twice.status_code == 200 and "この方は既に本人通知に登録されています。" in text_of(twice)
    assert "入力した氏名・生年月日・性別・住所と一致する方がいません。" in text_of(nobody)
    assert 'href="#field-gender"' in empty.text and "性別を選択してください" in text_of(empty)
    assert (count(db_session, NoticeRegistration), count(db_session, AuditEntry)) == before

    delete = f"{NOTICES}registrations/{registration.id}/delete"
    assert "本人通知の登録を解除しました。" in flashed(clerk, post_form(clerk, delete, {}, token_from=NOTICES))
    assert count(db_session, NoticeRegistration) == 0
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == [AuditAction.NOTICE_REGISTERED, AuditAction.NOTICE_UNREGISTERED]
    entries = db_session.scalars(select(AuditEntry)).all()
    assert "山田" not in str([(e.target, e.before, e.after) for e in entries])  # ids only in the audit log


def test_approvers_and_residents_have_no_notice_pages(client: FlaskClient, make_client: Any) -> None:
    assert make_client("staff", "staff-mihon-approver").get(NOTICES).status_code == 403
    login(client, "resident", "resident-yamada")
    assert client.get(NOTICES).status_code in (302, 403)


# -- tenancy --------------------------------------------------------------------------------------------------------


def test_another_municipality_never_sees_nor_changes_a_notice(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    register(make_client("staff", "staff-mihon-clerk"))
    issued_on_behalf(client, make_client, THIRD_PARTY)
    [notice] = db_session.scalars(select(PersonalNotice)).all()
    [registration] = db_session.scalars(select(NoticeRegistration)).all()
    shiken = make_client("staff", "staff-shiken-clerk")
    before = (count(db_session, AuditEntry), count(db_session, NoticeRegistration))

    page = text_of(shiken.get(NOTICES))
    posted = post_form(shiken, f"{NOTICES}{notice.id}/posted", {}, token_from=NOTICES)
    assert "この本人通知は見つかりません。" in flashed(shiken, posted)
    removed = post_form(shiken, f"{NOTICES}registrations/{registration.id}/delete", {}, token_from=NOTICES)
    assert "この登録は見つかりません。" in flashed(shiken, removed)
    registered = register(shiken)  # 試験町's records do not hold 山田 太郎

    assert "山田" not in page and "郵送待ちの本人通知はありません。" in page and "登録している方はいません。" in page
    assert "一致する方がいません" in text_of(registered)
    db_session.expire_all()
    assert db_session.get(PersonalNotice, notice.id).posted_at is None
    assert (count(db_session, AuditEntry), count(db_session, NoticeRegistration)) == before
