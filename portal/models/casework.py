"""Who handles a case (担当) and what staff note about it: both append-only, both for staff only.

Neither is part of the workflow's history (``TransitionRecord``), which the resident reads: a change of 担当 is no
state change, and an internal note is never shown to the applicant, whoever writes it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, str_enum, utcnow


class AssignmentAction(StrEnum):
    CLAIM = "claim"  # 担当する: the clerk takes an unassigned case
    ASSIGN = "assign"  # 担当を割り当てる: to a colleague (or to oneself) instead of whoever had it
    RELEASE = "release"  # 担当を外す: back to nobody


class AssignmentRecord(Base):
    """One change of a case's 担当: who did it, when, from whom to whom (names as they were then)."""

    __tablename__ = "assignment_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    action: Mapped[AssignmentAction] = mapped_column(str_enum(AssignmentAction))
    from_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    from_name: Mapped[str | None] = mapped_column(String(100))
    to_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    to_name: Mapped[str | None] = mapped_column(String(100))
    actor_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    actor_name: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)


class InternalNote(Base):
    """A note by staff on a case (申し送り, 電話の記録…), read by that municipality's staff only.

    ``token`` is the note form's one-time token: sending the same form twice keeps one note.
    """

    __tablename__ = "internal_note"
    __table_args__ = (UniqueConstraint("submission_id", "token"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    author_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(AssignmentRecord, "before_update")
@event.listens_for(AssignmentRecord, "before_delete")
@event.listens_for(InternalNote, "before_update")
@event.listens_for(InternalNote, "before_delete")
def _append_only(_mapper, _connection, target: AssignmentRecord | InternalNote) -> None:  # type: ignore[no-untyped-def]
    raise ValueError(f"{target.__tablename__} {target.id} is append-only")
