"""Resident handlers: load the municipality and procedure, check access, call a service, render."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter

from portal import catalog
from portal.catalog import Page, ProcedureDefinition
from portal.database import db
from portal.definitions import Kind
from portal.messages import N_
from portal.models import Draft, Submission
from portal.services import tenancy
from portal.services.certificates import certificate_of, delivered_certificate
from portal.services.drafts import DraftService
from portal.services.payments import PaymentRefused, PaymentService, PaymentState, Returned
from portal.services.records import RecordedHousehold, recorded_household
from portal.services.submissions import SubmissionService
from portal.web import attachments, wizard
from portal.web.access import current_resident, resident_actor, resident_required
from portal.web.auth.oidc import external_url
from portal.web.current import (
    current_payment_provider,
    current_procedures,
    current_published,
    kept_municipality,
    municipality_records,
)
from portal.web.decisions import decision
from portal.web.formview import (
    answers_from,
    asks_household,
    change_rows,
    error_summary,
    household_choices,
    lookup_address,
    page_asks_household,
    page_views,
    typed_otherwise,
)
from portal.web.history import arrival, history_inputs
from portal.web.public import public_page
from portal.web.responses import pdf_response, refused
from portal.workflow import TransitionRefused

bp = Blueprint("resident", __name__)


class MunicipalityCodeConverter(BaseConverter):
    """Six digits: /favicon.ico and other stray paths are 404 without a database query."""

    regex = r"\d{6}"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["municipality"] = MunicipalityCodeConverter


@bp.url_value_preprocessor
def _load_municipality(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "code" in values:
        kept = kept_municipality(db.session, values["code"]) or abort(404)
        g.municipality = db.session.merge(kept, load=False)


@bp.url_defaults
def _keep_municipality(endpoint: str, values: dict[str, Any]) -> None:
    if "code" not in values and "municipality" in g and current_app.url_map.is_endpoint_expecting(endpoint, "code"):
        values["code"] = g.municipality.code


def _procedure(slug: str) -> ProcedureDefinition:
    return tenancy.offered_procedure(g.municipality, current_published(db.session), slug) or abort(404)


def _service() -> SubmissionService:
    return SubmissionService(db.session, current_procedures(), resident_actor())


def _own(reference: str) -> Submission:
    return _service().own_submission(g.municipality, reference) or abort(404)


# -- browsing ------------------------------------------------------------------------------------


@bp.get("/")
@public_page
def home() -> str:
    return render_template("resident/home.html", municipalities=tenancy.municipalities(db.session))


@bp.get("/<municipality:code>/")
@public_page
def municipality_home(code: str) -> str:
    return render_template(
        "resident/municipality.html",
        procedures=tenancy.offered_procedures(g.municipality, current_published(db.session)),
    )


@bp.get("/<municipality:code>/procedures/<slug>")
@public_page
def procedure(code: str, slug: str) -> str:
    definition = _procedure(slug)
    return render_template(
        "resident/procedure.html",
        definition=definition,
        offer=g.municipality.procedure(slug),
        contact=tenancy.contact(g.municipality, slug),
    )


# -- applying ------------------------------------------------------------------------------------


def _household(definition: ProcedureDefinition, page: Page | None = None) -> RecordedHousehold | None:
    """The resident's household as recorded, read only for a form (or ``page``) that asks who in it (世帯の一部)."""
    if not (page_asks_household(page) if page is not None else asks_household(definition)):
        return None
    resident = current_resident()
    assert resident is not None
    return recorded_household(db.session, municipality_records(g.municipality.code, db.session), resident)


def _choices(definition: ProcedureDefinition, recorded: RecordedHousehold | None) -> dict[str, catalog.Choices]:
    return household_choices(definition, recorded.household if recorded else None)


