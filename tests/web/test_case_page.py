"""The case page: the application first with the decision and history beside it, and the decision made one at a time
— choose the action (a GET, so without JavaScript too), then its fields and comment, then its button — with a refused
comment marked on its textarea the way a resident's form marks a field, and nothing changed."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from portal.japan import jst
from tests.web.conftest import login
from tests.web.dom import Node, parse
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    collection_date,
    db_state,
    fire,
    refused_comment,
    state_of,
)

CODE = "999997"
CLERK = "staff-mihon-clerk"


@pytest.fixture
def in_review(client: FlaskClient, make_client: Any) -> tuple[str, FlaskClient]:
    """山田's 住民票 application, which 見本市's clerk has started to review."""
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", CLERK)
    assert fire(clerk, reference, "start_review").status_code == 302
    return reference, clerk


def case_page(clerk: FlaskClient, reference: str, **query: str) -> Node:
    response = clerk.get(f"/backoffice/submissions/{reference}", query_string=query)
    assert response.status_code == 200
    return parse(html.unescape(response.text))


def steps(page: Node) -> dict[str, bool]:
    """Each action's form in the decision panel → whether it is shown (not hidden)."""
    panel = page.one("section", id="decision")
    return {
        step.attrs["data-decision-step"] or "": "hidden" not in step.attrs
        for step in panel.walk()
        if "data-decision-step" in step.attrs
    }


def shown_steps(page: Node) -> list[str]:
    return [name for name, shown in steps(page).items() if shown]


def choices(page: Node) -> list[tuple[str, str, bool]]:
    """The decision panel's radio list: (value, label, checked)."""
    chooser = page.one("section", id="decision").one("form", method="get")
    return [
        (radio["value"] or "", chooser.one("label", for_=radio["id"] or "").text(), "checked" in radio.attrs)
        for radio in chooser.find_all("input", type="radio")
    ]


def test_the_application_comes_first_and_the_decision_and_history_beside_it(in_review: tuple[str, FlaskClient]) -> None:
    reference, clerk = in_review
    page = case_page(clerk, reference)

    layout = page.one(class_="case-layout")
    main, side = (child for child in layout.children if isinstance(child, Node))
    assert main.classes() == ["case-layout__main"] and side.classes() == ["case-layout__side"]
    headings = [h.text() for h in main.find_all("h2")]
    assert headings[:2] == ["申請内容", "住民記録との照合"]
    assert "山田" in main.text() and "03-1234-5678" in main.text()  # the answers, before anything else
    assert [h.text() for h in side.find_all("h2")] == [
        "操作",
        "担当",
        "内部メモ",
        "経過",
    ]  # the decision first, the history last


def test_several_actions_are_a_radio_list_and_no_form_is_shown_until_one_is_chosen(
    in_review: tuple[str, FlaskClient],
) -> None:
    reference, clerk = in_review
    page = case_page(clerk, reference)

    assert choices(page) == [
        ("request_approval", "決裁に回す", False),
        ("return_to_applicant", "差戻す", False),
        ("reject", "却下する", False),
    ]
    chooser = page.one("section", id="decision").one("form", method="get")
    assert chooser["action"] == f"/backoffice/submissions/{reference}#decision"
    assert chooser.one("button")["type"] == "submit"  # 選んだ操作に進む: works without JavaScript
    assert steps(page) == {"request_approval": False, "return_to_applicant": False, "reject": False}
    assert page.find_all(class_="error-summary") == []


def test_choosing_an_action_shows_its_comment_with_its_audience_and_outcome_then_its_button(
    in_review: tuple[str, FlaskClient],
) -> None:
    reference, clerk = in_review
    page = case_page(clerk, reference, action="return_to_applicant")

    assert ("return_to_applicant", "差戻す", True) in choices(page)
    assert shown_steps(page) == ["return_to_applicant"]
    step = page.one(id="decision-return_to_applicant")
    assert step.one("h3").text() == "差戻す"
    form = step.one("form", method="post")
    assert form["action"] == f"/backoffice/submissions/{reference}/transitions/return_to_applicant"
    assert step.one(class_="transition-form__outcome").text() == "実行すると、状況は「差戻し中」になります。"
    textarea = form.one("textarea", id="comment-return_to_applicant")
    assert textarea["aria-required"] == "true" and "aria-invalid" not in textarea.attrs
    assert textarea["aria-describedby"] == "comment-return_to_applicant-audience"
    assert form.one(id="comment-return_to_applicant-audience").text() == "申請者にも表示されます。"
    assert form.one("button").text() == "差戻す"  # confirming is pressing the action's own button

    staff_note = page.one(id="decision-request_approval")
    assert staff_note.one(id="comment-request_approval-audience").text() == "職員のみに表示されます。"


