"""担当 and internal notes on the case page: the buttons' handlers, and ``casework(submission)``, which the
partial backoffice/_assignment.html calls for what it shows (so the case page's own view needs no change)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.database import db
from portal.models import AssignmentRecord, InternalNote, Staff, Submission
from portal.roles import Permission
from portal.services.assignment import NO_SUCH_COLLEAGUE, AssignmentRefused, AssignmentService, add_note, notes_of
from portal.services.queue import may_handle
from portal.web.access import staff_actor, staff_required
from portal.web.backoffice import views
from portal.web.backoffice.views import bp
from portal.web.responses import refused


@dataclass(frozen=True)
class NoteForm:
    token: str
    body: str = ""
    error: str | None = None


@dataclass(frozen=True)
class CaseWork:
    assignee: Staff | None
    may_claim: bool  # the person can handle cases and nobody does this one
    colleagues: list[Staff]
    history: list[AssignmentRecord]
    notes: list[InternalNote]
    note: NoteForm


@bp.app_template_global()
def casework(submission: Submission) -> CaseWork:
    """What the case page shows of 担当 and notes, for the staff member looking at it."""
    actor = staff_actor()
    service = AssignmentService(db.session, actor)
    return CaseWork(
        assignee=submission.assignee,
        may_claim=submission.assignee_id is None and not submission.closed and may_handle(actor.roles),
        colleagues=service.colleagues() if not submission.closed else [],
        history=service.history(submission),
        notes=notes_of(db.session, submission),
        note=g.get("note_form") or NoteForm(secrets.token_urlsafe(16)),
    )


def _back(submission: Submission, anchor: str) -> str:
    return url_for(".submission", reference=submission.reference, _anchor=anchor)


def _seen() -> int | None:
    value = request.form.get("seen", "")
    return int(value) if value.isdigit() and len(value) < 12 else None


@bp.post("/submissions/<reference>/assignment/claim")
@staff_required(Permission.VIEW_SUBMISSION)
def claim(reference: str) -> Any:
    found = views._staff_submission(reference)
    try:
        changed = AssignmentService(db.session, staff_actor()).claim(found)
    except AssignmentRefused as refusal:
        return refused(refusal.reason, _back(found, "assignment"))
    if changed:
        flash(_("この申請の担当になりました。"), "success")
    return redirect(_back(found, "assignment"), 303)


@bp.post("/submissions/<reference>/assignment")
@staff_required(Permission.VIEW_SUBMISSION)
def assign(reference: str) -> Any:
    found = views._staff_submission(reference)
    to = request.form.get("to", "")
    service = AssignmentService(db.session, staff_actor())
    try:
        if not to.isdigit() or len(to) >= 12:
            raise AssignmentRefused(NO_SUCH_COLLEAGUE)
        changed = service.assign(found, int(to), _seen())
    except AssignmentRefused as refusal:
        return refused(refusal.reason, _back(found, "assignment"))
    if changed:
        flash(_("担当を%(name)sさんにしました。", name=found.assignee.name if found.assignee else ""), "success")
    return redirect(_back(found, "assignment"), 303)


@bp.post("/submissions/<reference>/assignment/release")
@staff_required(Permission.VIEW_SUBMISSION)
def release(reference: str) -> Any:
    found = views._staff_submission(reference)
    try:
        changed = AssignmentService(db.session, staff_actor()).release(found, _seen())
    except AssignmentRefused as refusal:
        return refused(refusal.reason, _back(found, "assignment"))
    if changed:
        flash(_("担当を外しました。"), "success")
    return redirect(_back(found, "assignment"), 303)


@bp.post("/submissions/<reference>/notes")
@staff_required(Permission.VIEW_SUBMISSION)
def note(reference: str) -> Any:
    """A refused note is shown again in its box with the reason (the case page's error pattern), not lost."""
    found = views._staff_submission(reference)
    body, token = request.form.get("body", ""), request.form.get("token", "")
    try:
        add_note(db.session, staff_actor(), found, body, token)
    except AssignmentRefused as refusal:
        g.note_form = NoteForm(token or secrets.token_urlsafe(16), body, refusal.reason.render(_))
        flash(g.note_form.error, "error")  # at the top of the page, where every refusal is told
        return views._case_page(found)
    flash(_("メモを残しました。"), "success")
    return redirect(_back(found, "notes"), 303)
