"""Counter applications (窓口受付・代行入力): a clerk enters a resident's 住民票 request through the residents' form,
checks and workflow; it is issued with its PDF, listed in the one queue beside online cases, and only clerks of the
municipality may enter, correct or withdraw one."""

from __future__ import annotations

import csv
import io
import re

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import Certificate, Channel, Draft, Notification, Staff, Submission, TransitionRecord
from tests.web.conftest import login
from tests.web.dom import parse
from tests.web.journeys import (
    COUNTER_APPLICANT,
    JUMINHYO_ANSWERS,
    apply,
    csrf_token,
    db_state,
    fire,
    flashed,
    form_pages,
    hidden_inputs,
    post_form,
    state_of,
)
from tests.web.mailbox import Mailbox

CODE = "999997"
COUNTER = "/backoffice/counter"


@pytest.fixture
def clerk(make_client) -> FlaskClient:  # type: ignore[no-untyped-def]
    return make_client("staff", "staff-mihon-clerk")


def counter_pages(client: FlaskClient, slug: str) -> tuple[str, ...]:
    """The counter form's pages: the applicant's identity first, then the procedure's own."""
    return ("counter_applicant", *form_pages(client, slug))


def fill_in(client: FlaskClient, slug: str, answers: dict, pages: tuple[str, ...] | None = None):  # type: ignore[no-untyped-def]
    """Answer the counter's form page by page with 次へ (``pages``, else all of them); the response of the first page
    that does not move on, else the last one's redirect to the confirmation page."""
    path = f"{COUNTER}/{slug}/apply"
    for page in pages or counter_pages(client, slug):
        response = post_form(client, f"{path}?page={page}", {**answers, "action": "next"})
        if response.status_code != 302 or not response.headers["Location"].startswith(f"{path}?page="):
            return response
    return response


def enter(client: FlaskClient, answers: dict | None = None) -> str:
    """Enter a 住民票 request at the counter and submit it; the 受付番号."""
    form = fill_in(client, "juminhyo", {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS, **(answers or {})})
    assert form.status_code == 302 and form.headers["Location"] == f"{COUNTER}/juminhyo/confirm", form.text
    submitted = client.post(f"{COUNTER}/juminhyo/confirm", data=hidden_inputs(client, f"{COUNTER}/juminhyo/confirm"))
    assert submitted.status_code == 302, submitted.text
    match = re.fullmatch(r"/backoffice/submissions/([0-9-]+)", submitted.headers["Location"])
    assert match, submitted.headers["Location"]
    return match.group(1)


def of(db_session: Session, reference: str) -> Submission:
    db_session.expire_all()
    return db_session.scalars(select(Submission).filter_by(municipality_code=CODE, reference=reference)).one()


