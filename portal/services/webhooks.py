"""Webhooks: a municipality's subscriptions to its cases' events, and the outbox of deliveries to them.

A state change writes one delivery per matching subscription in its own transaction (:func:`case_changed`), so a
delivery exists exactly when the change does; once committed, portal.tasks.webhooks sends it, signed, and beat's
sweep sends again what failed, after 1, 2, 4… minutes (:func:`backoff`), until :data:`MAX_ATTEMPTS` failures put it
on the dead-letter list, from which an administrator sends it again (:func:`redeliver`).

A payload holds ids, the procedure, states and times, never personal data: the receiver fetches the case through
the API with its own token. Subscriptions are settings: adding and removing one, and sending a dead delivery again,
are written to the audit log (the URL and events, never the secret).

In production a subscription's URL must be https and reach a public address: a loopback, private, link-local or
reserved address (or a name resolving to one) is refused, when the URL is saved and again before each delivery, so
the portal cannot be made to call into its own network (SSRF). A delivery connects to the very address that check
resolved (:func:`destinations`): a name cannot answer a public address to the check and an internal one to the
connection a moment later (DNS rebinding). Development and tests may use loopback receivers.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import socket
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.catalog.characters import refused_character
from portal.messages import N_, Message
from portal.models import (
    AuditAction,
    DeliveryState,
    Submission,
    TransitionRecord,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from portal.services import audit
from portal.services.actors import Administrator
from portal.services.municipalities import MunicipalityRefused, Problem, existing_municipality

QUEUED = "madoguchi.webhooks_to_send"  # Session.info: deliveries written in the open transaction
MAX_ATTEMPTS = 8  # then the delivery is dead: about two hours of back-off
FIRST_RETRY = timedelta(minutes=1)  # doubled after each failure
CLAIM_TIMEOUT = timedelta(minutes=5)  # a claimed delivery not finished this long after is sent again
URL_LIMIT = 2000
ERROR_LENGTH = 200
SWEEP_BATCH = 200
DEAD_LETTERS_SHOWN = 100
TIMESTAMP_HEADER = "X-Madoguchi-Timestamp"
SIGNATURE_HEADER = "X-Madoguchi-Signature"


# -- subscriptions ----------------------------------------------------------------------------------


def subscriptions(session: Session, actor: Administrator, code: str) -> list[WebhookSubscription]:
    existing_municipality(session, actor, code)
    query = select(WebhookSubscription).filter_by(municipality_code=code, removed_at=None)
    return list(session.scalars(query.order_by(WebhookSubscription.id)))


def add_subscription(
    session: Session,
    actor: Administrator,
    code: str,
    url: str,
    events: Iterable[WebhookEvent],
    procedures: Iterable[str],
    production: bool,
) -> WebhookSubscription:
    """A new subscription with a fresh secret; every problem of the URL and events is said at once."""
    existing_municipality(session, actor, code)
    url, events = url.strip(), frozenset(events)
    problems = url_problems(url, production)
    if not events:
        problems.append(Problem("events", Message(N_("通知するイベントを1つ以上選んでください。"))))
    if problems:
        raise MunicipalityRefused(*problems)
    subscription = WebhookSubscription(
        municipality_code=code,
        url=url,
        secret="whsec_" + secrets.token_urlsafe(32),
        event_values=sorted(event.value for event in events),
        procedures=sorted(set(procedures)),
    )
    session.add(subscription)
    session.flush()
    audit.record(session, actor, AuditAction.WEBHOOK_ADDED, _target(subscription), None, _settings(subscription), code)
    return subscription


def remove_subscription(
    session: Session, actor: Administrator, code: str, subscription_id: int, now: datetime
) -> WebhookSubscription:
    """Nothing more is sent to it; what was still pending is given up (dead, off the list with it)."""
    subscription = _subscription(session, actor, code, subscription_id)
    subscription.removed_at = now
    session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription.id, WebhookDelivery.state == DeliveryState.PENDING)
        .values(state=DeliveryState.DEAD, last_error="subscription removed")
    )
    session.flush()
    audit.record(
        session, actor, AuditAction.WEBHOOK_REMOVED, _target(subscription), _settings(subscription), None, code
    )
    return subscription


def url_problems(url: str, production: bool) -> list[Problem]:
    """What is wrong with ``url`` as a receiver (see the module's note on production)."""
    if not url:
        return [_url_problem(N_("送信先のURLを入力してください。"))]
    if len(url) > URL_LIMIT or refused_character(url, multiline=False) or " " in url:
        return [
            _url_problem(
                N_("送信先のURLは、空白や制御文字を含まない%(max)d文字以内で入力してください。"), max=URL_LIMIT
            )
        ]
    parts = urlsplit(url)
    schemes = ("https",) if production else ("https", "http")
    if parts.scheme not in schemes or not parts.hostname:
        if production:
            return [_url_problem(N_("送信先のURLは https:// で始まる形で入力してください。"))]
        return [_url_problem(N_("送信先のURLは https:// または http:// で始まる形で入力してください。"))]
    if parts.username or parts.password:
        return [_url_problem(N_("送信先のURLに利用者名やパスワードは含められません。"))]
    if production and (refused := refused_destination(url)):
        return [_url_problem(DESTINATION_REFUSED[refused])]
    return []


UNRESOLVED, NOT_PUBLIC = "unresolved host", "not a public address"
DESTINATION_REFUSED = {
    UNRESOLVED: N_("送信先のURLのホスト名を解決できません。"),
    NOT_PUBLIC: N_(
        "送信先のURLが内部のアドレス（ループバック・プライベート・リンクローカルなど）を指しています。公開されたアドレスの受信先を指定してください。"
    ),
}


class Refused(Exception):
    """A receiver's host the portal will not call: :data:`UNRESOLVED` or :data:`NOT_PUBLIC` (``reason``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def destinations(url: str, *, public_only: bool) -> list[str]:
    """The addresses to connect to for ``url``, in the resolver's order: its host resolved once and, with
    ``public_only``, every address checked (a loopback, private, link-local, reserved or multicast one refuses the
    URL). Raises :class:`Refused`."""
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname or "", parts.port or 443, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError, ValueError):
        raise Refused(UNRESOLVED) from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses:
        raise Refused(UNRESOLVED)
    if public_only and not all(public(address) for address in addresses):
        raise Refused(NOT_PUBLIC)
    return list(dict.fromkeys(str(address) for address in addresses))


def public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a production receiver may be at ``address``: a global unicast address."""
    return address.is_global and not address.is_multicast


def refused_destination(url: str) -> str | None:
    """Why ``url``'s host may not be called in production (see :func:`destinations`); None when it may."""
    try:
        destinations(url, public_only=True)
    except Refused as refused:
        return refused.reason
    return None


def _url_problem(msgid: str, **params: Any) -> Problem:
    return Problem("url", Message(msgid, params))


def _subscription(session: Session, actor: Administrator, code: str, subscription_id: int) -> WebhookSubscription:
    existing_municipality(session, actor, code)
    found = session.get(WebhookSubscription, subscription_id)
    if found is None or found.municipality_code != code or found.removed_at is not None:
        raise MunicipalityRefused(
            Problem("id", Message(N_("ID %(id)s のWebhookの登録はありません。"), {"id": subscription_id}))
        )
    return found


def _target(subscription: WebhookSubscription) -> str:
    return f"webhook:{subscription.id}"


def _settings(subscription: WebhookSubscription) -> dict[str, Any]:
    return {
        "url": subscription.url,
        "events": list(subscription.event_values),
        "procedures": list(subscription.procedures),
    }


# -- the outbox -------------------------------------------------------------------------------------


def case_changed(session: Session, event: WebhookEvent, submission: Submission, record: TransitionRecord) -> None:
    """The submission was made (``record`` is its first row) or changed state: a delivery to each subscription of
    its municipality that wants the event for its procedure."""
    query = select(WebhookSubscription).filter_by(municipality_code=submission.municipality_code, removed_at=None)
    for subscription in session.scalars(query.order_by(WebhookSubscription.id)):
        if event not in subscription.events:
            continue
        if subscription.procedures and submission.procedure not in subscription.procedures:
            continue
        event_id = str(uuid.uuid4())
        delivery = WebhookDelivery(
            event_id=event_id,
            subscription_id=subscription.id,
            municipality_code=submission.municipality_code,
            submission_id=submission.id,
            event=event,
            payload=payload(event_id, event, submission, record),
            next_attempt_at=record.created_at,
        )
        session.add(delivery)
        session.flush()
        session.info.setdefault(QUEUED, []).append(delivery.id)


def payload(event_id: str, event: WebhookEvent, submission: Submission, record: TransitionRecord) -> dict[str, Any]:
    """What a receiver is told: ids, procedure, states and times only."""
    return {
        "id": event_id,
        "type": event.value,
        "created_at": record.created_at.isoformat(),
        "municipality_code": submission.municipality_code,
        "case": {
            "reference": submission.reference,
            "procedure": submission.procedure,
            "state": submission.state,
            "closed": submission.closed,
            "submitted_at": submission.submitted_at.isoformat(),
        },
        "transition": {
            "name": record.transition,
            "from_state": record.from_state,
            "to_state": record.to_state,
            "actor_kind": record.actor_kind.value,
            "at": record.created_at.isoformat(),
        },
        "links": {"case": f"/api/v1/cases/{submission.reference}"},
    }


def queued_in(session: Session) -> list[int]:
    """The deliveries written in the transaction just committed (or rolled back), forgotten as they are read."""
    return session.info.pop(QUEUED, [])


# -- sending ----------------------------------------------------------------------------------------


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256, keyed by the subscription's secret, of ``timestamp.body``."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def claim(session: Session, delivery_id: int, now: datetime) -> tuple[WebhookDelivery, WebhookSubscription] | None:
    """Lock a due delivery and take it for one attempt; None when it is not pending, not yet due, or another worker
    took it less than :data:`CLAIM_TIMEOUT` ago (a second delivery of the same task)."""
    delivery = session.scalars(
        select(WebhookDelivery).filter_by(id=delivery_id).with_for_update().execution_options(populate_existing=True)
    ).one_or_none()
    if delivery is None or delivery.state is not DeliveryState.PENDING or delivery.next_attempt_at > now:
        return None
    if delivery.claimed_at is not None and delivery.claimed_at > now - CLAIM_TIMEOUT:
        return None
    delivery.claimed_at = now
    delivery.attempts += 1
    session.flush()
    return delivery, session.get_one(WebhookSubscription, delivery.subscription_id)


def mark_delivered(session: Session, delivery_id: int, now: datetime, status: int) -> None:
    delivery = session.get_one(WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True)
    delivery.state, delivery.delivered_at, delivery.last_status, delivery.last_error = (
        DeliveryState.DELIVERED,
        now,
        status,
        None,
    )
    session.flush()


def mark_failed(session: Session, delivery_id: int, now: datetime, status: int | None, error: str) -> DeliveryState:
    """Keep why the attempt failed; the next one after :func:`backoff`, or dead after :data:`MAX_ATTEMPTS`."""
    delivery = session.get_one(WebhookDelivery, delivery_id, with_for_update=True, populate_existing=True)
    delivery.last_status, delivery.last_error, delivery.claimed_at = status, error[:ERROR_LENGTH], None
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.DEAD
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    session.flush()
    return delivery.state


def backoff(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure a delivery is tried again: 1, 2, 4, 8… minutes."""
    return FIRST_RETRY * 2 ** (attempts - 1)


def due(session: Session, now: datetime) -> Sequence[int]:
    """Pending deliveries whose time has come that no worker holds (or one lost since :data:`CLAIM_TIMEOUT`)."""
    return session.scalars(
        select(WebhookDelivery.id)
        .where(
            WebhookDelivery.state == DeliveryState.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            (WebhookDelivery.claimed_at.is_(None)) | (WebhookDelivery.claimed_at < now - CLAIM_TIMEOUT),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(SWEEP_BATCH)
    ).all()


# -- the dead-letter list ---------------------------------------------------------------------------


def dead_letters(session: Session, actor: Administrator, code: str) -> list[WebhookDelivery]:
    """The municipality's dead deliveries to its current subscriptions, newest first."""
    existing_municipality(session, actor, code)
    query = (
        select(WebhookDelivery)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.municipality_code == code,
            WebhookDelivery.state == DeliveryState.DEAD,
            WebhookSubscription.removed_at.is_(None),
        )
        .order_by(WebhookDelivery.id.desc())
        .limit(DEAD_LETTERS_SHOWN)
    )
    return list(session.scalars(query))


def redeliver(session: Session, actor: Administrator, code: str, delivery_id: int, now: datetime) -> WebhookDelivery:
    """再送: a dead delivery is pending again, with a full round of attempts, sent after the commit."""
    existing_municipality(session, actor, code)
    delivery = session.scalars(
        select(WebhookDelivery).filter_by(id=delivery_id, municipality_code=code).with_for_update()
    ).one_or_none()
    subscription = session.get(WebhookSubscription, delivery.subscription_id) if delivery else None
    if delivery is None or subscription is None or subscription.removed_at is not None:
        raise MunicipalityRefused(Problem("id", Message(N_("この配信は見つかりません。"))))
    if delivery.state is not DeliveryState.DEAD:
        raise MunicipalityRefused(
            Problem("id", Message(N_("この配信は再送の対象ではありません（送信待ちか送信済みです）。")))
        )
    delivery.state, delivery.attempts, delivery.next_attempt_at, delivery.claimed_at = (
        DeliveryState.PENDING,
        0,
        now,
        None,
    )
    session.flush()
    session.info.setdefault(QUEUED, []).append(delivery.id)
    audit.record(
        session,
        actor,
        AuditAction.WEBHOOK_REDELIVERED,
        _target(subscription),
        None,
        {"event": delivery.event_id, "reference": delivery.payload["case"]["reference"]},
        code,
    )
    return delivery
