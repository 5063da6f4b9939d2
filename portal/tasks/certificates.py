"""Rendering and signing certificates off the request, and the sweep that makes sure it happens.

The 交付 only reserves a certificate (portal.services.certificates); once its transaction has committed the
certificate is sent to the worker. The database stays the truth: whatever is lost on the way (a broker
down at that moment, a worker killed mid-render) is found by the sweep, and rendering twice stores once.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import Celery
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.database import db
from portal.models.base import utcnow
from portal.services import certificates
from portal.tasks.base import EXTENSION, current_celery
from portal.web.current import current_procedures

RENDER = "portal.render_certificate"
SWEEP = "portal.sweep_unrendered_certificates"
SWEEP_EVERY_SECONDS = 60.0  # beat: how often the sweep looks for certificates still without their PDF

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    celery.task(name=RENDER)(render)
    celery.task(name=SWEEP)(sweep)
    celery.conf.beat_schedule[SWEEP] = {"task": SWEEP, "schedule": SWEEP_EVERY_SECONDS}
    if not event.contains(Session, "after_commit", _send_reserved):
        event.listen(Session, "after_commit", _send_reserved)
        event.listen(Session, "after_soft_rollback", _forget_reserved)


def render(certificate_id: int) -> None:
    """Render and sign one reserved certificate; a rendered one is left alone, so a retry changes nothing."""
    certificates.render_certificate(db.session, current_procedures(), certificate_id)
    db.session.commit()


def sweep() -> None:
    """Send again every certificate still without its PDF ``CERTIFICATE_RETRY_SECONDS`` after its 交付."""
    cutoff = utcnow() - timedelta(seconds=current_app.config["CERTIFICATE_RETRY_SECONDS"])
    waiting = certificates.unrendered(db.session, reserved_before=cutoff)
    db.session.rollback()  # only read: let SQLite's writers go before talking to the broker
    if waiting:
        log.warning("%d certificate(s) still unrendered after their 交付: sent again", len(waiting))
    for certificate_id in waiting:
        send(certificate_id)


def send(certificate_id: int) -> None:
    """Queue one certificate for the worker; a broker that cannot take it is logged and left to the sweep."""
    try:
        current_celery().tasks[RENDER].delay(certificate_id)
    except Exception as error:  # noqa: BLE001 - the decision is committed: never fail it over the queue
        log.error("certificate %d not queued for rendering (%s); the sweep sends it again", certificate_id, error)


def _send_reserved(session: Session) -> None:
    """After a commit, the certificates reserved in it exist for every connection: send them. Releasing a savepoint
    (the 交付's, in SubmissionService) fires this event too, before anything is committed: they wait for the commit."""
    if session.in_nested_transaction():
        return
    reserved = certificates.reserved_in(session)
    if reserved and has_app_context() and EXTENSION in current_app.extensions:
        for certificate_id in reserved:
            send(certificate_id)


def _forget_reserved(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:  # the whole transaction, and its reservations, are gone
        certificates.reserved_in(session)
