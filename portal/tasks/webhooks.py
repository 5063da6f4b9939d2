"""Sending webhook deliveries off the request, signed, and the sweep that retries them with back-off.

The change writes its deliveries (portal.services.webhooks); once that transaction has committed, each is sent to
the worker. Sending claims the delivery and commits before the network is involved, so a second delivery of the
task sends nothing. A failure (no answer, a non-2xx status, a redirect) is kept with its status and the
exception's class, and beat's sweep, every minute, sends what has come due: 1, 2, 4… minutes after each failure,
until the delivery is dead (the administration pages list it with 再送).
"""

from __future__ import annotations

import json
import logging
import ssl
from datetime import datetime
from functools import cache
from urllib.parse import urlsplit

import certifi
import urllib3
from celery import Celery
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.config import Environment
from portal.database import db
from portal.models.base import utcnow
from portal.services import webhooks
from portal.tasks.base import EXTENSION, current_celery

DELIVER = "portal.deliver_webhook"
SWEEP = "portal.sweep_webhooks"
SWEEP_EVERY_SECONDS = 60.0
TIMEOUT = urllib3.Timeout(connect=3, read=10)  # a slow receiver holds one worker for at most this long
USER_AGENT = "Madoguchi-Webhook/1"

log = logging.getLogger(__name__)


def register(celery: Celery) -> None:
    celery.task(name=DELIVER)(deliver)
    celery.task(name=SWEEP)(sweep)
    celery.conf.beat_schedule[SWEEP] = {"task": SWEEP, "schedule": SWEEP_EVERY_SECONDS}
    if not event.contains(Session, "after_commit", _send_queued):
        event.listen(Session, "after_commit", _send_queued)
        event.listen(Session, "after_soft_rollback", _forget_queued)


def deliver(delivery_id: int) -> None:
    """One attempt at a due delivery: claimed (and committed), POSTed, then marked delivered or failed."""
    session = db.session
    now = utcnow()
    claimed = webhooks.claim(session, delivery_id, now)
    if claimed is None:  # delivered, dead, not yet due, or another worker has it
        session.rollback()
        return
    delivery, subscription = claimed
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    url, secret, event_name, event_id = subscription.url, subscription.secret, delivery.event.value, delivery.event_id
    session.commit()  # the claim stands before the network is involved
    status, error = _post(url, secret, body, event_name, event_id, now)
    if error is None:
        webhooks.mark_delivered(session, delivery_id, utcnow(), status or 0)
    else:
        state = webhooks.mark_failed(session, delivery_id, now, status, error)
        log.warning("webhook delivery %d failed (%s): %s", delivery_id, error, state.value)
    session.commit()


def _post(
    url: str, secret: str, body: bytes, event_name: str, event_id: str, now: datetime
) -> tuple[int | None, str | None]:
    """(status, None) when the receiver took it (2xx), else (status or None, why): never the response's body."""
    production = current_app.config["ENVIRONMENT"] is Environment.PRODUCTION
    try:  # checked again: a name may resolve elsewhere than when it was saved
        addresses = webhooks.destinations(url, public_only=production)
    except webhooks.Refused as refused:
        return None, refused.reason
    timestamp = str(int(now.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Madoguchi-Event": event_name,
        "X-Madoguchi-Delivery": event_id,
        webhooks.TIMESTAMP_HEADER: timestamp,
        webhooks.SIGNATURE_HEADER: webhooks.signature(secret, timestamp, body),
    }
    try:
        status = _send_to_one(url, addresses, body, headers)
    except (urllib3.exceptions.HTTPError, OSError, UnicodeError) as error:
        return None, type(error).__name__
    if 200 <= status < 300:
        return status, None
    return status, f"HTTP {status}"


def _send_to_one(url: str, addresses: list[str], body: bytes, headers: dict[str, str]) -> int:
    """:func:`_send` to the first of ``addresses`` that takes the connection (a name may have an IPv6 address this
    host cannot reach, and an IPv4 one it can)."""
    *others, last = addresses
    for address in others:
        try:
            return _send(url, address, body, headers)
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError):
            continue
    return _send(url, last, body, headers)


def _send(url: str, address: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to ``url`` over a connection to ``address``, the one the check resolved (no second look-up
    for a rebound name to answer differently); the Host header, TLS's server name and the certificate's check
    name the URL's host. The status: no redirect is followed, no body read."""
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii")
    options: dict[str, object] = {"timeout": TIMEOUT, "retries": False, "maxsize": 1}
    if parts.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, parts.port or 443, server_hostname=host, ssl_context=_tls(), **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, parts.port or 80, **options)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = host if parts.port is None else f"{host}:{parts.port}"
    with pool:
        response = pool.urlopen(
            "POST", target, body=body, headers={**headers, "Host": host_header}, redirect=False, preload_content=False
        )
        response.release_conn()
        return response.status


@cache
def _tls() -> ssl.SSLContext:
    """The certificates requests would trust, read at the first delivery over https (not at every start)."""
    return ssl.create_default_context(cafile=certifi.where())


def sweep() -> None:
    """Send every delivery that has come due (a failure's back-off over, or a task lost)."""
    session = db.session
    waiting = webhooks.due(session, utcnow())
    session.rollback()  # only read: let SQLite's writers go before talking to the broker
    for delivery_id in waiting:
        send(delivery_id)


def send(delivery_id: int) -> None:
    """Queue one delivery; a broker that cannot take it is logged and left to the sweep."""
    try:
        current_celery().tasks[DELIVER].delay(delivery_id)
    except Exception as error:  # noqa: BLE001 - the change is committed: never fail it over the queue
        log.error("webhook delivery %d not queued (%s); the sweep sends it", delivery_id, type(error).__name__)


def _send_queued(session: Session) -> None:
    """After a commit, the deliveries written in it exist for every connection: send them."""
    queued = webhooks.queued_in(session)
    if queued and has_app_context() and EXTENSION in current_app.extensions:
        for delivery_id in queued:
            send(delivery_id)


def _forget_queued(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        webhooks.queued_in(session)