def test_a_clerk_enters_a_juminhyo_at_the_counter_and_it_is_issued_with_its_pdf(clerk, make_client, db_session):
    home = clerk.get(f"{COUNTER}/")
    assert home.status_code == 200 and "住民票の写しの交付請求" in home.text
    first = clerk.get(f"{COUNTER}/juminhyo/apply")
    assert "申請者（窓口で確認した本人確認情報）" in first.text and 'name="counter_family_name"' in first.text

    # Once the applicant is entered, the procedure's own questions are prefilled from them, as from a login.
    moved = post_form(
        clerk, f"{COUNTER}/juminhyo/apply?page=counter_applicant", {**COUNTER_APPLICANT, "action": "next"}
    )
    assert moved.headers["Location"] == f"{COUNTER}/juminhyo/apply?page=applicant"
    prefilled = clerk.get(moved.headers["Location"]).text
    assert 'value="山田"' in prefilled and 'value="ヤマダ"' in prefilled and "東京都千代田区千代田1-1" in prefilled

    form = fill_in(clerk, "juminhyo", {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS}, counter_pages(clerk, "juminhyo")[1:])
    assert form.headers["Location"] == f"{COUNTER}/juminhyo/confirm"
    confirm = clerk.get(f"{COUNTER}/juminhyo/confirm").text
    assert "入力内容の確認" in confirm and "山田" in confirm and "600円" in confirm
    submitted = clerk.post(f"{COUNTER}/juminhyo/confirm", data=hidden_inputs(clerk, f"{COUNTER}/juminhyo/confirm"))
    reference = submitted.headers["Location"].rsplit("/", 1)[1]
    assert f"窓口での申請を受け付けました（受付番号 {reference}）" in flashed(clerk, submitted)

    made = of(db_session, reference)
    clerk_row = db_session.scalars(select(Staff).filter_by(subject="staff-mihon-clerk")).one()
    assert (made.channel, made.resident_id, made.entered_by_id) == (Channel.COUNTER, None, clerk_row.id)
    assert made.entered_identity == {
        "family_name": "山田",
        "given_name": "太郎",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birthdate": "1985-04-12",
        "gender": "male",
        "postal_code": "1000001",
        "address": "東京都千代田区千代田1-1",
    }
    assert not any(name.startswith("counter_") for name in made.answers)  # the procedure's answers only
    assert (made.payment_method.value, made.fee, made.notify_email) == ("counter", 600, None)
    assert db_session.scalars(select(Notification).filter_by(submission_id=made.id)).all() == []  # no address
    assert db_session.scalars(select(Draft)).all() == []

    # The case page marks it 窓口, names who entered it and the applicant as entered, matched with the record.
    page = parse(clerk.get(f"/backoffice/submissions/{reference}").text)
    assert page.one("h1").one(class_="channel-badge").text() == "窓口"
    text = page.text()
    assert "窓口（窓口 一郎が代行入力）" in text and "窓口で確認した申請者" in text
    assert "昭和60年（1985年）4月12日" in text and "住民記録に、申請者の基本4情報" not in text
    comparison = page.one("table", class_="data-table data-table--cards comparison").one("tbody").text()
    assert "一致" in comparison and "相違あり" not in comparison

    approver = make_client("staff", "staff-mihon-approver")
    for client, transition in ((clerk, "start_review"), (clerk, "request_approval"), (approver, "approve")):
        assert fire(client, reference, transition).status_code == 302
    assert fire(clerk, reference, "issue").status_code == 302  # paid at the counter: no online payment to wait for
    assert state_of(db_session, CODE, reference) == "issued"
    history = db_session.scalars(select(TransitionRecord).order_by(TransitionRecord.id)).all()
    assert [(r.transition, r.actor_name) for r in history][0] == ("submit", "窓口 一郎")

    certificate = db_session.scalars(select(Certificate)).one()
    download = clerk.get(f"/backoffice/submissions/{reference}/certificate.pdf")
    assert download.status_code == 200 and download.data == certificate.pdf
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(download.data)).pages)
    assert "山田太郎" in re.sub(r"\s+", "", text) and certificate.issue_number in text


def _errors(page: str) -> list[tuple[str, str]]:
    summary = parse(page).one(class_="error-summary")
    return [(link["href"] or "", link.text()) for link in summary.find_all("a")]


def test_the_counter_form_checks_and_shows_errors_as_the_residents_does(clerk, client, db_session):
    before = db_state(db_session)
    bad = post_form(
        clerk,
        f"{COUNTER}/juminhyo/apply?page=counter_applicant",
        {**COUNTER_APPLICANT, "counter_family_name": "", "counter_birthdate-month": "13", "counter_notify": "email"},
    )
    assert bad.status_code == 200
    assert _errors(bad.text) == [
        ("#field-counter_family_name", "氏を入力してください"),
        ("#field-counter_birthdate", "生年月日に存在しない日付が入力されています"),
        ("#field-counter_email", "お知らせを送るメールアドレスを入力してください"),
    ]
    assert 'id="field-counter_family_name"' in bad.text and "<title>エラー: " in bad.text

    # A page of the procedure refuses what the resident's refuses, with the same summary and marks.
    wrong = {**JUMINHYO_ANSWERS, "copies": "11", "scope": "everyone", "action": "next"}
    fill_in(clerk, "juminhyo", {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS}, ("counter_applicant", "applicant"))
    at_counter = post_form(clerk, f"{COUNTER}/juminhyo/apply?page=request", wrong)
    login(client, "resident", "resident-yamada")
    online = post_form(client, f"/{CODE}/procedures/juminhyo/apply?page=request", wrong)
    assert at_counter.status_code == online.status_code == 200
    assert _errors(at_counter.text) == _errors(online.text) and len(_errors(online.text)) == 2
    for field in ("field-scope", "field-copies"):
        assert parse(at_counter.text).find_all(id=field) and parse(online.text).find_all(id=field)

    # Online payment and electronic delivery need an account: the counter offers neither, and refuses them sent.
    methods = clerk.get(f"{COUNTER}/juminhyo/apply?page=receipt_and_payment").text
    assert 'value="counter"' in methods and 'value="online"' not in methods and 'value="electronic"' not in methods
    forged = post_form(
        clerk,
        f"{COUNTER}/juminhyo/apply?page=receipt_and_payment",
        {**JUMINHYO_ANSWERS, "payment_method": "online", "receipt_method": "electronic", "action": "next"},
    )
    assert forged.status_code == 200
    assert [href for href, _message in _errors(forged.text)] == ["#field-receipt_method", "#field-payment_method"]
    assert db_state(db_session) == before  # no case, no history, no number


