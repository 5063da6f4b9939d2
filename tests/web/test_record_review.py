"""The clerk reviews an application against the 住民記録; without a match it cannot be approved;
世帯の一部 is chosen from the household as recorded (no JavaScript needed)."""

from __future__ import annotations

import html
import re

from portal.models import Submission
from tests.web.conftest import login
from tests.web.journeys import JUMINHYO_ANSWERS, apply, db_state, fill_in, fire, flashed, state_of

CODE = "999997"
NO_RECORD = "住民記録と照合できていないため、この操作はできません。差戻しまたは却下してください。"
TANAKA_ANSWERS = {
    **JUMINHYO_ANSWERS,
    "family_name": "田中",
    "given_name": "次郎",
    "family_name_kana": "タナカ",
    "given_name_kana": "ジロウ",
    "birthdate-year": "55",
    "birthdate-month": "1",
    "birthdate-day": "1",
}


def page_of(client, reference: str) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(client.get(f"/backoffice/submissions/{reference}").text)


def row(page: str, label: str) -> str:
    """The comparison table's row for ``label``, its cells' text joined by |."""
    found = re.search(rf'<tr[^>]*>\s*<th scope="row">{label}</th>(.*?)</tr>', page, re.S)
    assert found, label
    return "|".join(
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    )


def test_the_case_page_shows_what_the_typed_name_changes_against_the_record(client, make_client):
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "given_name": "太朗"})
    page = page_of(make_client("staff", "staff-mihon-clerk"), reference)

    assert row(page, "氏名") == "山田 太朗|山田 太郎|相違あり"
    assert re.search(r'<tr class="is-different-row">\s*<th scope="row">氏名</th>', page)  # colour repeats the text
    assert row(page, "住所") == "東京都千代田区千代田1-1|東京都千代田区千代田一丁目1番|一致"
    assert row(page, "生年月日").endswith("|一致") and row(page, "性別").startswith("男")
    assert "（ログイン時の本人確認情報）" in row(page, "性別")  # the form does not ask 性別
    for member in ("山田 太郎", "山田 優子", "山田 翔太"):
        assert member in page
    # The application first, then its match with the record, then (beside them) the decision.
    assert page.index("<h2>申請内容</h2>") < page.index("<h2>住民記録との照合</h2>") < page.index(">操作</h2>")
    assert "/transitions/start_review" in page


def test_without_a_match_the_case_cannot_be_approved_but_is_returned_with_a_reason(client, make_client, db_session):
    login(client, "resident", "resident-tanaka")
    reference = apply(client, CODE, "juminhyo", TANAKA_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    assert fire(clerk, reference, "start_review").status_code == 302

    page = page_of(clerk, reference)
    assert "住民記録に、申請者の基本4情報（氏名・生年月日・性別・住所）と一致する方がいません。" in page
    assert "/transitions/request_approval" not in page  # no button to press
    assert "/transitions/return_to_applicant" in page and "/transitions/reject" in page

    before = db_state(db_session)
    forced = fire(clerk, reference, "request_approval")
    assert forced.status_code == 303 and NO_RECORD in flashed(clerk, forced)
    assert db_state(db_session) == before

    reason = "住民記録と一致しません。住所と生年月日をご確認のうえ、窓口にお越しください。"
    assert fire(clerk, reference, "return_to_applicant", reason).status_code == 302
    assert state_of(db_session, CODE, reference) == "returned"
    assert reason in html.unescape(client.get(f"/{CODE}/applications/{reference}").text)


def test_household_members_are_checkboxes_of_the_recorded_household(client, make_client, db_session):
    login(client, "resident", "resident-yamada")
    form = html.unescape(client.get(f"/{CODE}/procedures/juminhyo/apply?page=request").text)
    boxes = re.findall(r'<input class="choice__input" type="checkbox" id="[^"]+" name="members" value="([^"]+)"', form)
    assert boxes == ["P0001", "P0002", "P0003", "P0011", "P0012"]  # a plain form: nothing here needs JavaScript
    assert "山田 優子（妻）" in form and "山田 翔太（子）" in form

    answers = {**JUMINHYO_ANSWERS, "scope": "partial", "members": ["P0003", "P0002"]}
    assert fill_in(client, CODE, "juminhyo", answers).status_code == 302
    confirm = html.unescape(client.get(f"/{CODE}/procedures/juminhyo/confirm").text)
    assert "山田 優子（妻）、山田 翔太（子）" in confirm
    reference = apply(client, CODE, "juminhyo", answers)
    submission = db_session.query(Submission).filter_by(reference=reference).one()
    assert submission.answers["members"] == ["P0002", "P0003"]

    page = page_of(make_client("staff", "staff-mihon-clerk"), reference)
    assert page.count("請求あり") == 2 and "山田 優子（妻）、山田 翔太（子）" in page


def test_a_person_from_another_household_is_refused_and_nothing_is_kept(client, db_session):
    login(client, "resident", "resident-yamada")
    before = db_state(db_session)
    answers = {**JUMINHYO_ANSWERS, "scope": "partial", "members": ["P0002", "P0004"]}  # P0004: 佐藤 花子

    response = fill_in(client, CODE, "juminhyo", answers)

    assert response.status_code == 200
    assert "必要な方は世帯の方の一覧から選んでください" in html.unescape(response.text)
    assert 'href="#field-members"' in response.text
    assert client.get(f"/{CODE}/procedures/juminhyo/confirm").status_code == 302  # not confirmable
    assert db_state(db_session) == before


def test_a_resident_without_a_record_is_told_and_cannot_pick_members(client, db_session):
    login(client, "resident", "resident-tanaka")
    form = html.unescape(client.get(f"/{CODE}/procedures/juminhyo/apply?page=request").text)
    assert "住民記録であなたの世帯を確認できませんでした。" in form
    assert 'name="members"' not in form and "世帯の方を選べません" in form

    before = db_state(db_session)
    answers = {**TANAKA_ANSWERS, "scope": "partial", "members": ["P0001"]}
    response = fill_in(client, CODE, "juminhyo", answers)
    assert "住民記録で世帯を確認できないため、必要な方を選べません" in html.unescape(response.text)
    assert db_state(db_session) == before
