"""Requests for someone else (代理人, 法定代理人, 第三者) end to end: the resident applies with the document the basis
needs, the clerk sees it at the top of the case page and confirms it was checked, and the certificate certifies
the person's record, never the requester's. Refusals show why and change nothing."""

from __future__ import annotations

import html
import io
import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Certificate, DemoPerson, PersonalNotice, Submission
from tests.unit.attachments import files
from tests.unit.test_certificates_render import flat, pdf_pages
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    csrf_token,
    date_inputs,
    db_state,
    fire,
    flashed,
    hidden_inputs,
    post_form,
    receipt_reference,
    state_of,
)

MIHON = "999997"
APPLY = f"/{MIHON}/procedures/juminhyo/apply"
CONFIRM = f"/{MIHON}/procedures/juminhyo/confirm"
REQUESTER = f"{APPLY}?page=requester"
CLERK, APPROVER = "staff-mihon-clerk", "staff-mihon-approver"
CHECKED = {"requester_checked": "on"}

# 佐藤 花子 (resident-sato) asks; her own details on the first page.
SATO = {
    "family_name": "佐藤",
    "given_name": "花子",
    "family_name_kana": "サトウ",
    "given_name_kana": "ハナコ",
    **date_inputs("birthdate", date(1990, 12, 1)),
    "postal_code": "100-0005",
    "address": "東京都千代田区丸の内1-9-1",
    "phone": "090-1111-2222",
}
# 山田 太郎 (P0001 in the demo records) as a requester types him: the record spells his address 千代田一丁目1番.
YAMADA = {
    "person_family_name": "山田",
    "person_given_name": "太郎",
    **date_inputs("person_birthdate", date(1985, 4, 12)),
    "person_gender": "male",
    "person_postal_code": "100-0001",
    "person_address": "東京都千代田区千代田1-1",
}
REQUEST = {key: JUMINHYO_ANSWERS[key] for key in ("scope", "copies", "purpose", "receipt_method", "payment_method")}
DELEGATE = {"request_by": "delegate", "person_relationship": "知人", **YAMADA}


def pdf_upload(name: str = "ininjo.pdf") -> tuple[io.BytesIO, str]:
    return io.BytesIO(files.pdf()), name


def text_of(response: Any) -> str:
    return html.unescape(response.text)


def fill(client: FlaskClient, requester: dict[str, Any], request: dict[str, Any] | None = None, **uploads: Any):  # type: ignore[no-untyped-def]
    """Answer every page as ``client``'s resident, the requester page with ``requester`` and the files ``uploads``
    (field → (stream, name)); returns the first response that does not move on, else the last page's."""
    pages = [
        ("applicant", SATO),
        ("requester", requester),
        ("request", {**REQUEST, **(request or {})}),
        ("receipt_and_payment", REQUEST),
    ]
    for page, answers in pages:
        path = f"{APPLY}?page={page}"
        data = {**answers, "action": "next", "csrf_token": csrf_token(client, path)}
        if page == "requester":
            data.update(uploads)
        response = client.post(path, data=data, content_type="multipart/form-data")
        if response.status_code != 302 or not response.headers["Location"].startswith(f"{APPLY}?page="):
            return response
    return response


def apply_for(
    client: FlaskClient, requester: dict[str, Any], request: dict[str, Any] | None = None, **uploads: Any
) -> str:
    done = fill(client, requester, request, **uploads)
    assert done.status_code == 302 and done.headers["Location"] == CONFIRM, text_of(done)
    return receipt_reference(MIHON, client.post(CONFIRM, data=hidden_inputs(client, CONFIRM)))


def approve(make_client: Any, reference: str) -> FlaskClient:
    """Review (the documents checked), 決裁 by another member of staff; returns the clerk, ready to issue."""
    clerk, approver = make_client("staff", CLERK), make_client("staff", APPROVER)
    assert fire(clerk, reference, "start_review").status_code == 302
    assert fire(clerk, reference, "request_approval", **CHECKED).status_code == 302
    assert fire(approver, reference, "approve").status_code == 302
    return clerk


def latest_certificate(db_session: Session) -> Certificate:
    db_session.expire_all()
    return db_session.scalars(select(Certificate).order_by(Certificate.id.desc())).first()


# -- 代理人 with a 委任状 -----------------------------------------------------------------------------------------


