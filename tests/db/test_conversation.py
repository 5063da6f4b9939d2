"""A case's messages and its notification outbox under real concurrency, and the messages' append-only rule.

The races commit for real in the ``committing_engine`` database, in a municipality of their own: two presses
of one message form store one message (and tell staff once); a message racing the case's closing either lands
before it or is refused; two workers taking one notification send it once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.demo import load_demo_data
from portal.japan import jst
from portal.models import (
    ActorKind,
    CaseMessage,
    MailSettings,
    Municipality,
    MunicipalityProcedure,
    Notification,
    NotificationKind,
    Resident,
    Staff,
    Submission,
)
from portal.models.base import utcnow
from portal.procedures import Procedures
from portal.roles import Role
from portal.services import notifications
from portal.services.actors import ActingUser
from portal.services.conversation import ConversationService, MessageRefused, Posted, new_token
from portal.services.submissions import SubmissionService
from portal.workflow import Condition, Outcome, TransitionRefused
from tests.db.signing import shipped, signing_procedures, version_ids
from tests.web.journeys import JUMINHYO_ANSWERS, validated

CODE = "999946"  # this module's own municipality (check digit 6)
MATCHED = frozenset({Condition.RECORD_MATCH, Condition.PAID})


# -- append-only ------------------------------------------------------------------------------------


@pytest.fixture
def message(db_session: Session) -> CaseMessage:
    load_demo_data(db_session)
    resident = Resident(subject="someone", profile={})
    submission = Submission(
        municipality_code="999997",
        reference="2026-000001",
        procedure="juminhyo",
        resident=resident,
        state="submitted",
        **version_ids(db_session, "juminhyo"),
        answers={},
    )
    db_session.add(submission)
    db_session.flush()
    written = CaseMessage(
        submission_id=submission.id,
        municipality_code="999997",
        author_kind=ActorKind.RESIDENT,
        author_id=resident.id,
        author_name="山田 太郎",
        body="よろしくお願いします。",
        token=new_token(),
    )
    db_session.add(written)
    db_session.flush()
    return written


def test_the_orm_refuses_to_change_or_delete_a_message(db_session: Session, message: CaseMessage) -> None:
    message.body = "書き換え"
    with pytest.raises(ValueError, match="append-only"):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize("statement", ["UPDATE case_message SET body = 'x'", "DELETE FROM case_message"])
def test_the_database_refuses_raw_updates_and_deletes(
    db_session: Session, message: CaseMessage, statement: str
) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        with db_session.begin_nested():
            db_session.execute(text(statement))
    assert db_session.execute(text("SELECT body FROM case_message")).scalar() == "よろしくお願いします。"


# -- races --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def procedures(tmp_path_factory: pytest.TempPathFactory) -> Procedures:
    return signing_procedures(tmp_path_factory.mktemp("pki"), [(CODE, "見本県会話市")])


@pytest.fixture(scope="module")
def people(committing_engine: Engine) -> tuple[ActingUser, ActingUser]:
    """The applicant (with a confirmed address) and a clerk with one, of this module's municipality."""
    with Session(committing_engine, expire_on_commit=False) as session:
        session.add(
            Municipality(
                code=CODE, name="会話市", prefecture="見本県", mayor_title="会話市長", mayor_name="会話 太郎",
                seal="999997.svg", demo=True, procedures=[MunicipalityProcedure(slug="juminhyo")],
            )
        )  # fmt: skip
        session.flush()
        clerk = Staff(
            municipality_code=CODE,
            subject="talk-clerk",
            name="窓口 会話",
            email="clerk@talk.example.jp",
            role_values=[Role.CLERK],
        )
        resident = Resident(subject="talk-resident", profile={"family_name": "山田", "given_name": "太郎"})
        session.add_all([clerk, resident])
        session.flush()
        session.add(MailSettings(resident_id=resident.id, address="yamada@example.jp", confirmed_at=jst.now()))
        session.commit()
        return ActingUser.of_resident(resident), ActingUser.of_staff(clerk)


_tokens = iter(range(10**6))


def _submitted(engine: Engine, procedures: Procedures, resident: ActingUser) -> int:
    with Session(engine, expire_on_commit=False) as session:
        definition = shipped("juminhyo")
        municipality = session.get_one(Municipality, CODE)
        service = SubmissionService(session, procedures, resident)
        submission = service.submit(
            municipality, definition, validated(definition, JUMINHYO_ANSWERS), f"talk-{next(_tokens)}"
        )
        session.commit()
        return submission.id


