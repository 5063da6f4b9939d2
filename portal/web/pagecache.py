"""Public pages answered in front of Flask from this process's copy, as a CDN's edge would answer them.

portal.web.public renders a page every anonymous visitor sees alike and marks it shareable (``Cache-Control:
public``, an ETag). This WSGI layer keeps such a response whole (headers and bytes) under the content token, the
URL, the language and the day in Japan, and answers the next anonymous GET or HEAD for the same key from it
without entering Flask: no session, no database session (but the token's read, at most every few seconds), no
rendering, no rate limit (a copy costs what it would cost a CDN). Each answer still gets its own X-Request-ID, a
request log record with its metrics, and a 304 when ``If-None-Match`` names the ETag.

Only what Flask itself made shareable is kept: a 200 with ``Cache-Control: public`` and no cookie set, to a GET
without the session cookie. A request that must set the language cookie (``?lang=`` unlike the cookie) goes to
Flask, as does anything with the session cookie: a visitor who logged in, or started to, is never served a copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import unquote_etag
from werkzeug.wrappers import Request, Response

from portal.contentcache import ContentCache
from portal.database import Database
from portal.japan import jst
from portal.models.content import ROW, ContentVersion
from portal.web import i18n
from portal.web.current import CONTENT_EXTENSION
from portal.web.requestlog import LOGGED, Logged, request_id_of, write_record

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
PAGE = "page"  # the content cache's key of a kept response
PER_REQUEST = frozenset({"x-request-id"})  # headers each answer gets anew


@dataclass(frozen=True)
class Kept:
    headers: list[tuple[str, str]]
    body: bytes
    etag: str
    where: Logged  # the request log's route and municipality for the page


class PageCache:
    def __init__(self, app: Flask, portal: WSGIApp) -> None:
        self.app = app
        self.portal = portal

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        started = time.perf_counter()
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.portal(environ, start_response)
        incoming = Request(environ)
        languages = i18n.offered_by(self.app)
        if self.app.config["SESSION_COOKIE_NAME"] in incoming.cookies or i18n.to_remember(incoming, languages):
            return self.portal(environ, start_response)
        content: ContentCache = self.app.extensions[CONTENT_EXTENSION]
        try:
            token = content.shared_token(self._read_token)
        except SQLAlchemyError:  # the portal answers as it can (its error page) without a copy
            return self.portal(environ, start_response)
        language, _headers_chose_it = i18n.language_of(incoming, languages)
        key = (PAGE, incoming.host, incoming.root_path, incoming.full_path, language.code, jst.today())
        found, kept = content.lookup(token, key)
        if found:
            return self._answer(kept, incoming, started)(environ, start_response)
        if incoming.method != "GET":
            return self.portal(environ, start_response)
        return self._keep(content, token, key, environ, start_response)

    def _read_token(self) -> str:
        database: Database = self.app.extensions["database"]
        assert database.sessionmaker is not None
        with database.sessionmaker() as session:
            return session.scalars(select(ContentVersion.token).filter_by(id=ROW)).one()

    def _answer(self, kept: Kept, incoming: Request, started: float) -> Response:
        response = Response(kept.body, 200, kept.headers)
        request_id = request_id_of(incoming.headers, self.app.config.get("REQUEST_ID_HEADER"))
        response.headers["X-Request-ID"] = request_id
        if incoming.if_none_match.contains(kept.etag):
            response.status_code = 304  # werkzeug sends no body and no entity headers with it
        write_record(request_id, incoming.method, kept.where, response.status_code, time.perf_counter() - started)
        return response

    def _keep(
        self,
        content: ContentCache,
        token: str,
        key: tuple[object, ...],
        environ: dict[str, Any],
        start_response: Callable[..., Any],
    ) -> Iterable[bytes]:
        """The portal's answer, passed on; kept too when the portal made it shareable."""
        sent: list[Any] = []

        def noting(status: str, headers: list[tuple[str, str]], *exc_info: Any) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, *exc_info)

        answer = self.portal(environ, noting)
        where = environ.get(LOGGED)
        if not sent or not isinstance(where, Logged) or not _shareable(*sent):
            return answer
        try:
            body = b"".join(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        headers = [(name, value) for name, value in sent[1] if name.lower() not in PER_REQUEST]
        etag = next(unquote_etag(value)[0] for name, value in headers if name.lower() == "etag")
        content.store(token, key, Kept(headers, body, etag, where))
        return [body]


def _shareable(status: str, headers: list[tuple[str, str]]) -> bool:
    names = {name.lower(): value for name, value in headers}
    return (
        status.startswith("200 ")
        and "public" in names.get("cache-control", "")
        and "etag" in names
        and "set-cookie" not in names
    )


def init_app(app: Flask) -> None:
    """Call before anything else wraps ``app.wsgi_app`` (the proxy fix): copies are kept by the host the load
    balancer received the request for."""
    app.wsgi_app = PageCache(app, app.wsgi_app)  # type: ignore[method-assign]
