"""What staff fill when firing a transition (sodai_gomi's 収集日) and the number a workflow gives a case: asked on
the case page like a resident's form, refused with the form's errors and nothing changed, kept with the history,
shown to whom the workflow says, taken once per case from a series without gaps, and printed by certificates."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.japan.wareki import format_date
from portal.models import Certificate, NamedSequence, Submission, TransitionRecord
from tests.web.catalogcopy import edit
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    approve_juminhyo,
    collection_date,
    db_state,
    fire,
    flashed,
    state_of,
)

MIHON, SHIKEN = "999997", "999989"
CLERK = "staff-mihon-clerk"
DATE_ID = "field-complete-collection_date"
TOMORROW = jst.today() + timedelta(days=1)


def case_page(client: FlaskClient, reference: str) -> str:
    return html.unescape(client.get(f"/backoffice/submissions/{reference}").text)


def numbers(db_session: Session) -> dict[str, str | None]:
    db_session.expire_all()
    return {
        reference: number
        for reference, number in db_session.execute(select(Submission.reference, Submission.assigned_number))
    }


def series(db_session: Session) -> list[tuple[str, str, int, int]]:
    db_session.expire_all()
    rows = db_session.execute(
        select(NamedSequence.municipality_code, NamedSequence.name, NamedSequence.year, NamedSequence.last_value)
    )
    return sorted(tuple(row) for row in rows)


@pytest.fixture
def gomi(client: FlaskClient, make_client: Any) -> tuple[str, FlaskClient]:
    """A 粗大ごみ application by 佐藤 (logged in on ``client``) and 見本市's clerk."""
    login(client, "resident", "resident-sato")
    return apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS), make_client("staff", CLERK)


def test_the_case_page_asks_the_fields_the_way_residents_forms_do(gomi: tuple[str, FlaskClient]) -> None:
    reference, clerk = gomi
    page = case_page(clerk, reference)

    complete = page[page.index('transitions/complete"') : page.index('transitions/reject"')]
    assert '<legend class="field__legend">収集日<span class="badge badge--required">※必須</span></legend>' in complete
    assert f'aria-describedby="{DATE_ID}-hint"' in complete and "今日以降の日付" in complete
    assert f'id="{DATE_ID}" name="collection_date-era"' in complete
    for part in ("year", "month", "day"):
        assert f'id="{DATE_ID}-{part}" name="collection_date-{part}"' in complete
    assert "「受付を完了する」の入力内容は申請者にも表示されます。" in complete
    assert "collection_date" not in page[page.index('transitions/reject"') :]  # 却下 asks for a reason only
    assert "error-summary" not in page


BAD_DATES = {
    "missing": ({}, "収集日を入力してください"),
    "incomplete": ({**collection_date(TOMORROW), "collection_date-day": ""}, "収集日の年・月・日をすべて入力してください"),
    "not digits": ({**collection_date(TOMORROW), "collection_date-month": "十二"}, "収集日の年・月・日は数字で入力してください"),
    "no such day": ({**collection_date(TOMORROW), "collection_date-month": "2", "collection_date-day": "30"}, "収集日に存在しない日付が入力されています"),
    "yesterday": (collection_date(jst.today() - timedelta(days=1)), f"収集日は{format_date(jst.today())}以降の日付を入力してください"),
    "control character": ({**collection_date(TOMORROW), "collection_date-day": "1\u202e"}, "収集日に文字の表示順を変える制御文字（U+202E）が含まれています"),
}  # fmt: skip


@pytest.mark.parametrize(("inputs", "message"), BAD_DATES.values(), ids=BAD_DATES.keys())
def test_each_bad_input_is_shown_on_the_case_page_and_nothing_changes(
    gomi: tuple[str, FlaskClient], db_session: Session, inputs: dict[str, str], message: str
) -> None:
    reference, clerk = gomi
    before = db_state(db_session)

    response = fire(clerk, reference, "complete", "玄関前にお出しください。", **inputs)

    assert response.status_code == 200
    page = html.unescape(response.text)
    assert re.search(r"<title>エラー: ", page)
    start = page.index('class="error-summary"')
    summary = page[start : page.index("</ul>", start)]
    assert f'<a href="#{DATE_ID}">{message}' in summary
    assert f'id="{DATE_ID}-error"' in page and f'id="{DATE_ID}" name="collection_date-era" aria-invalid="true"' in page
    for name, value in inputs.items():  # what was typed stays, and the comment with it
        assert f'name="{name}"' in page and (f'value="{value}"' in page or f'value="{value}" selected' in page)
    assert ">玄関前にお出しください。</textarea>" in page
    assert db_state(db_session) == before
    assert state_of(db_session, MIHON, reference) == "received"


def test_valid_inputs_are_kept_with_the_history_and_shown_to_staff_and_applicant(
    gomi: tuple[str, FlaskClient], client: FlaskClient, db_session: Session
) -> None:
    reference, clerk = gomi
    day = jst.today() + timedelta(days=3)

    assert fire(clerk, reference, "complete", **collection_date(day)).status_code == 302

    record = db_session.scalars(select(TransitionRecord).filter_by(transition="complete")).one()
    assert record.inputs == {"collection_date": day.isoformat()} and record.comment is None
    shown = f"収集日</dt><dd>{format_date(day, with_seireki=True)}</dd>"
    staff_page = case_page(clerk, reference)
    assert shown in staff_page and "職員のみ" not in staff_page
    assert shown in html.unescape(client.get(f"/{MIHON}/applications/{reference}").text)


