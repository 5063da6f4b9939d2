"""The audit log: who changed which setting of a municipality or of the platform, when, from what to what, and who
looked at which case, attachment or certificate. Rows are never updated or deleted (the ORM refuses here, the
database by trigger), and each holds the hash of the one before it in its chain (portal/services/auditchain.py), so
a row edited, deleted or slipped in by someone who can bypass the trigger is found by ``flask audit verify``."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, event, text
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
    STATISTICS_EXPORTED = "statistics_exported"  # an administrator downloaded a 年度's statistics as CSV
    # Reads of a case (target "submission:<受付番号>", "attachment:<key>", "certificate:<発行番号>"): who and when,
    # never what was read.
    CASE_VIEWED = "case_viewed"
    ATTACHMENT_DOWNLOADED = "attachment_downloaded"
    CERTIFICATE_DOWNLOADED = "certificate_downloaded"
    CASES_LISTED = "cases_listed"  # a list of cases read at once (an API page): their 受付番号 in ``after``
    # Retention (portal/services/retention.py): a legal hold set or cleared with its reason, a case purged.
    LEGAL_HOLD_SET = "legal_hold_set"
    LEGAL_HOLD_CLEARED = "legal_hold_cleared"
    CASE_PURGED = "case_purged"
    API_TOKEN_CREATED = "api_token_created"  # its name, scope and roles (never the token)
    API_TOKEN_REVOKED = "api_token_revoked"
    WEBHOOK_ADDED = "webhook_added"  # its URL, events and procedures (never the secret)
    WEBHOOK_REMOVED = "webhook_removed"
    WEBHOOK_REDELIVERED = "webhook_redelivered"  # a dead delivery sent again from the dead-letter list
    # 本人通知制度, by row id only: a person registered or unregistered, a letter posted
    NOTICE_REGISTERED = "notice_registered"
    NOTICE_UNREGISTERED = "notice_unregistered"
    NOTICE_POSTED = "notice_posted"


class AuditActorKind(StrEnum):
    STAFF = "staff"  # on the administration pages
    COMMAND_LINE = "command_line"  # ``flask municipality …``, named by the operating-system user
    API_CLIENT = "api_client"  # a core system or RPA through the API, by its token's id and name
    SYSTEM = "system"  # the portal itself (beat's retention purge)


# Reads, listed on each case's access log rather than among a municipality's changes (操作履歴); the changes'
# indexes leave them out, and the pages' queries say so in the same words for the planners to match.
READS = (
    AuditAction.CASE_VIEWED,
    AuditAction.ATTACHMENT_DOWNLOADED,
    AuditAction.CERTIFICATE_DOWNLOADED,
    AuditAction.CASES_LISTED,
)
NOT_A_READ = "action NOT IN (" + ", ".join(f"'{action.value}'" for action in READS) + ")"
GENESIS = "0" * 64  # the previous hash of a chain's first entry
PLATFORM = "platform"  # the name of the chain of entries without a municipality (catalog publications)


class AuditEntry(Base):
    """One administrative change, or one read of a case. ``before`` and ``after`` hold only the settings that
    changed (None: there was nothing before, as for an added municipality). Settings only: never a resident's
    personal data. An export of the queue is recorded here too, by its view, filters (whether a search was typed,
    not what) and the 受付番号 of the cases it held; a read names the case (``submission_id``) and what was read
    (``target``), never its content.

    Each municipality's entries form one chain, the platform-wide ones another: ``prev_hash`` is the ``hash`` of
    the chain's entry before (:data:`GENESIS` for its first), and ``hash`` the SHA-256 of this entry's fields and
    ``prev_hash`` in canonical JSON. ``AuditChain`` holds each chain's head."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_municipality", "municipality_code", "id"),
        Index("ix_audit_entry_submission", "submission_id", "id"),  # a case's access log
        # 操作履歴, a municipality's and everyone's, newest first without reads
        Index("ix_audit_entry_changes", "municipality_code", "id", sqlite_where=text(NOT_A_READ),
              postgresql_where=text(NOT_A_READ)),
        Index("ix_audit_entry_all_changes", "id", sqlite_where=text(NOT_A_READ), postgresql_where=text(NOT_A_READ)),
    )  # fmt: skip

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
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))  # the case read or held
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditChain(Base):
    """The head of one chain of audit entries: a municipality's (``name`` is its code) or the platform's
    (:data:`PLATFORM`). Appending locks this row (``SELECT … FOR UPDATE``), so two transactions appending at once
    take turns and never both chain to the same entry; the last entry's id and hash kept here also tell a chain
    cut short at its end."""

    __tablename__ = "audit_chain"

    name: Mapped[str] = mapped_column(String(8), primary_key=True)
    last_entry_id: Mapped[int | None] = mapped_column()  # None: no entry yet
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _audit_is_append_only(_mapper, _connection, target: AuditEntry) -> None:  # type: ignore[no-untyped-def]
    raise ValueError(f"audit entry {target.id} is append-only")
