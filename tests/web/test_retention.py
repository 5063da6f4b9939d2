"""Retention with the clock moved forward: a case past its procedure's 保存期間 loses its answers, files, certificate
PDF and personal text, keeps its stub, history states and audit entries (the chain still verifying), and is purged
once; a legal hold stops it, another municipality's cases are left alone, and the dry run lists without changing."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.attachments import AttachmentRef
from portal.catalog.datebound import add_months
from portal.japan import jst
from portal.models import (
    AuditAction,
    AuditEntry,
    CaseMessage,
    Certificate,
    Channel,
    InternalNote,
    Submission,
    TransitionRecord,
)
from portal.roles import Role
from portal.services import audit, auditchain, retention
from portal.services.actors import Administrator
from portal.services.assignment import AssignmentRefused, add_note
from portal.services.conversation import ConversationService, new_token
from portal.storage.base import new_key
from portal.tasks.retention import purge_due
from portal.web.current import current_attachments, current_procedures
from tests.web import queuecases
from tests.web.journeys import collection_date, issued, verify_path

CODE, OTHER = "999997", "999989"
PHOTO = b"\xff\xd8\xff\xe0 a photo of the sofa"


@pytest.fixture
def portal(build_app: Any, tmp_path: Path, demo: Any) -> Flask:
    """The portal with its attachments in a directory of the test's own; the demo municipalities."""
    return build_app(ATTACHMENT_DIR=str(tmp_path / "attachments"))


def completed(portal: Flask, session: Session, code: str = CODE) -> Submission:
    """A 粗大ごみ case (保存期間 1y) completed today, with all that holds personal data: an attached photo, a message,
    an internal note, a comment for the applicant and the 収集日 filled in."""
    case = queuecases.submit(portal, session, code, "sodai_gomi")
    clerk = queuecases.staff(session, code, "窓口 一郎", Role.CLERK)
    ConversationService(session, queuecases.procedures(portal), clerk).post(
        case, "玄関の前にお出しください", new_token()
    )
    add_note(session, clerk, case, "山田さんに電話で確認済み", "note-token")
    key = new_key()
    with portal.app_context():
        current_attachments().storage.put(key, PHOTO)
    ref = AttachmentRef(key, "ソファ.jpg", "image/jpeg", len(PHOTO), hashlib.sha256(PHOTO).hexdigest())
    case.answers = {**case.answers, "photo": [ref.to_json()]}
    session.flush()
    day = jst.today() + timedelta(days=7)
    queuecases.fire(portal, session, case, clerk, "complete", "午前中に伺います", **collection_date(day))
    assert case.closed
    return case


def on(day: date) -> datetime:
    """Noon (JST) of ``day``: the clock moved to it."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=jst.JST)


def a_year_on() -> datetime:
    return on(add_months(jst.today(), 12))


def run(portal: Flask, now: datetime, code: str | None = None) -> int:
    with portal.app_context():
        return purge_due(audit.SYSTEM, code, now)


def fresh(session: Session, case: Submission) -> Submission:
    session.expire_all()
    return session.get_one(Submission, case.id)


def stored(portal: Flask, key: str) -> bool:
    with portal.app_context():
        return current_attachments().storage.exists(key)


def texts(session: Session, case: Submission) -> dict[str, list[Any]]:
    """What the case's history, messages and notes say."""
    of = {"submission_id": case.id}
    return {
        "comments": list(session.scalars(select(TransitionRecord.comment).filter_by(**of))),
        "inputs": list(session.scalars(select(TransitionRecord.inputs).filter_by(**of))),
        "messages": list(session.scalars(select(CaseMessage.body).filter_by(**of))),
        "notes": list(session.scalars(select(InternalNote.body).filter_by(**of))),
    }


