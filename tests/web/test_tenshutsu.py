"""転出届 end to end: the persons who move are chosen from the recorded household, the 転出先 is found by its 〒
without JavaScript, staff review and 決裁, and the 転出証明書 prints the persons as the 住民記録 holds them at
交付 with the notified 転出先 and 転出予定日. Bad inputs are field errors with nothing stored."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.japan.wareki import format_date
from portal.models import Certificate, DemoHousehold, DemoPerson, Submission
from portal.records.registry import RecordsSource, build_directory
from portal.web.current import RECORDS_EXTENSION
from tests.unit.records.stub_core import unreachable_url
from tests.unit.test_certificates_render import flat
from tests.web.conftest import login
from tests.web.journeys import (
    MOVING_DAY,
    TENSHUTSU_ANSWERS,
    apply,
    date_inputs,
    db_state,
    decide_juminhyo,
    fill_in,
    fire,
    flashed,
    post_form,
    state_of,
    verify_path,
)
from tests.web.test_certificate_verification import pdf_text

CODE = "999997"
APPLY = f"/{CODE}/procedures/tenshutsu/apply"
# tenshutsu's workflow decides with the same steps and transition names as juminhyo's (審査, 決裁, 交付).
STAFF = {"clerk": "staff-mihon-clerk", "approver": "staff-mihon-approver"}
CERTIFICATION = "上記のとおり転出の届出があったことを証明する。"


def text_of(page: Any) -> str:
    return html.unescape(page.text)


def issued_certificate(db_session: Session, reference: str) -> Certificate:
    db_session.expire_all()
    submission = db_session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()
    return db_session.scalars(select(Certificate).filter_by(submission_id=submission.id)).one()


def test_a_move_is_notified_and_the_certificate_prints_the_recorded_persons(
    client: FlaskClient, make_client: Any, db_session: Session, tmp_path: Path
) -> None:
    assert "3日" in text_of(client.get(f"/{CODE}/procedures/tenshutsu"))
    login(client, "resident", "resident-yamada")
    assert 'value="山田"' in client.get(APPLY).text  # 届出人 prefilled from the login

    # 転出する人: checkboxes of the household as recorded, no JavaScript needed.
    page = text_of(client.get(f"{APPLY}?page=movers"))
    boxes = re.findall(r'<input class="choice__input" type="checkbox" id="[^"]+" name="movers" value="([^"]+)"', page)
    assert boxes == ["P0001", "P0002", "P0003", "P0011", "P0012"]
    assert "山田 優子（妻）" in page and "山田 翔太（子）" in page

    # 転出先: 「住所を検索」 fills the address from the 〒 on the server.
    assert fill_in(client, CODE, "tenshutsu", TENSHUTSU_ANSWERS).status_code == 302  # every page answered
    looked_up = post_form(
        client, f"{APPLY}?page=destination", {**TENSHUTSU_ANSWERS, "new_address": "", "lookup": "new_postal_code"}
    )
    assert looked_up.status_code == 200
    assert 'value="大阪府大阪市北区中之島"' in looked_up.text and "郵便番号から住所を入力しました" in text_of(looked_up)

    reference = apply(client, CODE, "tenshutsu", TENSHUTSU_ANSWERS)
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.answers["movers"] == ["P0002", "P0003"]
    assert submission.answers["moving_date"] == MOVING_DAY.isoformat() and submission.fee == 0
    new_address = submission.answers["new_address"]

    clerk_page = text_of(make_client("staff", STAFF["clerk"]).get(f"/backoffice/submissions/{reference}"))
    assert "山田 優子（妻）、山田 翔太（子）" in clerk_page and new_address in clerk_page
    clerk, issued = decide_juminhyo(make_client, reference, **STAFF)
    assert issued.status_code == 302, issued.text
    assert state_of(db_session, CODE, reference) == "issued"

    certificate = issued_certificate(db_session, reference)
    download = client.get(f"/{CODE}/applications/{reference}/certificate.pdf")
    assert download.status_code == 200 and download.data == certificate.pdf
    assert "Signature Validation: Signature is Valid." in pdf_text(certificate.pdf, tmp_path, "pdfsig")
    text = flat("".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate.pdf)).pages))
    assert "転出証明書" in text and CERTIFICATION in text and certificate.issue_number in text
    for printed in (
        "山田優子",
        "ヤマダユウコ",
        "昭和62年8月23日生",
        "山田翔太",
        "平成30年5月5日生",
        "東京都千代田区千代田一丁目1番",
    ):
        assert printed in text, printed
    assert flat(new_address) in text and flat(format_date(MOVING_DAY)) in text
    assert "山田大翔" not in text and "山田美咲" not in text  # members who stay
    assert [p["relationship"] for p in certificate.context["record"]["persons"]] == ["妻", "子"]

    shown = client.application.test_client().get(verify_path(certificate))
    assert shown.status_code == 200 and "山田 ＊＊" in shown.text and "優子" not in shown.text


@pytest.mark.parametrize(
    ("days", "error"),
    [(15, "転出予定日は{}以前の日付を入力してください"), (-15, "転出予定日は{}以降の日付を入力してください")],
    ids=["15-days-ahead", "15-days-ago"],
)
def test_a_moving_date_beyond_14_days_is_a_field_error(
    client: FlaskClient, db_session: Session, days: int, error: str
) -> None:
    login(client, "resident", "resident-yamada")
    before = db_state(db_session)
    today = jst.today()

    response = fill_in(
        client, CODE, "tenshutsu", {**TENSHUTSU_ANSWERS, **date_inputs("moving_date", today + timedelta(days=days))}
    )

    assert response.status_code == 200
    limit = today + timedelta(days=14 if days > 0 else -14)
    assert error.format(format_date(limit)) in text_of(response)
    assert 'href="#field-moving_date"' in response.text
    assert client.get(f"/{CODE}/procedures/tenshutsu/confirm").headers["Location"] == f"{APPLY}?page=destination"
    assert db_state(db_session) == before


@pytest.mark.parametrize("days", [14, -14, 0])
def test_a_moving_date_within_14_days_either_side_is_accepted(client: FlaskClient, days: int) -> None:
    login(client, "resident", "resident-yamada")
    moved = {**TENSHUTSU_ANSWERS, **date_inputs("moving_date", jst.today() + timedelta(days=days))}
    response = fill_in(client, CODE, "tenshutsu", moved)
    assert response.status_code == 302 and response.headers["Location"] == f"/{CODE}/procedures/tenshutsu/confirm"


@pytest.mark.parametrize(
    ("movers", "error"),
    [
        ([], "転出する人を選択してください"),
        (["P0002", "P0004"], "転出する人は世帯の方の一覧から選んでください"),  # P0004: 佐藤 花子, another household
    ],
    ids=["nobody", "a-person-of-another-household"],
)
def test_the_persons_who_move_must_be_chosen_from_the_household(
    client: FlaskClient, db_session: Session, movers: list[str], error: str
) -> None:
    login(client, "resident", "resident-yamada")
    before = db_state(db_session)

    response = fill_in(client, CODE, "tenshutsu", {**TENSHUTSU_ANSWERS, "movers": movers})

    assert response.status_code == 200
    assert error in text_of(response) and 'href="#field-movers"' in response.text
    assert client.get(f"/{CODE}/procedures/tenshutsu/confirm").headers["Location"] == f"{APPLY}?page=movers"
    assert db_state(db_session) == before


def test_a_reissue_for_a_person_who_left_the_household_is_refused(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    """A reissue has no review to guard it: the 交付's own reading of the record refuses, naming the field."""
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "tenshutsu", TENSHUTSU_ANSWERS)
    assert decide_juminhyo(make_client, reference, **STAFF)[1].status_code == 302
    certificate = issued_certificate(db_session, reference)
    page = f"/backoffice/submissions/{reference}"
    admin = make_client("staff", "staff-mihon-admin")
    revoke = f"{page}/certificates/{certificate.issue_number}/revoke"
    assert post_form(admin, revoke, {"reason": "記載誤り"}, token_from=page).status_code == 302
    moved = db_session.scalars(select(DemoPerson).filter_by(municipality_code=CODE, person_id="P0003")).one()
    moved.household = db_session.scalars(select(DemoHousehold).filter_by(municipality_code=CODE, household_id="H0005")).one()  # fmt: skip
    db_session.flush()
    before = db_state(db_session)

    refused = post_form(admin, f"{page}/certificates/reissue", {}, token_from=page)

    assert (
        "「転出する人」に選ばれた方が申請者の世帯の住民記録にいないため、証明書を発行できません。申請を差戻してください。"
        in flashed(admin, refused)
    )
    assert db_state(db_session) == before


