"""The conversation of a case: messages between the municipality's staff and the applicant, append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, str_enum, utcnow
from portal.models.submission import ActorKind, Submission


class CaseMessage(Base):
    """One message of a case's thread: who wrote it (the applicant, or a staff member of the submission's
    municipality), when, and what. Rows are never updated or deleted (the ORM refuses here, the database by
    trigger). ``token`` is the one-time token of the form it was sent from, so pressing 送信 twice, or a retried
    request, stores it once."""

    __tablename__ = "case_message"
    __table_args__ = (UniqueConstraint("submission_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    author_kind: Mapped[ActorKind] = mapped_column(str_enum(ActorKind))
    author_id: Mapped[int] = mapped_column()
    author_name: Mapped[str] = mapped_column(String(100))  # as it was then, like the history's actor_name
    body: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship()

    @property
    def from_staff(self) -> bool:
        return self.author_kind is ActorKind.STAFF


@event.listens_for(CaseMessage, "before_update")
@event.listens_for(CaseMessage, "before_delete")
def _messages_are_append_only(_mapper, _connection, target: CaseMessage) -> None:  # type: ignore[no-untyped-def]
    raise ValueError(f"case message {target.id} is append-only")