def _render_form(
    definition: ProcedureDefinition,
    raw: dict[str, list[str]],
    errors: dict,
    recorded: RecordedHousehold | None,
    **extra: Any,
) -> str:
    """The correction form: every page at once. Its attachments are shown, not changed: it keeps no draft."""
    choices = _choices(definition, recorded)
    pages = [
        replace(page, fields=[replace(f, locked=f.widget == "file") for f in page.fields])
        for page in page_views(definition, raw, errors, choices)
    ]
    return render_template(
        "resident/form.html",
        definition=definition,
        pages=pages,
        errors=error_summary(pages),
        household_unknown=recorded is not None and recorded.household is None,
        typed_otherwise=recorded is not None and typed_otherwise(definition.fields, choices),
        **extra,
    )


def _drafts() -> DraftService:
    return DraftService(db.session, resident_actor(), current_app.config["DRAFT_DAYS"])


def _version_id(definition: ProcedureDefinition) -> int:
    return current_published(db.session).version_ids[Kind.DEFINITION, definition.slug]


def _prefilled(definition: ProcedureDefinition) -> dict[str, list[str]]:
    resident = current_resident()
    assert resident is not None
    return catalog.to_raw(definition, catalog.prefill(definition, resident.resident_profile().prefill_values()))


def _name_to_split(page: Page) -> dict[str, Any]:
    """The notice asking to split 氏名, on a page prefilled from a name the provider sent unsplit."""
    resident = current_resident()
    assert resident is not None
    splits_name = any(f.prefill in ("family_name", "given_name") for f in page.fields)
    return {"name_needs_split": splits_name and resident.resident_profile().name_needs_split}


def _filling(definition: ProcedureDefinition) -> wizard.Filling:
    return wizard.Filling(
        definition=definition,
        municipality=g.municipality,
        drafts=_drafts(),
        version_id=_version_id(definition),
        apply="resident.apply",
        confirm="resident.confirm",
        step_template="resident/form.html",
        confirm_template="resident/confirm.html",
        household=lambda _raw, page: _household(definition, page),
        start=lambda: _prefilled(definition),
        notices=_name_to_split,
    )


@bp.route("/<municipality:code>/procedures/<slug>/apply", methods=["GET", "POST"])
@resident_required
@attachments.accepts_uploads(lambda code, slug: attachments.upload_limit(_procedure(slug).fields))
def apply(code: str, slug: str) -> Any:
    """One page of the form (portal.web.wizard)."""
    return wizard.step(_filling(_procedure(slug)))


@bp.route("/<municipality:code>/procedures/<slug>/confirm", methods=["GET", "POST"])
@resident_required
def confirm(code: str, slug: str) -> Any:
    """Check your answers, each with a 変更 link to its page; 申請する submits the draft once."""
    definition = _procedure(slug)
    service = _service()
    return wizard.confirm(
        _filling(definition),
        earlier=lambda token: service.submitted_with(g.municipality, token),
        submit=lambda values, token: service.submit(g.municipality, definition, values, token),
        done=lambda made: url_for(".receipt", reference=made.reference),
    )


@bp.post("/<municipality:code>/drafts/<slug>/delete")
@resident_required
def delete_draft(code: str, slug: str) -> Any:
    if not _drafts().delete(g.municipality, slug):
        abort(404)
    flash(_("下書きを削除しました。"), "success")
    return redirect(url_for(".applications"), 303)


# -- my applications -----------------------------------------------------------------------------


@bp.get("/<municipality:code>/applications/<reference>/receipt")
@resident_required
def receipt(code: str, reference: str) -> str:
    submission = _own(reference)
    definition = tenancy.on_terms_of(g.municipality, _definition_of(submission))
    workflow = current_procedures().case(submission).workflow
    return render_template(
        "resident/receipt.html",
        submission=submission,
        definition=definition,
        workflow=workflow,
        state=workflow.state(submission.state),
        contact=tenancy.contact(g.municipality, definition.slug),
        steps=wizard.step_labels(definition),
        corrects=any(state.applicant_edits for state in workflow.states.values()),
    )


