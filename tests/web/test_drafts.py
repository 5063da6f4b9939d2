"""Drafts live in the database per resident, municipality and procedure: they outlast a logout, a session
timeout and a change of device, are listed as 下書き under 申請した手続き (continue or delete), go on
submitting, expire after ``DRAFT_DAYS`` (swept by beat), never reach another resident, continue on a newly
published form, and hold only the form's inputs within a size cap.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.catalog import ProcedureDefinition
from portal.models import Draft, Municipality, Resident, Submission
from portal.models.base import utcnow
from portal.services.actors import ActingUser
from portal.services.drafts import MAX_DRAFTS, DraftService
from portal.tasks.drafts import PURGE, PURGE_EVERY_SECONDS
from tests.db.signing import shipped, version_ids
from tests.web.catalogcopy import change_sodai_gomi
from tests.web.conftest import login
from tests.web.journeys import (
    JUMINHYO_ANSWERS,
    SODAI_GOMI_ANSWERS,
    apply,
    db_state,
    fill_in,
    hidden_inputs,
    move_clock,
    post_form,
    receipt_reference,
)

CODE, OTHER_CODE = "999997", "999989"
APPLY = f"/{CODE}/procedures/juminhyo/apply"
CONFIRM = f"/{CODE}/procedures/juminhyo/confirm"
APPLICATIONS = f"/{CODE}/applications"
DELETE = f"/{CODE}/drafts/juminhyo/delete"
TYPED = {**JUMINHYO_ANSWERS, "phone": "03-1111-2222"}  # 山田's provider sends no phone: only a draft has it
DAY = timedelta(days=1)


@pytest.fixture
def yamada(client: FlaskClient) -> FlaskClient:
    login(client, "resident", "resident-yamada")
    return client


def drafts_in(db_session: Session) -> list[Draft]:
    db_session.expire_all()
    return list(db_session.scalars(select(Draft).order_by(Draft.id)))


def started(client: FlaskClient) -> None:
    """Page one of 住民票 answered with 次へ: a draft that resumes at page two."""
    response = post_form(client, f"{APPLY}?page=applicant", {**TYPED, "action": "next"})
    assert response.status_code == 302


def listed(client: FlaskClient) -> str:
    """The 下書き table of 申請した手続き, or "" when there is none."""
    page = html.unescape(client.get(APPLICATIONS).text)
    found = re.search(r'<table class="data-table[^"]*" id="drafts">.*?</table>', page, re.S)
    return found.group(0) if found else ""


def age(db_session: Session, days: float) -> None:
    """Pretend every draft was last saved ``days`` ago."""
    db_session.execute(update(Draft).values(updated_at=utcnow() - days * DAY))
    db_session.flush()


# -- lasting --------------------------------------------------------------------------------------


def test_a_draft_survives_logout_and_continues_on_another_device(
    yamada: FlaskClient, make_client: Any, db_session: Session
) -> None:
    started(yamada)
    assert post_form(yamada, "/auth/logout", {}, token_from=APPLICATIONS).status_code in (200, 302)
    assert yamada.get(APPLICATIONS).status_code == 302  # logged out

    laptop = make_client("resident", "resident-yamada")
    table = listed(laptop)
    assert "住民票の写しの交付請求" in table and "下書き" in table
    assert f'href="{APPLY}">続きから入力' in table
    resumed = html.unescape(laptop.get(APPLY).text)
    assert 'aria-current="step">' in resumed and 'name="request_by"' in resumed  # where it was left: page two
    assert 'value="03-1111-2222"' in laptop.get(f"{APPLY}?page=applicant").text

    assert apply(laptop, CODE, "juminhyo", TYPED) and drafts_in(db_session) == []


def test_a_draft_survives_the_session_timeout(yamada: FlaskClient) -> None:
    started(yamada)
    move_clock(yamada, idle_for=31 * 60)
    assert yamada.get(APPLICATIONS).status_code == 401
    login(yamada, "resident", "resident-yamada")
    assert 'value="03-1111-2222"' in yamada.get(f"{APPLY}?page=applicant").text


def test_submitting_removes_the_draft_and_its_listing(yamada: FlaskClient, db_session: Session) -> None:
    started(yamada)
    assert fill_in(yamada, CODE, "juminhyo", TYPED).headers["Location"] == CONFIRM
    token = hidden_inputs(yamada, CONFIRM)["submission_token"]
    [draft] = drafts_in(db_session)
    assert draft.submission_token == token

    reference = receipt_reference(CODE, yamada.post(CONFIRM, data=hidden_inputs(yamada, CONFIRM)))

    assert drafts_in(db_session) == []
    assert listed(yamada) == "" and reference in yamada.get(APPLICATIONS).text
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.submission_token == token and submission.answers["phone"] == "03-1111-2222"
    assert 'name="phone" value=""' in yamada.get(f"{APPLY}?page=applicant").text  # a new application starts afresh


# -- 下書き under 申請した手続き ------------------------------------------------------------------------


def test_a_draft_is_listed_with_its_dates_and_deleted_by_a_post(yamada: FlaskClient, db_session: Session) -> None:
    assert listed(yamada) == ""
    started(yamada)
    table = listed(yamada)
    assert "30日" in html.unescape(yamada.get(APPLICATIONS).text)
    assert re.search(
        r'<td data-label="最後に保存した日">令和\d+年\d+月\d+日 \d\d:\d\d</td>', table
    )  # last saved, in Japan time
    assert f'action="{DELETE}"' in table and 'name="csrf_token"' in table
    before = db_state(db_session)

    without_token = yamada.post(DELETE)
    assert without_token.status_code == 400 and len(drafts_in(db_session)) == 1
    deleted = post_form(yamada, DELETE, {}, token_from=APPLICATIONS)

    assert deleted.status_code == 303 and deleted.headers["Location"] == APPLICATIONS
    assert "下書きを削除しました。" in html.unescape(yamada.get(APPLICATIONS).text)
    assert drafts_in(db_session) == [] and listed(yamada) == ""
    assert 'value="03-1111-2222"' not in yamada.get(f"{APPLY}?page=applicant").text  # the form starts afresh
    assert db_state(db_session) == before
    assert post_form(yamada, DELETE, {}, token_from=APPLICATIONS).status_code == 404  # nothing left to delete


def test_a_draft_of_a_procedure_no_longer_offered_can_only_be_deleted(
    yamada: FlaskClient, db_session: Session, demo: dict[str, Municipality]
) -> None:
    started(yamada)
    demo[CODE].procedure("juminhyo").enabled = False
    db_session.flush()
    table = listed(yamada)
    assert "住民票の写しの交付請求" in table and "現在は申請を受け付けていません" in table
    assert "続きから入力" not in table and yamada.get(APPLY).status_code == 404
    assert post_form(yamada, DELETE, {}, token_from=APPLICATIONS).status_code == 303
    assert drafts_in(db_session) == []


# -- expiry ---------------------------------------------------------------------------------------


def test_an_expired_draft_is_never_shown_nor_continued(yamada: FlaskClient, db_session: Session) -> None:
    started(yamada)
    [old] = drafts_in(db_session)
    old_id, old_token = old.id, old.submission_token
    age(db_session, 29)
    assert "住民票の写しの交付請求" in listed(yamada)  # 29 days: still kept

    age(db_session, 31)
    assert listed(yamada) == ""
    assert 'value="03-1111-2222"' not in yamada.get(f"{APPLY}?page=applicant").text
    assert yamada.get(CONFIRM).headers["Location"] == APPLY  # nothing to confirm
    assert post_form(yamada, DELETE, {}, token_from=APPLICATIONS).status_code == 404

    started(yamada)  # saving again starts afresh, with a new token
    [fresh] = drafts_in(db_session)
    assert fresh.id == old_id and fresh.submission_token != old_token
    assert fresh.updated_at > utcnow() - DAY and fresh.created_at == fresh.updated_at


def test_the_periodic_purge_removes_expired_drafts_only(
    app: Flask, yamada: FlaskClient, make_client: Any, db_session: Session
) -> None:
    started(yamada)
    sato = make_client("resident", "resident-sato")
    post_form(sato, f"{APPLY}?page=applicant", {**TYPED, "action": "next"})
    yamada_draft, sato_draft = drafts_in(db_session)
    yamada_draft.updated_at = utcnow() - 31 * DAY
    sato_draft.updated_at = utcnow() - 29 * DAY
    db_session.flush()
    celery = app.extensions["celery"]
    assert celery.conf.beat_schedule[PURGE] == {"task": PURGE, "schedule": PURGE_EVERY_SECONDS}

    celery.tasks[PURGE].apply().get()
    celery.tasks[PURGE].apply().get()  # delivered twice: nothing more happens

    assert [d.id for d in drafts_in(db_session)] == [sato_draft.id]


def test_the_number_of_days_is_a_setting(build_app: Callable[..., Flask], db_session: Session, demo: Any) -> None:
    portal = build_app(DRAFT_DAYS="2")
    browser = portal.test_client()
    login(browser, "resident", "resident-yamada")
    started(browser)
    assert "最後に保存してから2日たつと削除されます。" in html.unescape(browser.get(APPLICATIONS).text)
    age(db_session, 1)
    assert "住民票の写しの交付請求" in listed(browser)
    age(db_session, 3)
    assert listed(browser) == ""
    portal.extensions["celery"].tasks[PURGE].apply().get()
    assert drafts_in(db_session) == []


# -- whose draft ----------------------------------------------------------------------------------


def test_another_residents_draft_is_never_reachable(yamada: FlaskClient, make_client: Any, db_session: Session) -> None:
    started(yamada)
    sato = make_client("resident", "resident-sato")
    before = db_state(db_session)

    assert listed(sato) == ""
    form = sato.get(APPLY).text
    assert "03-1111-2222" not in form and 'value="山田"' not in form and 'value="佐藤花子"' in form
    assert sato.get(CONFIRM).headers["Location"] == APPLY
    assert post_form(sato, DELETE, {}, token_from=APPLICATIONS).status_code == 404
    assert sato.post(CONFIRM, data=hidden_inputs(sato, APPLY)).headers["Location"] == APPLY

    [draft] = drafts_in(db_session)  # 山田's, untouched
    assert draft.answers["phone"] == ["03-1111-2222"] and db_state(db_session) == before


def test_a_draft_belongs_to_its_municipality(yamada: FlaskClient, db_session: Session) -> None:
    started(yamada)
    elsewhere = f"/{OTHER_CODE}/procedures/juminhyo/apply?page=applicant"
    assert "03-1111-2222" not in yamada.get(elsewhere).text
    assert listed_in(yamada, OTHER_CODE) == ""
    assert post_form(yamada, f"/{OTHER_CODE}/drafts/juminhyo/delete", {}, token_from=APPLICATIONS).status_code == 404
    assert len(drafts_in(db_session)) == 1


def listed_in(client: FlaskClient, code: str) -> str:
    return "下書き" if 'id="drafts"' in client.get(f"/{code}/applications").text else ""


# -- a form published anew ------------------------------------------------------------------------


def test_a_draft_continues_on_the_form_published_since_without_the_answers_it_no_longer_asks(
    catalog: Callable[..., Result], sources: Path, yamada: FlaskClient, db_session: Session
) -> None:
    apply_path = f"/{CODE}/procedures/sodai_gomi/apply"
    assert fill_in(yamada, CODE, "sodai_gomi", SODAI_GOMI_ANSWERS).status_code == 302
    [draft] = drafts_in(db_session)
    assert draft.answers["phone"] == ["090-1234-5678"] and draft.answers["items-bicycle"] == ["2"]
    change_sodai_gomi(sources)  # phone renamed daytime_phone, 自転車 removed
    assert catalog("publish").exit_code == 0

    resumed = html.unescape(yamada.get(f"{apply_path}?page=applicant").text)

    assert "この手続きの入力画面が変更されました。なくなった項目の入力内容は削除しました。" in resumed
    assert 'name="daytime_phone" value=""' in resumed and "090-1234-5678" not in resumed
    assert 'name="family_name" value="佐藤"' in resumed  # what the form still asks is kept
    [draft] = drafts_in(db_session)
    assert "phone" not in draft.answers and "items-bicycle" not in draft.answers
    assert draft.answers["items-sofa"] == ["1"]
    assert draft.definition_version_id == version_ids(db_session, "sodai_gomi")["definition_version_id"]
    assert "入力画面が変更されました" not in html.unescape(yamada.get(apply_path).text)  # said once

    answers = {k: v for k, v in SODAI_GOMI_ANSWERS.items() if k not in ("phone", "items-bicycle")}
    reference = apply(yamada, CODE, "sodai_gomi", {**answers, "daytime_phone": "090-1234-5678"})
    submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
    assert submission.definition_version.number == 2 and submission.answers["items"] == {"sofa": 1}


# -- what a draft holds ---------------------------------------------------------------------------


def test_a_draft_keeps_only_the_forms_inputs(yamada: FlaskClient, db_session: Session) -> None:
    junk = {f"junk-{i}": "x" * 1000 for i in range(400)}  # ~400 kB of keys no field reads
    response = fill_in(yamada, CODE, "juminhyo", {**TYPED, **junk, "state": "issued", "resident_id": "99"})

    assert response.headers["Location"] == CONFIRM
    [draft] = drafts_in(db_session)
    files = {"power_of_attorney", "representation_document"}  # the requester page's, kept empty in the draft
    assert set(draft.answers) == set(TYPED) | files  # date parts and checkbox lists included
    assert all(draft.answers[name] == [] for name in files)
    assert draft.answers["birthdate-era"] == ["showa"] and draft.answers["items"] == ["relationship"]
    reference = receipt_reference(CODE, yamada.post(CONFIRM, data=hidden_inputs(yamada, CONFIRM)))
    answers = db_session.scalars(select(Submission.answers).filter_by(reference=reference)).one()
    assert not {"state", "resident_id"} & answers.keys()


def test_a_draft_of_item_counts_keeps_each_item(yamada: FlaskClient, db_session: Session) -> None:
    fill_in(yamada, CODE, "sodai_gomi", {**SODAI_GOMI_ANSWERS, "items-piano": "1"})
    [draft] = drafts_in(db_session)
    assert draft.answers["items-sofa"] == ["1"] and draft.answers["items-bicycle"] == ["2"]
    assert "items-piano" not in draft.answers


def test_an_oversize_draft_is_refused_and_nothing_is_stored(yamada: FlaskClient, db_session: Session) -> None:
    started(yamada)
    kept = drafts_in(db_session)[0].answers
    before = db_state(db_session)

    huge = post_form(yamada, f"{APPLY}?page=applicant", {**TYPED, "address": "千" * 30_000})  # 90 kB in UTF-8

    assert huge.status_code == 413
    assert "入力内容が大きすぎるため保存できませんでした。" in huge.text
    assert f'action="{APPLY}?page=applicant"' in huge.text  # the form again, to shorten what was typed
    assert drafts_in(db_session)[0].answers == kept
    assert db_state(db_session) == before


def test_a_resident_keeps_a_handful_of_drafts(app: Flask, db_session: Session, demo: dict[str, Municipality]) -> None:
    """Saving one more drops the one saved longest ago, whichever municipality it was for."""
    resident = Resident(subject="drafts-test", profile={})
    db_session.add(resident)
    db_session.flush()
    drafts = DraftService(db_session, ActingUser.of_resident(resident), days=30)
    definition = shipped("juminhyo")
    version_id = version_ids(db_session, "juminhyo")["definition_version_id"]

    def another(n: int) -> ProcedureDefinition:
        return definition.model_copy(update={"slug": f"draft-{n}"})

    for n in range(MAX_DRAFTS + 3):
        drafts.save(demo[(CODE, OTHER_CODE)[n % 2]], another(n), version_id, {"family_name": [str(n)]}, "applicant")

    kept = db_session.scalars(select(Draft.procedure).filter_by(resident_id=resident.id).order_by(Draft.id)).all()
    assert kept == [f"draft-{n}" for n in range(3, MAX_DRAFTS + 3)]