# --- the household cannot be read: the persons who move are typed instead (otherwise: movers_typed) ---------

TYPED_NOTICE = (
    "住民記録であなたの世帯を確認できなかったため、世帯の方を一覧から選ぶ代わりに、氏名などを入力していただきます。"
)
CLERK_NOTICE = "「転出する人」は、申請の時点で住民記録から世帯を確認できなかったため、申請者が入力しました"
NO_RECORD = "住民記録と照合できていないため、この操作はできません。差戻しまたは却下してください。"


def typed(*persons: tuple[str, str, str, str, date, str]) -> dict[str, Any]:
    """The movers_typed group's inputs, a row per (氏, 名, 氏カナ, 名カナ, 生年月日, 続柄), as the form sends them."""
    inputs: dict[str, Any] = {"movers_typed-rows": str(len(persons))}
    for number, (family, given, family_kana, given_kana, born, relationship) in enumerate(persons, start=1):
        row = f"movers_typed-{number}-"
        inputs |= {f"{row}family_name": family, f"{row}given_name": given, f"{row}relationship": relationship}
        inputs |= {f"{row}family_name_kana": family_kana, f"{row}given_name_kana": given_kana}
        inputs |= date_inputs(f"{row}birthdate", born)
    return inputs


CHOSEN = {key: value for key, value in TENSHUTSU_ANSWERS.items() if key != "movers"}
TYPED_WIFE_AND_SON = typed(
    ("山田", "優子", "ヤマダ", "ユウコ", date(1987, 8, 23), "妻"),
    ("山田", "翔太", "ヤマダ", "ショウタ", date(2018, 5, 5), "子"),
)
TANAKA = {**CHOSEN, "family_name": "田中", "given_name": "次郎"}


