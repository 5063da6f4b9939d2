"""Resident handlers: load the municipality and procedure, check access, call a service, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter

from portal import catalog
from portal.catalog import ProcedureDefinition, fees
from portal.database import db
from portal.messages import N_
from portal.models import Submission
from portal.services import tenancy
from portal.services.certificates import certificate_of, delivered_certificate
from portal.services.payments import PaymentRefused, PaymentService, PaymentState, Returned
from portal.services.records import RecordedHousehold, recorded_household
from portal.services.submissions import SubmissionService
from portal.web.access import current_resident, resident_actor, resident_required
from portal.web.auth.oidc import external_url
from portal.web.current import current_payment_provider, current_procedures, current_published, municipality_records
from portal.web.formview import asks_household, error_summary, form_data, household_choices, page_views
from portal.web.resident import drafts
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
NOT_ANSWERS = frozenset({"csrf_token", "lookup"})


@bp.url_value_preprocessor
def _load_municipality(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and "code" in values:
        g.municipality = tenancy.municipality(db.session, values["code"]) or abort(404)


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
def home() -> str:
    return render_template("resident/home.html", municipalities=tenancy.municipalities(db.session))


@bp.get("/<municipality:code>/")
def municipality_home(code: str) -> str:
    return render_template(
        "resident/municipality.html",
        procedures=tenancy.offered_procedures(g.municipality, current_published(db.session)),
    )


@bp.get("/<municipality:code>/procedures/<slug>")
def procedure(code: str, slug: str) -> str:
    definition = _procedure(slug)
    return render_template("resident/procedure.html", definition=definition, offer=g.municipality.procedure(slug))


# -- applying ------------------------------------------------------------------------------------


def _draft_key(slug: str) -> str:
    return f"{g.municipality.code}/{slug}"


def _answers_from(form: Any) -> dict[str, list[str]]:
    return {name: values for name, values in form_data(form).items() if name not in NOT_ANSWERS}


def _lookup_address(definition: ProcedureDefinition, raw: dict[str, list[str]], field_name: str) -> None:
    """The no-JavaScript 「住所を検索」 button: fill the address field named by the postal code's ``fills``."""
    try:
        fills = getattr(definition.field(field_name).settings, "fills", None)
    except KeyError:
        fills = None
    if not fills:
        abort(400)
    found = catalog.lookup_postal_code((raw.get(field_name) or [""])[0])
    if found:
        raw[fills] = [found.formatted]
        flash(_("郵便番号から住所を入力しました。番地などを続けて入力してください。"), "info")
    else:
        flash(_("その郵便番号の住所が見つかりませんでした。住所を直接入力してください。"), "error")


def _household(definition: ProcedureDefinition) -> RecordedHousehold | None:
    """The resident's household as recorded, read only for a form that asks who in it (世帯の一部)."""
    if not asks_household(definition):
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
    pages = page_views(definition, raw, errors, _choices(definition, recorded))
    return render_template(
        "resident/form.html",
        definition=definition,
        pages=pages,
        errors=error_summary(pages),
        household_unknown=recorded is not None and recorded.household is None,
        **extra,
    )


@bp.route("/<municipality:code>/procedures/<slug>/apply", methods=["GET", "POST"])
@resident_required
def apply(code: str, slug: str) -> Any:
    definition = _procedure(slug)
    resident = current_resident()
    assert resident is not None
    recorded = _household(definition)
    if request.method == "GET":
        profile = resident.resident_profile()
        draft = drafts.load(_draft_key(slug))
        if draft is not None:
            raw = draft.raw
        else:
            raw = catalog.to_raw(definition, catalog.prefill(definition, profile.prefill_values()))
        return _render_form(definition, raw, {}, recorded, name_needs_split=profile.name_needs_split)

    raw = _answers_from(request.form)
    if "lookup" in request.form:
        _lookup_address(definition, raw, request.form["lookup"])
    try:
        draft = drafts.save(_draft_key(slug), definition, raw)
    except drafts.DraftTooLarge:
        flash(_("入力内容が大きすぎるため保存できませんでした。入力内容を見直してください。"), "error")
        return _render_form(definition, raw, {}, recorded), 413
    if "lookup" in request.form:
        return _render_form(definition, draft.raw, {}, recorded)
    result = catalog.validate(definition, draft.raw, choices=_choices(definition, recorded))
    if not result.ok:
        return _render_form(definition, draft.raw, dict(result.errors), recorded)
    return redirect(url_for(".confirm", slug=slug))


