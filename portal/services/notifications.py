"""The notification outbox: who is told what by email, written in the transaction of the change that causes it.

A row is written only for someone who can be reached (a resident with a confirmed address who has not opted
out, the applicant of a counter application who gave an address and agreed to be told, a staff member whose
directory gave an address); once the transaction has committed, portal.tasks sends it
(:func:`queued_in`), and beat's sweep sends whatever a lost task or a refused delivery left (:func:`due`).
Sending claims the row first (:func:`claim`), so two deliveries of one task send one email.

Nothing here composes an email: the row names its recipient and what it is about, and the worker writes the
email when it sends it (portal.web.notifications), from the 受付番号, the procedure and a link.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from portal.models import (
    ActorKind,
    CaseMessage,
    MailSettings,
    Notification,
    NotificationKind,
    NotificationState,
    PersonalNotice,
    RecipientKind,
    Staff,
    Submission,
    TransitionRecord,
)
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.workflow import ApplicantNotice, WorkflowDefinition

QUEUED = "madoguchi.notifications_to_send"  # Session.info: written in the open transaction
MAX_ATTEMPTS = 5  # then the notification is failed, its last error kept
ERROR_LENGTH = 200  # Notification.last_error
SWEEP_BATCH = 500  # at most this many sent again per sweep: a long outage drains over several minutes

NOTICE_KINDS = {
    ApplicantNotice.RETURNED: NotificationKind.RETURNED,
    ApplicantNotice.ISSUED: NotificationKind.ISSUED,
    ApplicantNotice.COMPLETED: NotificationKind.COMPLETED,
    ApplicantNotice.REJECTED: NotificationKind.REJECTED,
}


# -- writing ----------------------------------------------------------------------------------------


def application_received(session: Session, submission: Submission) -> None:
    """受付: the applicant learns their 受付番号 by email too."""
    _to_applicant(session, submission, NotificationKind.RECEIVED)


def after_transition(
    session: Session,
    workflow: WorkflowDefinition,
    submission: Submission,
    record: TransitionRecord,
    actor: ActingUser,
    resubmitted: bool,
) -> None:
    """A state change: staff (or the municipality's API client) moving the case into a state that ``notify``s tells
    the applicant (差戻し and 却下 with the reason written for them); the applicant sending a corrected application
    back tells staff."""
    if actor.kind is not ActorKind.RESIDENT:
        notice = workflow.state(record.to_state).notify
        if notice is not None:
            _to_applicant(session, submission, NOTICE_KINDS[notice], transition_record_id=record.id)
    elif resubmitted:
        for staff in recipients_for_staff(session, submission):
            _to_staff(session, submission, staff, NotificationKind.RESUBMITTED, transition_record_id=record.id)


def message_posted(session: Session, submission: Submission, message: CaseMessage) -> None:
    """A message in the case's conversation tells the other side (never the text: the page shows it)."""
    if message.from_staff:
        _to_applicant(session, submission, NotificationKind.STAFF_MESSAGE, case_message_id=message.id)
        return
    for staff in recipients_for_staff(session, submission):
        _to_staff(session, submission, staff, NotificationKind.RESIDENT_MESSAGE, case_message_id=message.id)


def address_to_confirm(session: Session, resident_id: int) -> None:
    """The email with the link that confirms the address a resident just entered."""
    _queue(
        session,
        Notification(
            recipient_kind=RecipientKind.RESIDENT, recipient_id=resident_id, kind=NotificationKind.CONFIRM_ADDRESS
        ),
    )


def personal_notice(session: Session, notice: PersonalNotice, resident_id: int) -> None:
    """本人通知 by email: the person (a portal user with a confirmed address) is told of the certificate issued
    about them, naming neither the case nor who asked (portal.web.notifications)."""
    _queue(
        session,
        Notification(
            recipient_kind=ActorKind.RESIDENT,
            recipient_id=resident_id,
            kind=NotificationKind.PERSONAL_NOTICE,
            municipality_code=notice.municipality_code,
            personal_notice_id=notice.id,
        ),
    )


def recipients_for_staff(session: Session, submission: Submission) -> list[Staff]:
    """The staff members told of the applicant's reply or resubmission: the case's 担当 when it has one, else those
    of the case's municipality who acted on it last (the latest staff transition or staff message), else, when no
    staff member has yet, its clerks. Only those with an address.
    """
    query = select(Staff).where(Staff.municipality_code == submission.municipality_code, Staff.email != "")
    if submission.assignee_id is not None and (
        assignee := session.scalars(query.where(Staff.id == submission.assignee_id)).one_or_none()
    ):
        return [assignee]
    staff_acts = [
        session.execute(
            select(model.created_at, actor_id)
            .where(model.submission_id == submission.id, kind == ActorKind.STAFF)
            .order_by(model.id.desc())
            .limit(1)
        ).first()
        for model, actor_id, kind in (
            (TransitionRecord, TransitionRecord.actor_id, TransitionRecord.actor_kind),
            (CaseMessage, CaseMessage.author_id, CaseMessage.author_kind),
        )
    ]
    latest = max((act for act in staff_acts if act is not None), key=lambda act: act[0], default=None)
    if latest is not None and (acted := session.scalars(query.where(Staff.id == latest[1])).one_or_none()):
        return [acted]
    return [staff for staff in session.scalars(query.order_by(Staff.id)) if Role.CLERK in staff.roles]


def _to_applicant(session: Session, submission: Submission, kind: NotificationKind, **about: int) -> None:
    """An online applicant at the address they confirmed; a counter one only at the address they agreed to."""
    if submission.resident_id is None:
        if submission.notify_email is None:
            return
        recipient = (RecipientKind.COUNTER, submission.id)
    else:
        settings = session.get(MailSettings, submission.resident_id)
        if settings is None or settings.deliverable is None:
            return
        recipient = (RecipientKind.RESIDENT, submission.resident_id)
    _queue(
        session,
        Notification(
            recipient_kind=recipient[0],
            recipient_id=recipient[1],
            kind=kind,
            municipality_code=submission.municipality_code,
            submission_id=submission.id,
            **about,
        ),
    )


def _to_staff(session: Session, submission: Submission, staff: Staff, kind: NotificationKind, **about: int) -> None:
    _queue(
        session,
        Notification(
            recipient_kind=RecipientKind.STAFF,
            recipient_id=staff.id,
            kind=kind,
            municipality_code=submission.municipality_code,
            submission_id=submission.id,
            **about,
        ),
    )


def _queue(session: Session, notification: Notification) -> None:
    session.add(notification)
    session.flush()
    session.info.setdefault(QUEUED, []).append(notification.id)


def queued_in(session: Session) -> list[int]:
    """The notifications written in the transaction just committed (or rolled back), forgotten as they are read."""
    return session.info.pop(QUEUED, [])


# -- sending ----------------------------------------------------------------------------------------


def claim(session: Session, notification_id: int, now: datetime, retry_after: timedelta) -> Notification | None:
    """Lock the notification and take it for one attempt; None when it is no longer pending, or another worker
    took it less than ``retry_after`` ago (a second delivery of the same task)."""
    notification = session.scalars(
        select(Notification).filter_by(id=notification_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if notification is None or notification.state is not NotificationState.PENDING:
        return None
    if notification.claimed_at is not None and notification.claimed_at > now - retry_after:
        return None
    notification.claimed_at = now
    notification.attempts += 1
    session.flush()
    return notification


def mark_sent(session: Session, notification_id: int, now: datetime) -> None:
    _finish(session, notification_id, state=NotificationState.SENT, sent_at=now, last_error=None)


def mark_skipped(session: Session, notification_id: int, reason: str) -> None:
    _finish(session, notification_id, state=NotificationState.SKIPPED, last_error=reason[:ERROR_LENGTH])


def mark_failed_attempt(session: Session, notification_id: int, error: str) -> NotificationState:
    """Keep why the attempt failed; after :data:`MAX_ATTEMPTS` the notification is failed, else the sweep tries
    again once ``retry_after`` has passed since this claim."""
    notification = session.get_one(Notification, notification_id, with_for_update=True, populate_existing=True)
    notification.last_error = error[:ERROR_LENGTH]
    if notification.attempts >= MAX_ATTEMPTS:
        notification.state = NotificationState.FAILED
    session.flush()
    return notification.state


def _finish(session: Session, notification_id: int, **values: object) -> None:
    session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.state == NotificationState.PENDING)
        .values(**values)
    )


def due(session: Session, now: datetime, retry_after: timedelta) -> Sequence[int]:
    """Pending notifications a task should have sent by now: never taken ``retry_after`` after they were written
    (a broker down at the commit, a lost message), or taken that long ago and not finished (a worker lost
    mid-send, a refused attempt)."""
    cutoff = now - retry_after
    return session.scalars(
        select(Notification.id)
        .where(
            Notification.state == NotificationState.PENDING,
            or_(
                and_(Notification.claimed_at.is_(None), Notification.created_at < cutoff),
                Notification.claimed_at < cutoff,
            ),
        )
        .order_by(Notification.created_at, Notification.id)
        .limit(SWEEP_BATCH)
    ).all()


def skip_pending(session: Session, reason: str) -> int:
    """Email is disabled: every pending notification is skipped (turning it on again sends none of them)."""
    result = session.execute(
        update(Notification)
        .where(Notification.state == NotificationState.PENDING)
        .values(state=NotificationState.SKIPPED, last_error=reason[:ERROR_LENGTH])
    )
    return result.rowcount  # type: ignore[attr-defined, no-any-return]
