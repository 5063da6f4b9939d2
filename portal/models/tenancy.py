"""Municipalities (地方公共団体) and the procedures each one offers."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, CreatedAt


class Municipality(CreatedAt, Base):
    """Keyed by its 6-digit 地方公共団体コード; everything residents and staff touch hangs off it."""

    __tablename__ = "municipality"

    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    prefecture: Mapped[str] = mapped_column(String(10))
    mayor_title: Mapped[str] = mapped_column(String(50))  # 見本市長
    mayor_name: Mapped[str] = mapped_column(String(100))
    seal: Mapped[str] = mapped_column(String(100))  # file name under static/seals/
    # Where residents ask (代表電話, 開庁時間): on receipts and 本人通知; a procedure's own 窓口 comes first.
    phone: Mapped[str | None] = mapped_column(String(20))
    opening_hours: Mapped[str | None] = mapped_column(String(100))
    demo: Mapped[bool] = mapped_column(default=False)
    # Its name in other languages, by language code (portal.languages): {"en": "Mihon City"}. A language
    # missing here shows the Japanese name.
    names: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default="{}")

    procedures: Mapped[list[MunicipalityProcedure]] = relationship(
        back_populates="municipality", cascade="all, delete-orphan", order_by="MunicipalityProcedure.slug"
    )

    def procedure(self, slug: str) -> MunicipalityProcedure | None:
        return next((p for p in self.procedures if p.slug == slug), None)


class MunicipalityProcedure(Base):
    """A catalog procedure switched on (or off) for one municipality, optionally only within a date window
    (JST, both ends inclusive), with the municipality's own terms: a None override means the catalog's value."""

    __tablename__ = "municipality_procedure"
    __table_args__ = (UniqueConstraint("municipality_code", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    slug: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)
    available_from: Mapped[date | None] = mapped_column(default=None)
    available_until: Mapped[date | None] = mapped_column(default=None)
    fee: Mapped[int | None] = mapped_column(default=None)  # yen
    processing_days: Mapped[int | None] = mapped_column(default=None)  # 標準処理期間
    contact_name: Mapped[str | None] = mapped_column(String(100), default=None)  # 窓口
    contact_phone: Mapped[str | None] = mapped_column(String(20), default=None)
    contact_hours: Mapped[str | None] = mapped_column(String(100), default=None)
    help: Mapped[str | None] = mapped_column(Text, default=None)  # shown on the procedure page

    def available_on(self, day: date) -> bool:
        return (
            self.enabled
            and (self.available_from is None or self.available_from <= day)
            and (self.available_until is None or day <= self.available_until)
        )

    municipality: Mapped[Municipality] = relationship(back_populates="procedures")


class MunicipalityClosure(CreatedAt, Base):
    """A day the municipality's offices close besides weekends, national holidays and 年末年始 (庁舎移転, 災害,
    a local holiday): not a 開庁日, so no 期限日 falls on it and no waiting time counts it."""

    __tablename__ = "municipality_closure"
    __table_args__ = (UniqueConstraint("municipality_code", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    day: Mapped[date] = mapped_column()
    reason: Mapped[str] = mapped_column(String(100))  # 庁舎移転のため


class PendingSeal(CreatedAt, Base):
    """An uploaded seal awaiting its 確定 on the preview page, before it replaces the municipality's.

    Kept in the database, not in a cookie or on one server's disk, so whichever app server takes the 確定 finds
    it; at most one per municipality and uploader (a new upload replaces it), gone once confirmed or cancelled.
    """

    __tablename__ = "pending_seal"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Names the upload in the preview's URL; never an id, which SQLite hands out again once a row is gone.
    token: Mapped[str] = mapped_column(String(32), unique=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    file_name: Mapped[str] = mapped_column(String(255))  # as uploaded: its extension says SVG or PNG
    content: Mapped[bytes] = mapped_column()
