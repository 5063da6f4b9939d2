"""Staff handlers. Everything is scoped to the logged-in staff member's municipality: another
municipality's submission is simply not found (404), never forbidden, so its existence is not revealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import catalog
from portal.catalog import ProcedureDefinition
from portal.database import db
from portal.japan import jst
from portal.models import Submission
from portal.roles import Permission, permissions_of
from portal.services import tenancy
from portal.services.certificates import certificate_of
from portal.services.revocation import RevocationRefused, RevocationService, certificates_of
from portal.services.submissions import QueueFilter, SubmissionService
from portal.web.access import current_staff, staff_actor, staff_required
from portal.web.current import current_procedures, current_records
from portal.web.responses import pdf_response
from portal.workflow import TransitionRefused

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@bp.before_request
def _load_municipality() -> None:
    staff = current_staff()
    if staff is not None:
        g.municipality = tenancy.municipality(db.session, staff.municipality_code)


def _service() -> SubmissionService:
    return SubmissionService(db.session, current_procedures(), staff_actor(), current_records(db.session))


def _definition_of(submission: Submission) -> ProcedureDefinition:
    return current_procedures().definition(submission.procedure) or abort(404)


@dataclass(frozen=True)
class QueueRow:
    submission: Submission
    title: str
    state_label: str
    final: bool
    age_days: int
    processing_days: int

    @property
    def overdue(self) -> bool:
        return not self.final and self.age_days > self.processing_days


def _row(submission: Submission, now: datetime) -> QueueRow:
    definition = _definition_of(submission)
    state = current_procedures().workflow_of(definition).state(submission.state)
    submitted = submission.submitted_at.astimezone(jst.JST).date()
    return QueueRow(
        submission=submission,
        title=_(definition.title),
        state_label=_(state.label),
        final=state.final,
        age_days=(now.date() - submitted).days,
        processing_days=definition.processing_days,
    )


@bp.get("/")
@staff_required(Permission.VIEW_QUEUE)
def queue() -> str:
    offered = tenancy.offered_procedures(g.municipality, current_procedures())
    filters = QueueFilter(state=request.args.get("state") or None, procedure=request.args.get("procedure") or None)
    now = jst.now()
    rows = [_row(s, now) for s in _service().queue(filters)]
    states: dict[str, str] = {}
    for definition in offered:
        for key, state in current_procedures().workflow_of(definition).states.items():
            states.setdefault(key, _(state.label))
    return render_template("backoffice/queue.html", rows=rows, offered=offered, states=states, filters=filters)


def _staff_submission(reference: str) -> Submission:
    return _service().staff_submission(reference) or abort(404)


@bp.get("/submissions/<reference>")
@staff_required(Permission.VIEW_SUBMISSION)
def submission(reference: str) -> str:
    found = _staff_submission(reference)
    definition = _definition_of(found)
    workflow = current_procedures().workflow_of(definition)
    return render_template(
        "backoffice/submission.html",
        submission=found,
        definition=definition,
        workflow=workflow,
        answers=catalog.display_answers(definition, found.answers, _),
        transitions=_service().available_transitions(found),
        certificate=certificate_of(db.session, found),
        certificates=certificates_of(db.session, found),
        may_revoke=Permission.REVOKE_CERTIFICATE in permissions_of(staff_actor().roles),
        row=_row(found, jst.now()),
        action=lambda name: url_for(".fire", reference=reference, name=name),
    )


@bp.post("/submissions/<reference>/transitions/<name>")
@staff_required(Permission.VIEW_SUBMISSION)
def fire(reference: str, name: str) -> Any:
    found = _staff_submission(reference)
    try:
        outcome = _service().fire(found, name, request.form.get("comment"))
    except TransitionRefused as refused:
        flash(refused.reason.render(_), "error")
        return redirect(url_for(".submission", reference=reference)), 303
    flash(_("「%(label)s」を実行しました。", label=_(outcome.transition.label)), "success")
    return redirect(url_for(".submission", reference=reference))


@bp.get("/submissions/<reference>/certificate.pdf")
@staff_required(Permission.DOWNLOAD_CERTIFICATE)
def certificate(reference: str) -> Any:
    found = _staff_submission(reference)
    return pdf_response(certificate_of(db.session, found) or abort(404))


def _revocation() -> RevocationService:
    return RevocationService(db.session, current_procedures(), staff_actor(), current_records(db.session))


@bp.post("/submissions/<reference>/certificates/<issue_number>/revoke")
@staff_required(Permission.REVOKE_CERTIFICATE)
def revoke_certificate(reference: str, issue_number: str) -> Any:
    found = _staff_submission(reference)
    try:
        _revocation().revoke(found, issue_number, request.form.get("reason"))
    except RevocationRefused as refused:
        flash(refused.reason.render(_), "error")
        return redirect(url_for(".submission", reference=reference)), 303
    flash(_("証明書 %(number)s を失効させました。", number=issue_number), "success")
    return redirect(url_for(".submission", reference=reference))


@bp.post("/submissions/<reference>/certificates/reissue")
@staff_required(Permission.REVOKE_CERTIFICATE)
def reissue_certificate(reference: str) -> Any:
    found = _staff_submission(reference)
    try:
        issued = _revocation().reissue(found)
    except RevocationRefused as refused:
        db.session.rollback()
        flash(refused.reason.render(_), "error")
        return redirect(url_for(".submission", reference=reference)), 303
    flash(_("証明書を再交付しました（発行番号 %(number)s）。", number=issued.issue_number), "success")
    return redirect(url_for(".submission", reference=reference))
