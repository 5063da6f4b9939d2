"""Email notifications end to end: a resident registers an address through the link sent to it, then the mail sink
receives 受付, 差戻し (with the reason), 交付, 完了 and 却下 and the staff's messages; the clerk who acted receives
the resident's resubmission and reply. Every email names the 受付番号, the procedure and a link, and nothing
personal: no name, address, phone, answers or message text."""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

import itsdangerous.timed
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import MailSettings, Notification, NotificationKind, NotificationState
from tests.web.conftest import PUBLIC_URL, login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    approve_juminhyo,
    fire,
    flashed,
    post_form,
)
from tests.web.mailbox import Mail, Mailbox, register_address

CODE = "999997"
YAMADA = "yamada@example.jp"
SATO = "sato@example.jp"
CLERK = "clerk@mihon.example.jp"  # staff-mihon-clerk's address, from the directory's claims
# What must never be in an email: the applicant's name, reading, address, phone, birthdate and other answers.
PERSONAL = ("山田", "太郎", "ヤマダ", "佐藤", "花子", "千代田", "丸の内", "1234-5678", "1985", "昭和", "employment")


def assert_impersonal(mails: list[Mail], *also: str) -> None:
    for mail in mails:
        text = mail.everything()
        for secret in (*PERSONAL, *also):
            assert secret not in text, (secret, mail.subject)


def case_link(reference: str) -> str:
    return f"{PUBLIC_URL}/{CODE}/applications/{reference}"


def message(client: FlaskClient, page: str, body: str):  # type: ignore[no-untyped-def]
    from tests.web.journeys import hidden_inputs

    form = hidden_inputs(client, page)
    return client.post(f"{page}/messages", data={**form, "body": body})


def test_a_juminhyo_case_tells_the_resident_and_the_clerk_by_email(
    client: FlaskClient, make_client: Any, mailbox: Mailbox, db_session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    login(client, "resident", "resident-yamada")
    register_address(client, mailbox, YAMADA)
    [confirmation] = mailbox.to(YAMADA)
    assert confirmation.subject == "【窓口】メールアドレスの確認"
    assert "/account/notifications/confirm/" in confirmation.links[0]
    assert YAMADA not in confirmation.links[0]  # the link names the address by a signed digest only
    page = client.get("/account/notifications").text
    assert YAMADA in page and "確認待ち" not in page
    mailbox.clear()

    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    [received] = mailbox.to(YAMADA)
    assert received.subject == f"【見本市】申請を受け付けました（受付番号 {reference}）"
    assert "住民票の写しの交付請求" in received.body and reference in received.body
    assert case_link(reference) in received.links
    assert received.message["Auto-Submitted"] == "auto-generated"

    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    reason = "電話番号がつながりませんでした。確認のうえ再提出してください。"
    fire(clerk, reference, "return_to_applicant", reason)
    returned = mailbox.to(YAMADA)[-1]
    assert returned.subject == f"【見本市】申請が差し戻されました（受付番号 {reference}）"
    assert reason in returned.body and case_link(reference) in returned.links

    corrected = post_form(client, f"/{CODE}/applications/{reference}/correct", JUMINHYO_ANSWERS)
    assert corrected.status_code == 302
    [resubmitted] = mailbox.to(CLERK)  # the clerk who returned it
    assert resubmitted.subject == f"【窓口】差し戻した申請が再提出されました（受付番号 {reference}）"
    assert f"{PUBLIC_URL}/backoffice/submissions/{reference}" in resubmitted.links

    # The conversation: each side is told of the other's message, never what it says.
    note = "念のため、ご本人確認書類の写しは不要です。"
    assert message(clerk, f"/backoffice/submissions/{reference}", note).status_code == 303
    told = mailbox.to(YAMADA)[-1]
    assert told.subject == f"【見本市】担当者からメッセージが届きました（受付番号 {reference}）"
    reply = "承知しました。山田です。電話は 090-0000-1111 にお願いします。"
    assert message(client, f"/{CODE}/applications/{reference}", reply).status_code == 303
    replied = mailbox.to(CLERK)[-1]
    assert replied.subject == f"【窓口】申請者からメッセージが届きました（受付番号 {reference}）"

    clerk = approve_juminhyo(make_client, reference, clerk="staff-mihon-clerk", approver="staff-mihon-approver")
    assert fire(clerk, reference, "issue").status_code == 302
    issued = mailbox.to(YAMADA)[-1]
    assert issued.subject == f"【見本市】交付しました（受付番号 {reference}）"

    assert mailbox.subjects(YAMADA) == [
        f"【見本市】申請を受け付けました（受付番号 {reference}）",
        f"【見本市】申請が差し戻されました（受付番号 {reference}）",
        f"【見本市】担当者からメッセージが届きました（受付番号 {reference}）",
        f"【見本市】交付しました（受付番号 {reference}）",
    ]  # nothing for the steps between staff (審査, 決裁), nor for the resident's own acts
    assert len(mailbox.to(CLERK)) == 2 and len(mailbox.received()) == 6
    assert_impersonal(mailbox.received(), note, reply, "090-0000-1111")
    logged = "\n".join(record.getMessage() for record in caplog.records)  # the portal's, the worker's, the sink's
    assert YAMADA not in logged and CLERK not in logged and reason not in logged

    db_session.expire_all()
    outbox = db_session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(n.kind, n.state, n.attempts) for n in outbox][-6:] == [
        (NotificationKind.RECEIVED, NotificationState.SENT, 1),
        (NotificationKind.RETURNED, NotificationState.SENT, 1),
        (NotificationKind.RESUBMITTED, NotificationState.SENT, 1),
        (NotificationKind.STAFF_MESSAGE, NotificationState.SENT, 1),
        (NotificationKind.RESIDENT_MESSAGE, NotificationState.SENT, 1),
        (NotificationKind.ISSUED, NotificationState.SENT, 1),
    ]


