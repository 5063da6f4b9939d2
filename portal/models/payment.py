"""Online payments of a submission's fee, as the payment provider confirmed them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, CreatedAt, str_enum
from portal.models.submission import Submission


class PaymentStatus(StrEnum):
    PENDING = "pending"  # a checkout was created at the provider; the resident has not come back paid
    PAID = "paid"  # the provider confirmed this amount was paid
    CANCELLED = "cancelled"  # the provider says the checkout was cancelled or expired


class Payment(CreatedAt, Base):
    """One checkout at the provider for a submission's stored fee (``amount`` is copied from it, never typed).

    The portal keeps the provider's name and its reference for the checkout, never card details: those are
    entered on the provider's page. A row moves from pending to paid or cancelled once, under the
    submission's lock, and only on the provider's own word (a status lookup), so a replayed or forged return
    changes nothing. A submission has at most one paid payment (a partial unique index).
    """

    __tablename__ = "payment"
    __table_args__ = (
        UniqueConstraint("provider", "provider_reference"),
        Index(
            "uq_payment_paid_per_submission",
            "submission_id",
            unique=True,
            sqlite_where=text("status = 'paid'"),
            postgresql_where=text("status = 'paid'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"), index=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    provider: Mapped[str] = mapped_column(String(32))  # its name in the registry (PAYMENT_PROVIDER)
    provider_reference: Mapped[str] = mapped_column(String(128))  # the provider's id of the checkout
    amount: Mapped[int] = mapped_column()  # yen
    status: Mapped[PaymentStatus] = mapped_column(str_enum(PaymentStatus))
    settled_at: Mapped[datetime | None] = mapped_column()  # when it became paid or cancelled

    submission: Mapped[Submission] = relationship()
