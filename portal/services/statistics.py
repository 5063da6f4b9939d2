"""Figures of a municipality's cases, per procedure and month (JST): what administrators read on the statistics pages
and what open data publishes (portal.services.opendata). Aggregates only: nothing here names a case or a person.

- **Applications** by channel (online, counter): cases submitted in the month. Counted in SQL.
- **Backlog**: cases submitted before the month's end and not in a final state at its end. Counted in SQL.
- **Decisions**: cases that reached a final state in the month, by what the state is: a final state whose workflow
  tells the applicant ``notify: issued | completed`` (交付, 完了) or ``notify: rejected`` (却下) is a decision; one
  that tells nothing is the applicant's own end (取下げ), counted apart and left out of everything below. The rows
  are read in SQL (the moment a case closed is its last history row: nothing leaves a final state), one per case,
  with whether the case was ever returned to the applicant (a state with ``applicant_edits``, 差戻し).
- **Processing time** of each decision in 開庁日 (portal.japan.business_days: weekends, national holidays, 12月29日〜
  1月3日 and the municipality's closures do not count) from the JST day it was submitted to the day it was decided,
  the first day not counted, as the 期限日 counts; its median and 90th percentile (linear interpolation between
  closest ranks, PostgreSQL's ``percentile_cont``), and how many were decided by their 期限日 (the 標準処理期間,
  moved on while the case waited for the applicant). These need the holiday calendar, so they are computed here.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, false, func, or_, select, tuple_
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.japan.business_days import BusinessCalendar
from portal.models import Channel, Submission, TransitionRecord
from portal.procedures import Procedures
from portal.services.deadlines import calendar_of
from portal.services.queue import workflow_versions
from portal.workflow import ApplicantNotice, WorkflowDefinition

FISCAL_YEAR_START = 4  # 年度: April to March
GRANTED = frozenset({ApplicantNotice.ISSUED, ApplicantNotice.COMPLETED})


def fiscal_year_of(day: date) -> int:
    """The 年度 ``day`` falls in, by the calendar year it starts in (2026年度: 2026-04-01 to 2027-03-31)."""
    return day.year if day.month >= FISCAL_YEAR_START else day.year - 1


def fiscal_year(year: int) -> tuple[date, ...]:
    """The first days of the 年度's twelve months."""
    return months_between(date(year, FISCAL_YEAR_START, 1), date(year + 1, FISCAL_YEAR_START - 1, 1))


def months_between(first: date, last: date) -> tuple[date, ...]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return tuple(months)


def next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=jst.JST)


def percentile(values: Sequence[int], percent: int) -> float | None:
    """The ``percent``-th percentile of ``values`` by linear interpolation between closest ranks (what PostgreSQL's
    ``percentile_cont`` computes); None for no values."""
    if len(values) < 2:
        return float(values[0]) if values else None
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


@dataclass(frozen=True)
class Decision:
    """One case decided (交付, 完了 or 却下) in the period: never who, only what the figures need."""

    procedure: str
    channel: Channel
    month: date
    business_days: int  # 開庁日 from the day it was submitted to the day it was decided
    in_time: bool  # decided on or before its 期限日
    rejected: bool
    returned: bool  # returned to the applicant (差戻し) at least once


@dataclass
class Figures:
    """One procedure's month (or one channel of it)."""

    applications: Counter[Channel] = field(default_factory=Counter)
    backlog: int = 0  # open at the month's end
    withdrawn: int = 0  # ended by the applicant (取下げ) in the month
    decisions: list[Decision] = field(default_factory=list)

    @property
    def submitted(self) -> int:
        return sum(self.applications.values())

    @property
    def decided(self) -> int:
        return len(self.decisions)

    @property
    def days(self) -> list[int]:
        return sorted(d.business_days for d in self.decisions)

    @property
    def median_days(self) -> float | None:
        return percentile(self.days, 50)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.days, 90)

    @property
    def in_time(self) -> int:
        return sum(d.in_time for d in self.decisions)

    @property
    def rejected(self) -> int:
        return sum(d.rejected for d in self.decisions)

    @property
    def returned(self) -> int:
        return sum(d.returned for d in self.decisions)

    def of_channel(self, channel: Channel) -> Figures:
        """The applications and decisions of one channel (the backlog and withdrawals are not kept by channel)."""
        return Figures(
            applications=Counter({channel: self.applications[channel]}),
            decisions=[d for d in self.decisions if d.channel is channel],
        )

    def rate(self, count: int) -> float | None:
        """``count`` as a share of the decisions; None when there were none."""
        return count / self.decided if self.decisions else None


@dataclass(frozen=True)
class Statistics:
    """A municipality's figures over ``months``, by procedure slug and month."""

    months: tuple[date, ...]
    figures: dict[str, dict[date, Figures]]

    @property
    def procedures(self) -> list[str]:
        return sorted(self.figures)


