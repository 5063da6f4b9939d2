"""Who handles a case (担当): claim, assign to a colleague, release; and staff's internal notes on it.

Each change of 担当 is one conditional UPDATE: a claim only where nobody handles the case yet, an assignment or a
release only where the 担当 is still the one the person saw (compare and set). The database decides between two
people acting at the same moment: the row lock makes the second UPDATE wait, then re-check its condition against
what the first committed and change nothing. Repeating the same change (a double click) changes nothing and
succeeds. Every change that happened is appended to the case's assignment history.

Internal notes are for the municipality's staff only: the resident's pages never read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import false, select, update
from sqlalchemy.orm import Session

from portal.catalog.characters import code_point, refused_character
from portal.catalog.normalize import normalise_lines
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import ActorKind, AssignmentAction, AssignmentRecord, InternalNote, Staff, Submission
from portal.services.actors import ActingUser
from portal.services.queue import may_handle

MAX_NOTE_LENGTH = 2000
MAX_BULK = 100  # cases in one bulk assignment: two pages of the queue

CLOSED = Message(N_("完了した申請の担当は変更できません。"))
NOT_A_CLERK = Message(N_("担当者（窓口）の役割がある職員だけが申請を担当できます。"))
NO_SUCH_COLLEAGUE = Message(
    N_("選んだ職員には割り当てられません。同じ自治体の、担当者の役割がある職員を選んでください。")
)
CHANGED_MEANWHILE = Message(N_("この申請の担当は、他の職員が変更しました。画面を更新して確認してください。"))
NOT_FOUND = Message(N_("この申請は見つかりません。"))


class AssignmentRefused(Exception):
    """The change cannot be made; ``reason`` is shown to the person who tried. Nothing was changed."""

    def __init__(self, reason: Message) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


@dataclass(frozen=True)
class BulkResult:
    reference: str
    refusal: Message | None  # None: assigned (or already was)


class AssignmentService:
    def __init__(self, session: Session, actor: ActingUser) -> None:
        assert actor.kind is ActorKind.STAFF and actor.municipality_code is not None
        self.session = session
        self.actor = actor
        self.code = actor.municipality_code

    def claim(self, submission: Submission) -> bool:
        """Take an unassigned case; True if it changed, False if the person already had it."""
        if not may_handle(self.actor.roles):
            raise AssignmentRefused(NOT_A_CLERK)
        if self._set(submission, None, self.actor.id, AssignmentAction.CLAIM):
            return True
        current = self._current(submission)
        if current is not None and current.id == self.actor.id:
            return False
        raise AssignmentRefused(
            Message(N_("この申請は既に%(name)sさんが担当しています。"), {"name": current.name})
            if current is not None
            else CHANGED_MEANWHILE
        )

    def assign(self, submission: Submission, to: int, seen: int | None) -> bool:
        """Give the case to colleague ``to`` instead of ``seen`` (the 担当 the person was shown; None: nobody)."""
        colleague = self.colleague(to)
        if colleague is None:
            raise AssignmentRefused(NO_SUCH_COLLEAGUE)
        action = AssignmentAction.CLAIM if seen is None and to == self.actor.id else AssignmentAction.ASSIGN
        if seen == to:
            return self._unchanged(submission, to)
        if self._set(submission, seen, to, action):
            return True
        return self._unchanged(submission, to)

    def release(self, submission: Submission, seen: int | None) -> bool:
        """Leave the case to nobody, if ``seen`` still handles it."""
        if seen is None:
            return self._unchanged(submission, None)
        if self._set(submission, seen, None, AssignmentAction.RELEASE):
            return True
        return self._unchanged(submission, None)

    def bulk_assign(self, references: Sequence[str], to: int, seen: Mapping[str, int | None]) -> list[BulkResult]:
        """Assign each case to ``to`` from the 担当 the queue showed for it; a refusal concerns its case alone."""
        results = []
        found = {
            s.reference: s
            for s in self.session.scalars(
                select(Submission).where(
                    Submission.municipality_code == self.code, Submission.reference.in_(references)
                )
            )
        }
        for reference in dict.fromkeys(references):
            submission = found.get(reference)
            if submission is None:
                results.append(BulkResult(reference, NOT_FOUND))
                continue
            try:
                self.assign(submission, to, seen.get(reference))
            except AssignmentRefused as refusal:
                results.append(BulkResult(reference, refusal.reason))
            else:
                results.append(BulkResult(reference, None))
        return results

    def colleagues(self) -> list[Staff]:
        """Who a case may be given to: the municipality's staff with the clerk role, by name."""
        staff = self.session.scalars(
            select(Staff).filter_by(municipality_code=self.code).order_by(Staff.name, Staff.id)
        )
        return [s for s in staff if may_handle(s.roles)]

    def colleague(self, staff_id: int) -> Staff | None:
        found = self.session.scalars(select(Staff).filter_by(id=staff_id, municipality_code=self.code)).one_or_none()
        return found if found is not None and may_handle(found.roles) else None

    def history(self, submission: Submission) -> list[AssignmentRecord]:
        query = select(AssignmentRecord).filter_by(submission_id=submission.id).order_by(AssignmentRecord.id)
        return list(self.session.scalars(query))

    def _set(self, submission: Submission, seen: int | None, to: int | None, action: AssignmentAction) -> bool:
        """The conditional UPDATE from ``seen`` to ``to``; on success the case is re-read and the change appended to
        its history."""
        changed = self.session.execute(
            update(Submission)
            .where(
                Submission.id == submission.id,
                Submission.municipality_code == self.code,
                Submission.closed == false(),
                Submission.assignee_id.is_(None) if seen is None else Submission.assignee_id == seen,
            )
            .values(assignee_id=to)
            .execution_options(synchronize_session=False)
        ).rowcount
        if changed != 1:
            return False
        self.session.refresh(submission, ["assignee_id", "assignee", "updated_at"])
        before, after = self.session.get(Staff, seen) if seen is not None else None, submission.assignee
        self.session.add(
            AssignmentRecord(
                submission_id=submission.id,
                municipality_code=self.code,
                action=action,
                from_staff_id=before.id if before is not None else None,
                from_name=before.name if before is not None else None,
                to_staff_id=after.id if after is not None else None,
                to_name=after.name if after is not None else None,
                actor_id=self.actor.id,
                actor_name=self.actor.name,
                at=jst.now(),
            )
        )
        self.session.flush()
        return True

    def _current(self, submission: Submission) -> Staff | None:
        """The 担当 as committed now (the UPDATE that changed nothing has waited for anyone changing it)."""
        self.session.refresh(submission, ["assignee_id", "assignee", "closed"])
        if submission.closed:
            raise AssignmentRefused(CLOSED)
        return submission.assignee

    def _unchanged(self, submission: Submission, wanted: int | None) -> bool:
        """After a change that did not apply: fine (False) if the case already is as wanted, else refused."""
        current = self._current(submission)
        if (current.id if current is not None else None) == wanted:
            return False
        raise AssignmentRefused(CHANGED_MEANWHILE)


