"""The notification settings page: enter an address (confirmed by the link emailed to it), turn notifications
off and on, choose their language, remove the address. Residents only; each person sees and changes their own."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.database import db
from portal.languages import by_code
from portal.mail import MAX_ADDRESS_LENGTH, AddressRefused
from portal.models import MailSettings
from portal.services.mail_settings import Confirmation, ConfirmationRefused, MailSettingsService
from portal.web.access import resident_actor, resident_required
from portal.web.formview import FieldView
from portal.web.i18n import current_language, offered
from portal.web.responses import refused

bp = Blueprint("account", __name__, url_prefix="/account")

ADDRESS_INPUT = "field-address"


def _service() -> MailSettingsService:
    return MailSettingsService(db.session, resident_actor(), current_app.config["SECRET_KEY"])


def _enabled() -> bool:
    """Whether this deployment emails at all (SMTP_URL); without it the page says so and takes no address."""
    return current_app.config["SMTP"] is not None


def _language(value: str | None) -> str:
    """The code of the language chosen for emails, else of the page's: a language this portal offers."""
    return (by_code(value, offered()) or current_language()).code


def _page(typed: str = "", error: str | None = None) -> Any:
    settings = _service().settings()
    address_field = FieldView(
        name="address",
        widget="email",
        input_id=ADDRESS_INPUT,
        label=_("新しいメールアドレス") if settings is not None and settings.address else _("メールアドレス"),
        help=_("登録すると、このアドレスに確認のメールを送ります。メールのリンクを開くと登録が完了します。"),
        required=True,
        error=error,
        raw={"address": [typed]},
        max_length=MAX_ADDRESS_LENGTH,
        autocomplete="email",
    )
    return render_template(
        "account/notifications.html",
        settings=settings or MailSettings(enabled=True, language=_language(None)),
        address_field=address_field,
        errors=[(ADDRESS_INPUT, error)] if error else [],
        mail_enabled=_enabled(),
    )


@bp.get("/notifications")
@resident_required
def notifications() -> Any:
    return _page()


@bp.post("/notifications/address")
@resident_required
def set_address() -> Any:
    if not _enabled():
        abort(404)
    typed = request.form.get("address", "")
    try:
        requested = _service().request_address(typed, _language(None))
    except AddressRefused as refusal:
        return _page(typed, refusal.message.render(_))
    if requested.sent:
        flash(_("確認のメールを送りました。メールのリンクを開いて、登録を完了してください。"), "success")
    return redirect(url_for(".notifications"), 303)


@bp.post("/notifications/preferences")
@resident_required
def preferences() -> Any:
    _service().set_preferences(request.form.get("enabled") == "on", _language(request.form.get("language")))
    flash(_("お知らせの設定を保存しました。"), "success")
    return redirect(url_for(".notifications"), 303)


@bp.post("/notifications/remove")
@resident_required
def remove() -> Any:
    _service().remove()
    flash(_("メールアドレスを削除しました。メールでのお知らせは送られません。"), "success")
    return redirect(url_for(".notifications"), 303)


@bp.route("/notifications/confirm/<token>", methods=["GET", "POST"])
@resident_required
def confirm_address(token: str) -> Any:
    """The emailed link: a page asking to confirm (a link scanner opening it changes nothing), then 登録する."""
    service = _service()
    try:
        settings, pending = service.pending_for(token)
    except ConfirmationRefused as refusal:
        return refused(refusal.message, url_for(".notifications"))
    if request.method == "GET":
        return render_template(
            "account/confirm.html", address=settings.pending_address if pending else settings.address, pending=pending
        )
    if service.confirm(token) is Confirmation.CONFIRMED:
        flash(_("メールアドレスを登録しました。これから申請の状況をメールでお知らせします。"), "success")
    else:
        flash(_("このメールアドレスは登録済みです。"), "info")
    return redirect(url_for(".notifications"), 303)
