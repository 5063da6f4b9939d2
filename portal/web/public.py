"""Pages every visitor sees alike (the list of municipalities, a municipality's page, a procedure's page), while
nobody is logged in: shareable by a CDN or a browser (``Cache-Control: public``, an ETag and 304 on
``If-None-Match``), and kept whole in each process by portal.web.pagecache, which answers the next visitor in
front of Flask.

"Nobody" is strict: the request carries no session cookie at all, so no login, flash message or CSRF token can
be on the page, and the page rendered none either (a session it started is a reason not to share it). Any
other request is rendered for its person as before, and a logged-in one stays ``no-store`` (portal.web.security).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, session

MAX_AGE = 60  # seconds a CDN or browser may show a public page without asking: a setting shows within a minute
ETAG = "public_etag"  # in g: the ETag of the shareable page this request rendered

F = TypeVar("F", bound=Callable[..., Any])


def _nobody() -> bool:
    return request.method in ("GET", "HEAD") and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def public_page(view: F) -> F:
    """The view's page, shareable when nobody asked for it and it started no session."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        body = view(*args, **kwargs)
        if isinstance(body, str) and _nobody() and not session.modified:
            setattr(g, ETAG, hashlib.sha256(body.encode()).hexdigest()[:32])
        return body

    return wrapper  # type: ignore[return-value]


def _shareable(response: Response) -> Response:
    etag: str | None = g.get(ETAG)
    if etag is None or response.status_code != 200 or session.modified:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.set_etag(etag)
    if request.if_none_match.contains(etag):
        response.status_code = 304  # werkzeug sends no body and no entity headers with it
    return response


def init_app(app: Flask) -> None:
    app.after_request(_shareable)
