"""Administration handlers: load, check access, call portal.services.municipalities, render.

Administrators manage their own municipality; platform operators every one, and add new ones. A municipality the
person may not manage is not found (404), as everywhere in the back office; staff without either permission are
forbidden (403). Every change is written to the audit log by the service.
"""

from __future__ import annotations

import base64
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from werkzeug.datastructures import FileStorage

from portal.catalog import ProcedureDefinition
from portal.catalog.fees import PerCount, PriceTable
from portal.database import db
from portal.japan import jst
from portal.messages import N_, Message
from portal.models import Municipality, PendingSeal
from portal.roles import ADMINISTRATION, permissions_of
from portal.services import audit, municipalities, retention, tenancy
from portal.services.actors import Administrator
from portal.services.municipalities import (
    CONTACT_LIMITS,
    MAX_CLOSURE_DAYS,
    NAME_SETTINGS,
    TEXT_LIMITS,
    Details,
    MunicipalityRefused,
    PublicContact,
    Terms,
)
from portal.services.municipalities import TERMS as TERM_NAMES
from portal.web.access import current_staff
from portal.web.admin.forms import (
    CLOSURE,
    CONTACT,
    DETAILS,
    NEW_MUNICIPALITY,
    TERMS,
    error_summary,
    names_form,
    problem_errors,
)
from portal.web.admin.presenting import audit_rows, procedure_rows, untranslated
from portal.web.current import current_procedures, current_published, seals_dir
from portal.web.fees import fee_formula
from portal.web.formview import form_data
from portal.web.responses import refused
from portal.web.templating import wareki_date

bp = Blueprint("admin", __name__, url_prefix="/backoffice/admin")

SEAL_INPUT = {"seal": "field-seal"}  # the seal's file input is not a catalog field
SEAL_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


@bp.before_request
def _administrators_only() -> Any:
    staff = current_staff()
    if staff is None:
        return redirect(url_for("auth.staff_login", next=request.full_path.rstrip("?")))
    if not permissions_of(staff.roles) & ADMINISTRATION:
        abort(403)
    g.administrator = Administrator.of_staff(staff)
    return None


def _administrator() -> Administrator:
    administrator: Administrator = g.administrator
    return administrator


def _managed(code: str) -> Municipality:
    found = tenancy.municipality(db.session, code)
    if found is None or not _administrator().may_administer(code):
        abort(404)
    g.municipality = found  # the page frame names the municipality being managed
    return found


def _operator_only() -> None:
    if not _administrator().operates_platform:
        abort(403)


@bp.get("/")
def index() -> Any:
    administrator = _administrator()
    if not administrator.operates_platform:
        return redirect(url_for(".municipality", code=administrator.municipality_code))
    return render_template("admin/index.html", municipalities=tenancy.municipalities(db.session))


# Municipalities: add (operators), details, seal ------------------------------------------------------------------


def _upload(field: str) -> tuple[str, bytes] | None:
    """The uploaded file's name (printable characters only: it is shown and stored) and content."""
    upload: FileStorage | None = request.files.get(field)
    if upload is None or not upload.filename:
        return None
    name = "".join(char for char in upload.filename.replace("\\", "/").rsplit("/", 1)[-1] if char.isprintable())
    return name[-100:] or "seal", upload.read()


NO_SEAL = Message(N_("公印の画像ファイル（SVG または PNG）を選択してください。"))


def _new_page(raw: dict[str, list[str]], errors: dict[str, Message]) -> str:
    views = NEW_MUNICIPALITY.views(raw, errors)
    return render_template(
        "admin/new_municipality.html",
        fields=views,
        seal_error=errors["seal"].render(_) if "seal" in errors else None,
        errors=error_summary(views, errors, SEAL_INPUT),
    )


@bp.get("/municipalities/new")
def new_municipality() -> str:
    _operator_only()
    return _new_page({}, {})


