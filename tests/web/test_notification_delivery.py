"""Notifications as production sends them: the change commits its outbox rows, the worker gets one task per row
after the commit, and beat's sweep sends what was lost on the way. An SMTP server that refuses leaves the row for
the sweep (up to MAX_ATTEMPTS, then failed); a task delivered twice sends one email; a recipient gone by then is
skipped; with email disabled the sweep marks pending ones skipped."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.devtools.mailsink import MailSink, free_port
from portal.mail import Security, SmtpServer
from portal.models import Municipality, Notification, NotificationKind, NotificationState, Staff, Submission
from portal.models.base import utcnow
from portal.services.actors import ActingUser
from portal.services.notifications import MAX_ATTEMPTS
from portal.services.submissions import SubmissionService
from portal.tasks.notifications import SEND, SWEEP, deliver
from portal.web.current import current_procedures
from tests.broker import REDIS_URL, Broker, use_prefix
from tests.web.conftest import PUBLIC_URL, logged_in
from tests.web.journeys import JUMINHYO_ANSWERS, apply, post_form
from tests.web.mailbox import Mailbox

CODE = "999997"
YAMADA = "yamada@example.jp"
RETRY_SECONDS = 120


def queuing_app(build_app: Callable[..., Flask], broker: Broker, sink: MailSink, broker_url: str = REDIS_URL) -> Flask:
    """The portal as production runs it: tasks go to the broker, nobody sends mail in the request."""
    app = build_app(
        PUBLIC_URL=PUBLIC_URL,
        CELERY_BROKER_URL=broker_url,
        SMTP_URL=sink.url,
        MAIL_RETRY_SECONDS=str(RETRY_SECONDS),
    )
    use_prefix(app.extensions["celery"], broker.prefix)
    return app


@pytest.fixture
def portal(
    build_app: Callable[..., Flask], broker: Broker, mail_sink: MailSink, demo: dict[str, Municipality]
) -> Flask:
    return queuing_app(build_app, broker, mail_sink)


def run_queued(app: Flask, broker: Broker) -> list[tuple[str, list[Any]]]:
    """Run every queued task as the worker would, and take it off the queue; returns what was queued."""
    queued = broker.queued()
    broker.clean()
    celery = app.extensions["celery"]
    for name, args in queued:
        celery.tasks[name].apply(args=args).get()
    return queued


def registered_resident(app: Flask, broker: Broker, mailbox: Mailbox) -> Any:
    """山田 with a confirmed address (the confirmation email sent by the worker)."""
    resident = logged_in(app, "resident", "resident-yamada")
    post_form(resident, "/account/notifications/address", {"address": YAMADA}, token_from="/account/notifications")
    run_queued(app, broker)
    [mail] = mailbox.to(YAMADA)
    path = "/" + mail.links[0].split("/", 3)[3]
    assert post_form(resident, path, {}).status_code == 303
    mailbox.clear()
    return resident


def outbox(db_session: Session) -> list[Notification]:
    db_session.expire_all()
    return list(db_session.scalars(select(Notification).order_by(Notification.id)))


def test_the_worker_gets_each_notification_only_after_the_commit_and_sends_it_once(
    portal: Flask, broker: Broker, mailbox: Mailbox, db_session: Session
) -> None:
    resident = registered_resident(portal, broker, mailbox)
    reference = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    received = outbox(db_session)[-1]
    assert (received.kind, received.state, received.attempts) == (
        NotificationKind.RECEIVED,
        NotificationState.PENDING,
        0,
    )
    assert broker.queued() == [(SEND, [received.id])] and mailbox.received() == []

    assert run_queued(portal, broker) == [(SEND, [received.id])]
    [mail] = mailbox.to(YAMADA)
    assert reference in mail.subject

    portal.extensions["celery"].tasks[SEND].apply(args=[received.id]).get()  # delivered again, or sent again
    assert len(mailbox.received()) == 1
    [sent] = [n for n in outbox(db_session) if n.id == received.id]
    assert (sent.state, sent.attempts, sent.last_error) == (NotificationState.SENT, 1, None) and sent.sent_at


def test_a_decision_is_queued_only_once_its_transaction_has_committed(
    portal: Flask, broker: Broker, mailbox: Mailbox, db_session: Session
) -> None:
    """SubmissionService writes the 却下's notification in its savepoint; releasing it commits nothing, and a worker
    handed the task then would find no row to send."""
    resident = registered_resident(portal, broker, mailbox)
    reference = apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    logged_in(portal, "staff", "staff-mihon-clerk")
    run_queued(portal, broker)  # the receipt
    with portal.app_context():
        submission = db_session.scalars(select(Submission).filter_by(reference=reference)).one()
        clerk = db_session.scalars(select(Staff).filter_by(subject="staff-mihon-clerk")).one()
        service = SubmissionService(db_session, current_procedures(), ActingUser.of_staff(clerk))
        service.fire(submission, "start_review", None)
        service.fire(submission, "reject", "添付書類が不足しています。")
        assert broker.queued() == []
        db_session.commit()
    rejected = outbox(db_session)[-1]
    assert rejected.kind is NotificationKind.REJECTED and broker.queued() == [(SEND, [rejected.id])]


def test_a_refusing_server_leaves_it_to_the_sweep_which_gives_up_after_the_last_attempt(
    portal: Flask, broker: Broker, mailbox: Mailbox, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    resident = registered_resident(portal, broker, mailbox)
    nobody_listens = SmtpServer("127.0.0.1", free_port("127.0.0.1"), Security.NONE, timeout=2)
    working = portal.config["SMTP"]
    monkeypatch.setitem(portal.config, "SMTP", nobody_listens)
    apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    run_queued(portal, broker)
    notification = outbox(db_session)[-1]
    assert (notification.state, notification.attempts) == (NotificationState.PENDING, 1)
    assert notification.last_error == "ConnectionRefusedError" and mailbox.received() == []

    def sweep_later() -> list[tuple[str, list[Any]]]:
        """Beat's sweep once the retry delay has passed since the last attempt."""
        notification.claimed_at = utcnow() - timedelta(seconds=RETRY_SECONDS + 1)
        db_session.flush()
        portal.extensions["celery"].tasks[SWEEP].apply().get()
        return run_queued(portal, broker)

    portal.extensions["celery"].tasks[SWEEP].apply().get()
    assert broker.queued() == []  # tried a moment ago: not yet
    for attempt in range(2, MAX_ATTEMPTS + 1):
        assert sweep_later() == [(SEND, [notification.id])]
        assert outbox(db_session)[-1].attempts == attempt
    assert outbox(db_session)[-1].state is NotificationState.FAILED
    monkeypatch.setitem(portal.config, "SMTP", working)
    assert sweep_later() == []  # given up: no more attempts, even with the server back
    assert mailbox.received() == []


