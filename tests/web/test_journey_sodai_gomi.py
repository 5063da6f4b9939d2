"""粗大ごみ収集 end to end: a resident whose name came unsplit applies, a clerk completes it with the 収集日 and the
case takes its 収集番号; no certificate."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.catalog.datebound import add_months
from portal.japan import jst, wareki
from portal.japan.wareki import format_date
from portal.models import Certificate, Submission, TransitionRecord
from tests.web.conftest import login
from tests.web.journeys import (
    COLLECTION_DAY,
    SODAI_GOMI_ANSWERS,
    apply,
    collection_date,
    db_state,
    fill_in,
    fire,
    post_form,
    refused_comment,
    state_of,
)

CODE = "999997"
APPLY = f"/{CODE}/procedures/sodai_gomi/apply"


def test_resident_splits_their_name_applies_and_sees_the_collection_completed(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-sato")
    form = client.get(APPLY)
    assert "氏と名を分けて入力してください" in form.text
    assert re.search(r'id="field-family_name" name="family_name" value="佐藤花子"', form.text)
    assert re.search(r'id="field-given_name" name="given_name" value=""', form.text)
    assert "東京都千代田区丸の内1-9-1" in form.text

    # Submitting the prefill as it stands is refused: 名 is empty.
    unsplit = post_form(client, APPLY, {**SODAI_GOMI_ANSWERS, "family_name": "佐藤花子", "given_name": ""})
    assert unsplit.status_code == 200 and "名を入力してください" in unsplit.text

    confirm = fill_in(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    assert confirm.headers["Location"] == f"/{CODE}/procedures/sodai_gomi/confirm"
    summary = client.get(confirm.headers["Location"]).text
    assert "ソファ 1点、自転車 2点" in summary and wareki.format_date(COLLECTION_DAY, with_seireki=True) in summary
    reference = apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)

    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.state == "received"
    assert submission.answers["family_name"] == "佐藤" and submission.answers["given_name"] == "花子"
    assert submission.answers["items"] == {"sofa": 1, "bicycle": 2}

    clerk = make_client("staff", "staff-mihon-clerk")
    assert reference in clerk.get("/backoffice/", query_string={"procedure": "sodai_gomi"}).text
    assert reference not in clerk.get("/backoffice/", query_string={"procedure": "juminhyo"}).text
    page = clerk.get(f"/backoffice/submissions/{reference}").text
    assert "ソファ" in page and "受付を完了する" in page
    assert 'id="field-complete-collection_date"' in page and "収集番号" not in page  # not numbered yet

    day = jst.today() + timedelta(days=10)
    shown_day = format_date(day, with_seireki=True)
    note = "午前8時30分までに、玄関前にお出しください。"
    assert fire(clerk, reference, "complete", note, **collection_date(day)).status_code == 302
    assert state_of(db_session, CODE, reference) == "completed"
    assert db_session.scalar(select(func.count()).select_from(Certificate)) == 0
    history = db_session.scalars(select(TransitionRecord).order_by(TransitionRecord.id)).all()
    assert [(r.transition, r.to_state, r.actor_name, r.comment, r.inputs) for r in history] == [
        ("submit", "received", "佐藤花子", None, None),  # who acted: the verified identity, as the provider sent it
        ("complete", "completed", "窓口 一郎", note, {"collection_date": day.isoformat()}),
    ]
    number = f"{jst.today().year}-00001"
    assert db_session.scalars(select(Submission.assigned_number).filter_by(reference=reference)).one() == number

    case = html.unescape(clerk.get(f"/backoffice/submissions/{reference}").text)
    assert "収集番号" in case and number in case and "収集日" in case and shown_day in case

    mine = client.get(f"/{CODE}/applications").text
    assert reference in mine and "粗大ごみ収集の申込" in mine and "完了" in mine
    detail = html.unescape(client.get(f"/{CODE}/applications/{reference}").text)
    assert "受付 → " in detail and "完了" in detail and note in detail
    assert "収集番号" in detail and number in detail and "収集日" in detail and shown_day in detail
    assert "証明書" not in detail and "取り下げる" not in detail  # finished: nothing left to do
    assert client.get(f"/{CODE}/applications/{reference}/certificate.pdf").status_code == 404
    receipt = client.get(f"/{CODE}/applications/{reference}/receipt").text
    assert "収集番号" in receipt and number in receipt


def test_rejecting_a_collection_needs_a_reason(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    login(client, "resident", "resident-sato")
    reference = apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    before = db_state(db_session)

    refused = fire(clerk, reference, "reject", "")
    assert refused_comment(refused, "reject") == "この操作には理由（コメント）の入力が必要です。"
    assert db_state(db_session) == before

    reason = "家電リサイクル法の対象品のため収集できません。"
    assert fire(clerk, reference, "reject", reason).status_code == 302
    assert state_of(db_session, CODE, reference) == "rejected"
    detail = client.get(f"/{CODE}/applications/{reference}").text
    assert "却下" in detail and reason in detail


def test_item_counts_out_of_range_are_refused(client: FlaskClient, db_session: Session) -> None:
    login(client, "resident", "resident-sato")
    before = db_state(db_session)
    for items in ({"items-sofa": "6"}, {"items-sofa": "-1"}, {"items-sofa": "0", "items-bicycle": "0"}):
        response = fill_in(client, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, **items})
        assert response.status_code == 200, items
        assert 'href="#field-items"' in response.text, items
    past = fill_in(client, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, "preferred_date-year": "2000"})
    assert past.status_code == 200 and 'href="#field-preferred_date"' in past.text
    assert db_state(db_session) == before


def test_the_total_rule_is_shown_in_the_error_summary_linking_to_the_items(
    client: FlaskClient, db_session: Session
) -> None:
    """sodai_gomi's rule (at most 10 items in total) is reported at 品目と個数 like the field's own errors."""
    login(client, "resident", "resident-sato")
    before = db_state(db_session)
    eleven = {"items-sofa": "5", "items-bicycle": "5", "items-desk": "1"}
    response = fill_in(client, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, **eleven})
    assert response.status_code == 200
    message = "1回の申込で出せる粗大ごみは合計10点までです。11点以上ある場合は、申込を分けてください。"
    summary = response.text[response.text.index("error-summary") :]
    assert f'<a href="#field-items">{message}</a>' in summary
    assert re.search(r'id="field-items-error"><span class="visually-hidden">エラー：</span>' + message, response.text)
    assert db_state(db_session) == before
    ten = fill_in(client, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, **eleven, "items-desk": "0"})
    assert ten.headers["Location"] == f"/{CODE}/procedures/sodai_gomi/confirm"


def test_the_collection_day_is_at_most_three_months_ahead(client: FlaskClient, db_session: Session) -> None:
    login(client, "resident", "resident-sato")
    before = db_state(db_session)
    latest = add_months(jst.today(), 3)
    hint = f"今日から{latest.year}年{latest.month}月{latest.day}日までの日付"
    assert hint in client.get(f"{APPLY}?page=collection").text
    late = latest + timedelta(days=1)
    day = {"preferred_date-year": str(late.year), "preferred_date-month": str(late.month)}
    response = fill_in(client, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, **day, "preferred_date-day": str(late.day)})
    assert response.status_code == 200
    message = f"収集の希望日は{wareki.format_date(latest)}以前の日付を入力してください"
    assert f'<a href="#field-preferred_date">{message}</a>' in response.text
    assert db_state(db_session) == before
    last = {"preferred_date-year": str(latest.year), "preferred_date-month": str(latest.month)}
    accepted = fill_in(
        client, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, **last, "preferred_date-day": str(latest.day)}
    )
    assert accepted.headers["Location"] == f"/{CODE}/procedures/sodai_gomi/confirm"
