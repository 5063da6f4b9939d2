"""Resident handlers: load the municipality and procedure, check access, call a service, render."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter

from portal import catalog
from portal.catalog import ProcedureDefinition
from portal.database import db
from portal.models import Submission
from portal.services import tenancy
from portal.services.certificates import certificate_of
from portal.services.submissions import SubmissionService
from portal.web.access import current_resident, resident_actor, resident_required
from portal.web.current import current_procedures
from portal.web.formview import error_summary, form_data, page_views
from portal.web.responses import pdf_response
from portal.workflow import TransitionRefused

bp = Blueprint("resident", __name__)


class MunicipalityCodeConverter(BaseConverter):
    """Six digits: /favicon.ico and other stray paths are 404 without a database query."""

    regex = r"\d{6}"


@bp.record_once
def _register_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["municipality"] = MunicipalityCodeConverter


DRAFTS = "drafts"
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
    return tenancy.offered_procedure(g.municipality, current_procedures(), slug) or abort(404)


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
        "resident/municipality.html", procedures=tenancy.offered_procedures(g.municipality, current_procedures())
    )


@bp.get("/<municipality:code>/procedures/<slug>")
def procedure(code: str, slug: str) -> str:
    definition = _procedure(slug)
    return render_template("resident/procedure.html", definition=definition)


# -- applying ------------------------------------------------------------------------------------


def _draft_key(slug: str) -> str:
    return f"{g.municipality.code}/{slug}"


def _draft(slug: str) -> dict[str, list[str]] | None:
    return session.get(DRAFTS, {}).get(_draft_key(slug))


def _save_draft(slug: str, raw: dict[str, list[str]] | None) -> None:
    drafts = dict(session.get(DRAFTS, {}))
    if raw is None:
        drafts.pop(_draft_key(slug), None)
    else:
        drafts[_draft_key(slug)] = raw
    session[DRAFTS] = drafts


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


def _render_form(definition: ProcedureDefinition, raw: dict[str, list[str]], errors: dict, **extra: Any) -> str:
    pages = page_views(definition, raw, errors)
    return render_template(
        "resident/form.html",
        definition=definition,
        pages=pages,
        errors=error_summary(pages),
        **extra,
    )


@bp.route("/<municipality:code>/procedures/<slug>/apply", methods=["GET", "POST"])
@resident_required
def apply(code: str, slug: str) -> Any:
    definition = _procedure(slug)
    resident = current_resident()
    assert resident is not None
    if request.method == "GET":
        profile = resident.resident_profile()
        raw = _draft(slug)
        if raw is None:
            raw = catalog.to_raw(definition, catalog.prefill(definition, profile.prefill_values()))
        return _render_form(definition, raw, {}, name_needs_split=profile.name_needs_split)

    raw = _answers_from(request.form)
    if "lookup" in request.form:
        _lookup_address(definition, raw, request.form["lookup"])
        _save_draft(slug, raw)
        return _render_form(definition, raw, {})
    result = catalog.validate(definition, raw)
    _save_draft(slug, raw)
    if not result.ok:
        return _render_form(definition, raw, dict(result.errors))
    return redirect(url_for(".confirm", slug=slug))


@bp.route("/<municipality:code>/procedures/<slug>/confirm", methods=["GET", "POST"])
@resident_required
def confirm(code: str, slug: str) -> Any:
    definition = _procedure(slug)
    raw = _draft(slug)
    result = catalog.validate(definition, raw) if raw is not None else None
    if result is None or not result.ok:
        return redirect(url_for(".apply", slug=slug))
    if request.method == "GET":
        answers = catalog.display_answers(definition, result.values, _)
        return render_template("resident/confirm.html", definition=definition, answers=answers)
    submission = _service().submit(g.municipality, definition, result.values)
    _save_draft(slug, None)
    return redirect(url_for(".receipt", reference=submission.reference))


# -- my applications -----------------------------------------------------------------------------


@bp.get("/<municipality:code>/applications/<reference>/receipt")
@resident_required
def receipt(code: str, reference: str) -> str:
    submission = _own(reference)
    return render_template("resident/receipt.html", submission=submission, definition=_definition_of(submission))


@bp.get("/<municipality:code>/applications")
@resident_required
def applications(code: str) -> str:
    submissions = _service().own_submissions(g.municipality)
    return render_template("resident/applications.html", submissions=submissions, lookup=_lookup_labels())


def _definition_of(submission: Submission) -> ProcedureDefinition:
    return current_procedures().definition(submission.procedure) or abort(404)


def _lookup_labels() -> Any:
    """Titles and state labels for a list of submissions."""
    p = current_procedures()

    def describe(submission: Submission) -> tuple[str, str, bool]:
        definition = p.definition(submission.procedure)
        if definition is None:
            return submission.procedure, submission.state, False
        state = p.workflow_of(definition).state(submission.state)
        return _(definition.title), _(state.label), state.final

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
        workflow=current_procedures().workflow_of(definition),
        answers=catalog.display_answers(definition, submission.answers, _),
        transitions=[t for t in service.available_transitions(submission) if t != resubmission],
        can_correct=resubmission is not None,
        certificate=certificate_of(db.session, submission),
        action=lambda name: url_for(".fire", reference=reference, name=name),
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
    if request.method == "GET":
        raw = catalog.to_raw(definition, submission.answers)
        return _render_form(definition, raw, {}, submission=submission, returned=returned)
    raw = _answers_from(request.form)
    if "lookup" in request.form:
        _lookup_address(definition, raw, request.form["lookup"])
        return _render_form(definition, raw, {}, submission=submission, returned=returned)
    result = catalog.validate(definition, raw)
    if not result.ok:
        return _render_form(definition, raw, dict(result.errors), submission=submission, returned=returned)
    service.resubmit(submission, result.values)
    flash(_("修正した内容で再提出しました。"), "success")
    return redirect(url_for(".application", reference=reference))


@bp.post("/<municipality:code>/applications/<reference>/transitions/<name>")
@resident_required
def fire(code: str, reference: str, name: str) -> Any:
    submission = _own(reference)
    try:
        _service().fire(submission, name, request.form.get("comment"))
    except TransitionRefused as refused:
        flash(refused.reason.render(_), "error")
        return redirect(url_for(".application", reference=reference)), 303
    flash(_("手続きを更新しました。"), "success")
    return redirect(url_for(".application", reference=reference))


@bp.get("/<municipality:code>/applications/<reference>/certificate.pdf")
@resident_required
def certificate(code: str, reference: str) -> Any:
    submission = _own(reference)
    issued = certificate_of(db.session, submission) or abort(404)
    return pdf_response(issued)


@bp.get("/api/postal/<postal_code>")
def postal(postal_code: str) -> Any:
    found = catalog.lookup_postal_code(postal_code)
    if found is None:
        return jsonify(found=False), 404
    return jsonify(found=True, formatted=found.formatted, prefecture=found.prefecture, city=found.city, town=found.town)
