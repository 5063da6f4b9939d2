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
from portal.catalog import Page, ProcedureDefinition, fees
from portal.database import db
from portal.definitions import Kind
from portal.messages import N_
from portal.models import Draft, Submission, TransitionRecord
from portal.services import tenancy
from portal.services.certificates import certificate_of, delivered_certificate
from portal.services.drafts import DraftService, DraftTooLarge, well_formed
from portal.services.payments import PaymentRefused, PaymentService, PaymentState, Returned
from portal.services.records import RecordedHousehold, recorded_household
from portal.services.submissions import SubmissionService
from portal.web import attachments
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
    GROUP_ADD,
    GROUP_REMOVE,
    answers_from,
    asks_household,
    change_rows,
    error_summary,
    has_file_field,
    household_choices,
    lookup_address,
    page_asks_household,
    page_views,
    step_view,
    typed_otherwise,
)
from portal.web.history import history_inputs
from portal.web.public import public_page, served_from_cache
from portal.web.resident import wizard
from portal.web.responses import pdf_response, refused
from portal.workflow import TransitionRefused

bp = Blueprint("resident", __name__)


class MunicipalityCodeConverter(BaseConverter):
    """Six digits: /favicon.ico and other stray paths are 404 without a database query."""

    regex = r"\d{6}"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["municipality"] = MunicipalityCodeConverter


SUBMISSION_TOKEN = "submission_token"  # the confirmation page's hidden input


