"""Issued certificate PDFs and the per-municipality number sequences (the portal's and the workflows' own)."""

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

    The 交付 reserves the row (発行番号, verify code and the exact context the PDF is rendered from); a worker
    renders and signs it afterwards (portal.tasks), so ``pdf`` and ``sha256`` are null until ``rendered_at``.
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
        # The sweep's question every minute: which reserved certificates are still waiting for their PDF.
        Index(
            "ix_certificate_unrendered",
            "created_at",
            sqlite_where=text("rendered_at IS NULL"),
            postgresql_where=text("rendered_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    issue_number: Mapped[str] = mapped_column(String(32), unique=True)  # 発行番号
    template: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column()
    # The template's inputs, as reserved at the 交付: the 住民記録 as it stood then, 発行番号, dates,
    # municipality, verify URL (portal.services.certificates.certificate_context). Rendering reads nothing else.
    context: Mapped[dict[str, Any] | None] = mapped_column(deferred=True)
    sha256: Mapped[str | None] = mapped_column(String(64))
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    rendered_at: Mapped[datetime | None] = mapped_column()  # null while 「発行処理中」
    # Why the last attempt to render failed (exception class and template line, never data); null once rendered.
    render_error: Mapped[str | None] = mapped_column(String(200))
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

    @property
    def rendered(self) -> bool:
        return self.rendered_at is not None


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


class NamedSequence(Base):
    """The gap-free yearly series a workflow's ``numbering`` names (登録番号…), per municipality; locked like
    :class:`NumberSequence` while a number is taken."""

    __tablename__ = "named_sequence"

    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)
