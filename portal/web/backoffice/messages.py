"""Staff's side of a case's conversation: writing to the applicant from the case page (portal.web.conversation)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from portal.roles import Permission
from portal.web import conversation
from portal.web.access import staff_actor, staff_required
from portal.web.backoffice.views import _staff_submission, bp, submission

conversation.register(bp)


@bp.post("/submissions/<reference>/messages")
@staff_required(Permission.VIEW_SUBMISSION)
def post_message(reference: str) -> Any:
    """Another municipality's submission is not found (404)."""
    found = _staff_submission(reference)
    back_to = url_for(".submission", reference=reference, _anchor=conversation.ANCHOR)
    return conversation.post(found, staff_actor(), lambda: submission(reference=reference), back_to)
