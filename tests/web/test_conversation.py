"""A case's conversation: the applicant and their municipality's staff write to each other on the case's pages
while it is open; a closed case shows the thread read-only. Nobody else reads or writes it; a bad message is
marked on its field and stores nothing; pressing 送信 twice stores one message."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import CaseMessage, Notification
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, fire, flashed, hidden_inputs

CODE = "999997"


def resident_page(reference: str) -> str:
    return f"/{CODE}/applications/{reference}"


def staff_page(reference: str) -> str:
    return f"/backoffice/submissions/{reference}"


def write(client: FlaskClient, page: str, body: str, **extra: str):  # type: ignore[no-untyped-def]
    """Type ``body`` into the page's message form and press 送信."""
    return client.post(f"{page}/messages", data={**hidden_inputs(client, page), "body": body, **extra})


def messages(db_session: Session) -> list[tuple[str, str]]:
    db_session.expire_all()
    return [(m.author_kind.value, m.body) for m in db_session.scalars(select(CaseMessage).order_by(CaseMessage.id))]


def nothing_written(db_session: Session) -> tuple[int, int]:
    db_session.expire_all()
    count = func.count()
    return (
        db_session.scalar(select(count).select_from(CaseMessage)) or 0,
        db_session.scalar(select(func.count()).select_from(Notification)) or 0,
    )


def applied(client: FlaskClient) -> str:
    login(client, "resident", "resident-yamada")
    return apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)