@dataclass(frozen=True)
class DraftRow:
    draft: Draft
    title: str
    offered: bool  # still taking applications: the draft can be continued
    expires_at: datetime


@bp.get("/<municipality:code>/applications")
@resident_required
def applications(code: str) -> str:
    submissions = _service().own_submissions(g.municipality)
    published = current_published(db.session)
    drafts = _drafts()
    rows = []
    for draft in drafts.own_drafts(g.municipality):
        offered = tenancy.offered_procedure(g.municipality, published, draft.procedure)
        title = (offered or current_procedures().definition(draft.definition_version)).title
        rows.append(DraftRow(draft, _(title), offered is not None, drafts.expires_at(draft)))
    lookup = _lookup_labels()
    described = [(submission, *lookup(submission)) for submission in submissions]
    return render_template(
        "resident/applications.html",
        drafts=rows,
        open_cases=[row for row in described if not row[3]],
        finished=[row for row in described if row[3]],
    )


def _definition_of(submission: Submission) -> ProcedureDefinition:
    """The version the resident applied on: its questions and labels, whatever was published since."""
    return current_procedures().case(submission).definition


def _lookup_labels() -> Any:
    """Titles and state labels (as the applicant reads them) for a list of submissions, each from the versions it
    was made against."""
    procedures = current_procedures()

    def describe(submission: Submission) -> tuple[str, str, bool]:
        case = procedures.case(submission)
        state = case.workflow.state(submission.state)
        return _(case.definition.title), _(state.label_for_applicant), state.final

    return describe


@bp.get("/<municipality:code>/applications/<reference>")
@resident_required
def application(code: str, reference: str) -> str:
    submission = _own(reference)
    definition = _definition_of(submission)
    if submission.purged_at is not None:  # past its 保存期間: only the stub and the states it went through
        workflow = current_procedures().case(submission).workflow
        return render_template(
            "resident/purged.html",
            submission=submission,
            definition=definition,
            workflow=workflow,
            state=workflow.state(submission.state),
        )
    service = _service()
    resubmission = service.resubmission(submission)
    workflow = current_procedures().case(submission).workflow
    others = [t for t in service.available_transitions(submission) if t != resubmission]
    return render_template(
        "resident/application.html",
        submission=submission,
        definition=definition,
        workflow=workflow,
        state=workflow.state(submission.state),
        history_inputs=history_inputs(workflow, submission.history, staff_view=False),
        answers=catalog.display_answers(
            definition, submission.answers, _, _choices(definition, _household(definition))
        ),
        actions=decision(workflow, others, staff=False).steps,
        can_correct=resubmission is not None,
        returned=arrival(submission) if resubmission is not None else None,
        certificate=certificate_of(db.session, submission),
        attachment_links=attachments.links(definition, submission.answers, ".attachment", reference=reference),
        action=lambda name: url_for(".fire", reference=reference, name=name),
        payment=_payment_state(submission),
    )


@bp.get("/<municipality:code>/applications/<reference>/attachments/<key>")
@resident_required
def attachment(code: str, reference: str, key: str) -> Any:
    """A file of the resident's own application; any other key, or another's application, is not found."""
    submission = _own(reference)
    return attachments.download(attachments.find(_definition_of(submission), submission.answers, key))


