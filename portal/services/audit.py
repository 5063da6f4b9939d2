"""The administrative audit log: every service that changes settings records here, and the pages read it back.

Entries hold settings only (names of municipalities, fees, windows, seal files), never a resident's personal data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.models import AuditAction, AuditEntry
from portal.services.actors import Administrator

PAGE_SIZE = 50


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the settings whose value differs, as (before, after); two empty dicts when nothing changed."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


def record(
    session: Session,
    actor: Administrator,
    action: AuditAction,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    municipality_code: str | None,
) -> AuditEntry:
    """Append one entry (flushed with the change it describes, so both commit or neither)."""
    entry = AuditEntry(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        municipality_code=municipality_code,
        action=action,
        target=target,
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    number: int  # from 1
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def audit_page(session: Session, number: int, municipality_code: str | None = None) -> AuditPage:
    """Newest first: one municipality's entries, or (``None``, for operators) every entry, platform-wide ones too.

    The caller has checked that the reader may see them."""
    number = max(number, 1)
    query = select(AuditEntry).order_by(AuditEntry.id.desc())
    if municipality_code is not None:
        query = query.where(AuditEntry.municipality_code == municipality_code)
    rows = list(session.scalars(query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return AuditPage(entries=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE)
