"""Counter applications (窓口受付・代行入力): a clerk enters a paper or counter application into the same procedure on
the resident's behalf, through the same wizard, checks, drafts and confirmation as residents online
(portal.web.wizard), on the counter's form of the procedure (portal.catalog.counter: the applicant's identity as
checked at the counter first, no 電子交付 nor オンライン決済). The case then joins the one queue, marked 窓口, and
moves through the same workflow; the clerk acts for the applicant on it (a correction after 差戻し, a withdrawal).

Everything is the clerk's own municipality's; procedures it does not offer today are not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal import catalog
from portal.catalog import Page, ProcedureDefinition, Raw, counter
from portal.database import db
from portal.definitions import Kind
from portal.identity import ResidentProfile
from portal.models import Submission
from portal.records.model import Household
from portal.roles import Permission
from portal.services import tenancy
from portal.services.drafts import DraftService
from portal.services.records import RecordedHousehold, identity_household
from portal.services.submissions import SubmissionService
from portal.web import attachments, wizard
from portal.web.access import current_staff, staff_actor, staff_required
from portal.web.backoffice import views
from portal.web.backoffice.views import bp
from portal.web.current import current_procedures, current_published, municipality_records
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
from portal.web.history import arrival
from portal.web.responses import refused
from portal.workflow import TransitionRefused

ENTER = Permission.ENTER_COUNTER_APPLICATION


def _procedure(slug: str) -> ProcedureDefinition:
    """The procedure as the counter asks it, on the municipality's terms, while the municipality offers it."""
    offered = tenancy.offered_procedure(g.municipality, current_published(db.session), slug) or abort(404)
    return counter.counter_definition(offered)


def _upload_limit(slug: str) -> int:
    """The step's request size limit, decided before the blueprint loads the clerk's municipality (and before the
    login is checked: someone not logged in, or a procedure not offered, gets the form's own limit)."""
    staff = current_staff()
    municipality = tenancy.municipality(db.session, staff.municipality_code) if staff is not None else None
    offered = municipality and tenancy.offered_procedure(municipality, current_published(db.session), slug)
    return attachments.upload_limit(offered.fields if offered else ())


def _drafts() -> DraftService:
    return DraftService(db.session, staff_actor(), current_app.config["DRAFT_DAYS"])


def _identity_household(definition: ProcedureDefinition, raw: Raw) -> RecordedHousehold:
    """The household of the applicant as entered on the form's first page (nobody, while it is incomplete)."""
    values = catalog.validate(definition, raw, page=counter.PAGE).values
    profile = ResidentProfile.entered(counter.split(values).identity)
    return identity_household(municipality_records(g.municipality.code, db.session), profile)


def _household(definition: ProcedureDefinition, raw: Raw, page: Page | None) -> RecordedHousehold | None:
    if not (page_asks_household(page) if page is not None else asks_household(definition)):
        return None
    return _identity_household(definition, raw)


def _prefill_from_applicant(definition: ProcedureDefinition) -> Any:
    """Once the applicant's page is accepted, the questions the procedure prefills from a login's profile are
    prefilled from the applicant as entered (those not answered yet: a changed answer stays)."""

    def accepted(page: Page, raw: dict[str, list[str]]) -> dict[str, list[str]]:
        if page.key != counter.PAGE:
            return raw
        entered = counter.split(catalog.validate(definition, raw, page=counter.PAGE).values)
        prefilled = catalog.to_raw(definition, catalog.prefill(definition, entered.identity))
        return {**{name: values for name, values in prefilled.items() if name not in raw}, **raw}

    return accepted


def _filling(definition: ProcedureDefinition) -> wizard.Filling:
    return wizard.Filling(
        definition=definition,
        municipality=g.municipality,
        drafts=_drafts(),
        version_id=current_published(db.session).version_ids[Kind.DEFINITION, definition.slug],
        apply="backoffice.counter_apply",
        confirm="backoffice.counter_confirm",
        step_template="backoffice/counter_form.html",
        confirm_template="backoffice/counter_confirm.html",
        household=lambda raw, page: _household(definition, raw, page),
        accepted=_prefill_from_applicant(definition),
    )


@dataclass(frozen=True)
class DraftRow:
    slug: str
    title: str
    applicant: str  # as typed so far
    saved_at: datetime


@bp.get("/counter/")
@staff_required(ENTER)
def counter_home() -> str:
    """The procedures to enter at the counter, and the clerk's entries in progress."""
    offered = tenancy.offered_procedures(g.municipality, current_published(db.session))
    titles = {definition.slug: _(definition.title) for definition in offered}
    drafts = [
        DraftRow(
            draft.procedure,
            titles[draft.procedure],
            " ".join(counter.identity_raw(draft.answers).get(key, "") for key in ("family_name", "given_name")).strip(),
            draft.updated_at,
        )
        for draft in _drafts().own_drafts(g.municipality)
        if draft.procedure in titles
    ]
    return render_template("backoffice/counter.html", procedures=offered, drafts=drafts)