def test_the_sweep_sends_what_was_lost_and_a_server_back_delivers_it(
    portal: Flask, broker: Broker, mailbox: Mailbox, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    resident = registered_resident(portal, broker, mailbox)
    apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    apply(resident, CODE, "juminhyo", {**JUMINHYO_ANSWERS, "copies": "1"})
    late, fresh = outbox(db_session)[-2:]
    broker.clean()  # the tasks are lost: a Redis restarted without persistence, say
    late.created_at = utcnow() - timedelta(seconds=RETRY_SECONDS + 1)
    db_session.flush()

    portal.extensions["celery"].tasks[SWEEP].apply().get()
    assert run_queued(portal, broker) == [(SEND, [late.id])]  # the fresh one may still be on its way
    assert len(mailbox.to(YAMADA)) == 1
    assert [n.state for n in outbox(db_session)[-2:]] == [NotificationState.SENT, NotificationState.PENDING]


def test_a_broker_down_at_the_commit_loses_nothing(
    build_app: Callable[..., Flask],
    portal: Flask,
    broker: Broker,
    mail_sink: MailSink,
    mailbox: Mailbox,
    db_session: Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    registered_resident(portal, broker, mailbox)
    unreachable = queuing_app(build_app, broker, mail_sink, broker_url="redis://127.0.0.1:9/0")
    resident = logged_in(unreachable, "resident", "resident-yamada")
    with caplog.at_level(logging.ERROR, logger="portal.tasks.notifications"):
        apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    notification = outbox(db_session)[-1]
    assert [r.getMessage() for r in caplog.records if r.name == "portal.tasks.notifications"] == [
        f"notification {notification.id} not queued (OperationalError); the sweep sends it"
    ]
    notification.created_at = utcnow() - timedelta(seconds=RETRY_SECONDS + 1)
    db_session.flush()
    portal.extensions["celery"].tasks[SWEEP].apply().get()
    assert run_queued(portal, broker) == [(SEND, [notification.id])]
    assert len(mailbox.to(YAMADA)) == 1


def test_a_recipient_gone_before_sending_is_skipped(
    portal: Flask, broker: Broker, mailbox: Mailbox, db_session: Session
) -> None:
    resident = registered_resident(portal, broker, mailbox)
    apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    post_form(resident, "/account/notifications/remove", {}, token_from="/account/notifications")
    run_queued(portal, broker)
    notification = outbox(db_session)[-1]
    assert notification.state is NotificationState.SKIPPED and notification.attempts == 1
    assert mailbox.received() == []


def test_with_email_disabled_nothing_is_queued_and_the_sweep_skips_what_is_pending(
    portal: Flask, broker: Broker, mailbox: Mailbox, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    resident = registered_resident(portal, broker, mailbox)
    monkeypatch.setitem(portal.config, "SMTP", None)  # SMTP_URL=disabled
    apply(resident, CODE, "juminhyo", JUMINHYO_ANSWERS)
    assert broker.queued() == []
    assert resident.get("/account/notifications").status_code == 200
    refused = post_form(
        resident, "/account/notifications/address", {"address": "new@example.jp"}, token_from="/account/notifications"
    )
    assert refused.status_code == 404
    portal.extensions["celery"].tasks[SWEEP].apply().get()
    notification = outbox(db_session)[-1]
    assert notification.state is NotificationState.SKIPPED and notification.last_error.startswith("email disabled")
    assert mailbox.received() == []


def test_the_beat_schedule_runs_the_sweep_every_minute(portal: Flask) -> None:
    schedule = portal.extensions["celery"].conf.beat_schedule
    assert schedule[SWEEP] == {"task": SWEEP, "schedule": 60.0}


def test_delivering_an_unknown_notification_does_nothing(portal: Flask, mailbox: Mailbox) -> None:
    with portal.app_context():
        deliver(10**9)
    assert mailbox.received() == []
