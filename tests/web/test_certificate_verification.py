"""Signed certificates end to end: the QR code's page, comparing a PDF, revoking, reissuing, and refusing to
issue without a signing key."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from portal.japan import jst, wareki
from portal.models import Certificate, TransitionRecord
from tests.web.conftest import PUBLIC_URL, login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    apply,
    db_state,
    decide_juminhyo,
    flashed,
    issued,
    post_form,
    state_of,
    verify_path,
)

MIHON, SHIKEN = "999997", "999989"
ADMIN = "staff-mihon-admin"


def without_language_links(page: bytes) -> bytes:
    """The language switch links back to the requested address; the rest of a 404 must not differ."""
    return re.sub(rb'<nav class="language-switch".*?</nav>', b"", page, flags=re.S)


def pdf_text(pdf: bytes, tmp_path: Path, tool: str = "pdftotext") -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    result = subprocess.run([tool, str(path), *(["-"] if tool == "pdftotext" else [])], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_issued_certificate_is_signed_and_points_to_its_verify_page(client, make_client, db_session, tmp_path):
    reference, certificate = issued(client, make_client, db_session)
    download = client.get(f"/{MIHON}/applications/{reference}/certificate.pdf")
    assert download.data == certificate.pdf

    report = pdf_text(certificate.pdf, tmp_path, "pdfsig")
    assert "Signature Validation: Signature is Valid." in report and "ETSI.CAdES.detached" in report
    info = pdf_text(certificate.pdf, tmp_path, "pdfinfo")
    assert re.search(r"^Tagged:\s+yes$", info, re.M) and re.search(r"^Author:\s+見本県見本市$", info, re.M)
    url = f"{PUBLIC_URL}/verify/{certificate.issue_number}?c={certificate.verification_code}"
    assert url in pdf_text(certificate.pdf, tmp_path)
    assert re.fullmatch(r"[A-Z2-7]{24}", certificate.verification_code or "")

    anonymous = client.application.test_client()  # whoever holds the paper: no login
    split = urlsplit(url)
    page = anonymous.get(f"{split.path}?{split.query}")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex">' in page.text
    for shown in (
        "この証明書は有効です。",
        certificate.issue_number,
        wareki.format_date(jst.today(), with_seireki=True),
        "見本県見本市",
    ):
        assert shown in page.text
    assert certificate.sha256 in page.text and "山田 ＊＊" in page.text
    for private in ("太郎", "ヤマダ", "千代田", "03-1234-5678", "受付番号", "昭和60年"):
        assert private not in page.text, private


def test_a_wrong_code_is_the_same_not_found_as_an_unknown_number(client, make_client, db_session):
    _, certificate = issued(client, make_client, db_session)
    anonymous = client.application.test_client()
    number, code = certificate.issue_number, certificate.verification_code
    assert code is not None
    unknown = anonymous.get(f"/verify/{MIHON}-2000-999999?c={code}")
    assert unknown.status_code == 404 and "ページが見つかりません" in unknown.text
    for path in (
        f"/verify/{number}?c={code[:-1]}A" if not code.endswith("A") else f"/verify/{number}?c={code[:-1]}B",
        f"/verify/{number}?c={code.lower()}",
        f"/verify/{number}",
        f"/verify/{number}?c=",
        f"/verify/{SHIKEN}{number[6:]}?c={code}",  # the same code under another municipality's number
        "/verify/x?c=y",
    ):
        response = anonymous.get(path)
        assert response.status_code == 404, path
        assert without_language_links(response.data) == without_language_links(unknown.data), path
        assert response.headers["Cache-Control"] == "no-store"


def test_anyone_can_compare_a_pdf_with_the_issued_one(client, make_client, db_session):
    _, certificate = issued(client, make_client, db_session)
    anonymous = client.application.test_client()
    path = verify_path(certificate)
    before = db_state(db_session)

    def upload(data: bytes | None, to: str = path):  # type: ignore[no-untyped-def]
        """As the page's form posts it: no CSRF token, since comparing changes nothing and needs no session."""
        form = {"pdf": (io.BytesIO(data), "certificate.pdf", "application/pdf")} if data is not None else {}
        return anonymous.post(to, data=form, content_type="multipart/form-data")

    same = upload(certificate.pdf)
    assert same.status_code == 200 and "一致します。" in same.text and "一致しません" not in same.text
    tampered = certificate.pdf.replace(b"/Reason", b"/Raison", 1)
    other = upload(tampered)
    assert other.status_code == 200 and "一致しません。" in other.text
    missing = upload(None)
    assert missing.status_code == 400 and "照合するPDFファイルを選択してください。" in missing.text
    too_big = upload(b"%PDF" + b"0" * (5 * 1024 * 1024))
    assert too_big.status_code == 413
    wrong_code = upload(certificate.pdf, to=f"/verify/{certificate.issue_number}?c=WRONG")
    assert wrong_code.status_code == 404  # not found: never a comparison
    assert 'name="csrf_token"' not in anonymous.get(path).text
    assert anonymous.get_cookie("session") is None  # viewing and comparing leave no session behind
    assert db_state(db_session) == before


