"""A municipality's webhooks on the administration pages: its subscriptions (URL, events, procedures, the signing
secret), adding and removing one, and the dead-letter list with 再送. Every change goes through
portal.services.webhooks, which writes it to the audit log; production refuses non-https and internal addresses.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.config import Environment
from portal.database import db
from portal.messages import N_, Message
from portal.models import WebhookEvent
from portal.models.base import utcnow
from portal.services import webhooks
from portal.services.municipalities import MunicipalityRefused
from portal.web.admin.forms import Form, error_summary, field, problem_errors
from portal.web.admin.views import _administrator, _managed, bp
from portal.web.current import current_published
from portal.web.formview import form_data
from portal.web.responses import refused

EVENT_LABELS = {
    WebhookEvent.SUBMITTED: N_("新しい申請の受付（case.submitted）"),
    WebhookEvent.TRANSITIONED: N_("申請の状況の変更（case.transitioned）"),
}


def _form() -> Form:
    """URL, events and procedures (the catalog's, as they are now)."""
    published = current_published(db.session)
    return Form(
        (
            field(
                "url",
                "text",
                required=True,
                label=N_("送信先のURL"),
                max_length=webhooks.URL_LIMIT,
                help=N_("受信するシステムのURL。本番環境では https:// で、公開されたアドレスに限ります。"),
            ),
            field(
                "events",
                "checkboxes",
                required=True,
                label=N_("通知するイベント"),
                options=[{"value": event.name.lower(), "label": label} for event, label in EVENT_LABELS.items()],
            ),
            field(
                "procedures",
                "checkboxes",
                label=N_("対象の手続き"),
                help=N_("選ばなければ、すべての手続きです。"),
                options=[{"value": slug, "label": d.title} for slug, d in published.catalog.items()],
            ),
        )
    )


def _page(code: str, raw: dict[str, list[str]], errors: dict[str, Message]) -> str:
    views = _form().views(raw, errors)
    subscriptions = webhooks.subscriptions(db.session, _administrator(), code)
    return render_template(
        "admin/webhooks.html",
        fields=views,
        errors=error_summary(views, errors, {}),
        subscriptions=subscriptions,
        dead=webhooks.dead_letters(db.session, _administrator(), code),
        urls={s.id: s.url for s in subscriptions},
        max_attempts=webhooks.MAX_ATTEMPTS,
        event_labels={event.value: _(label) for event, label in EVENT_LABELS.items()},
        titles={slug: _(d.title) for slug, d in current_published(db.session).catalog.items()},
    )


@bp.get("/municipalities/<code>/webhooks")
def webhook_settings(code: str) -> str:
    _managed(code)
    return _page(code, {}, {})


@bp.post("/municipalities/<code>/webhooks")
def add_webhook(code: str) -> Any:
    _managed(code)
    raw = form_data(request.form)
    values, errors = _form().parse(raw)
    if not errors:
        production = current_app.config["ENVIRONMENT"] is Environment.PRODUCTION
        events = [WebhookEvent[value.upper()] for value in values["events"]]
        try:
            webhooks.add_subscription(
                db.session, _administrator(), code, values["url"], events, values["procedures"] or (), production
            )
        except MunicipalityRefused as refusal:
            errors = problem_errors(refusal.problems)
    if errors:
        return _page(code, raw, errors)
    flash(_("Webhookを登録しました。署名の検証に使う秘密鍵は一覧に表示しています。"), "success")
    return redirect(url_for(".webhook_settings", code=code))


@bp.post("/municipalities/<code>/webhooks/<int:subscription_id>/delete")
def remove_webhook(code: str, subscription_id: int) -> Any:
    _managed(code)
    try:
        webhooks.remove_subscription(db.session, _administrator(), code, subscription_id, utcnow())
    except MunicipalityRefused as refusal:
        return refused(refusal.problems[0].message, url_for(".webhook_settings", code=code))
    flash(_("Webhookの登録を削除しました。これ以降は送信しません。"), "success")
    return redirect(url_for(".webhook_settings", code=code))


@bp.post("/municipalities/<code>/webhooks/deliveries/<int:delivery_id>/redeliver")
def redeliver_webhook(code: str, delivery_id: int) -> Any:
    _managed(code)
    try:
        webhooks.redeliver(db.session, _administrator(), code, delivery_id, utcnow())
    except MunicipalityRefused as refusal:
        return refused(refusal.problems[0].message, url_for(".webhook_settings", code=code, _anchor="section-dead"))
    flash(_("配信を再送しました。"), "success")
    return redirect(url_for(".webhook_settings", code=code, _anchor="section-dead"))
