"""The back-office queue: a municipality's cases in views (要対応, 自分の担当, 未割当, 期限超過, 完了, すべて), searched
and filtered, a page of 50 at a time by keyset, so that the first page costs the same at 10,000 cases as at 1,000,000.

Every view is one range of an index of ``submission`` (see the model's indexes): open views oldest first by
(submitted_at, id), 期限超過 by (due_on, id), the longest overdue first, 完了 newest first.

要対応 is computed in SQL from the workflow versions: for each version the states where one of the person's roles
has a transition, narrowed where every such transition is barred by the four-eyes rule (``distinct_from``) or waits
for an online payment (``requires: [paid]``). Whether the applicant is found in the 住民記録 (``record_match``)
needs the records backend, so the case page decides it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, not_, or_, select, true, tuple_
from sqlalchemy.orm import Session, aliased, joinedload

from portal.catalog import ProcedureDefinition
from portal.catalog.methods import PaymentMethod
from portal.catalog.normalize import search_folded
from portal.definitions import Kind
from portal.japan import jst
from portal.messages import N_
from portal.models import ActorKind, CatalogVersion, Channel, Payment, PaymentStatus, Submission, TransitionRecord
from portal.procedures import Procedures
from portal.roles import Role
from portal.services.actors import ActingUser
from portal.services.deadlines import past_due
from portal.workflow import Condition, Transition, WorkflowDefinition

PAGE_SIZE = 50
REFERENCE = re.compile(r"\d{4}-\d{6}")  # a whole 受付番号: looked up by its own index, not searched
NAME_CLAIMS = ("family_name", "given_name")  # a field prefilled from these holds the applicant's name
KANA_CLAIMS = ("family_name_kana", "given_name_kana")


class View(StrEnum):
    ACTION = "action"  # 要対応: the person can fire a transition now
    MINE = "mine"  # 自分の担当: open cases assigned to the person
    UNASSIGNED = "unassigned"  # 未割当: open cases nobody handles
    OVERDUE = "overdue"  # 期限超過: open cases past their 期限日 with the clock running, the longest overdue first
    DONE = "done"  # 完了: final states, newest first
    ALL = "all"  # すべて: open and finished, oldest first


VIEW_LABELS = {
    View.ACTION: N_("要対応"),
    View.MINE: N_("自分の担当"),
    View.UNASSIGNED: N_("未割当"),
    View.OVERDUE: N_("期限超過"),
    View.DONE: N_("完了"),
    View.ALL: N_("すべて"),
}


@dataclass(frozen=True)
class QueueFilter:
    """A view and what narrows it; ``search`` is what was typed (a 受付番号, a name or its フリガナ)."""

    view: View = View.ACTION
    search: str = ""
    procedure: str | None = None
    state: str | None = None
    channel: Channel | None = None  # online or at the counter; None: both
    submitted_from: date | None = None  # JST calendar days, both ends included
    submitted_to: date | None = None

    @property
    def descending(self) -> bool:
        return self.view is View.DONE

    @property
    def by_due_date(self) -> bool:
        """期限超過 runs in (due_on, id) order; every other view in (submitted_at, id)."""
        return self.view is View.OVERDUE


MAX_ID = 2**31 - 1  # submission.id is an INTEGER


@dataclass(frozen=True)
class Cursor:
    """A position in a view's order: the (submitted_at, id), or for 期限超過 the (due_on, id), of the row a page ends
    or starts at. Its token is two integers (microseconds since the epoch, or "d" and the day's ordinal; then the
    id), so URLs carry no date format and nothing personal."""

    position: datetime | date
    id: int

    @classmethod
    def of(cls, submission: Submission, filters: QueueFilter) -> Cursor:
        if filters.by_due_date:
            assert submission.due_on is not None  # 期限超過 lists only cases with one
            return cls(submission.due_on, submission.id)
        return cls(submission.submitted_at, submission.id)

    @property
    def token(self) -> str:
        if isinstance(self.position, datetime):
            delta = self.position - datetime(1970, 1, 1, tzinfo=UTC)
            return f"{delta // timedelta(microseconds=1)}-{self.id}"
        return f"d{self.position.toordinal()}-{self.id}"

    @classmethod
    def parse(cls, token: str, filters: QueueFilter) -> Cursor:
        """The cursor a token names in the order of ``filters``' view; ValueError when it is not one."""
        match = re.fullmatch(r"(d?)(\d{1,18})-(\d{1,18})", token)
        if match is None or bool(match[1]) != filters.by_due_date:
            raise ValueError(f"not a cursor of the {filters.view.value} view: {token!r}")
        # No id is larger than the column holds (PostgreSQL's INTEGER): a larger one orders as the largest.
        number, row = int(match[2]), min(int(match[3]), MAX_ID)
        if filters.by_due_date:
            return cls(date.fromordinal(number), row)  # ValueError beyond the calendar
        return cls(datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=number), row)  # OverflowError likewise


