"""Core systems and RPA reach a municipality's cases through the API (/api/v1) with a token of their own, and are
told of state changes by webhooks: the tokens, the idempotency keys of their POSTs, the subscriptions and the
outbox of deliveries."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, CreatedAt, str_enum, utcnow
from portal.roles import Role


class ApiScope(StrEnum):
    READ = "read"  # list and fetch cases, download attachments and certificates
    WRITE = "write"  # and fire transitions, with the token's workflow roles


class ApiToken(CreatedAt, Base):
    """A municipality's API client (基幹システム連携, an RPA robot). Only the SHA-256 of the token is kept: the token
    is random (256 bits), so a plain hash is as good as a slow one, and it is shown once, when made.

    In a case's history its transitions are signed 「API: <name>」; its roles (clerk, approver) are those a
    workflow transition names, and the four-eyes rule counts the token as one person."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[ApiScope] = mapped_column(str_enum(ApiScope))
    role_values: Mapped[list[str]] = mapped_column(default=list)  # write tokens: the workflow roles they act with
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # hex SHA-256 of the whole token
    hint: Mapped[str] = mapped_column(String(16))  # the token's first characters, to tell tokens apart in a list
    created_by: Mapped[str] = mapped_column(String(100))
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()  # written at most once a minute

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(value) for value in self.role_values)

    @property
    def actor_name(self) -> str:
        """How the token signs a case's history."""
        return f"API: {self.name}"


class IdempotentRequest(Base):
    """A POST the token sent with an ``Idempotency-Key`` and what it was answered: the same key again replays the
    answer instead of firing twice. Written in the transaction of the change, so it exists exactly when the change
    does (a refused request stores nothing and may be sent again)."""

    __tablename__ = "api_idempotent_request"
    __table_args__ = (UniqueConstraint("token_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[int] = mapped_column(ForeignKey("api_token.id"))
    key: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))  # SHA-256 of method, path and body: a key names one request
    status: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class WebhookEvent(StrEnum):
    SUBMITTED = "case.submitted"  # a new application (its first state)
    TRANSITIONED = "case.transitioned"  # any later state change, by staff, the applicant or an API client


class WebhookSubscription(CreatedAt, Base):
    """Where a municipality wants its cases' events POSTed, signed with ``secret`` (HMAC-SHA256)."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    secret: Mapped[str] = mapped_column(String(64))
    event_values: Mapped[list[str]] = mapped_column()  # WebhookEvent values
    procedures: Mapped[list[str]] = mapped_column(default=list)  # slugs; empty: every procedure
    removed_at: Mapped[datetime | None] = mapped_column()  # kept for its deliveries' sake, sent nothing more

    @property
    def events(self) -> frozenset[WebhookEvent]:
        return frozenset(WebhookEvent(value) for value in self.event_values)


class DeliveryState(StrEnum):
    PENDING = "pending"  # to be sent: by the task queued after the commit, else when due by beat's sweep
    DELIVERED = "delivered"  # the receiver answered 2xx
    DEAD = "dead"  # every attempt failed: on the dead-letter list until someone presses 再送


class WebhookDelivery(CreatedAt, Base):
    """One event to one subscription, written in the transaction of the change (the outbox): ids, procedure,
    states and times, never personal data; the receiver fetches the case through the API."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        # The sweep's question: which deliveries are due.
        Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_webhook_delivery_state", "municipality_code", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)  # a uuid the receiver may deduplicate on
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscription.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    event: Mapped[WebhookEvent] = mapped_column(str_enum(WebhookEvent, length=32))
    payload: Mapped[dict[str, Any]] = mapped_column()
    state: Mapped[DeliveryState] = mapped_column(str_enum(DeliveryState), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    last_status: Mapped[int | None] = mapped_column()  # the receiver's HTTP status; None: no answer
    last_error: Mapped[str | None] = mapped_column(String(200))  # the exception's class, never a body
