"""Email without Flask: the SMTP server SMTP_URL names, and residents' addresses as they are checked and kept.

What an email says (templates, language, links) is the web layer's (portal.web.notifications); who gets which
email and when is the outbox's (portal.services.notifications).
"""

from __future__ import annotations

from portal.mail.addresses import MAX_ADDRESS_LENGTH, AddressRefused, normalised_address
from portal.mail.smtp import Security, SmtpServer, SmtpUrlError, parse_smtp_url

__all__ = [
    "MAX_ADDRESS_LENGTH",
    "AddressRefused",
    "Security",
    "SmtpServer",
    "SmtpUrlError",
    "normalised_address",
    "parse_smtp_url",
]