@bp.route("/<municipality:code>/procedures/<slug>/confirm", methods=["GET", "POST"])
@resident_required
def confirm(code: str, slug: str) -> Any:
    definition = _procedure(slug)
    key = _draft_key(slug)
    token = request.form.get(SUBMISSION_TOKEN, "")
    if request.method == "POST" and drafts.well_formed(token):
        earlier = _service().submitted_with(g.municipality, token)
        if earlier is not None:  # 申請する pressed again (or retried): where the first press led
            drafts.discard(key, token)
            return redirect(url_for(".receipt", reference=earlier.reference))
    draft = drafts.load(key)
    choices = _choices(definition, _household(definition))
    if draft is None or not (result := catalog.validate(definition, draft.raw, choices=choices)).ok:
        return redirect(url_for(".apply", slug=slug))
    if request.method == "GET":
        answers = catalog.display_answers(definition, result.values, _, choices)
        return render_template(
            "resident/confirm.html",
            definition=definition,
            answers=answers,
            submission_token=draft.token,
            fee=fees.total(definition, result.values),
        )
    if token != draft.token:
        flash(_("この確認画面からは申請できません。内容を確認して、もう一度「申請する」を押してください。"), "error")
        return redirect(url_for(".confirm", slug=slug)), 303
    submission = _service().submit(g.municipality, definition, result.values, draft.token)
    drafts.discard(key, draft.token)
    return redirect(url_for(".receipt", reference=submission.reference))


# -- my applications -----------------------------------------------------------------------------


@bp.get("/<municipality:code>/applications/<reference>/receipt")
@resident_required
def receipt(code: str, reference: str) -> str:
    submission = _own(reference)
    definition = tenancy.on_terms_of(g.municipality, _definition_of(submission))
    offer = g.municipality.procedure(definition.slug)
    return render_template("resident/receipt.html", submission=submission, definition=definition, offer=offer)


@bp.get("/<municipality:code>/applications")
@resident_required
def applications(code: str) -> str:
    submissions = _service().own_submissions(g.municipality)
    return render_template("resident/applications.html", submissions=submissions, lookup=_lookup_labels())


def _definition_of(submission: Submission) -> ProcedureDefinition:
    """The version the resident applied on: its questions and labels, whatever was published since."""
    return current_procedures().case(submission).definition


def _lookup_labels() -> Any:
    """Titles and state labels for a list of submissions, each from the versions it was made against."""
    procedures = current_procedures()

    def describe(submission: Submission) -> tuple[str, str, bool]:
        case = procedures.case(submission)
        state = case.workflow.state(submission.state)
        return _(case.definition.title), _(state.label), state.final

    return describe


@bp.get("/<municipality:code>/applications/<reference>")
@resident_required
def application(code: str, reference: str) -> str:
    submission = _own(reference)
    definition = _definition_of(submission)
    service = _service()
    resubmission = service.resubmission(submission)
    return render_template(
        "resident/application.html",
        submission=submission,
        definition=definition,
        workflow=current_procedures().case(submission).workflow,
        answers=catalog.display_answers(
            definition, submission.answers, _, _choices(definition, _household(definition))
        ),
        transitions=[t for t in service.available_transitions(submission) if t != resubmission],
        can_correct=resubmission is not None,
        certificate=certificate_of(db.session, submission),
        action=lambda name: url_for(".fire", reference=reference, name=name),
        payment=_payment_state(submission),
    )


@bp.route("/<municipality:code>/applications/<reference>/correct", methods=["GET", "POST"])
@resident_required
def correct(code: str, reference: str) -> Any:
    submission = _own(reference)
    definition = _definition_of(submission)
    service = _service()
    if service.resubmission(submission) is None:
        abort(404)
    returned = next((r for r in reversed(submission.history) if r.to_state == submission.state), None)
    recorded = _household(definition)
    if request.method == "GET":
        raw = catalog.to_raw(definition, submission.answers)
        return _render_form(definition, raw, {}, recorded, submission=submission, returned=returned)
    raw = _answers_from(request.form)
    if "lookup" in request.form:
        _lookup_address(definition, raw, request.form["lookup"])
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
