"""Pages every visitor sees alike (the list of municipalities, a municipality's page, a procedure's page), while
nobody is logged in: rendered once per content version, path, language and day in each process, and cacheable
by a CDN or a browser (``Cache-Control: public``, an ETag and 304 on ``If-None-Match``).

"Nobody" is strict: the request carries no session cookie at all, so no login, flash message or CSRF token can
be on the page, and the page rendered none either (a session it started is a reason not to share it). Any
other request is rendered for its person as before, and a logged-in one stays ``no-store`` (portal.web.security).

A kept page is found before the blueprint loads anything (an app-wide URL preprocessor runs first), so serving
it costs no query and no rendering; the request log, the security headers and the language's ``Vary`` are
added to it as to any response.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, request, session
from flask_babel import get_locale

from portal.database import db
from portal.japan import jst
from portal.web.current import current_content

MAX_AGE = 60  # seconds a CDN or browser may show a public page without asking: a setting shows within a minute
PAGE = "page"  # the content cache's key of a rendered page
MARK = "public_page"  # set on the views public_page wraps

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Page:
    body: str
    etag: str


def _nobody() -> bool:
    return request.method in ("GET", "HEAD") and current_app.config["SESSION_COOKIE_NAME"] not in request.cookies


def public_page(view: F) -> F:
    """The view's page for anonymous visitors, rendered once per content version; anyone else gets it rendered."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = g.get("public_key")
        if key is None:
            return view(*args, **kwargs)
        if served_from_cache():
            return g.public_page.body
        body = view(*args, **kwargs)
        if isinstance(body, str) and not session.modified:
            g.public_page = Page(body, hashlib.sha256(body.encode()).hexdigest()[:32])
            current_content().store(*key, g.public_page)
        return body

    setattr(wrapper, MARK, True)
    return wrapper  # type: ignore[return-value]


def served_from_cache() -> bool:
    """Whether this request's page was kept from an earlier one: the view renders nothing and loads nothing."""
    return bool(g.get("public_hit"))


def _find(endpoint: str | None, _values: dict[str, Any] | None) -> None:
    view = current_app.view_functions.get(endpoint or "")
    if not getattr(view, MARK, False) or not _nobody():
        return
    token = current_content().token(db.session)
    # the day too: a procedure's window opens and closes with it (JST)
    g.public_key = (token, (PAGE, request.full_path, str(get_locale()), jst.today()))
    found, page = current_content().lookup(*g.public_key)
    if found:
        g.public_page, g.public_hit = page, True


def _shareable(response: Response) -> Response:
    page: Page | None = g.get("public_page")
    if page is None or response.status_code != 200 or session.modified:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = MAX_AGE
    response.set_etag(page.etag)
    if request.if_none_match.contains(page.etag):
        response.status_code = 304  # werkzeug sends no body and no entity headers with it
    return response


def init_app(app: Flask) -> None:
    app.url_value_preprocessor(_find)
    app.after_request(_shareable)