def test_staff_and_the_applicant_write_to_each_other_on_the_case_pages(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    reference = applied(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    assert "まだメッセージはありません。" in clerk.get(staff_page(reference)).text

    question = "添付の書類について確認させてください。\n<b>1点目</b>：発行日はいつですか？"
    sent = write(clerk, staff_page(reference), question)
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"{staff_page(reference)}#conversation")
    assert "メッセージを送信しました。" in flashed(clerk, sent)

    seen = client.get(resident_page(reference)).text
    # Escaped, its line break kept (the CSS keeps pre-wrap), signed by the municipality rather than the clerk.
    assert "添付の書類について確認させてください。\n&lt;b&gt;1点目&lt;/b&gt;：発行日はいつですか？" in seen
    assert "<b>1点目</b>" not in seen
    assert "見本市 担当者" in seen and "窓口 一郎" not in seen.split('id="conversation"')[1].split("</section>")[0]

    answer = "先月の10日です。"
    assert write(client, resident_page(reference), answer).status_code == 303
    staff_view = html.unescape(clerk.get(staff_page(reference)).text)
    thread = staff_view.split('id="conversation"')[1].split("</section>")[0]
    assert thread.index("窓口 一郎") < thread.index("申請者（山田 太郎）") and answer in thread
    assert messages(db_session) == [("staff", question), ("resident", answer)]


def test_a_double_press_stores_one_message(client: FlaskClient, db_session: Session) -> None:
    reference = applied(client)
    form = hidden_inputs(client, resident_page(reference))
    first = client.post(f"{resident_page(reference)}/messages", data={**form, "body": "一度だけ"})
    assert "メッセージを送信しました。" in flashed(client, first)
    second = client.post(f"{resident_page(reference)}/messages", data={**form, "body": "一度だけ"})
    assert second.status_code == 303 and second.headers["Location"] == first.headers["Location"]
    assert "メッセージを送信しました。" not in flashed(client, second)  # nothing new was sent
    assert messages(db_session) == [("resident", "一度だけ")]


def test_a_bad_message_is_marked_on_its_field_and_nothing_is_stored(client: FlaskClient, db_session: Session) -> None:
    reference = applied(client)
    before = nothing_written(db_session)
    for body, error in (
        ("", "メッセージを入力してください。"),
        ("  \n\t ", "メッセージを入力してください。"),
        ("あ" * 2001, "メッセージは2000文字以内で入力してください。"),
        (
            "見積もり\u202eりもつ見",
            "メッセージに文字の表示順を変える制御文字（U+202E）が含まれています。削除してください",
        ),
        ("ベル\u0007", "メッセージに入力できない制御文字（U+0007）が含まれています。削除してください"),
    ):
        page = write(client, resident_page(reference), body)
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert error in text
        # The resident forms' error pattern: the summary links to the field, marked invalid and described.
        assert 'href="#message-body"' in text and 'id="message-body-error"' in text
        assert re.search(r'<textarea [^>]*id="message-body"[^>]*aria-invalid="true"', text)
        assert re.search(r'aria-describedby="[^"]*message-body-error', text)
    assert nothing_written(db_session) == before
    # What was typed comes back, so nothing has to be typed again.
    page = write(client, resident_page(reference), "あ" * 2001)
    assert "あ" * 2001 in page.text


def test_a_form_without_its_one_time_token_stores_nothing(client: FlaskClient, db_session: Session) -> None:
    reference = applied(client)
    form = hidden_inputs(client, resident_page(reference))
    for token in ("", "forged", "x" * 43 + "!"):
        refused = client.post(
            f"{resident_page(reference)}/messages", data={**form, "message_token": token, "body": "こんにちは"}
        )
        assert refused.status_code == 303
    assert "ページを再読み込みして" in flashed(client, refused)
    assert messages(db_session) == []


def test_a_closed_case_shows_its_thread_read_only(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = applied(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    assert write(client, resident_page(reference), "取り下げるかもしれません。").status_code == 303
    stale = hidden_inputs(clerk, staff_page(reference))  # the clerk's page, open before the case closed
    fire(clerk, reference, "start_review")
    assert fire(clerk, reference, "reject", "申請の要件を満たしていません。").status_code == 302

    for browser, page in ((client, resident_page(reference)), (clerk, staff_page(reference))):
        text = browser.get(page).text
        assert "取り下げるかもしれません。" in text  # still readable
        assert 'name="message_token"' not in text and "この申請は完了しているため" in text
    late = clerk.post(f"{staff_page(reference)}/messages", data={**stale, "body": "遅れて送信"})
    assert "この申請は完了しているため、メッセージを送れません。" in flashed(clerk, late)
    assert messages(db_session) == [("resident", "取り下げるかもしれません。")]


def test_another_resident_can_neither_read_nor_write(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    reference = applied(client)
    form = hidden_inputs(client, resident_page(reference))
    assert write(client, resident_page(reference), "本人のメッセージ").status_code == 303
    sato = make_client("resident", "resident-sato")
    assert sato.get(resident_page(reference)).status_code == 404
    other_form = hidden_inputs(sato, f"/{CODE}/applications")
    posted = sato.post(
        f"{resident_page(reference)}/messages",
        data={"csrf_token": other_form["csrf_token"], "message_token": form["message_token"], "body": "なりすまし"},
    )
    assert posted.status_code == 404
    assert messages(db_session) == [("resident", "本人のメッセージ")]


def test_staff_of_another_municipality_and_the_operator_can_neither_read_nor_write(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    reference = applied(client)
    form = hidden_inputs(client, resident_page(reference))
    for sub, status in (("staff-shiken-clerk", 404), ("staff-platform-operator", 403)):
        staff = make_client("staff", sub)
        assert staff.get(staff_page(reference)).status_code == status
        token = hidden_inputs(staff, "/backoffice/admin/" if status == 403 else "/backoffice/")["csrf_token"]
        posted = staff.post(
            f"{staff_page(reference)}/messages",
            data={"csrf_token": token, "message_token": form["message_token"], "body": "他の自治体から"},
        )
        assert posted.status_code == status
    assert messages(db_session) == []


def test_messages_are_rate_limited_per_person(client: FlaskClient, db_session: Session) -> None:
    reference = applied(client)
    for n in range(10):
        assert write(client, resident_page(reference), f"メッセージ {n}").status_code == 303
    assert write(client, resident_page(reference), "11通目").status_code == 429
    assert len(messages(db_session)) == 10
