"""Applications in progress: what a resident (or a clerk at the counter) has typed so far, kept until it is submitted
or expires."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, CreatedAt, utcnow
from portal.models.versions import CatalogVersion


class Draft(CreatedAt, Base):
    """One resident's unfinished application to one municipality for one procedure, or one clerk's unfinished entry
    of a counter application (窓口受付) for it: exactly one of ``resident_id`` and ``staff_id`` names its owner.

    Kept in the database, not in the session, so it survives logout, a session timeout and a change of
    device. ``answers`` are the form's raw inputs (input name → list of strings), never validated values,
    so a half-typed date or a wrong phone number comes back exactly as typed. The draft records the
    definition version it was last saved on, to notice a publication since, and the one-time token its
    confirmation page sends with 申請する (see ``SubmissionService.submit``). It expires ``DRAFT_DAYS``
    after its last save.
    """

    __tablename__ = "draft"
    __table_args__ = (
        UniqueConstraint("resident_id", "municipality_code", "procedure"),
        UniqueConstraint("staff_id", "municipality_code", "procedure"),
        CheckConstraint("(resident_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("resident.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    procedure: Mapped[str] = mapped_column(String(64))
    definition_version_id: Mapped[int] = mapped_column(ForeignKey("catalog_version.id", ondelete="RESTRICT"))
    answers: Mapped[dict[str, Any]] = mapped_column()  # input name → list of strings
    page: Mapped[str] = mapped_column(String(64))  # the key of the page to resume at
    submission_token: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    definition_version: Mapped[CatalogVersion] = relationship()