def test_without_a_recorded_household_the_movers_are_typed_and_the_clerk_cannot_issue(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    """resident-tanaka matches nobody in the 住民記録: the form asks the group; staff see why it cannot go on."""
    login(client, "resident", "resident-tanaka")
    page = text_of(client.get(f"{APPLY}?page=movers"))
    assert TYPED_NOTICE in page and "「世帯の一部」は選べません" not in page
    assert 'name="movers"' not in page and 'name="movers_typed-1-family_name"' in page and "転出する人 1" in page

    before = db_state(db_session)
    missing = fill_in(client, CODE, "tenshutsu", TANAKA)
    assert "転出する人を入力してください" in text_of(missing) and 'href="#field-movers_typed"' in missing.text
    bad_row = fill_in(client, CODE, "tenshutsu", {**TANAKA, **TYPED_WIFE_AND_SON, "movers_typed-2-given_name": ""})
    assert "転出する人 2：名を入力してください" in text_of(bad_row)
    assert 'href="#field-movers_typed-2-given_name"' in bad_row.text
    assert db_state(db_session) == before

    moving = {**TANAKA, **TYPED_WIFE_AND_SON, "movers": ["P0001"]}  # a forged choice is not read: not asked
    assert fill_in(client, CODE, "tenshutsu", moving).status_code == 302
    confirm = text_of(client.get(f"/{CODE}/procedures/tenshutsu/confirm"))
    assert "転出する人 1" in confirm and "優子" in confirm and "翔太" in confirm
    reference = apply(client, CODE, "tenshutsu", moving)
    answers = db_session.scalars(select(Submission).filter_by(reference=reference)).one().answers
    assert "movers" not in answers and [row["given_name"] for row in answers["movers_typed"]] == ["優子", "翔太"]

    clerk = make_client("staff", STAFF["clerk"])
    case = f"/backoffice/submissions/{reference}"
    assert fire_ok(clerk, reference, "start_review")
    page = text_of(clerk.get(case))
    assert CLERK_NOTICE in page and "住民記録に、申請者の基本4情報" in page
    assert "転出する人 2" in page and "翔太" in page  # what was typed, for the counter
    assert "/transitions/request_approval" not in page and "/transitions/return_to_applicant" in page
    before = db_state(db_session)
    forced = fire(clerk, reference, "request_approval")
    assert forced.status_code == 303 and NO_RECORD in flashed(clerk, forced)
    assert db_state(db_session) == before


def test_movers_typed_while_the_records_were_down_are_chosen_from_the_record_after_a_return(
    app: Flask, client: FlaskClient, make_client: Any, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The records do not answer while 山田 太郎 applies; once they do, the clerk returns the notification, he
    chooses the same persons from the record in the correction form, and the certificate is issued."""
    records = app.extensions[RECORDS_EXTENSION]
    monkeypatch.setitem(app.extensions, RECORDS_EXTENSION, build_directory({CODE: RecordsSource("http", unreachable_url(), "t")}))  # fmt: skip
    login(client, "resident", "resident-yamada")
    assert TYPED_NOTICE in text_of(client.get(f"{APPLY}?page=movers"))
    reference = apply(client, CODE, "tenshutsu", {**CHOSEN, **TYPED_WIFE_AND_SON})
    monkeypatch.setitem(app.extensions, RECORDS_EXTENSION, records)  # the core system answers again

    clerk = make_client("staff", STAFF["clerk"])
    assert fire_ok(clerk, reference, "start_review")
    page = text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    assert CLERK_NOTICE in page and "山田 優子" in page  # the household as recorded, beside what was typed
    assert "/transitions/request_approval" not in page
    reason = "住民記録で世帯を確認できました。転出する方を一覧から選び直してください。"
    assert fire_ok(clerk, reference, "return_to_applicant", reason)

    correction = f"/{CODE}/applications/{reference}/correct"
    form = text_of(client.get(correction))
    assert reason in form and TYPED_NOTICE not in form
    assert 'name="movers" value="P0002"' in form and 'name="movers_typed-1-family_name"' not in form
    resubmitted = post_form(client, correction, {**TENSHUTSU_ANSWERS, **TYPED_WIFE_AND_SON})
    assert resubmitted.status_code == 302, resubmitted.text
    db_session.expire_all()
    answers = db_session.scalars(select(Submission).filter_by(reference=reference)).one().answers
    assert answers["movers"] == ["P0002", "P0003"] and "movers_typed" not in answers

    assert CLERK_NOTICE not in text_of(clerk.get(f"/backoffice/submissions/{reference}"))
    _, issued = decide_juminhyo(make_client, reference, **STAFF)
    assert issued.status_code == 302 and state_of(db_session, CODE, reference) == "issued"
    persons = issued_certificate(db_session, reference).context["record"]["persons"]
    assert [p["name"]["given"] for p in persons] == ["優子", "翔太"]


def fire_ok(client: FlaskClient, reference: str, transition: str, comment: str | None = None) -> bool:
    return fire(client, reference, transition, comment).status_code == 302