@bp.route("/counter/<slug>/apply", methods=["GET", "POST"])
@staff_required(ENTER)
@attachments.accepts_uploads(_upload_limit)
def counter_apply(slug: str) -> Any:
    """One page of the counter's form (portal.web.wizard)."""
    return wizard.step(_filling(_procedure(slug)))


@bp.route("/counter/<slug>/confirm", methods=["GET", "POST"])
@staff_required(ENTER)
def counter_confirm(slug: str) -> Any:
    definition = _procedure(slug)
    service = views._service()

    def submit(values: dict[str, Any], token: str) -> Submission:
        return service.submit_at_counter(g.municipality, definition, counter.split(values), token)

    def done(made: Submission) -> str:
        flash(_("窓口での申請を受け付けました（受付番号 %(reference)s）。", reference=made.reference), "success")
        return url_for(".submission", reference=made.reference)

    return wizard.confirm(
        _filling(definition),
        earlier=lambda token: service.submitted_with(g.municipality, token),
        submit=submit,
        done=done,
    )


@bp.post("/counter/drafts/<slug>/delete")
@staff_required(ENTER)
def counter_delete_draft(slug: str) -> Any:
    if not _drafts().delete(g.municipality, slug):
        abort(404)
    flash(_("入力中の申請を削除しました。"), "success")
    return redirect(url_for(".counter_home"), 303)


# -- acting for the applicant of a counter case ----------------------------------------------------------------


def _counter_case(reference: str) -> Submission:
    """A counter case of the clerk's municipality; an online one is the resident's to correct (not found here)."""
    found = views._staff_submission(reference)
    if not found.at_counter:
        abort(404)
    return found


def _correction_form(
    submission: Submission, definition: ProcedureDefinition, raw: Raw, errors: dict, household: Household | None
) -> str:
    """Every page at once, as the resident's correction form; the attachments stay those of the application."""
    choices = household_choices(definition, household)
    pages = page_views(definition, raw, errors, choices)
    return render_template(
        "backoffice/counter_form.html",
        definition=definition,
        pages=pages,
        errors=error_summary(pages),
        submission=submission,
        returned=arrival(submission),
        household_unknown=asks_household(definition) and household is None,
        typed_otherwise=asks_household(definition) and typed_otherwise(definition.fields, choices),
    )


@bp.route("/submissions/<reference>/correct", methods=["GET", "POST"])
@staff_required(ENTER)
def counter_correct(reference: str) -> Any:
    """The clerk corrects a returned counter application with the applicant (at the counter) and sends it back for
    review: the resident's correction, checked the same way, on the version the case was made against."""
    found = _counter_case(reference)
    service = views._service()
    if service.resubmission(found) is None:
        abort(404)
    definition = views._case(found).definition
    records = municipality_records(found.municipality_code, db.session)
    household = identity_household(records, found.applicant_profile()).household if asks_household(definition) else None
    stored = catalog.to_raw(definition, found.answers)
    if request.method == "GET":
        return _correction_form(found, definition, stored, {}, household)
    kept = {f.name: stored.get(f.name, []) for f in attachments.file_fields(definition.fields)}
    raw = {**answers_from(request.form), **kept}
    rows_changed = change_rows(definition.fields, raw, request.form)
    if rows_changed is not None:
        return _correction_form(found, definition, rows_changed[0], {}, household)
    if "lookup" in request.form:
        lookup_address(definition, raw, request.form["lookup"])
        return _correction_form(found, definition, raw, {}, household)
    result = catalog.validate(definition, raw, choices=household_choices(definition, household))
    if not result.ok:
        return _correction_form(found, definition, raw, dict(result.errors), household)
    try:
        service.resubmit(found, result.values)
    except TransitionRefused as refusal:
        return refused(refusal.reason, url_for(".submission", reference=reference))
    flash(_("修正した内容で再提出しました。"), "success")
    return redirect(url_for(".submission", reference=reference), 303)


@bp.post("/submissions/<reference>/notify-email/stop")
@staff_required(ENTER)
def counter_stop_email(reference: str) -> Any:
    """The applicant asked at the counter to be emailed no more: their address is forgotten."""
    found = _counter_case(reference)
    SubmissionService(db.session, current_procedures(), staff_actor()).stop_email(found)
    flash(_("メールでのお知らせを停止しました。"), "success")
    return redirect(url_for(".submission", reference=reference), 303)
