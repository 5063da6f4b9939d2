"""本人通知制度: persons registered to be told when a certificate of theirs goes to a 代理人 or a third party, and
each notice owed to them, by email or by a letter staff post."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, CreatedAt, str_enum
from portal.models.certificate import Certificate
from portal.models.submission import Submission


class NoticeChannel(StrEnum):
    EMAIL = "email"  # the person is a portal user with a confirmed address: the notification outbox
    LETTER = "letter"  # listed for staff to post (「本人通知（郵送）」)


class NoticeRegistration(CreatedAt, Base):
    """A person of one municipality's 住民記録 registered for 本人通知, by the records' person id (宛名番号), as staff
    entered it at the person's request. ``name`` is the 氏名 as recorded then, for staff's list."""

    __tablename__ = "notice_registration"
    __table_args__ = (UniqueConstraint("municipality_code", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    person_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(100))
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    registered_by_name: Mapped[str] = mapped_column(String(100))


class PersonalNotice(CreatedAt, Base):
    """One 本人通知 owed to a registered person for a certificate of theirs issued on someone's request: at most one
    per case and person, however often the 交付 is pressed or the certificate reissued.

    A letter keeps the addressee as the 住民記録 held them at the 交付 (the address to post to) until staff mark it
    posted; an email names nothing of the kind (portal.web.notifications composes it from this row)."""

    __tablename__ = "personal_notice"
    __table_args__ = (
        UniqueConstraint("submission_id", "person_id"),
        # 「本人通知（郵送）」: the letters still to post, oldest first.
        Index("ix_personal_notice_letters", "municipality_code", "channel", "posted_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificate.id"))
    person_id: Mapped[str] = mapped_column(String(64))
    channel: Mapped[NoticeChannel] = mapped_column(str_enum(NoticeChannel))
    issued_on: Mapped[date] = mapped_column()  # the certificate's date (JST)
    # Letters only: to whom and where, as recorded at the 交付.
    addressee: Mapped[str | None] = mapped_column(String(100))
    postal_code: Mapped[str | None] = mapped_column(String(7))
    address: Mapped[str | None] = mapped_column(String(300))
    posted_at: Mapped[datetime | None] = mapped_column()
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    posted_by_name: Mapped[str | None] = mapped_column(String(100))

    submission: Mapped[Submission] = relationship()
    certificate: Mapped[Certificate] = relationship()