# -- internal notes ---------------------------------------------------------------------------------------------


def add_note(session: Session, actor: ActingUser, submission: Submission, body: str | None, token: str) -> InternalNote:
    """Append a staff-only note to the case; the form's one-time ``token`` makes a second send return the first
    note. The case's row is locked first, so two sends of one form take turns. AssignmentRefused says why not."""
    assert actor.kind is ActorKind.STAFF and submission.municipality_code == actor.municipality_code
    text = normalise_lines(body or "")
    if not text:
        raise AssignmentRefused(Message(N_("メモを入力してください。")))
    if len(text) > MAX_NOTE_LENGTH:
        raise AssignmentRefused(Message(N_("メモは%(max)d文字以内で入力してください。"), {"max": MAX_NOTE_LENGTH}))
    if refused := refused_character(text, multiline=True):
        char, msgid = refused
        raise AssignmentRefused(Message(msgid, {"label": Message(N_("メモ")), "code": code_point(char), "char": char}))
    if not token or len(token) > 64:
        raise AssignmentRefused(Message(N_("画面を更新してから、もう一度入力してください。")))
    purged = session.scalars(select(Submission.purged_at).filter_by(id=submission.id).with_for_update()).one()
    if purged is not None:  # past its 保存期間: no personal text comes back (portal/services/retention.py)
        raise AssignmentRefused(Message(N_("保存期間が過ぎて内容を削除した申請には、メモを残せません。")))
    earlier = session.scalars(select(InternalNote).filter_by(submission_id=submission.id, token=token)).one_or_none()
    if earlier is not None:
        return earlier
    note = InternalNote(
        submission_id=submission.id,
        municipality_code=submission.municipality_code,
        author_id=actor.id,
        author_name=actor.name,
        body=text,
        token=token,
        created_at=jst.now(),
    )
    session.add(note)
    session.flush()
    return note


def notes_of(session: Session, submission: Submission) -> list[InternalNote]:
    """The case's internal notes, oldest first (staff pages only)."""
    query = select(InternalNote).filter_by(submission_id=submission.id).order_by(InternalNote.id)
    return list(session.scalars(query))
