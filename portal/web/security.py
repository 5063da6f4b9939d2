"""CSRF on every form, NUL bytes refused, and response headers that keep pages from being framed or sniffed."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self' http: https:; frame-ancestors 'none'; base-uri 'self'"
)


def _refuse_nul() -> None:
    """No person types NUL and PostgreSQL cannot store it: refuse it before it reaches a query (a 500)."""
    texts = [request.path]
    for values in (request.args, request.form):
        for key, value in values.items(multi=True):
            texts += (key, value)
    if any("\x00" in text for text in texts):
        abort(400)


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.before_request(_refuse_nul)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
