"""Every read of a case by staff is in the audit log (who, when, what; never the content), and the case's
administrators see its access log, and hold it, on the administration pages; nobody else does."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.attachments import AttachmentRef
from portal.models import AuditEntry, Municipality, Submission
from portal.services import auditchain
from portal.services.actors import ActingUser
from portal.services.submissions import SubmissionService
from portal.storage.base import new_key
from portal.web.current import current_attachments
from tests.web import queuecases
from tests.web.conftest import logged_in
from tests.web.journeys import csrf_token, flashed, issued
from tests.web.test_attachments import DEFINITION, tenpu_portal

CODE = "999997"
CASE = "/backoffice/submissions/{}"
ADMIN_CASE = f"/backoffice/admin/municipalities/{CODE}/cases/{{}}"


def reads(session: Session, case: Submission) -> list[tuple[str, str, str]]:
    """(action, who, target) of the entries about ``case``, oldest first."""
    session.expire_all()
    entries = session.scalars(select(AuditEntry).filter_by(submission_id=case.id).order_by(AuditEntry.id))
    return [(e.action.value, e.actor_name, e.target) for e in entries]


@pytest.fixture
def case(app: Flask, db_session: Session, demo: Any) -> Submission:
    return queuecases.submit(app, db_session, CODE, "juminhyo")


def test_a_case_page_view_is_recorded_without_its_content(
    case: Submission, make_client: Any, db_session: Session
) -> None:
    clerk = make_client("staff", "staff-mihon-clerk")
    assert clerk.get(CASE.format(case.reference)).status_code == 200
    assert reads(db_session, case) == [("case_viewed", "窓口 一郎", f"submission:{case.reference}")]
    entry = db_session.scalars(select(AuditEntry).filter_by(submission_id=case.id)).one()
    assert (entry.municipality_code, entry.actor_kind.value, entry.before, entry.after) == (CODE, "staff", None, None)
    assert isinstance(auditchain.verify(db_session, CODE), auditchain.Verified)


def test_another_municipalitys_case_is_not_found_and_nothing_recorded(
    case: Submission, make_client: Any, db_session: Session
) -> None:
    other = make_client("staff", "staff-shiken-clerk")
    assert other.get(CASE.format(case.reference)).status_code == 404
    assert reads(db_session, case) == []


def test_a_certificate_download_is_recorded(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference, certificate = issued(client, make_client, db_session)
    clerk = make_client("staff", "staff-mihon-clerk")
    assert clerk.get(f"/backoffice/submissions/{reference}/certificate.pdf").status_code == 200
    found = db_session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()
    assert reads(db_session, found)[-1] == (
        "certificate_downloaded",
        "窓口 一郎",
        f"certificate:{certificate.issue_number}",
    )
    # the applicant's own download is theirs, not a staff read
    before = reads(db_session, found)
    assert client.get(f"/{CODE}/applications/{reference}/certificate.pdf").status_code == 200
    assert reads(db_session, found) == before


def test_an_attachment_download_is_recorded(
    build_app: Any, sources: Path, tmp_path: Path, demo: Any, db_session: Session
) -> None:
    portal = tenpu_portal(build_app, sources, tmp_path, DEFINITION)
    photo = b"\x89PNG a photo"
    key = new_key()
    with portal.app_context():
        current_attachments().storage.put(key, photo)
    ref = AttachmentRef(key, "被害の写真.png", "image/png", len(photo), hashlib.sha256(photo).hexdigest())
    definition = queuecases.procedures(portal).published(db_session).definition("tenpu")
    assert definition is not None
    case = SubmissionService(
        db_session, queuecases.procedures(portal), ActingUser.of_resident(queuecases.resident(db_session))
    ).submit(db_session.get_one(Municipality, CODE), definition, {"photos": [ref.to_json()]}, "token-tenpu")
    clerk = logged_in(portal, "staff", "staff-mihon-clerk")
    assert clerk.get(f"/backoffice/submissions/{case.reference}/attachments/{key}").data == photo
    assert clerk.get(f"/backoffice/submissions/{case.reference}/attachments/{'f' * 32}").status_code == 404
    assert reads(db_session, case) == [("attachment_downloaded", "窓口 一郎", f"attachment:{key}")]  # not its name


# -- the administration's page of a case ---------------------------------------------------------------------------


def rows(page: str) -> list[str]:
    """The access log's rows as text: when, who, what."""
    body = page.split("閲覧履歴</h2>", 1)[1]
    found = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in found if "<th" not in row]