@dataclass(frozen=True)
class QueuePage:
    submissions: list[Submission]
    next: Cursor | None  # where the following page starts (after it); None on the last page
    previous: Cursor | None  # where the preceding page ends (before it); None on the first page


@dataclass(frozen=True)
class Versions:
    """The definition and workflow versions a page's cases were made against, by version id."""

    definitions: dict[int, ProcedureDefinition] = field(default_factory=dict)
    workflows: dict[int, WorkflowDefinition] = field(default_factory=dict)

    def of(self, submission: Submission) -> tuple[ProcedureDefinition, WorkflowDefinition]:
        return self.definitions[submission.definition_version_id], self.workflows[submission.workflow_version_id]


def search_key(
    reference: str, definition: ProcedureDefinition, answers: dict[str, Any], profile: dict[str, Any]
) -> str:
    """What the queue's search compares for a case: its 受付番号, the applicant's name and フリガナ as answered (the
    fields prefilled from the name claims), else as the identity provider gave them (or staff entered them at the
    counter), each folded
    (:func:`search_folded`): "2026-000001|山田太郎|ヤマダタロウ"."""
    by_claim = {f.prefill: f.name for f in definition.fields if f.prefill}

    def joined(claims: tuple[str, ...]) -> str:
        answered = "".join(str(answers.get(by_claim[c]) or "") for c in claims if c in by_claim)
        return answered or "".join(str(profile.get(c) or "") for c in claims)

    return "|".join(search_folded(part) for part in (reference, joined(NAME_CLAIMS), joined(KANA_CLAIMS)))[:500]