def test_sodai_gomi_tells_of_completion_and_of_a_rejection_with_its_reason(
    client: FlaskClient, make_client: Any, mailbox: Mailbox
) -> None:
    login(client, "resident", "resident-sato")
    register_address(client, mailbox, SATO)
    first = apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    second = apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    from tests.web.journeys import COLLECTION_DAY, collection_date

    assert (
        fire(clerk, first, "complete", "玄関前にお出しください。", **collection_date(COLLECTION_DAY)).status_code == 302
    )
    reason = "収集できない品目が含まれています。"
    assert fire(clerk, second, "reject", reason).status_code == 302
    subjects = mailbox.subjects(SATO)
    assert f"【見本市】手続きが完了しました（受付番号 {first}）" in subjects
    assert f"【見本市】申請は却下されました（受付番号 {second}）" in subjects
    [rejected] = [mail for mail in mailbox.to(SATO) if second in mail.subject and "却下" in mail.subject]
    assert reason in rejected.body
    assert_impersonal(mailbox.received())


def test_a_resident_who_opts_out_or_removes_the_address_gets_nothing(
    client: FlaskClient, make_client: Any, mailbox: Mailbox, db_session: Session
) -> None:
    login(client, "resident", "resident-yamada")
    register_address(client, mailbox, YAMADA)
    off = post_form(
        client, "/account/notifications/preferences", {"language": "ja"}, token_from="/account/notifications"
    )
    assert "お知らせの設定を保存しました。" in flashed(client, off)
    mailbox.clear()
    apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert mailbox.received() == []

    on = post_form(
        client,
        "/account/notifications/preferences",
        {"enabled": "on", "language": "ja"},
        token_from="/account/notifications",
    )
    assert on.status_code == 303
    apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    assert len(mailbox.to(YAMADA)) == 1

    removed = post_form(client, "/account/notifications/remove", {}, token_from="/account/notifications")
    assert "メールアドレスを削除しました" in flashed(client, removed)
    db_session.expire_all()
    settings = db_session.get_one(MailSettings, db_session.scalars(select(MailSettings.resident_id)).one())
    assert settings.address is None and settings.pending_address is None
    mailbox.clear()
    apply(client, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "copies": "1"})
    assert mailbox.received() == []


def test_emails_come_in_the_language_the_resident_chose(client: FlaskClient, mailbox: Mailbox) -> None:
    login(client, "resident", "resident-yamada")
    client.get("/?lang=en")
    register_address(client, mailbox, YAMADA)
    assert mailbox.to(YAMADA)[0].subject == "[Madoguchi] Confirm your email address"
    mailbox.clear()
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    [received] = mailbox.to(YAMADA)
    assert received.subject == f"[見本市] We have received your application (reference {reference})"
    assert "Request for a copy of the resident record" in received.body and "Reference number" in received.body
    assert f"{case_link(reference)}?lang=en" in received.links


