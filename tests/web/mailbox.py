"""Reading what the mail sink received, and registering a resident's address the way a resident does."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from urllib.parse import urlsplit

from flask.testing import FlaskClient


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str
    raw: bytes
    message: EmailMessage

    @property
    def links(self) -> list[str]:
        return re.findall(r"https?://\S+", self.body)

    def everything(self) -> str:
        """Every header and the decoded body: what a search for personal data must look through."""
        headers = "\n".join(f"{key}: {value}" for key, value in self.message.items())
        return f"{headers}\n{self.body}\n{self.raw.decode('utf-8', 'replace')}"


@dataclass(frozen=True)
class Mailbox:
    directory: Path

    def clear(self) -> None:
        for path in self.directory.glob("*.eml"):
            path.unlink()

    def received(self) -> list[Mail]:
        """Oldest first."""
        mails = []
        for path in sorted(self.directory.glob("*.eml")):
            raw = path.read_bytes()
            message = BytesParser(policy=policy.default).parsebytes(raw)
            body = message.get_body(preferencelist=("plain",))
            mails.append(
                Mail(str(message["To"]), str(message["Subject"]), body.get_content() if body else "", raw, message)  # type: ignore[arg-type]
            )
        return mails

    def to(self, address: str) -> list[Mail]:
        return [mail for mail in self.received() if mail.to == address]

    def subjects(self, address: str) -> list[str]:
        return [mail.subject for mail in self.to(address)]


def register_address(client: FlaskClient, mailbox: Mailbox, address: str) -> None:
    """Enter ``address`` on the settings page, open the link emailed to it and confirm, as the resident would."""
    from tests.web.journeys import post_form

    entered = post_form(
        client, "/account/notifications/address", {"address": address}, token_from="/account/notifications"
    )
    assert entered.status_code == 303, entered.text
    [confirmation] = [mail for mail in mailbox.to(address) if "確認" in mail.subject or "Confirm" in mail.subject][-1:]
    [link] = confirmation.links
    path = urlsplit(link).path
    page = client.get(path)
    assert page.status_code == 200 and address in page.text
    confirmed = post_form(client, path, {})
    assert confirmed.status_code == 303, confirmed.text
