"""Submitting exactly once, and 再提出 only with corrected answers (drafts: tests/web/test_drafts.py).

The races themselves (two requests at the same moment) are in tests/web/test_races.py and
tests/db/test_concurrency.py; these are the same requests one after the other, and hostile ones.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.models import Draft, Submission
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    db_state,
    fill_in,
    fire,
    flashed,
    hidden_inputs,
    post_form,
    receipt_reference,
    state_of,
)

CODE = "999997"
CONFIRM = f"/{CODE}/procedures/juminhyo/confirm"
REFUSED_TOKEN = "この確認画面からは申請できません。内容を確認して、もう一度「申請する」を押してください。"


@pytest.fixture
def resident(client: FlaskClient) -> FlaskClient:
    login(client, "resident", "resident-yamada")
    return client


def _count(db_session: Session) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(Submission)) or 0


def _draft(db_session: Session) -> tuple[str, dict[str, Any]] | None:
    """The token and answers of the one draft there is, if any."""
    db_session.expire_all()
    found = db_session.scalars(select(Draft)).one_or_none()
    return (found.submission_token, found.answers) if found else None


# -- 申請する twice --------------------------------------------------------------------------------


def test_pressing_submit_twice_leads_both_presses_to_one_receipt(resident: FlaskClient, db_session: Session) -> None:
    assert fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS).headers["Location"] == CONFIRM
    form = hidden_inputs(resident, CONFIRM)
    before = _count(db_session)

    first = resident.post(CONFIRM, data=form)
    reference = receipt_reference(CODE, first)
    after_first = db_state(db_session)
    second = resident.post(CONFIRM, data=form)  # the draft is gone by now; the token still leads home

    assert receipt_reference(CODE, second) == reference
    assert _count(db_session) == before + 1
    assert db_state(db_session) == after_first
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.submission_token == form["submission_token"]
    assert [r.transition for r in submission.history] == ["submit"]


def test_an_old_confirmation_page_leads_to_its_receipt_and_keeps_the_new_draft(
    resident: FlaskClient, db_session: Session
) -> None:
    fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    old_page = hidden_inputs(resident, CONFIRM)
    reference = receipt_reference(CODE, resident.post(CONFIRM, data=old_page))
    fill_in(resident, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "copies": "3"})  # a second application, in progress
    new_draft = _draft(db_session)
    before = db_state(db_session)

    back = resident.post(CONFIRM, data=old_page)  # the browser's back button, and 申請する again

    assert receipt_reference(CODE, back) == reference
    assert db_state(db_session) == before
    assert _draft(db_session) == new_draft and new_draft is not None
    assert new_draft[0] != old_page["submission_token"]


def test_a_new_application_gets_a_new_token(resident: FlaskClient, db_session: Session) -> None:
    first = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    second = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)  # a second copy on purpose is fine
    assert first != second
    tokens = db_session.scalars(select(Submission.submission_token).order_by(Submission.id)).all()
    assert len(set(tokens)) == 2


@pytest.mark.parametrize("token", [None, "", "forged", "a" * 43, "トークン" * 11])
def test_confirm_without_its_token_is_refused_and_nothing_is_made(
    resident: FlaskClient, db_session: Session, token: str | None
) -> None:
    fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    form = hidden_inputs(resident, CONFIRM)
    form.pop("submission_token")
    if token is not None:
        form["submission_token"] = token
    before = db_state(db_session)

    refused = resident.post(CONFIRM, data=form)

    assert refused.status_code == 303 and refused.headers["Location"] == CONFIRM
    assert REFUSED_TOKEN in flashed(resident, refused)
    assert db_state(db_session) == before
    assert _draft(db_session) is not None  # the resident can still press the real button
    assert receipt_reference(CODE, resident.post(CONFIRM, data=hidden_inputs(resident, CONFIRM)))


def test_someone_elses_token_is_refused(client: FlaskClient, make_client: Any, db_session: Session) -> None:
    sato = make_client("resident", "resident-sato")
    fill_in(sato, CODE, "juminhyo", JUMINHYO_ANSWERS)
    sato_token = hidden_inputs(sato, CONFIRM)["submission_token"]
    sato_reference = receipt_reference(CODE, sato.post(CONFIRM, data=hidden_inputs(sato, CONFIRM)))
    login(client, "resident", "resident-yamada")
    fill_in(client, CODE, "juminhyo", JUMINHYO_ANSWERS)
    before = db_state(db_session)

    refused = client.post(CONFIRM, data={**hidden_inputs(client, CONFIRM), "submission_token": sato_token})

    assert refused.status_code == 303 and refused.headers["Location"] == CONFIRM
    page = flashed(client, refused)
    assert REFUSED_TOKEN in page and sato_reference not in page
    assert db_state(db_session) == before


def test_a_token_from_another_procedure_is_refused(resident: FlaskClient, db_session: Session) -> None:
    fill_in(resident, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS)
    other = hidden_inputs(resident, f"/{CODE}/procedures/sodai_gomi/confirm")["submission_token"]
    fill_in(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    before = db_state(db_session)

    refused = resident.post(CONFIRM, data={**hidden_inputs(resident, CONFIRM), "submission_token": other})

    assert REFUSED_TOKEN in flashed(resident, refused)
    assert db_state(db_session) == before


# -- 再提出 -----------------------------------------------------------------------------------------


def test_resubmit_as_a_bare_post_is_refused(resident: FlaskClient, make_client: Any, db_session: Session) -> None:
    reference = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    clerk = make_client("staff", "staff-mihon-clerk")
    fire(clerk, reference, "start_review")
    fire(clerk, reference, "return_to_applicant", "電話番号を確認してください。")
    page = f"/{CODE}/applications/{reference}"
    before = db_state(db_session)

    refused = post_form(resident, f"{page}/transitions/resubmit", {}, token_from=page)

    assert refused.status_code == 303
    assert "修正した内容は修正画面から再提出してください。" in flashed(resident, refused)
    assert db_state(db_session) == before
    assert state_of(db_session, CODE, reference) == "returned"
    corrected = post_form(resident, f"{page}/correct", JUMINHYO_ANSWERS)  # the correction form still works
    assert corrected.status_code == 302
    assert state_of(db_session, CODE, reference) == "submitted"