def race(engine: Engine, *acts: Callable[[Session], Any]) -> list[Any]:
    """Each act in its own thread and session, released together; a refusal is returned, its work rolled back."""
    barrier = threading.Barrier(len(acts), timeout=30)

    def run(act: Callable[[Session], Any]) -> Any:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                result = act(session)
            except (MessageRefused, TransitionRefused) as refused:
                session.rollback()
                return refused
            session.commit()
            return result

    with ThreadPoolExecutor(len(acts)) as pool:
        return list(pool.map(run, acts))


def posting(
    procedures: Procedures, actor: ActingUser, submission_id: int, body: str, token: str
) -> Callable[[Session], Posted]:
    def act(session: Session) -> Posted:
        submission = session.get_one(Submission, submission_id)
        return ConversationService(session, procedures, actor).post(submission, body, token)

    return act


def _count(engine: Engine, model: type, **filters: Any) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**filters)) or 0


def test_two_presses_of_one_message_form_store_one_message_and_tell_staff_once(
    committing_engine: Engine, procedures: Procedures, people: tuple[ActingUser, ActingUser]
) -> None:
    resident, _clerk = people
    submission_id = _submitted(committing_engine, procedures, resident)
    token = new_token()
    results = race(
        committing_engine,
        posting(procedures, resident, submission_id, "一度だけ届きますように", token),
        posting(procedures, resident, submission_id, "一度だけ届きますように", token),
    )
    assert sorted(r.created for r in results) == [False, True]
    assert results[0].message.id == results[1].message.id
    assert _count(committing_engine, CaseMessage, submission_id=submission_id) == 1
    assert (
        _count(committing_engine, Notification, submission_id=submission_id, kind=NotificationKind.RESIDENT_MESSAGE)
        == 1
    )


def test_a_message_racing_the_rejection_lands_before_it_or_is_refused(
    committing_engine: Engine, procedures: Procedures, people: tuple[ActingUser, ActingUser]
) -> None:
    resident, clerk = people
    submission_id = _submitted(committing_engine, procedures, resident)
    with Session(committing_engine) as session:
        SubmissionService(session, procedures, clerk).fire(
            session.get_one(Submission, submission_id), "start_review", None, MATCHED
        )
        session.commit()

    def rejecting(session: Session) -> Outcome:
        submission = session.get_one(Submission, submission_id)
        return SubmissionService(session, procedures, clerk).fire(
            submission, "reject", "要件を満たしていません。", MATCHED
        )

    results = race(
        committing_engine, posting(procedures, resident, submission_id, "追加の書類を送ります", new_token()), rejecting
    )
    posted, rejected = results
    assert isinstance(rejected, Outcome)
    with Session(committing_engine) as session:
        thread = session.scalars(select(CaseMessage).filter_by(submission_id=submission_id)).all()
        rejection = session.scalars(
            select(Notification).filter_by(submission_id=submission_id, kind=NotificationKind.REJECTED)
        ).one()
    if isinstance(posted, MessageRefused):  # the rejection came first: nothing stored, nobody told
        assert posted.message.msgid == "この申請は完了しているため、メッセージを送れません。" and thread == []
        assert _count(committing_engine, Notification, submission_id=submission_id) == 2  # 受付 and 却下 only
    else:  # the message came first: stored while the case was open
        assert posted.created and [m.body for m in thread] == ["追加の書類を送ります"]
        assert thread[0].created_at <= rejection.created_at


def test_two_workers_taking_one_notification_send_it_once(
    committing_engine: Engine, procedures: Procedures, people: tuple[ActingUser, ActingUser]
) -> None:
    resident, _clerk = people
    submission_id = _submitted(committing_engine, procedures, resident)
    with Session(committing_engine) as session:
        notification_id = session.scalars(
            select(Notification.id).filter_by(submission_id=submission_id, kind=NotificationKind.RECEIVED)
        ).one()

    def claiming(session: Session) -> bool:
        return notifications.claim(session, notification_id, utcnow(), timedelta(minutes=5)) is not None

    assert sorted(race(committing_engine, claiming, claiming)) == [False, True]
    with Session(committing_engine) as session:
        assert session.get_one(Notification, notification_id).attempts == 1
