"""The development mail sink: an SMTP server on a loopback port that keeps every message it receives as an .eml
file (instance/mail/ by default), listed by the development-only page /dev/mail (portal.devtools.mailbox).

``scripts/dev`` starts it beside the portal, whose development SMTP_URL points at it; the tests start one of
their own. It never runs in production: nothing is delivered anywhere, every message stays on this disk.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from portal.config import Environment

DEFAULT_PORT = 8025
# aiosmtpd logs every sender and recipient at INFO: addresses stay out of the logs, even in development.
SMTP_LOG = "mail.log"


class ProductionRefusedError(RuntimeError):
    pass


class EmlWriter:
    """aiosmtpd's handler: each message as ``<UTC time>-<random>.eml``, written whole before it appears."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        name = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:8]}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.directory / name)
        return "250 Message accepted for delivery"


@dataclass
class MailSink:
    directory: Path
    controller: Controller

    @property
    def url(self) -> str:
        """The SMTP_URL that reaches it."""
        return f"smtp://{self.controller.hostname}:{self.controller.port}"

    def files(self) -> list[Path]:
        """The messages received so far, oldest first."""
        return sorted(self.directory.glob("*.eml"))

    def stop(self) -> None:
        self.controller.stop()


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def start_mail_sink(
    directory: Path, host: str = "127.0.0.1", port: int = DEFAULT_PORT, environment: Environment | str = "development"
) -> MailSink:
    """Start the sink in a thread of this process (``port`` 0: any free port)."""
    if Environment(environment) is Environment.PRODUCTION:
        raise ProductionRefusedError("the development mail sink must never run in production")
    directory.mkdir(parents=True, exist_ok=True)
    logging.getLogger(SMTP_LOG).setLevel(logging.WARNING)
    controller = Controller(
        EmlWriter(directory), hostname=host, port=port or free_port(host), enable_SMTPUTF8=True, ready_timeout=10
    )
    controller.start()
    return MailSink(directory, controller)
