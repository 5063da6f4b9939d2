"""The audit log: every service that changes settings records here, every read of a case by staff or through the
API too (:func:`accessed`), and the pages read it back.

Entries hold settings (names of municipalities, fees, windows, seal files) and which case, attachment or
certificate was read, never a resident's personal data nor what was read. Each is chained to the one before it
(portal/services/auditchain.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.models import AuditAction, AuditActorKind, AuditEntry, Submission
from portal.models.audit import NOT_A_READ
from portal.models.base import utcnow
from portal.services import auditchain
from portal.services.actors import ActingUser

PAGE_SIZE = 50


class Auditor(Protocol):
    """Whom an entry names: an ``Administrator``, or an :class:`Accessor`."""

    @property
    def kind(self) -> AuditActorKind: ...
    @property
    def id(self) -> int | None: ...
    @property
    def name(self) -> str: ...


@dataclass(frozen=True)
class Accessor:
    """Who read a case: a staff member, an API client (its token's id and name), or the portal itself."""

    kind: AuditActorKind
    id: int | None
    name: str

    @classmethod
    def staff(cls, actor: ActingUser) -> Accessor:
        return cls(AuditActorKind.STAFF, actor.id, actor.name)

    @classmethod
    def api_client(cls, client_id: int, name: str) -> Accessor:
        return cls(AuditActorKind.API_CLIENT, client_id, name[:100])


SYSTEM = Accessor(AuditActorKind.SYSTEM, None, "retention")  # beat's retention purge


def changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the settings whose value differs, as (before, after); two empty dicts when nothing changed."""
    changed = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in changed}, {key: after[key] for key in changed}


def record(
    session: Session,
    actor: Auditor,
    action: AuditAction,
    target: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    municipality_code: str | None,
    submission_id: int | None = None,
) -> AuditEntry:
    """Append one entry to its chain (flushed with the change it describes, so both commit or neither)."""
    entry = AuditEntry(
        at=utcnow(),
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_name=actor.name,
        municipality_code=municipality_code,
        action=action,
        target=target,
        before=before,
        after=after,
        submission_id=submission_id,
    )
    return auditchain.append(session, entry)


def accessed(
    session: Session, who: Auditor, action: AuditAction, submission: Submission, target: str | None = None
) -> AuditEntry:
    """``who`` read ``submission`` (``target``: the attachment or certificate read, else the case itself): who, when
    and what, never the content. One INSERT after the chain's lock, which is held until the commit: call it last,
    once the page or the file is ready. The caller has checked that ``who`` may read it."""
    what = target or f"submission:{submission.reference}"
    return record(session, who, action, what, None, None, submission.municipality_code, submission.id)


def listed(session: Session, who: Auditor, municipality_code: str, references: list[str]) -> AuditEntry:
    """``who`` read a list of cases at once (an API page): their 受付番号, as an export of the queue keeps them."""
    after = {"count": len(references), "references": references}
    return record(session, who, AuditAction.CASES_LISTED, f"cases:{municipality_code}", None, after, municipality_code)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    number: int  # from 1
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def audit_page(session: Session, number: int, municipality_code: str | None = None) -> AuditPage:
    """Newest first, reads left out (each case's access log lists them): one municipality's entries, or (``None``,
    for operators) every entry, platform-wide ones too.

    The caller has checked that the reader may see them."""
    query = select(AuditEntry).where(text(NOT_A_READ)).order_by(AuditEntry.id.desc())
    if municipality_code is not None:
        query = query.where(AuditEntry.municipality_code == municipality_code)
    return _page(session, query, number)


def access_log(session: Session, submission: Submission, number: int) -> AuditPage:
    """Everything recorded about one case, newest first: who read it and when, legal holds, its purge. The caller
    has checked that the reader administers the case's municipality."""
    query = select(AuditEntry).where(AuditEntry.submission_id == submission.id).order_by(AuditEntry.id.desc())
    return _page(session, query, number)


def _page(session: Session, query: Any, number: int) -> AuditPage:
    number = max(number, 1)
    rows = list(session.scalars(query.offset((number - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    return AuditPage(entries=rows[:PAGE_SIZE], number=number, has_next=len(rows) > PAGE_SIZE)