def test_pressing_submit_twice_at_the_counter_makes_one_application(clerk, db_session):
    fill_in(clerk, "juminhyo", {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS})
    data = hidden_inputs(clerk, f"{COUNTER}/juminhyo/confirm")
    first = clerk.post(f"{COUNTER}/juminhyo/confirm", data=data)
    second = clerk.post(f"{COUNTER}/juminhyo/confirm", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert len(db_session.scalars(select(Submission)).all()) == 1


def test_only_clerks_of_the_municipality_enter_or_act_for_counter_applicants(client, clerk, make_client, db_session):
    reference = enter(clerk)
    anonymous = client.get(f"{COUNTER}/juminhyo/apply")
    assert anonymous.status_code == 302 and "/auth/staff/login" in anonymous.headers["Location"]
    for sub in ("staff-mihon-approver", "staff-platform-operator"):  # no clerk role
        other = make_client("staff", sub)
        for path in (f"{COUNTER}/", f"{COUNTER}/juminhyo/apply", f"{COUNTER}/juminhyo/confirm"):
            assert other.get(path).status_code == 403, (sub, path)
    approver = make_client("staff", "staff-mihon-approver")
    assert approver.get(f"/backoffice/submissions/{reference}/correct").status_code == 403
    assert "窓口受付" not in parse(approver.get("/backoffice/").text).one(class_="staff-nav").text()
    assert "窓口受付" in parse(clerk.get("/backoffice/").text).one(class_="staff-nav").text()

    # Another municipality's clerk neither sees the case nor acts for its applicant; its catalog is theirs.
    shiken = make_client("staff", "staff-shiken-clerk")
    before = db_state(db_session)
    assert shiken.get(f"/backoffice/submissions/{reference}").status_code == 404
    assert (
        post_form(
            shiken, f"/backoffice/submissions/{reference}/transitions/withdraw", {}, token_from="/backoffice/"
        ).status_code
        == 404
    )
    assert (
        post_form(
            shiken, f"/backoffice/submissions/{reference}/notify-email/stop", {}, token_from="/backoffice/"
        ).status_code
        == 404
    )
    assert db_state(db_session) == before
    assert clerk.get(f"{COUNTER}/no-such-procedure/apply").status_code == 404


def test_the_queue_lists_both_channels_and_filters_by_either(client, clerk, db_session):
    login(client, "resident", "resident-yamada")
    online = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    at_counter = enter(clerk, {"family_name": "山田", "counter_given_name": "太郎"})

    everything = clerk.get("/backoffice/?view=all").text
    assert online in everything and at_counter in everything
    rows = {row.find_all("td")[1].text(): row for row in parse(everything).one("tbody").find_all("tr")}
    assert rows[at_counter].find_all("td")[3].text() == "窓口" and rows[at_counter].find_all(class_="channel-badge")
    assert rows[online].find_all("td")[3].text() == "オンライン"
    assert rows[at_counter].find_all("td")[4].text() == "山田 太郎"

    only_counter = clerk.get("/backoffice/?view=all&channel=counter").text
    assert at_counter in only_counter and online not in only_counter
    only_online = clerk.get("/backoffice/?view=all&channel=online").text
    assert online in only_online and at_counter not in only_online
    assert at_counter in clerk.get("/backoffice/?view=all&channel=nonsense").text  # an unknown channel: both

    export = clerk.post(
        "/backoffice/queue.csv",
        data={"view": "all", "channel": "counter", "csrf_token": csrf_token(clerk, "/backoffice/")},
    )
    table = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert table[0][:4] == ["受付番号", "手続き", "受付経路", "申請者"]
    assert [row[:3] for row in table[1:]] == [[at_counter, "住民票の写しの交付請求", "窓口"]]


def test_the_clerk_corrects_a_returned_counter_case_or_withdraws_it_for_the_applicant(clerk, db_session):
    reference = enter(clerk)
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "通数を確認してください。")
    page = clerk.get(f"/backoffice/submissions/{reference}").text
    assert f"/backoffice/submissions/{reference}/correct" in page
    assert 'value="resubmit"' not in page  # the correction is the form, not a bare button

    correction = clerk.get(f"/backoffice/submissions/{reference}/correct")
    assert "通数を確認してください。" in correction.text and 'value="03-1234-5678"' in correction.text
    before = db_state(db_session)
    bad = post_form(clerk, f"/backoffice/submissions/{reference}/correct", {**JUMINHYO_ANSWERS, "copies": "0"})
    assert bad.status_code == 200 and "必要な通数は1から10までの数を入力してください" in bad.text
    assert db_state(db_session) == before
    done = post_form(clerk, f"/backoffice/submissions/{reference}/correct", {**JUMINHYO_ANSWERS, "copies": "1"})
    assert done.status_code == 303
    corrected = of(db_session, reference)
    assert (corrected.state, corrected.answers["copies"], corrected.fee) == ("submitted", 1, 300)

    assert (
        post_form(
            clerk,
            f"/backoffice/submissions/{reference}/transitions/withdraw",
            {},
            token_from=f"/backoffice/submissions/{reference}",
        ).status_code
        == 302
    )
    assert state_of(db_session, CODE, reference) == "withdrawn"
    assert clerk.get(f"/backoffice/submissions/{reference}/correct").status_code == 404


