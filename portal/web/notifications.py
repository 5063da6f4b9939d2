"""Notifications written as emails, when a worker sends them: subject and body from the templates under
portal/templates/mail/, in the recipient's language: a resident's stored preference among the languages the portal
offers (else Japanese), the municipality named as it is in that language; staff read Japanese.

An email names the case by its 受付番号, its procedure and its municipality, and links to its page; a 差戻し or
却下 also gives the reason staff wrote for the applicant. Never the answers, the applicant's name or address,
nor a message's text (the page shows it, after logging in). The applicant of a counter application has no page to
link to: their email sends them to the counter instead. A 本人通知 names no case at all: only that a certificate
was issued to a 代理人 or a third party, its date and kind, and where to ask.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app
from flask_babel import gettext
from sqlalchemy.orm import Session

from portal.config import DEV_PUBLIC_URL
from portal.languages import JAPANESE, Language, by_code
from portal.messages import N_
from portal.models import (
    MailSettings,
    Municipality,
    Notification,
    NotificationKind,
    PersonalNotice,
    RecipientKind,
    Staff,
    Submission,
    TransitionRecord,
)
from portal.services.mail_settings import CONFIRM_HOURS, confirmation_token
from portal.services.tenancy import contact
from portal.web.current import current_procedures
from portal.web.i18n import force_language, local_name, offered
from portal.web.templating import wareki_date

SUBJECTS = {
    NotificationKind.RECEIVED: N_("【%(municipality)s】申請を受け付けました（受付番号 %(reference)s）"),
    NotificationKind.RETURNED: N_("【%(municipality)s】申請が差し戻されました（受付番号 %(reference)s）"),
    NotificationKind.ISSUED: N_("【%(municipality)s】交付しました（受付番号 %(reference)s）"),
    NotificationKind.COMPLETED: N_("【%(municipality)s】手続きが完了しました（受付番号 %(reference)s）"),
    NotificationKind.REJECTED: N_("【%(municipality)s】申請は却下されました（受付番号 %(reference)s）"),
    NotificationKind.STAFF_MESSAGE: N_(
        "【%(municipality)s】担当者からメッセージが届きました（受付番号 %(reference)s）"
    ),
    NotificationKind.CONFIRM_ADDRESS: N_("【窓口】メールアドレスの確認"),
    NotificationKind.RESIDENT_MESSAGE: N_("【窓口】申請者からメッセージが届きました（受付番号 %(reference)s）"),
    NotificationKind.RESUBMITTED: N_("【窓口】差し戻した申請が再提出されました（受付番号 %(reference)s）"),
    NotificationKind.PERSONAL_NOTICE: N_("【%(municipality)s】本人通知：あなたの証明書を交付しました"),
}
WITH_REASON = frozenset({NotificationKind.RETURNED, NotificationKind.REJECTED})
_BLANK_LINES = re.compile(r"\n{3,}")


def compose(session: Session, notification: Notification) -> EmailMessage | None:
    """The email, or None when nobody is to receive it any more (the address removed, notifications turned off,
    a confirmation already made)."""
    recipient = _recipient(session, notification)
    if recipient is None:
        return None
    address, language = recipient
    with force_language(language):
        context = _context(session, notification, language)
        subject = gettext(SUBJECTS[notification.kind], **context)
        body = current_app.jinja_env.get_template(f"mail/{notification.kind.value}.txt").render(**context)
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = address
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = _message_id(notification)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    message.set_content(_tidy(body))
    return message


def _recipient(session: Session, notification: Notification) -> tuple[str, Language] | None:
    """(address, language) of whoever the notification is for, read now; a language no longer offered (its
    catalog withdrawn) is Japanese."""
    if notification.recipient_kind is RecipientKind.STAFF:
        staff = session.get(Staff, notification.recipient_id)
        return (staff.email, JAPANESE) if staff is not None and staff.email else None
    if notification.recipient_kind is RecipientKind.COUNTER:
        submission = session.get(Submission, notification.recipient_id)
        return (submission.notify_email, JAPANESE) if submission is not None and submission.notify_email else None
    settings = session.get(MailSettings, notification.recipient_id)
    if settings is None:
        return None
    language = by_code(settings.language, offered()) or JAPANESE
    if notification.kind is NotificationKind.CONFIRM_ADDRESS:
        return (settings.pending_address, language) if settings.pending_address else None
    return (settings.deliverable, language) if settings.deliverable else None


def _context(session: Session, notification: Notification, language: Language) -> dict[str, Any]:
    if notification.kind is NotificationKind.CONFIRM_ADDRESS:
        settings = session.get_one(MailSettings, notification.recipient_id)
        token = confirmation_token(current_app.config["SECRET_KEY"], settings)
        return {"link": _external("account.confirm_address", language, token=token), "hours": CONFIRM_HOURS}
    if notification.kind is NotificationKind.PERSONAL_NOTICE:
        return _notice_context(session, notification, language)
    assert notification.submission_id is not None
    submission = session.get_one(Submission, notification.submission_id)
    municipality = session.get_one(Municipality, submission.municipality_code)
    definition = current_procedures().case(submission).definition
    staff = notification.recipient_kind is RecipientKind.STAFF
    counter = notification.recipient_kind is RecipientKind.COUNTER
    if staff:
        link = _external("backoffice.submission", JAPANESE, reference=submission.reference)
    elif counter:
        link = None
    else:
        link = _external("resident.application", language, code=municipality.code, reference=submission.reference)
    reason = None
    if notification.kind in WITH_REASON and notification.transition_record_id is not None:
        reason = session.get_one(TransitionRecord, notification.transition_record_id).applicant_comment
    return {
        "municipality": local_name(municipality).text,
        "reference": submission.reference,
        "procedure": gettext(definition.title),
        "link": link,
        "reason": reason,
        "settings_link": None if staff or counter else _external("account.notifications", language),
        "counter": counter,
    }


def _notice_context(session: Session, notification: Notification, language: Language) -> dict[str, Any]:
    """A 本人通知: the certificate's date and kind and where to ask; nothing of the case nor of who asked."""
    assert notification.personal_notice_id is not None
    notice = session.get_one(PersonalNotice, notification.personal_notice_id)
    municipality = session.get_one(Municipality, notice.municipality_code)
    definition = current_procedures().case(notice.submission).definition
    return {
        "municipality": local_name(municipality).text,
        "issued_on": wareki_date(notice.issued_on),
        "procedure": gettext(definition.title),
        "contact": contact(municipality, definition.slug),
        "settings_link": _external("account.notifications", language),
    }


def _external(endpoint: str, language: Language, **values: Any) -> str:
    """An absolute link into the portal, built without a request (a worker has none): on PUBLIC_URL."""
    if language is not JAPANESE:
        values["lang"] = language.code
    path = current_app.url_map.bind("portal.invalid").build(endpoint, values)
    return (current_app.config["PUBLIC_URL"] or DEV_PUBLIC_URL) + path


def _message_id(notification: Notification) -> str:
    """The same for every attempt at one notification, so a mail system can drop a second copy."""
    _name, sender = parseaddr(current_app.config["MAIL_FROM"])
    domain = sender.rpartition("@")[2] or "madoguchi.invalid"
    tag = hashlib.sha256(f"{notification.id}:{notification.created_at.isoformat()}".encode()).hexdigest()[:16]
    return f"<notification.{notification.id}.{tag}@{domain}>"


def _tidy(body: str) -> str:
    lines = "\n".join(line.rstrip() for line in body.strip().splitlines())
    return _BLANK_LINES.sub("\n\n", lines) + "\n"
