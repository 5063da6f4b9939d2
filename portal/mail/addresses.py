"""A resident's email address as the settings page takes it: normalised, checked for its shape only (whether it
exists is what the confirmation link proves)."""

from __future__ import annotations

from email_validator import EmailNotValidError, validate_email

from portal.catalog.normalize import half_width_ascii
from portal.messages import N_, Message

MAX_ADDRESS_LENGTH = 254  # RFC 5321's limit on a path; MailSettings.address


class AddressRefused(ValueError):
    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(message.render())


def normalised_address(text: str) -> str:
    """The address as it will be kept and used (full-width letters made half-width, the domain lower-cased),
    or :class:`AddressRefused` saying what is wrong."""
    value = half_width_ascii(text or "").strip()
    if not value:
        raise AddressRefused(Message(N_("メールアドレスを入力してください。")))
    if len(value) > MAX_ADDRESS_LENGTH:
        raise AddressRefused(
            Message(N_("メールアドレスは%(max)d文字以内で入力してください。"), {"max": MAX_ADDRESS_LENGTH})
        )
    try:
        normalized = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise AddressRefused(
            Message(N_("メールアドレスの形式が正しくありません。例：madoguchi@example.jp のように入力してください。"))
        ) from None
    if len(normalized) > MAX_ADDRESS_LENGTH:  # an internationalised domain can grow
        raise AddressRefused(
            Message(N_("メールアドレスは%(max)d文字以内で入力してください。"), {"max": MAX_ADDRESS_LENGTH})
        )
    return normalized
