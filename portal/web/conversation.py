"""A case's conversation on its pages: the thread and the form the partials resident/_messages.html and
backoffice/_messages.html show, and what posting a message answers (portal.web.resident.messages,
portal.web.backoffice.messages).

The partials call ``conversation(submission)`` (a template global) for the submission their page has already
loaded, scoped to the reader (the applicant's own, or the staff member's municipality's); it loads the thread and
gives the form a fresh one-time token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.database import db
from portal.models import ActorKind, Submission
from portal.services.actors import ActingUser
from portal.services.conversation import MAX_MESSAGE_LENGTH, ConversationService, MessageRefused, new_token
from portal.web.access import current_resident, current_staff
from portal.web.current import current_procedures
from portal.web.formview import FieldView
from portal.web.responses import refused

BODY = "body"
TOKEN = "message_token"
BODY_INPUT = "message-body"
ANCHOR = "conversation"


@dataclass(frozen=True)
class MessageView:
    author: str
    when: datetime
    body: str
    from_staff: bool
    mine: bool


@dataclass(frozen=True)
class ThreadView:
    messages: list[MessageView]
    open: bool  # messages may be written
    post_url: str
    token: str
    field: FieldView
    errors: list[tuple[str, str]]  # for the partial's error summary


@dataclass(frozen=True)
class RefusedMessage:
    """A message refused for its text: the page shows it again, marked, with what was typed."""

    body: str
    error: str


def _actor() -> ActingUser | None:
    """The reader: the staff member or the resident logged in (a login clears whoever was before)."""
    staff = current_staff()
    if staff is not None:
        return ActingUser.of_staff(staff)
    resident = current_resident()
    return ActingUser.of_resident(resident) if resident is not None else None


def thread_view(submission: Submission) -> ThreadView | None:
    """The template global ``conversation``: None for anyone but the applicant and the municipality's staff."""
    actor = _actor()
    if actor is None:
        return None
    service = ConversationService(db.session, current_procedures(), actor)
    if not service.may_read(submission):
        return None
    staff_view = actor.kind is ActorKind.STAFF
    municipality = submission.municipality.name
    messages = [
        MessageView(
            author=_author(message.author_kind, message.author_name, municipality, staff_view),
            when=message.created_at,
            body=message.body,
            from_staff=message.from_staff,
            mine=message.author_kind is actor.kind and message.author_id == actor.id,
        )
        for message in service.thread(submission)
    ]
    typed: RefusedMessage | None = g.get("refused_message")
    field = FieldView(
        name=BODY,
        widget="textarea",
        input_id=BODY_INPUT,
        label=_("メッセージ"),
        help=_(
            "申請者の申請のページに表示されます。届いたことは申請者にメールでも知らせます（本文はメールに書きません）。"
        )
        if staff_view
        else _("担当者に届きます。お名前やご住所などは書く必要はありません。"),
        required=True,
        error=typed.error if typed else None,
        raw={BODY: [typed.body if typed else ""]},
        rows=5,
        max_length=MAX_MESSAGE_LENGTH,
    )
    endpoint = "backoffice.post_message" if staff_view else "resident.post_message"
    return ThreadView(
        messages=messages,
        open=service.is_open(submission),
        post_url=url_for(endpoint, reference=submission.reference, _anchor=ANCHOR),
        token=new_token(),
        field=field,
        errors=[(BODY_INPUT, typed.error)] if typed else [],
    )


def _author(kind: ActorKind, name: str, municipality: str, staff_view: bool) -> str:
    if kind is ActorKind.STAFF:
        return name if staff_view else _("%(municipality)s 担当者", municipality=municipality)
    return _("申請者（%(name)s）", name=name) if staff_view else _("あなた")


def post(submission: Submission, actor: ActingUser, page: Any, back_to: str) -> Any:
    """Store the posted message: back to the page's conversation; a refused text shows the page again with the
    field marked (``page()`` renders it); a closed case is refused with the reason."""
    service = ConversationService(db.session, current_procedures(), actor)
    try:
        posted = service.post(submission, request.form.get(BODY), request.form.get(TOKEN, ""))
    except MessageRefused as refusal:
        if refusal.about_body:
            g.refused_message = RefusedMessage(request.form.get(BODY, ""), refusal.message.render(_))
            return page()
        return refused(refusal.message, back_to)
    if posted.created:
        flash(_("メッセージを送信しました。"), "success")
    return redirect(back_to, 303)


def register(bp: Blueprint) -> None:
    bp.add_app_template_global(thread_view, "conversation")
