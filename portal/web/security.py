"""CSRF on every form, NUL bytes refused, and response headers that keep pages from being framed, sniffed,
downgraded to http or kept in a cache."""

from __future__ import annotations

from flask import Flask, Response, abort, g, request, session
from flask_wtf.csrf import CSRFProtect

from portal.config import Environment
from portal.web import attachments
from portal.web.access import RESIDENT_KEY, STAFF_KEY
from portal.web.sessions import is_shared

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'{form_targets}; frame-ancestors 'none'; base-uri 'self'"
)
STRICT_TRANSPORT_SECURITY = "max-age=63072000; includeSubDomains"  # two years, as hstspreload.org recommends


def _refuse_nul() -> None:
    """No person types NUL and PostgreSQL cannot store it: refuse it before it reaches a query (a 500)."""
    texts = [request.path]
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            texts += (key, value)
    if any("\x00" in text for text in texts):
        abort(400)


def _logged_in() -> bool:
    return RESIDENT_KEY in session or STAFF_KEY in session  # ``in`` does not mark the session as read


def _note_login() -> None:
    """Remembered from the start of the request: the response to a logout belongs to the person leaving."""
    g.arrived_logged_in = _logged_in()


def _keep_out_of_caches(response: Response) -> None:
    """A logged-in person's pages show personal data: no browser history or shared cache may keep them (the
    back button after logout on a shared terminal). Anonymous pages keep their cacheable policy, and so do responses
    the same for everyone (static files, open data: portal.web.sessions.shared)."""
    if request.endpoint == "static" or is_shared():
        return
    if not (g.get("arrived_logged_in") or _logged_in()):
        return
    if not response.cache_control.no_store:
        response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")


def init_app(app: Flask) -> None:
    app.before_request(attachments.before_the_form_is_read)  # registered first: CSRFProtect reads the form
    csrf.init_app(app)
    app.before_request(_note_login)
    app.before_request(_refuse_nul)
    production = app.config["ENVIRONMENT"] is Environment.PRODUCTION

    @app.after_request
    def _headers(response: Response) -> Response:
        # A page whose form is redirected to a payment provider names its origin (portal.web.resident.views).
        form_targets = "".join(f" {origin}" for origin in g.get("form_action_origins", ()))
        response.headers.setdefault(
            "Content-Security-Policy", CONTENT_SECURITY_POLICY.format(form_targets=form_targets)
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if production:
            response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
        _keep_out_of_caches(response)
        return response
