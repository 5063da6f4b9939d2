"""Email notifications: the outbox the change that causes one writes in its own transaction, and where a
resident wants them sent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, CreatedAt, str_enum, utcnow


class RecipientKind(StrEnum):
    """Whom a notification is for: its ``recipient_id`` is theirs."""

    RESIDENT = "resident"  # a resident's account (the address they confirmed)
    STAFF = "staff"  # a staff member (the address their directory sent)
    COUNTER = "counter"  # the applicant of a counter application: its id is the submission's (the address given)


class NotificationKind(StrEnum):
    # To the applicant
    RECEIVED = "received"  # 受付: the application arrived, with its 受付番号
    RETURNED = "returned"  # 差戻し, with the reason written for the applicant
    ISSUED = "issued"  # 交付
    COMPLETED = "completed"  # 完了
    REJECTED = "rejected"  # 却下, with the reason written for the applicant
    STAFF_MESSAGE = "staff_message"  # staff wrote in the case's conversation
    CONFIRM_ADDRESS = "confirm_address"  # the link that confirms an address entered on the settings page
    # To staff
    RESIDENT_MESSAGE = "resident_message"  # the applicant wrote in the case's conversation
    RESUBMITTED = "resubmitted"  # the applicant corrected a returned application and sent it again
    # To the person a certificate was issued about, at a 代理人's or a third party's request (本人通知制度)
    PERSONAL_NOTICE = "personal_notice"


class NotificationState(StrEnum):
    PENDING = "pending"  # to be sent (by the task queued after the commit, else by beat's sweep)
    SENT = "sent"  # the SMTP server accepted it
    FAILED = "failed"  # every attempt failed; last_error says why
    SKIPPED = "skipped"  # nobody to send it to any more (the address removed, mail turned off), or mail disabled


class Notification(CreatedAt, Base):
    """One email to send, written in the same transaction as the change it tells of, so it exists exactly when
    the change does; a worker sends it after the commit and beat's sweep sends what a lost task left.

    It names its recipient, never their address: the address is read when it is sent, so one removed or
    switched off in between is honoured. It holds no text either: the email is composed when sent, from the
    submission (受付番号, procedure) and, for a 差戻し or 却下, the history row whose comment for the applicant
    is the reason.
    """

    __tablename__ = "notification"
    __table_args__ = (
        # The sweep's question every minute: which notifications are still to be sent.
        Index(
            "ix_notification_pending",
            "created_at",
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(str_enum(RecipientKind))
    recipient_id: Mapped[int] = mapped_column()  # a resident's, a staff member's, or (counter) the submission's id
    kind: Mapped[NotificationKind] = mapped_column(str_enum(NotificationKind, length=24))
    # The case it is about; none for the confirmation of an address nor a 本人通知 (the municipality only).
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    transition_record_id: Mapped[int | None] = mapped_column(ForeignKey("transition_record.id"))
    case_message_id: Mapped[int | None] = mapped_column(ForeignKey("case_message.id"))
    # A 本人通知: about the certificate, never the case (which is the requester's).
    personal_notice_id: Mapped[int | None] = mapped_column(ForeignKey("personal_notice.id"))
    state: Mapped[NotificationState] = mapped_column(str_enum(NotificationState), default=NotificationState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_at: Mapped[datetime | None] = mapped_column()  # when a worker last took it to send
    sent_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(200))  # the exception's class and SMTP code, never data


class MailSettings(Base):
    """Where a resident wants notifications: an address they confirmed through a link sent to it, the one
    awaiting that confirmation, whether they want notifications at all, and in which language.

    Residents' identity providers (デジタル認証アプリ) release no email address, so the resident enters it once
    on the settings page; it is used only after the link sent to it was opened by them, logged in.
    """

    __tablename__ = "resident_mail"

    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), primary_key=True)
    address: Mapped[str | None] = mapped_column(String(254))
    confirmed_at: Mapped[datetime | None] = mapped_column()
    pending_address: Mapped[str | None] = mapped_column(String(254))
    pending_since: Mapped[datetime | None] = mapped_column()
    enabled: Mapped[bool] = mapped_column(default=True)  # False: the resident opted out
    language: Mapped[str] = mapped_column(String(16), default="ja")  # a code of portal.languages
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def deliverable(self) -> str | None:
        """The address notifications go to now, or None."""
        return self.address if self.enabled and self.address else None
