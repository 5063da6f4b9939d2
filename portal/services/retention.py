"""Retention: cases purged once past their procedure's 保存期間, and the legal holds that stop it.

A case is due when it has been in a final state for its procedure's ``retention`` (portal/catalog/retention.py),
read from the procedure's latest published definition (a withdrawn one's last version): a 保存期間 is a rule of
records management, so changing it applies to every case of the procedure. Purging one case, under its row lock:

- goes: the answers (the stored files they refer to are deleted from the storage once the transaction commits),
  each certificate's PDF, context and revocation reason, the history's comments and transition inputs, the text of
  the case's messages and internal notes, and the applicant's name where they acted or wrote: whatever may hold
  personal data, and for a counter application the identity and email address the clerk entered;
- stays, as the case's stub: 受付番号, procedure, the versions, the dates, the final state and every state it went
  through (which staff member acted, or that the applicant did, and when), the fee and methods, the number a workflow gave it, payments (amounts and the
  provider's reference), certificates' 発行番号, dates, hashes and revocations (so /verify still answers), and every
  audit entry, to which the purge adds one.

The case stays linked to the applicant's account (the column is required): the applicant still finds the stub among
their applications, while staff pages no longer show whose it was. A legal hold, set and cleared by an administrator
of the case's municipality with a reason (both in the audit log), stops the purge while it lasts. Purging twice, or
a case held or purged meanwhile, changes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, null, select, update
from sqlalchemy.orm import Session

from portal.attachments import keys_answered
from portal.catalog.characters import code_point, refused_character
from portal.catalog.retention import Retention
from portal.definitions import Kind
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import (
    ActorKind,
    AuditAction,
    CaseMessage,
    CatalogVersion,
    Certificate,
    InternalNote,
    Submission,
    TransitionRecord,
)
from portal.procedures import Procedures
from portal.roles import Permission
from portal.services import audit
from portal.services.actors import Administrator
from portal.services.orphans import let_go
from portal.services.queue import search_key

MAX_REASON_LENGTH = 200
REASON = N_("保全の理由")


class RetentionRefused(Exception):
    def __init__(self, reason: Message) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


@dataclass(frozen=True)
class Due:
    """A case past its 保存期間: what the dry run lists and the purge takes."""

    submission_id: int
    municipality_code: str
    reference: str
    procedure: str
    retention: Retention
    closed_on: date  # the JST day it reached its final state


def retentions(session: Session, procedures: Procedures) -> dict[str, Retention]:
    """Each procedure's 保存期間 by slug, from its latest published definition (a withdrawn one's last version);
    procedures without one are not listed."""
    latest = (
        select(CatalogVersion.name, func.max(CatalogVersion.number).label("number"))
        .where(CatalogVersion.kind == Kind.DEFINITION, CatalogVersion.content_hash.is_not(None))
        .group_by(CatalogVersion.name)
        .subquery()
    )
    versions = session.scalars(
        select(CatalogVersion)
        .join(latest, (CatalogVersion.name == latest.c.name) & (CatalogVersion.number == latest.c.number))
        .where(CatalogVersion.kind == Kind.DEFINITION)
    )
    found = {version.name: procedures.definition(version).retention for version in versions}
    return {slug: retention for slug, retention in sorted(found.items()) if retention is not None}


def due(session: Session, procedures: Procedures, today: date, municipality_code: str | None = None) -> list[Due]:
    """The cases to purge on ``today`` (JST), by procedure then 受付 order: in a final state for their procedure's
    保存期間, neither held nor purged yet; only ``municipality_code``'s when given."""
    found = []
    for slug, retention in retentions(session, procedures).items():
        closed_at = func.max(TransitionRecord.created_at)
        bound = datetime.combine(retention.closed_by(today) + timedelta(days=1), time(), jst.JST)
        query = (
            select(Submission.id, Submission.municipality_code, Submission.reference, closed_at.label("closed_at"))
            .join(TransitionRecord, TransitionRecord.submission_id == Submission.id)
            .where(
                Submission.procedure == slug,
                Submission.closed.is_(True),
                Submission.purged_at.is_(None),
                Submission.legal_hold.is_(None),
            )
            .group_by(Submission.id, Submission.municipality_code, Submission.reference)
            .having(closed_at < bound)
            .order_by(Submission.id)
        )
        if municipality_code is not None:
            query = query.where(Submission.municipality_code == municipality_code)
        for row in session.execute(query):
            closed_on = row.closed_at.astimezone(jst.JST).date()
            if retention.purge_on(closed_on) <= today:
                found.append(Due(row.id, row.municipality_code, row.reference, slug, retention, closed_on))
    return found