def test_a_case_is_kept_for_its_period_and_purged_after(portal: Flask, db_session: Session) -> None:
    case = completed(portal, db_session)
    key = case.answers["photo"][0]["key"]
    states = [(r.from_state, r.to_state, r.actor_name) for r in case.history]

    assert run(portal, a_year_on() - timedelta(days=1)) == 0  # the day before the year is out
    kept = fresh(db_session, case)
    assert kept.purged_at is None and kept.answers["photo"] and stored(portal, key)
    assert texts(db_session, kept)["messages"] == ["玄関の前にお出しください"]

    assert run(portal, a_year_on()) == 1
    purged = fresh(db_session, case)
    assert purged.purged_at is not None and purged.answers == {}
    assert purged.search_key == f"{case.reference}||"  # the name is gone from the queue's search too
    assert not stored(portal, key)  # the photo's bytes, once the purge committed
    assert texts(db_session, purged) == {
        "comments": [None, None], "inputs": [None, None], "messages": [""], "notes": [""],
    }  # fmt: skip
    # the stub: 受付番号, procedure, dates, the final state and every state it went through, the number it was given
    assert (purged.reference, purged.procedure, purged.state, purged.submitted_at) == (
        case.reference, "sodai_gomi", "completed", case.submitted_at,
    )  # fmt: skip
    # who acted stays, but not the applicant's name
    assert [(r.from_state, r.to_state, r.actor_name) for r in purged.history] == [(None, "received", ""), *states[1:]]
    assert purged.assigned_number is not None

    entry = db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.CASE_PURGED)).one()
    assert (entry.submission_id, entry.target, entry.actor_kind.value) == (
        case.id,
        f"submission:{case.reference}",
        "system",
    )
    assert entry.after == {"retention": "1y", "closed_on": jst.today().isoformat()}
    assert isinstance(auditchain.verify(db_session, CODE), auditchain.Verified)


@pytest.mark.parametrize(
    ("statement", "purged"),
    [
        ("UPDATE transition_record SET comment = NULL, inputs = NULL WHERE submission_id = :id", False),
        ("UPDATE case_message SET body = '' WHERE submission_id = :id", False),
        ("UPDATE internal_note SET body = '' WHERE submission_id = :id", False),
        ("UPDATE transition_record SET to_state = 'rejected' WHERE submission_id = :id", True),
        ("UPDATE transition_record SET actor_name = '' WHERE submission_id = :id AND actor_kind = 'staff'", True),
        ("UPDATE case_message SET body = '書き換え' WHERE submission_id = :id", True),
        ("UPDATE internal_note SET author_name = '' WHERE submission_id = :id", True),
        ("DELETE FROM transition_record WHERE submission_id = :id", True),
        ("DELETE FROM case_message WHERE submission_id = :id", True),
    ],
)
def test_the_history_stays_append_only_but_for_a_purged_cases_text(
    portal: Flask, db_session: Session, statement: str, purged: bool
) -> None:
    """The database lets through only the purge's own blanking, and only once the case is purged."""
    case = completed(portal, db_session)
    if purged:
        run(portal, a_year_on())
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement), {"id": case.id})


def test_a_second_run_purges_nothing_more(portal: Flask, db_session: Session) -> None:
    case = completed(portal, db_session)
    assert run(portal, a_year_on()) == 1
    before = fresh(db_session, case).updated_at, db_session.scalar(select(func.count()).select_from(AuditEntry))
    assert run(portal, a_year_on() + timedelta(days=30)) == 0
    assert (
        fresh(db_session, case).updated_at,
        db_session.scalar(select(func.count()).select_from(AuditEntry)),
    ) == before


def test_a_legal_hold_stops_the_purge_until_it_is_cleared(portal: Flask, db_session: Session, demo: Any) -> None:
    case = completed(portal, db_session)
    admin = Administrator.of_staff(queuecases_admin(db_session, CODE))
    retention.hold(db_session, admin, case, "訴訟のため（令和8年(ワ)第12号）")
    assert run(portal, a_year_on()) == 0
    assert fresh(db_session, case).answers["photo"]

    retention.release(db_session, admin, fresh(db_session, case), "判決確定")
    assert run(portal, a_year_on()) == 1
    actions = list(
        db_session.scalars(select(AuditEntry.action).filter_by(submission_id=case.id).order_by(AuditEntry.id))
    )
    assert actions == [AuditAction.LEGAL_HOLD_SET, AuditAction.LEGAL_HOLD_CLEARED, AuditAction.CASE_PURGED]
    cleared = db_session.scalars(select(AuditEntry).filter_by(action=AuditAction.LEGAL_HOLD_CLEARED)).one()
    assert (cleared.before, cleared.after) == ({"reason": "訴訟のため（令和8年(ワ)第12号）"}, {"reason": "判決確定"})


def queuecases_admin(session: Session, code: str) -> Any:
    from portal.models import Staff

    made = Staff(municipality_code=code, subject=f"retention-admin-{code}", name="管理 四郎", role_values=["admin"])
    session.add(made)
    session.flush()
    return made