@bp.post("/municipalities/new")
def add_municipality() -> Any:
    _operator_only()
    raw = form_data(request.form)
    values, errors = NEW_MUNICIPALITY.parse(raw)
    upload = _upload("seal")
    if upload is None:
        errors["seal"] = NO_SEAL
    if errors or upload is None:
        return _new_page(raw, errors)
    details = Details(**{key: values[key] for key in TEXT_LIMITS})
    try:
        added = municipalities.add_municipality(
            db.session, seals_dir(), _administrator(), values["code"], details, *upload
        )
    except MunicipalityRefused as refusal:
        return _new_page(raw, problem_errors(refusal.problems))
    flash(_("%(name)s（%(code)s）を追加しました。", name=added.name, code=added.code), "success")
    return redirect(url_for(".municipality", code=added.code))


def _municipality_page(
    raw: dict[str, list[str]],
    errors: dict[str, Message],
    closure_raw: dict[str, list[str]] | None = None,
    closure_errors: dict[str, Message] | None = None,
    contact_raw: dict[str, list[str]] | None = None,
    contact_errors: dict[str, Message] | None = None,
) -> str:
    """The details form (its names in other languages too), the contact, the seal and the 閉庁日; the municipality is
    the one _managed put in the page frame. A form sent with errors shows what was typed in it; the others show the
    current settings."""
    views = DETAILS.views(raw, errors)
    name_views = names_form().views(raw, errors)
    contact_views = CONTACT.views(
        contact_raw if contact_raw is not None else _current_contact(g.municipality), contact_errors or {}
    )
    closure_views = CLOSURE.views(
        closure_raw or {},
        closure_errors or {},
        {
            "closure_until": _(
                "続けて閉める最後の日（%(max)d日間まで）。空欄なら初日の1日だけです。", max=MAX_CLOSURE_DAYS
            )
        },
    )
    code = g.municipality.code
    return render_template(
        "admin/municipality.html",
        fields=views,
        name_fields=name_views,
        errors=error_summary(views + name_views, errors, SEAL_INPUT)
        + error_summary(contact_views, contact_errors or {}, {})
        + error_summary(closure_views, closure_errors or {}, {}),
        seal_error=errors["seal"].render(_) if "seal" in errors else None,
        contact_fields=contact_views,
        closure_fields=closure_views,
        closures=municipalities.closures(db.session, code, since=jst.today() - CLOSURES_SHOWN),
    )


@bp.get("/municipalities/<code>/")
def municipality(code: str) -> str:
    found = _managed(code)
    return _municipality_page(_current_details(found), {})


def _current_details(found: Municipality) -> dict[str, list[str]]:
    names = {key: found.names.get(language.code) for key, language in NAME_SETTINGS.items()}
    return {**DETAILS.raw({key: getattr(found, key) for key in TEXT_LIMITS}), **names_form().raw(names)}


@bp.post("/municipalities/<code>/")
def update_municipality(code: str) -> Any:
    _managed(code)
    raw = form_data(request.form)
    values, errors = DETAILS.parse(raw)
    names, name_errors = names_form().parse(raw)
    errors.update(name_errors)
    if not errors:
        details = Details(**values, names={key: name or "" for key, name in names.items()})
        try:
            municipalities.update_municipality(db.session, _administrator(), code, details)
        except MunicipalityRefused as refusal:
            errors = problem_errors(refusal.problems)
    if errors:
        return _municipality_page(raw, errors)
    flash(_("自治体の設定を保存しました。"), "success")
    return redirect(url_for(".municipality", code=code))


def _current_contact(found: Municipality) -> dict[str, list[str]]:
    return CONTACT.raw({key: getattr(found, key) for key in CONTACT_LIMITS})


@bp.post("/municipalities/<code>/contact")
def update_contact(code: str) -> Any:
    found = _managed(code)
    raw = form_data(request.form)
    values, errors = CONTACT.parse(raw)
    if not errors:
        try:
            municipalities.update_contact(db.session, _administrator(), code, PublicContact(**values))
        except MunicipalityRefused as refusal:
            errors = problem_errors(refusal.problems)
    if errors:
        return _municipality_page(_current_details(found), {}, contact_raw=raw, contact_errors=errors)
    flash(_("お問い合わせ先を保存しました。"), "success")
    return redirect(url_for(".municipality", code=code, _anchor="section-contact"))


