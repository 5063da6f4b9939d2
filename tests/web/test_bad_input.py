"""Every bad input gets a clear answer on the page and changes nothing in the database.

Form errors come back as the same form (200) with the DADS error summary linking to each invalid field;
refused actions (missing CSRF token, transitions not allowed now) leave state and history untouched and
tell the user why — never a 500.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Submission
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    db_state,
    fill_in,
    fire,
    flashed,
    post_form,
    refused_comment,
    state_of,
)

CODE = "999997"
APPLY = f"/{CODE}/procedures/juminhyo/apply"


@pytest.fixture
def resident(client: FlaskClient) -> FlaskClient:
    login(client, "resident", "resident-yamada")
    return client


# -- the application form ------------------------------------------------------------------------


def _invalid_ids(page: str) -> set[str]:
    return set(re.findall(r'<input[^>]*id="([^"]+)"[^>]*aria-invalid="true"', page)) | set(
        re.findall(r'<(?:select|textarea)[^>]*id="([^"]+)"[^>]*aria-invalid="true"', page)
    )


def _summary_links(page: str) -> list[str]:
    summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
    assert summary, "no error summary on the page"
    return re.findall(r'href="#(field-[a-z_]+)"', summary.group(0))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"family_name_kana": "やまだ1"}, "family_name_kana", "氏（フリガナ）は全角カタカナで入力してください"),
        ({"birthdate-era": "heisei", "birthdate-year": "32"}, "birthdate", "生年月日の平成は平成31年4月30日までです"),
        ({"copies": "0"}, "copies", "必要な通数は1から10までの数を入力してください"),
        ({"copies": "11"}, "copies", "必要な通数は1から10までの数を入力してください"),
        ({"copies": "二"}, "copies", "必要な通数は数字で入力してください"),
        ({"phone": "12345"}, "phone", "日中連絡先は市外局番から正しい電話番号を入力してください"),
        ({"postal_code": "12-34"}, "postal_code", "郵便番号は7桁の数字で入力してください"),
        ({"family_name": "山" * 101}, "family_name", "氏は50文字以内で入力してください"),
        ({"purpose": "other"}, "purpose_detail", "使いみちの詳細を入力してください"),
        ({"scope": "everyone"}, "scope", "必要な方"),
        ({"copies": "1" * 5000}, "copies", "必要な通数の数字が長すぎます。15桁以内で入力してください"),
        ({"birthdate-year": "1" * 5000}, "birthdate", "生年月日の数字が長すぎます。4桁以内で入力してください"),
        ({"birthdate-day": "0" * 4301}, "birthdate", "生年月日の数字が長すぎます。4桁以内で入力してください"),
        (
            {"family_name": "山田\u202e"},
            "family_name",
            "氏に文字の表示順を変える制御文字（U+202E）が含まれています。削除してください",
        ),
        (
            {"given_name": "\u2067太郎\u2069"},
            "given_name",
            "名に文字の表示順を変える制御文字（U+2067）が含まれています。削除してください",
        ),
        (
            {"address": "東京都千代田区\u200b千代田1-1"},
            "address",
            "住所に入力できない制御文字（U+200B）が含まれています。削除してください",
        ),
        ({"family_name_kana": "ヤマダ\x1b"}, "family_name_kana", "氏（フリガナ）に入力できない制御文字（U+001B）"),
        ({"address": "東京都\r\n千代田区"}, "address", "住所には改行を入力できません。1行で入力してください"),
        (
            {"family_name": "山田\U0001f600"},
            "family_name",
            "氏に証明書に印字できない文字（U+1F600「\U0001f600」）が含まれています。別の字体で入力してください",
        ),
        ({"address": "東京都千代田区\ue000"}, "address", "住所に証明書に印字できない文字（U+E000「\ue000」）"),
        ({"phone": "03-1234-5678\u202d"}, "phone", "日中連絡先に文字の表示順を変える制御文字（U+202D）"),
    ],
)
def test_malformed_value_is_named_on_the_form_and_nothing_is_submitted(
    resident: FlaskClient, db_session: Session, changes: dict[str, str], field: str, message: str
) -> None:
    before = db_state(db_session)
    response = fill_in(resident, CODE, "juminhyo", {**JUMINHYO_ANSWERS, **changes})

    assert response.status_code == 200
    page = html.unescape(response.text)
    assert _summary_links(page) == [f"field-{field}"]
    assert message in page
    assert f'id="field-{field}-error"' in page
    invalid = _invalid_ids(page)
    if field == "scope":  # radios: the group's fieldset is described by the error
        assert re.search(r'<fieldset[^>]*aria-describedby="[^"]*field-scope-error"', page)
    else:  # a date marks its era, year, month and day
        assert invalid and all(i == f"field-{field}" or i.startswith(f"field-{field}-") for i in invalid)
    # What the resident typed is kept so they can fix it.
    assert all(html.escape(value, quote=True) in response.text for value in changes.values() if value != "everyone")
    assert db_state(db_session) == before
    assert resident.get(f"/{CODE}/procedures/juminhyo/confirm").headers["Location"].startswith(f"{APPLY}?page=")


def test_a_name_reordered_by_a_bidi_control_never_reaches_a_submission(
    resident: FlaskClient, db_session: Session
) -> None:
    """A valid draft stays unconfirmable once the name is edited to carry U+202E: nothing can be submitted."""
    assert fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS).status_code == 302
    before = db_state(db_session)
    response = fill_in(resident, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "family_name": "\u202e田山"})
    assert response.status_code == 200 and _summary_links(response.text) == ["field-family_name"]
    confirm = f"/{CODE}/procedures/juminhyo/confirm"
    assert resident.get(confirm).headers["Location"] == f"{APPLY}?page=applicant"
    assert post_form(resident, confirm, {}, token_from=APPLY).headers["Location"] == f"{APPLY}?page=applicant"
    assert db_state(db_session) == before


def test_item_count_too_long_is_named_and_nothing_is_submitted(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    path = f"/{CODE}/procedures/sodai_gomi/apply"
    response = fill_in(resident, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, "items-bed": "1" * 5000})
    assert response.status_code == 200
    assert _summary_links(response.text) == ["field-items"]
    assert "品目と個数の数字が長すぎます。15桁以内で入力してください" in response.text
    assert "field-items" in _invalid_ids(response.text)
    assert f'value="{"1" * 5000}"' in response.text  # kept so the resident can fix it
    assert db_state(db_session) == before
    assert resident.get(f"/{CODE}/procedures/sodai_gomi/confirm").headers["Location"] == f"{path}?page=collection"


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=60) | st.text("0123456789０１", min_size=4301, max_size=4400))
def test_any_text_in_any_field_is_answered_never_a_500(resident: FlaskClient, text: str) -> None:
    fields = ("family_name", "family_name_kana", "address", "phone", "copies", "birthdate-year", "postal_code")
    response = fill_in(resident, CODE, "juminhyo", {**JUMINHYO_ANSWERS, **dict.fromkeys(fields, text)})
    expected = {400} if "\x00" in text else {200, 302}  # NUL is refused for the whole request
    assert response.status_code in expected, (text, response.status_code)


def test_an_empty_page_names_every_required_field_of_that_page_only(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    response = post_form(resident, APPLY, {})

    assert response.status_code == 200
    page = response.text
    required = ["family_name", "given_name", "family_name_kana", "given_name_kana", "birthdate", "postal_code",
                "address", "phone"]  # fmt: skip
    assert _summary_links(page) == [f"field-{name}" for name in required]
    for label in ("氏を入力してください", "生年月日を入力してください"):
        assert label in page
    assert {"field-family_name", "field-address", "field-phone"} <= _invalid_ids(page)
    assert "<title>エラー: " in page

    second = post_form(resident, f"{APPLY}?page=request", {})
    assert _summary_links(second.text) == ["field-scope", "field-copies", "field-purpose"]
    assert "必要な方を選択してください" in second.text and "使いみちを選択してください" in second.text
    assert db_state(db_session) == before


def test_unknown_form_keys_are_ignored(resident: FlaskClient, db_session: Session) -> None:
    reference = apply(
        resident, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "is_admin": "1", "state": "issued", "resident_id": "99"}
    )
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.state == "submitted"
    assert not {"is_admin", "state", "resident_id"} & submission.answers.keys()


def test_postal_lookup_button_fills_the_address_without_javascript(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    response = post_form(
        resident, APPLY, {**JUMINHYO_ANSWERS, "postal_code": "1000001", "address": "", "lookup": "postal_code"}
    )
    assert response.status_code == 200
    assert 'value="東京都千代田区千代田"' in response.text
    assert "郵便番号から住所を入力しました" in response.text
    assert 'class="error-summary"' not in response.text  # looking up is not submitting
    assert db_state(db_session) == before


def test_postal_lookup_of_unknown_code_says_so(resident: FlaskClient, db_session: Session) -> None:
    before = db_state(db_session)
    response = post_form(resident, APPLY, {**JUMINHYO_ANSWERS, "postal_code": "0000000", "lookup": "postal_code"})
    assert response.status_code == 200
    assert "その郵便番号の住所が見つかりませんでした" in response.text
    assert 'value="東京都千代田区千代田1-1"' in response.text  # the typed address is kept
    assert db_state(db_session) == before


def test_lookup_naming_a_field_that_is_not_a_postal_code_is_a_bad_request(resident: FlaskClient) -> None:
    response = post_form(resident, APPLY, {**JUMINHYO_ANSWERS, "lookup": "phone"})
    assert response.status_code == 400
    assert "送信された内容を処理できませんでした" in response.text


def test_postal_api(client: FlaskClient) -> None:
    found = client.get("/api/postal/1000001")
    assert found.status_code == 200
    assert found.json == {
        "found": True,
        "formatted": "東京都千代田区千代田",
        "prefecture": "東京都",
        "city": "千代田区",
        "town": "千代田",
    }
    for unknown in ("0000000", "abc", "12345678"):
        missing = client.get(f"/api/postal/{unknown}")
        assert missing.status_code == 404 and missing.json == {"found": False}


# -- CSRF ----------------------------------------------------------------------------------------


def test_every_post_without_csrf_token_is_refused(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    login(client, "resident", "resident-yamada")
    returned = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, returned, "start_review")
    fire(clerk, returned, "return_to_applicant", "住所を確認してください。")
    # A draft ready to confirm, so that only the missing token stands in the way.
    assert fill_in(client, CODE, "juminhyo", JUMINHYO_ANSWERS).status_code == 302
    before = db_state(db_session)

    refused = [
        (client, APPLY, JUMINHYO_ANSWERS),
        (client, f"/{CODE}/procedures/juminhyo/confirm", {}),
        (client, f"/{CODE}/applications/{returned}/correct", JUMINHYO_ANSWERS),
        (client, f"/{CODE}/applications/{returned}/transitions/withdraw", {}),
        (clerk, f"/backoffice/submissions/{returned}/transitions/start_review", {}),
        (client, "/auth/logout", {}),
        (clerk, "/auth/logout", {}),
    ]
    for browser, path, data in refused:
        response = browser.post(path, data=data)
        assert response.status_code == 400, path
        assert "安全のため送信を受け付けられませんでした" in response.text, path
        bad_token = browser.post(path, data={**data, "csrf_token": "forged"})
        assert bad_token.status_code == 400, path

    assert db_state(db_session) == before
    # Still logged in: the refused logout did nothing.
    assert client.get(f"/{CODE}/applications").status_code == 200
    assert clerk.get("/backoffice/").status_code == 200


# -- transitions not allowed now -----------------------------------------------------------------


def _submitted(client: FlaskClient) -> str:
    login(client, "resident", "resident-yamada")
    return apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)


def _refused(client: FlaskClient, db_session: Session, response: Any, reason: str) -> None:
    before = db_state(db_session)
    assert response.status_code == 303
    assert reason in flashed(client, response)
    assert db_state(db_session) == before


def test_deciding_twice_is_refused(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    approver = make_client("staff", "staff-mihon-approver")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "request_approval")
    assert fire(approver, reference, "approve").status_code == 302
    before = db_state(db_session)

    again = fire(approver, reference, "approve")
    assert again.status_code == 303
    assert "この申請は現在の状態ではこの操作を行えません" in flashed(approver, again)
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "approved"


def test_reviewer_cannot_approve_their_own_review(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = _submitted(client)
    both = make_client("staff", "staff-mihon-both")
    fire(both, reference, "start_review")
    fire(both, reference, "request_approval")
    page = both.get(f"/backoffice/submissions/{reference}")
    assert "/transitions/approve" not in page.text  # no button for what would be refused
    before = db_state(db_session)

    refused = fire(both, reference, "approve")
    assert refused.status_code == 303
    assert "この申請の審査などを行った職員は、この操作を行えません" in flashed(both, refused)
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "awaiting_approval"

    approver = make_client("staff", "staff-mihon-approver")
    assert fire(approver, reference, "approve").status_code == 302
    assert state_of(db_session, CODE, reference) == "approved"


def test_resident_cannot_fire_a_staff_transition_on_their_own_application(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    reference = _submitted(client)
    page = f"/{CODE}/applications/{reference}"
    before = db_state(db_session)
    review = post_form(client, f"{page}/transitions/start_review", {}, token_from=page)
    assert review.status_code == 303
    assert "この操作を行う権限がありません" in flashed(client, review)
    assert db_state(db_session) == before

    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "request_approval")
    before = db_state(db_session)
    approve = post_form(client, f"{page}/transitions/approve", {}, token_from=page)
    assert approve.status_code == 303
    assert "この操作を行う権限がありません" in flashed(client, approve)
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "awaiting_approval"


def test_clerk_cannot_approve(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "request_approval")
    before = db_state(db_session)
    refused = fire(clerk, reference, "approve")
    assert refused.status_code == 303
    assert "この操作を行う権限がありません" in flashed(clerk, refused)
    assert db_state(db_session) == before


@pytest.mark.parametrize("transition", ["reject", "return_to_applicant"])
@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_required_comment_missing_is_refused(
    client: FlaskClient, make_client: Any, db_session: Session, transition: str, comment: str | None
) -> None:
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    before = db_state(db_session)
    refused = fire(clerk, reference, transition, comment)
    assert refused_comment(refused, transition) == "この操作には理由（コメント）の入力が必要です。"
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "in_review"


def test_over_long_comment_is_refused(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    before = db_state(db_session)
    refused = fire(clerk, reference, "reject", "理" * 2001)
    assert refused_comment(refused, "reject") == "コメントは2000文字以内で入力してください。"
    assert "理" * 2001 + "</textarea>" in refused.text  # kept to be shortened
    assert db_state(db_session) == before


@pytest.mark.parametrize("name", ["explode", "submit", "APPROVE", "start review"])
def test_unknown_transition_is_refused_by_name(
    client: FlaskClient, make_client: Any, db_session: Session, name: str
) -> None:
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    before = db_state(db_session)
    refused = fire(clerk, reference, name)
    assert refused.status_code == 303
    assert f"「{name}」という操作はありません" in flashed(clerk, refused)

    page = f"/{CODE}/applications/{reference}"
    by_resident = post_form(client, f"{page}/transitions/{name}", {}, token_from=page)
    assert f"「{name}」という操作はありません" in flashed(client, by_resident)
    assert db_state(db_session) == before


def test_resident_cannot_correct_an_application_that_was_not_returned(client: FlaskClient, db_session: Session) -> None:
    reference = _submitted(client)
    before = db_state(db_session)
    path = f"/{CODE}/applications/{reference}/correct"
    assert client.get(path).status_code == 404
    response = post_form(client, path, {**JUMINHYO_ANSWERS, "phone": "03-9999-9999"}, token_from=APPLY)
    assert response.status_code == 404
    assert db_state(db_session) == before


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"phone": "abc"}, "phone", "日中連絡先は市外局番から正しい電話番号を入力してください"),
        (
            {"address": "東京都千代田区\u202e1-1"},
            "address",
            "住所に文字の表示順を変える制御文字（U+202E）が含まれています",
        ),
    ],
)
def test_invalid_correction_is_shown_on_the_form_and_changes_nothing(
    client: FlaskClient, make_client: Any, db_session: Session, changes: dict[str, str], field: str, message: str
) -> None:
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "電話番号が確認できません。")
    before = db_state(db_session)
    path = f"/{CODE}/applications/{reference}/correct"
    response = post_form(client, path, {**JUMINHYO_ANSWERS, **changes})
    assert response.status_code == 200
    assert _summary_links(response.text) == [f"field-{field}"]
    assert message in response.text
    assert _invalid_ids(response.text) == {f"field-{field}"}
    assert "電話番号が確認できません。" in response.text  # the reason for the return stays visible
    assert db_state(db_session) == before


# -- characters no keyboard types ----------------------------------------------------------------


def test_nul_character_anywhere_is_a_bad_request(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    """PostgreSQL cannot store NUL and no person types it: refused up front, never a database error."""
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    before = db_state(db_session)

    answers = post_form(client, APPLY, {**JUMINHYO_ANSWERS, "address": "東京都\x00千代田区"})
    comment = fire(clerk, reference, "return_to_applicant", "理由\x00")
    key = post_form(client, APPLY, {**JUMINHYO_ANSWERS, "family\x00name": "山田"})
    for response in (answers, comment, key):
        assert response.status_code == 400
        assert "送信された内容を処理できませんでした" in response.text
    for browser, path in ((client, f"/{CODE}/applications/{reference}%00"), (clerk, "/backoffice/?state=%00"),
                          (clerk, f"/backoffice/submissions/{reference}%00")):  # fmt: skip
        assert browser.get(path).status_code == 400, path
    assert client.get("/99999%00/applications").status_code == 400
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "in_review"


def test_a_return_reason_with_a_bidi_control_is_refused_and_nothing_changes(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    """A reason the resident will read must not reorder itself on their screen (U+202E)."""
    reference = _submitted(client)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    before = db_state(db_session)

    refused = fire(clerk, reference, "return_to_applicant", "電話番号\u202eを確認してください")

    assert refused_comment(refused, "return_to_applicant") == (
        "コメントに文字の表示順を変える制御文字（U+202E）が含まれています。削除してください"
    )
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "in_review"
