"""The one way a check says no: a message for the person who chose the file."""

from __future__ import annotations

from typing import Any

from portal.messages import Message


class Refused(Exception):
    """Raised inside the checks; :func:`portal.attachments.check_upload` returns its message."""

    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.message = Message(msgid, params)