@bp.post("/municipalities/<code>/seal")
def upload_seal(code: str) -> Any:
    found = _managed(code)
    upload = _upload("seal")
    if upload is None:
        return _municipality_page(_current_details(found), {"seal": NO_SEAL})
    try:
        pending = municipalities.stage_seal(db.session, _administrator(), code, *upload)
    except MunicipalityRefused as refusal:
        return _municipality_page(_current_details(found), problem_errors(refusal.problems))
    return redirect(url_for(".seal_preview", code=code, token=pending.token))


def _pending(code: str, token: str) -> PendingSeal | None:
    return municipalities.pending_seal(db.session, _administrator(), code, token)


GONE = Message(
    N_(
        "確認中の公印が見つかりません。時間が経ったか、別の画像をアップロードしました。もう一度アップロードしてください。"
    )
)


@bp.get("/municipalities/<code>/seal/<token>")
def seal_preview(code: str, token: str) -> Any:
    _managed(code)
    pending = _pending(code, token)
    if pending is None:
        return refused(GONE, url_for(".municipality", code=code))
    kind = SEAL_TYPES[pending.file_name.rsplit(".", 1)[-1].lower()]
    # A data: URL (the CSP allows images from data:): the upload is never served from a URL of its own.
    preview = f"data:{kind};base64,{base64.b64encode(pending.content).decode('ascii')}"
    return render_template("admin/seal_preview.html", pending=pending, preview=preview)


@bp.post("/municipalities/<code>/seal/<token>/confirm")
def confirm_seal(code: str, token: str) -> Any:
    _managed(code)
    try:
        municipalities.confirm_seal(db.session, seals_dir(), _administrator(), code, token)
    except MunicipalityRefused as refusal:
        return refused(refusal.problems[0].message, url_for(".municipality", code=code))
    flash(_("公印を差し替えました。これから発行する証明書に印字されます。"), "success")
    return redirect(url_for(".municipality", code=code))


@bp.post("/municipalities/<code>/seal/<token>/cancel")
def cancel_seal(code: str, token: str) -> Any:
    _managed(code)
    municipalities.cancel_seal(db.session, _administrator(), code, token)
    flash(_("公印の差し替えを取り消しました。公印は変わっていません。"), "info")
    return redirect(url_for(".municipality", code=code))


# 閉庁日 -----------------------------------------------------------------------------------------------------------

CLOSURES_SHOWN = timedelta(days=31)  # closures this long past are still listed (a closure entered by mistake)


@bp.post("/municipalities/<code>/closures")
def add_closures(code: str) -> Any:
    found = _managed(code)
    raw = form_data(request.form)
    values, errors = CLOSURE.parse(raw)
    if not errors:
        try:
            added = municipalities.add_closures(
                db.session,
                _administrator(),
                code,
                values["closure_from"],
                values["closure_until"],
                values["closure_reason"],
            )
        except MunicipalityRefused as refusal:
            errors = problem_errors(refusal.problems)
    if errors:
        return _municipality_page(_current_details(found), {}, raw, errors)
    flash(ngettext("閉庁日を%(num)d日登録しました。", "閉庁日を%(num)d日登録しました。", len(added)), "success")
    return redirect(url_for(".municipality", code=code, _anchor="section-closures"))


@bp.post("/municipalities/<code>/closures/<day>/delete")
def remove_closure(code: str, day: str) -> Any:
    _managed(code)
    try:
        closed = date.fromisoformat(day)
    except ValueError:
        abort(404)
    try:
        municipalities.remove_closure(db.session, _administrator(), code, closed)
    except MunicipalityRefused as refusal:
        return refused(refusal.problems[0].message, url_for(".municipality", code=code, _anchor="section-closures"))
    flash(_("%(day)s を閉庁日から外しました。", day=wareki_date(closed)), "success")
    return redirect(url_for(".municipality", code=code, _anchor="section-closures"))