def test_the_cases_administrator_sees_who_read_it(case: Submission, make_client: Any, db_session: Session) -> None:
    make_client("staff", "staff-mihon-clerk").get(CASE.format(case.reference))
    make_client("staff", "staff-mihon-approver").get(CASE.format(case.reference))
    admin = make_client("staff", "staff-mihon-admin")
    page = admin.get(ADMIN_CASE.format(case.reference))
    assert page.status_code == 200
    listed = rows(page.text)
    assert [row.split(" ", 2)[2] for row in listed] == [  # after the day and the time
        f"決裁 次郎（職員） 申請の閲覧 申請 {case.reference}",
        f"窓口 一郎（職員） 申請の閲覧 申請 {case.reference}",
    ]
    assert "保存期間" in page.text and "完了から5年" in page.text and "処理中" in page.text
    # the case page links its administrators here, and nobody else
    assert ADMIN_CASE.format(case.reference) in admin.get(CASE.format(case.reference)).text
    assert (
        ADMIN_CASE.format(case.reference)
        not in make_client("staff", "staff-mihon-clerk").get(CASE.format(case.reference)).text
    )


@pytest.mark.parametrize(
    ("sub", "status"),
    [
        ("staff-mihon-clerk", 403),  # no administrator
        ("staff-platform-operator", 403),  # administers every municipality but sees no case
        ("staff-shiken-admin", 404),  # another municipality's administrator
    ],
)
def test_nobody_else_sees_it(case: Submission, make_client: Any, sub: str, status: int) -> None:
    browser = make_client("staff", sub)
    assert browser.get(ADMIN_CASE.format(case.reference)).status_code == status
    assert (
        browser.get(
            f"/backoffice/admin/municipalities/{CODE}/cases", query_string={"reference": case.reference}
        ).status_code
        == status
    )


def test_an_unknown_reference_is_not_found(case: Submission, make_client: Any) -> None:
    admin = make_client("staff", "staff-mihon-admin")
    assert admin.get(ADMIN_CASE.format("2026-999999")).status_code == 404
    found = admin.get(f"/backoffice/admin/municipalities/{CODE}/cases", query_string={"reference": case.reference})
    assert found.status_code == 303 and found.headers["Location"] == ADMIN_CASE.format(case.reference)
    missing = admin.get(f"/backoffice/admin/municipalities/{CODE}/cases", query_string={"reference": "2026-999999"})
    assert missing.status_code == 303 and "その受付番号の申請は見つかりません。" in flashed(admin, missing)


def test_holding_and_releasing_on_the_page(case: Submission, make_client: Any, db_session: Session) -> None:
    admin = make_client("staff", "staff-mihon-admin")
    page = ADMIN_CASE.format(case.reference)
    empty = admin.post(f"{page}/hold", data={"reason": " ", "csrf_token": csrf_token(admin, page)})
    assert empty.status_code == 303 and "保全の理由を入力してください。" in flashed(admin, empty)
    assert reads(db_session, case) == []

    held = admin.post(f"{page}/hold", data={"reason": "審査請求のため", "csrf_token": csrf_token(admin, page)})
    assert held.status_code == 303
    db_session.expire_all()
    assert db_session.get_one(Submission, case.id).legal_hold == "審査請求のため"
    again = admin.post(f"{page}/hold", data={"reason": "重ねて", "csrf_token": csrf_token(admin, page)})
    assert "この申請は既に保全しています。" in flashed(admin, again)
    assert "保全を解除する" in admin.get(page).text

    admin.post(f"{page}/release", data={"reason": "裁決", "csrf_token": csrf_token(admin, page)})
    db_session.expire_all()
    assert db_session.get_one(Submission, case.id).legal_hold is None
    assert [action for action, _who, _target in reads(db_session, case)] == ["legal_hold_set", "legal_hold_cleared"]
    # holds are changes: the municipality's 操作履歴 lists them, while reads stay on each case's page
    admin.get(CASE.format(case.reference))  # a read
    log = rows(admin.get(f"/backoffice/admin/municipalities/{CODE}/audit").text.replace("</form>", "閲覧履歴</h2>"))
    assert [row.split("（職員） ")[1].split(" ")[0] for row in log] == ["保全の解除", "保全"]


def test_a_clerk_cannot_hold(case: Submission, make_client: Any, db_session: Session) -> None:
    clerk = make_client("staff", "staff-mihon-clerk")
    token = csrf_token(clerk, "/backoffice/")
    assert (
        clerk.post(f"{ADMIN_CASE.format(case.reference)}/hold", data={"reason": "x", "csrf_token": token}).status_code
        == 403
    )
    db_session.expire_all()
    assert db_session.get_one(Submission, case.id).legal_hold is None