def test_an_online_case_is_never_corrected_for_its_resident(client, clerk):
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert clerk.get(f"/backoffice/submissions/{reference}/correct").status_code == 404
    assert "申請者とのメッセージ" in clerk.get(f"/backoffice/submissions/{reference}").text


def test_a_counter_applicant_is_emailed_only_with_consent_and_until_they_stop_it(clerk, db_session, mailbox: Mailbox):
    silent = enter(clerk)
    told = enter(clerk, {"counter_notify": "email", "counter_email": "yamada@example.jp"})
    assert of(db_session, silent).notify_email is None
    assert of(db_session, told).notify_email == "yamada@example.jp"
    [received] = mailbox.received()
    assert received.to == "yamada@example.jp" and told in received.subject
    assert "窓口での申請を受け付けました" in received.body and "申請した窓口" in received.body
    assert received.links == [] and "山田" not in received.everything()  # no page to link to, nothing personal

    page = clerk.get(f"/backoffice/submissions/{told}").text
    assert "メールで知らせることに申請者が同意した" not in page and "あり（申請者が同意）：yamada@example.jp" in page
    assert "申請者とのメッセージ" not in page  # no account to read a conversation with
    stopped = post_form(
        clerk, f"/backoffice/submissions/{told}/notify-email/stop", {}, token_from=f"/backoffice/submissions/{told}"
    )
    assert stopped.status_code == 303 and of(db_session, told).notify_email is None
    fire(clerk, told, "start_review")
    fire(clerk, told, "reject", "住民記録と一致しません。")
    assert len(mailbox.received()) == 1  # the rejection goes to nobody


def test_the_household_question_at_the_counter_does_not_address_the_clerk_as_the_applicant(clerk):
    fill_in(clerk, "juminhyo", {**COUNTER_APPLICANT, **JUMINHYO_ANSWERS}, ("counter_applicant", "applicant"))
    request_page = clerk.get(f"{COUNTER}/juminhyo/apply?page=request").text
    assert "住民記録で同じ世帯の方から選んでください（ご本人を含めて選べます）。" in request_page
    assert "あなた" not in request_page


def test_an_applicant_the_records_do_not_hold_is_told_on_the_form_and_never_certified(clerk, db_session):
    nobody = {**COUNTER_APPLICANT, "counter_family_name": "田中", "counter_family_name_kana": "タナカ"}
    fill_in(clerk, "juminhyo", {**nobody, **JUMINHYO_ANSWERS}, ("counter_applicant", "applicant"))
    request_page = clerk.get(f"{COUNTER}/juminhyo/apply?page=request").text
    assert (
        "入力した申請者の基本4情報（氏名・生年月日・性別・住所）で、住民記録から世帯を確認できませんでした"
        in request_page
    )
    assert "住民記録であなたの世帯を確認できませんでした" not in request_page  # the resident's notice
    assert "住民記録で世帯を確認できないため、世帯の方を選べません。" in request_page  # the field's own hint
    assert "あなた" not in request_page  # the page speaks to the clerk, never as if to the resident

    reference = enter(clerk, {"counter_family_name": "田中", "counter_family_name_kana": "タナカ"})
    page = clerk.get(f"/backoffice/submissions/{reference}").text
    assert "住民記録に、申請者の基本4情報（氏名・生年月日・性別・住所）と一致する方がいません。" in page
    fire(clerk, reference, "start_review")
    before = db_state(db_session)
    refused = fire(clerk, reference, "request_approval")
    assert "住民記録と照合できていない" in flashed(clerk, refused)
    assert db_state(db_session) == before
