"""Issued certificate PDFs and the per-municipality number sequences."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from portal.models.base import Base, CreatedAt, str_enum
from portal.models.submission import Submission


class Certificate(CreatedAt, Base):
    """The official PDF, generated once on issue and kept byte for byte (app servers share it via the DB)."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), unique=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    issue_number: Mapped[str] = mapped_column(String(32), unique=True)  # 発行番号
    template: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    pdf: Mapped[bytes] = deferred(mapped_column(LargeBinary))

    submission: Mapped[Submission] = relationship()


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