def gather(
    session: Session, procedures: Procedures, code: str, months: Sequence[date], *, backlog: bool = True
) -> Statistics:
    """Every figure of municipality ``code`` over ``months`` (consecutive first days of months); without the
    ``backlog`` when it is not wanted (it is one column per month)."""
    months = tuple(months)
    bounds = [_start(m) for m in months] + [_start(next_month(months[-1]))]
    figures: dict[str, dict[date, Figures]] = defaultdict(lambda: {m: Figures() for m in months})
    for procedure, index, channel, count in _applications(session, code, bounds):
        figures[procedure][months[index]].applications[channel] += count
    for procedure, *open_at_ends in _backlog(session, code, bounds) if backlog else ():
        for month, count in zip(months, open_at_ends, strict=True):
            figures[procedure][month].backlog = int(count or 0)
    versions = workflow_versions(session, procedures)
    calendar = calendar_of(session, code)
    for row in _closed(session, code, bounds, versions):
        state = versions[row.workflow_version_id].state(row.state)
        month = months[row.month]
        if state.notify is None:
            figures[row.procedure][month].withdrawn += 1
        else:
            figures[row.procedure][month].decisions.append(_decision(row, month, state.notify, calendar))
    return Statistics(months, dict(figures))


def _decision(row: Any, month: date, notice: ApplicantNotice, calendar: BusinessCalendar) -> Decision:
    submitted = row.submitted_at.astimezone(jst.JST).date()
    closed = row.closed_at.astimezone(jst.JST).date()
    return Decision(
        procedure=row.procedure,
        channel=row.channel,
        month=month,
        business_days=calendar.business_days_between(submitted, closed),
        in_time=row.due_on is None or closed <= row.due_on,
        rejected=notice is ApplicantNotice.REJECTED,
        returned=bool(row.returned),
    )


def _month_of(column: Any, bounds: Sequence[datetime]) -> ColumnElement[Any]:
    """The index of the month ``column`` falls in (the caller keeps it within ``bounds``)."""
    return case(*((column < end, index) for index, end in enumerate(bounds[1:])), else_=None)


def _applications(session: Session, code: str, bounds: Sequence[datetime]) -> Iterable[Any]:
    """(procedure, month index, channel, count). The month is computed in a subquery and grouped by its column:
    PostgreSQL would not take two renderings of one CASE with parameters for the same expression."""
    submitted = (
        select(Submission.procedure, Submission.channel, _month_of(Submission.submitted_at, bounds).label("month"))
        .where(
            Submission.municipality_code == code,
            Submission.submitted_at >= bounds[0],
            Submission.submitted_at < bounds[-1],
        )
        .subquery()
    )
    return session.execute(
        select(submitted.c.procedure, submitted.c.month, submitted.c.channel, func.count()).group_by(
            submitted.c.procedure, submitted.c.month, submitted.c.channel
        )
    ).all()


def _closing(code: str) -> Any:
    """When each closed case of ``code`` closed: its last history row (nothing leaves a final state)."""
    return (
        select(TransitionRecord.submission_id, func.max(TransitionRecord.created_at).label("closed_at"))
        .join(Submission, Submission.id == TransitionRecord.submission_id)
        .where(Submission.municipality_code == code, Submission.closed)
        .group_by(TransitionRecord.submission_id)
        .subquery()
    )


def _backlog(session: Session, code: str, bounds: Sequence[datetime]) -> Iterable[Any]:
    """Per procedure, the cases open at each month's end: submitted before it and not closed by it."""
    closing = _closing(code)
    open_at = [
        func.sum(
            case(
                (
                    and_(
                        Submission.submitted_at < end,
                        or_(closing.c.closed_at.is_(None), closing.c.closed_at >= end),
                    ),
                    1,
                ),
                else_=0,
            )
        )
        for end in bounds[1:]
    ]
    return session.execute(
        select(Submission.procedure, *open_at)
        .outerjoin(closing, closing.c.submission_id == Submission.id)
        .where(
            Submission.municipality_code == code,
            Submission.submitted_at < bounds[-1],
            or_(closing.c.closed_at.is_(None), closing.c.closed_at >= bounds[1]),
        )
        .group_by(Submission.procedure)
    ).all()


def _closed(
    session: Session, code: str, bounds: Sequence[datetime], versions: dict[int, WorkflowDefinition]
) -> Iterable[Any]:
    """One row per case of ``code`` that reached a final state within ``bounds``, with whether it was ever returned."""
    closing = _closing(code)
    returning = [
        (version_id, key)
        for version_id, workflow in versions.items()
        for key, state in workflow.states.items()
        if state.applicant_edits
    ]
    returned = (
        exists().where(
            TransitionRecord.submission_id == Submission.id,
            tuple_(Submission.workflow_version_id, TransitionRecord.to_state).in_(returning),
        )
        if returning
        else false()
    )
    return session.execute(
        select(
            Submission.procedure,
            Submission.channel,
            Submission.workflow_version_id,
            Submission.state,
            Submission.submitted_at,
            Submission.due_on,
            closing.c.closed_at,
            _month_of(closing.c.closed_at, bounds).label("month"),
            returned.label("returned"),
        )
        .join(closing, closing.c.submission_id == Submission.id)
        .where(closing.c.closed_at >= bounds[0], closing.c.closed_at < bounds[-1])
    ).all()