def test_inputs_the_workflow_keeps_among_staff_are_hidden_from_the_applicant(
    catalog: Callable[..., Result], sources: Path, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    edit(sources / "workflows/sodai_gomi.yaml", "comment_visible_to: applicant  #", "comment_visible_to: staff  #")
    assert catalog("publish").exit_code == 0
    login(client, "resident", "resident-sato")
    reference = apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS)
    clerk = make_client("staff", CLERK)
    assert "「受付を完了する」の入力内容は職員のみに表示されます。" in case_page(clerk, reference)

    assert fire(clerk, reference, "complete", "裏口に回ってください", **collection_date(TOMORROW)).status_code == 302

    shown = format_date(TOMORROW, with_seireki=True)
    staff_page = case_page(clerk, reference)
    history = staff_page[staff_page.index('class="history"') :]
    assert '<span class="history__audience">職員のみ</span>' in history and shown in history
    mine = html.unescape(client.get(f"/{MIHON}/applications/{reference}").text)
    assert "収集日" not in mine and shown not in mine and "裏口に回ってください" not in mine
    number = numbers(db_session)[reference]
    assert number is not None and number in mine  # the number is the applicant's to quote


def test_numbers_follow_each_other_without_gaps_and_a_refused_transition_takes_none(
    client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    login(client, "resident", "resident-sato")
    first, second, rejected = (apply(client, MIHON, "sodai_gomi", SODAI_GOMI_ANSWERS) for _ in range(3))
    clerk, approver = make_client("staff", CLERK), make_client("staff", "staff-mihon-approver")
    year = jst.today().year

    assert fire(clerk, first, "complete", **collection_date(TOMORROW)).status_code == 302
    assert numbers(db_session)[first] == f"{year}-00001"
    before = db_state(db_session)
    # Pressed again (a double click, a retried request): refused by the state, the case keeps its one number.
    again = fire(clerk, first, "complete", **collection_date(TOMORROW))
    assert "この申請は既に完了しているため、これ以上操作できません。" in flashed(clerk, again)
    # Someone who may not complete it, and bad input: neither takes a number.
    assert "この操作を行う権限がありません。" in flashed(
        approver, fire(approver, second, "complete", **collection_date(TOMORROW))
    )
    assert fire(clerk, second, "complete", **collection_date(jst.today() - timedelta(days=1))).status_code == 200
    # 却下 assigns nothing.
    assert fire(clerk, rejected, "reject", "家電リサイクル法の対象品です。").status_code == 302
    assert db_state(db_session)[3] == before[3] == ((MIHON, "sodai_gomi", year, 1),)

    assert fire(clerk, second, "complete", **collection_date(TOMORROW)).status_code == 302
    assert numbers(db_session) == {first: f"{year}-00001", second: f"{year}-00002", rejected: None}
    assert series(db_session) == [(MIHON, "sodai_gomi", year, 2)]


def juminhyo_numbered_on_issue(sources: Path, catalog: Callable[..., Result]) -> None:
    """Publish a juminhyo workflow whose 交付 asks how the certificate is delivered and numbers the case first."""
    workflow = sources / "workflows/juminhyo.yaml"
    edit(workflow, "title: 住民票の写しの交付\n", 'title: 住民票の写しの交付\nnumbering: {name: kofu, label: 交付番号, format: "J{year}-{n:04d}"}\n')  # fmt: skip
    edit(
        workflow,
        "    effects: [issue_certificate]\n",
        "    effects: [issue_certificate, assign_number]\n"
        "    fields:\n"
        "      - {name: delivery, type: select, label: 交付方法, options: [{value: counter, label: 窓口}, {value: mail, label: 郵送}]}\n",  # fmt: skip
    )
    assert catalog("publish").exit_code == 0


def test_a_certificate_prints_the_number_and_what_was_filled(
    catalog: Callable[..., Result], sources: Path, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    juminhyo_numbered_on_issue(sources, catalog)
    login(client, "resident", "resident-yamada")
    reference = apply(client, MIHON, "juminhyo", JUMINHYO_ANSWERS)
    clerk = approve_juminhyo(make_client, reference, clerk=CLERK, approver="staff-mihon-approver")

    refused = fire(clerk, reference, "issue", delivery="fax")
    assert refused.status_code == 200 and "交付方法は選択肢から選んでください" in html.unescape(refused.text)
    assert db_session.scalars(select(Certificate)).all() == [] and series(db_session) == []

    assert fire(clerk, reference, "issue", delivery="mail").status_code == 302

    certificate = db_session.scalars(select(Certificate)).one()
    number = f"J{jst.today().year}-0001"
    assert certificate.context is not None
    assert (certificate.context["number"], certificate.context["inputs"]) == (number, {"issue": {"delivery": "mail"}})
    assert numbers(db_session)[reference] == number
    assert "交付番号" in case_page(clerk, reference)


def test_an_issue_refused_after_the_number_was_taken_gives_it_back(
    catalog: Callable[..., Result], sources: Path, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    juminhyo_numbered_on_issue(sources, catalog)
    login(client, "resident", "resident-garcia")  # recorded in 試験町, which has no signing key
    reference = apply(client, SHIKEN, "juminhyo", JUMINHYO_ANSWERS)
    clerk = approve_juminhyo(make_client, reference, clerk="staff-shiken-clerk", approver="staff-shiken-approver")
    before = db_state(db_session)

    response = fire(clerk, reference, "issue", delivery="counter")

    assert "この自治体の署名鍵が設定されていないため、証明書を発行できません。" in flashed(clerk, response)
    assert db_state(db_session) == before
    assert numbers(db_session)[reference] is None and series(db_session) == []