class QueueService:
    def __init__(self, session: Session, procedures: Procedures, actor: ActingUser) -> None:
        assert actor.kind is ActorKind.STAFF and actor.municipality_code is not None
        self.session = session
        self.procedures = procedures
        self.actor = actor
        self.code = actor.municipality_code

    def page(
        self, filters: QueueFilter, after: Cursor | None = None, before: Cursor | None = None, size: int = PAGE_SIZE
    ) -> QueuePage:
        """One page of the view in its order: the first, the one after ``after`` or the one before ``before``.
        Applicants and assignees come in the same query."""
        forward = before is None
        query = self.matching(filters).options(joinedload(Submission.resident), joinedload(Submission.assignee))
        query = _ordered(query, filters, filters.descending != (not forward), after or before)
        rows = list(self.session.scalars(query.limit(size + 1)).unique())
        more = len(rows) > size
        rows = rows[:size]
        if not forward:
            rows.reverse()
        if not rows:
            return QueuePage([], None, None)
        has_next = more if forward else True
        has_previous = (after is not None) if forward else more
        return QueuePage(
            rows,
            Cursor.of(rows[-1], filters) if has_next else None,
            Cursor.of(rows[0], filters) if has_previous else None,
        )

    def references(self, filters: QueueFilter, limit: int) -> list[tuple[int, str]] | None:
        """(id, 受付番号) of every case of the view in its order, or None when there are more than ``limit``."""
        query = _ordered(
            self.matching(filters).with_only_columns(Submission.id, Submission.reference), filters, filters.descending
        )
        found = [(row.id, row.reference) for row in self.session.execute(query.limit(limit + 1))]
        return None if len(found) > limit else found

    def by_ids(self, ids: Sequence[int]) -> list[Submission]:
        """These cases of the municipality, in the order given, with applicants and assignees."""
        query = (
            select(Submission)
            .where(Submission.municipality_code == self.code, Submission.id.in_(ids))
            .options(joinedload(Submission.resident), joinedload(Submission.assignee))
        )
        found = {s.id: s for s in self.session.scalars(query).unique()}
        return [found[i] for i in ids if i in found]

    def matching(self, filters: QueueFilter) -> Select[tuple[Submission]]:
        """The municipality's cases in the view, narrowed by the filters (unordered)."""
        query = select(Submission).where(Submission.municipality_code == self.code, self._view(filters.view))
        if filters.procedure:
            query = query.where(Submission.procedure == filters.procedure)
        if filters.state:
            query = query.where(Submission.state == filters.state)
        if filters.channel is not None:
            query = query.where(Submission.channel == filters.channel)
        if filters.submitted_from is not None:
            query = query.where(Submission.submitted_at >= _start_of(filters.submitted_from))
        if filters.submitted_to is not None:
            query = query.where(Submission.submitted_at < _start_of(filters.submitted_to + timedelta(days=1)))
        folded = search_folded(filters.search)
        if REFERENCE.fullmatch(folded):
            query = query.where(Submission.reference == folded)
        elif folded:
            query = query.where(Submission.search_key.contains(folded, autoescape=True))
        return query

    def versions(self, submissions: Sequence[Submission]) -> Versions:
        """The versions of these cases, in one query (each version is parsed once per process, when its content is
        read)."""
        ids = {s.definition_version_id for s in submissions} | {s.workflow_version_id for s in submissions}
        if not ids:
            return Versions()
        found = Versions()
        rows = self.session.execute(
            select(CatalogVersion.id, CatalogVersion.kind, CatalogVersion.name, CatalogVersion.content_hash).where(
                CatalogVersion.id.in_(ids)
            )
        )
        for row in rows:  # cases never name a withdrawal: every version has content
            content = _content_of(self.session, row.id)  # read only the first time this process parses it
            if row.kind is Kind.DEFINITION:
                found.definitions[row.id] = self.procedures.parsed.definition(row.name, row.content_hash, content)
            elif row.kind is Kind.WORKFLOW:
                found.workflows[row.id] = self.procedures.parsed.workflow(row.name, row.content_hash, content)
        return found

    def _view(self, view: View) -> ColumnElement[bool]:
        if view is View.ACTION:
            return and_(Submission.closed == false(), self.actionable())
        if view is View.MINE:
            return and_(Submission.closed == false(), Submission.assignee_id == self.actor.id)
        if view is View.UNASSIGNED:
            return and_(Submission.closed == false(), Submission.assignee_id.is_(None))
        if view is View.OVERDUE:
            return and_(Submission.closed == false(), past_due(jst.today()))
        if view is View.DONE:
            return Submission.closed == true()
        return true()

    def actionable(self) -> ColumnElement[bool]:
        """Cases in a state where the person holds a transition they may fire, over every workflow version."""
        free: list[tuple[int, str]] = []
        guarded: list[ColumnElement[bool]] = []
        for version_id, workflow in workflow_versions(self.session, self.procedures).items():
            for key, state in workflow.states.items():
                mine = [t for t in workflow.outgoing(key) if t.roles & self.actor.roles] if not state.final else []
                conditions = [self._may_fire(t) for t in mine]
                if any(c is None for c in conditions):
                    free.append((version_id, key))
                elif conditions:
                    in_state = and_(Submission.workflow_version_id == version_id, Submission.state == key)
                    guarded.append(and_(in_state, or_(*(c for c in conditions if c is not None))))
        if free:
            guarded.insert(0, tuple_(Submission.workflow_version_id, Submission.state).in_(free))
        return or_(*guarded) if guarded else false()

    def _may_fire(self, transition: Transition) -> ColumnElement[bool] | None:
        """What must hold of a case in the transition's source state for the person to fire it; None: nothing."""
        needs: list[ColumnElement[bool]] = []
        if transition.distinct_from:
            needs.append(not_(or_(*(self._last_fired_by_me(name) for name in sorted(transition.distinct_from)))))
        if Condition.PAID in transition.requires:
            needs.append(_paid())
        return and_(*needs) if needs else None

    def _last_fired_by_me(self, transition: str) -> ColumnElement[bool]:
        """The most recent ``transition`` on the case was fired by the person (the four-eyes rule)."""
        mine, later = aliased(TransitionRecord), aliased(TransitionRecord)
        return exists().where(
            mine.submission_id == Submission.id,
            mine.transition == transition,
            mine.actor_kind == ActorKind.STAFF,
            mine.actor_id == self.actor.id,
            ~exists().where(
                later.submission_id == mine.submission_id, later.transition == transition, later.id > mine.id
            ),
        )


