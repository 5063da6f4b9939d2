"""期限日: when a case is due, in 開庁日, and the clock that stops while the case waits for the applicant.

A case is due on the ``processing_days``-th 開庁日 (標準処理期間, on the municipality's terms) after the JST day it was
submitted. A workflow state with ``clock: paused`` (差戻し) stops the clock, and so does ``clock: paused_until_paid``
while an online payment is outstanding: the day it stops is kept on the submission, and when the case leaves the
state (or the payment is confirmed) the 期限日 moves on by the 開庁日 it waited. All of it happens where the state
changes, under the submission's row lock (:class:`portal.services.submissions.SubmissionService`, and
:class:`portal.services.payments.PaymentService` for a payment), so two requests never both move a 期限日.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from portal.japan.business_days import BusinessCalendar
from portal.models import MunicipalityClosure, Submission
from portal.workflow import Clock, State, WorkflowDefinition


def calendar_of(session: Session, municipality_code: str) -> BusinessCalendar:
    """The municipality's 開庁日: the national calendar less the closures it set."""
    days = session.scalars(select(MunicipalityClosure.day).filter_by(municipality_code=municipality_code))
    return BusinessCalendar.of(days)


def due_from(session: Session, municipality_code: str, submitted_on: date, processing_days: int) -> date:
    return calendar_of(session, municipality_code).add_business_days(submitted_on, processing_days)


def pauses(state: State, payment_outstanding: bool) -> bool:
    """Whether the clock stands still in ``state`` (``payment_outstanding``: an online payment is not yet made)."""
    return state.clock is Clock.PAUSED or (state.clock is Clock.PAUSED_UNTIL_PAID and payment_outstanding)


def pause(submission: Submission, today: date) -> None:
    """Stop the clock today; a clock already stopped keeps the day it stopped."""
    if submission.clock_paused_on is None:
        submission.clock_paused_on = today


def resume(session: Session, submission: Submission, today: date) -> None:
    """Start the clock again: the 期限日 moves on by the 開庁日 after the day it stopped up to today."""
    stopped = submission.clock_paused_on
    if stopped is None:
        return
    if submission.due_on is not None and today > stopped:
        calendar = calendar_of(session, submission.municipality_code)
        waited = calendar.business_days_between(stopped, today)
        submission.due_on = calendar.add_business_days(submission.due_on, waited)
    submission.clock_paused_on = None


def payment_confirmed(session: Session, submission: Submission, workflow: WorkflowDefinition, today: date) -> None:
    """The online payment a ``paused_until_paid`` state waited for is made: the clock runs again."""
    if workflow.state(submission.state).clock is Clock.PAUSED_UNTIL_PAID:
        resume(session, submission, today)


@dataclass(frozen=True)
class Deadline:
    """A case's 期限日 as the pages show it."""

    due_on: date
    paused: bool  # the clock stands still: the case waits for the applicant (or their payment)
    final: bool  # the case is finished: its 期限日 is history
    today: date

    @property
    def overdue(self) -> bool:
        """期限超過: open, counting, and past its 期限日 (a case is on time all through the day it is due)."""
        return not self.final and not self.paused and self.today > self.due_on

    @property
    def due_today(self) -> bool:
        return not self.final and not self.paused and self.today == self.due_on


def deadline_of(submission: Submission, workflow: WorkflowDefinition, today: date) -> Deadline | None:
    """None for a case without a 期限日 (see the migration that added it)."""
    if submission.due_on is None:
        return None
    return Deadline(
        due_on=submission.due_on,
        paused=submission.clock_paused_on is not None,
        final=workflow.is_final(submission.state),
        today=today,
    )


def past_due(today: date) -> ColumnElement[bool]:
    """The cases whose 期限日 has passed with the clock running (for the queue's 期限超過, on ix_submission_overdue); the
    caller leaves out cases in final states, which its workflows name."""
    return and_(Submission.due_on < today, Submission.clock_paused_on.is_(None))
