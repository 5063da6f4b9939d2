"""The administrative audit log: who changed which setting of a municipality or of the platform, when, from what
to what. Rows are never updated or deleted (the ORM refuses here, the database by trigger)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from portal.models.base import Base, str_enum, utcnow


class AuditAction(StrEnum):
    MUNICIPALITY_ADDED = "municipality_added"
    MUNICIPALITY_CHANGED = "municipality_changed"  # names, mayor
    SEAL_REPLACED = "seal_replaced"
    PROCEDURE_ENABLED = "procedure_enabled"
    PROCEDURE_DISABLED = "procedure_disabled"
    PROCEDURE_CHANGED = "procedure_changed"  # its terms or window, offered or not as before
    CLOSURE_ADDED = "closure_added"  # 閉庁日 the municipality set: the days and the reason
    CLOSURE_REMOVED = "closure_removed"
    CATALOG_PUBLISHED = "catalog_published"  # a new version of a definition, workflow or certificate template
    QUEUE_EXPORTED = "queue_exported"  # a clerk downloaded the queue as CSV: the view, its filters, the 受付番号
    # 本人通知制度, by row id only: a person registered or unregistered, a letter posted
    NOTICE_REGISTERED = "notice_registered"
    NOTICE_UNREGISTERED = "notice_unregistered"
    NOTICE_POSTED = "notice_posted"


class AuditActorKind(StrEnum):
    STAFF = "staff"  # on the administration pages
    COMMAND_LINE = "command_line"  # ``flask municipality …``, named by the operating-system user


class AuditEntry(Base):
    """One administrative change. ``before`` and ``after`` hold only the settings that changed (None: there was
    nothing before, as for an added municipality). Settings only: never a resident's personal data. An export of
    the queue is recorded here too, by its view, filters (whether a search was typed, not what) and the 受付番号
    of the cases it held."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entry_municipality", "municipality_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_kind: Mapped[AuditActorKind] = mapped_column(str_enum(AuditActorKind))
    actor_id: Mapped[int | None] = mapped_column()  # the staff member's id; none at the command line
    actor_name: Mapped[str] = mapped_column(String(100))  # as it was then: the log reads the same after a rename
    municipality_code: Mapped[str | None] = mapped_column(ForeignKey("municipality.code"))  # None: platform-wide
    action: Mapped[AuditAction] = mapped_column(str_enum(AuditAction, length=32))
    # "municipality:999962", "procedure:999962/sodai_gomi"; the catalog's "definition:sodai_gomi", "workflow:…"
    target: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict[str, Any] | None] = mapped_column()
    after: Mapped[dict[str, Any] | None] = mapped_column()


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(_mapper, _connection, target: AuditEntry) -> None:  # type: ignore[no-untyped-def]
    raise ValueError(f"audit entry {target.id} is append-only")
