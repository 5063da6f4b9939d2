"""Municipalities (地方公共団体) and the procedures each one offers."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
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
    demo: Mapped[bool] = mapped_column(default=False)

    procedures: Mapped[list[MunicipalityProcedure]] = relationship(
        back_populates="municipality", cascade="all, delete-orphan", order_by="MunicipalityProcedure.slug"
    )

    @property
    def enabled_slugs(self) -> frozenset[str]:
        return frozenset(p.slug for p in self.procedures if p.enabled)


class MunicipalityProcedure(Base):
    """A catalog procedure switched on (or off) for one municipality."""

    __tablename__ = "municipality_procedure"
    __table_args__ = (UniqueConstraint("municipality_code", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    slug: Mapped[str] = mapped_column(String(64))
    enabled: Mapped[bool] = mapped_column(default=True)

    municipality: Mapped[Municipality] = relationship(back_populates="procedures")
