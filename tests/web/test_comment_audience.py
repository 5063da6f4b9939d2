"""A comment reaches only the audience its transition was written for: staff notes never reach the resident."""

from __future__ import annotations

import html

from portal.models import TransitionRecord
from portal.workflow import CommentAudience
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, fire, post_form

CODE = "999997"
TO_APPROVER = "本人確認書類の写しを確認済み。決裁をお願いします。"
TO_CLERK = "世帯全員の写しか本人のみか、もう一度確認してください。"
TO_RESIDENT = "電話番号に誤りがあるようです。ご確認ください。"


def test_resident_never_sees_staff_notes_that_the_back_office_marks(client, make_client, db_session):
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    approver = make_client("staff", "staff-mihon-approver")
    page = f"/backoffice/submissions/{reference}"

    # The comment box tells the clerk who will read the comment before anything is written.
    boxes = html.unescape(clerk.get(page).text)
    assert "申請者にも表示されます" not in boxes  # 受付済み: 審査を開始する takes no comment
    assert fire(clerk, reference, "start_review").status_code == 302
    boxes = html.unescape(clerk.get(page).text)
    assert 'id="comment-request_approval-audience">職員のみに表示されます。' in boxes
    assert 'aria-describedby="comment-request_approval-audience"' in boxes
    assert 'id="comment-return_to_applicant-audience">申請者にも表示されます。' in boxes

    assert fire(clerk, reference, "request_approval", TO_APPROVER).status_code == 302
    assert fire(approver, reference, "send_back", TO_CLERK).status_code == 302
    assert fire(clerk, reference, "return_to_applicant", TO_RESIDENT).status_code == 302

    # Each record keeps the audience it was written for.
    audiences = [
        (r.transition, r.comment_visible_to)
        for r in db_session.query(TransitionRecord).order_by(TransitionRecord.id)
        if r.comment
    ]
    assert audiences == [
        ("request_approval", CommentAudience.STAFF),
        ("send_back", CommentAudience.STAFF),
        ("return_to_applicant", CommentAudience.APPLICANT),
    ]

    # The resident's pages: the reason for 差戻し, and no trace of the staff notes.
    resident_pages = [
        html.unescape(client.get(path).text)
        for path in (
            f"/{CODE}/applications/{reference}",
            f"/{CODE}/applications/{reference}/receipt",
            f"/{CODE}/applications/{reference}/correct",
            f"/{CODE}/applications",
        )
    ]
    application, _receipt, correction, _list = resident_pages
    assert TO_RESIDENT in application and f"差戻しの理由：{TO_RESIDENT}" in correction
    for text in resident_pages:
        assert TO_APPROVER not in text and TO_CLERK not in text and "職員のみ" not in text

    # The back office shows all three, the staff-only ones marked.
    staff_page = html.unescape(clerk.get(page).text)
    assert f'<span class="history__audience">職員のみ</span> {TO_APPROVER}' in staff_page
    assert f'<span class="history__audience">職員のみ</span> {TO_CLERK}' in staff_page
    assert f'<p class="history__comment">{TO_RESIDENT}</p>' in staff_page

    # After the resident resubmits, a staff note written later stays hidden too.
    corrected = post_form(client, f"/{CODE}/applications/{reference}/correct", JUMINHYO_ANSWERS)
    assert corrected.status_code == 302
    assert fire(clerk, reference, "start_review").status_code == 302
    assert fire(clerk, reference, "request_approval", "再提出後に確認済み").status_code == 302
    assert "再提出後に確認済み" not in html.unescape(client.get(f"/{CODE}/applications/{reference}").text)
