"""The 住民記録 tables of the ``demo`` backend, and the link from a resident account to a record person.

The demo tables stand in for a municipality's core system during development and tests; a production
municipality uses the ``http`` backend and these stay empty. The link belongs to the portal whichever
backend is used: it remembers which record person a login is, per municipality.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.models.base import Base, str_enum, utcnow
from portal.records.model import Gender

# Long enough for any core system's opaque id (宛名番号); never a 住民票コード or マイナンバー.
PERSON_ID_LENGTH = 64


class LinkMethod(StrEnum):
    BASIC_INFO = "basic_info"  # a unique match on 基本4情報 from verified claims


class ResidentRecordLink(Base):
    """Which record person a resident account is, in one municipality."""

    __tablename__ = "resident_record_link"
    __table_args__ = (UniqueConstraint("municipality_code", "resident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    resident_id: Mapped[int] = mapped_column(ForeignKey("resident.id"), index=True)
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    method: Mapped[LinkMethod] = mapped_column(str_enum(LinkMethod))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class DemoHousehold(Base):
    """A 世帯 of the demo records: its address; the members say who heads it."""

    __tablename__ = "demo_household"
    __table_args__ = (UniqueConstraint("municipality_code", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    household_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    address: Mapped[str] = mapped_column(String(200))
    katagaki: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(7), default="")

    members: Mapped[list[DemoPerson]] = relationship(
        back_populates="household", cascade="all, delete-orphan", order_by="DemoPerson.position"
    )


class DemoPerson(Base):
    """A person of the demo records; the foreign-resident columns are set only for foreign residents."""

    __tablename__ = "demo_person"
    __table_args__ = (
        UniqueConstraint("municipality_code", "person_id"),
        Index("ix_demo_person_municipality_code_birthdate", "municipality_code", "birthdate"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"))
    person_id: Mapped[str] = mapped_column(String(PERSON_ID_LENGTH))
    household_pk: Mapped[int] = mapped_column(ForeignKey("demo_household.id"), index=True)
    position: Mapped[int]  # order within the household as the record lists it
    family_name: Mapped[str] = mapped_column(String(100))
    given_name: Mapped[str] = mapped_column(String(100), default="")
    family_name_kana: Mapped[str] = mapped_column(String(100), default="")
    given_name_kana: Mapped[str] = mapped_column(String(100), default="")
    birthdate: Mapped[date]
    gender: Mapped[Gender] = mapped_column(str_enum(Gender))
    relation_to_head: Mapped[str] = mapped_column(String(50))  # 続柄
    became_resident_on: Mapped[date]
    address_set_on: Mapped[date]
    previous_address: Mapped[str] = mapped_column(String(200), default="")
    honseki: Mapped[str | None] = mapped_column(String(200))
    hittosha: Mapped[str | None] = mapped_column(String(100))
    nationality: Mapped[str | None] = mapped_column(String(100))
    foreign_category: Mapped[str | None] = mapped_column(String(50))
    residence_status: Mapped[str | None] = mapped_column(String(50))
    period_of_stay: Mapped[str | None] = mapped_column(String(50))
    period_expires_on: Mapped[date | None]
    alias: Mapped[str | None] = mapped_column(String(100))
    alias_kana: Mapped[str | None] = mapped_column(String(100))

    household: Mapped[DemoHousehold] = relationship(back_populates="members")
