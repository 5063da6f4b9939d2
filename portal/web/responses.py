"""Responses shared by the resident and back-office blueprints."""

from __future__ import annotations

from flask import Response, current_app, flash, redirect
from flask_babel import gettext

from portal.messages import Message
from portal.models import Certificate


def pdf_response(issued: Certificate) -> Response:
    """The stored certificate as a download; personal data, so never cached by shared caches."""
    assert issued.pdf is not None, "only a rendered certificate is delivered"
    response = current_app.response_class(issued.pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{issued.issue_number}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def refused(reason: Message, back_to: str) -> tuple[Response, int]:
    """An action refused with nothing changed: its reason shown on the page the person came from (303)."""
    flash(reason.render(gettext), "error")
    return redirect(back_to), 303
