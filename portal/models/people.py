"""Residents and staff as the portal knows them after an OpenID Connect login."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.identity import ResidentProfile
from portal.models.base import Base, CreatedAt, utcnow
from portal.roles import Role


class Resident(CreatedAt, Base):
    """A resident account, keyed by the identity provider's subject.

    The profile from the latest login is kept here (server side) to prefill forms; it never travels in
    a cookie.
    """

    __tablename__ = "resident"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(255), unique=True)
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    last_login_at: Mapped[datetime] = mapped_column(default=utcnow)

    kind = "resident"

    @property
    def display_name(self) -> str:
        return f"{self.profile.get('family_name', '')} {self.profile.get('given_name', '')}".strip()

    def resident_profile(self) -> ResidentProfile:
        return ResidentProfile(subject=self.subject, **self.profile)


class Staff(CreatedAt, Base):
    """A municipality's employee; roles come from the municipality's directory at each login."""

    __tablename__ = "staff"
    __table_args__ = (UniqueConstraint("municipality_code", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_code: Mapped[str] = mapped_column(ForeignKey("municipality.code"), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254), default="")
    role_values: Mapped[list[str]] = mapped_column(default=list)
    last_login_at: Mapped[datetime] = mapped_column(default=utcnow)

    kind = "staff"

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(Role(value) for value in self.role_values)

    @property
    def display_name(self) -> str:
        return self.name