def purge(session: Session, procedures: Procedures, case: Due, who: audit.Auditor, now: datetime) -> bool:
    """Purge one due case (flushed, not committed); False when it was held, purged or reopened meanwhile."""
    submission = session.scalars(
        select(Submission).filter_by(id=case.submission_id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if submission.purged_at is not None or submission.legal_hold is not None or not submission.closed:
        return False
    definition = procedures.case(submission).definition
    let_go(session, keys_answered(submission.answers))
    submission.answers = {}
    if submission.entered_identity is not None:  # a counter case: the identity and address the clerk entered
        submission.entered_identity = {}
    submission.notify_email = None
    submission.search_key = search_key(submission.reference, definition, {}, {})
    submission.purged_at = now
    session.flush()  # first: the history's, messages' and notes' triggers let only a purged case's text be blanked
    same_case = {"synchronize_session": False}
    applicant = ActorKind.RESIDENT
    for statement in (
        update(TransitionRecord).filter_by(submission_id=submission.id).values(comment=None, inputs=null()),
        update(TransitionRecord).filter_by(submission_id=submission.id, actor_kind=applicant).values(actor_name=""),
        update(CaseMessage).filter_by(submission_id=submission.id).values(body=""),
        update(CaseMessage).filter_by(submission_id=submission.id, author_kind=applicant).values(author_name=""),
        update(InternalNote).filter_by(submission_id=submission.id).values(body=""),
        update(Certificate)
        .filter_by(submission_id=submission.id)
        .values(pdf=None, context=null(), revocation_reason=None),
    ):
        session.execute(statement, execution_options=same_case)
    session.expire_all()  # what the session held of them is gone from the database
    after = {"retention": str(case.retention), "closed_on": case.closed_on.isoformat()}
    target = f"submission:{case.reference}"
    audit.record(session, who, AuditAction.CASE_PURGED, target, None, after, case.municipality_code, case.submission_id)
    return True


@dataclass(frozen=True)
class Retained:
    """What the administration's page of a case says about its retention."""

    retention: Retention | None  # None: the procedure keeps its cases for good
    closed_on: date | None  # None: still open
    legal_hold: str | None
    purged_at: datetime | None

    @property
    def purge_on(self) -> date | None:
        if self.retention is None or self.closed_on is None or self.purged_at is not None:
            return None
        return self.retention.purge_on(self.closed_on)


def retained(session: Session, procedures: Procedures, submission: Submission) -> Retained:
    closed_on = None
    if submission.closed and submission.history:
        closed_on = submission.history[-1].created_at.astimezone(jst.JST).date()
    return Retained(
        retention=retentions(session, procedures).get(submission.procedure),
        closed_on=closed_on,
        legal_hold=submission.legal_hold,
        purged_at=submission.purged_at,
    )


def hold(session: Session, actor: Administrator, submission: Submission, reason: str | None) -> None:
    """Stop the purge of ``submission`` until the hold is cleared (a lawsuit, an inquiry), with its reason."""
    why = _reason(reason)
    _lock(session, actor, submission)
    if submission.legal_hold is not None:
        raise RetentionRefused(Message(N_("この申請は既に保全しています。")))
    submission.legal_hold = why
    session.flush()
    audit.record(
        session, actor, AuditAction.LEGAL_HOLD_SET, f"submission:{submission.reference}", None, {"reason": why},
        submission.municipality_code, submission.id,
    )  # fmt: skip


def release(session: Session, actor: Administrator, submission: Submission, reason: str | None) -> None:
    """Clear the legal hold, saying why; the case is purged at the next run if it is past its 保存期間 by then."""
    why = _reason(reason)
    _lock(session, actor, submission)
    held = submission.legal_hold
    if held is None:
        raise RetentionRefused(Message(N_("この申請は保全していません。")))
    submission.legal_hold = None
    session.flush()
    audit.record(
        session, actor, AuditAction.LEGAL_HOLD_CLEARED, f"submission:{submission.reference}", {"reason": held},
        {"reason": why}, submission.municipality_code, submission.id,
    )  # fmt: skip


def administers_cases(actor: Administrator, code: str) -> bool:
    """Whether ``actor`` may read the access log of ``code``'s cases and hold them: an administrator of that
    municipality, not a platform operator (who sees no case)."""
    return Permission.ADMINISTER_MUNICIPALITY in actor.permissions and actor.municipality_code == code


def _reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise RetentionRefused(Message(N_("保全の理由を入力してください。")))
    if len(text) > MAX_REASON_LENGTH:
        raise RetentionRefused(
            Message(N_("保全の理由は%(max)d文字以内で入力してください。"), {"max": MAX_REASON_LENGTH})
        )
    if refused := refused_character(text, multiline=False):
        char, msgid = refused
        raise RetentionRefused(Message(msgid, {"label": Message(REASON), "code": code_point(char)}))
    return text


def _lock(session: Session, actor: Administrator, submission: Submission) -> None:
    """Only an administrator of the case's municipality; then hold the case's row and read it afresh."""
    if not administers_cases(actor, submission.municipality_code):
        raise RetentionRefused(Message(N_("この申請を保全する権限がありません。")))
    session.scalars(
        select(Submission).filter_by(id=submission.id).with_for_update().execution_options(populate_existing=True)
    ).one()
    if submission.purged_at is not None:
        raise RetentionRefused(Message(N_("保存期間が過ぎて削除した申請は保全できません。")))