@bp.route("/<municipality:code>/applications/<reference>/correct", methods=["GET", "POST"])
@resident_required
def correct(code: str, reference: str) -> Any:
    submission = _own(reference)
    definition = _definition_of(submission)
    service = _service()
    if service.resubmission(submission) is None:
        abort(404)
    returned = arrival(submission)
    recorded = _household(definition)
    if request.method == "GET":
        raw = catalog.to_raw(definition, submission.answers)
        return _render_form(definition, raw, {}, recorded, submission=submission, returned=returned)
    stored = catalog.to_raw(definition, submission.answers)
    # The attachments stay those of the submission, whatever the request sends under their names.
    kept = {f.name: stored.get(f.name, []) for f in attachments.file_fields(definition.fields)}
    raw = {**answers_from(request.form), **kept}
    rows_changed = change_rows(definition.fields, raw, request.form)
    if rows_changed is not None:
        return _render_form(definition, rows_changed[0], {}, recorded, submission=submission, returned=returned)
    if "lookup" in request.form:
        lookup_address(definition, raw, request.form["lookup"])
        return _render_form(definition, raw, {}, recorded, submission=submission, returned=returned)
    result = catalog.validate(definition, raw, choices=_choices(definition, recorded))
    if not result.ok:
        return _render_form(definition, raw, dict(result.errors), recorded, submission=submission, returned=returned)
    try:
        service.resubmit(submission, result.values)
    except TransitionRefused as refusal:
        return refused(refusal.reason, url_for(".application", reference=reference))
    flash(_("修正した内容で再提出しました。"), "success")
    return redirect(url_for(".application", reference=reference))


@bp.post("/<municipality:code>/applications/<reference>/transitions/<name>")
@resident_required
def fire(code: str, reference: str, name: str) -> Any:
    submission = _own(reference)
    try:
        _service().fire(submission, name, request.form.get("comment"))
    except TransitionRefused as refusal:
        return refused(refusal.reason, url_for(".application", reference=reference))
    flash(_("手続きを更新しました。"), "success")
    return redirect(url_for(".application", reference=reference))


# -- paying online ------------------------------------------------------------------------------


def _payments() -> PaymentService:
    return PaymentService(db.session, current_procedures(), current_payment_provider())


def _payment_state(submission: Submission) -> PaymentState:
    """What the application page says about paying. Its 「オンラインで支払う」 form is answered with a redirect
    to the provider, which the page's CSP must allow (form-action covers redirects)."""
    state = _payments().state(submission)
    provider = current_payment_provider()
    if state.due and provider is not None:
        g.form_action_origins = [provider.checkout_origin]
    return state


@bp.post("/<municipality:code>/applications/<reference>/payment")
@resident_required
def pay(code: str, reference: str) -> Any:
    submission = _own(reference)
    try:
        checkout = _payments().start(submission, external_url(".payment_return", reference=reference))
    except PaymentRefused as refusal:
        return refused(refusal.reason, url_for(".application", reference=reference))
    return redirect(checkout, 303)


PAYMENT_RETURNED = {
    Returned.PAID: ("success", N_("お支払いを確認しました。交付までしばらくお待ちください。")),
    Returned.ALREADY_PAID: ("info", N_("お支払いは既に完了しています。")),
    Returned.CANCELLED: ("info", N_("お支払いはキャンセルされました。お支払いいただくまで交付できません。")),
    Returned.NOT_PAID: ("info", N_("お支払いはまだ完了していません。")),
}


@bp.get("/<municipality:code>/applications/<reference>/payment/return")
@resident_required
def payment_return(code: str, reference: str) -> Any:
    """Where the provider sends the browser back; what it carries only names the checkout to ask about."""
    submission = _own(reference)
    try:
        returned = _payments().finish(submission, request.args.to_dict())
    except PaymentRefused as refusal:
        return refused(refusal.reason, url_for(".application", reference=reference))
    category, message = PAYMENT_RETURNED[returned]
    flash(_(message), category)
    return redirect(url_for(".application", reference=reference), 303)


@bp.get("/<municipality:code>/applications/<reference>/certificate.pdf")
@resident_required
def certificate(code: str, reference: str) -> Any:
    submission = _own(reference)
    issued = delivered_certificate(db.session, submission) or abort(404)
    return pdf_response(issued)


@bp.get("/api/postal/<postal_code>")
def postal(postal_code: str) -> Any:
    found = catalog.lookup_postal_code(postal_code)
    if found is None:
        return jsonify(found=False), 404
    return jsonify(found=True, formatted=found.formatted, prefecture=found.prefecture, city=found.city, town=found.town)