@pytest.mark.parametrize(
    ("reason", "refusal"),
    [
        ("", "保全の理由を入力してください。"),
        ("   ", "保全の理由を入力してください。"),
        ("長" * 201, "保全の理由は200文字以内で入力してください。"),
        ("訴訟\u202eのため", "保全の理由に文字の表示順を変える制御文字（U+202E）が含まれています。削除してください"),
        ("訴訟\nのため", "保全の理由には改行を入力できません。1行で入力してください"),
    ],
)
def test_a_hold_needs_a_reason(portal: Flask, db_session: Session, reason: str, refusal: str) -> None:
    case = completed(portal, db_session)
    admin = Administrator.of_staff(queuecases_admin(db_session, CODE))
    with pytest.raises(retention.RetentionRefused) as refused:
        retention.hold(db_session, admin, case, reason)
    assert refused.value.reason.render(lambda s: s) == refusal
    assert fresh(db_session, case).legal_hold is None
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).filter_by(submission_id=case.id)) == 0


def test_holds_are_for_the_cases_own_administrators(portal: Flask, db_session: Session) -> None:
    case = completed(portal, db_session)
    for actor in (
        Administrator.of_staff(queuecases_admin(db_session, OTHER)),  # another municipality's
        Administrator.command_line(),  # the platform's rights, but no case's administrator
    ):
        with pytest.raises(retention.RetentionRefused):
            retention.hold(db_session, actor, case, "調査")
    assert fresh(db_session, case).legal_hold is None


def test_a_purged_case_can_be_neither_held_nor_noted(portal: Flask, db_session: Session) -> None:
    case = completed(portal, db_session)
    run(portal, a_year_on())
    admin = Administrator.of_staff(queuecases_admin(db_session, CODE))
    with pytest.raises(retention.RetentionRefused, match="保存期間が過ぎて削除した申請"):
        retention.hold(db_session, admin, fresh(db_session, case), "調査")
    clerk = queuecases.staff(db_session, CODE, "窓口", Role.CLERK)
    with pytest.raises(AssignmentRefused):
        add_note(db_session, clerk, fresh(db_session, case), "山田さんの電話番号は…", "another-token")
    assert texts(db_session, case)["notes"] == [""]


def test_another_municipality_is_untouched(portal: Flask, db_session: Session) -> None:
    ours, theirs = completed(portal, db_session, CODE), completed(portal, db_session, OTHER)
    heads = {code: auditchain.verify(db_session, code) for code in (CODE, OTHER)}
    assert run(portal, a_year_on(), CODE) == 1  # only 見本市's, as `retention run --municipality 999997`
    assert fresh(db_session, ours).purged_at is not None
    still = fresh(db_session, theirs)
    assert still.purged_at is None and still.answers["photo"] and stored(portal, still.answers["photo"][0]["key"])
    assert texts(db_session, still)["notes"] == ["山田さんに電話で確認済み"]
    assert auditchain.verify(db_session, OTHER) == heads[OTHER]  # its chain gained nothing


def test_open_cases_and_procedures_without_a_period_stay(portal: Flask, db_session: Session) -> None:
    open_case = queuecases.submit(portal, db_session, CODE, "sodai_gomi")
    assert run(portal, on(add_months(jst.today(), 1200))) == 0  # a century on, still open
    assert fresh(db_session, open_case).purged_at is None


def test_the_catalogs_current_version_decides_the_period(
    portal: Flask, db_session: Session, catalog: Any, sources: Path
) -> None:
    """Publishing a shorter 保存期間 applies to the cases already closed (a records-management rule, not an answer)."""
    case = completed(portal, db_session)
    path = sources / "forms_catalog/sodai_gomi.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("retention: 1y", "retention: 30d"), encoding="utf-8")
    assert catalog("publish").exit_code == 0
    assert run(portal, on(jst.today() + timedelta(days=29))) == 0
    assert run(portal, on(jst.today() + timedelta(days=30))) == 1
    assert fresh(db_session, case).purged_at is not None


# -- certificates, pages and the command -------------------------------------------------------------------------


def five_years_on() -> datetime:
    return on(add_months(jst.today(), 60))