def test_an_action_that_cannot_be_fired_now_is_not_chosen_and_says_so(in_review: tuple[str, FlaskClient]) -> None:
    reference, clerk = in_review
    for asked in ("approve", "issue", "no_such_action"):
        page = case_page(clerk, reference, action=asked)
        assert shown_steps(page) == []
        assert "選んだ操作は、この申請には現在行えません。" in page.one("section", id="decision").text()
        assert not any(checked for _, _, checked in choices(page))


def test_a_single_action_is_shown_without_choosing(client: FlaskClient, make_client: Any) -> None:
    login(client, "resident", "resident-yamada")
    reference = apply(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    page = case_page(make_client("staff", CLERK), reference)  # 受付済み: only 審査を開始する

    panel = page.one("section", id="decision")
    assert panel.find_all("form", method="get") == []
    assert shown_steps(page) == ["start_review"]
    assert panel.one("button").text() == "審査を開始する"


def test_nothing_to_decide_says_so(in_review: tuple[str, FlaskClient], make_client: Any) -> None:
    reference, _clerk = in_review
    page = case_page(make_client("staff", "staff-mihon-approver"), reference)  # 審査中: the clerk's to decide

    panel = page.one("section", id="decision")
    assert "現在あなたが行える操作はありません。" in panel.text() and panel.find_all("form") == []


@pytest.mark.parametrize("comment", ["", "  \n "])
def test_a_missing_reason_is_marked_on_the_textarea_the_action_stays_chosen_and_nothing_changes(
    in_review: tuple[str, FlaskClient], db_session: Session, comment: str
) -> None:
    reference, clerk = in_review
    before = db_state(db_session)

    refused = fire(clerk, reference, "return_to_applicant", comment)

    assert refused_comment(refused, "return_to_applicant") == "この操作には理由（コメント）の入力が必要です。"
    page = parse(html.unescape(refused.text))
    assert shown_steps(page) == ["return_to_applicant"]
    assert ("return_to_applicant", "差戻す", True) in choices(page)
    field = page.one(id="decision-return_to_applicant").one(class_="field field--error")
    label, *_, textarea = [node for node in field.children if isinstance(node, Node)]
    assert label.tag == "label" and label["for"] == "comment-return_to_applicant"
    assert textarea.tag == "textarea"
    assert textarea["aria-describedby"] == "comment-return_to_applicant-audience comment-return_to_applicant-error"
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "in_review"


def test_a_refused_comment_and_a_refused_field_are_both_marked_in_the_order_asked(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-sato")
    reference = apply(client, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    clerk = make_client("staff", CLERK)
    before = db_state(db_session)
    yesterday = collection_date(jst.today() - timedelta(days=1))

    refused = fire(clerk, reference, "complete", "玄関前に\u202eお出しください。", **yesterday)

    page = parse(html.unescape(refused.text))
    links = [(a["href"], a.text()) for a in page.one(class_="error-summary").find_all("a")]
    assert [href for href, _ in links] == ["#field-complete-collection_date", "#comment-complete"]
    assert refused_comment(refused, "complete").startswith("コメントに文字の表示順を変える制御文字（U+202E）")
    assert page.one("textarea", id="comment-complete").text() == "玄関前に\u202eお出しください。"  # kept
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "received"


def test_a_decision_made_after_a_refusal_goes_through(in_review: tuple[str, FlaskClient], db_session: Session) -> None:
    reference, clerk = in_review
    fire(clerk, reference, "return_to_applicant", "")

    assert fire(clerk, reference, "return_to_applicant", "電話番号をご確認ください。").status_code == 302
    assert state_of(db_session, CODE, reference) == "returned"