def workflow_versions(session: Session, procedures: Procedures) -> dict[int, WorkflowDefinition]:
    """Every published workflow version by id (cases keep theirs); contents read only when first parsed here."""
    rows = session.execute(
        select(CatalogVersion.id, CatalogVersion.name, CatalogVersion.content_hash).where(
            CatalogVersion.kind == Kind.WORKFLOW, CatalogVersion.content_hash.is_not(None)
        )
    ).all()
    return {
        row.id: procedures.parsed.workflow(row.name, row.content_hash, _content_of(session, row.id)) for row in rows
    }


def may_handle(roles: frozenset[Role]) -> bool:
    """Whether someone with ``roles`` can be a case's 担当 (only clerks review and issue)."""
    return Role.CLERK in roles


def _paid() -> ColumnElement[bool]:
    """``Condition.PAID`` in SQL, as services.payments.payment_facts decides it for one case."""
    return or_(
        Submission.payment_method.is_(None),
        Submission.payment_method != PaymentMethod.ONLINE,
        func.coalesce(Submission.fee, 0) == 0,
        exists().where(
            Payment.submission_id == Submission.id,
            Payment.status == PaymentStatus.PAID,
            Payment.amount == Submission.fee,
        ),
    )


def _ordered(query: Select[Any], filters: QueueFilter, descending: bool, cursor: Cursor | None = None) -> Select[Any]:
    """In the view's order ((due_on, id) or (submitted_at, id)), or its reverse; strictly past ``cursor`` in it."""
    first = Submission.due_on if filters.by_due_date else Submission.submitted_at
    key = tuple_(first, Submission.id)
    if cursor is not None:
        position = (cursor.position, cursor.id)
        query = query.where(key < position if descending else key > position)
    if descending:
        return query.order_by(first.desc(), Submission.id.desc())
    return query.order_by(first, Submission.id)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=jst.JST)


def _content_of(session: Session, version_id: int):  # type: ignore[no-untyped-def]
    return lambda: session.scalars(select(CatalogVersion.content).filter_by(id=version_id)).one() or ""


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def reindex(session: Session, procedures: Procedures, after: int = 0, size: int = 1000) -> tuple[int | None, int]:
    """Recompute ``closed`` and ``search_key`` of the next ``size`` cases after id ``after`` from their own versions,
    as submitting and every transition keep them; (the last id seen or None when done, how many were corrected).

    For cases the previous release changed while both ran (see the migration that added the columns)."""
    batch = list(
        session.scalars(
            select(Submission)
            .where(Submission.id > after)
            .order_by(Submission.id)
            .limit(size)
            .options(joinedload(Submission.resident))
        )
    )
    corrected = 0
    for submission in batch:
        case = procedures.case(submission)
        closed = case.workflow.is_final(submission.state)
        key = search_key(submission.reference, case.definition, submission.answers, submission.applicant_details)
        if (submission.closed, submission.search_key) != (closed, key):
            submission.closed, submission.search_key = closed, key
            corrected += 1
    session.flush()
    return (batch[-1].id if batch else None), corrected