def test_a_purged_certificate_still_verifies_without_its_pdf(
    app: Flask, client: FlaskClient, make_client: Any, db_session: Session
) -> None:
    reference, certificate = issued(client, make_client, db_session)
    page = verify_path(certificate)
    assert run(app, five_years_on() - timedelta(days=1)) == 0
    assert run(app, five_years_on()) == 1

    db_session.expire_all()
    kept = db_session.get_one(Certificate, certificate.id)
    assert (kept.pdf, kept.context) == (None, None)
    assert (kept.issue_number, kept.sha256, kept.rendered_at) == (
        certificate.issue_number,
        certificate.sha256,
        certificate.rendered_at,
    )
    shown = client.get(page)
    assert shown.status_code == 200
    assert (
        "控えは削除済み" in shown.text
        and certificate.sha256 in shown.text
        and "山" not in shown.text.split("発行者")[1]
    )

    clerk = make_client("staff", "staff-mihon-clerk")
    assert clerk.get(f"/backoffice/submissions/{reference}/certificate.pdf").status_code == 404
    assert client.get(f"/{CODE}/applications/{reference}/certificate.pdf").status_code == 404
    case_page = clerk.get(f"/backoffice/submissions/{reference}")
    assert case_page.status_code == 200 and "削除済みの申請" in case_page.text and "山田" not in case_page.text
    own_page = client.get(f"/{CODE}/applications/{reference}")
    assert own_page.status_code == 200 and "削除済みの申請" in own_page.text and reference in own_page.text
    queue = clerk.get("/backoffice/?view=all")
    assert reference in queue.text and "（削除済み）" in queue.text


def test_the_command_lists_then_purges(
    app: Flask, db_session: Session, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``retention run --dry-run`` lists per procedure and changes nothing; without it, it purges (the clock moved
    forward through portal.japan.jst, which both read)."""
    portal = app
    cases = [completed(portal, db_session), completed(portal, db_session), completed(portal, db_session, OTHER)]
    future = a_year_on()
    monkeypatch.setattr(jst, "now", lambda: future)
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["retention", "run", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[0] == "sodai_gomi (retention 1y): 3 case(s)"
    assert sorted(line.split()[:2] for line in lines[1:4]) == sorted([c.municipality_code, c.reference] for c in cases)
    assert lines[-1] == "retention: 3 case(s) would be purged (dry run: nothing changed)"
    assert all(fresh(db_session, case).purged_at is None for case in cases)

    scoped = runner.invoke(args=["retention", "run", "--dry-run", "--municipality", OTHER])
    assert "retention: 1 case(s) would be purged" in scoped.output
    unknown = runner.invoke(args=["retention", "run", "--municipality", "999962"])
    assert unknown.exit_code == 1 and "--municipality: no municipality '999962'" in unknown.output
    assert all(fresh(db_session, case).purged_at is None for case in cases)

    purged = runner.invoke(args=["retention", "run"])
    assert purged.exit_code == 0 and purged.output == "retention: 3 case(s) purged\n"
    assert all(fresh(db_session, case).purged_at is not None for case in cases)
    by = db_session.scalars(select(AuditEntry.actor_kind).filter_by(action=AuditAction.CASE_PURGED)).all()
    assert {kind.value for kind in by} == {"command_line"}


def test_the_beat_schedule_runs_the_purge_daily(app: Flask) -> None:
    from portal.tasks.base import EXTENSION
    from portal.tasks.retention import PURGE

    schedule = app.extensions[EXTENSION].conf.beat_schedule[PURGE]
    assert schedule == {"task": PURGE, "schedule": 24 * 3600.0}
    with app.app_context():
        assert current_procedures() is not None


def test_a_counter_case_loses_the_identity_and_address_the_clerk_entered(portal: Flask, db_session: Session) -> None:
    case = completed(portal, db_session)
    clerk = queuecases.staff(db_session, CODE, "窓口 二郎", Role.CLERK)
    case.channel, case.resident_id, case.entered_by_id = Channel.COUNTER, None, clerk.id
    case.entered_identity = {"family_name": "窓口", "given_name": "花子", "address": "見本市本町1-1"}
    case.notify_email = "hanako@example.jp"
    db_session.flush()

    assert run(portal, a_year_on()) == 1
    purged = fresh(db_session, case)
    assert purged.purged_at is not None and purged.at_counter and purged.entered_by_id == clerk.id
    assert (purged.entered_identity, purged.notify_email, purged.applicant_name) == ({}, None, "")