@bp.url_value_preprocessor
def _load_municipality(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "code" in values:
        kept = kept_municipality(db.session, values["code"]) or abort(404)
        # A kept page renders nothing: the request log alone reads the municipality, by its key.
        g.municipality = kept if served_from_cache() else db.session.merge(kept, load=False)


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
    return render_template("resident/procedure.html", definition=definition, offer=g.municipality.procedure(slug))


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


def _resumed(definition: ProcedureDefinition) -> Draft | None:
    """The resident's draft, on the version published now; says so when the form changed since its last save."""
    resumed = _drafts().resume(g.municipality, definition, _version_id(definition))
    if resumed is None:
        return None
    if resumed.form_changed:
        flash(
            _(
                "下書きを保存した後に、この手続きの入力画面が変更されました。"
                "なくなった項目の入力内容は削除しました。入力内容を確認してください。"
            ),
            "warning",
        )
    return resumed.draft


def _prefilled(definition: ProcedureDefinition) -> dict[str, list[str]]:
    resident = current_resident()
    assert resident is not None
    return catalog.to_raw(definition, catalog.prefill(definition, resident.resident_profile().prefill_values()))


def _render_step(
    definition: ProcedureDefinition, page: Page, raw: catalog.Raw, errors: dict, returning: bool, **extra: Any
) -> str:
    recorded = _household(definition, page)
    choices = _choices(definition, recorded)
    step = step_view(definition, page.key, raw, errors, choices)
    number = definition.pages.index(page) + 1
    return render_template(
        "resident/form.html",
        definition=definition,
        pages=[step],
        errors=error_summary([step]),
        multipart=has_file_field([step]),
        steps=wizard.step_labels(definition),
        step_number=number,
        last=number == len(definition.pages),
        returning=returning,
        action=url_for(".apply", slug=definition.slug, page=page.key, **_returning(returning)),
        household_unknown=recorded is not None and recorded.household is None,
        typed_otherwise=recorded is not None and typed_otherwise(page.fields, choices),
        **extra,
    )


def _returning(returning: bool) -> dict[str, str]:
    return {wizard.RETURN_TO: wizard.CONFIRM} if returning else {}


@bp.route("/<municipality:code>/procedures/<slug>/apply", methods=["GET", "POST"])
@resident_required
@attachments.accepts_uploads(lambda code, slug: attachments.upload_limit(_procedure(slug).fields))
def apply(code: str, slug: str) -> Any:
    """One page of the form. 次へ checks this page only and saves the draft; 戻る saves without checking."""
    definition = _procedure(slug)
    draft = _resumed(definition)
    page = wizard.page(definition, request.args.get(wizard.PAGE) or (draft.page if draft else None)) or abort(404)
    returning = request.args.get(wizard.RETURN_TO) == wizard.CONFIRM
    saved = draft.answers if draft else _prefilled(definition)
    if request.method == "GET":
        resident = current_resident()
        assert resident is not None
        splits_name = any(f.prefill in ("family_name", "given_name") for f in page.fields)
        needs_split = splits_name and resident.resident_profile().name_needs_split
        return _render_step(definition, page, saved, {}, returning, name_needs_split=needs_split)

    file_names = {f.name for f in attachments.file_fields(page.fields)}
    sent = {name: values for name, values in answers_from(request.form).items() if name not in file_names}
    going_back = request.form.get("action") == "back"
    remove = request.form.get(attachments.REMOVE)
    changes_rows = GROUP_ADD in request.form or GROUP_REMOVE in request.form
    upload = not going_back and remove is None and "lookup" not in request.form and not changes_rows
    files = attachments.attach(page.fields, saved, request.files, remove, upload)
    raw = {**wizard.merged(page, saved, sent), **files.raw}
    if files.errors:  # nothing stored, the draft left as it was
        raw.update({name: list(saved[name]) for name in file_names if name in saved})
        choices = _choices(definition, _household(definition, page))
        errors = {**catalog.validate(definition, raw, page=page.key, choices=choices).errors, **files.errors}
        return _render_step(definition, page, raw, errors, returning)
    errors: dict = {}
    rows_changed = change_rows(page.fields, raw, request.form)
    if rows_changed is not None:
        raw, shown = rows_changed
        destination: Page | None = page
    elif "lookup" in request.form:
        lookup_address(definition, raw, request.form["lookup"])
        destination = page
    elif remove is not None:
        destination = page
    elif going_back:
        destination = wizard.neighbour(definition, page, -1) or page
    else:
        choices = _choices(definition, _household(definition, page))
        errors = dict(catalog.validate(definition, raw, page=page.key, choices=choices).errors)
        destination = page if errors else wizard.neighbour(definition, page, +1)
    try:
        _drafts().save(g.municipality, definition, _version_id(definition), raw, (destination or page).key)
    except DraftTooLarge:
        flash(_("入力内容が大きすぎるため保存できませんでした。入力内容を見直してください。"), "error")
        return _render_step(definition, page, raw, {}, returning), 413
    for ref in files.removed:
        flash(_("「%(name)s」を削除しました。", name=ref.name), "success")
    if rows_changed is not None:  # to the row added, or the group a row left
        return redirect(url_for(".apply", slug=slug, page=page.key, _anchor=shown, **_returning(returning)))
    if destination is page:
        return _render_step(definition, page, raw, errors, returning)
    if destination is None or (returning and not going_back):
        return redirect(url_for(".confirm", slug=slug))
    return redirect(url_for(".apply", slug=slug, page=destination.key))


@bp.route("/<municipality:code>/procedures/<slug>/confirm", methods=["GET", "POST"])
@resident_required
def confirm(code: str, slug: str) -> Any:
    """Check your answers, each with a 変更 link to its page; 申請する submits the draft once."""
    definition = _procedure(slug)
    token = request.form.get(SUBMISSION_TOKEN, "")
    if request.method == "POST" and well_formed(token):
        earlier = _service().submitted_with(g.municipality, token)
        if earlier is not None:  # 申請する pressed again (or retried): where the first press led
            _drafts().discard(g.municipality, slug, token)
            return redirect(url_for(".receipt", reference=earlier.reference))
    draft = _resumed(definition)
    if draft is None:
        return redirect(url_for(".apply", slug=slug))
    choices = _choices(definition, _household(definition))
    result = catalog.validate(definition, draft.answers, choices=choices)
    if not result.ok:
        flash(_("まだ入力されていない項目や、正しくない項目があります。入力内容を確認してください。"), "info")
        first = wizard.page_of_error(definition, next(iter(result.errors)))
        return redirect(url_for(".apply", slug=slug, page=first.key))
    if request.method == "GET":
        answers = [
            (
                page.title,
                [
                    (answer.label, answer.rows or answer.text, _change_url(slug, page.key, answer.name))
                    for answer in page.answers
                ],
            )
            for page in catalog.answers_by_page(definition, result.values, _, choices)
        ]
        return render_template(
            "resident/confirm.html",
            definition=definition,
            answers=answers,
            steps=wizard.step_labels(definition),
            last_page=definition.pages[-1].key,
            submission_token=draft.submission_token,
            fee=fees.total(definition, result.values),
        )
    if token != draft.submission_token:
        flash(_("この確認画面からは申請できません。内容を確認して、もう一度「申請する」を押してください。"), "error")
        return redirect(url_for(".confirm", slug=slug)), 303
    submission = _service().submit(g.municipality, definition, result.values, draft.submission_token)
    _drafts().discard(g.municipality, slug, draft.submission_token)
    return redirect(url_for(".receipt", reference=submission.reference))


def _change_url(slug: str, page: str, field_name: str) -> str:
    """A 変更 link: the answer's page, which returns to 確認 once saved, scrolled to the answer's field."""
    return url_for(".apply", slug=slug, page=page, _anchor=f"field-{field_name}", **_returning(True))


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
    offer = g.municipality.procedure(definition.slug)
    workflow = current_procedures().case(submission).workflow
    return render_template(
        "resident/receipt.html",
        submission=submission,
        definition=definition,
        workflow=workflow,
        state=workflow.state(submission.state),
        offer=offer,
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
        returned=_returned(submission) if resubmission is not None else None,
        certificate=certificate_of(db.session, submission),
        attachment_links=attachments.links(definition, submission.answers, ".attachment", reference=reference),
        action=lambda name: url_for(".fire", reference=reference, name=name),
        payment=_payment_state(submission),
    )


def _returned(submission: Submission) -> TransitionRecord | None:
    """The record that put the submission in its current state (the 差戻し, with its reason for the applicant)."""
    return next((r for r in reversed(submission.history) if r.to_state == submission.state), None)


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
    returned = _returned(submission)
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