def test_a_delegate_with_a_power_of_attorney_gets_the_persons_certificate(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    login(client, "resident", "resident-sato")
    reference = apply_for(client, DELEGATE, power_of_attorney=pdf_upload())

    clerk = make_client("staff", CLERK)
    page = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    banner = re.search(r'<section class="notice notice--warning requester-banner".*?</section>', page, re.S)
    assert banner, "no banner on the case page"
    shown = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", banner.group(0)))
    for expected in (
        "代理人による請求",
        "請求者",
        "佐藤花子",
        "代理人（委任状があります）",
        "山田 太郎",
        "昭和60年（1985年）4月12日",
        "東京都千代田区千代田1-1",
        "知人",
        "委任状",
        "ininjo.pdf",
    ):
        assert expected in shown, expected
    [link] = re.findall(r'href="([^"]+)" download>ininjo.pdf', banner.group(0))
    download = clerk.get(link)
    assert download.status_code == 200 and download.data == files.pdf()
    # The record compared is the person's: no difference but the address's spelling, which matches.
    assert "（対象の方）" in page and "（申請者）" not in page

    assert fire(clerk, reference, "start_review").status_code == 302
    before = db_state(db_session)
    unchecked = fire(clerk, reference, "request_approval")
    assert unchecked.status_code == 200  # shown again with the box marked, nothing changed
    assert "委任状を確認しました" in text_of(unchecked) and "にチェックを入れてください" in text_of(unchecked)
    assert db_state(db_session) == before
    assert fire(clerk, reference, "request_approval", **CHECKED).status_code == 302
    assert "確認済み" in text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert fire(make_client("staff", APPROVER), reference, "approve").status_code == 302
    assert fire(clerk, reference, "issue").status_code == 302

    assert state_of(db_session, MIHON, reference) == "issued"
    certificate = latest_certificate(db_session)
    text = flat(pdf_pages(certificate.pdf, tmp_path)[0])
    assert "山田太郎" in text and "東京都千代田区千代田一丁目1番" in text  # the person as recorded
    assert "佐藤" not in text and "丸の内" not in text  # never the requester, on the 写し or its context
    assert [p["name"]["given"] for p in certificate.context["record"]["persons"]] == ["太郎"]
    assert "佐藤" not in str(certificate.context)


def test_the_applicants_own_request_is_unchanged_and_asks_no_check(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply_for(client, {"request_by": "self"}, **{})
    clerk = make_client("staff", CLERK)
    assert "requester-banner" not in clerk.get(f"/backoffice/submissions/{reference}").text
    assert fire(clerk, reference, "start_review").status_code == 302
    assert fire(clerk, reference, "request_approval").status_code == 302  # no box to tick


def test_a_delegate_without_the_power_of_attorney_is_asked_for_it_and_nothing_is_submitted(
    client: FlaskClient, db_session: Session
) -> None:
    login(client, "resident", "resident-sato")
    refused = fill(client, DELEGATE)

    assert refused.status_code == 200
    page = text_of(refused)
    assert "委任状のファイルを添付してください" in page and 'href="#field-power_of_attorney"' in page
    assert client.get(CONFIRM).headers["Location"] == REQUESTER  # the draft cannot be confirmed
    assert db_session.scalars(select(Submission)).all() == []


def test_someone_else_cannot_have_part_of_the_requesters_household(client: FlaskClient, db_session: Session) -> None:
    login(client, "resident", "resident-sato")
    refused = fill(client, DELEGATE, {"scope": "partial"}, power_of_attorney=pdf_upload())

    assert refused.status_code == 200
    assert "ご本人以外の方の請求では「世帯の一部」は選べません。" in text_of(refused)
    assert db_session.scalars(select(Submission)).all() == []


# -- 法定代理人 -----------------------------------------------------------------------------------------------------


def test_a_parent_gets_the_childs_certificate_with_the_document_that_shows_it(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    """山田 太郎 asks, as 親権者, for his son 翔太 (P0003)."""
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
    missing = fill(client, son)
    assert "法定代理人であることを証する書類のファイルを添付してください" in text_of(missing)
    reference = apply_for(client, son, representation_document=pdf_upload("koseki.pdf"))

    clerk = make_client("staff", CLERK)
    page = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert (
        "法定代理人による請求" in page and "法定代理人（親権者・成年後見人）（親権者）" in page and "koseki.pdf" in page
    )
    assert fire(clerk, reference, "start_review").status_code == 302
    unchecked = fire(clerk, reference, "request_approval")
    assert "法定代理人であることを証する書類を確認しました" in text_of(unchecked)
    assert fire(clerk, reference, "request_approval", **CHECKED).status_code == 302
    assert fire(make_client("staff", APPROVER), reference, "approve").status_code == 302
    assert fire(clerk, reference, "issue").status_code == 302

    text = flat(pdf_pages(latest_certificate(db_session).pdf, tmp_path)[0])
    assert "山田翔太" in text and "平成30年5月5日生" in text


# -- 第三者 (住民基本台帳法第12条の3) ------------------------------------------------------------------------------

THIRD_PARTY = {
    "request_by": "third_party",
    "person_relationship": "債権者",
    "third_party_reason": "own_rights",
    "third_party_purpose": "貸金の返還を求める訴訟のため、地方裁判所に提出します。",
    **YAMADA,
}


def test_a_third_party_gets_the_basic_items_only(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Any
) -> None:
    login(client, "resident", "resident-sato")
    household = fill(client, THIRD_PARTY, {"scope": "household"})
    assert "第三者による請求では「本人のみ」を選んでください。" in text_of(household)
    domicile = fill(client, THIRD_PARTY, {"items": ["honseki"]})
    assert "第三者による請求では、本籍・筆頭者と続柄は記載できません。" in text_of(domicile)
    reference = apply_for(client, THIRD_PARTY)

    clerk = make_client("staff", CLERK)
    page = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert "第三者による請求" in page and "貸金の返還を求める訴訟のため" in page and "債権者" in page
    assert fire(clerk, reference, "start_review").status_code == 302
    assert "住民基本台帳法第12条の3に当たることを確認しました" in text_of(fire(clerk, reference, "request_approval"))
    assert fire(clerk, reference, "request_approval", **CHECKED).status_code == 302
    assert fire(make_client("staff", APPROVER), reference, "approve").status_code == 302
    assert fire(clerk, reference, "issue").status_code == 302

    text = flat(pdf_pages(latest_certificate(db_session).pdf, tmp_path)[0])
    assert "山田太郎" in text and text.count("省略") == 3  # 続柄, 本籍, 筆頭者


# -- the person is not in the records -----------------------------------------------------------------------------


def test_a_person_the_records_do_not_know_cannot_be_approved(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-sato")
    reference = apply_for(client, {**DELEGATE, "person_given_name": "次郎"}, power_of_attorney=pdf_upload())
    clerk = make_client("staff", CLERK)
    assert fire(clerk, reference, "start_review").status_code == 302

    page = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert "住民記録に、請求された対象の方の氏名・生年月日・性別・住所と一致する方がいません。" in page
    before = db_state(db_session)
    refused = fire(clerk, reference, "request_approval", **CHECKED)
    assert "住民記録と照合できていないため" in flashed(clerk, refused)
    assert db_state(db_session) == before


def test_issuing_for_a_person_gone_from_the_records_is_refused_and_nothing_changes(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-sato")
    reference = apply_for(client, DELEGATE, power_of_attorney=pdf_upload())
    clerk = approve(make_client, reference)
    move_away(db_session)
    before = db_state(db_session)

    refused = fire(clerk, reference, "issue")

    shown = flashed(clerk, refused)
    assert "住民記録と照合できていないため、この操作はできません。" in shown
    assert "住民記録に、請求された対象の方の氏名・生年月日・性別・住所と一致する方がいません。" in shown
    assert state_of(db_session, MIHON, reference) == "approved"
    assert db_state(db_session) == before
    assert db_session.scalars(select(PersonalNotice)).all() == []


def test_a_reissue_for_a_person_gone_from_the_records_is_refused_by_the_issue_itself(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    """A reissue has no review to guard it: the certificate's own reading of the record refuses."""
    login(client, "resident", "resident-sato")
    reference = apply_for(client, DELEGATE, power_of_attorney=pdf_upload())
    assert fire(approve(make_client, reference), reference, "issue").status_code == 302
    certificate = latest_certificate(db_session)
    admin, page = make_client("staff", "staff-mihon-admin"), f"/backoffice/submissions/{reference}"
    revoke = f"{page}/certificates/{certificate.issue_number}/revoke"
    assert post_form(admin, revoke, {"reason": "記載誤り"}, token_from=page).status_code == 302
    move_away(db_session)
    before = db_state(db_session)

    refused = post_form(admin, f"{page}/certificates/reissue", {}, token_from=page)

    assert "請求された対象の方を住民記録で確認できない" in flashed(admin, refused)
    assert db_state(db_session) == before


def move_away(db_session: Session) -> None:
    """山田 太郎's record corrected after the 決裁: the person typed for him is nobody now."""
    person = db_session.scalars(select(DemoPerson).filter_by(municipality_code=MIHON, person_id="P0001")).one()
    person.birthdate = date(1985, 4, 13)
    db_session.flush()


def test_the_residents_own_request_keeps_nothing_typed_for_someone_else(
    client: FlaskClient, db_session: Session
) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply_for(client, {"request_by": "self", **YAMADA, "person_given_name": "偽名"})
    db_session.expire_all()
    answers = db_session.scalars(select(Submission.answers).filter_by(reference=reference)).one()
    assert answers["request_by"] == "self"
    assert not {key for key in answers if key.startswith("person_")}  # hidden: neither asked nor stored
