"""期限日 for the pages: the partials backoffice/_deadline.html and resident/_deadline.html call ``case_deadline``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portal.japan import jst
from portal.models import Submission
from portal.services.deadlines import Deadline, deadline_of
from portal.web.current import current_procedures
from portal.workflow import Clock


@dataclass(frozen=True)
class DeadlineView:
    due_on: date
    paused: bool  # the clock stands still: the case waits for the applicant
    for_payment: bool  # … for their online payment (else for their correction)
    final: bool
    overdue: bool  # 期限超過
    due_today: bool


def case_deadline(submission: Submission) -> DeadlineView | None:
    """The case's 期限日 as of today (JST), from the workflow version it was made under; None without one."""
    workflow = current_procedures().case(submission).workflow
    found = deadline_of(submission, workflow, jst.today())
    if found is None:
        return None
    return _view(found, workflow.state(submission.state).clock is Clock.PAUSED_UNTIL_PAID)


def _view(deadline: Deadline, for_payment: bool) -> DeadlineView:
    return DeadlineView(
        due_on=deadline.due_on,
        paused=deadline.paused,
        for_payment=deadline.paused and for_payment,
        final=deadline.final,
        overdue=deadline.overdue,
        due_today=deadline.due_today,
    )
