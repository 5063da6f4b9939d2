"""Issued certificate PDFs and the per-municipality number sequences."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.models.base import Base, CreatedAt, str_enum
from portal.models.people import Staff
from portal.models.submission import Submission


class Certificate(CreatedAt, Base):
    """The official signed PDF, generated once on issue and kept byte for byte (app servers share it via the DB).

    A certificate is never deleted: revoking it records when, by whom and why, and a reissue is a new row
    with a new 発行番号. So a submission has at most one *valid* certificate (a partial unique index).
    """

    __tablename__ = "certificate"
    __table_args__ = (
        Index(
            "uq_certificate_valid_per_submission",
            "submission_id",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    issue_number: Mapped[str] = mapped_column(String(32), unique=True)  # 発行番号
    template: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    # The exact JSON the PDF is rendered from: the 住民記録 as it stood at issue time, 発行番号, dates,
    # municipality, verify URL (portal.services.certificates.certificate_context). Null before it was kept.
    context: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    # The code of the verify URL printed on the PDF (portal.certificates.verification); null before signing.
    verification_code: Mapped[str | None] = mapped_column(String(32))
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    revocation_reason: Mapped[str | None] = mapped_column(Text)

    submission: Mapped[Submission] = relationship()
    revoked_by: Mapped[Staff | None] = relationship()

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class SequenceKind(StrEnum):
    RECEPTION = "reception"  # 受付番号
    CERTIFICATE = "certificate"  # 発行番号


class NumberSequence(Base):
    """Gap-free yearly counters per municipality; rows are locked while a number is taken."""

    __tablename__ = "number_sequence"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), primary_key=True)
    kind: Mapped[SequenceKind] = mapped_column(str_enum(SequenceKind), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
