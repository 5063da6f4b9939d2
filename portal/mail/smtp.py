"""The SMTP server notifications go through, as ``SMTP_URL`` names it.

``smtp://host[:port]`` speaks plain SMTP (a relay on the same machine, or the development sink);
``smtp+starttls://`` upgrades with STARTTLS (port 587 by default); ``smtps://`` is TLS from the first byte (465).
A user name and password in the URL (percent-encoded) log in; production sends them over TLS only.
"""

from __future__ import annotations

import ipaddress
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from enum import StrEnum
from urllib.parse import unquote, urlsplit


class Security(StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    TLS = "tls"


SCHEMES = {"smtp": Security.NONE, "smtp+starttls": Security.STARTTLS, "smtps": Security.TLS}
DEFAULT_PORTS = {Security.NONE: 25, Security.STARTTLS: 587, Security.TLS: 465}
TIMEOUT_SECONDS = 30.0  # connecting and each command: a stuck server must not hold a worker for long


class SmtpUrlError(ValueError):
    """SMTP_URL cannot name a server; the text says why (the URL itself is not repeated: it may hold a password)."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    username: str = ""
    password: str = field(default="", repr=False)
    timeout: float = TIMEOUT_SECONDS

    @property
    def loopback(self) -> bool:
        """On this machine: a local relay or the development sink, which plain SMTP may reach."""
        if self.host == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.host).is_loopback
        except ValueError:
            return False

    def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the server; any refusal or network failure raises (smtplib's, OSError)."""
        context = ssl.create_default_context()
        client: smtplib.SMTP
        if self.security is Security.TLS:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.security is Security.STARTTLS:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password)
            client.send_message(message)


def parse_smtp_url(url: str) -> SmtpServer:
    parts = urlsplit(url)
    security = SCHEMES.get(parts.scheme)
    if security is None:
        raise SmtpUrlError(f"the scheme must be one of {', '.join(SCHEMES)}")
    try:
        port = parts.port
    except ValueError:
        raise SmtpUrlError("the port is not a number from 1 to 65535") from None
    if not parts.hostname:
        raise SmtpUrlError("no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SmtpUrlError("only scheme, user, password, host and port: no path or query")
    if port == 0:
        raise SmtpUrlError("the port is not a number from 1 to 65535")
    username, password = unquote(parts.username or ""), unquote(parts.password or "")
    if password and not username:
        raise SmtpUrlError("a password without a user name")
    return SmtpServer(parts.hostname, port or DEFAULT_PORTS[security], security, username, password)
