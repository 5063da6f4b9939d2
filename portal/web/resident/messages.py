"""The resident's side of a case's conversation: answering on their application page (portal.web.conversation)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from portal.web import conversation
from portal.web.access import resident_actor, resident_required
from portal.web.resident.views import _own, application, bp

conversation.register(bp)


@bp.post("/<municipality:code>/applications/<reference>/messages")
@resident_required
def post_message(code: str, reference: str) -> Any:
    """Another resident's application, or another municipality's, is not found (404)."""
    submission = _own(reference)
    back_to = url_for(".application", reference=reference, _anchor=conversation.ANCHOR)
    return conversation.post(submission, resident_actor(), lambda: application(code=code, reference=reference), back_to)
