"""A case's conversation: the applicant and their municipality's staff write to each other while it is open.

Messages are append-only. Posting locks the submission's row and re-reads its state, so a message never lands
on a case that closed meanwhile; the form's one-time token makes a double click or a retried request store one
message. Each message tells the other side by email (portal.services.notifications), never with its text.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.catalog.characters import code_point, refused_character
from portal.messages import N_, Message
from portal.models import ActorKind, CaseMessage, Submission
from portal.procedures import Procedures
from portal.services import notifications
from portal.services.actors import ActingUser

MAX_MESSAGE_LENGTH = 2000
TOKEN_BYTES = 32
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")  # what secrets.token_urlsafe(TOKEN_BYTES) returns


class MessageRefused(Exception):
    """Nothing was stored. ``about_body``: the text itself is at fault (shown on the field), else the case."""

    def __init__(self, message: Message, about_body: bool = False) -> None:
        self.message = message
        self.about_body = about_body
        super().__init__(message.render())


CLOSED = Message(N_("この申請は完了しているため、メッセージを送れません。"))
NOT_FOUND = Message(N_("この申請は見つかりません。"))
STALE_FORM = Message(N_("このメッセージの画面からは送信できません。ページを再読み込みして、もう一度送信してください。"))


def new_token() -> str:
    """The one-time token of a message form."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def checked_body(text: str | None) -> str:
    """The message as it is kept (line breaks as \\n, no blank edges), or MessageRefused saying what to fix."""
    body = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    label = Message(N_("メッセージ"))
    if not body:
        raise MessageRefused(Message(N_("メッセージを入力してください。")), about_body=True)
    if len(body) > MAX_MESSAGE_LENGTH:
        raise MessageRefused(
            Message(N_("メッセージは%(max)d文字以内で入力してください。"), {"max": MAX_MESSAGE_LENGTH}), about_body=True
        )
    if refused := refused_character(body, multiline=True):
        char, msgid = refused
        raise MessageRefused(Message(msgid, {"label": label, "code": code_point(char)}), about_body=True)
    return body


@dataclass(frozen=True)
class Posted:
    message: CaseMessage
    created: bool  # False: this form's message was stored already (a second press)


class ConversationService:
    def __init__(self, session: Session, procedures: Procedures, actor: ActingUser) -> None:
        self.session = session
        self.procedures = procedures
        self.actor = actor

    def may_read(self, submission: Submission) -> bool:
        """The applicant, and staff of the submission's municipality; nobody on a counter application, whose
        applicant has no account to read it with (staff talk to them at the counter)."""
        if submission.at_counter:
            return False
        if self.actor.kind is ActorKind.RESIDENT:
            return submission.resident_id == self.actor.id
        return submission.municipality_code == self.actor.municipality_code

    def is_open(self, submission: Submission) -> bool:
        return not self.procedures.case(submission).workflow.is_final(submission.state)

    def thread(self, submission: Submission) -> list[CaseMessage]:
        if not self.may_read(submission):
            return []
        return list(
            self.session.scalars(select(CaseMessage).filter_by(submission_id=submission.id).order_by(CaseMessage.id))
        )

    def post(self, submission: Submission, text: str | None, token: str) -> Posted:
        """Store the message, or raise MessageRefused with nothing stored."""
        if not self.may_read(submission):
            raise MessageRefused(NOT_FOUND)
        body = checked_body(text)
        if not TOKEN_SHAPE.fullmatch(token or ""):
            raise MessageRefused(STALE_FORM)
        self.session.scalars(  # locked, and its state read again under the lock
            select(Submission).filter_by(id=submission.id).with_for_update().execution_options(populate_existing=True)
        ).one()
        earlier = self.session.scalars(
            select(CaseMessage).filter_by(submission_id=submission.id, token=token)
        ).one_or_none()
        if earlier is not None:
            return Posted(earlier, created=False)
        if not self.is_open(submission):
            raise MessageRefused(CLOSED)
        message = CaseMessage(
            submission_id=submission.id,
            municipality_code=submission.municipality_code,
            author_kind=self.actor.kind,
            author_id=self.actor.id,
            author_name=self.actor.name[:100],
            body=body,
            token=token,
        )
        self.session.add(message)
        self.session.flush()
        notifications.message_posted(self.session, submission, message)
        return Posted(message, created=True)
