"""Sending notification emails off the request, and the sweep that makes sure they go.

The change that causes a notification writes its row (portal.services.notifications); once that transaction
has committed, the row is sent to the worker. Sending claims the row and commits before talking to the SMTP
server, so the database never waits on the network, and a second delivery of the task sends nothing. What is
lost on the way (a broker down at the commit, a worker killed mid-send, a server refusing for a while) the sweep
sends again, up to MAX_ATTEMPTS; with email disabled (SMTP_URL=disabled) it marks pending ones skipped.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta

from celery import Celery
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.database import db
from portal.mail import SmtpServer
from portal.models.base import utcnow
from portal.services import notifications as outbox
from portal.tasks.base import EXTENSION, current_celery
from portal.web.notifications import compose

SEND = "portal.send_notification"
SWEEP = "portal.sweep_notifications"
SWEEP_EVERY_SECONDS = 60.0
MAIL_DISABLED = "email disabled (SMTP_URL=disabled)"
NO_RECIPIENT = "no recipient any more (address removed or notifications turned off)"

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    celery.task(name=SEND)(deliver)
    celery.task(name=SWEEP)(sweep)
    celery.conf.beat_schedule[SWEEP] = {"task": SWEEP, "schedule": SWEEP_EVERY_SECONDS}
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_soft_rollback", _forget_queued)


def _retry_after() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_RETRY_SECONDS"])


def deliver(notification_id: int) -> None:
    """Send one notification once: claimed (and committed) first, then handed to the SMTP server, then marked."""
    smtp: SmtpServer | None = current_app.config["SMTP"]
    if smtp is None:
        return  # the sweep marks it skipped
    session = db.session
    notification = outbox.claim(session, notification_id, utcnow(), _retry_after())
    if notification is None:  # sent, given up, or another worker has it
        session.rollback()
        return
    email = compose(session, notification)
    if email is None:
        outbox.mark_skipped(session, notification_id, NO_RECIPIENT)
        session.commit()
        return
    session.commit()  # the claim stands before the network is involved
    try:
        smtp.send(email)
    except (smtplib.SMTPException, OSError) as error:
        state = outbox.mark_failed_attempt(session, notification_id, _described(error))
        session.commit()
        log.warning("notification %d not sent (%s): %s", notification_id, _described(error), state.value)
        return
    outbox.mark_sent(session, notification_id, utcnow())
    session.commit()


def sweep() -> None:
    """Send again every notification a task should have sent by now; skip them all while email is disabled."""
    session = db.session
    if current_app.config["SMTP"] is None:
        skipped = outbox.skip_pending(session, MAIL_DISABLED)
        session.commit()
        if skipped:
            log.info("%d notification(s) skipped: email is disabled", skipped)
        return
    waiting = outbox.due(session, utcnow(), _retry_after())
    session.rollback()  # only read: let SQLite's writers go before talking to the broker
    if waiting:
        log.warning("%d notification(s) still unsent: sent again", len(waiting))
    for notification_id in waiting:
        send(notification_id)


def send(notification_id: int) -> None:
    """Queue one notification; a broker that cannot take it is logged and left to the sweep."""
    try:
        current_celery().tasks[SEND].delay(notification_id)
    except Exception as error:  # noqa: BLE001 - the change is committed: never fail it over the queue
        log.error("notification %d not queued (%s); the sweep sends it", notification_id, type(error).__name__)


def _described(error: BaseException) -> str:
    """The exception's class and SMTP code: never its text, which may repeat an address."""
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if code else type(error).__name__


def _send_queued(session: Session) -> None:
    """After a commit, the notifications written in it exist for every connection: send them (not when a savepoint
    is released, which fires this event too before anything is committed)."""
    if session.in_nested_transaction():
        return
    queued = outbox.queued_in(session)
    if queued and has_app_context() and EXTENSION in current_app.extensions and current_app.config["SMTP"]:
        for notification_id in queued:
            send(notification_id)


def _forget_queued(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        outbox.queued_in(session)