def test_an_address_is_checked_and_nothing_is_sent_for_a_bad_one(
    client: FlaskClient, mailbox: Mailbox, db_session: Session
) -> None:
    login(client, "resident", "resident-yamada")
    for typed, error in (
        ("", "メールアドレスを入力してください。"),
        ("yamada at example.jp", "メールアドレスの形式が正しくありません。"),
        ("yamada@example.jp\nBcc: victim@example.jp", "メールアドレスの形式が正しくありません。"),
        ("a" * 250 + "@example.jp", "メールアドレスは254文字以内で入力してください。"),
    ):
        page = post_form(
            client, "/account/notifications/address", {"address": typed}, token_from="/account/notifications"
        )
        assert page.status_code == 200 and error in page.text
        assert 'aria-invalid="true"' in page.text and 'href="#field-address"' in page.text  # marked, and summarised
    assert mailbox.received() == []
    assert db_session.scalars(select(MailSettings)).all() == []
    # Full-width input is taken as typed by hand on a Japanese keyboard.
    entered = post_form(
        client,
        "/account/notifications/address",
        {"address": "ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ"},
        token_from="/account/notifications",
    )
    assert entered.status_code == 303
    assert len(mailbox.to(YAMADA)) == 1


def confirmation_path(mailbox: Mailbox, address: str) -> str:
    return "/" + mailbox.to(address)[-1].links[0].split("/", 3)[3]


def enter(client: FlaskClient, address: str):  # type: ignore[no-untyped-def]
    return post_form(
        client, "/account/notifications/address", {"address": address}, token_from="/account/notifications"
    )


def test_only_the_latest_link_opened_by_its_own_resident_confirms_an_address(
    client: FlaskClient, make_client: Any, mailbox: Mailbox, db_session: Session, monkeypatch: Any
) -> None:
    login(client, "resident", "resident-yamada")
    enter(client, YAMADA)
    first = confirmation_path(mailbox, YAMADA)

    # Opening the link shows what would be registered and changes nothing: a mail scanner fetching it confirms nothing.
    assert YAMADA in client.get(first).text
    db_session.expire_all()
    assert db_session.scalars(select(MailSettings)).one().address is None

    # Another resident holding the link (a forwarded email) cannot use it, nor a tampered one.
    sato = make_client("resident", "resident-sato")
    refused = post_form(sato, first, {}, token_from="/account/notifications")
    assert "この確認用のリンクは使えません。" in flashed(sato, refused)
    tampered = first[:-3] + ("AAA" if not first.endswith("AAA") else "BBB")
    assert "この確認用のリンクは使えません。" in flashed(client, client.get(tampered))

    # A newer address makes the older link useless.
    monkeypatch.setattr("portal.services.mail_settings.RESEND_AFTER", timedelta(0))
    enter(client, "taro@example.jp")
    assert "この確認用のリンクは使えません。" in flashed(
        client, post_form(client, first, {}, token_from="/account/notifications")
    )
    latest = confirmation_path(mailbox, "taro@example.jp")
    assert "メールアドレスを登録しました。" in flashed(client, post_form(client, latest, {}))
    assert "このメールアドレスは登録済みです。" in flashed(
        client, post_form(client, latest, {}, token_from="/account/notifications")
    )
    db_session.expire_all()
    settings = db_session.scalars(select(MailSettings)).one()
    assert (settings.address, settings.pending_address) == ("taro@example.jp", None)


def test_an_expired_link_confirms_nothing(
    client: FlaskClient, mailbox: Mailbox, db_session: Session, monkeypatch: Any
) -> None:
    login(client, "resident", "resident-yamada")
    enter(client, YAMADA)
    path = confirmation_path(mailbox, YAMADA)
    later = time.time() + 24 * 3600 + 1
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
    expired = client.get(path)
    assert "有効期限（24時間）が切れています" in flashed(client, expired)
    db_session.expire_all()
    assert db_session.scalars(select(MailSettings)).one().address is None


def test_entering_an_address_twice_at_once_sends_one_email(client: FlaskClient, mailbox: Mailbox) -> None:
    login(client, "resident", "resident-yamada")
    assert enter(client, YAMADA).status_code == 303
    assert enter(client, YAMADA).status_code == 303  # a double click
    assert len(mailbox.to(YAMADA)) == 1


def test_confirmation_emails_are_rate_limited_per_person(client: FlaskClient, mailbox: Mailbox) -> None:
    login(client, "resident", "resident-yamada")
    for n in range(5):
        assert enter(client, f"someone{n}@example.jp").status_code == 303
    assert enter(client, "someone5@example.jp").status_code == 429
    assert len(mailbox.received()) == 5
