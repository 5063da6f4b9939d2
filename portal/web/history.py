"""A case's history as people read it: what staff filled in each transition's fields, labelled and shown by the
case's own workflow version, and only to those who may read it (the comment's audience, fixed on the row)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext

from portal import catalog
from portal.models import Submission, TransitionRecord
from portal.workflow import WorkflowDefinition


def history_inputs(
    workflow: WorkflowDefinition, history: Iterable[TransitionRecord], staff_view: bool
) -> dict[int, list[tuple[str, str]]]:
    """Record id → [(label, value)] of the fields filled (empty ones left out); the applicant sees a row's only
    when its comment was for them."""
    shown: dict[int, list[tuple[str, str]]] = {}
    for record in history:
        if not record.inputs or not (staff_view or record.for_applicant):
            continue
        if not workflow.has_transition(record.transition):
            continue
        filled = {name: value for name, value in record.inputs.items() if value is not None}
        rows = catalog.display_fields(workflow.transition(record.transition).fields, filled, gettext)
        if rows:
            shown[record.id] = rows
    return shown


def arrival(submission: Submission) -> TransitionRecord | None:
    """The record that put the submission in its current state (a 差戻し, with its reason for the applicant)."""
    return next((r for r in reversed(submission.history) if r.to_state == submission.state), None)
