"""住民票の写し end to end: apply with prefill → review → 決裁 by someone else → 交付 → download the PDF."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from portal.japan import jst, wareki
from portal.models import Certificate, TransitionRecord
from portal.services import deadlines
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, fire, post_form, state_of

CODE = "999997"


def test_resident_applies_staff_decide_and_resident_downloads_certificate(client, make_client, db_session):
    # The procedure page explains fee and processing time, and applying asks for a login first.
    page = client.get(f"/{CODE}/procedures/juminhyo")
    assert "300円" in page.text and "3日" in page.text and "申請にはログインが必要です。" in page.text
    start = client.get(f"/{CODE}/procedures/juminhyo/apply")
    assert start.status_code == 302 and "/auth/resident/login" in start.headers["Location"]

    # After the OIDC login the form is prefilled from the identity claims.
    back = login(client, "resident", "resident-yamada", next_path=f"/{CODE}/procedures/juminhyo/apply")
    assert back.headers["Location"] == f"/{CODE}/procedures/juminhyo/apply"
    form = client.get(f"/{CODE}/procedures/juminhyo/apply")
    assert 'value="山田"' in form.text and 'value="ヤマダ"' in form.text
    assert "東京都千代田区千代田1-1" in form.text
    assert "申請にはログインが必要です。" not in client.get(f"/{CODE}/procedures/juminhyo").text  # logged in already

    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    receipt = client.get(f"/{CODE}/applications/{reference}/receipt")
    assert reference in receipt.text
    assert reference in client.get(f"/{CODE}/applications").text

    clerk = make_client("staff", "staff-mihon-clerk")
    approver = make_client("staff", "staff-mihon-approver")
    queue = clerk.get("/backoffice/")
    due = deadlines.due_from(db_session, CODE, jst.today(), 3)  # 標準処理期間 3 開庁日
    assert reference in queue.text and wareki.format_date(due, with_seireki=True) in queue.text

    assert fire(clerk, reference, "start_review").status_code == 302
    assert fire(clerk, reference, "request_approval").status_code == 302
    assert state_of(db_session, CODE, reference) == "awaiting_approval"
    assert fire(approver, reference, "approve").status_code == 302
    assert fire(clerk, reference, "issue").status_code == 302
    assert state_of(db_session, CODE, reference) == "issued"

    # Every step is in the history, with who did it.
    history = db_session.query(TransitionRecord).order_by(TransitionRecord.id).all()
    assert [(r.transition, r.from_state, r.to_state, r.actor_name) for r in history] == [
        ("submit", None, "submitted", "山田 太郎"),
        ("start_review", "submitted", "in_review", "窓口 一郎"),
        ("request_approval", "in_review", "awaiting_approval", "窓口 一郎"),
        ("approve", "awaiting_approval", "approved", "決裁 次郎"),
        ("issue", "approved", "issued", "窓口 一郎"),
    ]

    certificate = db_session.query(Certificate).one()
    detail = client.get(f"/{CODE}/applications/{reference}")
    assert certificate.issue_number in detail.text
    download = client.get(f"/{CODE}/applications/{reference}/certificate.pdf")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.data == certificate.pdf
    assert download.headers["Cache-Control"] == "private, no-store"  # its own policy, kept

    reader = PdfReader(io.BytesIO(download.data))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "山田太郎" in re.sub(r"\s+", "", text)  # IPAmj明朝's letter-spacing comes out as spaces
    assert wareki.format_date(jst.today()) in text
    assert certificate.issue_number in text and certificate.issue_number.startswith(f"{CODE}-")
    fonts = [font.get_object() for page in reader.pages for font in page["/Resources"]["/Font"].values()]
    descriptors = [(f.get("/DescendantFonts") or [f])[0].get_object().get("/FontDescriptor") for f in fonts]
    assert any(
        d is not None and "IPAex" in str(d["/FontName"]) and ("/FontFile2" in d or "/FontFile3" in d)
        for d in (x.get_object() for x in descriptors if x is not None)
    )

    # Staff of the municipality can download it too.
    assert clerk.get(f"/backoffice/submissions/{reference}/certificate.pdf").data == certificate.pdf


def test_return_to_resident_who_corrects_and_resubmits(client, make_client, db_session):
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "電話番号が確認できません。")
    assert state_of(db_session, CODE, reference) == "returned"

    detail = client.get(f"/{CODE}/applications/{reference}")
    assert "差し戻されました" in detail.text
    correction = client.get(f"/{CODE}/applications/{reference}/correct")
    assert "電話番号が確認できません。" in correction.text
    assert 'value="03-1234-5678"' in correction.text

    response = post_form(
        client, f"/{CODE}/applications/{reference}/correct", {**JUMINHYO_ANSWERS, "phone": "０３−９８７６−５４３２"}
    )
    assert response.status_code == 302
    assert state_of(db_session, CODE, reference) == "submitted"
    history = db_session.query(TransitionRecord).order_by(TransitionRecord.id).all()
    assert [r.transition for r in history][-1] == "resubmit"
    from portal.models import Submission

    assert db_session.query(Submission).one().answers["phone"] == "03-9876-5432"


def test_resident_withdraws_before_a_decision(client, db_session):
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    page = f"/{CODE}/applications/{reference}"
    warning = "申請を取り下げると元に戻せません。よろしいですか？"
    assert f'data-confirm="{warning}"' in client.get(page).text  # portal.js asks before sending
    response = post_form(client, f"{page}/transitions/withdraw", {}, token_from=page)
    assert response.status_code == 302
    assert state_of(db_session, CODE, reference) == "withdrawn"
