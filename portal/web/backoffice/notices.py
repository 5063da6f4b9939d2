"""本人通知 in the back office: the letters owed to registered persons, to post and mark posted, and the
registrations staff keep at the persons' request. Staff of the municipality who may (clerks, administrators)."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.catalog import FieldDef
from portal.database import db
from portal.messages import N_, Message
from portal.records.matching import stated_info
from portal.roles import Permission
from portal.services import personal_notices as notices
from portal.services.actors import Administrator
from portal.services.personal_notices import NoticeRefused
from portal.web.access import current_staff, staff_actor, staff_required
from portal.web.admin.forms import Form, error_summary
from portal.web.backoffice.views import bp
from portal.web.current import current_procedures, municipality_records
from portal.web.formview import form_data
from portal.web.responses import refused

REGISTRATION = Form(
    tuple(
        FieldDef.model_validate(field)
        for field in (
            {"name": "family_name", "type": "text", "label": N_("氏"), "max_length": 50},
            {"name": "given_name", "type": "text", "label": N_("名"), "max_length": 50},
            {"name": "birthdate", "type": "date", "label": N_("生年月日"), "max": "today"},
            {
                "name": "gender",
                "type": "radio",
                "label": N_("性別"),
                "options": [{"value": "male", "label": N_("男性")}, {"value": "female", "label": N_("女性")}],
            },
            {"name": "address", "type": "address", "label": N_("住所"), "help": N_("住民票に記載されている住所")},
        )
    )
)


def _actor() -> Administrator:
    staff = current_staff()
    assert staff is not None
    return Administrator.of_staff(staff)


def _page(raw: dict[str, list[str]] | None = None, errors: dict[str, Message] | None = None) -> str:
    code = staff_actor().municipality_code
    assert code is not None
    views = REGISTRATION.views(raw or {}, errors or {})
    procedures = current_procedures()
    letters = notices.letters_to_post(db.session, code)
    return render_template(
        "backoffice/notices.html",
        letters=[(letter, _(procedures.case(letter.submission).definition.title)) for letter in letters],
        registrations=notices.registrations(db.session, code),
        fields=views,
        errors=error_summary(views, errors or {}, {}),
    )


@bp.get("/notices/")
@staff_required(Permission.MANAGE_PERSONAL_NOTICES)
def personal_notices_page() -> str:
    return _page()


@bp.post("/notices/<int:notice_id>/posted")
@staff_required(Permission.MANAGE_PERSONAL_NOTICES)
def mark_posted(notice_id: int) -> Any:
    actor = _actor()
    assert actor.municipality_code is not None
    try:
        notices.mark_posted(db.session, actor, actor.municipality_code, notice_id)
    except NoticeRefused as refusal:
        return refused(refusal.reason, url_for(".personal_notices_page"))
    flash(_("郵送済みにしました。"), "success")
    return redirect(url_for(".personal_notices_page"), 303)


@bp.post("/notices/registrations")
@staff_required(Permission.MANAGE_PERSONAL_NOTICES)
def register_for_notices() -> Any:
    actor = _actor()
    code = actor.municipality_code
    assert code is not None
    raw = form_data(request.form)
    values, errors = REGISTRATION.parse(raw)
    if not errors:
        name = f"{values['family_name']} {values['given_name']}"
        query = stated_info(name, values["birthdate"].isoformat(), values["gender"], values["address"])
        try:
            notices.register(db.session, municipality_records(code, db.session), actor, code, query)
        except NoticeRefused as refusal:
            errors = {"": refusal.reason}
    if errors:
        return _page(raw, errors)
    flash(_("本人通知に登録しました。"), "success")
    return redirect(url_for(".personal_notices_page", _anchor="registrations"), 303)


@bp.post("/notices/registrations/<int:registration_id>/delete")
@staff_required(Permission.MANAGE_PERSONAL_NOTICES)
def unregister_from_notices(registration_id: int) -> Any:
    actor = _actor()
    assert actor.municipality_code is not None
    try:
        notices.unregister(db.session, actor, actor.municipality_code, registration_id)
    except NoticeRefused as refusal:
        return refused(refusal.reason, url_for(".personal_notices_page", _anchor="registrations"))
    flash(_("本人通知の登録を解除しました。"), "success")
    return redirect(url_for(".personal_notices_page", _anchor="registrations"), 303)