def test_a_clerk_cannot_revoke_and_an_admin_must_give_a_reason(client, make_client, db_session):
    reference, certificate = issued(client, make_client, db_session)
    page = f"/backoffice/submissions/{reference}"
    revoke = f"{page}/certificates/{certificate.issue_number}/revoke"
    clerk, admin = make_client("staff", "staff-mihon-clerk"), make_client("staff", ADMIN)
    assert "証明書を失効させる" not in clerk.get(page).text
    before = db_state(db_session)

    assert post_form(clerk, revoke, {"reason": "誤記載"}, token_from=page).status_code == 403
    for reason in ("", "   "):
        refused = post_form(admin, revoke, {"reason": reason}, token_from=page)
        assert "失効の理由を入力してください。" in flashed(admin, refused)
    too_long = post_form(admin, revoke, {"reason": "あ" * 1001}, token_from=page)
    assert "失効の理由は1000文字以内で入力してください。" in flashed(admin, too_long)
    reordered = post_form(admin, revoke, {"reason": "誤記載\u202eのため"}, token_from=page)
    assert "失効の理由に文字の表示順を変える制御文字（U+202E）が含まれています。" in flashed(admin, reordered)
    invisible = post_form(admin, revoke, {"reason": "誤記載\u0007"}, token_from=page)
    assert "失効の理由に入力できない制御文字（U+0007）が含まれています。" in flashed(admin, invisible)
    other_number = post_form(admin, f"{page}/certificates/{MIHON}-2000-000001/revoke", {"reason": "x"}, token_from=page)
    assert "この証明書は既に失効しています。" in flashed(admin, other_number)
    assert post_form(clerk, f"{page}/certificates/reissue", {}, token_from=page).status_code == 403
    assert db_state(db_session) == before


def test_revoking_then_reissuing_gives_a_new_number_and_the_old_one_shows_revoked(client, make_client, db_session):
    reference, old = issued(client, make_client, db_session)
    old_path, old_number = verify_path(old), old.issue_number
    page = f"/backoffice/submissions/{reference}"
    admin = make_client("staff", ADMIN)

    # Reissuing a valid certificate is refused: one valid certificate per submission.
    refused = post_form(admin, f"{page}/certificates/reissue", {}, token_from=page)
    assert "再交付できるのは、失効した証明書だけです。" in flashed(admin, refused)

    revoked = post_form(admin, f"{page}/certificates/{old_number}/revoke", {"reason": "住所の誤記載"}, token_from=page)
    assert f"証明書 {old_number} を失効させました。" in flashed(admin, revoked)
    db_session.expire_all()
    old = db_session.scalars(select(Certificate).filter_by(issue_number=old_number)).one()
    assert old.revoked_at is not None and old.revocation_reason == "住所の誤記載"
    assert old.revoked_by is not None and old.revoked_by.name
    assert state_of(db_session, MIHON, reference) == "issued"

    anonymous = client.application.test_client()
    shown = anonymous.get(old_path)
    assert shown.status_code == 200 and "この証明書は有効です。" not in shown.text
    revoked_on = wareki.format_date(old.revoked_at.astimezone(jst.JST).date())
    assert re.search(rf"この証明書は{revoked_on}[^<]*に失効しています。", shown.text)
    assert "住所の誤記載" not in shown.text  # only 「失効」, not why
    assert client.get(f"/{MIHON}/applications/{reference}/certificate.pdf").status_code == 404
    again = post_form(admin, f"{page}/certificates/{old_number}/revoke", {"reason": "二重"}, token_from=page)
    assert "この証明書は既に失効しています。" in flashed(admin, again)

    reissued = post_form(admin, f"{page}/certificates/reissue", {}, token_from=page)
    db_session.expire_all()
    new = db_session.scalars(select(Certificate).filter_by(submission_id=old.submission_id, revoked_at=None)).one()
    assert f"証明書を再交付しました（発行番号 {new.issue_number}）。" in flashed(admin, reissued)
    assert new.issue_number != old_number and int(new.issue_number[-6:]) == int(old_number[-6:]) + 1
    assert new.verification_code != old.verification_code
    assert anonymous.get(verify_path(new)).status_code == 200
    assert "この証明書は有効です。" in anonymous.get(verify_path(new)).text
    assert "この証明書は有効です。" not in anonymous.get(old_path).text
    assert client.get(f"/{MIHON}/applications/{reference}/certificate.pdf").data == new.pdf

    history = admin.get(page).text
    assert old_number in history and new.issue_number in history and "住所の誤記載" in history


def test_without_a_signing_key_nothing_is_issued_and_the_case_does_not_change(client, make_client, db_session):
    login(client, "resident", "resident-garcia")  # recorded in 試験町, so the case can be decided there
    reference = apply(client, SHIKEN, "juminhyo", JUMINHYO_ANSWERS)
    clerk, response = decide_juminhyo(
        make_client, reference, clerk="staff-shiken-clerk", approver="staff-shiken-approver"
    )
    assert response.status_code == 303
    assert "この自治体の署名鍵が設定されていないため、証明書を発行できません。" in flashed(clerk, response)
    assert state_of(db_session, SHIKEN, reference) == "approved"
    assert db_session.scalars(select(Certificate)).all() == []
    assert [r.transition for r in db_session.scalars(select(TransitionRecord).order_by(TransitionRecord.id))] == [
        "submit",
        "start_review",
        "request_approval",
        "approve",
    ]


@pytest.mark.parametrize("language", ["en"])
def test_the_verify_page_speaks_english_too(client, make_client, db_session, language):
    _, certificate = issued(client, make_client, db_session)
    page = client.application.test_client().get(verify_path(certificate), headers={"Accept-Language": language})
    assert "This certificate is valid." in page.text and "Compare your PDF" in page.text