# Procedures -------------------------------------------------------------------------------------------------------


@bp.get("/municipalities/<code>/procedures/")
def procedures(code: str) -> str:
    found = _managed(code)
    rows = procedure_rows(current_published(db.session), {offer.slug: offer for offer in found.procedures})
    return render_template("admin/procedures.html", rows=rows)


def _definition(slug: str) -> ProcedureDefinition:
    return current_published(db.session).definition(slug) or abort(404)


def _fee_hint(definition: ProcedureDefinition) -> str:
    """What an own fee means for this procedure's kind of fee (tenancy.on_terms_of)."""
    hint = _("空欄ならカタログの手数料（%(fee)s）です。0は無料です。", fee=fee_formula(definition))
    if isinstance(definition.fee, PerCount):
        return hint + _("入力した金額が単価になります。")
    if isinstance(definition.fee, PriceTable):
        return hint + _("入力すると、品目にかかわらずその金額の定額になります。")
    return hint


def _procedure_page(definition: ProcedureDefinition, raw: dict[str, list[str]], errors: dict[str, Message]) -> str:
    hints = {
        "fee": _fee_hint(definition),
        "processing_days": _(
            "開庁日（土日・祝日・年末年始・閉庁日を除く日）の数です。空欄ならカタログの標準処理期間（%(days)d日）です。",
            days=definition.processing_days,
        ),
        "contact_name": _("手続きの案内と受付票に表示します。空欄なら表示しません。"),
        "help": _("手続きの案内ページに表示します。"),
    }
    views = TERMS.views(raw, errors, hints)
    return render_template(
        "admin/procedure.html",
        definition=definition,
        untranslated=untranslated(definition),
        fields=views,
        errors=error_summary(views, errors, {}),
    )


@bp.get("/municipalities/<code>/procedures/<slug>")
def procedure(code: str, slug: str) -> str:
    found = _managed(code)
    definition = _definition(slug)
    offer = found.procedure(slug)
    values = {"enabled": offer.enabled, **{key: getattr(offer, key) for key in TERM_NAMES}} if offer else {}
    return _procedure_page(definition, TERMS.raw(values), {})


@bp.post("/municipalities/<code>/procedures/<slug>")
def save_procedure(code: str, slug: str) -> Any:
    _managed(code)
    definition = _definition(slug)
    raw = form_data(request.form)
    values, errors = TERMS.parse(raw)
    enabled = bool(values.pop("enabled", None))
    terms = Terms(**values)  # a field in error is None here
    if errors:  # the fields that did parse may be wrong together too: say all at once
        errors = problem_errors(municipalities.terms_problems(terms)) | errors
    else:
        try:
            municipalities.set_procedure(
                db.session, current_procedures(), _administrator(), code, slug, enabled=enabled, terms=terms
            )
        except MunicipalityRefused as refusal:
            errors = problem_errors(refusal.problems)
    if errors:
        return _procedure_page(definition, raw, errors)
    flash(_("手続きの設定を保存しました。"), "success")
    return redirect(url_for(".procedures", code=code))


# The audit log ----------------------------------------------------------------------------------------------------


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/municipalities/<code>/audit")
def municipality_audit(code: str) -> str:
    _managed(code)
    page = audit.audit_page(db.session, _page_number(), code)
    return render_template(
        "admin/audit.html",
        page=page,
        rows=audit_rows(page.entries, current_published(db.session)),
        everywhere=False,
        cases=retention.administers_cases(_administrator(), code),
    )


@bp.get("/audit")
def platform_audit() -> str:
    _operator_only()
    page = audit.audit_page(db.session, _page_number())
    return render_template(
        "admin/audit.html", page=page, rows=audit_rows(page.entries, current_published(db.session)), everywhere=True
    )
