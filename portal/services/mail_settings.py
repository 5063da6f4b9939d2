"""A resident's email settings: an address entered once and confirmed through a link sent to it, notifications
turned off and on, the language they come in.

The link carries a signed token naming the resident and a digest of the address awaiting confirmation, never
the address itself (no personal data in URLs); it is valid for :data:`CONFIRM_HOURS` and only for the address
still awaiting confirmation, and only the resident logged in can use it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.japan import jst
from portal.mail import normalised_address
from portal.messages import N_, Message
from portal.models import ActorKind, MailSettings, Resident
from portal.services import notifications
from portal.services.actors import ActingUser

CONFIRM_HOURS = 24
SALT = "madoguchi.mail-address"
RESEND_AFTER = timedelta(minutes=1)  # the same address entered again sooner (a double click) sends nothing more


class Confirmation(StrEnum):
    CONFIRMED = "confirmed"
    ALREADY = "already"  # the link was opened before: nothing to do


class ConfirmationRefused(Exception):
    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.render())


EXPIRED = Message(
    N_("確認用のリンクの有効期限（%(hours)d時間）が切れています。もう一度メールアドレスを登録してください。"),
    {"hours": CONFIRM_HOURS},
)
INVALID = Message(N_("この確認用のリンクは使えません。最後に登録したメールアドレスに届いたリンクを開いてください。"))


def _digest(address: str) -> str:
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def confirmation_token(secret_key: str, settings: MailSettings) -> str:
    """The token of the link sent to the address awaiting confirmation."""
    assert settings.pending_address is not None
    return URLSafeTimedSerializer(secret_key, salt=SALT).dumps(
        {"r": settings.resident_id, "a": _digest(settings.pending_address)}
    )


@dataclass(frozen=True)
class Requested:
    settings: MailSettings
    sent: bool  # False: the same address was entered again a moment ago, and its email is on its way


class MailSettingsService:
    def __init__(self, session: Session, actor: ActingUser, secret_key: str) -> None:
        assert actor.kind is ActorKind.RESIDENT
        self.session = session
        self.actor = actor
        self.secret_key = secret_key

    def settings(self) -> MailSettings | None:
        return self.session.get(MailSettings, self.actor.id)

    def request_address(self, text: str, language: str) -> Requested:
        """Keep ``text`` as the address awaiting confirmation and send it the link (AddressRefused when it is not
        an address). The confirmed address, if any, stays in use until the new one is confirmed."""
        address = normalised_address(text)
        settings = self._locked()
        now = jst.now()
        recent = settings.pending_since is not None and now - settings.pending_since < RESEND_AFTER
        if settings.pending_address == address and recent:
            return Requested(settings, sent=False)
        settings.pending_address = address
        settings.pending_since = now
        settings.language = language
        self.session.flush()
        notifications.address_to_confirm(self.session, self.actor.id)
        return Requested(settings, sent=True)

    def pending_for(self, token: str) -> tuple[MailSettings, bool]:
        """The settings whose address ``token`` confirms, and whether that address still awaits confirmation
        (False: it was confirmed already); or ConfirmationRefused saying why not."""
        serializer = URLSafeTimedSerializer(self.secret_key, salt=SALT)
        try:
            payload = serializer.loads(token, max_age=CONFIRM_HOURS * 3600)
        except SignatureExpired:
            raise ConfirmationRefused(EXPIRED) from None
        except BadSignature:
            raise ConfirmationRefused(INVALID) from None
        settings = self.settings()
        if not isinstance(payload, dict) or payload.get("r") != self.actor.id or settings is None:
            raise ConfirmationRefused(INVALID)
        if settings.pending_address is not None and payload.get("a") == _digest(settings.pending_address):
            return settings, True
        if settings.address is not None and payload.get("a") == _digest(settings.address):
            return settings, False  # confirmed already: opening the link again is no error
        raise ConfirmationRefused(INVALID)

    def confirm(self, token: str) -> Confirmation:
        self._locked()
        settings, pending = self.pending_for(token)
        if not pending:
            return Confirmation.ALREADY
        settings.address = settings.pending_address
        settings.confirmed_at = jst.now()
        settings.pending_address = settings.pending_since = None
        settings.enabled = True
        self.session.flush()
        return Confirmation.CONFIRMED

    def set_preferences(self, enabled: bool, language: str) -> MailSettings:
        settings = self._locked()
        settings.enabled = enabled
        settings.language = language
        self.session.flush()
        return settings

    def remove(self) -> None:
        """Forget both addresses: nothing more is sent (notifications already written are skipped when sent)."""
        settings = self._locked()
        settings.address = settings.confirmed_at = None
        settings.pending_address = settings.pending_since = None
        self.session.flush()

    def _locked(self) -> MailSettings:
        """The resident's settings, created when missing, with their row locked (two tabs take turns)."""
        self.session.execute(select(Resident.id).filter_by(id=self.actor.id).with_for_update())
        settings = self.session.get(MailSettings, self.actor.id, populate_existing=True)
        if settings is None:
            settings = MailSettings(resident_id=self.actor.id)
            self.session.add(settings)
            self.session.flush()
        return settings
