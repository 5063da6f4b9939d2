"""Staff handlers. Everything is scoped to the logged-in staff member's municipality: another
municipality's submission is simply not found (404), never forbidden, so its existence is not revealed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import catalog
from portal.catalog import ProcedureDefinition, counter
from portal.database import db
from portal.japan import jst
from portal.messages import N_
from portal.models import AuditAction, Submission
from portal.procedures import Case
from portal.records.compare import Compared, Item
from portal.records.matching import Outcome
from portal.roles import Permission, permissions_of
from portal.services import audit, retention, tenancy
from portal.services.actors import Administrator
from portal.services.certificates import certificate_of, delivered_certificate
from portal.services.payments import awaits_payment, payment_facts, payments_of
from portal.services.review import RecordReview, review_record
from portal.services.revocation import RevocationRefused, RevocationService, certificates_of
from portal.services.submissions import SubmissionService
from portal.web import attachments
from portal.web.access import current_staff, staff_actor, staff_required
from portal.web.current import current_procedures, current_records, municipality_records
from portal.web.decisions import NOTHING_REFUSED, Refused, decision
from portal.web.formview import form_data, household_choices
from portal.web.history import history_inputs
from portal.web.responses import pdf_response, refused
from portal.web.templating import wareki_date
from portal.workflow import Condition, InputsRefused, TransitionRefused

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@bp.before_request
def _load_municipality() -> None:
    staff = current_staff()
    if staff is not None:
        g.municipality = tenancy.municipality(db.session, staff.municipality_code)


def _service() -> SubmissionService:
    return SubmissionService(db.session, current_procedures(), staff_actor(), current_records(db.session))


def _case(submission: Submission) -> Case:
    """The versions the case was made against: a procedure changed or withdrawn since never breaks it."""
    return current_procedures().case(submission)


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
    case = _case(submission)
    definition = tenancy.on_terms_of(g.municipality, case.definition)
    state = case.workflow.state(submission.state)
    submitted = submission.submitted_at.astimezone(jst.JST).date()
    return QueueRow(
        submission=submission,
        title=_(definition.title),
        state_label=_(state.label),
        final=state.final,
        age_days=(now.date() - submitted).days,
        processing_days=definition.processing_days,
    )


def _staff_submission(reference: str) -> Submission:
    return _service().staff_submission(reference) or abort(404)


def _review(submission: Submission, definition: ProcedureDefinition) -> RecordReview:
    """The submission against its municipality's records (the submission was loaded scoped to the staff's)."""
    records = municipality_records(submission.municipality_code, db.session)
    return review_record(db.session, records, submission, definition)


# Why no recorded person is shown beside the application; None: the municipality has no records backend.
NO_RECORD = {
    None: N_("この自治体の住民記録に接続していないため、照合できません。"),
    Outcome.NO_MATCH: N_("住民記録に、申請者の基本4情報（氏名・生年月日・性別・住所）と一致する方がいません。"),
    Outcome.AMBIGUOUS: N_("住民記録に、申請者の基本4情報と一致する方が複数いるため、一人に特定できません。"),
    Outcome.INCOMPLETE: N_("申請者の本人確認情報に基本4情報がそろっていないため、照合できません。"),
    Outcome.LINK_STALE: N_("以前に照合した方が、現在の住民記録にいません。"),
    Outcome.UNAVAILABLE: N_("住民記録システムから回答がないため、照合できません。時間をおいて再度表示してください。"),
}


# The same, when the record is that of the person a request on someone's behalf names.
NO_PERSON = {
    **NO_RECORD,
    Outcome.NO_MATCH: N_("住民記録に、請求された対象の方の氏名・生年月日・性別・住所と一致する方がいません。"),
    Outcome.AMBIGUOUS: N_("住民記録に、請求された対象の方と一致する方が複数いるため、一人に特定できません。"),
    Outcome.INCOMPLETE: N_("対象の方の氏名・生年月日・性別・住所がそろっていないため、照合できません。"),
}


@dataclass(frozen=True)
class ComparisonRow:
    label: str
    applied: str
    recorded: str
    differs: bool
    from_claims: bool


@dataclass(frozen=True)
class MemberRow:
    name: str
    relationship: str
    birthdate: str
    applicant: bool
    requested: bool


def _shown(compared: Compared, value: str | date) -> str:
    if isinstance(value, date):
        return wareki_date(value)
    return _(value) if compared.item is Item.GENDER and value else value


def _comparison(review: RecordReview) -> list[ComparisonRow]:
    return [
        ComparisonRow(_(c.label), _shown(c, c.applied), _shown(c, c.recorded), c.differs, c.from_claims)
        for c in review.comparison
    ]


def _members(review: RecordReview) -> list[MemberRow]:
    household, person = review.recorded.household, review.recorded.person
    if household is None or person is None:
        return []
    return [
        MemberRow(
            m.name.full,
            m.relationship,
            wareki_date(m.birthdate),
            m.person_id == person.person_id,
            m.person_id in review.requested,
        )
        for m in household.members
    ]


@bp.get("/submissions/<reference>")
@staff_required(Permission.VIEW_SUBMISSION)
def submission(reference: str) -> str:
    """The case: the application first, the decision and the history beside it. ``?action=`` chooses the
    decision to make (the panel's radio list, sent without JavaScript)."""
    return _case_page(_staff_submission(reference), request.args.get("action") or None)


def _case_page(found: Submission, requested: str | None = None, refused: Refused = NOTHING_REFUSED) -> str:
    """The case page, recorded in the audit log as a read once it is rendered."""
    page = _purged_page(found) if found.purged_at is not None else _open_page(found, requested, refused)
    _read(found, AuditAction.CASE_VIEWED)
    return page


def _read(found: Submission, action: AuditAction, target: str | None = None) -> None:
    """Who read what of the case, recorded last: the audit chain's lock is held until the request commits."""
    audit.accessed(db.session, audit.Accessor.staff(staff_actor()), action, found, target)


def _purged_page(found: Submission) -> str:
    """A case purged past its 保存期間: its stub, the states it went through and the certificates' numbers."""
    case = _case(found)
    workflow = case.workflow
    return render_template(
        "backoffice/purged.html",
        submission=found,
        definition=case.definition,
        workflow=workflow,
        history_inputs=history_inputs(workflow, found.history, staff_view=True),
        certificates=certificates_of(db.session, found),
        administers=_administers(found),
    )


def _administers(found: Submission) -> bool:
    """Whether the page links to the case's access log and legal hold (its municipality's administrators)."""
    return retention.administers_cases(Administrator.of_staff(current_staff()), found.municipality_code)


def _open_page(found: Submission, requested: str | None, refused: Refused) -> str:
    case = _case(found)
    definition, workflow = case.definition, case.workflow
    review = _review(found, definition)
    choices = household_choices(definition, review.recorded.household)
    facts = review.facts | payment_facts(db.session, found)
    service = _service()
    # A counter case's correction (the applicant's 再提出, which the clerk makes for them) is a form of its own.
    correction = service.resubmission(found) if found.at_counter else None
    transitions = [t for t in service.available_transitions(found, facts) if t != correction]
    panel = decision(workflow, transitions, requested, refused)
    return render_template(
        "backoffice/submission.html",
        submission=found,
        definition=definition,
        workflow=workflow,
        answers=catalog.display_answers(definition, found.answers, _, choices),
        review=review,
        no_record=_((NO_PERSON if review.on_behalf else NO_RECORD)[review.recorded.outcome])
        if review.recorded.person is None
        else None,
        comparison=_comparison(review),
        members=_members(review),
        typed=[_(field.label) for field in review.typed],
        decision=panel,
        errors=panel.errors,
        history_inputs=history_inputs(workflow, found.history, staff_view=True),
        payments=payments_of(db.session, found),
        awaiting_payment=Condition.PAID not in facts and awaits_payment(workflow, found.state),
        certificate=certificate_of(db.session, found),
        certificates=certificates_of(db.session, found),
        may_revoke=Permission.REVOKE_CERTIFICATE in permissions_of(staff_actor().roles),
        row=_row(found, jst.now()),
        attachment_links=attachments.links(definition, found.answers, ".attachment", reference=found.reference),
        action=lambda name: url_for(".fire", reference=found.reference, name=name),
        correct_url=url_for(".counter_correct", reference=found.reference) if correction else None,
        entered=counter.identity_rows(found.entered_identity or {}, _) if found.at_counter else [],
        administers=_administers(found),
    )


@bp.get("/submissions/<reference>/attachments/<key>")
@staff_required(Permission.VIEW_SUBMISSION)
def attachment(reference: str, key: str) -> Any:
    """A file of a submission to the staff's municipality; another municipality's is not found."""
    found = _staff_submission(reference)
    download = attachments.download(attachments.find(_case(found).definition, found.answers, key))
    _read(found, AuditAction.ATTACHMENT_DOWNLOADED, f"attachment:{key}")
    return download


@bp.post("/submissions/<reference>/transitions/<name>")
@staff_required(Permission.VIEW_SUBMISSION)
def fire(reference: str, name: str) -> Any:
    found = _staff_submission(reference)
    case = _case(found)
    definition, workflow = case.definition, case.workflow
    needs_facts = workflow.has_transition(name) and workflow.transition(name).requires
    facts = _review(found, definition).facts | payment_facts(db.session, found) if needs_facts else frozenset()
    raw = form_data(request.form)
    comment = request.form.get("comment")
    try:
        outcome = _service().fire(found, name, comment, facts, raw)
    except InputsRefused as refusal:  # shown on the case page like a form's errors; nothing changed
        return _case_page(found, refused=Refused(name, raw, refusal.errors, comment or ""))
    except TransitionRefused as refusal:
        return refused(refusal.reason, url_for(".submission", reference=reference))
    flash(_("「%(label)s」を実行しました。", label=_(outcome.transition.label)), "success")
    return redirect(url_for(".submission", reference=reference))


@bp.get("/submissions/<reference>/certificate.pdf")
@staff_required(Permission.DOWNLOAD_CERTIFICATE)
def certificate(reference: str) -> Any:
    found = _staff_submission(reference)
    issued = delivered_certificate(db.session, found) or abort(404)
    download = pdf_response(issued)
    _read(found, AuditAction.CERTIFICATE_DOWNLOADED, f"certificate:{issued.issue_number}")
    return download


def _revocation() -> RevocationService:
    return RevocationService(db.session, current_procedures(), staff_actor(), current_records(db.session))


@bp.post("/submissions/<reference>/certificates/<issue_number>/revoke")
@staff_required(Permission.REVOKE_CERTIFICATE)
def revoke_certificate(reference: str, issue_number: str) -> Any:
    found = _staff_submission(reference)
    try:
        _revocation().revoke(found, issue_number, request.form.get("reason"))
    except RevocationRefused as refusal:
        return refused(refusal.reason, url_for(".submission", reference=reference))
    flash(_("証明書 %(number)s を失効させました。", number=issue_number), "success")
    return redirect(url_for(".submission", reference=reference))


@bp.post("/submissions/<reference>/certificates/reissue")
@staff_required(Permission.REVOKE_CERTIFICATE)
def reissue_certificate(reference: str) -> Any:
    found = _staff_submission(reference)
    try:
        issued = _revocation().reissue(found)
    except RevocationRefused as refusal:
        return refused(refusal.reason, url_for(".submission", reference=reference))
    flash(_("証明書を再交付しました（発行番号 %(number)s）。", number=issued.issue_number), "success")
    return redirect(url_for(".submission", reference=reference))
